//! Users: reading, writing, searching, and the counts the rules need (admins, extensions).

use switchboard_domain::{
    AccountId, Availability, DepartmentId, E164, Email, Extension, IdpAttributes, IdpProfile,
    IdpUsername, Name, PhoneKind, RoleId, Tag, TimeZoneName, User, UserId, UserStatus,
    WeeklySchedule,
};

use crate::db::{
    Arg, StoreError, StoreResult, Tx, bind_args, fetch_rows, from_micros, json_flag, json_opt_flag,
    on, parse_id, placeholder, to_micros, value_rows,
};
use crate::search_order;
use crate::text_index;

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct UserRow {
    id: String,
    account_id: String,
    name: String,
    email: Option<String>,
    mobile: Option<String>,
    alternate_mobile: Option<String>,
    extension: i64,
    role_id: String,
    #[serde(deserialize_with = "json_flag")]
    panel_access: bool,
    #[serde(deserialize_with = "json_flag")]
    receive_calls: bool,
    call_hours: String,
    time_zone: String,
    availability: String,
    #[serde(deserialize_with = "json_flag")]
    voicemail: bool,
    status: String,
    external_id: Option<String>,
    #[serde(deserialize_with = "json_flag")]
    idp_managed: bool,
    given_name: Option<String>,
    family_name: Option<String>,
    primary_phone: Option<String>,
    #[serde(deserialize_with = "json_opt_flag")]
    email_primary: Option<bool>,
    #[serde(deserialize_with = "json_flag")]
    alternate_work: bool,
    idp_username: Option<String>,
    idp_attributes: Option<String>,
    manager_id: Option<String>,
    #[serde(deserialize_with = "json_flag")]
    has_signed_in: bool,
    deactivate_at: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

/// The columns of [`COLUMNS`], one by one.
pub(crate) fn column_names() -> Vec<&'static str> {
    COLUMNS.split(", ").map(str::trim).collect()
}

/// [`COLUMNS`] of the users table under the alias `u`, for a select list.
pub(crate) fn u_columns() -> String {
    column_names()
        .iter()
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const COLUMNS: &str = "id, account_id, name, email, mobile, alternate_mobile, extension, role_id, \
     panel_access, receive_calls, call_hours, time_zone, availability, voicemail, status, \
     external_id, has_signed_in, deactivate_at, version, created_at, updated_at, idp_managed, \
     given_name, family_name, primary_phone, email_primary, alternate_work, idp_username, \
     idp_attributes, manager_id";

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("user {what}"))
}

impl UserRow {
    fn into_user(self, tags: Vec<Tag>) -> StoreResult<User> {
        Ok(User {
            id: parse_id(&self.id)?,
            account_id: parse_id(&self.account_id)?,
            name: Name::parse("name", &self.name).map_err(|_| bad("name"))?,
            email: match self.email {
                Some(e) => Some(Email::parse("email", &e).map_err(|_| bad("email"))?),
                None => None,
            },
            mobile: self.mobile.map(E164::from_trusted),
            alternate_mobile: self.alternate_mobile.map(E164::from_trusted),
            extension: u32::try_from(self.extension)
                .ok()
                .and_then(Extension::from_number)
                .ok_or_else(|| bad("extension"))?,
            role_id: parse_id(&self.role_id)?,
            panel_access: self.panel_access,
            receive_calls: self.receive_calls,
            call_hours: WeeklySchedule::from_json(&self.call_hours),
            time_zone: TimeZoneName::parse("tz", &self.time_zone).map_err(|_| bad("tz"))?,
            availability: Availability::parse("a", &self.availability)
                .map_err(|_| bad("availability"))?,
            voicemail: self.voicemail,
            status: UserStatus::parse("s", &self.status).map_err(|_| bad("status"))?,
            external_id: self.external_id,
            idp: IdpProfile {
                managed: self.idp_managed,
                username: match self.idp_username {
                    Some(u) => Some(IdpUsername::parse("userName", &u).map_err(|_| bad("login"))?),
                    None => None,
                },
                attributes: match self.idp_attributes.as_deref() {
                    Some(json) => serde_json::from_str(json).map_err(|_| bad("attributes"))?,
                    None => IdpAttributes::default(),
                },
                manager: self.manager_id.as_deref().map(parse_id).transpose()?,
                given_name: self.given_name,
                family_name: self.family_name,
                primary_phone: match self.primary_phone.as_deref() {
                    Some(k) => Some(PhoneKind::from_key(k).ok_or_else(|| bad("primary phone"))?),
                    None => None,
                },
                email_primary: self.email_primary,
                alternate_work: self.alternate_work,
            },
            tags,
            has_signed_in: self.has_signed_in,
            deactivate_at: self.deactivate_at.map(from_micros).transpose()?,
            version: self.version,
            created_at: from_micros(self.created_at)?,
            updated_at: from_micros(self.updated_at)?,
        })
    }
}

/// The stored form of directory attributes: NULL when none is set.
fn attributes_json(a: &IdpAttributes) -> Option<String> {
    (!a.is_empty())
        .then(|| serde_json::to_string(a).ok())
        .flatten()
}

/// A value written to a user column.
enum Val<'a> {
    Str(Option<&'a str>),
    Owned(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
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
    on!(tx, |c| sqlx::query(
        "DELETE FROM user_tags WHERE account_id = $1 AND user_id = $2"
    )
    .bind(account.to_string())
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

async fn tags_of(
    tx: &mut Tx,
    account: AccountId,
    ids: &[String],
) -> StoreResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT user_id, tag FROM user_tags WHERE account_id = $1 AND user_id IN ({}) \
         ORDER BY user_id, tag",
        placeholders.join(", ")
    );
    on!(tx, |c| {
        let mut q = sqlx::query_as::<_, (String, String)>(&sql).bind(account.to_string());
        for id in ids {
            q = q.bind(id.clone());
        }
        Ok(q.fetch_all(c).await?)
    })
}

pub(crate) async fn rows_into_users(
    tx: &mut Tx,
    account: AccountId,
    rows: Vec<UserRow>,
) -> StoreResult<Vec<User>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let tags = tags_of(tx, account, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let mine = tags
                .iter()
                .filter(|(u, _)| *u == r.id)
                .map(|(_, t)| Tag::parse("tag", t).map_err(|_| bad("tag")))
                .collect::<StoreResult<Vec<_>>>()?;
            // In one order whatever the database's collation.
            let mut mine = mine;
            mine.sort();
            r.into_user(mine)
        })
        .collect()
}

async fn find_one(
    tx: &mut Tx,
    account: AccountId,
    clause: &str,
    arg: String,
) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE account_id = $1 AND {clause}");
    let row: Option<UserRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(arg)
        .fetch_optional(c)
        .await)?;
    match row {
        Some(r) => Ok(rows_into_users(tx, account, vec![r]).await?.pop()),
        None => Ok(None),
    }
}

/// Reads a user of the account.
pub async fn find_user(tx: &mut Tx, account: AccountId, id: UserId) -> StoreResult<Option<User>> {
    find_one(tx, account, "id = $2", id.to_string()).await
}

/// Finds the user holding an email (case-insensitively).
pub async fn find_user_by_email(
    tx: &mut Tx,
    account: AccountId,
    email: &Email,
) -> StoreResult<Option<User>> {
    find_one(tx, account, "email_key = $2", email.key()).await
}

/// Finds the user holding a mobile.
pub async fn find_user_by_mobile(
    tx: &mut Tx,
    account: AccountId,
    mobile: &E164,
) -> StoreResult<Option<User>> {
    find_one(tx, account, "mobile = $2", mobile.as_str().to_owned()).await
}

/// A user holding one of the emails or mobiles asked about.
#[derive(Debug, sqlx::FromRow)]
pub struct ContactHolder {
    /// The holder's name.
    pub name: String,
    /// The email's key (lower case), if the user has one.
    pub email_key: Option<String>,
    /// The mobile, if the user has one.
    pub mobile: Option<String>,
}

/// The users of the account holding any of `email_keys` (lower-cased emails) or
/// `mobiles`, in one statement.
pub async fn find_contact_holders(
    tx: &mut Tx,
    account: AccountId,
    email_keys: &[String],
    mobiles: &[String],
) -> StoreResult<Vec<ContactHolder>> {
    if email_keys.is_empty() && mobiles.is_empty() {
        return Ok(Vec::new());
    }
    let backend = tx.backend();
    let mut args = Vec::new();
    // One SELECT per column, so each is answered by its unique index (an OR of the two
    // would read every user of the account).
    let sql = [("email_key", email_keys), ("mobile", mobiles)]
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(column, values)| {
            args.push(Arg::Text(account.to_string()));
            let account_param = placeholder(backend, args.len());
            let params: Vec<String> = values
                .iter()
                .map(|v| {
                    args.push(Arg::Text(v.clone()));
                    placeholder(backend, args.len())
                })
                .collect();
            format!(
                "SELECT name, email_key, mobile FROM users \
                 WHERE account_id = {account_param} AND {column} IN ({})",
                params.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    Ok(on!(tx, |c| bind_args!(sqlx::query_as(&sql), &args)
        .fetch_all(c)
        .await)?)
}

/// Finds the user holding an extension.
pub async fn find_user_by_extension(
    tx: &mut Tx,
    account: AccountId,
    ext: Extension,
) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE account_id = $1 AND extension = $2");
    let row: Option<UserRow> = on!(tx, |c| sqlx::query_as(&sql)
        .bind(account.to_string())
        .bind(i64::from(ext.value()))
        .fetch_optional(c)
        .await)?;
    match row {
        Some(r) => Ok(rows_into_users(tx, account, vec![r]).await?.pop()),
        None => Ok(None),
    }
}

/// Finds the user with an identity provider's external id.
pub async fn find_user_by_external_id(
    tx: &mut Tx,
    account: AccountId,
    external_id: &str,
) -> StoreResult<Option<User>> {
    find_one(tx, account, "external_id = $2", external_id.to_owned()).await
}

/// Deletes a user; memberships, tags, invites and sessions go with them.
pub async fn delete_user(tx: &mut Tx, account: AccountId, id: UserId) -> StoreResult<bool> {
    // Whom they managed now has no manager; their documents change, so their versions do.
    on!(tx, |c| sqlx::query(
        "UPDATE users SET manager_id = NULL, version = version + 1 \
         WHERE account_id = $1 AND manager_id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let n = on!(tx, |c| sqlx::query(
        "DELETE FROM users WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Active Panel Access users holding the role (R7 counts these Administrators).
pub async fn count_active_with_role(
    tx: &mut Tx,
    account: AccountId,
    role: RoleId,
) -> StoreResult<i64> {
    let (n,): (i64,) = on!(tx, |c| {
        sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE account_id = $1 AND role_id = $2 AND status = 'active' \
         AND panel_access = TRUE"
    )
    .bind(account.to_string())
    .bind(role.to_string())
    .fetch_one(c)
    .await
    })?;
    Ok(n)
}

/// Where the search for free extensions may start: every extension in `min..start` is
/// taken (the account's `extension_floor`, kept by the database as extensions are freed).
async fn free_extension_start(tx: &mut Tx, account: AccountId, min: u32) -> StoreResult<i64> {
    let floor: Option<(i64,)> = on!(tx, |c| sqlx::query_as(
        "SELECT extension_floor FROM accounts WHERE id = $1"
    )
    .bind(account.to_string())
    .fetch_optional(c)
    .await)?;
    Ok(floor.map_or(0, |(f,)| f).max(i64::from(min)))
}

/// The lowest free extension in `min..=max`, if any. The search starts at the account's
/// extension floor and moves the floor up to what it finds, so in a densely numbered
/// account it does not walk every taken extension each time (call it in a write
/// transaction).
pub async fn next_free_extension(
    tx: &mut Tx,
    account: AccountId,
    min: u32,
    max: u32,
) -> StoreResult<Option<u32>> {
    // One statement: the search's start if it is free, else right after the first taken
    // extension (from the start on) whose successor is free; none free means everything up
    // to `max` is taken, which the floor then says (`max + 1`).
    let sql = "UPDATE accounts SET extension_floor = COALESCE(CASE WHEN NOT EXISTS \
               (SELECT 1 FROM users WHERE account_id = $1 AND extension = s.start) \
               THEN s.start ELSE \
               (SELECT u.extension + 1 FROM users u WHERE u.account_id = $1 \
               AND u.extension >= s.start AND u.extension < $3 AND NOT EXISTS \
               (SELECT 1 FROM users v WHERE v.account_id = u.account_id \
               AND v.extension = u.extension + 1) ORDER BY u.extension LIMIT 1) END, $3 + 1) \
               FROM (SELECT CASE WHEN extension_floor > $2 THEN extension_floor ELSE $2 END \
               AS start FROM accounts WHERE id = $1) AS s \
               WHERE accounts.id = $1 RETURNING extension_floor";
    let found: Option<(i64,)> = on!(tx, |c| sqlx::query_as(sql)
        .bind(account.to_string())
        .bind(i64::from(min))
        .bind(i64::from(max))
        .fetch_optional(c)
        .await)?;
    Ok(found
        .map(|(n,)| n)
        .filter(|n| *n <= i64::from(max))
        .and_then(|n| u32::try_from(n).ok()))
}

/// Records that every extension of the range below `to` is taken (after the caller gave
/// out the lowest free ones up to it), so the next search starts there. Never lowers the
/// floor.
pub async fn raise_extension_floor(tx: &mut Tx, account: AccountId, to: u32) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE accounts SET extension_floor = $2 WHERE id = $1 AND extension_floor < $2"
    )
    .bind(account.to_string())
    .bind(i64::from(to))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Up to `limit` free extensions in `min..=max`, lowest first. Taken extensions are read
/// from the account's extension floor on, a chunk at a time, only as far as needed.
pub async fn list_free_extensions(
    tx: &mut Tx,
    account: AccountId,
    min: u32,
    max: u32,
    limit: usize,
) -> StoreResult<Vec<u32>> {
    const CHUNK: i64 = 1000;
    let max = i64::from(max);
    let mut out = Vec::new();
    let mut candidate = free_extension_start(tx, account, min).await?;
    while candidate <= max && out.len() < limit {
        let taken: Vec<(i64,)> = on!(tx, |c| sqlx::query_as(
            "SELECT extension FROM users WHERE account_id = $1 AND extension BETWEEN $2 AND $3 \
             ORDER BY extension LIMIT $4"
        )
        .bind(account.to_string())
        .bind(candidate)
        .bind(max)
        .bind(CHUNK)
        .fetch_all(c)
        .await)?;
        let exhausted = i64::try_from(taken.len()).unwrap_or(CHUNK) < CHUNK;
        // Free extensions lie between the taken ones; past the chunk's last one nothing is
        // known yet unless the chunk was the end of the range.
        let upto = match taken.last() {
            Some((last,)) if !exhausted => *last,
            _ => max + 1,
        };
        let mut taken = taken.into_iter().map(|(e,)| e).peekable();
        while candidate < upto && out.len() < limit {
            if taken.peek() == Some(&candidate) {
                taken.next();
            } else if let Ok(c) = u32::try_from(candidate) {
                out.push(c);
            }
            candidate += 1;
        }
        if !exhausted {
            // `upto` itself is taken: continue after it.
            candidate = candidate.max(upto + 1);
        }
    }
    Ok(out)
}

/// Filters for the users list. Every filter is optional; results are ordered by name, id.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Matches name, email, mobile (substring, case-insensitive) or extension (exact).
    pub text: Option<String>,
    /// Only this role.
    pub role: Option<RoleId>,
    /// Only this status.
    pub status: Option<UserStatus>,
    /// Only members of this department.
    pub department: Option<DepartmentId>,
    /// Only users with (or without) Panel Access.
    pub panel_access: Option<bool>,
    /// Only users carrying this tag.
    pub tag: Option<String>,
    /// Only users among these ids (a Manager's scope).
    pub within: Option<Vec<UserId>>,
}

/// Where a page starts: after this (name, id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCursor {
    /// Name of the last user of the previous page.
    pub name: String,
    /// Id of the last user of the previous page.
    pub id: String,
}

fn like_pattern(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Below this many trigram-index candidates (across the database) a text search starts
/// from the index; above it, from the users in name order.
const SELECTIVE_CANDIDATES: i64 = 1000;

/// One page of users matching the filter, ordered by name then id.
pub async fn list_users_page(
    tx: &mut Tx,
    account: AccountId,
    filter: &UserFilter,
    after: Option<&UserCursor>,
    limit: u32,
) -> StoreResult<Vec<User>> {
    let mut clauses = vec!["u.account_id = $1".to_owned()];
    let mut args: Vec<Arg> = vec![Arg::Text(account.to_string())];
    // The trigram index query, when the page is read from the index in list order.
    let mut in_index_order: Option<String> = None;
    let next = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let p = next(&mut args, Arg::Text(like_pattern(text)));
        let mut clause = format!(
            "(LOWER(u.name) LIKE {p} ESCAPE '\\' OR u.email_key LIKE {p} ESCAPE '\\' \
             OR u.mobile LIKE {p} ESCAPE '\\'"
        );
        let ext = text
            .parse::<i64>()
            .ok()
            .map(|x| next(&mut args, Arg::Int(x)));
        if let Some(e) = &ext {
            clause.push_str(&format!(" OR u.extension = {e}"));
        }
        clause.push(')');
        clauses.push(clause);
        // On SQLite the trigram index answers in list order (its rowid is the user's rank
        // in it), so its matches are read in that order until the page is full. A term that
        // may name an extension also matches its holder, whom the index does not know: a
        // term few users contain starts from the index's candidates plus the holder; a
        // common one (digits: many mobiles contain them) walks the users in name order. A
        // department or a Manager's scope already bounds the walk.
        if matches!(tx, Tx::Sqlite(_))
            && filter.department.is_none()
            && filter.within.is_none()
            && let Some(query) = text_index::terms(text)
        {
            if ext.is_none() {
                in_index_order = Some(next(&mut args, Arg::Text(query)));
            } else if text_index::is_selective(tx, &query, SELECTIVE_CANDIDATES).await? {
                let q = next(&mut args, Arg::Text(query));
                let holder = ext.as_ref().map(|e| {
                    format!(
                        "SELECT search_rank FROM users WHERE account_id = $1 AND extension = {e}"
                    )
                });
                clauses[0] = "+u.account_id = $1".to_owned();
                clauses.push(text_index::candidates(&q, holder.as_deref()));
            }
        }
    }
    if let Some(role) = filter.role {
        let p = next(&mut args, Arg::Text(role.to_string()));
        clauses.push(format!("u.role_id = {p}"));
    }
    if let Some(status) = filter.status {
        let p = next(&mut args, Arg::Text(status.key().to_owned()));
        clauses.push(format!("u.status = {p}"));
    }
    if let Some(pa) = filter.panel_access {
        let p = next(&mut args, Arg::Bool(pa));
        clauses.push(format!("u.panel_access = {p}"));
    }
    // With a department, its members drive the query (CROSS JOIN keeps that order on
    // SQLite) and are sorted by name: the cost follows the department, not the account.
    let mut from = "users u";
    if let Some(dep) = filter.department {
        let p = next(&mut args, Arg::Text(dep.to_string()));
        from = "department_members dm CROSS JOIN users u";
        clauses.push(format!(
            "dm.account_id = $1 AND dm.department_id = {p} AND u.account_id = dm.account_id \
             AND u.id = dm.user_id"
        ));
    }
    if let Some(tag) = filter.tag.as_deref() {
        let p = next(&mut args, Arg::Text(tag.to_owned()));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM user_tags t WHERE t.account_id = u.account_id \
             AND t.user_id = u.id AND t.tag = {p})"
        ));
    }
    if let Some(within) = &filter.within {
        if within.is_empty() {
            return Ok(Vec::new());
        }
        let ps: Vec<String> = within
            .iter()
            .map(|id| next(&mut args, Arg::Text(id.to_string())))
            .collect();
        clauses.push(format!("u.id IN ({})", ps.join(", ")));
    }
    let mut past_cursor = None;
    if let Some(cursor) = after {
        let n = next(&mut args, Arg::Text(cursor.name.clone()));
        let i = next(&mut args, Arg::Text(cursor.id.clone()));
        // The first condition alone bounds the index range (users_account_name_idx); an OR
        // of the two would read the account's users from the start.
        let past = |t: &str| format!("{t}name >= {n} AND ({t}name > {n} OR {t}id > {i})");
        clauses.push(past("u."));
        past_cursor = Some(past(""));
    }
    let mut order = "u.name, u.id";
    let index_walk;
    if let Some(q) = &in_index_order {
        // The account's users (past the cursor) hold the ranks from its first to its last.
        let first = format!(
            "(SELECT search_rank FROM users WHERE account_id = $1 {} ORDER BY name, id LIMIT 1)",
            past_cursor.map(|t| format!("AND {t}")).unwrap_or_default()
        );
        let last = "(SELECT search_rank FROM users WHERE account_id = $1 \
                    ORDER BY name DESC, id DESC LIMIT 1)";
        index_walk = format!(
            "(SELECT rowid AS r FROM user_search_text WHERE user_search_text MATCH {q} \
             AND rowid >= {first} AND rowid <= {last} ORDER BY rowid) AS m CROSS JOIN users u"
        );
        from = &index_walk;
        clauses.push("u.search_rank = m.r".to_owned());
        order = "m.r";
    }
    let lim = next(&mut args, Arg::Int(i64::from(limit)));
    let cols = u_columns();
    let sql = format!(
        "SELECT {cols} FROM {from} WHERE {} ORDER BY {order} LIMIT {lim}",
        clauses.join(" AND ")
    );
    let rows: Vec<UserRow> = fetch_rows(tx, &sql, &column_names(), &args).await?;
    rows_into_users(tx, account, rows).await
}

/// Stores a password hash and marks the user as having signed in.
pub async fn set_user_password(
    tx: &mut Tx,
    account: AccountId,
    id: UserId,
    hash: &str,
) -> StoreResult<()> {
    on!(tx, |c| sqlx::query(
        "UPDATE users SET password_hash = $1 WHERE account_id = $2 AND id = $3"
    )
    .bind(hash)
    .bind(account.to_string())
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The stored password hash, if any.
pub async fn find_user_password_hash(
    tx: &mut Tx,
    account: AccountId,
    id: UserId,
) -> StoreResult<Option<String>> {
    let row: Option<(Option<String>,)> = on!(tx, |c| sqlx::query_as(
        "SELECT password_hash FROM users WHERE account_id = $1 AND id = $2"
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .fetch_optional(c)
    .await)?;
    Ok(row.and_then(|(h,)| h))
}

/// Users whose scheduled deactivation time has come, across accounts: (account, user).
pub async fn list_due_deactivations(
    tx: &mut Tx,
    now: jiff::Timestamp,
    limit: u32,
) -> StoreResult<Vec<(AccountId, UserId)>> {
    let rows: Vec<(String, String)> = on!(tx, |c| sqlx::query_as(
        "SELECT account_id, id FROM users WHERE deactivate_at IS NOT NULL \
         AND deactivate_at <= $1 AND status <> 'inactive' ORDER BY deactivate_at LIMIT $2"
    )
    .bind(to_micros(now))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await)?;
    rows.iter()
        .map(|(a, u)| Ok((parse_id(a)?, parse_id(u)?)))
        .collect()
}

/// The members of a department as users, in ring order.
pub async fn list_department_users(
    tx: &mut Tx,
    account: AccountId,
    department: switchboard_domain::DepartmentId,
) -> StoreResult<Vec<User>> {
    let sql = format!(
        "SELECT {} FROM department_members m JOIN users u \
         ON u.account_id = m.account_id AND u.id = m.user_id \
         WHERE m.account_id = $1 AND m.department_id = $2 ORDER BY m.position, u.id",
        u_columns()
    );
    let args = [
        Arg::Text(account.to_string()),
        Arg::Text(department.to_string()),
    ];
    let rows: Vec<UserRow> = fetch_rows(tx, &sql, &column_names(), &args).await?;
    rows_into_users(tx, account, rows).await
}
