//! `/api/v1/roles`: the default matrix, custom roles, bad input named by field, the rules
//! the service keeps (Administrator keeps every right, nobody grants more than they hold, a
//! role in use cannot be deleted), tenant isolation and each default role's rights.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard_domain::Plan;

use crate::support::{Client, Server};
use crate::users::{api_as, assert_problem, conforms, owner_api, user};

fn at(id: impl std::fmt::Display) -> String {
    format!("/api/v1/roles/{id}")
}

/// The role named `name`, as listed.
async fn role(api: &Client, name: &str) -> Value {
    let r = api.get("/api/v1/roles").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name}"))
        .clone()
}

const ADMINISTRATOR: &str = r#"{"view_users":true,"edit_users":"all","delete_users":true,"export":true,"manage_departments":true,"call_logs":"all","view_audit":true,"manage_roles":true,"api_tokens":true}"#;
const MANAGER: &str = r#"{"view_users":true,"edit_users":"departments","delete_users":false,"export":true,"manage_departments":false,"call_logs":"departments","view_audit":false,"manage_roles":false,"api_tokens":true}"#;
const BASIC: &str = r#"{"view_users":true,"edit_users":"own","delete_users":false,"export":false,"manage_departments":false,"call_logs":"own","view_audit":false,"manage_roles":false,"api_tokens":false}"#;

fn matrix(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

async fn the_default_roles_carry_the_default_matrix(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let r = api.get("/api/v1/roles").await;
    assert_eq!(r.status, 200);
    let items = r.body["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Administrator", "Manager", "Basic"]);
    for (item, (builtin, perms)) in items.iter().zip([
        ("administrator", ADMINISTRATOR),
        ("manager", MANAGER),
        ("basic", BASIC),
    ]) {
        assert_eq!(item["builtin"], builtin);
        assert_eq!(item["permissions"], matrix(perms), "{builtin}");
        let one = api.get(&at(item["id"].as_str().unwrap())).await;
        assert_eq!(one.status, 200);
        assert_eq!(&one.body, item);
    }
}

async fn a_custom_role_is_created_edited_and_deleted_once_nobody_holds_it(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let r = api
        .post(
            "/api/v1/roles",
            &json!({ "name": " Supervisor ", "permissions": { "export": true, "call_logs": "departments" } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["name"], "Supervisor");
    assert_eq!(r.body["builtin"], Value::Null);
    let mut want = matrix(BASIC);
    want["export"] = json!(true);
    want["call_logs"] = json!("departments");
    assert_eq!(r.body["permissions"], want);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(at(&id).as_str()));
    assert_eq!(api.get(&at(&id)).await.body, r.body);

    // Without permissions: the Basic default.
    let r = api
        .post("/api/v1/roles", &json!({ "name": "Intern" }))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["permissions"], matrix(BASIC));

    let r = api
        .patch(
            &at(&id),
            &json!({ "name": "Team Supervisor", "permissions": { "delete_users": true } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "Team Supervisor");
    want["delete_users"] = json!(true);
    assert_eq!(r.body["permissions"], want, "absent permissions stay");
    let r = api.patch(&at(&id), &json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["permissions"], want);

    // In use: 409; once nobody holds it, it goes.
    let sam = user(
        &s,
        &acct,
        json!({ "name": "Sam", "mobile": "+919876500001", "role": "Team Supervisor" }),
    )
    .await;
    let r = api.delete(&at(&id)).await;
    assert_problem(&r, 409, "invalid_state", None);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("Team Supervisor")
    );
    let r = api
        .patch(&format!("/api/v1/users/{sam}"), &json!({ "role": "Basic" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(api.delete(&at(&id)).await.status, 204);
    assert_problem(&api.get(&at(&id)).await, 404, "not_found", None);
    assert_problem(&api.delete(&at(&id)).await, 404, "not_found", None);
}

async fn the_default_matrix_is_editable_but_administrators_keep_every_right(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let admin = role(&api, "Administrator").await;
    let manager = role(&api, "Manager").await;
    let basic = role(&api, "Basic").await;
    let admin_path = at(admin["id"].as_str().unwrap());

    let r = api
        .patch(
            &at(manager["id"].as_str().unwrap()),
            &json!({ "permissions": { "export": false } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["permissions"]["export"], false);
    assert_eq!(r.body["builtin"], "manager");

    let r = api
        .patch(
            &admin_path,
            &json!({ "permissions": { "view_audit": false } }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("permissions"));
    let r = api.patch(&admin_path, &json!({ "permissions": {} })).await;
    assert_eq!(r.status, 200, "re-sending the full matrix is fine");
    let r = api
        .patch(
            &at(basic["id"].as_str().unwrap()),
            &json!({ "name": "Staff" }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("name"));
    for r in [&admin, &manager, &basic] {
        let del = api.delete(&at(r["id"].as_str().unwrap())).await;
        assert_problem(&del, 409, "invalid_state", None);
    }
    assert_eq!(
        role(&api, "Administrator").await["permissions"],
        matrix(ADMINISTRATOR)
    );
}

async fn bad_role_input_is_refused_naming_the_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let basic = role(&api, "Basic").await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({}), "name"),
        (json!({ "name": "" }), "name"),
        (json!({ "name": " \t " }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": 7 }), "name"),
        (
            json!({ "name": "A", "permissions": { "edit_users": "some" } }),
            "permissions.edit_users",
        ),
        (
            json!({ "name": "A", "permissions": { "export": "yes" } }),
            "permissions.export",
        ),
        (
            json!({ "name": "A", "permissions": { "fly": true } }),
            "permissions.fly",
        ),
        (json!({ "name": "A", "permissions": [] }), "permissions"),
        (json!({ "name": "A", "colour": "red" }), "colour"),
    ];
    for (body, field) in cases {
        let r = api.post("/api/v1/roles", &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    let r = api
        .post("/api/v1/roles", &json!({ "name": "manager" }))
        .await;
    assert_problem(&r, 409, "conflict", Some("name"));
    let path = at(basic["id"].as_str().unwrap());
    let r = api.patch(&path, &json!({ "name": "" })).await;
    assert_problem(&r, 422, "validation_failed", Some("name"));
    let r = api
        .patch(
            &path,
            &json!({ "permissions": { "call_logs": "everything" } }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("permissions.call_logs"));
    // A struct's fields as an array are not an object.
    let r = api
        .send(Method::PATCH, &path, Some(&json!([null, null])), &[])
        .await;
    assert_problem(&r, 422, "validation_failed", Some("body"));
    assert_problem(&api.get(&at("basic")).await, 404, "not_found", None);
    assert_problem(
        &api.patch(&at("42"), &json!({ "name": "X" })).await,
        404,
        "not_found",
        None,
    );
}

async fn another_accounts_token_gets_404_for_every_role_endpoint(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    let r = a_api
        .post("/api/v1/roles", &json!({ "name": "Acme Supervisor" }))
        .await;
    let custom = r.body["id"].as_str().unwrap().to_owned();
    let a_manager = role(&a_api, "Manager").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in [&custom, &a_manager] {
        let path = at(id);
        let calls: Vec<(Method, Option<Value>)> = vec![
            (Method::GET, None),
            (
                Method::PATCH,
                Some(json!({ "permissions": { "export": false } })),
            ),
            (Method::PATCH, Some(json!({ "name": "Hijacked" }))),
            (Method::DELETE, None),
        ];
        for (method, body) in calls {
            let r = b_api.send(method.clone(), &path, body.as_ref(), &[]).await;
            assert_problem(&r, 404, "not_found", None);
            assert!(
                !r.body.to_string().contains("Acme"),
                "{method}: {:?}",
                r.body
            );
        }
    }
    let list = b_api.get("/api/v1/roles").await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|r| r["id"] != custom.as_str() && r["id"] != a_manager.as_str())
    );
    assert_eq!(
        a_api.get(&at(&custom)).await.body["name"],
        "Acme Supervisor"
    );
    assert_eq!(
        role(&a_api, "Manager").await["permissions"],
        matrix(MANAGER)
    );
}

async fn an_administrator_manages_roles(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ada = user(
        &s,
        &acct,
        json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }),
    )
    .await;
    let api = api_as(&s, &acct, ada, "Administrator").await;
    let r = api
        .post(
            "/api/v1/roles",
            &json!({ "name": "Auditor", "permissions": { "view_audit": true } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let path = at(r.body["id"].as_str().unwrap());
    assert_eq!(api.get(&path).await.status, 200);
    assert_eq!(
        api.patch(&path, &json!({ "permissions": { "manage_roles": true } }))
            .await
            .status,
        200
    );
    assert_eq!(api.delete(&path).await.status, 204);
}

async fn managers_and_basic_users_read_roles_but_change_nothing(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
    )
    .await;
    let bea = user(
        &s,
        &acct,
        json!({ "name": "Bea Basic", "email": "bea@acme.example.com", "panel_access": true }),
    )
    .await;
    let owner = owner_api(&s, &acct).await;
    let basic = role(&owner, "Basic").await;
    let basic_path = at(basic["id"].as_str().unwrap());
    let clients = [
        api_as(&s, &acct, mia, "Manager").await,
        api_as(&s, &acct, bea, "Basic").await,
        s.as_token(&s.token(&acct.system, "Basic").await),
    ];
    for api in clients {
        assert_eq!(api.get("/api/v1/roles").await.status, 200);
        assert_eq!(api.get(&basic_path).await.status, 200);
        let refused = [
            api.post("/api/v1/roles", &json!({ "name": "Mine" })).await,
            api.patch(&basic_path, &json!({ "permissions": { "export": true } }))
                .await,
            api.delete(&basic_path).await,
        ];
        for r in refused {
            assert_problem(&r, 403, "forbidden", None);
        }
    }
    assert_eq!(role(&owner, "Basic").await["permissions"], matrix(BASIC));
}

async fn a_role_manager_cannot_grant_rights_they_do_not_hold(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let owner = owner_api(&s, &acct).await;
    let r = owner
        .post(
            "/api/v1/roles",
            &json!({ "name": "Role Keeper", "permissions": { "manage_roles": true } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let rita = user(
        &s,
        &acct,
        json!({ "name": "Rita", "email": "rita@acme.example.com", "panel_access": true, "role": "Role Keeper" }),
    )
    .await;
    let api = api_as(&s, &acct, rita, "Role Keeper").await;
    let r = api
        .post(
            "/api/v1/roles",
            &json!({ "name": "Deleter", "permissions": { "delete_users": true } }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    let r = api
        .post(
            "/api/v1/roles",
            &json!({ "name": "Helper", "permissions": { "manage_roles": true } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let helper = at(r.body["id"].as_str().unwrap());
    let r = api
        .patch(&helper, &json!({ "permissions": { "view_audit": true } }))
        .await;
    assert_problem(&r, 403, "forbidden", None);
    let manager = role(&owner, "Manager").await;
    let r = api
        .patch(
            &at(manager["id"].as_str().unwrap()),
            &json!({ "permissions": { "export": false } }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    assert_eq!(
        role(&owner, "Manager").await["permissions"],
        matrix(MANAGER)
    );
    let r = api
        .patch(
            &helper,
            &json!({ "permissions": { "manage_roles": false } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn role_answers_match_the_documented_schemas(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let doc = s.anonymous().get("/api/v1/openapi.json").await.body;
    conforms(&doc, "RoleList", &api.get("/api/v1/roles").await.body);
    let r = api
        .post("/api/v1/roles", &json!({ "name": "Supervisor" }))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    conforms(&doc, "RoleOut", &r.body);
    let path = at(r.body["id"].as_str().unwrap());
    conforms(&doc, "RoleOut", &api.get(&path).await.body);
    conforms(
        &doc,
        "RoleOut",
        &api.patch(&path, &json!({ "name": "Lead" })).await.body,
    );
    conforms(&doc, "Problem", &api.get(&at("nope")).await.body);
}

crate::on_both!(
    role_answers_match_the_documented_schemas,
    the_default_roles_carry_the_default_matrix,
    a_custom_role_is_created_edited_and_deleted_once_nobody_holds_it,
    the_default_matrix_is_editable_but_administrators_keep_every_right,
    bad_role_input_is_refused_naming_the_field,
    another_accounts_token_gets_404_for_every_role_endpoint,
    an_administrator_manages_roles,
    managers_and_basic_users_read_roles_but_change_nothing,
    a_role_manager_cannot_grant_rights_they_do_not_hold,
);
