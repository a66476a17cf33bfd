//! Reading the audit log and verifying its hash chain (R12).

use serde::Serialize;
use switchboard_domain::audit::{BrokenLink, GENESIS_HASH, verify_run};
use switchboard_domain::{AccountId, AuditEvent};
use switchboard_store::audit::{AuditFilter, list_audit_events};
use switchboard_store::{Db, outbox};

use crate::error::Result;
use crate::{Ctx, Switchboard};

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

    /// The account's mails (the outbox), newest first: for installs without SMTP.
    pub async fn list_mail(&self, ctx: &Ctx, limit: u32) -> Result<Vec<outbox::OutboxMail>> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.is_admin, "read the sent mail")?;
        Ok(outbox::list_mail(&mut c.tx, c.account.id, limit.clamp(1, 1000)).await?)
    }
}
