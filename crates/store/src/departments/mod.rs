//! Departments, their ordered members and their managers. This module owns the
//! department rows themselves and the round-robin rotation.

use std::sync::LazyLock;

use switchboard_domain::{
    AccountId, Department, DepartmentId, Fallback, Name, RoutingMethod, TimeZoneName, UserId,
    WeeklySchedule,
};

use crate::db::{Arg, Reads, StoreError, StoreResult, Tx, from_micros, on, parse_id, to_micros};

mod managed;
mod members;
mod memberships;

pub use managed::{
    is_user_in_managed_departments, list_managed_departments, reassign_managed_departments,
};
pub use members::{set_department_managers, set_department_members};
pub use memberships::{
    copy_memberships, list_departments_of_users, list_user_memberships, set_user_memberships,
};

#[derive(sqlx::FromRow, serde::Deserialize)]
struct DepartmentRow {
    id: String,
    account_id: String,
    name: String,
    routing_method: String,
    ring_time_secs: i64,
    business_hours: String,
    time_zone: String,
    fallback: String,
    external_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, account_id, name, routing_method, ring_time_secs, business_hours, \
     time_zone, fallback, external_id, created_at, updated_at";

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("department {what}"))
}

impl DepartmentRow {
    fn into_department(
        self,
        members: Vec<UserId>,
        managers: Vec<UserId>,
    ) -> StoreResult<Department> {
        Ok(Department {
            id: parse_id(&self.id)?,
            account_id: parse_id(&self.account_id)?,
            name: Name::parse("name", &self.name).map_err(|_| bad("name"))?,
            routing_method: RoutingMethod::parse("m", &self.routing_method)
                .map_err(|_| bad("routing method"))?,
            ring_time_secs: u32::try_from(self.ring_time_secs).map_err(|_| bad("ring time"))?,
            business_hours: WeeklySchedule::from_json(&self.business_hours),
            time_zone: TimeZoneName::parse("tz", &self.time_zone).map_err(|_| bad("tz"))?,
            fallback: serde_json::from_str::<Fallback>(&self.fallback)
                .map_err(|_| bad("fallback"))?,
            members,
            managers,
            external_id: self.external_id,
            created_at: from_micros(self.created_at)?,
            updated_at: from_micros(self.updated_at)?,
        })
    }
}

fn fallback_json(f: &Fallback) -> StoreResult<String> {
    serde_json::to_string(f).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Inserts a department with its members and managers.
pub async fn insert_department(tx: &mut Tx, d: &Department) -> StoreResult<()> {
    let sql = "INSERT INTO departments (id, account_id, name, name_key, routing_method, \
               ring_time_secs, business_hours, time_zone, fallback, created_at, external_id, \
               updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    let fallback = fallback_json(&d.fallback)?;
    on!(tx, |c| sqlx::query(sql)
        .bind(d.id.to_string())
        .bind(d.account_id.to_string())
        .bind(d.name.as_str())
        .bind(d.name.as_str().to_lowercase())
        .bind(d.routing_method.key())
        .bind(i64::from(d.ring_time_secs))
        .bind(d.business_hours.to_json())
        .bind(d.time_zone.as_str())
        .bind(&fallback)
        .bind(to_micros(d.created_at))
        .bind(d.external_id.as_deref())
        .bind(to_micros(d.updated_at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    set_department_members(tx, d.account_id, d.id, &d.members).await?;
    set_department_managers(tx, d.account_id, d.id, &d.managers).await
}

/// Updates a department's settings (not members or managers).
pub async fn update_department(tx: &mut Tx, d: &Department) -> StoreResult<()> {
    let sql = "UPDATE departments SET name = $1, name_key = $2, routing_method = $3, \
               ring_time_secs = $4, business_hours = $5, time_zone = $6, fallback = $7, \
               external_id = $8, updated_at = $9 WHERE account_id = $10 AND id = $11";
    let fallback = fallback_json(&d.fallback)?;
    on!(tx, |c| sqlx::query(sql)
        .bind(d.name.as_str())
        .bind(d.name.as_str().to_lowercase())
        .bind(d.routing_method.key())
        .bind(i64::from(d.ring_time_secs))
        .bind(d.business_hours.to_json())
        .bind(d.time_zone.as_str())
        .bind(&fallback)
        .bind(d.external_id.as_deref())
        .bind(to_micros(d.updated_at))
        .bind(d.account_id.to_string())
        .bind(d.id.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes a department; its memberships go with it.
pub async fn delete_department(
    tx: &mut Tx,
    account: AccountId,
    id: DepartmentId,
) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM departments WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

async fn user_ids(
    tx: &mut Tx,
    sql: &str,
    account: AccountId,
    dep: &str,
) -> StoreResult<Vec<UserId>> {
    let rows: Vec<(String,)> = on!(tx, |c| sqlx::query_as(sql)
        .bind(account.to_string())
        .bind(dep)
        .fetch_all(c)
        .await)?;
    rows.iter().map(|(id,)| parse_id(id)).collect()
}

async fn hydrate(tx: &mut Tx, row: DepartmentRow) -> StoreResult<Department> {
    let account: AccountId = parse_id(&row.account_id)?;
    let members = user_ids(
        tx,
        "SELECT user_id FROM department_members WHERE account_id = $1 AND department_id = $2 \
         ORDER BY position, user_id",
        account,
        &row.id,
    )
    .await?;
    let managers = user_ids(
        tx,
        "SELECT user_id FROM department_managers WHERE account_id = $1 AND department_id = $2 \
         ORDER BY user_id",
        account,
        &row.id,
    )
    .await?;
    row.into_department(members, managers)
}

/// Reads a department with its members (in order) and managers.
pub async fn find_department(
    tx: &mut Tx,
    account: AccountId,
    id: DepartmentId,
) -> StoreResult<Option<Department>> {
    let sql = format!("SELECT {COLUMNS} FROM departments WHERE account_id = $1 AND id = $2");
    let row: Option<DepartmentRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    match row {
        Some(r) => Ok(Some(hydrate(tx, r).await?)),
        None => Ok(None),
    }
}

/// A department as the call route reads it on every call: its settings and round robin's
/// rotation in one statement. Its `members` and `managers` are left empty (the route reads
/// the members with what routing needs of each, [`crate::sip::list_route_members`]).
#[derive(Clone, Debug)]
pub struct RouteDepartment {
    /// Its settings.
    pub department: Department,
    /// How many calls round robin has handed out.
    pub rotation: u64,
    /// Moves whenever a member joins, leaves or moves, or a member's routing fields
    /// change (kept by the database's triggers, migration 0020).
    pub members_version: i64,
    /// Moves whenever a member's phone registration changes.
    pub phones_version: i64,
}

/// The department the call route rings, with round robin's rotation and the versions of
/// its members and their phones: one statement.
pub async fn find_route_department(
    reads: &mut Reads<'_>,
    account: AccountId,
    id: DepartmentId,
) -> StoreResult<Option<RouteDepartment>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {COLUMNS}, rotation, members_version, phones_version FROM departments \
             WHERE account_id = $1 AND id = $2"
        )
    });
    static ROW_COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        COLUMNS
            .split(", ")
            .map(str::trim)
            .chain(["rotation", "members_version", "phones_version"])
            .collect()
    });
    let args = [Arg::Text(account.to_string()), Arg::Text(id.to_string())];
    let row: Option<RouteDepartmentRow> = reads.row(&SQL, &ROW_COLUMNS, &args).await?;
    row.map(|r| {
        Ok(RouteDepartment {
            department: r.department.into_department(Vec::new(), Vec::new())?,
            rotation: u64::try_from(r.rotation).unwrap_or(0),
            members_version: r.members_version,
            phones_version: r.phones_version,
        })
    })
    .transpose()
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct RouteDepartmentRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    department: DepartmentRow,
    rotation: i64,
    members_version: i64,
    phones_version: i64,
}

/// All departments of the account, by name.
pub async fn list_departments(tx: &mut Tx, account: AccountId) -> StoreResult<Vec<Department>> {
    let sql =
        format!("SELECT {COLUMNS} FROM departments WHERE account_id = $1 ORDER BY name_key, id");
    let rows: Vec<DepartmentRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .fetch_all(c)
        .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(hydrate(tx, r).await?);
    }
    Ok(out)
}

/// How many calls round robin has handed out in this department.
pub async fn find_department_rotation(
    reads: &mut Reads<'_>,
    account: AccountId,
    id: DepartmentId,
) -> StoreResult<u64> {
    let args = [Arg::Text(account.to_string()), Arg::Text(id.to_string())];
    let row: Option<Rotation> = reads
        .row(
            "SELECT rotation FROM departments WHERE account_id = $1 AND id = $2",
            &["rotation"],
            &args,
        )
        .await?;
    Ok(row.map_or(0, |r| u64::try_from(r.rotation).unwrap_or(0)))
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Rotation {
    rotation: i64,
}

/// Moves round robin on by one call (a conditional write, safe under concurrent calls).
pub async fn advance_department_rotation(
    tx: &mut Tx,
    account: AccountId,
    id: DepartmentId,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE departments SET rotation = rotation + 1 WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}
