//! Call records reported by the telephony engine. They keep the answering user's name
//! and extension as they were, so reports outlive the user (R9).

use switchboard_domain::{AccountId, DepartmentId, UserId};

use crate::db::{StoreResult, Tx, on, parse_id, to_micros};

/// A finished call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// Id.
    pub id: String,
    /// Account.
    pub account_id: AccountId,
    /// The engine's id for the call (idempotency key).
    pub engine_call_id: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Caller number.
    pub caller: String,
    /// The account's number involved.
    pub number: String,
    /// Department the call was routed to.
    pub department_id: Option<DepartmentId>,
    /// The answering user, while they exist.
    pub user_id: Option<UserId>,
    /// The answering user's name at the time.
    pub user_name: Option<String>,
    /// The answering user's extension at the time.
    pub user_extension: Option<i64>,
    /// Started (µs since epoch).
    pub started_at: i64,
    /// Ended (µs since epoch).
    pub ended_at: i64,
    /// `answered`, `missed`, `voicemail` or `abandoned`.
    pub outcome: String,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: String,
    account_id: String,
    engine_call_id: String,
    direction: String,
    caller: String,
    number: String,
    department_id: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
    user_extension: Option<i64>,
    started_at: i64,
    ended_at: i64,
    outcome: String,
}

/// Inserts a call record; a repeated engine id is refused by the unique index.
pub async fn insert_call(tx: &mut Tx, r: &CallRecord) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO call_records (id, account_id, engine_call_id, direction, caller, number, \
         department_id, user_id, user_name, user_extension, started_at, ended_at, outcome) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(&r.id)
    .bind(r.account_id.to_string())
    .bind(&r.engine_call_id)
    .bind(&r.direction)
    .bind(&r.caller)
    .bind(&r.number)
    .bind(r.department_id.map(|d| d.to_string()))
    .bind(r.user_id.map(|u| u.to_string()))
    .bind(r.user_name.as_deref())
    .bind(r.user_extension)
    .bind(r.started_at)
    .bind(r.ended_at)
    .bind(&r.outcome)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The account's calls, newest first.
pub async fn list_calls(
    tx: &mut Tx,
    account: AccountId,
    limit: u32,
) -> StoreResult<Vec<CallRecord>> {
    let rows: Vec<CallRow> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, engine_call_id, direction, caller, number, department_id, \
         user_id, user_name, user_extension, started_at, ended_at, outcome FROM call_records \
         WHERE account_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2"
    )
    .bind(account.to_string())
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|r| {
            Ok(CallRecord {
                id: r.id,
                account_id: parse_id(&r.account_id)?,
                engine_call_id: r.engine_call_id,
                direction: r.direction,
                caller: r.caller,
                number: r.number,
                department_id: r.department_id.as_deref().map(parse_id).transpose()?,
                user_id: r.user_id.as_deref().map(parse_id).transpose()?,
                user_name: r.user_name,
                user_extension: r.user_extension,
                started_at: r.started_at,
                ended_at: r.ended_at,
                outcome: r.outcome,
            })
        })
        .collect()
}

/// Converts a time for a call record.
pub fn call_time(t: jiff::Timestamp) -> i64 {
    to_micros(t)
}

/// When each member of a department last finished an answered call (any department), for
/// longest-idle routing. Members who never answered are absent.
pub async fn list_member_last_answered(
    tx: &mut Tx,
    account: AccountId,
    department: switchboard_domain::DepartmentId,
) -> StoreResult<Vec<(switchboard_domain::UserId, jiff::Timestamp)>> {
    let rows: Vec<(String, i64)> = on!(tx, |c| sqlx::query_as(
        "SELECT m.user_id, MAX(r.ended_at) FROM department_members m \
         JOIN call_records r ON r.account_id = m.account_id AND r.user_id = m.user_id \
         WHERE m.account_id = $1 AND m.department_id = $2 AND r.outcome = 'answered' \
         GROUP BY m.user_id"
    )
    .bind(account.to_string())
    .bind(department.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(u, t)| Ok((parse_id(&u)?, crate::db::from_micros(t)?)))
        .collect()
}
