//! `/api/v1/mail`: administrators read the outbox (so an install without SMTP can hand
//! out invites), newest first, one page at a time; nobody else, and never another
//! account's mail.

use serde_json::json;
use switchboard_domain::Plan;

use crate::support::Server;
use crate::users::{assert_problem, owner_api, user};

async fn an_administrator_reads_the_invites_waiting_in_the_outbox(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    let r = api.get("/api/v1/mail").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let m = &r.body["items"][0];
    assert_eq!(m["recipient"], "priya@acme.example.com");
    assert_eq!(m["kind"], "invite");
    assert_eq!(m["status"], "pending");
    assert_eq!(m["attempts"], 0);
    assert_eq!(m["sent_at"], json!(null));
    assert!(!m["subject"].as_str().unwrap().is_empty());
    assert!(m["body"].as_str().unwrap().contains("/invite/"), "{m}");
    assert!(m["created_at"].is_string());
}

async fn the_outbox_pages_newest_first_with_a_cursor(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let api = owner_api(&s, &acct).await;
    for i in 0..3 {
        user(
            &s,
            &acct,
            json!({ "name": format!("User {i}"), "email": format!("u{i}@acme.example.com"), "panel_access": true }),
        )
        .await;
        s.app.clock.advance(jiff::SignedDuration::from_mins(1));
    }
    let all: Vec<String> = api.get("/api/v1/mail?limit=500").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all.len() >= 3, "{all:?}");
    let first = api.get("/api/v1/mail?limit=1").await;
    assert!(
        first.body["items"][0]["recipient"]
            .as_str()
            .unwrap()
            .starts_with("u2@"),
        "{:?}",
        first.body
    );
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let r = api.get(&format!("/api/v1/mail{query}")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        seen.extend(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, all);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=x", "limit"),
        ("cursor=zz", "cursor"),
        ("cursor=61756469743a31", "cursor"),
        ("to=me", "to"),
    ] {
        let r = api.get(&format!("/api/v1/mail?{query}")).await;
        assert_problem(&r, 422, r.code(), Some(field));
    }
}

async fn another_accounts_mail_is_never_shown(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    user(
        &s,
        &a,
        json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
    )
    .await;
    let r = a_api.get("/api/v1/mail").await;
    assert!(r.body.to_string().contains("priya@acme.example.com"));
    let r = b_api.get("/api/v1/mail?limit=500").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        !r.body.to_string().contains("acme.example.com"),
        "{:?}",
        r.body
    );
    // A's cursor shows B only B's mail.
    let r = a_api.get("/api/v1/mail?limit=1").await;
    if let Some(c) = r.body["next_cursor"].as_str() {
        let r = b_api.get(&format!("/api/v1/mail?cursor={c}")).await;
        assert!(!r.body.to_string().contains("acme.example.com"));
    }
}

async fn only_administrators_read_the_outbox(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let admin = s.as_token(&s.token(&acct.system, "Administrator").await);
    assert_eq!(admin.get("/api/v1/mail").await.status, 200);
    for role in ["Manager", "Basic"] {
        let api = s.as_token(&s.token(&acct.system, role).await);
        assert_problem(&api.get("/api/v1/mail").await, 403, "forbidden", None);
    }
}

crate::on_both!(
    an_administrator_reads_the_invites_waiting_in_the_outbox,
    the_outbox_pages_newest_first_with_a_cursor,
    another_accounts_mail_is_never_shown,
    only_administrators_read_the_outbox,
);
