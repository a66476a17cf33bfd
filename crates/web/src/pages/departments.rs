//! Departments in the dashboard (Administrators): the list with a quick add form, and each
//! department's page — settings (routing method, ring time, business hours, time zone,
//! fallback), members in ring order moved up and down, managers, and deletion.

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use switchboard_domain::department::parse_ring_time;
use switchboard_domain::{
    Department, DepartmentId, DomainError, Fallback, FieldError, Name, RoutingMethod, TimeZoneName,
    User, UserId, WeeklySchedule,
};
use switchboard_service::Error as ServiceError;
use switchboard_service::departments::{DepartmentPatch, NewDepartment};

use super::hours::{DayHours, week_posted, week_slots, week_text};
use super::shell::everyone;
use super::shell::{Flash, FormData, Shell, Viewer, csrf_refused, nav_allows, redirect_with};
use super::{failure, message};
use crate::AppState;

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

async fn list_page(State(state): State<AppState>, v: Viewer) -> Response {
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

async fn add_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
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
                let text = super::shell::sentence(&d.to_string());
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

/// The settings form's values, as typed.
struct Settings {
    name: String,
    method: String,
    ring_time: String,
    time_zone: String,
    fallback: String,
    hours: Vec<DayHours>,
}

impl Settings {
    fn of(d: &Department) -> Self {
        Self {
            name: d.name.to_string(),
            method: d.routing_method.key().to_owned(),
            ring_time: d.ring_time_secs.to_string(),
            time_zone: d.time_zone.to_string(),
            fallback: fallback_key(&d.fallback),
            hours: week_text(&d.business_hours.to_text()),
        }
    }

    fn posted(f: &FormData) -> Self {
        Self {
            name: f.text("name"),
            method: f.text("routing_method"),
            ring_time: f.text("ring_time_secs"),
            time_zone: f.text("time_zone"),
            fallback: f.text("fallback"),
            hours: week_posted(f),
        }
    }

    /// The change these values make, or every problem with them.
    fn patch(&self, id: DepartmentId) -> Result<DepartmentPatch, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = keep(&mut errors, Name::parse("name", &self.name));
        let method = keep(
            &mut errors,
            RoutingMethod::parse("routing_method", &self.method),
        );
        let ring = keep(
            &mut errors,
            self.ring_time
                .parse::<u32>()
                .map_err(|_| {
                    FieldError::new(
                        "ring_time_secs",
                        "invalid",
                        "write the ring time as a number of seconds",
                    )
                })
                .and_then(parse_ring_time),
        );
        let zone = keep(
            &mut errors,
            TimeZoneName::parse("time_zone", &self.time_zone),
        );
        let fallback = keep(&mut errors, parse_fallback(&self.fallback, id));
        let hours = match week_slots("business_hours", &self.hours) {
            Ok(days) => match WeeklySchedule::parse("business_hours", &days) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.extend(e.field_errors());
                    None
                }
            },
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(DepartmentPatch {
            name,
            routing_method: method,
            ring_time_secs: ring,
            business_hours: hours,
            time_zone: zone,
            fallback,
            external_id: None,
        })
    }
}

/// The value of `r`, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn fallback_key(f: &Fallback) -> String {
    match f {
        Fallback::Voicemail => "voicemail".to_owned(),
        Fallback::None => "none".to_owned(),
        Fallback::Department { department_id } => department_id.to_string(),
    }
}

fn parse_fallback(raw: &str, own: DepartmentId) -> Result<Fallback, FieldError> {
    match raw {
        "voicemail" | "" => Ok(Fallback::Voicemail),
        "none" => Ok(Fallback::None),
        other => match other.parse::<DepartmentId>() {
            Ok(d) if d == own => Err(FieldError::new(
                "fallback",
                "invalid",
                "a department cannot fall back to itself",
            )),
            Ok(d) => Ok(Fallback::Department { department_id: d }),
            Err(_) => Err(FieldError::new(
                "fallback",
                "invalid",
                "choose voicemail, hang up, or another department",
            )),
        },
    }
}

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
            .map(|e| super::shell::sentence(&e.message))
    }
}

async fn department_page(
    State(state): State<AppState>,
    v: Viewer,
    DepartmentPath(id): DepartmentPath,
) -> Response {
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    show(&state, &v, id, None, Vec::new()).await
}

async fn show(
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

async fn settings_post(
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
    let typed = Settings::posted(&f);
    let patch = match typed.patch(id) {
        Ok(p) => p,
        Err(errors) => return show(&state, &v, id, Some(typed), errors).await,
    };
    match state.sb.update_department(&v.ctx, id, patch).await {
        Ok(d) => back(
            &state,
            id,
            Ok(Flash::ok(format!("{}'s settings were saved.", d.name))),
        ),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) | None => back(&state, id, Err(e)),
            Some(d) => {
                let mut errors = d.field_errors();
                if errors.is_empty() {
                    errors.push(FieldError::new(
                        d.field_name().unwrap_or("name"),
                        d.code(),
                        d.to_string(),
                    ));
                }
                show(&state, &v, id, Some(typed), errors).await
            }
        },
    }
}

/// A member or manager named in a form.
fn user_field(f: &FormData) -> Option<UserId> {
    f.opt("user").and_then(|u| u.parse().ok())
}

async fn members_post(
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
    let result = async {
        let people = state.sb.get_department_people(&v.ctx, id).await?;
        let mut order = people.department.members.clone();
        let who = user_field(&f);
        let name = |u: UserId| {
            people
                .members
                .iter()
                .find(|m| m.id == u)
                .map_or_else(String::new, |m| m.name.to_string())
        };
        let at = who.and_then(|u| order.iter().position(|m| *m == u));
        let said = match (f.text("action").as_str(), who, at) {
            ("add", Some(u), None) => {
                let joining = state.sb.get_user(&v.ctx, u).await?;
                order.push(u);
                format!(
                    "{} joined {} and rings {}.",
                    joining.name,
                    people.department.name,
                    ordinal(order.len())
                )
            }
            ("remove", Some(u), Some(i)) => {
                order.remove(i);
                format!("{} left {}.", name(u), people.department.name)
            }
            ("up", Some(u), Some(i)) if i > 0 => {
                order.swap(i, i - 1);
                format!("{} now rings {}.", name(u), ordinal(i))
            }
            ("down", Some(u), Some(i)) if i + 1 < order.len() => {
                order.swap(i, i + 1);
                format!("{} now rings {}.", name(u), ordinal(i + 2))
            }
            _ => return Ok(Flash::error("choose a member and what to do with them")),
        };
        state.sb.set_department_members(&v.ctx, id, order).await?;
        Ok(Flash::ok(said))
    }
    .await;
    back(&state, id, result)
}

/// "first", "second", … for ring positions (1-based).
fn ordinal(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match WORDS.get(n.wrapping_sub(1)) {
        Some(w) => (*w).to_owned(),
        None => format!("at position {n}"),
    }
}

async fn managers_post(
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
    let result = async {
        let d = state.sb.get_department(&v.ctx, id).await?;
        let mut managers = d.managers.clone();
        let Some(who) = user_field(&f) else {
            return Ok(Flash::error("choose a person first"));
        };
        let adding = f.text("action") == "add";
        if adding && !managers.contains(&who) {
            managers.push(who);
        } else if !adding {
            managers.retain(|m| *m != who);
        }
        let d = state
            .sb
            .set_department_managers(&v.ctx, id, managers)
            .await?;
        let person = state.sb.get_user(&v.ctx, who).await?;
        Ok(Flash::ok(if adding {
            format!(
                "{} now manages {}: they can add and edit its members.",
                person.name, d.name
            )
        } else {
            format!("{} no longer manages {}.", person.name, d.name)
        }))
    }
    .await;
    back(&state, id, result)
}

async fn delete_post(
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
