//! A department's page: its settings form, members and managers, and its deletion.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{Department, DepartmentId, FieldError, User};

use super::settings::Settings;
use super::{DepartmentPath, Opt, back, method_options, refuse_non_admins};
use crate::AppState;
use crate::pages::failure;
use crate::pages::shell::everyone;
use crate::pages::shell::{Flash, FormData, Shell, Viewer, csrf_refused, redirect_with};

/// A person on the department page.
struct Person {
    id: String,
    name: String,
    extension: String,
    status: &'static str,
}

impl Person {
    fn of(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            name: u.name.to_string(),
            extension: u.extension.to_string(),
            status: u.status.key(),
        }
    }
}

#[derive(Template)]
#[template(path = "department_page.html")]
struct DepartmentPage {
    shell: Shell,
    id: String,
    title: String,
    s: Settings,
    methods: Vec<Opt>,
    fallbacks: Vec<Opt>,
    errors: Vec<FieldError>,
    members: Vec<Person>,
    managers: Vec<Person>,
    addable_members: Vec<Person>,
    addable_managers: Vec<Person>,
    external_id: Option<String>,
}

impl DepartmentPage {
    /// The error of `field` (or one of its days), for the template.
    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
            .map(|e| crate::pages::shell::sentence(&e.message))
    }
}

pub(super) async fn department_page(
    State(state): State<AppState>,
    v: Viewer,
    DepartmentPath(id): DepartmentPath,
) -> Response {
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    show(&state, &v, id, None, Vec::new()).await
}

pub(super) async fn show(
    state: &AppState,
    v: &Viewer,
    id: DepartmentId,
    typed: Option<Settings>,
    errors: Vec<FieldError>,
) -> Response {
    let people = match state.sb.get_department_people(&v.ctx, id).await {
        Ok(p) => p,
        Err(e) => return back(state, id, Err(e)),
    };
    let (all_departments, everyone) = match (
        state.sb.list_departments(&v.ctx).await,
        everyone(state, v).await,
    ) {
        (Ok(d), Ok(u)) => (d, u),
        (Err(e), _) | (_, Err(e)) => return failure(&e),
    };
    let d = &people.department;
    let s = typed.unwrap_or_else(|| Settings::of(d));
    let mut fallbacks = vec![
        Opt {
            value: "voicemail".to_owned(),
            label: "Voicemail".to_owned(),
            selected: s.fallback == "voicemail",
        },
        Opt {
            value: "none".to_owned(),
            label: "Hang up".to_owned(),
            selected: s.fallback == "none",
        },
    ];
    let mut others: Vec<&Department> = all_departments.iter().filter(|o| o.id != id).collect();
    others.sort_by_key(|o| o.name.to_string().to_lowercase());
    fallbacks.extend(others.iter().map(|o| Opt {
        value: o.id.to_string(),
        label: format!("Ring {}", o.name),
        selected: s.fallback == o.id.to_string(),
    }));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    v.page(
        status,
        &DepartmentPage {
            shell: v.shell("departments"),
            id: id.to_string(),
            title: d.name.to_string(),
            methods: method_options(&s.method),
            s,
            fallbacks,
            errors,
            members: people.members.iter().map(Person::of).collect(),
            managers: people.managers.iter().map(Person::of).collect(),
            addable_members: everyone
                .iter()
                .filter(|u| !d.members.contains(&u.id))
                .map(Person::of)
                .collect(),
            addable_managers: everyone
                .iter()
                .filter(|u| !d.managers.contains(&u.id))
                .map(Person::of)
                .collect(),
            external_id: d.external_id.clone(),
        },
    )
}

pub(super) async fn delete_post(
    State(state): State<AppState>,
    v: Viewer,
    DepartmentPath(id): DepartmentPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    let name = match state.sb.get_department(&v.ctx, id).await {
        Ok(d) => d.name.to_string(),
        Err(e) => return back(&state, id, Err(e)),
    };
    match state.sb.delete_department(&v.ctx, id).await {
        Ok(()) => redirect_with(
            &state,
            "/departments",
            &Flash::ok(format!(
                "{name} was deleted. Its members are still users; calls no longer route to it."
            )),
        ),
        Err(e) => back(&state, id, Err(e)),
    }
}
