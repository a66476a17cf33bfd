//! Splitting a filter or path into tokens: brackets, parentheses, words and JSON strings.

use super::FilterError;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
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

pub(super) fn lex(input: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
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
