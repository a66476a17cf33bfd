//! The SCIM surface's one error→status table (RFC 7644 §3.12): every refusal is a SCIM
//! Error message with `status` as a string and, where RFC 7644 names one, a `scimType`.
//! Internal causes are logged and never echoed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use switchboard_domain::DomainError;
use switchboard_scim::FilterError;
use switchboard_service::{Error as ServiceError, Failure};

/// The SCIM Error message schema.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The media type of SCIM answers.
pub const SCIM_JSON: &str = "application/scim+json";

/// An error answered on `/scim/v2`.
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    /// An error with a status, an optional `scimType` and a sentence.
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 with a `scimType`.
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, None, detail)
    }

    /// 404 for a resource that does not exist in the caller's account.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    /// A malformed filter (`invalidFilter`), saying where.
    /// Whether this refuses a filter.
    pub fn is_invalid_filter(&self) -> bool {
        self.scim_type == Some("invalidFilter")
    }

    /// 400 invalidFilter.
    pub fn filter(e: &FilterError) -> Self {
        Self::bad("invalidFilter", format!("the filter is not valid: {e}"))
    }

    /// A malformed PATCH path (`invalidPath`), saying where.
    pub fn path(e: &FilterError) -> Self {
        Self::bad("invalidPath", format!("the path is not valid: {e}"))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

fn of_domain(e: &DomainError) -> ScimError {
    let (status, scim_type) = match e {
        DomainError::Validation(_)
        | DomainError::ExtensionOutOfRange { .. }
        | DomainError::NoFreeExtension { .. }
        | DomainError::LinkInvalid(_) => (StatusCode::BAD_REQUEST, Some("invalidValue")),
        DomainError::MobileImmutable | DomainError::FieldManagedByIdp { .. } => {
            (StatusCode::BAD_REQUEST, Some("mutability"))
        }
        DomainError::DuplicateEmail { .. }
        | DomainError::DuplicateMobile { .. }
        | DomainError::ExtensionTaken { .. }
        | DomainError::Conflict { .. } => (StatusCode::CONFLICT, Some("uniqueness")),
        DomainError::LastAdmin
        | DomainError::OwnerProtected(_)
        | DomainError::OwnsResources { .. }
        | DomainError::DestinationInUse { .. }
        | DomainError::InvalidState(_) => (StatusCode::CONFLICT, None),
        DomainError::SeatLimitReached { .. } | DomainError::UserLimitReached { .. } => {
            (StatusCode::FORBIDDEN, None)
        }
        DomainError::NotFound(_) => (StatusCode::NOT_FOUND, None),
        DomainError::Forbidden(_) => (StatusCode::FORBIDDEN, None),
        DomainError::TokenEnded => (StatusCode::UNAUTHORIZED, None),
        DomainError::PreconditionFailed => (StatusCode::PRECONDITION_FAILED, None),
    };
    let detail = match e {
        DomainError::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", scim_name(&f.field), f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    ScimError::new(status, scim_type, detail)
}

/// The SCIM attribute a Switchboard field is sent as.
fn scim_name(field: &str) -> &str {
    match field {
        "email" => "emails[type eq \"work\"].value",
        "mobile" => "phoneNumbers[type eq \"mobile\"].value",
        "alternate_mobile" => "phoneNumbers[type eq \"work\"].value",
        "external_id" => "externalId",
        "panel_access" => "panelAccess",
        "name" => "displayName",
        other => other,
    }
}

impl From<ServiceError> for ScimError {
    fn from(e: ServiceError) -> Self {
        match e.failure() {
            Failure::Refused(d) => of_domain(d),
            Failure::Busy => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                "the database is busy; retry shortly",
            ),
            Failure::InvalidText => Self::new(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                "a text value contains a control character that cannot be stored",
            ),
            Failure::Unavailable(why) => {
                tracing::warn!(error = %why, "database unreachable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    None,
                    "the database cannot be reached right now; nothing was changed, retry shortly",
                )
            }
            Failure::Internal => {
                tracing::error!(error = %e, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    "something went wrong on our side; it has been logged (quote the \
                     x-request-id header)",
                )
            }
        }
    }
}

impl From<DomainError> for ScimError {
    fn from(e: DomainError) -> Self {
        of_domain(&e)
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"switchboard-scim\""),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        res
    }
}

/// Result of a SCIM handler.
pub type ScimResult<T> = Result<T, ScimError>;
