//! The service's error: a refused rule (a [`DomainError`] with its stable code) or a
//! storage failure (logged, never shown in detail to callers).

use switchboard_domain::DomainError;
use switchboard_store::StoreError;

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A rule refused the request; safe to show.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Storage failed; internal.
    #[error("storage failure: {0}")]
    Store(#[from] StoreError),
    /// Something else internal (hashing, randomness).
    #[error("internal error: {0}")]
    Internal(String),
}

/// What went wrong below the rules, as an interface tells it (the store's own error types
/// stay inside the service).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure<'a> {
    /// A rule refused the request.
    Refused(&'a DomainError),
    /// The database is busy; retrying shortly works.
    Busy,
    /// The database cannot be reached (the reason, for the log); nothing was changed.
    Unavailable(&'a str),
    /// A text value holds a character the database cannot store.
    InvalidText,
    /// Anything else: internal, logged, never shown.
    Internal,
}

impl Error {
    /// What kind of failure this is, for choosing a status and a message.
    pub fn failure(&self) -> Failure<'_> {
        match self {
            Self::Domain(d) => Failure::Refused(d),
            Self::Store(StoreError::Busy) => Failure::Busy,
            Self::Store(StoreError::Unavailable(why)) => Failure::Unavailable(why),
            Self::Store(StoreError::InvalidText) => Failure::InvalidText,
            _ => Failure::Internal,
        }
    }

    /// The domain error, if this is one.
    pub fn domain(&self) -> Option<&DomainError> {
        match self {
            Self::Domain(d) => Some(d),
            _ => None,
        }
    }

    /// The stable code for interfaces (`internal` for storage failures).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Domain(d) => d.code(),
            Self::Store(StoreError::Busy) => "busy",
            Self::Store(StoreError::Unavailable(_)) => "database_unavailable",
            Self::Store(StoreError::InvalidText) => "validation_failed",
            _ => "internal",
        }
    }
}

/// Result alias for use cases.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for a refusal.
pub(crate) fn refuse<T>(e: DomainError) -> Result<T> {
    Err(Error::Domain(e))
}

/// Shorthand for a not-found refusal.
pub(crate) fn not_found(what: &'static str) -> Error {
    Error::Domain(DomainError::NotFound(what))
}

/// Shorthand for a forbidden refusal.
pub(crate) fn forbidden(why: impl Into<String>) -> Error {
    Error::Domain(DomainError::Forbidden(why.into()))
}

impl Error {
    /// A storage refusal of input as the refusal it is (a field error without the field:
    /// the interfaces name fields before this can happen).
    pub fn as_domain(&self) -> Option<DomainError> {
        match self {
            Self::Domain(d) => Some(d.clone()),
            Self::Store(StoreError::InvalidText) => Some(DomainError::field(
                "input",
                "invalid",
                "a text value contains a control character that cannot be stored",
            )),
            _ => None,
        }
    }
}

impl From<switchboard_domain::FieldError> for Error {
    fn from(e: switchboard_domain::FieldError) -> Self {
        Self::Domain(e.into())
    }
}
