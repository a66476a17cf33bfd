//! Sessions: sign-in with a cookie, CSRF on cookie-authenticated writes, one refusal for
//! every failed sign-in, throttling, and credentials that die with the user's rights.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::{Plan, UserPatch, UserPatchInput};

use crate::support::Server;

const PASSWORD: &str = "correct horse battery";

async fn signing_in_sets_an_http_only_same_site_cookie_and_the_api_then_works_with_it(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, r) = s.sign_in("Owner@Acme.example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let cookie = r.header("set-cookie").unwrap();
    assert!(cookie.starts_with("sb_session=sbs_"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http test server: {cookie}"
    );
    assert_eq!(r.body["user"]["id"], acct.owner.to_string());
    assert_eq!(r.body["user"]["role"], "Administrator");
    assert_eq!(r.body["account"]["id"], acct.id.to_string());
    let csrf = r.body["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(csrf.len(), 64);

    let r = browser.get("/api/v1/account").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["id"], acct.id.to_string());
    let r = browser.get("/api/v1/session").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["csrf_token"], csrf);
    assert_eq!(r.body["user"]["name"], "Olivia Owner");
}

async fn a_cookie_authenticated_write_needs_the_sessions_csrf_token(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, r) = s.sign_in("owner@acme.example.com", PASSWORD).await;
    let csrf = r.body["csrf_token"].as_str().unwrap().to_owned();
    let body = json!({ "name": "Acme Support" });

    let r = browser.patch("/api/v1/account", &body).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(r.code(), "csrf_failed");
    let wrong = "0".repeat(64);
    let r = browser
        .send(
            Method::PATCH,
            "/api/v1/account",
            Some(&body),
            &[("x-csrf-token", &wrong)],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "csrf_failed");
    assert_eq!(browser.get("/api/v1/account").await.body["name"], "Acme");

    let r = browser
        .send(
            Method::PATCH,
            "/api/v1/account",
            Some(&body),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "Acme Support");

    let r = browser.delete("/api/v1/session").await;
    assert_eq!(r.status, 403, "signing out is a write too");
    assert_eq!(browser.get("/api/v1/session").await.status, 200);
}

async fn every_failed_sign_in_gets_the_identical_refusal(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let dana = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Dana Gone", "email": "dana@acme.example.com", "panel_access": true }),
        )
        .await;
    s.app
        .sb
        .deactivate_user(&acct.owner_ctx, dana, None)
        .await
        .unwrap();
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Carl Call", "email": "carl@acme.example.com" }),
        )
        .await;
    s.app
        .sb
        .add_user(
            &acct.owner_ctx,
            switchboard_testkit::new_user(json!({ "name": "Pat Pending", "email": "pat@acme.example.com", "panel_access": true })),
        )
        .await
        .unwrap();

    let audit_before = audit_actions(&s, &acct).await;
    let attempts = [
        ("owner@acme.example.com", "wrong password!"),
        ("nobody@acme.example.com", PASSWORD),
        ("dana@acme.example.com", PASSWORD),
        ("carl@acme.example.com", PASSWORD),
        ("pat@acme.example.com", PASSWORD),
        ("not an email", PASSWORD),
    ];
    let mut replies = Vec::new();
    for (email, password) in attempts {
        let (browser, r) = s.sign_in(email, password).await;
        assert_eq!(r.status, 401, "{email}: {:?}", r.body);
        assert!(r.header("set-cookie").is_none());
        assert_eq!(browser.get("/api/v1/account").await.status, 401);
        replies.push(r);
    }
    for r in &replies[1..] {
        assert_eq!(r.body, replies[0].body);
    }
    assert_eq!(replies[0].code(), "invalid_credentials");
    assert_eq!(
        audit_actions(&s, &acct).await,
        audit_before,
        "failed attempts write no audit events"
    );
    s.sign_in("owner@acme.example.com", PASSWORD).await;
    let after = audit_actions(&s, &acct).await;
    assert_eq!(after.len(), audit_before.len() + 1);
    assert_eq!(after.last().unwrap(), "user.signed_in");
}

async fn audit_actions(s: &Server, acct: &switchboard_testkit::TestAccount) -> Vec<String> {
    s.app
        .sb
        .list_audit_events(&acct.system, &Default::default(), 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.action)
        .collect()
}

async fn repeated_failures_are_throttled_with_retry_after(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    for _ in 0..switchboard_domain::throttle::PAIR_FREE_FAILURES {
        let (_, r) = s.sign_in("owner@acme.example.com", "wrong password!").await;
        assert_eq!(r.status, 401);
    }
    let (_, r) = s.sign_in("owner@acme.example.com", PASSWORD).await;
    assert_eq!(r.status, 429, "{:?}", r.body);
    assert_eq!(r.code(), "too_many_requests");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");

    s.app
        .clock
        .advance(jiff::SignedDuration::from_secs(retry as i64));
    let (_, r) = s.sign_in("owner@acme.example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn wrong_passwords_from_one_address_never_lock_the_user_out_elsewhere(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    let attacker = || s.browser_from("127.0.0.66");
    let mut waits = Vec::new();
    for _ in 0..12 {
        let (_, r) = s
            .sign_in_with(attacker(), "owner@acme.example.com", "wrong password!")
            .await;
        match r.status.as_u16() {
            401 => {}
            429 => {
                waits.push(r.header("retry-after").unwrap().parse::<i64>().unwrap());
                // The attacker waits out each delay, and is slowed down more each time.
                s.app
                    .clock
                    .advance(jiff::SignedDuration::from_secs(*waits.last().unwrap()));
            }
            other => panic!("{other}: {:?}", r.body),
        }
    }
    assert!(
        waits.windows(2).all(|w| w[0] < w[1]) && waits.len() >= 3,
        "the attacker's delays grow: {waits:?}"
    );
    let (_, r) = s
        .sign_in_with(attacker(), "owner@acme.example.com", "wrong again!")
        .await;
    assert_eq!(r.status, 401);
    let (_, r) = s
        .sign_in_with(attacker(), "owner@acme.example.com", PASSWORD)
        .await;
    assert_eq!(r.status, 429, "the attacker's address is held back again");

    // The owner, at their own desk, signs in at once with the right password.
    let (_, r) = s
        .sign_in_with(
            s.browser_from("127.0.0.7"),
            "owner@acme.example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn one_address_guessing_many_emails_is_stopped(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    for i in 0..switchboard_domain::throttle::IP_LIMIT {
        let (_, r) = s
            .sign_in_with(
                s.browser_from("127.0.0.66"),
                &format!("guess{i}@acme.example.com"),
                "wrong password!",
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let (_, r) = s
        .sign_in_with(
            s.browser_from("127.0.0.66"),
            "owner@acme.example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(r.status, 429);
    let (_, r) = s
        .sign_in_with(
            s.browser_from("127.0.0.7"),
            "owner@acme.example.com",
            PASSWORD,
        )
        .await;
    assert_eq!(r.status, 200);
}

async fn deactivating_a_user_ends_their_session_on_the_very_next_request(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let priya = s
        .app
        .user(&acct.owner_ctx, json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }))
        .await;
    let (browser, r) = s.sign_in("priya@acme.example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(browser.get("/api/v1/session").await.status, 200);

    s.app
        .sb
        .deactivate_user(&acct.owner_ctx, priya, None)
        .await
        .unwrap();
    let r = browser.get("/api/v1/session").await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert_eq!(browser.get("/api/v1/account").await.status, 401);
    let (_, r) = s.sign_in("priya@acme.example.com", PASSWORD).await;
    assert_eq!(r.status, 401);
}

async fn removing_panel_access_or_deleting_the_user_ends_their_session_at_once(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let priya = s
        .app
        .user(&acct.owner_ctx, json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }))
        .await;
    let rahul = s
        .app
        .user(&acct.owner_ctx, json!({ "name": "Rahul Verma", "email": "rahul@acme.example.com", "panel_access": true }))
        .await;
    let (priya_browser, _) = s.sign_in("priya@acme.example.com", PASSWORD).await;
    let (rahul_browser, _) = s.sign_in("rahul@acme.example.com", PASSWORD).await;
    assert_eq!(priya_browser.get("/api/v1/session").await.status, 200);
    assert_eq!(rahul_browser.get("/api/v1/session").await.status, 200);

    let patch: UserPatchInput = serde_json::from_value(json!({ "panel_access": false })).unwrap();
    s.app
        .sb
        .edit_user(
            &acct.owner_ctx,
            priya,
            UserPatch::parse(&patch).unwrap(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(priya_browser.get("/api/v1/session").await.status, 401);
    let (_, r) = s.sign_in("priya@acme.example.com", PASSWORD).await;
    assert_eq!(r.status, 401, "a call-only user cannot sign in");

    s.app.sb.delete_user(&acct.owner_ctx, rahul).await.unwrap();
    assert_eq!(rahul_browser.get("/api/v1/session").await.status, 401);
    assert_eq!(rahul_browser.get("/api/v1/account").await.status, 401);
}

async fn demoting_an_admin_applies_on_their_next_request_without_signing_out(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ada = s
        .app
        .user(&acct.owner_ctx, json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }))
        .await;
    let (browser, r) = s.sign_in("ada@acme.example.com", PASSWORD).await;
    let csrf = r.body["csrf_token"].as_str().unwrap().to_owned();
    let body = json!({ "name": "Acme Support" });
    let r = browser
        .send(
            Method::PATCH,
            "/api/v1/account",
            Some(&body),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let patch: UserPatchInput = serde_json::from_value(json!({ "role": "Basic" })).unwrap();
    s.app
        .sb
        .edit_user(
            &acct.owner_ctx,
            ada,
            UserPatch::parse(&patch).unwrap(),
            None,
        )
        .await
        .unwrap();
    let r = browser
        .send(
            Method::PATCH,
            "/api/v1/account",
            Some(&body),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(r.code(), "forbidden");
    let r = browser.get("/api/v1/session").await;
    assert_eq!(r.status, 200, "still signed in");
    assert_eq!(r.body["user"]["role"], "Basic");
}

async fn signing_out_ends_the_session_on_the_server(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, r) = s.sign_in("owner@acme.example.com", PASSWORD).await;
    let csrf = r.body["csrf_token"].as_str().unwrap().to_owned();
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let r = browser
        .send(
            Method::DELETE,
            "/api/v1/session",
            None,
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(browser.get("/api/v1/session").await.status, 401);
    let r = s
        .anonymous()
        .send(Method::GET, "/api/v1/account", None, &[("cookie", &cookie)])
        .await;
    assert_eq!(r.status, 401, "a copied cookie is dead too");
}

async fn a_session_ends_after_being_idle(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, _) = s.sign_in("owner@acme.example.com", PASSWORD).await;
    s.app.clock.advance(jiff::SignedDuration::from_hours(11));
    assert_eq!(browser.get("/api/v1/session").await.status, 200);
    s.app.clock.advance(jiff::SignedDuration::from_hours(11));
    assert_eq!(
        browser.get("/api/v1/session").await.status,
        200,
        "use keeps it alive"
    );
    s.app.clock.advance(jiff::SignedDuration::from_hours(13));
    assert_eq!(browser.get("/api/v1/session").await.status, 401);
}

async fn a_busy_session_still_ends_a_week_after_sign_in(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, _) = s.sign_in("owner@acme.example.com", PASSWORD).await;
    for _ in 0..15 {
        s.app.clock.advance(jiff::SignedDuration::from_hours(11));
        assert_eq!(browser.get("/api/v1/session").await.status, 200);
    }
    s.app.clock.advance(jiff::SignedDuration::from_hours(11));
    assert_eq!(browser.get("/api/v1/session").await.status, 401);
}

async fn an_email_in_two_accounts_asks_which_account_only_after_the_password_matched(s: Server) {
    let acme = s.account("Acme", Plan::Pro, 5).await;
    let globex = s.account("Globex", Plan::Pro, 5).await;
    for a in [&acme, &globex] {
        s.app
            .user(&a.owner_ctx, json!({ "name": "Sam Shared", "email": "sam@shared.example.com", "panel_access": true }))
            .await;
    }
    let (_, r) = s.sign_in("sam@shared.example.com", "wrong password!").await;
    assert_eq!(r.status, 401);
    assert!(r.body.get("accounts").is_none());

    let r = s
        .browser()
        .post(
            "/api/v1/sessions",
            &json!({ "email": "sam@shared.example.com", "password": PASSWORD, "account": "nonsense" }),
        )
        .await;
    assert_eq!(
        r.status, 401,
        "an account that is not there is one more mismatch"
    );
    assert_eq!(r.code(), "invalid_credentials");

    let (_, r) = s.sign_in("sam@shared.example.com", PASSWORD).await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert_eq!(r.code(), "account_required");
    let names: Vec<_> = r.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Acme", "Globex"]);

    let browser = s.browser();
    let r = browser
        .post(
            "/api/v1/sessions",
            &json!({ "email": "sam@shared.example.com", "password": PASSWORD, "account": globex.id.to_string() }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["account"]["name"], "Globex");
    assert_eq!(
        browser.get("/api/v1/account").await.body["id"],
        globex.id.to_string()
    );
}

async fn failures_through_two_processes_add_up(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    let other = s.other_process().await;
    // Failures alternate between two processes serving one database: each counts them all.
    for i in 0..switchboard_domain::throttle::PAIR_FREE_FAILURES {
        let through = if i % 2 == 0 {
            s.anonymous()
        } else {
            other.anonymous()
        };
        let (_, r) = s
            .sign_in_with(through, "owner@acme.example.com", "wrong password!")
            .await;
        assert_eq!(r.status, 401, "{:?}", r.body);
    }
    for through in [s.anonymous(), other.anonymous()] {
        let (_, r) = s
            .sign_in_with(through, "owner@acme.example.com", PASSWORD)
            .await;
        assert_eq!(r.status, 429, "{:?}", r.body);
    }
}

crate::on_both!(
    failures_through_two_processes_add_up,
    signing_in_sets_an_http_only_same_site_cookie_and_the_api_then_works_with_it,
    a_cookie_authenticated_write_needs_the_sessions_csrf_token,
    every_failed_sign_in_gets_the_identical_refusal,
    repeated_failures_are_throttled_with_retry_after,
    wrong_passwords_from_one_address_never_lock_the_user_out_elsewhere,
    one_address_guessing_many_emails_is_stopped,
    deactivating_a_user_ends_their_session_on_the_very_next_request,
    removing_panel_access_or_deleting_the_user_ends_their_session_at_once,
    demoting_an_admin_applies_on_their_next_request_without_signing_out,
    signing_out_ends_the_session_on_the_server,
    a_session_ends_after_being_idle,
    a_busy_session_still_ends_a_week_after_sign_in,
    an_email_in_two_accounts_asks_which_account_only_after_the_password_matched,
);
