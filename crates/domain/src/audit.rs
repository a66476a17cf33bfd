//! Audit events and their hash chain (R12). Each event's hash covers its own content and
//! the previous event's hash in the same account, so any edit, insertion or deletion of a
//! stored event breaks every later link.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ids::AccountId;

/// The hash the first event of an account chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A signed-in user.
    User,
    /// An API token.
    ApiToken,
    /// An identity provider over SCIM.
    Scim,
    /// Switchboard itself or its operator (CLI, scheduler).
    System,
}

impl ActorKind {
    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ApiToken => "api_token",
            Self::Scim => "scim",
            Self::System => "system",
        }
    }
}

/// An audit event about to be written (the store adds sequence number and hashes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewAuditEvent {
    /// Account.
    pub account_id: AccountId,
    /// When.
    pub at: jiff::Timestamp,
    /// Actor kind.
    pub actor_kind: ActorKind,
    /// Actor id (user id, token id), if any.
    pub actor_id: Option<String>,
    /// Actor name as it was.
    pub actor_name: String,
    /// What happened, e.g. `user.created`.
    pub action: String,
    /// Target type, e.g. `user`.
    pub target_type: String,
    /// Target id.
    pub target_id: Option<String>,
    /// Target name as it was.
    pub target_name: String,
    /// From where (IP address, `cli`, `scheduler`).
    pub source: String,
    /// Values before the change (JSON text).
    pub before: Option<String>,
    /// Values after the change (JSON text).
    pub after: Option<String>,
}

/// An audit event as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Position in the account's chain, from 1.
    pub seq: i64,
    /// The event.
    #[serde(flatten)]
    pub event: NewAuditEvent,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The hash of an event at position `seq` chained to `prev_hash`.
pub fn chain_hash(seq: i64, e: &NewAuditEvent, prev_hash: &str) -> String {
    let content = serde_json::json!([
        seq,
        e.account_id.to_string(),
        e.at.as_microsecond(),
        e.actor_kind.key(),
        e.actor_id,
        e.actor_name,
        e.action,
        e.target_type,
        e.target_id,
        e.target_name,
        e.source,
        e.before,
        e.after,
        prev_hash,
    ]);
    let mut h = Sha256::new();
    h.update(content.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Where a chain first breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The sequence number of the first event that does not verify.
    pub seq: i64,
    /// Why.
    pub reason: String,
}

/// Checks a run of events (in `seq` order) continuing from `prev_hash` at `expected_seq`.
/// Returns the hash to continue from, or the first broken link.
pub fn verify_run(
    events: &[AuditEvent],
    mut expected_seq: i64,
    mut prev_hash: String,
) -> Result<(i64, String), BrokenLink> {
    for ev in events {
        if ev.seq != expected_seq {
            return Err(BrokenLink {
                seq: expected_seq,
                reason: format!(
                    "event {expected_seq} is missing (the next stored event is {})",
                    ev.seq
                ),
            });
        }
        if ev.prev_hash != prev_hash {
            return Err(BrokenLink {
                seq: ev.seq,
                reason: "its link to the previous event does not match".to_owned(),
            });
        }
        if chain_hash(ev.seq, &ev.event, &ev.prev_hash) != ev.hash {
            return Err(BrokenLink {
                seq: ev.seq,
                reason: "its content does not match its hash (it was altered)".to_owned(),
            });
        }
        prev_hash = ev.hash.clone();
        expected_seq += 1;
    }
    Ok((expected_seq, prev_hash))
}

/// Filters for reading the log.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only events by this actor id.
    pub actor_id: Option<String>,
    /// Only events about this target id.
    pub target_id: Option<String>,
    /// Only this action (e.g. `user.deleted`).
    pub action: Option<String>,
    /// Only events at or after this time.
    pub since: Option<jiff::Timestamp>,
    /// Only events before this time.
    pub until: Option<jiff::Timestamp>,
    /// Only events by this kind of actor.
    pub actor_kind: Option<ActorKind>,
}

impl AuditFilter {
    /// Whether no event can match: a recorded id or action never holds a control
    /// character (and PostgreSQL cannot compare text holding NUL).
    pub fn matches_nothing(&self) -> bool {
        [&self.actor_id, &self.target_id, &self.action]
            .iter()
            .any(|v| v.as_deref().is_some_and(crate::has_control))
    }
}
