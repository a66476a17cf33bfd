//! Workflows, each owned by a user (R8), and the owner rule they share with phone numbers
//! (`numbers`).

use switchboard_domain::{
    DomainError, Name, UserId, UserStatus, Workflow, WorkflowId, WorkflowKind,
};
use switchboard_store::{resources as store, users};

use crate::error::{Result, not_found, refuse};
use crate::{Change, Ctx, Switchboard, Target};

/// An owner must be a user of the account who is not deactivated.
pub(crate) async fn check_owner(c: &mut Change, owner: UserId) -> Result<()> {
    match users::find_user(&mut c.tx, c.account.id, owner).await? {
        None => refuse(DomainError::field(
            "owner_id",
            "not_found",
            "there is no such user",
        )),
        Some(u) if u.status == UserStatus::Inactive => refuse(DomainError::field(
            "owner_id",
            "inactive",
            format!("{} is deactivated and cannot own resources", u.name),
        )),
        Some(_) => Ok(()),
    }
}

fn workflow_view(w: &Workflow) -> serde_json::Value {
    serde_json::json!({ "name": w.name.as_str(), "kind": w.kind.key(), "owner_id": w.owner_id.to_string() })
}

fn workflow_target(w: &Workflow) -> Target<'static> {
    Target {
        kind: "workflow",
        id: Some(w.id.to_string()),
        name: w.name.to_string(),
    }
}

impl Switchboard {
    /// Adds a workflow owned by `owner`.
    pub async fn create_workflow(
        &self,
        ctx: &Ctx,
        name: Name,
        kind: WorkflowKind,
        owner: UserId,
    ) -> Result<Workflow> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage workflows")?;
        check_owner(&mut c, owner).await?;
        let w = Workflow {
            id: WorkflowId::new(),
            account_id: c.account.id,
            name,
            kind,
            owner_id: owner,
        };
        store::insert_workflow(&mut c.tx, &w, c.now).await?;
        c.audit(
            "workflow.created",
            workflow_target(&w),
            None,
            Some(workflow_view(&w)),
        )
        .await?;
        c.commit().await?;
        Ok(w)
    }

    /// Changes a workflow's name, kind or owner.
    pub async fn update_workflow(
        &self,
        ctx: &Ctx,
        id: WorkflowId,
        name: Option<Name>,
        kind: Option<WorkflowKind>,
        owner: Option<UserId>,
    ) -> Result<Workflow> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage workflows")?;
        let before = store::find_workflow(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("workflow"))?;
        let mut w = before.clone();
        if let Some(n) = name {
            w.name = n;
        }
        if let Some(k) = kind {
            w.kind = k;
        }
        if let Some(o) = owner {
            check_owner(&mut c, o).await?;
            w.owner_id = o;
        }
        store::update_workflow(&mut c.tx, &w).await?;
        let (b, a) = crate::diff(&workflow_view(&before), &workflow_view(&w));
        c.audit("workflow.updated", workflow_target(&w), Some(b), Some(a))
            .await?;
        c.commit().await?;
        Ok(w)
    }

    /// Removes a workflow.
    pub async fn delete_workflow(&self, ctx: &Ctx, id: WorkflowId) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage workflows")?;
        let w = store::find_workflow(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("workflow"))?;
        store::delete_workflow(&mut c.tx, c.account.id, id).await?;
        c.audit(
            "workflow.deleted",
            workflow_target(&w),
            Some(workflow_view(&w)),
            None,
        )
        .await?;
        c.commit().await
    }

    /// Reads a workflow.
    pub async fn get_workflow(&self, ctx: &Ctx, id: WorkflowId) -> Result<Workflow> {
        let mut c = self.begin_read(ctx).await?;
        store::find_workflow(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("workflow"))
    }

    /// Lists workflows, optionally of one owner.
    pub async fn list_workflows(&self, ctx: &Ctx, owner: Option<UserId>) -> Result<Vec<Workflow>> {
        let mut c = self.begin_read(ctx).await?;
        Ok(store::list_workflows(&mut c.tx, c.account.id, owner).await?)
    }
}
