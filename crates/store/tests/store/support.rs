//! Fresh databases for tests: a SQLite file in a temporary directory, or a new database
//! on the PostgreSQL server named by `SWITCHBOARD_TEST_POSTGRES_URL`.

use std::path::PathBuf;

use sqlx::Connection;
use switchboard_store::Db;
use switchboard_store::schema::TableShape;

/// The variable naming the PostgreSQL server the tests create their databases on.
pub const POSTGRES_URL_VAR: &str = "SWITCHBOARD_TEST_POSTGRES_URL";
/// Set to `1` to skip the PostgreSQL tests (they fail when no server is named otherwise).
pub const SKIP_POSTGRES_VAR: &str = "SWITCHBOARD_TEST_SKIP_POSTGRES";

/// A fresh, empty SQLite database file; deleted with this value.
pub struct TestSqlite {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl TestSqlite {
    /// A new empty database file in a new temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let path = dir.path().join("switchboard.db");
        Self { _dir: dir, path }
    }

    /// The URL to give [`Db::connect`].
    pub fn url(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    /// A new pool on this database.
    pub async fn connect(&self) -> Db {
        Db::connect(&self.url())
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url()))
    }
}

/// The PostgreSQL server URL from the environment; `None` (after a notice) when the
/// PostgreSQL tests are explicitly skipped. Panics when it is simply missing, so that a
/// plain `cargo nextest run` cannot pass without having tested PostgreSQL.
pub fn postgres_server_url(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var(SKIP_POSTGRES_VAR).is_ok_and(|v| v == "1") => {
            eprintln!(
                "NOTICE: {test}: PostgreSQL part skipped because {SKIP_POSTGRES_VAR}=1 \
                 (nothing was checked on PostgreSQL)"
            );
            None
        }
        _ => panic!(
            "{POSTGRES_URL_VAR} is not set, so this PostgreSQL test cannot run. Run the tests \
             with `scripts/test` (it starts a private PostgreSQL and sets the variable), or \
             set {POSTGRES_URL_VAR}=postgres://USER@HOST:PORT/postgres yourself, or set \
             {SKIP_POSTGRES_VAR}=1 to skip the PostgreSQL tests deliberately."
        ),
    }
}

/// A fresh, empty PostgreSQL database (`sb_store_<random hex>`) on the test server.
pub struct TestPostgres {
    server_url: String,
    name: String,
    url: String,
}

impl TestPostgres {
    /// Creates a new database, or returns `None` when PostgreSQL tests are skipped
    /// (see [`postgres_server_url`]).
    pub async fn new(test: &str) -> Option<Self> {
        let server_url = postgres_server_url(test)?;
        let name = format!("sb_store_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&server_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "connect to {POSTGRES_URL_VAR}={server_url}: {e} \
                     (is the server running? `scripts/test` starts one)"
                )
            });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        admin.close().await.ok();
        let url = with_database(&server_url, &name);
        Some(Self {
            server_url,
            name,
            url,
        })
    }

    /// The URL to give [`Db::connect`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new pool on this database.
    pub async fn connect(&self) -> Db {
        Db::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url))
    }

    /// Drops the database. Call at the end of a passing test; a failing test leaves its
    /// database behind for inspection (the private cluster is thrown away anyway).
    pub async fn drop_database(self) {
        let mut admin = sqlx::PgConnection::connect(&self.server_url)
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.server_url));
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("DROP DATABASE {}: {e}", self.name));
        admin.close().await.ok();
    }
}

/// `url` with its database name (the path) replaced by `database`; the query string is
/// kept.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A readable account of how two schema descriptions differ; empty when they are equal.
pub fn schema_diff(
    left_name: &str,
    left: &[TableShape],
    right_name: &str,
    right: &[TableShape],
) -> String {
    use std::collections::BTreeMap;
    use std::fmt::Write as _;

    let l: BTreeMap<&str, &TableShape> = left.iter().map(|t| (t.name.as_str(), t)).collect();
    let r: BTreeMap<&str, &TableShape> = right.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut out = String::new();
    for name in l
        .keys()
        .chain(r.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        match (l.get(name), r.get(name)) {
            (Some(_), None) => writeln!(out, "table {name}: only in {left_name}").unwrap(),
            (None, Some(_)) => writeln!(out, "table {name}: only in {right_name}").unwrap(),
            (Some(a), Some(b)) => {
                for (what, xs, ys) in [
                    ("column", &a.columns, &b.columns),
                    ("index", &a.indexes, &b.indexes),
                ] {
                    let before = out.len();
                    for x in xs.iter().filter(|x| !ys.contains(x)) {
                        writeln!(out, "table {name}: {what} {x} only in {left_name}").unwrap();
                    }
                    for y in ys.iter().filter(|y| !xs.contains(y)) {
                        writeln!(out, "table {name}: {what} {y} only in {right_name}").unwrap();
                    }
                    if out.len() == before && xs != ys {
                        writeln!(
                            out,
                            "table {name}: {what}s in a different order\n  \
                             {left_name}: {xs:?}\n  {right_name}: {ys:?}"
                        )
                        .unwrap();
                    }
                }
            }
            (None, None) => {}
        }
    }
    if out.is_empty() && left != right {
        // Same names everywhere but still unequal (duplicates, table order): show both.
        writeln!(out, "{left_name}: {left:#?}\n{right_name}: {right:#?}").unwrap();
    }
    out
}

/// The recorded migrations as `(version, checksum as hex)`, in order.
pub async fn applied_migrations(db: &Db) -> Vec<(i64, String)> {
    const SQL: &str = "SELECT version, checksum FROM _sqlx_migrations ORDER BY version";
    let rows: Vec<(i64, Vec<u8>)> = match db {
        Db::Sqlite(p, ..) => sqlx::query_as(SQL).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_as(SQL).fetch_all(p).await,
    }
    .expect("read _sqlx_migrations");
    rows.into_iter()
        .map(|(v, sum)| (v, sum.iter().map(|b| format!("{b:02x}")).collect()))
        .collect()
}

#[test]
fn the_database_name_in_a_postgres_url_is_replaced() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:55432/postgres", "x"),
        "postgres://postgres@127.0.0.1:55432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h:1/postgres?sslmode=disable", "x"),
        "postgres://u:p@h:1/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgresql://u@h:1", "x"),
        "postgresql://u@h:1/x"
    );
    assert_eq!(
        with_database("postgres://u@h:1?sslmode=disable", "x"),
        "postgres://u@h:1/x?sslmode=disable"
    );
}

#[test]
fn a_schema_diff_names_each_table_column_and_index_that_differs() {
    let shape = |name: &str, columns: &[&str], indexes: &[&str]| TableShape {
        name: name.to_owned(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        indexes: indexes.iter().map(|i| (*i).to_owned()).collect(),
    };
    let a = vec![
        shape("t", &["a", "b"], &["PRIMARY(a)", "t_b_idx(b)"]),
        shape("only_a", &["x"], &["PRIMARY(x)"]),
    ];
    let b = vec![shape("t", &["a", "c"], &["PRIMARY(a)"])];
    assert_eq!(schema_diff("A", &a, "A", &a), "");
    let diff = schema_diff("A", &a, "B", &b);
    for line in [
        "table only_a: only in A",
        "table t: column b only in A",
        "table t: column c only in B",
        "table t: index t_b_idx(b) only in A",
    ] {
        assert!(diff.contains(line), "{line:?} missing from:\n{diff}");
    }
}
