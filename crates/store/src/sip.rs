//! SIP: each account's SIP domain, and its users' SIP credentials (digests only).

use switchboard_domain::sip::SipDomain;
use switchboard_domain::{AccountId, UserId};

use crate::db::{StoreError, StoreResult, Tx, from_micros, on, parse_id, to_micros};

/// A user's stored SIP credentials: the digests of the password, never the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipCredentialRecord {
    /// The account.
    pub account_id: AccountId,
    /// The user.
    pub user_id: UserId,
    /// The username they were issued for (the user's extension then).
    pub username: String,
    /// The realm they were issued for (the account's SIP domain then).
    pub realm: String,
    /// `md5(username:realm:password)`, lower-case hex.
    pub ha1_md5: String,
    /// `sha256(username:realm:password)`, lower-case hex (RFC 8760).
    pub ha1_sha256: String,
    /// When they were issued (or last rotated).
    pub issued_at: jiff::Timestamp,
}

#[derive(sqlx::FromRow)]
struct CredentialRow {
    account_id: String,
    user_id: String,
    username: String,
    realm: String,
    ha1_md5: String,
    ha1_sha256: String,
    issued_at: i64,
}

impl CredentialRow {
    fn into_record(self) -> StoreResult<SipCredentialRecord> {
        Ok(SipCredentialRecord {
            account_id: parse_id(&self.account_id)?,
            user_id: parse_id(&self.user_id)?,
            username: self.username,
            realm: self.realm,
            ha1_md5: self.ha1_md5,
            ha1_sha256: self.ha1_sha256,
            issued_at: from_micros(self.issued_at)?,
        })
    }
}

/// The account's SIP domain, if it has one.
pub async fn find_sip_domain(tx: &mut Tx, account: AccountId) -> StoreResult<Option<SipDomain>> {
    let found: Option<String> = on!(tx, |c| sqlx::query_scalar(
        "SELECT domain FROM sip_domains WHERE account_id = $1"
    )
    .bind(account.to_string())
    .fetch_optional(c)
    .await)?;
    found
        .map(|d| {
            SipDomain::parse("domain", &d).map_err(|_| StoreError::Corrupt("sip domain".to_owned()))
        })
        .transpose()
}

/// Sets the account's SIP domain (a domain another account holds is refused by the unique
/// index, [`crate::UniqueKey::SipDomain`]).
pub async fn upsert_sip_domain(
    tx: &mut Tx,
    account: AccountId,
    domain: &SipDomain,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO sip_domains (account_id, domain, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET domain = excluded.domain, \
         updated_at = excluded.updated_at"
    )
    .bind(account.to_string())
    .bind(domain.as_str())
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|_| ()))
    .map_err(StoreError::from)
}

/// The user's SIP credentials, if any.
pub async fn find_sip_credential(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<Option<SipCredentialRecord>> {
    let row: Option<CredentialRow> = on!(tx, |c| sqlx::query_as(
        "SELECT account_id, user_id, username, realm, ha1_md5, ha1_sha256, issued_at \
         FROM sip_credentials WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_optional(c)
    .await)?;
    row.map(CredentialRow::into_record).transpose()
}

/// Stores the user's credentials, replacing any they had (a rotation).
pub async fn upsert_sip_credential(tx: &mut Tx, r: &SipCredentialRecord) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO sip_credentials \
         (account_id, user_id, username, realm, ha1_md5, ha1_sha256, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (account_id, user_id) DO UPDATE SET username = excluded.username, \
         realm = excluded.realm, ha1_md5 = excluded.ha1_md5, \
         ha1_sha256 = excluded.ha1_sha256, issued_at = excluded.issued_at"
    )
    .bind(r.account_id.to_string())
    .bind(r.user_id.to_string())
    .bind(&r.username)
    .bind(&r.realm)
    .bind(&r.ha1_md5)
    .bind(&r.ha1_sha256)
    .bind(to_micros(r.issued_at))
    .execute(c)
    .await
    .map(|_| ()))
    .map_err(StoreError::from)
}

/// Deletes the user's credentials; whether there were any.
pub async fn delete_sip_credential(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM sip_credentials WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Deletes every credential of the account (its realm changed); how many there were.
pub async fn delete_account_sip_credentials(tx: &mut Tx, account: AccountId) -> StoreResult<u64> {
    Ok(on!(tx, |c| sqlx::query(
        "DELETE FROM sip_credentials WHERE account_id = $1"
    )
    .bind(account.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}
