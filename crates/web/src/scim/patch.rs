//! PATCH (RFC 7644 §3.5.2) applied to a rendered User document: `add`, `replace` and
//! `remove` (operation names in any case), with or without `path`, on simple, complex and
//! multi-valued attributes, value filters such as `emails[type eq "work"].value`, and the
//! Switchboard extension. The caller then reads the changed fields from the result.

use serde_json::{Map, Value};
use switchboard_scim::{AttrPath, CompValue, CompareOp, Filter, PatchPath, parse_path};

use super::discovery::{ENTERPRISE_SCHEMA, EXT_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA};
use super::error::ScimError;

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
    let ops = super::resource::get_ci(body, "Operations")
        .and_then(Value::as_array)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ScimError::bad("invalidSyntax", "Operations must be a non-empty list"))?;
    for (i, op) in ops.iter().enumerate() {
        let name = super::resource::get_ci(op, "op")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = match name.to_ascii_lowercase().as_str() {
            "add" => Op::Add,
            "replace" => Op::Replace,
            "remove" => Op::Remove,
            _ => {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("Operations[{i}].op {name:?} is not add, replace or remove"),
                ));
            }
        };
        let value = super::resource::get_ci(op, "value").cloned();
        let path = super::resource::get_ci(op, "path")
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
                continue;
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
                at_path(doc, kind, &path, value, attrs)?;
            }
            None if kind == Op::Remove => {
                return Err(ScimError::bad("noTarget", "remove needs a path"));
            }
            None => {
                let Some(Value::Object(m)) = value else {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "an operation without a path needs an object value",
                    ));
                };
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
                            let path = parse_path(&format!("{ext}:{k2}"))
                                .map_err(|e| ScimError::path(&e))?;
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
            }
        }
    }
    Ok(())
}

/// Whether `op` sets a core read-only attribute (such as `id`) to the value it has.
fn sends_read_only_unchanged(
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
    super::resource::get_ci(doc, &attr.name) == Some(value)
}

type Target<'a> = Option<(&'a mut Map<String, Value>, &'static str)>;

/// The object holding the path's attribute (the document or the extension) and the
/// attribute's canonical name; `None` for attributes that are accepted and ignored.
fn target<'a>(doc: &'a mut Value, attr: &AttrPath, attrs: &Attrs) -> Result<Target<'a>, ScimError> {
    let kind = attrs.kind;
    let ext = match attr.uri.as_deref() {
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
    };
    if ext.is_none()
        && attrs
            .ignored
            .iter()
            .any(|i| i.eq_ignore_ascii_case(&attr.name))
    {
        return Ok(None);
    }
    let known: &[&'static str] = ext.map_or(attrs.core, |(_, names)| names);
    let Some(name) = known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&attr.name))
        .copied()
    else {
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
        return Err(invalid_path(format!(
            "{attr} is not an attribute of {kind}"
        )));
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

fn as_list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => vec![other],
    }
}

fn require(value: Option<Value>) -> Result<Value, ScimError> {
    value.ok_or_else(|| ScimError::bad("invalidValue", "add and replace need a value"))
}

fn merge(into: &mut Value, from: Value) {
    match (into.as_object_mut(), from) {
        (Some(o), Value::Object(m)) => {
            for (k, v) in m {
                let key = o.keys().find(|x| x.eq_ignore_ascii_case(&k)).cloned();
                o.insert(key.unwrap_or(k), v);
            }
        }
        (_, from) => *into = from,
    }
}

fn at_path(
    doc: &mut Value,
    op: Op,
    path: &PatchPath,
    value: Option<Value>,
    attrs: &Attrs,
) -> Result<(), ScimError> {
    // Entra's older form names the enterprise extension's manager without its schema.
    let aliased;
    let path = if path.attr.uri.is_none()
        && path.attr.name.eq_ignore_ascii_case("manager")
        && attrs.exts.iter().any(|(e, _)| *e == ENTERPRISE_SCHEMA)
    {
        aliased = PatchPath {
            attr: AttrPath {
                uri: Some(ENTERPRISE_SCHEMA.to_owned()),
                ..path.attr.clone()
            },
            ..path.clone()
        };
        &aliased
    } else {
        path
    };
    if sends_read_only_unchanged(doc, op, path, value.as_ref(), attrs) {
        // RFC 7644 §3.5.2: read-only attributes are ignored when sent as they are (Okta's
        // group push sends the group's own id back in every replace).
        return Ok(());
    }
    let Some((holder, name)) = target(doc, &path.attr, attrs)? else {
        return Ok(());
    };
    let multi = attrs.multi.contains(&name);
    let sub = path.attr.sub.clone().or_else(|| path.sub.clone());
    if let Some(filter) = &path.filter {
        if !multi {
            return Err(invalid_path(format!(
                "{name} is not multi-valued; it cannot take a [filter]"
            )));
        }
        let list = holder
            .entry(name.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !list.is_array() {
            *list = Value::Array(Vec::new());
        }
        let Some(items) = list.as_array_mut() else {
            return Ok(());
        };
        let hits: Vec<usize> = (0..items.len())
            .filter(|i| matches(&items[*i], filter))
            .collect();
        match op {
            Op::Remove => {
                for i in hits.into_iter().rev() {
                    match &sub {
                        None => {
                            items.remove(i);
                        }
                        Some(s) => {
                            if let Some(o) = items[i].as_object_mut()
                                && let Some(k) =
                                    o.keys().find(|k| k.eq_ignore_ascii_case(s)).cloned()
                            {
                                o.remove(&k);
                            }
                        }
                    }
                }
            }
            Op::Add | Op::Replace => {
                let v = require(value)?;
                if hits.is_empty() {
                    // `emails[type eq "work"].value` on a user without a work email: add one
                    // of that type (what Microsoft Entra expects).
                    let Some(kind) = simple_type(filter) else {
                        return Err(ScimError::bad(
                            "noTarget",
                            format!("no value of {name} matches the filter"),
                        ));
                    };
                    let mut item = Map::new();
                    item.insert("type".to_owned(), Value::String(kind));
                    let mut item = Value::Object(item);
                    match &sub {
                        Some(s) => {
                            if let Some(o) = item.as_object_mut() {
                                o.insert(s.clone(), v);
                            }
                        }
                        None => merge(&mut item, v),
                    }
                    items.push(item);
                } else {
                    for i in hits {
                        match &sub {
                            Some(s) => {
                                let mut m = Map::new();
                                m.insert(s.clone(), v.clone());
                                merge(&mut items[i], Value::Object(m));
                            }
                            None => merge(&mut items[i], v.clone()),
                        }
                    }
                }
            }
        }
        return Ok(());
    }
    match (op, &sub) {
        // `remove` of listed values (`"path": "members", "value": [{"value": "…"}]`, as
        // Microsoft Entra removes group members): only those values go.
        (Op::Remove, None) if multi && value.as_ref().is_some_and(|v| !v.is_null()) => {
            let gone: Vec<Value> = value.map(as_list).unwrap_or_default();
            let key = |v: &Value| super::resource::get_ci(v, "value").cloned();
            if let Some(Value::Array(items)) = holder.get_mut(name) {
                items.retain(|it| !gone.iter().any(|g| key(g).is_some() && key(g) == key(it)));
            }
        }
        (Op::Remove, None) => {
            holder.remove(name);
        }
        (Op::Remove, Some(s)) => match holder.get_mut(name) {
            Some(Value::Array(items)) => {
                for it in items.iter_mut() {
                    if let Some(o) = it.as_object_mut() {
                        o.retain(|k, _| !k.eq_ignore_ascii_case(s));
                    }
                }
            }
            Some(Value::Object(o)) => o.retain(|k, _| !k.eq_ignore_ascii_case(s)),
            _ => {}
        },
        (_, Some(s)) => {
            let v = require(value)?;
            let slot = holder.entry(name.to_owned()).or_insert(Value::Null);
            if multi {
                if !slot.is_array() || slot.as_array().is_some_and(Vec::is_empty) {
                    *slot = Value::Array(vec![Value::Object(Map::new())]);
                }
                if let Some(items) = slot.as_array_mut() {
                    for it in items {
                        let mut m = Map::new();
                        m.insert(s.clone(), v.clone());
                        merge(it, Value::Object(m));
                    }
                }
            } else {
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                let mut m = Map::new();
                m.insert(s.clone(), v);
                merge(slot, Value::Object(m));
            }
        }
        (Op::Add, None) if multi => {
            let v = require(value)?;
            let new = as_list(v);
            let slot = holder
                .entry(name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Some(items) = slot.as_array_mut() {
                let new_primary = new.iter().any(|n| {
                    super::resource::boolean(super::resource::get_ci(n, "primary"), "primary")
                        .ok()
                        .flatten()
                        == Some(true)
                });
                if new_primary {
                    for it in items.iter_mut() {
                        if let Some(o) = it.as_object_mut() {
                            o.retain(|k, _| !k.eq_ignore_ascii_case("primary"));
                        }
                    }
                }
                for n in new {
                    if !items.contains(&n) {
                        items.push(n);
                    }
                }
            }
        }
        (_, None) => {
            let v = require(value)?;
            if multi {
                holder.insert(name.to_owned(), Value::Array(as_list(v)));
            } else {
                match holder.get_mut(name) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        holder.insert(name.to_owned(), v);
                    }
                }
            }
        }
    }
    Ok(())
}

/// The type named by a filter of the form `type eq "work"`.
fn simple_type(f: &Filter) -> Option<String> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(s),
        } if path.is("type", None) => Some(s.clone()),
        _ => None,
    }
}

/// Whether one value of a multi-valued attribute matches a value filter.
pub fn matches(item: &Value, f: &Filter) -> bool {
    match f {
        Filter::And(a, b) => matches(item, a) && matches(item, b),
        Filter::Or(a, b) => matches(item, a) || matches(item, b),
        Filter::Not(a) => !matches(item, a),
        Filter::Present(p) => super::resource::get_ci(item, &p.name).is_some(),
        Filter::ValuePath { .. } => false,
        Filter::Compare { path, op, value } => {
            let actual = super::resource::get_ci(item, &path.name);
            match (actual, value) {
                (None, CompValue::Null) => *op == CompareOp::Eq,
                (None, _) => *op == CompareOp::Ne,
                (Some(_), CompValue::Null) => *op == CompareOp::Ne,
                (Some(Value::Bool(a)), CompValue::Bool(b)) => match op {
                    CompareOp::Eq => a == b,
                    CompareOp::Ne => a != b,
                    _ => false,
                },
                (Some(Value::String(a)), CompValue::Str(b)) => {
                    let (a, b) = (a.to_lowercase(), b.to_lowercase());
                    match op {
                        CompareOp::Eq => a == b,
                        CompareOp::Ne => a != b,
                        CompareOp::Co => a.contains(&b),
                        CompareOp::Sw => a.starts_with(&b),
                        CompareOp::Ew => a.ends_with(&b),
                        CompareOp::Gt => a > b,
                        CompareOp::Ge => a >= b,
                        CompareOp::Lt => a < b,
                        CompareOp::Le => a <= b,
                    }
                }
                (Some(Value::String(a)), CompValue::Bool(b)) => {
                    let same = a.eq_ignore_ascii_case(if *b { "true" } else { "false" });
                    match op {
                        CompareOp::Eq => same,
                        CompareOp::Ne => !same,
                        _ => false,
                    }
                }
                _ => false,
            }
        }
    }
}
