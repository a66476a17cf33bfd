//! SIP phones (R17): the account's SIP domain (Administrators; audited), each user's SIP
//! credentials ([`credentials`]) and the SIP proxy's REGISTER lookup ([`proxy`]). A
//! password is shown once; only its HA1 digests are kept (RFC 2617 §3.2.2.2 with MD5,
//! RFC 8760 with SHA-256), bound to the username (the extension) and realm (the domain)
//! they were issued for, so a change of either revokes them.

pub mod credentials;
pub mod phone;
pub mod proxy;
pub mod route;
pub(crate) mod route_cache;

use md5::Md5;
use serde_json::json;
use sha2::{Digest, Sha256};
use switchboard_domain::sip::SipDomain;
use switchboard_domain::{DomainError, User};
use switchboard_store::Reads;
use switchboard_store::sip as store;
use switchboard_store::{StoreError, UniqueKey};

use crate::error::Result;
use crate::users::user_target;
use crate::{Change, Ctx, Switchboard, Target};

/// `md5(username:realm:password)` in lower-case hex: the HA1 of RFC 2617 §3.2.2.2.
pub fn ha1_md5(username: &str, realm: &str, password: &str) -> String {
    hex::encode(Md5::digest(format!("{username}:{realm}:{password}")))
}

/// `sha256(username:realm:password)` in lower-case hex: the HA1 of RFC 8760 §2.
pub fn ha1_sha256(username: &str, realm: &str, password: &str) -> String {
    hex::encode(Sha256::digest(format!("{username}:{realm}:{password}")))
}

fn domain_target(domain: &SipDomain) -> Target<'static> {
    Target {
        kind: "sip_domain",
        id: Some(domain.to_string()),
        name: domain.to_string(),
    }
}

/// Revokes `before`'s SIP credentials when `after` holds another extension: they name the
/// old one, and would register a phone under a number that is no longer theirs. Audited,
/// in the caller's transaction.
pub(crate) async fn revoke_on_extension_change(
    c: &mut Change,
    before: &User,
    after: &User,
) -> Result<()> {
    if before.extension == after.extension
        || !store::delete_sip_credential(&mut c.tx, c.account.id, before.id).await?
    {
        return Ok(());
    }
    c.audit(
        "sip_credentials.revoked",
        user_target(after),
        Some(json!({ "username": before.extension.to_string() })),
        Some(json!({ "reason": "extension_changed" })),
    )
    .await
}

impl Switchboard {
    /// The account's SIP domain, if set (Administrators).
    pub async fn sip_domain(&self, ctx: &Ctx) -> Result<Option<SipDomain>> {
        let mut c = self.begin_read(ctx).await?;
        c.who
            .require(c.who.is_admin, "see the account's SIP domain")?;
        Ok(store::find_sip_domain(&mut Reads::Tx(&mut c.tx), c.account.id).await?)
    }

    /// Sets the account's SIP domain (Administrators; unique across accounts; audited).
    /// A new domain is a new digest realm: every credential issued under the old one is
    /// revoked in the same transaction, and the answer says how many.
    pub async fn set_sip_domain(&self, ctx: &Ctx, raw: &str) -> Result<(SipDomain, u64)> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.is_admin, "change the account's SIP domain")?;
        let domain = SipDomain::parse("sip_domain", raw)?;
        let before = store::find_sip_domain(&mut Reads::Tx(&mut c.tx), c.account.id).await?;
        if before.as_ref() == Some(&domain) {
            return Ok((domain, 0));
        }
        match store::upsert_sip_domain(&mut c.tx, c.account.id, &domain, c.now).await {
            Err(StoreError::Unique(UniqueKey::SipDomain)) => {
                return Err(DomainError::Conflict {
                    field: "sip_domain".to_owned(),
                    message: format!(
                        "the SIP domain {domain} is used by another account; a SIP domain belongs to one account"
                    ),
                }
                .into());
            }
            other => other?,
        }
        let revoked = store::delete_account_sip_credentials(&mut c.tx, c.account.id).await?;
        c.audit(
            if before.is_some() {
                "sip_domain.changed"
            } else {
                "sip_domain.set"
            },
            domain_target(&domain),
            before.map(|b| json!({ "sip_domain": b.as_str() })),
            Some(json!({ "sip_domain": domain.as_str(), "credentials_revoked": revoked })),
        )
        .await?;
        c.commit().await?;
        Ok((domain, revoked))
    }
}
