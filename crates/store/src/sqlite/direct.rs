//! Single-statement reads on SQLite made on the calling thread. sqlx runs each SQLite
//! connection on a worker thread of its own and hands every statement and row across
//! (for one indexed lookup, the hand-offs cost several times SQLite's own work); a read
//! that is one statement returning one value is made here instead, on a connection of a
//! small pool used by one caller at a time. Writes never come here: they keep sqlx's
//! connection, the group commit and its durability.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::MMAP_BYTES;
use crate::db::{StoreError, StoreResult, is_busy_code};

/// Most idle connections kept; more are opened when more reads run at once, and closed
/// after use.
const MOST_IDLE: usize = 8;

/// The pool of read-only connections to one database file.
#[derive(Debug)]
pub struct DirectReads {
    path: String,
    idle: Mutex<Vec<Connection>>,
}

impl DirectReads {
    /// Reads from the database file at `path` (opened on first use).
    pub(crate) fn new(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
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

    /// The text `sql` answers (one row, one column), bound to `args` in order; `None`
    /// when it answers no row. Runs on the calling thread: only for a statement that
    /// reads a handful of rows through indexes.
    pub(crate) fn text(&self, sql: &str, args: &[&str]) -> StoreResult<Option<String>> {
        let taken = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match taken {
            Some(c) => c,
            None => self.open().map_err(translate)?,
        };
        let answer = conn
            .prepare_cached(sql)
            .and_then(|mut st| {
                st.query_row(rusqlite::params_from_iter(args), |row| row.get(0))
                    .optional()
            })
            .map_err(translate);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MOST_IDLE {
            idle.push(conn);
        }
        answer
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
