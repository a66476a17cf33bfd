//! Replacing a user with a new one on a new mobile (R14), atomically.

use serde::Serialize;
use switchboard_domain::{DomainError, E164, Email, Extension, Name, User, UserId, UserStatus};
use switchboard_store::{StoreError, accounts, departments, users as store};

use crate::error::{Error, Result, refuse};
use crate::users::user_target;
use crate::{Change, Ctx, Switchboard};

use super::{load, write};

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

impl Switchboard {
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
        crate::sip::revoke_on_extension_change(&mut c, &original, &old).await?;

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
