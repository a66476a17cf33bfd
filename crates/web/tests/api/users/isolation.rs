//! Another account's token never reaches this account's users: every per-user endpoint
//! answers 404, and lists and searches never show them.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::Plan;

use super::{assert_problem, at, department, owner_api, user};
use crate::support::Server;

async fn another_accounts_token_gets_404_for_every_user_endpoint(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    let priya = user(
        &s,
        &a,
        json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
    )
    .await;
    let b_user = user(
        &s,
        &b,
        json!({ "name": "Gil Globex", "mobile": "+919876543299", "extension": "150" }),
    )
    .await;
    let path = at(priya);
    let calls: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, path.clone(), None),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({ "name": "Hijacked" })),
        ),
        (Method::POST, format!("{path}/deactivate"), Some(json!({}))),
        (Method::POST, format!("{path}/activate"), Some(json!({}))),
        (Method::POST, format!("{path}/invite"), Some(json!({}))),
        (
            Method::POST,
            format!("{path}/replace"),
            Some(json!({ "mobile": "+919876543298" })),
        ),
        (
            Method::POST,
            format!("{path}/reassign"),
            Some(json!({ "to": b_user.to_string() })),
        ),
        (Method::GET, format!("{path}/deletion-check"), None),
        (Method::DELETE, path.clone(), None),
    ];
    for (method, p, body) in &calls {
        let r = b_api.send(method.clone(), p, body.as_ref(), &[]).await;
        assert_problem(&r, 404, "not_found", None);
        assert!(
            !r.body.to_string().contains("Priya"),
            "{method} {p} leaked: {:?}",
            r.body
        );
    }
    // With an If-Match too.
    let r = b_api
        .send(
            Method::PATCH,
            &path,
            Some(&json!({ "name": "Hijacked" })),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_problem(&r, 404, "not_found", None);
    // Reassigning B's user to A's user: A's user does not exist for B.
    let r = b_api
        .post(
            &format!("{}/reassign", at(b_user)),
            &json!({ "to": priya.to_string() }),
        )
        .await;
    assert_eq!(r.status.as_u16() / 100, 4, "{:?}", r.body);
    assert_ne!(r.status, 403);

    // Lists and searches in B never show A's users.
    let list = b_api.get("/api/v1/users?limit=500").await;
    assert_eq!(list.status, 200);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&priya.to_string().as_str()));
    assert!(!ids.contains(&a.owner.to_string().as_str()));
    let search = b_api.get("/api/v1/users?q=priya").await;
    assert_eq!(search.body["items"], json!([]));
    let search = b_api.get("/api/v1/users?q=acme").await;
    assert_eq!(search.body["items"], json!([]));
    // Filtering by A's department or role ids shows nothing of A.
    let a_sales = department(&s, &a.owner_ctx, "Sales", vec![priya], vec![]).await;
    let r = b_api
        .get(&format!("/api/v1/users?department={a_sales}"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["items"], json!([]));
    let a_role = a_api.get(&path).await.body["role"]["id"].clone();
    let r = b_api
        .get(&format!("/api/v1/users?role={}", a_role.as_str().unwrap()))
        .await;
    assert_problem(&r, 422, "validation_failed", Some("role"));
    // A's department id cannot be joined from B either.
    let r = b_api
        .post(
            "/api/v1/users",
            &json!({ "name": "Sneaky", "mobile": "+919876543297", "departments": [a_sales.to_string()] }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("departments[0]"));
    // A's cursor does not open A's list to B.
    let a_page = a_api.get("/api/v1/users?limit=1").await;
    let cursor = a_page.body["next_cursor"].as_str().unwrap();
    let r = b_api
        .get(&format!("/api/v1/users?limit=500&cursor={cursor}"))
        .await;
    for u in r.body["items"].as_array().into_iter().flatten() {
        assert_ne!(u["id"], priya.to_string());
        assert_ne!(u["id"], a.owner.to_string());
    }

    // Nothing in A changed, and extensions are per account.
    let after = a_api.get(&path).await;
    assert_eq!(after.body["name"], "Priya Sharma");
    assert_eq!(after.body["status"], "active");
    let free = b_api.get("/api/v1/extensions/available?limit=1").await;
    // A's Priya holds 101; B's 101 is free.
    assert_eq!(free.body["next_free"], "101");
}

crate::on_both!(another_accounts_token_gets_404_for_every_user_endpoint);
