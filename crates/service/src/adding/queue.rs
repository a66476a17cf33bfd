//! Plain adds from concurrent requests share one write turn. An add that needs nothing
//! beyond the account's defaults (no role named, no departments, tags, extension or Panel
//! Access), by an actor whose rights came with the request and who may add users anywhere,
//! joins its account's queue. The first to join starts a leader task that takes the write
//! turn and makes every add queued by then with [`Switchboard::add_in_turn`], as a lone add
//! is made: one account lock, one read of what the adds are judged against, one insert of
//! the users and one of their audit events (each naming its own actor, R12), one durable
//! commit. A turn that fails as a whole (an external id already held, a failed statement)
//! sends every add back to be made alone, so an add never fails for another's sake.

use std::collections::HashMap;
use std::sync::Mutex;

use switchboard_domain::{AccountId, NewUser, Scope};
use tokio::sync::oneshot;

use super::{Add, AddedUser, LookedUp};
use crate::ctx::Principal;
use crate::error::{Error, Result};
use crate::{Change, Ctx, Switchboard};

/// Most adds one turn takes (the rest wait for the next).
const MOST_PER_TURN: usize = 64;

/// The queues of adds waiting for a write turn, one per account.
#[derive(Default)]
pub(crate) struct AddQueues {
    accounts: Mutex<HashMap<AccountId, Queue>>,
}

#[derive(Default)]
struct Queue {
    /// Whether a leader task is adding this account's queue (it takes what joins).
    led: bool,
    waiting: Vec<Queued>,
}

/// An add waiting for its turn.
struct Queued {
    add: Add,
    /// The account's rights version its actor's rights were read at: a turn that finds
    /// another sends the add back, to be made alone on current rights.
    rights_version: i64,
    reply: oneshot::Sender<Outcome>,
}

/// What becomes of a queued add.
enum Outcome {
    /// Added and committed, or refused by a rule.
    Done(Result<AddedUser>),
    /// Not attempted: make it alone.
    Alone(NewUser),
}

impl AddQueues {
    /// Queues an add; true when no leader is adding the account's queue (the caller
    /// starts one).
    fn join(&self, account: AccountId, add: Queued) -> bool {
        let mut all = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        let queue = all.entry(account).or_default();
        queue.waiting.push(add);
        !std::mem::replace(&mut queue.led, true)
    }

    /// Whether adds wait in the account's queue; when none do, its leader stands down
    /// (the next add to join starts another).
    fn any_waiting(&self, account: AccountId) -> bool {
        let mut all = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        if all.get(&account).is_some_and(|q| !q.waiting.is_empty()) {
            return true;
        }
        all.remove(&account);
        false
    }

    /// The adds for the next turn: all that wait, up to [`MOST_PER_TURN`].
    fn take(&self, account: AccountId) -> Vec<Queued> {
        let mut all = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        all.get_mut(&account).map_or_else(Vec::new, |queue| {
            let n = queue.waiting.len().min(MOST_PER_TURN);
            queue.waiting.drain(..n).collect()
        })
    }
}

/// Whether `new` may be added by `who` in a shared turn.
pub(crate) fn may_share_turn(new: &NewUser, who: &Principal) -> bool {
    new.role.is_none()
        && new.departments.is_empty()
        && new.tags.is_empty()
        && new.extension.is_none()
        && !new.panel_access
        && who.perms.edit_users == Scope::All
}

impl Switchboard {
    /// Adds `new` in a turn shared with other plain adds of the account; `Err(new)` when
    /// it should be made alone.
    pub(crate) async fn add_in_shared_turn(
        &self,
        ctx: &Ctx,
        (who, rights_version): (&Principal, i64),
        new: NewUser,
    ) -> std::result::Result<Result<AddedUser>, NewUser> {
        let (reply, answer) = oneshot::channel();
        let add = Queued {
            add: Add {
                who: who.clone(),
                source: ctx.source.clone(),
                new,
            },
            rights_version,
            reply,
        };
        if self.adds.join(ctx.account_id, add) {
            // A task of its own, so a request that goes away cannot strand the queue.
            let (sb, leader) = (self.clone(), ctx.clone());
            tokio::spawn(async move { sb.lead_adds(leader).await });
        }
        match answer.await {
            Ok(Outcome::Done(result)) => Ok(result),
            Ok(Outcome::Alone(new)) => Err(new),
            Err(_) => Ok(Err(Error::Internal(
                "the shared write turn ended without an answer".to_owned(),
            ))),
        }
    }

    /// Adds the account's queue, a turn at a time, until it is empty.
    async fn lead_adds(&self, leader: Ctx) {
        let _fault = StandDown {
            queues: &self.adds,
            account: leader.account_id,
        };
        while self.adds.any_waiting(leader.account_id) {
            // Adds that join while the turn is awaited are taken too.
            let turn = self.begin(&leader).await;
            let batch = self.adds.take(leader.account_id);
            match turn {
                Ok(c) => {
                    let (current, stale): (Vec<_>, Vec<_>) = batch
                        .into_iter()
                        .partition(|q| q.rights_version == c.account.rights_version);
                    alone(stale.into_iter().map(|q| (q.add, q.reply)));
                    if current.is_empty() {
                        drop(c);
                    } else {
                        self.add_batch(c, current).await;
                    }
                }
                Err(_) => alone(batch.into_iter().map(|q| (q.add, q.reply))),
            }
        }
    }

    /// Adds `batch` in the turn `c`, and answers each add once the turn has committed.
    async fn add_batch(&self, mut c: Change, batch: Vec<Queued>) {
        let (adds, replies): (Vec<Add>, Vec<_>) =
            batch.into_iter().map(|q| (q.add, q.reply)).unzip();
        let answers = match self.add_in_turn(&mut c, &adds, &LookedUp::default()).await {
            Ok(answers) => answers,
            Err(_) => {
                drop(c);
                return alone(adds.into_iter().zip(replies));
            }
        };
        // The next turn may start while this one commits, so the two can share a commit.
        tokio::spawn(async move {
            let committed = c.commit().await.map_err(|e| e.to_string());
            let mut again = Vec::new();
            for ((add, reply), answer) in adds.into_iter().zip(replies).zip(answers) {
                match (&committed, answer) {
                    (Ok(()), answer) => {
                        let _ = reply.send(Outcome::Done(answer));
                    }
                    (Err(failed), Ok(_)) => {
                        let _ = reply.send(Outcome::Done(Err(Error::Internal(format!(
                            "the user could not be committed: {failed}"
                        )))));
                    }
                    // Refused against adds that were not committed: judged again alone.
                    (Err(_), Err(_)) => again.push((add, reply)),
                }
            }
            alone(again);
        });
    }
}

/// If a leader's task unwinds, stands it down and sends the adds still waiting back to be
/// made alone, so that a fault in one batch cannot stall the account's adds.
struct StandDown<'a> {
    queues: &'a AddQueues,
    account: AccountId,
}

impl Drop for StandDown<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let waiting = {
            let mut all = self
                .queues
                .accounts
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            all.remove(&self.account)
                .map(|q| q.waiting)
                .unwrap_or_default()
        };
        alone(waiting.into_iter().map(|q| (q.add, q.reply)));
    }
}

/// Sends every add back to be made alone.
fn alone(adds: impl IntoIterator<Item = (Add, oneshot::Sender<Outcome>)>) {
    for (add, reply) in adds {
        let _ = reply.send(Outcome::Alone(add.new));
    }
}
