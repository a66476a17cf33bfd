//! What only PostgreSQL needs: how its pool is opened, and creating and dropping
//! databases for tests and benchmarks. Its trigram GIN indexes (migrations) serve the
//! substring searches SQLite needs `sqlite::text_index` for.

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::db::{StoreError, StoreResult};

/// What a PostgreSQL [`crate::Tx`] runs on.
pub enum PgTx {
    /// A transaction.
    Tx(Transaction<'static, Postgres>),
    /// A pooled connection outside any transaction: each statement stands alone and reads
    /// the latest commit (see [`crate::Db::read_latest`]).
    Latest(PoolConnection<Postgres>),
}

impl std::ops::Deref for PgTx {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        match self {
            Self::Tx(t) => t,
            Self::Latest(c) => c,
        }
    }
}

impl std::ops::DerefMut for PgTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Self::Tx(t) => t,
            Self::Latest(c) => c,
        }
    }
}

/// How long a request waits for a PostgreSQL connection.
const POSTGRES_ACQUIRE: Duration = Duration::from_secs(3);

/// Opens a pool on the database at `url`.
pub(crate) async fn connect(url: &str) -> StoreResult<PgPool> {
    let opts = PgConnectOptions::from_str(url)?;
    let pool = PgPoolOptions::new()
        .max_connections(32)
        // While the server is unreachable a request waits this long for a
        // connection, then is answered 503 rather than held.
        .acquire_timeout(POSTGRES_ACQUIRE)
        .connect_with(opts)
        .await?;
    Ok(pool)
}

/// A PostgreSQL expression listing, as the text of one JSON array, `items` of the rows
/// `rest` (`FROM … WHERE …`) selects ([`crate::db::json_list`]).
pub(crate) fn json_list(items: &[&str], rest: &str) -> String {
    let value = match items {
        [one] => (*one).to_owned(),
        many => format!("json_build_array({})", many.join(", ")),
    };
    format!("(SELECT COALESCE(json_agg({value}), '[]')::text {rest})")
}

/// Writes `rows` (each a value per column of `columns`, `None` for NULL) into `table` with
/// one `COPY … FROM STDIN` stream: a bulk load's rows cross as one stream rather than as
/// statements. Returns how many rows were written.
pub(crate) async fn copy_rows(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Option<String>>>,
) -> StoreResult<u64> {
    let mut copy = conn
        .copy_in_raw(&format!(
            "COPY {table} ({}) FROM STDIN WITH (FORMAT text)",
            columns.join(", ")
        ))
        .await?;
    let mut buf = String::new();
    for row in rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            match value {
                None => buf.push_str("\\N"),
                Some(v) => copy_escape(&mut buf, v),
            }
        }
        buf.push('\n');
        if buf.len() >= 1 << 20 {
            copy.send(std::mem::take(&mut buf).into_bytes()).await?;
        }
    }
    if !buf.is_empty() {
        copy.send(buf.into_bytes()).await?;
    }
    Ok(copy.finish().await?)
}

/// A value in `COPY`'s text format: backslash, tab, newline and carriage return escaped.
fn copy_escape(buf: &mut String, v: &str) {
    for ch in v.chars() {
        match ch {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

/// Database names are spliced into SQL, so only letters, digits and `_` are taken.
fn check_database_name(name: &str) -> StoreResult<()> {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!("bad database name {name:?}")))
    }
}

/// Creates an empty PostgreSQL database through an administrative connection URL and
/// returns the URL of the new database (for tests and first-time setup).
pub async fn create_postgres_database(admin_url: &str, name: &str) -> StoreResult<String> {
    use sqlx::Connection;
    check_database_name(name)?;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let without_db = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    Ok(format!("{without_db}/{name}"))
}

/// Drops a PostgreSQL database made by [`create_postgres_database`] (for tests and
/// benchmarks), disconnecting anyone still on it.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> StoreResult<()> {
    use sqlx::Connection;
    check_database_name(name)?;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::copy_escape;

    #[test]
    fn copy_text_escapes_what_would_end_a_value_or_a_row() {
        let mut buf = String::new();
        copy_escape(&mut buf, "O\\Brien\tdesk\nfloor\r2");
        assert_eq!(buf, "O\\\\Brien\\tdesk\\nfloor\\r2");
    }
}
