//! Roles and their permissions (SPEC §1, "Roles and permissions"). The three built-in roles
//! carry the default matrix; Manager and Basic may be edited per account, custom roles added.
//! The Administrator role always holds every permission, so an account can never lock its
//! administrators out of role management.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::ids::{AccountId, RoleId};
use crate::values::Name;

/// How far a permission reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Not at all.
    None,
    /// Only the actor's own record (own profile, own calls).
    Own,
    /// The departments the actor manages.
    Departments,
    /// The whole account.
    All,
}

impl Scope {
    /// Parses the wire name.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "none" => Ok(Self::None),
            "own" => Ok(Self::Own),
            "departments" => Ok(Self::Departments),
            "all" => Ok(Self::All),
            other => Err(FieldError::new(
                field,
                "invalid",
                format!("{other:?} is not a scope; use none, own, departments or all"),
            )),
        }
    }
}

/// The permission matrix of one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    /// See the users list and profiles.
    pub view_users: bool,
    /// Add and edit users: `own` = own profile only, `departments` = own departments.
    pub edit_users: Scope,
    /// Delete, deactivate and activate users.
    pub delete_users: bool,
    /// Export users and logs.
    pub export: bool,
    /// Manage departments, numbers and workflows.
    pub manage_departments: bool,
    /// View call logs: own calls, own departments or company-wide.
    pub call_logs: Scope,
    /// View the audit log.
    pub view_audit: bool,
    /// Manage roles and permissions.
    pub manage_roles: bool,
    /// Manage API tokens and integrations.
    pub api_tokens: bool,
}

impl Permissions {
    /// Everything: the Administrator role.
    pub const ADMINISTRATOR: Self = Self {
        view_users: true,
        edit_users: Scope::All,
        delete_users: true,
        export: true,
        manage_departments: true,
        call_logs: Scope::All,
        view_audit: true,
        manage_roles: true,
        api_tokens: true,
    };

    /// The Manager defaults.
    pub const MANAGER: Self = Self {
        view_users: true,
        edit_users: Scope::Departments,
        delete_users: false,
        export: true,
        manage_departments: false,
        call_logs: Scope::Departments,
        view_audit: false,
        manage_roles: false,
        api_tokens: true,
    };

    /// The Basic defaults.
    pub const BASIC: Self = Self {
        view_users: true,
        edit_users: Scope::Own,
        delete_users: false,
        export: false,
        manage_departments: false,
        call_logs: Scope::Own,
        view_audit: false,
        manage_roles: false,
        api_tokens: false,
    };

    /// Nothing at all.
    pub const NONE: Self = Self {
        view_users: false,
        edit_users: Scope::None,
        delete_users: false,
        export: false,
        manage_departments: false,
        call_logs: Scope::None,
        view_audit: false,
        manage_roles: false,
        api_tokens: false,
    };

    /// Whether every permission here is also granted by `other` — used to stop anyone from
    /// handing out more than they hold themselves.
    pub fn is_within(&self, other: &Self) -> bool {
        (!self.view_users || other.view_users)
            && self.edit_users <= other.edit_users
            && (!self.delete_users || other.delete_users)
            && (!self.export || other.export)
            && (!self.manage_departments || other.manage_departments)
            && self.call_logs <= other.call_logs
            && (!self.view_audit || other.view_audit)
            && (!self.manage_roles || other.manage_roles)
            && (!self.api_tokens || other.api_tokens)
    }

    /// The intersection of two matrices (an API token bounded by its creator's role).
    pub fn intersect(&self, other: &Self) -> Self {
        Self {
            view_users: self.view_users && other.view_users,
            edit_users: self.edit_users.min(other.edit_users),
            delete_users: self.delete_users && other.delete_users,
            export: self.export && other.export,
            manage_departments: self.manage_departments && other.manage_departments,
            call_logs: self.call_logs.min(other.call_logs),
            view_audit: self.view_audit && other.view_audit,
            manage_roles: self.manage_roles && other.manage_roles,
            api_tokens: self.api_tokens && other.api_tokens,
        }
    }
}

/// The built-in roles every account has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinRole {
    /// Full rights; the owner is always one. R7 counts these.
    Administrator,
    /// Acts within the departments they manage.
    Manager,
    /// Own profile only.
    Basic,
}

impl BuiltinRole {
    /// All built-in roles.
    pub const ALL: [Self; 3] = [Self::Administrator, Self::Manager, Self::Basic];

    /// The role's display name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Administrator => "Administrator",
            Self::Manager => "Manager",
            Self::Basic => "Basic",
        }
    }

    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::Manager => "manager",
            Self::Basic => "basic",
        }
    }

    /// Reads the stored key back.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    /// The default permission matrix.
    pub fn default_permissions(&self) -> Permissions {
        match self {
            Self::Administrator => Permissions::ADMINISTRATOR,
            Self::Manager => Permissions::MANAGER,
            Self::Basic => Permissions::BASIC,
        }
    }
}

/// A role of an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Role {
    /// Id.
    pub id: RoleId,
    /// Owning account.
    pub account_id: AccountId,
    /// Display name, unique in the account (case-insensitively).
    pub name: Name,
    /// Which built-in role this is, if any.
    pub builtin: Option<BuiltinRole>,
    /// What holders of the role may do.
    pub permissions: Permissions,
}

impl Role {
    /// Whether this is the Administrator role (the one R7 protects).
    pub fn is_administrator(&self) -> bool {
        self.builtin == Some(BuiltinRole::Administrator)
    }
}

/// Why an actor may not change a user (R1, R15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditRefusal {
    /// Their role does not edit users at all.
    NotAllowed,
    /// Their role edits only their own profile.
    OwnProfileOnly,
    /// Their role edits only users of the departments they manage.
    OutsideManagedDepartments,
    /// The user's role holds a permission the actor's role lacks (R15).
    Outranked,
}

impl EditRefusal {
    /// The refusal in words, for the actor.
    pub fn message(&self) -> &'static str {
        match self {
            Self::NotAllowed => "your role does not allow editing users",
            Self::OwnProfileOnly => "you can edit only your own profile",
            Self::OutsideManagedDepartments => {
                "you can edit only users of the departments you manage"
            }
            Self::Outranked => "this user's role has rights your role does not",
        }
    }
}

/// R15: whether an actor holding `actor` (an Administrator when `actor_is_admin`) may change
/// a user whose role holds `target`. Nobody acts on a user who holds a right they lack,
/// otherwise they could take that right over (change the user's email, then reset the
/// password).
pub fn outranks_or_equals(actor: &Permissions, actor_is_admin: bool, target: &Permissions) -> bool {
    actor_is_admin || target.is_within(actor)
}

/// R1: whether an actor holding `actor` (an Administrator when `actor_is_admin`) may give
/// the role `role_name`, which holds `granted`; nobody hands out rights they lack.
pub fn may_grant(
    actor: &Permissions,
    actor_is_admin: bool,
    granted: &Permissions,
    role_name: &str,
) -> Result<(), DomainError> {
    if actor_is_admin || granted.is_within(actor) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "you cannot give the {role_name} role: it has rights your role does not"
        )))
    }
}

/// R1 and R15 for editing: how far the actor may edit the target user, or why not.
/// `is_self` — the target is the actor; `manages_target` — the target is a member of a
/// department the actor manages.
pub fn edit_scope(
    actor: &Permissions,
    actor_is_admin: bool,
    is_self: bool,
    manages_target: bool,
    target: &Permissions,
) -> Result<Scope, EditRefusal> {
    let scope = match actor.edit_users {
        Scope::All => Scope::All,
        Scope::Departments if is_self || manages_target => Scope::Departments,
        Scope::Departments => return Err(EditRefusal::OutsideManagedDepartments),
        Scope::Own if is_self => Scope::Own,
        Scope::Own => return Err(EditRefusal::OwnProfileOnly),
        Scope::None => return Err(EditRefusal::NotAllowed),
    };
    if outranks_or_equals(actor, actor_is_admin, target) {
        Ok(scope)
    } else {
        Err(EditRefusal::Outranked)
    }
}

/// Parses a permission matrix from its wire form, naming the first bad field.
pub fn parse_permissions(value: &serde_json::Value) -> Result<Permissions, FieldError> {
    serde_json::from_value(value.clone()).map_err(|e| {
        FieldError::new(
            "permissions",
            "invalid",
            format!("is not a valid permission matrix: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_matrix_is_ordered_administrator_manager_basic() {
        assert!(Permissions::BASIC.is_within(&Permissions::MANAGER));
        assert!(Permissions::MANAGER.is_within(&Permissions::ADMINISTRATOR));
        assert!(!Permissions::ADMINISTRATOR.is_within(&Permissions::MANAGER));
        assert_eq!(Permissions::BASIC.edit_users, Scope::Own);
        assert_eq!(
            Permissions::ADMINISTRATOR.intersect(&Permissions::BASIC),
            Permissions::BASIC
        );
    }

    #[test]
    fn a_manager_never_edits_an_administrator_even_in_their_department() {
        let manager = Permissions::MANAGER;
        assert_eq!(
            edit_scope(&manager, false, false, true, &Permissions::ADMINISTRATOR),
            Err(EditRefusal::Outranked)
        );
        assert_eq!(
            edit_scope(&manager, false, false, true, &Permissions::BASIC),
            Ok(Scope::Departments)
        );
        assert_eq!(
            edit_scope(&manager, false, false, false, &Permissions::BASIC),
            Err(EditRefusal::OutsideManagedDepartments)
        );
    }

    #[test]
    fn a_role_with_one_right_more_is_outranking_even_with_equal_edit_scope() {
        let custom = Permissions {
            export: false,
            ..Permissions::MANAGER
        };
        assert_eq!(
            edit_scope(&custom, false, false, true, &Permissions::MANAGER),
            Err(EditRefusal::Outranked)
        );
        assert_eq!(
            edit_scope(&Permissions::MANAGER, false, false, true, &custom),
            Ok(Scope::Departments)
        );
        // An Administrator acts on anyone, their own rights being all there are.
        assert!(outranks_or_equals(
            &Permissions::NONE,
            true,
            &Permissions::ADMINISTRATOR
        ));
    }
}
