//! R16 for an identity the provider vouched for: the user it stands for (by the subject
//! they signed in as before, else by the configured claim, else a just-in-time user), the
//! decision, the first sign-in's link and invite acceptance, and refusals in the audit log.

use serde_json::json;
use switchboard_domain::sso::{
    Identity, SsoEntry, SsoMatch, SsoRefusal, jit_profile, judge_sso_user, sso_identifier,
};
use switchboard_domain::{DomainError, Email, NewUser, NewUserInput, User, UserStatus};
use switchboard_store::sso::{self as store, SsoConnectionRecord};
use switchboard_store::{accounts as account_store, invites, users as user_store};

use super::sso_principal;
use crate::ctx::{Actor, Ctx};
use crate::error::{Error, Result};
use crate::users::user_target;
use crate::{Change, Switchboard, Target};

impl Switchboard {
    /// R16 for a validated identity: finds the user (by the subject they signed in as
    /// before, else by the configured claim, else just-in-time), accepts a pending invite,
    /// records the subject the first time. Refusals are audited.
    pub(super) async fn sso_admit(
        &self,
        record: &SsoConnectionRecord,
        identity: &Identity,
        source: &str,
    ) -> Result<std::result::Result<switchboard_domain::UserId, SsoRefusal>> {
        let answer = self.sso_judge_and_link(record, identity, source).await?;
        if let Err(refusal) = &answer {
            self.audit_sso_refusal(
                record,
                Some(identity),
                refusal.key(),
                &refusal.message(),
                source,
            )
            .await?;
        }
        Ok(answer)
    }

    /// [`Switchboard::sso_admit`] without the refusal's audit event.
    async fn sso_judge_and_link(
        &self,
        record: &SsoConnectionRecord,
        identity: &Identity,
        source: &str,
    ) -> Result<std::result::Result<switchboard_domain::UserId, SsoRefusal>> {
        let conn = &record.connection;
        let found = self.sso_find_user(record, identity).await?;
        let found = match found {
            Ok(Some(u)) => Ok(u),
            Ok(None) => self.sso_create(record, identity, source).await?,
            Err(r) => Err(r),
        };
        let user = match found {
            Ok(u) => u,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let mut c = self.begin_sso(record, &user, source).await?;
        let Some(mut user) = user_store::find_user(&mut c.tx, c.account.id, user.id).await? else {
            return Ok(Err(SsoRefusal::UnknownUser));
        };
        let linked = store::find_sso_subject(&mut c.tx, c.account.id, user.id).await?;
        if let Err(refusal) = judge_sso_user(&user, linked.as_deref(), identity) {
            return Ok(Err(refusal));
        }
        if linked.is_none() {
            store::insert_sso_identity(
                &mut c.tx,
                c.account.id,
                user.id,
                &identity.issuer,
                &identity.subject,
                c.now,
            )
            .await?;
            c.audit(
                "user.sso_linked",
                user_target(&user),
                None,
                Some(json!({ "provider": conn.display_name, "issuer": identity.issuer, "subject": identity.subject })),
            )
            .await?;
        }
        if judge_sso_user(&user, Some(&identity.subject), identity) == Ok(SsoEntry::AcceptsInvite) {
            let before = user.audit_view();
            invites::revoke_user_invites(&mut c.tx, c.account.id, user.id, c.now).await?;
            user.status = UserStatus::Active;
            user.has_signed_in = true;
            user.version += 1;
            user.updated_at = c.now;
            user_store::update_user(&mut c.tx, &user, user_store::Touches::ROW_ONLY).await?;
            let (b, a) = crate::diff(&before, &user.audit_view());
            c.audit("user.invite_accepted", user_target(&user), Some(b), Some(a))
                .await?;
        }
        let id = user.id;
        c.commit().await?;
        Ok(Ok(id))
    }

    /// The user an identity stands for: `Ok(None)` when nobody matches.
    async fn sso_find_user(
        &self,
        record: &SsoConnectionRecord,
        identity: &Identity,
    ) -> Result<std::result::Result<Option<User>, SsoRefusal>> {
        let account = record.account_id;
        let mut tx = self.db().read().await?;
        if let Some(id) =
            store::find_user_by_sso_subject(&mut tx, account, &identity.issuer, &identity.subject)
                .await?
        {
            return Ok(Ok(user_store::find_user(&mut tx, account, id).await?));
        }
        let value = match sso_identifier(&record.connection, identity) {
            Ok(v) => v,
            Err(r) => return Ok(Err(r)),
        };
        let user = match record.connection.match_field {
            SsoMatch::Email => match Email::parse("email", &value) {
                Ok(e) => user_store::find_user_by_email(&mut tx, account, &e).await?,
                Err(_) => None,
            },
            SsoMatch::IdpLogin => {
                user_store::find_user_by_idp_username(&mut tx, account, &value.to_lowercase())
                    .await?
            }
            SsoMatch::ExternalId => {
                user_store::find_user_by_external_id(&mut tx, account, &value).await?
            }
        };
        Ok(Ok(user))
    }

    /// Just-in-time: an unknown, verified identity becomes a Basic user with Panel Access
    /// through the one add path (R2, R11), made by "Single sign-on".
    async fn sso_create(
        &self,
        record: &SsoConnectionRecord,
        identity: &Identity,
        source: &str,
    ) -> Result<std::result::Result<User, SsoRefusal>> {
        let (name, email) = match jit_profile(&record.connection, identity) {
            Ok(p) => p,
            Err(r) => return Ok(Err(r)),
        };
        let new = NewUser::parse(&NewUserInput {
            name: Some(name.chars().take(100).collect()),
            email: Some(email),
            panel_access: Some(true),
            ..NewUserInput::default()
        });
        let new = match new {
            Ok(n) => n,
            Err(_) => return Ok(Err(not_created(None))),
        };
        let ctx = Ctx::new(
            record.account_id,
            Actor::System(format!(
                "Single sign-on ({})",
                record.connection.display_name
            )),
            source,
        );
        match self.add_user(&ctx, new).await {
            Ok(added) => Ok(Ok(added.user)),
            Err(Error::Domain(e)) => Ok(Err(not_created(Some(&e)))),
            Err(e) => Err(e),
        }
    }

    async fn begin_sso(
        &self,
        record: &SsoConnectionRecord,
        user: &User,
        source: &str,
    ) -> Result<Change> {
        let mut tx = self.db().write().await?;
        let account = account_store::lock_account(&mut tx, record.account_id)
            .await?
            .ok_or_else(|| crate::error::not_found("account"))?;
        Ok(Change {
            tx,
            account,
            who: crate::sessions::user_principal(user),
            now: self.now(),
            source: source.to_owned(),
            usage_at_lock: None,
            audit_head: None,
        })
    }

    /// Records a refused sign-in, with the reason, in the account's audit log.
    pub(super) async fn audit_sso_refusal(
        &self,
        record: &SsoConnectionRecord,
        identity: Option<&Identity>,
        reason: &str,
        message: &str,
        source: &str,
    ) -> Result<()> {
        let mut tx = self.db().write().await?;
        let Some(account) = account_store::lock_account(&mut tx, record.account_id).await? else {
            return Ok(());
        };
        let mut c = Change {
            tx,
            account,
            who: sso_principal(&record.connection.display_name),
            now: self.now(),
            source: source.to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        let name = identity
            .and_then(|i| i.email.clone().or_else(|| i.preferred_username.clone()))
            .or_else(|| identity.map(|i| i.subject.clone()))
            .unwrap_or_else(|| "unknown".to_owned());
        c.audit(
            "sso.sign_in_refused",
            Target {
                kind: "sso_identity",
                id: identity.map(|i| i.subject.clone()),
                name,
            },
            None,
            Some(json!({ "reason": reason, "message": message })),
        )
        .await?;
        c.commit().await
    }
}

/// A just-in-time user that could not be made: the plan's limits are said as they are;
/// anything else (a conflict naming another user, say) is not told to a stranger.
fn not_created(why: Option<&DomainError>) -> SsoRefusal {
    SsoRefusal::NotCreated(match why {
        Some(e @ (DomainError::SeatLimitReached { .. } | DomainError::UserLimitReached { .. })) => {
            e.to_string()
        }
        _ => {
            "your details from the identity provider do not make a valid user; ask an administrator"
                .to_owned()
        }
    })
}
