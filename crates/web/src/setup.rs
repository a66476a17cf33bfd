//! The first-run setup link: when `serve` starts on a database with no account it mints a
//! one-time token (kept here only as its hash) and prints the link. The link creates the
//! first account and its owner, once; it is dead after use, or as soon as any account
//! exists (say, one created with the CLI meanwhile), and with the process.

use std::sync::Mutex;

use switchboard_service::secrets::{new_token, token_hash};

/// Holds the hash of the setup token, if one is open.
#[derive(Debug, Default)]
pub struct SetupGate {
    hash: Mutex<Option<String>>,
}

impl SetupGate {
    /// A closed gate (no setup link).
    pub fn closed() -> Self {
        Self::default()
    }

    /// Opens the gate with a fresh token and returns it (to print once).
    pub fn open(&self) -> String {
        let token = new_token("sbsetup_");
        *self.lock() = Some(token_hash(&token));
        token
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.hash.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `token` is the open setup token.
    pub fn matches(&self, token: &str) -> bool {
        let h = token_hash(token);
        self.lock()
            .as_deref()
            .is_some_and(|stored| crate::auth::same_secret(stored, &h))
    }

    /// Takes the gate for one setup attempt: `true` when `token` matched (the gate is now
    /// closed, so a concurrent attempt fails); give it back with [`SetupGate::restore`] if
    /// the attempt fails.
    pub fn take(&self, token: &str) -> bool {
        let h = token_hash(token);
        let mut g = self.lock();
        if g.as_deref()
            .is_some_and(|stored| crate::auth::same_secret(stored, &h))
        {
            *g = None;
            true
        } else {
            false
        }
    }

    /// Reopens the gate with `token` after a failed attempt.
    pub fn restore(&self, token: &str) {
        let mut g = self.lock();
        if g.is_none() {
            *g = Some(token_hash(token));
        }
    }

    /// Closes the gate for good.
    pub fn close(&self) {
        *self.lock() = None;
    }
}
