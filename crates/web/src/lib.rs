//! Switchboard over HTTP: the REST API v1 (JSON, problem+json errors, OpenAPI 3.1), session
//! sign-in, the pages behind emailed links, health probes. Handlers only translate between
//! HTTP and the service's use cases; every rule lives below them.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod headers;
pub mod health;
pub mod kept;
pub mod openapi;
pub mod pages;
pub mod scim;
pub mod setup;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use switchboard_service::Switchboard;
use tower_http::catch_panic::CatchPanicLayer;

use crate::setup::SetupGate;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub sb: Switchboard,
    /// Whether cookies are marked `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The first-run setup link, when open.
    pub setup: Arc<SetupGate>,
    /// Answers about users kept rendered between requests.
    pub kept: Arc<kept::KeptAnswers>,
}

impl AppState {
    /// State over `sb`, with no setup link.
    pub fn new(sb: Switchboard) -> Self {
        let secure_cookies = sb.settings().public_url.starts_with("https://");
        Self {
            sb,
            secure_cookies,
            setup: Arc::new(SetupGate::closed()),
            kept: Arc::default(),
        }
    }
}

/// Largest request body accepted (JSON and forms).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let https = state.secure_cookies;
    let (api, _) = openapi::api_router().split_for_parts();
    let routes = Router::new()
        .merge(api)
        .merge(health::router())
        .merge(openapi::router())
        .merge(pages::router())
        .merge(scim::router())
        .fallback(error::not_found_fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    guarded(routes).layer(axum::middleware::from_fn(move |req, next| {
        headers::secure(https, req, next)
    }))
}

/// Wraps `router` so that every answer carries a request id and is logged, a handler that
/// panics answers 500 with a problem document, and a request running past
/// [`error::REQUEST_TIMEOUT`] is abandoned with 503.
fn guarded(router: Router) -> Router {
    router
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(axum::middleware::from_fn(error::request_context))
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_a_problem_and_the_request_id() {
        let router = super::guarded(
            axum::Router::new().route("/boom", get(|| async { panic!("boom") as &str })),
        );
        let req = Request::get("/boom")
            .header("x-request-id", "req-42")
            .body(Body::empty())
            .unwrap();
        let res = router.oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers()["x-request-id"], "req-42");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let body = to_bytes(res.into_body(), 64 * 1024).await.unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["code"], "internal");
        assert!(!problem["detail"].as_str().unwrap().contains("boom"));
    }
}
