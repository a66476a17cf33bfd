//! Accounts: creation, reading, the per-account write lock, and plan usage counts.

use switchboard_domain::{
    Account, AccountId, Country, ExtensionRange, IdpField, Name, Plan, SsoSettings, TimeZoneName,
    Usage, UserId,
};

use crate::audit::AuditHead;
use crate::db::{Arg, Db, StoreError, StoreResult, Tx, from_micros, on, parse_id, to_micros};
use crate::reads::Reads;

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    name: String,
    plan: String,
    seat_limit: i64,
    extension_min: i64,
    extension_max: i64,
    default_time_zone: String,
    country: Option<String>,
    sso_enabled: bool,
    sso_managed_fields: String,
    owner_id: Option<String>,
    created_at: i64,
    rights_version: i64,
}

const COLUMNS: &str = "id, name, plan, seat_limit, extension_min, extension_max, \
     default_time_zone, country, sso_enabled, sso_managed_fields, owner_id, created_at, \
     rights_version";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("account {what}"))
}

impl AccountRow {
    fn into_account(self) -> StoreResult<Account> {
        let fields: Vec<String> =
            serde_json::from_str(&self.sso_managed_fields).map_err(|_| corrupt("sso fields"))?;
        let managed_fields = fields
            .iter()
            .map(|f| IdpField::parse(f).map_err(|_| corrupt("sso field")))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Account {
            id: parse_id(&self.id)?,
            name: Name::parse("name", &self.name).map_err(|_| corrupt("name"))?,
            plan: Plan::parse("plan", &self.plan).map_err(|_| corrupt("plan"))?,
            seat_limit: u32::try_from(self.seat_limit).map_err(|_| corrupt("seats"))?,
            extension_range: ExtensionRange::new(
                u32::try_from(self.extension_min).map_err(|_| corrupt("range"))?,
                u32::try_from(self.extension_max).map_err(|_| corrupt("range"))?,
            )
            .map_err(|_| corrupt("range"))?,
            default_time_zone: TimeZoneName::parse("tz", &self.default_time_zone)
                .map_err(|_| corrupt("time zone"))?,
            country: self.country.map(Country::from_trusted),
            sso: SsoSettings {
                enabled: self.sso_enabled,
                managed_fields,
            },
            owner_id: match self.owner_id {
                Some(id) => parse_id(&id)?,
                None => UserId::from_uuid(Default::default()),
            },
            created_at: from_micros(self.created_at)?,
            rights_version: self.rights_version,
        })
    }
}

fn sso_fields_json(sso: &SsoSettings) -> String {
    let keys: Vec<&str> = sso.managed_fields.iter().map(IdpField::key).collect();
    serde_json::to_string(&keys).unwrap_or_else(|_| "[]".to_owned())
}

/// Inserts an account; its owner is set with [`set_account_owner`] once the owner exists.
pub async fn insert_account(tx: &mut Tx, a: &Account) -> StoreResult<()> {
    let sql = "INSERT INTO accounts (id, name, plan, seat_limit, extension_min, extension_max, \
               default_time_zone, sso_enabled, sso_managed_fields, owner_id, created_at, \
               country) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11)";
    on!(tx, |c| sqlx::query(sql)
        .bind(a.id.to_string())
        .bind(a.name.as_str())
        .bind(a.plan.key())
        .bind(i64::from(a.seat_limit))
        .bind(i64::from(a.extension_range.min))
        .bind(i64::from(a.extension_range.max))
        .bind(a.default_time_zone.as_str())
        .bind(a.sso.enabled)
        .bind(sso_fields_json(&a.sso))
        .bind(to_micros(a.created_at))
        .bind(a.country.as_ref().map(Country::as_str))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Sets the owner.
pub async fn set_account_owner(tx: &mut Tx, account: AccountId, owner: UserId) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE accounts SET owner_id = $1 WHERE id = $2"
    )
    .bind(owner.to_string())
    .bind(account.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Updates plan, seats, extension range, default time zone, country and SSO settings. The range may
/// have moved, so the free-extension search forgets where it had got to.
pub async fn update_account(tx: &mut Tx, a: &Account) -> StoreResult<()> {
    let sql = "UPDATE accounts SET name = $1, plan = $2, seat_limit = $3, extension_min = $4, \
               extension_max = $5, default_time_zone = $6, sso_enabled = $7, \
               sso_managed_fields = $8, country = $9, extension_floor = 0 WHERE id = $10";
    on!(tx, |c| sqlx::query(sql)
        .bind(a.name.as_str())
        .bind(a.plan.key())
        .bind(i64::from(a.seat_limit))
        .bind(i64::from(a.extension_range.min))
        .bind(i64::from(a.extension_range.max))
        .bind(a.default_time_zone.as_str())
        .bind(a.sso.enabled)
        .bind(sso_fields_json(&a.sso))
        .bind(a.country.as_ref().map(Country::as_str))
        .bind(a.id.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Reads an account.
pub async fn find_account(tx: &mut Tx, id: AccountId) -> StoreResult<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let row: Option<AccountRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(AccountRow::into_account).transpose()
}

/// The account's rights version (see `accounts.rights_version`).
pub async fn find_rights_version(tx: &mut Tx, id: AccountId) -> StoreResult<Option<i64>> {
    Ok(on!(tx, |c| sqlx::query_scalar(
        "SELECT rights_version FROM accounts WHERE id = $1"
    )
    .bind(id.to_string())
    .fetch_optional(c)
    .await)?)
}

/// An account's versions: what held rights and kept views were read at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct Versions {
    /// `accounts.rights_version`.
    pub rights_version: i64,
    /// `accounts.view_version`.
    pub view_version: i64,
}

const VERSIONS_SQL: &str = "SELECT rights_version, view_version FROM accounts WHERE id = $1";

/// The account's versions as a read of its own, outside any transaction: on SQLite on the
/// calling thread, on PostgreSQL on a pooled connection. `None` when there is no account.
pub async fn read_versions(db: &Db, id: AccountId) -> StoreResult<Option<Versions>> {
    let Some(direct) = db.direct() else {
        return versions_in(&mut Reads::Own(db.read_latest().await?), id).await;
    };
    let rows: Vec<Versions> = direct.rows(VERSIONS_SQL, &[Arg::Text(id.to_string())])?;
    Ok(rows.into_iter().next())
}

/// The account's versions, read where `reads` runs. A read that tags what it reads next
/// with them reads them first: outside a snapshot a change in between then shows as a
/// newer version on the next request, never as an older answer under a newer tag.
pub async fn versions_in(reads: &mut Reads<'_>, id: AccountId) -> StoreResult<Option<Versions>> {
    reads
        .row(
            VERSIONS_SQL,
            &["rights_version", "view_version"],
            &[Arg::Text(id.to_string())],
        )
        .await
}

/// Takes the account's write lock for the rest of the transaction and reads the account.
/// Every use case that changes an account's records calls this first, which serialises
/// rules that read-then-write (seats R11, last admin R7, uniqueness R13, the audit chain).
/// On SQLite the transaction already holds the database write lock (`BEGIN IMMEDIATE`).
pub async fn lock_account(tx: &mut Tx, id: AccountId) -> StoreResult<Option<Account>> {
    let sql = match tx {
        Tx::Sqlite(..) => format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"),
        Tx::Postgres(_) => format!("SELECT {COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE"),
    };
    let row: Option<AccountRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(AccountRow::into_account).transpose()
}

/// What a change learns when it takes the account's write lock.
#[derive(Debug)]
pub struct Locked {
    /// The account.
    pub account: Account,
    /// Users and seats in use as the lock was taken (R11).
    pub usage: Usage,
    /// The head of the account's audit chain, when the same statement could read it
    /// consistently (SQLite, whose write turn already excludes every other writer); `None`
    /// means the appender reads it itself.
    pub audit_head: Option<AuditHead>,
}

#[derive(sqlx::FromRow)]
struct LockedRow {
    #[sqlx(flatten)]
    account: AccountRow,
    users_in_use: i64,
    seats_in_use: i64,
    head_seq: Option<i64>,
    head_hash: Option<String>,
}

/// Takes the account's write lock (as [`lock_account`]) and reads, in the same statement,
/// its usage counts and, on SQLite, the head of its audit chain: one round trip instead of
/// three at the start of every change. PostgreSQL leaves the head to the appender, because
/// a subquery there would see the snapshot taken before waiting for the lock.
pub async fn lock_account_with_state(tx: &mut Tx, id: AccountId) -> StoreResult<Option<Locked>> {
    let sql = match tx {
        Tx::Sqlite(..) => format!(
            "SELECT {COLUMNS}, users_in_use, seats_in_use, h.seq AS head_seq, \
             h.hash AS head_hash FROM accounts LEFT JOIN (SELECT seq, hash FROM audit_events \
             WHERE account_id = $1 ORDER BY seq DESC LIMIT 1) AS h WHERE id = $1"
        ),
        Tx::Postgres(_) => format!(
            "SELECT {COLUMNS}, users_in_use, seats_in_use, NULL::BIGINT AS head_seq, \
             NULL::TEXT AS head_hash FROM accounts WHERE id = $1 FOR UPDATE"
        ),
    };
    let row: Option<LockedRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let audit_head = match (tx, row.head_seq, row.head_hash) {
        (Tx::Sqlite(..), Some(seq), Some(hash)) => Some(AuditHead::After { seq, hash }),
        (Tx::Sqlite(..), _, _) => Some(AuditHead::Genesis),
        (Tx::Postgres(_), _, _) => None,
    };
    Ok(Some(Locked {
        account: row.account.into_account()?,
        usage: Usage {
            users: u32::try_from(row.users_in_use).unwrap_or(u32::MAX),
            seats: u32::try_from(row.seats_in_use).unwrap_or(u32::MAX),
        },
        audit_head,
    }))
}

/// All account ids, oldest first.
pub async fn list_account_ids(tx: &mut Tx) -> StoreResult<Vec<AccountId>> {
    let rows: Vec<(String,)> = on!(tx, |c| sqlx::query_as(
        "SELECT id FROM accounts ORDER BY created_at, id"
    )
    .fetch_all(c)
    .await)?;
    rows.iter().map(|(id,)| parse_id(id)).collect()
}

/// Users and seats in use (R11): users not deactivated, and those of them with Panel Access.
/// The database keeps both counts on the account row as users change (migration 0007), so
/// this is one row read however many users the account has.
pub async fn count_usage(tx: &mut Tx, account: AccountId) -> StoreResult<Usage> {
    let sql = "SELECT users_in_use, seats_in_use FROM accounts WHERE id = $1";
    let (users, seats): (i64, i64) = on!(tx, |c| sqlx::query_as(sql)
        .bind(account.to_string())
        .fetch_optional(c)
        .await)?
    .unwrap_or((0, 0));
    Ok(Usage {
        users: u32::try_from(users).unwrap_or(u32::MAX),
        seats: u32::try_from(seats).unwrap_or(u32::MAX),
    })
}

/// Whether any account exists (a fresh install has none and offers a setup link).
pub async fn any_account_exists(tx: &mut Tx) -> StoreResult<bool> {
    let row: Option<(String,)> = on!(tx, |c| sqlx::query_as("SELECT id FROM accounts LIMIT 1")
        .fetch_optional(c)
        .await)?;
    Ok(row.is_some())
}
