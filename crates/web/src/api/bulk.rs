//! `/api/v1/users/import` and `/api/v1/users/export`: users in bulk as CSV. An import adds
//! every row or none (each row checked as a single add would be, against the rows before it
//! too), reports every problem by CSV line and column, and can be a dry run.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchboard_service::import::ImportReport;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ProblemField};
use crate::extract::ApiQuery;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_users))
        .routes(routes!(export_users))
}

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every row and report what would happen, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One user an import added (or would add).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedUser {
    /// The CSV line it came from (the header is line 1).
    pub line: u64,
    /// The new user's id (a dry run's ids are never stored).
    pub id: String,
    /// Name.
    pub name: String,
    /// Extension (given, or the next free one).
    pub extension: String,
    /// `pending_invite` (Panel Access) or `active` (call-only).
    pub status: String,
    /// Whether an invite was (or would be) queued.
    pub invite_sent: bool,
}

/// What an import did, or would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    /// True when nothing was written on purpose.
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// The users added (or that a real import would add).
    pub users: Vec<ImportedUser>,
}

fn out(report: &ImportReport) -> ImportOut {
    ImportOut {
        dry_run: report.dry_run,
        rows: report.rows,
        users: report
            .added
            .iter()
            .map(|(line, a)| ImportedUser {
                line: *line,
                id: a.user.id.to_string(),
                name: a.user.name.to_string(),
                extension: a.user.extension.to_string(),
                status: a.user.status.key().to_owned(),
                invite_sent: a.invite_link.is_some(),
            })
            .collect(),
    }
}

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "text/csv" | "text/plain"
            )
        })
        .unwrap_or(false)
}

/// Imports users from CSV.
///
/// Columns (header row required, any order): `name, email, mobile, alternate_mobile,
/// extension, role, panel_access, receive_calls, time_zone, departments, tags, voicemail`;
/// `id`, `status` and `created_at` (from an export) are ignored. Lists (`departments` by
/// name or id, `tags`) are separated by `;`; yes/no cells take `true`/`false`, `yes`/`no`,
/// `1`/`0`. All rows are added or none: when any row is refused the answer is 422
/// `import_failed` with one entry per problem, its `field` written `line[N].column`.
#[utoipa::path(post, path = "/users/import", tag = "users", params(ImportParams),
    request_body(content = String, content_type = "text/csv",
        description = "The users, one per line, at most 10,000 (1 MiB)"),
    responses(
        (status = 201, description = "Every row was added", body = ImportOut),
        (status = 200, description = "Dry run: every row would be added", body = ImportOut),
    ))]
async fn import_users(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(params): ApiQuery<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    if !is_csv(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the users as CSV with Content-Type: text/csv",
        ));
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return Err(ApiError::field(
            "body",
            "invalid",
            "the CSV must be UTF-8 text",
        ));
    };
    let report = state.sb.import_users(&ctx, text, params.dry_run).await?;
    if !report.errors.is_empty() {
        let lines = {
            let mut l: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
            l.dedup();
            l.len()
        };
        let detail = format!(
            "{} problem(s) on {lines} line(s); nothing was imported",
            report.errors.len()
        );
        let errors = report
            .errors
            .iter()
            .map(|e| ProblemField {
                field: format!("line[{}].{}", e.line, e.field),
                code: e.code.clone(),
                message: format!("line {}: {}", e.line, e.message),
            })
            .collect();
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_failed", detail)
                .with_errors(errors),
        );
    }
    let status = if report.committed() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(out(&report))).into_response())
}

/// Exports the account's users as CSV, ordered by name.
///
/// The import columns plus `id`, `status` and `created_at`; departments by name.
#[utoipa::path(get, path = "/users/export", tag = "users",
    responses((status = 200, description = "The users", body = String, content_type = "text/csv")))]
async fn export_users(State(state): State<AppState>, Authed(ctx): Authed) -> ApiResult<Response> {
    let csv = state.sb.export_users(&ctx).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"users.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}
