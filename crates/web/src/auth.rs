//! Who is calling: a bearer API token (`Authorization: Bearer sbt_…`) or the dashboard
//! session cookie (`sb_session`). The extractor hands the handler a [`Ctx`] for the
//! caller's account; what it may do is read by the service for every request, so a revoked
//! token, a deactivated user or a demoted admin stops at the next request.
//!
//! CSRF: a cookie is sent by the browser on its own, so a cookie-authenticated request with
//! an unsafe method (anything but GET/HEAD/OPTIONS/TRACE) must also carry the session's
//! CSRF token in `X-CSRF-Token` (a page on another site cannot read it). The cookie is
//! `SameSite=Lax` as a second fence. Bearer tokens are never sent implicitly: no CSRF check.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use switchboard_service::sessions::{SESSION_ABSOLUTE, SessionAuth, SessionStarted};
use switchboard_service::{Actor, Ctx};

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sb_session";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated caller of the API.
#[derive(Clone, Debug)]
pub struct Authed(pub Ctx);

/// The caller's address, for the audit log.
pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The bearer secret of the `Authorization` header, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| !s.is_empty())
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A `Set-Cookie` value for the session cookie: HttpOnly (scripts cannot read it),
/// SameSite=Lax (not sent with cross-site form posts), Path=/, and Secure when served over
/// https.
pub fn set_session_cookie(value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    set_cookie(SESSION_COOKIE, value, max_age_secs, "/", secure)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax (a top-level navigation from another site,
/// such as an identity provider's redirect back, carries it; a cross-site form post does
/// not), limited to `path`, and Secure when served over https.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    path: &str,
    secure: bool,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{name}={value}; Max-Age={max_age_secs}; Path={path}; HttpOnly; SameSite=Lax{secure}"
    );
    HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static(""))
}

/// `Set-Cookie` for a new session, living no longer than its absolute lifetime.
pub fn session_cookie(state: &AppState, s: &SessionStarted) -> HeaderValue {
    set_session_cookie(&s.secret, SESSION_ABSOLUTE.as_secs(), state.secure_cookies)
}

/// `Set-Cookie` removing the session cookie.
pub fn clear_session_cookie(state: &AppState) -> HeaderValue {
    set_session_cookie("", 0, state.secure_cookies)
}

/// Whether `method` may change state (and so needs the CSRF token with a cookie).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// A caller signed in with the session cookie (bearer tokens do not count).
#[derive(Clone, Debug)]
pub struct SessionAuthed {
    /// Acting as the signed-in user.
    pub ctx: Ctx,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// The session secret (to sign out).
    pub secret: String,
}

impl SessionAuthed {
    /// Refuses with 403 `csrf_failed` unless `presented` is this session's CSRF token.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), ApiError> {
        match presented {
            Some(p) if same_secret(p.trim(), &self.csrf_token) => Ok(()),
            _ => Err(csrf_failed()),
        }
    }
}

fn csrf_failed() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "send the session's CSRF token (from POST /api/v1/sessions or GET /api/v1/session) \
         in the X-CSRF-Token header",
    )
}

fn session_ended() -> ApiError {
    ApiError::unauthorized("your session has ended; sign in again")
}

/// Resolves the session cookie, if any: `Ok(None)` without a cookie.
pub async fn session_of(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<SessionAuthed>, ApiError> {
    let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    match state.sb.authenticate_session(secret).await? {
        Some(SessionAuth {
            account_id,
            user_id,
            csrf_token,
        }) => Ok(Some(SessionAuthed {
            ctx: Ctx::user(account_id, user_id, client_addr(parts)),
            csrf_token,
            secret: secret.to_owned(),
        })),
        None => Err(session_ended()),
    }
}

impl FromRequestParts<AppState> for SessionAuthed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        session_of(parts, state)
            .await?
            .ok_or_else(|| ApiError::unauthorized("you are not signed in"))
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let source = client_addr(parts);
        let Some(secret) = bearer(parts) else {
            let Some(session) = session_of(parts, state).await? else {
                return Err(ApiError::unauthorized(
                    "sign in, or send an API token as `Authorization: Bearer <token>`",
                ));
            };
            if is_unsafe(&parts.method) {
                let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                session.check_csrf(presented)?;
            }
            return Ok(Authed(session.ctx));
        };
        match state.sb.authenticate_token(secret, source).await? {
            Some(ctx) if matches!(ctx.actor, Actor::ApiToken(_)) => Ok(Authed(ctx)),
            Some(_) => Err(ApiError::unauthorized(
                "this is a SCIM token; use it at /scim/v2, or create an API token",
            )),
            None => Err(ApiError::unauthorized(
                "the API token is unknown or has been revoked",
            )),
        }
    }
}

/// The caller's address as an extractor (never fails).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_http_only_same_site_and_secure_over_https() {
        let c = set_session_cookie("sbs_x", 60, true);
        let c = c.to_str().unwrap();
        assert_eq!(
            c,
            "sb_session=sbs_x; Max-Age=60; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        let plain = set_session_cookie("sbs_x", 60, false);
        assert!(!plain.to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn cookies_are_found_among_several_and_secrets_compare_exactly() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sb_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "sb_session"), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
