//! Deactivating or deleting a user ends their API tokens and sessions on the very next
//! request, and a role change applies on the next request.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::Plan;

use super::{PASSWORD, api_as, assert_problem, at, owner_api, user};
use crate::support::{Client, Server};

async fn session(s: &Server, email: &str) -> (Client, String) {
    let (browser, r) = s.sign_in(email, PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    (browser, r.body["csrf_token"].as_str().unwrap().to_owned())
}

async fn deactivating_a_user_ends_their_token_and_session_at_once(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let ada = user(
        &s,
        &acct,
        json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }),
    )
    .await;
    let token = api_as(&s, &acct, ada, "Administrator").await;
    let (browser, _) = session(&s, "ada@acme.example.com").await;
    assert_eq!(token.get("/api/v1/users").await.status, 200);
    assert_eq!(browser.get("/api/v1/users").await.status, 200);

    let r = owner
        .post(&format!("{}/deactivate", at(ada)), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_problem(&token.get("/api/v1/users").await, 401, "unauthorized", None);
    assert_problem(
        &browser.get("/api/v1/users").await,
        401,
        "unauthorized",
        None,
    );
    let (_, again) = s.sign_in("ada@acme.example.com", PASSWORD).await;
    assert_eq!(again.status, 401, "{:?}", again.body);

    // Activating does not bring revoked credentials back.
    let r = owner
        .post(&format!("{}/activate", at(ada)), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_problem(&token.get("/api/v1/users").await, 401, "unauthorized", None);
    assert_problem(
        &browser.get("/api/v1/users").await,
        401,
        "unauthorized",
        None,
    );
    let (fresh, _) = session(&s, "ada@acme.example.com").await;
    assert_eq!(fresh.get("/api/v1/users").await.status, 200);
}

async fn a_scheduled_deactivation_ends_the_token_when_it_falls_due(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let ada = user(
        &s,
        &acct,
        json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }),
    )
    .await;
    let token = api_as(&s, &acct, ada, "Administrator").await;
    let r = owner
        .post(
            &format!("{}/deactivate", at(ada)),
            &json!({ "at": "2026-03-02T10:00:00Z" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["deactivate_at"], "2026-03-02T10:00:00Z");
    // Until then, everything works.
    assert_eq!(token.get("/api/v1/users").await.status, 200);
    s.app.clock.advance(jiff::SignedDuration::from_mins(61));
    assert_eq!(s.app.sb.run_due_deactivations().await.unwrap(), 1);
    assert_problem(&token.get("/api/v1/users").await, 401, "unauthorized", None);
    let r = owner.get(&at(ada)).await;
    assert_eq!(r.body["status"], "inactive");
    assert!(r.body["deactivate_at"].is_null());
}

async fn deleting_a_user_ends_their_token_and_session_at_once(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let bo = user(
        &s,
        &acct,
        json!({ "name": "Bo Basic", "email": "bo@acme.example.com", "panel_access": true }),
    )
    .await;
    let token = api_as(&s, &acct, bo, "Basic").await;
    let (browser, _) = session(&s, "bo@acme.example.com").await;
    assert_eq!(token.get(&at(bo)).await.status, 200);
    assert_eq!(browser.get(&at(bo)).await.status, 200);

    assert_eq!(owner.delete(&at(bo)).await.status, 204);
    assert_problem(&token.get("/api/v1/users").await, 401, "unauthorized", None);
    assert_problem(
        &browser.get("/api/v1/users").await,
        401,
        "unauthorized",
        None,
    );
}

async fn a_role_change_applies_on_the_next_request(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let ada = user(
        &s,
        &acct,
        json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }),
    )
    .await;
    let rahul = user(
        &s,
        &acct,
        json!({ "name": "Rahul", "mobile": "+919876543211" }),
    )
    .await;
    let token = api_as(&s, &acct, ada, "Administrator").await;
    let (browser, csrf) = session(&s, "ada@acme.example.com").await;
    let edit = |c: Client, name: &'static str| {
        let csrf = csrf.clone();
        async move {
            c.send(
                Method::PATCH,
                &at(rahul),
                Some(&json!({ "name": name })),
                &[("x-csrf-token", csrf.as_str())],
            )
            .await
        }
    };
    assert_eq!(edit(token.clone(), "Rahul A").await.status, 200);
    assert_eq!(edit(browser.clone(), "Rahul B").await.status, 200);

    let r = owner.patch(&at(ada), &json!({ "role": "Basic" })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_problem(
        &edit(token.clone(), "Rahul C").await,
        403,
        "forbidden",
        None,
    );
    assert_problem(
        &edit(browser.clone(), "Rahul C").await,
        403,
        "forbidden",
        None,
    );
    let r = token
        .post(&format!("{}/deactivate", at(rahul)), &json!({}))
        .await;
    assert_problem(&r, 403, "forbidden", None);
    // Reading is still allowed for Basic.
    assert_eq!(token.get(&at(rahul)).await.status, 200);

    let r = owner
        .patch(&at(ada), &json!({ "role": "Administrator" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(edit(token.clone(), "Rahul D").await.status, 200);
    assert_eq!(edit(browser.clone(), "Rahul E").await.status, 200);
    assert_eq!(owner.get(&at(rahul)).await.body["name"], "Rahul E");
}

crate::on_both!(
    deactivating_a_user_ends_their_token_and_session_at_once,
    deleting_a_user_ends_their_token_and_session_at_once,
    a_scheduled_deactivation_ends_the_token_when_it_falls_due,
    a_role_change_applies_on_the_next_request,
);
