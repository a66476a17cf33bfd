//! The users list: one page, filtered and ordered by name, with what the list shows beside
//! each user. With a token's rights held in process, a page is read without a transaction
//! of sqlx's (see [`switchboard_store::Db::reads`]) and trusted only if the account's
//! rights version read with it is the one the rights were held at.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_domain::{DepartmentId, Permissions, RoleRef, Scope, User, UserId};
use switchboard_store::users::{ListedPage, UserCursor, UserFilter};
use switchboard_store::{Reads, accounts, roles, users as store};

use super::{Page, UserListView, UserQuery, decode_cursor, encode_cursor, resolve_role};
use crate::ctx::Principal;
use crate::error::Result;
use crate::{Change, Ctx, Switchboard};

/// The departments (id, name, by name) of each listed user; users in none are absent.
type Departments = HashMap<UserId, Vec<(DepartmentId, String)>>;

/// What a page asks of the store, before any role is resolved.
struct Asked {
    filter: UserFilter,
    after: Option<UserCursor>,
    limit: u32,
    /// The role filter as given (id or name), resolved against the account's roles.
    role: Option<RoleRef>,
}

impl Asked {
    /// The store's question for `query`; `None` when nothing can match.
    fn of(query: &UserQuery, cursor: Option<&str>, limit: u32) -> Result<Option<Self>> {
        let terms = [&query.text, &query.role, &query.tag];
        if terms
            .iter()
            .any(|t| t.as_deref().is_some_and(switchboard_domain::has_control))
        {
            // No user's name, email, role or tag holds a control character: nothing
            // matches, and such a term never reaches the database.
            return Ok(None);
        }
        let role = query
            .role
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(RoleRef::parse);
        Ok(Some(Self {
            filter: UserFilter {
                text: query.text.clone(),
                role: None,
                status: query.status,
                department: query.department,
                panel_access: query.panel_access,
                tag: query.tag.clone(),
                within: None,
            },
            after: cursor.map(decode_cursor).transpose()?,
            limit: limit.clamp(1, 500),
            role,
        }))
    }

    /// One more than the page, to know whether another follows.
    async fn read(
        &self,
        reads: &mut Reads<'_>,
        account: switchboard_domain::AccountId,
        departments: bool,
    ) -> switchboard_store::StoreResult<ListedPage> {
        store::list_users_listed(
            reads,
            account,
            &self.filter,
            self.after.as_ref(),
            self.limit + 1,
            departments,
        )
        .await
    }

    /// The page, its users' departments and the cursor of the next page.
    fn page(&self, listed: ListedPage) -> (Page<User>, Departments) {
        let mut items = Vec::with_capacity(listed.users.len());
        let mut departments = Departments::new();
        for mut l in listed.users {
            if !l.departments.is_empty() {
                l.departments
                    .sort_by_cached_key(|(d, name)| (name.to_lowercase(), *d));
                departments.insert(l.user.id, l.departments);
            }
            items.push(l.user);
        }
        let more = items.len() > self.limit as usize;
        items.truncate(self.limit as usize);
        let next_cursor = if more {
            items.last().map(encode_cursor)
        } else {
            None
        };
        (Page { items, next_cursor }, departments)
    }
}

impl Switchboard {
    /// Lists users, filtered and ordered by name, one page at a time (without their
    /// departments, which [`Switchboard::list_users_view`] shows).
    pub async fn list_users(
        &self,
        ctx: &Ctx,
        query: &UserQuery,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<User>> {
        let mut c = self.begin_read(ctx).await?;
        Ok(list_users_in(&mut c, query, cursor, limit, false).await?.0)
    }

    /// A page of users as the users list shows it, read in one transaction: the page, the
    /// account's roles, and the departments (id, name, by name) of the listed users.
    pub async fn list_users_view(
        &self,
        ctx: &Ctx,
        query: &UserQuery,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<UserListView> {
        if let Some(view) = self.list_users_view_held(ctx, query, cursor, limit).await? {
            return Ok(view);
        }
        let mut c = self.begin_read(ctx).await?;
        let versions = accounts::versions_in(&mut Reads::Tx(&mut c.tx), c.account.id).await?;
        let (page, departments) = list_users_in(&mut c, query, cursor, limit, true).await?;
        let roles = roles::list_roles(&mut c.tx, c.account.id).await?;
        let managed = match c.who.perms.edit_users {
            Scope::Departments => c.who.managed_departments(&mut c.tx, c.account.id).await?,
            _ => Vec::new(),
        };
        let mut view = view_of(&c.who, page, roles, departments, &managed);
        view.view_version = versions.map(|v| v.view_version);
        Ok(view)
    }

    /// [`Switchboard::list_users_view`] with the rights held for the request's token:
    /// `None` when they cannot be confirmed by the page (it is empty, or the rights
    /// changed), or the page needs more than one read (a role filter, a Manager's scope),
    /// or the query is refused — the transaction's path then answers.
    async fn list_users_view_held(
        &self,
        ctx: &Ctx,
        query: &UserQuery,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Option<UserListView>> {
        let Some((who, _)) = ctx.known_principal() else {
            return Ok(None);
        };
        if who.perms.edit_users == Scope::Departments {
            return Ok(None);
        }
        let Ok(Some(asked)) = Asked::of(query, cursor, limit) else {
            return Ok(None);
        };
        if asked.role.is_some() {
            return Ok(None);
        }
        let account = ctx.account_id;
        let asked = Arc::new(asked);
        let held = self
            .read_held(ctx, |db| {
                let asked = Arc::clone(&asked);
                Box::pin(async move {
                    let mut reads = db.reads().await?;
                    let versions = accounts::versions_in(&mut reads, account).await?;
                    let listed = asked.read(&mut reads, account, true).await?;
                    let Some(version) = listed.rights_version else {
                        return Ok(None);
                    };
                    let roles = roles::list_roles_in(&mut reads, account).await?;
                    Ok(Some((version, (listed, roles, versions))))
                })
            })
            .await?;
        let Some((who, (listed, roles, versions))) = held else {
            return Ok(None);
        };
        if !who.perms.view_users {
            return Ok(None);
        }
        let (page, departments) = asked.page(listed);
        let mut view = view_of(who, page, roles, departments, &[]);
        view.view_version = versions.map(|v| v.view_version);
        Ok(Some(view))
    }
}

/// [`Switchboard::list_users`] inside the caller's read, with the listed users' departments
/// when `departments` is asked (else none are read).
async fn list_users_in(
    c: &mut Change,
    query: &UserQuery,
    cursor: Option<&str>,
    limit: u32,
    departments: bool,
) -> Result<(Page<User>, Departments)> {
    c.who.require_view_users()?;
    let Some(mut asked) = Asked::of(query, cursor, limit)? else {
        let none = Page {
            items: Vec::new(),
            next_cursor: None,
        };
        return Ok((none, HashMap::new()));
    };
    if let Some(role) = &asked.role {
        asked.filter.role = Some(resolve_role(&mut c.tx, c.account.id, role).await?.id);
    }
    let listed = asked
        .read(&mut Reads::Tx(&mut c.tx), c.account.id, departments)
        .await?;
    Ok(asked.page(listed))
}

/// The list view: the page, the account's roles, the users' departments, and what `who`
/// may do to each listed user (`managed`: the departments a Manager manages).
fn view_of(
    who: &Principal,
    page: Page<User>,
    roles: Vec<switchboard_domain::Role>,
    departments: Departments,
    managed: &[DepartmentId],
) -> UserListView {
    let rights = page
        .items
        .iter()
        .map(|u| {
            let manages = departments
                .get(&u.id)
                .is_some_and(|ds| ds.iter().any(|(d, _)| managed.contains(d)));
            let perms = roles
                .iter()
                .find(|r| r.id == u.role_id)
                .map_or(Permissions::NONE, |r| r.permissions);
            (u.id, who.rights_over(u.id, manages, &perms))
        })
        .collect();
    UserListView {
        page,
        roles,
        departments,
        rights,
        view_version: None,
    }
}
