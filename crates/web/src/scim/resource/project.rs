//! The `attributes` / `excludedAttributes` projection of a rendered resource
//! (RFC 7644 §3.4.2.5).

use serde_json::{Map, Value};
use switchboard_scim::PatchPath;

use super::get_ci;
use crate::scim::discovery::EXT_SCHEMA;
use crate::scim::error::ScimError;

/// Applies `attributes` (only these, plus `id` and `schemas`) or `excludedAttributes`
/// (all but these) to a rendered resource.
pub fn project(
    doc: &mut Value,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Result<(), ScimError> {
    let Some(obj) = doc.as_object_mut() else {
        return Ok(());
    };
    if let Some(list) = attributes.filter(|l| !l.trim().is_empty()) {
        let wanted = parse(list)?;
        *obj = keep_only(obj, &wanted);
        return Ok(());
    }
    if let Some(list) = excluded.filter(|l| !l.trim().is_empty()) {
        for p in parse(list)? {
            exclude(obj, &p);
        }
    }
    Ok(())
}

/// A comma-separated list of attribute paths.
fn parse(list: &str) -> Result<Vec<PatchPath>, ScimError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|p| {
            switchboard_scim::parse_path(p).map_err(|e| {
                ScimError::bad(
                    "invalidValue",
                    format!("{p:?} is not an attribute path: {e}"),
                )
            })
        })
        .collect()
}

/// The member holding the attributes of the schema `uri` names, when that is not the
/// resource itself.
fn container_of(uri: Option<&str>) -> Option<String> {
    uri.filter(|u| u.eq_ignore_ascii_case(EXT_SCHEMA))
        .map(|_| EXT_SCHEMA.to_owned())
}

/// The resource with only the `wanted` attributes, plus `schemas` and `id`.
fn keep_only(obj: &Map<String, Value>, wanted: &[PatchPath]) -> Map<String, Value> {
    let mut kept = Map::new();
    for key in ["schemas", "id"] {
        if let Some(v) = obj.get(key) {
            kept.insert(key.to_owned(), v.clone());
        }
    }
    for p in wanted {
        let container = container_of(p.attr.uri.as_deref());
        let (src, dst): (Option<&Map<String, Value>>, &mut Map<String, Value>) = match &container {
            Some(c) => {
                let src = obj.get(c).and_then(Value::as_object);
                let dst = kept
                    .entry(c.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                match dst.as_object_mut() {
                    Some(d) => (src, d),
                    None => continue,
                }
            }
            None => (Some(obj), &mut kept),
        };
        let Some(src) = src else { continue };
        let Some((k, v)) = src
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&p.attr.name))
        else {
            // A URN alone names the whole extension.
            if let Some(v) = obj.get(&format!("{}", p.attr)) {
                kept.insert(p.attr.to_string(), v.clone());
            }
            continue;
        };
        match &p.attr.sub {
            None => {
                dst.insert(k.clone(), v.clone());
            }
            Some(s) => {
                let part = dst
                    .entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let (Some(part), Some(found)) = (part.as_object_mut(), get_ci(v, s)) {
                    part.insert(s.clone(), found.clone());
                }
            }
        }
    }
    if let Some(Value::Object(e)) = kept.get(EXT_SCHEMA)
        && e.is_empty()
    {
        kept.remove(EXT_SCHEMA);
    }
    kept
}

/// Removes the attribute `p` names, except `id` and `schemas`.
fn exclude(obj: &mut Map<String, Value>, p: &PatchPath) {
    if p.attr.to_string().eq_ignore_ascii_case(EXT_SCHEMA) {
        obj.remove(EXT_SCHEMA);
        return;
    }
    let target = match container_of(p.attr.uri.as_deref()) {
        Some(c) => match obj.get_mut(&c).and_then(Value::as_object_mut) {
            Some(m) => m,
            None => return,
        },
        None => obj,
    };
    let Some(key) = target
        .keys()
        .find(|k| k.eq_ignore_ascii_case(&p.attr.name))
        .cloned()
    else {
        return;
    };
    if key == "id" || key == "schemas" {
        return;
    }
    match &p.attr.sub {
        None => {
            target.remove(&key);
        }
        Some(s) => {
            if let Some(m) = target.get_mut(&key).and_then(Value::as_object_mut)
                && let Some(k) = m.keys().find(|k| k.eq_ignore_ascii_case(s)).cloned()
            {
                m.remove(&k);
            }
        }
    }
}
