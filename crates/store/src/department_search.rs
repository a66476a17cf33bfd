//! Searching departments by a condition tree (what a SCIM Group filter becomes), with
//! totals and offset paging, matched in the database like user searches.

use switchboard_domain::search::{DepartmentCond, DepartmentField};
use switchboard_domain::{AccountId, Department};

use crate::db::{Arg, StoreResult, Tx, bind_args, on};
use crate::departments::find_department;
use crate::user_search::{Field, Sql};

impl Field for DepartmentField {
    fn column(self) -> &'static str {
        match self {
            Self::Id => "d.id",
            Self::ExternalId => "d.external_id",
            Self::Name => "d.name",
            Self::MemberId => "m.user_id",
        }
    }

    fn nullable(self) -> bool {
        self == Self::ExternalId
    }

    fn scoped(self, test: String) -> String {
        match self {
            Self::MemberId => format!(
                "EXISTS (SELECT 1 FROM department_members m WHERE m.account_id = d.account_id \
                 AND m.department_id = d.id AND {test})"
            ),
            _ => test,
        }
    }
}

/// The departments of the account matching `cond`, by name: how many match in all, and
/// the page of `limit` departments after skipping `offset`.
pub async fn search_departments(
    tx: &mut Tx,
    account: AccountId,
    cond: &DepartmentCond,
    offset: u64,
    limit: u32,
) -> StoreResult<(u64, Vec<Department>)> {
    let mut sql = Sql {
        args: vec![Arg::Text(account.to_string())],
    };
    let clause = sql.cond(cond);
    let count_sql =
        format!("SELECT COUNT(*) FROM departments d WHERE d.account_id = $1 AND {clause}");
    let (total,): (i64,) = on!(tx, |c| {
        bind_args!(sqlx::query_as::<_, (i64,)>(&count_sql), &sql.args)
            .fetch_one(c)
            .await
    })?;
    let total = u64::try_from(total).unwrap_or(0);
    if limit == 0 || offset >= total {
        return Ok((total, Vec::new()));
    }
    let lim = sql.bind(Arg::Int(i64::from(limit)));
    let off = sql.bind(Arg::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    let page_sql = format!(
        "SELECT d.id FROM departments d WHERE d.account_id = $1 AND {clause} \
         ORDER BY d.name_key, d.id LIMIT {lim} OFFSET {off}"
    );
    let ids: Vec<(String,)> = on!(tx, |c| {
        bind_args!(sqlx::query_as::<_, (String,)>(&page_sql), &sql.args)
            .fetch_all(c)
            .await
    })?;
    let mut found = Vec::with_capacity(ids.len());
    for (id,) in ids {
        if let Some(d) = find_department(tx, account, crate::db::parse_id(&id)?).await? {
            found.push(d);
        }
    }
    Ok((total, found))
}
