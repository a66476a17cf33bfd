//! Phone numbers: each owned by a user (R8) and routed to a destination — a department or
//! a user of the same account — whose deletion it blocks as well.

use switchboard_domain::{
    Destination, DomainError, E164, NumberId, PhoneNumber, UserId, UserStatus,
};
use switchboard_store::Reads;
use switchboard_store::{StoreError, UniqueKey, departments, resources as store, users};

use crate::error::{Result, not_found, refuse};
use crate::resources::check_owner;
use crate::{Change, Ctx, Switchboard, Target};

/// A number to add.
#[derive(Clone, Debug)]
pub struct NewNumber {
    /// The number, not yet in the account.
    pub number: E164,
    /// What it is for (up to 100 characters, trimmed).
    pub label: String,
    /// The owning user.
    pub owner: UserId,
    /// Where its incoming calls go; `None`: not routed.
    pub destination: Option<Destination>,
}

impl NewNumber {
    /// A number owned by `owner`, not routed anywhere yet.
    pub fn owned_by(number: E164, label: impl Into<String>, owner: UserId) -> Self {
        Self {
            number,
            label: label.into(),
            owner,
            destination: None,
        }
    }
}

/// Changes to a number (absent = unchanged).
#[derive(Clone, Debug, Default)]
pub struct NumberPatch {
    /// A new label.
    pub label: Option<String>,
    /// A new owner.
    pub owner: Option<UserId>,
    /// A new destination, or `Some(None)` to stop routing the number.
    pub destination: Option<Option<Destination>>,
}

fn view(n: &PhoneNumber) -> serde_json::Value {
    serde_json::json!({
        "number": n.number.as_str(),
        "label": n.label,
        "owner_id": n.owner_id.to_string(),
        "destination": n.destination.as_ref().map(Destination::audit_view),
    })
}

fn target(n: &PhoneNumber) -> Target<'static> {
    Target {
        kind: "number",
        id: Some(n.id.to_string()),
        name: n.number.to_string(),
    }
}

fn parse_label(raw: &str) -> Result<String> {
    Ok(switchboard_domain::resources::parse_label(raw)
        .map_err(|e| DomainError::Validation(vec![e]))?)
}

/// A destination must be a department or user of the account; a user who is deactivated
/// would never ring, so routing calls to one is refused (one already routed stays).
async fn check_destination(c: &mut Change, d: Destination) -> Result<()> {
    let field = "destination";
    match d {
        Destination::Department(id) => {
            if departments::find_department(&mut c.tx, c.account.id, id)
                .await?
                .is_none()
            {
                return refuse(DomainError::field(
                    field,
                    "not_found",
                    format!("there is no department {id} in this account"),
                ));
            }
        }
        Destination::User(id) => match users::find_user(&mut c.tx, c.account.id, id).await? {
            None => {
                return refuse(DomainError::field(
                    field,
                    "not_found",
                    format!("there is no user {id} in this account"),
                ));
            }
            Some(u) if u.status == UserStatus::Inactive => {
                return refuse(DomainError::field(
                    field,
                    "inactive",
                    format!(
                        "{} is deactivated, so calls to the number would ring nobody",
                        u.name
                    ),
                ));
            }
            Some(_) => {}
        },
    }
    Ok(())
}

impl Switchboard {
    /// Adds a phone number, owned by a user and optionally routed to a destination.
    pub async fn create_number(&self, ctx: &Ctx, new: NewNumber) -> Result<PhoneNumber> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage numbers")?;
        let label = parse_label(&new.label)?;
        check_owner(&mut c, new.owner).await?;
        if let Some(d) = new.destination {
            check_destination(&mut c, d).await?;
        }
        let n = PhoneNumber {
            id: NumberId::new(),
            account_id: c.account.id,
            number: new.number,
            label,
            owner_id: new.owner,
            destination: new.destination,
        };
        match store::insert_number(&mut c.tx, &n, c.now).await {
            Err(StoreError::Unique(UniqueKey::Number)) => {
                return refuse(DomainError::Conflict {
                    field: "number".to_owned(),
                    message: format!("{} is already in this account", n.number),
                });
            }
            other => other?,
        }
        c.audit("number.created", target(&n), None, Some(view(&n)))
            .await?;
        c.commit().await?;
        Ok(n)
    }

    /// Changes a number's label, owner or destination.
    pub async fn update_number(
        &self,
        ctx: &Ctx,
        id: NumberId,
        patch: NumberPatch,
    ) -> Result<PhoneNumber> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage numbers")?;
        let before = store::find_number(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("number"))?;
        let mut n = before.clone();
        if let Some(l) = patch.label {
            n.label = parse_label(&l)?;
        }
        if let Some(o) = patch.owner {
            check_owner(&mut c, o).await?;
            n.owner_id = o;
        }
        if let Some(d) = patch.destination
            && d != before.destination
        {
            if let Some(d) = d {
                check_destination(&mut c, d).await?;
            }
            n.destination = d;
        }
        store::update_number(&mut c.tx, &n).await?;
        let (b, a) = crate::diff(&view(&before), &view(&n));
        c.audit("number.updated", target(&n), Some(b), Some(a))
            .await?;
        c.commit().await?;
        Ok(n)
    }

    /// Removes a number.
    pub async fn delete_number(&self, ctx: &Ctx, id: NumberId) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage numbers")?;
        let n = store::find_number(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("number"))?;
        store::delete_number(&mut c.tx, c.account.id, id).await?;
        c.audit("number.deleted", target(&n), Some(view(&n)), None)
            .await?;
        c.commit().await
    }

    /// Reads a number.
    pub async fn get_number(&self, ctx: &Ctx, id: NumberId) -> Result<PhoneNumber> {
        let mut c = self.begin_read(ctx).await?;
        store::find_number(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("number"))
    }

    /// Reads the account's number `number`.
    pub async fn find_number(&self, ctx: &Ctx, number: &E164) -> Result<PhoneNumber> {
        let mut c = self.begin_read(ctx).await?;
        store::find_number_route(&mut Reads::Tx(&mut c.tx), c.account.id, number.as_str())
            .await?
            .ok_or_else(|| not_found("number"))
    }

    /// Lists numbers, optionally of one owner.
    pub async fn list_numbers(&self, ctx: &Ctx, owner: Option<UserId>) -> Result<Vec<PhoneNumber>> {
        let mut c = self.begin_read(ctx).await?;
        Ok(store::list_numbers(&mut c.tx, c.account.id, owner).await?)
    }
}
