//! Adding users (R1, R2, R3, R11, R13). Every way a user is added — alone through any
//! front end, plain adds sharing a write turn ([`queue`]), the rows of an import — goes
//! through [`Switchboard::add_in_turn`]: the turn's facts are read once, each add is judged
//! in order by [`judge_add`], and the accepted adds are written and audited together. A
//! lone add is a batch of one.

mod queue;

use std::collections::HashSet;

use switchboard_domain::adding::{Adder, Found, Holders, judge_add};
use switchboard_domain::{
    Account, Availability, BuiltinRole, DepartmentId, DomainError, Email, Extension, IdpProfile,
    NewAuditEvent, NewUser, Role, RoleId, Scope, User, UserId, UserStatus, audit::ActorKind,
};
use switchboard_store::{
    StoreError, accounts as account_store, departments, roles, users as store,
};

pub(crate) use queue::AddQueues;

use crate::ctx::Principal;
use crate::error::{Error, Result};
use crate::users::{check_contacts_free, check_departments, refusal, resolve_role, user_target};
use crate::{Change, Ctx, Switchboard};

/// A user just added, with the invite link when one was sent.
#[derive(Clone, Debug)]
pub struct AddedUser {
    /// The user.
    pub user: User,
    /// The invite link (Panel Access users, when the account does not use SSO).
    pub invite_link: Option<String>,
    /// The name of the user's role.
    pub role_name: String,
    /// The user's departments (id, name), by name.
    pub departments: Vec<(DepartmentId, String)>,
}

/// One add to make in a turn: what is asked, by whom, from where.
pub(crate) struct Add {
    pub who: Principal,
    pub source: String,
    pub new: NewUser,
}

/// What adding a user looked up on a reader before its write turn.
#[derive(Default)]
pub(crate) struct LookedUp {
    /// The account's Basic role, for a user given no role (a built-in role is never
    /// deleted, so it cannot go stale).
    basic_role: Option<Role>,
    /// Whether the email and mobile were found free (a user who took one since is refused
    /// by the unique indexes, and the conflict explained as if found here).
    contacts_free: bool,
}

/// What a turn reads once for all its adds.
struct Facts {
    basic: Option<Role>,
    usage: switchboard_domain::Usage,
    holders: Holders,
}

/// An add the judge accepted, with what its lookups found.
struct Accepted {
    role: Role,
    departments: Vec<(DepartmentId, String)>,
}

impl Switchboard {
    /// Adds a user (R1, R2, R3, R11, R13). Panel Access users start as `pending_invite`
    /// and get an invite; others start `active` as call-only users.
    pub async fn add_user(&self, ctx: &Ctx, mut new: NewUser) -> Result<AddedUser> {
        if let Some((who, held_at)) = ctx.known_principal()
            && queue::may_share_turn(&new, who)
        {
            match self.add_in_shared_turn(ctx, (who, held_at), new).await {
                Ok(done) => return done,
                // Made alone, with every check in its own turn.
                Err(back) => new = back,
            }
        }
        let ahead = self.look_up_ahead(ctx, &new).await?;
        let mut c = self.begin(ctx).await?;
        let add = Add {
            who: c.who.clone(),
            source: c.source.clone(),
            new,
        };
        let account = c.account.id;
        let answer = match self
            .add_in_turn(&mut c, std::slice::from_ref(&add), &ahead)
            .await
        {
            Ok(mut answers) => answers
                .pop()
                .unwrap_or_else(|| Err(Error::Internal("an add without an answer".to_owned()))),
            Err(e) => Err(e),
        };
        match answer {
            Ok(added) => {
                c.commit().await?;
                Ok(added)
            }
            Err(Error::Store(StoreError::Unique(k))) => {
                // The holder may be a user added earlier in this shared write turn, not yet
                // committed: read it inside the turn where the transaction survives the
                // failed statement. Where it does not, the holder committed before the
                // index refused, so a fresh read finds it.
                let within = c.tx.readable_after_error().then_some(&mut c.tx);
                let new = &add.new;
                let e = self
                    .explain_unique(
                        within,
                        account,
                        k,
                        new.email.as_ref(),
                        new.mobile.as_ref(),
                        new.extension,
                    )
                    .await;
                drop(c);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The lookups of adding a user that need no lock, made on a reader before the write
    /// turn so that the turn, which writers take one at a time, does only what must be
    /// serialized. Only for an actor whose rights came with the request and who may add
    /// users anywhere, so a refusal here reveals nothing the actor could not see.
    async fn look_up_ahead(&self, ctx: &Ctx, new: &NewUser) -> Result<LookedUp> {
        let Some((who, held_at)) = ctx.known_principal() else {
            return Ok(LookedUp::default());
        };
        if who.perms.edit_users != Scope::All || (new.panel_access && new.email.is_none()) {
            return Ok(LookedUp::default());
        }
        let mut tx = self.db().read_latest().await?;
        // Rights held from an earlier request must still stand before anything is told.
        if account_store::find_rights_version(&mut tx, ctx.account_id).await? != Some(held_at) {
            return Ok(LookedUp::default());
        }
        check_contacts_free(
            &mut tx,
            ctx.account_id,
            None,
            new.email.as_ref(),
            new.mobile.as_ref(),
        )
        .await?;
        let basic_role = match new.role {
            Some(_) => None,
            None => roles::find_builtin_role(&mut tx, ctx.account_id, BuiltinRole::Basic).await?,
        };
        Ok(LookedUp {
            basic_role,
            contacts_free: true,
        })
    }

    /// Makes `adds` in the turn `c` (under the account lock): each judged in order against
    /// the account as the adds before it left it, the accepted ones inserted, put in their
    /// departments, audited and invited. One answer per add, in order; `Err` when the
    /// turn's reads or writes failed, and then nothing of it may be committed (a
    /// uniqueness violation the checks missed comes back as `Error::Store`).
    pub(crate) async fn add_in_turn(
        &self,
        c: &mut Change,
        adds: &[Add],
        ahead: &LookedUp,
    ) -> Result<Vec<Result<AddedUser>>> {
        let mut facts = Self::turn_facts(c, adds, ahead).await?;
        let mut verdicts = Vec::with_capacity(adds.len());
        for add in adds {
            verdicts.push(Self::judge(c, add, &mut facts).await?);
        }
        let mut free = Self::free_extensions(c, adds, &verdicts).await?.into_iter();
        let mut users = Vec::new();
        let mut made_by = Vec::new();
        let mut events = Vec::new();
        for (i, (add, verdict)) in adds.iter().zip(verdicts.iter_mut()).enumerate() {
            let Ok(accepted) = verdict else { continue };
            let Some(extension) = add.new.extension.or_else(|| free.next()) else {
                let range = c.account.extension_range;
                *verdict = Err(DomainError::NoFreeExtension {
                    min: range.min,
                    max: range.max,
                }
                .into());
                continue;
            };
            let user = new_user_record(
                add.new.clone(),
                &c.account,
                accepted.role.id,
                extension,
                add.who.kind,
                c.now,
            );
            events.push(created_event(c, add, &user));
            users.push(user);
            made_by.push(i);
        }
        self.write_added(c, adds, &users, &made_by, &events).await?;
        let mut made: Vec<Option<User>> = vec![None; adds.len()];
        for (user, i) in users.into_iter().zip(made_by) {
            made[i] = Some(user);
        }
        let mut answers = Vec::with_capacity(adds.len());
        for (verdict, user) in verdicts.into_iter().zip(made) {
            answers.push(match (verdict, user) {
                (Ok(a), Some(user)) => Ok(self.added(c, user, a).await?),
                (Ok(_), None) => Err(Error::Internal("an accepted add was not made".to_owned())),
                (Err(e), _) => Err(e),
            });
        }
        Ok(answers)
    }

    /// A user just written, invited when they have Panel Access (R3).
    async fn added(&self, c: &mut Change, user: User, accepted: Accepted) -> Result<AddedUser> {
        let invite_link = if user.panel_access {
            self.issue_invite(c, &user).await?
        } else {
            None
        };
        Ok(AddedUser {
            user,
            invite_link,
            role_name: accepted.role.name.to_string(),
            departments: accepted.departments,
        })
    }

    /// What a turn reads once: the Basic role (when an add names no role), the usage as
    /// the account was locked, and who holds the emails, mobiles and extensions asked for.
    async fn turn_facts(c: &mut Change, adds: &[Add], ahead: &LookedUp) -> Result<Facts> {
        let basic = match (&ahead.basic_role, adds.iter().all(|a| a.new.role.is_some())) {
            (_, true) => None,
            (Some(basic), false) => Some(basic.clone()),
            (None, false) => Some(
                roles::find_builtin_role(&mut c.tx, c.account.id, BuiltinRole::Basic)
                    .await?
                    .ok_or_else(|| Error::Internal("account without Basic role".to_owned()))?,
            ),
        };
        let usage = c.usage().await?;
        let mut holders = Holders::default();
        if !ahead.contacts_free {
            let emails: Vec<String> = adds
                .iter()
                .filter_map(|a| a.new.email.as_ref().map(Email::key))
                .collect();
            let mobiles: Vec<String> = adds
                .iter()
                .filter_map(|a| a.new.mobile.as_ref().map(|m| m.as_str().to_owned()))
                .collect();
            for h in store::find_contact_holders(&mut c.tx, c.account.id, &emails, &mobiles).await?
            {
                if let Some(e) = h.email_key {
                    holders.hold_email(e, h.name.clone());
                }
                if let Some(m) = h.mobile {
                    holders.hold_mobile(m, h.name);
                }
            }
        }
        let asked: HashSet<Extension> = adds.iter().filter_map(|a| a.new.extension).collect();
        for x in asked {
            if let Some(h) = store::find_user_by_extension(&mut c.tx, c.account.id, x).await? {
                holders.hold_extension(x.value(), h.name.to_string());
            }
        }
        Ok(Facts {
            basic,
            usage,
            holders,
        })
    }

    /// Looks up what `add` names (its role, its departments, the adder's departments) and
    /// judges it; an accepted add counts against the plan and holds its contacts for the
    /// adds after it. `Err` only when a lookup failed.
    async fn judge(c: &mut Change, add: &Add, facts: &mut Facts) -> Result<Result<Accepted>> {
        let account = c.account.id;
        let managed = match add.who.perms.edit_users {
            Scope::Departments => add.who.managed_departments(&mut c.tx, account).await?,
            _ => Vec::new(),
        };
        let role = match (&add.new.role, &facts.basic) {
            (Some(r), _) => refusal(resolve_role(&mut c.tx, account, r).await)?,
            (None, Some(basic)) => Ok(basic.clone()),
            (None, None) => return Err(Error::Internal("no Basic role read".to_owned())),
        };
        let departments = match add.new.departments.as_slice() {
            [] => Ok(Vec::new()),
            asked => refusal(check_departments(&mut c.tx, account, asked).await)?,
        };
        let adder = Adder {
            perms: &add.who.perms,
            is_admin: add.who.is_admin,
            managed: &managed,
        };
        let found = Found {
            role: role.as_ref(),
            departments: departments.as_ref().map(|_| ()),
        };
        let verdict = judge_add(
            &add.new,
            adder,
            found,
            &c.account,
            facts.usage,
            &facts.holders,
        );
        if let Err(refused) = verdict {
            return Ok(Err(refused.into()));
        }
        facts.usage.users += 1;
        if add.new.panel_access {
            facts.usage.seats += 1;
        }
        facts.holders.claim(&add.new);
        Ok(Ok(Accepted {
            role: role?,
            departments: departments?,
        }))
    }

    /// The free extensions for the accepted adds that asked for none, lowest first, apart
    /// from those other adds of the turn asked for; the account's search floor moves past
    /// them.
    async fn free_extensions(
        c: &mut Change,
        adds: &[Add],
        verdicts: &[Result<Accepted>],
    ) -> Result<Vec<Extension>> {
        let accepted = || adds.iter().zip(verdicts).filter(|(_, v)| v.is_ok());
        let wanted = accepted()
            .filter(|(a, _)| a.new.extension.is_none())
            .count();
        let claimed: HashSet<u32> = accepted()
            .filter_map(|(a, _)| a.new.extension.map(|x| x.value()))
            .collect();
        let (account, range) = (c.account.id, c.account.extension_range);
        if wanted == 0 {
            return Ok(Vec::new());
        }
        if wanted == 1 && claimed.is_empty() {
            // One statement finds it and moves the floor.
            let next = store::next_free_extension(&mut c.tx, account, range.min, range.max).await?;
            return Ok(next.and_then(Extension::from_number).into_iter().collect());
        }
        let free: Vec<Extension> = store::list_free_extensions(
            &mut c.tx,
            account,
            range.min,
            range.max,
            wanted + claimed.len(),
        )
        .await?
        .into_iter()
        .filter(|x| !claimed.contains(x))
        .take(wanted)
        .filter_map(Extension::from_number)
        .collect();
        if let Some(last) = free.last() {
            store::raise_extension_floor(&mut c.tx, account, last.value()).await?;
        }
        Ok(free)
    }

    /// Writes the users added in a turn (`users[k]` made by `adds[made_by[k]]`): their rows
    /// and tags in one insert, their departments, and their audit events in one append.
    async fn write_added(
        &self,
        c: &mut Change,
        adds: &[Add],
        users: &[User],
        made_by: &[usize],
        events: &[NewAuditEvent],
    ) -> Result<()> {
        store::insert_users(&mut c.tx, users).await?;
        for (user, i) in users.iter().zip(made_by) {
            let asked = &adds[*i].new.departments;
            if !asked.is_empty() {
                departments::set_user_memberships(&mut c.tx, c.account.id, user.id, asked, c.now)
                    .await?;
            }
        }
        c.record(events).await
    }
}

/// The audit event of a user added by `add` (with the departments it was put in).
fn created_event(c: &Change, add: &Add, user: &User) -> NewAuditEvent {
    let mut after = user.audit_view();
    after["departments"] = serde_json::json!(add.new.departments);
    c.event_by(
        &add.who,
        &add.source,
        "user.created",
        user_target(user),
        None,
        Some(after),
    )
}

/// The record of a user being added: `new` as given, with the account's defaults, the
/// role and extension chosen, and (R6) managed by the identity provider when provisioning
/// adds it.
fn new_user_record(
    new: NewUser,
    account: &Account,
    role: RoleId,
    extension: Extension,
    by: ActorKind,
    now: jiff::Timestamp,
) -> User {
    User {
        id: UserId::new(),
        account_id: account.id,
        name: new.name,
        email: new.email,
        mobile: new.mobile,
        alternate_mobile: new.alternate_mobile,
        extension,
        role_id: role,
        panel_access: new.panel_access,
        receive_calls: new.receive_calls,
        call_hours: new.call_hours,
        time_zone: new
            .time_zone
            .unwrap_or_else(|| account.default_time_zone.clone()),
        availability: Availability::Available,
        voicemail: new.voicemail,
        status: UserStatus::when_enabled(new.panel_access, false),
        external_id: new.external_id,
        // R6: whatever provisioning creates, the identity provider manages.
        idp: IdpProfile {
            managed: new.idp.managed || by == ActorKind::Scim,
            ..new.idp
        },
        // As they read back.
        tags: {
            let mut tags = new.tags;
            tags.sort();
            tags
        },
        has_signed_in: false,
        deactivate_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}
