//! Adding a user: the blank form (next free extension, seats in use) and its post. A
//! refused form comes back with the typed values and each error beside its field; an added
//! user is announced on the users list.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{BuiltinRole, DomainError, FieldError, NewUser, Scope, UserStatus};
use switchboard_service::Error as ServiceError;

use super::Directory;
use super::form::{Errors, Locks, SHOWN, Values, department_choices};
use super::page::{UserFormPage, role_choices};
use crate::AppState;
use crate::pages::shell::{Flash, FormData, Viewer, csrf_refused, redirect_with};
use crate::pages::{failure, message};

/// What the add form needs besides the values.
struct AddContext {
    dir: Directory,
    seats: String,
}

async fn add_context(state: &AppState, v: &Viewer) -> Result<AddContext, ServiceError> {
    let dir = Directory::load(state, v).await?;
    let usage = state.sb.plan_usage(&v.ctx).await?;
    let seats = match (usage.seats_limit, usage.users_limit) {
        (Some(limit), _) => format!("{} of {limit} seats in use", usage.seats_used),
        (None, Some(limit)) => format!("{} of {limit} users on the free plan", usage.users_used),
        (None, None) => String::new(),
    };
    Ok(AddContext { dir, seats })
}

fn may_add(v: &Viewer) -> bool {
    matches!(v.perms().edit_users, Scope::All | Scope::Departments)
}

fn not_allowed() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Not allowed",
        "Your role does not allow adding users.",
        Some(("/users", "Back to users")),
    )
}

fn add_page(
    v: &Viewer,
    cx: AddContext,
    values: Values,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let roles = role_choices(&cx.dir, &values.role);
    let others = errors.others(&SHOWN);
    v.page(
        status,
        &UserFormPage {
            shell: v.shell("users"),
            heading: "Add user".to_owned(),
            phone: None,
            action: "/users".to_owned(),
            editing: false,
            user_id: String::new(),
            status: "",
            status_label: "",
            version: 0,
            departments: department_choices(&cx.dir.departments, &values),
            v: values,
            errors,
            others,
            locks: Locks::default(),
            idp_note: None,
            roles,
            availability: Vec::new(),
            seats: cx.seats,
            pending_email: None,
            idp_login: None,
            can_replace: false,
            phone_hint: super::page::phone_hint(&v.account),
        },
    )
}

pub(super) async fn add_form(State(state): State<AppState>, v: Viewer) -> Response {
    if !may_add(&v) {
        return not_allowed();
    }
    let cx = match add_context(&state, &v).await {
        Ok(c) => c,
        Err(e) => return failure(&e),
    };
    let extension = match state.sb.available_extensions(&v.ctx, None, 1).await {
        Ok(free) => free.first().map(|x| x.to_string()).unwrap_or_default(),
        Err(e) => return failure(&e),
    };
    let basic = cx
        .dir
        .roles
        .iter()
        .find(|r| r.builtin == Some(BuiltinRole::Basic))
        .map(|r| r.id.to_string())
        .unwrap_or_default();
    let values = Values::blank(&v.account, extension, basic);
    add_page(&v, cx, values, Errors::none(), StatusCode::OK)
}

pub(super) async fn add_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if !may_add(&v) {
        return not_allowed();
    }
    let values = Values::posted(&f);
    let mut problems: Vec<FieldError> = Vec::new();
    let hours = values.call_hours().unwrap_or_else(|e| {
        problems.extend(e);
        Default::default()
    });
    let country = v.account.phone_country();
    let parsed = NewUser::parse_in(&values.new_user_input(hours), country.as_ref());
    let new = match parsed {
        Ok(n) if problems.is_empty() => n,
        Ok(_) => return add_refused(&state, &v, values, Errors::fields(problems)).await,
        Err(DomainError::Validation(errs)) => {
            problems.extend(errs);
            return add_refused(&state, &v, values, Errors::fields(problems)).await;
        }
        Err(e) => return add_refused(&state, &v, values, Errors::of(&e)).await,
    };
    match state.sb.add_user(&v.ctx, new).await {
        Ok(added) => {
            let u = &added.user;
            let text = match (&u.status, &u.email) {
                (UserStatus::PendingInvite, Some(email)) => {
                    format!("{} was added. An invite was sent to {email}.", u.name)
                }
                _ if u.panel_access => format!("{} was added.", u.name),
                _ => format!(
                    "{} was added as a call-only user on extension {}.",
                    u.name, u.extension
                ),
            };
            redirect_with(&state, "/users", &Flash::ok(text))
        }
        Err(e) => match e.domain() {
            Some(d) => add_refused(&state, &v, values, Errors::of(d)).await,
            None => failure(&e),
        },
    }
}

async fn add_refused(state: &AppState, v: &Viewer, values: Values, errors: Errors) -> Response {
    match add_context(state, v).await {
        Ok(cx) => add_page(v, cx, values, errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => failure(&e),
    }
}
