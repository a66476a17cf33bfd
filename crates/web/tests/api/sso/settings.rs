//! `/api/v1/account/sso`: administrators set the connection, the secret is never read
//! back, Test connection says what is wrong in words, other accounts see nothing.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::Plan;

use super::{audited, connection, owner_api, set_up};
use crate::support::Server;
use crate::users::{api_as, user};

async fn administrators_set_and_test_the_connection_and_never_read_the_secret(s: Server) {
    let Some(sso) = set_up(s, Plan::Pro, 5, json!({})).await else {
        return;
    };
    let s = &sso.s;
    let owner = owner_api(s, &sso.acct).await;
    let r = owner.get("/api/v1/account/sso").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["issuer"], sso.idp.issuer.as_str());
    assert_eq!(
        r.body["redirect_uri"],
        format!("{}/sso/callback/acme", s.app.sb.settings().public_url)
    );
    assert!(
        r.body["sign_in_url"]
            .as_str()
            .unwrap()
            .ends_with("/sign-in/acme")
    );
    assert!(r.body.get("client_secret").is_none(), "{:?}", r.body);
    assert!(
        !r.body
            .to_string()
            .contains(switchboard_testkit::oidc::CLIENT_SECRET)
    );

    let t = owner.post("/api/v1/account/sso/test", &json!({})).await;
    assert_eq!(t.status, StatusCode::OK, "{:?}", t.body);
    assert_eq!(t.body["ok"], true, "{:?}", t.body);
    assert_eq!(t.body["checks"].as_array().unwrap().len(), 3);

    // A change keeps the saved secret when none is sent — but not for another issuer: the
    // secret goes only to the provider it was entered for.
    let mut body = connection(&sso.idp);
    body.as_object_mut().unwrap().remove("client_secret");
    body["display_name"] = json!("Acme Login");
    assert_eq!(
        owner.put("/api/v1/account/sso", &body).await.status,
        StatusCode::OK
    );
    body["issuer"] = json!("http://127.0.0.1:9/nothing-here");
    let r = owner.put("/api/v1/account/sso", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "client_secret");
    body["client_secret"] = json!("another-secret");
    let r = owner.put("/api/v1/account/sso", &body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let t = owner.post("/api/v1/account/sso/test", &json!({})).await;
    assert_eq!(t.body["ok"], false);
    let failed = &t.body["checks"][1];
    assert_eq!(failed["ok"], false);
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("could not fetch"),
        "{failed}"
    );
    let tested = audited(&sso, "sso.connection_tested").await;
    assert_eq!(tested.len(), 2);
    assert_eq!(tested[1]["ok"], false);
    assert_eq!(audited(&sso, "sso.connection_created").await.len(), 1);
    assert_eq!(audited(&sso, "sso.connection_changed").await.len(), 2);
}

async fn bad_settings_are_named_field_by_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = owner_api(&s, &acct).await;
    let r = owner.get("/api/v1/account/sso").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = owner
        .put(
            "/api/v1/account/sso",
            &json!({"slug": "a", "display_name": "", "issuer": "http://idp.example", "client_id": "x",
                    "claim": "sub", "match_field": "email"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "slug",
        "display_name",
        "issuer",
        "match_field",
        "client_secret",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
}

async fn only_the_owner_changes_the_connection_and_other_accounts_see_nothing(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let other = s.account("Globex", Plan::Pro, 5).await;
    let mut body = json!({"slug": "acme", "display_name": "Okta", "issuer": "https://acme.okta.example",
        "client_id": "x", "client_secret": "y", "claim": "email", "match_field": "email",
        "email_domains": ["acme.example.com"]});
    let owner = owner_api(&s, &acct).await;
    // An administrator who is not the owner sees the connection but cannot change it:
    // whoever chooses the provider decides who may sign in as anyone, the owner included.
    let ada = user(
        &s,
        &acct,
        json!({"name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true,
               "role": "Administrator"}),
    )
    .await;
    let admin = api_as(&s, &acct, ada, "Administrator").await;
    let r = admin.put("/api/v1/account/sso", &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(
        owner.put("/api/v1/account/sso", &body).await.status,
        StatusCode::OK
    );
    assert_eq!(
        admin.get("/api/v1/account/sso").await.status,
        StatusCode::OK
    );
    assert_eq!(
        admin.delete("/api/v1/account/sso").await.status,
        StatusCode::FORBIDDEN
    );
    let manager = s.as_token(&s.token(&acct.owner_ctx, "Manager").await);
    assert_eq!(
        manager.get("/api/v1/account/sso").await.status,
        StatusCode::FORBIDDEN
    );

    // Another account sees none, and can take neither the sign-in link nor the domains.
    let globex = owner_api(&s, &other).await;
    assert_eq!(
        globex.get("/api/v1/account/sso").await.status,
        StatusCode::NOT_FOUND
    );
    let r = globex.put("/api/v1/account/sso", &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "slug");
    body["slug"] = json!("globex");
    let r = globex.put("/api/v1/account/sso", &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "email_domains");
    body["email_domains"] = json!(["globex.example.com"]);
    assert_eq!(
        globex.put("/api/v1/account/sso", &body).await.status,
        StatusCode::OK
    );
    assert_eq!(
        owner.delete("/api/v1/account/sso").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        owner.get("/api/v1/account/sso").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        globex.get("/api/v1/account/sso").await.status,
        StatusCode::OK
    );
}

crate::on_both!(
    administrators_set_and_test_the_connection_and_never_read_the_secret,
    bad_settings_are_named_field_by_field,
    only_the_owner_changes_the_connection_and_other_accounts_see_nothing,
);
