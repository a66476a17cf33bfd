//! Resolving a PATCH path's attribute: which object holds it (the document or an
//! extension), its canonical name, and which attributes are ignored or read-only.

use serde_json::{Map, Value};
use switchboard_scim::{AttrPath, PatchPath};

use super::{Attrs, Op, invalid_path};
use crate::scim::discovery::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use crate::scim::error::ScimError;
use crate::scim::resource::get_ci;

/// Whether `op` sets a core read-only attribute (such as `id`) to the value it has.
pub(super) fn sends_read_only_unchanged(
    doc: &Value,
    op: Op,
    path: &PatchPath,
    value: Option<&Value>,
    attrs: &Attrs,
) -> bool {
    let (attr, Some(value)) = (&path.attr, value) else {
        return false;
    };
    let core = attr.uri.is_none();
    let read_only = attrs
        .read_only
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&attr.name));
    if op == Op::Remove || !core || !read_only || path.filter.is_some() || attr.sub.is_some() {
        return false;
    }
    get_ci(doc, &attr.name) == Some(value)
}

pub(super) type Target<'a> = Option<(&'a mut Map<String, Value>, &'static str)>;

/// An extension schema and its writable attributes.
type Ext = (&'static str, &'static [&'static str]);

/// The object holding the path's attribute (the document or the extension) and the
/// attribute's canonical name; `None` for attributes that are accepted and ignored.
pub(super) fn target<'a>(
    doc: &'a mut Value,
    attr: &AttrPath,
    attrs: &Attrs,
) -> Result<Target<'a>, ScimError> {
    let Some(ext) = extension_of(attr, attrs)? else {
        return Ok(None);
    };
    if ext.is_none()
        && attrs
            .ignored
            .iter()
            .any(|i| i.eq_ignore_ascii_case(&attr.name))
    {
        return Ok(None);
    }
    let Some(name) = canonical_name(attr, attrs, ext)? else {
        return Ok(None);
    };
    let Some(root) = doc.as_object_mut() else {
        return Err(invalid_path("the resource is not an object"));
    };
    let Some((schema, _)) = ext else {
        return Ok(Some((normalize(root, name), name)));
    };
    let holder = root
        .entry(schema.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    match holder.as_object_mut() {
        Some(h) => Ok(Some((normalize(h, name), name))),
        None => Err(invalid_path("the extension is not an object")),
    }
}

/// The extension the attribute's schema URI names: `Some(None)` for the core schema,
/// `None` for an extension that is accepted and ignored.
fn extension_of(attr: &AttrPath, attrs: &Attrs) -> Result<Option<Option<Ext>>, ScimError> {
    let kind = attrs.kind;
    Ok(Some(match attr.uri.as_deref() {
        None => None,
        Some(u) if u.eq_ignore_ascii_case(USER_SCHEMA) && attrs.kind == "Users" => None,
        Some(u) if u.eq_ignore_ascii_case(GROUP_SCHEMA) && attrs.kind == "Groups" => None,
        Some(u) if attrs.ignored_ext.iter().any(|x| u.eq_ignore_ascii_case(x)) => {
            return Ok(None);
        }
        Some(u) => match attrs
            .exts
            .iter()
            .find(|(schema, _)| u.eq_ignore_ascii_case(schema))
        {
            Some((schema, names)) => Some((*schema, *names)),
            None => {
                return Err(invalid_path(format!(
                    "{attr} is not an attribute of {kind}"
                )));
            }
        },
    }))
}

/// The attribute's canonical name in its schema; `None` when it is accepted and not kept.
fn canonical_name(
    attr: &AttrPath,
    attrs: &Attrs,
    ext: Option<Ext>,
) -> Result<Option<&'static str>, ScimError> {
    let kind = attrs.kind;
    let known: &[&'static str] = ext.map_or(attrs.core, |(_, names)| names);
    if let Some(name) = known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&attr.name))
        .copied()
    {
        return Ok(Some(name));
    }
    // The enterprise extension's other attributes (costCenter, organization,
    // division) are accepted and not kept.
    if ext.is_some_and(|(schema, _)| schema == ENTERPRISE_SCHEMA) {
        return Ok(None);
    }
    if attrs
        .read_only
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&attr.name))
    {
        return Err(ScimError::bad("mutability", format!("{attr} is read-only")));
    }
    Err(invalid_path(format!(
        "{attr} is not an attribute of {kind}"
    )))
}

/// Renames a member spelled in another case to its canonical name.
fn normalize<'a>(m: &'a mut Map<String, Value>, name: &str) -> &'a mut Map<String, Value> {
    if let Some(k) = m
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name) && *k != name)
        .cloned()
        && let Some(v) = m.remove(&k)
    {
        m.insert(name.to_owned(), v);
    }
    m
}
