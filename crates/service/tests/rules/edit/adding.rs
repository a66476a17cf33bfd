//! R2 adding, R3 invites and R11 plan limits.

use serde_json::json;
use switchboard_domain::{Availability, Plan, UserStatus};
use switchboard_service::accounts::AccountPatch;
use switchboard_service::invites::InviteState;
use switchboard_testkit::{TestApp, both_backends, new_user};

use crate::edit::{domain_refusal, mails_to, parse_errors, patch, refusal, role_id, token_in};

fn fields(errors: &[switchboard_domain::FieldError]) -> Vec<(&str, &str)> {
    errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
}

async fn a_user_needs_a_name_and_an_email_or_a_mobile(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    assert_eq!(
        fields(&parse_errors(json!({}))),
        [("name", "required"), ("email", "required")]
    );
    assert_eq!(
        fields(&parse_errors(json!({"name": "Priya Sharma"}))),
        [("email", "required")]
    );
    assert_eq!(
        fields(&parse_errors(
            json!({"name": "  ", "email": "priya@acme.example.com"})
        )),
        [("name", "required")]
    );
    assert_eq!(
        fields(&parse_errors(
            json!({"name": "Priya Sharma", "email": " ", "mobile": ""})
        )),
        [("email", "required")]
    );

    let by_mobile = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(json!({"name": "Priya Sharma", "mobile": "+919876543210"})),
        )
        .await
        .unwrap()
        .user;
    assert!(by_mobile.email.is_none());
    assert_eq!(by_mobile.mobile.unwrap().as_str(), "+919876543210");
    let by_email = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(json!({"name": "Ravi Kumar", "email": "ravi@acme.example.com"})),
        )
        .await
        .unwrap()
        .user;
    assert!(by_email.mobile.is_none());
    assert_eq!(by_email.email.unwrap().as_str(), "ravi@acme.example.com");

    // A Panel Access user needs an email for the invite.
    let err = domain_refusal(
        app.sb
            .add_user(
                &acct.owner_ctx,
                new_user(
                    json!({"name": "Mo Bile", "mobile": "+919876543211", "panel_access": true}),
                ),
            )
            .await,
    );
    assert_eq!(err.code(), "validation_failed");
    assert_eq!(fields(&err.field_errors()), [("email", "required")]);
}

async fn each_invalid_field_is_refused_naming_the_field_and_the_reason(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let base = || json!({"name": "Priya Sharma", "email": "priya@acme.example.com"});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base();
        b[k] = v;
        b
    };
    let cases = [
        (with("email", json!("priya@@acme")), "email", "invalid"),
        (
            with("email", json!("priya.acme.example.com")),
            "email",
            "invalid",
        ),
        (with("email", json!("priya@localhost")), "email", "invalid"),
        (with("mobile", json!("9876543210")), "mobile", "invalid"),
        (with("mobile", json!("+91-98765")), "mobile", "invalid"),
        (
            with("mobile", json!("+91 98765 4321x")),
            "mobile",
            "invalid",
        ),
        (
            with("alternate_mobile", json!("12345")),
            "alternate_mobile",
            "invalid",
        ),
        (with("extension", json!("012")), "extension", "invalid"),
        (with("extension", json!("2a4")), "extension", "invalid"),
        (
            with("time_zone", json!("Mars/Olympus_Mons")),
            "time_zone",
            "invalid",
        ),
        (with("name", json!("x".repeat(101))), "name", "too_long"),
        (
            with(
                "call_hours",
                json!({"monday": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}]}),
            ),
            "call_hours.monday",
            "overlap",
        ),
        (
            with(
                "call_hours",
                json!({"monday": [{"start": "09:00", "end": "25:00"}]}),
            ),
            "call_hours.monday[0]",
            "invalid",
        ),
    ];
    for (input, field, code) in cases {
        let errors = parse_errors(input.clone());
        assert_eq!(fields(&errors), [(field, code)], "input {input}");
        assert!(!errors[0].message.is_empty());
    }
    // The message says what is wrong with the value given.
    let e = parse_errors(with("extension", json!("012")));
    assert!(e[0].message.contains("start with 0"), "{}", e[0].message);
    let e = parse_errors(with("name", json!("x".repeat(101))));
    assert!(e[0].message.contains("100"), "{}", e[0].message);

    // Every problem of one input is reported at once.
    let all = parse_errors(json!({
        "name": "x".repeat(101), "email": "nope", "mobile": "123", "extension": "012",
        "time_zone": "Nowhere/City"
    }));
    assert_eq!(
        all.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["name", "email", "mobile", "extension", "time_zone"]
    );

    // The same input, corrected, is accepted; nothing was added by the refusals.
    let ok = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(with(
                "call_hours",
                json!({"monday": [{"start": "09:00", "end": "12:00"}, {"start": "12:00", "end": "17:00"}]}),
            )),
        )
        .await
        .unwrap();
    assert_eq!(ok.user.call_hours.slots().len(), 2);
    let usage = app.sb.plan_usage(&acct.owner_ctx).await.unwrap();
    assert_eq!(usage.users_used, 2);
}

async fn a_name_is_trimmed_and_may_be_exactly_100_characters(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let long = "n".repeat(100);
    let u = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(json!({"name": format!("  {long}  "), "mobile": "+919876543210"})),
        )
        .await
        .unwrap()
        .user;
    assert_eq!(u.name.as_str(), long);
}

async fn an_extension_outside_the_account_range_is_refused(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    for ext in ["1000", "99", "5"] {
        let err = domain_refusal(
            app.sb
                .add_user(
                    &acct.owner_ctx,
                    new_user(
                        json!({"name": "Priya Sharma", "mobile": "+919876543210", "extension": ext}),
                    ),
                )
                .await,
        );
        assert_eq!(err.code(), "extension_out_of_range", "extension {ext}");
        assert_eq!(err.field_name(), Some("extension"));
        let msg = err.to_string();
        assert!(msg.contains(ext) && msg.contains("100-999"), "{msg}");
    }
    // The edges of the range are inside it.
    for (ext, mobile) in [("999", "+919876543210"), ("101", "+919876543211")] {
        let u = app
            .sb
            .add_user(
                &acct.owner_ctx,
                new_user(json!({"name": "Edge", "mobile": mobile, "extension": ext})),
            )
            .await
            .unwrap()
            .user;
        assert_eq!(u.extension.to_string(), ext);
    }
}

async fn a_duplicate_email_is_refused_whatever_its_case_naming_the_holder(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.user(
        &acct.owner_ctx,
        json!({"name": "Priya Sharma", "email": "Priya.Sharma@Acme.example.com"}),
    )
    .await;
    for dup in [
        "priya.sharma@acme.example.com",
        "PRIYA.SHARMA@ACME.EXAMPLE.COM",
    ] {
        let err = domain_refusal(
            app.sb
                .add_user(
                    &acct.owner_ctx,
                    new_user(json!({"name": "Someone Else", "email": dup})),
                )
                .await,
        );
        assert_eq!(err.code(), "duplicate_email");
        assert_eq!(err.field_name(), Some("email"));
        assert!(err.to_string().contains("held by Priya Sharma"), "{err}");
    }
    // The owner's address is taken too.
    let err = domain_refusal(
        app.sb
            .add_user(
                &acct.owner_ctx,
                new_user(json!({"name": "Someone Else", "email": "OWNER@acme.example.com"})),
            )
            .await,
    );
    assert_eq!(err.code(), "duplicate_email");
    assert!(err.to_string().contains("Olivia Owner"), "{err}");
    assert_eq!(
        app.sb.plan_usage(&acct.owner_ctx).await.unwrap().users_used,
        2
    );
}

async fn a_duplicate_mobile_is_refused_naming_the_holder(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.user(
        &acct.owner_ctx,
        json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
    )
    .await;
    // The same number written differently is the same number.
    for dup in ["+919876543210", "+91 98765 43210", "+91-98765-43210"] {
        let err = domain_refusal(
            app.sb
                .add_user(
                    &acct.owner_ctx,
                    new_user(json!({"name": "Someone Else", "mobile": dup})),
                )
                .await,
        );
        assert_eq!(err.code(), "duplicate_mobile", "{dup}");
        assert_eq!(err.field_name(), Some("mobile"));
        assert!(err.to_string().contains("held by Priya Sharma"), "{err}");
    }
}

async fn a_taken_extension_is_refused_naming_the_holder(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.user(
        &acct.owner_ctx,
        json!({"name": "Priya Sharma", "mobile": "+919876543210", "extension": "204"}),
    )
    .await;
    let err = domain_refusal(
        app.sb
            .add_user(
                &acct.owner_ctx,
                new_user(
                    json!({"name": "Ravi Kumar", "mobile": "+919876543211", "extension": "204"}),
                ),
            )
            .await,
    );
    assert_eq!(err.code(), "extension_taken");
    assert_eq!(err.to_string(), "extension 204 is held by Priya Sharma");
    assert_eq!(
        err.field_errors()
            .iter()
            .map(|e| (e.field.as_str(), e.code))
            .collect::<Vec<_>>(),
        [("extension", "extension_taken")]
    );
}

async fn the_next_free_extension_is_assigned_filling_gaps(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let add = |n: &str, m: &str, ext: Option<&str>| {
        let mut v = json!({"name": n, "mobile": m});
        if let Some(x) = ext {
            v["extension"] = json!(x);
        }
        let sb = app.sb.clone();
        let ctx = acct.owner_ctx.clone();
        async move { sb.add_user(&ctx, new_user(v)).await.unwrap().user }
    };
    // The owner holds 100.
    add("A", "+919876543201", Some("101")).await;
    add("B", "+919876543202", Some("103")).await;
    add("C", "+919876543203", Some("104")).await;
    assert_eq!(add("D", "+919876543204", None).await.extension.value(), 102);
    assert_eq!(add("E", "+919876543205", None).await.extension.value(), 105);
    // A freed extension is reused.
    let f = add("F", "+919876543206", None).await;
    assert_eq!(f.extension.value(), 106);
    app.sb.delete_user(&acct.owner_ctx, f.id).await.unwrap();
    let g = add("G", "+919876543207", Some("500")).await;
    assert_eq!(g.extension.value(), 500);
    assert_eq!(add("H", "+919876543208", None).await.extension.value(), 106);
}

async fn free_extensions_are_listed_lowest_first_and_paged_through_the_range(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    for (m, x) in [("+919876543201", "101"), ("+919876543202", "103")] {
        app.sb
            .add_user(
                &acct.owner_ctx,
                new_user(json!({"name": "Taken", "mobile": m, "extension": x})),
            )
            .await
            .unwrap();
    }
    let values = |v: Vec<switchboard_domain::Extension>| -> Vec<u32> {
        v.into_iter().map(|x| x.value()).collect()
    };
    // The owner holds 100.
    let first = app
        .sb
        .available_extensions(&acct.owner_ctx, None, 3)
        .await
        .unwrap();
    assert_eq!(values(first), [102, 104, 105]);
    let after = switchboard_domain::Extension::parse("x", "105").unwrap();
    let next = app
        .sb
        .available_extensions(&acct.owner_ctx, Some(after), 2)
        .await
        .unwrap();
    assert_eq!(values(next), [106, 107]);
    let end = switchboard_domain::Extension::parse("x", "998").unwrap();
    let last = app
        .sb
        .available_extensions(&acct.owner_ctx, Some(end), 10)
        .await
        .unwrap();
    assert_eq!(values(last), [999]);
    let past = switchboard_domain::Extension::parse("x", "999").unwrap();
    assert!(
        app.sb
            .available_extensions(&acct.owner_ctx, Some(past), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Below the range: the page starts at the range's start.
    let low = switchboard_domain::Extension::parse("x", "5").unwrap();
    let from_low = app
        .sb
        .available_extensions(&acct.owner_ctx, Some(low), 1)
        .await
        .unwrap();
    assert_eq!(values(from_low), [102]);
}

async fn a_new_user_gets_the_defaults(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let added = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(json!({"name": "Priya Sharma", "email": "priya@acme.example.com"})),
        )
        .await
        .unwrap();
    let u = app
        .sb
        .get_user(&acct.owner_ctx, added.user.id)
        .await
        .unwrap();
    assert_eq!(u.role_id, role_id(&app, &acct.owner_ctx, "Basic").await);
    assert!(u.receive_calls);
    assert!(!u.panel_access);
    assert!(!u.voicemail);
    assert_eq!(u.status, UserStatus::Active);
    assert_eq!(u.availability, Availability::Available);
    assert_eq!(u.time_zone.as_str(), "Asia/Kolkata");
    assert!(u.call_hours.is_any_time());
    assert!(added.invite_link.is_none());
    assert!(
        mails_to(&app, &acct.owner_ctx, "priya@acme.example.com")
            .await
            .is_empty(),
        "a call-only user gets no invite"
    );

    // Given values win over the defaults.
    let v = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(json!({
                "name": "Ravi Kumar", "mobile": "+919876543211", "role": "Manager",
                "receive_calls": false, "time_zone": "Europe/Berlin", "voicemail": true
            })),
        )
        .await
        .unwrap()
        .user;
    assert_eq!(v.role_id, role_id(&app, &acct.owner_ctx, "Manager").await);
    assert!(!v.receive_calls && v.voicemail);
    assert_eq!(v.time_zone.as_str(), "Europe/Berlin");

    // The account's default time zone is the one in force when the user is added.
    app.sb
        .update_account(
            &acct.owner_ctx,
            AccountPatch {
                time_zone: Some(
                    switchboard_domain::TimeZoneName::parse("tz", "America/New_York").unwrap(),
                ),
                ..AccountPatch::default()
            },
        )
        .await
        .unwrap();
    let w = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(json!({"name": "Wen Li", "mobile": "+919876543212"})),
        )
        .await
        .unwrap()
        .user;
    assert_eq!(w.time_zone.as_str(), "America/New_York");

    // Adding is audited.
    let events = app
        .sb
        .list_audit_events(
            &acct.owner_ctx,
            &switchboard_domain::AuditFilter {
                action: Some("user.created".to_owned()),
                target_id: Some(u.id.to_string()),
                ..Default::default()
            },
            0,
            1000,
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.target_name, "Priya Sharma");
    assert_eq!(events[0].event.actor_id, Some(acct.owner.to_string()));
}

async fn a_panel_access_user_is_invited_and_activated_by_accepting_once(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let added = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(
                json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(added.user.status, UserStatus::PendingInvite);
    let link = added.invite_link.clone().expect("an invite link");

    let mails = mails_to(&app, &acct.owner_ctx, "priya@acme.example.com").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].mail.kind, "invite");
    assert!(mails[0].mail.body.contains(&link), "{}", mails[0].mail.body);
    let token = token_in(&mails[0].mail.body, "/invite/");
    let info = app
        .sb
        .invite_info(&acct.owner_ctx, added.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.state, InviteState::Open);

    let (account, user) = app
        .sb
        .accept_invite(&token, "a long enough password")
        .await
        .unwrap();
    assert_eq!((account, user), (acct.id, added.user.id));
    let u = app.sb.get_user(&acct.owner_ctx, user).await.unwrap();
    assert_eq!(u.status, UserStatus::Active);
    assert!(u.has_signed_in);
    assert_eq!(
        app.sb
            .invite_info(&acct.owner_ctx, user)
            .await
            .unwrap()
            .unwrap()
            .state,
        InviteState::Used
    );

    // The link works once.
    let again = refusal(app.sb.accept_invite(&token, "another password!").await);
    assert_eq!(again.code(), "link_invalid");
    // An unknown token is refused the same way.
    assert_eq!(
        refusal(
            app.sb
                .accept_invite("sbi_nonsense", "a long enough password")
                .await
        )
        .code(),
        "link_invalid"
    );
}

async fn resending_an_invite_kills_the_old_link(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let added = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(
                json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    let old = added.invite_link.unwrap();
    let new = app
        .sb
        .resend_invite(&acct.owner_ctx, added.user.id)
        .await
        .unwrap()
        .expect("a new link");
    assert_ne!(old, new);
    let mails = mails_to(&app, &acct.owner_ctx, "priya@acme.example.com").await;
    assert_eq!(mails.len(), 2);
    assert!(
        mails[0].mail.body.contains(&new),
        "newest mail has the new link"
    );

    let old_token = old.rsplit('/').next().unwrap();
    let err = refusal(
        app.sb
            .accept_invite(old_token, "a long enough password")
            .await,
    );
    assert_eq!(err.code(), "link_invalid");
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .status,
        UserStatus::PendingInvite
    );
    app.accept(&new).await;
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .status,
        UserStatus::Active
    );
    // Once active there is nothing to resend.
    assert_eq!(
        refusal(app.sb.resend_invite(&acct.owner_ctx, added.user.id).await).code(),
        "invalid_state"
    );
}

async fn an_invite_expires_after_seven_days_and_shows_as_expired(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let added = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(
                json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    let token = added
        .invite_link
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let sent = app.sb.now();
    let info = app
        .sb
        .invite_info(&acct.owner_ctx, added.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        info.expires_at,
        sent.checked_add(jiff::SignedDuration::from_hours(7 * 24))
            .unwrap()
    );

    app.clock
        .advance(jiff::SignedDuration::from_hours(7 * 24 - 1));
    assert_eq!(
        app.sb
            .invite_info(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        InviteState::Open
    );
    app.clock.advance(jiff::SignedDuration::from_hours(1));
    assert_eq!(
        app.sb
            .invite_info(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        InviteState::Expired
    );
    let err = refusal(app.sb.accept_invite(&token, "a long enough password").await);
    assert_eq!(err.code(), "link_invalid");
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .status,
        UserStatus::PendingInvite
    );

    // A resent invite works again.
    let link = app
        .sb
        .resend_invite(&acct.owner_ctx, added.user.id)
        .await
        .unwrap()
        .unwrap();
    app.accept(&link).await;
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .status,
        UserStatus::Active
    );
}

async fn under_sso_the_invite_sends_people_to_the_identity_provider_without_a_link(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.sb
        .set_sso_connection(
            &acct.owner_ctx,
            &switchboard_testkit::oidc::offline_connection(true),
            Some("client-secret"),
        )
        .await
        .unwrap();
    let added = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(
                json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(added.user.status, UserStatus::PendingInvite);
    assert!(added.invite_link.is_none());
    let mails = mails_to(&app, &acct.owner_ctx, "priya@acme.example.com").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].mail.kind, "invite");
    let body = &mails[0].mail.body;
    assert!(body.contains("Sign in with Okta"), "{body}");
    assert!(body.contains("/sign-in/acme"), "{body}");
    assert!(!body.contains("/invite/"), "no password link: {body}");
    assert!(!body.to_lowercase().contains("set your password"), "{body}");
}

async fn a_free_account_refuses_a_sixth_user_counting_the_owner(app: TestApp) {
    let acct = app.account("Freebie", Plan::Free, 0).await;
    for i in 1..=3 {
        app.user(
            &acct.owner_ctx,
            json!({"name": format!("User {i}"), "mobile": format!("+91987654321{i}")}),
        )
        .await;
    }
    // Panel Access users and call-only users count alike; the fifth fits.
    app.user(
        &acct.owner_ctx,
        json!({"name": "User 4", "email": "u4@freebie.example.com", "panel_access": true}),
    )
    .await;
    for input in [
        json!({"name": "User 6", "mobile": "+919876543216"}),
        json!({"name": "User 6", "email": "u6@freebie.example.com", "panel_access": true}),
    ] {
        let err = domain_refusal(app.sb.add_user(&acct.owner_ctx, new_user(input)).await);
        assert_eq!(err.code(), "user_limit_reached");
        assert!(err.to_string().contains('5'), "{err}");
    }
    let usage = app.sb.plan_usage(&acct.owner_ctx).await.unwrap();
    assert_eq!((usage.users_used, usage.users_limit), (5, Some(5)));
}

async fn a_pro_account_refuses_panel_access_past_its_seats_but_takes_call_only_users(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 3).await;
    app.user(
        &acct.owner_ctx,
        json!({"name": "Seat Two", "email": "two@acme.example.com", "panel_access": true}),
    )
    .await;
    // A pending invite holds a seat too.
    app.sb
        .add_user(
            &acct.owner_ctx,
            new_user(
                json!({"name": "Seat Three", "email": "three@acme.example.com", "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    let err = domain_refusal(
        app.sb
            .add_user(
                &acct.owner_ctx,
                new_user(
                    json!({"name": "Seat Four", "email": "four@acme.example.com", "panel_access": true}),
                ),
            )
            .await,
    );
    assert_eq!(err.code(), "seat_limit_reached");
    assert!(err.to_string().contains('3'), "{err}");
    for i in 0..4 {
        app.sb
            .add_user(
                &acct.owner_ctx,
                new_user(
                    json!({"name": format!("Caller {i}"), "email": format!("caller{i}@acme.example.com")}),
                ),
            )
            .await
            .unwrap();
    }
    let usage = app.sb.plan_usage(&acct.owner_ctx).await.unwrap();
    assert_eq!((usage.seats_used, usage.seats_limit), (3, Some(3)));
    assert_eq!(usage.users_used, 7);
}

async fn turning_on_panel_access_past_the_seat_limit_is_refused(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 2).await;
    let second = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Seat Two", "email": "two@acme.example.com", "panel_access": true}),
        )
        .await;
    let caller = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Call Only", "email": "caller@acme.example.com"}),
        )
        .await;
    let err = domain_refusal(
        app.sb
            .edit_user(
                &acct.owner_ctx,
                caller,
                patch(json!({"panel_access": true})),
                None,
            )
            .await,
    );
    assert_eq!(err.code(), "seat_limit_reached");
    let u = app.sb.get_user(&acct.owner_ctx, caller).await.unwrap();
    assert!(!u.panel_access);
    assert_eq!(u.status, UserStatus::Active);
    assert!(
        mails_to(&app, &acct.owner_ctx, "caller@acme.example.com")
            .await
            .is_empty()
    );

    // Freeing a seat lets it through, and the user is invited.
    app.sb
        .deactivate_user(&acct.owner_ctx, second, None)
        .await
        .unwrap();
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            caller,
            patch(json!({"panel_access": true})),
            None,
        )
        .await
        .unwrap();
    assert!(u.panel_access);
    assert_eq!(u.status, UserStatus::PendingInvite);
    let mails = mails_to(&app, &acct.owner_ctx, "caller@acme.example.com").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].mail.kind, "invite");
    token_in(&mails[0].mail.body, "/invite/");
}

both_backends!(
    a_user_needs_a_name_and_an_email_or_a_mobile,
    each_invalid_field_is_refused_naming_the_field_and_the_reason,
    a_name_is_trimmed_and_may_be_exactly_100_characters,
    an_extension_outside_the_account_range_is_refused,
    a_duplicate_email_is_refused_whatever_its_case_naming_the_holder,
    a_duplicate_mobile_is_refused_naming_the_holder,
    a_taken_extension_is_refused_naming_the_holder,
    the_next_free_extension_is_assigned_filling_gaps,
    free_extensions_are_listed_lowest_first_and_paged_through_the_range,
    a_new_user_gets_the_defaults,
    a_panel_access_user_is_invited_and_activated_by_accepting_once,
    resending_an_invite_kills_the_old_link,
    an_invite_expires_after_seven_days_and_shows_as_expired,
    under_sso_the_invite_sends_people_to_the_identity_provider_without_a_link,
    a_free_account_refuses_a_sixth_user_counting_the_owner,
    a_pro_account_refuses_panel_access_past_its_seats_but_takes_call_only_users,
    turning_on_panel_access_past_the_seat_limit_is_refused,
);
