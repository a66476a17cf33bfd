//! API and SCIM tokens' rights kept in process between requests, so a request with a known
//! token goes straight to its data. An entry holds what the token was allowed at the
//! account's rights version it was read with; every use case reads that version with its
//! data and reads the rights again when it moved (database triggers move it with any change
//! rights derive from, made by any process), so a revocation, deactivation or role change
//! applies on the very next request. Uses are remembered here and written in batches
//! ([`crate::Switchboard::write_token_uses`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use switchboard_domain::{AccountId, ApiTokenId};

use crate::ctx::{Actor, Ctx, Principal};

/// Most tokens kept; past it the cache starts over (each token is read again once).
const MAX_ENTRIES: usize = 100_000;

/// How often a token's "last used" time is written at most.
const TOUCH_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// What a token may do, as read at one rights version of its account.
#[derive(Clone, Debug)]
pub(crate) struct Held {
    /// The token.
    pub token_id: ApiTokenId,
    /// Its account.
    pub account_id: AccountId,
    /// The actor it authenticates.
    pub actor: Actor,
    /// Whether it is the SIP proxy's.
    pub sip_proxy: bool,
    /// Its rights.
    pub who: Arc<Principal>,
    /// The account's rights version they were read at.
    pub rights_version: i64,
    /// When it stops working.
    pub expires_at: Option<jiff::Timestamp>,
    /// When its use was last written or queued for writing.
    pub last_used: Option<jiff::Timestamp>,
}

impl Held {
    /// A request's context from this token.
    pub(crate) fn ctx(&self, source: String) -> Ctx {
        Ctx::with_rights(
            self.account_id,
            self.actor.clone(),
            source,
            Arc::clone(&self.who),
            self.sip_proxy,
            self.rights_version,
        )
    }
}

/// The tokens' rights and uses, shared by every request of the process.
#[derive(Debug, Default)]
pub(crate) struct TokenCache(Mutex<Inner>);

#[derive(Debug, Default)]
struct Inner {
    /// By the hash of the token's secret.
    held: HashMap<String, Held>,
    /// The newest rights version seen per account: rights held from before it are read
    /// again by the next request rather than found stale by it.
    seen: HashMap<AccountId, i64>,
    /// Uses not written yet: each token's latest.
    uses: HashMap<ApiTokenId, jiff::Timestamp>,
}

impl TokenCache {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        // The maps stay consistent whatever panicked while holding them.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The token whose secret hashes to `hash`, when held, not expired at `now` and not
    /// known to be stale; notes its use.
    pub(crate) fn find(&self, hash: &str, now: jiff::Timestamp) -> Option<Held> {
        let mut inner = self.inner();
        let Inner { held, seen, uses } = &mut *inner;
        let entry = held.get_mut(hash)?;
        let stale = seen
            .get(&entry.account_id)
            .is_some_and(|v| *v > entry.rights_version);
        if stale || entry.expires_at.is_some_and(|e| e <= now) {
            held.remove(hash);
            return None;
        }
        note_use(entry, uses, now);
        Some(entry.clone())
    }

    /// Keeps `entry` for the token whose secret hashes to `hash`, and notes its use at
    /// `now` when its stored last use is older than the interval uses are written at.
    pub(crate) fn keep(&self, hash: String, mut entry: Held, now: jiff::Timestamp) {
        let mut inner = self.inner();
        note_use(&mut entry, &mut inner.uses, now);
        let newer = inner
            .seen
            .get(&entry.account_id)
            .is_some_and(|v| *v > entry.rights_version);
        if newer {
            return;
        }
        if inner.held.len() >= MAX_ENTRIES {
            inner.held.clear();
        }
        inner.held.insert(hash, entry);
    }

    /// Notes that `account`'s rights version is `version`.
    pub(crate) fn saw(&self, account: AccountId, version: i64) {
        let mut inner = self.inner();
        let v = inner.seen.entry(account).or_insert(version);
        *v = (*v).max(version);
    }

    /// Takes the uses not written yet.
    pub(crate) fn take_uses(&self) -> Vec<(ApiTokenId, jiff::Timestamp)> {
        self.inner().uses.drain().collect()
    }

    /// Puts back uses that could not be written, unless a later use replaced them.
    pub(crate) fn return_uses(&self, uses: Vec<(ApiTokenId, jiff::Timestamp)>) {
        let mut inner = self.inner();
        for (id, at) in uses {
            inner.uses.entry(id).or_insert(at);
        }
    }
}

/// Notes a use of `entry`'s token at `now` for writing, when its last use written or
/// noted is older than the interval uses are written at.
fn note_use(
    entry: &mut Held,
    uses: &mut HashMap<ApiTokenId, jiff::Timestamp>,
    now: jiff::Timestamp,
) {
    if entry
        .last_used
        .is_none_or(|used| now.duration_since(used) >= TOUCH_EVERY)
    {
        entry.last_used = Some(now);
        uses.insert(entry.token_id, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::{ActorKind, Permissions};

    fn held(account: AccountId, version: i64, expires: Option<jiff::Timestamp>) -> Held {
        let token_id = ApiTokenId::new();
        Held {
            token_id,
            account_id: account,
            actor: Actor::ApiToken(token_id),
            sip_proxy: false,
            who: Arc::new(Principal {
                kind: ActorKind::ApiToken,
                id: Some(token_id.to_string()),
                name: "t".to_owned(),
                user_id: None,
                perms: Permissions::NONE,
                is_owner: false,
                is_admin: false,
            }),
            rights_version: version,
            expires_at: expires,
            last_used: None,
        }
    }

    fn at(s: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn rights_older_than_a_version_seen_are_read_again() {
        let cache = TokenCache::default();
        let account = AccountId::new();
        cache.keep("h".to_owned(), held(account, 3, None), at(0));
        assert!(cache.find("h", at(1)).is_some());
        cache.saw(account, 3);
        assert!(cache.find("h", at(2)).is_some(), "the same version holds");
        cache.saw(account, 4);
        assert!(cache.find("h", at(3)).is_none(), "a newer version was seen");
        cache.keep("h".to_owned(), held(account, 3, None), at(4));
        assert!(
            cache.find("h", at(5)).is_none(),
            "stale rights are not kept"
        );
    }

    #[test]
    fn an_expired_token_is_not_found() {
        let cache = TokenCache::default();
        cache.keep(
            "h".to_owned(),
            held(AccountId::new(), 0, Some(at(10))),
            at(0),
        );
        assert!(cache.find("h", at(9)).is_some());
        assert!(cache.find("h", at(10)).is_none());
    }

    #[test]
    fn uses_are_noted_once_per_interval_and_taken_once() {
        let cache = TokenCache::default();
        let entry = held(AccountId::new(), 0, None);
        let id = entry.token_id;
        cache.keep("h".to_owned(), entry, at(0));
        assert_eq!(cache.take_uses(), vec![(id, at(0))]);
        cache.find("h", at(60));
        assert!(
            cache.take_uses().is_empty(),
            "used a minute after the last write"
        );
        cache.find("h", at(301));
        assert_eq!(cache.take_uses(), vec![(id, at(301))]);
        cache.return_uses(vec![(id, at(301))]);
        assert_eq!(cache.take_uses(), vec![(id, at(301))]);
    }
}
