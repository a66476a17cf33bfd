//! Editing a user: [`User::apply`] decides every rule of an edit (R1's field and department
//! limits, R4, R5, R6, R7, R11's seat, R13, R15's role grant) from what the service read
//! for it, and says what the service must then write, send and revoke.

use crate::account::{Account, IdpField, Usage};
use crate::adding::Holders;
use crate::error::DomainError;
use crate::ids::DepartmentId;
use crate::role::{Permissions, Role, Scope, may_grant};
use crate::values::Email;

use super::{User, UserPatch, UserStatus};

/// Who edits, as far as an edit asks.
#[derive(Clone, Copy, Debug)]
pub struct Editor<'a> {
    /// The identity provider, over SCIM: it may change what it owns (R6).
    pub scim: bool,
    /// Acting with an Administrator's rights.
    pub is_admin: bool,
    /// The editor's permissions.
    pub perms: &'a Permissions,
    /// How far the editor may edit this user (R1, R15: [`crate::role::edit_scope`]).
    pub scope: Scope,
    /// The departments the editor manages (read for a change of memberships).
    pub managed: &'a [DepartmentId],
}

/// What the service read for an edit: each part only when the patch asks for it.
#[derive(Clone, Copy, Debug)]
pub struct EditFacts<'a> {
    /// The user's account.
    pub account: &'a Account,
    /// The user's role now.
    pub role: &'a Role,
    /// The role the patch names (or why there is none).
    pub new_role: Option<Result<&'a Role, &'a DomainError>>,
    /// Who else holds the email, mobile and extension the patch asks for (R13).
    pub holders: &'a Holders,
    /// Users and seats in use (read when [`EditNeeds::usage`], R11).
    pub usage: Option<Usage>,
    /// Active Administrators with the user's role, the user included (read when
    /// [`EditNeeds::active_admins`], R7).
    pub active_admins: Option<u32>,
    /// The user's departments now, and whether the patch's departments exist (read when
    /// [`EditNeeds::memberships`]).
    pub memberships: Option<(&'a [DepartmentId], Result<(), &'a DomainError>)>,
}

/// What an edit comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The user as edited (version and time not yet moved).
    pub user: User,
    /// The new departments, when they change.
    pub departments: Option<Vec<DepartmentId>>,
    /// A new email waiting for its verification link (R5); the old one stays until then.
    pub email_requested: Option<Email>,
    /// The user's invite must be sent again (to a corrected address, or Panel Access on).
    pub reinvite: bool,
    /// Panel Access was turned off: invites, sessions and tokens end (R10's revocation).
    pub revoke_access: bool,
}

/// Which facts an edit needs read beyond the user, its role and the patch's own values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EditNeeds {
    /// [`EditFacts::usage`]: Panel Access may be turned on.
    pub usage: bool,
    /// [`EditFacts::active_admins`]: the user is an active Administrator who may stop
    /// being one.
    pub active_admins: bool,
    /// [`EditFacts::memberships`]: the patch sets the departments.
    pub memberships: bool,
}

impl User {
    /// What [`User::apply`] needs read for `patch`, the user's role being `role`.
    pub fn edit_needs(&self, patch: &UserPatch, role: &Role) -> EditNeeds {
        EditNeeds {
            usage: patch.panel_access == Some(true) && !self.panel_access,
            active_admins: self.is_active_admin(role)
                && (patch.role.is_some() || patch.panel_access == Some(false)),
            memberships: patch.departments.is_some(),
        }
    }

    /// Applies `patch` by `editor`, deciding every rule against `facts`; a refusal names
    /// the first rule broken, in the order a person fixing the request would want.
    pub fn apply(
        &self,
        patch: &UserPatch,
        editor: Editor<'_>,
        facts: EditFacts<'_>,
    ) -> Result<Edit, DomainError> {
        self.check_own_profile(patch, editor)?;
        self.check_idp_owned(patch, editor, facts.account)?;
        let mut u = self.clone();
        u.apply_mobile(patch, facts.holders)?;
        u.apply_plain_fields(patch, editor)?;
        u.apply_extension(patch, facts)?;
        u.apply_role(patch, editor, facts)?;
        let mut edit = Edit {
            user: u,
            departments: None,
            email_requested: None,
            reinvite: false,
            revoke_access: false,
        };
        edit.apply_email(patch, editor, facts.holders)?;
        edit.apply_panel_access(patch, facts)?;
        self.check_admin_remains(&edit.user, facts)?;
        edit.departments = self.moved_departments(patch, editor, facts)?;
        Ok(edit)
    }

    /// R1: on their own profile only, a user changes their name, time zone and
    /// availability; the mobile may be sent back unchanged, not set or changed.
    fn check_own_profile(&self, patch: &UserPatch, editor: Editor<'_>) -> Result<(), DomainError> {
        if editor.scope != Scope::Own {
            return Ok(());
        }
        patch.only_self_service_fields()?;
        if patch.mobile.as_ref().is_some_and(|m| *m != self.mobile) {
            return Err(DomainError::Forbidden(
                "you may change only your name, password, availability and time zone, not mobile"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// R6: the fields the identity provider owns are read-only outside SCIM.
    fn check_idp_owned(
        &self,
        patch: &UserPatch,
        editor: Editor<'_>,
        account: &Account,
    ) -> Result<(), DomainError> {
        let owned = self.idp_owned_fields(account);
        if owned.is_empty() || editor.scim {
            return Ok(());
        }
        let changes = [
            (
                IdpField::Name,
                patch.name.as_ref().is_some_and(|n| *n != self.name),
            ),
            (
                IdpField::Email,
                patch.email.as_ref().is_some_and(|e| {
                    e.as_ref().map(Email::key) != self.email.as_ref().map(Email::key)
                }),
            ),
            (
                IdpField::AlternateMobile,
                patch
                    .alternate_mobile
                    .as_ref()
                    .is_some_and(|m| *m != self.alternate_mobile),
            ),
            (
                IdpField::TimeZone,
                patch
                    .time_zone
                    .as_ref()
                    .is_some_and(|t| *t != self.time_zone),
            ),
        ];
        match changes
            .iter()
            .find(|(f, changed)| *changed && owned.contains(f))
        {
            Some((f, _)) => Err(DomainError::FieldManagedByIdp {
                field: f.key().to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// R4: a mobile is set once and never changed; R13: the one set is free.
    fn apply_mobile(&mut self, patch: &UserPatch, holders: &Holders) -> Result<(), DomainError> {
        let Some(m) = &patch.mobile else {
            return Ok(());
        };
        match (&self.mobile, m) {
            (Some(cur), Some(new)) if cur == new => Ok(()),
            (None, None) => Ok(()),
            (None, Some(new)) => {
                if let Some(holder) = holders.mobile(new) {
                    return Err(DomainError::DuplicateMobile {
                        mobile: new.to_string(),
                        holder: holder.to_owned(),
                    });
                }
                self.mobile = Some(new.clone());
                Ok(())
            }
            _ => Err(DomainError::MobileImmutable),
        }
    }

    /// The fields no rule guards beyond who may edit, and the identity provider's own:
    /// the external id (Administrators and SCIM) and what provisioning keeps (SCIM only).
    fn apply_plain_fields(
        &mut self,
        patch: &UserPatch,
        editor: Editor<'_>,
    ) -> Result<(), DomainError> {
        if let Some(n) = &patch.name {
            self.name = n.clone();
        }
        if let Some(m) = &patch.alternate_mobile {
            self.alternate_mobile = m.clone();
        }
        if let Some(t) = &patch.time_zone {
            self.time_zone = t.clone();
        }
        if let Some(a) = patch.availability {
            self.availability = a;
        }
        if let Some(v) = patch.receive_calls {
            self.receive_calls = v;
        }
        if let Some(v) = &patch.call_hours {
            self.call_hours = v.clone();
        }
        if let Some(v) = patch.voicemail {
            self.voicemail = v;
        }
        if let Some(t) = &patch.tags {
            self.tags = t.clone();
        }
        if let Some(x) = &patch.external_id {
            if !editor.scim && !editor.is_admin {
                return Err(DomainError::Forbidden(
                    "only administrators can change the external id".to_owned(),
                ));
            }
            self.external_id = x.clone();
        }
        if let Some(p) = &patch.idp {
            if !editor.scim {
                return Err(DomainError::Forbidden(
                    "only the identity provider changes what it keeps about a user".to_owned(),
                ));
            }
            self.idp = p.clone();
        }
        if editor.scim {
            // A user the identity provider updates is one it manages from now on (R6).
            self.idp.managed = true;
        }
        Ok(())
    }

    /// R2 and R13 for a new extension: inside the account's range and free.
    fn apply_extension(
        &mut self,
        patch: &UserPatch,
        facts: EditFacts<'_>,
    ) -> Result<(), DomainError> {
        let Some(x) = patch.extension.filter(|x| *x != self.extension) else {
            return Ok(());
        };
        let range = facts.account.extension_range;
        if !range.contains(x) {
            return Err(DomainError::ExtensionOutOfRange {
                extension: x.to_string(),
                min: range.min,
                max: range.max,
            });
        }
        if let Some(holder) = facts.holders.extension(x) {
            return Err(DomainError::ExtensionTaken {
                extension: x.to_string(),
                holder: holder.to_owned(),
            });
        }
        self.extension = x;
        Ok(())
    }

    /// A new role: one the editor may give (R1), an Administrator's changed only by an
    /// Administrator, and the owner always an Administrator.
    fn apply_role(
        &mut self,
        patch: &UserPatch,
        editor: Editor<'_>,
        facts: EditFacts<'_>,
    ) -> Result<(), DomainError> {
        let Some(found) = facts.new_role.filter(|_| patch.role.is_some()) else {
            return Ok(());
        };
        let role = found.map_err(Clone::clone)?;
        if role.id == facts.role.id {
            return Ok(());
        }
        may_grant(
            editor.perms,
            editor.is_admin,
            &role.permissions,
            role.name.as_str(),
        )?;
        if !editor.is_admin && facts.role.is_administrator() {
            return Err(DomainError::Forbidden(
                "only administrators can change an Administrator's role".to_owned(),
            ));
        }
        if facts.account.owner_id == self.id && !role.is_administrator() {
            return Err(DomainError::OwnerProtected(
                "the owner is always an Administrator; transfer ownership first".to_owned(),
            ));
        }
        self.role_id = role.id;
        Ok(())
    }

    /// R7: the edit leaves the account an active Administrator.
    fn check_admin_remains(&self, after: &User, facts: EditFacts<'_>) -> Result<(), DomainError> {
        let after_role = match facts.new_role {
            Some(Ok(r)) if r.id == after.role_id => r,
            _ => facts.role,
        };
        let stays = after.is_active_admin(after_role);
        if self.is_active_admin(facts.role) && !stays && facts.active_admins.unwrap_or(0) <= 1 {
            return Err(DomainError::LastAdmin);
        }
        Ok(())
    }

    /// Whether the user counts for R7: an active Administrator who can sign in.
    pub fn is_active_admin(&self, role: &Role) -> bool {
        role.is_administrator() && self.status == UserStatus::Active && self.panel_access
    }

    /// The new departments when they change: they exist, and a Manager moves people only
    /// in and out of departments they manage.
    fn moved_departments(
        &self,
        patch: &UserPatch,
        editor: Editor<'_>,
        facts: EditFacts<'_>,
    ) -> Result<Option<Vec<DepartmentId>>, DomainError> {
        let (Some(asked), Some((current, found))) = (&patch.departments, facts.memberships) else {
            return Ok(None);
        };
        found.map_err(Clone::clone)?;
        let mut moved: Vec<DepartmentId> = asked
            .iter()
            .filter(|d| !current.contains(d))
            .copied()
            .collect();
        moved.extend(current.iter().filter(|d| !asked.contains(d)));
        if editor.scope == Scope::Departments
            && !editor.is_admin
            && moved.iter().any(|d| !editor.managed.contains(d))
        {
            return Err(DomainError::Forbidden(
                "you can move users only in and out of departments you manage".to_owned(),
            ));
        }
        Ok((!moved.is_empty()).then(|| asked.clone()))
    }
}

impl Edit {
    /// R5: a new email takes effect at once for people who have not signed in yet (their
    /// invite goes to the corrected address) and for SCIM; for others it waits for the
    /// link sent to it. An email is needed by Panel Access users, and by anyone without
    /// a mobile.
    fn apply_email(
        &mut self,
        patch: &UserPatch,
        editor: Editor<'_>,
        holders: &Holders,
    ) -> Result<(), DomainError> {
        let Some(e) = &patch.email else {
            return Ok(());
        };
        let u = &mut self.user;
        let changed = e.as_ref().map(Email::key) != u.email.as_ref().map(Email::key);
        match e {
            None if changed => {
                if u.panel_access || patch.panel_access == Some(true) {
                    return Err(DomainError::field(
                        "email",
                        "required",
                        "Panel Access users need an email address",
                    ));
                }
                if u.mobile.is_none() {
                    return Err(DomainError::field(
                        "email",
                        "required",
                        "an email or a mobile number is required",
                    ));
                }
                u.email = None;
            }
            Some(new) if changed => {
                if let Some(holder) = holders.email(new) {
                    return Err(DomainError::DuplicateEmail {
                        email: new.to_string(),
                        holder: holder.to_owned(),
                    });
                }
                if editor.scim || !u.has_signed_in || u.email.is_none() {
                    u.email = Some(new.clone());
                    self.reinvite = u.status == UserStatus::PendingInvite;
                } else {
                    self.email_requested = Some(new.clone());
                }
            }
            // Same address, maybe different case: take the new spelling.
            Some(new) => u.email = Some(new.clone()),
            None => {}
        }
        Ok(())
    }

    /// Panel Access (R3, R11): on takes a seat and invites someone who never signed in;
    /// off ends their invites, sessions and tokens. The owner keeps it.
    fn apply_panel_access(
        &mut self,
        patch: &UserPatch,
        facts: EditFacts<'_>,
    ) -> Result<(), DomainError> {
        let u = &mut self.user;
        let Some(pa) = patch.panel_access.filter(|pa| *pa != u.panel_access) else {
            return Ok(());
        };
        if facts.account.owner_id == u.id && !pa {
            return Err(DomainError::OwnerProtected(
                "the owner needs Panel Access; transfer ownership first".to_owned(),
            ));
        }
        if pa {
            if u.email.is_none() {
                return Err(DomainError::field(
                    "email",
                    "required",
                    "Panel Access users need an email address for their invite",
                ));
            }
            if u.status != UserStatus::Inactive {
                facts
                    .account
                    .check_seat_for_existing(facts.usage.unwrap_or_default())?;
                if !u.has_signed_in {
                    u.status = UserStatus::PendingInvite;
                    self.reinvite = true;
                }
            }
        } else {
            if u.status == UserStatus::PendingInvite {
                u.status = UserStatus::Active;
            }
            self.revoke_access = true;
        }
        u.panel_access = pa;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
