//! What only PostgreSQL needs: how its pool is opened, and creating and dropping
//! databases for tests and benchmarks. Its trigram GIN indexes (migrations) serve the
//! substring searches SQLite needs `sqlite::text_index` for.

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::db::{StoreError, StoreResult};

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
