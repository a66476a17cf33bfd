//! `/api/v1/roles`: the account's roles and their permission matrix. The built-in
//! Administrator, Manager and Basic roles carry the default matrix (Manager and Basic are
//! editable; Administrator always keeps every permission); custom roles may be added and,
//! once nobody holds them, deleted. Every rule is the service's.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use switchboard_domain::{BuiltinRole, Name, Permissions, Role, RoleId, Scope};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_role, list_roles))
        .routes(routes!(get_role, update_role, delete_role))
}

/// How far a permission reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleScope {
    /// Not at all.
    None,
    /// Only the holder's own record (own profile, own calls).
    Own,
    /// The departments the holder manages.
    Departments,
    /// The whole account.
    All,
}

impl From<RoleScope> for Scope {
    fn from(s: RoleScope) -> Self {
        match s {
            RoleScope::None => Self::None,
            RoleScope::Own => Self::Own,
            RoleScope::Departments => Self::Departments,
            RoleScope::All => Self::All,
        }
    }
}

impl From<Scope> for RoleScope {
    fn from(s: Scope) -> Self {
        match s {
            Scope::None => Self::None,
            Scope::Own => Self::Own,
            Scope::Departments => Self::Departments,
            Scope::All => Self::All,
        }
    }
}

/// Which built-in role a role is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleBuiltin {
    /// Every permission, always; the owner is one.
    Administrator,
    /// Acts within the departments they manage.
    Manager,
    /// Own profile only.
    Basic,
}

impl From<BuiltinRole> for RoleBuiltin {
    fn from(b: BuiltinRole) -> Self {
        match b {
            BuiltinRole::Administrator => Self::Administrator,
            BuiltinRole::Manager => Self::Manager,
            BuiltinRole::Basic => Self::Basic,
        }
    }
}

/// What holders of a role may do.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct RolePermissions {
    /// See the users list and profiles.
    pub view_users: bool,
    /// Add and edit users: `own` = own profile only, `departments` = users of the
    /// departments they manage, `all` = anyone.
    pub edit_users: RoleScope,
    /// Delete, deactivate and activate users.
    pub delete_users: bool,
    /// Export users and logs.
    pub export: bool,
    /// Manage departments, numbers and workflows.
    pub manage_departments: bool,
    /// View call logs: `own` calls, own `departments` or `all` (company-wide).
    pub call_logs: RoleScope,
    /// View the audit log.
    pub view_audit: bool,
    /// Manage roles and permissions.
    pub manage_roles: bool,
    /// Manage API tokens and integrations.
    pub api_tokens: bool,
}

impl From<Permissions> for RolePermissions {
    fn from(p: Permissions) -> Self {
        Self {
            view_users: p.view_users,
            edit_users: p.edit_users.into(),
            delete_users: p.delete_users,
            export: p.export,
            manage_departments: p.manage_departments,
            call_logs: p.call_logs.into(),
            view_audit: p.view_audit,
            manage_roles: p.manage_roles,
            api_tokens: p.api_tokens,
        }
    }
}

/// Permissions to set, each by name. On create, absent fields take the Basic role's
/// default; on edit, they stay as they are.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePermissionsIn {
    /// See the users list and profiles.
    pub view_users: Option<bool>,
    /// Add and edit users: `none`, `own` profile, own `departments` or `all`.
    pub edit_users: Option<RoleScope>,
    /// Delete, deactivate and activate users.
    pub delete_users: Option<bool>,
    /// Export users and logs.
    pub export: Option<bool>,
    /// Manage departments, numbers and workflows.
    pub manage_departments: Option<bool>,
    /// View call logs: `none`, `own` calls, own `departments` or `all`.
    pub call_logs: Option<RoleScope>,
    /// View the audit log.
    pub view_audit: Option<bool>,
    /// Manage roles and permissions.
    pub manage_roles: Option<bool>,
    /// Manage API tokens and integrations.
    pub api_tokens: Option<bool>,
}

impl RolePermissionsIn {
    /// These changes applied to `base`.
    fn over(self, base: Permissions) -> Permissions {
        Permissions {
            view_users: self.view_users.unwrap_or(base.view_users),
            edit_users: self.edit_users.map_or(base.edit_users, Into::into),
            delete_users: self.delete_users.unwrap_or(base.delete_users),
            export: self.export.unwrap_or(base.export),
            manage_departments: self.manage_departments.unwrap_or(base.manage_departments),
            call_logs: self.call_logs.map_or(base.call_logs, Into::into),
            view_audit: self.view_audit.unwrap_or(base.view_audit),
            manage_roles: self.manage_roles.unwrap_or(base.manage_roles),
            api_tokens: self.api_tokens.unwrap_or(base.api_tokens),
        }
    }
}

fn parse_name(raw: &str) -> Result<Name, ApiError> {
    if raw.chars().count() > Name::MAX_CHARS {
        return Err(ApiError::field(
            "name",
            "too_long",
            format!("must be at most {} characters", Name::MAX_CHARS),
        ));
    }
    Ok(Name::parse("name", raw)?)
}

/// A custom role to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleCreateIn {
    /// Name, 1–100 characters (trimmed), unique in the account (case-insensitive).
    #[schema(min_length = 1, max_length = 100, example = "Supervisor")]
    pub name: String,
    /// Its permissions; absent ones (or all, when omitted) take the Basic default. None
    /// may exceed the caller's own.
    pub permissions: Option<RolePermissionsIn>,
}

/// Changes to a role: absent (or `null`) fields stay as they are. Built-in roles keep their
/// names, and the Administrator role every permission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatchIn {
    /// New name, 1–100 characters (custom roles only).
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Permissions to change; none may exceed the caller's own.
    pub permissions: Option<RolePermissionsIn>,
}

/// A role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleOut {
    /// Role id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Which built-in role this is; `null` for a custom role.
    pub builtin: Option<RoleBuiltin>,
    /// What holders may do.
    pub permissions: RolePermissions,
}

impl From<&Role> for RoleOut {
    fn from(r: &Role) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name.to_string(),
            builtin: r.builtin.map(Into::into),
            permissions: r.permissions.into(),
        }
    }
}

/// The account's roles.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    /// The roles: built-in ones first, then custom ones by name.
    pub items: Vec<RoleOut>,
}

/// Adds a custom role (those who manage roles: Administrators by default).
#[utoipa::path(post, path = "/roles", tag = "roles", request_body = RoleCreateIn,
    responses((status = 201, description = "The role was added", body = RoleOut,
        headers(("Location" = String, description = "The new role's URL")))))]
pub async fn create_role(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJson(input): ApiJson<RoleCreateIn>,
) -> ApiResult<(StatusCode, HeaderMap, Json<RoleOut>)> {
    let name = parse_name(&input.name)?;
    let permissions = input
        .permissions
        .unwrap_or_default()
        .over(Permissions::BASIC);
    let r = state.sb.create_role(&ctx, name, permissions).await?;
    let mut headers = HeaderMap::new();
    let location = HeaderValue::from_str(&format!("/api/v1/roles/{}", r.id))
        .map_err(|e| ApiError::internal(&e))?;
    headers.insert(header::LOCATION, location);
    Ok((StatusCode::CREATED, headers, Json(RoleOut::from(&r))))
}

/// Lists the account's roles.
#[utoipa::path(get, path = "/roles", tag = "roles",
    responses((status = 200, description = "The roles", body = RoleList)))]
pub async fn list_roles(
    State(state): State<AppState>,
    Authed(ctx): Authed,
) -> ApiResult<Json<RoleList>> {
    let roles = state.sb.list_roles(&ctx).await?;
    Ok(Json(RoleList {
        items: roles.iter().map(RoleOut::from).collect(),
    }))
}

/// Reads a role.
#[utoipa::path(get, path = "/roles/{id}", tag = "roles",
    params(("id" = String, Path, format = "uuid", description = "Role id")),
    responses((status = 200, description = "The role", body = RoleOut)))]
pub async fn get_role(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<RoleId>,
) -> ApiResult<Json<RoleOut>> {
    let r = state.sb.get_role(&ctx, id).await?;
    Ok(Json(RoleOut::from(&r)))
}

/// Renames a custom role or changes a role's permissions (those who manage roles). Takes
/// effect on the holders' very next request.
#[utoipa::path(patch, path = "/roles/{id}", tag = "roles", request_body = RolePatchIn,
    params(("id" = String, Path, format = "uuid", description = "Role id")),
    responses((status = 200, description = "The updated role", body = RoleOut)))]
pub async fn update_role(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<RoleId>,
    ApiJson(input): ApiJson<RolePatchIn>,
) -> ApiResult<Json<RoleOut>> {
    let name = input.name.as_deref().map(parse_name).transpose()?;
    let permissions = input.permissions.map(|p| move |current| p.over(current));
    let r = state.sb.edit_role(&ctx, id, name, permissions).await?;
    Ok(Json(RoleOut::from(&r)))
}

/// Deletes a custom role nobody holds (those who manage roles). Built-in roles and roles
/// still held answer 409.
#[utoipa::path(delete, path = "/roles/{id}", tag = "roles",
    params(("id" = String, Path, format = "uuid", description = "Role id")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_role(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    Id(id): Id<RoleId>,
) -> ApiResult<StatusCode> {
    state.sb.delete_role(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
