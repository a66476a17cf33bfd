//! What list and search requests share across resource types: reading query parameters
//! (names ignore case), paging (RFC 7644 §3.4.2.4), the `POST …/.search` body (§3.4.3),
//! the ListResponse message, and `If-Match` (§3.14).

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use switchboard_scim::Filter;

use super::discovery::{LIST_SCHEMA, MAX_RESULTS};
use super::error::{ScimError, ScimResult};
use super::scim_json;

/// The query parameters of a request.
pub(super) type Params = axum::extract::Query<HashMap<String, String>>;

/// Applies the request's `attributes` / `excludedAttributes` to a resource it answers with
/// (RFC 7644 §3.9: also on POST, PUT and PATCH).
pub(super) fn project(doc: &mut Value, q: &HashMap<String, String>) -> ScimResult<()> {
    super::resource::project(doc, param(q, "attributes"), param(q, "excludedAttributes"))
}

/// A query parameter, its name compared without case.
pub(super) fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The parsed `filter` parameter, if one was given.
pub fn filter(q: &HashMap<String, String>) -> ScimResult<Option<Filter>> {
    match param(q, "filter").map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Ok(Some(
            switchboard_scim::parse_filter(f).map_err(|e| ScimError::filter(&e))?,
        )),
        None => Ok(None),
    }
}

/// `startIndex` and `count` of a list request. RFC 7644 §3.4.2.4: a startIndex below 1
/// means 1; a negative count means 0; at most [`MAX_RESULTS`] per page.
pub fn paging(q: &HashMap<String, String>) -> ScimResult<(i64, i64)> {
    let number = |name: &str| -> ScimResult<Option<i64>> {
        param(q, name)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>().map_err(|_| {
                    ScimError::bad("invalidValue", format!("{name} must be an integer"))
                })
            })
            .transpose()
    };
    let start = number("startIndex")?.unwrap_or(1).max(1);
    let count = number("count")?
        .unwrap_or(i64::from(MAX_RESULTS))
        .clamp(0, i64::from(MAX_RESULTS));
    Ok((start, count))
}

/// The query parameters a `POST …/.search` body (RFC 7644 §3.4.3) stands for.
pub fn search_params(body: &Value) -> Result<HashMap<String, String>, ScimError> {
    const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    if let Some(schemas) = body.get("schemas")
        && !schemas
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(SEARCH_SCHEMA)))
    {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("schemas must be [\"{SEARCH_SCHEMA}\"]"),
        ));
    }
    let mut q = HashMap::new();
    let Some(fields) = body.as_object() else {
        return Ok(q);
    };
    for (k, v) in fields {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            Value::Null => continue,
            _ => {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!("{k} has the wrong type"),
                ));
            }
        };
        if k != "schemas" {
            q.insert(k.clone(), text);
        }
    }
    Ok(q)
}

/// A ListResponse message (RFC 7644 §3.4.2).
pub fn list_response(total: u64, start: i64, resources: Vec<Value>) -> Response {
    scim_json(StatusCode::OK, &list_body(total, start, resources))
}

/// The body of [`list_response`].
pub fn list_body(total: u64, start: i64, resources: Vec<Value>) -> Value {
    serde_json::json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// Whether `If-Match` names the current version `current` (an ETag): `false` without the
/// header or for `*`; a 412 naming the current version when it names another.
pub fn if_match(headers: &HeaderMap, current: &str, noun: &str) -> ScimResult<bool> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(false);
    };
    let raw = raw.to_str().unwrap_or("").trim();
    if raw == "*" {
        return Ok(false);
    }
    let bare = |t: &str| {
        t.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_owned()
    };
    if raw.split(',').any(|t| bare(t) == bare(current)) {
        return Ok(true);
    }
    Err(ScimError::new(
        StatusCode::PRECONDITION_FAILED,
        None,
        format!("the {noun} has changed since that version; its current version is {current}"),
    ))
}
