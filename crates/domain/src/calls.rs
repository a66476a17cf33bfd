//! Call records: finished calls as the telephony engine reported them. They keep the
//! answering user's name and extension as they were, so reports outlive the user (R9).

use crate::ids::{AccountId, DepartmentId, UserId};

/// A finished call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    /// Id.
    pub id: String,
    /// Account.
    pub account_id: AccountId,
    /// The engine's id for the call (idempotency key).
    pub engine_call_id: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Caller number.
    pub caller: String,
    /// The account's number involved.
    pub number: String,
    /// Department the call was routed to.
    pub department_id: Option<DepartmentId>,
    /// The answering user, while they exist.
    pub user_id: Option<UserId>,
    /// The answering user's name at the time.
    pub user_name: Option<String>,
    /// The answering user's extension at the time.
    pub user_extension: Option<i64>,
    /// Started (µs since epoch).
    pub started_at: i64,
    /// Ended (µs since epoch).
    pub ended_at: i64,
    /// `answered`, `missed`, `voicemail` or `abandoned`.
    pub outcome: String,
}
