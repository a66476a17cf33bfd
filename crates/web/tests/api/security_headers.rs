//! Security headers: every answer says `nosniff`, keeps the referrer on the site and
//! forbids framing (a content security policy); HSTS only with an https public URL.

use reqwest::Method;
use switchboard_domain::Plan;

use crate::support::Server;

async fn every_answer_carries_the_security_headers(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let anonymous = s.anonymous();
    let answers = [
        (
            "json",
            api.send(Method::GET, "/api/v1/users", None, &[]).await,
        ),
        (
            "problem",
            anonymous
                .send(Method::GET, "/api/v1/users", None, &[])
                .await,
        ),
        (
            "health",
            anonymous.send(Method::GET, "/healthz", None, &[]).await,
        ),
        (
            "reference",
            anonymous.send(Method::GET, "/api/v1/docs", None, &[]).await,
        ),
        (
            "404 page",
            anonymous
                .send(Method::GET, "/no/such/page", None, &[])
                .await,
        ),
        (
            "sign-in",
            anonymous.send(Method::GET, "/sign-in", None, &[]).await,
        ),
        (
            "stylesheet",
            anonymous
                .send(Method::GET, "/static/style.css", None, &[])
                .await,
        ),
        (
            "htmx",
            anonymous
                .send(Method::GET, "/static/htmx.min.js", None, &[])
                .await,
        ),
    ];
    for (what, r) in &answers {
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{what}");
        assert!(
            r.header("strict-transport-security").is_none(),
            "{what}: no HSTS over plain http"
        );
        let csp = r.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    }
    let html: Vec<&str> = answers
        .iter()
        .filter(|(_, r)| {
            r.header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        })
        .map(|(w, _)| *w)
        .collect();
    assert!(
        ["reference", "sign-in"].iter().all(|w| html.contains(w)),
        "{html:?}"
    );
    let css = &answers[6].1;
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    let js = &answers[7].1;
    assert!(js.header("content-type").unwrap().contains("javascript"));
}

async fn an_https_public_url_adds_strict_transport_security(app: switchboard_testkit::TestApp) {
    let s = Server::start_with(app, |state| state.secure_cookies = true).await;
    let r = s.anonymous().send(Method::GET, "/healthz", None, &[]).await;
    let hsts = r.header("strict-transport-security").unwrap_or("");
    assert!(hsts.starts_with("max-age=31536000"), "{hsts}");
}

crate::on_both!(every_answer_carries_the_security_headers);

mod https {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_https_public_url_adds_strict_transport_security() {
        if let Some(app) =
            switchboard_testkit::TestApp::new(switchboard_testkit::Backend::Sqlite).await
        {
            super::an_https_public_url_adds_strict_transport_security(app).await;
        }
    }
}
