//! The SCIM User resource ↔ a Switchboard user: rendering (RFC 7643 §4.1 plus the
//! Switchboard extension), reading the fields an identity provider sends, and the
//! `attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5).

use serde_json::Value;
use switchboard_domain::User;

use super::error::ScimError;

mod fields;
mod project;
mod render;

pub use fields::{Fields, fields};
pub use project::project;
pub use render::render;

/// The weak ETag of a user's version (`W/"3"`).
pub fn etag(u: &User) -> String {
    etag_of(u.version)
}

/// The `ETag` of a user at `version`.
pub fn etag_of(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The member of `obj` named `key`, ignoring case (RFC 7643 §2.1).
pub fn get_ci<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn text(v: Option<&Value>, what: &str) -> Result<Option<String>, ScimError> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) if switchboard_domain::has_control(s) => Err(ScimError::bad(
            "invalidValue",
            format!("{what} must not contain control characters"),
        )),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ScimError::bad(
            "invalidValue",
            format!("{what} must be a string"),
        )),
    }
}

/// A boolean, also accepted as the strings "true"/"false" in any case (as Microsoft Entra
/// sends them).
pub fn boolean(v: Option<&Value>, what: &str) -> Result<Option<bool>, ScimError> {
    match v {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ScimError::bad(
            "invalidValue",
            format!("{what} must be true or false"),
        )),
    }
}
