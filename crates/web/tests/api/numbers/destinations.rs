//! Where a number's incoming calls go: a department or a user of the account, set when
//! adding the number or with PATCH (`null` clears it), audited; refused naming the field
//! `destination` when it is not one of the account's; and guarding deletion (R8): a
//! department or user that is a destination cannot be deleted, and reassigning or
//! replacing the user moves the destination with the rest.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard_domain::{Plan, UserId};
use switchboard_testkit::TestAccount;

use crate::support::{Client, Server};
use crate::users::{assert_problem, at, department, owner_api, user};

fn to_department(id: impl std::fmt::Display) -> Value {
    json!({ "type": "department", "id": id.to_string() })
}

fn to_user(id: impl std::fmt::Display) -> Value {
    json!({ "type": "user", "id": id.to_string() })
}

/// Adds `number` owned by the account's owner, routed to `destination`; its path.
async fn routed(api: &Client, acct: &TestAccount, number: &str, destination: Value) -> String {
    let r = api
        .post(
            "/api/v1/numbers",
            &json!({ "number": number, "owner_id": acct.owner.to_string(), "destination": destination }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    format!("/api/v1/numbers/{}", r.body["id"].as_str().unwrap())
}

async fn agent(s: &Server, acct: &TestAccount, name: &str, mobile: &str) -> UserId {
    user(s, acct, json!({ "name": name, "mobile": mobile })).await
}

async fn a_number_routes_to_a_department_or_a_user_and_null_stops_routing_it(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let support = department(&s, &acct.owner_ctx, "Support", vec![], vec![]).await;
    let priya = agent(&s, &acct, "Priya Sharma", "+919876543210").await;

    let path = routed(&api, &acct, "+14155550100", to_department(support)).await;
    let r = api.get(&path).await;
    assert_eq!(
        r.body["destination"],
        to_department(support),
        "{:?}",
        r.body
    );
    let r = api.get("/api/v1/numbers").await;
    assert_eq!(r.body["items"][0]["destination"], to_department(support));

    // Not routed: absent and null alike.
    let r = api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+14155550101", "owner_id": acct.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["destination"], Value::Null);
    assert!(r.body.as_object().unwrap().contains_key("destination"));
    let r = api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+14155550102", "owner_id": acct.owner.to_string(), "destination": null }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["destination"], Value::Null);

    // PATCH: a new destination; absent keeps it; null clears it.
    let r = api
        .patch(&path, &json!({ "destination": to_user(priya) }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["destination"], to_user(priya));
    let r = api.patch(&path, &json!({ "label": "Support line" })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["destination"], to_user(priya));
    let r = api.patch(&path, &json!({ "destination": null })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["destination"], Value::Null);
    assert_eq!(api.get(&path).await.body["destination"], Value::Null);
    assert_eq!(api.get(&path).await.body["label"], "Support line");

    // Each change is audited with the destination before and after.
    let id = path.rsplit('/').next().unwrap();
    let log = api
        .get(&format!("/api/v1/audit-events?target={id}&limit=50"))
        .await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    let events = log.body["items"].as_array().unwrap();
    let created = events
        .iter()
        .find(|e| e["action"] == "number.created")
        .unwrap();
    assert_eq!(created["after"]["destination"], to_department(support));
    let updates: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "number.updated")
        .collect();
    assert!(
        updates
            .iter()
            .any(|e| e["before"]["destination"] == to_department(support)
                && e["after"]["destination"] == to_user(priya)),
        "{updates:?}"
    );
    assert!(
        updates
            .iter()
            .any(|e| e["before"]["destination"] == to_user(priya)
                && e["after"]["destination"] == Value::Null),
        "{updates:?}"
    );
}

async fn a_destination_must_be_a_department_or_an_active_user_of_the_account(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let other = s.account("Globex", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let theirs = department(&s, &other.owner_ctx, "Globex sales", vec![], vec![]).await;
    let gone = agent(&s, &acct, "Gone Away", "+919876543219").await;
    s.app
        .sb
        .deactivate_user(&acct.owner_ctx, gone, None)
        .await
        .unwrap();
    let path = routed(&api, &acct, "+14155550100", Value::Null).await;
    let nobody = "0190b3c4-0000-7000-8000-000000000000";

    let cases = [
        (to_department(nobody), "not_found"),
        (to_user(nobody), "not_found"),
        (to_department(theirs), "not_found"),
        (to_user(other.owner), "not_found"),
        (to_user(gone), "inactive"),
        (json!({ "type": "department", "id": "support" }), "invalid"),
        (json!({ "type": "user", "id": "" }), "invalid"),
    ];
    for (destination, code) in cases {
        let r = api
            .post(
                "/api/v1/numbers",
                &json!({ "number": "+14155550101", "owner_id": acct.owner.to_string(), "destination": destination }),
            )
            .await;
        assert_problem(&r, 422, "validation_failed", Some("destination"));
        assert_eq!(
            r.body["errors"][0]["code"], code,
            "{destination}: {:?}",
            r.body
        );
        assert!(
            !r.body.to_string().contains("Globex"),
            "another account's names never show: {:?}",
            r.body
        );
        let r = api
            .patch(&path, &json!({ "destination": destination }))
            .await;
        assert_problem(&r, 422, "validation_failed", Some("destination"));
        assert_eq!(
            r.body["errors"][0]["code"], code,
            "{destination}: {:?}",
            r.body
        );
    }
    // The wire shape itself: the type is department or user, both keys are needed.
    for destination in [
        json!({ "type": "queue", "id": nobody }),
        json!({ "id": nobody }),
        json!({ "type": "user" }),
        json!({ "type": "user", "id": nobody, "name": "x" }),
        json!("department"),
    ] {
        let r = api
            .patch(&path, &json!({ "destination": destination }))
            .await;
        assert_eq!(r.status, 422, "{destination}: {:?}", r.body);
        let field = r.body["errors"][0]["field"].as_str().unwrap();
        assert!(field.starts_with("destination"), "{destination}: {field}");
    }
    assert_eq!(api.get(&path).await.body["destination"], Value::Null);
    let r = api.get("/api/v1/numbers").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{:?}", r.body);

    // The other account sees none of it, and cannot route to this account either.
    let theirs_api = owner_api(&s, &other).await;
    let r = theirs_api.get("/api/v1/numbers").await;
    assert_eq!(r.body["items"], json!([]));
    let r = theirs_api
        .post(
            "/api/v1/numbers",
            &json!({ "number": "+14155550100", "owner_id": other.owner.to_string(), "destination": to_user(acct.owner) }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("destination"));
}

async fn a_department_that_is_a_destination_cannot_be_deleted(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let support = department(&s, &acct.owner_ctx, "Support", vec![], vec![]).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let main = routed(&api, &acct, "+14155550100", to_department(support)).await;
    let _second = routed(&api, &acct, "+14155550101", to_department(support)).await;
    let dep = format!("/api/v1/departments/{support}");

    let r = api.delete(&dep).await;
    assert_problem(&r, 409, "destination_in_use", None);
    assert_eq!(
        r.body["detail"],
        "Department Support is the destination of +14155550100, +14155550101; \
         route those numbers elsewhere first"
    );
    let blockers = r.body["blockers"].as_array().unwrap();
    let labels: Vec<&str> = blockers
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["+14155550100", "+14155550101"]);
    assert!(blockers.iter().all(|b| b["kind"] == "destination"));
    assert_eq!(blockers[0]["id"], main.rsplit('/').next().unwrap());
    assert_eq!(api.get(&dep).await.status, 200);

    // Over SCIM, a department is a Group: the same refusal.
    let idp = s.scim(&acct).await;
    let r = idp
        .scim(Method::DELETE, &format!("/Groups/{support}"), None, &[])
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(
        r.body["detail"].as_str().unwrap().contains("+14155550100"),
        "{:?}",
        r.body
    );

    // Once both numbers go elsewhere, it can go.
    for n in api.get("/api/v1/numbers").await.body["items"]
        .as_array()
        .unwrap()
    {
        let path = format!("/api/v1/numbers/{}", n["id"].as_str().unwrap());
        let r = api
            .patch(&path, &json!({ "destination": to_department(sales) }))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let r = api.delete(&dep).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        api.get(&main).await.body["destination"],
        to_department(sales)
    );
}

async fn a_user_who_is_a_destination_cannot_be_deleted_until_reassigned(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let priya = agent(&s, &acct, "Priya Sharma", "+919876543210").await;
    let rahul = agent(&s, &acct, "Rahul Verma", "+919876543211").await;
    let line = routed(&api, &acct, "+14155550100", to_user(priya)).await;
    let path = at(priya);

    let check = api.get(&format!("{path}/deletion-check")).await;
    assert_eq!(check.body["can_delete"], false, "{:?}", check.body);
    assert_eq!(
        check.body["blockers"],
        json!([{ "kind": "destination", "id": line.rsplit('/').next().unwrap(), "label": "+14155550100" }])
    );
    let r = api.delete(&path).await;
    assert_problem(&r, 409, "owns_resources", None);
    assert_eq!(
        r.body["detail"],
        "Priya Sharma is the destination of +14155550100; reassign them first"
    );
    assert_eq!(r.body["blockers"][0]["kind"], "destination");

    // Deactivating is allowed: the number keeps its destination, who simply does not ring.
    let r = api.post(&format!("{path}/deactivate"), &json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(api.get(&line).await.body["destination"], to_user(priya));
    let r = api.post(&format!("{path}/activate"), &json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // Reassigning moves the destination with everything else.
    let r = api
        .post(
            &format!("{path}/reassign"),
            &json!({ "to": rahul.to_string() }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["destinations"], 1, "{:?}", r.body);
    assert_eq!(r.body["resources"], 0, "{:?}", r.body);
    assert_eq!(api.get(&line).await.body["destination"], to_user(rahul));
    let r = api.delete(&path).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
}

async fn replacing_a_user_carries_the_numbers_routed_to_them(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let old = agent(&s, &acct, "Rahul Verma", "+919876543211").await;
    let kept = routed(&api, &acct, "+14155550100", to_user(old)).await;
    let r = api
        .post(
            &format!("{}/replace", at(old)),
            &json!({ "mobile": "+919876543299", "mode": "delete" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let new = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&kept).await.body["destination"], to_user(&new));
    assert_problem(&api.get(&at(old)).await, 404, "not_found", None);

    // Replacing and keeping the old profile deactivated moves it too.
    let r = api
        .post(
            &format!("{}/replace", at(&new)),
            &json!({ "mobile": "+919876543298" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let newest = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&kept).await.body["destination"], to_user(&newest));
}

async fn an_identity_provider_deleting_a_destination_user_deactivates_them_instead(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let priya = agent(&s, &acct, "Priya Sharma", "+919876543210").await;
    let line = routed(&api, &acct, "+14155550100", to_user(priya)).await;
    let idp = s.scim(&acct).await;
    let r = idp
        .scim(Method::DELETE, &format!("/Users/{priya}"), None, &[])
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let u = api.get(&at(priya)).await;
    assert_eq!(u.body["status"], "inactive", "{:?}", u.body);
    assert_eq!(api.get(&line).await.body["destination"], to_user(priya));
    let log = api
        .get(&format!("/api/v1/audit-events?target={priya}&limit=50"))
        .await;
    let instead = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.deactivated_instead_of_deleted")
        .unwrap()
        .to_string();
    assert!(
        instead.contains("is the destination of +14155550100"),
        "{instead}"
    );
}

crate::on_both!(
    a_number_routes_to_a_department_or_a_user_and_null_stops_routing_it,
    a_destination_must_be_a_department_or_an_active_user_of_the_account,
    a_department_that_is_a_destination_cannot_be_deleted,
    a_user_who_is_a_destination_cannot_be_deleted_until_reassigned,
    replacing_a_user_carries_the_numbers_routed_to_them,
    an_identity_provider_deleting_a_destination_user_deactivates_them_instead,
);
