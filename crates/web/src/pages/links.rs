//! The pages behind emailed links: setting a password from an invite, and confirming a
//! new email address.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchboard_service::Error as ServiceError;
use switchboard_service::secrets::MIN_PASSWORD_CHARS;

use super::{bad_form, cross_site, failure, message, render, same_origin, signed_in};
use crate::AppState;
use crate::auth::ClientAddr;

#[derive(Template)]
#[template(path = "invite_page.html")]
struct InvitePage<'a> {
    state: &'a str,
    user_name: &'a str,
    email: Option<&'a str>,
    account_name: &'a str,
    expires_at: String,
    error: Option<&'a str>,
    min_chars: usize,
}

pub(super) async fn invite_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    invite_view(&state, &token, StatusCode::OK, None).await
}

async fn invite_view(
    state: &AppState,
    token: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let v = match state.sb.invite_view(token).await {
        Ok(v) => v,
        Err(e) if e.domain().is_some() => {
            return message(
                StatusCode::NOT_FOUND,
                "This link is not valid",
                "Check that you opened the whole link from the email, or ask an administrator for a new invite.",
                None,
            );
        }
        Err(e) => return failure(&e),
    };
    let key = serde_json::to_value(v.state)
        .ok()
        .and_then(|s| s.as_str().map(str::to_owned))
        .unwrap_or_default();
    let status = if key == "open" {
        status
    } else {
        StatusCode::GONE
    };
    render(
        status,
        &InvitePage {
            state: &key,
            user_name: &v.user_name,
            email: v.email.as_deref(),
            account_name: &v.account_name,
            expires_at: v.expires_at.strftime("%Y-%m-%d %H:%M").to_string(),
            error,
            min_chars: MIN_PASSWORD_CHARS,
        },
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    password: String,
}

pub(super) async fn invite_post(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site();
    }
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e),
    };
    match state
        .sb
        .accept_invite_and_sign_in(&token, &f.password, &ip)
        .await
    {
        Ok(s) => signed_in(&state, &s),
        Err(ServiceError::Domain(d)) if !d.field_errors().is_empty() => {
            let why = d
                .field_errors()
                .iter()
                .map(|e| format!("Password {}.", e.message))
                .collect::<Vec<_>>()
                .join(" ");
            invite_view(&state, &token, StatusCode::UNPROCESSABLE_ENTITY, Some(&why)).await
        }
        Err(e) if e.domain().is_some() => invite_view(&state, &token, StatusCode::GONE, None).await,
        Err(e) => failure(&e),
    }
}

pub(super) async fn verify_email_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    match state.sb.verify_email(&token).await {
        Ok((account, user)) => {
            let email = state
                .sb
                .session_view(account, user)
                .await
                .ok()
                .and_then(|v| v.user.email.map(|e| e.to_string()))
                .unwrap_or_default();
            message(
                StatusCode::OK,
                "Email address confirmed",
                &format!("{email} is now your email address for Switchboard."),
                Some(("/", "Go to Switchboard")),
            )
        }
        Err(e) => match e.domain() {
            Some(d) => message(
                crate::error::status_of(d),
                "This link cannot be used",
                &format!("{d}. Your email address was not changed."),
                None,
            ),
            None => failure(&e),
        },
    }
}
