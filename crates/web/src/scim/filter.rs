//! Translates a parsed SCIM filter (RFC 7644 §3.4.2.2) into a condition the store turns
//! into SQL, and `sortBy` into a sort order. Attributes that cannot be searched answer
//! `invalidFilter` naming what can.

use switchboard_domain::search::{Cond, MatchOp, MatchValue, UserCond, UserField, UserSort};
use switchboard_domain::search::{DepartmentCond, DepartmentField};
use switchboard_scim::{AttrPath, CompValue, CompareOp, Filter};

use super::discovery::{EXT_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use super::error::ScimError;

const SEARCHABLE: &str = "id, externalId, userName, displayName, name.formatted, emails, \
     emails.value, emails.type, phoneNumbers, phoneNumbers.value, phoneNumbers.type, active, \
     meta.created, meta.lastModified and the extension's extension";

fn invalid(msg: impl Into<String>) -> ScimError {
    ScimError::bad("invalidFilter", msg)
}

fn unsupported(path: &AttrPath) -> ScimError {
    invalid(format!(
        "filtering on {path} is not supported; filter on {SEARCHABLE}"
    ))
}

/// Which schema a path's URI names: `None` for core User (or no URI), `Some(true)` for
/// the Switchboard extension; other URIs are refused.
fn schema_of(path: &AttrPath) -> Result<bool, ScimError> {
    match path.uri.as_deref() {
        None => Ok(false),
        Some(u) if u.eq_ignore_ascii_case(USER_SCHEMA) => Ok(false),
        Some(u) if u.eq_ignore_ascii_case(EXT_SCHEMA) => Ok(true),
        Some(_) => Err(unsupported(path)),
    }
}

fn match_op(op: CompareOp) -> MatchOp {
    match op {
        CompareOp::Eq => MatchOp::Eq,
        CompareOp::Ne => MatchOp::Ne,
        CompareOp::Co => MatchOp::Contains,
        CompareOp::Sw => MatchOp::StartsWith,
        CompareOp::Ew => MatchOp::EndsWith,
        CompareOp::Gt => MatchOp::Gt,
        CompareOp::Ge => MatchOp::Ge,
        CompareOp::Lt => MatchOp::Lt,
        CompareOp::Le => MatchOp::Le,
    }
}

fn text_cond<F: Copy>(
    path: &AttrPath,
    field: F,
    op: CompareOp,
    value: &CompValue,
    case_insensitive: bool,
) -> Result<Cond<F>, ScimError> {
    match value {
        // No stored value holds a control character (and PostgreSQL cannot be asked about
        // NUL): such a value equals nothing.
        CompValue::Str(s) if switchboard_domain::has_control(s) => Ok(if op == CompareOp::Ne {
            Cond::All
        } else {
            Cond::Nothing
        }),
        CompValue::Str(s) => Ok(Cond::Match {
            field,
            op: match_op(op),
            value: MatchValue::Text {
                value: s.clone(),
                case_insensitive,
            },
        }),
        CompValue::Null => null_cond(path, field, op),
        _ => Err(invalid(format!("{path} is compared with a \"string\""))),
    }
}

fn null_cond<F: Copy>(path: &AttrPath, field: F, op: CompareOp) -> Result<Cond<F>, ScimError> {
    match op {
        CompareOp::Eq => Ok(Cond::Not(Box::new(Cond::Present(field)))),
        CompareOp::Ne => Ok(Cond::Present(field)),
        _ => Err(invalid(format!(
            "{path} can be compared with null only by eq or ne"
        ))),
    }
}

fn time_cond(
    path: &AttrPath,
    field: UserField,
    op: CompareOp,
    value: &CompValue,
) -> Result<UserCond, ScimError> {
    let CompValue::Str(s) = value else {
        return Err(invalid(format!("{path} is compared with a \"date-time\"")));
    };
    let t: jiff::Timestamp = s.parse().map_err(|_| {
        invalid(format!(
            "{s:?} is not a date-time such as 2026-01-31T09:00:00Z"
        ))
    })?;
    if matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew) {
        return Err(invalid(format!(
            "{path} is compared with eq, ne, gt, ge, lt or le"
        )));
    }
    Ok(UserCond::Match {
        field,
        op: match_op(op),
        value: MatchValue::Int(t.as_microsecond()),
    })
}

fn static_text(
    actual: Option<&str>,
    op: CompareOp,
    value: &CompValue,
) -> Result<UserCond, ScimError> {
    let holds = match (actual, value) {
        (None, CompValue::Null) => op == CompareOp::Eq,
        (Some(_), CompValue::Null) => op == CompareOp::Ne,
        (None, _) => op == CompareOp::Ne,
        (Some(a), CompValue::Str(v)) => {
            let (a, v) = (a.to_lowercase(), v.to_lowercase());
            match op {
                CompareOp::Eq => a == v,
                CompareOp::Ne => a != v,
                CompareOp::Co => a.contains(&v),
                CompareOp::Sw => a.starts_with(&v),
                CompareOp::Ew => a.ends_with(&v),
                CompareOp::Gt => a > v,
                CompareOp::Ge => a >= v,
                CompareOp::Lt => a < v,
                CompareOp::Le => a <= v,
            }
        }
        (Some(a), CompValue::Bool(b)) => {
            let same = a.eq_ignore_ascii_case(if *b { "true" } else { "false" });
            match op {
                CompareOp::Eq => same,
                CompareOp::Ne => !same,
                _ => return Err(invalid("booleans are compared with eq or ne")),
            }
        }
        (Some(_), CompValue::Num(_)) => return Err(invalid("this attribute is not a number")),
    };
    Ok(if holds {
        UserCond::All
    } else {
        UserCond::Nothing
    })
}

/// One value of a multi-valued attribute as stored: its column and fixed type/primary.
struct Element {
    column: UserField,
    kind: &'static str,
    primary: bool,
}

fn elements(attr: &str) -> Option<Vec<Element>> {
    if attr.eq_ignore_ascii_case("emails") {
        Some(vec![Element {
            column: UserField::Email,
            kind: "work",
            primary: true,
        }])
    } else if attr.eq_ignore_ascii_case("phoneNumbers") {
        Some(vec![
            Element {
                column: UserField::Mobile,
                kind: "mobile",
                primary: true,
            },
            Element {
                column: UserField::AlternateMobile,
                kind: "other",
                primary: false,
            },
        ])
    } else {
        None
    }
}

/// A filter over one value of a multi-valued attribute (`value`, `type`, `primary`).
fn element_cond(attr: &str, e: &Element, f: &Filter) -> Result<UserCond, ScimError> {
    let rec = |g: &Filter| element_cond(attr, e, g);
    Ok(match f {
        Filter::And(a, b) => UserCond::And(Box::new(rec(a)?), Box::new(rec(b)?)),
        Filter::Or(a, b) => UserCond::Or(Box::new(rec(a)?), Box::new(rec(b)?)),
        Filter::Not(a) => UserCond::Not(Box::new(rec(a)?)),
        Filter::ValuePath { attr: p, .. } => {
            return Err(invalid(format!("{p}[…] cannot be nested inside {attr}[…]")));
        }
        Filter::Present(p) => match p.name.to_ascii_lowercase().as_str() {
            "value" => UserCond::Present(e.column),
            "type" | "primary" => UserCond::All,
            _ => return Err(invalid(format!("{attr} has no sub-attribute {p}"))),
        },
        Filter::Compare { path, op, value } => match path.name.to_ascii_lowercase().as_str() {
            "value" => text_cond(path, e.column, *op, value, e.column == UserField::Email)?,
            "type" => static_text(Some(e.kind), *op, value)?,
            "primary" => static_text(Some(if e.primary { "true" } else { "false" }), *op, value)?,
            _ => return Err(invalid(format!("{attr} has no sub-attribute {path}"))),
        },
    })
}

/// `attr[filter]`: some stored value of the multi-valued attribute matches.
fn any_element(attr: &AttrPath, f: &Filter) -> Result<UserCond, ScimError> {
    let Some(els) = elements(&attr.name) else {
        return Err(unsupported(attr));
    };
    let mut out = UserCond::Nothing;
    for e in &els {
        let c = UserCond::And(
            Box::new(UserCond::Present(e.column)),
            Box::new(element_cond(&attr.name, e, f)?),
        );
        out = UserCond::Or(Box::new(out), Box::new(c));
    }
    Ok(out)
}

fn compare(path: &AttrPath, op: CompareOp, value: &CompValue) -> Result<UserCond, ScimError> {
    if schema_of(path)? {
        if !path.is("extension", None) {
            return Err(unsupported(path));
        }
        let n = match value {
            CompValue::Num(n) => n.as_i64(),
            CompValue::Str(s) => s.trim().parse::<i64>().ok(),
            CompValue::Null => return null_cond(path, UserField::Extension, op),
            CompValue::Bool(_) => None,
        }
        .ok_or_else(|| invalid("extension is compared with a number such as \"204\""))?;
        if matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew) {
            return Err(invalid(
                "extension is compared with eq, ne, gt, ge, lt or le",
            ));
        }
        return Ok(UserCond::Match {
            field: UserField::Extension,
            op: match_op(op),
            value: MatchValue::Int(n),
        });
    }
    let name = path.name.to_ascii_lowercase();
    let sub = path.sub.as_deref().map(str::to_ascii_lowercase);
    match (name.as_str(), sub.as_deref()) {
        ("id", None) => text_cond(path, UserField::Id, op, value, false),
        ("externalid", None) => text_cond(path, UserField::ExternalId, op, value, false),
        ("username", None) => {
            // userName is the identity provider's login; a user never given one shows
            // their email there, or their mobile when they have no email.
            if matches!(value, CompValue::Null) {
                return static_text(Some("userName"), op, value);
            }
            text_cond(path, UserField::Login, op, value, true)
        }
        ("displayname", None) | ("name", Some("formatted")) => {
            text_cond(path, UserField::Name, op, value, true)
        }
        ("active", None) => {
            let b = match value {
                CompValue::Bool(b) => *b,
                CompValue::Str(s) if s.eq_ignore_ascii_case("true") => true,
                CompValue::Str(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return Err(invalid("active is compared with true or false")),
            };
            match op {
                CompareOp::Eq => Ok(UserCond::Active(b)),
                CompareOp::Ne => Ok(UserCond::Active(!b)),
                _ => Err(invalid("active is compared with eq or ne")),
            }
        }
        ("meta", Some("created")) => time_cond(path, UserField::CreatedAt, op, value),
        ("meta", Some("lastmodified")) => time_cond(path, UserField::UpdatedAt, op, value),
        ("emails" | "phonenumbers", s) => {
            let inner = Filter::Compare {
                path: AttrPath {
                    uri: None,
                    name: s.unwrap_or("value").to_owned(),
                    sub: None,
                },
                op,
                value: value.clone(),
            };
            any_element(path, &inner)
        }
        _ => Err(unsupported(path)),
    }
}

fn present(path: &AttrPath) -> Result<UserCond, ScimError> {
    if schema_of(path)? {
        return if path.is("extension", None) {
            Ok(UserCond::All)
        } else {
            Err(unsupported(path))
        };
    }
    let name = path.name.to_ascii_lowercase();
    let sub = path.sub.as_deref().map(str::to_ascii_lowercase);
    match (name.as_str(), sub.as_deref()) {
        ("externalid", None) => Ok(UserCond::Present(UserField::ExternalId)),
        // Every user has a userName: their login, else their email or mobile.
        ("username", None) => Ok(UserCond::All),
        ("emails", None | Some("value")) => Ok(UserCond::Present(UserField::Email)),
        ("phonenumbers", None | Some("value")) => Ok(UserCond::Or(
            Box::new(UserCond::Present(UserField::Mobile)),
            Box::new(UserCond::Present(UserField::AlternateMobile)),
        )),
        ("id" | "displayname" | "active" | "meta" | "name", _) => Ok(UserCond::All),
        _ => Err(unsupported(path)),
    }
}

/// The store condition for a SCIM filter over Users.
pub fn user_cond(f: &Filter) -> Result<UserCond, ScimError> {
    Ok(match f {
        Filter::And(a, b) => UserCond::And(Box::new(user_cond(a)?), Box::new(user_cond(b)?)),
        Filter::Or(a, b) => UserCond::Or(Box::new(user_cond(a)?), Box::new(user_cond(b)?)),
        Filter::Not(a) => UserCond::Not(Box::new(user_cond(a)?)),
        Filter::Present(p) => present(p)?,
        Filter::Compare { path, op, value } => compare(path, *op, value)?,
        Filter::ValuePath { attr, filter } => {
            schema_of(attr)?;
            any_element(attr, filter)?
        }
    })
}

const GROUP_SEARCHABLE: &str = "id, externalId, displayName, members and members.value";

fn group_unsupported(path: &AttrPath) -> ScimError {
    invalid(format!(
        "filtering Groups on {path} is not supported; filter on {GROUP_SEARCHABLE}"
    ))
}

/// The department column a Group attribute path names.
fn group_field(path: &AttrPath) -> Result<(DepartmentField, bool), ScimError> {
    if let Some(u) = path.uri.as_deref()
        && !u.eq_ignore_ascii_case(GROUP_SCHEMA)
    {
        return Err(group_unsupported(path));
    }
    let name = path.name.to_ascii_lowercase();
    let sub = path.sub.as_deref().map(str::to_ascii_lowercase);
    match (name.as_str(), sub.as_deref()) {
        ("id", None) => Ok((DepartmentField::Id, false)),
        ("externalid", None) => Ok((DepartmentField::ExternalId, false)),
        ("displayname", None) => Ok((DepartmentField::Name, true)),
        ("members", None | Some("value")) => Ok((DepartmentField::MemberId, false)),
        _ => Err(group_unsupported(path)),
    }
}

/// The store condition for a SCIM filter over Groups: displayName ignores case (RFC 7643
/// §4.2 declares it caseExact false); ids and member ids match exactly.
pub fn group_cond(f: &Filter) -> Result<DepartmentCond, ScimError> {
    Ok(match f {
        Filter::And(a, b) => Cond::And(Box::new(group_cond(a)?), Box::new(group_cond(b)?)),
        Filter::Or(a, b) => Cond::Or(Box::new(group_cond(a)?), Box::new(group_cond(b)?)),
        Filter::Not(a) => Cond::Not(Box::new(group_cond(a)?)),
        Filter::Present(p) => match group_field(p)? {
            (DepartmentField::ExternalId, _) => Cond::Present(DepartmentField::ExternalId),
            (DepartmentField::MemberId, _) => Cond::Present(DepartmentField::MemberId),
            _ => Cond::All,
        },
        Filter::Compare { path, op, value } => {
            let (field, ci) = group_field(path)?;
            if matches!(
                op,
                CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
            ) && field == DepartmentField::MemberId
            {
                return Err(invalid(format!(
                    "{path} can be compared by eq, ne, co, sw or ew"
                )));
            }
            text_cond(path, field, *op, value, ci)?
        }
        Filter::ValuePath { attr, filter } => {
            if !attr.is("members", None) {
                return Err(group_unsupported(attr));
            }
            member_cond(attr, filter)?
        }
    })
}

/// `members[value eq "…"]`: the filter inside the brackets, on member ids.
fn member_cond(attr: &AttrPath, f: &Filter) -> Result<DepartmentCond, ScimError> {
    Ok(match f {
        Filter::And(a, b) => Cond::And(
            Box::new(member_cond(attr, a)?),
            Box::new(member_cond(attr, b)?),
        ),
        Filter::Or(a, b) => Cond::Or(
            Box::new(member_cond(attr, a)?),
            Box::new(member_cond(attr, b)?),
        ),
        Filter::Not(a) => Cond::Not(Box::new(member_cond(attr, a)?)),
        Filter::Present(p) if p.is("value", None) => Cond::Present(DepartmentField::MemberId),
        Filter::Compare { path, op, value } if path.is("value", None) => {
            text_cond(path, DepartmentField::MemberId, *op, value, false)?
        }
        Filter::Compare { path, .. } | Filter::Present(path) if path.is("type", None) => Cond::All,
        _ => return Err(group_unsupported(attr)),
    })
}

/// The sort order for `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3).
pub fn user_sort(by: &str, order: Option<&str>) -> Result<UserSort, ScimError> {
    let path = switchboard_scim::parse_path(by).map_err(|e| {
        ScimError::bad(
            "invalidValue",
            format!("sortBy is not an attribute path: {e}"),
        )
    })?;
    let a = path.attr;
    let field = if schema_of(&a).map_err(|_| sort_err(by))? {
        if a.is("extension", None) {
            UserField::Extension
        } else {
            return Err(sort_err(by));
        }
    } else if a.is("userName", None) {
        UserField::Login
    } else if a.is("emails", None) || a.is("emails", Some("value")) {
        UserField::Email
    } else if a.is("displayName", None) || a.is("name", Some("formatted")) || a.is("name", None) {
        UserField::Name
    } else if a.is("externalId", None) {
        UserField::ExternalId
    } else if a.is("id", None) {
        UserField::Id
    } else if a.is("meta", Some("created")) {
        UserField::CreatedAt
    } else if a.is("meta", Some("lastModified")) {
        UserField::UpdatedAt
    } else {
        return Err(sort_err(by));
    };
    let descending = match order.map(str::trim) {
        None | Some("") => false,
        Some(o) if o.eq_ignore_ascii_case("ascending") => false,
        Some(o) if o.eq_ignore_ascii_case("descending") => true,
        Some(o) => {
            return Err(ScimError::bad(
                "invalidValue",
                format!("sortOrder {o:?} is neither ascending nor descending"),
            ));
        }
    };
    Ok(UserSort { field, descending })
}

fn sort_err(by: &str) -> ScimError {
    ScimError::bad(
        "invalidValue",
        format!(
            "sorting by {by:?} is not supported; sort by userName, displayName, externalId, \
             id, meta.created, meta.lastModified or extension"
        ),
    )
}
