//! The durable mail outbox: rows written with the change that causes them, delivered
//! after commit by a worker that claims them one process at a time.

use switchboard_domain::{AccountId, MailId, NewMail};

use crate::db::{StoreResult, Tx, from_micros, on, parse_id, to_micros};

/// A queued or sent mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMail {
    /// Id.
    pub id: MailId,
    /// The mail.
    pub mail: NewMail,
    /// Queued at.
    pub created_at: jiff::Timestamp,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Delivered at.
    pub sent_at: Option<jiff::Timestamp>,
    /// The last delivery error.
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MailRow {
    id: String,
    account_id: String,
    kind: String,
    to_addr: String,
    subject: String,
    body: String,
    created_at: i64,
    attempts: i64,
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
            attempts: self.attempts,
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
    let rows: Vec<MailRow> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, kind, to_addr, subject, body, created_at, attempts, sent_at, \
         last_error FROM outbox WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    )
    .bind(account.to_string())
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(MailRow::into_mail).collect()
}
