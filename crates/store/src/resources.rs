//! Phone numbers and workflows, and their owners (R8).

use std::sync::LazyLock;

use switchboard_domain::{
    AccountId, Destination, E164, Name, NumberId, PhoneNumber, UserId, Workflow, WorkflowId,
    WorkflowKind,
};

use crate::db::{Arg, Reads, StoreError, StoreResult, Tx, on, parse_id, to_micros};

/// The columns a number is read from, in `NumberRow`'s order.
macro_rules! number_columns {
    () => {
        "id, account_id, number, label, owner_id, destination_department_id, destination_user_id"
    };
}
const NUMBER_COLUMNS: &str = number_columns!();

/// The call route's lookup of a dialled number ([`find_number_route`]); public so that a
/// test can check that both databases answer it from the (account_id, number) index.
pub const FIND_NUMBER_ROUTE_SQL: &str = concat!(
    "SELECT ",
    number_columns!(),
    " FROM numbers WHERE account_id = $1 AND number = $2"
);

/// The columns of [`NumberRow`], in order: [`NUMBER_COLUMNS`] one by one.
fn number_row_columns() -> &'static [&'static str] {
    static NAMES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| NUMBER_COLUMNS.split(", ").collect());
    &NAMES
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct NumberRow {
    id: String,
    account_id: String,
    number: String,
    label: String,
    owner_id: String,
    destination_department_id: Option<String>,
    destination_user_id: Option<String>,
}

impl NumberRow {
    fn into_number(self) -> StoreResult<PhoneNumber> {
        let destination = match (self.destination_department_id, self.destination_user_id) {
            (None, None) => None,
            (Some(d), None) => Some(Destination::Department(parse_id(&d)?)),
            (None, Some(u)) => Some(Destination::User(parse_id(&u)?)),
            (Some(_), Some(_)) => {
                return Err(StoreError::Corrupt(format!(
                    "number {} has two destinations",
                    self.id
                )));
            }
        };
        Ok(PhoneNumber {
            id: parse_id(&self.id)?,
            account_id: parse_id(&self.account_id)?,
            number: E164::from_trusted(self.number),
            label: self.label,
            owner_id: parse_id(&self.owner_id)?,
            destination,
        })
    }
}

/// The two destination columns of a number: (department, user).
fn destination_columns(d: Option<Destination>) -> (Option<String>, Option<String>) {
    match d {
        None => (None, None),
        Some(Destination::Department(id)) => (Some(id.to_string()), None),
        Some(Destination::User(id)) => (None, Some(id.to_string())),
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
    let (department, user) = destination_columns(n.destination);
    on!(tx, |c| sqlx::query(
        "INSERT INTO numbers (id, account_id, number, label, owner_id, created_at, \
         destination_department_id, destination_user_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(n.id.to_string())
    .bind(n.account_id.to_string())
    .bind(n.number.as_str())
    .bind(&n.label)
    .bind(n.owner_id.to_string())
    .bind(to_micros(now))
    .bind(department)
    .bind(user)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Updates a number's label, owner and destination.
pub async fn update_number(tx: &mut Tx, n: &PhoneNumber) -> StoreResult<()> {
    let (department, user) = destination_columns(n.destination);
    on!(tx, |c| sqlx::query(
        "UPDATE numbers SET label = $1, owner_id = $2, destination_department_id = $3, \
         destination_user_id = $4 WHERE account_id = $5 AND id = $6"
    )
    .bind(&n.label)
    .bind(n.owner_id.to_string())
    .bind(department)
    .bind(user)
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
    let sql = format!("SELECT {NUMBER_COLUMNS} FROM numbers WHERE account_id = $1 AND id = $2");
    let row: Option<NumberRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(NumberRow::into_number).transpose()
}

/// The number written `number` (in E.164 form, as numbers are stored), with its
/// destination: what the call route reads on every incoming call. One statement, one probe
/// of the unique index on (account_id, number).
pub async fn find_number_route(
    reads: &mut Reads<'_>,
    account: AccountId,
    number: &str,
) -> StoreResult<Option<PhoneNumber>> {
    let args = [Arg::Text(account.to_string()), Arg::Text(number.to_owned())];
    let row: Option<NumberRow> = reads
        .row(FIND_NUMBER_ROUTE_SQL, number_row_columns(), &args)
        .await?;
    row.map(NumberRow::into_number).transpose()
}

/// The numbers whose incoming calls go to `destination`, in number order.
pub async fn list_numbers_routed_to(
    tx: &mut Tx,
    account: AccountId,
    destination: Destination,
) -> StoreResult<Vec<PhoneNumber>> {
    let column = match destination {
        Destination::Department(_) => "destination_department_id",
        Destination::User(_) => "destination_user_id",
    };
    let sql = format!(
        "SELECT {NUMBER_COLUMNS} FROM numbers WHERE account_id = $1 AND {column} = $2 \
         ORDER BY number"
    );
    let rows: Vec<NumberRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(destination.id_text())
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(NumberRow::into_number).collect()
}

/// Numbers of the account, optionally only those of one owner.
pub async fn list_numbers(
    tx: &mut Tx,
    account: AccountId,
    owner: Option<UserId>,
) -> StoreResult<Vec<PhoneNumber>> {
    let sql = format!(
        "SELECT {NUMBER_COLUMNS} FROM numbers \
         WHERE account_id = $1 AND ($2 = '' OR owner_id = $2) ORDER BY number"
    );
    let rows: Vec<NumberRow> = on!(tx, |c| sqlx::query_as(&sql)
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

/// Routes to `to` the calls of every number whose destination is the user `from`; returns
/// how many numbers changed.
pub async fn reassign_number_destinations(
    tx: &mut Tx,
    account: AccountId,
    from: UserId,
    to: UserId,
) -> StoreResult<u64> {
    Ok(on!(tx, |c| sqlx::query(
        "UPDATE numbers SET destination_user_id = $1 \
         WHERE account_id = $2 AND destination_user_id = $3"
    )
    .bind(to.to_string())
    .bind(account.to_string())
    .bind(from.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
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
