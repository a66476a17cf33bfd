//! Roles & permissions in the dashboard (those who manage roles): the permission matrix as
//! checkboxes, one column per role, saved a role at a time; custom roles added (starting
//! from an existing role's rights) and deleted; and the rules that keep an Administrator.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use switchboard_domain::{
    BuiltinRole, DomainError, FieldError, Name, Permissions, Role, RoleId, Scope, UserStatus,
};
use switchboard_service::Error as ServiceError;
use switchboard_service::users::UserQuery;

use super::shell::{
    Flash, FormData, Shell, Viewer, csrf_refused, nav_allows, redirect_with, sentence,
};
use super::{failure, message};
use crate::AppState;

/// The routes of this module.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/roles", get(roles_page).post(add_post))
        .route("/roles/{id}", post(save_post))
        .route("/roles/{id}/delete", post(delete_post))
}

/// A permission row: its key, what it means, and whether it is a scope.
const ROWS: [(&str, &str, bool); 9] = [
    ("view_users", "View users", false),
    ("edit_users", "Add and edit users", true),
    (
        "delete_users",
        "Deactivate, activate and delete users",
        false,
    ),
    ("export", "Export users and logs", false),
    (
        "manage_departments",
        "Manage departments, numbers and workflows",
        false,
    ),
    ("call_logs", "View call logs", true),
    ("view_audit", "View the audit log", false),
    ("manage_roles", "Manage roles and permissions", false),
    ("api_tokens", "API tokens and integrations", false),
];

const SCOPES: [(Scope, &str, &str); 4] = [
    (Scope::None, "none", "No"),
    (Scope::Own, "own", "Own only"),
    (Scope::Departments, "departments", "Own departments"),
    (Scope::All, "all", "Everyone"),
];

fn flag(p: &Permissions, key: &str) -> bool {
    match key {
        "view_users" => p.view_users,
        "delete_users" => p.delete_users,
        "export" => p.export,
        "manage_departments" => p.manage_departments,
        "view_audit" => p.view_audit,
        "manage_roles" => p.manage_roles,
        "api_tokens" => p.api_tokens,
        _ => false,
    }
}

fn scope(p: &Permissions, key: &str) -> Scope {
    match key {
        "edit_users" => p.edit_users,
        "call_logs" => p.call_logs,
        _ => Scope::None,
    }
}

/// The permissions a role's column posts.
fn posted(f: &FormData) -> Result<Permissions, FieldError> {
    Ok(Permissions {
        view_users: f.checked("view_users"),
        edit_users: Scope::parse("edit_users", &f.text("edit_users"))?,
        delete_users: f.checked("delete_users"),
        export: f.checked("export"),
        manage_departments: f.checked("manage_departments"),
        call_logs: Scope::parse("call_logs", &f.text("call_logs"))?,
        view_audit: f.checked("view_audit"),
        manage_roles: f.checked("manage_roles"),
        api_tokens: f.checked("api_tokens"),
    })
}

/// One cell of the matrix.
struct Cell {
    key: &'static str,
    /// A checkbox (`None`) or a scope select with its options (value, label, selected).
    scopes: Option<Vec<(&'static str, &'static str, bool)>>,
    checked: bool,
}

/// One role's column.
struct Column {
    id: String,
    name: String,
    builtin: bool,
    locked: bool,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "roles_page.html")]
struct RolesPage {
    shell: Shell,
    columns: Vec<Column>,
    rows: Vec<(&'static str, &'static str)>,
    active_admins: usize,
    custom: Vec<(String, String)>,
    bases: Vec<(String, String)>,
    new_name: String,
    error: Option<String>,
}

impl RolesPage {
    /// The cell of `column` for the permission `key` (for the template).
    fn cell<'a>(&self, column: &'a Column, key: &str) -> Option<&'a Cell> {
        column.cells.iter().find(|c| c.key == key)
    }
}

fn refuse_others(v: &Viewer) -> Option<Response> {
    (!nav_allows(v, "roles")).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only those who manage roles open this section.",
            Some(("/users", "Back to users")),
        )
    })
}

fn rank(r: &Role) -> (u8, String) {
    let n = match r.builtin {
        Some(BuiltinRole::Administrator) => 0,
        Some(BuiltinRole::Manager) => 1,
        Some(BuiltinRole::Basic) => 2,
        None => 3,
    };
    (n, r.name.to_string().to_lowercase())
}

async fn roles_page(State(state): State<AppState>, v: Viewer) -> Response {
    if let Some(r) = refuse_others(&v) {
        return r;
    }
    show(&state, &v, String::new(), None, StatusCode::OK).await
}

/// How many active users hold the Administrator role (up to 500 counted).
async fn count_active_admins(state: &AppState, v: &Viewer) -> Result<usize, ServiceError> {
    let q = UserQuery {
        role: Some("Administrator".to_owned()),
        status: Some(UserStatus::Active),
        ..UserQuery::default()
    };
    Ok(state
        .sb
        .list_users(&v.ctx, &q, None, 500)
        .await?
        .items
        .len())
}

async fn show(
    state: &AppState,
    v: &Viewer,
    new_name: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (mut roles, active_admins) = match (
        state.sb.list_roles(&v.ctx).await,
        count_active_admins(state, v).await,
    ) {
        (Ok(r), Ok(n)) => (r, n),
        (Err(e), _) | (_, Err(e)) => return failure(&e),
    };
    roles.sort_by_key(rank);
    let columns = roles
        .iter()
        .map(|r| Column {
            id: r.id.to_string(),
            name: r.name.to_string(),
            builtin: r.builtin.is_some(),
            locked: r.is_administrator(),
            cells: ROWS
                .iter()
                .map(|(key, _, is_scope)| Cell {
                    key,
                    scopes: is_scope.then(|| {
                        let now = scope(&r.permissions, key);
                        SCOPES
                            .iter()
                            .filter(|(s, ..)| *key != "call_logs" || *s != Scope::None)
                            .map(|(s, k, label)| (*k, *label, *s == now))
                            .collect()
                    }),
                    checked: flag(&r.permissions, key),
                })
                .collect(),
        })
        .collect();
    let custom = roles
        .iter()
        .filter(|r| r.builtin.is_none())
        .map(|r| (r.id.to_string(), r.name.to_string()))
        .collect();
    let bases = roles
        .iter()
        .map(|r| (r.id.to_string(), r.name.to_string()))
        .collect();
    v.page(
        status,
        &RolesPage {
            shell: v.shell("roles"),
            columns,
            rows: ROWS.iter().map(|(k, label, _)| (*k, *label)).collect(),
            active_admins,
            custom,
            bases,
            new_name,
            error,
        },
    )
}

fn role_id(raw: &str) -> Result<RoleId, ServiceError> {
    raw.parse()
        .map_err(|_| ServiceError::Domain(DomainError::NotFound("role")))
}

/// Back to the matrix with what happened; another account's role answers not found.
fn answer(state: &AppState, result: Result<String, ServiceError>) -> Response {
    match result {
        Ok(text) => redirect_with(state, "/roles", &Flash::ok(text)),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) => message(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such role in this account.",
                Some(("/roles", "Back to roles")),
            ),
            Some(d) => redirect_with(state, "/roles", &Flash::error(d.to_string())),
            None => failure(&e),
        },
    }
}

async fn save_post(
    State(state): State<AppState>,
    v: Viewer,
    Path(raw): Path<String>,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_others(&v) {
        return r;
    }
    let result = async {
        let id = state.sb.get_role(&v.ctx, role_id(&raw)?).await?.id;
        let p = posted(&f).map_err(|e| ServiceError::Domain(e.into()))?;
        let r = state.sb.update_role(&v.ctx, id, None, Some(p)).await?;
        Ok(format!(
            "{}'s permissions were saved; everyone holding it has them from their next click.",
            r.name
        ))
    }
    .await;
    answer(&state, result)
}

async fn add_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_others(&v) {
        return r;
    }
    let typed = f.text("name");
    let result = async {
        let name = Name::parse("name", &typed).map_err(|e| ServiceError::Domain(e.into()))?;
        let base = state.sb.get_role(&v.ctx, role_id(&f.text("base"))?).await?;
        state.sb.create_role(&v.ctx, name, base.permissions).await
    }
    .await;
    match result {
        Ok(r) => redirect_with(
            &state,
            "/roles",
            &Flash::ok(format!(
                "{} was added with the same rights as the role it started from; adjust its column below.",
                r.name
            )),
        ),
        Err(e) => match e.domain() {
            Some(d) => {
                let status = crate::error::status_of(d);
                show(&state, &v, typed, Some(sentence(&d.to_string())), status).await
            }
            None => failure(&e),
        },
    }
}

async fn delete_post(
    State(state): State<AppState>,
    v: Viewer,
    Path(raw): Path<String>,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_others(&v) {
        return r;
    }
    let result = async {
        let id = role_id(&raw)?;
        let r = state.sb.get_role(&v.ctx, id).await?;
        state.sb.delete_role(&v.ctx, id).await?;
        Ok(format!("The {} role was deleted.", r.name))
    }
    .await;
    answer(&state, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope_key(s: Scope) -> &'static str {
        SCOPES
            .iter()
            .find(|(k, ..)| *k == s)
            .map_or("none", |(_, key, _)| key)
    }

    #[test]
    fn every_permission_has_a_row_and_reads_back_as_posted() {
        let p = Permissions::MANAGER;
        let mut pairs = vec![("csrf_token".to_owned(), String::new())];
        for (key, _, is_scope) in ROWS {
            if is_scope {
                pairs.push((key.to_owned(), scope_key(scope(&p, key)).to_owned()));
            } else if flag(&p, key) {
                pairs.push((key.to_owned(), "on".to_owned()));
            }
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        assert_eq!(posted(&FormData::parse(body.as_bytes())).unwrap(), p);
    }
}
