//! Invites (R3): single-use, expiring links to set a password; resending kills the old
//! link. Email changes (R5): a verification link to the new address, a notice to the old
//! one, and the old address stays in effect until the link is used.

use serde::Serialize;
use switchboard_domain::{
    AccountId, ActorKind, DepartmentId, DomainError, Email, EmailChangeId, InviteId, Permissions,
    User, UserId, UserStatus,
};
use switchboard_store::invites::LinkRecord;
use switchboard_store::{accounts, invites as store, users as user_store};

use crate::error::{Result, not_found, refuse};
use crate::secrets::{hash_password, new_token, token_hash};
use crate::users::user_target;
use crate::{Change, Ctx, Principal, Switchboard};

/// Where an invite stands, as shown to admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// Can be used.
    Open,
    /// Past its expiry.
    Expired,
    /// Already used.
    Used,
    /// Replaced by a newer invite or cancelled.
    Revoked,
}

impl InviteState {
    /// Where a single-use link stands at `now`; `usable` is false when its user or account
    /// can no longer use it, which shows as revoked.
    pub(crate) fn of(link: &LinkRecord, now: jiff::Timestamp, usable: bool) -> Self {
        if link.used_at.is_some() {
            Self::Used
        } else if link.revoked_at.is_some() || !usable {
            Self::Revoked
        } else if link.expires_at <= now {
            Self::Expired
        } else {
            Self::Open
        }
    }
}

/// Refuses a single-use link that was used, revoked (`revoked` says why) or has run out
/// (`expired` says what to do).
pub(crate) fn require_open(
    link: &LinkRecord,
    now: jiff::Timestamp,
    revoked: &'static str,
    expired: &'static str,
) -> Result<()> {
    if link.used_at.is_some() {
        return refuse(DomainError::LinkInvalid("already used"));
    }
    if link.revoked_at.is_some() {
        return refuse(DomainError::LinkInvalid(revoked));
    }
    if link.expires_at <= now {
        return refuse(DomainError::LinkInvalid(expired));
    }
    Ok(())
}

/// An invite as shown to admins (never the link itself).
#[derive(Clone, Debug, Serialize)]
pub struct InviteInfo {
    /// Sent at.
    pub created_at: jiff::Timestamp,
    /// Expires at.
    pub expires_at: jiff::Timestamp,
    /// State.
    pub state: InviteState,
}

/// A user with what the single-user view shows beside them.
#[derive(Clone, Debug)]
pub struct UserProfile {
    /// The user.
    pub user: User,
    /// Their role's name.
    pub role_name: String,
    /// Their departments (id, name), by name.
    pub departments: Vec<(DepartmentId, String)>,
    /// Their latest invite.
    pub invite: Option<InviteInfo>,
    /// A new email waiting for verification.
    pub pending_email: Option<String>,
    /// The account's view version this was read at ([`Switchboard::kept_stands`]).
    pub view_version: i64,
    /// When what this shows turns by time alone (an open invite or a pending email
    /// expiring), which no version records.
    pub same_until: Option<jiff::Timestamp>,
}

impl Switchboard {
    /// Revokes the user's open invites, creates a new one and queues the invite mail, in
    /// the change's transaction. Returns the link (none when the account uses SSO, whose
    /// invite tells the user to sign in through the identity provider).
    pub(crate) async fn issue_invite(&self, c: &mut Change, user: &User) -> Result<Option<String>> {
        store::revoke_user_invites(&mut c.tx, c.account.id, user.id, c.now).await?;
        let Some(email) = user.email.clone() else {
            return Ok(None);
        };
        if let Some(conn) = crate::sso::connection_of(&mut c.tx, &c.account).await? {
            // R3: the first sign-in through the provider accepts the invite.
            let body = format!(
                "Hello {},\n\nYou now have access to {} on Switchboard. Your company signs in \
                 through {}: open {}/sign-in/{} and choose \"Sign in with {}\". \
                 There is no password to set.\n",
                user.name,
                c.account.name,
                conn.display_name,
                self.settings().public_url,
                conn.slug,
                conn.display_name,
            );
            c.mail(
                "invite",
                email.as_str(),
                format!("You have been invited to {} on Switchboard", c.account.name),
                body,
            )
            .await?;
            return Ok(None);
        }
        let token = new_token("sbi_");
        let expires = c
            .now
            .saturating_add(self.settings().invite_ttl)
            .unwrap_or(c.now);
        store::insert_invite(
            &mut c.tx,
            InviteId::new(),
            c.account.id,
            user.id,
            &token_hash(&token),
            c.now,
            expires,
        )
        .await?;
        let link = format!("{}/invite/{token}", self.settings().public_url);
        let body = format!(
            "Hello {},\n\nYou have been invited to {} on Switchboard. Set your password here:\n\n\
             {link}\n\nThe link works once and expires on {} (UTC).\n",
            user.name,
            c.account.name,
            expires.strftime("%Y-%m-%d %H:%M")
        );
        c.mail(
            "invite",
            email.as_str(),
            format!("You have been invited to {} on Switchboard", c.account.name),
            body,
        )
        .await?;
        Ok(Some(link))
    }

    /// Sends a new invite to a user who has not accepted theirs; the old link stops
    /// working. Returns the new link (none under SSO).
    pub async fn resend_invite(&self, ctx: &Ctx, id: UserId) -> Result<Option<String>> {
        let mut c = self.begin(ctx).await?;
        let user = user_store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))?;
        c.who.check_can_edit(&mut c.tx, c.account.id, id).await?;
        if user.status != UserStatus::PendingInvite {
            return refuse(DomainError::InvalidState(format!(
                "{} is not waiting for an invite (status {})",
                user.name,
                user.status.key()
            )));
        }
        if user.email.is_none() {
            return refuse(DomainError::field(
                "email",
                "required",
                format!("{} has no email address to send an invite to", user.name),
            ));
        }
        let link = self.issue_invite(&mut c, &user).await?;
        c.audit("user.invite_sent", user_target(&user), None, None)
            .await?;
        c.commit().await?;
        Ok(link)
    }

    /// The user's latest invite, with its state (expired invites show as such).
    pub async fn invite_info(&self, ctx: &Ctx, id: UserId) -> Result<Option<InviteInfo>> {
        let mut c = self.begin_read(ctx).await?;
        user_store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))?;
        latest_invite(&mut c, id).await
    }

    /// Uses an invite link: sets the password and activates the user. Works once.
    pub async fn accept_invite(&self, token: &str, password: &str) -> Result<(AccountId, UserId)> {
        let hash = hash_password(password)?;
        let mut tx = self.db().write().await?;
        let invite = store::find_invite_by_token_hash(&mut tx, &token_hash(token))
            .await?
            .ok_or(DomainError::LinkInvalid("not valid"))?;
        let now = self.now();
        require_open(
            &invite,
            now,
            "no longer valid: a newer invite was sent",
            "expired; ask an administrator to resend it",
        )?;
        let account = accounts::lock_account(&mut tx, invite.account_id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let mut user = user_store::find_user(&mut tx, account.id, invite.user_id)
            .await?
            .ok_or(DomainError::LinkInvalid("not valid"))?;
        if user.status == UserStatus::Inactive {
            return refuse(DomainError::LinkInvalid("for a deactivated user"));
        }
        // An invite sent before password sign-in was turned off sets no password now.
        if crate::sso::provider_only(&mut tx, &account, user.id)
            .await?
            .is_some()
        {
            return refuse(DomainError::LinkInvalid(
                "not usable: your company signs in through its identity provider",
            ));
        }
        if !store::use_invite(&mut tx, &invite.id, now).await? {
            return refuse(DomainError::LinkInvalid("already used"));
        }
        let before = user.audit_view();
        user_store::set_user_password(&mut tx, account.id, user.id, &hash).await?;
        user.has_signed_in = true;
        user.status = UserStatus::Active;
        user.version += 1;
        user.updated_at = now;
        user_store::update_user(&mut tx, &user, user_store::Touches::ROW_ONLY).await?;
        let (b, a) = crate::diff(&before, &user.audit_view());
        let mut c = Change {
            tx,
            account,
            who: Principal {
                kind: ActorKind::User,
                id: Some(user.id.to_string()),
                name: user.name.to_string(),
                user_id: Some(user.id),
                perms: Permissions::NONE,
                is_owner: false,
                is_admin: false,
            },
            now,
            source: "invite link".to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        c.audit("user.invite_accepted", user_target(&user), Some(b), Some(a))
            .await?;
        let ids = (c.account.id, user.id);
        c.commit().await?;
        Ok(ids)
    }

    /// Starts an email change inside `c`: a verification link to the new address and a
    /// notice to the old one (R5).
    pub(crate) async fn request_email_change(
        &self,
        c: &mut Change,
        user: &User,
        new_email: &Email,
    ) -> Result<()> {
        store::revoke_email_changes(&mut c.tx, c.account.id, user.id, c.now).await?;
        let token = new_token("sbv_");
        let expires = c
            .now
            .saturating_add(self.settings().email_verification_ttl)
            .unwrap_or(c.now);
        store::insert_email_change(
            &mut c.tx,
            EmailChangeId::new(),
            c.account.id,
            user.id,
            new_email.as_str(),
            &token_hash(&token),
            c.now,
            expires,
        )
        .await?;
        let link = format!("{}/verify-email/{token}", self.settings().public_url);
        c.mail(
            "email_verification",
            new_email.as_str(),
            "Confirm your new email address for Switchboard".to_owned(),
            format!(
                "Hello {},\n\nConfirm that {} is your new email address for {} on Switchboard:\n\n\
                 {link}\n\nUntil you do, your current address stays in use.\n",
                user.name, new_email, c.account.name
            ),
        )
        .await?;
        if let Some(old) = &user.email {
            c.mail(
                "email_change_notice",
                old.as_str(),
                "Your Switchboard email address is being changed".to_owned(),
                format!(
                    "Hello {},\n\nA change of your email address for {} to {} was requested. \
                     It takes effect once confirmed from the new address. If you did not expect \
                     this, tell your administrator.\n",
                    user.name, c.account.name, new_email
                ),
            )
            .await?;
        }
        Ok(())
    }

    /// Everything the single-user view shows, read in one transaction: the user, their
    /// role's name, departments (id, name, by name), latest invite and pending new email.
    pub async fn user_profile(&self, ctx: &Ctx, id: UserId) -> Result<UserProfile> {
        let account = ctx.account_id;
        let (who, found) = self
            .read_one(
                ctx,
                |db| Box::pin(user_store::read_user_profile(db, account, id)),
                |tx| Box::pin(user_store::find_user_profile(tx, account, id)),
            )
            .await?;
        who.require_view_user(id)?;
        let p = found.ok_or_else(|| not_found("user"))?;
        let now = self.now();
        let mut departments = p.departments;
        departments.sort_by_cached_key(|(d, name)| (name.to_lowercase(), *d));
        let invite = p.invite.map(|i| InviteInfo {
            created_at: i.created_at,
            expires_at: i.expires_at,
            state: InviteState::of(&i, now, true),
        });
        let pending = p.pending_email.filter(|p| p.expires_at > now);
        let same_until = [
            invite
                .as_ref()
                .filter(|i| i.state == InviteState::Open)
                .map(|i| i.expires_at),
            pending.as_ref().map(|p| p.expires_at),
        ]
        .into_iter()
        .flatten()
        .min();
        Ok(UserProfile {
            user: p.user,
            role_name: p.role_name.unwrap_or_default(),
            departments,
            invite,
            pending_email: pending.and_then(|p| p.new_email),
            view_version: p.view_version,
            same_until,
        })
    }

    /// The user's pending (unverified) new email, if any.
    pub async fn pending_email(&self, ctx: &Ctx, id: UserId) -> Result<Option<String>> {
        let mut c = self.begin_read(ctx).await?;
        pending_email(&mut c, id).await
    }

    /// Uses an email verification link: the new address takes effect.
    pub async fn verify_email(&self, token: &str) -> Result<(AccountId, UserId)> {
        let mut tx = self.db().write().await?;
        let link = store::find_email_change_by_token_hash(&mut tx, &token_hash(token))
            .await?
            .ok_or(DomainError::LinkInvalid("not valid"))?;
        let now = self.now();
        require_open(&link, now, "replaced by a newer change", "expired")?;
        let account = accounts::lock_account(&mut tx, link.account_id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let mut user = user_store::find_user(&mut tx, account.id, link.user_id)
            .await?
            .ok_or(DomainError::LinkInvalid("not valid"))?;
        let new_email = Email::parse("email", link.new_email.as_deref().unwrap_or_default())?;
        if let Some(holder) =
            user_store::find_user_by_email(&mut tx, account.id, &new_email).await?
            && holder.id != user.id
        {
            return refuse(DomainError::DuplicateEmail {
                email: new_email.to_string(),
                holder: holder.name.to_string(),
            });
        }
        store::use_email_change(&mut tx, &link.id, now).await?;
        let before = user.audit_view();
        user.email = Some(new_email);
        user.version += 1;
        user.updated_at = now;
        user_store::update_user(&mut tx, &user, user_store::Touches::ROW_ONLY).await?;
        let (b, a) = crate::diff(&before, &user.audit_view());
        let mut c = Change {
            tx,
            account,
            who: Principal {
                kind: ActorKind::User,
                id: Some(user.id.to_string()),
                name: user.name.to_string(),
                user_id: Some(user.id),
                perms: Permissions::NONE,
                is_owner: false,
                is_admin: false,
            },
            now,
            source: "verification link".to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        c.audit("user.email_verified", user_target(&user), Some(b), Some(a))
            .await?;
        let ids = (c.account.id, user.id);
        c.commit().await?;
        Ok(ids)
    }
}

/// The user's latest invite with its state, inside the caller's read.
async fn latest_invite(c: &mut Change, id: UserId) -> Result<Option<InviteInfo>> {
    let latest = store::find_latest_invite(&mut c.tx, c.account.id, id).await?;
    Ok(latest.map(|i| InviteInfo {
        created_at: i.created_at,
        expires_at: i.expires_at,
        state: InviteState::of(&i, c.now, true),
    }))
}

/// The user's new email waiting for verification and not expired, inside the caller's read.
async fn pending_email(c: &mut Change, id: UserId) -> Result<Option<String>> {
    let p = store::find_pending_email_change(&mut c.tx, c.account.id, id).await?;
    Ok(p.filter(|p| p.expires_at > c.now).and_then(|p| p.new_email))
}
