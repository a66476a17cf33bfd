//! What only SQLite needs, in one place: how connections are opened (WAL, durable
//! commits, a memory map of the whole file, a writer connection of its own), the group
//! commit its writers share ([`group_commit`]), the list order kept as a number for its
//! text index ([`search_order`], [`text_index`]), and rows folded into one JSON array so
//! a page crosses from the driver's thread in one hand-off ([`json_rows`]).

pub mod direct;
pub mod group_commit;
pub(crate) mod search_order;
pub(crate) mod text_index;

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::db::{StoreError, StoreResult};
use group_commit::{GroupCommit, Turn};

/// The writer connection's page cache, in KiB as SQLite's `cache_size` takes it (negative).
const WRITER_CACHE_KIB: i64 = -65_536;

/// How much of a SQLite database file is read through a memory map: all of it, up to 64 GiB
/// (the bundled SQLite is built to allow that, `.cargo/config.toml`; its own default cap is
/// 2 GiB, which a database of a million users outgrows).
const MMAP_BYTES: u64 = 64 << 30;

/// An SQLite transaction: a reader's own, or a writer's turn in a group commit.
pub enum SqliteTx {
    /// A reading transaction on a connection of its own.
    Read(Transaction<'static, Sqlite>),
    /// A connection outside any transaction: each statement reads the latest commit (see
    /// [`Db::read_latest`]).
    Latest(PoolConnection<Sqlite>),
    /// A writer's turn (a savepoint in the group's shared transaction).
    Write(Turn),
}

impl std::ops::Deref for SqliteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            Self::Read(t) => t,
            Self::Latest(c) => c,
            Self::Write(t) => t,
        }
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Self::Read(t) => t,
            Self::Latest(c) => c,
            Self::Write(t) => t,
        }
    }
}

/// Opens the database at `url` (`sqlite:PATH`, `sqlite://PATH` or a plain path; created
/// if missing): a pool of readers, and the group commit on a writer connection of its own.
pub(crate) async fn connect(
    url: &str,
) -> StoreResult<(SqlitePool, GroupCommit, direct::DirectReads)> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30))
        // Multi-row writes come in every batch size up to a turn's worth; each
        // size is its own prepared statement, kept rather than parsed again.
        .statement_cache_capacity(512)
        // Reads go through a memory map of the file rather than a system call
        // and a copy per page: the pages are the operating system's page cache
        // either way.
        .pragma("mmap_size", MMAP_BYTES.to_string())
        // The log is copied back in the background (`group_commit`); a commit
        // does it itself only if the log passes 64 MiB.
        .pragma("wal_autocheckpoint", "16384");
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(60))
        // A connection to a local file does not go stale: no round trip to
        // check it before each use.
        .test_before_acquire(false)
        .connect_with(opts.clone())
        .await?;
    // Writes run on a connection of their own. Only it changes the database,
    // so the pages it keeps stay valid from one shared commit to the next (a
    // connection that sees another's commit drops every page it kept), and it
    // keeps more of them: the upper levels of every index a write touches.
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        .test_before_acquire(false)
        .connect_with(opts.pragma("cache_size", WRITER_CACHE_KIB.to_string()))
        .await?;
    let group = GroupCommit::start(writer, pool.clone());
    Ok((pool, group, direct::DirectReads::new(path)))
}

/// A SQLite expression folding the rows of `sql` (whose result columns include `columns`)
/// into one JSON array, in the order of `sql` ([`crate::Reads::rows`]).
pub(crate) fn json_rows(sql: &str, columns: &[&str]) -> String {
    let pairs: Vec<String> = columns.iter().map(|c| format!("'{c}', p.{c}")).collect();
    format!(
        "(SELECT json_group_array(json_object({})) FROM ({sql}) AS p)",
        pairs.join(", ")
    )
}

/// A SQLite expression listing, as one JSON array, `items` of the rows `rest` (`FROM …
/// WHERE …`) selects: each row's single item, or an array of its items ([`crate::db::json_list`]).
pub(crate) fn json_list(items: &[&str], rest: &str) -> String {
    let value = match items {
        [one] => (*one).to_owned(),
        many => format!("json_array({})", many.join(", ")),
    };
    format!("(SELECT json_group_array({value}) {rest})")
}

/// Decodes rows folded by [`json_rows`].
pub(crate) fn rows_from_json<T: serde::de::DeserializeOwned>(json: &str) -> StoreResult<Vec<T>> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Reads a stored flag from a row folded into JSON ([`crate::Reads::rows`]): SQLite keeps flags
/// as 0 and 1.
pub(crate) fn json_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    json_opt_flag(d)?.ok_or_else(|| serde::de::Error::custom("a flag is missing"))
}

/// [`json_flag`] for a flag that may be empty.
pub(crate) fn json_opt_flag<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<bool>, D::Error> {
    use serde::Deserialize;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Bool(b) => Ok(Some(b)),
        serde_json::Value::Number(n) => Ok(Some(n.as_i64() != Some(0))),
        other => Err(serde::de::Error::custom(format!("not a flag: {other}"))),
    }
}
