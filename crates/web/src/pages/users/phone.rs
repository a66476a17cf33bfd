//! The Phone section of a user's page: whether the user has SIP credentials (username =
//! their extension, under the account's SIP domain), and the forms that issue or rotate
//! them — answered by a page that shows the password once — and revoke them. Shown to
//! whoever the service lets manage the user's credentials; each action is the same use
//! case as the REST API's.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{DomainError, User};
use switchboard_service::Error as ServiceError;

use super::{UserPath, refused};
use crate::AppState;
use crate::pages::shell::{Flash, FormData, Shell, Viewer, csrf_refused, redirect_with};

/// What the Phone section shows.
pub(super) struct PhoneSection {
    /// The SIP username the user's credentials are (or would be) issued for: the extension.
    pub username: String,
    /// The account's SIP domain; `None`: not set yet, so nothing can be issued.
    pub domain: Option<String>,
    /// When the credentials were issued or last rotated; `None`: none issued.
    pub issued_at: Option<String>,
    /// Until when a phone is registered with them; `None`: none now.
    pub registered_until: Option<String>,
}

/// The section for `u`, or `None` when the viewer may not manage their credentials (the
/// service's answer, R1 and R15).
pub(super) async fn section(
    state: &AppState,
    v: &Viewer,
    u: &User,
) -> Result<Option<PhoneSection>, ServiceError> {
    match state.sb.phone_setup(&v.ctx, u.id).await {
        Ok(setup) => Ok(Some(PhoneSection {
            username: u.extension.to_string(),
            domain: setup.domain.map(|d| d.to_string()),
            registered_until: setup
                .credentials
                .as_ref()
                .and_then(|c| c.registered_until)
                .map(|t| v.when(t)),
            issued_at: setup.credentials.map(|c| v.when(c.issued_at)),
        })),
        Err(e) if matches!(e.domain(), Some(DomainError::Forbidden(_))) => Ok(None),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "user_sip_page.html")]
struct IssuedPage {
    shell: Shell,
    user_id: String,
    name: String,
    username: String,
    domain: String,
    password: String,
    rotated: bool,
}

fn profile(id: impl std::fmt::Display) -> String {
    format!("/users/{id}/edit")
}

/// Issues (or rotates) the user's SIP credentials and shows the password, this once.
pub(super) async fn issue_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let issued = match state.sb.issue_sip_credentials(&v.ctx, id).await {
        Ok(i) => i,
        Err(e) => return refused_here(&state, id, &e),
    };
    let name = match state.sb.get_user(&v.ctx, id).await {
        Ok(u) => u.name.to_string(),
        Err(_) => issued.username.clone(),
    };
    v.page(
        StatusCode::OK,
        &IssuedPage {
            shell: v.shell("users"),
            user_id: id.to_string(),
            name,
            username: issued.username,
            domain: issued.domain,
            password: issued.password,
            rotated: issued.rotated,
        },
    )
}

/// Revokes the user's SIP credentials; back to their page with what happened.
pub(super) async fn revoke_post(
    State(state): State<AppState>,
    v: Viewer,
    UserPath(id): UserPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    match state.sb.revoke_sip_credentials(&v.ctx, id).await {
        Ok(()) => redirect_with(
            &state,
            &profile(id),
            &Flash::ok(
                "The SIP credentials were revoked: phones using them can no longer register.",
            ),
        ),
        Err(e) => refused_here(&state, id, &e),
    }
}

/// A refusal back on the user's page; a user not in the account answers not found.
fn refused_here(state: &AppState, id: switchboard_domain::UserId, e: &ServiceError) -> Response {
    match e.domain() {
        // "SIP credentials not found": nothing to revoke (perhaps revoked meanwhile).
        Some(DomainError::NotFound(what)) if *what != "user" => redirect_with(
            state,
            &profile(id),
            &Flash::error("There are no SIP credentials to revoke."),
        ),
        Some(DomainError::NotFound(_)) | None => refused(state, e),
        Some(d) => redirect_with(state, &profile(id), &Flash::error(d.to_string())),
    }
}
