//! SIP phones (R17): `/api/v1/account/sip-domain` (Administrators), a user's
//! `/api/v1/users/{id}/sip-credentials` (whoever may edit the user; the password is shown
//! once, in the answer that issues it) and the SIP proxy's REGISTER lookup
//! `/api/v1/sip/credentials` (tokens with the `sip:proxy` scope only).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_domain::UserId;
use switchboard_service::sip::credentials::{IssuedSipCredentials, SipCredentialState};
use switchboard_service::sip::proxy::Registration;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params;
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_sip_domain, put_sip_domain))
        .routes(routes!(
            get_sip_credentials,
            issue_sip_credentials,
            revoke_sip_credentials
        ))
        .routes(routes!(lookup_sip_credentials))
}

/// The account's SIP domain.
#[derive(Debug, Serialize, ToSchema)]
pub struct SipDomainOut {
    /// The DNS name phones register under as `<extension>@<sip_domain>`; also the digest
    /// realm. `null` until an Administrator sets it.
    #[schema(example = "acme.sip.example.com")]
    pub sip_domain: Option<String>,
}

/// A SIP domain to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SipDomainIn {
    /// A DNS name (lower-cased), unique across accounts.
    #[schema(example = "acme.sip.example.com", max_length = 253)]
    pub sip_domain: String,
}

/// The SIP domain as saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct SipDomainSetOut {
    /// The saved domain.
    #[schema(example = "acme.sip.example.com")]
    pub sip_domain: String,
    /// Credentials revoked because they were issued under the previous domain (a new
    /// realm makes their digests useless).
    pub credentials_revoked: u64,
}

/// Whether a user has SIP credentials; never the password nor its digests.
#[derive(Debug, Serialize, ToSchema)]
pub struct SipCredentialsOut {
    /// Whether the user has credentials.
    pub issued: bool,
    /// The SIP username (the extension they were issued for).
    #[schema(example = "204")]
    pub username: Option<String>,
    /// The SIP domain they were issued for.
    #[schema(example = "acme.sip.example.com")]
    pub domain: Option<String>,
    /// When they were issued or last rotated (RFC 3339).
    #[schema(format = DateTime)]
    pub issued_at: Option<String>,
    /// Until when a phone is registered with them, as the SIP proxy reported (RFC 3339);
    /// `null` when no phone is registered now (calls ring the user's mobile).
    #[schema(format = DateTime)]
    pub registered_until: Option<String>,
}

impl From<Option<SipCredentialState>> for SipCredentialsOut {
    fn from(s: Option<SipCredentialState>) -> Self {
        Self {
            issued: s.is_some(),
            issued_at: s.as_ref().map(|s| params::time(s.issued_at)),
            registered_until: s
                .as_ref()
                .and_then(|s| s.registered_until)
                .map(params::time),
            username: s.as_ref().map(|s| s.username.clone()),
            domain: s.map(|s| s.domain),
        }
    }
}

/// Credentials just issued: the password is shown here only, once.
#[derive(Debug, Serialize, ToSchema)]
pub struct SipCredentialsIssuedOut {
    /// The SIP username: the user's extension.
    #[schema(example = "204")]
    pub username: String,
    /// The SIP domain (registrar and realm).
    #[schema(example = "acme.sip.example.com")]
    pub domain: String,
    /// The password. Switchboard keeps only its digests: it cannot be shown again.
    pub password: String,
    /// When they were issued (RFC 3339).
    #[schema(format = DateTime)]
    pub issued_at: String,
    /// Whether they replaced earlier credentials (whose password stopped working).
    pub rotated: bool,
}

impl From<IssuedSipCredentials> for SipCredentialsIssuedOut {
    fn from(i: IssuedSipCredentials) -> Self {
        Self {
            username: i.username,
            domain: i.domain,
            password: i.password,
            issued_at: params::time(i.issued_at),
            rotated: i.rotated,
        }
    }
}

/// Which phone is registering.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SipLookupQuery {
    /// The REGISTER's username: an extension.
    #[param(example = "204", max_length = 20)]
    pub username: String,
    /// The REGISTER's domain (realm).
    #[param(example = "acme.sip.example.com", max_length = 253)]
    pub domain: String,
}

/// The digests a REGISTER's response is checked against.
#[derive(Debug, Serialize, ToSchema)]
pub struct SipDigestsOut {
    /// The username.
    #[schema(example = "204")]
    pub username: String,
    /// The domain, which is the realm.
    #[schema(example = "acme.sip.example.com")]
    pub domain: String,
    /// `md5(username:realm:password)`, lower-case hex (RFC 2617 HA1).
    pub ha1: String,
    /// `sha256(username:realm:password)`, lower-case hex (RFC 8760 HA1).
    pub ha1_sha256: String,
}

/// The account's SIP domain (Administrators).
#[utoipa::path(get, path = "/account/sip-domain", tag = "account",
    responses((status = 200, description = "The SIP domain, or null", body = SipDomainOut)))]
async fn get_sip_domain(
    State(state): State<AppState>,
    Authed(ctx): Authed,
) -> ApiResult<Json<SipDomainOut>> {
    let d = state.sb.sip_domain(&ctx).await?;
    Ok(Json(SipDomainOut {
        sip_domain: d.map(|d| d.to_string()),
    }))
}

/// Sets the account's SIP domain (Administrators; audited). A domain another account uses
/// is a conflict. Changing it revokes every credential issued under the old one.
#[utoipa::path(put, path = "/account/sip-domain", tag = "account", request_body = SipDomainIn,
    responses((status = 200, description = "The saved domain", body = SipDomainSetOut)))]
async fn put_sip_domain(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<SipDomainIn>,
) -> ApiResult<Json<SipDomainSetOut>> {
    params::max_len("sip_domain", &input.sip_domain, 253)?;
    let (domain, revoked) = state.sb.set_sip_domain(&ctx, &input.sip_domain).await?;
    Ok(Json(SipDomainSetOut {
        sip_domain: domain.to_string(),
        credentials_revoked: revoked,
    }))
}

/// Whether the user has SIP credentials and when they were issued (whoever may edit the
/// user).
#[utoipa::path(get, path = "/users/{id}/sip-credentials", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 200, description = "The credentials' state", body = SipCredentialsOut)))]
async fn get_sip_credentials(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
) -> ApiResult<Json<SipCredentialsOut>> {
    Ok(Json(state.sb.sip_credentials(&ctx, id).await?.into()))
}

/// Issues SIP credentials for the user, or rotates them: a new generated password, shown
/// in this answer only (whoever may edit the user; audited). The username is the user's
/// extension, the domain the account's SIP domain (409 until one is set).
#[utoipa::path(post, path = "/users/{id}/sip-credentials", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 201, description = "Issued; keep the password now",
        body = SipCredentialsIssuedOut)))]
async fn issue_sip_credentials(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
) -> ApiResult<(StatusCode, Json<SipCredentialsIssuedOut>)> {
    let issued = state.sb.issue_sip_credentials(&ctx, id).await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// Revokes the user's SIP credentials: their phones' next REGISTER is refused (whoever
/// may edit the user; audited).
#[utoipa::path(delete, path = "/users/{id}/sip-credentials", tag = "users",
    params(("id" = String, Path, format = "uuid", description = "User id")),
    responses((status = 204, description = "Revoked")))]
async fn revoke_sip_credentials(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<UserId>,
) -> ApiResult<StatusCode> {
    state.sb.revoke_sip_credentials(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The SIP proxy's lookup for a REGISTER (tokens with the `sip:proxy` scope only): the
/// HA1 digests of `username@domain` when R17 lets the user's phone register; 403
/// `registration_refused` with a `reason` (`inactive`, `pending_invite`,
/// `receive_calls_off`) when it does not; 404 when the domain is not the token's
/// account's or nobody holds credentials as `username`.
#[utoipa::path(get, path = "/sip/credentials", tag = "sip", params(SipLookupQuery),
    responses((status = 200, description = "The user may register", body = SipDigestsOut),
        (status = 403, description = "R17 refuses the registration, or the token is not the SIP proxy's",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown domain or no credentials",
            body = crate::error::Problem, content_type = "application/problem+json")))]
async fn lookup_sip_credentials(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<SipLookupQuery>,
) -> ApiResult<Json<SipDigestsOut>> {
    params::max_len("username", &q.username, 20)?;
    params::max_len("domain", &q.domain, 253)?;
    match state
        .sb
        .sip_registration(&ctx, &q.username, &q.domain)
        .await?
    {
        Registration::Allowed(d) => Ok(Json(SipDigestsOut {
            username: d.username,
            domain: d.domain,
            ha1: d.ha1,
            ha1_sha256: d.ha1_sha256,
        })),
        Registration::Refused(why) => {
            Err(
                ApiError::new(StatusCode::FORBIDDEN, "registration_refused", why.message())
                    .with_reason(why.key()),
            )
        }
    }
}
