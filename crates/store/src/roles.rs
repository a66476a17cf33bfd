//! Roles and their permission matrices.

use std::sync::LazyLock;

use switchboard_domain::{AccountId, BuiltinRole, Name, Permissions, Role, RoleId};

use crate::db::{Arg, Reads, StoreError, StoreResult, Tx, on, parse_id, to_micros};

#[derive(sqlx::FromRow, serde::Deserialize)]
struct RoleRow {
    id: String,
    account_id: String,
    name: String,
    builtin: Option<String>,
    permissions: String,
}

impl RoleRow {
    fn into_role(self) -> StoreResult<Role> {
        let bad = |what: &str| StoreError::Corrupt(format!("role {what}"));
        Ok(Role {
            id: parse_id(&self.id)?,
            account_id: parse_id(&self.account_id)?,
            name: Name::parse("name", &self.name).map_err(|_| bad("name"))?,
            builtin: match self.builtin.as_deref() {
                Some(k) => Some(BuiltinRole::from_key(k).ok_or_else(|| bad("builtin"))?),
                None => None,
            },
            permissions: serde_json::from_str::<Permissions>(&self.permissions)
                .map_err(|_| bad("permissions"))?,
        })
    }
}

const COLUMNS: &str = "id, account_id, name, builtin, permissions";

/// Inserts a role.
pub async fn insert_role(tx: &mut Tx, r: &Role, now: jiff::Timestamp) -> StoreResult<()> {
    let perms =
        serde_json::to_string(&r.permissions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let sql = "INSERT INTO roles (id, account_id, name, name_key, builtin, permissions, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)";
    on!(tx, |c| sqlx::query(sql)
        .bind(r.id.to_string())
        .bind(r.account_id.to_string())
        .bind(r.name.as_str())
        .bind(r.name.as_str().to_lowercase())
        .bind(r.builtin.map(|b| b.key()))
        .bind(&perms)
        .bind(to_micros(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Updates a role's name and permissions.
pub async fn update_role(tx: &mut Tx, r: &Role) -> StoreResult<()> {
    let perms =
        serde_json::to_string(&r.permissions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let sql = "UPDATE roles SET name = $1, name_key = $2, permissions = $3 \
               WHERE account_id = $4 AND id = $5";
    on!(tx, |c| sqlx::query(sql)
        .bind(r.name.as_str())
        .bind(r.name.as_str().to_lowercase())
        .bind(&perms)
        .bind(r.account_id.to_string())
        .bind(r.id.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes a role (the caller checks it is unused).
pub async fn delete_role(tx: &mut Tx, account: AccountId, id: RoleId) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "DELETE FROM roles WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Reads one role.
pub async fn find_role(tx: &mut Tx, account: AccountId, id: RoleId) -> StoreResult<Option<Role>> {
    let sql = format!("SELECT {COLUMNS} FROM roles WHERE account_id = $1 AND id = $2");
    let row: Option<RoleRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(RoleRow::into_role).transpose()
}

/// Finds a role by name, case-insensitively.
pub async fn find_role_by_name(
    tx: &mut Tx,
    account: AccountId,
    name: &str,
) -> StoreResult<Option<Role>> {
    let sql = format!("SELECT {COLUMNS} FROM roles WHERE account_id = $1 AND name_key = $2");
    let row: Option<RoleRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(name.trim().to_lowercase())
        .fetch_optional(c)
        .await)?;
    row.map(RoleRow::into_role).transpose()
}

/// Finds a built-in role.
pub async fn find_builtin_role(
    tx: &mut Tx,
    account: AccountId,
    which: BuiltinRole,
) -> StoreResult<Option<Role>> {
    let sql = format!("SELECT {COLUMNS} FROM roles WHERE account_id = $1 AND builtin = $2");
    let row: Option<RoleRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(which.key())
        .fetch_optional(c)
        .await)?;
    row.map(RoleRow::into_role).transpose()
}

/// All roles of the account, built-in first, then by name.
pub async fn list_roles(tx: &mut Tx, account: AccountId) -> StoreResult<Vec<Role>> {
    list_roles_in(&mut Reads::Tx(tx), account).await
}

/// [`list_roles`] wherever the read runs.
pub async fn list_roles_in(reads: &mut Reads<'_>, account: AccountId) -> StoreResult<Vec<Role>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {COLUMNS} FROM roles WHERE account_id = $1 \
             ORDER BY CASE builtin WHEN 'administrator' THEN 0 WHEN 'manager' THEN 1 \
             WHEN 'basic' THEN 2 ELSE 3 END, name_key"
        )
    });
    let rows: Vec<RoleRow> = reads
        .rows(&SQL, &COLUMN_NAMES, &[Arg::Text(account.to_string())])
        .await?;
    rows.into_iter().map(RoleRow::into_role).collect()
}

/// [`COLUMNS`], one by one.
static COLUMN_NAMES: LazyLock<Vec<&str>> = LazyLock::new(|| COLUMNS.split(", ").collect());

/// How many users hold the role.
pub async fn count_role_holders(tx: &mut Tx, account: AccountId, id: RoleId) -> StoreResult<i64> {
    let (n,): (i64,) = on!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE account_id = $1 AND role_id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .fetch_one(c)
    .await)?;
    Ok(n)
}
