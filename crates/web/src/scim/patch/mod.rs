//! PATCH (RFC 7644 §3.5.2) applied to a rendered User document: `add`, `replace` and
//! `remove` (operation names in any case), with or without `path`, on simple, complex and
//! multi-valued attributes, value filters such as `emails[type eq "work"].value`, and the
//! Switchboard extension. The caller then reads the changed fields from the result.

use serde_json::{Map, Value};
use switchboard_scim::parse_path;

use super::discovery::{ENTERPRISE_SCHEMA, EXT_SCHEMA, PATCH_SCHEMA};
use super::error::ScimError;
use super::resource::get_ci;

mod path;
mod target;
mod value_filter;

use path::at_path;
pub use value_filter::matches;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// What PATCH may touch in one kind of resource.
pub struct Attrs {
    /// The resource type's plural, for messages (`Users`).
    pub kind: &'static str,
    /// The core attributes Switchboard keeps, by canonical name.
    pub core: &'static [&'static str],
    /// The extension schemas and their writable attributes.
    pub exts: &'static [(&'static str, &'static [&'static str])],
    /// Which of them are multi-valued.
    pub multi: &'static [&'static str],
    /// Core attributes accepted and ignored.
    pub ignored: &'static [&'static str],
    /// Extension schemas accepted and ignored.
    pub ignored_ext: &'static [&'static str],
    /// Attributes that cannot be written.
    pub read_only: &'static [&'static str],
}

/// The User resource: the core User schema and Switchboard's extension. Attributes of the
/// core User schema (RFC 7643 §4.1) that Switchboard does not keep are accepted and
/// ignored, as in POST and PUT, so an identity provider's default mappings (Entra sends
/// `title`, `preferredLanguage`, `addresses[…]`) do not fail; the enterprise User extension
/// (RFC 7643 §4.3) likewise.
pub const USER_ATTRS: Attrs = Attrs {
    kind: "Users",
    core: &[
        "userName",
        "name",
        "displayName",
        "emails",
        "phoneNumbers",
        "active",
        "externalId",
        "title",
        "preferredLanguage",
        "locale",
        "timezone",
    ],
    exts: &[
        (EXT_SCHEMA, &["extension", "role", "panelAccess"]),
        (
            ENTERPRISE_SCHEMA,
            &["employeeNumber", "department", "manager"],
        ),
    ],
    multi: &["emails", "phoneNumbers"],
    ignored: &[
        "nickName",
        "profileUrl",
        "userType",
        "password",
        "ims",
        "photos",
        "addresses",
        "entitlements",
        "x509Certificates",
    ],
    ignored_ext: &[],
    read_only: &["id", "meta", "departments", "groups"],
};

/// The Group resource (a department).
pub const GROUP_ATTRS: Attrs = Attrs {
    kind: "Groups",
    core: &["displayName", "externalId", "members"],
    exts: &[],
    multi: &["members"],
    ignored: &[],
    ignored_ext: &[],
    read_only: &["id", "meta"],
};

fn invalid_path(msg: impl Into<String>) -> ScimError {
    ScimError::bad("invalidPath", msg)
}

/// Applies a PatchOp message to `doc`, a resource of the kind `attrs` describes.
pub fn apply(doc: &mut Value, body: &Value, attrs: &Attrs) -> Result<(), ScimError> {
    if let Some(schemas) = body.get("schemas") {
        let ok = schemas
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(PATCH_SCHEMA)));
        if !ok {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("schemas must be [\"{PATCH_SCHEMA}\"]"),
            ));
        }
    }
    let ops = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ScimError::bad("invalidSyntax", "Operations must be a non-empty list"))?;
    for (i, op) in ops.iter().enumerate() {
        apply_operation(doc, i, op, attrs)?;
    }
    Ok(())
}

/// The kind of `Operations[i]`.
fn op_kind(i: usize, op: &Value) -> Result<Op, ScimError> {
    let name = get_ci(op, "op").and_then(Value::as_str).unwrap_or("");
    match name.to_ascii_lowercase().as_str() {
        "add" => Ok(Op::Add),
        "replace" => Ok(Op::Replace),
        "remove" => Ok(Op::Remove),
        _ => Err(ScimError::bad(
            "invalidSyntax",
            format!("Operations[{i}].op {name:?} is not add, replace or remove"),
        )),
    }
}

/// Applies `Operations[i]`.
fn apply_operation(doc: &mut Value, i: usize, op: &Value, attrs: &Attrs) -> Result<(), ScimError> {
    let kind = op_kind(i, op)?;
    let value = get_ci(op, "value").cloned();
    let path = get_ci(op, "path")
        .and_then(Value::as_str)
        .filter(|p| !p.trim().is_empty());
    // A path naming an extension schema itself means the extension as a whole.
    let whole = path.and_then(|p| {
        attrs
            .exts
            .iter()
            .find(|(ext, _)| p.trim().eq_ignore_ascii_case(ext))
    });
    let (path, value) = match whole {
        Some((ext, _)) if kind == Op::Remove => {
            if let Some(o) = doc.as_object_mut() {
                o.retain(|k, _| !k.eq_ignore_ascii_case(ext));
            }
            return Ok(());
        }
        Some((ext, _)) => {
            let mut m = Map::new();
            m.insert((*ext).to_owned(), value.unwrap_or(Value::Null));
            (None, Some(Value::Object(m)))
        }
        None => (path, value),
    };
    match path {
        Some(p) => {
            let path = parse_path(p).map_err(|e| ScimError::path(&e))?;
            at_path(doc, kind, &path, value, attrs)
        }
        None if kind == Op::Remove => Err(ScimError::bad("noTarget", "remove needs a path")),
        None => {
            let Some(Value::Object(m)) = value else {
                return Err(ScimError::bad(
                    "invalidValue",
                    "an operation without a path needs an object value",
                ));
            };
            apply_object(doc, kind, m, attrs)
        }
    }
}

/// An operation without a path: each member of the object value is one attribute.
fn apply_object(
    doc: &mut Value,
    kind: Op,
    m: Map<String, Value>,
    attrs: &Attrs,
) -> Result<(), ScimError> {
    for (k, v) in m {
        if let Some((ext, _)) = attrs
            .exts
            .iter()
            .find(|(ext, _)| k.eq_ignore_ascii_case(ext))
        {
            let Value::Object(fields) = v else {
                return Err(ScimError::bad(
                    "invalidValue",
                    "the extension's value must be an object",
                ));
            };
            for (k2, v2) in fields {
                if k2.eq_ignore_ascii_case("schemas") {
                    continue;
                }
                let path = parse_path(&format!("{ext}:{k2}")).map_err(|e| ScimError::path(&e))?;
                at_path(doc, kind, &path, Some(v2), attrs)?;
            }
            continue;
        }
        if k.eq_ignore_ascii_case("schemas")
            || attrs.ignored_ext.iter().any(|x| k.eq_ignore_ascii_case(x))
        {
            continue;
        }
        let path = parse_path(&k).map_err(|e| ScimError::path(&e))?;
        at_path(doc, kind, &path, Some(v), attrs)?;
    }
    Ok(())
}
