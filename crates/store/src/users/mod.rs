//! Users: reading, writing, searching, and the counts the rules need (admins, extensions).

use std::sync::LazyLock;

use switchboard_domain::{
    AccountId, Availability, E164, Email, Extension, IdpAttributes, IdpProfile, IdpUsername, Name,
    PhoneKind, RoleId, Tag, TimeZoneName, User, UserId, UserStatus, WeeklySchedule,
};

use crate::db::{
    Arg, Reads, StoreError, StoreResult, Tx, bind_args, from_micros, on, parse_id, placeholder,
    to_micros,
};
use crate::sqlite::{json_flag, json_opt_flag};

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
pub(crate) fn column_names() -> &'static [&'static str] {
    static NAMES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| COLUMNS.split(", ").map(str::trim).collect());
    &NAMES
}

/// The columns of [`COLUMNS`] followed by `extras`: a row read with the user.
pub(crate) fn columns_and(extras: &[&'static str]) -> Vec<&'static str> {
    column_names().iter().chain(extras).copied().collect()
}

/// [`COLUMNS`] of the users table under the alias `u`, for a select list.
pub(crate) fn u_columns() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| {
        column_names()
            .iter()
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    &LIST
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
    pub(crate) fn into_user(self, tags: Vec<Tag>) -> StoreResult<User> {
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

mod extensions;
mod list;
mod lists;
mod profile;
mod row;
mod write;

pub(crate) use lists::{decode_departments, decode_tags, page_with_lists};
pub(crate) use row::UserAnd;

pub use extensions::{list_free_extensions, next_free_extension, raise_extension_floor};
pub use list::{
    ListedPage, ListedUser, UserCursor, UserFilter, list_users_listed, list_users_page,
};
pub use profile::{UserProfileRecord, find_user_profile, find_user_profile_sql, read_user_profile};
pub use write::{Touches, insert_user, insert_users, load_users, update_user};

/// The tags of the users `ids`, found by the users' ids alone (as `lists::tags_list`
/// explains).
async fn tags_of(tx: &mut Tx, ids: &[String]) -> StoreResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 1)).collect();
    let sql = format!(
        "SELECT user_id, tag FROM user_tags WHERE user_id IN ({}) ORDER BY user_id, tag",
        placeholders.join(", ")
    );
    on!(tx, |c| {
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in ids {
            q = q.bind(id.clone());
        }
        Ok(q.fetch_all(c).await?)
    })
}

pub(crate) async fn rows_into_users(tx: &mut Tx, rows: Vec<UserRow>) -> StoreResult<Vec<User>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut tags: std::collections::HashMap<String, Vec<Tag>> = std::collections::HashMap::new();
    for (user, tag) in tags_of(tx, &ids).await? {
        let tag = Tag::parse("tag", &tag).map_err(|_| bad("tag"))?;
        tags.entry(user).or_default().push(tag);
    }
    rows.into_iter()
        .map(|r| {
            let mut mine = tags.remove(&r.id).unwrap_or_default();
            // In one order whatever the database's collation.
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
        Some(r) => Ok(rows_into_users(tx, vec![r]).await?.pop()),
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
        Some(r) => Ok(rows_into_users(tx, vec![r]).await?.pop()),
        None => Ok(None),
    }
}

/// Finds the user with an identity provider login (`key` lower-cased).
pub async fn find_user_by_idp_username(
    tx: &mut Tx,
    account: AccountId,
    key: &str,
) -> StoreResult<Option<User>> {
    find_one(tx, account, "idp_username_key = $2", key.to_owned()).await
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
    let rows: Vec<UserRow> = Reads::Tx(tx).rows(&sql, column_names(), &args).await?;
    rows_into_users(tx, rows).await
}
