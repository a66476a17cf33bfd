//! Reading the fields Switchboard keeps from a User document an identity provider sends.

use serde_json::Value;
use switchboard_domain::{IdpAttributes, PhoneKind};

use super::{boolean, get_ci, text};
use crate::scim::discovery::{ENTERPRISE_SCHEMA, EXT_SCHEMA};
use crate::scim::error::ScimError;

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

/// What a document's `emails` say.
struct Emails {
    email: Option<String>,
    email_primary: Option<bool>,
    listed: Vec<(String, Option<bool>)>,
}

/// The email kept (the primary, else work, else first) and every email listed.
fn emails_of(doc: &Value) -> Result<Emails, ScimError> {
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
    Ok(Emails {
        email,
        email_primary,
        listed,
    })
}

/// What a document's `phoneNumbers` say.
struct Phones {
    mobile: Option<String>,
    alternate_mobile: Option<String>,
    alternate_work: bool,
    primary_phone: Option<PhoneKind>,
}

/// The mobile, the alternate mobile, and which of them is primary.
fn phones_of(doc: &Value) -> Result<Phones, ScimError> {
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
    Ok(Phones {
        mobile,
        alternate_mobile,
        alternate_work,
        primary_phone,
    })
}

/// `title`, `preferredLanguage`, `locale`, `timezone` and the enterprise extension's
/// `employeeNumber` and `department`, checked.
fn attributes_of(doc: &Value) -> Result<IdpAttributes, ScimError> {
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
    Ok(attributes)
}

/// Reads the fields of a User document.
pub fn fields(doc: &Value) -> Result<Fields, ScimError> {
    let name = get_ci(doc, "name");
    let sub = |k: &str| name.and_then(|n| get_ci(n, k));
    let emails = emails_of(doc)?;
    let phones = phones_of(doc)?;
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
    let attributes = attributes_of(doc)?;
    Ok(Fields {
        user_name: text(get_ci(doc, "userName"), "userName")?,
        display_name: text(get_ci(doc, "displayName"), "displayName")?,
        formatted: text(sub("formatted"), "name.formatted")?,
        given: part("givenName", "name.givenName")?,
        family: part("familyName", "name.familyName")?,
        email: emails.email,
        email_primary: emails.email_primary,
        emails: emails.listed,
        mobile: phones.mobile,
        alternate_mobile: phones.alternate_mobile,
        active: boolean(get_ci(doc, "active"), "active")?,
        external_id: text(get_ci(doc, "externalId"), "externalId")?,
        extension: text(ext_attr("extension"), "extension")?,
        role: text(ext_attr("role"), "role")?,
        panel_access: boolean(ext_attr("panelAccess"), "panelAccess")?,
        primary_phone: phones.primary_phone,
        alternate_work: phones.alternate_work,
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
