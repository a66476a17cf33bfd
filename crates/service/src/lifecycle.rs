//! Deactivate (now or scheduled), activate, delete with its guards, deletion check,
//! reassigning owned resources, and replacing a user (R7–R10, R14).

use serde::Serialize;
use switchboard_domain::{
    Blocker, DomainError, E164, EditRefusal, Email, Extension, Name, Role, User, UserId,
    UserStatus, outranks_or_equals,
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
}

/// What happens to the old user in a replace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplaceMode {
    /// Keep the old profile, deactivated.
    Deactivate,
    /// Delete the old profile.
    Delete,
}

/// A replace request (R14): the person keeps everything but moves to a new mobile.
#[derive(Clone, Debug)]
pub struct Replacement {
    /// The new mobile.
    pub mobile: E164,
    /// A new name (the old one when absent).
    pub name: Option<Name>,
    /// A new email (the old one moves over when absent).
    pub email: Option<Email>,
    /// What happens to the old user.
    pub mode: ReplaceMode,
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

    /// Moves every number, workflow and department management of `from` to `to` (R8).
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

    /// Replaces a user with a new one on a new mobile, atomically (R14): the new user gets
    /// the role, extension, voicemail, memberships (same positions), call hours, time
    /// zone, tags and owned resources; the old one is then deactivated or deleted. The
    /// person keeps their sign-in and, if they owned the account, the ownership.
    pub async fn replace_user(&self, ctx: &Ctx, id: UserId, r: Replacement) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.delete_users, "replace users")?;
        let (mut old, role) = load(&mut c, id).await?;
        if old.status == UserStatus::Inactive {
            return refuse(DomainError::InvalidState(format!(
                "{} is deactivated; activate them before replacing",
                old.name
            )));
        }
        if old.mobile.as_ref() == Some(&r.mobile) {
            return refuse(DomainError::field(
                "mobile",
                "unchanged",
                "the new mobile is the same as the current one",
            ));
        }
        let email = r.email.clone().or_else(|| old.email.clone());
        Self::check_identifiers(&mut c, Some(id), email.as_ref(), Some(&r.mobile), None).await?;
        let password = store::find_user_password_hash(&mut c.tx, c.account.id, id).await?;

        // Free the old user's email and extension for the new one.
        let mut usage = accounts::count_usage(&mut c.tx, c.account.id).await?;
        usage.users = usage.users.saturating_sub(1);
        if old.holds_seat() {
            usage.seats = usage.seats.saturating_sub(1);
        }
        c.account.check_room_for(usage, old.panel_access)?;
        let extension = old.extension;
        let parking = match r.mode {
            ReplaceMode::Deactivate => Self::next_extension(&mut c).await?,
            // A number past the range that nobody holds, for the instant before deletion.
            ReplaceMode::Delete => Extension::from_number(999_999_999)
                .ok_or_else(|| Error::Internal("parking extension".to_owned()))?,
        };
        let before_old = old.audit_view();
        let original = old.clone();
        park(&mut old, &r, parking)?;
        write(&mut c, &mut old).await?;

        let new = successor(&old, &r, email, extension, c.now);
        if let Err(e) = self.hand_over(&mut c, id, &new, password).await {
            drop(c);
            return Err(match e {
                Error::Store(StoreError::Unique(k)) => {
                    self.explain_unique(
                        None,
                        new.account_id,
                        k,
                        new.email.as_ref(),
                        new.mobile.as_ref(),
                        Some(new.extension),
                    )
                    .await
                }
                other => other,
            });
        }
        match r.mode {
            ReplaceMode::Deactivate => {
                Self::deactivate_now(&mut c, &mut old, &role).await?;
                let (b, a) = crate::diff(&before_old, &old.audit_view());
                c.audit("user.deactivated", user_target(&old), Some(b), Some(a))
                    .await?;
            }
            // Audited with the values it had, not the parked ones.
            ReplaceMode::Delete => Self::delete_now(&mut c, &original, &role).await?,
        }
        if new.status == UserStatus::PendingInvite {
            self.issue_invite(&mut c, &new).await?;
        }
        c.commit().await?;
        Ok(new)
    }

    /// Hands a replaced user's place to `new`: inserts them with the old password, the
    /// memberships in the same positions, the owned resources and the ownership. A
    /// uniqueness violation comes back as `Error::Store`.
    async fn hand_over(
        &self,
        c: &mut Change,
        id: UserId,
        new: &User,
        password: Option<String>,
    ) -> Result<()> {
        store::insert_user(&mut c.tx, new).await?;
        if let Some(h) = &password {
            store::set_user_password(&mut c.tx, c.account.id, new.id, h).await?;
        }
        departments::copy_memberships(&mut c.tx, c.account.id, id, new.id, c.now).await?;
        c.audit(
            "user.created",
            user_target(new),
            None,
            Some(serde_json::json!({ "replaces": id.to_string(), "user": new.audit_view() })),
        )
        .await?;
        Self::reassign_in(c, id, new.id).await?;
        if c.account.owner_id == id {
            accounts::set_account_owner(&mut c.tx, c.account.id, new.id).await?;
            c.account.owner_id = new.id;
            c.audit(
                "account.ownership_transferred",
                user_target(new),
                Some(serde_json::json!({ "owner_id": id.to_string() })),
                Some(serde_json::json!({ "owner_id": new.id.to_string() })),
            )
            .await?;
        }
        Ok(())
    }
}

/// Moves the old user out of the way of their successor (R14): onto `parking`, without the
/// email the new user takes.
fn park(old: &mut User, r: &Replacement, parking: Extension) -> Result<()> {
    old.extension = parking;
    if old.email.is_some() && old.mobile.is_some() {
        old.email = None;
    } else if r.mode == ReplaceMode::Delete && old.email.is_some() {
        // The old profile is deleted below, in this transaction: park its email (it has
        // no mobile, and a user needs one of the two) so the new user can take it.
        old.email = Some(Email::parse(
            "email",
            &format!("{}@replaced.invalid", old.id.as_uuid().simple()),
        )?);
    } else if old.email.is_some() && r.email.is_none() && r.mode == ReplaceMode::Deactivate {
        return refuse(DomainError::field(
            "email",
            "required",
            "the old user has no mobile, so they keep their email; give the new user another email",
        ));
    }
    Ok(())
}

/// The user who replaces `old` (R14): the new mobile (and name, email when given), and
/// the old user's role, extension, settings and tags.
fn successor(
    old: &User,
    r: &Replacement,
    email: Option<Email>,
    extension: Extension,
    now: jiff::Timestamp,
) -> User {
    User {
        id: UserId::new(),
        account_id: old.account_id,
        name: r.name.clone().unwrap_or_else(|| old.name.clone()),
        email,
        mobile: Some(r.mobile.clone()),
        alternate_mobile: old.alternate_mobile.clone(),
        extension,
        role_id: old.role_id,
        panel_access: old.panel_access,
        receive_calls: old.receive_calls,
        call_hours: old.call_hours.clone(),
        time_zone: old.time_zone.clone(),
        availability: old.availability,
        voicemail: old.voicemail,
        status: UserStatus::when_enabled(old.panel_access, old.has_signed_in),
        external_id: None,
        idp: Default::default(),
        tags: old.tags.clone(),
        has_signed_in: old.has_signed_in,
        deactivate_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}
