//! The server-rendered pages: sign-in and sign-out, the dashboard (users, sent mail, audit
//! log, API tokens), and the pages behind emailed links (invite, email verification,
//! password reset) and the first-run setup link. Templates are askama with auto-escaping; the stylesheet and htmx are vendored
//! files served by the binary. Every page works without JavaScript; htmx only enhances.
//!
//! CSRF on forms: the link pages are unauthenticated and their capability is the token in
//! the URL, which another site does not know; sign-in has no capability. Both kinds of
//! form post are refused when the browser's `Origin` names another site. Sign-out is
//! cookie-authenticated, and so is every dashboard form: each carries the session's CSRF
//! token as a hidden field, checked before anything else.

use askama::Template;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use switchboard_service::Error as ServiceError;
use switchboard_service::sessions::SessionStarted;

use crate::AppState;
use crate::auth::session_cookie;

mod audit;
mod departments;
mod home;
mod hours;
mod links;
mod mail;
mod password;
mod plan;
mod resources;
mod roles;
mod setup;
mod shell;
mod sso;
mod sso_settings;
mod test_call;
mod tokens;
mod users;

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/sign-in", get(home::sign_in_form).post(home::sign_in_post))
        .route("/sign-out", axum::routing::post(home::sign_out_post))
        .route("/sign-in/sso", axum::routing::post(sso::sign_in_by_email))
        .route(
            "/sign-in/{slug}",
            get(sso::sign_in_link).post(sso::sign_in_link_confirmed),
        )
        .route("/sso/callback/{slug}", get(sso::callback))
        .route(
            "/settings/sso",
            get(sso_settings::page).post(sso_settings::save),
        )
        .route(
            "/settings/sso/test",
            axum::routing::post(sso_settings::test),
        )
        .route(
            "/settings/sso/remove",
            axum::routing::post(sso_settings::remove),
        )
        .route(
            "/invite/{token}",
            get(links::invite_page).post(links::invite_post),
        )
        .route("/verify-email/{token}", get(links::verify_email_page))
        .route(
            "/forgot-password",
            get(password::forgot_form).post(password::forgot_post),
        )
        .route(
            "/reset-password/{token}",
            get(password::reset_page).post(password::reset_post),
        )
        .route(
            "/setup/{token}",
            get(setup::setup_page).post(setup::setup_post),
        )
        .route("/mail", get(mail::mail_page))
        .route("/plan", get(plan::plan_page))
        .route("/plan/country", axum::routing::post(plan::country_post))
        .route(
            "/plan/sip-domain",
            axum::routing::post(plan::sip_domain_post),
        )
        .route("/test-call", get(test_call::test_call_page))
        .merge(departments::router())
        .merge(resources::router())
        .merge(roles::router())
        .route("/audit", get(audit::audit_page))
        .route(
            "/api-tokens",
            get(tokens::tokens_page).post(tokens::create_post),
        )
        .route("/api-tokens/scim", axum::routing::post(tokens::scim_post))
        .route(
            "/api-tokens/{id}/revoke",
            get(tokens::revoke_form).post(tokens::revoke_post),
        )
        .merge(users::router())
        .route("/static/style.css", get(stylesheet))
        .route("/static/htmx.min.js", get(htmx))
        .route("/favicon.ico", get(no_icon))
}

/// Browsers ask for an icon on every first visit; there is none, and that is not an error.
async fn no_icon() -> impl IntoResponse {
    (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "public, max-age=86400")],
    )
}

#[derive(Template)]
#[template(path = "message_page.html")]
struct MessagePage<'a> {
    heading: &'a str,
    message: &'a str,
    good: bool,
    link: Option<(&'a str, &'a str)>,
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
            // Link tokens are in the URL: never leak them to another site. `same-origin`
            // rather than `no-referrer`, which would make browsers send `Origin: null` on
            // this site's own form posts and fail their same-origin check.
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; \
                     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                     base-uri 'none'",
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
#[derive(Template)]
#[template(path = "leave_page.html")]
struct LeavePage<'a> {
    heading: &'a str,
    message: &'a str,
    url: &'a str,
}

/// A page that sends the browser on to another site (the identity provider). A redirect
/// would do, but not after a form post: the pages' `form-action 'self'` policy covers the
/// redirects that follow a form, and a page that moves on by itself is not a form.
pub(crate) fn leave_for(heading: &str, message: &str, url: &str) -> Response {
    render(
        StatusCode::OK,
        &LeavePage {
            heading,
            message,
            url,
        },
    )
}

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
    match e.as_domain() {
        Some(d) => message(
            crate::error::status_of(&d),
            "That did not work",
            &d.to_string(),
            Some(("/", "Home")),
        ),
        None if e.code() == "database_unavailable" || e.code() == "busy" => {
            tracing::warn!(error = %e, "page failed: database unreachable or busy");
            let mut res = message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again in a moment",
                "Switchboard cannot reach its database right now. Nothing was changed; try \
                 again in a few seconds.",
                None,
            );
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(crate::error::RETRY_UNAVAILABLE_SECS),
            );
            res
        }
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

/// htmx 2 (vendored from its npm package, unmodified), for the dashboard's enhancements.
async fn htmx() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../static/htmx.min.js"),
    )
}
