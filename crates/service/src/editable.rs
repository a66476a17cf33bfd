//! What an actor may change on a user, and why not the rest: the one answer every front
//! end renders instead of deciding for itself. Built from the same checks the edit makes
//! (R1 and R15 through `Principal::check_can_edit`, R4, R6 through
//! `User::idp_owned_fields`), so a form never offers what the save would refuse.

use switchboard_domain::{IdpField, Scope, User, UserId};
use switchboard_store::users as store;

use crate::Switchboard;
use crate::ctx::Ctx;
use crate::error::{Error, Result, not_found};

/// A user, with what the actor may change on them.
#[derive(Clone, Debug)]
pub struct Editable {
    /// The user.
    pub user: User,
    /// Why the actor may change nothing on this user (R1, R15); `None` when they may.
    pub refused: Option<String>,
    /// Only the actor's own profile fields may change (name, time zone, availability).
    pub own_profile_only: bool,
    /// Fields only the identity provider may change (R6).
    pub idp_owned: Vec<IdpField>,
    /// The mobile is set and cannot change (R4); moving to a new number is Replace user.
    pub mobile_fixed: bool,
    /// Whether the actor may deactivate, activate, replace or delete the user (R1, R15).
    pub may_manage_lifecycle: bool,
}

impl Editable {
    /// Whether the actor may change `field` (a user field's name, as in `UserPatchInput`).
    pub fn can(&self, field: &str) -> bool {
        may_change(
            field,
            self.refused.is_some(),
            self.own_profile_only,
            self.mobile_fixed,
            &self.idp_owned,
        )
    }
}

/// The rule behind [`Editable::can`], for a front end that keeps the answer's parts.
pub fn may_change(
    field: &str,
    refused: bool,
    own_profile_only: bool,
    mobile_fixed: bool,
    idp_owned: &[IdpField],
) -> bool {
    if refused {
        return false;
    }
    if own_profile_only && !matches!(field, "name" | "time_zone" | "availability") {
        return false;
    }
    if field == "mobile" && mobile_fixed {
        return false;
    }
    !idp_owned.iter().any(|f| f.key() == field)
}

impl Switchboard {
    /// A user with what the actor may change on them, and why not the rest.
    pub async fn editable(&self, ctx: &Ctx, id: UserId) -> Result<Editable> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require_view_user(id)?;
        let user = store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))?;
        let refused = match c.who.check_can_edit(&mut c.tx, c.account.id, id).await {
            Ok(_) => None,
            Err(Error::Domain(d)) => Some(d.to_string()),
            Err(e) => return Err(e),
        };
        let may_manage_lifecycle = c.who.perms.delete_users
            && c.who
                .check_outranks(&mut c.tx, c.account.id, id)
                .await
                .is_ok();
        Ok(Editable {
            own_profile_only: c.who.perms.edit_users == Scope::Own,
            idp_owned: user.idp_owned_fields(&c.account),
            mobile_fixed: user.mobile.is_some(),
            may_manage_lifecycle,
            refused,
            user,
        })
    }
}
