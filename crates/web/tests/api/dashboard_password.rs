//! "Forgot your password?" in the dashboard: the same answer whoever asks, a mailed link
//! that works once and for an hour, sets the password, signs the person out everywhere
//! else and in here; single sign-on accounts get told to use their identity provider.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::AuditFilter;
use switchboard_domain::Plan;

use crate::dashboard::signed_in;
use crate::support::{Client, Server};

const NEUTRAL: &str =
    "If an account uses that address, a link to set a new password was sent to it.";

/// Asks for a reset link through the form; answers the status and page.
async fn ask(client: &Client, email: &str) -> (StatusCode, String) {
    let (status, _, page) = client
        .post_form("/forgot-password", &[("email", email)], &[])
        .await;
    (status, page)
}

/// The password reset mails of the account, newest first: (to, body).
async fn reset_mails(s: &Server, ctx: &switchboard_service::Ctx) -> Vec<(String, String)> {
    s.app
        .sb
        .list_mail(ctx, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.mail.kind == "password_reset")
        .map(|m| (m.mail.to, m.mail.body))
        .collect()
}

/// The path of the reset link in a mail body.
fn link_path(body: &str) -> String {
    let at = body.find("/reset-password/").expect("a reset link");
    body[at..].split_whitespace().next().unwrap().to_owned()
}

async fn a_mailed_link_sets_a_new_password_once_and_signs_out_elsewhere(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    let (elsewhere, _) = signed_in(&s, "priya@acme.example.com").await;

    let anon = s.browser();
    let (status, page) = anon.page("/sign-in").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<a href=\"/forgot-password\">Forgot your password?</a>"),
        "{page}"
    );
    let (status, page) = anon.page("/forgot-password").await;
    assert_eq!(status, 200);
    assert!(page.contains("Send me a link"), "{page}");
    let (status, page) = ask(&anon, "Priya@Acme.example.com").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(NEUTRAL), "{page}");

    let mails = reset_mails(&s, &acct.owner_ctx).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, "priya@acme.example.com");
    assert!(mails[0].1.contains("expires on"), "{}", mails[0].1);
    let path = link_path(&mails[0].1);
    assert!(path.contains("sbr_"), "{path}");

    let (status, page) = anon.page(&path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Set a new password"), "{page}");
    assert!(page.contains("Priya Sharma at Acme"), "{page}");
    let (status, _, page) = anon.post_form(&path, &[("password", "short")], &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("at least 10 characters"), "{page}");

    let (status, _, page) = anon
        .post_form(&path, &[("password", "priya's brand new password")], &[])
        .await;
    assert_eq!(status, 200, "signed in and sent to the dashboard: {page}");
    assert!(page.contains("Your new password is set."), "{page}");
    assert_eq!(anon.get("/api/v1/session").await.status, 200);
    assert_eq!(
        elsewhere.get("/api/v1/session").await.status,
        401,
        "the other session ended"
    );
    let (_, r) = s
        .sign_in("priya@acme.example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, 401, "the old password no longer works");
    let (_, r) = s
        .sign_in("priya@acme.example.com", "priya's brand new password")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // The link works once.
    let other = s.browser();
    let (status, page) = other.page(&path).await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    assert!(page.contains("This link has already been used"), "{page}");
    let (status, _, page) = other
        .post_form(&path, &[("password", "a third new password")], &[])
        .await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    assert_eq!(other.get("/api/v1/session").await.status, 401);
    let (status, page) = other.page("/reset-password/sbr_nonsense").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("This link is not valid"), "{page}");

    let actions: Vec<String> = s
        .app
        .sb
        .list_audit_events(&acct.owner_ctx, &AuditFilter::default(), 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    assert!(actions.contains(&"user.password_reset_requested".to_owned()));
    assert!(actions.contains(&"user.password_reset".to_owned()));
}

async fn an_expired_or_replaced_link_is_refused_with_a_clear_page(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let anon = s.browser();
    ask(&anon, "owner@acme.example.com").await;
    let first = link_path(&reset_mails(&s, &acct.owner_ctx).await[0].1);
    ask(&anon, "owner@acme.example.com").await;
    let second = link_path(&reset_mails(&s, &acct.owner_ctx).await[0].1);
    assert_ne!(first, second);

    let (status, page) = anon.page(&first).await;
    assert_eq!(status, StatusCode::GONE, "a newer link replaced it");
    assert!(page.contains("This link is no longer valid"), "{page}");

    s.app.clock.advance(SignedDuration::from_mins(61));
    let (status, page) = anon.page(&second).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This link has expired"), "{page}");
    assert!(page.contains("href=\"/forgot-password\""), "{page}");
    let (status, _, page) = anon
        .post_form(&second, &[("password", "too late a password")], &[])
        .await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    let (_, r) = s
        .sign_in("owner@acme.example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, 200, "the password did not change");
}

async fn unknown_deactivated_and_pending_addresses_get_the_same_answer_and_no_mail(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let gone = s
        .app
        .user(
            ctx,
            json!({ "name": "Dev Gone", "email": "dev@acme.example.com", "panel_access": true }),
        )
        .await;
    s.app.sb.deactivate_user(ctx, gone, None).await.unwrap();
    s.app
        .sb
        .add_user(
            ctx,
            switchboard_testkit::new_user(json!({
                "name": "Pia Pending", "email": "pia@acme.example.com", "panel_access": true
            })),
        )
        .await
        .unwrap();
    s.app
        .user(
            ctx,
            json!({ "name": "Cal Callonly", "email": "cal@acme.example.com" }),
        )
        .await;
    let anon = s.browser();
    let (_, known) = ask(&anon, "owner@acme.example.com").await;
    for email in [
        "nobody@acme.example.com",
        "dev@acme.example.com",
        "pia@acme.example.com",
        "cal@acme.example.com",
    ] {
        let (status, page) = ask(&anon, email).await;
        assert_eq!(status, 200, "{email}: {page}");
        assert_eq!(
            page.replace(email, "EMAIL"),
            known.replace("owner@acme.example.com", "EMAIL"),
            "{email}: the very same answer"
        );
    }
    let mails = reset_mails(&s, ctx).await;
    assert_eq!(mails.len(), 1, "only the owner's: {mails:?}");
    assert_eq!(mails[0].0, "owner@acme.example.com");
}

async fn with_password_sign_in_off_only_the_owner_keeps_a_password(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    // Sessions opened with passwords before: Priya's ends when passwords are turned off,
    // the owner's lives on.
    let (priya_before, r) = s
        .sign_in("priya@acme.example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (owner_before, _) = s
        .sign_in("owner@acme.example.com", "correct horse battery")
        .await;
    s.app
        .sb
        .set_sso_connection(
            &acct.owner_ctx,
            &switchboard_testkit::oidc::offline_connection(false),
            Some("client-secret"),
        )
        .await
        .unwrap();
    assert_eq!(
        priya_before.get("/api/v1/session").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        owner_before.get("/api/v1/session").await.status,
        StatusCode::OK
    );
    // The right password is not enough: the API and the sign-in page both say where to go.
    let (_, r) = s
        .sign_in("priya@acme.example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(r.code(), "sso_required");
    let (status, _, page) = s
        .browser()
        .post_form(
            "/sign-in",
            &[
                ("email", "priya@acme.example.com"),
                ("password", "correct horse battery"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("href=\"/sign-in/acme\">Sign in with Okta"),
        "{page}"
    );
    // The answer comes from the address's domain alone: a wrong password, or an address
    // with no user, is told the same, so it reveals neither the password nor the person.
    for (email, password) in [
        ("priya@acme.example.com", "wrong password 1"),
        ("nobody@acme.example.com", "correct horse battery"),
    ] {
        let (_, r) = s.sign_in(email, password).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}");
        assert_eq!(r.code(), "sso_required");
    }
    // The owner keeps a way back in.
    let (_, r) = s
        .sign_in("owner@acme.example.com", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    let (_, page) = ask(&s.browser(), "priya@acme.example.com").await;
    assert!(page.contains(NEUTRAL), "{page}");
    let (_, page) = ask(&s.browser(), "owner@acme.example.com").await;
    assert!(page.contains(NEUTRAL), "{page}");
    let mails = reset_mails(&s, &acct.owner_ctx).await;
    let to = |who: &str| {
        mails
            .iter()
            .find(|(to, _)| to == who)
            .map(|(_, body)| body.clone())
            .unwrap()
    };
    let priya = to("priya@acme.example.com");
    assert!(priya.contains("Sign in with Okta"), "{priya}");
    assert!(priya.contains("/sign-in/acme"), "{priya}");
    assert!(!priya.contains("/reset-password/"), "{priya}");
    assert!(to("owner@acme.example.com").contains("/reset-password/"));
}

async fn asking_too_often_is_throttled_and_a_bad_address_is_named(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let anon = s.browser();
    let (status, page) = ask(&anon, "not an email").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("That is not an email address"), "{page}");
    for _ in 0..3 {
        let (status, _) = ask(&anon, "owner@acme.example.com").await;
        assert_eq!(status, 200);
    }
    let (status, page) = ask(&anon, "OWNER@acme.example.com").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(page.contains("Try again in 15 minutes"), "{page}");
    assert_eq!(reset_mails(&s, &acct.owner_ctx).await.len(), 3);
}

crate::on_both!(
    a_mailed_link_sets_a_new_password_once_and_signs_out_elsewhere,
    an_expired_or_replaced_link_is_refused_with_a_clear_page,
    unknown_deactivated_and_pending_addresses_get_the_same_answer_and_no_mail,
    with_password_sign_in_off_only_the_owner_keeps_a_password,
    asking_too_often_is_throttled_and_a_bad_address_is_named,
);
