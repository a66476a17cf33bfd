//! An account's single sign-on connection: read, save (the client secret sealed, never
//! returned), remove and test (discovery and keys fetched, problems said in words).
//! Administrators only; every change and test is audited.

use serde_json::json;
use switchboard_domain::sso::{SsoConnection, SsoConnectionInput};
use switchboard_domain::{AccountId, DomainError};
use switchboard_store::sso::{self as store, SsoConnectionRecord};
use switchboard_store::{StoreError, UniqueKey};

use crate::error::{Error, Result, not_found};
use crate::{Ctx, Switchboard, Target};

/// A connection as shown to administrators: never the secret.
#[derive(Clone, Debug)]
pub struct SsoConnectionView {
    /// The settings.
    pub connection: SsoConnection,
    /// The redirect URI to register at the provider.
    pub redirect_uri: String,
    /// The account's own sign-in link.
    pub sign_in_url: String,
    /// When it was first saved.
    pub created_at: jiff::Timestamp,
    /// When it was last changed.
    pub updated_at: jiff::Timestamp,
}

/// One step of a connection test.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SsoCheck {
    /// What was checked.
    pub step: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was found, or what is wrong and how to fix it.
    pub detail: String,
}

/// The result of testing a connection.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SsoTestReport {
    /// Whether every step passed.
    pub ok: bool,
    /// The steps, in order; the first failing one ends the test.
    pub checks: Vec<SsoCheck>,
}

/// What a client secret is sealed for: this account's client at this issuer.
pub(crate) fn secret_context(account: AccountId, issuer: &str, client_id: &str) -> String {
    format!("{account}\n{issuer}\n{client_id}")
}

fn target(conn: &SsoConnection) -> Target<'static> {
    Target {
        kind: "sso_connection",
        id: Some(conn.slug.clone()),
        name: conn.display_name.clone(),
    }
}

impl Switchboard {
    /// The connection's own redirect URI: one per connection, so that an answer meant for
    /// one account's provider is never taken for another's (the mix-up defence of RFC 9700
    /// §4.4.2).
    pub(crate) fn sso_redirect_uri(&self, conn: &SsoConnection) -> String {
        format!("{}/sso/callback/{}", self.settings().public_url, conn.slug)
    }

    fn sso_view(&self, r: SsoConnectionRecord) -> SsoConnectionView {
        SsoConnectionView {
            sign_in_url: format!(
                "{}/sign-in/{}",
                self.settings().public_url,
                r.connection.slug
            ),
            redirect_uri: self.sso_redirect_uri(&r.connection),
            connection: r.connection,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }

    /// The account's connection, if any (administrators only).
    pub async fn sso_connection(&self, ctx: &Ctx) -> Result<Option<SsoConnectionView>> {
        let mut c = self.begin_read(ctx).await?;
        c.who
            .require(c.who.is_admin, "see the single sign-on settings")?;
        let found = store::find_sso_connection(&mut c.tx, ctx.account_id).await?;
        Ok(found.map(|r| self.sso_view(r)))
    }

    /// Whether the actor may change the connection (the owner only; administrators see it).
    pub async fn may_change_sso(&self, ctx: &Ctx) -> Result<bool> {
        let c = self.begin_read(ctx).await?;
        Ok(c.who.is_owner)
    }

    /// Creates or changes the account's connection (the owner only: whoever sets the
    /// provider decides who may sign in as anyone). The client secret is needed the first
    /// time and whenever the issuer or client id changes; `None` otherwise keeps the one
    /// saved. A new issuer forgets the provider subjects users signed in as.
    pub async fn set_sso_connection(
        &self,
        ctx: &Ctx,
        input: &SsoConnectionInput,
        client_secret: Option<&str>,
    ) -> Result<SsoConnectionView> {
        let mut c = self.begin(ctx).await?;
        c.who.require(
            c.who.is_owner,
            "change the single sign-on settings (the owner does)",
        )?;
        let before = store::find_sso_connection(&mut c.tx, c.account.id).await?;
        let parsed = SsoConnection::parse(input);
        let secret = client_secret.map(str::trim).filter(|s| !s.is_empty());
        // The secret goes only to the provider it was entered for: a new issuer or client
        // id needs it typed again, and it is sealed bound to all three.
        let same_client = |b: &SsoConnectionRecord| {
            parsed.as_ref().is_ok_and(|p| {
                p.issuer == b.connection.issuer && p.client_id == b.connection.client_id
            })
        };
        let sealed = match (secret, &before, &parsed) {
            (Some(s), ..) if s.len() > 1000 => Err(DomainError::field(
                "client_secret",
                "too_long",
                "must be at most 1000 characters",
            )),
            (Some(s), _, Ok(p)) => Ok(self
                .settings()
                .secret_key
                .seal(&secret_context(c.account.id, &p.issuer, &p.client_id), s)?),
            (Some(_), _, Err(_)) => Ok(String::new()),
            (None, Some(b), _) if same_client(b) => Ok(b.client_secret_sealed.clone()),
            (None, Some(_), _) => Err(DomainError::field(
                "client_secret",
                "required",
                "is required again: the issuer or client id changed",
            )),
            (None, None, _) => Err(DomainError::field(
                "client_secret",
                "required",
                "is required: the client secret the provider gave for this client",
            )),
        };
        let (conn, sealed) = match (parsed, sealed) {
            (Ok(conn), Ok(sealed)) => (conn, sealed),
            (Err(DomainError::Validation(mut p)), Err(DomainError::Validation(q))) => {
                p.extend(q);
                return Err(DomainError::Validation(p).into());
            }
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
        let mut forgotten = 0;
        if let Some(b) = &before
            && b.connection.issuer != conn.issuer
        {
            forgotten = store::delete_sso_identities(&mut c.tx, c.account.id).await?;
        }
        match store::upsert_sso_connection(&mut c.tx, c.account.id, &conn, &sealed, c.now).await {
            Err(StoreError::Unique(UniqueKey::SsoSlug)) => {
                return Err(DomainError::Conflict {
                    field: "slug".to_owned(),
                    message: format!(
                        "the sign-in link /sign-in/{} is taken by another account; choose another",
                        conn.slug
                    ),
                }
                .into());
            }
            Err(StoreError::Unique(UniqueKey::SsoDomain)) => {
                return Err(DomainError::Conflict {
                    field: "email_domains".to_owned(),
                    message: "a domain listed already signs in through another account's provider; a domain belongs to one account".to_owned(),
                }
                .into());
            }
            other => other?,
        }
        // Turning passwords off ends the sessions passwords opened (the owner's excepted):
        // someone the provider has shut out must not keep working on an old one.
        let was_allowed = before
            .as_ref()
            .is_none_or(|b| b.connection.password_sign_in);
        let mut ended = 0;
        if was_allowed && !conn.password_sign_in {
            ended = switchboard_store::auth::delete_password_sessions(
                &mut c.tx,
                c.account.id,
                c.account.owner_id,
            )
            .await?;
        }
        let action = if before.is_some() {
            "sso.connection_changed"
        } else {
            "sso.connection_created"
        };
        let mut after = json!(conn);
        after["client_secret_changed"] = json!(secret.is_some());
        after["identities_forgotten"] = json!(forgotten);
        after["password_sessions_ended"] = json!(ended);
        let b = before.as_ref().map(|b| json!(b.connection));
        c.audit(action, target(&conn), b, Some(after)).await?;
        let saved = store::find_sso_connection(&mut c.tx, c.account.id)
            .await?
            .ok_or_else(|| Error::Internal("the connection just saved is gone".to_owned()))?;
        c.commit().await?;
        Ok(self.sso_view(saved))
    }

    /// Removes the account's connection (the owner only): everyone signs in with a
    /// password again.
    pub async fn remove_sso_connection(&self, ctx: &Ctx) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who.require(
            c.who.is_owner,
            "change the single sign-on settings (the owner does)",
        )?;
        let before = store::find_sso_connection(&mut c.tx, c.account.id)
            .await?
            .ok_or_else(|| not_found("single sign-on connection"))?;
        store::delete_sso_connection(&mut c.tx, c.account.id).await?;
        c.audit(
            "sso.connection_removed",
            target(&before.connection),
            Some(json!(before.connection)),
            None,
        )
        .await?;
        c.commit().await
    }

    /// Tests the account's connection: the secret can be read, discovery answers for the
    /// issuer, and the key set can be fetched. Audited with its outcome.
    pub async fn test_sso_connection(&self, ctx: &Ctx) -> Result<SsoTestReport> {
        let (conn, secret_ok) = {
            let mut c = self.begin_read(ctx).await?;
            c.who
                .require(c.who.is_admin, "test the single sign-on connection")?;
            let r = store::find_sso_connection(&mut c.tx, ctx.account_id)
                .await?
                .ok_or_else(|| not_found("single sign-on connection"))?;
            let ok = self
                .settings()
                .secret_key
                .open(
                    &secret_context(
                        ctx.account_id,
                        &r.connection.issuer,
                        &r.connection.client_id,
                    ),
                    &r.client_secret_sealed,
                )
                .is_some();
            (r.connection, ok)
        };
        let report = self.run_sso_checks(&conn, secret_ok).await;
        let mut c = self.begin(ctx).await?;
        let failed = report
            .checks
            .iter()
            .find(|s| !s.ok)
            .map(|s| s.detail.clone());
        c.audit(
            "sso.connection_tested",
            target(&conn),
            None,
            Some(json!({ "ok": report.ok, "problem": failed })),
        )
        .await?;
        c.commit().await?;
        Ok(report)
    }

    async fn run_sso_checks(&self, conn: &SsoConnection, secret_ok: bool) -> SsoTestReport {
        let mut checks = vec![SsoCheck {
            step: "Client secret".to_owned(),
            ok: secret_ok,
            detail: if secret_ok {
                "saved, and readable with this server's secret key".to_owned()
            } else {
                "cannot be read with this server's secret key (it was saved by a server with another key): enter the client secret again".to_owned()
            },
        }];
        let discovery = self.sso_providers().discover(&conn.issuer).await;
        checks.push(match &discovery {
            Ok(d) => SsoCheck {
                step: "Discovery".to_owned(),
                ok: true,
                detail: format!(
                    "{}/.well-known/openid-configuration answers: sign-in at {}, tokens at {}{}",
                    conn.issuer,
                    d.authorization_endpoint,
                    d.token_endpoint,
                    if d.end_session_endpoint.is_some() {
                        ", sign-out offered"
                    } else {
                        ""
                    }
                ),
            },
            Err(why) => SsoCheck {
                step: "Discovery".to_owned(),
                ok: false,
                detail: format!("{why}. Check the issuer URL."),
            },
        });
        if let Ok(d) = &discovery {
            checks.push(match self.sso_providers().keys(&d.jwks_uri, true).await {
                Ok(k) => SsoCheck {
                    step: "Signing keys".to_owned(),
                    ok: true,
                    detail: format!("{} key(s) published at {}", k.keys.len(), d.jwks_uri),
                },
                Err(why) => SsoCheck {
                    step: "Signing keys".to_owned(),
                    ok: false,
                    detail: why,
                },
            });
        }
        SsoTestReport {
            ok: checks.iter().all(|s| s.ok),
            checks,
        }
    }
}
