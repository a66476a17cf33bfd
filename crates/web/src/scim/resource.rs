//! The SCIM User resource ↔ a Switchboard user: rendering (RFC 7643 §4.1 plus the
//! Switchboard extension), reading the fields an identity provider sends, and the
//! `attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5).

use serde_json::{Map, Value, json};
use switchboard_domain::{DepartmentId, IdpAttributes, PhoneKind, User, UserStatus};

use super::discovery::{ENTERPRISE_SCHEMA, EXT_SCHEMA, USER_SCHEMA};
use super::error::ScimError;
use super::location;

/// The weak ETag of a user's version (`W/"3"`).
pub fn etag(u: &User) -> String {
    format!("W/\"{}\"", u.version)
}

fn split_name(name: &str) -> (Option<&str>, Option<&str>) {
    match name.trim().rsplit_once(' ') {
        Some((given, family)) => (Some(given.trim()), Some(family.trim())),
        None => (Some(name.trim()), None),
    }
}

/// A user as a SCIM resource.
pub fn render(u: &User, role: &str, departments: &[(DepartmentId, String)], base: &str) -> Value {
    let name = u.name.as_str();
    // The parts as the identity provider sent them; else derived from the name.
    let (given, family) = if u.idp.given_name.is_some() || u.idp.family_name.is_some() {
        (u.idp.given_name.as_deref(), u.idp.family_name.as_deref())
    } else {
        split_name(name)
    };
    let mut n = json!({ "formatted": name });
    if let Some(g) = given {
        n["givenName"] = json!(g);
    }
    if let Some(f) = family {
        n["familyName"] = json!(f);
    }
    let user_name = u.login().map_or_else(|| u.id.to_string(), str::to_owned);
    let mut v = json!({
        "schemas": [USER_SCHEMA, EXT_SCHEMA],
        "id": u.id.to_string(),
        "userName": user_name,
        "name": n,
        "displayName": name,
        "active": u.status != UserStatus::Inactive,
        EXT_SCHEMA: {
            "extension": u.extension.to_string(),
            "role": role,
            "panelAccess": u.panel_access,
            "departments": departments
                .iter()
                .map(|(id, name)| json!({ "value": id.to_string(), "display": name }))
                .collect::<Vec<_>>(),
        },
        "meta": {
            "resourceType": "User",
            "created": u.created_at.to_string(),
            "lastModified": u.updated_at.to_string(),
            "location": location(base, "Users", &u.id.to_string()),
            "version": etag(u),
        },
    });
    if let Some(x) = &u.external_id {
        v["externalId"] = json!(x);
    }
    if let Some(e) = &u.email {
        let primary = u.idp.email_primary.unwrap_or(true);
        v["emails"] = json!([{ "value": e.as_str(), "type": "work", "primary": primary }]);
    }
    let mut phones = Vec::new();
    let numbers = [
        (&u.mobile, "mobile", PhoneKind::Mobile),
        (
            &u.alternate_mobile,
            if u.idp.alternate_work {
                "work"
            } else {
                "other"
            },
            PhoneKind::Alternate,
        ),
    ];
    for (number, kind, which) in numbers {
        if let Some(m) = number {
            let mut p = json!({ "value": m.as_str(), "type": kind });
            if let Some(primary) = u.idp.primary_phone {
                p["primary"] = json!(primary == which);
            }
            phones.push(p);
        }
    }
    if !phones.is_empty() {
        v["phoneNumbers"] = Value::Array(phones);
    }
    let a = &u.idp.attributes;
    for (key, value) in [
        ("title", &a.title),
        ("preferredLanguage", &a.preferred_language),
        ("locale", &a.locale),
        ("timezone", &a.timezone),
    ] {
        if let Some(x) = value {
            v[key] = json!(x);
        }
    }
    let mut enterprise = Map::new();
    if let Some(n) = &a.employee_number {
        enterprise.insert("employeeNumber".to_owned(), json!(n));
    }
    if let Some(d) = &a.department {
        enterprise.insert("department".to_owned(), json!(d));
    }
    if let Some(m) = u.idp.manager {
        let id = m.to_string();
        enterprise.insert(
            "manager".to_owned(),
            json!({ "value": id, "$ref": location(base, "Users", &id) }),
        );
    }
    if !enterprise.is_empty() {
        v[ENTERPRISE_SCHEMA] = Value::Object(enterprise);
        if let Some(list) = v["schemas"].as_array_mut() {
            list.push(json!(ENTERPRISE_SCHEMA));
        }
    }
    v
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

/// The fields Switchboard keeps, as found in a User resource document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub formatted: Option<String>,
    pub given: Option<String>,
    pub family: Option<String>,
    pub email: Option<String>,
    /// Whether the document marks that email primary.
    pub email_primary: Option<bool>,
    /// Every email value listed, in order, with its `primary` mark.
    pub emails: Vec<(String, Option<bool>)>,
    pub mobile: Option<String>,
    pub alternate_mobile: Option<String>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    pub extension: Option<String>,
    pub role: Option<String>,
    pub panel_access: Option<bool>,
    /// Which number the document marks primary.
    pub primary_phone: Option<PhoneKind>,
    /// Whether the alternate mobile is typed `work`.
    pub alternate_work: bool,
    /// `title`, `preferredLanguage`, `locale` and the enterprise extension's
    /// `employeeNumber` and `department`.
    pub attributes: IdpAttributes,
    /// The enterprise extension's `manager`, as the user id it names.
    pub manager: Option<String>,
}

fn values(doc: &Value, attr: &str) -> Result<Vec<Value>, ScimError> {
    match get_ci(doc, attr) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(o @ Value::Object(_)) => Ok(vec![o.clone()]),
        Some(_) => Err(ScimError::bad(
            "invalidValue",
            format!("{attr} must be a list of values"),
        )),
    }
}

fn phone(v: &Value) -> Result<Option<String>, ScimError> {
    Ok(text(get_ci(v, "value"), "phoneNumbers.value")?
        .map(|s| s.strip_prefix("tel:").unwrap_or(&s).to_owned()))
}

/// Reads the fields of a User document.
pub fn fields(doc: &Value) -> Result<Fields, ScimError> {
    let name = get_ci(doc, "name");
    let sub = |k: &str| name.and_then(|n| get_ci(n, k));
    let emails = values(doc, "emails")?;
    let email = emails
        .iter()
        .find(|e| boolean(get_ci(e, "primary"), "primary").ok().flatten() == Some(true))
        .or_else(|| {
            emails.iter().find(|e| {
                get_ci(e, "type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("work"))
            })
        })
        .or(emails.first());
    let (email, email_primary) = match email {
        Some(e) => (
            text(get_ci(e, "value"), "emails.value")?,
            boolean(get_ci(e, "primary"), "emails.primary")?,
        ),
        None => (None, None),
    };
    let mut listed = Vec::with_capacity(emails.len());
    for e in &emails {
        if let Some(v) = text(get_ci(e, "value"), "emails.value")? {
            listed.push((v, boolean(get_ci(e, "primary"), "emails.primary")?));
        }
    }
    let phones = values(doc, "phoneNumbers")?;
    let of_type = |kind: &str| {
        phones.iter().find(|p| {
            get_ci(p, "type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .eq_ignore_ascii_case(kind)
        })
    };
    let mobile_item = of_type("mobile");
    let mobile = mobile_item.map(phone).transpose()?.flatten();
    // The alternate mobile: a work number (what Entra maps), else an other or untyped one.
    // Home, fax and pager numbers are not kept.
    let alternate_item = of_type("work")
        .or_else(|| of_type("other"))
        .or_else(|| of_type(""));
    let alternate_mobile = alternate_item.map(phone).transpose()?.flatten();
    let alternate_work = alternate_mobile.is_some()
        && alternate_item
            .and_then(|p| get_ci(p, "type"))
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("work"));
    let is_primary = |p: Option<&Value>| -> Result<Option<bool>, ScimError> {
        match p {
            Some(p) => boolean(get_ci(p, "primary"), "phoneNumbers.primary"),
            None => Ok(None),
        }
    };
    let (mobile_primary, alternate_primary) =
        (is_primary(mobile_item)?, is_primary(alternate_item)?);
    let primary_phone = if mobile.is_some() && mobile_primary == Some(true) {
        Some(PhoneKind::Mobile)
    } else if alternate_mobile.is_some() && alternate_primary == Some(true) {
        Some(PhoneKind::Alternate)
    } else if mobile_primary.is_some() || alternate_primary.is_some() {
        Some(PhoneKind::Neither)
    } else {
        None
    };
    let part = |k: &str, what: &str| -> Result<Option<String>, ScimError> {
        let v = text(sub(k), what)?;
        match v {
            Some(s) if s.chars().count() > 100 => Err(ScimError::bad(
                "invalidValue",
                format!("{what} must be at most 100 characters"),
            )),
            other => Ok(other),
        }
    };
    let ext = get_ci(doc, EXT_SCHEMA);
    let ext_attr = |k: &str| ext.and_then(|e| get_ci(e, k));
    let enterprise = get_ci(doc, ENTERPRISE_SCHEMA);
    let ent_attr = |k: &str| enterprise.and_then(|e| get_ci(e, k));
    let attributes = IdpAttributes {
        title: text(get_ci(doc, "title"), "title")?,
        preferred_language: text(get_ci(doc, "preferredLanguage"), "preferredLanguage")?,
        locale: text(get_ci(doc, "locale"), "locale")?,
        employee_number: text(ent_attr("employeeNumber"), "employeeNumber")?,
        department: text(ent_attr("department"), "department")?,
        timezone: text(get_ci(doc, "timezone"), "timezone")?,
    };
    attributes
        .check()
        .map_err(|e| ScimError::bad("invalidValue", format!("{}: {}", e.field, e.message)))?;
    Ok(Fields {
        user_name: text(get_ci(doc, "userName"), "userName")?,
        display_name: text(get_ci(doc, "displayName"), "displayName")?,
        formatted: text(sub("formatted"), "name.formatted")?,
        given: part("givenName", "name.givenName")?,
        family: part("familyName", "name.familyName")?,
        email,
        email_primary,
        emails: listed,
        mobile,
        alternate_mobile,
        active: boolean(get_ci(doc, "active"), "active")?,
        external_id: text(get_ci(doc, "externalId"), "externalId")?,
        extension: text(ext_attr("extension"), "extension")?,
        role: text(ext_attr("role"), "role")?,
        panel_access: boolean(ext_attr("panelAccess"), "panelAccess")?,
        primary_phone,
        alternate_work,
        attributes,
        manager: manager_id(ent_attr("manager"))?,
    })
}

/// The user id a `manager` value names, in any form identity providers send it: the
/// id itself, `{"value": id}` (RFC 7643 §4.3), or a list of one such object (Entra's older
/// PATCH form).
fn manager_id(v: Option<&Value>) -> Result<Option<String>, ScimError> {
    match v {
        None => Ok(None),
        Some(Value::Array(items)) => match items.as_slice() {
            [] => Ok(None),
            [one] => manager_id(Some(one)),
            _ => Err(ScimError::bad(
                "invalidValue",
                "manager names one user, not a list",
            )),
        },
        Some(o @ Value::Object(_)) => text(get_ci(o, "value"), "manager.value"),
        Some(other) => text(Some(other), "manager"),
    }
}

impl Fields {
    /// The name this document gives, preferring what changed since `old`: displayName,
    /// then name.formatted, then givenName + familyName.
    pub fn name_since(&self, old: &Fields) -> Option<String> {
        if self.display_name.is_some() && self.display_name != old.display_name {
            return self.display_name.clone();
        }
        if self.formatted.is_some() && self.formatted != old.formatted {
            return self.formatted.clone();
        }
        if self.given != old.given || self.family != old.family {
            let joined: Vec<&str> = [self.given.as_deref(), self.family.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if !joined.is_empty() {
                return Some(joined.join(" "));
            }
        }
        None
    }

    /// The email this document gives when it differs from `old`: the primary (else work,
    /// else first) of `emails`, independent of `userName`. `Some(None)` removes the email.
    pub fn email_since(&self, old: &Fields) -> Option<Option<String>> {
        let (email, _) = self.email_after(old);
        if email != old.email {
            return Some(email);
        }
        None
    }

    /// The email kept after a PATCH turned `old` into this document, and its `primary`
    /// mark: Switchboard keeps one address, so a newly listed one wins over those already
    /// held; otherwise the primary (else work, else first) one.
    pub fn email_after(&self, old: &Fields) -> (Option<String>, Option<bool>) {
        let added = self
            .emails
            .iter()
            .find(|(v, _)| !old.emails.iter().any(|(o, _)| o.eq_ignore_ascii_case(v)));
        match added {
            Some((v, p)) if self.emails != old.emails => (Some(v.clone()), *p),
            _ => (self.email.clone(), self.email_primary),
        }
    }
}

/// Applies `attributes` (only these, plus `id` and `schemas`) or `excludedAttributes`
/// (all but these) to a rendered resource.
pub fn project(
    doc: &mut Value,
    attributes: Option<&str>,
    excluded: Option<&str>,
) -> Result<(), ScimError> {
    let parse = |list: &str| -> Result<Vec<switchboard_scim::PatchPath>, ScimError> {
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
    };
    let Some(obj) = doc.as_object_mut() else {
        return Ok(());
    };
    let container_of = |uri: Option<&str>| -> Option<String> {
        uri.filter(|u| u.eq_ignore_ascii_case(EXT_SCHEMA))
            .map(|_| EXT_SCHEMA.to_owned())
    };
    if let Some(list) = attributes.filter(|l| !l.trim().is_empty()) {
        let wanted = parse(list)?;
        let mut kept = Map::new();
        for key in ["schemas", "id"] {
            if let Some(v) = obj.get(key) {
                kept.insert(key.to_owned(), v.clone());
            }
        }
        for p in &wanted {
            let container = container_of(p.attr.uri.as_deref());
            let (src, dst): (Option<&Map<String, Value>>, &mut Map<String, Value>) =
                match &container {
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
                    None => (Some(&*obj), &mut kept),
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
        *obj = kept;
        return Ok(());
    }
    if let Some(list) = excluded.filter(|l| !l.trim().is_empty()) {
        for p in parse(list)? {
            if p.attr.to_string().eq_ignore_ascii_case(EXT_SCHEMA) {
                obj.remove(EXT_SCHEMA);
                continue;
            }
            let target = match container_of(p.attr.uri.as_deref()) {
                Some(c) => match obj.get_mut(&c).and_then(Value::as_object_mut) {
                    Some(m) => m,
                    None => continue,
                },
                None => &mut *obj,
            };
            let Some(key) = target
                .keys()
                .find(|k| k.eq_ignore_ascii_case(&p.attr.name))
                .cloned()
            else {
                continue;
            };
            if key == "id" || key == "schemas" {
                continue;
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
    }
    Ok(())
}
