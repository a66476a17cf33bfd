//! The users list: filters, the (name, id) cursor and one page of users in list order,
//! each with their tags and departments, read in one statement.

use std::sync::LazyLock;

use switchboard_domain::{AccountId, DepartmentId, RoleId, User, UserId, UserStatus};

use crate::db::{Arg, Backend, Reads, StoreResult, Tx};
use crate::sqlite::text_index;

use super::{
    UserAnd, UserRow, columns_and, decode_departments, decode_tags, page_with_lists, u_columns,
};

/// A user of a page of the list, with their departments.
#[derive(Clone, Debug)]
pub struct ListedUser {
    /// The user.
    pub user: User,
    /// Their departments (id, name), in no particular order.
    pub departments: Vec<(DepartmentId, String)>,
}

impl ListedUser {
    /// The user of `row` with the tags and departments listed beside them.
    pub(crate) fn decode(
        row: UserRow,
        tags_json: &str,
        departments_json: &str,
    ) -> StoreResult<Self> {
        Ok(Self {
            user: row.into_user(decode_tags(tags_json)?)?,
            departments: decode_departments(departments_json)?,
        })
    }
}

/// A page of the users list.
#[derive(Clone, Debug)]
pub struct ListedPage {
    /// The account's rights version, read with the page (`None` when the page is empty).
    pub rights_version: Option<i64>,
    /// The users, in list order.
    pub users: Vec<ListedUser>,
}

/// A listed user's row and what is read beside it.
type ListedRow = UserAnd<Listed>;

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Listed {
    tags_json: String,
    departments_json: String,
    rights_version: i64,
}

/// The columns of a [`ListedRow`].
fn listed_columns() -> &'static [&'static str] {
    static NAMES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| columns_and(&["tags_json", "departments_json", "rights_version"]));
    &NAMES
}

/// Filters for the users list. Every filter is optional; results are ordered by name, id.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Matches name, email, mobile (substring, case-insensitive) or extension (exact).
    pub text: Option<String>,
    /// Only this role.
    pub role: Option<RoleId>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Only members of this department.
    pub department: Option<DepartmentId>,
    /// Only users with (or without) Panel Access.
    pub panel_access: Option<bool>,
    /// Only users carrying this tag.
    pub tag: Option<String>,
    /// Only users among these ids (a Manager's scope).
    pub within: Option<Vec<UserId>>,
}

/// Where a page starts: after this (name, id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCursor {
    /// Name of the last user of the previous page.
    pub name: String,
    /// Id of the last user of the previous page.
    pub id: String,
}

fn like_pattern(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Below this many trigram-index candidates (across the database) a text search starts
/// from the index; above it, from the users in name order.
const SELECTIVE_CANDIDATES: i64 = 1000;

/// A query's conditions and their arguments, each numbered as it is added.
struct Built {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Built {
    /// Adds an argument; returns its placeholder.
    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }
}

/// One page of users matching the filter, ordered by name then id.
pub async fn list_users_page(
    tx: &mut Tx,
    account: AccountId,
    filter: &UserFilter,
    after: Option<&UserCursor>,
    limit: u32,
) -> StoreResult<Vec<User>> {
    let page = list_users_listed(&mut Reads::Tx(tx), account, filter, after, limit, false).await?;
    Ok(page.users.into_iter().map(|l| l.user).collect())
}

/// One page of users matching the filter, ordered by name then id, each with their tags
/// and, when `departments` is asked, their departments (else none), and the account's
/// rights version: one statement (two for a text search on SQLite whose term may name an
/// extension).
pub async fn list_users_listed(
    reads: &mut Reads<'_>,
    account: AccountId,
    filter: &UserFilter,
    after: Option<&UserCursor>,
    limit: u32,
    departments: bool,
) -> StoreResult<ListedPage> {
    let empty = ListedPage {
        rights_version: None,
        users: Vec::new(),
    };
    if filter.within.as_ref().is_some_and(Vec::is_empty) {
        return Ok(empty);
    }
    let mut q = Built {
        clauses: vec!["u.account_id = $1".to_owned()],
        args: vec![Arg::Text(account.to_string())],
    };
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    // The trigram index query, when the page is read from the index in list order.
    let in_index_order = match text {
        Some(text) => text_clause(reads, &mut q, filter, text).await?,
        None => None,
    };
    let mut from = filter_clauses(&mut q, filter, reads.backend());
    // A department's members are walked in name order from their memberships, which carry
    // the name (and equal the user's name and id).
    let (mut order, listed) = match filter.department {
        Some(_) => ("dm.user_name, dm.user_id", "dm.user_"),
        None => ("u.name, u.id", "u."),
    };
    let past_cursor = after.map(|cursor| cursor_clause(&mut q, cursor, listed));
    let index_walk;
    if let Some(m) = &in_index_order {
        index_walk = text_index::walk_in_list_order(m, past_cursor.as_deref());
        from = &index_walk;
        q.clauses.push("u.search_rank = m.r".to_owned());
        order = "m.r";
    }
    let lim = q.arg(Arg::Int(i64::from(limit)));
    let cols = format!(
        "{}, (SELECT a.rights_version FROM accounts a WHERE a.id = $1) AS rights_version",
        u_columns()
    );
    let rest = format!(
        "FROM {from} WHERE {} ORDER BY {order} LIMIT {lim}",
        q.clauses.join(" AND ")
    );
    let sql = page_with_lists(reads.backend(), &cols, &rest, departments);
    let rows: Vec<ListedRow> = reads.rows(&sql, listed_columns(), &q.args).await?;
    let mut page = empty;
    for UserAnd { user, rest } in rows {
        page.rights_version = Some(rest.rights_version);
        page.users.push(ListedUser::decode(
            user,
            &rest.tags_json,
            &rest.departments_json,
        )?);
    }
    Ok(page)
}

/// The condition of a text search over name, email, mobile and extension. On SQLite,
/// returns the trigram index query when the page is to be read from the index in list
/// order (its rowid is the user's rank in it), so its matches are read in that order
/// until the page is full. A term that may name an extension also matches its holder,
/// whom the index does not know: a term few users contain starts from the index's
/// candidates plus the holder; a common one (digits: many mobiles contain them) walks the
/// users in name order. A department or a Manager's scope already bounds the walk.
async fn text_clause(
    reads: &mut Reads<'_>,
    q: &mut Built,
    filter: &UserFilter,
    text: &str,
) -> StoreResult<Option<String>> {
    let p = q.arg(Arg::Text(like_pattern(text)));
    let mut clause = format!(
        "(LOWER(u.name) LIKE {p} ESCAPE '\\' OR u.email_key LIKE {p} ESCAPE '\\' \
         OR u.mobile LIKE {p} ESCAPE '\\'"
    );
    let ext = text.parse::<i64>().ok().map(|x| q.arg(Arg::Int(x)));
    if let Some(e) = &ext {
        clause.push_str(&format!(" OR u.extension = {e}"));
    }
    clause.push(')');
    q.clauses.push(clause);
    let Some(query) = text_index::terms(text).filter(|_| {
        reads.backend() == Backend::Sqlite && filter.department.is_none() && filter.within.is_none()
    }) else {
        return Ok(None);
    };
    if ext.is_none() {
        return Ok(Some(q.arg(Arg::Text(query))));
    }
    if text_index::is_selective(reads, &query, SELECTIVE_CANDIDATES).await? {
        let m = q.arg(Arg::Text(query));
        let holder = ext.as_ref().map(|e| {
            format!("SELECT search_rank FROM users WHERE account_id = $1 AND extension = {e}")
        });
        q.clauses[0] = "+u.account_id = $1".to_owned();
        q.clauses
            .push(text_index::candidates(&m, holder.as_deref()));
    }
    Ok(None)
}

/// The conditions of the role, status, Panel Access, department, tag and scope filters;
/// returns what the query reads from.
fn filter_clauses(q: &mut Built, filter: &UserFilter, backend: Backend) -> &'static str {
    if let Some(role) = filter.role {
        let p = q.arg(Arg::Text(role.to_string()));
        q.clauses.push(format!("u.role_id = {p}"));
    }
    if let Some(status) = filter.status {
        let p = q.arg(Arg::Text(status.key().to_owned()));
        q.clauses.push(format!("u.status = {p}"));
    }
    if let Some(pa) = filter.panel_access {
        let p = q.arg(Arg::Bool(pa));
        q.clauses.push(format!("u.panel_access = {p}"));
    }
    // With a department, its members drive the query and are sorted by name: the cost
    // follows the department, not the account. SQLite keeps a CROSS JOIN's order;
    // PostgreSQL would rather scan an account of 10,000 users than probe 100, so each member
    // is read on its own (a lateral read its planner keeps as written, for the OFFSET).
    let mut from = "users u";
    if let Some(dep) = filter.department {
        let p = q.arg(Arg::Text(dep.to_string()));
        q.clauses
            .push(format!("dm.account_id = $1 AND dm.department_id = {p}"));
        from = match backend {
            Backend::Sqlite => {
                q.clauses
                    .push("u.account_id = dm.account_id AND u.id = dm.user_id".to_owned());
                "department_members dm CROSS JOIN users u"
            }
            Backend::Postgres => {
                "department_members dm CROSS JOIN LATERAL (SELECT * FROM users x \
                 WHERE x.account_id = dm.account_id AND x.id = dm.user_id OFFSET 0) u"
            }
        };
    }
    if let Some(tag) = filter.tag.as_deref() {
        let p = q.arg(Arg::Text(tag.to_owned()));
        // By the user's id alone, as `lists::tags_list` explains.
        q.clauses.push(format!(
            "EXISTS (SELECT 1 FROM user_tags t WHERE t.user_id = u.id AND t.tag = {p})"
        ));
    }
    if let Some(within) = &filter.within {
        let ps: Vec<String> = within
            .iter()
            .map(|id| q.arg(Arg::Text(id.to_string())))
            .collect();
        q.clauses.push(format!("u.id IN ({})", ps.join(", ")));
    }
    from
}

/// The condition of users past `cursor` in list order, on the name and id columns named
/// by `listed` and `name`/`id`; returns it without a prefix, for the index walk's bounds.
fn cursor_clause(q: &mut Built, cursor: &UserCursor, listed: &str) -> String {
    let n = q.arg(Arg::Text(cursor.name.clone()));
    let i = q.arg(Arg::Text(cursor.id.clone()));
    // The first condition alone bounds the index range (users_account_name_idx); an OR
    // of the two would read the account's users from the start.
    let past = |t: &str| format!("{t}name >= {n} AND ({t}name > {n} OR {t}id > {i})");
    q.clauses.push(past(listed));
    past("")
}
