//! `/api/v1/calls` and `/api/v1/reports/users`: finished calls reported by the telephony
//! engine (with a token of scope `calls:ingest`), the call log, and per-user call figures.
//! Each call keeps its user's name and extension as they were, so both outlive the user.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_domain::CallRecord;
use switchboard_domain::{DepartmentId, UserId};
use switchboard_service::calls::{CallQuery, NewCall, UserReportLine};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params;
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJsonOrForm, ApiQuery};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_call, list_calls))
        .routes(routes!(user_report))
}

/// Which way a call went.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    /// Into the account (to one of its numbers).
    Inbound,
    /// Out of the account.
    Outbound,
}

impl CallDirection {
    fn key(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

/// How a call ended.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Someone answered.
    Answered,
    /// Nobody answered.
    Missed,
    /// The caller left a voicemail.
    Voicemail,
    /// The caller hung up before anyone answered.
    Abandoned,
}

impl CallOutcome {
    fn key(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Missed => "missed",
            Self::Voicemail => "voicemail",
            Self::Abandoned => "abandoned",
        }
    }

    fn from_key(k: &str) -> Self {
        match k {
            "answered" => Self::Answered,
            "voicemail" => Self::Voicemail,
            "abandoned" => Self::Abandoned,
            _ => Self::Missed,
        }
    }
}

/// A finished call, as the telephony engine reports it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallIn {
    /// The engine's id for the call. Reporting the same id again changes nothing.
    #[schema(min_length = 1, max_length = 200, example = "pbx-7f3a9c")]
    pub engine_call_id: String,
    /// `inbound` or `outbound`.
    pub direction: CallDirection,
    /// Who called: a number, or a label such as `anonymous`.
    #[schema(min_length = 1, max_length = 64, example = "+14155550100")]
    pub caller: String,
    /// The account's number involved (E.164).
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$", example = "+14155550199")]
    pub number: String,
    /// The department the call was routed to.
    #[schema(format = "uuid")]
    pub department_id: Option<String>,
    /// The user who answered; for an unanswered call, the user it was offered to.
    #[schema(format = "uuid")]
    pub user_id: Option<String>,
    /// Instead of `user_id`, for engines that know numbers rather than ids (a SIP proxy):
    /// the extension or mobile number the call reached.
    #[schema(max_length = 20, example = "201")]
    pub reached: Option<String>,
    /// When the call started (RFC 3339).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// When it ended (RFC 3339); not before `started_at`.
    #[schema(format = DateTime)]
    pub ended_at: String,
    /// How it ended.
    pub outcome: CallOutcome,
}

/// A recorded call.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CallOut {
    /// Call record id.
    pub id: String,
    /// The engine's id for the call.
    pub engine_call_id: String,
    /// `inbound` or `outbound`.
    pub direction: CallDirection,
    /// Who called.
    pub caller: String,
    /// The account's number involved.
    pub number: String,
    /// The department it was routed to.
    pub department_id: Option<String>,
    /// The user who answered (or was offered the call); kept after the user is deleted.
    pub user_id: Option<String>,
    /// That user's name when the call happened.
    pub user_name: Option<String>,
    /// That user's extension when the call happened.
    pub user_extension: Option<String>,
    /// Started (RFC 3339).
    #[schema(format = DateTime)]
    pub started_at: String,
    /// Ended (RFC 3339).
    #[schema(format = DateTime)]
    pub ended_at: String,
    /// Length in whole seconds.
    #[schema(minimum = 0)]
    pub duration_seconds: i64,
    /// How it ended.
    pub outcome: CallOutcome,
}

fn micros_time(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us)
        .map(params::time)
        .unwrap_or_default()
}

impl From<&CallRecord> for CallOut {
    fn from(r: &CallRecord) -> Self {
        Self {
            id: r.id.clone(),
            engine_call_id: r.engine_call_id.clone(),
            direction: if r.direction == "outbound" {
                CallDirection::Outbound
            } else {
                CallDirection::Inbound
            },
            caller: r.caller.clone(),
            number: r.number.clone(),
            department_id: r.department_id.map(|d| d.to_string()),
            user_id: r.user_id.map(|u| u.to_string()),
            user_name: r.user_name.clone(),
            user_extension: r.user_extension.map(|e| e.to_string()),
            started_at: micros_time(r.started_at),
            ended_at: micros_time(r.ended_at),
            duration_seconds: (r.ended_at - r.started_at).max(0) / 1_000_000,
            outcome: CallOutcome::from_key(&r.outcome),
        }
    }
}

/// One page of the call log.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CallPage {
    /// The calls, newest first.
    pub items: Vec<CallOut>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Reports a finished call (tokens with the `calls:ingest` or `sip:proxy` scope), as JSON
/// or as a form (`application/x-www-form-urlencoded`, what a SIP proxy can send). Idempotent by
/// `engine_call_id`: the first report creates the record (201); reporting it again
/// answers the same record (200) and changes nothing. Inbound calls to a department move
/// its round robin on.
#[utoipa::path(post, path = "/calls", tag = "calls",
    request_body(content((CallIn = "application/json"),
        (CallIn = "application/x-www-form-urlencoded"))),
    responses(
        (status = 201, description = "The call was recorded", body = CallOut),
        (status = 200, description = "The call had been reported before; nothing changed",
            body = CallOut)))]
pub async fn record_call(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJsonOrForm(input): ApiJsonOrForm<CallIn>,
) -> ApiResult<(StatusCode, Json<CallOut>)> {
    params::non_empty("engine_call_id", &input.engine_call_id)?;
    params::max_len("engine_call_id", &input.engine_call_id, 200)?;
    params::non_empty("caller", &input.caller)?;
    params::max_len("caller", &input.caller, 64)?;
    if let Some(r) = &input.reached {
        params::max_len("reached", r, 20)?;
    }
    let number = params::e164("number", &input.number)?;
    let department_id = input
        .department_id
        .as_deref()
        .map(|d| params::id::<DepartmentId>("department_id", d))
        .transpose()?;
    let user_id = input
        .user_id
        .as_deref()
        .map(|u| params::id::<UserId>("user_id", u))
        .transpose()?;
    let started_at = params::timestamp("started_at", &input.started_at)?;
    let ended_at = params::timestamp("ended_at", &input.ended_at)?;
    let recorded = state
        .sb
        .record_call(
            &ctx,
            NewCall {
                engine_call_id: input.engine_call_id,
                direction: input.direction.key().to_owned(),
                caller: input.caller,
                number: number.to_string(),
                department_id,
                user_id,
                reached: input.reached.filter(|r| !r.trim().is_empty()),
                started_at,
                ended_at,
                outcome: input.outcome.key().to_owned(),
            },
        )
        .await?;
    let status = if recorded.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(CallOut::from(&recorded.call))))
}

/// Filters and paging of the call log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallListQuery {
    /// Only calls of this user (answered by, or offered to); former users too.
    #[param(format = "uuid")]
    pub user_id: Option<String>,
    /// Only calls routed to this department.
    #[param(format = "uuid")]
    pub department_id: Option<String>,
    /// Only calls in this direction.
    pub direction: Option<CallDirection>,
    /// Only calls with this outcome.
    pub outcome: Option<CallOutcome>,
    /// Only calls started at or after this time (RFC 3339).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Only calls started before this time (RFC 3339).
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 1000)]
    pub cursor: Option<String>,
}

fn call_query(
    user_id: Option<&str>,
    department_id: Option<&str>,
    direction: Option<CallDirection>,
    outcome: Option<CallOutcome>,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<CallQuery, ApiError> {
    let since = since.map(|v| params::timestamp("since", v)).transpose()?;
    let until = until.map(|v| params::timestamp("until", v)).transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && u < s
    {
        return Err(ApiError::field("until", "invalid", "is before since"));
    }
    Ok(CallQuery {
        user: user_id
            .map(|u| params::id::<UserId>("user_id", u))
            .transpose()?,
        department: department_id
            .map(|d| params::id::<DepartmentId>("department_id", d))
            .transpose()?,
        direction: direction.map(|d| d.key().to_owned()),
        outcome: outcome.map(|o| o.key().to_owned()),
        from: since,
        to: until,
    })
}

/// Reads the call log, newest first: the whole account's calls for Administrators, the
/// calls of the departments they manage (and their own) for Managers, their own calls
/// for Basic users. Calls of deleted users stay, under the name they had.
#[utoipa::path(get, path = "/calls", tag = "calls", params(CallListQuery),
    responses((status = 200, description = "One page of calls", body = CallPage)))]
pub async fn list_calls(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<CallListQuery>,
) -> ApiResult<Json<CallPage>> {
    let limit = params::limit(q.limit, 50, 500)?;
    if let Some(c) = &q.cursor {
        params::non_empty("cursor", c)?;
        params::max_len("cursor", c, 1000)?;
    }
    let query = call_query(
        q.user_id.as_deref(),
        q.department_id.as_deref(),
        q.direction,
        q.outcome,
        q.since.as_deref(),
        q.until.as_deref(),
    )?;
    let page = state
        .sb
        .list_calls(&ctx, &query, q.cursor.as_deref(), limit)
        .await?;
    Ok(Json(CallPage {
        items: page.items.iter().map(CallOut::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// The period and scope of the users report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserReportQuery {
    /// Start of the period (RFC 3339, inclusive); default 30 days before `until`.
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// End of the period (RFC 3339, exclusive); default now.
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// Only calls routed to this department.
    #[param(format = "uuid")]
    pub department_id: Option<String>,
    /// Only this user.
    #[param(format = "uuid")]
    pub user_id: Option<String>,
}

/// One user's figures over the period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserReportRow {
    /// The user's id (kept after they are deleted).
    pub user_id: String,
    /// Their name: current, or as their calls recorded it for a former user.
    pub name: Option<String>,
    /// Their extension: current, or as their calls recorded it for a former user.
    pub extension: Option<String>,
    /// `true` when the user has been deleted since.
    pub former_user: bool,
    /// Calls they answered.
    #[schema(minimum = 0)]
    pub answered: i64,
    /// Calls offered to them that nobody answered (missed, voicemail, abandoned).
    #[schema(minimum = 0)]
    pub missed: i64,
    /// Seconds spent on answered calls.
    #[schema(minimum = 0)]
    pub talk_time_seconds: i64,
}

impl From<UserReportLine> for UserReportRow {
    fn from(l: UserReportLine) -> Self {
        Self {
            user_id: l.user_id.to_string(),
            name: l.name,
            extension: l.extension.map(|e| e.to_string()),
            former_user: l.former,
            answered: l.answered,
            missed: l.missed,
            talk_time_seconds: l.talk_time_seconds,
        }
    }
}

/// Per-user call figures over a period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserReport {
    /// Start of the period (RFC 3339).
    #[schema(format = DateTime)]
    pub since: String,
    /// End of the period (RFC 3339).
    #[schema(format = DateTime)]
    pub until: String,
    /// One row per user with calls in the period, by name.
    pub items: Vec<UserReportRow>,
}

/// Per-user answered and missed calls and talk time over a period, over the calls the
/// caller may see (as for the call log). Users deleted since keep their rows, under the
/// name their calls recorded, marked `former_user`.
#[utoipa::path(get, path = "/reports/users", tag = "calls", params(UserReportQuery),
    responses((status = 200, description = "The report", body = UserReport)))]
pub async fn user_report(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<UserReportQuery>,
) -> ApiResult<Json<UserReport>> {
    let mut query = call_query(
        q.user_id.as_deref(),
        q.department_id.as_deref(),
        None,
        None,
        q.since.as_deref(),
        q.until.as_deref(),
    )?;
    let until = query.to.unwrap_or_else(|| state.sb.now());
    let since = query
        .from
        .unwrap_or_else(|| until - jiff::SignedDuration::from_hours(24 * 30));
    if until < since {
        return Err(ApiError::field("until", "invalid", "is before since"));
    }
    query.from = Some(since);
    query.to = Some(until);
    let lines = state.sb.user_call_report(&ctx, &query).await?;
    Ok(Json(UserReport {
        since: params::time(since),
        until: params::time(until),
        items: lines.into_iter().map(UserReportRow::from).collect(),
    }))
}
