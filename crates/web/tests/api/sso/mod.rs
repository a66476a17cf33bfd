//! Single sign-on against a real OpenID provider (oidc-provider, started per test on a
//! loopback port): the whole authorization code flow with PKCE, the ID token checks, R16's
//! refusals, just-in-time users, and the connection's REST settings. Skipped when
//! `SWITCHBOARD_TEST_OIDC_PROVIDER` is not set (scripts/test sets it).

mod flow;
mod reach;
mod settings;
mod tokens;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use switchboard_domain::{AuditFilter, Plan};
use switchboard_testkit::TestAccount;
use switchboard_testkit::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider};

pub use crate::users::owner_api;

use crate::support::Server;

/// A server, its account "Acme" with an SSO connection to a live provider.
pub struct Sso {
    pub s: Server,
    pub idp: OidcProvider,
    pub acct: TestAccount,
}

/// What the connection's settings start as.
pub fn connection(idp: &OidcProvider) -> Value {
    json!({
        "slug": "acme",
        "display_name": "Acme ID",
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "claim": "email",
        "match_field": "email",
        "email_domains": ["acme.example.com"],
    })
}

/// Starts a provider for `s` and sets up Acme's connection with `changes` over
/// [`connection`]; `None` when the provider is not available.
pub async fn set_up(s: Server, plan: Plan, seats: u32, changes: Value) -> Option<Sso> {
    let idp = OidcProvider::start(&s.app.sb.settings().public_url).await?;
    // ID tokens carry real times: the service's clock must agree with the provider's.
    s.app.clock.set(jiff::Timestamp::now());
    let acct = s.account("Acme", plan, seats).await;
    let mut body = connection(&idp);
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = owner_api(&s, &acct)
        .await
        .put("/api/v1/account/sso", &body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    Some(Sso { s, idp, acct })
}

/// A browser on Switchboard's side: keeps cookies, follows no redirect.
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
}

/// How a sign-in ended, as the browser saw it.
pub struct Landed {
    pub status: StatusCode,
    pub location: Option<String>,
    pub page: String,
}

impl Browser {
    pub fn new(s: &Server) -> Self {
        Self {
            base: s.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
    }

    pub async fn get(&self, path_and_query: &str) -> Landed {
        let url = format!("{}{path_and_query}", self.base);
        Landed::from(self.http.get(url).send().await.unwrap()).await
    }

    /// Opens `path` as a browser does, saying in `Sec-Fetch-Site` where the navigation
    /// came from (`none`: typed or bookmarked; `cross-site`: a link on another site).
    pub async fn open(&self, path: &str, from_site: &str) -> Landed {
        let url = format!("{}{path}", self.base);
        let r = self.http.get(url).header("sec-fetch-site", from_site);
        Landed::from(r.send().await.unwrap()).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Landed {
        let url = format!("{}{path}", self.base);
        Landed::from(self.http.post(url).form(form).send().await.unwrap()).await
    }

    /// Opens `/sign-in/acme` from a bookmark: the provider's authorization URL it
    /// redirects to.
    pub async fn start(&self) -> String {
        let r = self.open("/sign-in/acme", "none").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.page);
        r.location.unwrap()
    }

    /// Brings the provider's answer back to Switchboard's callback.
    pub async fn callback(&self, provider_redirect: &str) -> Landed {
        let at = provider_redirect
            .find("/sso/callback")
            .unwrap_or_else(|| panic!("not a callback: {provider_redirect}"));
        self.get(&provider_redirect[at..]).await
    }

    /// The whole sign-in as `login` at the provider.
    pub async fn sign_in(&self, idp: &OidcProvider, login: &str) -> Landed {
        let auth = self.start().await;
        let back = idp.log_in(&auth, login).await;
        self.callback(&back).await
    }

    /// The session as `GET /api/v1/session` tells it, if signed in.
    async fn session(&self) -> Option<Value> {
        let r = self
            .http
            .get(format!("{}/api/v1/session", self.base))
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::OK {
            return None;
        }
        Some(r.json().await.unwrap())
    }

    /// The session's CSRF token.
    pub async fn csrf(&self) -> String {
        let v = self.session().await.unwrap();
        v["csrf_token"].as_str().unwrap().to_owned()
    }

    /// Who the session belongs to (email), if signed in.
    pub async fn who(&self) -> Option<String> {
        let v = self.session().await?;
        v["user"]["email"].as_str().map(str::to_owned)
    }
}

impl Landed {
    pub async fn from(r: reqwest::Response) -> Self {
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        Self {
            status,
            location,
            page: r.text().await.unwrap(),
        }
    }

    /// Where a page that moves on by itself (after a form post) sends the browser.
    pub fn moves_on_to(&self) -> Option<String> {
        let at = self.page.find("http-equiv=\"refresh\" content=\"0;url=")?;
        let rest = &self.page[at + "http-equiv=\"refresh\" content=\"0;url=".len()..];
        let url = &rest[..rest.find('"')?];
        Some(
            url.replace("&amp;", "&")
                .replace("&#38;", "&")
                .replace("&#x3d;", "=")
                .replace("&#61;", "="),
        )
    }
}

/// Asserts a sign-in landed on the dashboard, signed in as `email`.
pub async fn assert_signed_in(b: &Browser, landed: &Landed, email: &str) {
    assert_eq!(landed.status, StatusCode::SEE_OTHER, "{}", landed.page);
    assert_eq!(landed.location.as_deref(), Some("/"));
    assert_eq!(b.who().await.as_deref(), Some(email));
}

/// Asserts a sign-in was refused with a page saying `words`, and no session.
pub async fn assert_refused(b: &Browser, landed: &Landed, words: &str) {
    assert_eq!(landed.status, StatusCode::FORBIDDEN, "{}", landed.page);
    assert!(
        landed.page.contains(words),
        "{words:?} not in {}",
        landed.page
    );
    assert_eq!(b.who().await, None);
}

/// The account's audit events with this action, oldest first: their `after` values.
pub async fn audited(sso: &Sso, action: &str) -> Vec<Value> {
    let filter = AuditFilter {
        action: Some(action.to_owned()),
        ..AuditFilter::default()
    };
    sso.s
        .app
        .sb
        .list_audit_events(&sso.acct.owner_ctx, &filter, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let mut v: Value = e
                .event
                .after
                .as_deref()
                .map(|a| serde_json::from_str(a).unwrap())
                .unwrap_or(Value::Null);
            v["actor_name"] = json!(e.event.actor_name);
            v["target_name"] = json!(e.event.target_name);
            v
        })
        .collect()
}
