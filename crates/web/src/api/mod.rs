//! The REST API v1: one module per resource, each contributing its documented routes.

pub mod account;
pub mod audit;
pub mod bulk;
pub mod calls;
pub mod departments;
pub mod links;
pub mod mail;
pub mod numbers;
pub(crate) mod params;
pub mod reference;
pub mod roles;
pub mod routing;
pub mod sessions;
pub mod sip;
pub mod sip_proxy;
pub mod sso;
pub mod tokens;
pub mod users;
pub mod workflows;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every `/api/v1` route, relative to that prefix.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(account::router())
        .merge(bulk::router())
        .merge(sessions::router())
        .merge(links::router())
        .merge(users::router())
        .merge(departments::router())
        .merge(roles::router())
        .merge(routing::router())
        .merge(numbers::router())
        .merge(workflows::router())
        .merge(audit::router())
        .merge(tokens::router())
        .merge(mail::router())
        .merge(calls::router())
        .merge(sso::router())
        .merge(sip::router())
        .merge(sip_proxy::router())
}
