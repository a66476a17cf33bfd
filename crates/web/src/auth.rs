//! Who is calling: a bearer API token (`Authorization: Bearer sbt_…`). The extractor hands
//! the handler a [`Ctx`] for the token's account; what the token may do is decided by the
//! service on every call, so a revoked token or a demoted owner stops at the next request.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use switchboard_service::{Actor, Ctx};

use crate::AppState;
use crate::error::ApiError;

/// An authenticated caller of the API.
#[derive(Clone, Debug)]
pub struct Authed(pub Ctx);

/// The caller's address, for the audit log.
pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The bearer secret of the `Authorization` header, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| !s.is_empty())
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let source = client_addr(parts);
        let Some(secret) = bearer(parts) else {
            return Err(ApiError::unauthorized(
                "sign in, or send an API token as `Authorization: Bearer <token>`",
            ));
        };
        match state.sb.authenticate_token(secret).await? {
            Some((account_id, actor @ Actor::ApiToken(_))) => Ok(Authed(Ctx {
                account_id,
                actor,
                source,
            })),
            Some((_, _)) => Err(ApiError::unauthorized(
                "this is a SCIM token; use it at /scim/v2, or create an API token",
            )),
            None => Err(ApiError::unauthorized(
                "the API token is unknown or has been revoked",
            )),
        }
    }
}
