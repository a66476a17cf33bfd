//! A real OpenID Connect provider for tests: panva's certified `oidc-provider`, run by
//! `e2e/oidc/provider.mjs` on a loopback port, one per test.
//!
//! It knows one confidential client ([`CLIENT_ID`], [`CLIENT_SECRET`],
//! `client_secret_basic`), requires PKCE (S256), and signs anybody in: the login name is
//! the email, and the claims follow from it (`sub` is `"sub-"` and 20 hex digits of its
//! SHA-256, `email_verified` is false when the local part starts with `unverified`, `name`
//! is the local part, `oid` a UUID). [`OidcProvider::log_in`] plays the person's browser;
//! [`OidcProvider::tamper_next_token`] and [`OidcProvider::rotate_keys`] make the ID tokens
//! a relying party must refuse or fetch new keys for.
//!
//! The script needs `node` on the PATH and `e2e/node_modules` (`npm ci` in `e2e`);
//! scripts/test sets both up and exports [`OIDC_PROVIDER_ENV`].

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::LOCATION;
use reqwest::redirect::Policy;
use reqwest::{StatusCode, Url};
use switchboard_domain::sso::SsoConnectionInput;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

/// Env var naming the provider script (an absolute path to `e2e/oidc/provider.mjs`); unset
/// or empty, [`OidcProvider::start`] returns `None` and says on stderr that the OIDC tests
/// are skipped.
pub const OIDC_PROVIDER_ENV: &str = "SWITCHBOARD_TEST_OIDC_PROVIDER";

/// The client id the provider knows Switchboard by.
pub const CLIENT_ID: &str = "switchboard-test";

/// The client secret, sent with HTTP Basic authentication at the token endpoint.
pub const CLIENT_SECRET: &str = "test-client-secret-7d1f";

/// How long the provider may take to start (Node loading oidc-provider, one RSA key).
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The most of the provider's stderr kept for failure messages.
const STDERR_KEPT: usize = 64 * 1024;

/// A running provider, stopped when dropped.
#[derive(Debug)]
pub struct OidcProvider {
    /// `http://127.0.0.1:PORT`; discovery is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// Killed on drop.
    _child: Child,
    /// Held open: the script exits when its stdin closes, even if this process is killed.
    _stdin: ChildStdin,
    /// The tail of the provider's stderr.
    stderr: Arc<Mutex<Vec<u8>>>,
    /// For the test controls.
    admin: reqwest::Client,
}

/// How the provider spoils the ID token of its next token response (one response only).
#[derive(Clone, Copy, Debug)]
pub enum Tamper {
    /// Header `{"alg":"none"}` and an empty signature.
    AlgNone,
    /// Signed with a fresh key whose kid is not in the JWKS.
    UnknownKey,
    /// `iss` is another issuer; signed with the real key.
    WrongIssuer,
    /// `aud` is `another-client`; signed with the real key.
    WrongAudience,
    /// `exp` an hour ago (`iat` two hours ago); signed with the real key.
    Expired,
    /// No `nonce`; signed with the real key.
    NoNonce,
    /// `nonce` is `n-not-sent`; signed with the real key.
    OtherNonce,
    /// A wrong `at_hash` of the right length; signed with the real key.
    BadAtHash,
    /// `email` changed to `mallory@example.com` after signing: the signature does not match.
    BadSignature,
}

impl Tamper {
    /// The script's name for the mode.
    fn mode(self) -> &'static str {
        match self {
            Tamper::AlgNone => "alg_none",
            Tamper::UnknownKey => "unknown_key",
            Tamper::WrongIssuer => "wrong_issuer",
            Tamper::WrongAudience => "wrong_audience",
            Tamper::Expired => "expired",
            Tamper::NoNonce => "no_nonce",
            Tamper::OtherNonce => "other_nonce",
            Tamper::BadAtHash => "bad_at_hash",
            Tamper::BadSignature => "bad_signature",
        }
    }
}

impl OidcProvider {
    /// Starts the provider for an app at `app_url` (redirect URI
    /// `{app_url}/sso/callback/acme`, the connection the tests name `acme`,
    /// post-logout redirect `{app_url}/sign-in`). None when [`OIDC_PROVIDER_ENV`] is
    /// unset or empty. Panics, with the provider's stderr, if it does not start in 20 s.
    pub async fn start(app_url: &str) -> Option<OidcProvider> {
        let script = match std::env::var(OIDC_PROVIDER_ENV) {
            Ok(s) if !s.is_empty() => s,
            _ => {
                eprintln!(
                    "SKIPPED: {OIDC_PROVIDER_ENV} is not set (the path of e2e/oidc/provider.mjs; \
                     scripts/test sets it up) — the OpenID Connect tests did not run"
                );
                return None;
            }
        };
        let app = app_url.trim_end_matches('/');
        let config = serde_json::json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [format!("{app}/sso/callback/acme")],
            "post_logout_redirect_uris": [format!("{app}/sign-in")],
        });
        let mut child = Command::new("node")
            .arg(&script)
            .env("OIDC_TEST_CONFIG", config.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `node {script}` ({OIDC_PROVIDER_ENV}): {e}"));
        let stdin = child.stdin.take().unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let draining = tokio::spawn(keep_tail(child.stderr.take().unwrap(), stderr.clone()));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let read = tokio::time::timeout(START_TIMEOUT, stdout.read_line(&mut line)).await;
        let issuer = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["issuer"].as_str().map(str::to_owned));
        let Some(issuer) = issuer else {
            let _ = child.kill().await;
            let _ = tokio::time::timeout(Duration::from_secs(5), draining).await;
            panic!(
                "the OIDC provider `node {script}` did not start ({read:?}, first line {line:?}); \
                 stderr:\n{}",
                String::from_utf8_lossy(&stderr.lock().unwrap())
            );
        };
        // The script prints nothing more, but a full pipe must never block it.
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut stdout, &mut tokio::io::sink()).await;
        });
        Some(OidcProvider {
            issuer,
            _child: child,
            _stdin: stdin,
            stderr,
            admin: client().build().unwrap(),
        })
    }

    /// Replaces the signing key by a new one with a new kid; the old key leaves the JWKS
    /// at once. Provider sessions may be lost.
    pub async fn rotate_keys(&self) {
        self.control("rotate", serde_json::json!({})).await;
    }

    /// Spoils the ID token of the next token endpoint response, as `t` says.
    pub async fn tamper_next_token(&self, t: Tamper) {
        self.control("tamper", serde_json::json!({ "mode": t.mode() }))
            .await;
    }

    /// Plays the person's browser at the provider: GETs `authorization_url` (Switchboard's
    /// redirect target, on the provider), submits the dev login form with `login` (any
    /// password), submits the consent form, and follows the provider's redirects with a
    /// cookie jar until one points outside the provider; returns that URL (the app's
    /// callback with `code`, `state`, `iss`, or with `error`) WITHOUT requesting it. Any
    /// other form of the provider (such as the self-submitting one that ends the previous
    /// session when another person signs in) is submitted as a browser would.
    ///
    /// Each call is a fresh browser (its own cookie jar): the person signs in at the
    /// provider every time, so consecutive calls can be different people.
    pub async fn log_in(&self, authorization_url: &str, login: &str) -> String {
        let browser = client().cookie_store(true).build().unwrap();
        let issuer = Url::parse(&self.issuer).unwrap();
        let mut url = Url::parse(authorization_url)
            .unwrap_or_else(|e| panic!("bad authorization URL {authorization_url:?}: {e}"));
        assert!(
            url.origin() == issuer.origin(),
            "the authorization URL {url} is not on the provider {issuer}"
        );
        let mut post: Option<Vec<(String, String)>> = None;
        let mut trail = Vec::new();
        for _ in 0..20 {
            let request = match post.take() {
                None => browser.get(url.clone()),
                Some(fields) => browser.post(url.clone()).form(&fields),
            };
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}{}", self.stderr_tail()));
            let status = response.status();
            trail.push(format!("{status} {url}"));
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or_else(|| panic!("{status} without Location at {url}"));
                url = url.join(location).unwrap();
                if url.origin() != issuer.origin() {
                    return url.into();
                }
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            let form = (status == StatusCode::OK)
                .then(|| Form::find(&body))
                .flatten()
                .unwrap_or_else(|| {
                    panic!(
                        "the provider answered {status} with no form; steps {trail:#?}\n{body}{}",
                        self.stderr_tail()
                    )
                });
            url = url.join(&form.action).unwrap();
            assert!(
                url.origin() == issuer.origin(),
                "a form posts to {url}, off the provider (response_mode=form_post is not \
                 supported); steps {trail:#?}"
            );
            post = Some(form.fill(login));
        }
        panic!("no way out of the provider after 20 steps: {trail:#?}");
    }

    /// POSTs a test control; the script answers 204.
    async fn control(&self, what: &str, body: serde_json::Value) {
        let url = format!("{}/__test/{what}", self.issuer);
        let response = self
            .admin
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}{}", self.stderr_tail()));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(
            status,
            StatusCode::NO_CONTENT,
            "{url}: {text}{}",
            self.stderr_tail()
        );
    }

    /// What the provider said on stderr, for a failure message.
    fn stderr_tail(&self) -> String {
        let kept = self.stderr.lock().unwrap();
        format!(
            "\n--- OIDC provider stderr ---\n{}",
            String::from_utf8_lossy(&kept)
        )
    }
}

/// Reads `from` to its end, keeping the last [`STDERR_KEPT`] bytes in `into`.
async fn keep_tail(mut from: impl tokio::io::AsyncRead + Unpin, into: Arc<Mutex<Vec<u8>>>) {
    let mut chunk = [0u8; 4096];
    while let Ok(n @ 1..) = from.read(&mut chunk).await {
        let mut kept = into.lock().unwrap();
        kept.extend_from_slice(&chunk[..n]);
        let excess = kept.len().saturating_sub(STDERR_KEPT);
        kept.drain(..excess);
    }
}

/// The first form of a provider page (the dev login or consent form, or a self-submitting
/// one), read just enough: its action and its named inputs.
#[derive(Debug)]
struct Form {
    action: String,
    /// Every named input: (name, type, value).
    inputs: Vec<(String, String, String)>,
}

impl Form {
    fn find(html: &str) -> Option<Form> {
        let start = html.find("<form")?;
        let html = &html[start..];
        let end = html.find("</form>").unwrap_or(html.len());
        let (open, body) = html[..end].split_at(html.find('>')? + 1);
        let inputs = body
            .split("<input")
            .skip(1)
            .filter_map(|rest| {
                let tag = &rest[..rest.find('>')?];
                let name = attr(tag, "name")?;
                Some((
                    name,
                    attr(tag, "type").unwrap_or_default(),
                    attr(tag, "value"),
                ))
            })
            .map(|(name, kind, value)| (name, kind, value.unwrap_or_default()))
            .collect();
        Some(Form {
            action: attr(open, "action")?,
            inputs,
        })
    }

    /// The fields to submit: hidden ones as they are, `login` and any password filled in.
    fn fill(&self, login: &str) -> Vec<(String, String)> {
        self.inputs
            .iter()
            .filter_map(|(name, kind, value)| {
                let value = match (name.as_str(), kind.as_str()) {
                    (_, "hidden") => value.clone(),
                    ("login", _) => login.to_owned(),
                    (_, "password") => "any password".to_owned(),
                    _ => return None,
                };
                Some((name.clone(), value))
            })
            .collect()
    }
}

/// The value of a double-quoted attribute in a tag, with HTML's escapes undone.
fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag
        .match_indices(&format!("{name}=\""))
        .map(|(i, _)| i)
        .find(|&i| i > 0 && tag.as_bytes()[i - 1].is_ascii_whitespace())?
        + name.len()
        + 2;
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

fn unescape(s: &str) -> String {
    [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#x2F;", "/"),
        ("&#47;", "/"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(s.to_owned(), |s, (from, to)| s.replace(from, to))
}

/// A connection "Okta" with the sign-in link `/sign-in/acme` to a provider that is never
/// contacted (for rules that need a connection but no sign-in), matching by verified email.
pub fn offline_connection(password_sign_in: bool) -> SsoConnectionInput {
    SsoConnectionInput {
        slug: "acme".into(),
        display_name: "Okta".into(),
        issuer: "https://acme.okta.example".into(),
        client_id: "0oa1".into(),
        claim: "email".into(),
        match_field: "email".into(),
        email_domains: "acme.example.com".into(),
        password_sign_in,
        ..SsoConnectionInput::default()
    }
}

/// An HTTP client for the provider: no proxy (everything is on loopback), redirects
/// followed by hand.
fn client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(Policy::none())
}

#[cfg(test)]
mod tests;
