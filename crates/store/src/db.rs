//! Connecting to SQLite or PostgreSQL, migrating, transactions, and the one place where
//! database errors are translated into typed conflicts.

use std::str::FromStr;

use std::sync::Arc;

use sqlx::{PgPool, SqlitePool};

pub use crate::postgres::{PgTx, create_postgres_database, drop_postgres_database};
pub use crate::reads::Reads;
pub use crate::sqlite::SqliteTx;
use crate::sqlite::direct::DirectReads;
use crate::sqlite::group_commit::GroupCommit;

/// Which database a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (the default).
    Sqlite,
    /// PostgreSQL, chosen by a `postgres://` URL.
    Postgres,
}

/// A connection pool on one of the two databases.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite, with the group commit its writers share (see [`Db::write`]) and the
    /// connections for single-statement reads on the calling thread ([`Db::direct`]).
    Sqlite(SqlitePool, GroupCommit, Arc<DirectReads>),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// An open transaction on one of the two databases.
pub enum Tx {
    /// SQLite.
    Sqlite(SqliteTx),
    /// PostgreSQL.
    Postgres(PgTx),
}

/// Which uniqueness rule a write broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniqueKey {
    /// A user's email (case-insensitive).
    Email,
    /// A user's mobile.
    Mobile,
    /// A user's extension.
    Extension,
    /// A user's external (identity provider) id.
    ExternalId,
    /// A user's identity provider login (case-insensitive).
    IdpUsername,
    /// A role or department name.
    Name,
    /// A phone number.
    Number,
    /// A call record's engine id.
    EngineCallId,
    /// A single sign-on connection's sign-in slug.
    SsoSlug,
    /// An email domain claimed by a single sign-on connection.
    SsoDomain,
    /// An account's SIP domain.
    SipDomain,
    /// Anything else (a primary key, a token hash).
    Other,
}

/// Storage failures, already sorted into what the service can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write.
    #[error("unique constraint on {0:?}")]
    Unique(UniqueKey),
    /// A foreign key refused the write (a referenced row is missing or still referenced).
    #[error("foreign key constraint failed")]
    ForeignKey,
    /// A CHECK constraint refused the write.
    #[error("check constraint failed")]
    Check,
    /// The database is busy or a lock could not be taken in time; safe to retry.
    #[error("database busy")]
    Busy,
    /// A text value holds a character the database cannot store (NUL on PostgreSQL). The
    /// interfaces refuse such input first; this keeps anything they miss a refusal.
    #[error("text with a character that cannot be stored")]
    InvalidText,
    /// The database cannot be reached (down, restarting, the network cut): nothing was
    /// written; safe to retry once it is back.
    #[error("database unreachable: {0}")]
    Unavailable(String),
    /// A read on SQLite's calling-thread connections failed ([`crate::sqlite::direct`]).
    #[error("direct read failed: {0}")]
    Direct(String),
    /// A stored value could not be read back (corruption or a bug).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Anything else.
    #[error(transparent)]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        translate(e)
    }
}

/// Result alias for the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// Whether a database error code means "busy, try again": SQLITE_BUSY (5), SQLITE_LOCKED
/// (6) and their extended codes; PostgreSQL serialization failure, deadlock, lock timeout.
pub(crate) fn is_busy_code(code: &str) -> bool {
    matches!(
        code,
        "5" | "6" | "517" | "262" | "40001" | "40P01" | "55P03"
    )
}

/// Whether an error means the database could not be reached: no connection could be had
/// in time, the connection broke, or PostgreSQL is shutting down or starting (SQLSTATE
/// class 08, 57P01–57P03).
fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// The one translation of database errors. PostgreSQL names the violated index; SQLite
/// names the table and columns in its message: both are matched exactly ([`UNIQUE_RULES`]).
fn translate(e: sqlx::Error) -> StoreError {
    use sqlx::error::ErrorKind;
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            ErrorKind::UniqueViolation => {
                return StoreError::Unique(unique_key(db.constraint(), db.message()));
            }
            ErrorKind::ForeignKeyViolation => return StoreError::ForeignKey,
            ErrorKind::CheckViolation => return StoreError::Check,
            _ => {}
        }
        if db.code().is_some_and(|c| is_busy_code(&c)) {
            return StoreError::Busy;
        }
        // character_not_in_repertoire (a NUL byte), untranslatable_character.
        if db.code().is_some_and(|c| matches!(&*c, "22021" | "22P05")) {
            return StoreError::InvalidText;
        }
    }
    if is_unreachable(&e) {
        return StoreError::Unavailable(e.to_string());
    }
    StoreError::Other(e)
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Backend {
    /// The backend a database URL selects.
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

impl Db {
    /// Opens a pool. `postgres://…` selects PostgreSQL; `sqlite:PATH` or a plain path
    /// selects SQLite (created if missing, in WAL mode with durable commits).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        match Backend::of_url(url) {
            Backend::Postgres => Ok(Self::Postgres(crate::postgres::connect(url).await?)),
            Backend::Sqlite => {
                let (pool, group, direct) = crate::sqlite::connect(url).await?;
                Ok(Self::Sqlite(pool, group, Arc::new(direct)))
            }
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(..) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> StoreResult<()> {
        let result = match self {
            Self::Sqlite(p, ..) => SQLITE_MIGRATOR.run(p).await,
            Self::Postgres(p) => POSTGRES_MIGRATOR.run(p).await,
        };
        result.map_err(|e| StoreError::Other(sqlx::Error::Migrate(Box::new(e))))
    }

    /// A transaction for reading.
    pub async fn read(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(p, ..) => Tx::Sqlite(SqliteTx::Read(p.begin().await?)),
            Self::Postgres(p) => Tx::Postgres(PgTx::Tx(p.begin().await?)),
        })
    }

    /// A read whose statements all see one snapshot, on PostgreSQL too (`REPEATABLE
    /// READ`; SQLite's read transactions always do): for a check that compares what two
    /// statements read while others write.
    pub async fn read_snapshot(&self) -> StoreResult<Tx> {
        let mut tx = self.read().await?;
        if let Tx::Postgres(t) = &mut tx {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut **t)
                .await?;
        }
        Ok(tx)
    }

    /// For a read that needs no snapshot shared by its statements (one statement, or
    /// statements that each stand alone): a pooled connection outside any transaction,
    /// which saves the `BEGIN` and its end (two round trips on PostgreSQL).
    pub async fn read_latest(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(p, ..) => Tx::Sqlite(SqliteTx::Latest(p.acquire().await?)),
            Self::Postgres(p) => Tx::Postgres(PgTx::Latest(p.acquire().await?)),
        })
    }

    /// A transaction for writing. On SQLite writers take turns, first come first served,
    /// inside a shared transaction that holds the write lock (`BEGIN IMMEDIATE`), so
    /// read-then-write rules cannot interleave, and commit in groups (see
    /// [`crate::sqlite::group_commit`]); on PostgreSQL the service additionally locks the account
    /// row ([`crate::accounts::lock_account`]).
    pub async fn write(&self) -> StoreResult<Tx> {
        Ok(match self {
            Self::Sqlite(_, group, _) => Tx::Sqlite(SqliteTx::Write(group.turn().await?)),
            Self::Postgres(p) => Tx::Postgres(PgTx::Tx(p.begin().await?)),
        })
    }

    /// A read whose statements run where they cost least: on SQLite in a read transaction
    /// on the calling thread ([`crate::sqlite::direct`]), on PostgreSQL on a pooled
    /// connection outside a transaction ([`Db::read_latest`]). For reads of a bounded number
    /// of rows through indexes.
    pub async fn reads(&self) -> StoreResult<Reads<'_>> {
        Ok(match self {
            Self::Sqlite(_, _, direct) => Reads::Direct(direct.begin().await?),
            Self::Postgres(_) => Reads::Own(self.read_latest().await?),
        })
    }

    /// SQLite's reads on the calling thread (`None` on PostgreSQL), for a read that is one
    /// statement over a handful of rows ([`crate::sqlite::direct`]).
    pub(crate) fn direct(&self) -> Option<&DirectReads> {
        match self {
            Self::Sqlite(_, _, direct) => Some(direct),
            Self::Postgres(_) => None,
        }
    }

    /// Checks that the database answers a query.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut tx = self.read().await?;
        on!(&mut tx, |c| sqlx::query("SELECT 1")
            .execute(c)
            .await
            .map(|_| ()))?;
        tx.rollback().await
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(p, group, _) => {
                group.close().await;
                p.close().await;
            }
            Self::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// Which backend this transaction is on.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether the transaction can still be read after one of its statements failed:
    /// SQLite undoes just that statement; PostgreSQL aborts the whole transaction.
    pub fn readable_after_error(&self) -> bool {
        self.backend() == Backend::Sqlite
    }

    /// Commits; a write returns once it is durable.
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Self::Sqlite(SqliteTx::Read(t)) => t.commit().await?,
            Self::Sqlite(SqliteTx::Latest(_)) => {}
            Self::Sqlite(SqliteTx::Write(t)) => t.commit().await?,
            Self::Postgres(PgTx::Tx(t)) => t.commit().await?,
            Self::Postgres(PgTx::Latest(_)) => {}
        }
        Ok(())
    }

    /// Rolls back (also happens when dropped).
    pub async fn rollback(self) -> StoreResult<()> {
        match self {
            Self::Sqlite(SqliteTx::Read(t)) => t.rollback().await?,
            Self::Sqlite(SqliteTx::Latest(_)) => {}
            Self::Sqlite(SqliteTx::Write(t)) => drop(t),
            Self::Postgres(PgTx::Tx(t)) => t.rollback().await?,
            Self::Postgres(PgTx::Latest(_)) => {}
        }
        Ok(())
    }
}

/// A value bound to a query built at run time.
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// Binds run-time values to a query, in order.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::db::Arg::Text(s) => q.bind(s.clone()),
                $crate::db::Arg::Int(i) => q.bind(*i),
                $crate::db::Arg::Bool(b) => q.bind(*b),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

/// An expression listing `items` of the rows `rest` (`FROM … WHERE …`) selects as the
/// text of one JSON array (of single items, or of arrays of them), in no particular order:
/// a row's lists read with the row in one statement.
pub(crate) fn json_list(backend: Backend, items: &[&str], rest: &str) -> String {
    match backend {
        Backend::Sqlite => crate::sqlite::json_list(items, rest),
        Backend::Postgres => crate::postgres::json_list(items, rest),
    }
}

/// Runs the same query code on whichever connection the transaction holds. The body is
/// compiled once per backend, so one text of SQL (with `$1` placeholders, which both
/// databases accept) serves both.
macro_rules! on {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on;

/// The `VALUES` list of a multi-row insert: `rows` tuples of `per_row` parameters, bound
/// row after row. PostgreSQL's are numbered, `($1, …, $n), ($n+1, …)`; SQLite's are plain
/// `?`, numbered by position: binding a numbered parameter makes SQLite look its name up
/// in a list of all of them, which for a turn's worth of rows (hundreds of parameters) cost
/// more than the insert itself.
pub(crate) fn value_rows(backend: Backend, rows: usize, per_row: usize) -> String {
    let row = |r: usize| -> String {
        let params: Vec<String> = (1..=per_row)
            .map(|i| placeholder(backend, r * per_row + i))
            .collect();
        format!("({})", params.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// The `n`th parameter of a statement whose parameters all appear once, in the order they
/// are bound (see [`value_rows`]).
pub(crate) fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    }
}

/// Microseconds since the epoch, as stored.
pub fn to_micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

/// Reads a stored time back.
pub fn from_micros(us: i64) -> StoreResult<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond(us).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Reads a stored id back.
pub fn parse_id<T: FromStr>(s: &str) -> StoreResult<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

mod unique;

#[cfg(test)]
use unique::UNIQUE_RULES;
use unique::unique_key;

#[cfg(test)]
mod tests;
