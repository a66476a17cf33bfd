//! Searching users by a condition tree (what a SCIM filter becomes), with totals, sorting
//! and offset paging. The condition is turned into one SQL `WHERE` clause with bound
//! values, so matching happens in the database, never in memory.

use switchboard_domain::AccountId;
use switchboard_domain::search::{Cond, MatchOp, MatchValue, UserCond, UserField, UserSort};

use std::sync::LazyLock;

use crate::db::{Arg, Backend, Reads, StoreError, StoreResult};
use crate::sqlite::{json_rows, rows_from_json, text_index};
use crate::users::{ListedUser, UserAnd, columns_and, page_with_lists, u_columns};

/// A column a condition can test.
pub trait Field: Copy {
    /// The SQL column (with its table alias).
    fn column(self) -> &'static str;
    /// Whether the column may be empty.
    fn nullable(self) -> bool;
    /// Whether the column is stored lower-cased, so a case-insensitive comparison needs no
    /// `LOWER()` (and can use the column's index).
    fn stored_lower(self) -> bool {
        false
    }
    /// The SQL test on the column as it applies to the searched row (a column of a related
    /// table is tested through `EXISTS`).
    fn scoped(self, test: String) -> String {
        test
    }
}

impl Field for UserField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => "u.id",
            Self::ExternalId => "u.external_id",
            Self::Name => "u.name",
            Self::Email => "u.email_key",
            Self::IdpUsername => "u.idp_username_key",
            Self::Login => "u.login_key",
            Self::Mobile => "u.mobile",
            Self::AlternateMobile => "u.alternate_mobile",
            Self::Extension => "u.extension",
            Self::CreatedAt => "u.created_at",
            Self::UpdatedAt => "u.updated_at",
        }
    }

    fn nullable(self) -> bool {
        matches!(
            self,
            Self::ExternalId
                | Self::Email
                | Self::IdpUsername
                | Self::Mobile
                | Self::AlternateMobile
        )
    }

    fn stored_lower(self) -> bool {
        matches!(self, Self::Email | Self::IdpUsername | Self::Login)
    }
}

/// Whether `cond` finds a handful of users at most through an index: an exact `eq` on a
/// column indexed by account (a value each user holds of their own, or the login), so that
/// its statements are as short as a lookup ([`Reads::few_rows`]).
fn pins_few(cond: &UserCond) -> bool {
    match cond {
        Cond::Match {
            field,
            op: MatchOp::Eq,
            value,
        } => {
            let indexed = matches!(
                field,
                UserField::Id
                    | UserField::ExternalId
                    | UserField::Email
                    | UserField::IdpUsername
                    | UserField::Login
                    | UserField::Mobile
                    | UserField::Extension
            );
            // A case-insensitive test of a column not stored lower-cased reads `LOWER()`
            // of every user's value.
            let as_indexed = match value {
                MatchValue::Int(_) => true,
                MatchValue::Text {
                    case_insensitive, ..
                } => !case_insensitive || field.stored_lower(),
            };
            indexed && as_indexed
        }
        Cond::Nothing => true,
        Cond::And(a, b) => pins_few(a) || pins_few(b),
        Cond::Or(a, b) => pins_few(a) && pins_few(b),
        Cond::All | Cond::Not(_) | Cond::Present(_) | Cond::Active(_) | Cond::Match { .. } => false,
    }
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub(crate) struct Sql {
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn bind(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    /// Renders `cond` as a boolean SQL expression that is never NULL, so `NOT` is exact.
    pub(crate) fn cond<F: Field>(&mut self, cond: &Cond<F>) -> String {
        match cond {
            Cond::All => "1 = 1".to_owned(),
            Cond::Nothing => "1 = 0".to_owned(),
            Cond::And(a, b) => format!("({} AND {})", self.cond(a), self.cond(b)),
            Cond::Or(a, b) => format!("({} OR {})", self.cond(a), self.cond(b)),
            Cond::Not(a) => format!("(NOT {})", self.cond(a)),
            Cond::Present(f) if f.nullable() => {
                f.scoped(format!("({c} IS NOT NULL AND {c} <> '')", c = f.column()))
            }
            Cond::Present(_) => "1 = 1".to_owned(),
            Cond::Active(true) => "u.status <> 'inactive'".to_owned(),
            Cond::Active(false) => "u.status = 'inactive'".to_owned(),
            Cond::Match { field, op, value } => {
                let test = self.compare(*field, *op, value);
                field.scoped(test)
            }
        }
    }

    fn compare<F: Field>(&mut self, field: F, op: MatchOp, value: &MatchValue) -> String {
        let col = field.column();
        // SQLite's LIKE ignores ASCII case, so a case-exact co/sw/ew is also checked with
        // functions that compare exactly on both databases (RFC 7644 §3.4.2.2, caseExact).
        let mut exact = None;
        if let MatchValue::Text {
            value,
            case_insensitive: false,
        } = value
            && !value.is_empty()
        {
            exact = match op {
                MatchOp::Contains => {
                    let v = self.bind(Arg::Text(value.clone()));
                    Some(format!("REPLACE({col}, {v}, '') <> {col}"))
                }
                MatchOp::StartsWith => {
                    let v = self.bind(Arg::Text(value.clone()));
                    Some(format!("SUBSTR({col}, 1, LENGTH({v})) = {v}"))
                }
                MatchOp::EndsWith => {
                    let v = self.bind(Arg::Text(value.clone()));
                    Some(format!(
                        "SUBSTR({col}, LENGTH({col}) - LENGTH({v}) + 1) = {v}"
                    ))
                }
                _ => None,
            };
        }
        let (lhs, rhs) = match value {
            MatchValue::Int(i) => (col.to_owned(), Arg::Int(*i)),
            MatchValue::Text {
                value,
                case_insensitive,
            } => {
                let v = if *case_insensitive {
                    value.to_lowercase()
                } else {
                    value.clone()
                };
                let v = match op {
                    MatchOp::Contains => format!("%{}%", like_escape(&v)),
                    MatchOp::StartsWith => format!("{}%", like_escape(&v)),
                    MatchOp::EndsWith => format!("%{}", like_escape(&v)),
                    _ => v,
                };
                let lhs = if *case_insensitive && !field.stored_lower() {
                    format!("LOWER({col})")
                } else {
                    col.to_owned()
                };
                (lhs, Arg::Text(v))
            }
        };
        let p = self.bind(rhs);
        let test = match op {
            MatchOp::Eq => format!("{lhs} = {p}"),
            MatchOp::Ne => format!("{lhs} <> {p}"),
            MatchOp::Contains | MatchOp::StartsWith | MatchOp::EndsWith => {
                format!("{lhs} LIKE {p} ESCAPE '\\'")
            }
            MatchOp::Gt => format!("{lhs} > {p}"),
            MatchOp::Ge => format!("{lhs} >= {p}"),
            MatchOp::Lt => format!("{lhs} < {p}"),
            MatchOp::Le => format!("{lhs} <= {p}"),
        };
        let test = match exact {
            Some(e) => format!("{test} AND {e}"),
            None => test,
        };
        match (field.nullable(), op) {
            (true, MatchOp::Ne) => format!("({col} IS NULL OR {test})"),
            (true, _) => format!("({col} IS NOT NULL AND {test})"),
            (false, _) => format!("({test})"),
        }
    }
}

/// Users matching a search: how many match in all, one page, and the account's rights
/// version read with them.
#[derive(Clone, Debug)]
pub struct FoundUsers {
    /// How many users match.
    pub total: u64,
    /// The page, each user with their departments.
    pub users: Vec<ListedUser>,
    /// The account's rights version.
    pub rights_version: i64,
}

/// The count of a search, with the rights version (and, for a search through the trigram
/// index, the page folded into JSON).
#[derive(sqlx::FromRow, serde::Deserialize)]
struct Counted {
    n: i64,
    rights_version: i64,
    page_json: Option<String>,
}

const COUNTED: [&str; 3] = ["n", "rights_version", "page_json"];

/// A user of a page, with their tags and departments.
type FoundRow = UserAnd<Found>;

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Found {
    tags_json: String,
    departments_json: String,
}

/// The columns of a [`FoundRow`].
fn found_columns() -> &'static [&'static str] {
    static NAMES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| columns_and(&["tags_json", "departments_json"]));
    &NAMES
}

/// The users of the account matching `cond`: how many match in all, and the page of
/// `limit` users after skipping `offset`, ordered by `sort` (then by id; by creation time
/// and id when no sort is given), each with their departments, and the account's rights
/// version: two statements (the count, the page), or one through SQLite's trigram index.
pub async fn search_users(
    reads: &mut Reads<'_>,
    account: AccountId,
    cond: &UserCond,
    sort: Option<UserSort>,
    offset: u64,
    limit: u32,
) -> StoreResult<FoundUsers> {
    let mut sql = Sql {
        args: vec![Arg::Text(account.to_string())],
    };
    let clause = sql.cond(cond);
    let order = match sort {
        Some(s) => format!(
            "{} {}, u.id",
            s.field.column(),
            if s.descending { "DESC" } else { "ASC" }
        ),
        None => "u.created_at, u.id".to_owned(),
    };
    let backend = reads.backend();
    let version = "(SELECT a.rights_version FROM accounts a WHERE a.id = $1) AS rights_version";
    let cols = u_columns();
    if backend == Backend::Sqlite
        && let Some(query) = text_index::query_for(cond)
    {
        // The trigram index narrows the search; its matches are found once, then counted
        // and paged, rather than once for the total and again for the page.
        let p = sql.bind(Arg::Text(query));
        let lim = sql.bind(Arg::Int(i64::from(limit)));
        let off = sql.bind(Arg::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
        let page = page_with_lists(
            backend,
            cols,
            &format!(
                "FROM matched m CROSS JOIN users u ON u.rowid = m.r \
                 ORDER BY {order} LIMIT {lim} OFFSET {off}"
            ),
            true,
        );
        let one_pass = format!(
            "WITH matched AS MATERIALIZED (SELECT u.rowid AS r FROM users u \
             WHERE +u.account_id = $1 AND {} AND {clause}) \
             SELECT (SELECT COUNT(*) FROM matched) AS n, {version}, {} AS page_json",
            text_index::candidates(&p, None),
            json_rows(&page, found_columns())
        );
        let counted: Vec<Counted> = reads.rows(&one_pass, &COUNTED, &sql.args).await?;
        let Some(c) = counted.into_iter().next() else {
            return Err(StoreError::Corrupt("a count answered no row".into()));
        };
        let rows: Vec<FoundRow> = rows_from_json(c.page_json.as_deref().unwrap_or("[]"))?;
        return found(c.n, c.rights_version, rows);
    }
    let count_sql = format!(
        "SELECT COUNT(*) AS n, {version}, NULL AS page_json FROM users u \
         WHERE u.account_id = $1 AND {clause}"
    );
    let few = pins_few(cond);
    let counted: Vec<Counted> = if few {
        reads.few_rows(&count_sql, &COUNTED, &sql.args).await?
    } else {
        reads.rows(&count_sql, &COUNTED, &sql.args).await?
    };
    let Some(c) = counted.into_iter().next() else {
        return Err(StoreError::Corrupt("a count answered no row".into()));
    };
    let total = u64::try_from(c.n).unwrap_or(0);
    if limit == 0 || offset >= total {
        return found(c.n, c.rights_version, Vec::new());
    }
    let lim = sql.bind(Arg::Int(i64::from(limit)));
    let off = sql.bind(Arg::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    let page_sql = page_with_lists(
        backend,
        cols,
        &format!(
            "FROM users u WHERE u.account_id = $1 AND {clause} ORDER BY {order} \
             LIMIT {lim} OFFSET {off}"
        ),
        true,
    );
    let rows: Vec<FoundRow> = if few {
        reads
            .few_rows(&page_sql, found_columns(), &sql.args)
            .await?
    } else {
        reads.rows(&page_sql, found_columns(), &sql.args).await?
    };
    found(c.n, c.rights_version, rows)
}

fn found(n: i64, rights_version: i64, rows: Vec<FoundRow>) -> StoreResult<FoundUsers> {
    let users = rows
        .into_iter()
        .map(|UserAnd { user, rest }| {
            ListedUser::decode(user, &rest.tags_json, &rest.departments_json)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(FoundUsers {
        total: u64::try_from(n).unwrap_or(0),
        users,
        rights_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(field: UserField, value: &str, case_insensitive: bool) -> UserCond {
        Cond::Match {
            field,
            op: MatchOp::Eq,
            value: MatchValue::Text {
                value: value.to_owned(),
                case_insensitive,
            },
        }
    }

    #[test]
    fn only_an_exact_eq_on_an_indexed_column_is_read_as_a_lookup() {
        let login = eq(UserField::Login, "mia@example.com", true);
        let name = eq(UserField::Name, "Mia Chen", false);
        assert!(pins_few(&login));
        assert!(pins_few(&eq(UserField::ExternalId, "e-1", false)));
        // externalId is not stored lower-cased: ignoring case reads every user's value.
        assert!(!pins_few(&eq(UserField::ExternalId, "e-1", true)));
        assert!(!pins_few(&name));
        let contains = Cond::Match {
            field: UserField::Login,
            op: MatchOp::Contains,
            value: MatchValue::Text {
                value: "mia".to_owned(),
                case_insensitive: true,
            },
        };
        assert!(!pins_few(&contains));
        let both = |a: &UserCond, b: &UserCond| Cond::And(Box::new(a.clone()), Box::new(b.clone()));
        let either =
            |a: &UserCond, b: &UserCond| Cond::Or(Box::new(a.clone()), Box::new(b.clone()));
        assert!(pins_few(&both(&contains, &login)));
        assert!(!pins_few(&either(&login, &name)));
        assert!(pins_few(&either(
            &login,
            &eq(UserField::Email, "leo@example.com", true)
        )));
        assert!(!pins_few(&Cond::Not(Box::new(login))));
    }
}
