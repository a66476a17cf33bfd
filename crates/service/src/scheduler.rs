//! Background work that comes due: scheduled deactivations (R10) and invites that run
//! out. Every item is applied in its own transaction under its account's lock and
//! re-checked there, so several processes may run the scheduler at once.

use switchboard_domain::{AccountId, ActorKind, Permissions};
use switchboard_store::{accounts, invites, roles, users};

use crate::error::Result;
use crate::users::user_target;
use crate::{Change, Principal, Switchboard};

/// What one scheduler pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerReport {
    /// Users deactivated as scheduled.
    pub deactivated: u32,
    /// Invites marked expired.
    pub invites_expired: u32,
}

fn scheduler_principal() -> Principal {
    Principal {
        kind: ActorKind::System,
        id: None,
        name: "scheduler".to_owned(),
        user_id: None,
        perms: Permissions::ADMINISTRATOR,
        is_owner: true,
        is_admin: true,
    }
}

impl Switchboard {
    /// One pass of the scheduler: expires invites, then applies due deactivations.
    pub async fn run_scheduler(&self) -> Result<SchedulerReport> {
        let invites_expired = self.expire_invites().await?;
        let deactivated = self.run_due_deactivations().await?;
        Ok(SchedulerReport {
            deactivated,
            invites_expired,
        })
    }

    /// Marks every unused invite whose link ran out as expired and audits it
    /// (`user.invite_expired`), once per invite however many processes run this. The
    /// user stays `pending_invite`: an admin can resend the invite. Returns how many
    /// invites expired.
    pub async fn expire_invites(&self) -> Result<u32> {
        let now = self.now();
        let due = {
            let mut tx = self.db().read().await?;
            invites::list_due_invite_expiries(&mut tx, now, 500).await?
        };
        let mut done = 0;
        for (account_id, invite_id, user_id) in due {
            if self
                .expire_invite(account_id, &invite_id, user_id, now)
                .await?
            {
                done += 1;
            }
        }
        Ok(done)
    }

    async fn expire_invite(
        &self,
        account_id: AccountId,
        invite_id: &str,
        user_id: switchboard_domain::UserId,
        now: jiff::Timestamp,
    ) -> Result<bool> {
        let mut tx = self.db().write().await?;
        let Some(account) = accounts::lock_account(&mut tx, account_id).await? else {
            return Ok(false);
        };
        if !invites::mark_invite_expired(&mut tx, account_id, invite_id, now).await? {
            return Ok(false);
        }
        let Some(u) = users::find_user(&mut tx, account_id, user_id).await? else {
            return Ok(false);
        };
        let mut c = Change {
            tx,
            account,
            who: scheduler_principal(),
            now,
            source: "scheduler".to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        c.audit("user.invite_expired", user_target(&u), None, None)
            .await?;
        c.commit().await?;
        Ok(true)
    }

    /// Applies every scheduled deactivation whose time has come. Each runs in its own
    /// transaction under its account's lock, so several processes may call this at once.
    /// A deactivation refused by a rule (the last administrator, the owner) is dropped
    /// and audited. Returns how many users were deactivated.
    pub async fn run_due_deactivations(&self) -> Result<u32> {
        let now = self.now();
        let due = {
            let mut tx = self.db().read().await?;
            users::list_due_deactivations(&mut tx, now, 500).await?
        };
        let mut done = 0;
        for (account_id, user_id) in due {
            let mut tx = self.db().write().await?;
            let Some(account) = accounts::lock_account(&mut tx, account_id).await? else {
                continue;
            };
            let Some(mut u) = users::find_user(&mut tx, account_id, user_id).await? else {
                continue;
            };
            if u.deactivate_at.is_none_or(|t| t > now)
                || u.status == switchboard_domain::UserStatus::Inactive
            {
                continue;
            }
            let Some(role) = roles::find_role(&mut tx, account_id, u.role_id).await? else {
                continue;
            };
            let mut c = Change {
                tx,
                account,
                who: scheduler_principal(),
                now,
                source: "scheduler".to_owned(),
                usage_at_lock: None,
                audit_head: None,
            };
            let before = u.audit_view();
            let owner = c.account.owner_id == u.id;
            let outcome = if owner {
                Err(crate::Error::Domain(
                    switchboard_domain::DomainError::OwnerProtected(
                        "the owner cannot be deactivated".to_owned(),
                    ),
                ))
            } else {
                Self::deactivate_now(&mut c, &mut u, &role).await
            };
            match outcome {
                Ok(()) => {
                    let (b, a) = crate::diff(&before, &u.audit_view());
                    c.audit("user.deactivated", user_target(&u), Some(b), Some(a))
                        .await?;
                    c.commit().await?;
                    done += 1;
                }
                Err(crate::Error::Domain(refusal)) => {
                    drop(c);
                    self.drop_schedule(account_id, user_id, &refusal.to_string())
                        .await?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    async fn drop_schedule(
        &self,
        account_id: switchboard_domain::AccountId,
        user_id: switchboard_domain::UserId,
        why: &str,
    ) -> Result<()> {
        let mut tx = self.db().write().await?;
        let Some(account) = accounts::lock_account(&mut tx, account_id).await? else {
            return Ok(());
        };
        let Some(mut u) = users::find_user(&mut tx, account_id, user_id).await? else {
            return Ok(());
        };
        let now = self.now();
        u.deactivate_at = None;
        u.version += 1;
        u.updated_at = now;
        users::update_user(&mut tx, &u, users::Touches::ROW_ONLY).await?;
        let mut c = Change {
            tx,
            account,
            who: scheduler_principal(),
            now,
            source: "scheduler".to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        c.audit(
            "user.deactivation_refused",
            user_target(&u),
            None,
            Some(serde_json::json!({ "reason": why })),
        )
        .await?;
        c.commit().await
    }
}
