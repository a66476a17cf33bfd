//! `/api/v1/account`: the caller's account, its plan usage (users and seats against their
//! limits), its settings, and ownership transfer (R7).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchboard_domain::{
    Account, Country, ExtensionRange, IdpField, Name, Plan, Problems, SsoSettings, TimeZoneName,
    UserId,
};
use switchboard_service::accounts::{AccountPatch, PlanUsage};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::params::double_option;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_account, update_account))
        .routes(routes!(transfer_ownership))
}

/// An account and how much of its plan is used.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    /// Account id.
    pub id: String,
    /// Company name.
    pub name: String,
    /// `free` (at most 5 users) or `pro` (Panel Access users use seats).
    #[schema(example = "pro")]
    pub plan: String,
    /// Licensed seats (`pro`).
    pub seat_limit: u32,
    /// Panel Access users that are not deactivated.
    pub seats_used: u32,
    /// Users that are not deactivated.
    pub users_used: u32,
    /// The user limit (`free` only).
    pub users_limit: Option<u32>,
    /// Lowest extension users may hold.
    pub extension_min: u32,
    /// Highest extension users may hold.
    pub extension_max: u32,
    /// IANA time zone for users without their own.
    pub default_time_zone: String,
    /// ISO 3166 country set for reading phone numbers written in national form (CSV
    /// import, dashboard, SCIM), or `null`.
    #[schema(example = "IN")]
    pub country: Option<String>,
    /// The country national phone numbers are read in: `country`, else the country of
    /// `default_time_zone` when it belongs to one; `null`: national numbers are refused.
    pub phone_country: Option<String>,
    /// Single sign-on settings.
    pub sso: SsoOut,
    /// The owner (always an Administrator).
    pub owner_id: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

/// Whether an identity provider manages the users, and which fields it owns.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoOut {
    /// Invites point to SSO sign-in; the managed fields are read-only outside SCIM.
    pub enabled: bool,
    /// Fields the identity provider owns: `name`, `email`, `alternate_mobile`, `time_zone`.
    pub managed_fields: Vec<String>,
}

impl AccountOut {
    fn new(a: &Account, u: &PlanUsage) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name.to_string(),
            plan: a.plan.key().to_owned(),
            seat_limit: a.seat_limit,
            seats_used: u.seats_used,
            users_used: u.users_used,
            users_limit: u.users_limit,
            extension_min: a.extension_range.min,
            extension_max: a.extension_range.max,
            default_time_zone: a.default_time_zone.as_str().to_owned(),
            country: a.country.as_ref().map(|c| c.as_str().to_owned()),
            phone_country: a.phone_country().map(|c| c.as_str().to_owned()),
            sso: SsoOut {
                enabled: a.sso.enabled,
                managed_fields: a
                    .sso
                    .managed_fields
                    .iter()
                    .map(|f| f.key().to_owned())
                    .collect(),
            },
            owner_id: a.owner_id.to_string(),
            created_at: a.created_at.to_string(),
        }
    }
}

/// Settings an administrator may change (absent = unchanged). The plan and seat limit are
/// set by the operator (`switchboard account` commands), not through the API.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatchIn {
    /// Company name, 1–100 characters.
    pub name: Option<String>,
    /// Lowest extension.
    pub extension_min: Option<u32>,
    /// Highest extension.
    pub extension_max: Option<u32>,
    /// IANA time zone.
    pub default_time_zone: Option<String>,
    /// ISO 3166 country (two letters) national phone numbers are read in, or `null` to
    /// use the time zone's country.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, pattern = "^[A-Za-z]{2}$", example = "IN")]
    pub country: Option<Option<String>>,
    /// SSO settings (replaced whole).
    pub sso: Option<SsoOut>,
}

/// Whom to make owner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferIn {
    /// An active Administrator with Panel Access.
    pub user_id: String,
}

async fn account_out(state: &AppState, ctx: &switchboard_service::Ctx) -> ApiResult<AccountOut> {
    let account = state.sb.get_account(ctx).await?;
    let usage = state.sb.plan_usage(ctx).await?;
    Ok(AccountOut::new(&account, &usage))
}

/// The caller's account with its plan usage.
#[utoipa::path(get, path = "/account", tag = "account",
    responses((status = 200, description = "The account", body = AccountOut)))]
async fn get_account(
    State(state): State<AppState>,
    Authed(ctx): Authed,
) -> ApiResult<Json<AccountOut>> {
    account_out(&state, &ctx).await.map(Json)
}

fn parse_patch(input: AccountPatchIn, current: &Account) -> Result<AccountPatch, ApiError> {
    let mut p = Problems::new();
    let name = input.name.and_then(|n| p.check(Name::parse("name", &n)));
    let extension_range = if input.extension_min.is_some() || input.extension_max.is_some() {
        p.check(ExtensionRange::new(
            input.extension_min.unwrap_or(current.extension_range.min),
            input.extension_max.unwrap_or(current.extension_range.max),
        ))
    } else {
        None
    };
    let time_zone = input
        .default_time_zone
        .and_then(|tz| p.check(TimeZoneName::parse("default_time_zone", &tz)));
    let country = match input.country {
        None => None,
        Some(None) => Some(None),
        Some(Some(c)) => p.check(Country::parse("country", &c)).map(Some),
    };
    let sso = input.sso.and_then(|s| {
        let mut fields = Vec::new();
        for (i, f) in s.managed_fields.iter().enumerate() {
            let field =
                IdpField::parse(f).map_err(|e| e.for_field(format!("sso.managed_fields[{i}]")));
            fields.push(p.check(field)?);
        }
        Some(SsoSettings {
            enabled: s.enabled,
            managed_fields: fields,
        })
    });
    p.finish()?;
    Ok(AccountPatch {
        name,
        plan: None::<Plan>,
        seat_limit: None,
        extension_range,
        time_zone,
        country,
        sso,
    })
}

/// Changes the account's name, extension range, default time zone, country or SSO
/// settings (Administrators).
#[utoipa::path(patch, path = "/account", tag = "account", request_body = AccountPatchIn,
    responses((status = 200, description = "The updated account", body = AccountOut)))]
async fn update_account(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<AccountPatchIn>,
) -> ApiResult<Json<AccountOut>> {
    let current = state.sb.get_account(&ctx).await?;
    let patch = parse_patch(input, &current)?;
    state.sb.update_account(&ctx, patch).await?;
    account_out(&state, &ctx).await.map(Json)
}

/// Makes another active Administrator the owner (only the owner may do this).
#[utoipa::path(post, path = "/account/transfer-ownership", tag = "account", request_body = TransferIn,
    responses((status = 200, description = "The account with its new owner", body = AccountOut)))]
async fn transfer_ownership(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<TransferIn>,
) -> ApiResult<Json<AccountOut>> {
    let to: UserId = input
        .user_id
        .parse()
        .map_err(|_| ApiError::not_found("user"))?;
    state.sb.transfer_ownership(&ctx, to).await?;
    account_out(&state, &ctx).await.map(Json)
}
