//! Switchboard over HTTP: the REST API v1 (JSON, problem+json errors, OpenAPI 3.1), session
//! sign-in, the pages behind emailed links, health probes. Handlers only translate between
//! HTTP and the service's use cases; every rule lives below them.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod auth;
pub mod error;
pub mod extract;
pub mod health;
pub mod openapi;
pub mod pages;
pub mod ratelimit;
pub mod setup;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use switchboard_service::Switchboard;

use crate::ratelimit::SignInLimiter;
use crate::setup::SetupGate;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub sb: Switchboard,
    /// Whether cookies are marked `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Failed sign-in counters (per process).
    pub limiter: Arc<SignInLimiter>,
    /// The first-run setup link, when open.
    pub setup: Arc<SetupGate>,
}

impl AppState {
    /// State over `sb`, with no setup link.
    pub fn new(sb: Switchboard) -> Self {
        let secure_cookies = sb.settings().public_url.starts_with("https://");
        Self {
            sb,
            secure_cookies,
            limiter: Arc::new(SignInLimiter::new()),
            setup: Arc::new(SetupGate::closed()),
        }
    }
}

/// Largest request body accepted (JSON and forms).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let (api, _) = openapi::api_router().split_for_parts();
    Router::new()
        .merge(api)
        .merge(health::router())
        .merge(openapi::router())
        .merge(pages::router())
        .fallback(error::not_found_fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error::request_context))
        .with_state(state)
}
