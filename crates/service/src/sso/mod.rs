//! Single sign-on through an account's OpenID provider (R16): the connection settings
//! ([`settings`]), and signing people in through the provider ([`sign_in`]).

mod admit;
mod provider;
mod reach;
pub mod seal;
mod settings;
mod sign_in;
mod token;

pub(crate) use provider::Providers;
pub use seal::SecretKey;
pub use settings::{SsoCheck, SsoConnectionView, SsoTestReport};
pub use sign_in::{SsoCallback, SsoFinish, SsoFound, SsoRedirect};

use switchboard_domain::ActorKind;
use switchboard_domain::Permissions;

use switchboard_domain::sso::{SsoConnection, password_sign_in_allowed};
use switchboard_domain::{Account, UserId};
use switchboard_store::Tx;

use crate::Principal;
use crate::error::Result;

/// The account's connection, if it has one.
pub(crate) async fn connection_of(tx: &mut Tx, account: &Account) -> Result<Option<SsoConnection>> {
    Ok(switchboard_store::sso::find_sso_connection(tx, account.id)
        .await?
        .map(|r| r.connection))
}

/// The connection a user must sign in through, when password sign-in is off for them (R16).
pub(crate) async fn provider_only(
    tx: &mut Tx,
    account: &Account,
    user: UserId,
) -> Result<Option<SsoConnection>> {
    let conn = connection_of(tx, account).await?;
    let owner = account.owner_id == user;
    Ok(conn.filter(|c| !password_sign_in_allowed(Some(c), owner)))
}

/// The lower-cased domain of an address, when it is one.
pub(crate) fn email_domain(email: &str) -> Option<String> {
    let key = switchboard_domain::Email::parse("email", email).ok()?.key();
    key.rsplit_once('@').map(|(_, d)| d.to_owned())
}

impl crate::Switchboard {
    /// The connection that claims the address's domain, when it has turned password
    /// sign-in off (R16: the sign-in answer then depends on the domain alone).
    pub(crate) async fn provider_only_for_domain(
        &self,
        email: &str,
    ) -> Result<Option<SsoConnection>> {
        let Some(domain) = email_domain(email) else {
            return Ok(None);
        };
        let mut tx = self.db().read().await?;
        let found = switchboard_store::sso::find_sso_connection_by_domain(&mut tx, &domain).await?;
        Ok(found.map(|r| r.connection).filter(|c| !c.password_sign_in))
    }
}

/// The actor SSO events are recorded under when no user is (yet) known.
pub(crate) fn sso_principal(display_name: &str) -> Principal {
    Principal {
        kind: ActorKind::System,
        id: None,
        name: format!("Single sign-on ({display_name})"),
        user_id: None,
        perms: Permissions::NONE,
        is_owner: false,
        is_admin: false,
    }
}
