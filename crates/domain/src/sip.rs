//! SIP phones (R17): the domain an account's phones register under, and whether a user's
//! phone may register at all. The credentials' digests are computed by the service; what
//! is decided here is pure.

use std::fmt;

use crate::error::FieldError;
use crate::user::{User, UserStatus};

/// An account's SIP domain: a lower-case DNS name (`acme.sip.example.com`) its users'
/// phones register under as `<extension>@<domain>`; unique across accounts. It is also
/// the digest realm of their credentials.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SipDomain(String);

impl SipDomain {
    /// Parses a DNS name: at least two labels of letters, digits and inner dashes (each
    /// 1–63 characters, 253 in all), a top-level label that is not all digits (an IP
    /// address is not a domain). Upper-case letters are lower-cased; a final dot is dropped.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        let bad = |why: &str| {
            Err(FieldError::new(
                field,
                "invalid",
                format!("{why}: give a DNS name such as acme.sip.example.com"),
            ))
        };
        if d.is_empty() {
            return Err(FieldError::new(
                field,
                "required",
                "is required: give a DNS name such as acme.sip.example.com",
            ));
        }
        if d.len() > 253 {
            return bad("is longer than 253 characters");
        }
        let labels: Vec<&str> = d.split('.').collect();
        if labels.len() < 2 {
            return bad("needs at least two labels separated by dots");
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !labels.iter().all(|l| label_ok(l)) {
            return bad("may hold only letters, digits, dots and inner dashes");
        }
        if labels
            .last()
            .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()))
        {
            return bad("is an address, not a name");
        }
        Ok(Self(d))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SipDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a user's phone may not register (R17).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterRefusal {
    /// The user is deactivated.
    Inactive,
    /// The user has not accepted their invite yet.
    PendingInvite,
    /// The user has receive calls turned off.
    ReceiveCallsOff,
}

impl RegisterRefusal {
    /// The stable reason code (the same words as the ring plan's reasons).
    pub fn key(self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::PendingInvite => "pending_invite",
            Self::ReceiveCallsOff => "receive_calls_off",
        }
    }

    /// What it means, in a sentence.
    pub fn message(self) -> &'static str {
        match self {
            Self::Inactive => "the user is deactivated, so their phones may not register",
            Self::PendingInvite => {
                "the user has not accepted their invite yet, so their phones may not register"
            }
            Self::ReceiveCallsOff => {
                "the user has receive calls turned off, so their phones may not register"
            }
        }
    }
}

/// R17: a SIP phone registers only for an active user with receive calls on. Call hours
/// and availability decide whether a registered phone rings, not whether it registers.
pub fn may_register(user: &User) -> Result<(), RegisterRefusal> {
    match user.status {
        UserStatus::Inactive => Err(RegisterRefusal::Inactive),
        UserStatus::PendingInvite => Err(RegisterRefusal::PendingInvite),
        UserStatus::Active if !user.receive_calls => Err(RegisterRefusal::ReceiveCallsOff),
        UserStatus::Active => Ok(()),
    }
}

pub mod route;

#[cfg(test)]
mod tests;
