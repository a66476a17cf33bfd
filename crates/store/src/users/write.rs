//! Writing users: one column list makes both the insert and the update, with their binds
//! and placeholders; tags and (on SQLite) the place in list order go with them.

use switchboard_domain::{AccountId, E164, Email, IdpUsername, PhoneKind, Tag, User, UserId};

use crate::db::{StoreResult, Tx, on, placeholder, to_micros, value_rows};
use crate::sqlite::search_order;

use super::attributes_json;

/// A value written to a user column.
enum Val<'a> {
    Str(Option<&'a str>),
    Owned(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl Val<'_> {
    /// The value as text (`t`/`f` for flags), for a `COPY` stream.
    fn into_text(self) -> Option<String> {
        match self {
            Val::Str(s) => s.map(str::to_owned),
            Val::Owned(s) => s,
            Val::Int(i) => i.map(|i| i.to_string()),
            Val::Bool(b) => b.map(|b| if b { "t" } else { "f" }.to_owned()),
        }
    }
}

/// Binds [`Val`]s to a query, in order.
macro_rules! bind_vals {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for (_, v) in $vals {
            q = match v {
                Val::Str(s) => q.bind(s),
                Val::Owned(s) => q.bind(s),
                Val::Int(i) => q.bind(i),
                Val::Bool(b) => q.bind(b),
            };
        }
        q
    }};
}

/// Every column a user is written to, with its value: the insert and the update are both
/// made from this one list, so a new column is added here once.
fn written(u: &User) -> [(&'static str, Val<'_>); 33] {
    let s = |v: &'static str| Val::Str(Some(v));
    [
        ("id", Val::Owned(Some(u.id.to_string()))),
        ("account_id", Val::Owned(Some(u.account_id.to_string()))),
        ("name", Val::Str(Some(u.name.as_str()))),
        ("email", Val::Str(u.email.as_ref().map(Email::as_str))),
        ("mobile", Val::Str(u.mobile.as_ref().map(E164::as_str))),
        (
            "alternate_mobile",
            Val::Str(u.alternate_mobile.as_ref().map(E164::as_str)),
        ),
        ("extension", Val::Int(Some(i64::from(u.extension.value())))),
        ("role_id", Val::Owned(Some(u.role_id.to_string()))),
        ("panel_access", Val::Bool(Some(u.panel_access))),
        ("receive_calls", Val::Bool(Some(u.receive_calls))),
        ("call_hours", Val::Owned(Some(u.call_hours.to_json()))),
        ("time_zone", Val::Str(Some(u.time_zone.as_str()))),
        ("availability", s(u.availability.key())),
        ("voicemail", Val::Bool(Some(u.voicemail))),
        ("status", s(u.status.key())),
        ("external_id", Val::Str(u.external_id.as_deref())),
        ("has_signed_in", Val::Bool(Some(u.has_signed_in))),
        ("deactivate_at", Val::Int(u.deactivate_at.map(to_micros))),
        ("version", Val::Int(Some(u.version))),
        ("created_at", Val::Int(Some(to_micros(u.created_at)))),
        ("updated_at", Val::Int(Some(to_micros(u.updated_at)))),
        ("idp_managed", Val::Bool(Some(u.idp.managed))),
        ("given_name", Val::Str(u.idp.given_name.as_deref())),
        ("family_name", Val::Str(u.idp.family_name.as_deref())),
        (
            "primary_phone",
            Val::Str(u.idp.primary_phone.map(PhoneKind::key)),
        ),
        ("email_primary", Val::Bool(u.idp.email_primary)),
        ("alternate_work", Val::Bool(Some(u.idp.alternate_work))),
        (
            "idp_username",
            Val::Str(u.idp.username.as_ref().map(IdpUsername::as_str)),
        ),
        (
            "idp_attributes",
            Val::Owned(attributes_json(&u.idp.attributes)),
        ),
        (
            "manager_id",
            Val::Owned(u.idp.manager.map(|m| m.to_string())),
        ),
        ("email_key", Val::Owned(u.email.as_ref().map(Email::key))),
        (
            "idp_username_key",
            Val::Owned(u.idp.username.as_ref().map(IdpUsername::key)),
        ),
        (
            "login_key",
            Val::Owned(Some(u.login_key().unwrap_or_default())),
        ),
    ]
}

/// Columns an update leaves alone.
const NEVER_UPDATED: [&str; 3] = ["id", "account_id", "created_at"];

/// Writes many new users at once, as seeding a benchmark or a bulk load does: on
/// PostgreSQL as one `COPY` stream for the users and one for their tags, on SQLite one
/// insert each, in the order given (list order keeps SQLite's list-order ranks cheap).
pub async fn load_users(tx: &mut Tx, users: &[User]) -> StoreResult<()> {
    let Some(first) = users.first() else {
        return Ok(());
    };
    let Tx::Postgres(t) = tx else {
        for u in users {
            insert_users(tx, std::slice::from_ref(u)).await?;
        }
        return Ok(());
    };
    let columns: Vec<&str> = written(first).iter().map(|(c, _)| *c).collect();
    let rows = users
        .iter()
        .map(|u| written(u).into_iter().map(|(_, v)| v.into_text()).collect());
    crate::postgres::copy_rows(t, "users", &columns, rows).await?;
    let tags = users.iter().flat_map(|u| {
        u.tags.iter().map(|tag| {
            vec![
                Some(u.account_id.to_string()),
                Some(u.id.to_string()),
                Some(tag.as_str().to_owned()),
            ]
        })
    });
    crate::postgres::copy_rows(t, "user_tags", &["account_id", "user_id", "tag"], tags).await?;
    Ok(())
}

/// Inserts a user and their tags.
pub async fn insert_user(tx: &mut Tx, u: &User) -> StoreResult<()> {
    insert_users(tx, std::slice::from_ref(u)).await
}

/// Inserts new users in one statement, then the tags of those who have some. A uniqueness
/// violation refuses all of them.
pub async fn insert_users(tx: &mut Tx, users: &[User]) -> StoreResult<()> {
    insert_user_rows(tx, users).await?;
    for u in users.iter().filter(|u| !u.tags.is_empty()) {
        // A new user has no tags yet: nothing to clear.
        insert_user_tags(tx, u.account_id, u.id, &u.tags).await?;
    }
    Ok(())
}

async fn insert_user_rows(tx: &mut Tx, users: &[User]) -> StoreResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    // SQLite keeps each user's place in list order for its text index.
    let ranks = match tx {
        Tx::Sqlite(t) => {
            let keys: Vec<search_order::Key> = users
                .iter()
                .map(|u| search_order::Key {
                    account: u.account_id.to_string(),
                    name: u.name.as_str().to_owned(),
                    id: u.id.to_string(),
                })
                .collect();
            Some(search_order::ranks_for_new(t, &keys).await?)
        }
        Tx::Postgres(_) => None,
    };
    let rows: Vec<_> = users.iter().map(written).collect();
    let columns: Vec<&str> = rows[0].iter().map(|(c, _)| *c).collect();
    let (rank_column, per_row) = match ranks {
        Some(_) => (", search_rank", columns.len() + 1),
        None => ("", columns.len()),
    };
    let sql = format!(
        "INSERT INTO users ({}{rank_column}) VALUES {}",
        columns.join(", "),
        value_rows(tx.backend(), users.len(), per_row)
    );
    // Rows go in rank order: SQLite's text index writes its pending entries out whenever
    // a rowid comes lower than the last one.
    let mut order: Vec<usize> = (0..users.len()).collect();
    if let Some(r) = &ranks {
        order.sort_by_key(|i| r.get(*i).copied());
    }
    on!(tx, |c| {
        let mut q = sqlx::query(&sql);
        for i in &order {
            let i = *i;
            q = bind_vals!(q, &rows[i]);
            if let Some(rank) = ranks.as_ref().and_then(|r| r.get(i)) {
                q = q.bind(*rank);
            }
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// What an update changes besides the user's row: their place in list order (a new name)
/// and their tags, each a write of its own, skipped when unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Touches {
    /// The name changed.
    pub name: bool,
    /// The tags changed.
    pub tags: bool,
}

impl Touches {
    /// Neither the name nor the tags.
    pub const ROW_ONLY: Self = Self {
        name: false,
        tags: false,
    };

    /// What differs between `before` and `after`.
    pub fn between(before: &User, after: &User) -> Self {
        Self {
            name: before.name != after.name,
            tags: before.tags != after.tags,
        }
    }
}

/// Writes every field of `u` if the stored version is still `u.version - 1`. Returns
/// whether the row was written (false = changed by someone else or gone).
pub async fn update_user(tx: &mut Tx, u: &User, touches: Touches) -> StoreResult<bool> {
    let backend = tx.backend();
    let values: Vec<_> = written(u)
        .into_iter()
        .filter(|(c, _)| !NEVER_UPDATED.contains(c))
        .collect();
    let set: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = {}", placeholder(backend, i + 1)))
        .collect();
    let n = values.len();
    let sql = format!(
        "UPDATE users SET {} WHERE account_id = {} AND id = {} AND version = {}",
        set.join(", "),
        placeholder(backend, n + 1),
        placeholder(backend, n + 2),
        placeholder(backend, n + 3)
    );
    let done = on!(tx, |c| bind_vals!(sqlx::query(&sql), values)
        .bind(u.account_id.to_string())
        .bind(u.id.to_string())
        .bind(u.version - 1)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if done == 0 {
        return Ok(false);
    }
    if touches.name {
        // Memberships list their users by name (migration 0025).
        on!(tx, |c| sqlx::query(
            "UPDATE department_members SET user_name = $1 WHERE account_id = $2 AND user_id = $3"
        )
        .bind(u.name.as_str())
        .bind(u.account_id.to_string())
        .bind(u.id.to_string())
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    if touches.name
        && let Tx::Sqlite(t) = tx
    {
        // A new name may move the user in list order.
        search_order::reposition(t, &u.account_id.to_string(), &u.id.to_string()).await?;
    }
    if touches.tags {
        replace_user_tags(tx, u.account_id, u.id, &u.tags).await?;
    }
    Ok(true)
}

async fn replace_user_tags(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    tags: &[Tag],
) -> StoreResult<()> {
    // By the user's id alone, as `lists::tags_list` explains.
    on!(tx, |c| sqlx::query(
        "DELETE FROM user_tags WHERE user_id = $1"
    )
    .bind(user.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    insert_user_tags(tx, account, user, tags).await
}

async fn insert_user_tags(
    tx: &mut Tx,
    account: AccountId,
    user: UserId,
    tags: &[Tag],
) -> StoreResult<()> {
    for tag in tags {
        on!(tx, |c| sqlx::query(
            "INSERT INTO user_tags (account_id, user_id, tag) VALUES ($1, $2, $3)"
        )
        .bind(account.to_string())
        .bind(user.to_string())
        .bind(tag.as_str())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use switchboard_domain::{AccountId, Availability, Name, RoleId, TimeZoneName, UserId};

    use super::*;
    use crate::users::column_names;

    #[test]
    fn every_column_read_is_written_and_only_lookup_keys_are_written_unread() {
        let u = User {
            id: UserId::new(),
            account_id: AccountId::new(),
            name: Name::parse("name", "Priya Sharma").unwrap(),
            email: None,
            mobile: None,
            alternate_mobile: None,
            extension: switchboard_domain::Extension::parse("extension", "204").unwrap(),
            role_id: RoleId::new(),
            panel_access: false,
            receive_calls: true,
            call_hours: Default::default(),
            time_zone: TimeZoneName::parse("tz", "UTC").unwrap(),
            availability: Availability::Available,
            voicemail: false,
            status: switchboard_domain::UserStatus::Active,
            external_id: None,
            idp: Default::default(),
            tags: Vec::new(),
            has_signed_in: false,
            deactivate_at: None,
            version: 1,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let written: Vec<&str> = written(&u).iter().map(|(c, _)| *c).collect();
        let read = column_names();
        let unread: Vec<&str> = written
            .iter()
            .copied()
            .filter(|c| !read.contains(c))
            .collect();
        assert_eq!(unread, ["email_key", "idp_username_key", "login_key"]);
        let unwritten: Vec<&str> = read
            .iter()
            .copied()
            .filter(|c| !written.contains(c))
            .collect();
        assert!(
            unwritten.is_empty(),
            "read but never written: {unwritten:?}"
        );
    }
}
