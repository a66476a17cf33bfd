//! `/api/v1/account/sso`: the account's single sign-on connection (OpenID Connect).
//! Administrators only. The client secret is write-only: it is never returned.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_domain::sso::SsoConnectionInput;
use switchboard_service::sso::{SsoCheck, SsoConnectionView, SsoTestReport};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_sso, put_sso, delete_sso))
        .routes(routes!(test_sso))
}

/// A single sign-on connection. There is no `client_secret`: it is never shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoOut {
    /// The account's sign-in link is `/sign-in/<slug>`.
    #[schema(example = "acme")]
    pub slug: String,
    /// The provider's name, as in "Sign in with Okta".
    #[schema(example = "Okta")]
    pub display_name: String,
    /// The issuer URL; discovery is at `<issuer>/.well-known/openid-configuration`.
    #[schema(example = "https://acme.okta.com")]
    pub issuer: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// The ID token claim that identifies a person: `email`, `preferred_username`, `upn`,
    /// `sub` or `oid`.
    pub claim: String,
    /// The user field it is matched to: `email`, `idp_login` or `external_id`.
    pub match_field: String,
    /// Email domains the sign-in page sends to this provider.
    pub email_domains: Vec<String>,
    /// Whether people other than the owner may still sign in with a password.
    pub password_sign_in: bool,
    /// Whether an unknown, verified identity becomes a Basic user (just-in-time).
    pub jit: bool,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
    /// The account's own sign-in link.
    pub sign_in_url: String,
    /// When it was first saved.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
}

impl From<SsoConnectionView> for SsoOut {
    fn from(v: SsoConnectionView) -> Self {
        let c = v.connection;
        Self {
            slug: c.slug,
            display_name: c.display_name,
            issuer: c.issuer,
            client_id: c.client_id,
            scopes: c.scopes,
            claim: c.claim.key().to_owned(),
            match_field: c.match_field.key().to_owned(),
            email_domains: c.email_domains,
            password_sign_in: c.password_sign_in,
            jit: c.jit,
            redirect_uri: v.redirect_uri,
            sign_in_url: v.sign_in_url,
            created_at: v.created_at.to_string(),
            updated_at: v.updated_at.to_string(),
        }
    }
}

/// A connection to create or replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoIn {
    /// The sign-in link's last part: 2-40 lower-case letters, digits or dashes, unique
    /// across accounts.
    pub slug: String,
    /// The provider's name.
    pub display_name: String,
    /// The issuer URL (https; plain http only on the loopback interface).
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// The client secret: required the first time; leave out to keep the saved one.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Scopes, separated by spaces; default `openid email profile`.
    #[serde(default)]
    pub scopes: Option<String>,
    /// The claim that identifies a person.
    #[schema(example = "email")]
    pub claim: String,
    /// The user field it is matched to.
    #[schema(example = "email")]
    pub match_field: String,
    /// Email domains the sign-in page sends to this provider.
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// Whether people other than the owner may still sign in with a password (default true).
    #[serde(default = "yes")]
    pub password_sign_in: bool,
    /// Just-in-time users (default false).
    #[serde(default)]
    pub jit: bool,
}

fn yes() -> bool {
    true
}

/// One step of a connection test.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoCheckOut {
    /// What was checked.
    pub step: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found, or what is wrong and how to fix it.
    pub detail: String,
}

/// The result of a connection test.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoTestOut {
    /// Whether every step passed.
    pub ok: bool,
    /// The steps in order.
    pub checks: Vec<SsoCheckOut>,
}

impl From<SsoTestReport> for SsoTestOut {
    fn from(r: SsoTestReport) -> Self {
        Self {
            ok: r.ok,
            checks: r
                .checks
                .into_iter()
                .map(|SsoCheck { step, ok, detail }| SsoCheckOut { step, ok, detail })
                .collect(),
        }
    }
}

/// The account's single sign-on connection (404 when none is set up).
#[utoipa::path(get, path = "/account/sso", tag = "account",
    responses((status = 200, description = "The connection", body = SsoOut),
        (status = 404, description = "No connection", body = crate::error::Problem,
            content_type = "application/problem+json")))]
async fn get_sso(State(state): State<AppState>, Authed(ctx): Authed) -> ApiResult<Json<SsoOut>> {
    match state.sb.sso_connection(&ctx).await? {
        Some(v) => Ok(Json(v.into())),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "single sign-on is not set up for this account",
        )),
    }
}

/// Creates or replaces the connection (audited). A new issuer forgets which provider
/// identity each user signed in as.
#[utoipa::path(put, path = "/account/sso", tag = "account", request_body = SsoIn,
    responses((status = 200, description = "The saved connection", body = SsoOut),
        (status = 422, description = "A field is wrong", body = crate::error::Problem,
            content_type = "application/problem+json")))]
async fn put_sso(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<SsoIn>,
) -> ApiResult<Json<SsoOut>> {
    let form = SsoConnectionInput {
        slug: input.slug,
        display_name: input.display_name,
        issuer: input.issuer,
        client_id: input.client_id,
        scopes: input.scopes.unwrap_or_default(),
        claim: input.claim,
        match_field: input.match_field,
        email_domains: input.email_domains.join(" "),
        password_sign_in: input.password_sign_in,
        jit: input.jit,
    };
    let saved = state
        .sb
        .set_sso_connection(&ctx, &form, input.client_secret.as_deref())
        .await?;
    Ok(Json(saved.into()))
}

/// Removes the connection: everyone signs in with a password again.
#[utoipa::path(delete, path = "/account/sso", tag = "account",
    responses((status = 204, description = "Removed")))]
async fn delete_sso(State(state): State<AppState>, Authed(ctx): Authed) -> ApiResult<StatusCode> {
    state.sb.remove_sso_connection(&ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tests the connection: the secret is readable, discovery answers for the issuer and
/// the signing keys can be fetched (audited).
#[utoipa::path(post, path = "/account/sso/test", tag = "account",
    responses((status = 200, description = "The test's steps", body = SsoTestOut)))]
async fn test_sso(
    State(state): State<AppState>,
    Authed(ctx): Authed,
) -> ApiResult<Json<SsoTestOut>> {
    Ok(Json(state.sb.test_sso_connection(&ctx).await?.into()))
}
