//! Add, read, list and edit (merge semantics, `If-Match`).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use switchboard_domain::{DepartmentId, DomainError, UserId, UserStatus};
use switchboard_service::kept::Shows;
use switchboard_service::users::UserQuery;

use super::input::{UserCreateIn, UserListQuery, UserPatchIn};
use super::output::{Lookups, UserCreatedOut, UserOut, UserPage};
use super::{etag_headers, location, profile_out, user_out};
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::kept::{Asked, KeptAnswer, kept_or_read};

/// Adds a user (Administrators; Managers into departments they manage). Panel Access users
/// start `pending_invite` and are emailed an invite; others start `active` as call-only
/// users.
#[utoipa::path(post, path = "/users", tag = "users", request_body = UserCreateIn,
    responses((status = 201, description = "The user was added", body = UserCreatedOut,
        headers(("Location" = String, description = "The new user's URL"),
                ("ETag" = String, description = "The user's version")))))]
pub async fn create_user(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<UserCreateIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<UserCreatedOut>)> {
    let new = input.parse()?;
    let added = state.sb.add_user(&ctx, new).await?;
    let id = added.user.id;
    let mut headers = etag_headers(added.user.version);
    headers.insert(header::LOCATION, location(id)?);
    // A user without Panel Access has no invite to describe: the answer is what the add
    // wrote. An invited user's answer reads the invite back.
    let user = if added.user.panel_access {
        user_out(&state, &ctx, id).await?
    } else {
        Lookups::of_added(&added).user(&added.user)
    };
    Ok((
        StatusCode::CREATED,
        headers,
        Json(UserCreatedOut {
            invite_sent: added.user.status == UserStatus::PendingInvite,
            user,
        }),
    ))
}

/// Reads a user. The `ETag` names its version, for `If-Match` on `PATCH`; with
/// `If-None-Match` naming the current version the answer is 304 without a body.
#[utoipa::path(get, path = "/users/{id}", tag = "users",
    params(
        ("id" = String, Path, format = "uuid", description = "User id"),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` read before; 304 when the user has not changed")),
    responses(
        (status = 200, description = "The user", body = UserOut,
            headers(("ETag" = String, description = "The user's version"))),
        (status = 304, description = "Unchanged since the `ETag` in `If-None-Match`",
            headers(("ETag" = String, description = "The user's version")))))]
pub async fn get_user(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let answer = kept_or_read(&state, &ctx, Asked::User(id), Shows::User(id), || async {
        let profile = state.sb.user_profile(&ctx, id).await?;
        Ok::<_, ApiError>(KeptAnswer {
            view_version: Some(profile.view_version),
            until: profile.same_until,
            version: Some(profile.user.version),
            body: serde_json::to_vec(&profile_out(profile))
                .map_err(|e| ApiError::internal(&e))?
                .into(),
        })
    })
    .await?;
    let version = answer.version.unwrap_or_default();
    let tags = etag_headers(version);
    if if_none_match(&headers, version) {
        return Ok((StatusCode::NOT_MODIFIED, tags).into_response());
    }
    Ok((tags, json_body(answer.body)).into_response())
}

/// Whether `If-None-Match` names `version` (weak comparison, RFC 9110 §13.1.2).
fn if_none_match(headers: &HeaderMap, version: i64) -> bool {
    let current = format!("\"{version}\"");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == current)
}

/// Lists users by name, filtered, one page at a time.
#[utoipa::path(get, path = "/users", tag = "users", params(UserListQuery),
    responses((status = 200, description = "One page of users", body = UserPage)))]
pub async fn list_users(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    RawQuery(raw): RawQuery,
    ApiQuery(q): ApiQuery<UserListQuery>,
) -> ApiResult<Response> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            "must be between 1 and 500",
        ));
    }
    // The document says `format: uuid`: an empty or padded value is refused, not ignored.
    let department = q
        .department
        .as_deref()
        .map(|d| crate::api::params::id::<DepartmentId>("department", d))
        .transpose()?;
    for (name, value, max) in [
        ("q", &q.q, 200),
        ("role", &q.role, 100),
        ("tag", &q.tag, 50),
        ("cursor", &q.cursor, 1000),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(ApiError::field(
                name,
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
    }
    let nonblank = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let query = UserQuery {
        text: nonblank(q.q),
        role: nonblank(q.role),
        status: q.status.map(Into::into),
        department,
        panel_access: q.panel_access,
        tag: nonblank(q.tag),
    };
    let cursor = nonblank(q.cursor);
    let asked = Asked::Users(raw.unwrap_or_default());
    let answer = kept_or_read(&state, &ctx, asked, Shows::Users, || async {
        let view = state
            .sb
            .list_users_view(&ctx, &query, cursor.as_deref(), limit)
            .await?;
        let lookups = Lookups::of_list(&view);
        let page = UserPage {
            items: view.page.items.iter().map(|u| lookups.user(u)).collect(),
            next_cursor: view.page.next_cursor,
        };
        Ok::<_, ApiError>(KeptAnswer {
            view_version: view.view_version,
            until: None,
            version: None,
            body: serde_json::to_vec(&page)
                .map_err(|e| ApiError::internal(&e))?
                .into(),
        })
    })
    .await?;
    Ok(json_body(answer.body))
}

/// A JSON answer of `body`, as [`Json`] sends it.
fn json_body(body: axum::body::Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The entity tags of an `If-Match` header: `None` for `*` (any version).
fn if_match(headers: &HeaderMap) -> Result<Option<Vec<Option<i64>>>, ApiError> {
    let mut tags = Vec::new();
    for value in headers.get_all(header::IF_MATCH) {
        let text = value
            .to_str()
            .map_err(|_| ApiError::field("If-Match", "invalid", "is not a list of entity tags"))?;
        for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if tag == "*" {
                return Ok(None);
            }
            // If-Match compares strongly (RFC 9110 §13.1.1): a weak tag never matches.
            let version = tag
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .and_then(|t| t.parse::<i64>().ok());
            tags.push(version);
        }
    }
    Ok(Some(tags))
}

/// Edits a user with merge semantics. Administrators edit anyone; Managers the users of
/// departments they manage; everyone their own name, availability and time zone. With
/// `If-Match`, the edit is refused (412 `precondition_failed`) when the user changed since.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", request_body = UserPatchIn,
    params(
        ("id" = String, Path, format = "uuid", description = "User id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` read before; refuses the edit if the user changed since")),
    responses((status = 200, description = "The updated user", body = UserOut,
        headers(("ETag" = String, description = "The user's new version")))))]
pub async fn update_user(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<UserPatchIn>,
) -> ApiResult<(HeaderMap, Json<UserOut>)> {
    let patch = input.parse()?;
    let if_version = match if_match(&headers)? {
        None => None,
        Some(tags) if tags.is_empty() => None,
        Some(tags) => {
            let tags: Vec<i64> = tags.into_iter().flatten().collect();
            let current = state.sb.get_user(&ctx, id).await?.version;
            if !tags.contains(&current) {
                return Err(DomainError::PreconditionFailed.into());
            }
            Some(current)
        }
    };
    state.sb.edit_user(&ctx, id, patch, if_version).await?;
    let out = user_out(&state, &ctx, id).await?;
    Ok((etag_headers(out.version), Json(out)))
}
