//! What provisioning over SCIM needs beyond the ordinary use cases: searching users and
//! departments by a condition (a SCIM filter translated for the store) and deprovisioning, which deletes a
//! user under R7–R9 and, when owned resources block the delete, deactivates instead (R10)
//! and records why in the audit log.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_domain::search::{DepartmentCond, UserCond, UserSort};
use switchboard_domain::{
    AccountId, Blocker, Department, DepartmentId, DomainError, Role, User, UserId, UserStatus,
};
use switchboard_store::department_search;
use switchboard_store::{Reads, accounts, roles, user_search};

use crate::error::{Error, Result, not_found};
use crate::lifecycle::load;
use crate::users::user_target;
use crate::{Ctx, Switchboard};

/// What deprovisioning did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deprovisioned {
    /// The user is gone for good.
    Deleted,
    /// The delete was blocked by these records; the user was deactivated instead (or
    /// already was).
    Deactivated(Vec<Blocker>),
}

impl Switchboard {
    /// Users matching `cond`: the total count and one page (`offset`, `limit`), with what
    /// a SCIM resource shows beside each user, read together.
    pub async fn search_users(
        &self,
        ctx: &Ctx,
        cond: &UserCond,
        sort: Option<UserSort>,
        offset: u64,
        limit: u32,
    ) -> Result<UserSearch> {
        let account = ctx.account_id;
        let cond = Arc::new(cond.clone());
        let (who, found) = self
            .read_one(
                ctx,
                |db| {
                    let cond = Arc::clone(&cond);
                    Box::pin(async move {
                        let reads = db.reads().await?;
                        search(reads, account, cond, sort, offset, limit).await
                    })
                },
                |tx| {
                    let cond = Arc::clone(&cond);
                    Box::pin(search(Reads::Tx(tx), account, cond, sort, offset, limit))
                },
            )
            .await?;
        who.require_view_users()?;
        found.ok_or_else(|| not_found("account"))
    }

    /// Departments matching `cond`, by name: the total count and one page.
    pub async fn search_departments(
        &self,
        ctx: &Ctx,
        cond: &DepartmentCond,
        offset: u64,
        limit: u32,
    ) -> Result<(u64, Vec<Department>)> {
        let mut c = self.begin_read(ctx).await?;
        Ok(
            department_search::search_departments(&mut c.tx, c.account.id, cond, offset, limit)
                .await?,
        )
    }

    /// Deletes a user (R7–R9); when numbers, workflows or managed departments block the
    /// delete (R8), deactivates the user instead (R10) in the same transaction, with an
    /// audit event naming the blockers. Other refusals (owner, last administrator) stand.
    pub async fn deprovision_user(&self, ctx: &Ctx, id: UserId) -> Result<Deprovisioned> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.delete_users, "delete users")?;
        let (mut u, role) = load(&mut c, id).await?;
        let blockers = match Self::delete_now(&mut c, &u, &role).await {
            Ok(()) => {
                c.commit().await?;
                return Ok(Deprovisioned::Deleted);
            }
            Err(Error::Domain(DomainError::OwnsResources { blockers, .. })) => blockers,
            Err(e) => return Err(e),
        };
        let reason = format!(
            "deprovisioned by the identity provider; not deleted because {}",
            DomainError::OwnsResources {
                name: u.name.to_string(),
                blockers: blockers.clone(),
            }
        );
        let before = u.audit_view();
        if u.status != UserStatus::Inactive {
            Self::deactivate_now(&mut c, &mut u, &role).await?;
        }
        let (b, mut a) = crate::diff(&before, &u.audit_view());
        a["reason"] = serde_json::json!(reason);
        c.audit(
            "user.deactivated_instead_of_deleted",
            user_target(&u),
            Some(b),
            Some(a),
        )
        .await?;
        c.commit().await?;
        Ok(Deprovisioned::Deactivated(blockers))
    }
}

/// [`Switchboard::search_users`] wherever the read runs, with the rights version read
/// with it.
async fn search(
    mut reads: Reads<'_>,
    account: AccountId,
    cond: Arc<UserCond>,
    sort: Option<UserSort>,
    offset: u64,
    limit: u32,
) -> switchboard_store::StoreResult<Option<(i64, UserSearch)>> {
    let versions = accounts::versions_in(&mut reads, account).await?;
    let found = user_search::search_users(&mut reads, account, &cond, sort, offset, limit).await?;
    // No user found (as an identity provider's lookup before a create): no roles to name.
    let roles = match found.users.is_empty() {
        true => Vec::new(),
        false => roles::list_roles_in(&mut reads, account).await?,
    };
    let mut users = Vec::with_capacity(found.users.len());
    let mut departments = HashMap::new();
    for mut l in found.users {
        l.departments
            .sort_by_cached_key(|(d, name)| (name.to_lowercase(), *d));
        departments.insert(l.user.id, l.departments);
        users.push(l.user);
    }
    let view = UserSearch {
        total: found.total,
        users,
        roles,
        departments,
        view_version: versions.map(|v| v.view_version),
    };
    Ok(Some((found.rights_version, view)))
}

/// Users found by a search, with what a SCIM resource shows beside each.
#[derive(Clone, Debug)]
pub struct UserSearch {
    /// How many users match in all.
    pub total: u64,
    /// The page.
    pub users: Vec<User>,
    /// The account's roles (none when the page is empty).
    pub roles: Vec<Role>,
    /// Each listed user's departments (id, name), by name.
    pub departments: HashMap<UserId, Vec<(DepartmentId, String)>>,
    /// The account's view version the search was read at ([`Switchboard::kept_stands`]).
    pub view_version: Option<i64>,
}
