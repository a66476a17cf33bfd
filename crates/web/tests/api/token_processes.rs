//! API tokens used through another server process on the same database: whatever rights
//! that process keeps between requests, a token revoked, a user deactivated, a user given
//! another role and a role's permissions changed through the first apply to its very next
//! request (SPEC §1, R10).

use serde_json::json;
use switchboard_domain::Plan;

use crate::support::{Client, Server};
use crate::users::{assert_problem, at, owner_api, token_of, user};

/// The status of reading `path` twice, the second from whatever the process kept.
async fn status_twice(c: &Client, path: &str) -> reqwest::StatusCode {
    let first = c.get(path).await.status;
    let second = c.get(path).await.status;
    assert_eq!(
        first, second,
        "{path} answered differently when asked again"
    );
    second
}

/// Revokes the token named `name` through `owner`'s process.
pub(crate) async fn revoke(owner: &Client, name: &str) {
    let r = owner.get("/api/v1/api-tokens").await;
    let id = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = owner.delete(&format!("/api/v1/api-tokens/{id}")).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
}

async fn another_process_applies_every_rights_change_made_through_the_first(s: Server) {
    let acct = s.account("Two Process Co", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Chen", "email": "mia@example.com", "role": "Manager" }),
    )
    .await;
    let r = owner
        .post(
            "/api/v1/roles",
            &json!({ "name": "Switchboard readers", "permissions": { "view_users": true } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let readers = r.body["id"].as_str().unwrap().to_owned();
    let other = s.other_process().await;
    let mia_there = other.as_token(&token_of(&s, &acct, mia, "Manager").await);
    let owner_there = other.as_token(&token_of(&s, &acct, acct.owner, "Administrator").await);
    let someone = at(acct.owner);
    assert_eq!(status_twice(&mia_there, &someone).await, 200);
    assert_eq!(status_twice(&mia_there, "/api/v1/api-tokens").await, 200);

    // Mia given a role without token rights, then one without seeing users, then back.
    let r = owner.patch(&at(mia), &json!({ "role": "Basic" })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(status_twice(&mia_there, "/api/v1/api-tokens").await, 403);
    assert_eq!(status_twice(&mia_there, &someone).await, 200);
    let r = owner
        .patch(&at(mia), &json!({ "role": "Switchboard readers" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(status_twice(&mia_there, &someone).await, 200);
    assert_eq!(status_twice(&mia_there, "/api/v1/users").await, 200);

    // The role's permissions changed: reading users is refused, then allowed.
    let r = owner
        .patch(
            &format!("/api/v1/roles/{readers}"),
            &json!({ "permissions": { "view_users": false } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(status_twice(&mia_there, "/api/v1/users").await, 403);
    assert_eq!(status_twice(&mia_there, &someone).await, 403);
    assert_eq!(mia_there.get(&at(mia)).await.status, 200, "herself");
    let r = owner
        .patch(
            &format!("/api/v1/roles/{readers}"),
            &json!({ "permissions": { "view_users": true } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(status_twice(&mia_there, "/api/v1/users").await, 200);
    assert_eq!(status_twice(&mia_there, &someone).await, 200);

    // Mia deactivated: her token ends.
    let r = owner
        .post(&format!("{}/deactivate", at(mia)), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_problem(&mia_there.get(&someone).await, 401, "unauthorized", None);
    assert_problem(
        &mia_there.get("/api/v1/users").await,
        401,
        "unauthorized",
        None,
    );

    // The owner's token revoked through the first process.
    assert_eq!(status_twice(&owner_there, &at(mia)).await, 200);
    revoke(&owner, &format!("token of {}", acct.owner)).await;
    assert_problem(&owner_there.get(&at(mia)).await, 401, "unauthorized", None);
    assert_problem(
        &owner_there.get("/api/v1/users").await,
        401,
        "unauthorized",
        None,
    );
    assert_eq!(
        owner.get(&at(mia)).await.status,
        200,
        "the other token works"
    );
}

async fn a_scim_token_revoked_through_one_process_ends_its_searches_on_the_other(s: Server) {
    let acct = s.account("Two Process Co", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    user(
        &s,
        &acct,
        json!({ "name": "Mia Chen", "email": "mia@example.com" }),
    )
    .await;
    let (_, secret) = s
        .app
        .sb
        .create_api_token(&acct.system, "Identity provider", "scim", None, None)
        .await
        .unwrap();
    let other = s.other_process().await;
    let idp = other.as_token(&secret);
    // A lookup that finds the user, and one that finds nobody (before a create).
    let found = "/scim/v2/Users?filter=userName%20eq%20%22mia@example.com%22";
    let nobody = "/scim/v2/Users?filter=userName%20eq%20%22leo@example.com%22";
    let r = idp.get(found).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["totalResults"], 1, "{:?}", r.body);
    assert_eq!(status_twice(&idp, nobody).await, 200);

    revoke(&owner, "Identity provider").await;
    assert_eq!(status_twice(&idp, nobody).await, 401);
    assert_eq!(status_twice(&idp, found).await, 401);
}

async fn a_tokens_last_use_shows_when_the_tokens_are_listed(s: Server) {
    let acct = s.account("Two Process Co", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let r = owner.get("/api/v1/api-tokens").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let used = &r.body["items"][0]["last_used_at"];
    assert!(
        used.is_string(),
        "the listing request's own use shows: {used}"
    );
}

crate::on_both!(
    another_process_applies_every_rights_change_made_through_the_first,
    a_scim_token_revoked_through_one_process_ends_its_searches_on_the_other,
    a_tokens_last_use_shows_when_the_tokens_are_listed,
);
