//! Answers an interface keeps between requests. A read of users (one user, a page of the
//! list, a SCIM search) carries the account's view version it was read at; the
//! interface may send its rendered answer again while [`Switchboard::kept_stands`] says
//! so, which costs one indexed row instead of the read.

use switchboard_domain::UserId;
use switchboard_store::accounts;

use crate::error::Result;
use crate::{Ctx, Switchboard};

/// What a kept answer shows, which decides who may be sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shows {
    /// One user.
    User(UserId),
    /// Users found by a query (the list, a SCIM search).
    Users,
}

impl Switchboard {
    /// Whether an answer read at the account's view version `kept`, showing `shows`, may
    /// be sent again for the request: the rights held for its token still stand, nothing
    /// a view of users shows has changed since, and those rights allow the read (else the
    /// refusal the read would give). `false` when any of that cannot be confirmed without
    /// the read itself (no rights held yet, a change): the caller reads afresh.
    pub async fn kept_stands(&self, ctx: &Ctx, shows: Shows, kept: i64) -> Result<bool> {
        if ctx.known_principal().is_none() {
            return Ok(false);
        }
        let Some(v) = accounts::read_versions(self.db(), ctx.account_id).await? else {
            return Ok(false);
        };
        if v.view_version != kept {
            return Ok(false);
        }
        let Some(who) = self.held_at(ctx, v.rights_version) else {
            return Ok(false);
        };
        match shows {
            Shows::User(id) => who.require_view_user(id)?,
            Shows::Users => who.require_view_users()?,
        }
        Ok(true)
    }
}
