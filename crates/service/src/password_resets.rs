//! "Forgot your password?": a single-use link, valid for [`PASSWORD_RESET_TTL`], mailed
//! through the outbox to an active Panel Access user, that sets a new password, ends the
//! user's other sessions and signs them in.
//!
//! Asking never tells who has an account: every request gets the same answer, whether the
//! address is unknown, belongs to a deactivated, pending or call-only user, or to several
//! accounts (each account's user gets their own mail). When the account signs in through
//! its identity provider, the mail says so instead of carrying a link. Requests are
//! throttled by the interface.
//!
//! Audit: the request is written by the system (anyone may make it) against the user; the
//! reset itself by the user, who holds the link — as an invite's acceptance is.

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::{
    AccountId, ActorKind, DomainError, Email, Permissions, User, UserId, UserStatus,
};
use switchboard_store::{accounts as account_store, auth, invites as store, users as user_store};

use crate::error::{Error, Result, not_found, refuse};
use crate::invites::{InviteState, require_open};
use crate::secrets::{hash_password, new_token, token_hash};
use crate::sessions::SessionStarted;
use crate::users::user_target;
use crate::{Change, Principal, Switchboard};

/// How long a password reset link works.
pub const PASSWORD_RESET_TTL: SignedDuration = SignedDuration::from_hours(1);

/// A password reset link as the person who opened it sees it.
#[derive(Clone, Debug)]
pub struct PasswordResetView {
    /// Whom it is for.
    pub user_name: String,
    /// Their email.
    pub email: Option<String>,
    /// The company.
    pub account_name: String,
    /// Whether it can still be used (`Revoked`: a newer link replaced it, or the user may
    /// no longer sign in).
    pub state: InviteState,
    /// When it stops working.
    pub expires_at: Timestamp,
}

fn may_sign_in(u: &User) -> bool {
    u.status == UserStatus::Active && u.panel_access
}

/// Who asks for a reset: anyone, so the system writes the request.
fn reset_requester() -> Principal {
    Principal {
        kind: ActorKind::System,
        id: None,
        name: "password reset request".to_owned(),
        user_id: None,
        perms: Permissions::NONE,
        is_owner: false,
        is_admin: false,
    }
}

impl Switchboard {
    /// Mails a password reset link to every active Panel Access user holding `email`
    /// (one per account), or, when their account uses single sign-on, a mail that says to
    /// sign in through the identity provider. Answers the same whoever asks.
    pub async fn request_password_reset(&self, email: &str, source: &str) -> Result<()> {
        let Ok(email) = Email::parse("email", email) else {
            return Ok(());
        };
        let candidates = {
            let mut tx = self.db().read().await?;
            auth::list_sign_in_candidates(&mut tx, &email.key()).await?
        };
        for c in candidates
            .iter()
            .filter(|c| c.status == UserStatus::Active.key() && c.panel_access)
        {
            self.send_password_reset(c.account_id, c.user_id, source)
                .await?;
        }
        Ok(())
    }

    /// One user's reset mail, its link and the audit event, in one transaction.
    async fn send_password_reset(
        &self,
        account_id: AccountId,
        user_id: UserId,
        source: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db().write().await?;
        let Some(account) = account_store::lock_account(&mut tx, account_id).await? else {
            return Ok(());
        };
        let Some(user) = user_store::find_user(&mut tx, account.id, user_id).await? else {
            return Ok(());
        };
        let Some(email) = user.email.clone().filter(|_| may_sign_in(&user)) else {
            return Ok(());
        };
        let mut c = Change {
            tx,
            account,
            who: reset_requester(),
            now,
            source: source.to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        store::revoke_user_password_resets(&mut c.tx, c.account.id, user.id, now).await?;
        let subject = format!("Your password for {} on Switchboard", c.account.name);
        let (body, sso) = self.password_reset_body(&mut c, &user).await?;
        c.mail("password_reset", email.as_str(), subject, body)
            .await?;
        c.audit(
            "user.password_reset_requested",
            user_target(&user),
            None,
            Some(serde_json::json!({ "single_sign_on": sso })),
        )
        .await?;
        c.commit().await
    }

    /// The reset mail's body, and whether it is the single sign-on one (no link): with a
    /// link, its hash is stored.
    async fn password_reset_body(&self, c: &mut Change, user: &User) -> Result<(String, bool)> {
        let now = c.now;
        let provider = crate::sso::provider_only(&mut c.tx, &c.account, user.id).await?;
        Ok(if let Some(conn) = provider {
            let body = format!(
                "Hello {},\n\nSomeone asked to reset your password for {} on Switchboard. \
             Your company signs in through {}, so there is no Switchboard password to \
             reset: open {}/sign-in/{} and choose \"Sign in with {}\". If you cannot sign \
             in there, ask your IT team.\n\nIf you did not ask, you can ignore this mail.\n",
                user.name,
                c.account.name,
                conn.display_name,
                self.settings().public_url,
                conn.slug,
                conn.display_name,
            );
            (body, true)
        } else {
            let token = new_token("sbr_");
            let expires = now.saturating_add(PASSWORD_RESET_TTL).unwrap_or(now);
            store::insert_password_reset(
                &mut c.tx,
                c.account.id,
                user.id,
                &token_hash(&token),
                now,
                expires,
            )
            .await?;
            let link = format!("{}/reset-password/{token}", self.settings().public_url);
            let body = format!(
                "Hello {},\n\nSomeone asked to reset your password for {} on Switchboard. \
             Set a new password here:\n\n{link}\n\nThe link works once and expires on {} \
             (UTC). Setting a new password signs you out everywhere else.\n\nIf you did \
             not ask, you can ignore this mail: your password stays as it is.\n",
                user.name,
                c.account.name,
                expires.strftime("%Y-%m-%d %H:%M")
            );
            (body, false)
        })
    }

    /// A password reset link as its recipient sees it: for whom, and whether it can
    /// still be used.
    pub async fn password_reset_view(&self, token: &str) -> Result<PasswordResetView> {
        let mut tx = self.db().read().await?;
        let link = store::find_password_reset_by_token_hash(&mut tx, &token_hash(token))
            .await?
            .ok_or_else(|| not_found("password reset link"))?;
        let account = account_store::find_account(&mut tx, link.account_id)
            .await?
            .ok_or_else(|| not_found("password reset link"))?;
        let user = user_store::find_user(&mut tx, account.id, link.user_id)
            .await?
            .ok_or_else(|| not_found("password reset link"))?;
        let provider = crate::sso::provider_only(&mut tx, &account, user.id).await?;
        let usable = may_sign_in(&user) && provider.is_none();
        let state = InviteState::of(&link, self.now(), usable);
        Ok(PasswordResetView {
            user_name: user.name.to_string(),
            email: user.email.map(|e| e.to_string()),
            account_name: account.name.to_string(),
            state,
            expires_at: link.expires_at,
        })
    }

    /// Uses a password reset link: sets the new password, ends every session of the user
    /// and kills the link (and any other open one). Works once.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(AccountId, UserId)> {
        let hash = hash_password(password)?;
        let mut tx = self.db().write().await?;
        let link = store::find_password_reset_by_token_hash(&mut tx, &token_hash(token))
            .await?
            .ok_or(DomainError::LinkInvalid("not valid"))?;
        let now = self.now();
        require_open(
            &link,
            now,
            "no longer valid: a newer link was sent",
            "expired; ask for a new one",
        )?;
        let account = account_store::lock_account(&mut tx, link.account_id)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let user = user_store::find_user(&mut tx, account.id, link.user_id)
            .await?
            .ok_or(DomainError::LinkInvalid("not valid"))?;
        if !may_sign_in(&user) {
            return refuse(DomainError::LinkInvalid("for a user who cannot sign in"));
        }
        if crate::sso::provider_only(&mut tx, &account, user.id)
            .await?
            .is_some()
        {
            return refuse(DomainError::LinkInvalid(
                "not usable: your company signs in through its identity provider",
            ));
        }
        if !store::use_password_reset(&mut tx, &link.id, now).await? {
            return refuse(DomainError::LinkInvalid("already used"));
        }
        user_store::set_user_password(&mut tx, account.id, user.id, &hash).await?;
        store::revoke_user_password_resets(&mut tx, account.id, user.id, now).await?;
        let ended = auth::delete_user_sessions(&mut tx, account.id, user.id).await?;
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
            source: "password reset link".to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        c.audit(
            "user.password_reset",
            user_target(&user),
            None,
            Some(serde_json::json!({ "sessions_ended": ended })),
        )
        .await?;
        let ids = (c.account.id, user.id);
        c.commit().await?;
        Ok(ids)
    }

    /// Uses a password reset link and signs the user in on a new session.
    pub async fn reset_password_and_sign_in(
        &self,
        token: &str,
        password: &str,
        source: &str,
    ) -> Result<SessionStarted> {
        let (account, user) = self.reset_password(token, password).await?;
        self.start_session(account, user, source, "user.signed_in")
            .await?
            .ok_or(Error::Domain(DomainError::LinkInvalid(
                "for a user who cannot sign in",
            )))
    }
}
