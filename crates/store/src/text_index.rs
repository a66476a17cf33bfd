//! The trigram index behind substring search on SQLite (`user_search_text`, an FTS5 table
//! kept by triggers; migrations 0008 and 0009, whose rowid is the user's place in list order,
//! `search_rank`). It only ever narrows a search to candidate rows: the
//! caller still tests every candidate with the exact condition, so results are the same
//! with or without it. PostgreSQL needs none of this: its trigram GIN indexes serve the
//! same `LIKE` tests directly.

use crate::db::{StoreResult, Tx, on};
use crate::user_search::{Cond, MatchOp, MatchValue, UserCond, UserField};

/// Fewest characters the index can look up (it stores three-character sequences).
const MIN_CHARS: usize = 3;

/// The index's columns, as a search names them.
fn column(field: UserField) -> Option<&'static str> {
    match field {
        UserField::Name => Some("name"),
        UserField::Email => Some("email_key"),
        UserField::Mobile => Some("mobile"),
        _ => None,
    }
}

/// `text` as an FTS5 phrase (which, with the trigram tokenizer, matches rows containing it
/// anywhere, ignoring case), or `None` when it is too short to look up.
pub(crate) fn phrase(text: &str) -> Option<String> {
    (text.chars().count() >= MIN_CHARS).then(|| format!("\"{}\"", text.replace('"', "\"\"")))
}

/// An index query whose matches include every user satisfying `cond`, when there is one
/// (`eq` is left to the ordinary indexes, which answer it exactly).
pub(crate) fn query_for(cond: &UserCond) -> Option<String> {
    match cond {
        Cond::Match {
            field,
            op: MatchOp::Contains | MatchOp::StartsWith | MatchOp::EndsWith,
            value: MatchValue::Text { value, .. },
        } => Some(format!("{} : {}", column(*field)?, phrase(value)?)),
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
pub(crate) async fn is_selective(tx: &mut Tx, query: &str, enough: i64) -> StoreResult<bool> {
    let (n,): (i64,) = on!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT rowid FROM user_search_text \
         WHERE user_search_text MATCH $1 LIMIT $2)"
    )
    .bind(query)
    .bind(enough)
    .fetch_one(c)
    .await)?;
    Ok(n < enough)
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
