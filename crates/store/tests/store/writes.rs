//! Writers at the same moment: on SQLite they share commits (group commit), on PostgreSQL
//! each commits alone; on both, exactly the transactions that committed are kept — a
//! writer that fails, gives up, or is cancelled mid-transaction takes only its own changes
//! with it, and never holds up the others.

use std::collections::BTreeSet;
use std::time::Duration;

use switchboard_domain::{
    Account, AccountId, ExtensionRange, Name, Plan, SsoSettings, TimeZoneName, UserId,
};
use switchboard_store::db::StoreError;
use switchboard_store::{Db, accounts};
use tokio::task::JoinSet;

use crate::support::{TestPostgres, TestSqlite};

const WRITERS: usize = 60;

fn account(i: usize) -> Account {
    Account {
        id: AccountId::new(),
        name: Name::parse("name", &format!("Company {i}")).unwrap(),
        plan: Plan::Free,
        seat_limit: 0,
        extension_range: ExtensionRange::new(100, 999).unwrap(),
        default_time_zone: TimeZoneName::parse("time_zone", "UTC").unwrap(),
        country: None,
        sso: SsoSettings::default(),
        owner_id: UserId::new(),
        created_at: jiff::Timestamp::now(),
        rights_version: 0,
    }
}

/// What writer `i` does after adding its account: commit, roll back, hit a uniqueness
/// error and give up, or wait forever (it is cancelled).
async fn writer(db: Db, i: usize, a: Account) -> Result<Option<AccountId>, StoreError> {
    let mut tx = db.write().await?;
    accounts::insert_account(&mut tx, &a).await?;
    match i % 4 {
        0 => {
            tx.commit().await?;
            Ok(Some(a.id))
        }
        1 => {
            tx.rollback().await?;
            Ok(None)
        }
        2 => match accounts::insert_account(&mut tx, &a).await {
            Err(StoreError::Unique(_)) => Ok(None),
            other => panic!("adding the same account twice answered {other:?}"),
        },
        _ => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(None)
        }
    }
}

async fn assert_only_committed_writes_are_kept(db: Db) {
    db.migrate().await.unwrap();
    let mut tasks = JoinSet::new();
    let mut cancel = Vec::new();
    for i in 0..WRITERS {
        let handle = tasks.spawn(writer(db.clone(), i, account(i)));
        if i % 4 == 3 {
            cancel.push(handle);
        }
    }
    // Let every writer get going, then cancel the ones stuck in their transaction.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for h in &cancel {
        h.abort();
    }
    let mut committed = BTreeSet::new();
    let mut cancelled = 0;
    while let Some(done) = tokio::time::timeout(Duration::from_secs(30), tasks.join_next())
        .await
        .expect("a writer was held up by another one")
    {
        match done {
            Ok(result) => {
                if let Some(id) = result.expect("a writer failed") {
                    committed.insert(id);
                }
            }
            Err(e) if e.is_cancelled() => cancelled += 1,
            Err(e) => panic!("a writer panicked: {e}"),
        }
    }
    assert_eq!(committed.len(), WRITERS / 4);
    assert_eq!(cancelled, WRITERS / 4);
    let mut tx = db.read().await.unwrap();
    let stored: BTreeSet<AccountId> = accounts::list_account_ids(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(stored, committed);
    // The database still takes writes after the cancelled ones.
    let mut tx = db.write().await.unwrap();
    accounts::insert_account(&mut tx, &account(WRITERS))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_keep_exactly_what_committed_on_sqlite() {
    let file = TestSqlite::new();
    assert_only_committed_writes_are_kept(file.connect().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_keep_exactly_what_committed_on_postgres() {
    let Some(pg) = TestPostgres::new("concurrent_writers_keep_exactly_what_committed").await else {
        return;
    };
    assert_only_committed_writes_are_kept(pg.connect().await).await;
    pg.drop_database().await;
}
