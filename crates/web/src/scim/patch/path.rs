//! One PATCH operation on one attribute path: whole attributes, sub-attributes, and
//! values of a multi-valued attribute selected by a value filter.

use serde_json::{Map, Value};
use switchboard_scim::{AttrPath, Filter, PatchPath};

use super::target::{sends_read_only_unchanged, target};
use super::value_filter::{matches, simple_type};
use super::{Attrs, Op, invalid_path};
use crate::scim::discovery::ENTERPRISE_SCHEMA;
use crate::scim::error::ScimError;
use crate::scim::resource::{boolean, get_ci};

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

/// A one-member object `{sub: value}`.
fn single(sub: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(sub.to_owned(), value);
    Value::Object(m)
}

/// Entra's older form names the enterprise extension's manager without its schema.
fn manager_alias(path: &PatchPath, attrs: &Attrs) -> Option<PatchPath> {
    let aliased = path.attr.uri.is_none()
        && path.attr.name.eq_ignore_ascii_case("manager")
        && attrs.exts.iter().any(|(e, _)| *e == ENTERPRISE_SCHEMA);
    aliased.then(|| PatchPath {
        attr: AttrPath {
            uri: Some(ENTERPRISE_SCHEMA.to_owned()),
            ..path.attr.clone()
        },
        ..path.clone()
    })
}

pub(super) fn at_path(
    doc: &mut Value,
    op: Op,
    path: &PatchPath,
    value: Option<Value>,
    attrs: &Attrs,
) -> Result<(), ScimError> {
    let aliased = manager_alias(path, attrs);
    let path = aliased.as_ref().unwrap_or(path);
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
        return at_filtered(holder, name, op, filter, sub.as_deref(), value);
    }
    let slot = Slot {
        holder,
        name,
        multi,
    };
    match (op, &sub) {
        // `remove` of listed values (`"path": "members", "value": [{"value": "…"}]`, as
        // Microsoft Entra removes group members): only those values go.
        (Op::Remove, None) if multi && value.as_ref().is_some_and(|v| !v.is_null()) => {
            slot.remove_listed(value);
        }
        (Op::Remove, None) => {
            slot.holder.remove(name);
        }
        (Op::Remove, Some(s)) => slot.remove_sub(s),
        (_, Some(s)) => slot.set_sub(s, require(value)?),
        (Op::Add, None) if multi => slot.add_values(require(value)?),
        (_, None) => slot.set(require(value)?),
    }
    Ok(())
}

/// The values of a multi-valued attribute that `filter` selects.
fn at_filtered(
    holder: &mut Map<String, Value>,
    name: &'static str,
    op: Op,
    filter: &Filter,
    sub: Option<&str>,
    value: Option<Value>,
) -> Result<(), ScimError> {
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
                match sub {
                    None => {
                        items.remove(i);
                    }
                    Some(s) => {
                        if let Some(o) = items[i].as_object_mut()
                            && let Some(k) = o.keys().find(|k| k.eq_ignore_ascii_case(s)).cloned()
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
                items.push(new_typed_item(name, filter, sub, v)?);
            } else {
                for i in hits {
                    match sub {
                        Some(s) => merge(&mut items[i], single(s, v.clone())),
                        None => merge(&mut items[i], v.clone()),
                    }
                }
            }
        }
    }
    Ok(())
}

/// `emails[type eq "work"].value` on a user without a work email: add one of that type
/// (what Microsoft Entra expects).
fn new_typed_item(
    name: &str,
    filter: &Filter,
    sub: Option<&str>,
    v: Value,
) -> Result<Value, ScimError> {
    let Some(kind) = simple_type(filter) else {
        return Err(ScimError::bad(
            "noTarget",
            format!("no value of {name} matches the filter"),
        ));
    };
    let mut item = Map::new();
    item.insert("type".to_owned(), Value::String(kind));
    let mut item = Value::Object(item);
    match sub {
        Some(s) => {
            if let Some(o) = item.as_object_mut() {
                o.insert(s.to_owned(), v);
            }
        }
        None => merge(&mut item, v),
    }
    Ok(item)
}

/// A whole attribute of the object that holds it.
struct Slot<'a> {
    holder: &'a mut Map<String, Value>,
    name: &'static str,
    multi: bool,
}

impl Slot<'_> {
    /// Removes the listed values (matched by their `value`) from a multi-valued attribute.
    fn remove_listed(self, value: Option<Value>) {
        let gone: Vec<Value> = value.map(as_list).unwrap_or_default();
        let key = |v: &Value| get_ci(v, "value").cloned();
        if let Some(Value::Array(items)) = self.holder.get_mut(self.name) {
            items.retain(|it| !gone.iter().any(|g| key(g).is_some() && key(g) == key(it)));
        }
    }

    /// Removes sub-attribute `s` from the attribute (from each value if multi-valued).
    fn remove_sub(self, s: &str) {
        match self.holder.get_mut(self.name) {
            Some(Value::Array(items)) => {
                for it in items.iter_mut() {
                    if let Some(o) = it.as_object_mut() {
                        o.retain(|k, _| !k.eq_ignore_ascii_case(s));
                    }
                }
            }
            Some(Value::Object(o)) => o.retain(|k, _| !k.eq_ignore_ascii_case(s)),
            _ => {}
        }
    }

    /// Sets sub-attribute `s` (on each value if multi-valued).
    fn set_sub(self, s: &str, v: Value) {
        let slot = self
            .holder
            .entry(self.name.to_owned())
            .or_insert(Value::Null);
        if self.multi {
            if !slot.is_array() || slot.as_array().is_some_and(Vec::is_empty) {
                *slot = Value::Array(vec![Value::Object(Map::new())]);
            }
            if let Some(items) = slot.as_array_mut() {
                for it in items {
                    merge(it, single(s, v.clone()));
                }
            }
        } else {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            merge(slot, single(s, v));
        }
    }

    /// `add` to a multi-valued attribute: new values join; a new primary demotes the others.
    fn add_values(self, v: Value) {
        let new = as_list(v);
        let slot = self
            .holder
            .entry(self.name.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        let Some(items) = slot.as_array_mut() else {
            return;
        };
        let new_primary = new
            .iter()
            .any(|n| boolean(get_ci(n, "primary"), "primary").ok().flatten() == Some(true));
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

    /// `replace` (or `add` to a single-valued attribute) of the whole attribute.
    fn set(self, v: Value) {
        if self.multi {
            self.holder
                .insert(self.name.to_owned(), Value::Array(as_list(v)));
        } else {
            match self.holder.get_mut(self.name) {
                Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                _ => {
                    self.holder.insert(self.name.to_owned(), v);
                }
            }
        }
    }
}
