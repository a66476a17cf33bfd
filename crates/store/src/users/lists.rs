//! What a user is read with beside their row: their tags and departments, as lists folded
//! into the same statement, and how a page of users carries them.

use switchboard_domain::{DepartmentId, Tag};

use super::bad;
use crate::db::{Backend, StoreResult, json_list, parse_id};

/// The expression listing the tags of the user `u` as the text of a JSON array.
///
/// A user's tags are found by the user's id alone, here and wherever tags are read or
/// cleared: the id is unique across accounts and the foreign key ties each tag to its
/// user's account, so the account adds nothing, while with it in the condition SQLite may
/// read through the account's index (`user_tags_account_tag_idx`) — every tag of the
/// account, for each user.
pub(super) fn tags_list(backend: Backend) -> String {
    json_list(
        backend,
        &["t.tag"],
        "FROM user_tags t WHERE t.user_id = u.id",
    )
}

/// The expression listing the departments of the user `u` as the text of a JSON array of
/// `[id, name]`: driven from the user's memberships, each department's name read by its key.
pub(super) fn departments_list(backend: Backend) -> String {
    json_list(
        backend,
        &[
            "m.department_id",
            "(SELECT d.name FROM departments d WHERE d.account_id = m.account_id \
             AND d.id = m.department_id)",
        ],
        "FROM department_members m WHERE m.account_id = u.account_id AND m.user_id = u.id",
    )
}

/// A page of users `u` (`cols` selected, `rest` from `FROM` to `LIMIT`) with each user's
/// tags and, when asked, departments (else an empty list), read for the page's users only:
/// SQLite reads a lone subquery in its order; PostgreSQL evaluates a costly select-list
/// item after the sort and limit.
pub(crate) fn page_with_lists(
    backend: Backend,
    cols: &str,
    rest: &str,
    departments: bool,
) -> String {
    let departments = if departments {
        departments_list(backend)
    } else {
        "'[]'".to_owned()
    };
    let lists = format!(
        "{} AS tags_json, {departments} AS departments_json",
        tags_list(backend)
    );
    match backend {
        Backend::Sqlite => format!("SELECT u.*, {lists} FROM (SELECT {cols} {rest}) AS u"),
        Backend::Postgres => format!("SELECT {cols}, {lists} {rest}"),
    }
}

/// Tags listed by [`tags_list`], in one order whatever the database's collation.
pub(crate) fn decode_tags(json: &str) -> StoreResult<Vec<Tag>> {
    let tags: Vec<String> = serde_json::from_str(json).map_err(|_| bad("tags"))?;
    let mut tags = tags
        .iter()
        .map(|t| Tag::parse("tag", t).map_err(|_| bad("tag")))
        .collect::<StoreResult<Vec<_>>>()?;
    tags.sort();
    Ok(tags)
}

/// Departments listed by [`departments_list`], in no particular order.
pub(crate) fn decode_departments(json: &str) -> StoreResult<Vec<(DepartmentId, String)>> {
    let departments: Vec<(String, Option<String>)> =
        serde_json::from_str(json).map_err(|_| bad("departments"))?;
    departments
        .into_iter()
        .map(|(d, name)| Ok((parse_id(&d)?, name.unwrap_or_default())))
        .collect()
}
