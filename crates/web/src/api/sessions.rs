//! `/api/v1/sessions` and `/api/v1/session`: signing in with an email and password (sets
//! the `sb_session` cookie and hands out the CSRF token), who is signed in, signing out.
//! Sign-in is throttled per (email, client address) and per client address (see
//! [`switchboard_domain::throttle`]).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchboard_domain::AccountId;
use switchboard_domain::throttle::Throttle;
use switchboard_service::sessions::{SessionStarted, SessionView, SignIn};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ClientAddr, SessionAuthed, clear_session_cookie, session_cookie};
use crate::error::{ApiError, ApiResult, ProblemAccount};
use crate::extract::ApiJson;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(get_session, sign_out))
}

/// Credentials to sign in with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInIn {
    /// The email address the user was invited with.
    pub email: String,
    /// The password.
    pub password: String,
    /// The account to sign in to, when the email belongs to users of several accounts
    /// (the answer `account_required` lists them).
    pub account: Option<String>,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUserOut {
    /// User id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Role name.
    pub role: String,
}

/// The account signed in to.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionAccountOut {
    /// Account id.
    pub id: String,
    /// Company name.
    pub name: String,
}

/// A session: who is signed in, and the token to send in `X-CSRF-Token` with every
/// cookie-authenticated POST, PUT, PATCH or DELETE.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// The user.
    pub user: SessionUserOut,
    /// The account.
    pub account: SessionAccountOut,
    /// The CSRF token of this session.
    pub csrf_token: String,
}

impl SessionOut {
    /// The view of a session.
    pub fn new(v: &SessionView, csrf_token: String) -> Self {
        Self {
            user: SessionUserOut {
                id: v.user.id.to_string(),
                name: v.user.name.to_string(),
                email: v.user.email.as_ref().map(|e| e.to_string()),
                role: v.role.clone(),
            },
            account: SessionAccountOut {
                id: v.account.id.to_string(),
                name: v.account.name.to_string(),
            },
            csrf_token,
        }
    }
}

/// The one answer for every refused sign-in, whatever the reason.
pub fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the email or password is not right, or this user cannot sign in to the panel",
    )
}

/// Signs in under the rate limits: `Ok(Started | ChooseAccount)`, or the 401/429 refusal.
pub async fn attempt_sign_in(
    state: &AppState,
    ip: &str,
    email: &str,
    password: &str,
    account: Option<&str>,
) -> ApiResult<SignIn> {
    if let Some(secs) = state.sb.throttle_wait(Throttle::SignIn, ip, email).await? {
        return Err(ApiError::too_many(
            "too many failed sign-in attempts; try again later",
            secs,
        ));
    }
    // An account id that does not parse names no account: the same refusal as any other
    // mismatch (and the same work), not a field error.
    let account = account
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.parse::<AccountId>().unwrap_or_else(|_| AccountId::new()));
    let outcome = state.sb.sign_in(email, password, account, ip).await?;
    match &outcome {
        SignIn::Refused => {
            state.sb.throttle_count(Throttle::SignIn, ip, email).await?;
            Err(invalid_credentials())
        }
        SignIn::Started(_) => {
            state.sb.throttle_clear(Throttle::SignIn, ip, email).await?;
            Ok(outcome)
        }
        SignIn::ChooseAccount(_) => Ok(outcome),
        SignIn::UseProvider { .. } => {
            state.sb.throttle_count(Throttle::SignIn, ip, email).await?;
            Ok(outcome)
        }
    }
}

/// The refusal of a password sign-in where the account signs in through its provider.
pub fn use_provider(display_name: &str, slug: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "sso_required",
        format!(
            "your company signs in through {display_name}: sign in at /sign-in/{slug} instead of with a password"
        ),
    )
}

/// The answer to a started session: the cookie and the session's view.
pub async fn started_response(state: &AppState, s: &SessionStarted) -> ApiResult<Response> {
    let view = state.sb.session_view(s.account_id, s.user_id).await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(state, s))],
        Json(SessionOut::new(&view, s.csrf_token.clone())),
    )
        .into_response())
}

/// Signs in with an email and password: sets the `sb_session` cookie (HttpOnly,
/// SameSite=Lax) and returns the CSRF token. Every refusal — unknown email, wrong password,
/// a deactivated, pending or call-only user — is the same 401 `invalid_credentials`.
/// Repeated failures answer 429 with `Retry-After`. When the email and password match
/// users of several accounts, 409 `account_required` lists them; send one as `account`.
#[utoipa::path(post, path = "/sessions", tag = "sessions", request_body = SignInIn,
    security(()),
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionOut,
            headers(("set-cookie" = String, description = "`sb_session`, HttpOnly, SameSite=Lax"))),
        (status = 401, description = "The email or password is not right, or the user cannot sign in",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`sso_required`: the account signs in through its identity provider",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Several accounts match: choose one (`accounts`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    ApiJson(input): ApiJson<SignInIn>,
) -> ApiResult<Response> {
    match attempt_sign_in(
        &state,
        &ip,
        &input.email,
        &input.password,
        input.account.as_deref(),
    )
    .await?
    {
        SignIn::Started(s) => started_response(&state, &s).await,
        SignIn::ChooseAccount(accounts) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "account_required",
            "this email and password sign in to several accounts; send the one you want as `account`",
        )
        .with_accounts(
            accounts
                .into_iter()
                .map(|a| ProblemAccount {
                    id: a.id.to_string(),
                    name: a.name,
                })
                .collect(),
        )),
        SignIn::Refused => Err(invalid_credentials()),
        SignIn::UseProvider { display_name, slug } => Err(use_provider(&display_name, &slug)),
    }
}

/// Who is signed in with the session cookie, and the session's CSRF token.
#[utoipa::path(get, path = "/session", tag = "sessions", security(("session_cookie" = [])),
    responses((status = 200, description = "The session", body = SessionOut)))]
async fn get_session(
    State(state): State<AppState>,
    session: SessionAuthed,
) -> ApiResult<Json<SessionOut>> {
    let view = state
        .sb
        .session_view(session.ctx.account_id, user_of(&session))
        .await?;
    Ok(Json(SessionOut::new(&view, session.csrf_token)))
}

/// The signed-in user of a session.
pub fn user_of(s: &SessionAuthed) -> switchboard_domain::UserId {
    match &s.ctx.actor {
        switchboard_service::Actor::User(u) => *u,
        _ => switchboard_domain::UserId::from_uuid(Default::default()),
    }
}

/// Signs out: ends the session and removes the cookie (needs `X-CSRF-Token`).
#[utoipa::path(delete, path = "/session", tag = "sessions", security(("session_cookie" = [])),
    responses((status = 204, description = "Signed out")))]
async fn sign_out(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: axum::http::HeaderMap,
    session: SessionAuthed,
) -> ApiResult<Response> {
    session.check_csrf(
        headers
            .get(crate::auth::CSRF_HEADER)
            .and_then(|v| v.to_str().ok()),
    )?;
    state.sb.sign_out(&session.secret, &ip).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie(&state))],
    )
        .into_response())
}
