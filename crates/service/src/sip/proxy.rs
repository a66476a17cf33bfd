//! The SIP proxy's lookup for a REGISTER: `<username>@<domain>` → the HA1 digests when
//! R17 allows the user's phone to register, else why not. Only tokens with the
//! `sip:proxy` scope ask, and they see only their own account's domain.

use switchboard_domain::sip::{RegisterRefusal, SipDomain, may_register};
use switchboard_domain::{Extension, User};
use switchboard_store::sip as store;
use switchboard_store::{auth, users};

use crate::error::{Result, forbidden, not_found};
use crate::tokens::{SCOPE_SIP_PROXY, has_scope};
use crate::{Actor, Change, Ctx, Switchboard};

/// What the proxy checks a REGISTER's digest response against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipDigests {
    /// The username (the user's extension).
    pub username: String,
    /// The domain, which is the realm.
    pub domain: String,
    /// `md5(username:realm:password)`, lower-case hex.
    pub ha1: String,
    /// `sha256(username:realm:password)`, lower-case hex (RFC 8760).
    pub ha1_sha256: String,
}

/// The answer to a REGISTER lookup for credentials that exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
    /// R17 allows it: check the phone's response against these.
    Allowed(SipDigests),
    /// R17 refuses it.
    Refused(RegisterRefusal),
}

/// Whether the actor is the SIP proxy: a token with the `sip:proxy` scope.
async fn is_sip_proxy(c: &mut Change, ctx: &Ctx) -> Result<bool> {
    Ok(match &ctx.actor {
        Actor::ApiToken(id) => auth::find_api_token(&mut c.tx, c.account.id, *id)
            .await?
            .is_some_and(|t| has_scope(&t, SCOPE_SIP_PROXY)),
        Actor::System(_) | Actor::User(_) | Actor::Scim(_) => false,
    })
}

/// The user whose phone registers as `username` under the account's `domain`, and their
/// credentials when they were issued for that very extension and domain.
async fn registering(
    c: &mut Change,
    username: &str,
    domain: &SipDomain,
) -> Result<Option<(User, store::SipCredentialRecord)>> {
    let Ok(ext) = Extension::parse("username", username) else {
        return Ok(None);
    };
    let Some(u) = users::find_user_by_extension(&mut c.tx, c.account.id, ext).await? else {
        return Ok(None);
    };
    let cred = store::find_sip_credential(&mut c.tx, c.account.id, u.id).await?;
    Ok(cred
        .filter(|r| r.username == u.extension.to_string() && r.realm == domain.as_str())
        .map(|r| (u, r)))
}

impl Switchboard {
    /// The REGISTER lookup (tokens with the `sip:proxy` scope only). Not found when the
    /// domain is not this account's, or nobody here holds credentials as `username`;
    /// otherwise the digests when R17 allows the user to register, else the refusal.
    pub async fn sip_registration(
        &self,
        ctx: &Ctx,
        username: &str,
        domain: &str,
    ) -> Result<Registration> {
        let mut c = self.begin_read(ctx).await?;
        if !is_sip_proxy(&mut c, ctx).await? {
            return Err(forbidden(
                "looking up SIP credentials needs an API token with the sip:proxy scope",
            ));
        }
        let mine = store::find_sip_domain(&mut c.tx, c.account.id).await?;
        let domain = SipDomain::parse("domain", domain)
            .ok()
            .filter(|d| mine.as_ref() == Some(d))
            .ok_or_else(|| not_found("SIP domain"))?;
        let (user, cred) = registering(&mut c, username.trim(), &domain)
            .await?
            .ok_or_else(|| not_found("SIP credentials"))?;
        c.tx.rollback().await?;
        Ok(match may_register(&user) {
            Ok(()) => Registration::Allowed(SipDigests {
                username: cred.username,
                domain: cred.realm,
                ha1: cred.ha1_md5,
                ha1_sha256: cred.ha1_sha256,
            }),
            Err(why) => Registration::Refused(why),
        })
    }
}
