//! Reading the audit log and verifying its hash chain (R12).

use serde::Serialize;
use switchboard_domain::AuditFilter;
use switchboard_domain::audit::{BrokenLink, GENESIS_HASH, verify_run};
use switchboard_domain::{AccountId, AuditEvent, DomainError, MailId};
use switchboard_store::audit::{
    find_audit_anchor, find_audit_hash, list_audit_actions, list_audit_events,
    list_audit_events_newest,
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

/// A chain head as an operator keeps it outside the database: `SEQ:HASH`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    /// Sequence number of the newest event (0 for an empty log).
    pub seq: i64,
    /// Its hash (the genesis hash for an empty log).
    pub hash: String,
}

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (seq, hash) = s
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not SEQ:HASH, as `audit head` prints it"))?;
        let seq = seq
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("{seq:?} is not a sequence number"))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{hash:?} is not a hash of 64 hex digits"));
        }
        Ok(Self {
            seq,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// The head the account records for its chain.
pub async fn chain_head(db: &Db, account: AccountId) -> Result<ChainHead> {
    let mut tx = db.read().await?;
    let (seq, hash) = find_audit_anchor(&mut tx, account)
        .await?
        .ok_or(Error::Domain(DomainError::NotFound("account")))?;
    Ok(ChainHead {
        seq,
        hash: hash.unwrap_or_else(|| GENESIS_HASH.to_owned()),
    })
}

/// Verifies the chain of one account, reading it in batches: every link, and that it ends
/// where the account's recorded head says (deleting the newest events is caught).
pub async fn verify_chain(db: &Db, account: AccountId) -> Result<ChainReport> {
    verify_chain_against(db, account, None).await
}

/// [`verify_chain`], and also that the chain still holds `expected` — a head an operator
/// kept outside the database — with the same hash (newer events after it are fine).
pub async fn verify_chain_against(
    db: &Db,
    account: AccountId,
    expected: Option<&ChainHead>,
) -> Result<ChainReport> {
    // One snapshot: the events and the recorded head are read as of the same moment.
    let mut tx = db.read_snapshot().await?;
    let anchor = find_audit_anchor(&mut tx, account).await?;
    let mut next_seq = 1;
    let mut prev = GENESIS_HASH.to_owned();
    let report = |events: i64, broken: Option<BrokenLink>| ChainReport {
        account_id: account,
        events,
        broken,
    };
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
            Err(broken) => return Ok(report(next_seq - 1, Some(broken))),
        }
    }
    let last = next_seq - 1;
    if let Some((head_seq, head_hash)) = anchor {
        let broken = against_recorded_head(last, &prev, head_seq, head_hash);
        if broken.is_some() {
            return Ok(report(last, broken));
        }
    }
    if let Some(want) = expected.filter(|w| w.seq > 0) {
        let found = find_audit_hash(&mut tx, account, want.seq).await?;
        return Ok(report(last, against_expected_head(last, want, found)));
    }
    Ok(report(last, None))
}

/// Where the chain of `last` events ending in hash `prev` disagrees with the head the
/// account records, if it does.
fn against_recorded_head(
    last: i64,
    prev: &str,
    head_seq: i64,
    head_hash: Option<String>,
) -> Option<BrokenLink> {
    let head_hash = head_hash.unwrap_or_else(|| GENESIS_HASH.to_owned());
    if head_seq > last {
        Some(BrokenLink {
            seq: last + 1,
            reason: format!(
                "the chain ends at event {last}, but the account's head says {head_seq}: \
                 the newest events were deleted"
            ),
        })
    } else if head_seq < last {
        Some(BrokenLink {
            seq: head_seq + 1,
            reason: format!(
                "events after {head_seq}, the account's head, were written outside \
                 Switchboard"
            ),
        })
    } else if head_hash != prev {
        Some(BrokenLink {
            seq: last,
            reason: "the newest event is not the one the account's head records".to_owned(),
        })
    } else {
        None
    }
}

/// Where the chain disagrees with a head an operator kept (`found`: the hash the log
/// holds for that event), if it does.
fn against_expected_head(last: i64, want: &ChainHead, found: Option<String>) -> Option<BrokenLink> {
    match found {
        None => Some(BrokenLink {
            seq: want.seq,
            reason: format!(
                "the expected head, event {}, is not in the log (it ends at {last}): the \
                 log was truncated or rolled back",
                want.seq
            ),
        }),
        Some(h) if h != want.hash => Some(BrokenLink {
            seq: want.seq,
            reason: format!(
                "event {} does not have the expected hash: the log was rewritten",
                want.seq
            ),
        }),
        Some(_) => None,
    }
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
        if filter.matches_nothing() {
            return Ok(Vec::new());
        }
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
        if filter.matches_nothing() {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        }
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
    ) -> Result<Page<switchboard_domain::OutboxMail>> {
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
    pub async fn list_mail(
        &self,
        ctx: &Ctx,
        limit: u32,
    ) -> Result<Vec<switchboard_domain::OutboxMail>> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.is_admin, "read the sent mail")?;
        Ok(outbox::list_mail(&mut c.tx, c.account.id, limit.clamp(1, 1000)).await?)
    }
}
