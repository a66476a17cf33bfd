//! `switchboard sip domain` and `switchboard users sip-credentials`: the SIP domain shown
//! and set, a user's credentials issued (the password printed once), shown without the
//! password, rotated and revoked; refusals say why.

use serde_json::json;
use switchboard_domain::Plan;
use switchboard_testkit::{Backend, TestApp};

use crate::{line_value, run, stderr, stdout};

const DOMAIN: &str = "acme.sip.example.com";

async fn an_operator_sets_the_sip_domain_and_manages_a_users_credentials(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let priya = app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "extension": "204" }),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let account = acct.id.to_string();
    let cli = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--account", &account]);
        run(&app.db.url, dir.path(), &all)
    };

    let o = cli(&["sip", "domain"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("no SIP domain yet"), "{}", stdout(&o));
    // Nothing to issue under yet.
    let o = cli(&[
        "users",
        "sip-credentials",
        "priya@acme.example.com",
        "issue",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the account has no SIP domain yet"),
        "{}",
        stderr(&o)
    );
    let o = cli(&["sip", "domain", "--set", "not a domain"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("sip_domain"), "{}", stderr(&o));
    let o = cli(&["sip", "domain", "--set", DOMAIN]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), format!("SIP domain: {DOMAIN}"));
    let o = cli(&["sip", "domain"]);
    assert_eq!(stdout(&o).trim(), format!("SIP domain: {DOMAIN}"));

    // Issue by email: the password once, and it is what the proxy's digest is made of.
    let o = cli(&[
        "users",
        "sip-credentials",
        "PRIYA@acme.example.com",
        "issue",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(line_value(&out, "username:"), "204");
    assert_eq!(line_value(&out, "domain:"), DOMAIN);
    assert_eq!(line_value(&out, "registrar:"), DOMAIN);
    let password = line_value(&out, "password (shown once):");
    assert_eq!(password.len(), 24, "{out}");
    let state = app
        .sb
        .sip_credentials(&acct.owner_ctx, priya)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (state.username.as_str(), state.domain.as_str()),
        ("204", DOMAIN)
    );

    // Show, by id: never the password.
    let id = priya.to_string();
    let o = cli(&["users", "sip-credentials", &id, "show"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(line_value(&out, "username:"), "204");
    assert!(out.contains("issued:"), "{out}");
    assert!(!out.contains(&password), "{out}");

    // Issuing again rotates.
    let o = cli(&["users", "sip-credentials", &id, "issue"]);
    let out = stdout(&o);
    assert!(out.contains("rotated"), "{out}");
    assert_ne!(line_value(&out, "password (shown once):"), password);

    let o = cli(&["users", "sip-credentials", &id, "revoke"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("revoked"), "{}", stdout(&o));
    let o = cli(&["users", "sip-credentials", &id, "show"]);
    assert_eq!(stdout(&o).trim(), "no SIP credentials");
    let o = cli(&["users", "sip-credentials", &id, "revoke"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));

    // Nobody by that name; an action that is not one.
    let o = cli(&[
        "users",
        "sip-credentials",
        "nobody@acme.example.com",
        "show",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("there is no user with the email nobody@acme.example.com"),
        "{}",
        stderr(&o)
    );
    let o = cli(&["users", "sip-credentials", &id, "print"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("issue, revoke, show"), "{}", stderr(&o));
}

crate::on_both!(an_operator_sets_the_sip_domain_and_manages_a_users_credentials);
