//! "Will they ring?" (SPEC §3): the ring plan of a department at an instant, from its
//! members, their call hours and availability, and the calls reported so far (round robin
//! rotation, longest idle).

use std::collections::HashMap;

use switchboard_domain::routing::{Candidate, RingPlan, ring_plan};
use switchboard_domain::{Department, DepartmentId, User};
use switchboard_store::{calls, departments, users};

use crate::error::{Result, not_found};
use crate::{Change, Ctx, Switchboard};

/// A ring plan with what it was computed from.
#[derive(Clone, Debug)]
pub struct RingPlanView {
    /// The department.
    pub department: Department,
    /// Its members, in ring order.
    pub members: Vec<User>,
    /// The plan.
    pub plan: RingPlan,
}

impl RingPlanView {
    /// The member with this id.
    pub fn member(&self, id: switchboard_domain::UserId) -> Option<&User> {
        self.members.iter().find(|u| u.id == id)
    }
}

/// The ring plan of a department at `at`, read in the caller's snapshot; `None` when the
/// account has no such department. No permission is checked here: the callers do.
pub(crate) async fn read_ring_plan(
    c: &mut Change,
    id: DepartmentId,
    at: jiff::Timestamp,
) -> Result<Option<RingPlanView>> {
    let Some(department) = departments::find_department(&mut c.tx, c.account.id, id).await? else {
        return Ok(None);
    };
    let members = users::list_department_users(&mut c.tx, c.account.id, id).await?;
    let idle: HashMap<_, _> = calls::list_member_last_answered(&mut c.tx, c.account.id, id)
        .await?
        .into_iter()
        .collect();
    let rotation = departments::find_department_rotation(&mut c.tx, c.account.id, id).await?;
    let candidates: Vec<Candidate<'_>> = members
        .iter()
        .map(|user| Candidate {
            user,
            idle_since: idle.get(&user.id).copied(),
        })
        .collect();
    let plan = ring_plan(&department, &candidates, at, rotation);
    Ok(Some(RingPlanView {
        department,
        members,
        plan,
    }))
}

impl Switchboard {
    /// The ring plan of a department at `at` (now when `None`), read in one snapshot.
    pub async fn ring_plan(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
        at: Option<jiff::Timestamp>,
    ) -> Result<RingPlanView> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.perms.view_users, "view users")?;
        let at = at.unwrap_or(c.now);
        read_ring_plan(&mut c, id, at)
            .await?
            .ok_or_else(|| not_found("department"))
    }
}
