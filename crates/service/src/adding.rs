//! Plain adds from concurrent requests share one write turn. An add that needs nothing
//! beyond the account's defaults (no role named, no departments, tags, extension or Panel
//! Access), by an actor whose rights came with the request and who may add users anywhere,
//! joins its account's queue. The first to join starts a leader task that takes the write
//! turn and adds every add queued by then: one account lock, one read of the Basic role and
//! of who holds the batch's emails and mobiles, one search for free extensions, one insert
//! of the users and one of their audit events, one durable commit. Each add is still judged
//! on its own, in queue order (the role's grant, R1; a free email and mobile, R13; the
//! plan's user limit, R11), and has its own audit event naming its own actor (R12). A batch
//! that fails as a whole (an external id already held, a failed statement) sends every add
//! back to be made alone, so an add never fails for another's sake.

use std::collections::HashMap;
use std::sync::Mutex;

use switchboard_domain::{
    Account, AccountId, BuiltinRole, DomainError, Email, NewAuditEvent, NewUser, Role, Scope, Usage,
};
use switchboard_store::{audit as audit_store, roles, users as store};
use tokio::sync::oneshot;

use crate::ctx::Principal;
use crate::error::{Error, Result};
use crate::users::{AddedUser, created_view, new_user_record, user_target};
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
    ctx: Ctx,
    who: Principal,
    new: NewUser,
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
        who: &Principal,
        new: NewUser,
    ) -> std::result::Result<Result<AddedUser>, NewUser> {
        let (reply, answer) = oneshot::channel();
        let add = Queued {
            ctx: ctx.clone(),
            who: who.clone(),
            new,
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
                Ok(c) => self.add_batch(c, batch).await,
                Err(_) => alone(batch),
            }
        }
    }

    /// Adds `batch` in the turn `c`, and answers each add once the turn has committed.
    async fn add_batch(&self, mut c: Change, batch: Vec<Queued>) {
        let Ok(Some((basic, mut usage, mut holders))) = Self::batch_facts(&mut c, &batch).await
        else {
            return alone(batch);
        };
        let mut accepted = Vec::with_capacity(batch.len());
        let mut refused = Vec::new();
        for add in batch {
            match judge(&add, &basic, &c.account, usage, &holders) {
                Ok(()) => {
                    usage.users += 1;
                    holders.claim(&add.new);
                    accepted.push(add);
                }
                Err(e) => refused.push((add, e)),
            }
        }
        let range = c.account.extension_range;
        let free = match store::list_free_extensions(
            &mut c.tx,
            c.account.id,
            range.min,
            range.max,
            accepted.len(),
        )
        .await
        {
            Ok(free) => free,
            Err(_) => return alone(accepted.into_iter().chain(refused.into_iter().map(|r| r.0))),
        };
        let mut users = Vec::with_capacity(accepted.len());
        let mut events = Vec::with_capacity(accepted.len());
        let mut added = Vec::with_capacity(accepted.len());
        let mut free = free.into_iter();
        for add in accepted {
            let Some(extension) = free
                .next()
                .and_then(switchboard_domain::Extension::from_number)
            else {
                let full = DomainError::NoFreeExtension {
                    min: range.min,
                    max: range.max,
                };
                refused.push((add, full.into()));
                continue;
            };
            let user = new_user_record(
                add.new.clone(),
                &c.account,
                basic.id,
                extension,
                add.who.kind,
                c.now,
            );
            let target = user_target(&user);
            events.push(NewAuditEvent {
                account_id: c.account.id,
                at: c.now,
                actor_kind: add.who.kind,
                actor_id: add.who.id.clone(),
                actor_name: add.who.name.clone(),
                action: "user.created".to_owned(),
                target_type: target.kind.to_owned(),
                target_id: target.id,
                target_name: target.name,
                source: add.ctx.source.clone(),
                before: None,
                after: Some(created_view(&user, &[]).to_string()),
            });
            users.push(user.clone());
            added.push((add, user));
        }
        let written = async {
            store::insert_users(&mut c.tx, &users).await?;
            if let Some(last) = users.last() {
                store::raise_extension_floor(&mut c.tx, c.account.id, last.extension.value())
                    .await?;
            }
            audit_store::append_audit_events(&mut c.tx, &events, c.audit_head.take()).await?;
            Ok::<_, Error>(())
        }
        .await;
        if written.is_err() {
            drop(c);
            return alone(
                added
                    .into_iter()
                    .map(|(add, _)| add)
                    .chain(refused.into_iter().map(|r| r.0)),
            );
        }
        // The next turn may start while this one commits, so the two can share a commit.
        tokio::spawn(async move {
            if let Err(e) = c.commit().await {
                let failed = e.to_string();
                for (add, _) in added {
                    let _ = add.reply.send(Outcome::Done(Err(Error::Internal(format!(
                        "the user could not be committed: {failed}"
                    )))));
                }
                return alone(refused.into_iter().map(|r| r.0));
            }
            for (add, user) in added {
                let _ = add.reply.send(Outcome::Done(Ok(AddedUser {
                    user,
                    invite_link: None,
                    role_name: basic.name.to_string(),
                    departments: Vec::new(),
                })));
            }
            for (add, e) in refused {
                let _ = add.reply.send(Outcome::Done(Err(e)));
            }
        });
    }
}

impl Switchboard {
    /// What a batch is judged against, read in its turn: the Basic role every add gets,
    /// the usage as the account was locked, and who holds the batch's emails and mobiles.
    async fn batch_facts(
        c: &mut Change,
        batch: &[Queued],
    ) -> Result<Option<(Role, Usage, Holders)>> {
        let Some(basic) =
            roles::find_builtin_role(&mut c.tx, c.account.id, BuiltinRole::Basic).await?
        else {
            return Ok(None);
        };
        let usage = c.usage().await?;
        let emails: Vec<String> = batch
            .iter()
            .filter_map(|a| a.new.email.as_ref().map(Email::key))
            .collect();
        let mobiles: Vec<String> = batch
            .iter()
            .filter_map(|a| a.new.mobile.as_ref().map(|m| m.as_str().to_owned()))
            .collect();
        let mut holders = Holders::default();
        for h in store::find_contact_holders(&mut c.tx, c.account.id, &emails, &mobiles).await? {
            if let Some(e) = h.email_key {
                holders.emails.insert(e, h.name.clone());
            }
            if let Some(m) = h.mobile {
                holders.mobiles.insert(m, h.name);
            }
        }
        Ok(Some((basic, usage, holders)))
    }
}

/// Who holds the emails (by key) and mobiles a batch asks for, including the batch's own
/// adds accepted so far (R13).
#[derive(Default)]
struct Holders {
    emails: HashMap<String, String>,
    mobiles: HashMap<String, String>,
}

impl Holders {
    /// Records that `new` now holds its email and mobile.
    fn claim(&mut self, new: &NewUser) {
        if let Some(e) = &new.email {
            self.emails.insert(e.key(), new.name.to_string());
        }
        if let Some(m) = &new.mobile {
            self.mobiles
                .insert(m.as_str().to_owned(), new.name.to_string());
        }
    }
}

/// The rules an add in a batch must pass, in the order a lone add checks them: the grant
/// of the role (R1), a free email and mobile (R13), room in the plan (R11).
fn judge(
    add: &Queued,
    basic: &Role,
    account: &Account,
    usage: Usage,
    holders: &Holders,
) -> Result<()> {
    add.who
        .check_can_grant(&basic.permissions, basic.name.as_str())?;
    if let Some(e) = &add.new.email
        && let Some(holder) = holders.emails.get(&e.key())
    {
        return Err(DomainError::DuplicateEmail {
            email: e.to_string(),
            holder: holder.clone(),
        }
        .into());
    }
    if let Some(m) = &add.new.mobile
        && let Some(holder) = holders.mobiles.get(m.as_str())
    {
        return Err(DomainError::DuplicateMobile {
            mobile: m.to_string(),
            holder: holder.clone(),
        }
        .into());
    }
    Ok(account.check_room_for(usage, false)?)
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
        alone(waiting);
    }
}

/// Sends every add back to be made alone.
fn alone(adds: impl IntoIterator<Item = Queued>) {
    for add in adds {
        let _ = add.reply.send(Outcome::Alone(add.new));
    }
}
