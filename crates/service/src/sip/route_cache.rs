//! The members of the departments calls ring, kept between calls. The call route needs
//! every member of the department with their routing fields and their phone on every call;
//! reading a thousand of them took milliseconds, and they rarely change from one call to
//! the next. A kept copy is used only while it is exactly what a read would answer:
//!
//! - the department's `members_version` and `phones_version` (moved by the database's own
//!   triggers in the transaction of any change to its memberships, a member's routing
//!   fields or a member's phone registration, migration 0020) are the ones it was read at,
//!   in the same read transaction as the versions;
//! - the instant routed is not before the one its phones were read for, and before the
//!   first of those registrations ends (until then, exactly the phones it holds are
//!   registered).
//!
//! Otherwise the stale part is read again (the phones alone when only they changed) and
//! kept in place of the old copy. Each Switchboard process keeps its own copies; they
//! check the versions in the shared database, so any number of processes agree.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;
use switchboard_domain::sip::route::{RegisteredPhone, RouteMember};
use switchboard_domain::{AccountId, DepartmentId, UserId};
use switchboard_store::Reads;
use switchboard_store::departments::RouteDepartment;
use switchboard_store::sip as store;

use crate::error::Result;

/// Most members kept in all (their departments' copies are dropped, least recently used
/// first, past it): about 200 bytes each.
const MAX_KEPT_MEMBERS: usize = 200_000;

/// The kept copies, by account and department.
#[derive(Default)]
pub(crate) struct RouteCache {
    kept: Mutex<HashMap<(AccountId, DepartmentId), Arc<Kept>>>,
    /// A clock of uses, to drop the least recently used copy first.
    uses: AtomicU64,
}

/// One department's members as read at two versions.
struct Kept {
    members_version: i64,
    phones_version: i64,
    /// The instant the phones were read for: the members hold the phones registered then.
    phones_at: Timestamp,
    /// When the first of those registrations ends (none: no phone).
    phones_until: Option<Timestamp>,
    /// In ring order, with their phones.
    members: Arc<Vec<RouteMember>>,
    last_used: AtomicU64,
}

impl Kept {
    /// Whether this copy is what a read in a transaction that sees `d` would answer for
    /// `at`.
    fn answers(&self, d: &RouteDepartment, at: Timestamp) -> bool {
        self.members_version == d.members_version
            && self.phones_version == d.phones_version
            && self.phones_at <= at
            && self.phones_until.is_none_or(|until| at < until)
    }
}

impl RouteCache {
    /// The members of department `d` in ring order, each with the phone registered at
    /// `at`: the kept copy when it answers, else read by `reads` (which saw `d`) and kept.
    pub(crate) async fn members(
        &self,
        reads: &mut Reads<'_>,
        d: &RouteDepartment,
        at: Timestamp,
    ) -> Result<Arc<Vec<RouteMember>>> {
        let key = (d.department.account_id, d.department.id);
        let kept = self.get(key);
        if let Some(k) = &kept
            && k.answers(d, at)
        {
            k.last_used
                .store(self.uses.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
            return Ok(Arc::clone(&k.members));
        }
        let members = match &kept {
            Some(k) if k.members_version == d.members_version => Arc::clone(&k.members),
            _ => Arc::new(store::list_route_members(reads, key.0, key.1).await?),
        };
        let phones = store::list_department_phones(reads, key.0, key.1, at).await?;
        let phones_until = phones.iter().map(|p| p.until).min();
        let members = Arc::new(with_phones(&members, phones));
        self.keep(
            key,
            Kept {
                members_version: d.members_version,
                phones_version: d.phones_version,
                phones_at: at,
                phones_until,
                members: Arc::clone(&members),
                last_used: AtomicU64::new(self.uses.fetch_add(1, Ordering::Relaxed)),
            },
        );
        Ok(members)
    }

    fn get(&self, key: (AccountId, DepartmentId)) -> Option<Arc<Kept>> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(&key).cloned()
    }

    /// Keeps `new` unless a copy read at later versions is kept already; then drops the
    /// least recently used copies past [`MAX_KEPT_MEMBERS`].
    fn keep(&self, key: (AccountId, DepartmentId), new: Kept) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = kept.get(&key)
            && (old.members_version, old.phones_version) > (new.members_version, new.phones_version)
        {
            return;
        }
        kept.insert(key, Arc::new(new));
        let mut total: usize = kept.values().map(|k| k.members.len()).sum();
        if total <= MAX_KEPT_MEMBERS {
            return;
        }
        let mut by_use: Vec<_> = kept
            .iter()
            .map(|(k, v)| (v.last_used.load(Ordering::Relaxed), *k, v.members.len()))
            .collect();
        by_use.sort_unstable();
        for (_, k, len) in by_use {
            if total <= MAX_KEPT_MEMBERS || k == key {
                continue;
            }
            kept.remove(&k);
            total -= len;
        }
    }
}

/// `members` with the phones of `phones` (and no phone for the others).
fn with_phones(members: &[RouteMember], phones: Vec<store::SipPhone>) -> Vec<RouteMember> {
    let mut by_user: HashMap<UserId, RegisteredPhone> = phones
        .into_iter()
        .map(|p| {
            let phone = RegisteredPhone {
                contact: p.contact,
                received: p.received,
            };
            (p.user_id, phone)
        })
        .collect();
    members
        .iter()
        .map(|m| RouteMember {
            phone: by_user.remove(&m.id),
            ..m.clone()
        })
        .collect()
}
