//! R16 through the whole code flow: who gets in, who is refused and why.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::{Plan, UserStatus};

use super::{Browser, assert_refused, assert_signed_in, audited, set_up};
use crate::support::Server;

async fn an_active_user_signs_in_and_later_by_the_subject_they_first_used(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    let (s, idp) = (&sso.s, &sso.idp);
    s.app
        .user(
            &sso.acct.owner_ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
        )
        .await;
    let b = Browser::new(s);
    let auth = b.start().await;
    // The request carries PKCE S256, a state and a nonce.
    for part in [
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "scope=openid",
    ] {
        assert!(auth.contains(part), "{part} missing from {auth}");
    }
    let landed = b
        .callback(&idp.log_in(&auth, "priya@acme.example.com").await)
        .await;
    assert_signed_in(&b, &landed, "priya@acme.example.com").await;
    let linked = audited(&sso, "user.sso_linked").await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["target_name"], "Priya Sharma");
    assert_eq!(audited(&sso, "user.signed_in_sso").await.len(), 1);

    // Later sign-ins match the recorded subject: no second link, and the session behaves
    // like any other (deactivating ends it at once).
    let again = Browser::new(s);
    let landed = again.sign_in(idp, "priya@acme.example.com").await;
    assert_signed_in(&again, &landed, "priya@acme.example.com").await;
    assert_eq!(audited(&sso, "user.sso_linked").await.len(), 1);
    assert_eq!(audited(&sso, "user.signed_in_sso").await.len(), 2);

    // Matched by `sub` against the external id now, which Priya does not have: she still
    // gets in, through the subject recorded at her first sign-in alone.
    let owner = super::owner_api(s, &sso.acct).await;
    let mut body = super::connection(idp);
    body["claim"] = json!("sub");
    body["match_field"] = json!("external_id");
    assert_eq!(
        owner.put("/api/v1/account/sso", &body).await.status,
        StatusCode::OK
    );
    let by_subject = Browser::new(s);
    let landed = by_subject.sign_in(idp, "priya@acme.example.com").await;
    assert_signed_in(&by_subject, &landed, "priya@acme.example.com").await;

    // Signing out ends the provider's session too (RP-initiated logout), and comes back to
    // the sign-in page.
    let csrf = again.csrf().await;
    let out = again.post_form("/sign-out", &[("csrf_token", &csrf)]).await;
    assert_eq!(out.status, StatusCode::OK);
    let to = out.moves_on_to().unwrap();
    assert!(to.starts_with(&idp.issuer), "{to}");
    assert!(to.contains("post_logout_redirect_uri="), "{to}");
    assert_eq!(again.who().await, None);
    // The first browser's session lives on until it signs out itself.
    assert_eq!(b.who().await.as_deref(), Some("priya@acme.example.com"));
}

async fn a_pending_invite_is_accepted_by_the_first_sign_in(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    let s = &sso.s;
    let added = s
        .app
        .sb
        .add_user(
            &sso.acct.owner_ctx,
            switchboard_testkit::new_user(
                json!({"name": "Ravi Kumar", "email": "ravi@acme.example.com", "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(added.user.status, UserStatus::PendingInvite);
    assert!(
        added.invite_link.is_none(),
        "an SSO invite has no password link"
    );
    let b = Browser::new(s);
    let landed = b.sign_in(&sso.idp, "ravi@acme.example.com").await;
    assert_signed_in(&b, &landed, "ravi@acme.example.com").await;
    let ravi = s
        .app
        .sb
        .get_user(&sso.acct.owner_ctx, added.user.id)
        .await
        .unwrap();
    assert_eq!(ravi.status, UserStatus::Active);
    let accepted = audited(&sso, "user.invite_accepted").await;
    assert_eq!(accepted.last().unwrap()["target_name"], "Ravi Kumar");

    // A session from the provider is a session like any other: deactivating ends it at once.
    s.app
        .sb
        .deactivate_user(&sso.acct.owner_ctx, ravi.id, None)
        .await
        .unwrap();
    assert_eq!(b.who().await, None);
}

async fn an_unverified_email_is_never_linked(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    let s = &sso.s;
    // The provider's user "unverified.bob@…" claims Bob's address without having proved it.
    let bob = s
        .app
        .user(
            &sso.acct.owner_ctx,
            json!({"name": "Bob", "email": "unverified.bob@acme.example.com", "panel_access": true}),
        )
        .await;
    let b = Browser::new(s);
    let landed = b.sign_in(&sso.idp, "unverified.bob@acme.example.com").await;
    assert_refused(&b, &landed, "has not verified your email address").await;
    assert!(audited(&sso, "user.sso_linked").await.is_empty());
    let refusals = audited(&sso, "sso.sign_in_refused").await;
    assert_eq!(refusals[0]["reason"], "email_not_verified");
    let _ = bob;
}

async fn deactivated_call_only_and_unknown_people_are_refused_with_the_reason(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    let s = &sso.s;
    let ctx = &sso.acct.owner_ctx;
    let dee = s
        .app
        .user(
            ctx,
            json!({"name": "Dee", "email": "dee@acme.example.com", "panel_access": true}),
        )
        .await;
    s.app.sb.deactivate_user(ctx, dee, None).await.unwrap();
    s.app
        .user(
            ctx,
            json!({"name": "Cal", "email": "cal@acme.example.com", "panel_access": false}),
        )
        .await;
    for (login, words, reason) in [
        ("dee@acme.example.com", "is deactivated", "deactivated"),
        (
            "cal@acme.example.com",
            "no access to the dashboard",
            "no_panel_access",
        ),
        (
            "stranger@acme.example.com",
            "There is no Switchboard user for you",
            "unknown_user",
        ),
    ] {
        let b = Browser::new(s);
        let landed = b.sign_in(&sso.idp, login).await;
        assert_refused(&b, &landed, words).await;
        let refusals = audited(&sso, "sso.sign_in_refused").await;
        assert_eq!(refusals.last().unwrap()["reason"], reason, "{login}");
    }
}

async fn just_in_time_users_are_made_within_the_seats(s: Server) {
    // Two seats: the owner holds one.
    let Some(sso) = set_up(s, Plan::Pro, 2, json!({"jit": true})).await else {
        return;
    };
    let s = &sso.s;
    let b = Browser::new(s);
    let landed = b.sign_in(&sso.idp, "newbie@acme.example.com").await;
    assert_signed_in(&b, &landed, "newbie@acme.example.com").await;
    let created = audited(&sso, "user.created").await;
    let made = created.last().unwrap();
    assert_eq!(made["actor_name"], "Single sign-on (Acme ID)");
    let me = b.who().await;
    assert_eq!(me.as_deref(), Some("newbie@acme.example.com"));

    // No seat is left: the next stranger is refused, and nobody is made.
    let b = Browser::new(s);
    let landed = b.sign_in(&sso.idp, "late@acme.example.com").await;
    assert_refused(&b, &landed, "seats").await;
    assert_eq!(audited(&sso, "user.created").await.len(), created.len());
    // An unverified stranger never gets a user either.
    let b = Browser::new(s);
    let landed = b.sign_in(&sso.idp, "unverified.x@acme.example.com").await;
    assert_refused(&b, &landed, "has not verified").await;
}

async fn the_sign_in_page_sends_a_claimed_domain_to_the_provider_whoever_asks(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    let s = &sso.s;
    s.app
        .user(
            &sso.acct.owner_ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
        )
        .await;
    // A user and a stranger at the domain get the same answer: off to the provider.
    for email in ["priya@acme.example.com", "nobody@acme.example.com"] {
        let r = Browser::new(s)
            .post_form("/sign-in/sso", &[("email", email)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{email}");
        let to = r.moves_on_to().unwrap();
        assert!(to.starts_with(&sso.idp.issuer), "{to}");
    }
    let r = Browser::new(s)
        .post_form("/sign-in/sso", &[("email", "someone@elsewhere.example")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.page.contains("not set up for this email"), "{}", r.page);
    // An unknown sign-in link says so.
    let (status, page) = s.browser().page("/sign-in/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
}

async fn one_address_cannot_start_sign_ins_without_end(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    // Each start writes a pending sign-in: one address gets a bounded number per window.
    let busy = sso.s.browser_from("127.0.0.9");
    let open = || async {
        let url = format!("{}/sign-in/acme", busy.base);
        let r = busy.http.get(url).header("sec-fetch-site", "none");
        let r = r.send().await.unwrap();
        (r.status(), r.text().await.unwrap())
    };
    for _ in 0..switchboard_domain::throttle::SSO_START_IP_LIMIT {
        let (status, _) = open().await;
        assert!(status.is_success(), "{status}");
    }
    let (status, page) = open().await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(page.contains("Try again in 15 minutes"), "{page}");
    // Someone else is not held up by it.
    let b = Browser::new(&sso.s);
    let landed = b.sign_in(&sso.idp, "stranger@acme.example.com").await;
    assert_refused(&b, &landed, "There is no Switchboard user for you").await;
}

async fn a_sign_in_link_followed_from_another_site_asks_before_going_on(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    let (s, idp) = (&sso.s, &sso.idp);
    s.app
        .user(
            &sso.acct.owner_ctx,
            json!({"name": "Sam Single", "email": "sam@acme.example.com", "panel_access": true}),
        )
        .await;
    let b = Browser::new(s);
    // A link on another site (or a browser that does not say) gets a page to continue from,
    // not a trip to the provider: a site cannot sign its visitors in to an account.
    for landed in [
        b.open("/sign-in/acme", "cross-site").await,
        b.open("/sign-in/acme", "same-site").await,
        b.get("/sign-in/acme").await,
    ] {
        assert_eq!(landed.status, StatusCode::OK, "{}", landed.page);
        assert_eq!(landed.location, None);
        assert_eq!(landed.moves_on_to(), None, "{}", landed.page);
        assert!(
            landed.page.contains("Continue with Acme ID"),
            "{}",
            landed.page
        );
        assert!(
            landed.page.contains("action=\"/sign-in/acme\""),
            "{}",
            landed.page
        );
    }
    assert_eq!(
        b.open("/sign-in/nope", "cross-site").await.status,
        StatusCode::NOT_FOUND
    );
    // Another site cannot press the button for them.
    let url = format!("{}/sign-in/acme", s.base);
    let forged = b
        .http
        .post(&url)
        .header("origin", "https://elsewhere.example");
    let forged = forged.form(&[("x", "")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // They press it: on to the provider, and back signed in.
    let pressed = b.http.post(&url).header("origin", s.base.as_str());
    let pressed = super::Landed::from(pressed.form(&[("x", "")]).send().await.unwrap()).await;
    assert_eq!(pressed.status, StatusCode::OK, "{}", pressed.page);
    let auth = pressed.moves_on_to().unwrap();
    assert!(auth.starts_with(&idp.issuer), "{auth}");
    let landed = b
        .callback(&idp.log_in(&auth, "sam@acme.example.com").await)
        .await;
    assert_signed_in(&b, &landed, "sam@acme.example.com").await;
}

crate::on_both!(
    a_sign_in_link_followed_from_another_site_asks_before_going_on,
    one_address_cannot_start_sign_ins_without_end,
    an_active_user_signs_in_and_later_by_the_subject_they_first_used,
    a_pending_invite_is_accepted_by_the_first_sign_in,
    an_unverified_email_is_never_linked,
    deactivated_call_only_and_unknown_people_are_refused_with_the_reason,
    just_in_time_users_are_made_within_the_seats,
    the_sign_in_page_sends_a_claimed_domain_to_the_provider_whoever_asks,
);
