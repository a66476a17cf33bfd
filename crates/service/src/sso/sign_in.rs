//! Signing in through the account's provider: the authorization code flow with PKCE (S256),
//! `state` and `nonce` (OpenID Connect Core §3.1). The start remembers the state (hashed),
//! nonce and verifier; the callback takes them back once, trades the code for tokens,
//! validates the ID token fully and applies R16 to the user it identifies.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use switchboard_domain::sso::{Identity, SsoConnection, SsoRefusal};
use switchboard_store::sso::{self as store, SsoConnectionRecord};

use super::token::{self, Expected};
use crate::Switchboard;
use crate::error::Result;
use crate::secrets::{new_token, token_hash};
use crate::sessions::SessionStarted;

/// How long a sign-in may take at the provider.
const REQUEST_TTL: SignedDuration = SignedDuration::from_mins(10);

/// Where to send the browser, and the state to keep in its cookie.
#[derive(Clone, Debug)]
pub struct SsoRedirect {
    /// The provider's authorization URL.
    pub url: String,
    /// The state, to bind the sign-in to the browser that started it.
    pub state: String,
}

/// What an email's domain leads to.
#[derive(Clone, Debug)]
pub enum SsoFound {
    /// Go to the provider.
    Redirect(SsoRedirect),
    /// No provider claims the domain.
    None,
    /// The provider cannot be reached: what to tell the person.
    Unreachable(String),
}

/// What the provider sent back to the callback.
#[derive(Clone, Debug, Default)]
pub struct SsoCallback {
    /// The authorization code.
    pub code: Option<String>,
    /// The state.
    pub state: Option<String>,
    /// The issuer (RFC 9207), when the provider sends it.
    pub iss: Option<String>,
    /// An error the provider reports instead of a code.
    pub error: Option<String>,
    /// Its description.
    pub error_description: Option<String>,
}

/// How a callback ended.
#[derive(Clone, Debug)]
pub enum SsoFinish {
    /// Signed in; `end_session` is the provider's sign-out endpoint, when it has one.
    SignedIn(SessionStarted),
    /// Refused: what to tell the person (safe to show), and the sign-in link to retry.
    Refused {
        /// The message.
        message: String,
        /// `/sign-in/<slug>` of the account, when known.
        retry: Option<String>,
    },
}

fn refused(message: impl Into<String>, retry: Option<&SsoConnection>) -> SsoFinish {
    SsoFinish::Refused {
        message: message.into(),
        retry: retry.map(|c| format!("/sign-in/{}", c.slug)),
    }
}

impl Switchboard {
    /// The provider's sign-out URL for a session of `account` started through it, with
    /// the way back to the sign-in page; `None` when it offers none or cannot be reached.
    pub(crate) async fn sso_sign_out_url(
        &self,
        account: switchboard_domain::AccountId,
    ) -> Option<String> {
        let record = {
            let mut tx = self.db().read().await.ok()?;
            store::find_sso_connection(&mut tx, account).await.ok()??
        };
        let d = self
            .sso_providers()
            .discover(&record.connection.issuer)
            .await
            .ok()?;
        let end = d.end_session_endpoint.as_ref()?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &record.connection.client_id)
            .append_pair(
                "post_logout_redirect_uri",
                &format!("{}/sign-in", self.settings().public_url),
            )
            .finish();
        let sep = if end.contains('?') { '&' } else { '?' };
        Some(format!("{end}{sep}{query}"))
    }

    /// The name people know the provider of the sign-in link `/sign-in/<slug>` by;
    /// `None` when there is no such link.
    pub async fn sso_link_name(&self, slug: &str) -> Result<Option<String>> {
        let mut tx = self.db().read().await?;
        Ok(store::find_sso_connection_by_slug(&mut tx, slug)
            .await?
            .map(|r| r.connection.display_name))
    }

    /// Starts a sign-in through the provider whose sign-in link is `/sign-in/<slug>`.
    pub async fn sso_begin(&self, slug: &str) -> Result<SsoFound> {
        let record = {
            let mut tx = self.db().read().await?;
            store::find_sso_connection_by_slug(&mut tx, slug).await?
        };
        let record = record.ok_or_else(|| crate::error::not_found("sign-in link"))?;
        self.sso_redirect(&record).await
    }

    /// Starts a sign-in for a work email: through the provider that claims its domain. The
    /// answer depends on the domain only, never on whether the address is a user's.
    pub async fn sso_begin_for_email(&self, email: &str) -> Result<SsoFound> {
        let Some(domain) = super::email_domain(email) else {
            return Ok(SsoFound::None);
        };
        let found = {
            let mut tx = self.db().read().await?;
            store::find_sso_connection_by_domain(&mut tx, &domain).await?
        };
        match found {
            Some(record) => self.sso_redirect(&record).await,
            None => Ok(SsoFound::None),
        }
    }

    async fn sso_redirect(&self, record: &SsoConnectionRecord) -> Result<SsoFound> {
        let conn = &record.connection;
        let d = match self.sso_providers().discover(&conn.issuer).await {
            Ok(d) => d,
            Err(why) => {
                tracing::warn!(issuer = %conn.issuer, %why, "single sign-on discovery failed");
                return Ok(SsoFound::Unreachable(format!(
                    "{} cannot be reached for single sign-on right now; try again later, or ask your IT team",
                    conn.display_name
                )));
            }
        };
        let state = new_token("st_");
        let nonce = new_token("n_");
        let verifier = new_token("pkce_");
        let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
        let now = self.now();
        let mut tx = self.db().write().await?;
        store::insert_sso_request(
            &mut tx,
            &store::NewSsoRequest {
                state_hash: &token_hash(&state),
                account: record.account_id,
                issuer: &conn.issuer,
                nonce: &nonce,
                code_verifier: &verifier,
                now,
                expires_at: now.saturating_add(REQUEST_TTL).unwrap_or(now),
            },
        )
        .await?;
        tx.commit().await?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &conn.client_id)
            .append_pair("redirect_uri", &self.sso_redirect_uri(conn))
            .append_pair("scope", &conn.scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(SsoFound::Redirect(SsoRedirect {
            url: format!("{}{sep}{query}", d.authorization_endpoint),
            state,
        }))
    }

    /// Finishes a sign-in at the callback. `browser_state` is the state kept in the cookie
    /// of the browser that started it (a callback from another browser is refused: that is
    /// how a forced sign-in into someone else's session is stopped).
    pub async fn sso_finish(
        &self,
        slug: &str,
        cb: &SsoCallback,
        browser_state: Option<&str>,
        source: &str,
    ) -> Result<SsoFinish> {
        let Some(state) = cb.state.as_deref().filter(|s| !s.is_empty()) else {
            return Ok(refused(
                "The provider's answer has no state; start signing in again.",
                None,
            ));
        };
        if browser_state != Some(state) {
            tracing::info!(
                source,
                "single sign-on callback with a state this browser did not start"
            );
            return Ok(refused(
                "This sign-in was not started in this browser (or it was already used). Start signing in again.",
                None,
            ));
        }
        let request = {
            let mut tx = self.db().write().await?;
            let r = store::take_sso_request(&mut tx, &token_hash(state)).await?;
            tx.commit().await?;
            r
        };
        let Some(request) = request else {
            return Ok(refused(
                "This sign-in was already used. Start signing in again.",
                None,
            ));
        };
        let account_id = switchboard_store::db::parse_id(&request.account_id)?;
        let record = {
            let mut tx = self.db().read().await?;
            store::find_sso_connection_by_slug(&mut tx, slug).await?
        };
        // The answer came back to one connection's redirect URI: it must be the connection
        // the sign-in was sent to, at the same issuer, or it is a mix-up (RFC 9700 §4.4).
        let Some(record) =
            record.filter(|r| r.account_id == account_id && r.connection.issuer == request.issuer)
        else {
            tracing::warn!(source, slug, "single sign-on answer for another connection");
            return Ok(refused(
                "This answer does not belong to the sign-in this browser started. Start signing in again.",
                None,
            ));
        };
        let conn = &record.connection;
        if request.expires_at < self.now().as_microsecond() {
            return Ok(refused(
                "This sign-in took too long. Start again.",
                Some(conn),
            ));
        }
        let identity = match self.sso_identity(&record, cb, &request).await {
            Ok(identity) => identity,
            Err(fault) => {
                let (reason, shown, logged) = match fault {
                    Fault::Token(why) => ("invalid_token", why.clone(), why),
                    Fault::Provider { shown, logged } => ("provider_error", shown, logged),
                };
                self.audit_sso_refusal(&record, None, reason, &logged, source)
                    .await?;
                return Ok(refused(
                    format!(
                        "Switchboard could not accept the answer of {}: {shown}.",
                        conn.display_name
                    ),
                    Some(conn),
                ));
            }
        };
        match self.sso_admit(&record, &identity, source).await? {
            Ok(user) => {
                let started = self
                    .start_session(account_id, user, source, crate::sessions::SSO_SIGN_IN)
                    .await?;
                Ok(match started {
                    Some(s) => SsoFinish::SignedIn(s),
                    None => refused(SsoRefusal::Deactivated.message(), Some(conn)),
                })
            }
            Err(refusal) => Ok(refused(refusal.message(), Some(conn))),
        }
    }

    /// The code traded for tokens and the ID token validated into an identity; `Err` says
    /// in words what was wrong.
    async fn sso_identity(
        &self,
        record: &SsoConnectionRecord,
        cb: &SsoCallback,
        request: &store::SsoRequest,
    ) -> std::result::Result<Identity, Fault> {
        let conn = &record.connection;
        if let Some(e) = &cb.error {
            // Only the code is shown; the provider's free text goes to the audit log, cut.
            let code: String = e.chars().take(40).collect();
            let code = if code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                code
            } else {
                "an error".to_owned()
            };
            let detail: String = cb
                .error_description
                .as_deref()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            return Err(Fault::Provider {
                shown: format!("the provider reported {code}"),
                logged: format!("the provider reported {code} ({detail})"),
            });
        }
        // RFC 9207: an answer naming another issuer is a mix-up, whatever it carries.
        if let Some(iss) = &cb.iss
            && iss != &conn.issuer
        {
            return Err(Fault::Token(format!(
                "the answer comes from issuer {iss:?}, not {:?}",
                conn.issuer
            )));
        }
        let code = cb
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Fault::Token("no authorization code".to_owned()))?;
        let secret = self
            .settings()
            .secret_key
            .open(
                &super::settings::secret_context(record.account_id, &conn.issuer, &conn.client_id),
                &record.client_secret_sealed,
            )
            .ok_or_else(|| Fault::provider("the client secret cannot be read with this server's key; the owner must enter it again"))?;
        let providers = self.sso_providers();
        let d = providers
            .discover(&conn.issuer)
            .await
            .map_err(Fault::provider)?;
        let tokens = providers
            .exchange(
                &d,
                &conn.client_id,
                &secret,
                code,
                &request.code_verifier,
                &self.sso_redirect_uri(conn),
            )
            .await
            .map_err(Fault::provider)?;
        self.check_id_token(conn, &d, tokens, &request.nonce)
            .await
            .map_err(Fault::Token)
    }

    /// The ID token of a token answer, checked (OpenID Connect Core §3.1.3.7).
    async fn check_id_token(
        &self,
        conn: &switchboard_domain::sso::SsoConnection,
        d: &super::provider::Discovery,
        tokens: super::provider::Tokens,
        nonce: &str,
    ) -> std::result::Result<Identity, String> {
        let providers = self.sso_providers();
        let id_token = tokens
            .id_token
            .ok_or("the token endpoint sent no ID token")?;
        let parsed = token::parse(&id_token)?;
        let mut keys = providers.keys(&d.jwks_uri, false).await?;
        if parsed.find_key(&keys).is_none() {
            // A key the kept set lacks: the provider may have rotated its keys.
            keys = providers.keys(&d.jwks_uri, true).await?;
        }
        let key = parsed
            .find_key(&keys)
            .ok_or("the ID token is signed with a key the provider does not publish")?;
        parsed.verify(key)?;
        token::check_claims(
            &parsed,
            &Expected {
                issuer: &conn.issuer,
                client_id: &conn.client_id,
                nonce,
                access_token: tokens.access_token.as_deref(),
                now: self.now(),
            },
        )
    }
}

/// Why the answer of the provider was not accepted.
pub(super) enum Fault {
    /// The ID token (or the answer carrying it) is wrong: the words are safe to show.
    Token(String),
    /// Talking to the provider failed: people see a short message, the log the detail.
    Provider {
        /// For the person.
        shown: String,
        /// For the audit log.
        logged: String,
    },
}

impl Fault {
    fn provider(detail: impl Into<String>) -> Self {
        Self::Provider {
            shown: "the sign-in could not be completed with the provider".to_owned(),
            logged: detail.into(),
        }
    }
}
