//! `/api/v1/api-tokens`: the account's API tokens. A token's secret is shown once, in the
//! answer that creates it, and stored only as a hash; a revoked token fails on its very
//! next request. Needs the "API tokens and integrations" permission.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_domain::ApiTokenRecord;
use switchboard_domain::{ApiTokenId, RoleRef};
use switchboard_service::Ctx;
use switchboard_service::tokens::{NewApiToken, SCOPE_API, SCOPE_CALLS_INGEST, SCOPE_SIP_PROXY};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params;
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_api_token, list_api_tokens))
        .routes(routes!(revoke_api_token))
}

/// What a token is for.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ApiTokenKind {
    /// The REST API (`/api/v1`), bounded by a role.
    Api,
    /// The SCIM endpoint of an identity provider (`/scim/v2`).
    Scim,
}

/// What an API token may be used for.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum ApiTokenScope {
    /// The REST API, within the token's role.
    #[serde(rename = "api")]
    Api,
    /// Reporting finished calls (`POST /calls`): the telephony engine's token. Only
    /// Administrators create these.
    #[serde(rename = "calls:ingest")]
    CallsIngest,
    /// The SIP proxy's token: SIP credentials for a REGISTER, registrations, call routes
    /// (`/sip/...`) and the records of the inbound calls it routed (`POST /calls`). It
    /// stands alone and may do nothing else; only Administrators create these.
    #[serde(rename = "sip:proxy")]
    SipProxy,
}

impl ApiTokenScope {
    fn key(self) -> &'static str {
        match self {
            Self::Api => SCOPE_API,
            Self::CallsIngest => SCOPE_CALLS_INGEST,
            Self::SipProxy => SCOPE_SIP_PROXY,
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        [Self::Api, Self::CallsIngest, Self::SipProxy]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// The role bounding a token.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiTokenRole {
    /// Role id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Role name.
    pub name: String,
}

/// An API token (never its secret).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiTokenOut {
    /// Token id.
    #[schema(format = "uuid")]
    pub id: String,
    /// The name it is recognised by.
    #[schema(example = "CRM sync")]
    pub name: String,
    /// What it is for.
    pub kind: ApiTokenKind,
    /// The role bounding what it may do (API tokens).
    pub role: Option<ApiTokenRole>,
    /// What it may be used for (API tokens; empty for SCIM tokens).
    pub scopes: Vec<ApiTokenScope>,
    /// The user it acts for, whose current rights also bound it; `null` for a token of
    /// the account itself.
    #[schema(format = "uuid")]
    pub user_id: Option<String>,
    /// Created at (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it was last used (RFC 3339), to within five minutes; none if never.
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// Revoked at (RFC 3339); a revoked token no longer works.
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    /// When it stops working (RFC 3339); `null` when it does not expire.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// A new token and its secret.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiTokenCreatedOut {
    /// The token.
    pub api_token: ApiTokenOut,
    /// The secret, to send as `Authorization: Bearer <secret>`. It is shown only here,
    /// once: Switchboard keeps only its hash.
    #[schema(example = "sbt_…")]
    pub secret: String,
}

/// The account's tokens, newest first.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApiTokenList {
    /// The tokens, revoked ones included.
    pub items: Vec<ApiTokenOut>,
}

/// A token to create. It acts for the caller's user (if any), bounded by `role` and by
/// that user's own rights; nobody can create a token with more rights than they hold.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenCreateIn {
    /// A name to recognise it by, 1–100 characters (trimmed).
    #[schema(min_length = 1, max_length = 100, example = "CRM sync")]
    pub name: String,
    /// Role id or name (`Administrator`, `Manager`, `Basic` or a custom role); needed
    /// for the `api` scope.
    #[schema(min_length = 1, max_length = 100, example = "Manager")]
    pub role: Option<String>,
    /// What the token may do: `api` (the REST API within `role`, the default) and/or
    /// `calls:ingest` (report finished calls, for the telephony engine); or `sip:proxy`
    /// alone (look up SIP credentials, for the SIP proxy).
    #[schema(min_items = 1)]
    pub scopes: Option<Vec<ApiTokenScope>>,
    /// When the token stops working (RFC 3339, in the future); omit for a token that does
    /// not expire.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// Role names by id, to show on tokens.
async fn role_names(state: &AppState, ctx: &Ctx) -> ApiResult<HashMap<String, String>> {
    Ok(state
        .sb
        .list_roles(ctx)
        .await?
        .into_iter()
        .map(|r| (r.id.to_string(), r.name.to_string()))
        .collect())
}

fn token_out(t: &ApiTokenRecord, roles: &HashMap<String, String>) -> ApiTokenOut {
    ApiTokenOut {
        id: t.id.to_string(),
        name: t.name.clone(),
        kind: if t.kind == "scim" {
            ApiTokenKind::Scim
        } else {
            ApiTokenKind::Api
        },
        role: t.role_id.map(|r| {
            let id = r.to_string();
            ApiTokenRole {
                name: roles.get(&id).cloned().unwrap_or_default(),
                id,
            }
        }),
        scopes: t
            .scopes
            .iter()
            .filter_map(|s| ApiTokenScope::from_key(s))
            .collect(),
        user_id: t.user_id.map(|u| u.to_string()),
        created_at: params::time(t.created_at),
        last_used_at: t.last_used_at.map(params::time),
        revoked_at: t.revoked_at.map(params::time),
        expires_at: t.expires_at.map(params::time),
    }
}

/// Creates an API token (Administrators and Managers). The answer is the only time its
/// secret is shown.
#[utoipa::path(post, path = "/api-tokens", tag = "api-tokens", request_body = ApiTokenCreateIn,
    responses((status = 201, description = "The token was created; keep the secret now",
        body = ApiTokenCreatedOut)))]
pub async fn create_api_token(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<ApiTokenCreateIn>,
) -> ApiResult<(StatusCode, Json<ApiTokenCreatedOut>)> {
    params::non_empty("name", &input.name)?;
    params::max_len("name", &input.name, 100)?;
    if let Some(role) = &input.role {
        params::non_empty("role", role)?;
        params::max_len("role", role, 100)?;
    }
    let scopes: Vec<&str> = match &input.scopes {
        Some(s) if s.is_empty() => {
            return Err(ApiError::field(
                "scopes",
                "required",
                "give at least one scope: api, calls:ingest or sip:proxy",
            ));
        }
        Some(s) => s.iter().map(|s| s.key()).collect(),
        None => vec![SCOPE_API],
    };
    let expires_at = input
        .expires_at
        .as_deref()
        .map(|t| params::timestamp("expires_at", t))
        .transpose()?;
    let (record, secret) = state
        .sb
        .create_token(
            &ctx,
            NewApiToken {
                name: &input.name,
                kind: "api",
                role: input.role.as_deref().map(RoleRef::parse),
                user: None,
                scopes: &scopes,
                expires_at,
            },
        )
        .await?;
    let roles = role_names(&state, &ctx).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiTokenCreatedOut {
            api_token: token_out(&record, &roles),
            secret,
        }),
    ))
}

/// Lists the account's API and SCIM tokens, newest first, without their secrets
/// (Administrators and Managers).
#[utoipa::path(get, path = "/api-tokens", tag = "api-tokens",
    responses((status = 200, description = "The tokens", body = ApiTokenList)))]
pub async fn list_api_tokens(
    State(state): State<AppState>,
    Authed(ctx): Authed,
) -> ApiResult<Json<ApiTokenList>> {
    let tokens = state.sb.list_api_tokens(&ctx).await?;
    let roles = role_names(&state, &ctx).await?;
    Ok(Json(ApiTokenList {
        items: tokens.iter().map(|t| token_out(t, &roles)).collect(),
    }))
}

/// Revokes a token (Administrators and Managers): it fails on its very next request.
/// Revoking a revoked token changes nothing.
#[utoipa::path(delete, path = "/api-tokens/{id}", tag = "api-tokens",
    params(("id" = String, Path, format = "uuid", description = "Token id")),
    responses((status = 204, description = "Revoked")))]
pub async fn revoke_api_token(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<ApiTokenId>,
) -> ApiResult<StatusCode> {
    state.sb.revoke_api_token(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
