//! `/api/v1/departments`: the groups incoming calls are routed to — their settings, their
//! members in ring order, and their managers. Every rule is the service's; this module
//! parses the wire form and shapes the answers.

mod wire;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use switchboard_domain::DepartmentId;
use switchboard_service::Ctx;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use wire::{
    DepartmentCreateIn, DepartmentList, DepartmentManagersIn, DepartmentManagersOut,
    DepartmentMembersIn, DepartmentMembersOut, DepartmentOut, DepartmentPatchIn, DepartmentPerson,
};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_department, list_departments))
        .routes(routes!(
            get_department,
            update_department,
            delete_department
        ))
        .routes(routes!(get_members, set_members))
        .routes(routes!(get_managers, set_managers))
}

/// Creates a department (those who manage departments: Administrators by default).
#[utoipa::path(post, path = "/departments", tag = "departments",
    request_body = DepartmentCreateIn,
    responses((status = 201, description = "The department was created", body = DepartmentOut,
        headers(("Location" = String, description = "The new department's URL")))))]
pub async fn create_department(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<DepartmentCreateIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<DepartmentOut>)> {
    let new = input.parse()?;
    let d = state.sb.create_department(&ctx, new).await?;
    let mut headers = HeaderMap::new();
    let location = HeaderValue::from_str(&format!("/api/v1/departments/{}", d.id))
        .map_err(|e| ApiError::internal(&e))?;
    headers.insert(header::LOCATION, location);
    Ok((StatusCode::CREATED, headers, Json(DepartmentOut::from(&d))))
}

/// Lists the account's departments by name.
#[utoipa::path(get, path = "/departments", tag = "departments",
    responses((status = 200, description = "The departments", body = DepartmentList)))]
pub async fn list_departments(
    State(state): State<AppState>,
    Authed(ctx): Authed,
) -> ApiResult<Json<DepartmentList>> {
    let items = state.sb.list_departments(&ctx).await?;
    Ok(Json(DepartmentList {
        items: items.iter().map(DepartmentOut::from).collect(),
    }))
}

/// Reads a department.
#[utoipa::path(get, path = "/departments/{id}", tag = "departments",
    params(("id" = String, Path, format = "uuid", description = "Department id")),
    responses((status = 200, description = "The department", body = DepartmentOut)))]
pub async fn get_department(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
) -> ApiResult<Json<DepartmentOut>> {
    let d = state.sb.get_department(&ctx, id).await?;
    Ok(Json(DepartmentOut::from(&d)))
}

/// Changes a department's settings with merge semantics (those who manage departments).
#[utoipa::path(patch, path = "/departments/{id}", tag = "departments",
    request_body = DepartmentPatchIn,
    params(("id" = String, Path, format = "uuid", description = "Department id")),
    responses((status = 200, description = "The updated department", body = DepartmentOut)))]
pub async fn update_department(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
    ApiJson(input): ApiJson<DepartmentPatchIn>,
) -> ApiResult<Json<DepartmentOut>> {
    let patch = input.parse()?;
    let d = state.sb.update_department(&ctx, id, patch).await?;
    Ok(Json(DepartmentOut::from(&d)))
}

/// Deletes a department (those who manage departments); its members stay users. Refused
/// with 409 while another department falls back to it.
#[utoipa::path(delete, path = "/departments/{id}", tag = "departments",
    params(("id" = String, Path, format = "uuid", description = "Department id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_department(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
) -> ApiResult<StatusCode> {
    state.sb.delete_department(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn members_out(
    state: &AppState,
    ctx: &Ctx,
    id: DepartmentId,
) -> ApiResult<DepartmentMembersOut> {
    let people = state.sb.get_department_people(ctx, id).await?;
    Ok(DepartmentMembersOut {
        members: people.members.iter().map(DepartmentPerson::from).collect(),
    })
}

async fn managers_out(
    state: &AppState,
    ctx: &Ctx,
    id: DepartmentId,
) -> ApiResult<DepartmentManagersOut> {
    let people = state.sb.get_department_people(ctx, id).await?;
    Ok(DepartmentManagersOut {
        managers: people.managers.iter().map(DepartmentPerson::from).collect(),
    })
}

/// The members of a department in ring order, with their names and extensions.
#[utoipa::path(get, path = "/departments/{id}/members", tag = "departments",
    params(("id" = String, Path, format = "uuid", description = "Department id")),
    responses((status = 200, description = "The members, in ring order", body = DepartmentMembersOut)))]
pub async fn get_members(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
) -> ApiResult<Json<DepartmentMembersOut>> {
    Ok(Json(members_out(&state, &ctx, id).await?))
}

/// Replaces the members; their order is the ring order of sequential routing. Those who
/// manage departments set any members; a Manager of this department may reorder and remove
/// its members and add users of the departments they manage.
#[utoipa::path(put, path = "/departments/{id}/members", tag = "departments",
    request_body = DepartmentMembersIn,
    params(("id" = String, Path, format = "uuid", description = "Department id")),
    responses((status = 200, description = "The members, in ring order", body = DepartmentMembersOut)))]
pub async fn set_members(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
    ApiJson(input): ApiJson<DepartmentMembersIn>,
) -> ApiResult<Json<DepartmentMembersOut>> {
    let members = input.parse()?;
    state.sb.set_department_members(&ctx, id, members).await?;
    Ok(Json(members_out(&state, &ctx, id).await?))
}

/// The managers of a department, with their names and extensions.
#[utoipa::path(get, path = "/departments/{id}/managers", tag = "departments",
    params(("id" = String, Path, format = "uuid", description = "Department id")),
    responses((status = 200, description = "The managers", body = DepartmentManagersOut)))]
pub async fn get_managers(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
) -> ApiResult<Json<DepartmentManagersOut>> {
    Ok(Json(managers_out(&state, &ctx, id).await?))
}

/// Replaces the managers (those who manage departments). Managers must be active users.
#[utoipa::path(put, path = "/departments/{id}/managers", tag = "departments",
    request_body = DepartmentManagersIn,
    params(("id" = String, Path, format = "uuid", description = "Department id")),
    responses((status = 200, description = "The managers", body = DepartmentManagersOut)))]
pub async fn set_managers(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<DepartmentId>,
    ApiJson(input): ApiJson<DepartmentManagersIn>,
) -> ApiResult<Json<DepartmentManagersOut>> {
    let managers = input.parse()?;
    state.sb.set_department_managers(&ctx, id, managers).await?;
    Ok(Json(managers_out(&state, &ctx, id).await?))
}
