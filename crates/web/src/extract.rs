//! Request extractors that answer bad input with problem+json naming the field, instead of
//! axum's plain-text rejections: JSON bodies, query strings and record ids in paths.

use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body, deserialized with the path of the first offending field reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

/// Where in a JSON document the deserializer stopped, as `a.b[2]`.
fn json_path(path: &serde_path_to_error::Path) -> String {
    let p = path.to_string();
    if p == "." { String::new() } else { p }
}

/// Deserializes a JSON body, naming the offending field. Every body the API documents is
/// an object; serde would also read a struct from an array of its field values, so a
/// top-level array is refused here.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::field(
            "body",
            "invalid",
            "the body must be a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = json_path(e.path());
        let inner = e.into_inner();
        let message = inner.to_string();
        let (field, code) = if inner.is_syntax() || inner.is_eof() {
            ("body".to_owned(), "malformed_json")
        } else if let Some(unknown) = unknown_field(&message) {
            (join(&field, &unknown), "unknown_field")
        } else if let Some(missing) = missing_field(&message) {
            (join(&field, &missing), "required")
        } else if field.is_empty() {
            ("body".to_owned(), "invalid")
        } else {
            (field, "invalid")
        };
        ApiError::field(&field, code, clean_message(&message))
    })
}

fn join(prefix: &str, name: &str) -> String {
    if prefix == name || prefix.ends_with(&format!(".{name}")) {
        prefix.to_owned()
    } else if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let rest = message.split_once(marker)?.1;
    let rest = rest.strip_prefix('`')?;
    Some(rest.split_once('`')?.0.to_owned())
}

fn unknown_field(message: &str) -> Option<String> {
    quoted_after(message, "unknown field ")
}

fn missing_field(message: &str) -> Option<String> {
    quoted_after(message, "missing field ")
}

/// serde's message without the " at line 1 column 9" suffix.
fn clean_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
        }
    })
}

/// A query string, deserialized with the offending parameter named.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parse_form(parts.uri.query().unwrap_or("").as_bytes(), "query").map(ApiQuery)
    }
}

/// Deserializes `application/x-www-form-urlencoded` text (a query string or a form body),
/// naming the offending parameter; `whole` names the input when no parameter is to blame.
fn parse_form<T: DeserializeOwned>(bytes: &[u8], whole: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = json_path(e.path());
        let message = e.into_inner().to_string();
        let field = unknown_field(&message)
            .or_else(|| missing_field(&message))
            .unwrap_or(if field.is_empty() {
                whole.to_owned()
            } else {
                field
            });
        ApiError::field(&field, "invalid", clean_message(&message))
    })
}

/// A body sent as JSON or as an HTML-style form (`application/x-www-form-urlencoded`),
/// for endpoints that machines such as a SIP proxy post to with nothing but form
/// encoding at hand. Either way the offending field is named.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJsonOrForm<T>(pub T);

impl<S, T> FromRequest<S> for ApiJsonOrForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return ApiJson::from_request(req, state)
                .await
                .map(|ApiJson(v)| ApiJsonOrForm(v));
        }
        let bytes = body_bytes(req, state).await?;
        parse_form(&bytes, "body").map(ApiJsonOrForm)
    }
}

/// A record id from the path. An id that does not parse names no record of the caller's
/// account, so it answers 404 like any other unknown id.
#[derive(Debug, Clone, Copy)]
pub struct Id<T>(pub T);

/// What a path id names, for its 404 message.
pub trait Named {
    /// "user", "department", ...
    const WHAT: &'static str;
}

impl<S, T> FromRequestParts<S> for Id<T>
where
    S: Send + Sync,
    T: FromStr + Named + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found(T::WHAT))?;
        raw.parse::<T>()
            .map(Id)
            .map_err(|_| ApiError::not_found(T::WHAT))
    }
}

macro_rules! named {
    ($($ty:ty => $what:literal),* $(,)?) => {
        $(impl Named for $ty { const WHAT: &'static str = $what; })*
    };
}

named!(
    switchboard_domain::UserId => "user",
    switchboard_domain::DepartmentId => "department",
    switchboard_domain::RoleId => "role",
    switchboard_domain::NumberId => "number",
    switchboard_domain::WorkflowId => "workflow",
    switchboard_domain::ApiTokenId => "API token",
);
