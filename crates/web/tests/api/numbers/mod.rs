//! `/api/v1/numbers`: adding, reading, listing, editing and removing phone numbers; refusals
//! that name the field; tenant isolation; each default role's rights. Where a number's
//! calls go is in `destinations`, the Numbers page in `dashboard`.

mod dashboard;
mod destinations;

use reqwest::Method;
use serde_json::json;
use switchboard_domain::Plan;

use crate::support::Server;
use crate::users::{assert_problem, owner_api, user};

async fn an_administrator_adds_reads_lists_edits_and_removes_numbers(s: Server) {
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
            "/api/v1/numbers",
            &json!({ "number": "+919876543220", "label": " Support line ", "owner_id": priya.to_string() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/numbers/{id}");
    assert_eq!(r.header("location"), Some(path.as_str()));
    assert_eq!(r.body["number"], "+919876543220");
    assert_eq!(r.body["label"], "Support line");
    assert_eq!(r.body["owner_id"], priya.to_string());

    let r = api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+919876543221", "owner_id": acct.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["label"], "");

    let r = api.get(&path).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["label"], "Support line");

    let r = api.get("/api/v1/numbers").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let all: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap())
        .collect();
    assert_eq!(all, ["+919876543220", "+919876543221"]);
    let r = api.get(&format!("/api/v1/numbers?owner={priya}")).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    assert_eq!(r.body["items"][0]["id"], id.as_str());

    let r = api
        .patch(
            &path,
            &json!({ "label": "Sales", "owner_id": acct.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["label"], "Sales");
    assert_eq!(r.body["owner_id"], acct.owner.to_string());
    let r = api.get(&format!("/api/v1/numbers?owner={priya}")).await;
    assert_eq!(r.body["items"], json!([]));

    let r = api.delete(&path).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_problem(&api.get(&path).await, 404, "not_found", None);
    assert_problem(&api.delete(&path).await, 404, "not_found", None);
}

async fn bad_number_input_is_refused_naming_the_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let owner = acct.owner.to_string();
    let ok = api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+919876543220", "owner_id": owner }),
        )
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    let path = format!("/api/v1/numbers/{}", ok.body["id"].as_str().unwrap());

    let cases = [
        (
            json!({ "number": "+91 98765 43222", "owner_id": owner }),
            "number",
        ),
        (json!({ "number": "", "owner_id": owner }), "number"),
        (json!({ "number": "+10", "owner_id": owner }), "number"),
        (json!({ "owner_id": owner }), "number"),
        (json!({ "number": "+919876543222" }), "owner_id"),
        (
            json!({ "number": "+919876543222", "owner_id": "" }),
            "owner_id",
        ),
        (
            json!({ "number": "+919876543222", "owner_id": "nobody" }),
            "owner_id",
        ),
        (
            json!({ "number": "+919876543222", "owner_id": "0190b3c4-0000-7000-8000-000000000000" }),
            "owner_id",
        ),
        (
            json!({ "number": "+919876543222", "owner_id": owner, "label": "x".repeat(101) }),
            "label",
        ),
        (
            json!({ "number": "+919876543222", "owner_id": owner, "colour": "red" }),
            "colour",
        ),
        (json!({ "number": 42, "owner_id": owner }), "number"),
    ];
    for (body, field) in cases {
        let r = api.post("/api/v1/numbers", &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    let r = api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+919876543220", "owner_id": owner }),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);

    for (body, field) in [
        (json!({ "owner_id": "" }), "owner_id"),
        (json!({ "label": "y".repeat(101) }), "label"),
        (json!({ "number": "+919876543223" }), "number"),
    ] {
        let r = api.patch(&path, &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    for q in ["owner=", "owner=abc", "colour=red"] {
        let r = api.get(&format!("/api/v1/numbers?{q}")).await;
        assert_eq!(r.status, 422, "{q}: {:?}", r.body);
    }
    assert_problem(
        &api.get("/api/v1/numbers/not-an-id").await,
        404,
        "not_found",
        None,
    );
}

async fn another_accounts_token_never_reaches_this_accounts_numbers(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    let r = a_api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+919876543220", "label": "Acme secret line", "owner_id": a.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let a_path = format!("/api/v1/numbers/{}", r.body["id"].as_str().unwrap());
    let r = b_api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+919876543230", "owner_id": b.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let b_path = format!("/api/v1/numbers/{}", r.body["id"].as_str().unwrap());

    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({ "label": "Hijacked" }))),
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
    let r = b_api.get("/api/v1/numbers").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);
    assert!(!r.body.to_string().contains("+919876543220"));
    let r = b_api
        .get(&format!("/api/v1/numbers?owner={}", a.owner))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["items"], json!([]));

    // An owner from the other account is no user here.
    let r = b_api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+919876543231", "owner_id": a.owner.to_string() }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("owner_id"));
    let r = b_api
        .patch(&b_path, &json!({ "owner_id": a.owner.to_string() }))
        .await;
    assert_problem(&r, 422, "validation_failed", Some("owner_id"));

    // A's number is untouched.
    let r = a_api.get(&a_path).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["label"], "Acme secret line");
}

async fn only_administrators_change_numbers_and_everyone_reads_them(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner = acct.owner.to_string();
    let admin = s.as_token(&s.token(&acct.system, "Administrator").await);
    let r = admin
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+919876543220", "owner_id": owner }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let path = format!("/api/v1/numbers/{}", r.body["id"].as_str().unwrap());
    assert_eq!(
        admin.patch(&path, &json!({ "label": "Main" })).await.status,
        200
    );

    for role in ["Manager", "Basic"] {
        let api = s.as_token(&s.token(&acct.system, role).await);
        assert_eq!(api.get("/api/v1/numbers").await.status, 200, "{role}");
        assert_eq!(api.get(&path).await.status, 200, "{role}");
        let r = api
            .post(
                "/api/v1/numbers",
                &json!({ "number": "+919876543221", "owner_id": owner }),
            )
            .await;
        assert_problem(&r, 403, "forbidden", None);
        assert_problem(
            &api.patch(&path, &json!({ "label": "Mine" })).await,
            403,
            "forbidden",
            None,
        );
        assert_problem(&api.delete(&path).await, 403, "forbidden", None);
    }
    assert_eq!(admin.get(&path).await.body["label"], "Main");
    assert_eq!(admin.delete(&path).await.status, 204);
}

crate::on_both!(
    an_administrator_adds_reads_lists_edits_and_removes_numbers,
    bad_number_input_is_refused_naming_the_field,
    another_accounts_token_never_reaches_this_accounts_numbers,
    only_administrators_change_numbers_and_everyone_reads_them,
);
