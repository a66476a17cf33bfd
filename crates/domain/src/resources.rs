//! Owned resources: phone numbers (DIDs) and workflows. Their owner blocks deletion (R8),
//! and so does a number's destination: the department or user its incoming calls go to.

use serde::{Deserialize, Serialize};

use crate::error::{Blocker, FieldError};
use crate::ids::{AccountId, DepartmentId, NumberId, UserId, WorkflowId};
use crate::phone::E164;
use crate::values::Name;

/// A phone number the account rents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber {
    /// Id.
    pub id: NumberId,
    /// Owning account.
    pub account_id: AccountId,
    /// The number.
    pub number: E164,
    /// A label ("Support line").
    pub label: String,
    /// The owning user.
    pub owner_id: UserId,
    /// Where incoming calls to the number go; `None`: the number is not routed.
    pub destination: Option<Destination>,
}

impl PhoneNumber {
    /// What this number puts in the way of deleting its destination (R8): the department
    /// or user cannot go while calls to the number are routed to it.
    pub fn destination_blocker(&self) -> Blocker {
        Blocker {
            kind: Blocker::DESTINATION,
            id: self.id.to_string(),
            label: self.number.to_string(),
        }
    }
}

/// Where a number's incoming calls go: a department (rung under its routing method) or
/// one user. Either must belong to the number's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Destination {
    /// The department's members ring as its routing method says.
    Department(DepartmentId),
    /// The user rings.
    User(UserId),
}

impl Destination {
    /// `department` or `user`, as the interfaces name the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Department(_) => "department",
            Self::User(_) => "user",
        }
    }

    /// The destination's id, as text.
    pub fn id_text(&self) -> String {
        match self {
            Self::Department(d) => d.to_string(),
            Self::User(u) => u.to_string(),
        }
    }

    /// A destination from its kind (`department` or `user`) and id, as given in `field`.
    pub fn parse(field: &str, kind: &str, id: &str) -> Result<Self, FieldError> {
        let bad_id = || {
            FieldError::new(
                field,
                "invalid",
                format!("{id:?} is not a {} id", kind.trim()),
            )
        };
        match kind.trim() {
            "department" => id
                .trim()
                .parse()
                .map(Self::Department)
                .map_err(|_| bad_id()),
            "user" => id.trim().parse().map(Self::User).map_err(|_| bad_id()),
            other => Err(FieldError::new(
                field,
                "invalid",
                format!("{other:?} is not a destination type; use department or user"),
            )),
        }
    }

    /// How the audit log records it: `{"type": …, "id": …}`.
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({ "type": self.kind(), "id": self.id_text() })
    }
}

/// Kinds of workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKind {
    /// An automation.
    Automation,
    /// An IVR call flow.
    Ivr,
    /// An integration with another product.
    Integration,
}

impl WorkflowKind {
    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Automation => "automation",
            Self::Ivr => "ivr",
            Self::Integration => "integration",
        }
    }

    /// Parses the wire key.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "automation" => Ok(Self::Automation),
            "ivr" => Ok(Self::Ivr),
            "integration" => Ok(Self::Integration),
            other => Err(FieldError::new(
                field,
                "invalid",
                format!("{other:?} is not a workflow kind; use automation, ivr or integration"),
            )),
        }
    }
}

/// A workflow owned by a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workflow {
    /// Id.
    pub id: WorkflowId,
    /// Owning account.
    pub account_id: AccountId,
    /// Name.
    pub name: Name,
    /// Kind.
    pub kind: WorkflowKind,
    /// The owning user.
    pub owner_id: UserId,
}

/// Validates a number's label: up to 100 characters.
pub fn parse_label(raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.chars().count() > 100 {
        return Err(FieldError::new(
            "label",
            "too_long",
            "must be at most 100 characters",
        ));
    }
    Ok(s.to_owned())
}
