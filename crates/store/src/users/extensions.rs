//! Free extensions: the lowest free ones of an account's range, searched from the
//! account's extension floor so that a densely numbered account is not walked each time.

use switchboard_domain::AccountId;

use crate::db::{StoreResult, Tx, on};

/// Where the search for free extensions may start: every extension in `min..start` is
/// taken (the account's `extension_floor`, kept by the database as extensions are freed).
async fn free_extension_start(tx: &mut Tx, account: AccountId, min: u32) -> StoreResult<i64> {
    let floor: Option<(i64,)> = on!(tx, |c| sqlx::query_as(
        "SELECT extension_floor FROM accounts WHERE id = $1"
    )
    .bind(account.to_string())
    .fetch_optional(c)
    .await)?;
    Ok(floor.map_or(0, |(f,)| f).max(i64::from(min)))
}

/// The lowest free extension in `min..=max`, if any. The search starts at the account's
/// extension floor and moves the floor up to what it finds, so in a densely numbered
/// account it does not walk every taken extension each time (call it in a write
/// transaction).
pub async fn next_free_extension(
    tx: &mut Tx,
    account: AccountId,
    min: u32,
    max: u32,
) -> StoreResult<Option<u32>> {
    // One statement: the search's start if it is free, else right after the first taken
    // extension (from the start on) whose successor is free; none free means everything up
    // to `max` is taken, which the floor then says (`max + 1`).
    let sql = "UPDATE accounts SET extension_floor = COALESCE(CASE WHEN NOT EXISTS \
               (SELECT 1 FROM users WHERE account_id = $1 AND extension = s.start) \
               THEN s.start ELSE \
               (SELECT u.extension + 1 FROM users u WHERE u.account_id = $1 \
               AND u.extension >= s.start AND u.extension < $3 AND NOT EXISTS \
               (SELECT 1 FROM users v WHERE v.account_id = u.account_id \
               AND v.extension = u.extension + 1) ORDER BY u.extension LIMIT 1) END, $3 + 1) \
               FROM (SELECT CASE WHEN extension_floor > $2 THEN extension_floor ELSE $2 END \
               AS start FROM accounts WHERE id = $1) AS s \
               WHERE accounts.id = $1 RETURNING extension_floor";
    let found: Option<(i64,)> = on!(tx, |c| sqlx::query_as(sql)
        .bind(account.to_string())
        .bind(i64::from(min))
        .bind(i64::from(max))
        .fetch_optional(c)
        .await)?;
    Ok(found
        .map(|(n,)| n)
        .filter(|n| *n <= i64::from(max))
        .and_then(|n| u32::try_from(n).ok()))
}

/// Records that every extension of the range below `to` is taken (after the caller gave
/// out the lowest free ones up to it), so the next search starts there. Never lowers the
/// floor.
pub async fn raise_extension_floor(tx: &mut Tx, account: AccountId, to: u32) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE accounts SET extension_floor = $2 WHERE id = $1 AND extension_floor < $2"
    )
    .bind(account.to_string())
    .bind(i64::from(to))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Up to `limit` free extensions in `min..=max`, lowest first. Taken extensions are read
/// from the account's extension floor on, a chunk at a time, only as far as needed.
pub async fn list_free_extensions(
    tx: &mut Tx,
    account: AccountId,
    min: u32,
    max: u32,
    limit: usize,
) -> StoreResult<Vec<u32>> {
    const CHUNK: i64 = 1000;
    let max = i64::from(max);
    let mut out = Vec::new();
    let mut candidate = free_extension_start(tx, account, min).await?;
    while candidate <= max && out.len() < limit {
        let taken: Vec<(i64,)> = on!(tx, |c| sqlx::query_as(
            "SELECT extension FROM users WHERE account_id = $1 AND extension BETWEEN $2 AND $3 \
             ORDER BY extension LIMIT $4"
        )
        .bind(account.to_string())
        .bind(candidate)
        .bind(max)
        .bind(CHUNK)
        .fetch_all(c)
        .await)?;
        let exhausted = i64::try_from(taken.len()).unwrap_or(CHUNK) < CHUNK;
        // Free extensions lie between the taken ones; past the chunk's last one nothing is
        // known yet unless the chunk was the end of the range.
        let upto = match taken.last() {
            Some((last,)) if !exhausted => *last,
            _ => max + 1,
        };
        let mut taken = taken.into_iter().map(|(e,)| e).peekable();
        while candidate < upto && out.len() < limit {
            if taken.peek() == Some(&candidate) {
                taken.next();
            } else if let Ok(c) = u32::try_from(candidate) {
                out.push(c);
            }
            candidate += 1;
        }
        if !exhausted {
            // `upto` itself is taken: continue after it.
            candidate = candidate.max(upto + 1);
        }
    }
    Ok(out)
}
