//! The one error type of the domain. Every variant has a stable `code` that the interfaces
//! expose (problem+json `code`, SCIM `scimType` mapping, dashboard messages).

use serde::Serialize;

/// A problem with one input field: which field, a stable reason code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field as named in the interfaces (`email`, `mobile`, `call_hours.monday[0]`).
    pub field: String,
    /// A stable machine-readable reason (`invalid`, `required`, `too_long`, `taken`, ...).
    pub code: &'static str,
    /// A sentence a person can act on.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same error reported under another field name (e.g. `alternate_mobile`).
    pub fn for_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

/// Something that blocks deleting a user or a department (R8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// `number` (owned), `workflow` (owned), `department` (managed) or `destination` (a
    /// number whose incoming calls go to the record being deleted).
    pub kind: &'static str,
    /// The blocking record's id.
    pub id: String,
    /// What a person recognises it by (the number, the workflow or department name).
    pub label: String,
}

impl Blocker {
    /// The kind of a number whose calls are routed to the record being deleted.
    pub const DESTINATION: &'static str = "destination";
}

/// Everything a use case can refuse, with a stable code per variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// One or more fields are invalid.
    #[error("{}", summarize(.0))]
    Validation(Vec<FieldError>),
    /// The email is held by another user of the account.
    #[error("email {email} is held by {holder}")]
    DuplicateEmail { email: String, holder: String },
    /// The mobile number is held by another user of the account.
    #[error("mobile {mobile} is held by {holder}")]
    DuplicateMobile { mobile: String, holder: String },
    /// The extension is held by another user of the account.
    #[error("extension {extension} is held by {holder}")]
    ExtensionTaken { extension: String, holder: String },
    /// The extension lies outside the account's range.
    #[error("extension {extension} is outside the account's range {min}-{max}")]
    ExtensionOutOfRange {
        extension: String,
        min: u32,
        max: u32,
    },
    /// No free extension is left in the account's range.
    #[error("no free extension is left in the range {min}-{max}")]
    NoFreeExtension { min: u32, max: u32 },
    /// Mobile numbers cannot be edited (R4).
    #[error(
        "the mobile number cannot be changed; use Replace user to move this person to a new number"
    )]
    MobileImmutable,
    /// The field is owned by the identity provider (R6).
    #[error("{field} is managed by the identity provider and can only be changed there")]
    FieldManagedByIdp { field: String },
    /// The change would leave the account without an active Administrator (R7).
    #[error("this would leave the account without an active Administrator")]
    LastAdmin,
    /// The owner cannot be deleted, deactivated or demoted (R7).
    #[error("{0}")]
    OwnerProtected(String),
    /// The user owns resources, or receives the calls of numbers, that must be reassigned
    /// first (R8).
    #[error("{}", owns_resources(.name, .blockers))]
    OwnsResources {
        name: String,
        blockers: Vec<Blocker>,
    },
    /// The department is the destination of numbers that must be routed elsewhere first
    /// (R8); the blockers are those numbers.
    #[error(
        "Department {name} is the destination of {}; route those numbers elsewhere first",
        list_labels(.blockers)
    )]
    DestinationInUse {
        name: String,
        blockers: Vec<Blocker>,
    },
    /// The pro plan's seats are all used (R11).
    #[error("all {limit} seats of the plan are in use")]
    SeatLimitReached { limit: u32 },
    /// The free plan's user limit is reached (R11).
    #[error("the free plan allows at most {limit} users")]
    UserLimitReached { limit: u32 },
    /// The record does not exist in this account.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The actor may not do this (R1).
    #[error("{0}")]
    Forbidden(String),
    /// The record changed since the caller read it.
    #[error("the record was changed by someone else; reload and try again")]
    PreconditionFailed,
    /// A uniqueness rule other than the user identifiers (e.g. a department name).
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// The operation is not allowed in the record's current state.
    #[error("{0}")]
    InvalidState(String),
    /// An invite or verification link is unknown, used, revoked or expired.
    #[error("this link is {0}")]
    LinkInvalid(&'static str),
    /// The request's token was revoked, deleted or ran out since it was last used.
    #[error("the token is unknown, expired or has been revoked")]
    TokenEnded,
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn list_blockers<'a>(blockers: impl Iterator<Item = &'a Blocker>) -> String {
    blockers
        .map(|b| format!("{} {}", b.kind, b.label))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_labels(blockers: &[Blocker]) -> String {
    blockers
        .iter()
        .map(|b| b.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Priya still owns number +1…, workflow IVR and is the destination of +1…; reassign
/// them first", naming only what applies.
fn owns_resources(name: &str, blockers: &[Blocker]) -> String {
    let (routed, owned): (Vec<&Blocker>, Vec<&Blocker>) = blockers
        .iter()
        .partition(|b| b.kind == Blocker::DESTINATION);
    let routed = routed
        .iter()
        .map(|b| b.label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let what = match (owned.is_empty(), routed.is_empty()) {
        (false, true) => format!("still owns {}", list_blockers(owned.into_iter())),
        (true, false) => format!("is the destination of {routed}"),
        (false, false) => format!(
            "still owns {} and is the destination of {routed}",
            list_blockers(owned.into_iter())
        ),
        (true, true) => "still owns numbers, workflows or departments".to_owned(),
    };
    format!("{name} {what}; reassign them first")
}

impl DomainError {
    /// The records blocking a delete (R8), when that is the refusal.
    pub fn blockers(&self) -> &[Blocker] {
        match self {
            Self::OwnsResources { blockers, .. } | Self::DestinationInUse { blockers, .. } => {
                blockers
            }
            _ => &[],
        }
    }

    /// A validation error for a single field.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    /// The stable code the interfaces expose.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::DuplicateEmail { .. } => "duplicate_email",
            Self::DuplicateMobile { .. } => "duplicate_mobile",
            Self::ExtensionTaken { .. } => "extension_taken",
            Self::ExtensionOutOfRange { .. } => "extension_out_of_range",
            Self::NoFreeExtension { .. } => "no_free_extension",
            Self::MobileImmutable => "mobile_immutable",
            Self::FieldManagedByIdp { .. } => "field_managed_by_idp",
            Self::LastAdmin => "last_admin",
            Self::OwnerProtected(_) => "owner_protected",
            Self::OwnsResources { .. } => "owns_resources",
            Self::DestinationInUse { .. } => "destination_in_use",
            Self::SeatLimitReached { .. } => "seat_limit_reached",
            Self::UserLimitReached { .. } => "user_limit_reached",
            Self::NotFound(_) => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::TokenEnded => "unauthorized",
            Self::PreconditionFailed => "precondition_failed",
            Self::Conflict { .. } => "conflict",
            Self::InvalidState(_) => "invalid_state",
            Self::LinkInvalid(_) => "link_invalid",
        }
    }

    /// The field the error is about, when there is one.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            Self::Validation(errors) => errors.first().map(|e| e.field.as_str()),
            Self::DuplicateEmail { .. } => Some("email"),
            Self::DuplicateMobile { .. } | Self::MobileImmutable => Some("mobile"),
            Self::ExtensionTaken { .. }
            | Self::ExtensionOutOfRange { .. }
            | Self::NoFreeExtension { .. } => Some("extension"),
            Self::FieldManagedByIdp { field } | Self::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The per-field errors, for interfaces that show errors beside fields.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Self::Validation(errors) => errors.clone(),
            other => match other.field_name() {
                Some(field) => vec![FieldError::new(field, other.code(), other.to_string())],
                None => Vec::new(),
            },
        }
    }
}

/// Collects field errors while validating a whole input, so the caller sees all of them.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result` (if any) and hands back its value.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records an error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Fails with every recorded error, or succeeds when none was recorded.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.0))
        }
    }
}

impl From<FieldError> for DomainError {
    fn from(e: FieldError) -> Self {
        Self::Validation(vec![e])
    }
}
