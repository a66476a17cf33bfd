//! `GET /api/v1/users/{id}` from what a process keeps between requests: whichever process
//! made a change — this one, another one on the same database, or the command line — the
//! next read through any process shows it; and an invite or a pending email that expires
//! shows as expired without any change.

use serde_json::{Value, json};
use switchboard_domain::{Availability, Plan};

use crate::support::{Client, Server};
use crate::users::{at, department, owner_api, token_of, user};

/// `path` read through every client, twice each (the second from what its process kept);
/// each read must agree with `check`.
async fn shown_by_all(clients: &[&Client], path: &str, check: impl Fn(&Value) -> bool, what: &str) {
    for (n, c) in clients.iter().enumerate() {
        for read in ["first", "second"] {
            let r = c.get(path).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            assert!(
                check(&r.body),
                "client {n}, {read} read, does not show {what}: {}",
                r.body
            );
        }
    }
}

async fn every_process_shows_a_users_change_made_anywhere_at_once(s: Server) {
    let acct = s.account("Kept Views Co", Plan::Pro, 10).await;
    let owner = owner_api(&s, &acct).await;
    let r = owner
        .post(
            "/api/v1/roles",
            &json!({ "name": "Floor staff", "permissions": { "view_users": true } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let role = r.body["id"].as_str().unwrap().to_owned();
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Chen", "email": "mia@example.com", "panel_access": true, "role": "Floor staff", "tags": ["french"] }),
    )
    .await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![mia], vec![]).await;
    let other = s.other_process().await;
    let there = other.as_token(&token_of(&s, &acct, acct.owner, "Administrator").await);
    let path = at(mia);
    let all = [&owner, &there];
    shown_by_all(
        &all,
        &path,
        |u| u["departments"][0]["name"] == "Sales",
        "Sales",
    )
    .await;

    // Her own fields, through each process.
    let r = owner.patch(&path, &json!({ "name": "Mia Wong" })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(&all, &path, |u| u["name"] == "Mia Wong", "the new name").await;
    let r = there
        .patch(&path, &json!({ "tags": ["french", "vip"] }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(
        &all,
        &path,
        |u| u["tags"] == json!(["french", "vip"]),
        "the tag",
    )
    .await;

    // What her view shows of other records: her role's and her department's names.
    let r = there
        .patch(
            &format!("/api/v1/roles/{role}"),
            &json!({ "name": "Floor lead" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(
        &all,
        &path,
        |u| u["role"]["name"] == "Floor lead",
        "the role's name",
    )
    .await;
    let dep = format!("/api/v1/departments/{sales}");
    let r = owner.patch(&dep, &json!({ "name": "Inside sales" })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(
        &all,
        &path,
        |u| u["departments"][0]["name"] == "Inside sales",
        "the rename",
    )
    .await;
    let r = there
        .put(&format!("{dep}/members"), &json!({ "members": [] }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(
        &all,
        &path,
        |u| u["departments"] == json!([]),
        "no department",
    )
    .await;

    // Through the command line's way in (the service on the database, no server).
    s.app
        .sb
        .set_availability(&acct.owner_ctx, mia, Availability::Away)
        .await
        .unwrap();
    shown_by_all(&all, &path, |u| u["availability"] == "away", "away").await;

    // A new email waits for verification, then its link is withdrawn by another change.
    let r = owner
        .patch(&path, &json!({ "email": "mia.wong@example.com" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(
        &all,
        &path,
        |u| u["pending_email"] == "mia.wong@example.com",
        "the pending email",
    )
    .await;

    // Deleted through one process: gone from the other.
    let r = there.delete(&path).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    for c in all {
        assert_eq!(c.get(&path).await.status, 404);
    }
}

async fn a_kept_invite_and_pending_email_expire_without_a_change(s: Server) {
    let acct = s.account("Kept Views Co", Plan::Pro, 10).await;
    let owner = owner_api(&s, &acct).await;
    let r = owner
        .post(
            "/api/v1/users",
            &json!({ "name": "Ravi Iyer", "email": "ravi@example.com", "panel_access": true }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let ravi = at(r.body["user"]["id"].as_str().unwrap());
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Chen", "email": "mia@example.com", "panel_access": true }),
    )
    .await;
    let r = owner
        .patch(&at(mia), &json!({ "email": "mia.wong@example.com" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    for _ in 0..2 {
        assert_eq!(owner.get(&ravi).await.body["invite"]["state"], "open");
        assert_eq!(
            owner.get(&at(mia)).await.body["pending_email"],
            "mia.wong@example.com"
        );
    }
    let ttl = s
        .app
        .sb
        .settings()
        .invite_ttl
        .max(s.app.sb.settings().email_verification_ttl);
    s.app
        .clock
        .advance(ttl + jiff::SignedDuration::from_secs(1));
    assert_eq!(owner.get(&ravi).await.body["invite"]["state"], "expired");
    assert!(
        owner
            .get(&at(mia))
            .await
            .body
            .get("pending_email")
            .is_none_or(Value::is_null)
    );
}

crate::on_both!(
    every_process_shows_a_users_change_made_anywhere_at_once,
    a_kept_invite_and_pending_email_expire_without_a_change,
);
