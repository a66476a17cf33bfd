//! The users list: search, filters (role, status, department, panel access), cursor pages,
//! status badges and each row's ⋮ menu. With `HX-Request` only the results are rendered,
//! for htmx's live search.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{DepartmentId, Scope, User, UserStatus};
use switchboard_service::users::{UserListView, UserQuery};

use super::{Choice, Directory, status_label};
use crate::AppState;
use crate::pages::failure;
use crate::pages::shell::{FormData, Shell, Viewer};

/// How many users a page shows.
const PAGE_SIZE: u32 = 25;

#[derive(Template)]
#[template(path = "users_page.html")]
struct UsersPage {
    shell: Shell,
    csrf_token: String,
    list: Results,
    q: String,
    roles: Vec<Choice>,
    statuses: Vec<Choice>,
    departments: Vec<Choice>,
    panel: Vec<Choice>,
    can_add: bool,
}

#[derive(Template)]
#[template(path = "users_partial.html")]
struct UsersPartial {
    csrf_token: String,
    list: Results,
}

/// One page of rows and the links to the next and first pages.
struct Results {
    rows: Vec<Row>,
    next: Option<String>,
    first: Option<String>,
    filtered: bool,
}

struct Row {
    id: String,
    name: String,
    email: String,
    mobile: String,
    extension: String,
    role: String,
    departments: String,
    status: &'static str,
    status_label: &'static str,
    panel_access: bool,
    scheduled: Option<String>,
    is_self: bool,
    can_edit: bool,
    can_lifecycle: bool,
}

impl Row {
    fn new(v: &Viewer, view: &UserListView, u: &User) -> Self {
        let rights = view.rights.get(&u.id).copied().unwrap_or_default();
        let role = view.roles.iter().find(|r| r.id == u.role_id);
        let departments = view
            .departments
            .get(&u.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        Self {
            id: u.id.to_string(),
            name: u.name.to_string(),
            email: u.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
            mobile: u.mobile.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            extension: u.extension.to_string(),
            role: role.map(|r| r.name.to_string()).unwrap_or_default(),
            departments: departments
                .iter()
                .map(|(_, name)| name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            status: u.status.key(),
            status_label: status_label(u.status),
            panel_access: u.panel_access,
            scheduled: u.deactivate_at.map(|t| v.when(t)),
            is_self: v.is_self(u.id),
            can_edit: rights.edit,
            can_lifecycle: rights.manage_lifecycle,
        }
    }
}

/// The list's filters as read from the query string (unknown values are ignored).
struct Filters {
    q: String,
    role: String,
    status: Option<UserStatus>,
    department: Option<DepartmentId>,
    panel: Option<bool>,
}

impl Filters {
    fn read(f: &FormData) -> Self {
        Self {
            q: f.text("q").chars().take(200).collect(),
            role: f.text("role"),
            status: f
                .opt("status")
                .and_then(|s| UserStatus::parse("status", &s).ok()),
            department: f.opt("department").and_then(|d| d.parse().ok()),
            panel: match f.text("panel").as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
        }
    }

    fn is_set(&self) -> bool {
        !self.q.is_empty()
            || !self.role.is_empty()
            || self.status.is_some()
            || self.department.is_some()
            || self.panel.is_some()
    }

    /// `/users?…` with these filters (and `cursor` when given).
    fn href(&self, cursor: Option<&str>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::from("/users?"));
        for (k, v) in [
            ("q", self.q.clone()),
            ("role", self.role.clone()),
            (
                "status",
                self.status.map(|s| s.key().to_owned()).unwrap_or_default(),
            ),
            (
                "department",
                self.department.map(|d| d.to_string()).unwrap_or_default(),
            ),
            (
                "panel",
                match self.panel {
                    Some(true) => "yes".to_owned(),
                    Some(false) => "no".to_owned(),
                    None => String::new(),
                },
            ),
        ] {
            if !v.is_empty() {
                s.append_pair(k, &v);
            }
        }
        if let Some(c) = cursor {
            s.append_pair("cursor", c);
        }
        s.finish()
    }
}

pub(in crate::pages) async fn users_page(
    State(state): State<AppState>,
    v: Viewer,
    RawQuery(q): RawQuery,
) -> Response {
    let form = FormData::parse(q.unwrap_or_default().as_bytes());
    let filters = Filters::read(&form);
    let cursor = form.opt("cursor");
    let query = UserQuery {
        text: Some(filters.q.clone()).filter(|q| !q.is_empty()),
        role: Some(filters.role.clone()).filter(|r| !r.is_empty()),
        status: filters.status,
        department: filters.department,
        panel_access: filters.panel,
        tag: None,
    };
    let view = match state
        .sb
        .list_users_view(&v.ctx, &query, cursor.as_deref(), PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let page = &view.page;
    let list = Results {
        rows: page.items.iter().map(|u| Row::new(&v, &view, u)).collect(),
        next: page.next_cursor.as_deref().map(|c| filters.href(Some(c))),
        first: cursor.as_ref().map(|_| filters.href(None)),
        filtered: filters.is_set(),
    };
    if v.htmx {
        return v.page(
            StatusCode::OK,
            &UsersPartial {
                csrf_token: v.csrf_token.clone(),
                list,
            },
        );
    }
    // The filters' choices, only for the whole page (a partial is just the rows).
    let dir = match Directory::load(&state, &v).await {
        Ok(d) => d,
        Err(e) => return failure(&e),
    };
    let roles = dir
        .roles
        .iter()
        .map(|r| {
            let id = r.id.to_string();
            let selected = filters.role == id;
            Choice::new(id, r.name.to_string(), selected)
        })
        .collect();
    let statuses = [
        UserStatus::PendingInvite,
        UserStatus::Active,
        UserStatus::Inactive,
    ]
    .into_iter()
    .map(|s| Choice::new(s.key(), status_label(s), filters.status == Some(s)))
    .collect();
    let departments = dir
        .departments
        .iter()
        .map(|d| {
            Choice::new(
                d.id.to_string(),
                d.name.to_string(),
                filters.department == Some(d.id),
            )
        })
        .collect();
    let panel = vec![
        Choice::new(
            "yes",
            "Pro users (Panel Access)",
            filters.panel == Some(true),
        ),
        Choice::new("no", "Call-only users", filters.panel == Some(false)),
    ];
    v.page(
        StatusCode::OK,
        &UsersPage {
            shell: v.shell("users"),
            csrf_token: v.csrf_token.clone(),
            list,
            q: filters.q.clone(),
            roles,
            statuses,
            departments,
            panel,
            can_add: matches!(v.perms().edit_users, Scope::All | Scope::Departments),
        },
    )
}
