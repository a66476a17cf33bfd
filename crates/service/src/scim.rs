//! What provisioning over SCIM needs beyond the ordinary use cases: searching users and
//! departments by a condition (a SCIM filter translated for the store) and deprovisioning, which deletes a
//! user under R7–R9 and, when owned resources block the delete, deactivates instead (R10)
//! and records why in the audit log.

use switchboard_domain::search::{DepartmentCond, UserCond, UserSort};
use switchboard_domain::{Blocker, Department, DomainError, User, UserId, UserStatus};
use switchboard_store::department_search;
use switchboard_store::user_search;

use crate::error::{Error, Result};
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
    /// Users matching `cond`: the total count and one page (`offset`, `limit`).
    pub async fn search_users(
        &self,
        ctx: &Ctx,
        cond: &UserCond,
        sort: Option<UserSort>,
        offset: u64,
        limit: u32,
    ) -> Result<(u64, Vec<User>)> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.perms.view_users, "view users")?;
        Ok(user_search::search_users(&mut c.tx, c.account.id, cond, sort, offset, limit).await?)
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
