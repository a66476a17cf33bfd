//! The departments list with its quick add form.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{DomainError, Name, RoutingMethod, User, UserId};
use switchboard_service::departments::NewDepartment;

use super::{Opt, method_label, method_options, refuse_non_admins};
use crate::AppState;
use crate::pages::failure;
use crate::pages::shell::everyone;
use crate::pages::shell::{Flash, FormData, Shell, Viewer, csrf_refused, redirect_with};

/// A row of the departments list.
struct Row {
    id: String,
    name: String,
    method: &'static str,
    members: usize,
    managers: String,
    hours: &'static str,
}

#[derive(Template)]
#[template(path = "departments_page.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    methods: Vec<Opt>,
    name: String,
    error: Option<String>,
}

pub(super) async fn list_page(State(state): State<AppState>, v: Viewer) -> Response {
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    list(&state, &v, String::new(), "ring_all", None, StatusCode::OK).await
}

async fn list(
    state: &AppState,
    v: &Viewer,
    name: String,
    method: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let mut all = match state.sb.list_departments(&v.ctx).await {
        Ok(d) => d,
        Err(e) => return failure(&e),
    };
    all.sort_by_key(|d| d.name.to_string().to_lowercase());
    let people = match everyone(state, v).await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let rows = all
        .iter()
        .map(|d| Row {
            id: d.id.to_string(),
            name: d.name.to_string(),
            method: method_label(d.routing_method),
            members: d.members.len(),
            managers: d
                .managers
                .iter()
                .map(|m| name_in(&people, *m))
                .collect::<Vec<_>>()
                .join(", "),
            hours: if d.business_hours.is_any_time() {
                "Always open"
            } else {
                "Business hours"
            },
        })
        .collect();
    v.page(
        status,
        &ListPage {
            shell: v.shell("departments"),
            rows,
            methods: method_options(method),
            name,
            error,
        },
    )
}

fn name_in(people: &[User], id: UserId) -> String {
    people
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| "a former user".to_owned(), |u| u.name.to_string())
}

pub(super) async fn add_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    let (raw_name, raw_method) = (f.text("name"), f.text("routing_method"));
    let parsed = Name::parse("name", &raw_name)
        .map_err(DomainError::from)
        .and_then(|n| {
            RoutingMethod::parse("routing_method", &raw_method)
                .map(|m| (n, m))
                .map_err(DomainError::from)
        });
    let result = match parsed {
        Ok((name, method)) => {
            let mut new = NewDepartment::named(name);
            new.routing_method = method;
            state.sb.create_department(&v.ctx, new).await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(d) => redirect_with(
            &state,
            &format!("/departments/{}", d.id),
            &Flash::ok(format!(
                "{} was created. Add its members below; it rings {} for 20 seconds each and is \
                 always open until you change that.",
                d.name,
                method_label(d.routing_method).to_lowercase()
            )),
        ),
        Err(e) => match e.domain() {
            Some(d) => {
                let text = crate::pages::shell::sentence(&d.to_string());
                list(
                    &state,
                    &v,
                    raw_name,
                    &raw_method,
                    Some(text),
                    crate::error::status_of(d),
                )
                .await
            }
            None => failure(&e),
        },
    }
}
