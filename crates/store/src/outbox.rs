//! The durable mail outbox: rows written with the change that causes them, delivered
//! after commit by a worker that claims them one process at a time.
//!
//! A worker claims due rows by giving them a lease (`locked_until`) and its claim token,
//! in one short transaction: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so that several
//! processes claim disjoint rows without waiting on each other; on SQLite inside the
//! single writer's `BEGIN IMMEDIATE`. Only the holder of the token records the outcome;
//! a worker that dies mid-send leaves a lease that runs out, and the row is claimed again.

use switchboard_domain::OutboxMail;
use switchboard_domain::{AccountId, MailId, MailStatus, NewMail};

use crate::db::{StoreError, StoreResult, Tx, from_micros, on, parse_id, to_micros};

const COLUMNS: &str = "id, account_id, kind, to_addr, subject, body, created_at, status, \
                       attempts, next_attempt_at, sent_at, last_error";

#[derive(sqlx::FromRow)]
struct MailRow {
    id: String,
    account_id: String,
    kind: String,
    to_addr: String,
    subject: String,
    body: String,
    created_at: i64,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    sent_at: Option<i64>,
    last_error: Option<String>,
}

impl MailRow {
    fn into_mail(self) -> StoreResult<OutboxMail> {
        Ok(OutboxMail {
            id: parse_id(&self.id)?,
            mail: NewMail {
                account_id: parse_id(&self.account_id)?,
                kind: self.kind,
                to: self.to_addr,
                subject: self.subject,
                body: self.body,
            },
            created_at: from_micros(self.created_at)?,
            status: MailStatus::from_key(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("mail status {:?}", self.status)))?,
            attempts: self.attempts,
            next_attempt_at: from_micros(self.next_attempt_at)?,
            sent_at: self.sent_at.map(from_micros).transpose()?,
            last_error: self.last_error,
        })
    }
}

/// Queues a mail in the current transaction.
pub async fn insert_mail(tx: &mut Tx, m: &NewMail, now: jiff::Timestamp) -> StoreResult<MailId> {
    let id = MailId::new();
    on!(tx, |c| sqlx::query(
        "INSERT INTO outbox (id, account_id, kind, to_addr, subject, body, created_at, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"
    )
    .bind(id.to_string())
    .bind(m.account_id.to_string())
    .bind(&m.kind)
    .bind(&m.to)
    .bind(&m.subject)
    .bind(&m.body)
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// The account's mails, newest first.
pub async fn list_mail(
    tx: &mut Tx,
    account: AccountId,
    limit: u32,
) -> StoreResult<Vec<OutboxMail>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE account_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let rows: Vec<MailRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(MailRow::into_mail).collect()
}

/// The account's mails, newest first, after `before` (the `(created_at, id)` of the
/// previous page's last mail) when given.
pub async fn list_mail_page(
    tx: &mut Tx,
    account: AccountId,
    before: Option<(jiff::Timestamp, MailId)>,
    limit: u32,
) -> StoreResult<Vec<OutboxMail>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE account_id = $1 \
         AND ($2 = 0 OR created_at < $3 OR (created_at = $3 AND id < $4)) \
         ORDER BY created_at DESC, id DESC LIMIT $5"
    );
    let (at, id) = before
        .map(|(at, id)| (to_micros(at), id.to_string()))
        .unwrap_or((0, String::new()));
    let rows: Vec<MailRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(i64::from(before.is_some()))
        .bind(at)
        .bind(&id)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(MailRow::into_mail).collect()
}

/// Claims up to `limit` pending mails that are due at `now` and not leased to another
/// worker: each gets the lease `until`, the claim `token`, and one more attempt. Run it
/// in a write transaction and commit at once; the claimed rows are then this worker's
/// until the lease runs out. Oldest due first.
pub async fn claim_due_mail(
    tx: &mut Tx,
    now: jiff::Timestamp,
    until: jiff::Timestamp,
    token: &str,
    limit: u32,
) -> StoreResult<Vec<OutboxMail>> {
    let lock = match tx {
        Tx::Sqlite(..) => "",
        Tx::Postgres(_) => "FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE outbox SET locked_until = $2, claim_token = $3, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' \
         AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1) \
         ORDER BY next_attempt_at, id LIMIT $4 {lock}) RETURNING {COLUMNS}"
    );
    let rows: Vec<MailRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(to_micros(now))
        .bind(to_micros(until))
        .bind(token)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await)?;
    let mut mails = rows
        .into_iter()
        .map(MailRow::into_mail)
        .collect::<StoreResult<Vec<_>>>()?;
    mails.sort_by_key(|m| (m.next_attempt_at, m.id.to_string()));
    Ok(mails)
}

/// Records that a claimed mail was delivered. False when the claim was lost (the lease
/// ran out and another worker holds the row now).
pub async fn mark_mail_sent(
    tx: &mut Tx,
    id: MailId,
    token: &str,
    now: jiff::Timestamp,
) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $3, locked_until = NULL, \
         claim_token = NULL, last_error = NULL \
         WHERE id = $1 AND claim_token = $2 AND status = 'pending'"
    )
    .bind(id.to_string())
    .bind(token)
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records a failed attempt on a claimed mail: with `retry_at`, it stays pending and is
/// due again then; without, it is given up on (`failed`) and kept. False when the claim
/// was lost.
pub async fn mark_mail_failed(
    tx: &mut Tx,
    id: MailId,
    token: &str,
    error: &str,
    retry_at: Option<jiff::Timestamp>,
) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "UPDATE outbox SET status = CASE WHEN $4 IS NULL THEN 'failed' ELSE 'pending' END, \
         next_attempt_at = COALESCE($4, next_attempt_at), last_error = $3, \
         locked_until = NULL, claim_token = NULL \
         WHERE id = $1 AND claim_token = $2 AND status = 'pending'"
    )
    .bind(id.to_string())
    .bind(token)
    .bind(error)
    .bind(retry_at.map(to_micros))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Hands a claimed mail back unsent (the worker is stopping or its lease is running
/// short): due again at once for any worker, and the claim's attempt is not counted.
pub async fn release_mail(tx: &mut Tx, id: MailId, token: &str) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "UPDATE outbox SET locked_until = NULL, claim_token = NULL, \
         attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
         WHERE id = $1 AND claim_token = $2 AND status = 'pending'"
    )
    .bind(id.to_string())
    .bind(token)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
