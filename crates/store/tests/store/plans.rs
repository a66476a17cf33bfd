//! Statements on the path of every call: both databases answer them from an index, never
//! by reading the whole table.

use switchboard_store::Db;
use switchboard_store::resources::FIND_NUMBER_ROUTE_SQL;

use crate::support::{TestPostgres, TestSqlite};

const ACCOUNT: &str = "0190b3c4-0000-7000-8000-000000000001";
const NUMBER: &str = "+14155550100";

/// The plan of the number lookup, one line per step.
async fn number_route_plan(db: &Db) -> String {
    db.migrate().await.expect("migrate a fresh database");
    match db {
        Db::Sqlite(p, _) => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {FIND_NUMBER_ROUTE_SQL}"))
                    .bind(ACCOUNT)
                    .bind(NUMBER)
                    .fetch_all(p)
                    .await
                    .expect("explain on SQLite");
            rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
        }
        Db::Postgres(p) => {
            // An empty table is cheapest to scan whole; forbid that to see whether the
            // index serves the statement, as it will once the table holds numbers.
            let mut tx = p.begin().await.expect("begin");
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .expect("set enable_seqscan");
            let rows: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN {FIND_NUMBER_ROUTE_SQL}"))
                .bind(ACCOUNT)
                .bind(NUMBER)
                .fetch_all(&mut *tx)
                .await
                .expect("explain on PostgreSQL");
            rows.into_iter().map(|r| r.0).collect::<Vec<_>>().join("\n")
        }
    }
}

#[tokio::test]
async fn the_dialled_number_is_found_through_the_account_number_index() {
    let sqlite = TestSqlite::new();
    let db = sqlite.connect().await;
    let plan = number_route_plan(&db).await;
    db.close().await;
    assert!(
        plan.contains(
            "SEARCH numbers USING INDEX numbers_account_number_uq (account_id=? AND number=?)"
        ),
        "SQLite plan:\n{plan}"
    );

    let Some(pg) =
        TestPostgres::new("the_dialled_number_is_found_through_the_account_number_index").await
    else {
        return;
    };
    let db = pg.connect().await;
    let plan = number_route_plan(&db).await;
    db.close().await;
    assert!(
        plan.contains("numbers_account_number_uq") && !plan.contains("Seq Scan"),
        "PostgreSQL plan:\n{plan}"
    );
    pg.drop_database().await;
}
