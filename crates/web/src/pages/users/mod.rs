//! Manage → Users in the dashboard: the list with its filters, the add and edit forms, and
//! the actions of each user's ⋮ menu. Every change goes through the same use cases as the
//! REST API; refusals come back as field errors or flash messages.

mod actions;
mod adding;
mod editing;
mod form;
mod list;
mod page;
mod phone;

use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use switchboard_domain::{BuiltinRole, Department, Role, UserId, UserStatus};
use switchboard_service::Error as ServiceError;

use super::message;
use super::shell::{Flash, Viewer, redirect_with};
use crate::AppState;

/// The routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list::users_page).post(adding::add_post))
        .route("/users/new", get(adding::add_form))
        .route(
            "/users/{id}/edit",
            get(editing::edit_form).post(editing::edit_post),
        )
        .route("/users/{id}/invite", post(actions::resend_invite))
        .route(
            "/users/{id}/deactivate",
            get(actions::deactivate_form).post(actions::deactivate_post),
        )
        .route("/users/{id}/activate", post(actions::activate_post))
        .route(
            "/users/{id}/replace",
            get(actions::replace_form).post(actions::replace_post),
        )
        .route(
            "/users/{id}/delete",
            get(actions::delete_page).post(actions::delete_post),
        )
        .route("/users/{id}/reassign", post(actions::reassign_post))
        .route("/users/{id}/sip-credentials", post(phone::issue_post))
        .route(
            "/users/{id}/sip-credentials/revoke",
            post(phone::revoke_post),
        )
}

/// An option of a select or a checkbox list.
#[derive(Clone, Debug)]
pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

/// The account's roles and departments, read once per page.
pub(super) struct Directory {
    pub roles: Vec<Role>,
    pub departments: Vec<Department>,
}

impl Directory {
    pub(super) async fn load(state: &AppState, v: &Viewer) -> Result<Self, ServiceError> {
        let mut roles = state.sb.list_roles(&v.ctx).await?;
        roles.sort_by_key(|r| {
            let rank = match r.builtin {
                Some(BuiltinRole::Administrator) => 0,
                Some(BuiltinRole::Manager) => 1,
                Some(BuiltinRole::Basic) => 2,
                None => 3,
            };
            (rank, r.name.to_string())
        });
        let mut departments = state.sb.list_departments(&v.ctx).await?;
        departments.sort_by_key(|d| d.name.to_string().to_lowercase());
        Ok(Self { roles, departments })
    }
}

/// How a status reads on a badge.
pub(super) fn status_label(s: UserStatus) -> &'static str {
    match s {
        UserStatus::PendingInvite => "Pending invite",
        UserStatus::Active => "Active",
        UserStatus::Inactive => "Inactive",
    }
}

/// The user id of a `/users/{id}/…` path; anything else answers the not-found page.
pub(super) struct UserPath(pub UserId);

impl FromRequestParts<AppState> for UserPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse::<UserId>().map(Self).map_err(|_| not_found())
    }
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such user in this account.",
        Some(("/users", "Back to users")),
    )
}

/// Back to the users list with the refusal of `e` (or the failure page when it is not a
/// refusal, or a not-found page when the user is not in the account).
pub(super) fn refused(state: &AppState, e: &ServiceError) -> Response {
    match e.domain() {
        Some(switchboard_domain::DomainError::NotFound(_)) => not_found(),
        Some(d) => redirect_with(state, "/users", &Flash::error(d.to_string())),
        None => super::failure(e),
    }
}
