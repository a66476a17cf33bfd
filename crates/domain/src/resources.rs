//! Owned resources: phone numbers (DIDs) and workflows. Their owner blocks deletion (R8).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{AccountId, NumberId, UserId, WorkflowId};
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
