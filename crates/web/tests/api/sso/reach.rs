//! An issuer an administrator names must not lead the server into its own machine or
//! network: unless the operator allows private providers, neither an address written out
//! nor a host name resolving to one is connected to — not by Test connection, not by the
//! sign-in link.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::Plan;
use switchboard_testkit::{Backend, TestApp};

use super::owner_api;
use crate::support::Server;

/// A loopback port that counts the connections made to it (and answers none).
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (port, count)
}

/// Saves Acme's connection to `issuer` and runs Test connection; the discovery check.
async fn discovery_check(owner: &crate::support::Client, issuer: &str) -> String {
    let body = json!({"slug": "acme", "display_name": "Acme ID", "issuer": issuer,
        "client_id": "x", "client_secret": "y", "claim": "email", "match_field": "email"});
    let r = owner.put("/api/v1/account/sso", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let t = owner.post("/api/v1/account/sso/test", &json!({})).await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
    assert_eq!(t.body["ok"], false, "{:?}", t.body);
    t.body["checks"][1]["detail"].as_str().unwrap().to_owned()
}

async fn providers_on_private_addresses_are_not_reached(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let s = Server::start(app.with_settings(|s| s.sso_private_providers = false)).await;
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let (port, connections) = counting_listener().await;

    let literal = discovery_check(&owner, &format!("http://127.0.0.1:{port}")).await;
    assert!(
        literal.contains("private network address (127.0.0.1)")
            && literal.contains("public addresses only"),
        "{literal}"
    );
    let named = discovery_check(&owner, &format!("https://localhost:{port}/tenant")).await;
    assert!(
        named.contains("localhost resolves to a private network address"),
        "{named}"
    );
    let landed = super::Browser::new(&s).open("/sign-in/acme", "none").await;
    let (status, page) = (landed.status, landed.page);
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{page}");
    // People signing in are told it cannot be reached, not where it is.
    assert!(
        page.contains("cannot be reached for single sign-on"),
        "{page}"
    );
    assert!(!page.contains("localhost"), "{page}");
    for issuer in [
        "https://[::1]:9/",
        "https://169.254.169.254",
        "https://10.0.0.1",
    ] {
        let detail = discovery_check(&owner, issuer).await;
        assert!(detail.contains("private network address"), "{detail}");
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0);

    // Where the operator allows private providers, the same issuer is connected to.
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let s = Server::start(app.with_settings(|s| s.sso_private_providers = true)).await;
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let detail = discovery_check(&owner, &format!("http://127.0.0.1:{port}")).await;
    assert!(!detail.contains("public addresses only"), "{detail}");
    assert!(connections.load(Ordering::SeqCst) >= 1, "{detail}");
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn providers_on_private_addresses_are_not_reached() {
        super::providers_on_private_addresses_are_not_reached(switchboard_testkit::Backend::Sqlite)
            .await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn providers_on_private_addresses_are_not_reached() {
        super::providers_on_private_addresses_are_not_reached(
            switchboard_testkit::Backend::Postgres,
        )
        .await;
    }
}
