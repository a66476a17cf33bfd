//! The departments a user manages, and handing them to another user (R8).

use switchboard_domain::{AccountId, DepartmentId, UserId};

use crate::db::{StoreResult, Tx, on, parse_id};

/// The departments a user manages.
pub async fn list_managed_departments(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
) -> StoreResult<Vec<(DepartmentId, String)>> {
    let rows: Vec<(String, String)> = on!(tx, |c| sqlx::query_as(
        "SELECT d.id, d.name FROM department_managers m JOIN departments d \
         ON d.account_id = m.account_id AND d.id = m.department_id \
         WHERE m.account_id = $1 AND m.user_id = $2 ORDER BY d.name_key"
    )
    .bind(account.to_string())
    .bind(user.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(d, n)| Ok((parse_id(&d)?, n)))
        .collect()
}

/// Whether `user` is a member of any department `manager` manages.
pub async fn is_user_in_managed_departments(
    tx: &mut Tx,
    account: AccountId,
    manager: UserId,
    user: UserId,
) -> StoreResult<bool> {
    let (n,): (i64,) = on!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM department_members m JOIN department_managers g \
         ON g.account_id = m.account_id AND g.department_id = m.department_id \
         WHERE m.account_id = $1 AND g.user_id = $2 AND m.user_id = $3"
    )
    .bind(account.to_string())
    .bind(manager.to_string())
    .bind(user.to_string())
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// Moves every department `from` manages to `to` (R8 reassign).
pub async fn reassign_managed_departments(
    tx: &mut Tx,
    account: AccountId,
    from: UserId,
    to: UserId,
) -> StoreResult<u64> {
    let managed = list_managed_departments(tx, account, from).await?;
    for (dep, _) in &managed {
        on!(tx, |c| sqlx::query(
            "DELETE FROM department_managers WHERE account_id = $1 AND department_id = $2 \
             AND user_id = $3"
        )
        .bind(account.to_string())
        .bind(dep.to_string())
        .bind(from.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        let (exists,): (i64,) = on!(tx, |c| sqlx::query_as(
            "SELECT COUNT(*) FROM department_managers WHERE account_id = $1 \
             AND department_id = $2 AND user_id = $3"
        )
        .bind(account.to_string())
        .bind(dep.to_string())
        .bind(to.to_string())
        .fetch_one(c)
        .await)?;
        if exists == 0 {
            on!(tx, |c| sqlx::query(
                "INSERT INTO department_managers (account_id, department_id, user_id) \
                 VALUES ($1, $2, $3)"
            )
            .bind(account.to_string())
            .bind(dep.to_string())
            .bind(to.to_string())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    Ok(managed.len() as u64)
}
