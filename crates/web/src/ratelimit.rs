//! Sign-in throttling: failed attempts are counted per client address and per email in
//! fixed 15-minute windows; past the limit, sign-in answers 429 with `Retry-After` until the
//! window ends. A success clears the email's count. The same counters, with tighter limits
//! of their own, throttle requests for password reset mails (every request counts, as the
//! answer never says whether a mail went out). Memory is bounded (at most
//! [`MAX_KEYS`] counters; expired ones are dropped first, then the oldest). The counts live
//! in this process: several processes behind a load balancer each allow the limit.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// The counting window.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// Failed attempts allowed per email in a window.
pub const EMAIL_LIMIT: u32 = 10;
/// Failed attempts allowed per client address in a window (several people may share one).
pub const IP_LIMIT: u32 = 30;
/// Password reset mails asked for per email in a window.
pub const RESET_EMAIL_LIMIT: u32 = 3;
/// Password reset mails asked for per client address in a window.
pub const RESET_IP_LIMIT: u32 = 10;
/// Most counters kept.
pub const MAX_KEYS: usize = 10_000;

#[derive(Clone, Copy, Debug)]
struct Count {
    failures: u32,
    since: Timestamp,
}

/// Failed sign-in counters (or, with [`SignInLimiter::for_password_resets`], counters of
/// password reset requests).
#[derive(Debug)]
pub struct SignInLimiter {
    counts: Mutex<HashMap<String, Count>>,
    email_limit: u32,
    ip_limit: u32,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::with_limits(EMAIL_LIMIT, IP_LIMIT)
    }
}

fn email_key(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

fn ends(c: &Count) -> Timestamp {
    c.since.saturating_add(WINDOW).unwrap_or(c.since)
}

impl SignInLimiter {
    /// A limiter with no counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// A limiter allowing `email_limit` counts per email and `ip_limit` per client address
    /// in a window.
    pub fn with_limits(email_limit: u32, ip_limit: u32) -> Self {
        Self {
            counts: Mutex::default(),
            email_limit,
            ip_limit,
        }
    }

    /// The limiter of password reset requests.
    pub fn for_password_resets() -> Self {
        Self::with_limits(RESET_EMAIL_LIMIT, RESET_IP_LIMIT)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Count>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(seconds to wait)` when `ip` or `email` has used up its attempts.
    pub fn check(&self, ip: &str, email: &str, now: Timestamp) -> Result<(), u32> {
        let counts = self.lock();
        let blocked = [
            (ip_key(ip), self.ip_limit),
            (email_key(email), self.email_limit),
        ]
        .into_iter()
        .filter_map(|(k, limit)| {
            let c = counts.get(&k)?;
            (ends(c) > now && c.failures >= limit).then(|| ends(c))
        })
        .max();
        match blocked {
            Some(until) => {
                let secs = until.duration_since(now).as_secs().max(1);
                Err(u32::try_from(secs).unwrap_or(u32::MAX))
            }
            None => Ok(()),
        }
    }

    /// Counts a failed attempt.
    pub fn fail(&self, ip: &str, email: &str, now: Timestamp) {
        let mut counts = self.lock();
        for key in [ip_key(ip), email_key(email)] {
            if !counts.contains_key(&key) && counts.len() >= MAX_KEYS {
                counts.retain(|_, c| ends(c) > now);
                if counts.len() >= MAX_KEYS
                    && let Some(oldest) = counts
                        .iter()
                        .min_by_key(|(_, c)| c.since)
                        .map(|(k, _)| k.clone())
                {
                    counts.remove(&oldest);
                }
            }
            let c = counts.entry(key).or_insert(Count {
                failures: 0,
                since: now,
            });
            if ends(c) <= now {
                *c = Count {
                    failures: 0,
                    since: now,
                };
            }
            c.failures = c.failures.saturating_add(1);
        }
    }

    /// Clears the email's count after a successful sign-in.
    pub fn succeed(&self, email: &str) {
        self.lock().remove(&email_key(email));
    }

    /// How many counters are kept (for tests of the bound).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no counter is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_blocks_until_the_window_ends_and_memory_stays_bounded() {
        let l = SignInLimiter::new();
        let t = Timestamp::UNIX_EPOCH;
        for _ in 0..EMAIL_LIMIT {
            assert!(l.check("1.2.3.4", "A@x.com", t).is_ok());
            l.fail("1.2.3.4", "a@x.com", t);
        }
        assert_eq!(l.check("5.6.7.8", "a@X.com", t), Err(900));
        l.succeed("a@x.com");
        assert!(
            l.check("5.6.7.8", "a@x.com", t).is_ok(),
            "a success clears the email"
        );
        for i in 0..IP_LIMIT {
            l.fail("9.9.9.9", &format!("user{i}@x.com"), t);
        }
        assert!(
            l.check("9.9.9.9", "fresh@x.com", t).is_err(),
            "one address, many emails"
        );
        let later = t.saturating_add(WINDOW).unwrap();
        assert!(l.check("9.9.9.9", "a@x.com", later).is_ok());
        for i in 0..(MAX_KEYS + 50) {
            l.fail(&format!("10.0.{i}"), "b@x.com", t);
        }
        assert!(l.len() <= MAX_KEYS);
    }
}
