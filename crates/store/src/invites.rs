//! Invites (one-time password-setting links), pending email changes and password reset
//! links. Only hashes of the link tokens are stored.

use switchboard_domain::{AccountId, EmailChangeId, InviteId, UserId};

use crate::db::{StoreResult, Tx, from_micros, on, parse_id, to_micros};

/// A stored invite or email-change link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRecord {
    /// Id of the invite or email change.
    pub id: String,
    /// Account.
    pub account_id: AccountId,
    /// The user it is for.
    pub user_id: UserId,
    /// For email changes: the new address.
    pub new_email: Option<String>,
    /// Created.
    pub created_at: jiff::Timestamp,
    /// Expires.
    pub expires_at: jiff::Timestamp,
    /// Used (accepted / verified).
    pub used_at: Option<jiff::Timestamp>,
    /// Revoked (superseded by a newer link, or the user was deactivated).
    pub revoked_at: Option<jiff::Timestamp>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: String,
    account_id: String,
    user_id: String,
    new_email: Option<String>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl LinkRow {
    fn into_record(self) -> StoreResult<LinkRecord> {
        Ok(LinkRecord {
            id: self.id,
            account_id: parse_id(&self.account_id)?,
            user_id: parse_id(&self.user_id)?,
            new_email: self.new_email,
            created_at: from_micros(self.created_at)?,
            expires_at: from_micros(self.expires_at)?,
            used_at: self.used_at.map(from_micros).transpose()?,
            revoked_at: self.revoked_at.map(from_micros).transpose()?,
        })
    }
}

/// The tables of single-use links: they share their columns for the link's life (token
/// hash, expiry, used, revoked), so one set of queries serves all three.
#[derive(Clone, Copy)]
enum Links {
    Invites,
    EmailChanges,
    PasswordResets,
}

impl Links {
    fn table(self) -> &'static str {
        match self {
            Self::Invites => "invites",
            Self::EmailChanges => "email_changes",
            Self::PasswordResets => "password_resets",
        }
    }

    /// The `new_email` column of a [`LinkRow`]: only email changes have one.
    fn new_email(self) -> &'static str {
        match self {
            Self::EmailChanges => "new_email",
            Self::Invites | Self::PasswordResets => "NULL AS new_email",
        }
    }

    /// Revokes the user's open links of this kind.
    async fn revoke_open(
        self,
        tx: &mut Tx,
        account: AccountId,
        user: UserId,
        now: jiff::Timestamp,
    ) -> StoreResult<()> {
        let sql = format!(
            "UPDATE {} SET revoked_at = $1 WHERE account_id = $2 AND user_id = $3 \
             AND used_at IS NULL AND revoked_at IS NULL",
            self.table()
        );
        on!(tx, |c| sqlx::query(&sql)
            .bind(to_micros(now))
            .bind(account.to_string())
            .bind(user.to_string())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The link whose token hashes to `token_hash` (across accounts: the token is the key).
    async fn find_by_token_hash(
        self,
        tx: &mut Tx,
        token_hash: &str,
    ) -> StoreResult<Option<LinkRecord>> {
        let sql = format!(
            "SELECT id, account_id, user_id, {}, created_at, expires_at, used_at, revoked_at \
             FROM {} WHERE token_hash = $1",
            self.new_email(),
            self.table()
        );
        let row: Option<LinkRow> = on!(tx, |c| sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(c)
            .await)?;
        row.map(LinkRow::into_record).transpose()
    }

    /// Marks the link used, if it still is open. Returns whether it was.
    async fn mark_used(self, tx: &mut Tx, id: &str, now: jiff::Timestamp) -> StoreResult<bool> {
        let sql = format!(
            "UPDATE {} SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL",
            self.table()
        );
        let n = on!(tx, |c| sqlx::query(&sql)
            .bind(to_micros(now))
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

/// Revokes the user's open invites (a new one replaces them).
pub async fn revoke_user_invites(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    Links::Invites.revoke_open(tx, account, user, now).await
}

/// Inserts an invite.
pub async fn insert_invite(
    tx: &mut Tx,
    id: InviteId,
    account: AccountId,
    user: UserId,
    token_hash: &str,
    now: jiff::Timestamp,
    expires_at: jiff::Timestamp,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO invites (id, account_id, user_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(user.to_string())
    .bind(token_hash)
    .bind(to_micros(now))
    .bind(to_micros(expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Finds an invite by the hash of its token (across accounts: the token is the key).
pub async fn find_invite_by_token_hash(
    tx: &mut Tx,
    token_hash: &str,
) -> StoreResult<Option<LinkRecord>> {
    Links::Invites.find_by_token_hash(tx, token_hash).await
}

/// The user's most recent invite.
pub async fn find_latest_invite(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<Option<LinkRecord>> {
    let row: Option<LinkRow> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, user_id, NULL AS new_email, created_at, expires_at, used_at, \
         revoked_at FROM invites WHERE account_id = $1 AND user_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_optional(c)
    .await)?;
    row.map(LinkRow::into_record).transpose()
}

/// Marks an invite used, if it still is open. Returns whether it was.
pub async fn use_invite(tx: &mut Tx, id: &str, now: jiff::Timestamp) -> StoreResult<bool> {
    Links::Invites.mark_used(tx, id, now).await
}

/// Revokes the user's open email changes.
pub async fn revoke_email_changes(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    Links::EmailChanges
        .revoke_open(tx, account, user, now)
        .await
}

/// Inserts a pending email change.
#[allow(clippy::too_many_arguments)]
pub async fn insert_email_change(
    tx: &mut Tx,
    id: EmailChangeId,
    account: AccountId,
    user: UserId,
    new_email: &str,
    token_hash: &str,
    now: jiff::Timestamp,
    expires_at: jiff::Timestamp,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO email_changes (id, account_id, user_id, new_email, token_hash, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id.to_string())
    .bind(account.to_string())
    .bind(user.to_string())
    .bind(new_email)
    .bind(token_hash)
    .bind(to_micros(now))
    .bind(to_micros(expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Finds an email change by the hash of its token.
pub async fn find_email_change_by_token_hash(
    tx: &mut Tx,
    token_hash: &str,
) -> StoreResult<Option<LinkRecord>> {
    Links::EmailChanges.find_by_token_hash(tx, token_hash).await
}

/// The user's open (unused, unrevoked) email change, if any.
pub async fn find_pending_email_change(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<Option<LinkRecord>> {
    let row: Option<LinkRow> = on!(tx, |c| {
        sqlx::query_as(
        "SELECT id, account_id, user_id, new_email, created_at, expires_at, used_at, revoked_at \
         FROM email_changes WHERE account_id = $1 AND user_id = $2 AND used_at IS NULL \
         AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_optional(c)
    .await
    })?;
    row.map(LinkRow::into_record).transpose()
}

/// Marks an email change used, if still open.
pub async fn use_email_change(tx: &mut Tx, id: &str, now: jiff::Timestamp) -> StoreResult<bool> {
    Links::EmailChanges.mark_used(tx, id, now).await
}

/// Unused, unrevoked invites that ran out before `now` and have not been marked expired
/// yet, across accounts: (account, invite id, user).
pub async fn list_due_invite_expiries(
    tx: &mut Tx,
    now: jiff::Timestamp,
    limit: u32,
) -> StoreResult<Vec<(AccountId, String, UserId)>> {
    let rows: Vec<(String, String, String)> = on!(tx, |c| sqlx::query_as(
        "SELECT account_id, id, user_id FROM invites WHERE expires_at <= $1 \
         AND used_at IS NULL AND revoked_at IS NULL AND expired_at IS NULL \
         ORDER BY expires_at, id LIMIT $2"
    )
    .bind(to_micros(now))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(a, i, u)| Ok((parse_id(&a)?, i, parse_id(&u)?)))
        .collect()
}

/// Marks a run-out invite as expired. False when it was used, revoked or marked already
/// (so that exactly one process records each expiry).
pub async fn mark_invite_expired(
    tx: &mut Tx,
    account: AccountId,
    id: &str,
    now: jiff::Timestamp,
) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "UPDATE invites SET expired_at = $3 WHERE account_id = $1 AND id = $2 \
         AND expires_at <= $3 AND used_at IS NULL AND revoked_at IS NULL \
         AND expired_at IS NULL"
    )
    .bind(account.to_string())
    .bind(id)
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Revokes the user's open password reset links (a newer one replaces them, or the
/// password was just set).
pub async fn revoke_user_password_resets(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    Links::PasswordResets
        .revoke_open(tx, account, user, now)
        .await
}

/// Inserts a password reset link; returns its id.
pub async fn insert_password_reset(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    token_hash: &str,
    now: jiff::Timestamp,
    expires_at: jiff::Timestamp,
) -> StoreResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    on!(tx, |c| sqlx::query(
        "INSERT INTO password_resets (id, account_id, user_id, token_hash, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(&id)
    .bind(account.to_string())
    .bind(user.to_string())
    .bind(token_hash)
    .bind(to_micros(now))
    .bind(to_micros(expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// Finds a password reset link by the hash of its token (across accounts: the token is
/// the key).
pub async fn find_password_reset_by_token_hash(
    tx: &mut Tx,
    token_hash: &str,
) -> StoreResult<Option<LinkRecord>> {
    Links::PasswordResets
        .find_by_token_hash(tx, token_hash)
        .await
}

/// Marks a password reset link used, if it still is open. Returns whether it was.
pub async fn use_password_reset(tx: &mut Tx, id: &str, now: jiff::Timestamp) -> StoreResult<bool> {
    Links::PasswordResets.mark_used(tx, id, now).await
}
