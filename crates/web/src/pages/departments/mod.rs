//! Departments in the dashboard (Administrators): the list with a quick add form, and each
//! department's page — settings (routing method, ring time, business hours, time zone,
//! fallback), members in ring order moved up and down, managers, and deletion. This module
//! holds the routes and what the pages share.

use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use switchboard_domain::{DepartmentId, DomainError, RoutingMethod, UserId};
use switchboard_service::Error as ServiceError;

use super::shell::{Flash, FormData, Viewer, nav_allows, redirect_with};
use super::{failure, message};
use crate::AppState;

mod list;
mod page;
mod people;
mod settings;

use list::{add_post, list_page};
use page::{delete_post, department_page};
use people::{managers_post, members_post};
use settings::settings_post;

/// The routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/departments", get(list_page).post(add_post))
        .route(
            "/departments/{id}",
            get(department_page).post(settings_post),
        )
        .route("/departments/{id}/members", post(members_post))
        .route("/departments/{id}/managers", post(managers_post))
        .route("/departments/{id}/delete", post(delete_post))
}

/// Routing methods as the forms offer them.
const METHODS: [(RoutingMethod, &str, &str); 4] = [
    (RoutingMethod::RingAll, "Ring all", "everyone rings at once"),
    (
        RoutingMethod::Sequential,
        "Sequential",
        "one after another, in the order below",
    ),
    (
        RoutingMethod::RoundRobin,
        "Round robin",
        "one after another, starting after whoever answered last",
    ),
    (
        RoutingMethod::LongestIdle,
        "Longest idle",
        "whoever has waited longest since their last call first",
    ),
];

fn method_label(m: RoutingMethod) -> &'static str {
    METHODS
        .iter()
        .find(|(k, ..)| *k == m)
        .map_or("", |(_, label, _)| label)
}

/// An option of a select.
#[derive(Clone, Debug)]
struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn method_options(selected: &str) -> Vec<Opt> {
    METHODS
        .iter()
        .map(|(m, label, what)| Opt {
            value: m.key().to_owned(),
            label: format!("{label} — {what}"),
            selected: m.key() == selected,
        })
        .collect()
}

fn refuse_non_admins(v: &Viewer) -> Option<Response> {
    (!nav_allows(v, "departments")).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only those who manage departments open this section. Managers change their \
             departments' members from each user's page.",
            Some(("/users", "Back to users")),
        )
    })
}

/// The department id of a `/departments/{id}/…` path.
struct DepartmentPath(DepartmentId);

impl FromRequestParts<AppState> for DepartmentPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse::<DepartmentId>()
            .map(Self)
            .map_err(|_| not_found())
    }
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such department in this account.",
        Some(("/departments", "Back to departments")),
    )
}

/// Back to the department's page with `flash`; a missing department answers not found.
fn back(state: &AppState, id: DepartmentId, result: Result<Flash, ServiceError>) -> Response {
    match result {
        Ok(flash) => redirect_with(state, &format!("/departments/{id}"), &flash),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) => not_found(),
            Some(d) => redirect_with(
                state,
                &format!("/departments/{id}"),
                &Flash::error(d.to_string()),
            ),
            None => failure(&e),
        },
    }
}

/// A member or manager named in a form.
fn user_field(f: &FormData) -> Option<UserId> {
    f.opt("user").and_then(|u| u.parse().ok())
}
