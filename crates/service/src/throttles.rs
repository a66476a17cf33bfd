//! Throttles on password sign-ins, password reset requests and single sign-on starts
//! ([`switchboard_domain::throttle`]), counted in the database so that every process serving
//! it holds the same attempts back.

use sha2::{Digest, Sha256};
use switchboard_domain::throttle::{Counter, Throttle, wait_secs};
use switchboard_store::throttles as store;

use crate::{Result, Switchboard};

/// The stored key of a counter: a hash, so that no client address or email is kept.
fn stored_key(c: &Counter) -> String {
    hex::encode(Sha256::digest(c.key.as_bytes()))
}

impl Switchboard {
    /// How many seconds an attempt of `t` by `email` from `ip` must wait; `None` when it
    /// may go ahead now.
    pub async fn throttle_wait(&self, t: Throttle, ip: &str, email: &str) -> Result<Option<u32>> {
        let counters = t.counters(ip, email);
        let keys: Vec<String> = counters.iter().map(stored_key).collect();
        let found = {
            let mut tx = self.db().read().await?;
            store::find_throttles(&mut tx, &keys).await?
        };
        let now = self.now();
        let until = counters
            .iter()
            .zip(&keys)
            .filter_map(|(c, key)| {
                let (_, count) = found.iter().find(|(k, _)| k == key)?;
                c.holds_until(count, now)
            })
            .max();
        Ok(until.map(|u| wait_secs(u, now)))
    }

    /// Counts a failed attempt of `t` (for resets and sign-on starts: any request).
    pub async fn throttle_count(&self, t: Throttle, ip: &str, email: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.db().write().await?;
        store::delete_expired_throttles(&mut tx, now).await?;
        for c in t.counters(ip, email) {
            let key = stored_key(&c);
            let count = store::lock_throttle(&mut tx, &key, now).await?;
            store::set_throttle(&mut tx, &key, &c.after_failure(count, now)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Clears what a success of `t` clears (a sign-in's count for its email and address).
    pub async fn throttle_clear(&self, t: Throttle, ip: &str, email: &str) -> Result<()> {
        let keys: Vec<String> = t
            .cleared_by_success(ip, email)
            .iter()
            .map(stored_key)
            .collect();
        let kept = {
            let mut tx = self.db().read().await?;
            store::find_throttles(&mut tx, &keys).await?
        };
        // Most successes follow no failure: they write nothing.
        if kept.is_empty() {
            return Ok(());
        }
        let mut tx = self.db().write().await?;
        for (key, _) in &kept {
            store::delete_throttle(&mut tx, key).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
