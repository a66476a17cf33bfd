//! The two migration trees (`migrations/sqlite`, `migrations/postgres`): they hold the same
//! files, build the same tables, columns and indexes, and apply only once.

use std::collections::BTreeSet;
use std::path::Path;

use switchboard_store::Db;
use switchboard_store::schema::{TableShape, describe_schema};

use crate::support::{TestPostgres, TestSqlite, applied_migrations, schema_diff};

/// Tables every tree must create: a guard against two empty (hence equal) schemas.
const CORE_TABLES: &[&str] = &["accounts", "roles", "users", "departments", "audit_events"];

async fn migrate_and_describe(db: &Db) -> Vec<TableShape> {
    db.migrate().await.expect("migrate a fresh database");
    describe_schema(db).await.expect("describe the schema")
}

fn assert_plausible(backend: &str, shape: &[TableShape]) {
    for table in CORE_TABLES {
        assert!(
            shape.iter().any(|t| t.name == *table),
            "{backend}: table {table} missing after migrating; tables: {:?}",
            shape.iter().map(|t| &t.name).collect::<Vec<_>>()
        );
    }
    for t in shape {
        assert!(
            !t.columns.is_empty(),
            "{backend}: table {} has no columns",
            t.name
        );
        assert!(
            t.indexes
                .iter()
                .any(|i| i.starts_with("PRIMARY(") && i != "PRIMARY()"),
            "{backend}: table {} has no primary key: {:?}",
            t.name,
            t.indexes
        );
    }
}

#[tokio::test]
async fn both_migration_trees_produce_the_same_tables_columns_and_indexes() {
    let sqlite = TestSqlite::new();
    let db = sqlite.connect().await;
    let sqlite_shape = migrate_and_describe(&db).await;
    db.close().await;
    assert_plausible("SQLite", &sqlite_shape);

    let Some(pg) =
        TestPostgres::new("both_migration_trees_produce_the_same_tables_columns_and_indexes").await
    else {
        return;
    };
    let db = pg.connect().await;
    let postgres_shape = migrate_and_describe(&db).await;
    db.close().await;
    assert_plausible("PostgreSQL", &postgres_shape);

    let diff = schema_diff("SQLite", &sqlite_shape, "PostgreSQL", &postgres_shape);
    assert!(
        diff.is_empty(),
        "migrations/sqlite and migrations/postgres build different schemas:\n{diff}"
    );
    assert_eq!(sqlite_shape, postgres_shape);
    pg.drop_database().await;
}

#[test]
fn the_migration_files_are_in_lockstep() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let files = |tree: &str| -> BTreeSet<String> {
        let dir = root.join(tree);
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|entry| entry.expect("read a directory entry"))
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let sqlite = files("sqlite");
    let postgres = files("postgres");
    assert!(
        !sqlite.is_empty(),
        "no migrations under {}/sqlite",
        root.display()
    );
    assert!(
        sqlite == postgres,
        "the migration trees hold different files\n  only in sqlite: {:?}\n  only in postgres: {:?}",
        sqlite.difference(&postgres).collect::<Vec<_>>(),
        postgres.difference(&sqlite).collect::<Vec<_>>()
    );
}

/// What a repeated migration must leave alone: the recorded migrations, the schema and
/// the data.
#[derive(Debug, PartialEq)]
struct Snapshot {
    migrations: Vec<(i64, String)>,
    schema: Vec<TableShape>,
    accounts: Vec<(String, String)>,
}

async fn snapshot(db: &Db) -> Snapshot {
    const ACCOUNTS: &str = "SELECT id, name FROM accounts ORDER BY id";
    let accounts = match db {
        Db::Sqlite(p, ..) => sqlx::query_as(ACCOUNTS).fetch_all(p).await,
        Db::Postgres(p) => sqlx::query_as(ACCOUNTS).fetch_all(p).await,
    }
    .expect("read accounts");
    Snapshot {
        migrations: applied_migrations(db).await,
        schema: describe_schema(db).await.expect("describe the schema"),
        accounts,
    }
}

async fn insert_account(db: &Db) {
    const INSERT: &str = "INSERT INTO accounts (id, name, plan, seat_limit, extension_min, \
         extension_max, default_time_zone, created_at) \
         VALUES ($1, 'Kept across migrations', 'pro', 10, 100, 999, 'UTC', 0)";
    let id = uuid::Uuid::now_v7().to_string();
    match db {
        Db::Sqlite(p, ..) => sqlx::query(INSERT).bind(&id).execute(p).await.map(drop),
        Db::Postgres(p) => sqlx::query(INSERT).bind(&id).execute(p).await.map(drop),
    }
    .expect("insert an account");
}

async fn assert_migrating_twice_is_a_no_op(url: &str) {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("first migration");
    insert_account(&db).await;
    let before = snapshot(&db).await;
    assert!(!before.migrations.is_empty(), "no migration was recorded");

    db.migrate().await.expect("second migration, same pool");
    assert_eq!(
        snapshot(&db).await,
        before,
        "the second migration changed something"
    );
    db.close().await;

    // As after a restart of the server: a new pool on the same database.
    let db = Db::connect(url).await.expect("reconnect");
    db.migrate().await.expect("migration after reconnecting");
    assert_eq!(
        snapshot(&db).await,
        before,
        "migrating after reconnecting changed something"
    );
    db.close().await;
}

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn migrating_twice_is_a_no_op() {
        let sqlite = TestSqlite::new();
        assert_migrating_twice_is_a_no_op(&sqlite.url()).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn migrating_twice_is_a_no_op() {
        let Some(pg) = TestPostgres::new("postgres::migrating_twice_is_a_no_op").await else {
            return;
        };
        assert_migrating_twice_is_a_no_op(pg.url()).await;
        pg.drop_database().await;
    }
}
