//! Signing in through an account's identity provider: the account's own sign-in link
//! (`/sign-in/<slug>`), the sign-in page's "continue with single sign-on" (by the email's
//! domain), and the callback the provider sends the browser back to.

use askama::Template;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_domain::throttle::Throttle;
use switchboard_service::sso::{SsoCallback, SsoFinish, SsoFound, SsoRedirect};

use super::home::SignInPage;
use super::{bad_form, cross_site, failure, leave_for, message, render, same_origin, signed_in};
use crate::AppState;
use crate::auth::{ClientAddr, cookie, set_cookie};

/// The cookie binding a sign-in to the browser that started it.
const STATE_COOKIE: &str = "sb_sso_state";

fn state_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    set_cookie(STATE_COOKIE, value, max_age, "/sso", state.secure_cookies)
}

/// To the provider: a redirect after a link, a page that moves on after a form post.
fn to_provider(state: &AppState, r: &SsoRedirect, after_form: bool) -> Response {
    let mut answer = if after_form {
        leave_for(
            "Signing in",
            "Taking you to your company's sign-in page…",
            &r.url,
        )
    } else {
        Redirect::to(&r.url).into_response()
    };
    answer
        .headers_mut()
        .append(header::SET_COOKIE, state_cookie(state, &r.state, 600));
    answer
}

fn sign_in_page(
    status: StatusCode,
    error: &str,
    email: &str,
    providers: Vec<(String, String)>,
) -> Response {
    render(
        status,
        &SignInPage {
            error: Some(error),
            email,
            accounts: Vec::new(),
            providers,
        },
    )
}

fn found(state: &AppState, f: SsoFound, email: &str, after_form: bool) -> Response {
    match f {
        SsoFound::Redirect(r) => to_provider(state, &r, after_form),
        SsoFound::None => sign_in_page(
            StatusCode::OK,
            "Single sign-on is not set up for this email's domain. Sign in with your password, or use the sign-in link your company gave you.",
            email,
            Vec::new(),
        ),
        SsoFound::Unreachable(why) => {
            sign_in_page(StatusCode::BAD_GATEWAY, &why, email, Vec::new())
        }
    }
}

/// Counts a start from `ip`; the page to answer when it has made too many.
async fn throttled(state: &AppState, ip: &str) -> Option<Response> {
    let sb = &state.sb;
    match sb.throttle_wait(Throttle::SsoStart, ip, "").await {
        Ok(Some(secs)) => {
            return Some(message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many sign-ins",
                &format!(
                    "Too many single sign-ons were started from your address. Try again in {} minutes.",
                    secs.div_ceil(60)
                ),
                Some(("/sign-in", "Sign in")),
            ));
        }
        Ok(None) => {}
        Err(e) => return Some(failure(&e)),
    }
    sb.throttle_count(Throttle::SsoStart, ip, "")
        .await
        .err()
        .map(|e| failure(&e))
}

/// `/sign-in/<slug>`: straight to the account's provider when the person opened the link
/// themselves (typed, bookmarked, from a mail program or from this site). Followed from
/// another site, it asks first: otherwise any site could send its visitors through a
/// provider of its choosing and back signed in to an account of its choosing (login CSRF).
/// Browsers say where a navigation came from in `Sec-Fetch-Site`; without it, it asks.
pub(super) async fn sign_in_link(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let opened_here = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "none" || site == "same-origin");
    if opened_here {
        return start_by_link(&state, &ip, &slug, false).await;
    }
    match state.sb.sso_link_name(&slug).await {
        Ok(Some(provider)) => render(
            StatusCode::OK,
            &ConfirmPage {
                slug: &slug,
                provider: &provider,
            },
        ),
        Ok(None) => no_such_link(),
        Err(e) => failure(&e),
    }
}

/// The page's "Continue with <provider>" on a sign-in link followed from another site.
pub(super) async fn sign_in_link_confirmed(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site();
    }
    start_by_link(&state, &ip, &slug, true).await
}

/// Asks before a sign-in link followed from another site goes on to the provider.
#[derive(Template)]
#[template(path = "sso_confirm_page.html")]
struct ConfirmPage<'a> {
    slug: &'a str,
    provider: &'a str,
}

async fn start_by_link(state: &AppState, ip: &str, slug: &str, after_form: bool) -> Response {
    if let Some(page) = throttled(state, ip).await {
        return page;
    }
    match state.sb.sso_begin(slug).await {
        Ok(f) => found(state, f, "", after_form),
        Err(e) if e.domain().is_some() => no_such_link(),
        Err(e) => failure(&e),
    }
}

fn no_such_link() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such sign-in link",
        "This sign-in link does not exist. Ask your administrator for your company's link.",
        Some(("/sign-in", "Sign in")),
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct EmailForm {
    #[serde(default)]
    email: String,
}

/// The sign-in page's "continue with single sign-on": the provider claiming the email's
/// domain. The answer depends on the domain only, never on whether the address is a user's.
pub(super) async fn sign_in_by_email(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    form: Result<Form<EmailForm>, FormRejection>,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site();
    }
    if let Some(page) = throttled(&state, &ip).await {
        return page;
    }
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e),
    };
    match state.sb.sso_begin_for_email(&f.email).await {
        Ok(found_it) => found(&state, found_it, &f.email, true),
        Err(e) => failure(&e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `/sso/callback/<slug>`: the provider sends the browser back here with a code (each
/// connection has its own, so an answer cannot be passed off as another provider's).
pub(super) async fn callback(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(slug): Path<String>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let cb = SsoCallback {
        code: q.code,
        state: q.state,
        iss: q.iss,
        error: q.error,
        error_description: q.error_description,
    };
    let browser = cookie(&headers, STATE_COOKIE).map(str::to_owned);
    let clear = state_cookie(&state, "", 0);
    let answer = match state
        .sb
        .sso_finish(&slug, &cb, browser.as_deref(), &ip)
        .await
    {
        Ok(SsoFinish::SignedIn(s)) => signed_in(&state, &s),
        Ok(SsoFinish::Refused {
            message: text,
            retry,
        }) => message(
            StatusCode::FORBIDDEN,
            "Single sign-on refused",
            &text,
            Some(match &retry {
                Some(link) => (link.as_str(), "Try again"),
                None => ("/sign-in", "Sign in"),
            }),
        ),
        Err(e) => failure(&e),
    };
    let mut answer = answer;
    answer.headers_mut().append(header::SET_COOKIE, clear);
    answer
}
