//! Mails Switchboard sends (invites, email verification, notices). They are written to a
//! durable outbox in the same transaction as the change that causes them.

use serde::Serialize;

use crate::ids::{AccountId, MailId};

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

/// Where a mail in the outbox stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for (another) delivery attempt, or kept unsent because no SMTP server is
    /// configured.
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up on after the last retry; kept for admins to read.
    Failed,
}

impl MailStatus {
    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored key back.
    pub fn from_key(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// How long to wait before delivery attempt `attempts + 1` after `attempts` failed ones:
/// `base · 2^(attempts-1)`, never more than `cap`.
pub fn retry_delay(
    base: jiff::SignedDuration,
    cap: jiff::SignedDuration,
    attempts: u32,
) -> jiff::SignedDuration {
    let exp = attempts.saturating_sub(1).min(30);
    let factor = 1_i32 << exp;
    base.checked_mul(factor).unwrap_or(cap).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_double_from_the_base_up_to_the_cap() {
        let base = jiff::SignedDuration::from_secs(30);
        let cap = jiff::SignedDuration::from_hours(1);
        let secs: Vec<i64> = (1..=9)
            .map(|n| retry_delay(base, cap, n).as_secs())
            .collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay(base, cap, 0).as_secs(), 30);
        assert_eq!(retry_delay(base, cap, u32::MAX).as_secs(), 3600);
    }

    #[test]
    fn statuses_round_trip_through_their_keys() {
        for s in [MailStatus::Pending, MailStatus::Sent, MailStatus::Failed] {
            assert_eq!(MailStatus::from_key(s.key()), Some(s));
        }
        assert_eq!(MailStatus::from_key("lost"), None);
    }
}

/// A queued, sent or failed mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMail {
    /// Id.
    pub id: MailId,
    /// The mail.
    pub mail: NewMail,
    /// Queued at.
    pub created_at: jiff::Timestamp,
    /// Where it stands.
    pub status: MailStatus,
    /// Delivery attempts so far (claims, including one in progress).
    pub attempts: i64,
    /// When the next attempt is due (while pending).
    pub next_attempt_at: jiff::Timestamp,
    /// Delivered at.
    pub sent_at: Option<jiff::Timestamp>,
    /// The last delivery error.
    pub last_error: Option<String>,
}
