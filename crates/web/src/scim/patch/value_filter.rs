//! Value filters inside a PATCH path (`emails[type eq "work"]`): which values of a
//! multi-valued attribute they select.

use serde_json::Value;
use switchboard_scim::{CompValue, CompareOp, Filter};

use crate::scim::resource::get_ci;

/// The type named by a filter of the form `type eq "work"`.
pub(super) fn simple_type(f: &Filter) -> Option<String> {
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
        Filter::Present(p) => get_ci(item, &p.name).is_some(),
        Filter::ValuePath { .. } => false,
        Filter::Compare { path, op, value } => compare(get_ci(item, &path.name), *op, value),
    }
}

/// One comparison of a member's value (absent when `None`) with a filter's literal.
fn compare(actual: Option<&Value>, op: CompareOp, value: &CompValue) -> bool {
    match (actual, value) {
        (None, CompValue::Null) => op == CompareOp::Eq,
        (None, _) => op == CompareOp::Ne,
        (Some(_), CompValue::Null) => op == CompareOp::Ne,
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
