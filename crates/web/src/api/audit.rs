//! `/api/v1/audit-events`: the account's audit log (R12), newest first, filtered by
//! actor, target, action and time, one page at a time (administrators).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchboard_domain::AuditFilter;
use switchboard_domain::{ActorKind, AuditEvent};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params;
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_events))
}

/// Who acted.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AuditEventActorKind {
    /// A signed-in user.
    User,
    /// An API token.
    ApiToken,
    /// An identity provider over SCIM.
    Scim,
    /// Switchboard itself or its operator (CLI, scheduler).
    System,
}

impl From<ActorKind> for AuditEventActorKind {
    fn from(k: ActorKind) -> Self {
        match k {
            ActorKind::User => Self::User,
            ActorKind::ApiToken => Self::ApiToken,
            ActorKind::Scim => Self::Scim,
            ActorKind::System => Self::System,
        }
    }
}

/// The actor of an event, as it was then.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEventActor {
    /// What kind of actor.
    pub kind: AuditEventActorKind,
    /// The user or token id (none for the system).
    pub id: Option<String>,
    /// Its name at the time.
    pub name: String,
}

/// The record an event is about, as it was then.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEventTarget {
    /// Record type (`user`, `department`, `role`, `number`, `workflow`, `api_token`,
    /// `account`, ...).
    #[schema(example = "user")]
    pub kind: String,
    /// The record's id.
    pub id: Option<String>,
    /// Its name at the time (kept after the record is deleted).
    pub name: String,
}

/// One entry of the audit log.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    /// Position in the account's log, from 1; later events have higher numbers.
    #[schema(minimum = 1)]
    pub seq: i64,
    /// When (RFC 3339).
    #[schema(format = DateTime)]
    pub at: String,
    /// Who acted.
    pub actor: AuditEventActor,
    /// What happened (`user.created`, `number.updated`, ...).
    #[schema(example = "user.created")]
    pub action: String,
    /// What it happened to.
    pub target: AuditEventTarget,
    /// The changed values before (absent for creations).
    pub before: Option<serde_json::Value>,
    /// The changed values after (absent for deletions).
    pub after: Option<serde_json::Value>,
    /// From where: an IP address, `cli` or `scheduler`.
    pub source: String,
}

fn json_of(text: Option<&str>) -> Option<serde_json::Value> {
    text.map(|t| {
        serde_json::from_str(t).unwrap_or_else(|_| serde_json::Value::String(t.to_owned()))
    })
}

impl From<&AuditEvent> for AuditEventOut {
    fn from(e: &AuditEvent) -> Self {
        let ev = &e.event;
        Self {
            seq: e.seq,
            at: params::time(ev.at),
            actor: AuditEventActor {
                kind: ev.actor_kind.into(),
                id: ev.actor_id.clone(),
                name: ev.actor_name.clone(),
            },
            action: ev.action.clone(),
            target: AuditEventTarget {
                kind: ev.target_type.clone(),
                id: ev.target_id.clone(),
                name: ev.target_name.clone(),
            },
            before: json_of(ev.before.as_deref()),
            after: json_of(ev.after.as_deref()),
            source: ev.source.clone(),
        }
    }
}

/// One page of the audit log.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    /// The events, newest first.
    pub items: Vec<AuditEventOut>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditEventListQuery {
    /// Only events by this actor (user or API token id).
    #[param(format = "uuid")]
    pub actor: Option<String>,
    /// Only events about this record (its id).
    #[param(format = "uuid")]
    pub target: Option<String>,
    /// Only this action, exactly (`user.created`, `user.deleted`, ...).
    #[param(min_length = 1, max_length = 100, example = "user.created")]
    pub action: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Only events before this time (RFC 3339).
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 1000)]
    pub cursor: Option<String>,
}

impl AuditEventListQuery {
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        let uuid = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|v| params::uuid_text(field, v))
                .transpose()
        };
        let time = |field: &str, v: &Option<String>| {
            v.as_deref()
                .map(|v| params::timestamp(field, v))
                .transpose()
        };
        if let Some(a) = &self.action {
            params::non_empty("action", a)?;
            params::max_len("action", a, 100)?;
        }
        Ok(AuditFilter {
            actor_id: uuid("actor", &self.actor)?,
            target_id: uuid("target", &self.target)?,
            action: self.action.clone(),
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            actor_kind: None,
        })
    }
}

/// Reads the audit log, newest first (Administrators): who did what to which record,
/// when, from where, with the values before and after.
#[utoipa::path(get, path = "/audit-events", tag = "audit", params(AuditEventListQuery),
    responses((status = 200, description = "One page of events", body = AuditEventPage)))]
pub async fn list_audit_events(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<AuditEventListQuery>,
) -> ApiResult<Json<AuditEventPage>> {
    let limit = params::limit(q.limit, 50, 500)?;
    let filter = q.filter()?;
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    if let Some(c) = cursor {
        params::max_len("cursor", c, 1000)?;
    }
    let page = state
        .sb
        .audit_events_page(&ctx, &filter, cursor, limit)
        .await?;
    Ok(Json(AuditEventPage {
        items: page.items.iter().map(AuditEventOut::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
