//! Rendering a Switchboard user as a SCIM User resource (RFC 7643 §4.1 plus the
//! Switchboard extension and the enterprise User extension).

use serde_json::{Map, Value, json};
use switchboard_domain::{DepartmentId, PhoneKind, User, UserStatus};

use super::etag;
use crate::scim::discovery::{ENTERPRISE_SCHEMA, EXT_SCHEMA, USER_SCHEMA};
use crate::scim::location;

fn split_name(name: &str) -> (Option<&str>, Option<&str>) {
    match name.trim().rsplit_once(' ') {
        Some((given, family)) => (Some(given.trim()), Some(family.trim())),
        None => (Some(name.trim()), None),
    }
}

/// A user as a SCIM resource.
pub fn render(u: &User, role: &str, departments: &[(DepartmentId, String)], base: &str) -> Value {
    let name = u.name.as_str();
    let user_name = u.login().map_or_else(|| u.id.to_string(), str::to_owned);
    let mut v = json!({
        "schemas": [USER_SCHEMA, EXT_SCHEMA],
        "id": u.id.to_string(),
        "userName": user_name,
        "name": name_of(u),
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
    let phones = phone_numbers(u);
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
    let enterprise = enterprise(u, base);
    if !enterprise.is_empty() {
        v[ENTERPRISE_SCHEMA] = Value::Object(enterprise);
        if let Some(list) = v["schemas"].as_array_mut() {
            list.push(json!(ENTERPRISE_SCHEMA));
        }
    }
    v
}

/// The complex `name` attribute.
fn name_of(u: &User) -> Value {
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
    n
}

/// The `phoneNumbers` values: the mobile and the alternate mobile.
fn phone_numbers(u: &User) -> Vec<Value> {
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
    phones
}

/// The enterprise User extension's members that the user has.
fn enterprise(u: &User, base: &str) -> Map<String, Value> {
    let a = &u.idp.attributes;
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
    enterprise
}
