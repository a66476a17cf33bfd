//! The filter grammar of RFC 7644 §3.4.2.2 and the PATCH `path` grammar of §3.5.2.
//!
//! Operators and attribute names are case-insensitive; `not` binds tighter than `and`, which
//! binds tighter than `or`; parentheses group; `attr[filter]` filters the values of a
//! multi-valued attribute. Malformed input is a [`FilterError`] with the position and what
//! was expected — never a panic, however deep or long the input.

use std::fmt;

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

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Word(String),
    Str(String),
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '$' | '+')
}

fn lex(input: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |pos: usize, m: &str| FilterError {
        position: pos,
        message: m.to_owned(),
    };
    while i < chars.len() {
        let (pos, c) = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push((pos, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((pos, Tok::RParen));
                i += 1;
            }
            '[' => {
                out.push((pos, Tok::LBracket));
                i += 1;
            }
            ']' => {
                out.push((pos, Tok::RBracket));
                i += 1;
            }
            '"' => {
                let mut j = i + 1;
                let mut escaped = false;
                loop {
                    let Some(&(_, d)) = chars.get(j) else {
                        return Err(err(pos, "a string is not closed with \""));
                    };
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                    j += 1;
                }
                let end = chars.get(j + 1).map_or(input.len(), |(p, _)| *p);
                let raw = &input[pos..end];
                let s: String = serde_json::from_str(raw)
                    .map_err(|_| err(pos, "a string has an invalid escape or control character"))?;
                out.push((pos, Tok::Str(s)));
                i = j + 1;
            }
            c if is_word_char(c) => {
                let mut j = i;
                while j < chars.len() && is_word_char(chars[j].1) {
                    j += 1;
                }
                let end = chars.get(j).map_or(input.len(), |(p, _)| *p);
                out.push((pos, Tok::Word(input[pos..end].to_owned())));
                i = j;
            }
            other => return Err(err(pos, &format!("unexpected character {other:?}"))),
        }
    }
    Ok(out)
}

fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '$')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parses `[URI:]name[.sub]`.
fn attr_path(word: &str, pos: usize) -> Result<AttrPath, FilterError> {
    let bad = |m: String| FilterError {
        position: pos,
        message: m,
    };
    let (uri, rest) = match word.rfind(':') {
        Some(i) if word[..i].to_ascii_lowercase().starts_with("urn:") => {
            (Some(word[..i].to_owned()), &word[i + 1..])
        }
        Some(_) => return Err(bad(format!("{word:?} is not an attribute path"))),
        None => (None, word),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    if !is_name(name) {
        return Err(bad(format!("{word:?} is not an attribute name")));
    }
    if let Some(s) = sub
        && !is_name(s)
    {
        return Err(bad(format!("{word:?} has an invalid sub-attribute")));
    }
    Ok(AttrPath {
        uri,
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |(p, _)| *p)
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError {
            position: self.pos(),
            message: message.into(),
        })
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn or(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.and(depth)?;
        while self.keyword("or") {
            self.at += 1;
            let right = self.and(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.unary(depth)?;
        while self.keyword("and") {
            self.at += 1;
            let right = self.unary(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth >= MAX_DEPTH {
            return self.fail(format!("the filter nests deeper than {MAX_DEPTH} levels"));
        }
        if self.keyword("not") && matches!(self.toks.get(self.at + 1), Some((_, Tok::LParen))) {
            self.at += 2;
            let inner = self.or(depth + 1)?;
            self.expect(&Tok::RParen, "\")\"")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.at += 1;
            let inner = self.or(depth + 1)?;
            self.expect(&Tok::RParen, "\")\"")?;
            return Ok(inner);
        }
        self.attr_expr(depth)
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), FilterError> {
        if self.peek() == Some(tok) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(format!("expected {what}"))
        }
    }

    fn attr_expr(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let pos = self.pos();
        let Some(Tok::Word(word)) = self.peek().cloned() else {
            return self.fail("expected an attribute name");
        };
        let path = attr_path(&word, pos)?;
        self.at += 1;
        if self.peek() == Some(&Tok::LBracket) {
            if path.sub.is_some() {
                return self.fail("a sub-attribute cannot be filtered with [ ]");
            }
            self.at += 1;
            let inner = self.or(depth + 1)?;
            self.expect(&Tok::RBracket, "\"]\"")?;
            // `emails[type eq "work"].value eq "…"`: not in RFC 7644's grammar, but what
            // Microsoft Entra sends; it means some value matches the brackets and its
            // sub-attribute the comparison.
            let filter = match self.peek().cloned() {
                Some(Tok::Word(w)) if w.starts_with('.') => {
                    let sub = &w[1..];
                    if !is_name(sub) {
                        return self.fail(format!("{sub:?} is not a sub-attribute name"));
                    }
                    self.at += 1;
                    let compared = self.comparison(
                        AttrPath {
                            uri: None,
                            name: sub.to_owned(),
                            sub: None,
                        },
                        &w,
                    )?;
                    Filter::And(Box::new(inner), Box::new(compared))
                }
                _ => inner,
            };
            return Ok(Filter::ValuePath {
                attr: path,
                filter: Box::new(filter),
            });
        }
        self.comparison(path, &word)
    }

    /// The operator and value after an attribute path (`eq "x"`, `pr`, …).
    fn comparison(&mut self, path: AttrPath, word: &str) -> Result<Filter, FilterError> {
        let Some(Tok::Word(op)) = self.peek().cloned() else {
            return self.fail(format!("expected an operator after {word:?}"));
        };
        if op.eq_ignore_ascii_case("pr") {
            self.at += 1;
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::parse(&op) else {
            return self.fail(format!(
                "{op:?} is not an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)"
            ));
        };
        self.at += 1;
        let value = match self.peek().cloned() {
            Some(Tok::Str(s)) => CompValue::Str(s),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => CompValue::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => CompValue::Bool(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => CompValue::Null,
            Some(Tok::Word(w)) => match serde_json::from_str::<serde_json::Number>(&w) {
                Ok(n) => CompValue::Num(n),
                Err(_) => {
                    return self.fail(format!(
                        "{w:?} is not a value: use a \"string\", a number, true, false or null"
                    ));
                }
            },
            _ => return self.fail("expected a value"),
        };
        self.at += 1;
        Ok(Filter::Compare { path, op, value })
    }
}

fn parser(input: &str) -> Result<Parser, FilterError> {
    if input.len() > MAX_LEN {
        return Err(FilterError {
            position: MAX_LEN,
            message: format!("the filter is longer than {MAX_LEN} bytes"),
        });
    }
    Ok(Parser {
        toks: lex(input)?,
        at: 0,
        end: input.len(),
    })
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
