//! Who reports a call, and what each reporter may say: the telephony engine (or the
//! operator) reports any call; the SIP proxy the inbound calls it routed, naming the
//! answering user only by the extension or mobile its leg reached.

use switchboard_domain::{DomainError, E164, FieldError, UserId};
use switchboard_store::{auth, users};

use super::NewCall;
use crate::ctx::Actor;
use crate::error::Result;
use crate::tokens::{SCOPE_CALLS_INGEST, SCOPE_SIP_PROXY, has_scope};
use crate::{Change, Ctx};

/// Who may report calls: the operator, a token with `calls:ingest`, or the SIP proxy's
/// (`sip:proxy`), which reports the inbound calls it routed and names the answering user
/// only by the extension or mobile it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reporter {
    Engine,
    SipProxy,
}

pub(super) async fn reporter(c: &mut Change, ctx: &Ctx) -> Result<Option<Reporter>> {
    Ok(match &ctx.actor {
        Actor::System(_) => Some(Reporter::Engine),
        Actor::ApiToken(id) => auth::find_api_token(&mut c.tx, c.account.id, *id)
            .await?
            .and_then(|t| {
                if has_scope(&t, SCOPE_CALLS_INGEST) {
                    Some(Reporter::Engine)
                } else if has_scope(&t, SCOPE_SIP_PROXY) {
                    Some(Reporter::SipProxy)
                } else {
                    None
                }
            }),
        Actor::User(_) | Actor::Scim(_) => None,
    })
}

/// What the SIP proxy may not say in a report: it routes inbound calls and knows users
/// only by what its legs reached.
pub(super) fn check_proxy_report(call: &NewCall) -> Result<()> {
    let mut errors = Vec::new();
    if call.direction != "inbound" {
        errors.push(FieldError::new(
            "direction",
            "invalid",
            "the SIP proxy reports the inbound calls it routed",
        ));
    }
    if call.user_id.is_some() {
        errors.push(FieldError::new(
            "user_id",
            "invalid",
            "the SIP proxy names the answering user by reached",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(errors).into())
    }
}

/// The user whose extension or mobile number a call reached, if any still has it.
pub(super) async fn reached_user(c: &mut Change, reached: &str) -> Result<Option<UserId>> {
    let found = if let Ok(ext) = switchboard_domain::Extension::parse("reached", reached) {
        users::find_user_by_extension(&mut c.tx, c.account.id, ext).await?
    } else if let Ok(mobile) = E164::parse("reached", reached) {
        users::find_user_by_mobile(&mut c.tx, c.account.id, &mobile).await?
    } else {
        None
    };
    // A leg's extension or mobile may have changed hands while the call lasted: the call
    // is still recorded, with nobody named, rather than lost.
    Ok(found.map(|u| u.id))
}
