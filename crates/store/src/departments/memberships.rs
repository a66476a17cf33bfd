//! Memberships seen from the user's side: which departments a user belongs to, joining
//! and leaving them, and a replacement user taking another's places (R14).

use switchboard_domain::{AccountId, DepartmentId, UserId};

use super::members::insert_member;
use crate::db::{Arg, Reads, StoreResult, Tx, on, parse_id, to_micros};

/// A user's memberships: (department, position), by department.
pub async fn list_user_memberships(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<Vec<(DepartmentId, i64)>> {
    let rows: Vec<(String, i64)> = on!(tx, |c| sqlx::query_as(
        "SELECT department_id, position FROM department_members \
         WHERE account_id = $1 AND user_id = $2 ORDER BY department_id"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_all(c)
    .await)?;
    rows.iter().map(|(d, p)| Ok((parse_id(d)?, *p))).collect()
}

/// A user's membership of a named department, as read for a page of users.
#[derive(sqlx::FromRow, serde::Deserialize)]
struct MembershipRow {
    user_id: String,
    department_id: String,
    name: String,
}

/// The departments (id, name) each of `users` belongs to, in one query: pairs of user and
/// department, ordered by user, then department name.
pub async fn list_departments_of_users(
    tx: &mut Tx,
    account: AccountId,
    users: &[UserId],
) -> StoreResult<Vec<(UserId, DepartmentId, String)>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..users.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        // Driven from the memberships of these users, the name read per membership: a
        // join here lets SQLite's planner read every department of the account first.
        "SELECT x.user_id, x.department_id, x.name FROM (SELECT m.user_id, m.department_id, \
         (SELECT d.name FROM departments d WHERE d.account_id = m.account_id \
          AND d.id = m.department_id) AS name \
         FROM department_members m WHERE m.account_id = $1 AND m.user_id IN ({})) x \
         ORDER BY x.user_id, LOWER(x.name), x.department_id",
        placeholders.join(", ")
    );
    let args: Vec<Arg> = std::iter::once(account.to_string())
        .chain(users.iter().map(ToString::to_string))
        .map(Arg::Text)
        .collect();
    let rows: Vec<MembershipRow> = Reads::Tx(tx)
        .rows(&sql, &["user_id", "department_id", "name"], &args)
        .await?;
    rows.into_iter()
        .map(|r| Ok((parse_id(&r.user_id)?, parse_id(&r.department_id)?, r.name)))
        .collect()
}

/// Makes `user` a member of exactly `deps`: leaves the others, joins new ones at the end.
pub async fn set_user_memberships(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    deps: &[DepartmentId],
    now: jiff::Timestamp,
) -> StoreResult<()> {
    let current = list_user_memberships(tx, account, user).await?;
    for (dep, _) in &current {
        if !deps.contains(dep) {
            touch_department(tx, account, *dep, now).await?;
            on!(tx, |c| sqlx::query(
                "DELETE FROM department_members WHERE account_id = $1 AND department_id = $2 \
                 AND user_id = $3"
            )
            .bind(account.to_string())
            .bind(dep.to_string())
            .bind(user.to_string())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    for dep in deps {
        if !current.iter().any(|(d, _)| d == dep) {
            let (next,): (i64,) = on!(tx, |c| sqlx::query_as(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM department_members \
                 WHERE account_id = $1 AND department_id = $2"
            )
            .bind(account.to_string())
            .bind(dep.to_string())
            .fetch_one(c)
            .await)?;
            insert_member(tx, account, *dep, user, next).await?;
            touch_department(tx, account, *dep, now).await?;
        }
    }
    Ok(())
}

/// Moves a department's `updated_at` when its members change from the user's side.
async fn touch_department(
    tx: &mut Tx,
    account: AccountId,
    dep: DepartmentId,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE departments SET updated_at = $1 WHERE account_id = $2 AND id = $3"
    )
    .bind(to_micros(now))
    .bind(account.to_string())
    .bind(dep.to_string())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Puts `new_user` into each of `old_user`'s departments at the old user's position,
/// moving the old user (and everyone after) one place down (R14).
pub async fn copy_memberships(
    tx: &mut Tx,
    account: AccountId,
    old_user: UserId,
    new_user: UserId,
    now: jiff::Timestamp,
) -> StoreResult<()> {
    for (dep, pos) in list_user_memberships(tx, account, old_user).await? {
        touch_department(tx, account, dep, now).await?;
        on!(tx, |c| sqlx::query(
            "UPDATE department_members SET position = position + 1 \
             WHERE account_id = $1 AND department_id = $2 AND position >= $3"
        )
        .bind(account.to_string())
        .bind(dep.to_string())
        .bind(pos)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        insert_member(tx, account, dep, new_user, pos).await?;
    }
    Ok(())
}
