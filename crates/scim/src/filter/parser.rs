//! The recursive-descent parser over the tokens: attribute paths, `or` over `and` over
//! `not`, groups, value paths and comparisons, bounded by [`MAX_DEPTH`].

use super::lex::{Tok, lex};
use super::{AttrPath, CompValue, CompareOp, Filter, FilterError, MAX_DEPTH, MAX_LEN};

pub(super) fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '$')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Parses `[URI:]name[.sub]`.
pub(super) fn attr_path(word: &str, pos: usize) -> Result<AttrPath, FilterError> {
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

pub(super) struct Parser {
    pub(super) toks: Vec<(usize, Tok)>,
    pub(super) at: usize,
    end: usize,
}

impl Parser {
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    pub(super) fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |(p, _)| *p)
    }

    pub(super) fn fail<T>(&self, message: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError {
            position: self.pos(),
            message: message.into(),
        })
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    pub(super) fn or(&mut self, depth: usize) -> Result<Filter, FilterError> {
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

    pub(super) fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), FilterError> {
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

pub(super) fn parser(input: &str) -> Result<Parser, FilterError> {
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
