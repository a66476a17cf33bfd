//! Helpers shared by the fuzz targets: a printer that writes a parsed SCIM filter or PATCH
//! path back as text, so a target can check that the text re-parses to the same tree.
//! The product has no such printer (it never writes filters), hence it lives here.
//!
//! Trees are compared with [`same_filter`], which lets a fractional number differ in its
//! last bit: serde_json (built without its `float_roundtrip` feature, as in the product)
//! may read the shortest text of a float back one unit in the last place away. Filters
//! only compare whole numbers (the SCIM adapter reads `as_i64`), so that is no bug.

use serde_json::Number;
use switchboard_scim::{AttrPath, CompValue, Filter, PatchPath};

/// How tightly a node binds: `or` < `and` < everything else (RFC 7644 §3.4.2.2).
fn precedence(f: &Filter) -> u8 {
    match f {
        Filter::Or(..) => 0,
        Filter::And(..) => 1,
        _ => 2,
    }
}

fn value(v: &CompValue) -> String {
    match v {
        CompValue::Str(s) => serde_json::Value::String(s.clone()).to_string(),
        CompValue::Num(n) => n.to_string(),
        CompValue::Bool(b) => b.to_string(),
        CompValue::Null => "null".to_owned(),
    }
}

/// Writes `f`, in parentheses when it binds looser than its place needs. Only the
/// parentheses the tree needs are written, so the text nests no deeper than the input
/// that produced the tree (the parser bounds nesting).
fn write(f: &Filter, min: u8, out: &mut String) {
    let paren = precedence(f) < min;
    if paren {
        out.push('(');
    }
    match f {
        Filter::Compare { path, op, value: v } => {
            out.push_str(&format!("{path} {} {}", op.as_str(), value(v)));
        }
        Filter::Present(path) => out.push_str(&format!("{path} pr")),
        // Both operators associate to the left, so a right operand of the same kind
        // needs parentheses.
        Filter::Or(l, r) => {
            write(l, 0, out);
            out.push_str(" or ");
            write(r, 1, out);
        }
        Filter::And(l, r) => {
            write(l, 1, out);
            out.push_str(" and ");
            write(r, 2, out);
        }
        Filter::Not(inner) => {
            out.push_str("not (");
            write(inner, 0, out);
            out.push(')');
        }
        Filter::ValuePath { attr, filter } => {
            out.push_str(&format!("{attr}["));
            write(filter, 0, out);
            out.push(']');
        }
    }
    if paren {
        out.push(')');
    }
}

/// A filter as text that parses back to the same tree.
pub fn filter_text(f: &Filter) -> String {
    let mut out = String::new();
    write(f, 0, &mut out);
    out
}

/// A PATCH path as text that parses back to the same path.
pub fn path_text(p: &PatchPath) -> String {
    let mut out = attr_text(&p.attr);
    if let Some(f) = &p.filter {
        out.push('[');
        write(f, 0, &mut out);
        out.push(']');
    }
    if let Some(sub) = &p.sub {
        out.push('.');
        out.push_str(sub);
    }
    out
}

fn attr_text(a: &AttrPath) -> String {
    a.to_string()
}

/// Whether two numbers are equal, floats to within a few units in the last place.
fn same_number(a: &Number, b: &Number) -> bool {
    if a == b {
        return true;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_f64() && b.is_f64() => {
            (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        _ => false,
    }
}

/// Whether two filters are the same tree (numbers as in [`same_number`]).
pub fn same_filter(a: &Filter, b: &Filter) -> bool {
    match (a, b) {
        (
            Filter::Compare {
                path: pa,
                op: oa,
                value: va,
            },
            Filter::Compare {
                path: pb,
                op: ob,
                value: vb,
            },
        ) => {
            pa == pb
                && oa == ob
                && match (va, vb) {
                    (CompValue::Num(x), CompValue::Num(y)) => same_number(x, y),
                    _ => va == vb,
                }
        }
        (Filter::And(la, ra), Filter::And(lb, rb)) | (Filter::Or(la, ra), Filter::Or(lb, rb)) => {
            same_filter(la, lb) && same_filter(ra, rb)
        }
        (Filter::Not(x), Filter::Not(y)) => same_filter(x, y),
        (
            Filter::ValuePath {
                attr: aa,
                filter: fa,
            },
            Filter::ValuePath {
                attr: ab,
                filter: fb,
            },
        ) => aa == ab && same_filter(fa, fb),
        _ => a == b,
    }
}

/// Whether two PATCH paths are the same (filters as in [`same_filter`]).
pub fn same_path(a: &PatchPath, b: &PatchPath) -> bool {
    a.attr == b.attr
        && a.sub == b.sub
        && match (&a.filter, &b.filter) {
            (Some(x), Some(y)) => same_filter(x, y),
            (x, y) => x == y,
        }
}
