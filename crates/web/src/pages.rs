//! The server-rendered pages: sign-in and sign-out, the home page, and the pages behind
//! emailed links (invite, email verification) and the first-run setup link. Templates are
//! askama with auto-escaping; the stylesheet is a vendored file served by the binary.
//!
//! CSRF on forms: the link pages are unauthenticated and their capability is the token in
//! the URL, which another site does not know; sign-in has no capability, so like every
//! form post it is refused when the browser's `Origin` names another site. Sign-out is
//! cookie-authenticated and carries the session's CSRF token as a hidden field.

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use switchboard_domain::{Email, ExtensionRange, Name, Plan, TimeZoneName};
use switchboard_service::Error as ServiceError;
use switchboard_service::accounts::NewAccount;
use switchboard_service::secrets::MIN_PASSWORD_CHARS;
use switchboard_service::sessions::{SessionStarted, SignIn};

use crate::AppState;
use crate::api::sessions::attempt_sign_in;
use crate::auth::{
    ClientAddr, SESSION_COOKIE, clear_session_cookie, cookie, same_secret, session_cookie,
};

pub mod setup;

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in_form).post(sign_in_post))
        .route("/sign-out", axum::routing::post(sign_out_post))
        .route("/invite/{token}", get(invite_page).post(invite_post))
        .route("/verify-email/{token}", get(verify_email_page))
        .route(
            "/setup/{token}",
            get(setup::setup_page).post(setup::setup_post),
        )
        .route("/static/style.css", get(stylesheet))
}

#[derive(Template)]
#[template(path = "message_page.html")]
struct MessagePage<'a> {
    heading: &'a str,
    message: &'a str,
    good: bool,
    link: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "home_page.html")]
struct HomePage<'a> {
    account: &'a str,
    name: &'a str,
    email: Option<&'a str>,
    role: &'a str,
    csrf_token: &'a str,
}

#[derive(Template)]
#[template(path = "sign_in_page.html")]
struct SignInPage<'a> {
    error: Option<&'a str>,
    email: &'a str,
    accounts: Vec<(String, String)>,
}

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

/// Renders a template with a status; a template failure is logged and answered 500.
pub(crate) fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            let h = res.headers_mut();
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            // Link tokens are in the URL: never leak them to another site.
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'self'; img-src 'self'; \
                     form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                ),
            );
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "something went wrong").into_response()
        }
    }
}

/// A page with a heading and one message.
pub(crate) fn message(
    status: StatusCode,
    heading: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> Response {
    render(
        status,
        &MessagePage {
            heading,
            message,
            good: status.is_success(),
            link,
        },
    )
}

/// The page for a service failure: a refusal is shown, anything else is logged.
pub(crate) fn failure(e: &ServiceError) -> Response {
    match e.domain() {
        Some(d) => message(
            crate::error::status_of(d),
            "That did not work",
            &d.to_string(),
            Some(("/", "Home")),
        ),
        None => {
            tracing::error!(error = %e, "page failed");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Something went wrong on our side; it has been logged. Try again shortly.",
                None,
            )
        }
    }
}

/// Whether a form post comes from this site: true without an `Origin` header (older
/// browsers, scripts); otherwise it must be the public URL's origin or this host's.
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let public = state.sb.settings().public_url.trim_end_matches('/');
    let public_origin = public
        .split_once("://")
        .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or("")))
        .unwrap_or_default();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin == public_origin
        || (!host.is_empty()
            && (origin == format!("http://{host}") || origin == format!("https://{host}")))
}

pub(crate) fn cross_site() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Refused",
        "This form was sent from another site. Open the page on Switchboard itself and try again.",
        Some(("/", "Home")),
    )
}

pub(crate) fn bad_form(e: &FormRejection) -> Response {
    message(
        StatusCode::BAD_REQUEST,
        "The form could not be read",
        &e.body_text(),
        None,
    )
}

/// Sets the session cookie and sends the browser home.
pub(crate) fn signed_in(state: &AppState, s: &SessionStarted) -> Response {
    (
        [(header::SET_COOKIE, session_cookie(state, s))],
        Redirect::to("/"),
    )
        .into_response()
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/style.css"),
    )
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(secret) = cookie(&headers, SESSION_COOKIE) else {
        return Redirect::to("/sign-in").into_response();
    };
    let auth = match state.sb.authenticate_session(secret).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return (
                [(header::SET_COOKIE, clear_session_cookie(&state))],
                Redirect::to("/sign-in"),
            )
                .into_response();
        }
        Err(e) => return failure(&e),
    };
    match state.sb.session_view(auth.account_id, auth.user_id).await {
        Ok(v) => render(
            StatusCode::OK,
            &HomePage {
                account: v.account.name.as_str(),
                name: v.user.name.as_str(),
                email: v.user.email.as_ref().map(|e| e.as_str()),
                role: &v.role,
                csrf_token: &auth.csrf_token,
            },
        ),
        Err(e) => failure(&e),
    }
}

async fn sign_in_form() -> Response {
    render(
        StatusCode::OK,
        &SignInPage {
            error: None,
            email: "",
            accounts: Vec::new(),
        },
    )
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    account: Option<String>,
}

async fn sign_in_post(
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
        Err(e) => page(e.status(), e.detail(), Vec::new()),
    }
}

#[derive(Debug, Deserialize)]
struct SignOutForm {
    #[serde(default)]
    csrf_token: String,
}

async fn sign_out_post(
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
    if let Err(e) = state.sb.sign_out(secret, &ip).await {
        return failure(&e);
    }
    (
        [(header::SET_COOKIE, clear_session_cookie(&state))],
        Redirect::to("/sign-in"),
    )
        .into_response()
}

async fn invite_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
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
struct PasswordForm {
    #[serde(default)]
    password: String,
}

async fn invite_post(
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

async fn verify_email_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
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

/// Parses the setup form into an account; field problems become sentences.
pub(crate) fn parse_new_account(
    company: &str,
    plan: &str,
    seats: &str,
    name: &str,
    email: &str,
) -> Result<NewAccount, Vec<String>> {
    let mut errors = Vec::new();
    let mut note = |what: &str, e: switchboard_domain::FieldError| {
        errors.push(format!("{what}: {}", e.message));
    };
    let company = Name::parse("company", company)
        .map_err(|e| note("Company name", e))
        .ok();
    let plan = Plan::parse("plan", plan).map_err(|e| note("Plan", e)).ok();
    let owner_name = Name::parse("name", name)
        .map_err(|e| note("Your name", e))
        .ok();
    let owner_email = Email::parse("email", email)
        .map_err(|e| note("Your email", e))
        .ok();
    let seats = match seats.trim() {
        "" => Some(0),
        s => s.parse::<u32>().ok(),
    };
    if seats.is_none() {
        errors.push("Seats: give a whole number".to_owned());
    }
    let time_zone = TimeZoneName::parse("time_zone", "UTC").ok();
    match (company, plan, owner_name, owner_email, seats, time_zone) {
        (Some(name), Some(plan), Some(owner_name), Some(owner_email), Some(seats), Some(tz))
            if errors.is_empty() =>
        {
            Ok(NewAccount {
                name,
                plan,
                seat_limit: seats,
                extension_range: ExtensionRange::default(),
                time_zone: tz,
                owner_name,
                owner_email,
            })
        }
        _ => Err(errors),
    }
}
