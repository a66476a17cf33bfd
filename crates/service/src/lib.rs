//! Switchboard's use cases. Each one: resolve the actor and check permissions (R1) →
//! begin a transaction (taking the account's write lock) → apply the domain rule → store
//! → append the audit event (R12) and any outbox mail → commit.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod accounts;
pub mod adding;
pub mod audit;
pub mod calls;
pub mod clock;
pub mod ctx;
pub mod departments;
pub mod editable;
pub mod error;
pub mod import;
pub mod invites;
pub mod kept;
pub mod lifecycle;
pub mod mail;
pub mod numbers;
pub mod password_resets;
pub mod resources;
pub mod roles;
pub mod routing;
pub mod scheduler;
pub mod scim;
pub mod secrets;
pub mod sessions;
pub mod sip;
pub mod sso;
pub mod throttles;
pub mod tokens;
pub mod users;

mod token_cache;

use std::sync::Arc;

use switchboard_domain::{Account, AccountId, DomainError, NewAuditEvent, NewMail, Usage};
use switchboard_store::audit::AuditHead;
use switchboard_store::{Db, Tx, accounts as account_store, audit as audit_store, outbox};

pub use clock::{Clock, SystemClock};
pub use ctx::{Actor, Ctx, Principal};
pub use error::{Error, Failure, Result};

/// Settings the use cases need.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The address people reach the dashboard at, for links in mails.
    pub public_url: String,
    /// How long invite links stay valid.
    pub invite_ttl: jiff::SignedDuration,
    /// How long email verification links stay valid.
    pub email_verification_ttl: jiff::SignedDuration,
    /// The key secrets stored in the database are sealed with (SSO client secrets).
    pub secret_key: sso::SecretKey,
    /// Whether identity providers may be reached at loopback or private-network addresses
    /// (a provider run beside Switchboard or inside the operator's network). Off unless
    /// the operator turns it on: administrators name the provider, and the server must
    /// not be made to fetch from its own surroundings.
    pub sso_private_providers: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".to_owned(),
            invite_ttl: jiff::SignedDuration::from_hours(7 * 24),
            email_verification_ttl: jiff::SignedDuration::from_hours(48),
            // A fresh random key: the server always configures its own.
            secret_key: sso::SecretKey::generate(),
            sso_private_providers: false,
        }
    }
}

/// The entry point to every use case.
#[derive(Clone)]
pub struct Switchboard {
    db: Db,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    adds: Arc<adding::AddQueues>,
    providers: Arc<sso::Providers>,
    routes: Arc<sip::route_cache::RouteCache>,
    tokens: Arc<token_cache::TokenCache>,
}

/// The future of one statement for [`Switchboard::read_one`]: what it found, with the
/// account's rights version read with it.
pub(crate) type OneRead<'t, T> = std::pin::Pin<
    Box<dyn Future<Output = switchboard_store::StoreResult<Option<(i64, T)>>> + Send + 't>,
>;

/// A change being made: the open transaction, the locked account and the resolved actor.
pub(crate) struct Change {
    pub tx: Tx,
    pub account: Account,
    pub who: Principal,
    pub now: jiff::Timestamp,
    pub source: String,
    /// Users and seats in use as the account was locked, until [`Change::usage`] takes it.
    pub usage_at_lock: Option<Usage>,
    /// Where the account's audit chain ends, when known: kept current as this change
    /// appends, so an append need not read it.
    pub audit_head: Option<AuditHead>,
}

/// What an audit event is about.
pub(crate) struct Target<'a> {
    pub kind: &'a str,
    pub id: Option<String>,
    pub name: String,
}

impl Switchboard {
    /// Builds the service over a migrated database.
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            db,
            clock,
            providers: Arc::new(sso::Providers::new(settings.sso_private_providers)),
            settings: Arc::new(settings),
            adds: Arc::default(),
            routes: Arc::default(),
            tokens: Arc::default(),
        }
    }

    /// Whether the database answers (for readiness probes).
    pub async fn ready(&self) -> Result<()> {
        // A probe answers at once: a database that has not answered in two seconds is
        // not ready.
        match tokio::time::timeout(std::time::Duration::from_secs(2), self.db.ping()).await {
            Ok(answer) => Ok(answer?),
            Err(_) => Err(Error::Store(switchboard_store::StoreError::Unavailable(
                "no answer in 2 s".to_owned(),
            ))),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// OpenID providers' documents kept in memory.
    pub(crate) fn sso_providers(&self) -> &sso::Providers {
        &self.providers
    }

    /// Tokens' rights and uses kept in process.
    pub(crate) fn tokens(&self) -> &token_cache::TokenCache {
        &self.tokens
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Now, from the injected clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Begins a change: write transaction, account lock, actor resolution.
    pub(crate) async fn begin(&self, ctx: &Ctx) -> Result<Change> {
        let mut tx = self.db.write().await?;
        let locked = account_store::lock_account_with_state(&mut tx, ctx.account_id)
            .await?
            .ok_or(Error::Domain(DomainError::NotFound("account")))?;
        let who = self.resolve(&mut tx, ctx, &locked.account).await?;
        Ok(Change {
            tx,
            account: locked.account,
            who,
            now: self.clock.now(),
            source: ctx.source.clone(),
            usage_at_lock: Some(locked.usage),
            audit_head: locked.audit_head,
        })
    }

    /// Begins a read: plain transaction, account check, actor resolution.
    pub(crate) async fn begin_read(&self, ctx: &Ctx) -> Result<Change> {
        self.begin_read_in(ctx, self.db.read().await?).await
    }

    /// Begins a read whose statements each see the latest data rather than one snapshot
    /// ([`switchboard_store::Db::read_latest`]: on SQLite no `BEGIN` and no end to it).
    pub(crate) async fn begin_read_latest(&self, ctx: &Ctx) -> Result<Change> {
        self.begin_read_in(ctx, self.db.read_latest().await?).await
    }

    /// The actor of `ctx` for `account` as just read in `tx` ([`ctx::resolve`]); notes a
    /// rights version newer than the one the request's token was held at.
    async fn resolve(&self, tx: &mut Tx, ctx: &Ctx, account: &Account) -> Result<Principal> {
        if ctx
            .known_principal()
            .is_some_and(|(_, held_at)| held_at != account.rights_version)
        {
            self.tokens.saw(account.id, account.rights_version);
        }
        ctx::resolve(tx, ctx, account, self.clock.now()).await
    }

    /// A read of one statement which also reads the account's rights version, made
    /// `alone` (outside any transaction) with the rights held for the request's token and
    /// nothing else when the version is still theirs ([`Switchboard::read_held`]); else
    /// `within` the read of [`Switchboard::begin_read`], which reads the rights again. The
    /// read answers `None` when what it looks for is not there (the slower read then
    /// answers, so that a refusal is decided on current rights).
    pub(crate) async fn read_one<T>(
        &self,
        ctx: &Ctx,
        alone: impl for<'d> Fn(&'d Db) -> OneRead<'d, T> + Send + Sync,
        within: impl for<'t> Fn(&'t mut Tx) -> OneRead<'t, T> + Send + Sync,
    ) -> Result<(Principal, Option<T>)> {
        if let Some((who, found)) = self.read_held(ctx, alone).await? {
            return Ok((who.clone(), Some(found)));
        }
        let mut c = self.begin_read(ctx).await?;
        let found = within(&mut c.tx).await?.map(|(_, found)| found);
        Ok((c.who, found))
    }

    /// What `alone` reads with the rights held for the request's token, when the account's
    /// rights version it read with its data shows they still stand ([`Self::held_at`]);
    /// `None` when no rights are held, `alone` found nothing, or they changed.
    pub(crate) async fn read_held<'c, T>(
        &self,
        ctx: &'c Ctx,
        alone: impl for<'d> Fn(&'d Db) -> OneRead<'d, T> + Send + Sync,
    ) -> Result<Option<(&'c Principal, T)>> {
        if ctx.known_principal().is_none() {
            return Ok(None);
        }
        Ok(match alone(&self.db).await? {
            Some((version, found)) => self.held_at(ctx, version).map(|who| (who, found)),
            None => None,
        })
    }

    /// The rights held for the request's token when the account's rights version
    /// `current`, read with the data, shows they still stand; else `None`, and a change
    /// seen is noted (so the token's next request reads them again). The one place held
    /// rights are compared with the current version for a read.
    pub(crate) fn held_at<'c>(&self, ctx: &'c Ctx, current: i64) -> Option<&'c Principal> {
        let (who, held_at) = ctx.known_principal()?;
        if held_at == current {
            Some(who)
        } else {
            self.tokens.saw(ctx.account_id, current);
            None
        }
    }

    async fn begin_read_in(&self, ctx: &Ctx, mut tx: Tx) -> Result<Change> {
        let account = account_store::find_account(&mut tx, ctx.account_id)
            .await?
            .ok_or(Error::Domain(DomainError::NotFound("account")))?;
        let who = self.resolve(&mut tx, ctx, &account).await?;
        Ok(Change {
            tx,
            account,
            who,
            now: self.clock.now(),
            source: ctx.source.clone(),
            usage_at_lock: None,
            audit_head: None,
        })
    }
}

impl Change {
    /// Appends an audit event for this change, in its transaction (R12).
    pub(crate) async fn audit(
        &mut self,
        action: &str,
        target: Target<'_>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<()> {
        let (who, source) = (self.who.clone(), self.source.clone());
        let event = self.event_by(&who, &source, action, target, before, after);
        self.record(&[event]).await
    }

    /// An audit event of this change made by `who` from `source` (in a shared write turn,
    /// each add is made by its own requester).
    pub(crate) fn event_by(
        &self,
        who: &Principal,
        source: &str,
        action: &str,
        target: Target<'_>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> NewAuditEvent {
        NewAuditEvent {
            account_id: self.account.id,
            at: self.now,
            actor_kind: who.kind,
            actor_id: who.id.clone(),
            actor_name: who.name.clone(),
            action: action.to_owned(),
            target_type: target.kind.to_owned(),
            target_id: target.id,
            target_name: target.name,
            source: source.to_owned(),
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
        }
    }

    /// Appends `events` to the account's audit chain in this change's transaction (R12).
    pub(crate) async fn record(&mut self, events: &[NewAuditEvent]) -> Result<()> {
        let appended =
            audit_store::append_audit_events(&mut self.tx, events, self.audit_head.take()).await?;
        self.audit_head = appended.last().map(|e| AuditHead::After {
            seq: e.seq,
            hash: e.hash.clone(),
        });
        Ok(())
    }

    /// Users and seats in use: the counts read with the account lock the first time (this
    /// change has changed no user yet), read again after.
    pub(crate) async fn usage(&mut self) -> Result<Usage> {
        match self.usage_at_lock.take() {
            Some(at_lock) => Ok(at_lock),
            None => Ok(account_store::count_usage(&mut self.tx, self.account.id).await?),
        }
    }

    /// Queues a mail in this change's transaction.
    pub(crate) async fn mail(
        &mut self,
        kind: &str,
        to: &str,
        subject: String,
        body: String,
    ) -> Result<()> {
        let m = NewMail {
            account_id: self.account.id,
            kind: kind.to_owned(),
            to: to.to_owned(),
            subject,
            body,
        };
        outbox::insert_mail(&mut self.tx, &m, self.now).await?;
        Ok(())
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Lists the account ids (for operators and background work).
pub async fn list_account_ids(db: &Db) -> Result<Vec<AccountId>> {
    let mut tx = db.read().await?;
    Ok(account_store::list_account_ids(&mut tx).await?)
}

/// Keeps only the keys whose values differ, for compact before/after audit values.
pub(crate) fn diff(
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> (serde_json::Value, serde_json::Value) {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return (before.clone(), after.clone());
    };
    let mut bo = serde_json::Map::new();
    let mut ao = serde_json::Map::new();
    for (k, av) in a {
        let bv = b.get(k).cloned().unwrap_or(serde_json::Value::Null);
        if &bv != av {
            bo.insert(k.clone(), bv);
            ao.insert(k.clone(), av.clone());
        }
    }
    (serde_json::Value::Object(bo), serde_json::Value::Object(ao))
}
