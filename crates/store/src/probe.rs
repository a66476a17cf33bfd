//! The disk's ceiling for SQLite: single-row durable commits, one transaction each, with the
//! settings Switchboard opens its database with (WAL, `synchronous=FULL`, `BEGIN
//! IMMEDIATE`). Benchmarks report it so write figures read as a fraction of what the disk
//! allows.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::db::{Db, StoreResult, on};

/// Commits `commits` single-row transactions to a scratch SQLite database at `path`
/// (created; the caller removes it) and returns how long they took.
pub async fn sqlite_commit_probe(path: &Path, commits: u32) -> StoreResult<Duration> {
    let db = Db::connect(&format!("sqlite:{}", path.display())).await?;
    let mut tx = db.write().await?;
    on!(&mut tx, |c| sqlx::query(
        "CREATE TABLE IF NOT EXISTS commit_probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"
    )
    .execute(c)
    .await
    .map(|_| ()))?;
    tx.commit().await?;
    let started = Instant::now();
    for i in 0..commits {
        let mut tx = db.write().await?;
        on!(&mut tx, |c| sqlx::query(
            "INSERT INTO commit_probe (body) VALUES ($1)"
        )
        .bind(format!("row {i}"))
        .execute(c)
        .await
        .map(|_| ()))?;
        tx.commit().await?;
    }
    let took = started.elapsed();
    db.close().await;
    Ok(took)
}
