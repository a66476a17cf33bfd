//! `/api/v1/api-tokens`: the secret appears once, in the 201 answer; lists never show it;
//! revoking ends the token on its very next request; tenant isolation; each default role.

use serde_json::json;
use switchboard_domain::Plan;

use crate::support::Server;
use crate::users::{assert_problem, owner_api};

async fn a_token_is_shown_once_works_and_fails_right_after_revocation(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let r = api
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": " CRM sync ", "role": "Manager" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("sbt_") && secret.len() > 30, "{secret}");
    let token = &r.body["api_token"];
    let id = token["id"].as_str().unwrap().to_owned();
    assert_eq!(token["name"], "CRM sync");
    assert_eq!(token["kind"], "api");
    assert_eq!(token["role"]["name"], "Manager");
    assert_eq!(token["user_id"], acct.owner.to_string());
    assert_eq!(token["revoked_at"], json!(null));

    let r = api.get("/api/v1/api-tokens").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(!r.body.to_string().contains(&secret));
    assert!(!r.body.to_string().contains(&secret[4..]));
    let listed = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["name"], "CRM sync");
    assert!(listed.get("secret").is_none());

    // The new token works, within its role: a Manager reads users but not the log.
    let crm = s.as_token(&secret);
    assert_eq!(crm.get("/api/v1/users").await.status, 200);
    assert_problem(
        &crm.get("/api/v1/audit-events").await,
        403,
        "forbidden",
        None,
    );

    let r = api.delete(&format!("/api/v1/api-tokens/{id}")).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_problem(&crm.get("/api/v1/users").await, 401, "unauthorized", None);
    let r = api.get("/api/v1/api-tokens").await;
    let revoked = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    // Revoking again changes nothing; an unknown id is 404.
    assert_eq!(
        api.delete(&format!("/api/v1/api-tokens/{id}")).await.status,
        204
    );
    assert_problem(
        &api.delete("/api/v1/api-tokens/0190b3c4-0000-7000-8000-000000000000")
            .await,
        404,
        "not_found",
        None,
    );
    assert_problem(
        &api.delete("/api/v1/api-tokens/nope").await,
        404,
        "not_found",
        None,
    );

    // The creation and the revocation are in the audit log, without the secret.
    let r = api.get(&format!("/api/v1/audit-events?target={id}")).await;
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["api_token.revoked", "api_token.created"]);
    assert!(!r.body.to_string().contains(&secret));
}

async fn a_token_revoking_itself_fails_on_its_next_request(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let r = api
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "short-lived", "role": "Administrator" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let me = s.as_token(r.body["secret"].as_str().unwrap());
    let id = r.body["api_token"]["id"].as_str().unwrap();
    assert_eq!(
        me.delete(&format!("/api/v1/api-tokens/{id}")).await.status,
        204
    );
    assert_problem(
        &me.get("/api/v1/api-tokens").await,
        401,
        "unauthorized",
        None,
    );
}

async fn bad_token_input_is_refused_naming_the_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    for (body, field) in [
        (json!({ "name": "", "role": "Basic" }), "name"),
        (json!({ "name": "   ", "role": "Basic" }), "name"),
        (json!({ "name": "x".repeat(101), "role": "Basic" }), "name"),
        (json!({ "role": "Basic" }), "name"),
        (json!({ "name": "CI" }), "role"),
        (json!({ "name": "CI", "role": "" }), "role"),
        (json!({ "name": "CI", "role": "Wizard" }), "role"),
        (json!({ "name": "CI", "role": "r".repeat(101) }), "role"),
        (
            json!({ "name": "CI", "role": "Basic", "kind": "scim" }),
            "kind",
        ),
        (
            json!({ "name": "CI", "role": "Basic", "secret": "sbt_mine" }),
            "secret",
        ),
    ] {
        let r = api.post("/api/v1/api-tokens", &body).await;
        assert!(r.status.is_client_error(), "{body}: {:?}", r.body);
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
}

async fn another_accounts_token_never_reaches_this_accounts_tokens(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    let r = a_api
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "Acme payroll", "role": "Basic" }),
        )
        .await;
    let a_id = r.body["api_token"]["id"].as_str().unwrap().to_owned();
    let a_token = s.as_token(r.body["secret"].as_str().unwrap());

    assert_problem(
        &b_api.delete(&format!("/api/v1/api-tokens/{a_id}")).await,
        404,
        "not_found",
        None,
    );
    assert_eq!(a_token.get("/api/v1/users").await.status, 200);
    let r = b_api.get("/api/v1/api-tokens").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let text = r.body.to_string();
    assert!(!text.contains("Acme") && !text.contains(&a_id), "{text}");
    // B's role names are B's: a role id of A is no role in B.
    let a_role = a_api.get("/api/v1/api-tokens").await.body["items"][0]["role"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = b_api
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "x", "role": a_role }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "role", "{:?}", r.body);
}

async fn administrators_and_managers_manage_tokens_and_basic_users_cannot(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let admin = s.as_token(&s.token(&acct.system, "Administrator").await);
    let r = admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "ops", "role": "Administrator" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(admin.get("/api/v1/api-tokens").await.status, 200);

    let manager = s.as_token(&s.token(&acct.system, "Manager").await);
    assert_eq!(manager.get("/api/v1/api-tokens").await.status, 200);
    let r = manager
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "reports", "role": "Manager" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let reports = r.body["api_token"]["id"].as_str().unwrap().to_owned();
    // Nobody hands out more than they hold.
    let r = manager
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "escalate", "role": "Administrator" }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    assert_eq!(
        manager
            .delete(&format!("/api/v1/api-tokens/{reports}"))
            .await
            .status,
        204
    );

    // Managers neither see nor revoke tokens with more rights than theirs.
    let listed: Vec<String> = manager.get("/api/v1/api-tokens").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(!listed.contains(&"ops".to_owned()), "{listed:?}");
    assert!(listed.contains(&"reports".to_owned()), "{listed:?}");
    let ops = admin.get("/api/v1/api-tokens").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "ops")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_problem(
        &manager.delete(&format!("/api/v1/api-tokens/{ops}")).await,
        404,
        "not_found",
        None,
    );
    let r = admin.get("/api/v1/api-tokens").await;
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "ops" && t["revoked_at"].is_null()),
        "{:?}",
        r.body
    );

    let basic = s.as_token(&s.token(&acct.system, "Basic").await);
    assert_problem(
        &basic.get("/api/v1/api-tokens").await,
        403,
        "forbidden",
        None,
    );
    assert_problem(
        &basic
            .post(
                "/api/v1/api-tokens",
                &json!({ "name": "mine", "role": "Basic" }),
            )
            .await,
        403,
        "forbidden",
        None,
    );
    let ops = admin.get("/api/v1/api-tokens").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_problem(
        &basic.delete(&format!("/api/v1/api-tokens/{ops}")).await,
        403,
        "forbidden",
        None,
    );
}

crate::on_both!(
    a_token_is_shown_once_works_and_fails_right_after_revocation,
    a_token_revoking_itself_fails_on_its_next_request,
    bad_token_input_is_refused_naming_the_field,
    another_accounts_token_never_reaches_this_accounts_tokens,
    administrators_and_managers_manage_tokens_and_basic_users_cannot,
);
