//! "Forgot your password?": the form that asks for a reset link by email (one neutral
//! answer whoever asks, throttled per address and per email), and the page behind the
//! emailed link, which sets the new password and signs the person in.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchboard_domain::Email;
use switchboard_domain::throttle::Throttle;
use switchboard_service::Error as ServiceError;
use switchboard_service::secrets::MIN_PASSWORD_CHARS;

use super::shell::{Flash, add_flash};
use super::{bad_form, cross_site, failure, message, render, same_origin, signed_in};
use crate::AppState;
use crate::auth::ClientAddr;

#[derive(Template)]
#[template(path = "forgot_password_page.html")]
struct ForgotPage<'a> {
    email: &'a str,
    error: Option<&'a str>,
    sent: bool,
}

pub(super) async fn forgot_form() -> Response {
    render(
        StatusCode::OK,
        &ForgotPage {
            email: "",
            error: None,
            sent: false,
        },
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn forgot_post(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    form: Result<Form<ForgotForm>, FormRejection>,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site();
    }
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e),
    };
    let email = f.email.trim();
    let refuse = |status, error: &str| {
        render(
            status,
            &ForgotPage {
                email,
                error: Some(error),
                sent: false,
            },
        )
    };
    if email.is_empty() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Enter the email address you sign in with.",
        );
    }
    if Email::parse("email", email).is_err() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "That is not an email address; check it and try again.",
        );
    }
    let waits = state
        .sb
        .throttle_wait(Throttle::PasswordReset, &ip, email)
        .await;
    let waits = match waits {
        Ok(w) => w,
        Err(e) => return failure(&e),
    };
    if let Some(secs) = waits {
        let minutes = secs.div_ceil(60);
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Too many reset links were asked for from here or for this address. Try again \
                 in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
        );
    }
    // Every request counts, sent or not: the answer must not say which it was.
    if let Err(e) = state
        .sb
        .throttle_count(Throttle::PasswordReset, &ip, email)
        .await
    {
        return failure(&e);
    }
    if let Err(e) = state.sb.request_password_reset(email, &ip).await {
        return failure(&e);
    }
    render(
        StatusCode::OK,
        &ForgotPage {
            email,
            error: None,
            sent: true,
        },
    )
}

#[derive(Template)]
#[template(path = "reset_password_page.html")]
struct ResetPage<'a> {
    state: &'a str,
    user_name: &'a str,
    email: Option<&'a str>,
    account_name: &'a str,
    expires_at: String,
    error: Option<&'a str>,
    min_chars: usize,
}

pub(super) async fn reset_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Response {
    reset_view(&state, &token, StatusCode::OK, None).await
}

async fn reset_view(
    state: &AppState,
    token: &str,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let v = match state.sb.password_reset_view(token).await {
        Ok(v) => v,
        Err(e) if e.domain().is_some() => {
            return message(
                StatusCode::NOT_FOUND,
                "This link is not valid",
                "Check that you opened the whole link from the email, or ask for a new one.",
                Some(("/forgot-password", "Ask for a new link")),
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
        &ResetPage {
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
pub(super) struct NewPasswordForm {
    #[serde(default)]
    password: String,
}

pub(super) async fn reset_post(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<Form<NewPasswordForm>, FormRejection>,
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
        .reset_password_and_sign_in(&token, &f.password, &ip)
        .await
    {
        Ok(s) => add_flash(
            &state,
            signed_in(&state, &s),
            &Flash::ok(
                "Your new password is set. Any other place you were signed in was signed out.",
            ),
        ),
        Err(ServiceError::Domain(d)) if !d.field_errors().is_empty() => {
            let why = d
                .field_errors()
                .iter()
                .map(|e| format!("Password {}.", e.message))
                .collect::<Vec<_>>()
                .join(" ");
            reset_view(&state, &token, StatusCode::UNPROCESSABLE_ENTITY, Some(&why)).await
        }
        Err(e) if e.domain().is_some() => reset_view(&state, &token, StatusCode::GONE, None).await,
        Err(e) => failure(&e),
    }
}
