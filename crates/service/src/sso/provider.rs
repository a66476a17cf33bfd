//! Talking to an OpenID provider: discovery (OpenID Connect Discovery §4), its key set,
//! and the token request of the authorization code flow (RFC 6749 §4.1.3, with the PKCE
//! verifier of RFC 7636). Discovery and keys are kept in memory; the keys are fetched
//! again when a token names a key the kept set lacks (the provider rotated its keys).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use switchboard_domain::sso::is_loopback_http;

use super::reach::{GuardedResolver, refused_address};
use super::token::Jwks;

/// How long a discovery document is trusted before it is fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(600);
/// How long a key set is trusted before it is fetched again (a key the provider withdrew
/// stops being accepted within this).
const KEYS_TTL: Duration = Duration::from_secs(3600);
/// The least time between two fetches forced by a key the kept set lacks.
const KEYS_REFETCH_EVERY: Duration = Duration::from_secs(10);
/// The largest document read from a provider.
const MAX_BODY: usize = 256 * 1024;

/// What the provider says about itself.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// The token endpoint's answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Tokens {
    pub id_token: Option<String>,
    pub access_token: Option<String>,
}

/// Providers' documents kept in memory, shared by every request of the process.
pub(crate) struct Providers {
    http: reqwest::Client,
    /// Whether providers at loopback or private-network addresses may be reached.
    private_ok: bool,
    discovered: Mutex<HashMap<String, (Instant, Arc<Discovery>)>>,
    /// Per key set URL: when fetched, when last fetched by force, the keys.
    keys: Mutex<HashMap<String, KeptKeys>>,
}

struct KeptKeys {
    fetched: Instant,
    forced: Option<Instant>,
    keys: Arc<Jwks>,
}

impl Providers {
    /// Providers reached at public addresses only, unless `private_ok`
    /// ([`crate::Settings::sso_private_providers`]).
    pub(crate) fn new(private_ok: bool) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            // A provider's documents are at the URLs it names; a redirect could lead the
            // server anywhere.
            .redirect(reqwest::redirect::Policy::none())
            // Connected to directly, so that the address checked is the one reached.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { private_ok }))
            .user_agent("Switchboard")
            .build()
            .unwrap_or_default();
        Self {
            http,
            private_ok,
            discovered: Mutex::default(),
            keys: Mutex::default(),
        }
    }
}

/// Why talking to the provider failed, in words.
pub(crate) type Trouble = String;

impl Providers {
    async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        what: &str,
        url: &str,
    ) -> Result<T, Trouble> {
        if let Some(why) = refused_address(url, self.private_ok) {
            return Err(format!("could not fetch the {what}: {why}"));
        }
        let answer = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("could not fetch the {what} at {url}: {}", plain(&e)))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(format!("the {what} at {url} answered HTTP {status}"));
        }
        let body = read_capped(answer)
            .await
            .map_err(|why| format!("the {what} at {url} {why}"))?;
        serde_json::from_slice(&body)
            .map_err(|_| format!("the {what} at {url} is not the JSON document it should be"))
    }

    fn kept_discovery(&self, issuer: &str) -> Option<Arc<Discovery>> {
        let kept = self.discovered.lock().ok()?;
        let (at, d) = kept.get(issuer)?;
        (at.elapsed() < DISCOVERY_TTL).then(|| Arc::clone(d))
    }

    /// The kept key set: `fresh` asks for a new fetch, granted when the last forced one
    /// is old enough (a token naming an unknown key cannot make the server fetch without
    /// end).
    fn kept_keys(&self, jwks_uri: &str, fresh: bool) -> Option<Arc<Jwks>> {
        let kept = self.keys.lock().ok()?;
        let k = kept.get(jwks_uri)?;
        let stale = k.fetched.elapsed() >= KEYS_TTL;
        let may_force = k.forced.is_none_or(|f| f.elapsed() >= KEYS_REFETCH_EVERY);
        let refetch = stale || (fresh && may_force);
        (!refetch).then(|| Arc::clone(&k.keys))
    }

    /// The provider's discovery document, checked to name the issuer it was fetched for.
    pub(crate) async fn discover(&self, issuer: &str) -> Result<Arc<Discovery>, Trouble> {
        if let Some(d) = self.kept_discovery(issuer) {
            return Ok(d);
        }
        // Discovery §4: any trailing slash of the issuer is removed before the path.
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let d: Discovery = self.get_json("discovery document", &url).await?;
        if d.issuer != issuer {
            return Err(format!(
                "the discovery document names issuer {:?}, not {issuer:?}: use exactly the issuer it names",
                d.issuer
            ));
        }
        for (name, endpoint) in [
            ("authorization_endpoint", Some(&d.authorization_endpoint)),
            ("token_endpoint", Some(&d.token_endpoint)),
            ("jwks_uri", Some(&d.jwks_uri)),
            ("end_session_endpoint", d.end_session_endpoint.as_ref()),
        ] {
            if let Some(e) = endpoint
                && !same_security(issuer, e)
            {
                return Err(format!(
                    "the discovery document's {name} {e:?} is not an https URL (plain http only for a provider on this machine)"
                ));
            }
        }
        if d.code_challenge_methods_supported
            .as_ref()
            .is_some_and(|m| !m.iter().any(|m| m == "S256"))
        {
            return Err(
                "the provider does not offer PKCE with S256, which Switchboard requires".to_owned(),
            );
        }
        let d = Arc::new(d);
        if let Ok(mut kept) = self.discovered.lock() {
            kept.insert(issuer.to_owned(), (Instant::now(), Arc::clone(&d)));
        }
        Ok(d)
    }

    /// The provider's keys; `fresh` fetches them again instead of using the kept set.
    pub(crate) async fn keys(&self, jwks_uri: &str, fresh: bool) -> Result<Arc<Jwks>, Trouble> {
        if let Some(k) = self.kept_keys(jwks_uri, fresh) {
            return Ok(k);
        }
        let jwks: Jwks = self.get_json("key set", jwks_uri).await?;
        if jwks.keys.is_empty() {
            return Err(format!("the key set at {jwks_uri} has no keys"));
        }
        let jwks = Arc::new(jwks);
        if let Ok(mut kept) = self.keys.lock() {
            let now = Instant::now();
            kept.insert(
                jwks_uri.to_owned(),
                KeptKeys {
                    fetched: now,
                    forced: fresh.then_some(now),
                    keys: Arc::clone(&jwks),
                },
            );
        }
        Ok(jwks)
    }

    /// Trades an authorization code for tokens, authenticating with the client secret
    /// (HTTP Basic unless the provider only takes it in the form).
    pub(crate) async fn exchange(
        &self,
        d: &Discovery,
        client_id: &str,
        client_secret: &str,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
    ) -> Result<Tokens, Trouble> {
        let in_form = d
            .token_endpoint_auth_methods_supported
            .as_ref()
            .is_some_and(|m| {
                !m.iter().any(|m| m == "client_secret_basic")
                    && m.iter().any(|m| m == "client_secret_post")
            });
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier),
        ];
        if let Some(why) = refused_address(&d.token_endpoint, self.private_ok) {
            return Err(format!("could not reach the token endpoint: {why}"));
        }
        let mut request = self
            .http
            .post(&d.token_endpoint)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded");
        if in_form {
            pairs.push(("client_id", client_id));
            pairs.push(("client_secret", client_secret));
        } else {
            // RFC 6749 §2.3.1: each part form-encoded before Basic encoding.
            let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            request = request.basic_auth(enc(client_id), Some(enc(client_secret)));
        }
        let answer = request
            .body(encode_form(&pairs))
            .send()
            .await
            .map_err(|e| format!("could not reach the token endpoint: {}", plain(&e)))?;
        let status = answer.status();
        if !status.is_success() {
            #[derive(Deserialize)]
            struct OAuthError {
                error: String,
                #[serde(default)]
                error_description: Option<String>,
            }
            let why = answer
                .json::<OAuthError>()
                .await
                .map(|e| match e.error_description {
                    Some(d) => format!("{} ({d})", e.error),
                    None => e.error,
                })
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Err(format!("the token endpoint refused the code: {why}"));
        }
        let body = read_capped(answer)
            .await
            .map_err(|why| format!("the token endpoint's answer {why}"))?;
        serde_json::from_slice(&body)
            .map_err(|_| "the token endpoint's answer is not JSON".to_owned())
    }
}

/// Reads a body of at most [`MAX_BODY`] bytes.
async fn read_capped(mut answer: reqwest::Response) -> Result<Vec<u8>, Trouble> {
    let mut body = Vec::new();
    while let Some(chunk) = answer
        .chunk()
        .await
        .map_err(|e| format!("could not be read: {}", plain(&e)))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("is larger than {} KiB", MAX_BODY / 1024));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether an endpoint is as safe as the issuer allows: https, or plain http on the
/// loopback interface when the issuer itself is such a provider.
fn same_security(issuer: &str, endpoint: &str) -> bool {
    endpoint.starts_with("https://") || (is_loopback_http(issuer) && is_loopback_http(endpoint))
}

fn encode_form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A transport error without the library's chain of wrappers.
fn plain(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(s) = source.source() {
        source = s;
    }
    if e.is_timeout() {
        "no answer in time".to_owned()
    } else {
        source.to_string()
    }
}
