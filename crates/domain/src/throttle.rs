//! Throttles. Failed sign-ins are counted per (email, client address): after a few, each
//! further failure makes that pair wait longer (1 s, 2 s, 4 s … up to 15 minutes), so
//! someone guessing a password slows down only themselves and the person signing in from
//! their own address is never locked out. Failures are also counted per client address
//! across all emails in fixed 15-minute windows; past that limit the address waits for the
//! window to end. A success clears its pair.
//!
//! Password reset mails are counted per email and per address in fixed windows (every
//! request counts, as the answer never says whether a mail went out): the per-email limit
//! there is what stops mail bombing. Single sign-on starts (each writes a pending sign-in)
//! are counted per address.
//!
//! The counts are kept in the database, so every process serving it counts the same ones.

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
/// Single sign-on starts one address may make per window.
pub const SSO_START_IP_LIMIT: u32 = 60;

/// What is throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// Password sign-ins (failures count).
    SignIn,
    /// Password reset requests (every request counts).
    PasswordReset,
    /// Single sign-on starts (every start counts).
    SsoStart,
}

/// One counter's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    /// Failures (or requests) counted.
    pub failures: u32,
    /// When its window began.
    pub since: Timestamp,
    /// No attempt before this moment (the growing delay of a pair).
    pub blocked_until: Timestamp,
}

impl Count {
    /// Nothing counted yet, at `now`.
    pub fn zero(now: Timestamp) -> Self {
        Self {
            failures: 0,
            since: now,
            blocked_until: now,
        }
    }

    /// When the count no longer matters and may be forgotten.
    pub fn expires_at(&self) -> Timestamp {
        later(self.since.max(self.blocked_until), WINDOW)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Growing delays after each failure past the free ones.
    Growing,
    /// At most this many in a fixed window from the first.
    Window(u32),
}

/// One counter a throttle keeps: what it counts (its key) and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter {
    /// What it counts: the throttle, the client address and, for some, the email.
    pub key: String,
    rule: Rule,
}

impl Throttle {
    /// The counters of an attempt by `email` from `ip`: all are read before it and all
    /// counted after a failure.
    pub fn counters(self, ip: &str, email: &str) -> Vec<Counter> {
        let email = email.trim().to_lowercase();
        let counter = |key: String, rule| Counter { key, rule };
        match self {
            Self::SignIn => vec![
                counter(format!("sign-in:ip:{ip}"), Rule::Window(IP_LIMIT)),
                counter(format!("sign-in:pair:{ip}:{email}"), Rule::Growing),
            ],
            Self::PasswordReset => vec![
                counter(format!("reset:ip:{ip}"), Rule::Window(RESET_IP_LIMIT)),
                counter(
                    format!("reset:email:{email}"),
                    Rule::Window(RESET_EMAIL_LIMIT),
                ),
            ],
            Self::SsoStart => vec![counter(
                format!("sso-start:ip:{ip}"),
                Rule::Window(SSO_START_IP_LIMIT),
            )],
        }
    }

    /// The counters a success clears: a sign-in's pair.
    pub fn cleared_by_success(self, ip: &str, email: &str) -> Vec<Counter> {
        self.counters(ip, email)
            .into_iter()
            .filter(|c| c.rule == Rule::Growing)
            .collect()
    }
}

impl Counter {
    /// Until when `count` holds attempts back, if it does at `now`.
    pub fn holds_until(&self, count: &Count, now: Timestamp) -> Option<Timestamp> {
        let until = match self.rule {
            Rule::Growing => count.blocked_until,
            Rule::Window(limit) if count.failures >= limit => later(count.since, WINDOW),
            Rule::Window(_) => return None,
        };
        (until > now).then_some(until)
    }

    /// `count` ([`Count::zero`] when nothing is counted yet) after one more failure at `now`.
    pub fn after_failure(&self, count: Count, now: Timestamp) -> Count {
        let mut c = count;
        // A pair forgets its failures a window after its last one; an address's window is
        // fixed from its first.
        let last = match self.rule {
            Rule::Growing => c.blocked_until,
            Rule::Window(_) => c.since,
        };
        if later(last, WINDOW) <= now {
            c = Count::zero(now);
        }
        c.failures = c.failures.saturating_add(1);
        if self.rule == Rule::Growing {
            c.blocked_until = later(now, delay_after(c.failures));
        }
        c
    }
}

/// Whole seconds (at least one) from `now` until `until`.
pub fn wait_secs(until: Timestamp, now: Timestamp) -> u32 {
    let secs = until.duration_since(now).as_secs().max(1);
    u32::try_from(secs).unwrap_or(u32::MAX)
}

fn later(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.saturating_add(d).unwrap_or(t)
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Counters kept in memory, as the database keeps them.
    #[derive(Default)]
    struct Kept(HashMap<String, Count>);

    impl Kept {
        fn wait(&self, t: Throttle, ip: &str, email: &str, now: Timestamp) -> Option<u32> {
            t.counters(ip, email)
                .iter()
                .filter_map(|c| c.holds_until(self.0.get(&c.key)?, now))
                .max()
                .map(|until| wait_secs(until, now))
        }

        fn fail(&mut self, t: Throttle, ip: &str, email: &str, now: Timestamp) {
            for c in t.counters(ip, email) {
                let kept = self.0.get(&c.key).copied().unwrap_or(Count::zero(now));
                let next = c.after_failure(kept, now);
                self.0.insert(c.key, next);
            }
        }

        fn succeed(&mut self, t: Throttle, ip: &str, email: &str) {
            for c in t.cleared_by_success(ip, email) {
                self.0.remove(&c.key);
            }
        }
    }

    const SIGN_IN: Throttle = Throttle::SignIn;

    #[test]
    fn failures_slow_down_only_their_own_address() {
        let mut l = Kept::default();
        let t = Timestamp::UNIX_EPOCH;
        for _ in 0..PAIR_FREE_FAILURES - 1 {
            l.fail(SIGN_IN, "1.2.3.4", "A@x.com", t);
            assert_eq!(l.wait(SIGN_IN, "1.2.3.4", "a@x.com", t), None);
        }
        let mut waits = Vec::new();
        for _ in 0..6 {
            l.fail(SIGN_IN, "1.2.3.4", "a@x.com", t);
            waits.push(l.wait(SIGN_IN, "1.2.3.4", "a@X.com", t).unwrap());
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32], "the delays grow");
        assert_eq!(
            l.wait(SIGN_IN, "5.6.7.8", "a@x.com", t),
            None,
            "the same email from another address is not held back"
        );
        let later = t.saturating_add(SignedDuration::from_secs(33)).unwrap();
        assert_eq!(l.wait(SIGN_IN, "1.2.3.4", "a@x.com", later), None);
        l.succeed(SIGN_IN, "1.2.3.4", "a@x.com");
        l.fail(SIGN_IN, "1.2.3.4", "a@x.com", later);
        assert_eq!(
            l.wait(SIGN_IN, "1.2.3.4", "a@x.com", later),
            None,
            "a success starts the pair over"
        );
    }

    #[test]
    fn delays_stop_growing_at_the_maximum() {
        let mut l = Kept::default();
        let t = Timestamp::UNIX_EPOCH;
        for _ in 0..200 {
            l.fail(SIGN_IN, "1.2.3.4", "a@x.com", t);
        }
        assert_eq!(
            l.wait(SIGN_IN, "1.2.3.4", "b@x.com", t),
            Some(900),
            "past the address limit, every email waits for the window"
        );
        let pair = &SIGN_IN.cleared_by_success("1.2.3.4", "a@x.com")[0].key;
        assert_eq!(l.0[pair].blocked_until.duration_since(t), MAX_DELAY);
        assert_eq!(l.0[pair].expires_at(), later(t, MAX_DELAY + WINDOW));
    }

    #[test]
    fn one_address_trying_many_emails_is_limited_for_its_window() {
        let mut l = Kept::default();
        let t = Timestamp::UNIX_EPOCH;
        for i in 0..IP_LIMIT {
            l.fail(SIGN_IN, "9.9.9.9", &format!("user{i}@x.com"), t);
        }
        assert_eq!(l.wait(SIGN_IN, "9.9.9.9", "fresh@x.com", t), Some(900));
        assert_eq!(l.wait(SIGN_IN, "9.9.9.8", "fresh@x.com", t), None);
        let after = later(t, WINDOW);
        assert_eq!(l.wait(SIGN_IN, "9.9.9.9", "fresh@x.com", after), None);
        l.fail(SIGN_IN, "9.9.9.9", "fresh@x.com", after);
        let ip = &SIGN_IN.counters("9.9.9.9", "")[0].key;
        assert_eq!(l.0[ip].failures, 1, "a new window counts from one");
    }

    #[test]
    fn reset_requests_are_limited_per_email_and_per_address() {
        let mut l = Kept::default();
        let t = Timestamp::UNIX_EPOCH;
        let reset = Throttle::PasswordReset;
        for _ in 0..RESET_EMAIL_LIMIT {
            assert_eq!(l.wait(reset, "1.2.3.4", "a@x.com", t), None);
            l.fail(reset, "1.2.3.4", "a@x.com", t);
        }
        assert_eq!(l.wait(reset, "5.6.7.8", "A@x.com", t), Some(900));
        assert_eq!(l.wait(reset, "5.6.7.8", "b@x.com", t), None);
        assert!(reset.cleared_by_success("1.2.3.4", "a@x.com").is_empty());
        assert_eq!(
            l.wait(SIGN_IN, "1.2.3.4", "a@x.com", t),
            None,
            "each throttle keeps its own counts"
        );
    }

    #[test]
    fn single_sign_on_starts_are_limited_per_address() {
        let mut l = Kept::default();
        let t = Timestamp::UNIX_EPOCH;
        let start = Throttle::SsoStart;
        for i in 0..SSO_START_IP_LIMIT {
            assert_eq!(l.wait(start, "1.2.3.4", "", t), None, "start {i}");
            l.fail(start, "1.2.3.4", "", t);
        }
        assert_eq!(l.wait(start, "1.2.3.4", "", t), Some(900));
        assert_eq!(l.wait(start, "1.2.3.5", "", t), None);
    }
}
