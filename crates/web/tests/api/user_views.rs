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

/// A SCIM lookup of the user whose userName is `login`, as an identity provider makes
/// before each create or update.
fn lookup(login: &str) -> String {
    format!("/scim/v2/Users?filter=userName%20eq%20%22{login}%22")
}

async fn kept_list_pages_and_scim_lookups_follow_every_change(s: Server) {
    let acct = s.account("Kept Views Co", Plan::Pro, 10).await;
    let owner = owner_api(&s, &acct).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Chen", "email": "mia@example.com", "tags": ["french"] }),
    )
    .await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![mia], vec![]).await;
    let other = s.other_process().await;
    let there = other.as_token(&token_of(&s, &acct, acct.owner, "Administrator").await);
    let (_, secret) = s
        .app
        .sb
        .create_api_token(&acct.system, "Identity provider", "scim", None, None)
        .await
        .unwrap();
    let idp_here = s.as_token(&secret);
    let idp_there = other.as_token(&secret);
    let page = format!("/api/v1/users?department={sales}&limit=50");
    let names = |u: &Value| -> Vec<String> {
        u["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = [&owner, &there];
    let idps = [&idp_here, &idp_there];
    shown_by_all(&all, &page, |p| names(p) == ["Mia Chen"], "Mia").await;
    shown_by_all(
        &idps,
        &lookup("mia@example.com"),
        |r| r["totalResults"] == 1,
        "Mia",
    )
    .await;
    let scim_mia = format!("/scim/v2/Users/{mia}");
    shown_by_all(&idps, &scim_mia, |u| u["displayName"] == "Mia Chen", "Mia").await;
    let ravi = lookup("ravi@example.com");
    shown_by_all(&idps, &ravi, |r| r["totalResults"] == 0, "nobody").await;

    // Created through one process: the other's lookup and page find him.
    let r = owner
        .post(
            "/api/v1/users",
            &json!({ "name": "Ravi Iyer", "email": "ravi@example.com", "departments": [sales.to_string()] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    shown_by_all(&idps, &ravi, |r| r["totalResults"] == 1, "Ravi").await;
    shown_by_all(
        &all,
        &page,
        |p| names(p) == ["Mia Chen", "Ravi Iyer"],
        "both",
    )
    .await;

    // Renamed through the other: the page's order and the lookup's name follow.
    let r = there.patch(&at(mia), &json!({ "name": "Zoe Chen" })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(
        &all,
        &page,
        |p| names(p) == ["Ravi Iyer", "Zoe Chen"],
        "the order",
    )
    .await;
    shown_by_all(
        &idps,
        &lookup("mia@example.com"),
        |r| r["Resources"][0]["displayName"] == "Zoe Chen",
        "the new name",
    )
    .await;
    shown_by_all(
        &idps,
        &scim_mia,
        |u| u["displayName"] == "Zoe Chen",
        "the new name",
    )
    .await;

    // Deactivated by the identity provider through one process.
    let r = idp_there
        .scim(
            reqwest::Method::PATCH,
            &format!("/Users/{mia}"),
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": "active", "value": false }]
            })),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    shown_by_all(
        &idps,
        &lookup("mia@example.com"),
        |r| r["Resources"][0]["active"] == false,
        "inactive",
    )
    .await;
    shown_by_all(&idps, &scim_mia, |u| u["active"] == false, "inactive").await;
    shown_by_all(
        &all,
        &format!("{page}&status=active"),
        |p| names(p) == ["Ravi Iyer"],
        "only Ravi active",
    )
    .await;
}

crate::on_both!(
    every_process_shows_a_users_change_made_anywhere_at_once,
    a_kept_invite_and_pending_email_expire_without_a_change,
    kept_list_pages_and_scim_lookups_follow_every_change,
);
