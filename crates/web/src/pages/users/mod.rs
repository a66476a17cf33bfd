//! Manage → Users in the dashboard: the list with its filters, the add and edit forms, and
//! the actions of each user's ⋮ menu. Every change goes through the same use cases as the
//! REST API; refusals come back as field errors or flash messages.

mod actions;
mod adding;
mod editing;
mod form;
mod list;
mod page;

use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use switchboard_domain::{
    BuiltinRole, Department, Permissions, Role, User, UserId, UserStatus, edit_scope,
    outranks_or_equals,
};
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

    pub(super) fn role_name(&self, role: switchboard_domain::RoleId) -> String {
        self.roles
            .iter()
            .find(|r| r.id == role)
            .map(|r| r.name.to_string())
            .unwrap_or_default()
    }

    /// The names of the departments `user` belongs to.
    pub(super) fn departments_of(&self, user: UserId) -> Vec<String> {
        self.departments
            .iter()
            .filter(|d| d.members.contains(&user))
            .map(|d| d.name.to_string())
            .collect()
    }

    /// Whether the viewer may edit `u` — the service's rule (R1, R15) asked with what the
    /// page has loaded. Only decides what the pages offer; the service decides.
    pub(super) fn may_edit(&self, v: &Viewer, u: &User) -> bool {
        edit_scope(
            v.perms(),
            v.is_admin(),
            v.is_self(u.id),
            self.managed_by(v.user.id, u.id),
            &self.role_permissions(u),
        )
        .is_ok()
    }

    /// Whether the viewer may deactivate, activate, replace or delete `u` (R1, R15).
    pub(super) fn may_manage_lifecycle(&self, v: &Viewer, u: &User) -> bool {
        v.perms().delete_users
            && outranks_or_equals(v.perms(), v.is_admin(), &self.role_permissions(u))
    }

    fn role_permissions(&self, u: &User) -> Permissions {
        self.roles
            .iter()
            .find(|r| r.id == u.role_id)
            .map_or(Permissions::NONE, |r| r.permissions)
    }

    /// Whether `user` is a member of a department `manager` manages.
    pub(super) fn managed_by(&self, manager: UserId, user: UserId) -> bool {
        self.departments
            .iter()
            .any(|d| d.managers.contains(&manager) && d.members.contains(&user))
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
