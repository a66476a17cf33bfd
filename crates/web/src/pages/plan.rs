//! Plan & seats: the account's plan with the users and licensed seats in use against its
//! limits, its extension range and default time zone (Administrators).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::Plan;

use super::shell::{Shell, Viewer, nav_allows};
use super::{failure, message};
use crate::AppState;

#[derive(Template)]
#[template(path = "plan_page.html")]
struct PlanPage {
    shell: Shell,
    plan: &'static str,
    /// (what, used, limit) rows.
    usage: Vec<(&'static str, u32, u32)>,
    extension_range: String,
    time_zone: String,
    sso: bool,
}

pub(super) async fn plan_page(State(state): State<AppState>, v: Viewer) -> Response {
    if !nav_allows(&v, "plan") {
        return message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only administrators see the plan and its seats.",
            Some(("/", "Back to the dashboard")),
        );
    }
    let usage = match state.sb.plan_usage(&v.ctx).await {
        Ok(u) => u,
        Err(e) => return failure(&e),
    };
    let mut rows = Vec::new();
    if let Some(limit) = usage.users_limit {
        rows.push(("Users", usage.users_used, limit));
    }
    if let Some(limit) = usage.seats_limit {
        rows.push(("Panel Access seats", usage.seats_used, limit));
    }
    let a = &v.account;
    v.page(
        StatusCode::OK,
        &PlanPage {
            shell: v.shell("plan"),
            plan: match usage.plan {
                Plan::Free => "Free: up to 5 users, administrators included",
                Plan::Pro => "Pro: unlimited users; Panel Access users use licensed seats",
            },
            usage: rows,
            extension_range: format!("{}–{}", a.extension_range.min, a.extension_range.max),
            time_zone: a.default_time_zone.to_string(),
            sso: a.sso.enabled,
        },
    )
}
