//! Phone numbers and workflows, and their owners (R8).

use switchboard_domain::{
    AccountId, E164, Name, NumberId, PhoneNumber, UserId, Workflow, WorkflowId, WorkflowKind,
};

use crate::db::{StoreError, StoreResult, Tx, on, parse_id, to_micros};

#[derive(sqlx::FromRow)]
struct NumberRow {
    id: String,
    account_id: String,
    number: String,
    label: String,
    owner_id: String,
}

impl NumberRow {
    fn into_number(self) -> StoreResult<PhoneNumber> {
        Ok(PhoneNumber {
            id: parse_id(&self.id)?,
            account_id: parse_id(&self.account_id)?,
            number: E164::from_trusted(self.number),
            label: self.label,
            owner_id: parse_id(&self.owner_id)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct WorkflowRow {
    id: String,
    account_id: String,
    name: String,
    kind: String,
    owner_id: String,
}

impl WorkflowRow {
    fn into_workflow(self) -> StoreResult<Workflow> {
        let bad = |w: &str| StoreError::Corrupt(format!("workflow {w}"));
        Ok(Workflow {
            id: parse_id(&self.id)?,
            account_id: parse_id(&self.account_id)?,
            name: Name::parse("name", &self.name).map_err(|_| bad("name"))?,
            kind: WorkflowKind::parse("kind", &self.kind).map_err(|_| bad("kind"))?,
            owner_id: parse_id(&self.owner_id)?,
        })
    }
}

/// Inserts a number.
pub async fn insert_number(tx: &mut Tx, n: &PhoneNumber, now: jiff::Timestamp) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO numbers (id, account_id, number, label, owner_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(n.id.to_string())
    .bind(n.account_id.to_string())
    .bind(n.number.as_str())
    .bind(&n.label)
    .bind(n.owner_id.to_string())
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Updates a number's label and owner.
pub async fn update_number(tx: &mut Tx, n: &PhoneNumber) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE numbers SET label = $1, owner_id = $2 WHERE account_id = $3 AND id = $4"
    )
    .bind(&n.label)
    .bind(n.owner_id.to_string())
    .bind(n.account_id.to_string())
    .bind(n.id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes a number.
pub async fn delete_number(tx: &mut Tx, account: AccountId, id: NumberId) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM numbers WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Reads a number.
pub async fn find_number(
    tx: &mut Tx,
    account: AccountId,
    id: NumberId,
) -> StoreResult<Option<PhoneNumber>> {
    let row: Option<NumberRow> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, number, label, owner_id FROM numbers \
         WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .fetch_optional(c)
    .await)?;
    row.map(NumberRow::into_number).transpose()
}

/// Numbers of the account, optionally only those of one owner.
pub async fn list_numbers(
    tx: &mut Tx,
    account: AccountId,
    owner: Option<UserId>,
) -> StoreResult<Vec<PhoneNumber>> {
    let rows: Vec<NumberRow> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, number, label, owner_id FROM numbers \
         WHERE account_id = $1 AND ($2 = '' OR owner_id = $2) ORDER BY number"
    )
    .bind(account.to_string())
    .bind(owner.map(|o| o.to_string()).unwrap_or_default())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(NumberRow::into_number).collect()
}

/// Inserts a workflow.
pub async fn insert_workflow(tx: &mut Tx, w: &Workflow, now: jiff::Timestamp) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "INSERT INTO workflows (id, account_id, name, kind, owner_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(w.id.to_string())
    .bind(w.account_id.to_string())
    .bind(w.name.as_str())
    .bind(w.kind.key())
    .bind(w.owner_id.to_string())
    .bind(to_micros(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Updates a workflow's name, kind and owner.
pub async fn update_workflow(tx: &mut Tx, w: &Workflow) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE workflows SET name = $1, kind = $2, owner_id = $3 WHERE account_id = $4 AND id = $5"
    )
    .bind(w.name.as_str())
    .bind(w.kind.key())
    .bind(w.owner_id.to_string())
    .bind(w.account_id.to_string())
    .bind(w.id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes a workflow.
pub async fn delete_workflow(tx: &mut Tx, account: AccountId, id: WorkflowId) -> StoreResult<bool> {
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM workflows WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Reads a workflow.
pub async fn find_workflow(
    tx: &mut Tx,
    account: AccountId,
    id: WorkflowId,
) -> StoreResult<Option<Workflow>> {
    let row: Option<WorkflowRow> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, name, kind, owner_id FROM workflows \
         WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .fetch_optional(c)
    .await)?;
    row.map(WorkflowRow::into_workflow).transpose()
}

/// Workflows of the account, optionally only those of one owner.
pub async fn list_workflows(
    tx: &mut Tx,
    account: AccountId,
    owner: Option<UserId>,
) -> StoreResult<Vec<Workflow>> {
    let rows: Vec<WorkflowRow> = on!(tx, |c| sqlx::query_as(
        "SELECT id, account_id, name, kind, owner_id FROM workflows \
         WHERE account_id = $1 AND ($2 = '' OR owner_id = $2) ORDER BY name, id"
    )
    .bind(account.to_string())
    .bind(owner.map(|o| o.to_string()).unwrap_or_default())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(WorkflowRow::into_workflow).collect()
}

/// Moves every number and workflow owned by `from` to `to`; returns how many moved.
pub async fn reassign_owned_resources(
    tx: &mut Tx,
    account: AccountId,
    from: UserId,
    to: UserId,
) -> StoreResult<u64> {
    let mut moved = 0;
    for table in ["numbers", "workflows"] {
        let sql =
            format!("UPDATE {table} SET owner_id = $1 WHERE account_id = $2 AND owner_id = $3");
        moved += on!(tx, |c| sqlx::query(&sql)
            .bind(to.to_string())
            .bind(account.to_string())
            .bind(from.to_string())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(moved)
}
