//! Dashboard sessions: password sign-in (argon2id), random session secrets stored hashed,
//! idle and absolute expiry, a per-session CSRF token, sign-out, and the first-run path
//! that creates an account with an owner who sets their password at once.
//!
//! Sign-in never tells an unknown email from a wrong password, an inactive, pending or
//! call-only user: all get [`SignIn::Refused`], after the same argon2 work (a dummy hash is
//! verified when no stored hash exists). Only after a password matched may the answer name
//! accounts (the same email can belong to several accounts).
//!
//! Audit: a successful sign-in and a sign-out each write one event. Failed attempts write
//! none — anyone can make them, so they would flood the append-only log; they are logged
//! to tracing (without the password) and throttled ([`crate::throttles`]).

use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use switchboard_domain::{
    Account, AccountId, ActorKind, DomainError, Email, Permissions, User, UserId, UserStatus,
};
use switchboard_store::{Tx, accounts as account_store, auth, roles, users as user_store};

use crate::accounts::{AccountCreated, NewAccount};
use crate::error::{Error, Result, not_found};
use crate::secrets::{
    MAX_PASSWORD_CHARS, check_password, hash_password, new_token, token_hash, verify_password,
};
use crate::users::user_target;
use crate::{Change, Principal, Switchboard};

/// The audit action of a sign-in through the identity provider (its session is marked so
/// that signing out can end the provider's session too).
pub(crate) const SSO_SIGN_IN: &str = "user.signed_in_sso";

/// A session ends after this long without a request.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(12);
/// A session ends this long after sign-in, however busy.
pub const SESSION_ABSOLUTE: SignedDuration = SignedDuration::from_hours(7 * 24);
/// The idle expiry is pushed forward at most this often (saves a write per request).
const EXTEND_EVERY: SignedDuration = SignedDuration::from_mins(5);

/// A session just started: the secret goes into the cookie and is never stored.
#[derive(Clone, Debug)]
pub struct SessionStarted {
    /// The secret (cookie value).
    pub secret: String,
    /// The CSRF token to send back in `X-CSRF-Token` with cookie-authenticated writes.
    pub csrf_token: String,
    /// Account signed in to.
    pub account_id: AccountId,
    /// The user.
    pub user_id: UserId,
    /// When the session ends at the latest (absolute expiry).
    pub ends_at: Timestamp,
}

/// An account the person may choose, shown only after their password matched there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountChoice {
    /// Account id.
    pub id: AccountId,
    /// Company name.
    pub name: String,
}

/// How a sign-in attempt ended.
#[derive(Clone, Debug)]
pub enum SignIn {
    /// Signed in.
    Started(SessionStarted),
    /// The email and password match users of several accounts: ask which one.
    ChooseAccount(Vec<AccountChoice>),
    /// Wrong email or password, or a user who may not sign in (one answer for all).
    Refused,
    /// Refused, and the address's domain signs in through its identity provider only
    /// (R16): the provider's name and the account's sign-in link slug. Said by the domain
    /// alone, whatever the password.
    UseProvider {
        /// The provider's name.
        display_name: String,
        /// `/sign-in/<slug>`.
        slug: String,
    },
}

/// A live session, as resolved for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionAuth {
    /// Account.
    pub account_id: AccountId,
    /// The signed-in user.
    pub user_id: UserId,
    /// The session's CSRF token.
    pub csrf_token: String,
}

/// Who is signed in, for display.
#[derive(Clone, Debug)]
pub struct SessionView {
    /// The account.
    pub account: Account,
    /// The user.
    pub user: User,
    /// The user's role name.
    pub role: String,
}

/// An invite link as its recipient sees it.
#[derive(Clone, Debug)]
pub struct InviteView {
    /// Whom it is for.
    pub user_name: String,
    /// Their email.
    pub email: Option<String>,
    /// The company.
    pub account_name: String,
    /// `open`, `expired`, `used` or `revoked`.
    pub state: crate::invites::InviteState,
    /// Expiry.
    pub expires_at: Timestamp,
}

/// The CSRF token bound to a session secret. Derived (not stored) so it lives exactly as
/// long as the session; knowing it reveals nothing about the secret.
pub fn csrf_token_for(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"switchboard csrf v1\0");
    h.update(secret.trim().as_bytes());
    hex::encode(h.finalize())
}

/// A hash with the same parameters as real ones, verified when no user matches so that
/// refusals take as long as a wrong password.
fn dummy_hash() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password(&new_token("dummy_")).ok())
        .as_deref()
}

pub(crate) fn user_principal(user: &User) -> Principal {
    Principal {
        kind: ActorKind::User,
        id: Some(user.id.to_string()),
        name: user.name.to_string(),
        user_id: Some(user.id),
        perms: Permissions::NONE,
        is_owner: false,
        is_admin: false,
    }
}

/// Runs the argon2 checks off the async runtime: each costs tens of milliseconds of CPU.
async fn verify_all(password: String, hashes: Vec<Option<String>>) -> Result<Vec<bool>> {
    tokio::task::spawn_blocking(move || {
        // Made on first use whatever the outcome, so that cost does not mark one path.
        let dummy = dummy_hash();
        let mut any_real = false;
        let out = hashes
            .iter()
            .map(|h| match h {
                Some(h) => {
                    any_real = true;
                    verify_password(&password, h)
                }
                None => false,
            })
            .collect();
        if !any_real && let Some(d) = dummy {
            let _ = verify_password(&password, d);
        }
        out
    })
    .await
    .map_err(|e| Error::Internal(format!("password check failed: {e}")))
}

impl Switchboard {
    /// Signs in with an email and password. `account` narrows the choice when the email
    /// belongs to users of several accounts.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        account: Option<AccountId>,
        source: &str,
    ) -> Result<SignIn> {
        let candidates = match Email::parse("email", email) {
            Ok(e) if password.len() <= 4 * MAX_PASSWORD_CHARS => {
                let mut tx = self.db().read().await?;
                auth::list_sign_in_candidates(&mut tx, &e.key()).await?
            }
            _ => Vec::new(),
        };
        let candidates: Vec<_> = candidates
            .into_iter()
            .filter(|c| account.is_none_or(|a| a == c.account_id))
            .collect();
        // R16: where password sign-in is off, only the owner keeps it; the others' passwords
        // are not even checked, so the answer says nothing about them.
        let mut hashes = Vec::with_capacity(candidates.len());
        if !candidates.is_empty() {
            let mut tx = self.db().read().await?;
            for c in &candidates {
                let allowed = match account_store::find_account(&mut tx, c.account_id).await? {
                    Some(a) => crate::sso::provider_only(&mut tx, &a, c.user_id)
                        .await?
                        .is_none(),
                    None => false,
                };
                hashes.push(c.password_hash.clone().filter(|_| allowed));
            }
        }
        let matched = verify_all(password.to_owned(), hashes).await?;
        let eligible: Vec<_> = candidates
            .iter()
            .zip(matched)
            .filter(|(c, ok)| *ok && c.status == "active" && c.panel_access)
            .map(|(c, _)| c)
            .collect();
        if eligible.is_empty()
            && let Some(conn) = self.provider_only_for_domain(email).await?
        {
            // Told by the address's domain alone, whoever types it and whatever password.
            tracing::info!(
                source,
                "password sign-in refused: the domain signs in through its provider"
            );
            return Ok(SignIn::UseProvider {
                display_name: conn.display_name,
                slug: conn.slug,
            });
        }
        match eligible.as_slice() {
            [] => {
                tracing::info!(source, "sign-in refused");
                Ok(SignIn::Refused)
            }
            [one] => {
                let started = self
                    .start_session(one.account_id, one.user_id, source, "user.signed_in")
                    .await?;
                Ok(started.map_or(SignIn::Refused, SignIn::Started))
            }
            many => Ok(SignIn::ChooseAccount(
                many.iter()
                    .map(|c| AccountChoice {
                        id: c.account_id,
                        name: c.account_name.clone(),
                    })
                    .collect(),
            )),
        }
    }

    /// Starts a session for an active Panel Access user and audits it as `action`.
    /// `None` when the user may not sign in (any more).
    pub(crate) async fn start_session(
        &self,
        account_id: AccountId,
        user_id: UserId,
        source: &str,
        action: &str,
    ) -> Result<Option<SessionStarted>> {
        let now = self.now();
        let mut tx = self.db().write().await?;
        let Some(account) = account_store::lock_account(&mut tx, account_id).await? else {
            return Ok(None);
        };
        let Some(user) = user_store::find_user(&mut tx, account_id, user_id).await? else {
            return Ok(None);
        };
        if user.status != UserStatus::Active || !user.panel_access {
            return Ok(None);
        }
        auth::delete_expired_sessions(&mut tx, now).await?;
        let secret = new_token("sbs_");
        let ends_at = now.saturating_add(SESSION_ABSOLUTE).unwrap_or(now);
        let idle_ends = now.saturating_add(SESSION_IDLE).unwrap_or(now).min(ends_at);
        auth::insert_session(
            &mut tx,
            account_id,
            user_id,
            &token_hash(&secret),
            now,
            idle_ends,
            action == SSO_SIGN_IN,
        )
        .await?;
        let mut c = Change {
            tx,
            account,
            who: user_principal(&user),
            now,
            source: source.to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        c.audit(action, user_target(&user), None, None).await?;
        c.commit().await?;
        Ok(Some(SessionStarted {
            csrf_token: csrf_token_for(&secret),
            secret,
            account_id,
            user_id,
            ends_at,
        }))
    }

    /// Resolves a session secret: live only while the session has not expired and its
    /// user is active with Panel Access. Pushes the idle expiry forward.
    pub async fn authenticate_session(&self, secret: &str) -> Result<Option<SessionAuth>> {
        let now = self.now();
        let hash = token_hash(secret);
        let mut tx = self.db().read().await?;
        let Some(s) = auth::find_live_session(&mut tx, &hash, now).await? else {
            return Ok(None);
        };
        if !may_sign_in(&mut tx, s.account_id, s.user_id).await? {
            return Ok(None);
        }
        drop(tx);
        let absolute = s.created_at.saturating_add(SESSION_ABSOLUTE).unwrap_or(now);
        let wanted = now
            .saturating_add(SESSION_IDLE)
            .unwrap_or(now)
            .min(absolute);
        if wanted.duration_since(s.expires_at) >= EXTEND_EVERY {
            let mut tx = self.db().write().await?;
            auth::extend_session(&mut tx, &s.id, wanted).await?;
            tx.commit().await?;
        }
        Ok(Some(SessionAuth {
            account_id: s.account_id,
            user_id: s.user_id,
            csrf_token: csrf_token_for(secret),
        }))
    }

    /// Who a session belongs to, with their account and role, for display.
    pub async fn session_view(&self, account: AccountId, user: UserId) -> Result<SessionView> {
        let mut tx = self.db().read().await?;
        let account = account_store::find_account(&mut tx, account)
            .await?
            .ok_or_else(|| not_found("account"))?;
        let user = user_store::find_user(&mut tx, account.id, user)
            .await?
            .ok_or_else(|| not_found("user"))?;
        let role = roles::find_role(&mut tx, account.id, user.role_id)
            .await?
            .map(|r| r.name.to_string())
            .unwrap_or_default();
        Ok(SessionView {
            account,
            user,
            role,
        })
    }

    /// Ends a session (signing out). Unknown or expired secrets are ignored. Answers the
    /// provider's sign-out URL (RP-initiated logout) when the session was started through
    /// the account's provider and it offers one.
    pub async fn sign_out(&self, secret: &str, source: &str) -> Result<Option<String>> {
        let ended = self.end_session(secret, source).await?;
        match ended {
            Some(account) => Ok(self.sso_sign_out_url(account).await),
            None => Ok(None),
        }
    }

    /// Ends the session; the account when it was started through the provider.
    async fn end_session(&self, secret: &str, source: &str) -> Result<Option<AccountId>> {
        let now = self.now();
        let hash = token_hash(secret);
        let mut tx = self.db().write().await?;
        let Some(s) = auth::find_live_session(&mut tx, &hash, now).await? else {
            auth::delete_session(&mut tx, &hash).await?;
            tx.commit().await?;
            return Ok(None);
        };
        let via_sso = s.via_sso.then_some(s.account_id);
        let account = account_store::lock_account(&mut tx, s.account_id).await?;
        let user = user_store::find_user(&mut tx, s.account_id, s.user_id).await?;
        auth::delete_session(&mut tx, &hash).await?;
        match (account, user) {
            (Some(account), Some(user)) => {
                let mut c = Change {
                    tx,
                    account,
                    who: user_principal(&user),
                    now,
                    source: source.to_owned(),
                    usage_at_lock: None,
                    audit_head: None,
                };
                c.audit("user.signed_out", user_target(&user), None, None)
                    .await?;
                c.commit().await?;
                Ok(via_sso)
            }
            _ => {
                tx.commit().await?;
                Ok(via_sso)
            }
        }
    }

    /// An invite link as its recipient sees it: for whom, and whether it can still be used.
    pub async fn invite_view(&self, token: &str) -> Result<InviteView> {
        use crate::invites::InviteState;
        let mut tx = self.db().read().await?;
        let invite =
            switchboard_store::invites::find_invite_by_token_hash(&mut tx, &token_hash(token))
                .await?
                .ok_or_else(|| not_found("invite"))?;
        let account = account_store::find_account(&mut tx, invite.account_id)
            .await?
            .ok_or_else(|| not_found("invite"))?;
        let user = user_store::find_user(&mut tx, account.id, invite.user_id)
            .await?
            .ok_or_else(|| not_found("invite"))?;
        let state = InviteState::of(&invite, self.now(), user.status != UserStatus::Inactive);
        Ok(InviteView {
            user_name: user.name.to_string(),
            email: user.email.map(|e| e.to_string()),
            account_name: account.name.to_string(),
            state,
            expires_at: invite.expires_at,
        })
    }

    /// Uses an invite link (sets the password, activates the user) and signs them in.
    pub async fn accept_invite_and_sign_in(
        &self,
        token: &str,
        password: &str,
        source: &str,
    ) -> Result<SessionStarted> {
        let (account, user) = self.accept_invite(token, password).await?;
        self.start_session(account, user, source, "user.signed_in")
            .await?
            .ok_or(Error::Domain(DomainError::LinkInvalid(
                "for a user who cannot sign in",
            )))
    }

    /// Whether `token` is an email verification link that was ever issued (used or not).
    pub async fn email_verification_known(&self, token: &str) -> Result<bool> {
        let mut tx = self.db().read().await?;
        Ok(
            switchboard_store::invites::find_email_change_by_token_hash(
                &mut tx,
                &token_hash(token),
            )
            .await?
            .is_some(),
        )
    }

    /// Whether any account exists (a fresh install has none).
    pub async fn any_account_exists(&self) -> Result<bool> {
        let mut tx = self.db().read().await?;
        Ok(account_store::any_account_exists(&mut tx).await?)
    }

    /// First run: creates an account whose owner sets their password now (instead of
    /// through an emailed link, so no invite is mailed) and signs them in.
    pub async fn create_account_with_owner_password(
        &self,
        input: NewAccount,
        password: &str,
        source: &str,
    ) -> Result<(AccountCreated, SessionStarted)> {
        check_password(password)?;
        let created = self
            .create_account_with(input, source, Some(password))
            .await?;
        let started = self
            .start_session(
                created.account.id,
                created.owner.id,
                source,
                "user.signed_in",
            )
            .await?
            .ok_or_else(|| Error::Internal("the new owner cannot sign in".to_owned()))?;
        Ok((created, started))
    }
}

async fn may_sign_in(tx: &mut Tx, account: AccountId, user: UserId) -> Result<bool> {
    Ok(user_store::find_user(tx, account, user)
        .await?
        .is_some_and(|u| u.status == UserStatus::Active && u.panel_access))
}
