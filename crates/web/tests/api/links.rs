//! The links of emails (invites, email verification) as API and as pages, and the
//! first-run setup link.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::{Plan, UserPatch, UserPatchInput};
use switchboard_testkit::new_user;

use crate::support::Server;

/// Adds a Panel Access user without accepting the invite; returns the invite token.
async fn invited(s: &Server, ctx: &switchboard_service::Ctx, name: &str, email: &str) -> String {
    let added = s
        .app
        .sb
        .add_user(
            ctx,
            new_user(json!({ "name": name, "email": email, "panel_access": true })),
        )
        .await
        .unwrap();
    let link = added.invite_link.unwrap();
    link.rsplit('/').next().unwrap().to_owned()
}

async fn accepting_an_invite_sets_the_password_and_the_user_can_then_sign_in(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let token = invited(
        &s,
        &acct.owner_ctx,
        "Priya Sharma",
        "priya@acme.example.com",
    )
    .await;
    let anon = s.anonymous();
    let r = anon.get(&format!("/api/v1/invites/{token}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["user_name"], "Priya Sharma");
    assert_eq!(r.body["account_name"], "Acme");
    assert_eq!(r.body["state"], "open");

    let path = format!("/api/v1/invites/{token}/accept");
    let r = anon.post(&path, &json!({ "password": "short" })).await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "password");

    let browser = s.browser();
    let r = browser
        .post(&path, &json!({ "password": "priya's new password" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.header("set-cookie").unwrap().contains("HttpOnly"));
    assert_eq!(r.body["user"]["name"], "Priya Sharma");
    assert_eq!(browser.get("/api/v1/session").await.status, 200);

    let r = anon
        .post(&path, &json!({ "password": "another password" }))
        .await;
    assert_eq!(r.status, 410, "{:?}", r.body);
    assert_eq!(r.code(), "link_invalid");
    assert_eq!(
        anon.get(&format!("/api/v1/invites/{token}")).await.body["state"],
        "used"
    );

    let (_, r) = s
        .sign_in("priya@acme.example.com", "priya's new password")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = anon.get("/api/v1/invites/sbi_nonsense").await;
    assert_eq!(r.status, 404);
    let r = anon
        .post(
            "/api/v1/invites/sbi_nonsense/accept",
            &json!({ "password": "a long enough password" }),
        )
        .await;
    assert_eq!(r.status, 404, "unknown is 404, used or expired 410");
    let r = anon
        .send(
            reqwest::Method::POST,
            "/api/v1/email-verifications/sbv_nonsense",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
}

async fn an_expired_invite_is_shown_as_expired_and_answers_410(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let token = invited(
        &s,
        &acct.owner_ctx,
        "Priya Sharma",
        "priya@acme.example.com",
    )
    .await;
    s.app
        .clock
        .advance(jiff::SignedDuration::from_hours(8 * 24));
    let anon = s.anonymous();
    let r = anon.get(&format!("/api/v1/invites/{token}")).await;
    assert_eq!(r.body["state"], "expired");
    let r = anon
        .post(
            &format!("/api/v1/invites/{token}/accept"),
            &json!({ "password": "priya's new password" }),
        )
        .await;
    assert_eq!(r.status, 410, "{:?}", r.body);
    assert_eq!(r.code(), "link_invalid");
    let (status, page) = anon.page(&format!("/invite/{token}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired"), "{page}");
}

async fn the_invite_page_escapes_the_users_name_and_signs_them_in(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let token = invited(
        &s,
        &acct.owner_ctx,
        "<script>alert(1)</script>",
        "mallory@acme.example.com",
    )
    .await;
    let browser = s.browser();
    let (status, page) = browser.page(&format!("/invite/{token}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("alert(1)"), "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("/static/style.css"));

    let path = format!("/invite/{token}");
    let (status, _, _) = browser
        .post_form(
            &path,
            &[("password", "mallory's password")],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(status, 403, "a cross-site post is refused");
    let (status, _, page) = browser
        .post_form(&path, &[("password", "short")], &[])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("at least 10 characters"), "{page}");
    let (status, _, page) = browser
        .post_form(&path, &[("password", "mallory's password")], &[])
        .await;
    assert_eq!(status, 200, "redirected home: {page}");
    assert!(page.contains("Sign out"), "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert_eq!(browser.get("/api/v1/session").await.status, 200);
}

async fn an_email_change_takes_effect_through_its_verification_link(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let priya = s
        .app
        .user(&acct.owner_ctx, json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }))
        .await;
    let patch: UserPatchInput =
        serde_json::from_value(json!({ "email": "priya.s@acme.example.com" })).unwrap();
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
    let mails = s.app.sb.list_mail(&acct.owner_ctx, 50).await.unwrap();
    let body = &mails
        .iter()
        .find(|m| m.mail.kind == "email_verification")
        .unwrap()
        .mail
        .body;
    let token = body
        .split_whitespace()
        .find(|w| w.contains("/verify-email/"))
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let anon = s.anonymous();
    let r = anon
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/email-verifications/{token}"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["email"], "priya.s@acme.example.com");
    let (status, page) = anon.page(&format!("/verify-email/{token}")).await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    assert!(page.contains("already used"), "{page}");
}

async fn the_setup_link_creates_the_first_account_once_and_is_then_dead(s: Server) {
    let token = s.state.setup.open();
    let browser = s.browser();
    let path = format!("/setup/{token}");
    let (status, page) = browser.page(&path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Company name"));
    let (status, _) = browser.page("/setup/sbsetup_wrong").await;
    assert_eq!(status, StatusCode::GONE);

    let form = [
        ("company", "Acme & Sons"),
        ("plan", "pro"),
        ("seats", "3"),
        ("name", "Olivia Owner"),
        ("email", "olivia@acme.example.com"),
        ("password", "olivia's password"),
    ];
    let (status, _, _) = browser
        .post_form(&path, &form, &[("origin", "https://evil.example")])
        .await;
    assert_eq!(status, 403);
    let mut bad = form;
    bad[4] = ("email", "not-an-email");
    let (status, _, page) = browser.post_form(&path, &bad, &[]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Your email"), "{page}");

    let (status, _, page) = browser.post_form(&path, &form, &[]).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Acme &#38; Sons") || page.contains("Acme &amp; Sons"),
        "{page}"
    );
    let r = browser.get("/api/v1/account").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["plan"], "pro");
    assert_eq!(r.body["seat_limit"], 3);
    let owner_id = r.body["owner_id"].clone();
    let account: switchboard_domain::AccountId = r.body["id"].as_str().unwrap().parse().unwrap();
    let mails = s
        .app
        .sb
        .list_mail(&switchboard_service::Ctx::cli(account), 50)
        .await
        .unwrap();
    assert!(mails.is_empty(), "the owner set a password: no invite mail");
    let r = browser.get("/api/v1/session").await;
    assert_eq!(r.body["user"]["role"], "Administrator");
    assert_eq!(r.body["user"]["id"], owner_id);

    let (status, _, _) = s.browser().post_form(&path, &form, &[]).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = s.browser().page(&path).await;
    assert_eq!(status, StatusCode::GONE);
    let (_, r) = s
        .sign_in("olivia@acme.example.com", "olivia's password")
        .await;
    assert_eq!(r.status, 200);
}

async fn two_setup_posts_at_once_create_one_account(s: Server) {
    let token = s.state.setup.open();
    let path = format!("/setup/{token}");
    let form = |email: &'static str| {
        [
            ("company", "Acme"),
            ("plan", "free"),
            ("seats", ""),
            ("name", "Olivia Owner"),
            ("email", email),
            ("password", "olivia's password"),
        ]
    };
    let (a, b) = (s.browser(), s.browser());
    let (fa, fb) = (form("a@acme.example.com"), form("b@acme.example.com"));
    let (ra, rb) = tokio::join!(a.post_form(&path, &fa, &[]), b.post_form(&path, &fb, &[]));
    let mut statuses = [ra.0.as_u16(), rb.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 410]);
    let accounts = switchboard_service::list_account_ids(s.app.sb.db())
        .await
        .unwrap();
    assert_eq!(accounts.len(), 1);
}

async fn a_setup_link_is_dead_once_any_account_exists(s: Server) {
    let token = s.state.setup.open();
    s.account("Acme", Plan::Free, 0).await;
    let (status, _) = s.browser().page(&format!("/setup/{token}")).await;
    assert_eq!(status, StatusCode::GONE);
}

async fn the_sign_in_page_signs_in_and_the_home_page_signs_out(s: Server) {
    let _acct = s.account("Acme", Plan::Pro, 5).await;
    let browser = s.browser();
    let (status, page) = browser.page("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign in"), "{page}");
    let (status, _, page) = browser
        .post_form(
            "/sign-in",
            &[
                ("email", "owner@acme.example.com"),
                ("password", "wrong password!"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 401);
    assert!(page.contains("not right"), "{page}");
    let (status, _, page) = browser
        .post_form(
            "/sign-in",
            &[
                ("email", "owner@acme.example.com"),
                ("password", "correct horse battery"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Olivia Owner"), "{page}");
    let (status, _, _) = browser
        .post_form("/sign-out", &[("csrf_token", "forged")], &[])
        .await;
    assert_eq!(status, 403);
    let csrf = browser.get("/api/v1/session").await.body["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, page) = browser
        .post_form("/sign-out", &[("csrf_token", &csrf)], &[])
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign in"), "{page}");
    assert_eq!(browser.get("/api/v1/session").await.status, 401);
}

crate::on_both!(
    accepting_an_invite_sets_the_password_and_the_user_can_then_sign_in,
    an_expired_invite_is_shown_as_expired_and_answers_410,
    the_invite_page_escapes_the_users_name_and_signs_them_in,
    an_email_change_takes_effect_through_its_verification_link,
    the_setup_link_creates_the_first_account_once_and_is_then_dead,
    two_setup_posts_at_once_create_one_account,
    a_setup_link_is_dead_once_any_account_exists,
    the_sign_in_page_signs_in_and_the_home_page_signs_out,
);
