//! The actions of a user's ⋮ menu: resend the invite, deactivate (now or at a time) and
//! activate, replace (a new mobile number), and delete with its confirmation page, which
//! lists what blocks it and reassigns those in one step.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{
    Blocker, Country, DomainError, E164, Email, Name, User, UserId, UserStatus,
};
use switchboard_service::lifecycle::{ReplaceMode, Replacement};
use switchboard_service::users::UserQuery;

use super::form::Errors;
use super::{Choice, UserPath, refused};
use crate::AppState;
use crate::pages::shell::{Flash, FormData, Shell, Viewer, csrf_refused, redirect_with};

fn back(state: &AppState, flash: Flash) -> Response {
    redirect_with(state, "/users", &flash)
}

pub(super) async fn resend_invite(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Err(e) = state.sb.resend_invite(&v.ctx, id).await {
        return refused(&state, &e);
    }
    match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => {
            let to = u.email.as_ref().map(|e| e.to_string()).unwrap_or_default();
            back(
                &state,
                Flash::ok(format!(
                    "A new invite was sent to {to}; the previous link no longer works."
                )),
            )
        }
        Err(e) => refused(&state, &e),
    }
}

#[derive(Template)]
#[template(path = "user_deactivate_page.html")]
struct DeactivatePage {
    shell: Shell,
    id: String,
    name: String,
    time_zone: String,
}

/// Sends those whose role cannot deactivate, replace or delete back to the list.
fn lifecycle_refused(state: &AppState, v: &Viewer, what: &str) -> Option<Response> {
    (!v.perms().delete_users).then(|| {
        back(
            state,
            Flash::error(format!("your role does not allow you to {what} users")),
        )
    })
}

pub(super) async fn deactivate_form(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
) -> Response {
    if let Some(r) = lifecycle_refused(&state, &v, "deactivate") {
        return r;
    }
    match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => v.page(
            StatusCode::OK,
            &DeactivatePage {
                shell: v.shell("users"),
                id: u.id.to_string(),
                name: u.name.to_string(),
                time_zone: v.user.time_zone.to_string(),
            },
        ),
        Err(e) => refused(&state, &e),
    }
}

/// A `datetime-local` value read in the viewer's time zone.
fn local_time(v: &Viewer, raw: &str) -> Option<jiff::Timestamp> {
    let civil: jiff::civil::DateTime = raw.trim().parse().ok()?;
    civil
        .to_zoned(v.user.time_zone.time_zone())
        .ok()
        .map(|z| z.timestamp())
}

pub(super) async fn deactivate_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let at = match f.opt("at") {
        None => None,
        Some(raw_at) => match local_time(&v, &raw_at) {
            Some(t) => Some(t),
            None => {
                return redirect_with(
                    &state,
                    &format!("/users/{id}/deactivate"),
                    &Flash::error("the date and time could not be read; pick them again"),
                );
            }
        },
    };
    match state.sb.deactivate_user(&v.ctx, id, at).await {
        Ok(u) if u.status == UserStatus::Inactive => back(
            &state,
            Flash::ok(format!(
                "{} was deactivated: they can no longer sign in and will not be rung.",
                u.name
            )),
        ),
        Ok(u) => {
            let when = u.deactivate_at.map(|t| v.when(t)).unwrap_or_default();
            back(
                &state,
                Flash::ok(format!("{} will be deactivated on {when}.", u.name)),
            )
        }
        Err(e) => refused(&state, &e),
    }
}

pub(super) async fn activate_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let was_inactive = match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => u.status == UserStatus::Inactive,
        Err(e) => return refused(&state, &e),
    };
    match state.sb.activate_user(&v.ctx, id).await {
        Ok(u) if !was_inactive => back(
            &state,
            Flash::ok(format!(
                "The scheduled deactivation of {} was cancelled.",
                u.name
            )),
        ),
        Ok(u) if u.status == UserStatus::PendingInvite => back(
            &state,
            Flash::ok(format!(
                "{} was activated. An invite was sent to {}.",
                u.name,
                u.email.as_ref().map(|e| e.to_string()).unwrap_or_default()
            )),
        ),
        Ok(u) => back(&state, Flash::ok(format!("{} was activated.", u.name))),
        Err(e) => refused(&state, &e),
    }
}

#[derive(Template)]
#[template(path = "user_replace_page.html")]
struct ReplacePage {
    shell: Shell,
    id: String,
    name: String,
    old_mobile: String,
    mobile: String,
    new_name: String,
    email: String,
    delete_old: bool,
    errors: Errors,
}

impl ReplacePage {
    fn error(&self, field: &str) -> Option<String> {
        self.errors.of_field(field)
    }
}

fn replace_page(v: &Viewer, u: &User, f: Option<&FormData>, errors: Errors) -> Response {
    let status = if errors.summary.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let text = |k: &str| f.map(|f| f.text(k)).unwrap_or_default();
    v.page(
        status,
        &ReplacePage {
            shell: v.shell("users"),
            id: u.id.to_string(),
            name: u.name.to_string(),
            old_mobile: u.mobile.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            mobile: text("mobile"),
            new_name: text("name"),
            email: text("email"),
            delete_old: f.is_some_and(|f| f.get("mode") == Some("delete")),
            errors,
        },
    )
}

pub(super) async fn replace_form(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
) -> Response {
    if let Some(r) = lifecycle_refused(&state, &v, "replace") {
        return r;
    }
    match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => replace_page(&v, &u, None, Errors::none()),
        Err(e) => refused(&state, &e),
    }
}

fn replacement(f: &FormData, country: Option<&Country>) -> Result<Replacement, DomainError> {
    let mut p = switchboard_domain::Problems::new();
    let mobile = p.check(E164::parse_in("mobile", &f.text("mobile"), country));
    let name = match f.opt("name") {
        Some(n) => p.check(Name::parse("name", &n)),
        None => None,
    };
    let email = match f.opt("email") {
        Some(e) => p.check(Email::parse("email", &e)),
        None => None,
    };
    p.finish()?;
    let mobile = mobile.ok_or_else(|| DomainError::field("mobile", "required", "is required"))?;
    Ok(Replacement {
        mobile,
        name,
        email,
        mode: if f.get("mode") == Some("delete") {
            ReplaceMode::Delete
        } else {
            ReplaceMode::Deactivate
        },
    })
}

pub(super) async fn replace_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let old = match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => u,
        Err(e) => return refused(&state, &e),
    };
    let r = match replacement(&f, v.account.phone_country().as_ref()) {
        Ok(r) => r,
        Err(e) => return replace_page(&v, &old, Some(&f), Errors::of(&e)),
    };
    let mode = r.mode;
    match state.sb.replace_user(&v.ctx, id, r).await {
        Ok(new) => {
            let fate = match mode {
                ReplaceMode::Delete => "deleted",
                ReplaceMode::Deactivate => "deactivated",
            };
            back(
                &state,
                Flash::ok(format!(
                    "{} now uses {} with extension {}, the same role, departments and resources; the old profile was {fate}.",
                    new.name,
                    new.mobile
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    new.extension
                )),
            )
        }
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) | Some(DomainError::Forbidden(_)) | None => {
                refused(&state, &e)
            }
            Some(d) => replace_page(&v, &old, Some(&f), Errors::of(d)),
        },
    }
}

#[derive(Template)]
#[template(path = "user_delete_page.html")]
struct DeletePage {
    shell: Shell,
    id: String,
    name: String,
    blockers: Vec<Blocker>,
    refusal: Option<String>,
    can_delete: bool,
    can_reassign: bool,
    candidates: Vec<Choice>,
    departments_left: usize,
    credentials_revoked: i64,
    frees_seat: bool,
    frees_extension: String,
}

pub(super) async fn delete_page(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
) -> Response {
    let user = match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => u,
        Err(e) => return refused(&state, &e),
    };
    let check = match state.sb.deletion_check(&v.ctx, id).await {
        Ok(c) => c,
        Err(e) => return refused(&state, &e),
    };
    let can_reassign = v.perms().manage_departments && !check.blockers.is_empty();
    let mut candidates = Vec::new();
    if can_reassign {
        let active = UserQuery {
            status: Some(UserStatus::Active),
            ..UserQuery::default()
        };
        match state.sb.list_users(&v.ctx, &active, None, 500).await {
            Ok(page) => {
                candidates = page
                    .items
                    .iter()
                    .filter(|u| u.id != id)
                    .map(|u| {
                        let label = format!("{} (ext. {})", u.name, u.extension);
                        Choice::new(u.id.to_string(), label, false)
                    })
                    .collect();
            }
            Err(e) => return refused(&state, &e),
        }
    }
    v.page(
        StatusCode::OK,
        &DeletePage {
            shell: v.shell("users"),
            id: id.to_string(),
            name: user.name.to_string(),
            refusal: check.refusal.as_deref().map(crate::pages::shell::sentence),
            blockers: check.blockers,
            can_delete: check.can_delete,
            can_reassign,
            candidates,
            departments_left: check.departments_left,
            credentials_revoked: check.credentials_revoked,
            frees_seat: check.frees_seat,
            frees_extension: check.frees_extension,
        },
    )
}

pub(super) async fn delete_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    delete_now(&state, &v, id).await
}

async fn delete_now(state: &AppState, v: &Viewer, id: UserId) -> Response {
    let name = match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => u.name.to_string(),
        Err(e) => return refused(state, &e),
    };
    match state.sb.delete_user(&v.ctx, id).await {
        Ok(()) => back(state, Flash::ok(format!("{name} was deleted."))),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) | None => refused(state, &e),
            Some(d) => redirect_with(
                state,
                &format!("/users/{id}/delete"),
                &Flash::error(d.to_string()),
            ),
        },
    }
}

pub(super) async fn reassign_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let here = format!("/users/{id}/delete");
    let Some(to) = f.opt("to").and_then(|t| t.parse::<UserId>().ok()) else {
        return redirect_with(&state, &here, &Flash::error("choose who takes over"));
    };
    let moved = match state.sb.reassign_resources(&v.ctx, id, to).await {
        Ok(m) => m,
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) | None => return refused(&state, &e),
            Some(d) => return redirect_with(&state, &here, &Flash::error(d.to_string())),
        },
    };
    if f.get("then") == Some("delete") {
        return delete_now(&state, &v, id).await;
    }
    let to_name = state
        .sb
        .get_user(&v.ctx, to)
        .await
        .map(|u| u.name.to_string())
        .unwrap_or_default();
    let routed = match moved.destinations {
        0 => String::new(),
        n => format!(" The calls of {n} numbers now go to them."),
    };
    redirect_with(
        &state,
        &here,
        &Flash::ok(format!(
            "{} numbers and workflows and {} departments now belong to {to_name}.{routed}",
            moved.resources, moved.departments
        )),
    )
}
