//! Typed identifiers: one type per entity, so a `UserId` can never be passed where a
//! `DepartmentId` is expected. Ids are UUIDv7 (time ordered), stored as text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID.
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies an account (tenant).
    AccountId
);
id_type!(
    /// Identifies a user within an account.
    UserId
);
id_type!(
    /// Identifies a role.
    RoleId
);
id_type!(
    /// Identifies a department.
    DepartmentId
);
id_type!(
    /// Identifies a phone number (DID).
    NumberId
);
id_type!(
    /// Identifies a workflow.
    WorkflowId
);
id_type!(
    /// Identifies an invite.
    InviteId
);
id_type!(
    /// Identifies an API token.
    ApiTokenId
);
id_type!(
    /// Identifies a mail in the outbox.
    MailId
);
id_type!(
    /// Identifies a pending email change.
    EmailChangeId
);
