//! Where a read's statements run: the caller's transaction, a read of its own, or SQLite's
//! reads on the calling thread — one store function serves them all.

use crate::db::{Arg, Backend, StoreResult, Tx, bind_args};
use crate::sqlite::direct::DirectTx;
use crate::sqlite::{json_rows, rows_from_json};

/// A row as [`Reads`] decodes it: by sqlx from PostgreSQL, by serde from SQLite's direct
/// reads and from the JSON a transaction's rows are folded into.
pub(crate) trait Decoded:
    for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + serde::de::DeserializeOwned + Send + Unpin
{
}

impl<T> Decoded for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + serde::de::DeserializeOwned
        + Send
        + Unpin
{
}

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

    /// The first row of `sql`, a lookup through an index ([`Reads::few_rows`]).
    pub(crate) async fn row<T: Decoded>(
        &mut self,
        sql: &str,
        columns: &[&str],
        args: &[Arg],
    ) -> StoreResult<Option<T>> {
        Ok(self.few_rows(sql, columns, args).await?.into_iter().next())
    }

    /// Every row of `sql`, a statement that reads a handful of rows through indexes (its
    /// result columns include `columns`, the fields of `T`). On SQLite's direct reads it
    /// runs on the calling thread as it is: handing the thread's other tasks elsewhere
    /// would cost more than the statement. Elsewhere as [`Reads::rows`].
    pub(crate) async fn few_rows<T: Decoded>(
        &mut self,
        sql: &str,
        columns: &[&str],
        args: &[Arg],
    ) -> StoreResult<Vec<T>> {
        match self {
            Self::Direct(d) => d.rows(sql, args),
            _ => self.rows(sql, columns, args).await,
        }
    }

    /// Every row of `sql`, a query whose result columns include `columns` (the fields of
    /// `T`), bound to `args`, wherever the read runs. In a transaction on SQLite the rows
    /// are folded into one JSON array inside the database, so a page crosses from the
    /// connection's thread in one hand-off instead of one per row (those hand-offs were
    /// most of a page's time); the array keeps the order of `sql`, as SQLite keeps the
    /// ORDER BY of a lone subquery under an aggregate and does not flatten it. PostgreSQL
    /// sends the rows in one batch anyway, decoded as they are.
    pub(crate) async fn rows<T: Decoded>(
        &mut self,
        sql: &str,
        columns: &[&str],
        args: &[Arg],
    ) -> StoreResult<Vec<T>> {
        let tx: &mut Tx = match self {
            Self::Tx(t) => t,
            Self::Own(t) => t,
            // A list may walk many rows (a rare tag among a million users): the runtime
            // moves this thread's other tasks elsewhere while it reads.
            Self::Direct(d) => {
                return match tokio::runtime::Handle::try_current() {
                    Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                        tokio::task::block_in_place(|| d.rows(sql, args))
                    }
                    _ => d.rows(sql, args),
                };
            }
        };
        match tx {
            Tx::Sqlite(t) => {
                let folded = format!("SELECT {}", json_rows(sql, columns));
                let (json,): (String,) = bind_args!(sqlx::query_as(&folded), args)
                    .fetch_one(&mut **t)
                    .await?;
                rows_from_json(&json)
            }
            Tx::Postgres(t) => Ok(bind_args!(sqlx::query_as::<_, T>(sql), args)
                .fetch_all(&mut **t)
                .await?),
        }
    }
}
