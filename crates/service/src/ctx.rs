//! Who is acting, and what they may do. Permissions are read from the database once per
//! request (when a token is authenticated, or by the request's first use case), so role and
//! permission changes apply on the actor's very next request (SPEC §1), and a deactivated
//! user's credentials stop working at once (R10).

use std::sync::Arc;

use switchboard_domain::{Account, ApiTokenRecord, DomainError};
use switchboard_domain::{
    AccountId, ActorKind, ApiTokenId, DepartmentId, EditRefusal, Permissions, Scope, UserId,
    UserStatus, edit_scope, may_grant, outranks_or_equals,
};
use switchboard_store::{Tx, auth, departments, roles, users};

use crate::error::{Error, Result, forbidden};

/// The acting party as the interface authenticated it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user (dashboard session).
    User(UserId),
    /// An API token.
    ApiToken(ApiTokenId),
    /// An identity provider's SCIM token.
    Scim(ApiTokenId),
    /// Switchboard's operator or itself (CLI, scheduler): full rights within the account.
    System(String),
}

/// The context every use case takes: which account, who acts, from where. One `Ctx` is one
/// request: when it was made by authenticating a token it carries the actor's rights as
/// read then, and its use cases do not read them again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ctx {
    /// The account acted on; every query is scoped to it.
    pub account_id: AccountId,
    /// The actor.
    pub actor: Actor,
    /// Where the request came from (IP address, `cli`, `scheduler`).
    pub source: String,
    /// The actor's rights as they were read for its token (`None`: read them in each use
    /// case), current while the account's rights version is `rights_version`.
    resolved: Option<Arc<Principal>>,
    /// Whether the token read for this request has the `sip:proxy` scope (meaningful only
    /// with `resolved`).
    sip_proxy: bool,
    /// The account's rights version `resolved` was read at.
    rights_version: i64,
}

impl Ctx {
    /// A context for `actor` acting in `account_id`; its rights are read by each use case.
    pub fn new(account_id: AccountId, actor: Actor, source: impl Into<String>) -> Self {
        Self {
            account_id,
            actor,
            source: source.into(),
            resolved: None,
            sip_proxy: false,
            rights_version: 0,
        }
    }

    /// A context for the operator on the command line.
    pub fn cli(account_id: AccountId) -> Self {
        Self::new(
            account_id,
            Actor::System("switchboard CLI".to_owned()),
            "cli",
        )
    }

    /// A context for a signed-in user.
    pub fn user(account_id: AccountId, user: UserId, source: impl Into<String>) -> Self {
        Self::new(account_id, Actor::User(user), source)
    }

    /// A request's context for a token whose rights were read at the account's rights
    /// version `rights_version`.
    pub(crate) fn with_rights(
        account_id: AccountId,
        actor: Actor,
        source: String,
        who: Arc<Principal>,
        sip_proxy: bool,
        rights_version: i64,
    ) -> Self {
        Self {
            account_id,
            actor,
            source,
            resolved: Some(who),
            sip_proxy,
            rights_version,
        }
    }
}

/// The actor a token authenticates.
pub(crate) fn token_actor(t: &ApiTokenRecord) -> Actor {
    if t.kind == "scim" {
        Actor::Scim(t.id)
    } else {
        Actor::ApiToken(t.id)
    }
}

/// The rights of the token `t` (not revoked), read in `tx`, for an account owned by
/// `owner`.
pub(crate) async fn rights_of_token(
    tx: &mut Tx,
    t: &ApiTokenRecord,
    owner: Option<UserId>,
) -> Result<Principal> {
    let who = token_principal(tx, t).await?;
    Ok(match owner {
        Some(owner) => who.of_account_owned_by(owner),
        None => who,
    })
}

impl Ctx {
    /// The actor's rights as read for the request's token, and the account's rights
    /// version they were read at (the caller compares it with the current one).
    pub(crate) fn known_principal(&self) -> Option<(&Principal, i64)> {
        self.resolved.as_deref().map(|p| (p, self.rights_version))
    }

    /// Whether the request's token is the SIP proxy's, when that was read at the account's
    /// current rights version `current`; `None` otherwise (then the use case reads it).
    pub(crate) fn known_sip_proxy(&self, current: i64) -> Option<bool> {
        (self.resolved.is_some() && self.rights_version == current).then_some(self.sip_proxy)
    }
}

/// The actor resolved against the database: identity for the audit log, and the
/// permissions in force right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Kind, for the audit log.
    pub kind: ActorKind,
    /// Id, for the audit log.
    pub id: Option<String>,
    /// Display name, for the audit log.
    pub name: String,
    /// The user acting (signed-in user, or the user an API token belongs to).
    pub user_id: Option<UserId>,
    /// Permissions in force.
    pub perms: Permissions,
    /// Whether the actor is the account owner.
    pub is_owner: bool,
    /// Whether the actor holds the Administrator role (or is the system).
    pub is_admin: bool,
}

async fn user_permissions(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> Result<(String, Permissions, bool)> {
    let u = users::find_user(tx, account, user)
        .await?
        .ok_or_else(|| forbidden("your account no longer exists"))?;
    if u.status != UserStatus::Active {
        return Err(forbidden("your account is not active"));
    }
    let role = roles::find_role(tx, account, u.role_id)
        .await?
        .ok_or_else(|| Error::Internal("user without role".to_owned()))?;
    Ok((
        u.name.to_string(),
        role.permissions,
        role.is_administrator(),
    ))
}

/// The permissions of `user`'s role; a user not found holds none (the use case answers
/// 404 for it).
async fn target_permissions(tx: &mut Tx, account: AccountId, user: UserId) -> Result<Permissions> {
    let Some(u) = users::find_user(tx, account, user).await? else {
        return Ok(Permissions::NONE);
    };
    Ok(roles::find_role(tx, account, u.role_id)
        .await?
        .map(|r| r.permissions)
        .unwrap_or(Permissions::NONE))
}

/// Resolves the actor of `ctx` inside `tx`, for `account` as just read there: the rights
/// read for the request's token while the account's rights version is the one they were
/// read at, else the rights read now.
pub(crate) async fn resolve(
    tx: &mut Tx,
    ctx: &Ctx,
    account: &Account,
    now: jiff::Timestamp,
) -> Result<Principal> {
    let who = match (&ctx.resolved, &ctx.actor) {
        (Some(known), _) if ctx.rights_version == account.rights_version => Principal::clone(known),
        (_, Actor::System(name)) => Principal {
            kind: ActorKind::System,
            id: None,
            name: name.clone(),
            user_id: None,
            perms: Permissions::ADMINISTRATOR,
            is_owner: true,
            is_admin: true,
        },
        (_, Actor::User(id)) => {
            let (name, perms, is_admin) = user_permissions(tx, ctx.account_id, *id).await?;
            Principal {
                kind: ActorKind::User,
                id: Some(id.to_string()),
                name,
                user_id: Some(*id),
                perms,
                is_owner: false,
                is_admin,
            }
        }
        (_, Actor::ApiToken(id) | Actor::Scim(id)) => {
            let t = auth::find_api_token(tx, ctx.account_id, *id)
                .await?
                .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
                .ok_or(Error::Domain(DomainError::TokenEnded))?;
            token_principal(tx, &t).await?
        }
    };
    Ok(who.of_account_owned_by(account.owner_id))
}

/// The rights of a token that is not revoked: a SCIM token provisions users; an API token
/// has its role's rights, within its user's when it belongs to one.
async fn token_principal(tx: &mut Tx, t: &ApiTokenRecord) -> Result<Principal> {
    let scim = matches!(token_actor(t), Actor::Scim(_));
    let api_scope = crate::tokens::has_scope(t, crate::tokens::SCOPE_API);
    let mut role_admin = false;
    let mut perms = if scim {
        Permissions {
            manage_roles: false,
            view_audit: false,
            api_tokens: false,
            ..Permissions::ADMINISTRATOR
        }
    } else if !api_scope {
        // A token that only reports calls has no say over the REST API.
        Permissions::NONE
    } else {
        match t.role_id {
            Some(r) => match roles::find_role(tx, t.account_id, r).await? {
                Some(role) => {
                    role_admin = role.is_administrator();
                    role.permissions
                }
                None => Permissions::NONE,
            },
            None => Permissions::NONE,
        }
    };
    let mut is_admin = scim;
    if let Some(u) = t.user_id {
        let (_, user_perms, admin) = user_permissions(tx, t.account_id, u).await?;
        perms = perms.intersect(&user_perms);
        // An administrator's token with a lesser role acts with that role, not as them.
        is_admin = admin && role_admin;
    } else if !scim {
        is_admin = perms == Permissions::ADMINISTRATOR;
    }
    if !scim && !api_scope {
        is_admin = false;
    }
    Ok(Principal {
        kind: if scim {
            ActorKind::Scim
        } else {
            ActorKind::ApiToken
        },
        id: Some(t.id.to_string()),
        name: t.name.clone(),
        user_id: t.user_id,
        perms,
        is_owner: false,
        is_admin,
    })
}

impl Principal {
    /// Whether this actor is the owner of an account owned by `owner`: the owner signed in,
    /// or a token of the owner with full rights; the system acts as the owner.
    fn of_account_owned_by(mut self, owner: UserId) -> Self {
        self.is_owner = match self.kind {
            ActorKind::System => true,
            ActorKind::User => self.user_id == Some(owner),
            ActorKind::ApiToken => self.is_admin && self.user_id == Some(owner),
            ActorKind::Scim => false,
        };
        self
    }

    /// Refuses unless `allowed`.
    pub fn require(&self, allowed: bool, what: &str) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            Err(forbidden(format!("your role does not allow you to {what}")))
        }
    }

    /// Refuses unless this principal may see `user` (anyone's with "view users", else
    /// only their own).
    pub fn require_view_user(&self, user: UserId) -> Result<()> {
        self.require(self.perms.view_users || self.is_self(user), "view users")
    }

    /// Refuses unless this principal may see the account's users ("view users").
    pub fn require_view_users(&self) -> Result<()> {
        self.require(self.perms.view_users, "view users")
    }

    /// Whether this principal is `user` themselves.
    pub fn is_self(&self, user: UserId) -> bool {
        self.user_id == Some(user)
    }

    /// R1 and R15 for editing: may this principal edit `target`? Returns the scope that
    /// applied.
    pub async fn check_can_edit(
        &self,
        tx: &mut Tx,
        account: AccountId,
        target: UserId,
    ) -> Result<Scope> {
        let manages_target = match (self.perms.edit_users, self.user_id) {
            (Scope::Departments, Some(me)) if me != target => {
                departments::is_user_in_managed_departments(tx, account, me, target).await?
            }
            _ => false,
        };
        let target_perms = target_permissions(tx, account, target).await?;
        edit_scope(
            &self.perms,
            self.is_admin,
            self.is_self(target),
            manages_target,
            &target_perms,
        )
        .map_err(|r| forbidden(r.message()))
    }

    /// What this principal may do to `target` (R1, R15), whose role holds `target_perms`;
    /// `manages_target`: the target is in a department this principal manages.
    pub fn rights_over(
        &self,
        target: UserId,
        manages_target: bool,
        target_perms: &Permissions,
    ) -> crate::users::Rights {
        let is_self = self.is_self(target);
        crate::users::Rights {
            edit: edit_scope(
                &self.perms,
                self.is_admin,
                is_self,
                manages_target,
                target_perms,
            )
            .is_ok(),
            manage_lifecycle: self.perms.delete_users
                && outranks_or_equals(&self.perms, self.is_admin, target_perms),
        }
    }

    /// R15 for every other write on a user (deactivate, delete, replace, tokens made for
    /// them): refuses when the user's role holds a permission this principal's lacks.
    pub async fn check_outranks(
        &self,
        tx: &mut Tx,
        account: AccountId,
        target: UserId,
    ) -> Result<()> {
        let target_perms = target_permissions(tx, account, target).await?;
        if outranks_or_equals(&self.perms, self.is_admin, &target_perms) {
            Ok(())
        } else {
            Err(forbidden(EditRefusal::Outranked.message()))
        }
    }

    /// The departments this principal manages (for the `departments` scope).
    pub async fn managed_departments(
        &self,
        tx: &mut Tx,
        account: AccountId,
    ) -> Result<Vec<DepartmentId>> {
        match self.user_id {
            Some(me) => Ok(departments::list_managed_departments(tx, account, me)
                .await?
                .into_iter()
                .map(|(d, _)| d)
                .collect()),
            None => Ok(Vec::new()),
        }
    }

    /// Refuses handing out a role with more rights than the principal holds.
    pub fn check_can_grant(&self, perms: &Permissions, role_name: &str) -> Result<()> {
        Ok(may_grant(&self.perms, self.is_admin, perms, role_name)?)
    }
}
