//! Reading and listing users; editing (`edit`) and the checks it shares with adding and
//! replacing (`checks`) have modules of their own; adding is in `adding`.

use std::collections::HashMap;

use switchboard_domain::{AccountId, DepartmentId, DomainError, Email, User, UserId, UserStatus};
use switchboard_store::users::UserCursor;
use switchboard_store::{Tx, departments, users as store};

pub use crate::adding::AddedUser;
use crate::error::{Error, Result, not_found};
use crate::{Ctx, Switchboard, Target};

mod checks;
mod edit;
mod list;

pub(crate) use checks::*;

/// One page of a list, with the cursor of the next page.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the users list with what it shows beside each user.
#[derive(Clone, Debug)]
pub struct UserListView {
    /// The page.
    pub page: Page<User>,
    /// The account's roles.
    pub roles: Vec<switchboard_domain::Role>,
    /// The departments (id, name) of each listed user; users in none are absent.
    pub departments: HashMap<UserId, Vec<(DepartmentId, String)>>,
    /// What the actor may do to each listed user.
    pub rights: HashMap<UserId, Rights>,
    /// The account's view version the page was read at ([`Switchboard::kept_stands`]).
    pub view_version: Option<i64>,
}

/// What an actor may do to a user (R1, R15), answered by the rules the edit and the
/// lifecycle operations check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rights {
    /// May edit some of the user's fields.
    pub edit: bool,
    /// May deactivate, activate, replace or delete the user.
    pub manage_lifecycle: bool,
}

/// List filters as given by an interface.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    /// Text search over name, email, mobile and extension.
    pub text: Option<String>,
    /// Role id or name.
    pub role: Option<String>,
    /// Status.
    pub status: Option<UserStatus>,
    /// Department.
    pub department: Option<DepartmentId>,
    /// Panel Access.
    pub panel_access: Option<bool>,
    /// Tag.
    pub tag: Option<String>,
}

pub(crate) fn user_target(u: &User) -> Target<'static> {
    Target {
        kind: "user",
        id: Some(u.id.to_string()),
        name: u.name.to_string(),
    }
}

fn encode_cursor(u: &User) -> String {
    hex::encode(format!("{}\n{}", u.name, u.id))
}

fn decode_cursor(s: &str) -> Result<UserCursor> {
    let bad = || {
        Error::Domain(DomainError::field(
            "cursor",
            "invalid",
            "is not a cursor returned by this list",
        ))
    };
    let bytes = hex::decode(s.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, id) = text.rsplit_once('\n').ok_or_else(bad)?;
    id.parse::<UserId>().map_err(|_| bad())?;
    if switchboard_domain::has_control(name) {
        return Err(bad());
    }
    Ok(UserCursor {
        name: name.to_owned(),
        id: id.to_owned(),
    })
}

impl Switchboard {
    /// Reads a user of the account.
    pub async fn get_user(&self, ctx: &Ctx, id: UserId) -> Result<User> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require_view_user(id)?;
        store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))
    }

    /// Finds the user of the account holding `email` (compared without case).
    pub async fn find_user_by_email(&self, ctx: &Ctx, email: &Email) -> Result<User> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require_view_users()?;
        store::find_user_by_email(&mut c.tx, c.account.id, email)
            .await?
            .ok_or_else(|| not_found("user"))
    }

    /// The departments a user belongs to (id, name), by name.
    pub async fn user_departments(
        &self,
        ctx: &Ctx,
        id: UserId,
    ) -> Result<Vec<(DepartmentId, String)>> {
        Ok(self
            .users_departments(ctx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default())
    }

    /// The departments (id, name, by name) of each of `users`, read in one query; users in
    /// no department are absent from the map.
    pub async fn users_departments(
        &self,
        ctx: &Ctx,
        users: &[UserId],
    ) -> Result<HashMap<UserId, Vec<(DepartmentId, String)>>> {
        let mut c = self.begin_read(ctx).await?;
        let only_self = matches!(users, [one] if c.who.is_self(*one));
        c.who
            .require(c.who.perms.view_users || only_self, "view users")?;
        departments_of_users(&mut c.tx, c.account.id, users).await
    }
}

/// The departments (id, name) of each of `users`, in the store's order, 500 users a query;
/// users in no department are absent from the map.
pub(crate) async fn departments_of_users(
    tx: &mut Tx,
    account: AccountId,
    users: &[UserId],
) -> Result<HashMap<UserId, Vec<(DepartmentId, String)>>> {
    let mut out: HashMap<UserId, Vec<(DepartmentId, String)>> = HashMap::new();
    for chunk in users.chunks(500) {
        for (u, d, name) in departments::list_departments_of_users(tx, account, chunk).await? {
            out.entry(u).or_default().push((d, name));
        }
    }
    Ok(out)
}
