//! Statements on the path of every call and of every single-user read: answered from an
//! index, never by reading a whole table or a whole account.

use switchboard_store::resources::FIND_NUMBER_ROUTE_SQL;
use switchboard_store::users::find_user_profile_sql;
use switchboard_store::{Backend, Db};

use crate::support::{TestPostgres, TestSqlite};

const ACCOUNT: &str = "0190b3c4-0000-7000-8000-000000000001";
const NUMBER: &str = "+14155550100";

/// The plan of the number lookup, one line per step.
async fn number_route_plan(db: &Db) -> String {
    db.migrate().await.expect("migrate a fresh database");
    match db {
        Db::Sqlite(p, ..) => {
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

/// SQLite's plan of the single-user read (`store::users::find_user_profile`) on a fresh
/// database.
async fn user_profile_plan() -> String {
    let sqlite = TestSqlite::new();
    let db = sqlite.connect().await;
    db.migrate().await.expect("migrate a fresh database");
    let Db::Sqlite(p, ..) = &db else {
        panic!("a SQLite database");
    };
    let sql = find_user_profile_sql(Backend::Sqlite);
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
        .bind(ACCOUNT)
        .bind(USER)
        .fetch_all(p)
        .await
        .expect("explain on SQLite");
    db.close().await;
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

const USER: &str = "0190b3c4-0000-7000-8000-000000000002";

#[tokio::test]
async fn a_users_departments_are_read_from_their_memberships_not_the_accounts() {
    // SQLite has no statistics here: an index led by the account would read every
    // membership of a million-user account to find one user's.
    let plan = user_profile_plan().await;
    assert!(
        plan.contains("COVERING INDEX department_members_user_idx (user_id=? AND account_id=?)"),
        "SQLite plan:\n{plan}"
    );
    assert!(
        !plan.contains("department_members_order_idx"),
        "SQLite plan:\n{plan}"
    );
    assert!(!plan.contains("SCAN "), "SQLite plan:\n{plan}");
}

#[tokio::test]
async fn a_users_tags_are_read_by_their_id_not_through_the_accounts_tags() {
    // With the account in the condition SQLite chose the account's tag index: every tag of
    // the account, for each user read.
    let plan = user_profile_plan().await;
    assert!(
        plan.contains("sqlite_autoindex_user_tags_1 (user_id=?)"),
        "SQLite plan:\n{plan}"
    );
    assert!(
        !plan.contains("user_tags_account_tag_idx"),
        "SQLite plan:\n{plan}"
    );
}

#[tokio::test]
async fn a_users_latest_invite_and_email_change_are_read_in_index_order() {
    // Without created_at in the index every single-user read sorted each user's invites
    // and email changes to find the latest.
    let plan = user_profile_plan().await;
    assert!(
        plan.contains("COVERING INDEX invites_user_idx (account_id=? AND user_id=?)"),
        "SQLite plan:\n{plan}"
    );
    assert!(
        plan.contains("email_changes_user_idx (account_id=? AND user_id=?)"),
        "SQLite plan:\n{plan}"
    );
    assert!(!plan.contains("TEMP B-TREE"), "SQLite plan:\n{plan}");
}
