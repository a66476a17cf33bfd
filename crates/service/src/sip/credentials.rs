//! A user's SIP credentials: issued (or rotated) with a generated password shown once,
//! revoked, and their state read. Whoever may edit the user may do each (R1, R15), and
//! every change is audited, never with the password.

use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::json;
use switchboard_domain::sip::SipDomain;
use switchboard_domain::{DomainError, User, UserId};
use switchboard_store::Reads;
use switchboard_store::sip::{self as store, SipCredentialRecord};
use switchboard_store::users;

use super::{ha1_md5, ha1_sha256};
use crate::error::{Result, not_found, refuse};
use crate::users::user_target;
use crate::{Change, Ctx, Switchboard};

/// Characters in a generated SIP password: 24 letters and digits, about 143 bits, and
/// nothing a phone's keypad or a provisioning file would trip over.
const PASSWORD_CHARS: usize = 24;

/// Credentials just issued: the only time the password is shown.
#[derive(Clone, Debug)]
pub struct IssuedSipCredentials {
    /// The SIP username: the user's extension.
    pub username: String,
    /// The SIP domain (and digest realm).
    pub domain: String,
    /// The password, shown this once.
    pub password: String,
    /// When they were issued.
    pub issued_at: jiff::Timestamp,
    /// Whether they replaced earlier credentials.
    pub rotated: bool,
}

/// What may be said about a user's credentials: never the password nor its digests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipCredentialState {
    /// The SIP username they were issued for.
    pub username: String,
    /// The SIP domain they were issued for.
    pub domain: String,
    /// When they were issued (or last rotated).
    pub issued_at: jiff::Timestamp,
    /// Until when a phone is registered with them, as the SIP proxy reported; `None`
    /// when no phone is registered now.
    pub registered_until: Option<jiff::Timestamp>,
}

fn new_password() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(PASSWORD_CHARS)
        .map(char::from)
        .collect()
}

/// The user, once the actor is known to be allowed to edit them (R1, R15).
async fn editable_user(c: &mut Change, user: UserId) -> Result<User> {
    let u = users::find_user(&mut c.tx, c.account.id, user)
        .await?
        .ok_or_else(|| not_found("user"))?;
    c.who.check_can_edit(&mut c.tx, c.account.id, user).await?;
    Ok(u)
}

pub(super) async fn account_domain(
    reads: &mut Reads<'_>,
    account: switchboard_domain::AccountId,
) -> Result<SipDomain> {
    domain_or_refusal(store::find_sip_domain(reads, account).await?)
}

/// The account's SIP domain as read, or the refusal to go on without one.
pub(super) fn domain_or_refusal(domain: Option<SipDomain>) -> Result<SipDomain> {
    match domain {
        Some(d) => Ok(d),
        None => refuse(DomainError::InvalidState(
            "the account has no SIP domain yet; an Administrator sets it first".to_owned(),
        )),
    }
}

impl Switchboard {
    /// Whether `user` has SIP credentials, for whom and since when (whoever may edit the
    /// user).
    pub async fn sip_credentials(
        &self,
        ctx: &Ctx,
        user: UserId,
    ) -> Result<Option<SipCredentialState>> {
        let mut c = self.begin_read(ctx).await?;
        editable_user(&mut c, user).await?;
        let Some(r) = store::find_sip_credential(&mut c.tx, c.account.id, user).await? else {
            return Ok(None);
        };
        let phone =
            store::find_user_phone(&mut Reads::Tx(&mut c.tx), c.account.id, user, c.now).await?;
        Ok(Some(SipCredentialState {
            username: r.username,
            domain: r.realm,
            issued_at: r.issued_at,
            registered_until: phone.map(|p| p.until),
        }))
    }

    /// Issues SIP credentials for `user` (username: their extension; realm: the account's
    /// SIP domain) with a new generated password, replacing any they had (a rotation: the
    /// old password stops working at once). Whoever may edit the user; audited.
    pub async fn issue_sip_credentials(
        &self,
        ctx: &Ctx,
        user: UserId,
    ) -> Result<IssuedSipCredentials> {
        let mut c = self.begin(ctx).await?;
        let u = editable_user(&mut c, user).await?;
        let domain = account_domain(&mut Reads::Tx(&mut c.tx), c.account.id).await?;
        let before = store::find_sip_credential(&mut c.tx, c.account.id, user).await?;
        let username = u.extension.to_string();
        let password = new_password();
        let record = SipCredentialRecord {
            account_id: c.account.id,
            user_id: user,
            ha1_md5: ha1_md5(&username, domain.as_str(), &password),
            ha1_sha256: ha1_sha256(&username, domain.as_str(), &password),
            username,
            realm: domain.to_string(),
            issued_at: c.now,
        };
        store::upsert_sip_credential(&mut c.tx, &record).await?;
        let view = |r: &SipCredentialRecord| json!({ "username": r.username, "domain": r.realm, "issued_at": r.issued_at.to_string() });
        let action = if before.is_some() {
            "sip_credentials.rotated"
        } else {
            "sip_credentials.issued"
        };
        c.audit(
            action,
            user_target(&u),
            before.as_ref().map(view),
            Some(view(&record)),
        )
        .await?;
        c.commit().await?;
        Ok(IssuedSipCredentials {
            username: record.username,
            domain: record.realm,
            password,
            issued_at: record.issued_at,
            rotated: before.is_some(),
        })
    }

    /// Revokes `user`'s SIP credentials: their phones' next REGISTER is refused. Whoever
    /// may edit the user; audited. 404 when they have none.
    pub async fn revoke_sip_credentials(&self, ctx: &Ctx, user: UserId) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        let u = editable_user(&mut c, user).await?;
        let before = store::find_sip_credential(&mut c.tx, c.account.id, user)
            .await?
            .ok_or_else(|| not_found("SIP credentials"))?;
        store::delete_sip_credential(&mut c.tx, c.account.id, user).await?;
        c.audit(
            "sip_credentials.revoked",
            user_target(&u),
            Some(json!({ "username": before.username, "domain": before.realm })),
            None,
        )
        .await?;
        c.commit().await
    }
}
