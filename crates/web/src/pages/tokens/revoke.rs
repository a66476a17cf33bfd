//! Revoking a token after a confirmation page.

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use switchboard_domain::{ApiTokenId, DomainError};

use super::{Row, not_allowed};
use crate::AppState;
use crate::pages::shell::{
    Flash, FormData, Shell, Viewer, csrf_refused, nav_allows, redirect_with,
};
use crate::pages::{failure, message};

/// The token id of an `/api-tokens/{id}/…` path; anything else answers the not-found page.
pub(crate) struct TokenPath(ApiTokenId);

impl FromRequestParts<AppState> for TokenPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse::<ApiTokenId>().map(Self).map_err(|_| not_found())
    }
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such token in this account, or your role cannot manage it.",
        Some(("/api-tokens", "Back to API tokens")),
    )
}

#[derive(Template)]
#[template(path = "api_token_revoke_page.html")]
struct RevokePage {
    shell: Shell,
    token: Row,
}

pub(crate) async fn revoke_form(
    State(state): State<AppState>,
    v: Viewer,
    TokenPath(id): TokenPath,
) -> Response {
    if !nav_allows(&v, "api-tokens") {
        return not_allowed();
    }
    let tokens = match state.sb.list_api_tokens(&v.ctx).await {
        Ok(t) => t,
        Err(e) => return failure(&e),
    };
    let Some(t) = tokens.iter().find(|t| t.id == id) else {
        return not_found();
    };
    let roles = match state.sb.list_roles(&v.ctx).await {
        Ok(r) => r
            .into_iter()
            .map(|r| (r.id.to_string(), r.name.to_string()))
            .collect(),
        Err(e) => return failure(&e),
    };
    v.page(
        StatusCode::OK,
        &RevokePage {
            shell: v.shell("api-tokens"),
            token: Row::new(&v, state.sb.now(), &roles, t),
        },
    )
}

pub(crate) async fn revoke_post(
    State(state): State<AppState>,
    v: Viewer,
    TokenPath(id): TokenPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let name = state
        .sb
        .list_api_tokens(&v.ctx)
        .await
        .ok()
        .and_then(|ts| ts.into_iter().find(|t| t.id == id).map(|t| t.name))
        .unwrap_or_else(|| "The token".to_owned());
    match state.sb.revoke_api_token(&v.ctx, id).await {
        Ok(()) => redirect_with(
            &state,
            "/api-tokens",
            &Flash::ok(format!(
                "{name} was revoked: anything still using it is refused from now on."
            )),
        ),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) => not_found(),
            Some(d) => redirect_with(&state, "/api-tokens", &Flash::error(d.to_string())),
            None => failure(&e),
        },
    }
}
