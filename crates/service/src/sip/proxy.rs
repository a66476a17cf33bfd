//! The SIP proxy's lookup for a REGISTER: `<username>@<domain>` → the HA1 digests when
//! R17 allows the user's phone to register, else why not. Only tokens with the
//! `sip:proxy` scope ask, and they see only their own account's domain.

use switchboard_domain::sip::{RegisterRefusal, SipDomain, may_register};
use switchboard_domain::{Extension, User};
use switchboard_store::Reads;
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

/// Refuses anyone but the SIP proxy: a token with the `sip:proxy` scope.
pub(super) async fn require_sip_proxy(c: &mut Change, ctx: &Ctx, doing: &str) -> Result<()> {
    // A token whose scope was read at the account's current rights version: no second
    // read.
    let proxy = match (&ctx.actor, ctx.known_sip_proxy(c.account.rights_version)) {
        (Actor::ApiToken(_), Some(known)) => known,
        (Actor::ApiToken(id), None) => auth::find_api_token(&mut c.tx, c.account.id, *id)
            .await?
            .is_some_and(|t| has_scope(&t, SCOPE_SIP_PROXY)),
        (Actor::System(_) | Actor::User(_) | Actor::Scim(_), _) => false,
    };
    if proxy {
        Ok(())
    } else {
        Err(forbidden(format!(
            "{doing} needs an API token with the sip:proxy scope"
        )))
    }
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

/// The user registering as `username@domain`, when the domain is the account's and they
/// hold credentials for it.
async fn find_registering(
    c: &mut Change,
    username: &str,
    domain: &str,
) -> Result<(User, store::SipCredentialRecord)> {
    let mine = store::find_sip_domain(&mut Reads::Tx(&mut c.tx), c.account.id).await?;
    let domain = SipDomain::parse("domain", domain)
        .ok()
        .filter(|d| mine.as_ref() == Some(d))
        .ok_or_else(|| not_found("SIP domain"))?;
    registering(c, username.trim(), &domain)
        .await?
        .ok_or_else(|| not_found("SIP credentials"))
}

/// A registration the proxy accepted: where the phone is, and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneBinding {
    /// The phone's Contact URI.
    pub contact: String,
    /// The address the REGISTER came from, when it differs (NAT).
    pub received: Option<String>,
    /// Seconds the registration holds; 0 removes it.
    pub expires_secs: u32,
}

impl Switchboard {
    /// Records where `username@domain`'s phone is registered (or, with 0 seconds, that it
    /// unregistered), as the proxy reports after accepting a REGISTER. The call route
    /// rings that phone until the registration expires. Not audited: phones refresh their
    /// registration every few minutes, and it changes nothing anyone decided.
    pub async fn sip_registered(
        &self,
        ctx: &Ctx,
        username: &str,
        domain: &str,
        binding: &PhoneBinding,
    ) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        require_sip_proxy(&mut c, ctx, "reporting a registration").await?;
        let (user, _) = find_registering(&mut c, username, domain).await?;
        let until = c
            .now
            .checked_add(jiff::SignedDuration::from_secs(i64::from(
                binding.expires_secs,
            )))
            .unwrap_or(c.now);
        let phone = (binding.expires_secs > 0).then_some((
            binding.contact.as_str(),
            binding.received.as_deref(),
            until,
        ));
        store::set_sip_registration(&mut c.tx, c.account.id, user.id, phone).await?;
        c.tx.commit().await?;
        Ok(())
    }

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
        require_sip_proxy(&mut c, ctx, "looking up SIP credentials").await?;
        let (user, cred) = find_registering(&mut c, username, domain).await?;
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
