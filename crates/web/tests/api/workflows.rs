//! `/api/v1/workflows`: adding, reading, listing, editing and removing workflows; refusals
//! that name the field; tenant isolation; each default role's rights.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::Plan;

use crate::support::Server;
use crate::users::{assert_problem, owner_api, user};

async fn an_administrator_adds_reads_lists_edits_and_removes_workflows(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
    )
    .await;

    let r = api
        .post(
            "/api/v1/workflows",
            &json!({ "name": "Night IVR", "kind": "ivr", "owner_id": priya.to_string() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/workflows/{id}");
    assert_eq!(r.header("location"), Some(path.as_str()));
    assert_eq!(r.body["kind"], "ivr");
    assert_eq!(r.body["owner_id"], priya.to_string());
    let r = api
        .post(
            "/api/v1/workflows",
            &json!({ "name": "CRM sync", "kind": "integration", "owner_id": acct.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    let r = api.get(&path).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "Night IVR");
    let r = api.get("/api/v1/workflows").await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["CRM sync", "Night IVR"]);
    let r = api.get(&format!("/api/v1/workflows?owner={priya}")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    assert_eq!(r.body["items"][0]["id"], id.as_str());

    let r = api
        .patch(
            &path,
            &json!({ "name": "Day IVR", "kind": "automation", "owner_id": acct.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "Day IVR");
    assert_eq!(r.body["kind"], "automation");
    assert_eq!(r.body["owner_id"], acct.owner.to_string());
    let r = api.get(&format!("/api/v1/workflows?owner={priya}")).await;
    assert_eq!(r.body["items"], json!([]));

    assert_eq!(api.delete(&path).await.status, 204);
    assert_problem(&api.get(&path).await, 404, "not_found", None);
}

async fn bad_workflow_input_is_refused_naming_the_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let owner = acct.owner.to_string();
    let cases = [
        (
            json!({ "name": "", "kind": "ivr", "owner_id": owner }),
            "name",
        ),
        (
            json!({ "name": "   ", "kind": "ivr", "owner_id": owner }),
            "name",
        ),
        (
            json!({ "name": "x".repeat(101), "kind": "ivr", "owner_id": owner }),
            "name",
        ),
        (
            json!({ "name": "IVR", "kind": "robot", "owner_id": owner }),
            "kind",
        ),
        (json!({ "name": "IVR", "owner_id": owner }), "kind"),
        (json!({ "name": "IVR", "kind": "ivr" }), "owner_id"),
        (
            json!({ "name": "IVR", "kind": "ivr", "owner_id": "" }),
            "owner_id",
        ),
        (
            json!({ "name": "IVR", "kind": "ivr", "owner_id": "0190b3c4-0000-7000-8000-000000000000" }),
            "owner_id",
        ),
        (
            json!({ "name": "IVR", "kind": "ivr", "owner_id": owner, "steps": [] }),
            "steps",
        ),
    ];
    for (body, field) in cases {
        let r = api.post("/api/v1/workflows", &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    let r = api
        .post(
            "/api/v1/workflows",
            &json!({ "name": "IVR", "kind": "ivr", "owner_id": owner }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let path = format!("/api/v1/workflows/{}", r.body["id"].as_str().unwrap());
    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "kind": "" }), "kind"),
        (json!({ "owner_id": "nobody" }), "owner_id"),
    ] {
        let r = api.patch(&path, &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    for q in ["owner=", "owner=abc"] {
        let r = api.get(&format!("/api/v1/workflows?{q}")).await;
        assert_problem(&r, 422, "validation_failed", Some("owner"));
    }
}

async fn another_accounts_token_never_reaches_this_accounts_workflows(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    let r = a_api
        .post(
            "/api/v1/workflows",
            &json!({ "name": "Acme payroll bot", "kind": "automation", "owner_id": a.owner.to_string() }),
        )
        .await;
    let a_path = format!("/api/v1/workflows/{}", r.body["id"].as_str().unwrap());
    let r = b_api
        .post(
            "/api/v1/workflows",
            &json!({ "name": "Globex IVR", "kind": "ivr", "owner_id": b.owner.to_string() }),
        )
        .await;
    let b_path = format!("/api/v1/workflows/{}", r.body["id"].as_str().unwrap());

    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({ "name": "Hijacked" }))),
        (Method::DELETE, None),
    ] {
        let r = b_api
            .send(method.clone(), &a_path, body.as_ref(), &[])
            .await;
        assert_problem(&r, 404, "not_found", None);
        assert!(
            !r.body.to_string().contains("Acme"),
            "{method}: {:?}",
            r.body
        );
    }
    let r = b_api.get("/api/v1/workflows").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    assert!(!r.body.to_string().contains("Acme"));
    let r = b_api
        .get(&format!("/api/v1/workflows?owner={}", a.owner))
        .await;
    assert_eq!(r.body["items"], json!([]));
    let r = b_api
        .post(
            "/api/v1/workflows",
            &json!({ "name": "Steal", "kind": "ivr", "owner_id": a.owner.to_string() }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("owner_id"));
    let r = b_api
        .patch(&b_path, &json!({ "owner_id": a.owner.to_string() }))
        .await;
    assert_problem(&r, 422, "validation_failed", Some("owner_id"));
    assert_eq!(a_api.get(&a_path).await.body["name"], "Acme payroll bot");
}

async fn only_administrators_change_workflows_and_everyone_reads_them(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = acct.owner.to_string();
    let admin = s.as_token(&s.token(&acct.system, "Administrator").await);
    let r = admin
        .post(
            "/api/v1/workflows",
            &json!({ "name": "IVR", "kind": "ivr", "owner_id": owner }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let path = format!("/api/v1/workflows/{}", r.body["id"].as_str().unwrap());
    assert_eq!(
        admin
            .patch(&path, &json!({ "name": "Main IVR" }))
            .await
            .status,
        200
    );

    for role in ["Manager", "Basic"] {
        let api = s.as_token(&s.token(&acct.system, role).await);
        assert_eq!(api.get("/api/v1/workflows").await.status, 200, "{role}");
        assert_eq!(api.get(&path).await.status, 200, "{role}");
        let r = api
            .post(
                "/api/v1/workflows",
                &json!({ "name": "Mine", "kind": "ivr", "owner_id": owner }),
            )
            .await;
        assert_problem(&r, 403, "forbidden", None);
        assert_problem(
            &api.patch(&path, &json!({ "name": "Mine" })).await,
            403,
            "forbidden",
            None,
        );
        assert_problem(&api.delete(&path).await, 403, "forbidden", None);
    }
    assert_eq!(admin.delete(&path).await.status, 204);
}

crate::on_both!(
    an_administrator_adds_reads_lists_edits_and_removes_workflows,
    bad_workflow_input_is_refused_naming_the_field,
    another_accounts_token_never_reaches_this_accounts_workflows,
    only_administrators_change_workflows_and_everyone_reads_them,
);
