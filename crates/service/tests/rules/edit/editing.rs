//! Editing users: R4 immutable mobile, R5 email change, R6 SSO-managed fields, R7 on
//! demotion, merge semantics, version preconditions and tenant isolation.

use serde_json::json;
use switchboard_domain::AuditFilter;
use switchboard_domain::{
    Email, ExtensionRange, IdpField, Name, Plan, SsoSettings, TimeZoneName, UserStatus,
};
use switchboard_service::Ctx;
use switchboard_service::accounts::{AccountPatch, NewAccount};
use switchboard_service::users::UserQuery;
use switchboard_testkit::{TestApp, both_backends, new_user};

use crate::edit::{department, domain_refusal, mails_to, patch, refusal, role_id, token_in};

async fn changing_a_set_mobile_is_refused_as_immutable(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let id = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    for change in [json!("+919876543211"), json!(null), json!("")] {
        let err = domain_refusal(
            app.sb
                .edit_user(
                    &acct.owner_ctx,
                    id,
                    patch(json!({"mobile": change, "name": "Priya S."})),
                    None,
                )
                .await,
        );
        assert_eq!(err.code(), "mobile_immutable", "mobile {change}");
        assert_eq!(err.field_name(), Some("mobile"));
        assert!(err.to_string().contains("Replace user"), "{err}");
    }
    let u = app.sb.get_user(&acct.owner_ctx, id).await.unwrap();
    assert_eq!(u.mobile.unwrap().as_str(), "+919876543210");
    assert_eq!(
        u.name.as_str(),
        "Priya Sharma",
        "a refused edit changes nothing"
    );

    // Sending the same mobile back (in any spelling) is fine.
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"mobile": "+91 98765 43210", "name": "Priya S."})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.mobile.unwrap().as_str(), "+919876543210");
    assert_eq!(u.name.as_str(), "Priya S.");
}

async fn a_first_mobile_can_be_set_on_an_email_only_user(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.user(
        &acct.owner_ctx,
        json!({"name": "Ravi Kumar", "mobile": "+919876543211"}),
    )
    .await;
    let id = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com"}),
        )
        .await;
    // It must be free like any mobile.
    let err = domain_refusal(
        app.sb
            .edit_user(
                &acct.owner_ctx,
                id,
                patch(json!({"mobile": "+919876543211"})),
                None,
            )
            .await,
    );
    assert_eq!(err.code(), "duplicate_mobile");
    assert!(err.to_string().contains("Ravi Kumar"), "{err}");

    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"mobile": "+919876543210"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.mobile.as_ref().unwrap().as_str(), "+919876543210");
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, id)
            .await
            .unwrap()
            .mobile
            .unwrap()
            .as_str(),
        "+919876543210"
    );
    // And from then on it is immutable.
    let err = refusal(
        app.sb
            .edit_user(
                &acct.owner_ctx,
                id,
                patch(json!({"mobile": "+919876543212"})),
                None,
            )
            .await,
    );
    assert_eq!(err.code(), "mobile_immutable");
}

async fn changing_a_signed_in_users_email_waits_for_the_verification_link(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let id = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
        )
        .await;
    let returned = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"email": "priya.sharma@newmail.example.com"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        returned.email.as_ref().map(Email::as_str),
        Some("priya@acme.example.com")
    );
    let u = app.sb.get_user(&acct.owner_ctx, id).await.unwrap();
    assert_eq!(
        u.email.as_ref().map(Email::as_str),
        Some("priya@acme.example.com"),
        "the old email stays in effect"
    );
    assert_eq!(
        app.sb.pending_email(&acct.owner_ctx, id).await.unwrap(),
        Some("priya.sharma@newmail.example.com".to_owned())
    );
    // The old address is still held.
    let err = domain_refusal(
        app.sb
            .add_user(
                &acct.owner_ctx,
                new_user(json!({"name": "Other", "email": "priya@acme.example.com"})),
            )
            .await,
    );
    assert_eq!(err.code(), "duplicate_email");

    let to_new = mails_to(&app, &acct.owner_ctx, "priya.sharma@newmail.example.com").await;
    assert_eq!(to_new.len(), 1);
    assert_eq!(to_new[0].mail.kind, "email_verification");
    let token = token_in(&to_new[0].mail.body, "/verify-email/");
    let to_old: Vec<_> = mails_to(&app, &acct.owner_ctx, "priya@acme.example.com")
        .await
        .into_iter()
        .filter(|m| m.mail.kind != "invite")
        .collect();
    assert_eq!(to_old.len(), 1);
    assert_eq!(to_old[0].mail.kind, "email_change_notice");
    assert!(
        to_old[0]
            .mail
            .body
            .contains("priya.sharma@newmail.example.com")
    );
    assert!(
        !to_old[0].mail.body.contains(&token),
        "the notice to the old address cannot confirm the change"
    );

    let (account, user) = app.sb.verify_email(&token).await.unwrap();
    assert_eq!((account, user), (acct.id, id));
    let u = app.sb.get_user(&acct.owner_ctx, id).await.unwrap();
    assert_eq!(
        u.email.as_ref().map(Email::as_str),
        Some("priya.sharma@newmail.example.com")
    );
    assert_eq!(
        app.sb.pending_email(&acct.owner_ctx, id).await.unwrap(),
        None
    );
    assert_eq!(
        refusal(app.sb.verify_email(&token).await).code(),
        "link_invalid",
        "the link works once"
    );

    let actions: Vec<String> = app
        .sb
        .list_audit_events(
            &acct.owner_ctx,
            &AuditFilter {
                target_id: Some(id.to_string()),
                ..AuditFilter::default()
            },
            0,
            1000,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    let requested = actions
        .iter()
        .position(|a| a == "user.email_change_requested")
        .expect("change requested event");
    let verified = actions
        .iter()
        .position(|a| a == "user.email_verified")
        .expect("email verified event");
    assert!(requested < verified);
}

async fn changing_a_pending_users_email_takes_effect_at_once_and_reinvites(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let added = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(
                json!({"name": "Priya Sharma", "email": "priya@typo.example.com", "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    let old_link = added.invite_link.unwrap();
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            added.user.id,
            patch(json!({"email": "priya@acme.example.com"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        u.email.as_ref().map(Email::as_str),
        Some("priya@acme.example.com")
    );
    assert_eq!(u.status, UserStatus::PendingInvite);
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .email
            .as_ref()
            .map(Email::as_str),
        Some("priya@acme.example.com")
    );
    assert_eq!(
        app.sb
            .pending_email(&acct.owner_ctx, added.user.id)
            .await
            .unwrap(),
        None
    );
    let mails = mails_to(&app, &acct.owner_ctx, "priya@acme.example.com").await;
    assert_eq!(mails.len(), 1, "one new invite, no verification mail");
    assert_eq!(mails[0].mail.kind, "invite");
    let token = token_in(&mails[0].mail.body, "/invite/");

    let old = old_link.rsplit('/').next().unwrap();
    assert_eq!(
        refusal(app.sb.accept_invite(old, "a long enough password").await).code(),
        "link_invalid",
        "the invite sent to the wrong address no longer works"
    );
    app.sb
        .accept_invite(&token, "a long enough password")
        .await
        .unwrap();
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, added.user.id)
            .await
            .unwrap()
            .status,
        UserStatus::Active
    );
}

async fn fields_owned_by_the_identity_provider_are_read_only_outside_scim(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.sb
        .update_account(
            &acct.owner_ctx,
            AccountPatch {
                sso: Some(SsoSettings {
                    enabled: true,
                    managed_fields: vec![IdpField::Name, IdpField::Email],
                }),
                ..AccountPatch::default()
            },
        )
        .await
        .unwrap();
    let managed = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com",
                   "mobile": "+919876543210", "external_id": "okta-00u1"}),
        )
        .await;
    for (edit, field) in [
        (json!({"name": "Priya Iyer"}), "name"),
        (json!({"email": "priya.iyer@acme.example.com"}), "email"),
        (json!({"email": null}), "email"),
        (
            json!({"time_zone": "Europe/Berlin", "name": "Priya Iyer"}),
            "name",
        ),
    ] {
        let err = domain_refusal(
            app.sb
                .edit_user(&acct.owner_ctx, managed, patch(edit.clone()), None)
                .await,
        );
        assert_eq!(err.code(), "field_managed_by_idp", "edit {edit}");
        assert_eq!(err.field_name(), Some(field), "edit {edit}");
        assert!(err.to_string().contains("identity provider"), "{err}");
    }
    let u = app.sb.get_user(&acct.owner_ctx, managed).await.unwrap();
    assert_eq!(u.name.as_str(), "Priya Sharma");
    assert_eq!(u.time_zone.as_str(), "Asia/Kolkata");
    // The answer front ends render says the same before anyone tries.
    let e = app.sb.editable(&acct.owner_ctx, managed).await.unwrap();
    assert_eq!(e.refused, None);
    assert!(!e.can("name") && !e.can("email") && !e.can("mobile"));
    assert!(e.can("extension") && e.can("time_zone") && e.can("alternate_mobile"));
    assert!(e.may_manage_lifecycle);

    // Other fields stay editable, and sending the managed values back unchanged is fine.
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            managed,
            patch(json!({
                "name": "Priya Sharma", "email": "priya@acme.example.com",
                "time_zone": "Europe/Berlin", "extension": "321", "tags": ["night-shift"],
                "alternate_mobile": "+919876543219", "receive_calls": false
            })),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.time_zone.as_str(), "Europe/Berlin");
    assert_eq!(u.extension.value(), 321);
    assert_eq!(u.tags.len(), 1);
    assert!(!u.receive_calls);
    assert_eq!(u.alternate_mobile.unwrap().as_str(), "+919876543219");

    // Users the identity provider does not manage keep editable names.
    let local = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Ravi Kumar", "mobile": "+919876543211"}),
        )
        .await;
    let r = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            local,
            patch(json!({"name": "Ravi K."})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.name.as_str(), "Ravi K.");
    let e = app.sb.editable(&acct.owner_ctx, local).await.unwrap();
    assert!(e.can("name") && e.can("email") && !e.can("mobile"));

    // A Basic user changes only their own profile's fields, and nobody else's.
    let basic = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Bea Basic", "email": "bea@acme.example.com"}),
        )
        .await;
    let bea = Ctx::user(acct.id, basic, "test");
    let own = app.sb.editable(&bea, basic).await.unwrap();
    assert!(own.own_profile_only && own.refused.is_none());
    assert!(own.can("name") && own.can("availability") && !own.can("extension"));
    assert!(!own.may_manage_lifecycle);
    let other = app.sb.editable(&bea, local).await.unwrap();
    assert!(other.refused.is_some() && !other.can("name"));
}

async fn demoting_the_only_active_administrator_is_refused(app: TestApp) {
    // Right after `account create` the owner has not used their setup link, so the one
    // active Administrator is someone else.
    let created = app
        .sb
        .create_account(
            NewAccount {
                name: Name::parse("name", "Pending Co").unwrap(),
                plan: Plan::Pro,
                seat_limit: 5,
                extension_range: ExtensionRange::default(),
                time_zone: TimeZoneName::parse("tz", "Asia/Kolkata").unwrap(),
                country: None,
                owner_name: Name::parse("name", "Olivia Owner").unwrap(),
                owner_email: Email::parse("email", "owner@pending.example.com").unwrap(),
            },
            "test",
        )
        .await
        .unwrap();
    let cli = Ctx::cli(created.account.id);
    let admin = app
        .user(
            &cli,
            json!({"name": "Ada Admin", "email": "ada@pending.example.com",
                   "role": "Administrator", "panel_access": true}),
        )
        .await;
    for edit in [
        json!({"role": "Basic"}),
        json!({"role": "Manager"}),
        json!({"panel_access": false}),
    ] {
        let err = domain_refusal(
            app.sb
                .edit_user(&cli, admin, patch(edit.clone()), None)
                .await,
        );
        assert_eq!(err.code(), "last_admin", "edit {edit}");
    }
    let a = app.sb.get_user(&cli, admin).await.unwrap();
    assert_eq!(a.role_id, role_id(&app, &cli, "Administrator").await);
    assert!(a.panel_access);

    // Once the owner is an active Administrator too, the demotion goes through.
    app.accept(&created.setup_link).await;
    let a = app
        .sb
        .edit_user(&cli, admin, patch(json!({"role": "Basic"})), None)
        .await
        .unwrap();
    assert_eq!(a.role_id, role_id(&app, &cli, "Basic").await);
}

async fn demoting_the_owner_is_refused(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let admin = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Ada Admin", "email": "ada@acme.example.com",
                   "role": "Administrator", "panel_access": true}),
        )
        .await;
    let admin_ctx = Ctx::user(acct.id, admin, "test");
    for (ctx, edit) in [
        (&admin_ctx, json!({"role": "Basic"})),
        (&admin_ctx, json!({"role": "Manager"})),
        (&acct.owner_ctx, json!({"role": "Basic"})),
        (&acct.system, json!({"role": "Basic"})),
        (&admin_ctx, json!({"panel_access": false})),
    ] {
        let err = domain_refusal(
            app.sb
                .edit_user(ctx, acct.owner, patch(edit.clone()), None)
                .await,
        );
        assert_eq!(err.code(), "owner_protected", "edit {edit}");
        assert!(err.to_string().contains("transfer ownership"), "{err}");
    }
    let o = app.sb.get_user(&acct.owner_ctx, acct.owner).await.unwrap();
    assert_eq!(
        o.role_id,
        role_id(&app, &acct.owner_ctx, "Administrator").await
    );
    assert!(o.panel_access);
}

async fn with_two_administrators_one_can_be_demoted(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let admin = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Ada Admin", "email": "ada@acme.example.com",
                   "role": "Administrator", "panel_access": true}),
        )
        .await;
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            admin,
            patch(json!({"role": "Manager"})),
            None,
        )
        .await
        .unwrap();
    let manager = role_id(&app, &acct.owner_ctx, "Manager").await;
    assert_eq!(u.role_id, manager);
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, admin)
            .await
            .unwrap()
            .role_id,
        manager
    );
    let updates = app
        .sb
        .list_audit_events(
            &acct.owner_ctx,
            &AuditFilter {
                action: Some("user.updated".to_owned()),
                target_id: Some(admin.to_string()),
                ..AuditFilter::default()
            },
            0,
            1000,
        )
        .await
        .unwrap();
    assert_eq!(updates.len(), 1);
    let after: serde_json::Value =
        serde_json::from_str(updates[0].event.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["role_id"], json!(manager.to_string()));

    // Now the owner is the last one: demoting them is still refused.
    let err = refusal(
        app.sb
            .edit_user(
                &acct.system,
                acct.owner,
                patch(json!({"role": "Basic"})),
                None,
            )
            .await,
    );
    assert_eq!(err.code(), "owner_protected");
}

async fn absent_fields_stay_as_they_are(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let dep = department(&app, &acct.owner_ctx, "Support", vec![], vec![]).await;
    let id = app
        .user(
            &acct.owner_ctx,
            json!({
                "name": "Priya Sharma", "email": "priya@acme.example.com",
                "mobile": "+919876543210", "alternate_mobile": "+919876543219",
                "extension": "250", "role": "Manager", "receive_calls": false,
                "call_hours": {"monday": [{"start": "09:00", "end": "17:00"}]},
                "time_zone": "Europe/Berlin", "tags": ["vip"], "voicemail": true,
                "departments": [dep.to_string()]
            }),
        )
        .await;
    let before = app.sb.get_user(&acct.owner_ctx, id).await.unwrap();
    let after = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"name": "Priya Iyer"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(after.name.as_str(), "Priya Iyer");
    let stored = app.sb.get_user(&acct.owner_ctx, id).await.unwrap();
    assert_eq!(stored, after);
    let mut b = before.audit_view();
    let mut a = stored.audit_view();
    b["name"] = json!(null);
    a["name"] = json!(null);
    assert_eq!(a, b, "only the name changed");
    assert_eq!(stored.version, before.version + 1);
    let deps = app.sb.user_departments(&acct.owner_ctx, id).await.unwrap();
    assert_eq!(deps.iter().map(|d| d.0).collect::<Vec<_>>(), [dep]);

    // An empty edit changes nothing, not even the version.
    let same = app
        .sb
        .edit_user(&acct.owner_ctx, id, patch(json!({})), None)
        .await
        .unwrap();
    assert_eq!(same.version, stored.version);
}

async fn null_clears_a_clearable_field(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let id = app
        .user(
            &acct.owner_ctx,
            json!({
                "name": "Priya Sharma", "email": "priya@acme.example.com",
                "mobile": "+919876543210", "alternate_mobile": "+919876543219",
                "tags": ["vip"], "call_hours": {"monday": [{"start": "09:00", "end": "17:00"}]}
            }),
        )
        .await;
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"alternate_mobile": null})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.alternate_mobile, None);
    assert_eq!(
        u.email.as_ref().map(Email::as_str),
        Some("priya@acme.example.com")
    );
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, id)
            .await
            .unwrap()
            .alternate_mobile,
        None
    );
    // An email can be removed while a mobile remains; empty lists clear tags and hours.
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"email": null, "tags": [], "call_hours": {}})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.email, None);
    assert!(u.tags.is_empty());
    assert!(u.call_hours.is_any_time());
    assert_eq!(u.mobile.unwrap().as_str(), "+919876543210");
}

async fn a_stale_version_is_refused_with_precondition_failed(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let id = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    let read = app.sb.get_user(&acct.owner_ctx, id).await.unwrap();
    let first = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"name": "Priya Iyer"})),
            Some(read.version),
        )
        .await
        .unwrap();
    assert_eq!(first.version, read.version + 1);
    // A second writer still holding the old version is refused.
    let err = domain_refusal(
        app.sb
            .edit_user(
                &acct.owner_ctx,
                id,
                patch(json!({"name": "Priya Rao"})),
                Some(read.version),
            )
            .await,
    );
    assert_eq!(err.code(), "precondition_failed");
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, id)
            .await
            .unwrap()
            .name
            .as_str(),
        "Priya Iyer"
    );
    // With the current version it goes through.
    let ok = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            id,
            patch(json!({"name": "Priya Rao"})),
            Some(first.version),
        )
        .await
        .unwrap();
    assert_eq!(ok.name.as_str(), "Priya Rao");
}

async fn editing_into_a_held_extension_or_email_names_the_holder(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.user(
        &acct.owner_ctx,
        json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "extension": "204"}),
    )
    .await;
    let ravi = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Ravi Kumar", "mobile": "+919876543211"}),
        )
        .await;
    let err = domain_refusal(
        app.sb
            .edit_user(
                &acct.owner_ctx,
                ravi,
                patch(json!({"extension": "204"})),
                None,
            )
            .await,
    );
    assert_eq!(err.code(), "extension_taken");
    assert_eq!(err.to_string(), "extension 204 is held by Priya Sharma");
    let err = domain_refusal(
        app.sb
            .edit_user(
                &acct.owner_ctx,
                ravi,
                patch(json!({"email": "Priya@ACME.example.com"})),
                None,
            )
            .await,
    );
    assert_eq!(err.code(), "duplicate_email");
    assert!(err.to_string().contains("held by Priya Sharma"), "{err}");
    let err = domain_refusal(
        app.sb
            .edit_user(
                &acct.owner_ctx,
                ravi,
                patch(json!({"extension": "1200"})),
                None,
            )
            .await,
    );
    assert_eq!(err.code(), "extension_out_of_range");
    // Keeping one's own extension is not a conflict.
    let before = app.sb.get_user(&acct.owner_ctx, ravi).await.unwrap();
    let u = app
        .sb
        .edit_user(
            &acct.owner_ctx,
            ravi,
            patch(json!({"extension": before.extension.to_string(), "voicemail": true})),
            None,
        )
        .await
        .unwrap();
    assert!(u.voicemail);
}

async fn another_accounts_user_is_not_found(app: TestApp) {
    let a = app.account("Acme", Plan::Pro, 5).await;
    let b = app.account("Globex", Plan::Pro, 5).await;
    let theirs = app
        .user(
            &b.owner_ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    for ctx in [&a.owner_ctx, &a.system] {
        assert_eq!(
            refusal(app.sb.get_user(ctx, theirs).await).code(),
            "not_found"
        );
        assert_eq!(
            refusal(
                app.sb
                    .edit_user(ctx, theirs, patch(json!({"name": "Hacked"})), None)
                    .await
            )
            .code(),
            "not_found"
        );
        assert_eq!(
            refusal(app.sb.delete_user(ctx, theirs).await).code(),
            "not_found"
        );
        assert_eq!(
            refusal(app.sb.deactivate_user(ctx, theirs, None).await).code(),
            "not_found"
        );
        assert_eq!(
            refusal(app.sb.resend_invite(ctx, theirs).await).code(),
            "not_found"
        );
        // Another account's owner, too.
        assert_eq!(
            refusal(
                app.sb
                    .edit_user(ctx, b.owner, patch(json!({"role": "Basic"})), None)
                    .await
            )
            .code(),
            "not_found"
        );
    }
    let listed = app
        .sb
        .list_users(&a.owner_ctx, &UserQuery::default(), None, 100)
        .await
        .unwrap();
    assert!(listed.items.iter().all(|u| u.account_id == a.id));
    assert_eq!(listed.items.len(), 1);
    // Their user is untouched.
    let u = app.sb.get_user(&b.owner_ctx, theirs).await.unwrap();
    assert_eq!(u.name.as_str(), "Priya Sharma");
    assert_eq!(u.status, UserStatus::Active);
}

both_backends!(
    changing_a_set_mobile_is_refused_as_immutable,
    a_first_mobile_can_be_set_on_an_email_only_user,
    changing_a_signed_in_users_email_waits_for_the_verification_link,
    changing_a_pending_users_email_takes_effect_at_once_and_reinvites,
    fields_owned_by_the_identity_provider_are_read_only_outside_scim,
    demoting_the_only_active_administrator_is_refused,
    demoting_the_owner_is_refused,
    with_two_administrators_one_can_be_demoted,
    absent_fields_stay_as_they_are,
    null_clears_a_clearable_field,
    a_stale_version_is_refused_with_precondition_failed,
    editing_into_a_held_extension_or_email_names_the_holder,
    another_accounts_user_is_not_found,
);
