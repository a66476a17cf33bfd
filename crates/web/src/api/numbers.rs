//! `/api/v1/numbers`: the account's phone numbers (DIDs), each owned by a user whose
//! deletion it blocks (R8), and routed to a destination — a department or a user — whose
//! deletion it blocks too. Anyone signed in may read them; changing them needs the
//! "manage departments, numbers, workflows" permission.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use switchboard_domain::{Destination, NumberId, PhoneNumber, UserId};
use switchboard_service::numbers::{NewNumber, NumberPatch};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params::{self, double_option};
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_number, list_numbers))
        .routes(routes!(get_number, update_number, delete_number))
}

/// A phone number of the account.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NumberOut {
    /// Number id.
    #[schema(format = "uuid")]
    pub id: String,
    /// The number in E.164 form.
    #[schema(example = "+918069871234")]
    pub number: String,
    /// What the number is for ("Support line"); may be empty.
    #[schema(max_length = 100, example = "Support line")]
    pub label: String,
    /// The user who owns the number.
    #[schema(format = "uuid")]
    pub owner_id: String,
    /// Where incoming calls to the number go; `null` when it is not routed.
    #[schema(required = true)]
    pub destination: Option<NumberDestination>,
}

impl From<&PhoneNumber> for NumberOut {
    fn from(n: &PhoneNumber) -> Self {
        Self {
            id: n.id.to_string(),
            number: n.number.to_string(),
            label: n.label.clone(),
            owner_id: n.owner_id.to_string(),
            destination: n.destination.as_ref().map(NumberDestination::of),
        }
    }
}

/// What a number's calls go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NumberDestinationType {
    /// A department: its members ring under its routing method.
    Department,
    /// One user.
    User,
}

/// Where a number's incoming calls go: a department or a user of the account. Neither can
/// be deleted while a number routes to it (`destination_in_use`, `owns_resources`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberDestination {
    /// `department` or `user`.
    #[serde(rename = "type")]
    pub type_: NumberDestinationType,
    /// The department's or user's id (a user who is not deactivated).
    #[schema(format = "uuid")]
    pub id: String,
}

impl NumberDestination {
    fn of(d: &Destination) -> Self {
        match d {
            Destination::Department(id) => Self {
                type_: NumberDestinationType::Department,
                id: id.to_string(),
            },
            Destination::User(id) => Self {
                type_: NumberDestinationType::User,
                id: id.to_string(),
            },
        }
    }

    fn parse(self) -> Result<Destination, ApiError> {
        const FIELD: &str = "destination";
        Ok(match self.type_ {
            NumberDestinationType::Department => {
                Destination::Department(params::id(FIELD, &self.id)?)
            }
            NumberDestinationType::User => Destination::User(params::id(FIELD, &self.id)?),
        })
    }
}

/// The account's numbers, in number order.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NumberList {
    /// The numbers.
    pub items: Vec<NumberOut>,
}

/// A number to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberCreateIn {
    /// The number in E.164 form, not yet in the account.
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$", example = "+918069871234")]
    pub number: String,
    /// What the number is for, up to 100 characters (trimmed); empty when omitted.
    #[schema(max_length = 100, example = "Support line")]
    pub label: Option<String>,
    /// The owning user: an active or invited user of the account.
    #[schema(format = "uuid")]
    pub owner_id: String,
    /// Where incoming calls go; absent or `null`: the number is not routed yet.
    pub destination: Option<NumberDestination>,
}

/// Changes to a number; absent fields stay as they are, and so do `label` and `owner_id`
/// when `null`; `destination: null` stops routing the number. The number itself cannot
/// change: add the new one and delete the old.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberPatchIn {
    /// A new label, up to 100 characters (trimmed; empty clears it).
    #[schema(max_length = 100)]
    pub label: Option<String>,
    /// A new owner: an active or invited user of the account.
    #[schema(format = "uuid")]
    pub owner_id: Option<String>,
    /// A new destination, or `null` to stop routing the number.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NumberDestination>, nullable)]
    pub destination: Option<Option<NumberDestination>>,
}

/// Filters of the numbers list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NumberListQuery {
    /// Only the numbers this user owns (user id).
    #[param(format = "uuid")]
    pub owner: Option<String>,
}

fn location(id: NumberId) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!("/api/v1/numbers/{id}")).map_err(|e| ApiError::internal(&e))
}

/// Adds a phone number owned by a user, optionally routed to a destination
/// (Administrators).
#[utoipa::path(post, path = "/numbers", tag = "numbers", request_body = NumberCreateIn,
    responses((status = 201, description = "The number was added", body = NumberOut,
        headers(("Location" = String, description = "The new number's URL")))))]
pub async fn create_number(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<NumberCreateIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<NumberOut>)> {
    let number = params::e164("number", &input.number)?;
    let label = input.label.unwrap_or_default();
    params::max_len("label", &label, 100)?;
    let owner: UserId = params::id("owner_id", &input.owner_id)?;
    let destination = input
        .destination
        .map(NumberDestination::parse)
        .transpose()?;
    let new = NewNumber {
        number,
        label,
        owner,
        destination,
    };
    let n = state.sb.create_number(&ctx, new).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::LOCATION, location(n.id)?);
    Ok((StatusCode::CREATED, headers, Json(NumberOut::from(&n))))
}

/// Lists the account's numbers in number order, optionally only one user's.
#[utoipa::path(get, path = "/numbers", tag = "numbers", params(NumberListQuery),
    responses((status = 200, description = "The numbers", body = NumberList)))]
pub async fn list_numbers(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<NumberListQuery>,
) -> ApiResult<Json<NumberList>> {
    let owner = q
        .owner
        .as_deref()
        .map(|o| params::id::<UserId>("owner", o))
        .transpose()?;
    let numbers = state.sb.list_numbers(&ctx, owner).await?;
    Ok(Json(NumberList {
        items: numbers.iter().map(NumberOut::from).collect(),
    }))
}

/// Reads a number.
#[utoipa::path(get, path = "/numbers/{id}", tag = "numbers",
    params(("id" = String, Path, format = "uuid", description = "Number id")),
    responses((status = 200, description = "The number", body = NumberOut)))]
pub async fn get_number(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<NumberId>,
) -> ApiResult<Json<NumberOut>> {
    let n = state.sb.get_number(&ctx, id).await?;
    Ok(Json(NumberOut::from(&n)))
}

/// Changes a number's label, owner or destination (Administrators).
#[utoipa::path(patch, path = "/numbers/{id}", tag = "numbers", request_body = NumberPatchIn,
    params(("id" = String, Path, format = "uuid", description = "Number id")),
    responses((status = 200, description = "The updated number", body = NumberOut)))]
pub async fn update_number(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<NumberId>,
    ApiJson(input): ApiJson<NumberPatchIn>,
) -> ApiResult<Json<NumberOut>> {
    if let Some(l) = &input.label {
        params::max_len("label", l, 100)?;
    }
    let owner = input
        .owner_id
        .as_deref()
        .map(|o| params::id::<UserId>("owner_id", o))
        .transpose()?;
    let destination = input
        .destination
        .map(|d| d.map(NumberDestination::parse).transpose())
        .transpose()?;
    let patch = NumberPatch {
        label: input.label,
        owner,
        destination,
    };
    let n = state.sb.update_number(&ctx, id, patch).await?;
    Ok(Json(NumberOut::from(&n)))
}

/// Removes a number from the account (Administrators).
#[utoipa::path(delete, path = "/numbers/{id}", tag = "numbers",
    params(("id" = String, Path, format = "uuid", description = "Number id")),
    responses((status = 204, description = "Removed")))]
pub async fn delete_number(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<NumberId>,
) -> ApiResult<StatusCode> {
    state.sb.delete_number(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
