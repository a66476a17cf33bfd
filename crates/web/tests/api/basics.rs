//! What every endpoint shares: probes, authentication, problem+json errors, the OpenAPI
//! document and its committed copy.

use serde_json::json;
use switchboard_domain::Plan;

use crate::support::Server;

async fn health_and_readiness_answer_without_credentials(s: Server) {
    let r = s.anonymous().get("/healthz").await;
    assert_eq!(r.status, 200);
    let r = s.anonymous().get("/readyz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ready");
}

async fn a_request_without_a_token_is_refused_with_a_problem_document(s: Server) {
    let r = s.anonymous().get("/api/v1/account").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.code(), "unauthorized");
    assert_eq!(r.body["status"], 401);
    assert!(r.header("www-authenticate").is_some());
    assert!(r.header("x-request-id").is_some());

    let r = s
        .as_token("sbt_not-a-real-token")
        .get("/api/v1/account")
        .await;
    assert_eq!(r.status, 401);
    assert!(r.body["detail"].as_str().unwrap().contains("revoked"));
}

async fn a_revoked_token_stops_working_on_the_very_next_request(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let token = s.token(&acct.owner_ctx, "Administrator").await;
    let api = s.as_token(&token);
    assert_eq!(api.get("/api/v1/account").await.status, 200);
    let tokens = s.app.sb.list_api_tokens(&acct.owner_ctx).await.unwrap();
    s.app
        .sb
        .revoke_api_token(&acct.owner_ctx, tokens[0].id)
        .await
        .unwrap();
    assert_eq!(api.get("/api/v1/account").await.status, 401);
}

async fn malformed_json_and_wrong_types_name_the_field_and_never_fail_the_server(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let r = api
        .send(
            reqwest::Method::PATCH,
            "/api/v1/account",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "body");

    let r = api
        .patch("/api/v1/account", &json!({ "extension_min": "one" }))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "extension_min");

    let r = api
        .patch("/api/v1/account", &json!({ "colour": "blue" }))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "colour");
    assert_eq!(r.body["errors"][0]["code"], "unknown_field");

    let r = api
        .send(
            reqwest::Method::PATCH,
            "/api/v1/account",
            None,
            &[("content-type", "text/plain")],
        )
        .await;
    assert_eq!(r.status, 415);

    let r = api.delete("/api/v1/account").await;
    assert_eq!(r.status, 405);
    assert!(r.header("allow").unwrap().contains("GET"));

    let r = api.get("/api/v1/no-such-thing").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
}

async fn the_openapi_document_and_reference_page_are_served(s: Server) {
    let r = s.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"], "3.1.0");
    assert!(r.body["paths"]["/api/v1/account"]["get"].is_object());
    let page = reqwest::get(format!("{}/api/v1/docs", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/api/v1/account"), "{page}");
    assert!(
        !page.contains("<script"),
        "the reference page needs no scripts"
    );
}

crate::on_both!(
    health_and_readiness_answer_without_credentials,
    a_request_without_a_token_is_refused_with_a_problem_document,
    a_revoked_token_stops_working_on_the_very_next_request,
    malformed_json_and_wrong_types_name_the_field_and_never_fail_the_server,
    the_openapi_document_and_reference_page_are_served,
);

/// The committed `docs/openapi.json` is the document the code generates. After changing
/// the API, refresh it with `cargo run -p switchboard -- openapi > docs/openapi.json`.
#[test]
fn the_committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let generated = switchboard_web::openapi::document_json();
    if std::env::var("SWITCHBOARD_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(path, generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run \
         `cargo run -p switchboard -- openapi > docs/openapi.json` and commit it"
    );
}
