//! Users as `GET /api/v1/users/{id}` shows them, kept rendered between requests. A kept
//! answer is sent again only when the service says nothing it shows has changed since
//! (the account's view version, read with its rights version on every request), and not
//! past the time its invite or pending email turns by itself.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use switchboard_domain::{AccountId, UserId};

/// Most users kept per process (about 1 KiB each). Past it every one is dropped and read
/// afresh when asked for: a miss costs the read it would cost without keeping.
const MOST_KEPT: usize = 16_384;

/// One rendered user.
#[derive(Clone, Debug)]
pub struct KeptView {
    /// The account's view version it was read at.
    pub view_version: i64,
    /// The user's own version (the `ETag`).
    pub version: i64,
    /// Not to be sent at or after this time.
    pub until: Option<jiff::Timestamp>,
    /// The JSON answer.
    pub body: Bytes,
}

/// The users kept by this process.
#[derive(Debug, Default)]
pub struct UserViews {
    kept: Mutex<HashMap<(AccountId, UserId), KeptView>>,
}

impl UserViews {
    /// The view kept of `id`, unless none is or its time has passed at `now`.
    pub fn get(&self, account: AccountId, id: UserId, now: jiff::Timestamp) -> Option<KeptView> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(&(account, id))
            .filter(|v| v.until.is_none_or(|until| now < until))
            .cloned()
    }

    /// Keeps `view` of `id`, in place of any older one.
    pub fn keep(&self, account: AccountId, id: UserId, view: KeptView) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MOST_KEPT && !kept.contains_key(&(account, id)) {
            kept.clear();
        }
        kept.insert((account, id), view);
    }
}
