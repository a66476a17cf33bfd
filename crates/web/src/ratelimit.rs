//! Sign-in throttling. Failed sign-ins are counted per (email, client address): after a few,
//! each further failure makes that pair wait longer (1 s, 2 s, 4 s … up to 15 minutes), so
//! someone guessing a password slows down only themselves and the person signing in from
//! their own address is never locked out. Failures are also counted per client address
//! across all emails in fixed 15-minute windows; past that limit the address waits for the
//! window to end. A success clears its pair.
//!
//! Password reset mails are counted per email and per address in fixed windows (every
//! request counts, as the answer never says whether a mail went out): the per-email limit
//! there is what stops mail bombing.
//!
//! Memory is bounded (at most [`MAX_KEYS`] counters; expired ones are dropped first, then the
//! oldest). The counts live in this process: several processes behind a load balancer each
//! allow the limit.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// The counting window.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// Failed sign-ins of one email from one address before delays start.
pub const PAIR_FREE_FAILURES: u32 = 5;
/// The longest a pair waits after a failure.
pub const MAX_DELAY: SignedDuration = SignedDuration::from_mins(15);
/// Failed sign-ins allowed per client address in a window, whatever the emails (several
/// people may share one address).
pub const IP_LIMIT: u32 = 30;
/// Password reset mails asked for per email in a window.
pub const RESET_EMAIL_LIMIT: u32 = 3;
/// Password reset mails asked for per client address in a window.
pub const RESET_IP_LIMIT: u32 = 10;
/// Most counters kept.
pub const MAX_KEYS: usize = 10_000;
/// Single sign-on starts one address may make per window.
pub const SSO_START_IP_LIMIT: u32 = 60;

#[derive(Clone, Copy, Debug)]
struct Count {
    failures: u32,
    since: Timestamp,
    /// No attempt before this moment (the growing delay of a pair).
    blocked_until: Timestamp,
}

#[derive(Clone, Copy, Debug)]
enum Policy {
    /// Growing delays per (email, address), a fixed window per address.
    SignIn,
    /// Fixed windows per email and per address.
    Resets { email_limit: u32, ip_limit: u32 },
}

/// Failed sign-in counters (or, with [`SignInLimiter::for_password_resets`], counters of
/// password reset requests).
#[derive(Debug)]
pub struct SignInLimiter {
    counts: Mutex<HashMap<String, Count>>,
    policy: Policy,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self {
            counts: Mutex::default(),
            policy: Policy::SignIn,
        }
    }
}

fn email_key(email: &str) -> String {
    format!("email:{}", email.trim().to_lowercase())
}

fn pair_key(ip: &str, email: &str) -> String {
    format!("pair:{ip}:{}", email.trim().to_lowercase())
}

fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

fn window_end(c: &Count) -> Timestamp {
    c.since.saturating_add(WINDOW).unwrap_or(c.since)
}

/// How long a pair waits after its `failures`-th failure.
fn delay_after(failures: u32) -> SignedDuration {
    match failures.checked_sub(PAIR_FREE_FAILURES) {
        None => SignedDuration::ZERO,
        Some(extra) => {
            let secs = 1_i64.checked_shl(extra.min(20)).unwrap_or(i64::MAX);
            SignedDuration::from_secs(secs).min(MAX_DELAY)
        }
    }
}

impl SignInLimiter {
    /// A sign-in limiter with no counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The limiter of password reset requests.
    pub fn for_password_resets() -> Self {
        Self {
            counts: Mutex::default(),
            policy: Policy::Resets {
                email_limit: RESET_EMAIL_LIMIT,
                ip_limit: RESET_IP_LIMIT,
            },
        }
    }

    /// The limiter of single sign-on starts: per address only (a limit per account would
    /// let a stranger use up a company's sign-ins).
    pub fn for_sso_starts() -> Self {
        Self {
            counts: Mutex::default(),
            policy: Policy::Resets {
                email_limit: u32::MAX,
                ip_limit: SSO_START_IP_LIMIT,
            },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Count>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(seconds to wait)` when `ip`, or `email` from `ip`, must wait.
    pub fn check(&self, ip: &str, email: &str, now: Timestamp) -> Result<(), u32> {
        let counts = self.lock();
        let windowed = |key: String, limit: u32| {
            let c = counts.get(&key)?;
            (window_end(c) > now && c.failures >= limit).then(|| window_end(c))
        };
        let blocked = match self.policy {
            Policy::SignIn => {
                let pair = counts
                    .get(&pair_key(ip, email))
                    .map(|c| c.blocked_until)
                    .filter(|until| *until > now);
                pair.into_iter().chain(windowed(ip_key(ip), IP_LIMIT)).max()
            }
            Policy::Resets {
                email_limit,
                ip_limit,
            } => windowed(ip_key(ip), ip_limit)
                .into_iter()
                .chain(windowed(email_key(email), email_limit))
                .max(),
        };
        match blocked {
            Some(until) => {
                let secs = until.duration_since(now).as_secs().max(1);
                Err(u32::try_from(secs).unwrap_or(u32::MAX))
            }
            None => Ok(()),
        }
    }

    /// Counts a failed attempt (or, for resets, a request).
    pub fn fail(&self, ip: &str, email: &str, now: Timestamp) {
        let keys = match self.policy {
            Policy::SignIn => [ip_key(ip), pair_key(ip, email)],
            Policy::Resets { .. } => [ip_key(ip), email_key(email)],
        };
        let mut counts = self.lock();
        for key in keys {
            let growing = key.starts_with("pair:");
            if !counts.contains_key(&key) && counts.len() >= MAX_KEYS {
                counts.retain(|_, c| window_end(c) > now || c.blocked_until > now);
                if counts.len() >= MAX_KEYS
                    && let Some(oldest) = counts
                        .iter()
                        .min_by_key(|(_, c)| c.since)
                        .map(|(k, _)| k.clone())
                {
                    counts.remove(&oldest);
                }
            }
            let fresh = Count {
                failures: 0,
                since: now,
                blocked_until: now,
            };
            let c = counts.entry(key).or_insert(fresh);
            // A pair forgets its failures a window after its last one; an address's window
            // is fixed from its first.
            let last = if growing { c.blocked_until } else { c.since };
            if last.saturating_add(WINDOW).unwrap_or(last) <= now {
                *c = fresh;
            }
            c.failures = c.failures.saturating_add(1);
            if growing {
                c.blocked_until = now.saturating_add(delay_after(c.failures)).unwrap_or(now);
            }
        }
    }

    /// Clears the pair's count after a successful sign-in.
    pub fn succeed(&self, ip: &str, email: &str) {
        self.lock().remove(&pair_key(ip, email));
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
    fn failures_slow_down_only_their_own_address() {
        let l = SignInLimiter::new();
        let t = Timestamp::UNIX_EPOCH;
        for _ in 0..PAIR_FREE_FAILURES - 1 {
            l.fail("1.2.3.4", "A@x.com", t);
            assert!(l.check("1.2.3.4", "a@x.com", t).is_ok());
        }
        let mut waits = Vec::new();
        for _ in 0..6 {
            l.fail("1.2.3.4", "a@x.com", t);
            waits.push(l.check("1.2.3.4", "a@X.com", t).unwrap_err());
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32], "the delays grow");
        assert!(
            l.check("5.6.7.8", "a@x.com", t).is_ok(),
            "the same email from another address is not held back"
        );
        let later = t.saturating_add(SignedDuration::from_secs(33)).unwrap();
        assert!(l.check("1.2.3.4", "a@x.com", later).is_ok());
        l.succeed("1.2.3.4", "a@x.com");
        l.fail("1.2.3.4", "a@x.com", later);
        assert!(
            l.check("1.2.3.4", "a@x.com", later).is_ok(),
            "a success starts the pair over"
        );
    }

    #[test]
    fn delays_stop_growing_at_the_maximum() {
        let l = SignInLimiter::new();
        let t = Timestamp::UNIX_EPOCH;
        for _ in 0..200 {
            l.fail("1.2.3.4", "a@x.com", t);
        }
        assert_eq!(
            l.check("1.2.3.4", "b@x.com", t).unwrap_err(),
            900,
            "past the address limit, every email waits for the window"
        );
        let c = l
            .lock()
            .get(&pair_key("1.2.3.4", "a@x.com"))
            .copied()
            .unwrap();
        assert_eq!(c.blocked_until.duration_since(t), MAX_DELAY);
    }

    #[test]
    fn one_address_trying_many_emails_is_limited_and_memory_stays_bounded() {
        let l = SignInLimiter::new();
        let t = Timestamp::UNIX_EPOCH;
        for i in 0..IP_LIMIT {
            l.fail("9.9.9.9", &format!("user{i}@x.com"), t);
        }
        assert_eq!(l.check("9.9.9.9", "fresh@x.com", t), Err(900));
        assert!(l.check("9.9.9.8", "fresh@x.com", t).is_ok());
        let later = t.saturating_add(WINDOW).unwrap();
        assert!(l.check("9.9.9.9", "fresh@x.com", later).is_ok());
        for i in 0..(MAX_KEYS + 50) {
            l.fail(&format!("10.0.{i}"), "b@x.com", t);
        }
        assert!(l.len() <= MAX_KEYS);
    }

    #[test]
    fn reset_requests_are_limited_per_email_and_per_address() {
        let l = SignInLimiter::for_password_resets();
        let t = Timestamp::UNIX_EPOCH;
        for _ in 0..RESET_EMAIL_LIMIT {
            assert!(l.check("1.2.3.4", "a@x.com", t).is_ok());
            l.fail("1.2.3.4", "a@x.com", t);
        }
        assert_eq!(l.check("5.6.7.8", "A@x.com", t), Err(900));
        assert!(l.check("5.6.7.8", "b@x.com", t).is_ok());
    }
}
