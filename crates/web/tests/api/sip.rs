//! SIP phones (R17): the account's SIP domain, users' SIP credentials (digests right,
//! rotation, revocation, who may issue them) and the SIP proxy's REGISTER lookup (what R17
//! refuses, and that its token may do nothing else and sees only its own account).

use md5::Md5;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use switchboard_domain::{Plan, UserId};
use switchboard_testkit::TestAccount;

use crate::support::{Client, Reply, Server};
use crate::users::{api_as, assert_problem, at, department, owner_api, user};

const DOMAIN: &str = "acme.sip.example.com";

/// An account with its SIP domain set, its owner's client, and a SIP proxy token.
async fn sip_account(s: &Server, name: &str, domain: &str) -> (TestAccount, Client, Client) {
    let acct = s.account(name, Plan::Pro, 20).await;
    let admin = owner_api(s, &acct).await;
    let r = admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": domain }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let proxy = proxy_token(s, &admin).await;
    (acct, admin, proxy)
}

/// A token that only serves the SIP proxy, made over the API by an Administrator.
async fn proxy_token(s: &Server, admin: &Client) -> Client {
    let r = admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "Kamailio", "scopes": ["sip:proxy"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["api_token"]["scopes"], json!(["sip:proxy"]));
    s.as_token(r.body["secret"].as_str().unwrap())
}

/// A call-only user (active, receive calls on) at `extension`.
async fn phone_user(s: &Server, acct: &TestAccount, extension: &str) -> UserId {
    user(
        s,
        acct,
        json!({ "name": format!("Agent {extension}"), "mobile": format!("+91987654{extension:0>4}"), "extension": extension }),
    )
    .await
}

fn creds(id: UserId) -> String {
    format!("{}/sip-credentials", at(id))
}

async fn issue(admin: &Client, id: UserId) -> Value {
    let r = admin.post(&creds(id), &json!({})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

async fn lookup(proxy: &Client, username: &str, domain: &str) -> Reply {
    proxy
        .get(&format!(
            "/api/v1/sip/credentials?username={username}&domain={domain}"
        ))
        .await
}

fn expected(username: &str, password: &str) -> (String, String) {
    let input = format!("{username}:{DOMAIN}:{password}");
    (
        hex::encode(Md5::digest(&input)),
        hex::encode(Sha256::digest(&input)),
    )
}

async fn issued_credentials_register_with_the_digests_of_the_password_shown_once(s: Server) {
    let (acct, admin, proxy) = sip_account(&s, "Acme", DOMAIN).await;
    let agent = phone_user(&s, &acct, "204").await;
    let before = admin.get(&creds(agent)).await;
    assert_eq!(before.body["issued"], json!(false), "{:?}", before.body);

    let issued = issue(&admin, agent).await;
    assert_eq!(issued["username"], "204");
    assert_eq!(issued["domain"], DOMAIN);
    assert_eq!(issued["rotated"], false);
    let password = issued["password"].as_str().unwrap();
    assert!(password.len() >= 20, "{password}");

    let r = lookup(&proxy, "204", DOMAIN).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let (md5, sha256) = expected("204", password);
    assert_eq!(
        r.body,
        json!({ "username": "204", "domain": DOMAIN, "ha1": md5, "ha1_sha256": sha256 })
    );

    // The state says when, never the password nor its digests.
    let state = admin.get(&creds(agent)).await;
    assert_eq!(state.body["issued"], true);
    assert_eq!(state.body["username"], "204");
    assert!(state.body["issued_at"].is_string());
    let text = state.body.to_string();
    assert!(!text.contains(password) && !text.contains(&md5), "{text}");

    // Audited, without the password.
    let audit = admin.get("/api/v1/audit-events?limit=50").await;
    let log = audit.body.to_string();
    assert!(log.contains("sip_credentials.issued"), "{log}");
    assert!(log.contains("sip_domain.set"), "{log}");
    assert!(!log.contains(password) && !log.contains(&md5), "{log}");
}

async fn rotating_replaces_the_digests_and_revoking_makes_the_lookup_not_found(s: Server) {
    let (acct, admin, proxy) = sip_account(&s, "Acme", DOMAIN).await;
    let agent = phone_user(&s, &acct, "204").await;
    let first = issue(&admin, agent).await;
    let old = lookup(&proxy, "204", DOMAIN).await.body;

    let second = issue(&admin, agent).await;
    assert_eq!(second["rotated"], true);
    assert_ne!(first["password"], second["password"]);
    let now = lookup(&proxy, "204", DOMAIN).await;
    assert_eq!(now.status, 200);
    let (md5, sha256) = expected("204", second["password"].as_str().unwrap());
    assert_eq!(
        (now.body["ha1"].as_str(), now.body["ha1_sha256"].as_str()),
        (Some(md5.as_str()), Some(sha256.as_str()))
    );
    assert_ne!(now.body["ha1"], old["ha1"]);
    assert_ne!(now.body["ha1_sha256"], old["ha1_sha256"]);

    let r = admin.delete(&creds(agent)).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_problem(&lookup(&proxy, "204", DOMAIN).await, 404, "not_found", None);
    assert_eq!(admin.get(&creds(agent)).await.body["issued"], false);
    assert_problem(&admin.delete(&creds(agent)).await, 404, "not_found", None);
    let log = admin
        .get("/api/v1/audit-events?limit=50")
        .await
        .body
        .to_string();
    assert!(log.contains("sip_credentials.rotated"), "{log}");
    assert!(log.contains("sip_credentials.revoked"), "{log}");
}

#[track_caller]
fn assert_refused(r: &Reply, reason: &str) {
    assert_problem(r, 403, "registration_refused", None);
    assert_eq!(r.body["reason"], reason, "{:?}", r.body);
}

async fn r17_refuses_inactive_pending_and_call_less_users_and_a_deleted_user_is_not_found(
    s: Server,
) {
    let (acct, admin, proxy) = sip_account(&s, "Acme", DOMAIN).await;
    let (a, b, c) = (
        phone_user(&s, &acct, "201").await,
        phone_user(&s, &acct, "202").await,
        phone_user(&s, &acct, "203").await,
    );
    let pending = admin
        .post(
            "/api/v1/users",
            &json!({ "name": "New Starter", "email": "new@acme.example.com", "panel_access": true, "extension": "205" }),
        )
        .await;
    let pending = &pending.body["user"];
    assert_eq!(pending["status"], "pending_invite", "{pending:?}");
    let pending: UserId = pending["id"].as_str().unwrap().parse().unwrap();
    for u in [a, b, c, pending] {
        issue(&admin, u).await;
    }

    let r = admin
        .post(&format!("{}/deactivate", at(a)), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_refused(&lookup(&proxy, "201", DOMAIN).await, "inactive");
    let r = admin
        .patch(&at(b), &json!({ "receive_calls": false }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_refused(&lookup(&proxy, "202", DOMAIN).await, "receive_calls_off");
    assert_refused(&lookup(&proxy, "205", DOMAIN).await, "pending_invite");

    // Back on: registers again.
    admin.patch(&at(b), &json!({ "receive_calls": true })).await;
    assert_eq!(lookup(&proxy, "202", DOMAIN).await.status, 200);

    let r = admin.delete(&at(c)).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_problem(&lookup(&proxy, "203", DOMAIN).await, 404, "not_found", None);
    // Nobody at all, or not an extension.
    assert_problem(&lookup(&proxy, "299", DOMAIN).await, 404, "not_found", None);
    assert_problem(&lookup(&proxy, "abc", DOMAIN).await, 404, "not_found", None);
}

async fn a_new_extension_revokes_the_credentials_of_the_old_one(s: Server) {
    let (acct, admin, proxy) = sip_account(&s, "Acme", DOMAIN).await;
    let agent = phone_user(&s, &acct, "204").await;
    issue(&admin, agent).await;
    let r = admin
        .patch(&at(agent), &json!({ "extension": "207" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_problem(&lookup(&proxy, "204", DOMAIN).await, 404, "not_found", None);
    assert_problem(&lookup(&proxy, "207", DOMAIN).await, 404, "not_found", None);
    assert_eq!(admin.get(&creds(agent)).await.body["issued"], false);
    // Issued again, they name the new extension.
    assert_eq!(issue(&admin, agent).await["username"], "207");
    assert_eq!(lookup(&proxy, "207", DOMAIN).await.status, 200);
}

async fn the_proxy_token_may_do_nothing_else_and_others_may_not_look_up(s: Server) {
    let (acct, admin, proxy) = sip_account(&s, "Acme", DOMAIN).await;
    let agent = phone_user(&s, &acct, "204").await;
    issue(&admin, agent).await;
    assert_problem(&proxy.get("/api/v1/users").await, 403, "forbidden", None);
    assert_problem(
        &proxy.get("/api/v1/account/sip-domain").await,
        403,
        "forbidden",
        None,
    );
    assert_problem(
        &proxy.post(&creds(agent), &json!({})).await,
        403,
        "forbidden",
        None,
    );
    // An Administrator's REST API token is not the proxy's.
    assert_problem(&lookup(&admin, "204", DOMAIN).await, 403, "forbidden", None);

    // The scope stands alone, and only Administrators hand it out.
    let r = admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "both", "role": "Administrator", "scopes": ["api", "sip:proxy"] }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("scopes"));
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
    )
    .await;
    let manager = api_as(&s, &acct, mia, "Manager").await;
    let r = manager
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "mine", "scopes": ["sip:proxy"] }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
}

async fn a_proxy_token_sees_only_its_own_accounts_domain(s: Server) {
    let (acct, admin, _) = sip_account(&s, "Acme", DOMAIN).await;
    let agent = phone_user(&s, &acct, "204").await;
    issue(&admin, agent).await;
    let (other, _, other_proxy) = sip_account(&s, "Globex", "globex.sip.example.com").await;
    phone_user(&s, &other, "204").await;
    assert_problem(
        &lookup(&other_proxy, "204", DOMAIN).await,
        404,
        "not_found",
        None,
    );
    // Nor does another account's user id answer.
    let other_admin = owner_api(&s, &other).await;
    assert_problem(
        &other_admin.post(&creds(agent), &json!({})).await,
        404,
        "not_found",
        None,
    );
    assert_problem(
        &other_admin.get(&creds(agent)).await,
        404,
        "not_found",
        None,
    );
}

async fn the_sip_domain_is_validated_unique_across_accounts_and_an_administrators(s: Server) {
    let (acct, admin, _) = sip_account(&s, "Acme", DOMAIN).await;
    let got = admin.get("/api/v1/account/sip-domain").await;
    assert_eq!(got.body, json!({ "sip_domain": DOMAIN }));
    let r = admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": "not a domain" }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("sip_domain"));

    let other = s.account("Globex", Plan::Pro, 5).await;
    let other_admin = owner_api(&s, &other).await;
    let r = other_admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": "ACME.sip.example.com" }),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "sip_domain", "{:?}", r.body);

    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
    )
    .await;
    let manager = api_as(&s, &acct, mia, "Manager").await;
    let r = manager
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": "mia.example.com" }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);

    // A new domain is a new realm: credentials issued under the old one are revoked.
    let agent = phone_user(&s, &acct, "204").await;
    issue(&admin, agent).await;
    let r = admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": "voice.acme.example.com" }),
        )
        .await;
    assert_eq!(r.body["credentials_revoked"], 1, "{:?}", r.body);
    assert_eq!(admin.get(&creds(agent)).await.body["issued"], false);
}

async fn credentials_are_issued_by_whoever_may_edit_the_user_and_need_a_domain(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 20).await;
    let admin = owner_api(&s, &acct).await;
    let agent = phone_user(&s, &acct, "204").await;
    assert_problem(
        &admin.post(&creds(agent), &json!({})).await,
        409,
        "invalid_state",
        None,
    );
    admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": DOMAIN }),
        )
        .await;

    let person = |name: &str, email: &str, role: &str| json!({ "name": name, "email": email, "panel_access": true, "role": role });
    let mia = user(
        &s,
        &acct,
        person("Mia Manager", "mia@acme.example.com", "Manager"),
    )
    .await;
    let ada = user(
        &s,
        &acct,
        person("Ada Admin", "ada@acme.example.com", "Administrator"),
    )
    .await;
    let basil = user(
        &s,
        &acct,
        person("Basil Basic", "basil@acme.example.com", "Basic"),
    )
    .await;
    department(
        &s,
        &acct.owner_ctx,
        "Support",
        vec![agent, ada, basil],
        vec![mia],
    )
    .await;
    let manager = api_as(&s, &acct, mia, "Manager").await;
    let basic = api_as(&s, &acct, basil, "Basic").await;

    // R15: a Manager never acts on an Administrator, even in their department.
    assert_problem(
        &manager.post(&creds(ada), &json!({})).await,
        403,
        "forbidden",
        None,
    );
    assert_problem(&manager.delete(&creds(ada)).await, 403, "forbidden", None);
    assert_eq!(manager.post(&creds(agent), &json!({})).await.status, 201);
    // A Basic user acts on their own profile only.
    assert_problem(
        &basic.post(&creds(agent), &json!({})).await,
        403,
        "forbidden",
        None,
    );
    assert_problem(&basic.get(&creds(agent)).await, 403, "forbidden", None);
    assert_eq!(basic.post(&creds(basil), &json!({})).await.status, 201);
}

crate::on_both!(
    issued_credentials_register_with_the_digests_of_the_password_shown_once,
    rotating_replaces_the_digests_and_revoking_makes_the_lookup_not_found,
    r17_refuses_inactive_pending_and_call_less_users_and_a_deleted_user_is_not_found,
    a_new_extension_revokes_the_credentials_of_the_old_one,
    the_proxy_token_may_do_nothing_else_and_others_may_not_look_up,
    a_proxy_token_sees_only_its_own_accounts_domain,
    the_sip_domain_is_validated_unique_across_accounts_and_an_administrators,
    credentials_are_issued_by_whoever_may_edit_the_user_and_need_a_domain,
);
