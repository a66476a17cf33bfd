//! `/api/v1/workflows`: the account's automations, IVR call flows and integrations, each
//! owned by a user whose deletion it blocks (R8). Anyone signed in may read them; changing
//! them needs the "manage departments, numbers, workflows" permission.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use switchboard_domain::{Name, UserId, Workflow, WorkflowId, WorkflowKind};
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
        .routes(routes!(create_workflow, list_workflows))
        .routes(routes!(get_workflow, update_workflow, delete_workflow))
}

/// What a workflow is.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKindOut {
    /// An automation.
    Automation,
    /// An IVR call flow.
    Ivr,
    /// An integration with another product.
    Integration,
}

impl From<WorkflowKind> for WorkflowKindOut {
    fn from(k: WorkflowKind) -> Self {
        match k {
            WorkflowKind::Automation => Self::Automation,
            WorkflowKind::Ivr => Self::Ivr,
            WorkflowKind::Integration => Self::Integration,
        }
    }
}

impl From<WorkflowKindOut> for WorkflowKind {
    fn from(k: WorkflowKindOut) -> Self {
        match k {
            WorkflowKindOut::Automation => Self::Automation,
            WorkflowKindOut::Ivr => Self::Ivr,
            WorkflowKindOut::Integration => Self::Integration,
        }
    }
}

/// A workflow of the account.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WorkflowOut {
    /// Workflow id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Name.
    #[schema(min_length = 1, max_length = 100, example = "After-hours IVR")]
    pub name: String,
    /// Kind.
    pub kind: WorkflowKindOut,
    /// The user who owns the workflow.
    #[schema(format = "uuid")]
    pub owner_id: String,
}

impl From<&Workflow> for WorkflowOut {
    fn from(w: &Workflow) -> Self {
        Self {
            id: w.id.to_string(),
            name: w.name.to_string(),
            kind: w.kind.into(),
            owner_id: w.owner_id.to_string(),
        }
    }
}

/// The account's workflows, by name.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WorkflowList {
    /// The workflows.
    pub items: Vec<WorkflowOut>,
}

/// A workflow to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowCreateIn {
    /// Name, 1–100 characters (trimmed).
    #[schema(min_length = 1, max_length = 100, example = "After-hours IVR")]
    pub name: String,
    /// Kind.
    pub kind: WorkflowKindOut,
    /// The owning user: an active or invited user of the account.
    #[schema(format = "uuid")]
    pub owner_id: String,
}

/// Changes to a workflow; absent (or `null`) fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowPatchIn {
    /// A new name, 1–100 characters (trimmed).
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// A new kind.
    pub kind: Option<WorkflowKindOut>,
    /// A new owner: an active or invited user of the account.
    #[schema(format = "uuid")]
    pub owner_id: Option<String>,
}

/// Filters of the workflows list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkflowListQuery {
    /// Only the workflows this user owns (user id).
    #[param(format = "uuid")]
    pub owner: Option<String>,
}

fn location(id: WorkflowId) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!("/api/v1/workflows/{id}")).map_err(|e| ApiError::internal(&e))
}

fn name(raw: &str) -> Result<Name, ApiError> {
    params::max_len("name", raw, 100)?;
    Ok(Name::parse("name", raw)?)
}

/// Adds a workflow owned by a user (Administrators).
#[utoipa::path(post, path = "/workflows", tag = "workflows", request_body = WorkflowCreateIn,
    responses((status = 201, description = "The workflow was added", body = WorkflowOut,
        headers(("Location" = String, description = "The new workflow's URL")))))]
pub async fn create_workflow(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<WorkflowCreateIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<WorkflowOut>)> {
    let name = name(&input.name)?;
    let owner: UserId = params::id("owner_id", &input.owner_id)?;
    let w = state
        .sb
        .create_workflow(&ctx, name, input.kind.into(), owner)
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::LOCATION, location(w.id)?);
    Ok((StatusCode::CREATED, headers, Json(WorkflowOut::from(&w))))
}

/// Lists the account's workflows by name, optionally only one user's.
#[utoipa::path(get, path = "/workflows", tag = "workflows", params(WorkflowListQuery),
    responses((status = 200, description = "The workflows", body = WorkflowList)))]
pub async fn list_workflows(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<WorkflowListQuery>,
) -> ApiResult<Json<WorkflowList>> {
    let owner = q
        .owner
        .as_deref()
        .map(|o| params::id::<UserId>("owner", o))
        .transpose()?;
    let workflows = state.sb.list_workflows(&ctx, owner).await?;
    Ok(Json(WorkflowList {
        items: workflows.iter().map(WorkflowOut::from).collect(),
    }))
}

/// Reads a workflow.
#[utoipa::path(get, path = "/workflows/{id}", tag = "workflows",
    params(("id" = String, Path, format = "uuid", description = "Workflow id")),
    responses((status = 200, description = "The workflow", body = WorkflowOut)))]
pub async fn get_workflow(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<WorkflowId>,
) -> ApiResult<Json<WorkflowOut>> {
    let w = state.sb.get_workflow(&ctx, id).await?;
    Ok(Json(WorkflowOut::from(&w)))
}

/// Changes a workflow's name, kind or owner (Administrators).
#[utoipa::path(patch, path = "/workflows/{id}", tag = "workflows", request_body = WorkflowPatchIn,
    params(("id" = String, Path, format = "uuid", description = "Workflow id")),
    responses((status = 200, description = "The updated workflow", body = WorkflowOut)))]
pub async fn update_workflow(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<WorkflowId>,
    ApiJson(input): ApiJson<WorkflowPatchIn>,
) -> ApiResult<Json<WorkflowOut>> {
    let new_name = input.name.as_deref().map(name).transpose()?;
    let owner = input
        .owner_id
        .as_deref()
        .map(|o| params::id::<UserId>("owner_id", o))
        .transpose()?;
    let w = state
        .sb
        .update_workflow(&ctx, id, new_name, input.kind.map(Into::into), owner)
        .await?;
    Ok(Json(WorkflowOut::from(&w)))
}

/// Removes a workflow (Administrators).
#[utoipa::path(delete, path = "/workflows/{id}", tag = "workflows",
    params(("id" = String, Path, format = "uuid", description = "Workflow id")),
    responses((status = 204, description = "Removed")))]
pub async fn delete_workflow(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<WorkflowId>,
) -> ApiResult<StatusCode> {
    state.sb.delete_workflow(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
