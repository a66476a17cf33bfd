//! Mails Switchboard sends (invites, email verification, notices). They are written to a
//! durable outbox in the same transaction as the change that causes them.

use serde::Serialize;

use crate::ids::AccountId;

/// A mail about to be queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewMail {
    /// Account.
    pub account_id: AccountId,
    /// Kind, e.g. `invite`, `email_verification`, `email_change_notice`.
    pub kind: String,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}
