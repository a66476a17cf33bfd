//! The front door (signed in: the dashboard; otherwise sign-in), and signing in and out
//! with forms.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_service::sessions::SignIn;

use super::shell::{Viewer, nav_allows};
use super::{bad_form, cross_site, failure, leave_for, render, same_origin, signed_in};
use crate::AppState;
use crate::api::sessions::attempt_sign_in;
use crate::auth::{ClientAddr, SESSION_COOKIE, clear_session_cookie, cookie, same_secret};

#[derive(Template)]
#[template(path = "sign_in_page.html")]
pub(super) struct SignInPage<'a> {
    pub error: Option<&'a str>,
    pub email: &'a str,
    pub accounts: Vec<(String, String)>,
    /// Providers to offer (slug, name).
    pub providers: Vec<(String, String)>,
}

/// The dashboard's front door: the first section the viewer may open, or their own
/// profile when their role opens none.
pub(super) async fn home(viewer: Viewer) -> Response {
    if nav_allows(&viewer, "users") {
        return Redirect::to("/users").into_response();
    }
    Redirect::to(&format!("/users/{}/edit", viewer.user.id)).into_response()
}

pub(super) async fn sign_in_form() -> Response {
    render(
        StatusCode::OK,
        &SignInPage {
            error: None,
            email: "",
            accounts: Vec::new(),
            providers: Vec::new(),
        },
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    account: Option<String>,
}

pub(super) async fn sign_in_post(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site();
    }
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e),
    };
    let page = |status, error: &str, accounts| {
        render(
            status,
            &SignInPage {
                error: Some(error),
                email: &f.email,
                accounts,
                providers: Vec::new(),
            },
        )
    };
    match attempt_sign_in(&state, &ip, &f.email, &f.password, f.account.as_deref()).await {
        Ok(SignIn::Started(s)) => signed_in(&state, &s),
        Ok(SignIn::ChooseAccount(choices)) => page(
            StatusCode::OK,
            "Choose the account to sign in to, then sign in again.",
            choices
                .into_iter()
                .map(|c| (c.id.to_string(), c.name))
                .collect(),
        ),
        Ok(SignIn::Refused) => page(
            StatusCode::UNAUTHORIZED,
            "The email or password is not right.",
            Vec::new(),
        ),
        Ok(SignIn::UseProvider { display_name, slug }) => render(
            StatusCode::FORBIDDEN,
            &SignInPage {
                error: Some(&format!(
                    "Your company signs in through {display_name}: use the button below."
                )),
                email: &f.email,
                accounts: Vec::new(),
                providers: vec![(slug, display_name)],
            },
        ),
        Err(e) => page(e.status(), e.detail(), Vec::new()),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct SignOutForm {
    #[serde(default)]
    csrf_token: String,
}

pub(super) async fn sign_out_post(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    form: Result<Form<SignOutForm>, FormRejection>,
) -> Response {
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e),
    };
    let Some(secret) = cookie(&headers, SESSION_COOKIE) else {
        return Redirect::to("/sign-in").into_response();
    };
    match state.sb.authenticate_session(secret).await {
        Ok(Some(a)) if same_secret(&a.csrf_token, f.csrf_token.trim()) => {}
        Ok(Some(_)) => return cross_site(),
        Ok(None) => {}
        Err(e) => return failure(&e),
    }
    let mut answer = match state.sb.sign_out(secret, &ip).await {
        Ok(Some(provider)) => leave_for(
            "Signed out",
            "You are signed out of Switchboard; signing you out of your company's sign-in too…",
            &provider,
        ),
        Ok(None) => Redirect::to("/sign-in").into_response(),
        Err(e) => return failure(&e),
    };
    answer
        .headers_mut()
        .append(header::SET_COOKIE, clear_session_cookie(&state));
    answer
}
