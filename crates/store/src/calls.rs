//! Call records reported by the telephony engine. They keep the answering user's name
//! and extension as they were, so reports outlive the user (R9).

use switchboard_domain::CallRecord;
use switchboard_domain::{AccountId, DepartmentId, UserId};

use crate::db::{Arg, Reads, StoreResult, Tx, bind_args, on, parse_id, to_micros};

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

impl CallRow {
    fn into_record(self) -> StoreResult<CallRecord> {
        Ok(CallRecord {
            id: self.id,
            account_id: parse_id(&self.account_id)?,
            engine_call_id: self.engine_call_id,
            direction: self.direction,
            caller: self.caller,
            number: self.number,
            department_id: self.department_id.as_deref().map(parse_id).transpose()?,
            user_id: self.user_id.as_deref().map(parse_id).transpose()?,
            user_name: self.user_name,
            user_extension: self.user_extension,
            started_at: self.started_at,
            ended_at: self.ended_at,
            outcome: self.outcome,
        })
    }
}

const CALL_COLUMNS: &str = "id, account_id, engine_call_id, direction, caller, number, \
     department_id, user_id, user_name, user_extension, started_at, ended_at, outcome";

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
    rows.into_iter().map(CallRow::into_record).collect()
}

/// Converts a time for a call record.
pub fn call_time(t: jiff::Timestamp) -> i64 {
    to_micros(t)
}

/// When each member of a department last finished an answered call (any department), for
/// longest-idle routing. Members who never answered are absent.
pub async fn list_member_last_answered(
    reads: &mut Reads<'_>,
    account: AccountId,
    department: switchboard_domain::DepartmentId,
) -> StoreResult<Vec<(switchboard_domain::UserId, jiff::Timestamp)>> {
    // Driven from the members, one index probe each (call_records_user_answered_idx), so the
    // cost follows the department's size, not the account's call history.
    let sql = "SELECT m.user_id, (SELECT MAX(r.ended_at) FROM call_records r \
         WHERE r.account_id = m.account_id AND r.user_id = m.user_id \
         AND r.outcome = 'answered') AS last_answered FROM department_members m \
         WHERE m.account_id = $1 AND m.department_id = $2";
    let args = [
        Arg::Text(account.to_string()),
        Arg::Text(department.to_string()),
    ];
    let rows: Vec<LastAnswered> = reads
        .rows(sql, &["user_id", "last_answered"], &args)
        .await?;
    rows.into_iter()
        .filter_map(|r| r.last_answered.map(|t| (r.user_id, t)))
        .map(|(u, t)| Ok((parse_id(&u)?, crate::db::from_micros(t)?)))
        .collect()
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct LastAnswered {
    user_id: String,
    last_answered: Option<i64>,
}

/// The account's call with this engine id, if reported already.
pub async fn find_call_by_engine_id(
    tx: &mut Tx,
    account: AccountId,
    engine_call_id: &str,
) -> StoreResult<Option<CallRecord>> {
    let sql = format!(
        "SELECT {CALL_COLUMNS} FROM call_records WHERE account_id = $1 AND engine_call_id = $2"
    );
    let row: Option<CallRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(engine_call_id)
        .fetch_optional(c)
        .await)?;
    row.map(CallRow::into_record).transpose()
}

/// Whose calls a reader may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallVisibility {
    /// Every call of the account.
    All,
    /// Calls routed to these departments, and calls of this user.
    Within {
        /// Departments whose calls are visible.
        departments: Vec<DepartmentId>,
        /// The reader's own calls.
        user: Option<UserId>,
    },
}

/// Which calls to read.
#[derive(Clone, Debug)]
pub struct CallFilter {
    /// Whose calls the reader may see.
    pub visibility: CallVisibility,
    /// Only this user's calls (answered by, or offered to).
    pub user: Option<UserId>,
    /// Only calls routed to this department.
    pub department: Option<DepartmentId>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// `answered`, `missed`, `voicemail` or `abandoned`.
    pub outcome: Option<String>,
    /// Started at or after (µs).
    pub from: Option<i64>,
    /// Started before (µs).
    pub to: Option<i64>,
}

impl CallFilter {
    /// Every call of the account.
    pub fn all() -> Self {
        Self {
            visibility: CallVisibility::All,
            user: None,
            department: None,
            direction: None,
            outcome: None,
            from: None,
            to: None,
        }
    }

    /// The WHERE clauses over `call_records`, appending their values to `args` (whose
    /// first value is the account id). `None` when nothing can match.
    fn clauses(&self, args: &mut Vec<Arg>) -> Option<Vec<String>> {
        let next = |args: &mut Vec<Arg>, a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        let mut clauses = vec!["account_id = $1".to_owned()];
        if let CallVisibility::Within { departments, user } = &self.visibility {
            let mut any = Vec::new();
            if !departments.is_empty() {
                let ps: Vec<String> = departments
                    .iter()
                    .map(|d| next(args, Arg::Text(d.to_string())))
                    .collect();
                any.push(format!("department_id IN ({})", ps.join(", ")));
            }
            if let Some(u) = user {
                let p = next(args, Arg::Text(u.to_string()));
                any.push(format!("user_id = {p}"));
            }
            if any.is_empty() {
                return None;
            }
            clauses.push(format!("({})", any.join(" OR ")));
        }
        if let Some(u) = self.user {
            let p = next(args, Arg::Text(u.to_string()));
            clauses.push(format!("user_id = {p}"));
        }
        if let Some(d) = self.department {
            let p = next(args, Arg::Text(d.to_string()));
            clauses.push(format!("department_id = {p}"));
        }
        if let Some(v) = &self.direction {
            let p = next(args, Arg::Text(v.clone()));
            clauses.push(format!("direction = {p}"));
        }
        if let Some(v) = &self.outcome {
            let p = next(args, Arg::Text(v.clone()));
            clauses.push(format!("outcome = {p}"));
        }
        if let Some(t) = self.from {
            let p = next(args, Arg::Int(t));
            clauses.push(format!("started_at >= {p}"));
        }
        if let Some(t) = self.to {
            let p = next(args, Arg::Int(t));
            clauses.push(format!("started_at < {p}"));
        }
        Some(clauses)
    }
}

/// Where a page of calls ends: the last call's start and id (newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallCursor {
    /// Start of the last call shown (µs).
    pub started_at: i64,
    /// Its id.
    pub id: String,
}

/// One page of calls matching the filter, newest first.
pub async fn list_calls_page(
    tx: &mut Tx,
    account: AccountId,
    filter: &CallFilter,
    after: Option<&CallCursor>,
    limit: u32,
) -> StoreResult<Vec<CallRecord>> {
    let mut args = vec![Arg::Text(account.to_string())];
    let Some(mut clauses) = filter.clauses(&mut args) else {
        return Ok(Vec::new());
    };
    if let Some(cur) = after {
        args.push(Arg::Int(cur.started_at));
        let t = args.len();
        args.push(Arg::Text(cur.id.clone()));
        let i = args.len();
        clauses.push(format!(
            "(started_at < ${t} OR (started_at = ${t} AND id < ${i}))"
        ));
    }
    args.push(Arg::Int(i64::from(limit)));
    let sql = format!(
        "SELECT {CALL_COLUMNS} FROM call_records WHERE {} \
         ORDER BY started_at DESC, id DESC LIMIT ${}",
        clauses.join(" AND "),
        args.len()
    );
    let rows: Vec<CallRow> = on!(tx, |c| {
        bind_args!(sqlx::query_as::<_, CallRow>(&sql), &args)
            .fetch_all(c)
            .await
    })?;
    rows.into_iter().map(CallRow::into_record).collect()
}

/// One user's calls over a period, as counted for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCallStats {
    /// The user, who may since have been deleted.
    pub user_id: UserId,
    /// Their name as recorded on their latest call in the period.
    pub user_name: Option<String>,
    /// Their extension as recorded on their latest call in the period.
    pub user_extension: Option<i64>,
    /// Calls they answered.
    pub answered: i64,
    /// Calls offered to them that nobody answered (missed, voicemail, abandoned).
    pub missed: i64,
    /// Time spent on answered calls (µs).
    pub talk_time: i64,
}

#[derive(sqlx::FromRow)]
struct StatsRow {
    user_id: String,
    user_name: Option<String>,
    user_extension: Option<i64>,
    answered: i64,
    missed: i64,
    talk_time: i64,
}

/// Per-user call counts and talk time for the calls matching `filter`, by user id.
pub async fn user_call_stats(
    tx: &mut Tx,
    account: AccountId,
    filter: &CallFilter,
) -> StoreResult<Vec<UserCallStats>> {
    let mut args = vec![Arg::Text(account.to_string())];
    let Some(mut clauses) = filter.clauses(&mut args) else {
        return Ok(Vec::new());
    };
    clauses.push("user_id IS NOT NULL".to_owned());
    // One pass: each user's totals over the matching calls, read on their latest call
    // together with the name and extension it recorded.
    let sql = format!(
        "SELECT user_id, user_name, user_extension, answered, missed, talk_time FROM (\
         SELECT user_id, user_name, user_extension, \
         ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY started_at DESC, id DESC) AS n, \
         CAST(SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END) \
         OVER (PARTITION BY user_id) AS BIGINT) AS answered, \
         CAST(SUM(CASE WHEN outcome = 'answered' THEN 0 ELSE 1 END) \
         OVER (PARTITION BY user_id) AS BIGINT) AS missed, \
         CAST(SUM(CASE WHEN outcome = 'answered' THEN ended_at - started_at ELSE 0 END) \
         OVER (PARTITION BY user_id) AS BIGINT) AS talk_time \
         FROM call_records WHERE {}) per_user WHERE n = 1",
        clauses.join(" AND ")
    );
    let rows: Vec<StatsRow> = on!(tx, |c| {
        bind_args!(sqlx::query_as::<_, StatsRow>(&sql), &args)
            .fetch_all(c)
            .await
    })?;
    rows.into_iter()
        .map(|r| {
            Ok(UserCallStats {
                user_id: parse_id(&r.user_id)?,
                user_name: r.user_name,
                user_extension: r.user_extension,
                answered: r.answered,
                missed: r.missed,
                talk_time: r.talk_time,
            })
        })
        .collect()
}
