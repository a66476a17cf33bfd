//! The public token links of emails, as API: looking at and accepting an invite (which
//! signs the user in), and confirming a new email address. The token in the path is the
//! capability; no other credentials are needed.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::sessions::{SessionOut, started_response};
use crate::auth::ClientAddr;
use crate::error::ApiResult;
use crate::extract::ApiJson;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_invite))
        .routes(routes!(accept_invite))
        .routes(routes!(verify_email))
}

/// An invite as its recipient sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteOut {
    /// Whom it is for.
    pub user_name: String,
    /// Their email.
    pub email: Option<String>,
    /// The company.
    pub account_name: String,
    /// `open` (can be used), `expired`, `used` or `revoked` (replaced by a newer invite).
    #[schema(example = "open")]
    pub state: String,
    /// Expiry (RFC 3339).
    pub expires_at: String,
}

/// The password to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptIn {
    /// 10 to 1024 characters.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
}

/// A confirmed email address.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedOut {
    /// The user.
    pub user_id: String,
    /// The address now in effect.
    pub email: Option<String>,
}

/// Whom an invite link is for, and whether it can still be used.
#[utoipa::path(get, path = "/invites/{token}", tag = "links", security(()),
    params(("token" = String, Path, description = "The token from the invite link")),
    responses((status = 200, description = "The invite", body = InviteOut)))]
async fn get_invite(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<InviteOut>> {
    let v = state.sb.invite_view(&token).await?;
    Ok(Json(InviteOut {
        user_name: v.user_name,
        email: v.email,
        account_name: v.account_name,
        state: serde_json::to_value(v.state)
            .ok()
            .and_then(|s| s.as_str().map(str::to_owned))
            .unwrap_or_default(),
        expires_at: v.expires_at.to_string(),
    }))
}

/// Accepts an invite: sets the password, activates the user and signs them in (sets the
/// session cookie). An unknown link answers 404; a used, replaced or expired one 410
/// `link_invalid`.
#[utoipa::path(post, path = "/invites/{token}/accept", tag = "links", security(()),
    params(("token" = String, Path, description = "The token from the invite link")),
    request_body = AcceptIn,
    responses(
        (status = 200, description = "Signed in", body = SessionOut),
        (status = 410, description = "The link is used, replaced or expired",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
async fn accept_invite(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<AcceptIn>,
) -> ApiResult<axum::response::Response> {
    // An unknown token is 404, like GET; a used, replaced or expired one is 410.
    state.sb.invite_view(&token).await?;
    let started = state
        .sb
        .accept_invite_and_sign_in(&token, &input.password, &ip)
        .await?;
    started_response(&state, &started).await
}

/// Confirms a new email address from its verification link (R5). An unknown link answers
/// 404; a used, replaced or expired one 410 `link_invalid`.
#[utoipa::path(post, path = "/email-verifications/{token}", tag = "links", security(()),
    params(("token" = String, Path, description = "The token from the verification link")),
    responses(
        (status = 200, description = "The new address is in effect", body = VerifiedOut),
        (status = 410, description = "The link is used, replaced or expired",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
async fn verify_email(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<VerifiedOut>> {
    if !state.sb.email_verification_known(&token).await? {
        return Err(crate::error::ApiError::not_found("email verification link"));
    }
    let (account, user) = state.sb.verify_email(&token).await?;
    let v = state.sb.session_view(account, user).await?;
    Ok(Json(VerifiedOut {
        user_id: user.to_string(),
        email: v.user.email.map(|e| e.to_string()),
    }))
}
