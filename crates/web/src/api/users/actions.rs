//! The life-cycle actions: deactivate (now or scheduled), activate, resend the invite,
//! replace, reassign owned resources, deletion check and delete.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use switchboard_domain::{Availability, E164, Email, Name, Problems, UserId};
use switchboard_service::lifecycle::{ReplaceMode, Replacement};

use super::input::{UserDeactivateIn, UserReassignIn, UserReplaceIn, UserReplaceMode};
use super::output::{UserAvailability, UserDeletionCheck, UserOut, UserReassigned};
use super::{etag_headers, location, user_out};
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ProblemBlocker};
use crate::extract::{ApiJson, Id, parse_json};

type UserReply = ApiResult<(HeaderMap, Json<UserOut>)>;

async fn reply(state: &AppState, ctx: &switchboard_service::Ctx, id: UserId) -> UserReply {
    let out = user_out(state, ctx, id).await?;
    Ok((etag_headers(out.version), Json(out)))
}

/// An optional JSON body: empty means the defaults.
fn optional_body<T: serde::de::DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
        .unwrap_or(false);
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    parse_json(body)
}

/// Deactivates a user now, or at a future `at` (Administrators). Deactivation keeps the
/// profile and memberships, revokes sessions and API tokens at once, stops sign-in and
/// ringing, and frees the seat. The body is optional.
#[utoipa::path(post, path = "/users/{id}/deactivate", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    request_body(content = Option<UserDeactivateIn>, description = "When to deactivate (optional)"),
    responses((status = 200, description = "The user, deactivated or with `deactivate_at` set", body = UserOut)))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
    headers: HeaderMap,
    body: Bytes,
) -> UserReply {
    let input: UserDeactivateIn = optional_body(&headers, &body)?;
    let at = match input.at.as_deref() {
        None => None,
        Some(t) => Some(t.parse::<jiff::Timestamp>().map_err(|_| {
            ApiError::field(
                "at",
                "invalid",
                format!("{t:?} is not an RFC 3339 time such as 2026-04-01T18:00:00Z"),
            )
        })?),
    };
    state.sb.deactivate_user(&ctx, id, at).await?;
    reply(&state, &ctx, id).await
}

/// Activates a deactivated user (refused when no seat is free), or cancels a scheduled
/// deactivation (Administrators).
#[utoipa::path(post, path = "/users/{id}/activate", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 200, description = "The user, active again (or `pending_invite` with a new invite)", body = UserOut)))]
pub async fn activate_user(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
) -> UserReply {
    state.sb.activate_user(&ctx, id).await?;
    reply(&state, &ctx, id).await
}

/// Sends a new invite to a user who has not accepted theirs; the old link stops working.
#[utoipa::path(post, path = "/users/{id}/invite", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 200, description = "The user with their new invite", body = UserOut)))]
pub async fn resend_invite(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
) -> UserReply {
    state.sb.resend_invite(&ctx, id).await?;
    reply(&state, &ctx, id).await
}

/// Replaces a user with a new one on a new mobile, in one step (Administrators): the new
/// user takes the role, extension, voicemail, memberships, call hours, time zone, tags and
/// owned resources; the old one is deactivated or deleted.
#[utoipa::path(post, path = "/users/{id}/replace", tag = "users", request_body = UserReplaceIn,
    params(("id" = String, Path, format = "uuid", description = "The user being replaced")),
    responses((status = 201, description = "The new user", body = UserOut,
        headers(("Location" = String, description = "The new user's URL"),
                ("ETag" = String, description = "The new user's version")))))]
pub async fn replace_user(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
    ApiJson(input): ApiJson<UserReplaceIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<UserOut>)> {
    let mut p = Problems::new();
    let mobile = p.check(E164::parse("mobile", &input.mobile));
    let name = input
        .name
        .as_deref()
        .and_then(|n| p.check(Name::parse("name", n)));
    // `format: email`: an empty value is refused, not taken as "keep the old email".
    let email = input
        .email
        .as_deref()
        .and_then(|e| p.check(Email::parse("email", e)));
    p.finish()?;
    let Some(mobile) = mobile else {
        return Err(ApiError::field("mobile", "required", "is required"));
    };
    let mode = match input.mode {
        UserReplaceMode::Deactivate => ReplaceMode::Deactivate,
        UserReplaceMode::Delete => ReplaceMode::Delete,
    };
    let new = state
        .sb
        .replace_user(
            &ctx,
            id,
            Replacement {
                mobile,
                name,
                email,
                mode,
            },
        )
        .await?;
    let out = user_out(&state, &ctx, new.id).await?;
    let mut headers = etag_headers(out.version);
    headers.insert(header::LOCATION, location(new.id)?);
    Ok((StatusCode::CREATED, headers, Json(out)))
}

/// Moves every number, workflow and department management of the user to another user
/// (Administrators), so the user can be deleted.
#[utoipa::path(post, path = "/users/{id}/reassign", tag = "users", request_body = UserReassignIn,
    params(("id" = String, Path, format = "uuid", description = "The current owner")),
    responses((status = 200, description = "How many records moved", body = UserReassigned)))]
pub async fn reassign_resources(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
    ApiJson(input): ApiJson<UserReassignIn>,
) -> ApiResult<Json<UserReassigned>> {
    let to = input.to.trim().parse::<UserId>().map_err(|_| {
        ApiError::field("to", "invalid", format!("{:?} is not a user id", input.to))
    })?;
    let moved = state.sb.reassign_resources(&ctx, id, to).await?;
    Ok(Json(UserReassigned {
        resources: moved.resources,
        departments: moved.departments,
        destinations: moved.destinations,
    }))
}

/// What deleting the user would do (departments left, credentials revoked, seat and
/// extension freed) and what blocks it (Administrators).
#[utoipa::path(get, path = "/users/{id}/deletion-check", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 200, description = "Blockers and impact", body = UserDeletionCheck)))]
pub async fn deletion_check(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
) -> ApiResult<Json<UserDeletionCheck>> {
    let c = state.sb.deletion_check(&ctx, id).await?;
    Ok(Json(UserDeletionCheck {
        can_delete: c.can_delete,
        blockers: c
            .blockers
            .into_iter()
            .map(|b| ProblemBlocker {
                kind: b.kind.to_owned(),
                id: b.id,
                label: b.label,
            })
            .collect(),
        refusal: c.refusal,
        departments_left: u64::try_from(c.departments_left).unwrap_or(u64::MAX),
        credentials_revoked: c.credentials_revoked,
        frees_seat: c.frees_seat,
        frees_extension: c.frees_extension,
    }))
}

/// Deletes a user for good (Administrators): sessions and tokens are revoked at once, the
/// seat and extension freed; call records and audit events keep the name. Refused with
/// 409 `owns_resources` and the `blockers` while the user owns numbers or workflows or
/// manages a department.
#[utoipa::path(delete, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_user(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
) -> ApiResult<StatusCode> {
    state.sb.delete_user(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's availability to set.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserAvailabilityIn {
    /// `available`, `busy`, `away` or `offline`. Anyone but `available` is not rung.
    pub availability: UserAvailability,
}

/// Sets a user's availability. Users set their own; whoever may edit the user (an
/// Administrator, or a Manager of one of their departments) sets theirs. Every change is
/// in the audit log as `user.availability_changed`.
#[utoipa::path(put, path = "/users/{id}/availability", tag = "users",
    request_body = UserAvailabilityIn,
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 200, description = "The user with their availability", body = UserOut)))]
pub async fn set_availability(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
    ApiJson(input): ApiJson<UserAvailabilityIn>,
) -> UserReply {
    let availability = match input.availability {
        UserAvailability::Available => Availability::Available,
        UserAvailability::Busy => Availability::Busy,
        UserAvailability::Away => Availability::Away,
        UserAvailability::Offline => Availability::Offline,
    };
    state.sb.set_availability(&ctx, id, availability).await?;
    reply(&state, &ctx, id).await
}
