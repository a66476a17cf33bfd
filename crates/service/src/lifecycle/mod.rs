//! Deactivate (now or scheduled), activate, delete with its guards, deletion check,
//! reassigning owned resources (R7–R10); replacing a user (R14) is in `replace`.

mod replace;

pub use replace::{ReplaceMode, Replacement};

use serde::Serialize;
use switchboard_domain::{
    Blocker, Destination, DomainError, EditRefusal, Role, User, UserId, UserStatus,
    outranks_or_equals,
};
use switchboard_store::{
    StoreError, accounts, auth, departments, invites, resources, roles, users as store,
};

use crate::error::{Error, Result, forbidden, not_found, refuse};
use crate::users::{ensure_admin_remains, is_active_admin, user_target};
use crate::{Change, Ctx, Switchboard};

/// What deleting a user would do, and what stops it (R8, R9).
#[derive(Clone, Debug, Serialize)]
pub struct DeletionCheck {
    /// Whether the delete can go ahead now.
    pub can_delete: bool,
    /// Resources to reassign first.
    pub blockers: Vec<Blocker>,
    /// Why it cannot go ahead other than blockers (owner, last admin).
    pub refusal: Option<String>,
    /// Departments the user will leave.
    pub departments_left: usize,
    /// Sessions and API tokens that will be revoked.
    pub credentials_revoked: i64,
    /// Whether a licensed seat is freed.
    pub frees_seat: bool,
    /// The extension that becomes free.
    pub frees_extension: String,
}

/// How many records a reassignment moved.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Reassigned {
    /// Numbers and workflows.
    pub resources: u64,
    /// Departments whose management moved.
    pub departments: u64,
    /// Numbers whose calls now go to the new user.
    pub destinations: u64,
}

async fn blockers_of(c: &mut Change, id: UserId) -> Result<Vec<Blocker>> {
    let mut out = Vec::new();
    for n in resources::list_numbers(&mut c.tx, c.account.id, Some(id)).await? {
        out.push(Blocker {
            kind: "number",
            id: n.id.to_string(),
            label: n.number.to_string(),
        });
    }
    for w in resources::list_workflows(&mut c.tx, c.account.id, Some(id)).await? {
        out.push(Blocker {
            kind: "workflow",
            id: w.id.to_string(),
            label: w.name.to_string(),
        });
    }
    for (d, name) in departments::list_managed_departments(&mut c.tx, c.account.id, id).await? {
        out.push(Blocker {
            kind: "department",
            id: d.to_string(),
            label: name,
        });
    }
    for n in
        resources::list_numbers_routed_to(&mut c.tx, c.account.id, Destination::User(id)).await?
    {
        out.push(n.destination_blocker());
    }
    Ok(out)
}

/// The user about to be acted on, with their role; R15 refuses one whose role holds a
/// right the actor's lacks.
pub(crate) async fn load(c: &mut Change, id: UserId) -> Result<(User, Role)> {
    let u = store::find_user(&mut c.tx, c.account.id, id)
        .await?
        .ok_or_else(|| not_found("user"))?;
    let r = roles::find_role(&mut c.tx, c.account.id, u.role_id)
        .await?
        .ok_or_else(|| Error::Internal("user without role".to_owned()))?;
    if !outranks_or_equals(&c.who.perms, c.who.is_admin, &r.permissions) {
        return Err(forbidden(EditRefusal::Outranked.message()));
    }
    Ok((u, r))
}

fn owner_guard(c: &Change, id: UserId, what: &str) -> Result<()> {
    if c.account.owner_id == id {
        return refuse(DomainError::OwnerProtected(format!(
            "the account owner cannot be {what}; transfer ownership to another Administrator first"
        )));
    }
    Ok(())
}

async fn write(c: &mut Change, u: &mut User) -> Result<()> {
    u.version += 1;
    u.updated_at = c.now;
    if !store::update_user(&mut c.tx, u, store::Touches::ROW_ONLY).await? {
        return refuse(DomainError::PreconditionFailed);
    }
    Ok(())
}

impl Switchboard {
    /// Deactivates a user now, or schedules it when `at` is in the future (R10).
    pub async fn deactivate_user(
        &self,
        ctx: &Ctx,
        id: UserId,
        at: Option<jiff::Timestamp>,
    ) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let u = Self::deactivate_user_in(&mut c, id, at).await?;
        c.commit().await?;
        Ok(u)
    }

    /// [`Self::deactivate_user`] inside the caller's change.
    pub(crate) async fn deactivate_user_in(
        c: &mut Change,
        id: UserId,
        at: Option<jiff::Timestamp>,
    ) -> Result<User> {
        c.who
            .require(c.who.perms.delete_users, "deactivate users")?;
        let (mut u, role) = load(c, id).await?;
        owner_guard(c, id, "deactivated")?;
        if u.status == UserStatus::Inactive {
            return refuse(DomainError::InvalidState(format!(
                "{} is already inactive",
                u.name
            )));
        }
        let before = u.audit_view();
        if let Some(at) = at.filter(|at| *at > c.now) {
            u.deactivate_at = Some(at);
            write(c, &mut u).await?;
            let (b, a) = crate::diff(&before, &u.audit_view());
            c.audit(
                "user.deactivation_scheduled",
                user_target(&u),
                Some(b),
                Some(a),
            )
            .await?;
            return Ok(u);
        }
        Self::deactivate_now(c, &mut u, &role).await?;
        let (b, a) = crate::diff(&before, &u.audit_view());
        c.audit("user.deactivated", user_target(&u), Some(b), Some(a))
            .await?;
        Ok(u)
    }

    /// The deactivation itself, inside a change: R7, status, credentials, invites.
    pub(crate) async fn deactivate_now(c: &mut Change, u: &mut User, role: &Role) -> Result<()> {
        ensure_admin_remains(c, u, role).await?;
        u.status = UserStatus::Inactive;
        u.deactivate_at = None;
        write(c, u).await?;
        auth::revoke_user_credentials(&mut c.tx, c.account.id, u.id, c.now).await?;
        invites::revoke_user_invites(&mut c.tx, c.account.id, u.id, c.now).await?;
        Ok(())
    }

    /// Activates a deactivated user (R10), refused when no seat is free; also cancels a
    /// scheduled deactivation of an active user.
    pub async fn activate_user(&self, ctx: &Ctx, id: UserId) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let u = self.activate_user_in(&mut c, id).await?;
        c.commit().await?;
        Ok(u)
    }

    /// [`Self::activate_user`] inside the caller's change.
    pub(crate) async fn activate_user_in(&self, c: &mut Change, id: UserId) -> Result<User> {
        c.who.require(c.who.perms.delete_users, "activate users")?;
        let (mut u, _) = load(c, id).await?;
        let before = u.audit_view();
        if u.status != UserStatus::Inactive {
            if u.deactivate_at.is_none() {
                return refuse(DomainError::InvalidState(format!(
                    "{} is already active",
                    u.name
                )));
            }
            u.deactivate_at = None;
            write(c, &mut u).await?;
            let (b, a) = crate::diff(&before, &u.audit_view());
            c.audit(
                "user.deactivation_cancelled",
                user_target(&u),
                Some(b),
                Some(a),
            )
            .await?;
            return Ok(u);
        }
        let usage = accounts::count_usage(&mut c.tx, c.account.id).await?;
        c.account.check_room_for(usage, u.panel_access)?;
        u.status = UserStatus::when_enabled(u.panel_access, u.has_signed_in);
        write(c, &mut u).await?;
        let (b, a) = crate::diff(&before, &u.audit_view());
        c.audit("user.activated", user_target(&u), Some(b), Some(a))
            .await?;
        if u.status == UserStatus::PendingInvite {
            self.issue_invite(c, &u).await?;
        }
        Ok(u)
    }

    /// What deleting the user would do, and what blocks it.
    pub async fn deletion_check(&self, ctx: &Ctx, id: UserId) -> Result<DeletionCheck> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.perms.delete_users, "delete users")?;
        let (u, role) = load(&mut c, id).await?;
        let blockers = blockers_of(&mut c, id).await?;
        let mut refusal = owner_guard(&c, id, "deleted").err().map(|e| e.to_string());
        if refusal.is_none() && is_active_admin(&u, &role) {
            let admins = store::count_active_with_role(&mut c.tx, c.account.id, role.id).await?;
            if admins <= 1 {
                refusal = Some(DomainError::LastAdmin.to_string());
            }
        }
        let departments_left = departments::list_user_memberships(&mut c.tx, c.account.id, id)
            .await?
            .len();
        let credentials_revoked = auth::count_user_credentials(&mut c.tx, c.account.id, id).await?;
        Ok(DeletionCheck {
            can_delete: blockers.is_empty() && refusal.is_none(),
            blockers,
            refusal,
            departments_left,
            credentials_revoked,
            frees_seat: u.holds_seat(),
            frees_extension: u.extension.to_string(),
        })
    }

    /// Deletes a user for good (R7, R8, R9). Call records and audit events keep the name.
    pub async fn delete_user(&self, ctx: &Ctx, id: UserId) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.delete_users, "delete users")?;
        let (u, role) = load(&mut c, id).await?;
        Self::delete_now(&mut c, &u, &role).await?;
        c.commit().await
    }

    /// The deletion itself, inside a change.
    pub(crate) async fn delete_now(c: &mut Change, u: &User, role: &Role) -> Result<()> {
        owner_guard(c, u.id, "deleted")?;
        let blockers = blockers_of(c, u.id).await?;
        if !blockers.is_empty() {
            return refuse(DomainError::OwnsResources {
                name: u.name.to_string(),
                blockers,
            });
        }
        ensure_admin_remains(c, u, role).await?;
        auth::revoke_user_credentials(&mut c.tx, c.account.id, u.id, c.now).await?;
        match store::delete_user(&mut c.tx, c.account.id, u.id).await {
            Ok(true) => {}
            Ok(false) => return Err(not_found("user")),
            Err(StoreError::ForeignKey) => {
                return refuse(DomainError::OwnsResources {
                    name: u.name.to_string(),
                    blockers: Vec::new(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        c.audit("user.deleted", user_target(u), Some(u.audit_view()), None)
            .await
    }

    /// Moves every number, workflow and department management of `from` to `to`, and
    /// routes to `to` the calls of the numbers whose destination is `from` (R8).
    pub async fn reassign_resources(
        &self,
        ctx: &Ctx,
        from: UserId,
        to: UserId,
    ) -> Result<Reassigned> {
        let mut c = self.begin(ctx).await?;
        c.who.require(
            c.who.perms.manage_departments,
            "reassign numbers, workflows and departments",
        )?;
        let moved = Self::reassign_in(&mut c, from, to).await?;
        c.commit().await?;
        Ok(moved)
    }

    async fn reassign_in(c: &mut Change, from: UserId, to: UserId) -> Result<Reassigned> {
        let (old, _) = load(c, from).await?;
        let target = store::find_user(&mut c.tx, c.account.id, to)
            .await?
            .ok_or_else(|| {
                Error::Domain(DomainError::field(
                    "to",
                    "not_found",
                    "there is no such user",
                ))
            })?;
        if from == to {
            return refuse(DomainError::field(
                "to",
                "invalid",
                "choose a different user to take over",
            ));
        }
        if target.status == UserStatus::Inactive {
            return refuse(DomainError::field(
                "to",
                "inactive",
                format!("{} is deactivated and cannot own resources", target.name),
            ));
        }
        let blockers = blockers_of(c, from).await?;
        let moved = Reassigned {
            resources: resources::reassign_owned_resources(&mut c.tx, c.account.id, from, to)
                .await?,
            departments: departments::reassign_managed_departments(
                &mut c.tx,
                c.account.id,
                from,
                to,
            )
            .await?,
            destinations: resources::reassign_number_destinations(
                &mut c.tx,
                c.account.id,
                from,
                to,
            )
            .await?,
        };
        c.audit(
            "user.resources_reassigned",
            user_target(&old),
            Some(serde_json::json!({ "owner_id": from.to_string(), "resources": blockers })),
            Some(serde_json::json!({ "owner_id": to.to_string(), "owner_name": target.name.as_str() })),
        )
        .await?;
        Ok(moved)
    }
}
