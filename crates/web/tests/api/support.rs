//! The real HTTP server on a loopback port 0, over a fresh database per test, with a fake
//! clock and helpers to call the API as a given token or session.

use std::net::SocketAddr;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use switchboard_domain::{Plan, RoleRef};
use switchboard_service::Ctx;
use switchboard_testkit::{TestAccount, TestApp};
use switchboard_web::AppState;

/// A running server and the app under it.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The service and database the server uses (to arrange state directly).
    pub app: TestApp,
    /// The state the server runs with (its setup gate).
    pub state: AppState,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the app over `state` on a loopback port: its base URL and the serving task.
async fn serve(state: AppState) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = switchboard_web::app(state);
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (format!("http://{addr}"), task)
}

/// Another server process on the same database: its own pool and its own service (with
/// whatever it keeps in memory), as a second `switchboard serve` would be; same clock.
pub struct OtherProcess {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OtherProcess {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl OtherProcess {
    /// A client of this process with no credentials.
    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: None,
        }
    }

    /// A client of this process calling with `Authorization: Bearer token`.
    pub fn as_token(&self, token: &str) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: Some(token.to_owned()),
        }
    }
}

/// An answer: status, headers and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The problem `code` of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Server {
    /// Starts the server over a fresh `app`.
    pub async fn start(app: TestApp) -> Self {
        Self::start_with(app, |_| {}).await
    }

    /// Starts the server over a fresh `app`, with its state adjusted by `adjust` first.
    pub async fn start_with(app: TestApp, adjust: impl FnOnce(&mut AppState)) -> Self {
        let mut state = AppState::new(app.sb.clone());
        adjust(&mut state);
        let (base, task) = serve(state.clone()).await;
        Self {
            base,
            app,
            state,
            task,
        }
    }

    /// Starts another server process on this server's database ([`OtherProcess`]).
    pub async fn other_process(&self) -> OtherProcess {
        let sb = self.app.service_at(&self.app.db.url).await;
        let (base, task) = serve(AppState::new(sb)).await;
        OtherProcess { base, task }
    }

    /// An account whose owner is an active Administrator.
    pub async fn account(&self, name: &str, plan: Plan, seats: u32) -> TestAccount {
        self.app.account(name, plan, seats).await
    }

    /// A new API token acting as `ctx`'s user (or unbound for the CLI context) with `role`.
    pub async fn token(&self, ctx: &Ctx, role: &str) -> String {
        let (_, secret) = self
            .app
            .sb
            .create_api_token(
                ctx,
                &format!("test {role}"),
                "api",
                Some(RoleRef::parse(role)),
                None,
            )
            .await
            .unwrap();
        secret
    }

    /// A client calling with `Authorization: Bearer token`.
    pub fn as_token(&self, token: &str) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: Some(token.to_owned()),
        }
    }

    /// A client holding a new SCIM token of the account (made by the operator).
    pub async fn scim(&self, acct: &TestAccount) -> Client {
        let (_, secret) = self
            .app
            .sb
            .create_api_token(&acct.system, "Identity provider", "scim", None, None)
            .await
            .unwrap();
        assert!(secret.starts_with("sbs_"));
        self.as_token(&secret)
    }

    /// A client with no credentials.
    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::new(),
            token: None,
        }
    }
}

impl Server {
    /// A client that keeps cookies, as a browser does (no token).
    pub fn browser(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            token: None,
        }
    }

    /// A cookie-keeping client whose connections come from `ip` (any 127.0.0.0/8 address:
    /// another person on another machine, as the server sees it).
    pub fn browser_from(&self, ip: &str) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .local_address(ip.parse::<std::net::IpAddr>().unwrap())
                .build()
                .unwrap(),
            token: None,
        }
    }

    /// Signs in through `POST /api/v1/sessions` with a cookie-keeping client; returns it
    /// and the answer (its `csrf_token` is in the body).
    pub async fn sign_in(&self, email: &str, password: &str) -> (Client, Reply) {
        self.sign_in_with(self.browser(), email, password).await
    }

    /// [`Self::sign_in`] with a given client.
    pub async fn sign_in_with(
        &self,
        browser: Client,
        email: &str,
        password: &str,
    ) -> (Client, Reply) {
        let r = browser
            .post(
                "/api/v1/sessions",
                &serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        (browser, r)
    }
}

/// Calls the API with fixed credentials.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
}

impl Client {
    /// Sends a request with an optional JSON body and extra headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends a SCIM request (`application/scim+json`) under `/scim/v2`.
    pub async fn scim(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut all = vec![("content-type", "application/scim+json")];
        all.extend_from_slice(headers);
        let mut req = self
            .http
            .request(method, format!("{}/scim/v2{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in all {
            req = req.header(k, v);
        }
        if let Some(b) = body {
            req = req.body(serde_json::to_vec(b).unwrap());
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Posts an HTML form; answers the status, headers and page text (redirects followed
    /// only when the client follows them).
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut req = self.http.post(format!("{}{path}", self.base)).form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        (status, headers, res.text().await.unwrap())
    }

    /// Gets a page as text.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }
}

/// Runs each listed `async fn(Server)` test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = switchboard_testkit::TestApp::new(switchboard_testkit::Backend::Sqlite).await {
                        super::$name($crate::support::Server::start(app).await).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = switchboard_testkit::TestApp::new(switchboard_testkit::Backend::Postgres).await {
                        super::$name($crate::support::Server::start(app).await).await;
                    }
                }
            )*
        }
    };
}
