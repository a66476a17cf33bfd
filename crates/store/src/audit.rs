//! The audit log: append-only, hash-chained per account (R12).

use switchboard_domain::AuditFilter;
use switchboard_domain::audit::{GENESIS_HASH, chain_hash};
use switchboard_domain::{AccountId, ActorKind, AuditEvent, NewAuditEvent};

use crate::db::{StoreError, StoreResult, Tx, from_micros, on, parse_id, to_micros, value_rows};

#[derive(sqlx::FromRow)]
struct EventRow {
    account_id: String,
    seq: i64,
    at: i64,
    actor_kind: String,
    actor_id: Option<String>,
    actor_name: String,
    action: String,
    target_type: String,
    target_id: Option<String>,
    target_name: String,
    source: String,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}

const COLUMNS: &str = "account_id, seq, at, actor_kind, actor_id, actor_name, action, \
     target_type, target_id, target_name, source, before_json, after_json, prev_hash, hash";

impl EventRow {
    fn into_event(self) -> StoreResult<AuditEvent> {
        let actor_kind = match self.actor_kind.as_str() {
            "user" => ActorKind::User,
            "api_token" => ActorKind::ApiToken,
            "scim" => ActorKind::Scim,
            "system" => ActorKind::System,
            other => return Err(StoreError::Corrupt(format!("actor kind {other}"))),
        };
        Ok(AuditEvent {
            seq: self.seq,
            event: NewAuditEvent {
                account_id: parse_id(&self.account_id)?,
                at: from_micros(self.at)?,
                actor_kind,
                actor_id: self.actor_id,
                actor_name: self.actor_name,
                action: self.action,
                target_type: self.target_type,
                target_id: self.target_id,
                target_name: self.target_name,
                source: self.source,
                before: self.before_json,
                after: self.after_json,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// Where an account's audit chain ends: what the next event links to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditHead {
    /// The chain is empty.
    Genesis,
    /// The last event's sequence number and hash.
    After {
        /// Sequence number.
        seq: i64,
        /// Hash.
        hash: String,
    },
}

impl AuditHead {
    fn next(self) -> (i64, String) {
        match self {
            Self::Genesis => (1, GENESIS_HASH.to_owned()),
            Self::After { seq, hash } => (seq + 1, hash),
        }
    }
}

/// Appends an event to its account's chain, after `head` when the caller knows it (read
/// under the same lock) or after the head read here. The caller holds the account lock, so
/// the head cannot move before the insert; the primary key (account, seq) refuses a fork
/// regardless.
pub async fn append_audit_event(
    tx: &mut Tx,
    e: &NewAuditEvent,
    head: Option<AuditHead>,
) -> StoreResult<AuditEvent> {
    let mut appended = append_audit_events(tx, std::slice::from_ref(e), head).await?;
    appended
        .pop()
        .ok_or_else(|| StoreError::Corrupt("no audit event appended".to_owned()))
}

/// Where the account's chain ends, read from its newest event.
async fn find_chain_end(tx: &mut Tx, account: AccountId) -> StoreResult<AuditHead> {
    let last: Option<(i64, String)> = on!(tx, |c| sqlx::query_as(
        "SELECT seq, hash FROM audit_events WHERE account_id = $1 \
         ORDER BY seq DESC LIMIT 1"
    )
    .bind(account.to_string())
    .fetch_optional(c)
    .await)?;
    Ok(
        last.map_or(AuditHead::Genesis, |(seq, hash)| AuditHead::After {
            seq,
            hash,
        }),
    )
}

/// `events` chained on after `head`: each with its sequence number and hashes.
fn linked(events: &[NewAuditEvent], mut head: AuditHead) -> Vec<AuditEvent> {
    let mut appended = Vec::with_capacity(events.len());
    for e in events {
        let (seq, prev_hash) = head.next();
        let hash = chain_hash(seq, e, &prev_hash);
        head = AuditHead::After {
            seq,
            hash: hash.clone(),
        };
        appended.push(AuditEvent {
            seq,
            event: e.clone(),
            prev_hash,
            hash,
        });
    }
    appended
}

/// Appends events of one account to its chain in one statement, each linked to the one
/// before (see [`append_audit_event`] for `head`).
pub async fn append_audit_events(
    tx: &mut Tx,
    events: &[NewAuditEvent],
    head: Option<AuditHead>,
) -> StoreResult<Vec<AuditEvent>> {
    const PER_ROW: usize = 15;
    let Some(first) = events.first() else {
        return Ok(Vec::new());
    };
    let head = match head {
        Some(h) => h,
        None => find_chain_end(tx, first.account_id).await?,
    };
    let appended = linked(events, head);
    let sql = format!(
        "INSERT INTO audit_events ({COLUMNS}) VALUES {}",
        value_rows(tx.backend(), events.len(), PER_ROW)
    );
    on!(tx, |c| {
        let mut q = sqlx::query(&sql);
        for a in &appended {
            let e = &a.event;
            q = q
                .bind(e.account_id.to_string())
                .bind(a.seq)
                .bind(to_micros(e.at))
                .bind(e.actor_kind.key())
                .bind(e.actor_id.as_deref())
                .bind(&e.actor_name)
                .bind(&e.action)
                .bind(&e.target_type)
                .bind(e.target_id.as_deref())
                .bind(&e.target_name)
                .bind(&e.source)
                .bind(e.before.as_deref())
                .bind(e.after.as_deref())
                .bind(&a.prev_hash)
                .bind(&a.hash);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    // The account's anchor moves with the chain, in the same transaction: truncating the
    // log afterwards leaves the anchor pointing past its end.
    if let Some(last) = appended.last() {
        on!(tx, |c| sqlx::query(
            "UPDATE accounts SET audit_head_seq = $1, audit_head_hash = $2 WHERE id = $3"
        )
        .bind(last.seq)
        .bind(&last.hash)
        .bind(first.account_id.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(appended)
}

/// The head the account row records: sequence number and hash of the newest event (0 and
/// none for an empty log).
pub async fn find_audit_anchor(
    tx: &mut Tx,
    account: AccountId,
) -> StoreResult<Option<(i64, Option<String>)>> {
    Ok(on!(tx, |c| sqlx::query_as(
        "SELECT audit_head_seq, audit_head_hash FROM accounts WHERE id = $1"
    )
    .bind(account.to_string())
    .fetch_optional(c)
    .await)?)
}

/// The hash of event `seq` of the account, if it exists.
pub async fn find_audit_hash(
    tx: &mut Tx,
    account: AccountId,
    seq: i64,
) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = on!(tx, |c| sqlx::query_as(
        "SELECT hash FROM audit_events WHERE account_id = $1 AND seq = $2"
    )
    .bind(account.to_string())
    .bind(seq)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|(h,)| h))
}

/// Events in `seq` order after `after_seq`, up to `limit`.
pub async fn list_audit_events(
    tx: &mut Tx,
    account: AccountId,
    filter: &AuditFilter,
    after_seq: i64,
    limit: u32,
) -> StoreResult<Vec<AuditEvent>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events WHERE account_id = $1 AND seq > $2 \
         AND ($3 = '' OR actor_id = $3) AND ($4 = '' OR target_id = $4) \
         AND ($5 = '' OR action = $5) AND at >= $6 AND at < $7 \
         AND ($9 = '' OR actor_kind = $9) ORDER BY seq LIMIT $8"
    );
    let rows: Vec<EventRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(after_seq)
        .bind(filter.actor_id.clone().unwrap_or_default())
        .bind(filter.target_id.clone().unwrap_or_default())
        .bind(filter.action.clone().unwrap_or_default())
        .bind(filter.since.map(to_micros).unwrap_or(i64::MIN))
        .bind(filter.until.map(to_micros).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .bind(filter.actor_kind.map(|k| k.key()).unwrap_or_default())
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(EventRow::into_event).collect()
}

/// Events newest first, before `before_seq` when given (the previous page's last), up to
/// `limit`: the log as a person reads it.
pub async fn list_audit_events_newest(
    tx: &mut Tx,
    account: AccountId,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<AuditEvent>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events WHERE account_id = $1 AND seq < $2 \
         AND ($3 = '' OR actor_id = $3) AND ($4 = '' OR target_id = $4) \
         AND ($5 = '' OR action = $5) AND at >= $6 AND at < $7 \
         AND ($9 = '' OR actor_kind = $9) ORDER BY seq DESC LIMIT $8"
    );
    let rows: Vec<EventRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(before_seq.unwrap_or(i64::MAX))
        .bind(filter.actor_id.clone().unwrap_or_default())
        .bind(filter.target_id.clone().unwrap_or_default())
        .bind(filter.action.clone().unwrap_or_default())
        .bind(filter.since.map(to_micros).unwrap_or(i64::MIN))
        .bind(filter.until.map(to_micros).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .bind(filter.actor_kind.map(|k| k.key()).unwrap_or_default())
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(EventRow::into_event).collect()
}

/// The distinct actions recorded in the account's log, sorted (to offer as a filter).
pub async fn list_audit_actions(tx: &mut Tx, account: AccountId) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = on!(tx, |c| sqlx::query_as(
        "SELECT DISTINCT action FROM audit_events WHERE account_id = $1 ORDER BY action"
    )
    .bind(account.to_string())
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}
