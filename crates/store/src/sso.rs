//! Single sign-on: each account's OpenID Connect connection, the provider subjects users
//! signed in as, and the sign-ins sent to a provider and not yet back.

use switchboard_domain::sso::{SsoClaim, SsoConnection, SsoMatch};
use switchboard_domain::{AccountId, UserId};

use crate::db::{StoreError, StoreResult, Tx, from_micros, on, parse_id, to_micros};

/// A stored connection, with its sealed client secret.
#[derive(Clone, Debug)]
pub struct SsoConnectionRecord {
    /// The account.
    pub account_id: AccountId,
    /// The settings.
    pub connection: SsoConnection,
    /// The client secret, encrypted with the server's key.
    pub client_secret_sealed: String,
    /// When it was first saved.
    pub created_at: jiff::Timestamp,
    /// When it was last changed.
    pub updated_at: jiff::Timestamp,
}

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    account_id: String,
    slug: String,
    display_name: String,
    issuer: String,
    client_id: String,
    client_secret_sealed: String,
    scopes: String,
    claim: String,
    match_field: String,
    email_domains: String,
    password_sign_in: bool,
    jit: bool,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "account_id, slug, display_name, issuer, client_id, client_secret_sealed, \
     scopes, claim, match_field, email_domains, password_sign_in, jit, created_at, updated_at";

impl ConnectionRow {
    fn into_record(self) -> StoreResult<SsoConnectionRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("sso connection {what}"));
        Ok(SsoConnectionRecord {
            account_id: parse_id(&self.account_id)?,
            connection: SsoConnection {
                slug: self.slug,
                display_name: self.display_name,
                issuer: self.issuer,
                client_id: self.client_id,
                scopes: self.scopes.split_whitespace().map(str::to_owned).collect(),
                claim: SsoClaim::parse("claim", &self.claim).map_err(|_| corrupt("claim"))?,
                match_field: SsoMatch::parse("match_field", &self.match_field)
                    .map_err(|_| corrupt("match field"))?,
                email_domains: serde_json::from_str(&self.email_domains)
                    .map_err(|_| corrupt("domains"))?,
                password_sign_in: self.password_sign_in,
                jit: self.jit,
            },
            client_secret_sealed: self.client_secret_sealed,
            created_at: from_micros(self.created_at)?,
            updated_at: from_micros(self.updated_at)?,
        })
    }
}

async fn find_where(
    tx: &mut Tx,
    clause: &str,
    arg: String,
) -> StoreResult<Option<SsoConnectionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM sso_connections WHERE {clause}");
    let row: Option<ConnectionRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(arg)
        .fetch_optional(c)
        .await)?;
    row.map(ConnectionRow::into_record).transpose()
}

/// The account's connection, if it has one.
pub async fn find_sso_connection(
    tx: &mut Tx,
    account: AccountId,
) -> StoreResult<Option<SsoConnectionRecord>> {
    find_where(tx, "account_id = $1", account.to_string()).await
}

/// The connection whose sign-in link is `/sign-in/<slug>`.
pub async fn find_sso_connection_by_slug(
    tx: &mut Tx,
    slug: &str,
) -> StoreResult<Option<SsoConnectionRecord>> {
    find_where(tx, "slug = $1", slug.to_ascii_lowercase()).await
}

/// The connection that claims an email domain (`domain` lower-cased; a domain belongs to
/// one account at most).
pub async fn find_sso_connection_by_domain(
    tx: &mut Tx,
    domain: &str,
) -> StoreResult<Option<SsoConnectionRecord>> {
    find_where(
        tx,
        "account_id IN (SELECT account_id FROM sso_domains WHERE domain = $1)",
        domain.to_owned(),
    )
    .await
}

/// Makes the account's claimed domains exactly `domains` (a domain another account
/// claims is refused by the unique index).
async fn replace_sso_domains(
    tx: &mut Tx,
    account: AccountId,
    domains: &[String],
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "DELETE FROM sso_domains WHERE account_id = $1"
    )
    .bind(account.to_string())
    .execute(c)
    .await
    .map(|_| ()))?;
    for d in domains {
        on!(tx, |c| sqlx::query(
            "INSERT INTO sso_domains (domain, account_id) VALUES ($1, $2)"
        )
        .bind(d)
        .bind(account.to_string())
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Creates or replaces the account's connection.
pub async fn upsert_sso_connection(
    tx: &mut Tx,
    account: AccountId,
    conn: &SsoConnection,
    client_secret_sealed: &str,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    let domains = serde_json::to_string(&conn.email_domains)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    on!(tx, |c| sqlx::query(
        "INSERT INTO sso_connections (account_id, slug, display_name, issuer, client_id, \
         client_secret_sealed, scopes, claim, match_field, email_domains, password_sign_in, \
         jit, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
         ON CONFLICT (account_id) DO UPDATE SET slug = excluded.slug, \
         display_name = excluded.display_name, issuer = excluded.issuer, \
         client_id = excluded.client_id, client_secret_sealed = excluded.client_secret_sealed, \
         scopes = excluded.scopes, claim = excluded.claim, match_field = excluded.match_field, \
         email_domains = excluded.email_domains, password_sign_in = excluded.password_sign_in, \
         jit = excluded.jit, updated_at = excluded.updated_at"
    )
    .bind(account.to_string())
    .bind(&conn.slug)
    .bind(&conn.display_name)
    .bind(&conn.issuer)
    .bind(&conn.client_id)
    .bind(client_secret_sealed)
    .bind(conn.scopes.join(" "))
    .bind(conn.claim.key())
    .bind(conn.match_field.key())
    .bind(domains)
    .bind(conn.password_sign_in)
    .bind(conn.jit)
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|_| ()))?;
    replace_sso_domains(tx, account, &conn.email_domains).await
}

/// Removes the account's connection and every subject its users signed in as.
pub async fn delete_sso_connection(tx: &mut Tx, account: AccountId) -> StoreResult<bool> {
    delete_sso_identities(tx, account).await?;
    replace_sso_domains(tx, account, &[]).await?;
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM sso_connections WHERE account_id = $1"
    )
    .bind(account.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Forgets every subject the account's users signed in as (the provider changed).
pub async fn delete_sso_identities(tx: &mut Tx, account: AccountId) -> StoreResult<u64> {
    Ok(on!(tx, |c| sqlx::query(
        "DELETE FROM sso_identities WHERE account_id = $1"
    )
    .bind(account.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// The user who signed in as this subject of the issuer before.
pub async fn find_user_by_sso_subject(
    tx: &mut Tx,
    account: AccountId,
    issuer: &str,
    subject: &str,
) -> StoreResult<Option<UserId>> {
    let id: Option<String> = on!(tx, |c| {
        sqlx::query_scalar(
        "SELECT user_id FROM sso_identities WHERE account_id = $1 AND issuer = $2 AND subject = $3"
    )
    .bind(account.to_string())
    .bind(issuer)
    .bind(subject)
    .fetch_optional(c)
    .await
    })?;
    id.map(|i| parse_id(&i)).transpose()
}

/// The subject a user signed in as before, if any.
pub async fn find_sso_subject(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<Option<String>> {
    Ok(on!(tx, |c| sqlx::query_scalar(
        "SELECT subject FROM sso_identities WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_optional(c)
    .await)?)
}

/// Records the subject a user signed in as.
pub async fn insert_sso_identity(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    issuer: &str,
    subject: &str,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO sso_identities (account_id, user_id, issuer, subject, linked_at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .bind(issuer)
    .bind(subject)
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A sign-in sent to the provider: what the callback checks the answer against.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SsoRequest {
    /// The account signing in to.
    pub account_id: String,
    /// The issuer the sign-in was sent to.
    pub issuer: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier for the token request.
    pub code_verifier: String,
    /// When it stops being accepted (micros).
    pub expires_at: i64,
}

/// A sign-in about to be sent to the provider.
pub struct NewSsoRequest<'a> {
    /// The state's hash.
    pub state_hash: &'a str,
    /// The account signing in to.
    pub account: AccountId,
    /// The issuer it goes to.
    pub issuer: &'a str,
    /// The nonce the ID token must carry.
    pub nonce: &'a str,
    /// The PKCE verifier.
    pub code_verifier: &'a str,
    /// Now.
    pub now: jiff::Timestamp,
    /// When it stops being accepted.
    pub expires_at: jiff::Timestamp,
}

/// Remembers a sign-in sent to the provider, and forgets expired ones.
pub async fn insert_sso_request(tx: &mut Tx, r: &NewSsoRequest<'_>) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "DELETE FROM sso_requests WHERE expires_at < $1"
    )
    .bind(to_micros(r.now))
    .execute(c)
    .await
    .map(|_| ()))?;
    on!(tx, |c| sqlx::query(
        "INSERT INTO sso_requests (state_hash, account_id, issuer, nonce, code_verifier, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(r.state_hash)
    .bind(r.account.to_string())
    .bind(r.issuer)
    .bind(r.nonce)
    .bind(r.code_verifier)
    .bind(to_micros(r.now))
    .bind(to_micros(r.expires_at))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Takes a sign-in back: it is deleted, so a state is used at most once.
pub async fn take_sso_request(tx: &mut Tx, state_hash: &str) -> StoreResult<Option<SsoRequest>> {
    Ok(on!(tx, |c| sqlx::query_as(
        "DELETE FROM sso_requests WHERE state_hash = $1 \
         RETURNING account_id, issuer, nonce, code_verifier, expires_at"
    )
    .bind(state_hash)
    .fetch_optional(c)
    .await)?)
}
