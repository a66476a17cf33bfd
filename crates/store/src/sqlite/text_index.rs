//! The trigram index behind substring search on SQLite (`user_search_text`, an FTS5 table
//! kept by triggers; migrations 0008 and 0009, whose rowid is the user's place in list
//! order, `search_rank`). It only ever narrows a search to candidate rows: the caller still
//! tests every candidate with the exact condition, so results are the same with or without
//! it. PostgreSQL needs none of this: its trigram GIN indexes serve the same `LIKE` tests
//! directly.

use crate::db::{Arg, Reads, StoreResult};
use switchboard_domain::search::{Cond, MatchOp, MatchValue, UserCond, UserField};

/// Fewest characters the index can look up (it stores three-character sequences).
const MIN_CHARS: usize = 3;

/// Whether the index holds the field (name, email, mobile and IdP login; it cannot tell
/// them apart, and every login is one of them).
fn indexed(field: UserField) -> bool {
    matches!(
        field,
        UserField::Name
            | UserField::Email
            | UserField::Mobile
            | UserField::IdpUsername
            | UserField::Login
    )
}

/// An index query for the users whose name, email or mobile holds three-character
/// sequences that together cover `text` (ignoring case): all those containing `text`, and a
/// few more the caller's exact test drops. `None` when `text` is too short to look up. The
/// index keeps neither positions nor columns (`detail=none`, half the size and quicker to
/// write), so a query is the sequences joined by AND.
pub(crate) fn terms(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < MIN_CHARS {
        return None;
    }
    // Sequences side by side cover the whole term (the last one overlapping): every one
    // more would only narrow the candidates further at the cost of one more list to read.
    let last = chars.len() - MIN_CHARS;
    let mut starts: Vec<usize> = (0..=last).step_by(MIN_CHARS).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    let mut seen = std::collections::BTreeSet::new();
    let quoted: Vec<String> = starts
        .into_iter()
        .map(|i| chars[i..i + MIN_CHARS].iter().collect::<String>())
        .filter(|t| seen.insert(t.clone()))
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    Some(quoted.join(" AND "))
}

/// An index query whose matches include every user satisfying `cond`, when there is one
/// (`eq` is left to the ordinary indexes, which answer it exactly).
pub(crate) fn query_for(cond: &UserCond) -> Option<String> {
    match cond {
        Cond::Match {
            field,
            op: MatchOp::Contains | MatchOp::StartsWith | MatchOp::EndsWith,
            value: MatchValue::Text { value, .. },
        } if indexed(*field) => terms(value),
        Cond::And(a, b) => match (query_for(a), query_for(b)) {
            (Some(a), Some(b)) => Some(format!("({a}) AND ({b})")),
            (one, other) => one.or(other),
        },
        Cond::Or(a, b) => Some(format!("({}) OR ({})", query_for(a)?, query_for(b)?)),
        _ => None,
    }
}

/// Whether the index narrows a search to fewer than `enough` candidates across the
/// database (a common term is better served by walking the users in their list order).
pub(crate) async fn is_selective(
    reads: &mut Reads<'_>,
    query: &str,
    enough: i64,
) -> StoreResult<bool> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Count {
        n: i64,
    }
    let found: Vec<Count> = reads
        .rows(
            "SELECT COUNT(*) AS n FROM (SELECT rowid FROM user_search_text \
             WHERE user_search_text MATCH $1 LIMIT $2)",
            &["n"],
            &[Arg::Text(query.to_owned()), Arg::Int(enough)],
        )
        .await?;
    Ok(found.first().is_some_and(|c| c.n < enough))
}

/// The SQL test that keeps a user (alias `u`) only if the index matched it, for a query
/// bound at `param`, or if the `also` query (`search_rank`s of users) lists it. The caller writes
/// the account test as `+u.account_id = …` so SQLite starts from the index's few candidates
/// rather than from the account's users.
pub(crate) fn candidates(param: &str, also: Option<&str>) -> String {
    let also = also.map(|q| format!(" UNION {q}")).unwrap_or_default();
    format!(
        "u.search_rank IN (SELECT rowid FROM user_search_text WHERE user_search_text MATCH {param}\
         {also})"
    )
}

/// What a page read from the index in list order reads from: the index's matches for the
/// query `m` (a placeholder) within the ranks of the account's users (past the cursor
/// `past`, when given), as `m.r`, joined to their users `u`.
pub(crate) fn walk_in_list_order(m: &str, past: Option<&str>) -> String {
    // The account's users (past the cursor) hold the ranks from its first to its last.
    let first = format!(
        "(SELECT search_rank FROM users WHERE account_id = $1 {} ORDER BY name, id LIMIT 1)",
        past.map(|t| format!("AND {t}")).unwrap_or_default()
    );
    let last = "(SELECT search_rank FROM users WHERE account_id = $1 \
                ORDER BY name DESC, id DESC LIMIT 1)";
    format!(
        "(SELECT rowid AS r FROM user_search_text WHERE user_search_text MATCH {m} \
         AND rowid >= {first} AND rowid <= {last} ORDER BY rowid) AS m CROSS JOIN users u"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_looked_up_by_three_character_sequences_that_cover_it() {
        assert_eq!(terms("Varga").as_deref(), Some(r#""Var" AND "rga""#));
        assert_eq!(
            terms(".426500@").as_deref(),
            Some(r#"".42" AND "650" AND "00@""#)
        );
        assert_eq!(terms("abcdef").as_deref(), Some(r#""abc" AND "def""#));
        assert_eq!(terms("aaaa").as_deref(), Some(r#""aaa""#));
        assert_eq!(terms(r#"a"bc"#).as_deref(), Some(r#""a""b" AND """bc""#));
        assert_eq!(terms("ab"), None);
        assert_eq!(terms("åäö").as_deref(), Some(r#""åäö""#));
    }
}
