//! Throttle counters ([`switchboard_domain::throttle`]), kept where every process sees them.

use switchboard_domain::throttle::Count;

use crate::db::{StoreResult, Tx, from_micros, on, to_micros};

#[derive(sqlx::FromRow)]
struct CountRow {
    key: String,
    failures: i32,
    since: i64,
    blocked_until: i64,
}

impl CountRow {
    fn into_count(self) -> StoreResult<(String, Count)> {
        Ok((
            self.key,
            Count {
                failures: u32::try_from(self.failures).unwrap_or(0),
                since: from_micros(self.since)?,
                blocked_until: from_micros(self.blocked_until)?,
            },
        ))
    }
}

/// The counters among `keys` that are kept, with their keys.
pub async fn find_throttles(tx: &mut Tx, keys: &[String]) -> StoreResult<Vec<(String, Count)>> {
    let mut found = Vec::with_capacity(keys.len());
    for key in keys {
        let row: Option<CountRow> = on!(tx, |c| sqlx::query_as(
            "SELECT key, failures, since, blocked_until FROM throttles WHERE key = $1"
        )
        .bind(key)
        .fetch_optional(c)
        .await)?;
        if let Some(row) = row {
            found.push(row.into_count()?);
        }
    }
    Ok(found)
}

/// The counter `key`, locked until the transaction ends (made, with nothing counted, when
/// missing), so that counts from several processes add up.
pub async fn lock_throttle(tx: &mut Tx, key: &str, now: jiff::Timestamp) -> StoreResult<Count> {
    let zero = Count::zero(now);
    on!(tx, |c| sqlx::query(
        "INSERT INTO throttles (key, failures, since, blocked_until, expires_at) \
         VALUES ($1, 0, $2, $2, $3) ON CONFLICT (key) DO NOTHING"
    )
    .bind(key)
    .bind(to_micros(now))
    .bind(to_micros(zero.expires_at()))
    .execute(c)
    .await
    .map(|_| ()))?;
    let sql = match tx {
        Tx::Sqlite(..) => {
            "SELECT key, failures, since, blocked_until FROM throttles WHERE key = $1"
        }
        Tx::Postgres(_) => {
            "SELECT key, failures, since, blocked_until FROM throttles WHERE key = $1 FOR UPDATE"
        }
    };
    let row: CountRow = on!(tx, |c| sqlx::query_as(sql).bind(key).fetch_one(c).await)?;
    Ok(row.into_count()?.1)
}

/// Sets the counter `key` (locked by [`lock_throttle`]) to `count`.
pub async fn set_throttle(tx: &mut Tx, key: &str, count: &Count) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE throttles SET failures = $2, since = $3, blocked_until = $4, expires_at = $5 \
         WHERE key = $1"
    )
    .bind(key)
    .bind(i32::try_from(count.failures).unwrap_or(i32::MAX))
    .bind(to_micros(count.since))
    .bind(to_micros(count.blocked_until))
    .bind(to_micros(count.expires_at()))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Forgets the counter `key`.
pub async fn delete_throttle(tx: &mut Tx, key: &str) -> StoreResult<()> {
    on!(tx, |c| sqlx::query("DELETE FROM throttles WHERE key = $1")
        .bind(key)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Forgets the counters that stopped mattering before `now`.
pub async fn delete_expired_throttles(tx: &mut Tx, now: jiff::Timestamp) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "DELETE FROM throttles WHERE expires_at < $1"
    )
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}
