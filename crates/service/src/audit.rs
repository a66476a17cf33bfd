//! Reading the audit log and verifying its hash chain (R12).

use serde::Serialize;
use switchboard_domain::audit::{BrokenLink, GENESIS_HASH, verify_run};
use switchboard_domain::{AccountId, AuditEvent, DomainError, MailId};
use switchboard_store::audit::{
    AuditFilter, list_audit_actions, list_audit_events, list_audit_events_newest,
};
use switchboard_store::{Db, outbox};

use crate::error::{Error, Result};
use crate::users::Page;
use crate::{Ctx, Switchboard};

fn bad_cursor() -> Error {
    Error::Domain(DomainError::field(
        "cursor",
        "invalid",
        "is not a cursor returned by this list",
    ))
}

/// The opaque text of a page boundary.
fn encode_cursor(text: &str) -> String {
    hex::encode(text)
}

/// The boundary an opaque cursor names, as text after `tag:`.
fn decode_cursor(tag: &str, cursor: &str) -> Result<String> {
    let bytes = hex::decode(cursor).map_err(|_| bad_cursor())?;
    let text = String::from_utf8(bytes).map_err(|_| bad_cursor())?;
    text.strip_prefix(tag)
        .and_then(|t| t.strip_prefix(':'))
        .map(str::to_owned)
        .ok_or_else(bad_cursor)
}

/// Takes one more than a page and turns the surplus into the next page's cursor.
fn paged<T>(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|t| encode_cursor(&cursor(t)))
    } else {
        None
    };
    Page { items, next_cursor }
}

/// The outcome of verifying one account's chain.
#[derive(Clone, Debug, Serialize)]
pub struct ChainReport {
    /// Account.
    pub account_id: AccountId,
    /// Events checked.
    pub events: i64,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
}

/// Verifies the chain of one account, reading it in batches.
pub async fn verify_chain(db: &Db, account: AccountId) -> Result<ChainReport> {
    let mut tx = db.read().await?;
    let mut next_seq = 1;
    let mut prev = GENESIS_HASH.to_owned();
    loop {
        let batch = list_audit_events(
            &mut tx,
            account,
            &AuditFilter::default(),
            next_seq - 1,
            1000,
        )
        .await?;
        if batch.is_empty() {
            break;
        }
        match verify_run(&batch, next_seq, prev) {
            Ok((s, h)) => {
                next_seq = s;
                prev = h;
            }
            Err(broken) => {
                return Ok(ChainReport {
                    account_id: account,
                    events: next_seq - 1,
                    broken: Some(broken),
                });
            }
        }
    }
    Ok(ChainReport {
        account_id: account,
        events: next_seq - 1,
        broken: None,
    })
}

impl Switchboard {
    /// Reads the audit log, oldest first after `after_seq`.
    pub async fn list_audit_events(
        &self,
        ctx: &Ctx,
        filter: &AuditFilter,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AuditEvent>> {
        let mut c = self.begin_read(ctx).await?;
        c.who
            .require(c.who.perms.view_audit, "view the audit log")?;
        Ok(list_audit_events(
            &mut c.tx,
            c.account.id,
            filter,
            after_seq,
            limit.clamp(1, 1000),
        )
        .await?)
    }

    /// Reads the audit log newest first, one page at a time (administrators): `cursor` is
    /// the `next_cursor` of the previous page.
    pub async fn audit_events_page(
        &self,
        ctx: &Ctx,
        filter: &AuditFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<AuditEvent>> {
        let mut c = self.begin_read(ctx).await?;
        c.who
            .require(c.who.perms.view_audit, "view the audit log")?;
        let before = cursor
            .map(|t| {
                decode_cursor("audit", t)?
                    .parse::<i64>()
                    .map_err(|_| bad_cursor())
            })
            .transpose()?;
        let limit = limit.clamp(1, 1000);
        let items =
            list_audit_events_newest(&mut c.tx, c.account.id, filter, before, limit + 1).await?;
        Ok(paged(items, limit, |e| format!("audit:{}", e.seq)))
    }

    /// The actions recorded in the account's log so far, sorted (administrators).
    pub async fn audit_actions(&self, ctx: &Ctx) -> Result<Vec<String>> {
        let mut c = self.begin_read(ctx).await?;
        c.who
            .require(c.who.perms.view_audit, "view the audit log")?;
        Ok(list_audit_actions(&mut c.tx, c.account.id).await?)
    }

    /// Verifies the account's hash chain from its first event (R12), for those who may
    /// read the log: what `switchboard audit verify` reports for this account.
    pub async fn verify_audit_chain(&self, ctx: &Ctx) -> Result<ChainReport> {
        let account = {
            let c = self.begin_read(ctx).await?;
            c.who
                .require(c.who.perms.view_audit, "view the audit log")?;
            c.account.id
        };
        verify_chain(self.db(), account).await
    }

    /// The account's mails newest first, one page at a time (administrators): `cursor` is
    /// the `next_cursor` of the previous page.
    pub async fn mail_page(
        &self,
        ctx: &Ctx,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<outbox::OutboxMail>> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.is_admin, "read the sent mail")?;
        let before = cursor
            .map(|t| {
                let text = decode_cursor("mail", t)?;
                let (at, id) = text.split_once('/').ok_or_else(bad_cursor)?;
                let at = at
                    .parse::<i64>()
                    .ok()
                    .and_then(|m| jiff::Timestamp::from_microsecond(m).ok())
                    .ok_or_else(bad_cursor)?;
                let id = id.parse::<MailId>().map_err(|_| bad_cursor())?;
                Ok::<_, Error>((at, id))
            })
            .transpose()?;
        let limit = limit.clamp(1, 1000);
        let items = outbox::list_mail_page(&mut c.tx, c.account.id, before, limit + 1).await?;
        Ok(paged(items, limit, |m| {
            format!("mail:{}/{}", m.created_at.as_microsecond(), m.id)
        }))
    }

    /// The account's mails (the outbox), newest first: for installs without SMTP.
    pub async fn list_mail(&self, ctx: &Ctx, limit: u32) -> Result<Vec<outbox::OutboxMail>> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.is_admin, "read the sent mail")?;
        Ok(outbox::list_mail(&mut c.tx, c.account.id, limit.clamp(1, 1000)).await?)
    }
}
