//! A user with everything the single-user view shows beside them, in one statement: the
//! row, tags, role name, departments, latest invite and pending email change, and the
//! account's rights version (which tells the caller whether the rights it holds in process
//! for the request's token still stand).

use switchboard_domain::{AccountId, DepartmentId, User, UserId};

use super::lists::{departments_list, tags_list};
use super::{UserAnd, decode_departments, decode_tags, u_columns};
use std::sync::LazyLock;

use crate::db::{Arg, Backend, Db, StoreResult, Tx, from_micros, on};
use crate::invites::LinkRecord;

/// A user as the single-user view shows them.
#[derive(Clone, Debug)]
pub struct UserProfileRecord {
    /// The user.
    pub user: User,
    /// Their role's name.
    pub role_name: Option<String>,
    /// Their departments (id, name), in no particular order.
    pub departments: Vec<(DepartmentId, String)>,
    /// Their latest invite.
    pub invite: Option<LinkRecord>,
    /// Their latest email change neither used nor revoked (it may have expired).
    pub pending_email: Option<LinkRecord>,
    /// The account's view version this was read at (see `accounts.view_version`).
    pub view_version: i64,
}

/// A user's row and what the single-user view reads beside it.
type ProfileRow = UserAnd<Profile>;

#[derive(sqlx::FromRow, serde::Deserialize)]
struct Profile {
    rights_version: i64,
    view_version: i64,
    tags_json: String,
    role_name: Option<String>,
    departments_json: String,
    invite_id: Option<String>,
    invite_created_at: Option<i64>,
    invite_expires_at: Option<i64>,
    invite_used_at: Option<i64>,
    invite_revoked_at: Option<i64>,
    change_id: Option<String>,
    change_email: Option<String>,
    change_created_at: Option<i64>,
    change_expires_at: Option<i64>,
}

/// Reads the user `id` of `account` with what the single-user view shows beside them, and
/// the account's rights version, in one statement; `None` when there is no such user.
pub async fn find_user_profile(
    tx: &mut Tx,
    account: AccountId,
    id: UserId,
) -> StoreResult<Option<(i64, UserProfileRecord)>> {
    let sql = find_user_profile_sql(tx.backend());
    let row: Option<ProfileRow> = on!(tx, |c| sqlx::query_as(sql)
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(|r| r.into_record(account, id)).transpose()
}

/// [`find_user_profile`] as a read of its own, outside any transaction: on SQLite on the
/// calling thread ([`crate::sqlite::direct`]), on PostgreSQL on a pooled connection.
pub async fn read_user_profile(
    db: &Db,
    account: AccountId,
    id: UserId,
) -> StoreResult<Option<(i64, UserProfileRecord)>> {
    let Some(direct) = db.direct() else {
        let mut tx = db.read_latest().await?;
        return find_user_profile(&mut tx, account, id).await;
    };
    let args = [Arg::Text(account.to_string()), Arg::Text(id.to_string())];
    let rows: Vec<ProfileRow> = direct.rows(find_user_profile_sql(Backend::Sqlite), &args)?;
    rows.into_iter()
        .next()
        .map(|r| r.into_record(account, id))
        .transpose()
}

/// The statement [`find_user_profile`] runs on `backend` (`$1` account, `$2` user), built
/// once: its text is its prepared statement's key.
pub fn find_user_profile_sql(backend: Backend) -> &'static str {
    static SQLITE: LazyLock<String> = LazyLock::new(|| profile_sql(Backend::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| profile_sql(Backend::Postgres));
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

/// The statement of [`find_user_profile`] on `backend`.
fn profile_sql(backend: Backend) -> String {
    let tags = tags_list(backend);
    let departments = departments_list(backend);
    format!(
        "SELECT {cols}, a.rights_version, a.view_version, {tags} AS tags_json, \
         (SELECT r.name FROM roles r WHERE r.account_id = u.account_id AND r.id = u.role_id) \
         AS role_name, {departments} AS departments_json, \
         i.id AS invite_id, i.created_at AS invite_created_at, \
         i.expires_at AS invite_expires_at, i.used_at AS invite_used_at, \
         i.revoked_at AS invite_revoked_at, \
         e.id AS change_id, e.new_email AS change_email, e.created_at AS change_created_at, \
         e.expires_at AS change_expires_at \
         FROM users u JOIN accounts a ON a.id = u.account_id \
         LEFT JOIN invites i ON i.id = (SELECT x.id FROM invites x \
           WHERE x.account_id = u.account_id AND x.user_id = u.id \
           ORDER BY x.created_at DESC, x.id DESC LIMIT 1) \
         LEFT JOIN email_changes e ON e.id = (SELECT y.id FROM email_changes y \
           WHERE y.account_id = u.account_id AND y.user_id = u.id AND y.used_at IS NULL \
           AND y.revoked_at IS NULL ORDER BY y.created_at DESC LIMIT 1) \
         WHERE u.account_id = $1 AND u.id = $2",
        cols = u_columns(),
    )
}

impl ProfileRow {
    fn into_record(self, account: AccountId, id: UserId) -> StoreResult<(i64, UserProfileRecord)> {
        let UserAnd { user, rest: p } = self;
        let tags = decode_tags(&p.tags_json)?;
        let departments = decode_departments(&p.departments_json)?;
        let link = |link_id: Option<String>,
                    new_email: Option<String>,
                    created: Option<i64>,
                    expires: Option<i64>,
                    used: Option<i64>,
                    revoked: Option<i64>|
         -> StoreResult<Option<LinkRecord>> {
            let (Some(link_id), Some(created), Some(expires)) = (link_id, created, expires) else {
                return Ok(None);
            };
            Ok(Some(LinkRecord {
                id: link_id,
                account_id: account,
                user_id: id,
                new_email,
                created_at: from_micros(created)?,
                expires_at: from_micros(expires)?,
                used_at: used.map(from_micros).transpose()?,
                revoked_at: revoked.map(from_micros).transpose()?,
            }))
        };
        let invite = link(
            p.invite_id,
            None,
            p.invite_created_at,
            p.invite_expires_at,
            p.invite_used_at,
            p.invite_revoked_at,
        )?;
        let pending_email = link(
            p.change_id,
            p.change_email,
            p.change_created_at,
            p.change_expires_at,
            None,
            None,
        )?;
        Ok((
            p.rights_version,
            UserProfileRecord {
                user: user.into_user(tags)?,
                role_name: p.role_name,
                departments,
                invite,
                pending_email,
                view_version: p.view_version,
            },
        ))
    }
}
