//! Creating a token from the form (name, scopes, role, optional expiry) and the SCIM
//! token; the secret is shown once in the answer.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::RoleRef;
use switchboard_service::Error as ServiceError;
use switchboard_service::tokens::{NewApiToken, SCOPE_API, SCOPE_CALLS_INGEST, SCOPE_SIP_PROXY};

use super::{EXPIRIES, FormErrors, Posted, TokenForm, created, not_allowed, view};
use crate::AppState;
use crate::pages::failure;
use crate::pages::shell::{Flash, FormData, Viewer, csrf_refused, nav_allows, redirect_with};

pub(crate) async fn create_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if !nav_allows(&v, "api-tokens") {
        return not_allowed();
    }
    let scopes = f.all("scopes");
    let form = TokenForm {
        name: f.text("name"),
        api: scopes.iter().any(|s| s == SCOPE_API),
        calls: scopes.iter().any(|s| s == SCOPE_CALLS_INGEST),
        sip: scopes.iter().any(|s| s == SCOPE_SIP_PROXY),
        role: f.text("role"),
        expiry: f.text("expires"),
    };
    let expires_at = match checked(&state, &form, &scopes) {
        Ok(at) => at,
        Err(errors) => return refused(&state, &v, errors, form).await,
    };
    let role_choice = form.role.clone();
    let scope_refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let outcome = state
        .sb
        .create_token(
            &v.ctx,
            NewApiToken {
                name: &form.name,
                kind: "api",
                role: Some(role_choice.as_str())
                    .filter(|r| !r.is_empty())
                    .map(RoleRef::parse),
                user: None,
                scopes: &scope_refs,
                expires_at,
            },
        )
        .await;
    match outcome {
        Ok((t, secret)) => {
            let posted = Posted {
                created: Some(created(&state, &t, secret)),
                ..Posted::default()
            };
            view(&state, &v, StatusCode::OK, posted).await
        }
        Err(ServiceError::Domain(d)) => refused(&state, &v, FormErrors::of(&d), form).await,
        Err(e) => failure(&e),
    }
}

/// The page again with the form as posted and what is wrong with it.
async fn refused(state: &AppState, v: &Viewer, errors: FormErrors, form: TokenForm) -> Response {
    let posted = Posted {
        form,
        errors,
        ..Posted::default()
    };
    view(state, v, StatusCode::UNPROCESSABLE_ENTITY, posted).await
}

/// The expiry the form asks for, or what is missing from it.
fn checked(
    state: &AppState,
    form: &TokenForm,
    scopes: &[String],
) -> Result<Option<jiff::Timestamp>, FormErrors> {
    let mut errors = FormErrors::default();
    if form.name.is_empty() {
        errors.name = Some("Give the token a name, such as the system that will use it.".into());
    }
    if scopes.is_empty() {
        errors.scopes = Some("Tick at least one thing the token may do.".into());
    } else if form.sip && scopes.len() > 1 {
        errors.scopes =
            Some("The SIP proxy's token may do nothing else: tick only that box.".into());
    }
    if form.api && form.role.is_empty() {
        errors.role = Some("Choose the role that bounds what the token may do.".into());
    }
    let expires_at = match EXPIRIES.iter().find(|(value, ..)| *value == form.expiry) {
        Some((_, _, 0)) => None,
        Some((_, _, days)) => state
            .sb
            .now()
            .saturating_add(jiff::SignedDuration::from_hours(24 * days))
            .ok(),
        None => {
            errors.expiry = Some("Choose when the token expires from the list.".into());
            None
        }
    };
    if errors.name.is_some()
        || errors.scopes.is_some()
        || errors.role.is_some()
        || errors.expiry.is_some()
    {
        errors.summary = Some("The token was not created; correct the fields marked below.".into());
        return Err(errors);
    }
    Ok(expires_at)
}

pub(crate) async fn scim_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if !nav_allows(&v, "api-tokens") {
        return not_allowed();
    }
    let name = f
        .opt("name")
        .unwrap_or_else(|| "SCIM provisioning".to_owned());
    match state
        .sb
        .create_api_token(&v.ctx, &name, "scim", None, None)
        .await
    {
        Ok((t, secret)) => {
            let posted = Posted {
                created: Some(created(&state, &t, secret)),
                ..Posted::default()
            };
            view(&state, &v, StatusCode::OK, posted).await
        }
        Err(ServiceError::Domain(d)) => {
            redirect_with(&state, "/api-tokens", &Flash::error(d.to_string()))
        }
        Err(e) => failure(&e),
    }
}
