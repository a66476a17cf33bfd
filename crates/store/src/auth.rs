//! Credentials: dashboard sessions and API tokens (stored as hashes). Deactivating or
//! deleting a user revokes both at once (R9, R10).

use switchboard_domain::ApiTokenRecord;
use switchboard_domain::{AccountId, ApiTokenId, UserId};

use crate::db::{StoreResult, Tx, from_micros, on, parse_id, to_micros};

#[derive(sqlx::FromRow)]
struct ApiTokenRow {
    id: String,
    account_id: String,
    user_id: Option<String>,
    name: String,
    kind: String,
    role_id: Option<String>,
    scopes: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    expires_at: Option<i64>,
}

impl ApiTokenRow {
    fn into_record(self) -> StoreResult<ApiTokenRecord> {
        Ok(ApiTokenRecord {
            id: parse_id(&self.id)?,
            account_id: parse_id(&self.account_id)?,
            user_id: self.user_id.as_deref().map(parse_id).transpose()?,
            name: self.name,
            kind: self.kind,
            role_id: self.role_id.as_deref().map(parse_id).transpose()?,
            scopes: self.scopes.split_whitespace().map(str::to_owned).collect(),
            created_at: from_micros(self.created_at)?,
            last_used_at: self.last_used_at.map(from_micros).transpose()?,
            revoked_at: self.revoked_at.map(from_micros).transpose()?,
            expires_at: self.expires_at.map(from_micros).transpose()?,
        })
    }
}

const TOKEN_COLUMNS: &str = "id, account_id, user_id, name, kind, role_id, scopes, created_at, \
     last_used_at, revoked_at, expires_at";

/// Inserts an API or SCIM token.
pub async fn insert_api_token(
    tx: &mut Tx,
    t: &ApiTokenRecord,
    token_hash: &str,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO api_tokens (id, account_id, user_id, name, kind, role_id, token_hash, \
         created_at, scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(t.id.to_string())
    .bind(t.account_id.to_string())
    .bind(t.user_id.map(|u| u.to_string()))
    .bind(&t.name)
    .bind(&t.kind)
    .bind(t.role_id.map(|r| r.to_string()))
    .bind(token_hash)
    .bind(to_micros(t.created_at))
    .bind(t.scopes.join(" "))
    .bind(t.expires_at.map(to_micros))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Finds a token by the hash of its secret.
pub async fn find_api_token_by_hash(
    tx: &mut Tx,
    token_hash: &str,
) -> StoreResult<Option<HeldToken>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, \
         (SELECT a.rights_version FROM accounts a WHERE a.id = api_tokens.account_id) \
         AS rights_version, \
         (SELECT a.owner_id FROM accounts a WHERE a.id = api_tokens.account_id) AS owner_id \
         FROM api_tokens WHERE token_hash = $1"
    );
    let row: Option<HeldTokenRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(token_hash)
        .fetch_optional(c)
        .await)?;
    row.map(|r| {
        Ok(HeldToken {
            token: r.token.into_record()?,
            rights_version: r.rights_version.unwrap_or_default(),
            owner_id: r.owner_id.as_deref().map(parse_id).transpose()?,
        })
    })
    .transpose()
}

/// A token found by its secret's hash, with what its account says about rights as it
/// was read: its rights version (see `accounts.rights_version`) and its owner.
#[derive(Clone, Debug)]
pub struct HeldToken {
    /// The token.
    pub token: ApiTokenRecord,
    /// The account's rights version, read in the same statement.
    pub rights_version: i64,
    /// The account's owner.
    pub owner_id: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct HeldTokenRow {
    #[sqlx(flatten)]
    token: ApiTokenRow,
    rights_version: Option<i64>,
    owner_id: Option<String>,
}

/// The account's tokens, newest first.
pub async fn list_api_tokens(tx: &mut Tx, account: AccountId) -> StoreResult<Vec<ApiTokenRecord>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC, id"
    );
    let rows: Vec<ApiTokenRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(ApiTokenRow::into_record).collect()
}

/// Revokes one token. Returns whether it existed and was open.
pub async fn revoke_api_token(
    tx: &mut Tx,
    account: AccountId,
    id: ApiTokenId,
    now: jiff::Timestamp,
) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND id = $3 \
         AND revoked_at IS NULL"
    )
    .bind(to_micros(now))
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records that a token was used at `now`.
pub async fn touch_api_token(tx: &mut Tx, id: ApiTokenId, now: jiff::Timestamp) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        // Uses are written in batches, perhaps by several processes: never backwards.
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
         AND (last_used_at IS NULL OR last_used_at < $1)"
    )
    .bind(to_micros(now))
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every dashboard session of a user (their API tokens stay). Returns how many ended.
pub async fn delete_user_sessions(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<u64> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Ends the account's sessions that began with a password, except `keep`'s (the owner's),
/// when password sign-in is turned off. Returns how many ended.
pub async fn delete_password_sessions(
    tx: &mut Tx,
    account: AccountId,
    keep: UserId,
) -> StoreResult<u64> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND user_id <> $2 AND NOT via_sso"
    )
    .bind(account.to_string())
    .bind(keep.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Revokes every session and API token of a user. Returns how many credentials ended.
pub async fn revoke_user_credentials(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    now: jiff::Timestamp,
) -> StoreResult<u64> {
    let tokens = on!(tx, |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND user_id = $3 \
         AND revoked_at IS NULL"
    )
    .bind(to_micros(now))
    .bind(account.to_string())
    .bind(user.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let sessions = on!(tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(tokens + sessions)
}

/// Starts a dashboard session.
pub async fn insert_session(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    token_hash: &str,
    now: jiff::Timestamp,
    expires_at: jiff::Timestamp,
    via_sso: bool,
) -> StoreResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    on!(tx, |c| sqlx::query(
        "INSERT INTO sessions (id, account_id, user_id, token_hash, created_at, expires_at, \
         via_sso) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(&id)
    .bind(account.to_string())
    .bind(user.to_string())
    .bind(token_hash)
    .bind(to_micros(now))
    .bind(to_micros(expires_at))
    .bind(via_sso)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// The (account, user) of a live session.
pub async fn find_session(
    tx: &mut Tx,
    token_hash: &str,
    now: jiff::Timestamp,
) -> StoreResult<Option<(AccountId, UserId)>> {
    let row: Option<(String, String)> = on!(tx, |c| sqlx::query_as(
        "SELECT account_id, user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2"
    )
    .bind(token_hash)
    .bind(to_micros(now))
    .fetch_optional(c)
    .await)?;
    row.map(|(a, u)| Ok((parse_id(&a)?, parse_id(&u)?)))
        .transpose()
}

/// How many live sessions and tokens a user holds.
pub async fn count_user_credentials(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<i64> {
    let (s,): (i64,) = on!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_one(c)
    .await)?;
    let (t,): (i64,) = on!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM api_tokens WHERE account_id = $1 AND user_id = $2 \
         AND revoked_at IS NULL"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_one(c)
    .await)?;
    Ok(s + t)
}

/// Reads one token of the account.
pub async fn find_api_token(
    tx: &mut Tx,
    account: AccountId,
    id: ApiTokenId,
) -> StoreResult<Option<ApiTokenRecord>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE account_id = $1 AND id = $2");
    let row: Option<ApiTokenRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(ApiTokenRow::into_record).transpose()
}

/// A user who might be signing in with an email: any account's holder of that address.
#[derive(Clone, Debug)]
pub struct SignInCandidate {
    /// The user's account.
    pub account_id: AccountId,
    /// The account's name (shown only once the password matched).
    pub account_name: String,
    /// The user.
    pub user_id: UserId,
    /// `active`, `pending_invite` or `inactive`.
    pub status: String,
    /// Whether the user may sign in to the panel at all.
    pub panel_access: bool,
    /// The argon2 hash, if a password was ever set.
    pub password_hash: Option<String>,
}

/// Every user holding `email_key`, across accounts (emails are unique per account only).
/// Sign-in is the one lookup that cannot be scoped to an account: the person has not said
/// which one they belong to yet.
pub async fn list_sign_in_candidates(
    tx: &mut Tx,
    email_key: &str,
) -> StoreResult<Vec<SignInCandidate>> {
    let rows: Vec<(String, String, String, String, bool, Option<String>)> =
        on!(tx, |c| sqlx::query_as(
            "SELECT u.account_id, a.name, u.id, u.status, u.panel_access, u.password_hash \
             FROM users u JOIN accounts a ON a.id = u.account_id \
             WHERE u.email_key = $1 ORDER BY a.created_at, a.id"
        )
        .bind(email_key)
        .fetch_all(c)
        .await)?;
    rows.into_iter()
        .map(|(a, name, u, status, panel_access, password_hash)| {
            Ok(SignInCandidate {
                account_id: parse_id(&a)?,
                account_name: name,
                user_id: parse_id(&u)?,
                status,
                panel_access,
                password_hash,
            })
        })
        .collect()
}

/// A live dashboard session (never its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// Id.
    pub id: String,
    /// Account.
    pub account_id: AccountId,
    /// The signed-in user.
    pub user_id: UserId,
    /// Started.
    pub created_at: jiff::Timestamp,
    /// Ends unless used before (idle expiry, capped by the absolute lifetime).
    pub expires_at: jiff::Timestamp,
    /// Started through the account's identity provider.
    pub via_sso: bool,
}

/// The session whose secret hashes to `token_hash`, if it has not expired.
pub async fn find_live_session(
    tx: &mut Tx,
    token_hash: &str,
    now: jiff::Timestamp,
) -> StoreResult<Option<SessionRecord>> {
    let row: Option<(String, String, String, i64, i64, bool)> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, user_id, created_at, expires_at, via_sso FROM sessions \
         WHERE token_hash = $1 AND expires_at > $2"
    )
    .bind(token_hash)
    .bind(to_micros(now))
    .fetch_optional(c)
    .await)?;
    row.map(|(id, a, u, created, expires, via_sso)| {
        Ok(SessionRecord {
            id,
            account_id: parse_id(&a)?,
            user_id: parse_id(&u)?,
            created_at: from_micros(created)?,
            expires_at: from_micros(expires)?,
            via_sso,
        })
    })
    .transpose()
}

/// Moves a session's expiry (sliding idle expiry).
pub async fn extend_session(tx: &mut Tx, id: &str, expires_at: jiff::Timestamp) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE sessions SET expires_at = $1 WHERE id = $2"
    )
    .bind(to_micros(expires_at))
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends the session whose secret hashes to `token_hash`. Returns whether one ended.
pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Removes sessions that expired before `now`.
pub async fn delete_expired_sessions(tx: &mut Tx, now: jiff::Timestamp) -> StoreResult<u64> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1"
    )
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}
