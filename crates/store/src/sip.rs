//! SIP: each account's SIP domain, and its users' SIP credentials (digests only).

use std::sync::LazyLock;

use switchboard_domain::schedule::WeeklySchedule;
use switchboard_domain::sip::SipDomain;
use switchboard_domain::sip::route::RouteMember;
use switchboard_domain::user::{Availability, UserStatus};
use switchboard_domain::{AccountId, DepartmentId, E164, Extension, TimeZoneName, UserId};

use crate::db::{Arg, Reads, StoreError, StoreResult, Tx, from_micros, on, parse_id, to_micros};
use crate::sqlite::json_flag;

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

/// The account's rights version and SIP domain (if it has one), read together: the first
/// read of a call's route. `None` when there is no such account.
pub async fn find_route_head(
    reads: &mut Reads<'_>,
    account: AccountId,
) -> StoreResult<Option<(i64, Option<SipDomain>)>> {
    let row: Option<RouteHeadRow> = reads
        .row(
            "SELECT a.rights_version, \
             (SELECT s.domain FROM sip_domains s WHERE s.account_id = a.id) AS domain \
             FROM accounts a WHERE a.id = $1",
            &["rights_version", "domain"],
            &[Arg::Text(account.to_string())],
        )
        .await?;
    row.map(|r| Ok((r.rights_version, r.domain.map(parse_domain).transpose()?)))
        .transpose()
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct RouteHeadRow {
    rights_version: i64,
    domain: Option<String>,
}

fn parse_domain(d: String) -> StoreResult<SipDomain> {
    SipDomain::parse("domain", &d).map_err(|_| StoreError::Corrupt("sip domain".to_owned()))
}

/// The account's SIP domain, if it has one.
pub async fn find_sip_domain(
    reads: &mut Reads<'_>,
    account: AccountId,
) -> StoreResult<Option<SipDomain>> {
    let found: Option<DomainRow> = reads
        .row(
            "SELECT domain FROM sip_domains WHERE account_id = $1",
            &["domain"],
            &[Arg::Text(account.to_string())],
        )
        .await?;
    found.map(|d| parse_domain(d.domain)).transpose()
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct DomainRow {
    domain: String,
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
         ha1_sha256 = excluded.ha1_sha256, issued_at = excluded.issued_at, \
         contact = NULL, received = NULL, registered_until = NULL"
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

/// Where a user's phone is registered, as the SIP proxy reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipPhone {
    /// The user.
    pub user_id: UserId,
    /// The phone's Contact URI.
    pub contact: String,
    /// The address the REGISTER came from (`sip:ip:port`), when it differs from the
    /// Contact (a phone behind NAT).
    pub received: Option<String>,
    /// Until when the registration holds.
    pub until: jiff::Timestamp,
}

/// Records (or, with `None`, forgets) where the user's phone is registered.
pub async fn set_sip_registration(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    phone: Option<(&str, Option<&str>, jiff::Timestamp)>,
) -> StoreResult<()> {
    let (contact, received, until) = match phone {
        Some((c, r, u)) => (Some(c), r, Some(to_micros(u))),
        None => (None, None, None),
    };
    on!(tx, |c| sqlx::query(
        "UPDATE sip_credentials SET contact = $3, received = $4, registered_until = $5 \
         WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .bind(contact)
    .bind(received)
    .bind(until)
    .execute(c)
    .await
    .map(|_| ()))
    .map_err(StoreError::from)
}

/// The columns of [`PhoneRow`], in order.
const PHONE_COLUMNS: [&str; 4] = ["user_id", "contact", "received", "registered_until"];

#[derive(sqlx::FromRow, serde::Deserialize)]
struct PhoneRow {
    user_id: String,
    contact: String,
    received: Option<String>,
    registered_until: i64,
}

impl PhoneRow {
    fn into_phone(self) -> StoreResult<SipPhone> {
        Ok(SipPhone {
            user_id: parse_id(&self.user_id)?,
            contact: self.contact,
            received: self.received,
            until: from_micros(self.registered_until)?,
        })
    }
}

/// The phones of a department's members registered at `now`, each with when its
/// registration ends; on SQLite handed over at once ([`Reads::rows`]).
pub async fn list_department_phones(
    reads: &mut Reads<'_>,
    account: AccountId,
    department: DepartmentId,
    now: jiff::Timestamp,
) -> StoreResult<Vec<SipPhone>> {
    let sql = "SELECT s.user_id, s.contact, s.received, s.registered_until \
         FROM department_members m JOIN sip_credentials s \
         ON s.account_id = m.account_id AND s.user_id = m.user_id \
         WHERE m.account_id = $1 AND m.department_id = $2 \
         AND s.contact IS NOT NULL AND s.registered_until > $3";
    let args = [
        Arg::Text(account.to_string()),
        Arg::Text(department.to_string()),
        Arg::Int(to_micros(now)),
    ];
    let rows: Vec<PhoneRow> = reads.rows(sql, &PHONE_COLUMNS, &args).await?;
    rows.into_iter().map(PhoneRow::into_phone).collect()
}

/// The user's phone registered at `now`, if any.
pub async fn find_user_phone(
    reads: &mut Reads<'_>,
    account: AccountId,
    user: UserId,
    now: jiff::Timestamp,
) -> StoreResult<Option<SipPhone>> {
    let row: Option<PhoneRow> = reads
        .row(
            "SELECT user_id, contact, received, registered_until FROM sip_credentials \
             WHERE account_id = $1 AND user_id = $2 AND contact IS NOT NULL \
             AND registered_until > $3",
            &PHONE_COLUMNS,
            &[
                Arg::Text(account.to_string()),
                Arg::Text(user.to_string()),
                Arg::Int(to_micros(now)),
            ],
        )
        .await?;
    row.map(PhoneRow::into_phone).transpose()
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct RouteMemberRow {
    id: String,
    extension: i64,
    mobile: Option<String>,
    status: String,
    #[serde(deserialize_with = "json_flag")]
    receive_calls: bool,
    call_hours: String,
    time_zone: String,
    availability: String,
    #[serde(deserialize_with = "json_flag")]
    voicemail: bool,
}

impl RouteMemberRow {
    fn into_member(self) -> StoreResult<RouteMember> {
        let bad = |what: &str| StoreError::Corrupt(format!("route member {what}"));
        Ok(RouteMember {
            id: parse_id(&self.id)?,
            extension: u32::try_from(self.extension)
                .ok()
                .and_then(Extension::from_number)
                .ok_or_else(|| bad("extension"))?,
            mobile: self.mobile.map(E164::from_trusted),
            status: UserStatus::parse("s", &self.status).map_err(|_| bad("status"))?,
            receive_calls: self.receive_calls,
            call_hours: WeeklySchedule::from_json(&self.call_hours),
            time_zone: TimeZoneName::parse("tz", &self.time_zone).map_err(|_| bad("tz"))?,
            availability: Availability::parse("a", &self.availability)
                .map_err(|_| bad("availability"))?,
            voicemail: self.voicemail,
            phone: None,
        })
    }
}

/// The columns of [`RouteMemberRow`], in order.
const ROUTE_MEMBER_COLUMNS: [&str; 9] = [
    "id",
    "extension",
    "mobile",
    "status",
    "receive_calls",
    "call_hours",
    "time_zone",
    "availability",
    "voicemail",
];

/// A department's members in ring order with what the call route needs of each (their
/// phones are read apart, [`list_department_phones`]): one statement, the members walked
/// in order from `department_members_order_idx`, and on SQLite handed over from the
/// driver's thread at once ([`Reads::rows`]) rather than row by row.
pub async fn list_route_members(
    reads: &mut Reads<'_>,
    account: AccountId,
    department: DepartmentId,
) -> StoreResult<Vec<RouteMember>> {
    let sql = "SELECT u.id, u.extension, u.mobile, u.status, u.receive_calls, u.call_hours, \
         u.time_zone, u.availability, u.voicemail \
         FROM department_members m \
         JOIN users u ON u.account_id = m.account_id AND u.id = m.user_id \
         WHERE m.account_id = $1 AND m.department_id = $2 ORDER BY m.position, m.user_id";
    let args = [
        Arg::Text(account.to_string()),
        Arg::Text(department.to_string()),
    ];
    let rows: Vec<RouteMemberRow> = reads.rows(sql, &ROUTE_MEMBER_COLUMNS, &args).await?;
    rows.into_iter().map(RouteMemberRow::into_member).collect()
}

/// Whom a call to one user reaches: the user `id`, or the holder of an extension.
#[derive(Clone, Copy, Debug)]
pub enum MemberBy {
    /// The user with this id.
    Id(UserId),
    /// The user holding this extension.
    Extension(Extension),
}

/// The user `by` names, with what the call route needs of them (no phone: see
/// [`find_user_phone`]); one probe of the users' (account_id, id) or
/// (account_id, extension) index.
pub async fn find_route_member(
    reads: &mut Reads<'_>,
    account: AccountId,
    by: MemberBy,
) -> StoreResult<Option<RouteMember>> {
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
        ["id", "extension"].map(|column| {
            format!(
                "SELECT {} FROM users WHERE account_id = $1 AND {column} = $2",
                ROUTE_MEMBER_COLUMNS.join(", ")
            )
        })
    });
    let (sql, key) = match by {
        MemberBy::Id(id) => (&SQL[0], Arg::Text(id.to_string())),
        MemberBy::Extension(ext) => (&SQL[1], Arg::Int(i64::from(ext.value()))),
    };
    let row: Option<RouteMemberRow> = reads
        .row(
            sql,
            &ROUTE_MEMBER_COLUMNS,
            &[Arg::Text(account.to_string()), key],
        )
        .await?;
    row.map(RouteMemberRow::into_member).transpose()
}
