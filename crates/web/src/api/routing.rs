//! `/api/v1/departments/{id}/ring-plan`: who would ring for a call to a department at an
//! instant, in which order, and why each other member would not.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchboard_domain::routing::Exclusion;
use switchboard_domain::{DepartmentId, Fallback, User};
use switchboard_service::routing::RingPlanView;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_ring_plan))
}

/// When to evaluate.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RingPlanQuery {
    /// The instant (RFC 3339, e.g. `2026-03-08T14:30:00Z`); now when omitted.
    #[param(format = DateTime)]
    pub at: Option<String>,
}

/// A member as shown in a ring plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct RingPlanMember {
    /// User id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Extension.
    pub extension: String,
}

/// A member who would not ring, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RingPlanExcluded {
    /// The member.
    pub user: RingPlanMember,
    /// `inactive`, `pending_invite`, `receive_calls_off`, `department_closed`,
    /// `outside_call_hours`, `availability_busy`, `availability_away` or
    /// `availability_offline`.
    pub reason: String,
    /// The member's local time (`outside_call_hours`), e.g.
    /// `2026-03-08T01:30:00-05:00[America/New_York]`.
    pub local_time: Option<String>,
    /// When the member's call hours or the department's business hours open next
    /// (`outside_call_hours`, `department_closed`).
    pub next_opening: Option<String>,
}

/// What happens when nobody answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct RingPlanFallback {
    /// `voicemail`, `department` or `none`.
    pub kind: String,
    /// The department calls overflow to (`department`).
    pub department_id: Option<String>,
}

/// Who rings, in which order, and who does not.
#[derive(Debug, Serialize, ToSchema)]
pub struct RingPlanOut {
    /// Department id.
    pub department_id: String,
    /// Department name.
    pub department_name: String,
    /// `ring_all`, `sequential`, `round_robin` or `longest_idle`.
    pub routing_method: String,
    /// The instant evaluated (RFC 3339).
    pub at: String,
    /// Whether the department is inside its business hours.
    pub open: bool,
    /// Groups rung one after another; everyone in a group rings at once. Empty when
    /// nobody can ring: the call goes to the fallback.
    pub groups: Vec<Vec<RingPlanMember>>,
    /// Every member who would not ring, in member order, with the first reason that applies.
    pub excluded: Vec<RingPlanExcluded>,
    /// Where the call goes when nobody answers (or nobody can ring).
    pub fallback: RingPlanFallback,
}

fn member(u: Option<&User>, id: switchboard_domain::UserId) -> RingPlanMember {
    RingPlanMember {
        id: id.to_string(),
        name: u.map(|u| u.name.to_string()).unwrap_or_default(),
        extension: u.map(|u| u.extension.to_string()).unwrap_or_default(),
    }
}

impl From<&RingPlanView> for RingPlanOut {
    fn from(v: &RingPlanView) -> Self {
        let p = &v.plan;
        Self {
            department_id: v.department.id.to_string(),
            department_name: v.department.name.to_string(),
            routing_method: p.method.key().to_owned(),
            at: p.at.to_string(),
            open: p.open,
            groups: p
                .groups
                .iter()
                .map(|g| g.iter().map(|id| member(v.member(*id), *id)).collect())
                .collect(),
            excluded: p
                .excluded
                .iter()
                .map(|(id, reason)| {
                    let (local_time, next_opening) = match reason {
                        Exclusion::OutsideCallHours {
                            local_time,
                            next_opening,
                        } => (Some(local_time.to_string()), *next_opening),
                        Exclusion::DepartmentClosed { next_opening } => (None, *next_opening),
                        _ => (None, None),
                    };
                    RingPlanExcluded {
                        user: member(v.member(*id), *id),
                        reason: reason.key().to_owned(),
                        local_time,
                        next_opening: next_opening.map(|t| t.to_string()),
                    }
                })
                .collect(),
            fallback: match &p.fallback {
                Fallback::Voicemail => RingPlanFallback {
                    kind: "voicemail".to_owned(),
                    department_id: None,
                },
                Fallback::Department { department_id } => RingPlanFallback {
                    kind: "department".to_owned(),
                    department_id: Some(department_id.to_string()),
                },
                Fallback::None => RingPlanFallback {
                    kind: "none".to_owned(),
                    department_id: None,
                },
            },
        }
    }
}

/// The ring plan of a department: the groups of members to ring, in order, under its
/// routing method, and every member who would not ring with the reason. Call hours are
/// read in each member's time zone, business hours in the department's.
#[utoipa::path(get, path = "/departments/{id}/ring-plan", tag = "routing",
    params(("id" = String, Path, format = "uuid", description = "Department id"), RingPlanQuery),
    responses((status = 200, description = "The ring plan", body = RingPlanOut)))]
async fn get_ring_plan(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
    ApiQuery(q): ApiQuery<RingPlanQuery>,
) -> ApiResult<Json<RingPlanOut>> {
    let at = match q.at.as_deref() {
        None => None,
        Some(t) => Some(t.parse::<jiff::Timestamp>().map_err(|_| {
            ApiError::field(
                "at",
                "invalid",
                format!("{t:?} is not an RFC 3339 time such as 2026-03-08T14:30:00Z"),
            )
        })?),
    };
    let view = state.sb.ring_plan(&ctx, id, at).await?;
    Ok(Json(RingPlanOut::from(&view)))
}
