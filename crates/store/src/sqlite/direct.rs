//! Reads on SQLite made on the calling thread. sqlx runs each SQLite connection on a
//! worker thread of its own and hands every statement and row across (for one indexed
//! lookup, the hand-offs cost several times SQLite's own work); a single-user read, and
//! a page of the users list with the roles beside it, are made here instead, on a
//! connection of a small pool used by one caller at a time, their rows decoded column by
//! column (no JSON in between). Writes never come here: they keep sqlx's connection, the
//! group commit and its durability.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde::de::{self, DeserializeOwned, Visitor};

use super::MMAP_BYTES;
use crate::db::{Arg, StoreError, StoreResult, is_busy_code};

/// Most idle connections kept; more are opened when more reads run at once, and closed
/// after use (losing their prepared statements).
const MOST_IDLE: usize = 8;

/// Most read transactions ([`DirectReads::begin`]) at once; the rest wait their turn
/// without holding a thread. Each may run long enough to be moved off the runtime's
/// threads; unbounded, many requests in flight meant as many threads and connections,
/// each connection opened and its statements prepared again per request.
const TRANSACTIONS_AT_ONCE: usize = 4;

/// The pool of read-only connections to one database file.
#[derive(Debug)]
pub struct DirectReads {
    path: String,
    idle: Mutex<Vec<Connection>>,
    turns: tokio::sync::Semaphore,
}

impl DirectReads {
    /// Reads from the database file at `path` (opened on first use).
    pub(crate) fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
            turns: tokio::sync::Semaphore::new(TRANSACTIONS_AT_ONCE),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // As the sqlx readers: pages through the memory map.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// The rows `sql` answers, bound to `args` (`$1`, `$2`, … by name, or `?` in order),
    /// each decoded into `T` by its column names. Runs on the calling thread: only for a
    /// statement that reads a bounded number of rows through indexes.
    pub(crate) fn rows<T: DeserializeOwned>(&self, sql: &str, args: &[Arg]) -> StoreResult<Vec<T>> {
        let conn = self.take()?;
        let answer = read_rows(&conn, sql, args);
        self.give_back(conn);
        answer
    }

    /// A read transaction on a connection of the pool: its statements share one snapshot.
    pub(crate) async fn begin(&self) -> StoreResult<DirectTx<'_>> {
        let turn = self
            .turns
            .acquire()
            .await
            .map_err(|_| StoreError::Direct("the reads have stopped".into()))?;
        let conn = self.take()?;
        match conn.execute_batch("BEGIN") {
            Ok(()) => Ok(DirectTx {
                pool: self,
                conn: Some(conn),
                _turn: turn,
            }),
            Err(e) => {
                self.give_back(conn);
                Err(translate(e))
            }
        }
    }

    fn take(&self) -> StoreResult<Connection> {
        let taken = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match taken {
            Some(c) => Ok(c),
            None => self.open().map_err(translate),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MOST_IDLE {
            idle.push(conn);
        }
    }
}

/// A read transaction of [`DirectReads`]; ends (and returns its connection) when dropped.
#[derive(Debug)]
pub struct DirectTx<'a> {
    pool: &'a DirectReads,
    conn: Option<Connection>,
    _turn: tokio::sync::SemaphorePermit<'a>,
}

impl DirectTx<'_> {
    /// [`DirectReads::rows`] in this transaction.
    pub(crate) fn rows<T: DeserializeOwned>(&self, sql: &str, args: &[Arg]) -> StoreResult<Vec<T>> {
        match &self.conn {
            Some(conn) => read_rows(conn, sql, args),
            None => Err(StoreError::Direct("the read has ended".into())),
        }
    }
}

impl Drop for DirectTx<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A read-only transaction: ending it cannot lose anything; a connection whose
            // transaction would not end is not reused.
            if conn.execute_batch("ROLLBACK").is_ok() {
                self.pool.give_back(conn);
            }
        }
    }
}

fn read_rows<T: DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    args: &[Arg],
) -> StoreResult<Vec<T>> {
    let mut st = conn.prepare_cached(sql).map_err(translate)?;
    for (i, arg) in args.iter().enumerate() {
        let at = match st
            .parameter_index(&format!("${}", i + 1))
            .map_err(translate)?
        {
            Some(at) => at,
            None => i + 1,
        };
        let bound = match arg {
            Arg::Text(t) => st.raw_bind_parameter(at, t.as_str()),
            Arg::Int(n) => st.raw_bind_parameter(at, n),
            Arg::Bool(b) => st.raw_bind_parameter(at, b),
        };
        bound.map_err(translate)?;
    }
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    // The column names, kept from the second row on: a page of users has dozens of rows of
    // 30-odd columns, a single user one row (copying them would cost it more than reading).
    let mut names: Option<Vec<String>> = None;
    while let Some(row) = rows.next().map_err(translate)? {
        if names.is_none() && !out.is_empty() {
            let statement: &rusqlite::Statement<'_> = row.as_ref();
            let all = statement.column_names().into_iter().map(str::to_owned);
            names = Some(all.collect());
        }
        let decoded = T::deserialize(RowDecoder {
            row,
            names: names.as_deref(),
            at: 0,
        })
        .map_err(|e| StoreError::Corrupt(e.0))?;
        out.push(decoded);
    }
    Ok(out)
}

/// Why a row could not be decoded.
#[derive(Debug)]
struct DecodeError(String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<M: std::fmt::Display>(msg: M) -> Self {
        Self(msg.to_string())
    }
}

/// A row seen as a map from column name to value, read in column order.
struct RowDecoder<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
    /// The statement's column names, when kept; else asked of the statement.
    names: Option<&'a [String]>,
    at: usize,
}

impl<'de> de::Deserializer<'de> for RowDecoder<'_, '_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de> de::MapAccess<'de> for RowDecoder<'_, '_> {
    type Error = DecodeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        let statement: &rusqlite::Statement<'_> = self.row.as_ref();
        let name = match self.names {
            Some(names) => names.get(self.at).map(String::as_str),
            None if self.at < statement.column_count() => Some(
                statement
                    .column_name(self.at)
                    .map_err(|e| DecodeError(e.to_string()))?,
            ),
            None => None,
        };
        let Some(name) = name else {
            return Ok(None);
        };
        seed.deserialize(de::value::StrDeserializer::<DecodeError>::new(name))
            .map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let value = self
            .row
            .get_ref(self.at)
            .map_err(|e| DecodeError(e.to_string()))?;
        self.at += 1;
        seed.deserialize(Cell(value))
    }
}

/// One column's value; SQL NULL is an absent option.
struct Cell<'a>(ValueRef<'a>);

impl<'de> de::Deserializer<'de> for Cell<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            ValueRef::Null => visitor.visit_none(),
            ValueRef::Integer(n) => visitor.visit_i64(n),
            ValueRef::Real(x) => visitor.visit_f64(x),
            ValueRef::Text(t) => visitor.visit_str(
                std::str::from_utf8(t).map_err(|_| DecodeError("text is not UTF-8".into()))?,
            ),
            ValueRef::Blob(b) => visitor.visit_bytes(b),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            ValueRef::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// The store's error for a failed direct read (as `db::translate` sorts sqlx's).
fn translate(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if is_busy_code(&f.extended_code.to_string())
                || is_busy_code(&(f.extended_code & 0xff).to_string()) =>
        {
            StoreError::Busy
        }
        _ => StoreError::Direct(e.to_string()),
    }
}
