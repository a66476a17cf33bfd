//! Roles and permissions: the matrix is editable per account, custom roles may be added;
//! the Administrator role always keeps every permission.

use switchboard_domain::{DomainError, Name, Permissions, Role, RoleId};
use switchboard_store::{StoreError, UniqueKey, roles as store};

use crate::error::{Error, Result, not_found, refuse};
use crate::{Ctx, Switchboard, Target};

fn view(r: &Role) -> serde_json::Value {
    serde_json::json!({ "name": r.name.as_str(), "permissions": r.permissions })
}

fn target(r: &Role) -> Target<'static> {
    Target {
        kind: "role",
        id: Some(r.id.to_string()),
        name: r.name.to_string(),
    }
}

fn name_taken(name: &Name) -> Error {
    Error::Domain(DomainError::Conflict {
        field: "name".to_owned(),
        message: format!("a role named {name} already exists"),
    })
}

impl Switchboard {
    /// The account's roles.
    pub async fn list_roles(&self, ctx: &Ctx) -> Result<Vec<Role>> {
        let mut c = self.begin_read(ctx).await?;
        Ok(store::list_roles(&mut c.tx, c.account.id).await?)
    }

    /// Reads one of the account's roles.
    pub async fn get_role(&self, ctx: &Ctx, id: RoleId) -> Result<Role> {
        let mut c = self.begin_read(ctx).await?;
        store::find_role(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("role"))
    }

    /// Adds a custom role, with no right the actor does not hold themselves.
    pub async fn create_role(
        &self,
        ctx: &Ctx,
        name: Name,
        permissions: Permissions,
    ) -> Result<Role> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.manage_roles, "manage roles")?;
        c.who.check_can_grant(&permissions, name.as_str())?;
        let r = Role {
            id: RoleId::new(),
            account_id: c.account.id,
            name,
            builtin: None,
            permissions,
        };
        match store::insert_role(&mut c.tx, &r, c.now).await {
            Err(StoreError::Unique(UniqueKey::Name)) => return Err(name_taken(&r.name)),
            other => other?,
        }
        c.audit("role.created", target(&r), None, Some(view(&r)))
            .await?;
        c.commit().await?;
        Ok(r)
    }

    /// Renames a role or changes its permissions. Takes effect on holders' next request.
    /// Nobody gives a role a right they do not hold themselves.
    pub async fn update_role(
        &self,
        ctx: &Ctx,
        id: RoleId,
        name: Option<Name>,
        permissions: Option<Permissions>,
    ) -> Result<Role> {
        self.edit_role(ctx, id, name, permissions.map(|p| move |_| p))
            .await
    }

    /// Like [`Self::update_role`], with the new permissions worked out from the current ones
    /// inside the same transaction (so changing a few named permissions loses no
    /// concurrent change to the others).
    pub async fn edit_role(
        &self,
        ctx: &Ctx,
        id: RoleId,
        name: Option<Name>,
        permissions: Option<impl FnOnce(Permissions) -> Permissions>,
    ) -> Result<Role> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.manage_roles, "manage roles")?;
        let before = store::find_role(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("role"))?;
        let mut r = before.clone();
        if let Some(n) = name {
            if r.builtin.is_some() && n != r.name {
                return refuse(DomainError::field(
                    "name",
                    "read_only",
                    "built-in roles cannot be renamed",
                ));
            }
            r.name = n;
        }
        if let Some(change) = permissions {
            let p = change(r.permissions);
            if r.is_administrator() && p != Permissions::ADMINISTRATOR {
                return refuse(DomainError::field(
                    "permissions",
                    "read_only",
                    "the Administrator role always has every permission",
                ));
            }
            c.who.check_can_grant(&p, r.name.as_str())?;
            r.permissions = p;
        }
        match store::update_role(&mut c.tx, &r).await {
            Err(StoreError::Unique(UniqueKey::Name)) => return Err(name_taken(&r.name)),
            other => other?,
        }
        let (b, a) = crate::diff(&view(&before), &view(&r));
        c.audit("role.updated", target(&r), Some(b), Some(a))
            .await?;
        c.commit().await?;
        Ok(r)
    }

    /// Deletes a custom role nobody holds.
    pub async fn delete_role(&self, ctx: &Ctx, id: RoleId) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.manage_roles, "manage roles")?;
        let r = store::find_role(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("role"))?;
        if r.builtin.is_some() {
            return refuse(DomainError::InvalidState(
                "built-in roles cannot be deleted".to_owned(),
            ));
        }
        let holders = store::count_role_holders(&mut c.tx, c.account.id, id).await?;
        if holders > 0 {
            return refuse(DomainError::InvalidState(format!(
                "{holders} users hold the {} role; give them another role first",
                r.name
            )));
        }
        store::delete_role(&mut c.tx, c.account.id, id).await?;
        c.audit("role.deleted", target(&r), Some(view(&r)), None)
            .await?;
        c.commit().await
    }
}
