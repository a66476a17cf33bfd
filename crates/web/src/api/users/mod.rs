//! `/api/v1/users` and `/api/v1/extensions/available`: adding, reading, listing and editing
//! users (with ETags and `If-Match`), their life-cycle actions, and free extensions. Every
//! rule is the service's; this module parses the wire form and shapes the answers.

mod actions;
mod crud;
mod extensions;
mod input;
mod output;

use axum::http::{HeaderMap, HeaderValue, header};
use switchboard_domain::UserId;
use switchboard_service::Ctx;
use switchboard_service::invites::UserProfile;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
/// Shared with departments: weekly schedules and user statuses.
pub(crate) use output::{CallHours, UserStatusOut};
use output::{Lookups, UserOut};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(crud::create_user, crud::list_users))
        .routes(routes!(
            crud::get_user,
            crud::update_user,
            actions::delete_user
        ))
        .routes(routes!(actions::deactivate_user))
        .routes(routes!(actions::activate_user))
        .routes(routes!(actions::resend_invite))
        .routes(routes!(actions::replace_user))
        .routes(routes!(actions::reassign_resources))
        .routes(routes!(actions::deletion_check))
        .routes(routes!(actions::set_availability))
        .routes(routes!(extensions::available_extensions))
}

/// The `ETag` of a user at `version` (strong: the representation changes with it).
fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// Headers naming the user's version.
fn etag_headers(version: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::ETAG, etag(version));
    h
}

/// The single-user answer: the user with role, departments, invite and pending email.
async fn user_out(state: &AppState, ctx: &Ctx, id: UserId) -> ApiResult<UserOut> {
    Ok(profile_out(state.sb.user_profile(ctx, id).await?))
}

/// The single-user answer of a profile read.
fn profile_out(profile: UserProfile) -> UserOut {
    let mut out = Lookups::of_profile(&profile).user(&profile.user);
    out.invite = profile.invite.map(output::UserInvite::from);
    out.pending_email = profile.pending_email;
    out
}

/// The path of a user, for `Location`.
fn location(id: UserId) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!("/api/v1/users/{id}")).map_err(|e| ApiError::internal(&e))
}
