//! Editing a profile. The edit sends only what changed, and only the fields the viewer may
//! change; a refusal comes back beside its field, a saved profile as a message.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{
    DomainError, FieldError, User, UserPatch, UserPatchInput, UserStatus, WeeklySchedule,
};
use switchboard_service::Error as ServiceError;

use super::form::{Errors, Locks, SHOWN, Values, department_choices};
use super::page::{UserFormPage, role_choices};
use super::{Choice, Directory, UserPath, refused, status_label};
use crate::AppState;
use crate::pages::shell::{Flash, FormData, Viewer, csrf_refused, redirect_with};

/// Everything the edit form of one user needs.
struct EditContext {
    user: User,
    dir: Directory,
    locks: Locks,
    may_manage_lifecycle: bool,
    pending_email: Option<String>,
    phone: Option<super::phone::PhoneSection>,
}

async fn edit_context(
    state: &AppState,
    v: &Viewer,
    id: switchboard_domain::UserId,
) -> Result<EditContext, ServiceError> {
    // What may change, and why not the rest, is the service's answer.
    let editable = state.sb.editable(&v.ctx, id).await?;
    let dir = Directory::load(state, v).await?;
    let locks = Locks {
        read_only: editable.refused.is_some(),
        self_service: editable.own_profile_only,
        mobile: editable.mobile_fixed,
        idp: editable.idp_owned.clone(),
    };
    let may_manage_lifecycle = editable.may_manage_lifecycle;
    let user = editable.user;
    let pending_email = state.sb.pending_email(&v.ctx, id).await?;
    let phone = super::phone::section(state, v, &user).await?;
    Ok(EditContext {
        user,
        dir,
        locks,
        may_manage_lifecycle,
        pending_email,
        phone,
    })
}

fn member_of(dir: &Directory, u: &User) -> Vec<String> {
    dir.departments
        .iter()
        .filter(|d| d.members.contains(&u.id))
        .map(|d| d.id.to_string())
        .collect()
}

fn edit_page(
    v: &Viewer,
    cx: EditContext,
    values: Values,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let u = &cx.user;
    let heading = if cx.locks.read_only {
        u.name.to_string()
    } else if v.is_self(u.id) {
        "Your profile".to_owned()
    } else {
        format!("Edit {}", u.name)
    };
    let availability = ["available", "busy", "away", "offline"]
        .into_iter()
        .map(|a| {
            let label = crate::pages::shell::sentence(a);
            Choice::new(a, label, values.availability == a)
        })
        .collect();
    let others = errors.others(&SHOWN);
    v.page(
        status,
        &UserFormPage {
            shell: v.shell("users"),
            heading,
            action: format!("/users/{}/edit", u.id),
            editing: true,
            user_id: u.id.to_string(),
            status: u.status.key(),
            status_label: status_label(u.status),
            version: u.version,
            roles: role_choices(&cx.dir, &values.role),
            departments: department_choices(&cx.dir.departments, &values),
            v: values,
            errors,
            others,
            idp_note: cx.locks.idp_note(),
            locks: cx.locks,
            availability,
            seats: String::new(),
            pending_email: cx.pending_email,
            idp_login: u
                .is_idp_managed()
                .then(|| u.idp.username.as_ref().map(|l| l.to_string()))
                .flatten(),
            can_replace: cx.may_manage_lifecycle && u.status != UserStatus::Inactive,
            phone_hint: super::page::phone_hint(&v.account),
            phone: cx.phone,
        },
    )
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
) -> Response {
    let cx = match edit_context(&state, &v, id).await {
        Ok(c) => c,
        Err(e) => return refused(&state, &e),
    };
    let values = Values::of(&cx.user, member_of(&cx.dir, &cx.user));
    edit_page(&v, cx, values, Errors::none(), StatusCode::OK)
}

/// The changes between the user as stored and the form as posted, limited to the fields
/// the viewer may change. A text field that was not sent stays as it is; the checkboxes,
/// call hours and departments count only when the Advanced section was sent (unticked
/// boxes are not sent at all).
fn changes(
    cx: &EditContext,
    posted: &Values,
    f: &FormData,
) -> Result<UserPatchInput, Vec<FieldError>> {
    let base = Values::of(&cx.user, member_of(&cx.dir, &cx.user));
    let advanced = f.get("advanced").is_some();
    let can = |field: &str| cx.locks.can(field) && f.get(field).is_some();
    let can_advanced = |field: &str| cx.locks.can(field) && advanced;
    let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let mut p = UserPatchInput::default();
    if can("name") && posted.name != base.name {
        p.name = Some(posted.name.clone());
    }
    if can("email") && !posted.email.eq_ignore_ascii_case(&base.email) {
        p.email = Some(opt(&posted.email));
    }
    if can("mobile") && !posted.mobile.is_empty() && posted.mobile != base.mobile {
        p.mobile = Some(Some(posted.mobile.clone()));
    }
    if can("alternate_mobile") && posted.alternate_mobile != base.alternate_mobile {
        p.alternate_mobile = Some(opt(&posted.alternate_mobile));
    }
    if can("extension") && posted.extension != base.extension {
        p.extension = Some(posted.extension.clone());
    }
    if can("role") && !posted.role.is_empty() && posted.role != base.role {
        p.role = Some(posted.role.clone());
    }
    if can("panel_access") && posted.panel_access != base.panel_access {
        p.panel_access = Some(posted.panel_access);
    }
    if can_advanced("receive_calls") && posted.receive_calls != base.receive_calls {
        p.receive_calls = Some(posted.receive_calls);
    }
    if can_advanced("voicemail") && posted.voicemail != base.voicemail {
        p.voicemail = Some(posted.voicemail);
    }
    if can_advanced("call_hours") {
        let hours = posted.call_hours()?;
        let same =
            WeeklySchedule::parse("call_hours", &hours).is_ok_and(|s| s == cx.user.call_hours);
        if !same {
            p.call_hours = Some(hours);
        }
    }
    if can("time_zone") && posted.time_zone != base.time_zone {
        p.time_zone = Some(posted.time_zone.clone());
    }
    if can("availability") && posted.availability != base.availability {
        p.availability = Some(posted.availability.clone());
    }
    if can_advanced("departments") {
        let (mut a, mut b) = (posted.departments.clone(), base.departments.clone());
        a.sort();
        b.sort();
        if a != b {
            p.departments = Some(posted.departments.clone());
        }
    }
    if can("tags") && posted.tag_list() != base.tag_list() {
        p.tags = Some(posted.tag_list());
    }
    Ok(p)
}

fn is_empty(p: &UserPatchInput) -> bool {
    p.name.is_none()
        && p.email.is_none()
        && p.mobile.is_none()
        && p.alternate_mobile.is_none()
        && p.extension.is_none()
        && p.role.is_none()
        && p.panel_access.is_none()
        && p.receive_calls.is_none()
        && p.call_hours.is_none()
        && p.time_zone.is_none()
        && p.availability.is_none()
        && p.departments.is_none()
        && p.tags.is_none()
        && p.voicemail.is_none()
}

pub(super) async fn edit_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let cx = match edit_context(&state, &v, id).await {
        Ok(c) => c,
        Err(e) => return refused(&state, &e),
    };
    let posted = Values::posted(&f);
    let input = match changes(&cx, &posted, &f) {
        Ok(p) => p,
        Err(errs) => {
            return edit_page(
                &v,
                cx,
                posted,
                Errors::fields(errs),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let back = if super::super::shell::nav_allows(&v, "users") {
        "/users".to_owned()
    } else {
        format!("/users/{id}/edit")
    };
    if is_empty(&input) && !cx.locks.read_only {
        return redirect_with(&state, &back, &Flash::ok("No changes to save."));
    }
    let country = v.account.phone_country();
    let patch = match UserPatch::parse_in(&input, country.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            return edit_page(
                &v,
                cx,
                posted,
                Errors::of(&e),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let version = f.text("version").parse::<i64>().ok();
    match state.sb.edit_user(&v.ctx, id, patch, version).await {
        Ok(u) => {
            let mut text = if v.is_self(id) {
                "Your profile was saved.".to_owned()
            } else {
                format!("{}'s profile was saved.", u.name)
            };
            if input.email.is_some()
                && let Ok(Some(new)) = state.sb.pending_email(&v.ctx, id).await
            {
                let old = u.email.as_ref().map(|e| e.to_string()).unwrap_or_default();
                text.push_str(&format!(
                    " A verification link was sent to {new}; {old} stays in effect until it is used."
                ));
            }
            redirect_with(&state, &back, &Flash::ok(text))
        }
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) | None => refused(&state, &e),
            Some(DomainError::Forbidden(why)) => {
                redirect_with(&state, &back, &Flash::error(why.clone()))
            }
            Some(d) => edit_page(
                &v,
                cx,
                posted,
                Errors::of(d),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        },
    }
}
