//! Test call: "will they ring?" for a department at an instant (SPEC §3) — whom a call
//! would ring, in order, and why each other member would not. Read-only, so a plain GET
//! form; the plan comes from the same use case the API and the telephony engine use.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::routing::Exclusion;
use switchboard_domain::sip::route::{Reach, RegisteredPhone, reach};
use switchboard_domain::{DepartmentId, DomainError, Fallback};
use switchboard_service::routing::RingPlanView;

use super::shell::{Shell, Viewer, nav_allows, sentence};
use super::{failure, message};
use crate::AppState;

/// The form as sent: a department and a local date and time (now when blank).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Ask {
    #[serde(default)]
    department: String,
    #[serde(default)]
    at: String,
}

/// A department to choose.
struct Opt {
    value: String,
    label: String,
    selected: bool,
}

/// One member who would ring.
struct Ringing {
    name: String,
    extension: String,
}

/// How a ringing member would be reached on the real system, in words.
struct RealLeg {
    name: String,
    extension: String,
    how: String,
    reachable: bool,
}

/// One member who would not, and why in words.
struct NotRinging {
    name: String,
    extension: String,
    reason: String,
}

/// The answer.
struct Plan {
    department: String,
    department_id: String,
    method: &'static str,
    when: String,
    open: bool,
    groups: Vec<Vec<Ringing>>,
    excluded: Vec<NotRinging>,
    fallback: String,
    /// `None` when the account has no SIP domain (no proxy routes its calls).
    real: Option<Vec<RealLeg>>,
}

#[derive(Template)]
#[template(path = "test_call_page.html")]
struct TestCallPage {
    shell: Shell,
    departments: Vec<Opt>,
    at: String,
    time_zone: String,
    plan: Option<Plan>,
    error: Option<String>,
    can_manage: bool,
}

pub(super) async fn test_call_page(
    State(state): State<AppState>,
    v: Viewer,
    Query(ask): Query<Ask>,
) -> Response {
    if !nav_allows(&v, "test-call") {
        return message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Your role does not open this section.",
            Some(("/", "Back to the dashboard")),
        );
    }
    let mut all = match state.sb.list_departments(&v.ctx).await {
        Ok(d) => d,
        Err(e) => return failure(&e),
    };
    all.sort_by_key(|d| d.name.to_string().to_lowercase());
    let zone = v.user.time_zone.time_zone();
    let chosen = ask.department.trim().parse::<DepartmentId>().ok();
    let mut error = None;
    let at = if ask.at.trim().is_empty() {
        None
    } else {
        match ask.at.trim().parse::<jiff::civil::DateTime>() {
            Ok(civil) => civil.to_zoned(zone.clone()).ok().map(|z| z.timestamp()),
            Err(_) => {
                error = Some("The date and time could not be read; pick them again.".to_owned());
                None
            }
        }
    };
    let mut plan = None;
    let mut status = StatusCode::OK;
    if let (Some(id), None) = (chosen, &error) {
        let phones = state.sb.department_phones(&v.ctx, id).await;
        match (state.sb.ring_plan(&v.ctx, id, at).await, phones) {
            (Ok(view), Ok(phones)) => {
                let mut p = describe(&v, &view, &all);
                p.real = phones.map(|ph| real_legs(&view, &ph));
                plan = Some(p);
            }
            (Ok(_), Err(e)) | (Err(e), _) => match e.domain() {
                Some(DomainError::NotFound(_)) => {
                    status = StatusCode::NOT_FOUND;
                    error = Some("There is no such department in this account.".to_owned());
                }
                Some(d) => {
                    status = crate::error::status_of(d);
                    error = Some(sentence(&d.to_string()));
                }
                None => return failure(&e),
            },
        }
    } else if !ask.department.trim().is_empty() && chosen.is_none() {
        status = StatusCode::NOT_FOUND;
        error = Some("There is no such department in this account.".to_owned());
    }
    let shown_at = at.unwrap_or_else(|| state.sb.now());
    v.page(
        status,
        &TestCallPage {
            shell: v.shell("test-call"),
            departments: all
                .iter()
                .map(|d| Opt {
                    value: d.id.to_string(),
                    label: d.name.to_string(),
                    selected: Some(d.id) == chosen,
                })
                .collect(),
            at: shown_at
                .to_zoned(zone)
                .strftime("%Y-%m-%dT%H:%M")
                .to_string(),
            time_zone: v.user.time_zone.to_string(),
            plan,
            error,
            can_manage: v.perms().manage_departments,
        },
    )
}

fn describe(v: &Viewer, view: &RingPlanView, all: &[switchboard_domain::Department]) -> Plan {
    let p = &view.plan;
    let person = |id| {
        view.member(id).map_or_else(
            || (id.to_string(), String::new()),
            |u| (u.name.to_string(), u.extension.to_string()),
        )
    };
    let groups = p
        .groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|id| {
                    let (name, extension) = person(*id);
                    Ringing { name, extension }
                })
                .collect()
        })
        .collect();
    let excluded = p
        .excluded
        .iter()
        .map(|(id, why)| {
            let (name, extension) = person(*id);
            NotRinging {
                name,
                extension,
                reason: reason(v, why),
            }
        })
        .collect();
    let fallback = match &p.fallback {
        Fallback::Voicemail => "the caller can leave a voicemail".to_owned(),
        Fallback::None => "the call ends".to_owned(),
        Fallback::Department { department_id } => format!(
            "the call moves on to {}",
            all.iter()
                .find(|d| d.id == *department_id)
                .map_or_else(|| "another department".to_owned(), |d| d.name.to_string())
        ),
    };
    Plan {
        department: view.department.name.to_string(),
        department_id: view.department.id.to_string(),
        method: match p.method {
            switchboard_domain::RoutingMethod::RingAll => "Ring all: everyone rings at once",
            switchboard_domain::RoutingMethod::Sequential => "Sequential: in the members' order",
            switchboard_domain::RoutingMethod::RoundRobin => {
                "Round robin: starting after whoever answered last"
            }
            switchboard_domain::RoutingMethod::LongestIdle => {
                "Longest idle: whoever has waited longest first"
            }
        },
        when: v.when(p.at),
        open: p.open,
        groups,
        excluded,
        fallback,
        real: None,
    }
}

/// Each ringing member as the SIP proxy would reach them now: their registered phone, or
/// their mobile through the carrier gateway, or nothing (the call route decides the same).
fn real_legs(
    view: &RingPlanView,
    phones: &std::collections::HashMap<switchboard_domain::UserId, RegisteredPhone>,
) -> Vec<RealLeg> {
    view.plan
        .ringing()
        .filter_map(|id| view.member(id))
        .map(|u| {
            let (how, reachable) = match reach(u.mobile.as_ref(), phones.get(&u.id), true) {
                Ok(Reach::Phone(_)) => ("rings their SIP phone".to_owned(), true),
                Ok(Reach::Mobile(m)) => (
                    format!("no phone registered: rings their mobile {m} through the carrier"),
                    true,
                ),
                Err(_) => (
                    "no phone registered and no mobile number: cannot be reached".to_owned(),
                    false,
                ),
            };
            RealLeg {
                name: u.name.to_string(),
                extension: u.extension.to_string(),
                how,
                reachable,
            }
        })
        .collect()
}

/// Why a member would not ring, in words.
fn reason(v: &Viewer, why: &Exclusion) -> String {
    let opens = |t: &Option<jiff::Timestamp>| {
        t.map(|t| format!("; opens again {}", v.when(t)))
            .unwrap_or_default()
    };
    match why {
        Exclusion::Inactive => "deactivated".to_owned(),
        Exclusion::PendingInvite => "has not accepted their invite yet".to_owned(),
        Exclusion::ReceiveCallsOff => "Receive calls is off".to_owned(),
        Exclusion::DepartmentClosed { next_opening } => {
            format!("the department is closed{}", opens(next_opening))
        }
        Exclusion::OutsideCallHours {
            local_time,
            next_opening,
        } => format!(
            "outside their call hours (their time is {}{})",
            local_time.strftime("%a %H:%M %Z"),
            opens(next_opening)
        ),
        Exclusion::Availability(a) => format!("set to {}", a.key()),
    }
}
