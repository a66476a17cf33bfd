//! Departments (teams, queues, groups) that incoming calls are routed to.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{AccountId, DepartmentId, UserId};
use crate::schedule::WeeklySchedule;
use crate::values::{Name, TimeZoneName};

/// How a department rings its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingMethod {
    /// Everyone at once.
    RingAll,
    /// One after another in member order.
    Sequential,
    /// One after another, starting one further each call.
    RoundRobin,
    /// Whoever has been idle longest first.
    LongestIdle,
}

impl RoutingMethod {
    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::RingAll => "ring_all",
            Self::Sequential => "sequential",
            Self::RoundRobin => "round_robin",
            Self::LongestIdle => "longest_idle",
        }
    }

    /// Parses the wire key.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "ring_all" => Ok(Self::RingAll),
            "sequential" => Ok(Self::Sequential),
            "round_robin" => Ok(Self::RoundRobin),
            "longest_idle" => Ok(Self::LongestIdle),
            other => Err(FieldError::new(
                field,
                "invalid",
                format!(
                    "{other:?} is not a routing method; use ring_all, sequential, round_robin or longest_idle"
                ),
            )),
        }
    }
}

/// Where a call goes when nobody in the department can take it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fallback {
    /// Leave a voicemail.
    Voicemail,
    /// Try another department.
    Department {
        /// The department to try.
        department_id: DepartmentId,
    },
    /// Hang up.
    None,
}

/// A department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    /// Id.
    pub id: DepartmentId,
    /// Owning account.
    pub account_id: AccountId,
    /// Name, unique in the account.
    pub name: Name,
    /// How members are rung.
    pub routing_method: RoutingMethod,
    /// Seconds each member rings before the next is tried.
    pub ring_time_secs: u32,
    /// When the department takes calls (empty = always).
    pub business_hours: WeeklySchedule,
    /// Time zone of the business hours.
    pub time_zone: TimeZoneName,
    /// What happens when nobody answers.
    pub fallback: Fallback,
    /// Members in ring order.
    pub members: Vec<UserId>,
    /// Managers (for R1 scope and R8 ownership).
    pub managers: Vec<UserId>,
    /// The identity provider's id of the group this department is (SCIM `externalId`).
    pub external_id: Option<String>,
    /// Created.
    pub created_at: jiff::Timestamp,
    /// Settings, members or managers last changed.
    pub updated_at: jiff::Timestamp,
}

/// Validates a ring time: 5 to 300 seconds.
pub fn parse_ring_time(raw: u32) -> Result<u32, FieldError> {
    if (5..=300).contains(&raw) {
        Ok(raw)
    } else {
        Err(FieldError::new(
            "ring_time_secs",
            "out_of_range",
            format!("must be between 5 and 300 seconds (got {raw})"),
        ))
    }
}
