//! Editing users: what an edit reads, [`User::apply`] deciding it, and writing what it
//! decided (R1, R4–R7, R11, R13, R15); availability set on its own.

use switchboard_domain::adding::Holders;
use switchboard_domain::user::{Edit, EditFacts, Editor};
use switchboard_domain::{
    Account, AccountId, Availability, DepartmentId, DomainError, Email, Role, Scope, Usage, User,
    UserId, UserPatch, UserStatus, audit::ActorKind,
};
use switchboard_store::{
    StoreError, Tx, accounts, auth, departments, invites, roles, users as store,
};

use crate::error::{Error, Result, not_found, refuse};
use crate::{Change, Ctx, Switchboard};

use super::{check_departments, refusal, resolve_role, user_target};

impl Switchboard {
    /// Edits a user with merge semantics (R1, R4, R5, R6, R7, R11, R13). `if_version`
    /// refuses the edit when the user changed since the caller read it.
    pub async fn edit_user(
        &self,
        ctx: &Ctx,
        id: UserId,
        patch: UserPatch,
        if_version: Option<i64>,
    ) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let account = c.account.id;
        match self.edit_user_in(&mut c, id, &patch, if_version).await {
            Ok(u) => {
                c.commit().await?;
                Ok(u)
            }
            Err(e) => {
                drop(c);
                Err(self.explain_edit_error(account, &patch, e).await)
            }
        }
    }

    /// Turns a uniqueness violation of an edit into the conflict it means, after the
    /// edit's transaction has been rolled back (the holder is read afresh).
    async fn explain_edit_error(&self, account: AccountId, patch: &UserPatch, e: Error) -> Error {
        match e {
            Error::Store(StoreError::Unique(k)) => {
                self.explain_unique(
                    None,
                    account,
                    k,
                    patch.email.as_ref().and_then(Option::as_ref),
                    patch.mobile.as_ref().and_then(Option::as_ref),
                    patch.extension,
                )
                .await
            }
            other => other,
        }
    }

    /// Updates a user the identity provider sends as a whole: the field changes and the
    /// `active` flag (activate, deactivate under R7 and R10) in one transaction, so a
    /// refusal of any part leaves the user as it was (RFC 7644 §3.5.2: a PATCH is atomic).
    pub async fn update_provisioned_user(
        &self,
        ctx: &Ctx,
        id: UserId,
        patch: UserPatch,
        active: Option<bool>,
        if_version: Option<i64>,
    ) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let account = c.account.id;
        let run = async {
            let current = store::find_user(&mut c.tx, c.account.id, id)
                .await?
                .ok_or_else(|| not_found("user"))?;
            if if_version.is_some_and(|v| v != current.version) {
                return refuse(DomainError::PreconditionFailed);
            }
            let inactive = current.status == UserStatus::Inactive;
            let mut u = current;
            if active == Some(true) && inactive {
                u = self.activate_user_in(&mut c, id).await?;
            }
            if patch != UserPatch::default() {
                u = self.edit_user_in(&mut c, id, &patch, None).await?;
            }
            if active == Some(false) && u.status != UserStatus::Inactive {
                u = Self::deactivate_user_in(&mut c, id, None).await?;
            }
            Ok(u)
        };
        match run.await {
            Ok(u) => {
                c.commit().await?;
                Ok(u)
            }
            Err(e) => {
                drop(c);
                Err(self.explain_edit_error(account, &patch, e).await)
            }
        }
    }

    /// [`Self::edit_user`] inside the caller's change: reads what the edit needs, lets
    /// [`User::apply`] decide, and writes what it decided. A uniqueness violation the
    /// checks missed comes back as `Error::Store`.
    pub(crate) async fn edit_user_in(
        &self,
        c: &mut Change,
        id: UserId,
        patch: &UserPatch,
        if_version: Option<i64>,
    ) -> Result<User> {
        let before = store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))?;
        if if_version.is_some_and(|v| v != before.version) {
            return refuse(DomainError::PreconditionFailed);
        }
        let scope = c.who.check_can_edit(&mut c.tx, c.account.id, id).await?;
        let read = EditLookups::read(c, &before, patch, scope).await?;
        let editor = Editor {
            scim: c.who.kind == ActorKind::Scim,
            is_admin: c.who.is_admin,
            perms: &c.who.perms,
            scope,
            managed: &read.managed,
        };
        let edit = before.apply(patch, editor, read.facts(&c.account))?;
        let current = read.memberships.map(|(current, _)| current);
        self.write_edit(c, &before, edit, current).await
    }

    /// Writes what an edit decided: the user, their departments, the revocations, the
    /// audit event, the verification link of a new email (R5) and a new invite.
    async fn write_edit(
        &self,
        c: &mut Change,
        before: &User,
        edit: Edit,
        current: Option<Vec<DepartmentId>>,
    ) -> Result<User> {
        let mut u = edit.user;
        let mut before_view = before.audit_view();
        let mut after_view = u.audit_view();
        if let Some(deps) = &edit.departments {
            before_view["departments"] = serde_json::json!(current.unwrap_or_default());
            after_view["departments"] = serde_json::json!(deps);
        }
        if before_view == after_view && edit.email_requested.is_none() {
            return Ok(before.clone());
        }
        let (account, id) = (c.account.id, u.id);
        if before_view != after_view {
            u.version = before.version + 1;
            u.updated_at = c.now;
            if !store::update_user(&mut c.tx, &u, store::Touches::between(before, &u)).await? {
                return refuse(DomainError::PreconditionFailed);
            }
            if let Some(deps) = &edit.departments {
                departments::set_user_memberships(&mut c.tx, account, id, deps, c.now).await?;
            }
            if edit.revoke_access {
                invites::revoke_user_invites(&mut c.tx, account, id, c.now).await?;
                auth::revoke_user_credentials(&mut c.tx, account, id, c.now).await?;
            }
            let (b, a) = crate::diff(&before_view, &after_view);
            c.audit("user.updated", user_target(&u), Some(b), Some(a))
                .await?;
            crate::sip::revoke_on_extension_change(c, before, &u).await?;
        }
        if let Some(new) = &edit.email_requested {
            self.request_email_change(c, &u, new).await?;
            c.audit(
                "user.email_change_requested",
                user_target(&u),
                Some(serde_json::json!({ "email": u.email.as_ref().map(Email::as_str) })),
                Some(serde_json::json!({ "pending_email": new.as_str() })),
            )
            .await?;
        }
        if edit.reinvite {
            self.issue_invite(c, &u).await?;
        }
        Ok(u)
    }
}

/// What an edit reads before [`User::apply`] decides it: each part only when the patch
/// asks for it ([`User::edit_needs`]).
struct EditLookups {
    role: Role,
    new_role: Option<std::result::Result<Role, DomainError>>,
    holders: Holders,
    usage: Option<Usage>,
    active_admins: Option<u32>,
    memberships: Option<(Vec<DepartmentId>, std::result::Result<(), DomainError>)>,
    managed: Vec<DepartmentId>,
}

impl EditLookups {
    async fn read(c: &mut Change, before: &User, patch: &UserPatch, scope: Scope) -> Result<Self> {
        let account = c.account.id;
        let role = roles::find_role(&mut c.tx, account, before.role_id)
            .await?
            .ok_or_else(|| Error::Internal("user without role".to_owned()))?;
        let new_role = match &patch.role {
            Some(r) => Some(refusal(resolve_role(&mut c.tx, account, r).await)?),
            None => None,
        };
        let holders = edit_holders(&mut c.tx, account, before, patch).await?;
        let needs = before.edit_needs(patch, &role);
        let usage = match needs.usage {
            true => Some(accounts::count_usage(&mut c.tx, account).await?),
            false => None,
        };
        let active_admins = match needs.active_admins {
            true => {
                let n = store::count_active_with_role(&mut c.tx, account, role.id).await?;
                Some(u32::try_from(n).unwrap_or(u32::MAX))
            }
            false => None,
        };
        let memberships = match (&patch.departments, needs.memberships) {
            (Some(asked), true) => {
                let current = departments::list_user_memberships(&mut c.tx, account, before.id)
                    .await?
                    .into_iter()
                    .map(|(d, _)| d)
                    .collect();
                let found = refusal(check_departments(&mut c.tx, account, asked).await)?;
                Some((current, found.map(|_| ())))
            }
            _ => None,
        };
        let managed = match (scope, c.who.is_admin, &patch.departments) {
            (Scope::Departments, false, Some(_)) => {
                c.who.managed_departments(&mut c.tx, account).await?
            }
            _ => Vec::new(),
        };
        Ok(Self {
            role,
            new_role,
            holders,
            usage,
            active_admins,
            memberships,
            managed,
        })
    }

    fn facts<'a>(&'a self, account: &'a Account) -> EditFacts<'a> {
        EditFacts {
            account,
            role: &self.role,
            new_role: self.new_role.as_ref().map(|r| r.as_ref()),
            holders: &self.holders,
            usage: self.usage,
            active_admins: self.active_admins,
            memberships: self
                .memberships
                .as_ref()
                .map(|(current, found)| (current.as_slice(), found.as_ref().map(|_| ()))),
        }
    }
}

/// Who else holds the email, mobile and extension `patch` gives `user` (R13).
async fn edit_holders(
    tx: &mut Tx,
    account: AccountId,
    user: &User,
    patch: &UserPatch,
) -> Result<Holders> {
    let mut holders = Holders::default();
    let other = |h: Option<User>| h.filter(|h| h.id != user.id);
    if let Some(Some(e)) = &patch.email
        && user.email.as_ref().map(Email::key) != Some(e.key())
        && let Some(h) = other(store::find_user_by_email(tx, account, e).await?)
    {
        holders.hold_email(e.key(), h.name.to_string());
    }
    if let (None, Some(Some(m))) = (&user.mobile, &patch.mobile)
        && let Some(h) = other(store::find_user_by_mobile(tx, account, m).await?)
    {
        holders.hold_mobile(m.as_str().to_owned(), h.name.to_string());
    }
    if let Some(x) = patch.extension.filter(|x| *x != user.extension)
        && let Some(h) = other(store::find_user_by_extension(tx, account, x).await?)
    {
        holders.hold_extension(x.value(), h.name.to_string());
    }
    Ok(holders)
}

impl Switchboard {
    /// Sets a user's availability (`available`, `busy`, `away`, `offline`): users set their
    /// own, and whoever may edit the user sets theirs. Each change is audited; setting the
    /// value it already has changes nothing.
    pub async fn set_availability(
        &self,
        ctx: &Ctx,
        id: UserId,
        availability: Availability,
    ) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let before = store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))?;
        c.who.check_can_edit(&mut c.tx, c.account.id, id).await?;
        if before.availability == availability {
            return Ok(before);
        }
        let mut u = before.clone();
        u.availability = availability;
        u.version = before.version + 1;
        u.updated_at = c.now;
        if !store::update_user(&mut c.tx, &u, store::Touches::ROW_ONLY).await? {
            return refuse(DomainError::PreconditionFailed);
        }
        c.audit(
            "user.availability_changed",
            user_target(&u),
            Some(serde_json::json!({ "availability": before.availability.key() })),
            Some(serde_json::json!({ "availability": u.availability.key() })),
        )
        .await?;
        c.commit().await?;
        Ok(u)
    }
}
