//! Introspection of the live schema, for the parity check between the two migration trees.

use sqlx::{PgPool, SqlitePool};

use crate::db::{Db, StoreResult};

/// A table with its columns and indexes (each index as name plus ordered columns).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableShape {
    /// Table name.
    pub name: String,
    /// Column names, sorted.
    pub columns: Vec<String>,
    /// `index_name(col, col)` for every named index (`index_name UNIQUE(..)` when unique),
    /// sorted; primary keys as `PRIMARY(..)`.
    pub indexes: Vec<String>,
}

/// The text search index is built the way each database does it best — an FTS5 table (and
/// its shadow tables) on SQLite, trigram GIN indexes on PostgreSQL — so it is left out of
/// the comparison; the search tests cover both.
const SQLITE_SEARCH_TABLES: &str = "user_search_text%";
/// The column and index that put SQLite's text index in list order (migration 0009).
const SQLITE_SEARCH_COLUMN: &str = "search_rank";
const SQLITE_SEARCH_INDEX: &str = "users_search_rank_uq";
const POSTGRES_SEARCH_INDEXES: &str = "%\\_trgm\\_idx";

/// The shape of every Switchboard table (migration bookkeeping and the text search index
/// excluded).
pub async fn describe_schema(db: &Db) -> StoreResult<Vec<TableShape>> {
    let mut out = match db {
        Db::Sqlite(p, ..) => sqlite_shapes(p).await?,
        Db::Postgres(p) => postgres_shapes(p).await?,
    };
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Every table's shape on SQLite.
async fn sqlite_shapes(p: &SqlitePool) -> StoreResult<Vec<TableShape>> {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' \
         AND name NOT LIKE $1 ORDER BY name",
    )
    .bind(SQLITE_SEARCH_TABLES)
    .fetch_all(p)
    .await?;
    let mut out = Vec::new();
    for (t,) in tables {
        out.push(sqlite_table(p, t).await?);
    }
    Ok(out)
}

/// One table's shape on SQLite.
async fn sqlite_table(p: &SqlitePool, t: String) -> StoreResult<TableShape> {
    let mut columns: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, pk FROM pragma_table_info($1) WHERE name <> $2")
            .bind(&t)
            .bind(SQLITE_SEARCH_COLUMN)
            .fetch_all(p)
            .await?;
    let mut pk: Vec<(i64, String)> = columns
        .iter()
        .filter(|(_, k)| *k > 0)
        .map(|(n, k)| (*k, n.clone()))
        .collect();
    pk.sort();
    columns.sort();
    let mut indexes = vec![format!(
        "PRIMARY({})",
        pk.into_iter()
            .map(|(_, n)| n)
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let idx: Vec<(String, bool)> = sqlx::query_as(
        "SELECT name, \"unique\" FROM pragma_index_list($1) WHERE origin = 'c' \
         AND name <> $2",
    )
    .bind(&t)
    .bind(SQLITE_SEARCH_INDEX)
    .fetch_all(p)
    .await?;
    for (i, unique) in idx {
        let cols: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&i)
                .fetch_all(p)
                .await?;
        let cols: Vec<String> = cols.into_iter().map(|(c,)| c).collect();
        let kind = if unique { " UNIQUE" } else { "" };
        indexes.push(format!("{i}{kind}({})", cols.join(", ")));
    }
    indexes.sort();
    Ok(TableShape {
        name: t,
        columns: columns.into_iter().map(|(c, _)| c).collect(),
        indexes,
    })
}

/// Every table's shape on PostgreSQL.
async fn postgres_shapes(p: &PgPool) -> StoreResult<Vec<TableShape>> {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name NOT LIKE '_sqlx%' ORDER BY table_name",
    )
    .fetch_all(p)
    .await?;
    let mut out = Vec::new();
    for (t,) in tables {
        out.push(postgres_table(p, t).await?);
    }
    Ok(out)
}

/// One table's shape on PostgreSQL.
async fn postgres_table(p: &PgPool, t: String) -> StoreResult<TableShape> {
    let cols: Vec<(String,)> = sqlx::query_as(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 \
         ORDER BY column_name",
    )
    .bind(&t)
    .fetch_all(p)
    .await?;
    let idx: Vec<(String, bool, bool, String)> = sqlx::query_as(
        "SELECT i.relname::text, x.indisprimary, x.indisunique, \
         string_agg(a.attname::text, ', ' ORDER BY k.ord) \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class c ON c.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
         WHERE c.relname = $1 AND n.nspname = current_schema() \
         AND i.relname NOT LIKE $2 \
         GROUP BY i.relname, x.indisprimary, x.indisunique",
    )
    .bind(&t)
    .bind(POSTGRES_SEARCH_INDEXES)
    .fetch_all(p)
    .await?;
    let mut indexes: Vec<String> = idx
        .into_iter()
        .map(|(name, primary, unique, cols)| {
            if primary {
                format!("PRIMARY({cols})")
            } else if unique {
                format!("{name} UNIQUE({cols})")
            } else {
                format!("{name}({cols})")
            }
        })
        .collect();
    indexes.sort();
    // Sorted here, not by ORDER BY: a `text` sort follows the database's
    // collation (e.g. en_US ignores `_`), SQLite's follows bytes.
    let mut columns: Vec<String> = cols.into_iter().map(|(c,)| c).collect();
    columns.sort();
    Ok(TableShape {
        name: t,
        columns,
        indexes,
    })
}
