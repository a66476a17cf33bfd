//! What a user's Phone section asks (the dashboard's): the SIP credentials the user has
//! and the account's SIP domain their phones register under, for whoever may edit the
//! user — the same right that issues and revokes the credentials (`sip::credentials`).

use switchboard_domain::UserId;
use switchboard_domain::sip::SipDomain;
use switchboard_store::Reads;
use switchboard_store::sip as store;

use crate::error::Result;
use crate::sip::credentials::SipCredentialState;
use crate::{Ctx, Switchboard};

/// A user's phone setup: what their Phone section shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneSetup {
    /// The account's SIP domain; `None` until an Administrator sets it.
    pub domain: Option<SipDomain>,
    /// The user's SIP credentials (never the password), if issued.
    pub credentials: Option<SipCredentialState>,
}

impl Switchboard {
    /// The user's SIP credentials and the account's SIP domain, for whoever may edit the
    /// user (R1, R15: refused as [`Self::sip_credentials`] refuses).
    pub async fn phone_setup(&self, ctx: &Ctx, user: UserId) -> Result<PhoneSetup> {
        let credentials = self.sip_credentials(ctx, user).await?;
        let mut c = self.begin_read(ctx).await?;
        let domain = store::find_sip_domain(&mut Reads::Tx(&mut c.tx), c.account.id).await?;
        Ok(PhoneSetup {
            domain,
            credentials,
        })
    }
}
