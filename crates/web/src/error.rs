//! The API's one error→status table: every refusal becomes `application/problem+json`
//! (RFC 9457) with a stable `code`, a sentence a person can act on, and per-field `errors`.
//! Internal causes are logged with the request id and never echoed.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchboard_domain::{DomainError, FieldError};
use switchboard_service::{Error as ServiceError, Failure};
use utoipa::ToSchema;

/// The request id header, set on every response and quoted in internal errors.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// One invalid input field.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field, as named in the request (`email`, `call_hours.monday[0]`).
    pub field: String,
    /// A stable reason (`invalid`, `required`, `too_long`, `taken`, ...).
    pub code: String,
    /// What is wrong, in a sentence.
    pub message: String,
}

/// A problem report (RFC 9457) with Switchboard's stable `code`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP status.
    pub status: u16,
    /// A short summary of the problem type.
    pub title: String,
    /// What went wrong this time, naming the field or the holder of a taken value.
    pub detail: String,
    /// Stable machine-readable code (`validation_failed`, `duplicate_email`, ...).
    pub code: String,
    /// Per-field problems (empty when the problem is not about a field).
    pub errors: Vec<ProblemField>,
    /// The blocking records, when a delete is refused (`owns_resources`,
    /// `destination_in_use`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<ProblemBlocker>,
    /// The accounts to choose from, when a sign-in matches users of several accounts
    /// (`account_required`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<ProblemAccount>,
    /// Why a SIP registration is refused (`registration_refused`): `inactive`,
    /// `pending_invite` or `receive_calls_off`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An account a person may sign in to.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProblemAccount {
    /// Account id, to send back as `account`.
    pub id: String,
    /// Company name.
    pub name: String,
}

/// A record that blocks deleting a user or a department.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProblemBlocker {
    /// `number` (owned), `workflow` (owned), `department` (managed) or `destination` (a
    /// number whose incoming calls go to the user or department).
    pub kind: String,
    /// The record's id.
    pub id: String,
    /// What a person recognises it by.
    pub label: String,
}

/// An error answered by the API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    problem: Box<Problem>,
    retry_after: Option<u32>,
}

fn field(e: &FieldError) -> ProblemField {
    ProblemField {
        field: e.field.clone(),
        code: e.code.to_owned(),
        message: e.message.clone(),
    }
}

impl ApiError {
    /// A problem with the given status, code and detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            problem: Box::new(Problem {
                type_: format!("https://switchboard.invalid/problems/{code}"),
                status: status.as_u16(),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                detail: detail.into(),
                code: code.to_owned(),
                errors: Vec::new(),
                blockers: Vec::new(),
                accounts: Vec::new(),
                reason: None,
            }),
            retry_after: None,
        }
    }

    /// 401: no or bad credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 404 for a record that does not exist in the caller's account.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 422 about one field.
    pub fn field(name: &str, code: &'static str, message: impl Into<String>) -> Self {
        DomainError::field(name, code, message).into()
    }

    /// 429 with a `Retry-After`.
    pub fn too_many(detail: impl Into<String>, retry_after_secs: u32) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", detail);
        e.retry_after = Some(retry_after_secs);
        e
    }

    /// 500 for an internal failure, logged with its cause and never shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged (quote the x-request-id header)",
        )
    }

    /// Adds per-field problems.
    pub fn with_errors(mut self, errors: Vec<ProblemField>) -> Self {
        self.problem.errors = errors;
        self
    }

    /// Adds the accounts to choose from.
    pub fn with_accounts(mut self, accounts: Vec<ProblemAccount>) -> Self {
        self.problem.accounts = accounts;
        self
    }

    /// Adds the reason of a refusal.
    pub fn with_reason(mut self, reason: &str) -> Self {
        self.problem.reason = Some(reason.to_owned());
        self
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.problem.code
    }

    /// What went wrong, in a sentence.
    pub fn detail(&self) -> &str {
        &self.problem.detail
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// The status for each domain refusal: 422 for a bad field, 409 for a conflict with the
/// state of the account, 404/403/412 as named.
pub fn status_of(e: &DomainError) -> StatusCode {
    match e {
        DomainError::Validation(_)
        | DomainError::ExtensionOutOfRange { .. }
        | DomainError::MobileImmutable
        | DomainError::FieldManagedByIdp { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        DomainError::DuplicateEmail { .. }
        | DomainError::DuplicateMobile { .. }
        | DomainError::ExtensionTaken { .. }
        | DomainError::NoFreeExtension { .. }
        | DomainError::LastAdmin
        | DomainError::OwnerProtected(_)
        | DomainError::OwnsResources { .. }
        | DomainError::DestinationInUse { .. }
        | DomainError::SeatLimitReached { .. }
        | DomainError::UserLimitReached { .. }
        | DomainError::Conflict { .. }
        | DomainError::InvalidState(_) => StatusCode::CONFLICT,
        DomainError::NotFound(_) => StatusCode::NOT_FOUND,
        DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
        DomainError::TokenEnded => StatusCode::UNAUTHORIZED,
        DomainError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        DomainError::LinkInvalid(_) => StatusCode::GONE,
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let mut err = Self::new(status_of(&e), e.code(), e.to_string());
        err.problem.errors = e.field_errors().iter().map(field).collect();
        err.problem.blockers = e
            .blockers()
            .iter()
            .map(|b| ProblemBlocker {
                kind: b.kind.to_owned(),
                id: b.id.clone(),
                label: b.label.clone(),
            })
            .collect();
        err
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        DomainError::from(e).into()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e.failure() {
            Failure::Refused(d) => d.clone().into(),
            Failure::Busy => {
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the database is busy; retry shortly",
                );
                e.retry_after = Some(1);
                e
            }
            Failure::InvalidText => match e.as_domain() {
                Some(d) => d.into(),
                None => Self::internal(&e),
            },
            Failure::Unavailable(why) => {
                tracing::warn!(error = %why, "database unreachable");
                let mut e = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database cannot be reached right now; nothing was changed, retry shortly",
                );
                e.retry_after = Some(RETRY_UNAVAILABLE_SECS);
                e
            }
            Failure::Internal => Self::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(*self.problem)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"switchboard\""),
            );
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Tags each request with an id (kept from the caller when it sent a sane one), records it
/// in the tracing span, and echoes it on the response.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let run = tokio::time::timeout(REQUEST_TIMEOUT, next.run(req));
    let mut res = match tracing::Instrument::instrument(run, span.clone()).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(parent: &span, "request timed out after {REQUEST_TIMEOUT:?}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the request took too long and was abandoned; nothing was changed, try again",
            )
            .into_response()
        }
    };
    let status = res.status();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status.is_server_error() {
        tracing::warn!(parent: &span, %method, path, status = status.as_u16(), elapsed_ms, "request failed");
    } else {
        tracing::info!(parent: &span, %method, path, status = status.as_u16(), elapsed_ms, "request");
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    res
}

/// The `Retry-After` of an answer given while the database cannot be reached.
pub const RETRY_UNAVAILABLE_SECS: u32 = 2;

/// How long one request may run before it is abandoned (its transaction rolls back).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The answer when a handler panics: a problem document, never a dropped connection.
pub fn panic_response(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let text = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown cause");
    tracing::error!("handler panicked: {text}");
    ApiError::internal(&"a handler panicked").into_response()
}

/// The answer for a path no route matches.
pub async fn not_found_fallback() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; the API reference is at /api/v1/docs",
    )
}
