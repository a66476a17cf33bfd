//! Where each user stands in list order, as a number (SQLite only; migration 0009):
//! `users.search_rank` grows with (account, name, id), the order the users list is shown
//! in, and is the trigram index's rowid. A common term's matches then come out of the index
//! already in list order, so a page of them stops at its last user instead of sorting them
//! all.
//!
//! Ranks leave gaps: a new or renamed user takes a free number between its neighbours.
//! When a gap is used up, the ranks around it are spread out again — a window of
//! neighbours that doubles until it has room — inside the same write transaction, so a
//! reader never sees two users out of order. SQLite has one writer at a time, which is
//! what makes reading the neighbours and then writing between them safe.

use std::collections::BTreeMap;

use sqlx::SqliteConnection;

use crate::db::{Backend, StoreResult, value_rows};

/// Distance between an account's last user and one added after it (and its first user and
/// one added before it): lists grow at their ends, so each such user takes only a step of
/// the gap and leaves the rest for the next. It is the distance a fresh numbering
/// (migration 0009) leaves, so that users added in random order split a gap 24 times
/// before anyone moves (a unit test counts the moves); wider steps would make the text
/// index bigger, as it stores the differences between the rowids it lists.
const STEP: i64 = 1 << 24;
/// Distance between the last account's users and a new account's first user: room for 2^20
/// users added at the account's end.
const ACCOUNT_GAP: i64 = 1 << 44;
/// Least distance between neighbours that spreading the smallest window leaves; a window
/// twice as wide may leave a quarter of that (never less than 4), so that a crowded part of
/// the list is spread over a few hundred users rather than over all of it.
const SPREAD: i64 = 1 << 16;
/// Ranks lie strictly between these.
const LOW: i64 = 0;
const HIGH: i64 = i64::MAX;
/// First window spread out, in users on each side of the full gap.
const FIRST_WINDOW: i64 = 8;

/// A user's place in list order, as stored: account id, name, user id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) account: String,
    pub(crate) name: String,
    pub(crate) id: String,
}

/// The stored user next to a place in list order, on one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// Nobody: the start or the end of the list.
    Open,
    /// A user of the same account, with this rank.
    Same(i64),
    /// A user of another account, with this rank.
    Other(i64),
}

impl Side {
    /// As read by [`neighbours`]: the rank, negated when the user is of another account
    /// (ranks are positive).
    fn from_signed(signed: Option<i64>) -> Self {
        match signed {
            None => Self::Open,
            Some(r) if r > 0 => Self::Same(r),
            Some(r) => Self::Other(-r),
        }
    }

    fn rank(self) -> Option<i64> {
        match self {
            Self::Open => None,
            Self::Same(r) | Self::Other(r) => Some(r),
        }
    }
}

/// The stored users just before and just after each key in list order.
async fn neighbours(c: &mut SqliteConnection, keys: &[&Key]) -> StoreResult<Vec<(Side, Side)>> {
    let sql = format!(
        "WITH k(i, a, n, d) AS (VALUES {}) \
         SELECT k.i, \
         (SELECT IIF(account_id = k.a, search_rank, -search_rank) FROM users \
          WHERE (account_id, name, id) < (k.a, k.n, k.d) \
          ORDER BY account_id DESC, name DESC, id DESC LIMIT 1), \
         (SELECT IIF(account_id = k.a, search_rank, -search_rank) FROM users \
          WHERE (account_id, name, id) > (k.a, k.n, k.d) \
          ORDER BY account_id, name, id LIMIT 1) \
         FROM k",
        value_rows(Backend::Sqlite, keys.len(), 4)
    );
    let mut q = sqlx::query_as::<_, (i64, Option<i64>, Option<i64>)>(&sql);
    for (i, k) in keys.iter().enumerate() {
        q = q
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(k.account.as_str())
            .bind(k.name.as_str())
            .bind(k.id.as_str());
    }
    let rows = q.fetch_all(&mut *c).await?;
    let mut out = vec![(Side::Open, Side::Open); keys.len()];
    for (i, before, after) in rows {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            *slot = (Side::from_signed(before), Side::from_signed(after));
        }
    }
    Ok(out)
}

/// Ranks for `count` users of one account that fall in list order between `before` and
/// `after`, or `None` when the gap has no room for them. They sit a step after the user
/// before them (before the user after them at the start of their account), or share the
/// gap evenly when it is narrower; an account's first users sit far from other accounts.
fn place_in_gap(before: Side, after: Side, count: usize) -> Option<Vec<i64>> {
    let lo = i128::from(before.rank().unwrap_or(LOW));
    let hi = i128::from(after.rank().unwrap_or(HIGH));
    let n = i128::try_from(count).ok()?;
    let step = ((hi - lo) / (n + 1)).min(i128::from(STEP));
    if step < 1 {
        return None;
    }
    let far = i128::from(ACCOUNT_GAP);
    let ranks: Vec<i128> = match (before, after) {
        (Side::Same(_), _) => (1..=n).map(|j| lo + step * j).collect(),
        (_, Side::Same(_)) => (0..n).map(|j| hi - step * (n - j)).collect(),
        // A new account after every other, or before every other.
        (Side::Other(_), Side::Open) if hi - lo > far + step * n => {
            (0..n).map(|j| lo + far + step * j).collect()
        }
        (Side::Open, Side::Other(_)) if hi - lo > far + step * n => {
            (0..n).map(|j| hi - far - step * (n - 1 - j)).collect()
        }
        // Otherwise in the middle of the gap.
        _ => {
            let first = lo + (hi - lo) / 2 - step * (n - 1) / 2;
            (0..n).map(|j| first + step * j).collect()
        }
    };
    ranks.into_iter().map(|r| i64::try_from(r).ok()).collect()
}

/// Makes room for `count` new users between the users ranked `before` and `after` by
/// spreading out the ranks of a window around them (`pending`: ranks already handed to
/// users not yet written, kept in step), and returns the new users' ranks.
async fn spread(
    c: &mut SqliteConnection,
    before: Side,
    after: Side,
    count: usize,
    pending: &mut BTreeMap<i64, usize>,
) -> StoreResult<Vec<i64>> {
    let (before, after) = (before.rank(), after.rank());
    let (lo, hi, existing) = window(c, before, after, count, pending).await?;
    let (moves, fresh) = renumber(lo, hi, &existing, before, count, pending);
    move_ranks(c, moves).await?;
    Ok(fresh)
}

/// The window around the gap with room for the new users: its bounds (exclusive) and the
/// stored ranks inside. It doubles from [`FIRST_WINDOW`] neighbours a side until the
/// ranks inside, spread evenly, leave enough of a step between them.
async fn window(
    c: &mut SqliteConnection,
    before: Option<i64>,
    after: Option<i64>,
    count: usize,
    pending: &BTreeMap<i64, usize>,
) -> StoreResult<(i64, i64, Vec<i64>)> {
    let mut side = FIRST_WINDOW;
    let mut wanted = i128::from(SPREAD);
    let found = loop {
        let below: Vec<(i64,)> = match before {
            Some(b) => {
                sqlx::query_as(
                    "SELECT search_rank FROM users WHERE search_rank <= $1 \
                     ORDER BY search_rank DESC LIMIT $2",
                )
                .bind(b)
                .bind(side + 1)
                .fetch_all(&mut *c)
                .await?
            }
            None => Vec::new(),
        };
        let above: Vec<(i64,)> = match after {
            Some(a) => {
                sqlx::query_as(
                    "SELECT search_rank FROM users WHERE search_rank >= $1 \
                     ORDER BY search_rank LIMIT $2",
                )
                .bind(a)
                .bind(side + 1)
                .fetch_all(&mut *c)
                .await?
            }
            None => Vec::new(),
        };
        let edge = |rows: &[(i64,)], default: i64| match usize::try_from(side)
            .ok()
            .and_then(|s| rows.get(s))
        {
            Some((r,)) => *r,
            None => default,
        };
        let lo = edge(&below, LOW);
        let hi = edge(&above, HIGH);
        let existing: Vec<i64> = below
            .iter()
            .chain(above.iter())
            .map(|(r,)| *r)
            .filter(|r| *r > lo && *r < hi)
            .collect();
        let inside = existing.len() + pending.range(lo + 1..hi).count() + count;
        let room = (i128::from(hi) - i128::from(lo)) / (i128::try_from(inside).unwrap_or(1) + 1);
        if room >= wanted || (lo == LOW && hi == HIGH) {
            break (lo, hi, existing);
        }
        side = side.saturating_mul(2);
        wanted = (wanted / 4).max(4);
    };

    Ok(found)
}

/// New ranks for everything inside the window, spread evenly in list order: the moves of
/// stored users (old, new), pending ranks updated in `pending`, and the new users' ranks.
fn renumber(
    lo: i64,
    hi: i64,
    existing: &[i64],
    before: Option<i64>,
    count: usize,
    pending: &mut BTreeMap<i64, usize>,
) -> (Vec<(i64, i64)>, Vec<i64>) {
    // Everything inside the window in list order: stored users and pending ones by their
    // rank, the new ones right after the user before the gap.
    #[derive(Clone, Copy)]
    enum Slot {
        Stored(i64),
        Pending(i64),
        New(usize),
    }
    let mut slots: Vec<((i64, u8, usize), Slot)> = existing
        .iter()
        .map(|r| ((*r, 0, 0), Slot::Stored(*r)))
        .chain(
            pending
                .range(lo + 1..hi)
                .map(|(r, _)| ((*r, 0, 0), Slot::Pending(*r))),
        )
        .chain((0..count).map(|j| ((before.unwrap_or(LOW), 1, j), Slot::New(j))))
        .collect();
    slots.sort_by_key(|(k, _)| *k);
    let n = i128::try_from(slots.len()).unwrap_or(i128::MAX);
    let (lo_w, hi_w) = (i128::from(lo), i128::from(hi));
    let mut moves = Vec::new();
    let mut fresh = vec![0; count];
    for (pos, (_, slot)) in slots.iter().enumerate() {
        let pos = i128::try_from(pos).unwrap_or(0);
        let rank = i64::try_from(lo_w + (hi_w - lo_w) * (pos + 1) / (n + 1)).unwrap_or(HIGH);
        match *slot {
            Slot::Stored(old) if old != rank => moves.push((old, rank)),
            Slot::Stored(_) => {}
            Slot::Pending(old) => {
                if let Some(who) = pending.remove(&old) {
                    pending.insert(rank, who);
                }
            }
            Slot::New(j) => fresh[j] = rank,
        }
    }
    (moves, fresh)
}

/// Writes the moves of stored users to their new ranks.
async fn move_ranks(c: &mut SqliteConnection, moves: Vec<(i64, i64)>) -> StoreResult<()> {
    // The new ranks keep the old order, so moving users down in ascending order and then
    // users up in descending order never lands one on a rank another still holds.
    let (mut down, mut up): (Vec<_>, Vec<_>) = moves.into_iter().partition(|(o, n)| n < o);
    down.sort_by_key(|(o, _)| *o);
    up.sort_by_key(|(o, _)| std::cmp::Reverse(*o));
    for (old, new) in down.into_iter().chain(up) {
        sqlx::query("UPDATE users SET search_rank = $1 WHERE search_rank = $2")
            .bind(new)
            .bind(old)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Ranks for new users with these keys (answered in the same order), spreading out the
/// ranks of stored users where a gap has no room.
pub(crate) async fn ranks_for_new(c: &mut SqliteConnection, keys: &[Key]) -> StoreResult<Vec<i64>> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
    let mut ranks = vec![0; keys.len()];
    // Ranks handed out but not yet written, by rank, to the key's index.
    let mut pending: BTreeMap<i64, usize> = BTreeMap::new();
    let mut todo = order;
    while !todo.is_empty() {
        let ordered: Vec<&Key> = todo.iter().map(|i| &keys[*i]).collect();
        let gaps = neighbours(c, &ordered).await?;
        let mut spread_out = false;
        let mut start = 0;
        while start < todo.len() {
            // Users that fall in the same gap are consecutive in list order.
            let gap = gaps[start];
            let end = start + gaps[start..].iter().take_while(|g| **g == gap).count();
            let group = &todo[start..end];
            let placed = match place_in_gap(gap.0, gap.1, group.len()) {
                Some(r) => r,
                None => {
                    spread_out = true;
                    spread(c, gap.0, gap.1, group.len(), &mut pending).await?
                }
            };
            for (who, rank) in group.iter().zip(placed) {
                pending.insert(rank, *who);
            }
            start = end;
            if spread_out {
                // Stored ranks moved: read the neighbours of the rest again.
                break;
            }
        }
        todo.drain(..start);
    }
    for (rank, who) in pending {
        ranks[who] = rank;
    }
    Ok(ranks)
}

/// Gives the user a rank that fits their (possibly new) name, if the one they hold no
/// longer lies between their neighbours'.
pub(crate) async fn reposition(
    c: &mut SqliteConnection,
    account: &str,
    id: &str,
) -> StoreResult<()> {
    let row: Option<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT u.search_rank, \
         (SELECT IIF(b.account_id = u.account_id, b.search_rank, -b.search_rank) FROM users b \
          WHERE (b.account_id, b.name, b.id) < (u.account_id, u.name, u.id) \
          ORDER BY b.account_id DESC, b.name DESC, b.id DESC LIMIT 1), \
         (SELECT IIF(a.account_id = u.account_id, a.search_rank, -a.search_rank) FROM users a \
          WHERE (a.account_id, a.name, a.id) > (u.account_id, u.name, u.id) \
          ORDER BY a.account_id, a.name, a.id LIMIT 1) \
         FROM users u WHERE u.account_id = $1 AND u.id = $2",
    )
    .bind(account)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    let Some((held, before, after)) = row else {
        return Ok(());
    };
    let (before, after) = (Side::from_signed(before), Side::from_signed(after));
    if before.rank().is_none_or(|b| b < held) && after.rank().is_none_or(|a| held < a) {
        return Ok(());
    }
    let rank = match place_in_gap(before, after, 1) {
        Some(r) => r,
        None => spread(c, before, after, 1, &mut BTreeMap::new()).await?,
    };
    if let Some(rank) = rank.first() {
        sqlx::query("UPDATE users SET search_rank = $1 WHERE account_id = $2 AND id = $3")
            .bind(rank)
            .bind(account)
            .bind(id)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
