//! `/extensions/available`: the free extensions of the account's range.

use axum::Json;
use axum::extract::State;
use switchboard_domain::Extension;

use super::input::AvailableExtensionsQuery;
use super::output::AvailableExtensions;
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;

/// The next free extension and a page of free extensions, lowest first.
#[utoipa::path(get, path = "/extensions/available", tag = "users", params(AvailableExtensionsQuery),
    responses((status = 200, description = "Free extensions", body = AvailableExtensions)))]
pub async fn available_extensions(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<AvailableExtensionsQuery>,
) -> ApiResult<Json<AvailableExtensions>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            "must be between 1 and 200",
        ));
    }
    let after = match q.after.as_deref() {
        None => None,
        Some(a) if a.trim() != a => {
            return Err(ApiError::field(
                "after",
                "invalid",
                "must be digits only, without spaces",
            ));
        }
        Some(a) => Some(Extension::parse("after", a)?),
    };
    let mut page = state
        .sb
        .available_extensions(&ctx, after, limit + 1)
        .await?;
    let more = page.len() > limit as usize;
    page.truncate(limit as usize);
    let next_free = match after {
        None => page.first().copied(),
        Some(_) => state
            .sb
            .available_extensions(&ctx, None, 1)
            .await?
            .first()
            .copied(),
    };
    let account = state.sb.get_account(&ctx).await?;
    Ok(Json(AvailableExtensions {
        next_free: next_free.map(|x| x.to_string()),
        next_cursor: if more {
            page.last().map(ToString::to_string)
        } else {
            None
        },
        extensions: page.iter().map(ToString::to_string).collect(),
        extension_min: account.extension_range.min,
        extension_max: account.extension_range.max,
    }))
}
