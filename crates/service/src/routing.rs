//! "Will they ring?" (SPEC §3): the ring plan of a department at an instant, from its
//! members, their call hours and availability, and the calls reported so far (round robin
//! rotation, longest idle).

use std::collections::HashMap;

use switchboard_domain::routing::{Candidate, RingPlan, Ringable, ring_plan};
use switchboard_domain::{Department, DepartmentId, RoutingMethod, User};
use switchboard_store::{Reads, calls, departments, users};

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

/// The ring plan of `department`'s `members` at `at`, reading the call history only the
/// routing method uses (who answered when, for longest idle; the rotation, for round
/// robin, unless the caller read it with the department). Shared by the ring plan (whole
/// users) and the call route (what it reads).
pub(crate) async fn plan_of<U: Ringable>(
    reads: &mut Reads<'_>,
    department: &Department,
    rotation: Option<u64>,
    members: &[U],
    at: jiff::Timestamp,
) -> Result<RingPlan> {
    let (account, id) = (department.account_id, department.id);
    let idle: HashMap<_, _> = if department.routing_method == RoutingMethod::LongestIdle {
        calls::list_member_last_answered(reads, account, id)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let rotation = match rotation {
        Some(r) => r,
        None if department.routing_method == RoutingMethod::RoundRobin => {
            departments::find_department_rotation(reads, account, id).await?
        }
        None => 0,
    };
    let candidates: Vec<Candidate<'_, U>> = members
        .iter()
        .map(|user| Candidate {
            user,
            idle_since: idle.get(&user.id()).copied(),
        })
        .collect();
    Ok(ring_plan(department, &candidates, at, rotation))
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
    let plan = plan_of(&mut Reads::Tx(&mut c.tx), &department, None, &members, at).await?;
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
        c.who.require_view_users()?;
        let at = at.unwrap_or(c.now);
        read_ring_plan(&mut c, id, at)
            .await?
            .ok_or_else(|| not_found("department"))
    }
}
