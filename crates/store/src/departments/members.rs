//! A department's ordered members and its managers, replaced as a whole.

use switchboard_domain::{AccountId, DepartmentId, UserId};

use crate::db::{StoreResult, Tx, on};

/// Replaces a department's members with `members`, in that order.
pub async fn set_department_members(
    tx: &mut Tx,
    account: AccountId,
    dep: DepartmentId,
    members: &[UserId],
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "DELETE FROM department_members WHERE account_id = $1 AND department_id = $2"
    )
    .bind(account.to_string())
    .bind(dep.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    for (i, user) in members.iter().enumerate() {
        insert_member(
            tx,
            account,
            dep,
            *user,
            i64::try_from(i).unwrap_or(i64::MAX),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn insert_member(
    tx: &mut Tx,
    account: AccountId,
    dep: DepartmentId,
    user: UserId,
    position: i64,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO department_members (account_id, department_id, user_id, position, \
         user_name) VALUES ($1, $2, $3, $4, COALESCE((SELECT u.name FROM users u \
         WHERE u.account_id = $1 AND u.id = $3), ''))"
    )
    .bind(account.to_string())
    .bind(dep.to_string())
    .bind(user.to_string())
    .bind(position)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Replaces a department's managers.
pub async fn set_department_managers(
    tx: &mut Tx,
    account: AccountId,
    dep: DepartmentId,
    managers: &[UserId],
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "DELETE FROM department_managers WHERE account_id = $1 AND department_id = $2"
    )
    .bind(account.to_string())
    .bind(dep.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    for user in managers {
        on!(tx, |c| sqlx::query(
            "INSERT INTO department_managers (account_id, department_id, user_id) \
             VALUES ($1, $2, $3)"
        )
        .bind(account.to_string())
        .bind(dep.to_string())
        .bind(user.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}
