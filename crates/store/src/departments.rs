//! Departments, their ordered members and their managers.

use switchboard_domain::{
    AccountId, Department, DepartmentId, Fallback, Name, RoutingMethod, TimeZoneName, UserId,
    WeeklySchedule,
};

use crate::db::{
    Arg, StoreError, StoreResult, Tx, fetch_rows, from_micros, on, parse_id, to_micros,
};

#[derive(sqlx::FromRow)]
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

async fn insert_member(
    tx: &mut Tx,
    account: AccountId,
    dep: DepartmentId,
    user: UserId,
    position: i64,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO department_members (account_id, department_id, user_id, position) \
         VALUES ($1, $2, $3, $4)"
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
    let rows: Vec<MembershipRow> =
        fetch_rows(tx, &sql, &["user_id", "department_id", "name"], &args).await?;
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

/// How many calls round robin has handed out in this department.
pub async fn find_department_rotation(
    tx: &mut Tx,
    account: AccountId,
    id: DepartmentId,
) -> StoreResult<u64> {
    let n: Option<(i64,)> = on!(tx, |c| sqlx::query_as(
        "SELECT rotation FROM departments WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .fetch_optional(c)
    .await)?;
    Ok(n.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
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
