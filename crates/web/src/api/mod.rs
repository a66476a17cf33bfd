//! The REST API v1: one module per resource, each contributing its documented routes.

pub mod account;
pub mod bulk;
pub mod links;
pub mod reference;
pub mod routing;
pub mod sessions;
pub mod users;

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
        .merge(routing::router())
}
