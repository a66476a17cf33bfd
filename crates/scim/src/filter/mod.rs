//! The filter grammar of RFC 7644 §3.4.2.2 and the PATCH `path` grammar of §3.5.2.
//!
//! Operators and attribute names are case-insensitive; `not` binds tighter than `and`, which
//! binds tighter than `or`; parentheses group; `attr[filter]` filters the values of a
//! multi-valued attribute. Malformed input is a [`FilterError`] with the position and what
//! was expected — never a panic, however deep or long the input.

use std::fmt;

mod lex;
mod parser;

use lex::Tok;
use parser::{attr_path, is_name, parser};

/// How deep parentheses, `not` and brackets may nest.
pub const MAX_DEPTH: usize = 32;

/// The longest filter accepted, in bytes.
pub const MAX_LEN: usize = 4096;

/// An attribute path: `[schema URI ":"] name ["." sub-attribute]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URI, when the path names one (`urn:ietf:params:scim:schemas:core:2.0:User`).
    pub uri: Option<String>,
    /// The attribute, as written (compare case-insensitively).
    pub name: String,
    /// The sub-attribute, as written.
    pub sub: Option<String>,
}

impl AttrPath {
    /// Whether this path names `name` (and `sub`), ignoring case.
    pub fn is(&self, name: &str, sub: Option<&str>) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && match (&self.sub, sub) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `co` (contains)
    Co,
    /// `sw` (starts with)
    Sw,
    /// `ew` (ends with)
    Ew,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }

    /// The operator as written in a filter.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }
}

/// A comparison value.
#[derive(Clone, Debug, PartialEq)]
pub enum CompValue {
    /// A JSON string.
    Str(String),
    /// A JSON number.
    Num(serde_json::Number),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// `attr op value`
    Compare {
        /// The attribute.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The value.
        value: CompValue,
    },
    /// `attr pr`
    Present(AttrPath),
    /// `a and b`
    And(Box<Filter>, Box<Filter>),
    /// `a or b`
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`
    Not(Box<Filter>),
    /// `attr[filter]`: some value of the multi-valued `attr` matches `filter`, whose paths
    /// name its sub-attributes.
    ValuePath {
        /// The multi-valued attribute.
        attr: AttrPath,
        /// The filter over each value.
        filter: Box<Filter>,
    },
}

/// A PATCH operation's `path`: an attribute, optionally narrowed to the values matching a
/// filter, optionally to one sub-attribute of those values.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchPath {
    /// The attribute.
    pub attr: AttrPath,
    /// `[filter]`, when given.
    pub filter: Option<Filter>,
    /// `.sub` after the brackets, when given.
    pub sub: Option<String>,
}

/// Why a filter or path does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {position})")]
pub struct FilterError {
    /// Character offset (0-based) where the problem was found.
    pub position: usize,
    /// What was wrong or expected.
    pub message: String,
}

/// Parses a `filter` query parameter.
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    let mut p = parser(input)?;
    if p.toks.is_empty() {
        return p.fail("the filter is empty");
    }
    let f = p.or(0)?;
    if p.at < p.toks.len() {
        return p.fail("expected \"and\", \"or\" or the end of the filter");
    }
    Ok(f)
}

/// Parses a PATCH operation's `path`: `attr`, `attr.sub`, `attr[filter]` or
/// `attr[filter].sub`, each optionally prefixed by a schema URI.
pub fn parse_path(input: &str) -> Result<PatchPath, FilterError> {
    let mut p = parser(input)?;
    let pos = p.pos();
    let Some(Tok::Word(word)) = p.peek().cloned() else {
        return p.fail("expected an attribute path");
    };
    let attr = attr_path(&word, pos)?;
    p.at += 1;
    let mut filter = None;
    let mut sub = None;
    if p.peek() == Some(&Tok::LBracket) {
        if attr.sub.is_some() {
            return p.fail("a sub-attribute cannot be filtered with [ ]");
        }
        p.at += 1;
        filter = Some(p.or(1)?);
        p.expect(&Tok::RBracket, "\"]\"")?;
        if let Some(Tok::Word(w)) = p.peek().cloned() {
            let pos = p.pos();
            match w.strip_prefix('.') {
                Some(s) if is_name(s) => {
                    sub = Some(s.to_owned());
                    p.at += 1;
                }
                _ => {
                    return Err(FilterError {
                        position: pos,
                        message: format!("{w:?} is not a sub-attribute (write .name)"),
                    });
                }
            }
        }
    }
    if p.at < p.toks.len() {
        return p.fail("unexpected text after the path");
    }
    Ok(PatchPath { attr, filter, sub })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(name: &str, op: CompareOp, v: CompValue) -> Filter {
        Filter::Compare {
            path: AttrPath {
                uri: None,
                name: name.to_owned(),
                sub: None,
            },
            op,
            value: v,
        }
    }

    fn s(v: &str) -> CompValue {
        CompValue::Str(v.to_owned())
    }

    #[test]
    fn a_simple_comparison_and_case_insensitive_operators() {
        assert_eq!(
            parse_filter(r#"userName Eq "bjensen@example.com""#).unwrap(),
            cmp("userName", CompareOp::Eq, s("bjensen@example.com"))
        );
        assert_eq!(
            parse_filter("title pr").unwrap(),
            Filter::Present(AttrPath {
                uri: None,
                name: "title".into(),
                sub: None
            })
        );
        assert_eq!(
            parse_filter("meta.lastModified gt \"2011-05-13T04:42:34Z\"").unwrap(),
            Filter::Compare {
                path: AttrPath {
                    uri: None,
                    name: "meta".into(),
                    sub: Some("lastModified".into())
                },
                op: CompareOp::Gt,
                value: s("2011-05-13T04:42:34Z")
            }
        );
    }

    #[test]
    fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
        let f = parse_filter(r#"a eq "1" or b eq "2" and not (c pr)"#).unwrap();
        let Filter::Or(left, right) = f else {
            panic!("or must be outermost: {f:?}")
        };
        assert_eq!(*left, cmp("a", CompareOp::Eq, s("1")));
        let Filter::And(b, not_c) = *right else {
            panic!("and under or")
        };
        assert_eq!(*b, cmp("b", CompareOp::Eq, s("2")));
        assert!(matches!(*not_c, Filter::Not(_)));

        let grouped = parse_filter(r#"(a eq "1" or b eq "2") and c eq 3"#).unwrap();
        assert!(matches!(grouped, Filter::And(_, _)));
    }

    #[test]
    fn value_paths_uris_and_every_value_kind() {
        let f = parse_filter(r#"emails[type eq "work" and value co "@example.com"]"#).unwrap();
        let Filter::ValuePath { attr, filter } = f else {
            panic!("value path")
        };
        assert_eq!(attr.name, "emails");
        assert!(matches!(*filter, Filter::And(_, _)));

        let f = parse_filter(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O'Malley""#,
        )
        .unwrap();
        let Filter::Compare { path, .. } = f else {
            panic!("compare")
        };
        assert_eq!(
            path.uri.as_deref(),
            Some("urn:ietf:params:scim:schemas:core:2.0:User")
        );
        assert!(path.is("NAME", Some("familyname")));

        for (text, value) in [
            ("active eq true", CompValue::Bool(true)),
            ("active eq True", CompValue::Bool(true)),
            ("active eq false", CompValue::Bool(false)),
            ("x eq null", CompValue::Null),
            ("n ge 42", CompValue::Num(42.into())),
            (r#"d eq "a \"q\" \u00e9""#, s("a \"q\" é")),
        ] {
            let Filter::Compare { value: v, .. } = parse_filter(text).unwrap() else {
                panic!("compare")
            };
            assert_eq!(v, value, "{text}");
        }
    }

    #[test]
    fn malformed_filters_say_where_and_what() {
        for (text, needle) in [
            ("", "empty"),
            ("userName", "expected an operator"),
            ("userName eq", "expected a value"),
            ("userName xx \"a\"", "not an operator"),
            ("userName eq \"a", "not closed"),
            ("userName eq bob", "not a value"),
            ("(userName pr", "expected \")\""),
            ("emails[type eq \"work\"", "expected \"]\""),
            ("userName pr and", "expected an attribute name"),
            ("userName pr userName pr", "expected \"and\""),
            ("1abc pr", "not an attribute name"),
            ("a:b pr", "not an attribute path"),
            ("userName eq \"a\" ;", "unexpected character"),
        ] {
            let e = parse_filter(text).unwrap_err();
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
        let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
        assert!(parse_filter(&deep).unwrap_err().message.contains("deeper"));
        assert!(parse_filter(&"a".repeat(MAX_LEN + 1)).is_err());
    }

    #[test]
    fn patch_paths_with_filters_and_sub_attributes() {
        let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(p.attr.name, "emails");
        assert!(p.filter.is_some());
        assert_eq!(p.sub.as_deref(), Some("value"));
        let p = parse_path("name.givenName").unwrap();
        assert!(p.attr.is("name", Some("givenName")) && p.filter.is_none());
        let p =
            parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")
                .unwrap();
        assert_eq!(p.attr.name, "employeeNumber");
        assert!(parse_path("members[value eq \"1\"] extra").is_err());
        assert!(parse_path("").is_err());
    }

    proptest::proptest! {
        #[test]
        fn no_input_makes_the_parser_panic(input in "\\PC{0,200}") {
            let _ = parse_filter(&input);
            let _ = parse_path(&input);
        }

        #[test]
        fn filter_shaped_noise_never_panics(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "(", ")", "[", "]", "not", "and", "or", "eq", "co", "pr", "userName",
                    "emails", ".value", "\"x\"", "42", "true", "urn:a:b:c", " ",
                ]),
                0..40,
            )
        ) {
            let text = parts.join(" ");
            let _ = parse_filter(&text);
            let _ = parse_path(&text);
        }
    }

    #[test]
    fn a_sub_attribute_after_the_brackets_narrows_the_matching_value() {
        let f = parse_filter(r#"emails[type eq "work"].value eq "a@b.example.com""#).unwrap();
        let Filter::ValuePath { attr, filter } = f else {
            panic!("{f:?}")
        };
        assert_eq!(attr.name, "emails");
        let Filter::And(kind, value) = *filter else {
            panic!("{filter:?}")
        };
        assert!(matches!(*kind, Filter::Compare { ref path, .. } if path.name == "type"));
        assert!(matches!(
            *value,
            Filter::Compare { ref path, op: CompareOp::Eq, value: CompValue::Str(ref v) }
                if path.name == "value" && v == "a@b.example.com"
        ));
        assert!(parse_filter(r#"emails[type eq "work"].value pr"#).is_ok());
        assert!(parse_filter(r#"emails[type eq "work"].9x eq "a""#).is_err());
        assert!(parse_filter(r#"emails[type eq "work"].value"#).is_err());
    }
}
