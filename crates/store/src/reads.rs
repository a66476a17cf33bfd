//! Where a read's statements run: the caller's transaction, a read of its own, or SQLite's
//! reads on the calling thread — one store function serves them all.

use crate::db::{Arg, Backend, StoreResult, Tx, fetch_rows};
use crate::sqlite::direct::DirectTx;

/// Where a read's statements run.
pub enum Reads<'a> {
    /// The caller's transaction.
    Tx(&'a mut Tx),
    /// A read of its own ([`Db::reads`] on PostgreSQL).
    Own(Tx),
    /// SQLite's reads on the calling thread ([`Db::reads`] on SQLite).
    Direct(DirectTx<'a>),
}

impl Reads<'_> {
    /// Which backend the statements run on.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Tx(t) => t.backend(),
            Self::Own(t) => t.backend(),
            Self::Direct(_) => Backend::Sqlite,
        }
    }

    /// [`fetch_rows`] wherever the read runs.
    pub(crate) async fn rows<T>(
        &mut self,
        sql: &str,
        columns: &[&str],
        args: &[Arg],
    ) -> StoreResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + serde::de::DeserializeOwned,
        T: Send + Unpin,
    {
        match self {
            Self::Tx(t) => fetch_rows(t, sql, columns, args).await,
            Self::Own(t) => fetch_rows(t, sql, columns, args).await,
            // A list may walk many rows (a rare tag among a million users): the runtime
            // moves this thread's other tasks elsewhere while it reads.
            Self::Direct(d) => match tokio::runtime::Handle::try_current() {
                Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                    tokio::task::block_in_place(|| d.rows(sql, args))
                }
                _ => d.rows(sql, args),
            },
        }
    }
}
