use super::*;
use sqlx::Connection;

/// The users table as far as list order goes, with a count of ranks moved.
async fn list_in_memory() -> SqliteConnection {
    let mut c = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    for sql in [
        "CREATE TABLE users (account_id TEXT NOT NULL, name TEXT NOT NULL, \
         id TEXT NOT NULL, search_rank INTEGER NOT NULL)",
        "CREATE INDEX users_account_name_idx ON users (account_id, name, id)",
        "CREATE UNIQUE INDEX users_search_rank_uq ON users (search_rank)",
        "CREATE TABLE moved (n INTEGER)",
        "CREATE TRIGGER count_moves AFTER UPDATE OF search_rank ON users \
         BEGIN INSERT INTO moved VALUES (1); END",
    ] {
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
    c
}

/// Adds users with these names to `account`, `batch` at a time, as `insert_users` does.
async fn add(c: &mut SqliteConnection, account: &str, names: &[String], batch: usize) {
    for (b, chunk) in names.chunks(batch).enumerate() {
        let keys: Vec<Key> = chunk
            .iter()
            .enumerate()
            .map(|(j, name)| Key {
                account: account.to_owned(),
                name: name.clone(),
                id: format!("{b:06}-{j:03}"),
            })
            .collect();
        let ranks = ranks_for_new(c, &keys).await.unwrap();
        for (k, r) in keys.iter().zip(ranks) {
            sqlx::query("INSERT INTO users VALUES ($1, $2, $3, $4)")
                .bind(&k.account)
                .bind(&k.name)
                .bind(&k.id)
                .bind(r)
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
}

async fn moved(c: &mut SqliteConnection) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM moved")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    n
}

async fn in_list_order(c: &mut SqliteConnection) -> bool {
    let by_rank: Vec<(String, String, String)> =
        sqlx::query_as("SELECT account_id, name, id FROM users ORDER BY search_rank")
            .fetch_all(&mut *c)
            .await
            .unwrap();
    let mut by_key = by_rank.clone();
    by_key.sort();
    by_rank == by_key
}

/// `0..n` shuffled by a fixed generator (xorshift), the same in every run.
fn shuffled(n: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
    v
}

#[tokio::test]
async fn users_added_in_random_order_seldom_move_anyone_else() {
    let mut c = list_in_memory().await;
    let others: Vec<String> = (0..50).map(|i| format!("Other {i:03}")).collect();
    add(&mut c, "a", &others, 7).await;
    add(&mut c, "c", &others, 7).await;
    // Enough users that gaps split again and again run out (a random order nests about
    // 2 ln n deep; a gap a step wide splits 20 times).
    let names: Vec<String> = shuffled(40_000)
        .into_iter()
        .map(|i| format!("Person {i:05}"))
        .collect();
    add(&mut c, "b", &names, 4).await;
    assert!(in_list_order(&mut c).await);
    let per_add = moved(&mut c).await as f64 / names.len() as f64;
    assert!(per_add < 0.3, "{per_add} ranks moved per add");
}

#[test]
fn users_between_two_of_their_account_take_a_step_or_share_the_gap_evenly() {
    use Side::Same;
    assert_eq!(
        place_in_gap(Same(STEP), Same(STEP << 8), 2),
        Some(vec![2 * STEP, 3 * STEP])
    );
    assert_eq!(place_in_gap(Same(10), Same(20), 1), Some(vec![15]));
    assert_eq!(
        place_in_gap(Same(10), Same(20), 4),
        Some(vec![12, 14, 16, 18])
    );
    assert_eq!(place_in_gap(Same(10), Same(13), 2), Some(vec![11, 12]));
    assert_eq!(place_in_gap(Same(10), Same(13), 3), None);
    assert_eq!(place_in_gap(Same(10), Same(11), 1), None);
}

#[test]
fn users_at_an_end_of_their_account_sit_a_step_from_it() {
    use Side::{Open, Other, Same};
    assert_eq!(
        place_in_gap(Same(STEP), Open, 2),
        Some(vec![2 * STEP, 3 * STEP])
    );
    assert_eq!(
        place_in_gap(Same(STEP), Other(ACCOUNT_GAP), 1),
        Some(vec![2 * STEP])
    );
    assert_eq!(
        place_in_gap(Open, Same(10 * STEP), 2),
        Some(vec![8 * STEP, 9 * STEP])
    );
    assert_eq!(place_in_gap(Other(5), Same(8), 2), Some(vec![6, 7]));
    assert_eq!(place_in_gap(Other(5), Same(7), 2), None);
    assert_eq!(place_in_gap(Same(HIGH - 2), Open, 1), Some(vec![HIGH - 1]));
}

#[test]
fn a_new_accounts_users_sit_far_from_other_accounts() {
    use Side::{Open, Other};
    assert_eq!(
        place_in_gap(Other(STEP), Open, 2),
        Some(vec![STEP + ACCOUNT_GAP, STEP + ACCOUNT_GAP + STEP])
    );
    assert_eq!(
        place_in_gap(Open, Other(3 * ACCOUNT_GAP), 1),
        Some(vec![2 * ACCOUNT_GAP])
    );
    // Between two accounts, or in an empty list: in the middle.
    assert_eq!(
        place_in_gap(Other(0), Other(4 * STEP), 1),
        Some(vec![2 * STEP])
    );
    assert_eq!(place_in_gap(Open, Open, 1), Some(vec![HIGH / 2]));
    assert_eq!(place_in_gap(Other(10), Other(12), 1), Some(vec![11]));
    assert_eq!(place_in_gap(Other(10), Other(11), 1), None);
}
