//! `/api/v1/departments`: settings, members in ring order and managers; bad input named by
//! field; another account's departments and users never reached; each default role's
//! rights.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard_domain::{Plan, UserId};

use crate::support::{Client, Reply, Server};
use crate::users::{api_as, assert_problem, conforms, department, owner_api, user};

fn at(id: impl std::fmt::Display) -> String {
    format!("/api/v1/departments/{id}")
}

async fn put(api: &Client, path: &str, body: Value) -> Reply {
    api.send(Method::PUT, path, Some(&body), &[]).await
}

fn ids(r: &Reply, list: &str) -> Vec<String> {
    r.body[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {:?}", r.body))
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn caller(s: &Server, acct: &switchboard_testkit::TestAccount, n: u32) -> UserId {
    user(
        s,
        acct,
        json!({ "name": format!("Caller {n}"), "mobile": format!("+91987654{n:04}") }),
    )
    .await
}

async fn a_department_is_created_read_listed_edited_and_deleted(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let priya = caller(&s, &acct, 1).await;

    let r = api
        .post("/api/v1/departments", &json!({ "name": "  Sales " }))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["name"], "Sales");
    assert_eq!(r.body["routing_method"], "ring_all");
    assert_eq!(r.body["ring_time_secs"], 20);
    assert_eq!(r.body["business_hours"], json!({}));
    assert_eq!(r.body["time_zone"], "Asia/Kolkata");
    assert_eq!(
        r.body["fallback"],
        json!({ "kind": "voicemail", "department_id": null })
    );
    let sales = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(at(&sales).as_str()));

    let r = api
        .post(
            "/api/v1/departments",
            &json!({
                "name": "Support",
                "routing_method": "sequential",
                "ring_time_secs": 45,
                "business_hours": { "monday": [{ "start": "09:00", "end": "17:30" }] },
                "time_zone": "Europe/London",
                "fallback": { "kind": "department", "department_id": sales },
                "members": [priya.to_string()],
                "managers": [acct.owner.to_string()],
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let support = r.body["id"].as_str().unwrap().to_owned();
    let got = api.get(&at(&support)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, r.body);
    assert_eq!(got.body["routing_method"], "sequential");
    assert_eq!(got.body["ring_time_secs"], 45);
    assert_eq!(
        got.body["business_hours"],
        json!({ "monday": [{ "start": "09:00", "end": "17:30" }] })
    );
    assert_eq!(got.body["time_zone"], "Europe/London");
    assert_eq!(got.body["fallback"]["department_id"], sales.as_str());
    assert_eq!(got.body["members"], json!([priya.to_string()]));
    assert_eq!(got.body["managers"], json!([acct.owner.to_string()]));

    let list = api.get("/api/v1/departments").await;
    assert_eq!(list.status, 200);
    let names: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sales", "Support"]);

    let r = api
        .patch(
            &at(&support),
            &json!({ "name": "Customer Care", "routing_method": "round_robin", "ring_time_secs": 300,
                     "business_hours": {}, "time_zone": null, "fallback": { "kind": "none" } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "Customer Care");
    assert_eq!(r.body["routing_method"], "round_robin");
    assert_eq!(r.body["ring_time_secs"], 300);
    assert_eq!(r.body["business_hours"], json!({}));
    assert_eq!(
        r.body["time_zone"], "Europe/London",
        "null leaves it unchanged"
    );
    assert_eq!(r.body["fallback"]["kind"], "none");
    assert_eq!(r.body["members"], json!([priya.to_string()]));

    assert_eq!(api.delete(&at(&support)).await.status, 204);
    assert_problem(&api.get(&at(&support)).await, 404, "not_found", None);
    assert_problem(&api.delete(&at(&support)).await, 404, "not_found", None);
    // The member is still a user.
    assert_eq!(api.get(&format!("/api/v1/users/{priya}")).await.status, 200);
}

async fn bad_department_input_is_refused_naming_the_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let priya = caller(&s, &acct, 1).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let p = priya.to_string();
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "name": "" }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (
            json!({ "name": "A", "ring_time_secs": 4 }),
            "ring_time_secs",
        ),
        (
            json!({ "name": "A", "ring_time_secs": 301 }),
            "ring_time_secs",
        ),
        (
            json!({ "name": "A", "ring_time_secs": -5 }),
            "ring_time_secs",
        ),
        (
            json!({ "name": "A", "ring_time_secs": "20" }),
            "ring_time_secs",
        ),
        (
            json!({ "name": "A", "routing_method": "random" }),
            "routing_method",
        ),
        (
            json!({ "name": "A", "time_zone": "Mars/Olympus" }),
            "time_zone",
        ),
        (json!({ "name": "A", "time_zone": "" }), "time_zone"),
        (
            json!({ "name": "A", "business_hours": { "monday": [{ "start": "25:00", "end": "26:00" }] } }),
            "business_hours.monday[0]",
        ),
        (
            json!({ "name": "A", "business_hours": { "funday": [] } }),
            "business_hours.funday",
        ),
        (
            json!({ "name": "A", "fallback": { "kind": "department" } }),
            "fallback.department_id",
        ),
        (
            json!({ "name": "A", "fallback": { "kind": "voicemail", "department_id": sales.to_string() } }),
            "fallback.department_id",
        ),
        (
            json!({ "name": "A", "fallback": { "kind": "department", "department_id": "" } }),
            "fallback.department_id",
        ),
        (
            json!({ "name": "A", "fallback": { "kind": "department", "department_id": unknown } }),
            "fallback",
        ),
        (
            json!({ "name": "A", "fallback": { "kind": "hangup" } }),
            "fallback.kind",
        ),
        (json!({ "name": "A", "members": ["nope"] }), "members[0]"),
        (json!({ "name": "A", "members": [p, ""] }), "members[1]"),
        (json!({ "name": "A", "members": [p, p] }), "members[1]"),
        (json!({ "name": "A", "members": [unknown] }), "members[0]"),
        (json!({ "name": "A", "managers": [unknown] }), "managers[0]"),
        (json!({ "name": "A", "colour": "red" }), "colour"),
        (json!({ "routing_method": "ring_all" }), "name"),
    ];
    for (body, field) in cases {
        let r = api.post("/api/v1/departments", &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    let r = api
        .post("/api/v1/departments", &json!({ "name": "SALES" }))
        .await;
    assert_problem(&r, 409, "conflict", Some("name"));

    let path = at(sales);
    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "ring_time_secs": 0 }), "ring_time_secs"),
        (json!({ "members": [] }), "members"),
        (
            json!({ "fallback": { "kind": "department", "department_id": sales.to_string() } }),
            "fallback",
        ),
    ] {
        let r = api.patch(&path, &body).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    for (body, field) in [
        (json!({}), "members"),
        (json!({ "members": "x" }), "members"),
        (json!({ "members": ["x"] }), "members[0]"),
        (json!([[]]), "body"),
    ] {
        let r = put(&api, &format!("{path}/members"), body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {:?}", r.body);
    }
    let r = api
        .send(Method::PUT, &format!("{path}/members"), None, &[])
        .await;
    assert_eq!(r.status, 415, "{:?}", r.body);
    // Ids that are not ids name no department.
    assert_problem(&api.get(&at("not-an-id")).await, 404, "not_found", None);
    assert_problem(
        &api.get(&format!("{}/members", at(""))).await,
        404,
        "not_found",
        None,
    );
}

async fn members_keep_their_ring_order_and_answer_names_and_extensions(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let a = user(
        &s,
        &acct,
        json!({ "name": "Asha", "mobile": "+919876500001", "extension": "201" }),
    )
    .await;
    let b = user(
        &s,
        &acct,
        json!({ "name": "Bala", "mobile": "+919876500002", "extension": "202" }),
    )
    .await;
    let c = user(
        &s,
        &acct,
        json!({ "name": "Chen", "mobile": "+919876500003", "extension": "203" }),
    )
    .await;
    let dep = department(&s, &acct.owner_ctx, "Sales", vec![a], vec![]).await;
    let path = format!("{}/members", at(dep));

    let r = api.get(&path).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({ "members": [{ "id": a.to_string(), "name": "Asha", "extension": "201", "status": "active" }] })
    );

    for order in [vec![c, a, b], vec![b, c, a], vec![a, c]] {
        let want: Vec<String> = order.iter().map(ToString::to_string).collect();
        let r = put(&api, &path, json!({ "members": want })).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(ids(&r, "members"), want);
        assert_eq!(ids(&api.get(&path).await, "members"), want);
        assert_eq!(api.get(&at(dep)).await.body["members"], json!(want));
    }
    let r = api.get(&path).await;
    assert_eq!(r.body["members"][1]["name"], "Chen");
    assert_eq!(r.body["members"][1]["extension"], "203");

    // The users API sees the membership too.
    let u = api.get(&format!("/api/v1/users/{c}")).await;
    assert_eq!(u.body["departments"][0]["id"], dep.to_string());

    let r = put(&api, &path, json!({ "members": [] })).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({ "members": [] }));
}

async fn managers_are_set_read_and_must_be_active(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia", "mobile": "+919876500001", "role": "Manager", "extension": "301" }),
    )
    .await;
    let gone = caller(&s, &acct, 2).await;
    let dep = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let path = format!("{}/managers", at(dep));
    assert_eq!(api.get(&path).await.body, json!({ "managers": [] }));

    let r = put(&api, &path, json!({ "managers": [mia.to_string()] })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({ "managers": [{ "id": mia.to_string(), "name": "Mia", "extension": "301", "status": "active" }] })
    );
    assert_eq!(
        api.get(&at(dep)).await.body["managers"],
        json!([mia.to_string()])
    );

    assert_eq!(
        api.post(&format!("/api/v1/users/{gone}/deactivate"), &json!({}))
            .await
            .status,
        200
    );
    let r = put(
        &api,
        &path,
        json!({ "managers": [mia.to_string(), gone.to_string()] }),
    )
    .await;
    assert_problem(&r, 422, "validation_failed", Some("managers[1]"));
    assert_eq!(ids(&api.get(&path).await, "managers"), [mia.to_string()]);

    // A manager cannot be deleted while they manage it (R8); after removal they can.
    let r = api.delete(&format!("/api/v1/users/{mia}")).await;
    assert_problem(&r, 409, "owns_resources", None);
    assert_eq!(
        put(&api, &path, json!({ "managers": [] })).await.status,
        200
    );
    assert_eq!(
        api.delete(&format!("/api/v1/users/{mia}")).await.status,
        204
    );
}

async fn a_department_another_falls_back_to_cannot_be_deleted(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let support = department(&s, &acct.owner_ctx, "Support", vec![], vec![]).await;
    let r = api
        .patch(
            &at(support),
            &json!({ "fallback": { "kind": "department", "department_id": sales.to_string() } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = api.delete(&at(sales)).await;
    assert_problem(&r, 409, "invalid_state", None);
    assert!(
        r.body["detail"].as_str().unwrap().contains("Support"),
        "{:?}",
        r.body
    );
    assert_eq!(api.delete(&at(support)).await.status, 204);
    assert_eq!(api.delete(&at(sales)).await.status, 204);
}

async fn another_accounts_token_gets_404_for_every_department_endpoint(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    let priya = caller(&s, &a, 1).await;
    let gil = caller(&s, &b, 2).await;
    let sales = department(&s, &a.owner_ctx, "Sales", vec![priya], vec![a.owner]).await;
    department(&s, &b.owner_ctx, "Globex Desk", vec![gil], vec![]).await;
    let before = a_api.get(&at(sales)).await.body;

    let path = at(sales);
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, path.clone(), None),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({ "name": "Hijacked" })),
        ),
        (Method::GET, format!("{path}/members"), None),
        (
            Method::PUT,
            format!("{path}/members"),
            Some(json!({ "members": [gil.to_string()] })),
        ),
        (
            Method::PUT,
            format!("{path}/members"),
            Some(json!({ "members": [] })),
        ),
        (Method::GET, format!("{path}/managers"), None),
        (
            Method::PUT,
            format!("{path}/managers"),
            Some(json!({ "managers": [] })),
        ),
        (Method::DELETE, path.clone(), None),
    ];
    for (method, p, body) in calls {
        let r = b_api.send(method.clone(), &p, body.as_ref(), &[]).await;
        assert_problem(&r, 404, "not_found", None);
        assert!(
            !r.body.to_string().contains("Sales"),
            "{method} {p}: {:?}",
            r.body
        );
    }
    let list = b_api.get("/api/v1/departments").await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "Globex Desk");
    assert_eq!(
        a_api.get(&at(sales)).await.body,
        before,
        "Acme's department is untouched"
    );
}

async fn another_accounts_users_and_departments_cannot_be_named(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let b_api = owner_api(&s, &b).await;
    let priya = caller(&s, &a, 1).await;
    let a_sales = department(&s, &a.owner_ctx, "Sales", vec![priya], vec![]).await;
    let desk = department(&s, &b.owner_ctx, "Desk", vec![], vec![]).await;
    let foreign = priya.to_string();

    let r = put(
        &b_api,
        &format!("{}/members", at(desk)),
        json!({ "members": [foreign] }),
    )
    .await;
    assert_problem(&r, 422, "validation_failed", Some("members[0]"));
    assert!(!r.body.to_string().contains("Caller"), "{:?}", r.body);
    let r = put(
        &b_api,
        &format!("{}/managers", at(desk)),
        json!({ "managers": [a.owner.to_string()] }),
    )
    .await;
    assert_problem(&r, 422, "validation_failed", Some("managers[0]"));
    assert!(!r.body.to_string().contains("Olivia"), "{:?}", r.body);
    let r = b_api
        .post(
            "/api/v1/departments",
            &json!({ "name": "Poach", "members": [foreign] }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("members[0]"));
    let r = b_api
        .patch(
            &at(desk),
            &json!({ "fallback": { "kind": "department", "department_id": a_sales.to_string() } }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("fallback"));
    assert_eq!(
        b_api.get(&format!("{}/members", at(desk))).await.body,
        json!({ "members": [] })
    );
}

async fn an_administrator_manages_every_department(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ada = user(
        &s,
        &acct,
        json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }),
    )
    .await;
    let priya = caller(&s, &acct, 1).await;
    let api = api_as(&s, &acct, ada, "Administrator").await;
    let r = api
        .post("/api/v1/departments", &json!({ "name": "Sales" }))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let path = at(r.body["id"].as_str().unwrap());
    assert_eq!(api.get(&path).await.status, 200);
    assert_eq!(
        api.patch(&path, &json!({ "ring_time_secs": 30 }))
            .await
            .status,
        200
    );
    assert_eq!(
        put(
            &api,
            &format!("{path}/members"),
            json!({ "members": [priya.to_string()] })
        )
        .await
        .status,
        200
    );
    assert_eq!(
        put(
            &api,
            &format!("{path}/managers"),
            json!({ "managers": [ada.to_string()] })
        )
        .await
        .status,
        200
    );
    assert_eq!(
        put(&api, &format!("{path}/managers"), json!({ "managers": [] }))
            .await
            .status,
        200
    );
    assert_eq!(api.delete(&path).await.status, 204);
}

async fn a_manager_reads_departments_and_arranges_only_the_members_of_their_own(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
    )
    .await;
    let rahul = caller(&s, &acct, 1).await;
    let sam = caller(&s, &acct, 2).await;
    let olga = caller(&s, &acct, 3).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![rahul, sam], vec![mia]).await;
    let support = department(&s, &acct.owner_ctx, "Support", vec![olga], vec![]).await;
    let api = api_as(&s, &acct, mia, "Manager").await;

    // Reading is company-wide.
    assert_eq!(
        api.get("/api/v1/departments").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(api.get(&at(support)).await.status, 200);
    assert_eq!(
        api.get(&format!("{}/members", at(support))).await.status,
        200
    );
    assert_eq!(
        api.get(&format!("{}/managers", at(sales))).await.status,
        200
    );

    // Their own department: reorder, remove, add themselves.
    let members = format!("{}/members", at(sales));
    let r = put(
        &api,
        &members,
        json!({ "members": [sam.to_string(), rahul.to_string()] }),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(ids(&r, "members"), [sam.to_string(), rahul.to_string()]);
    let r = put(
        &api,
        &members,
        json!({ "members": [sam.to_string(), mia.to_string()] }),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // ...but not users from outside the departments they manage.
    let r = put(
        &api,
        &members,
        json!({ "members": [sam.to_string(), olga.to_string()] }),
    )
    .await;
    assert_problem(&r, 403, "forbidden", None);
    let r = put(
        &api,
        &members,
        json!({ "members": [acct.owner.to_string()] }),
    )
    .await;
    assert_problem(&r, 403, "forbidden", None);

    // Other departments, settings, managers, creating and deleting are for administrators.
    let r = put(
        &api,
        &format!("{}/members", at(support)),
        json!({ "members": [] }),
    )
    .await;
    assert_problem(&r, 403, "forbidden", None);
    assert_problem(
        &api.patch(&at(sales), &json!({ "ring_time_secs": 30 }))
            .await,
        403,
        "forbidden",
        None,
    );
    let r = put(
        &api,
        &format!("{}/managers", at(sales)),
        json!({ "managers": [mia.to_string(), sam.to_string()] }),
    )
    .await;
    assert_problem(&r, 403, "forbidden", None);
    assert_problem(
        &api.post("/api/v1/departments", &json!({ "name": "Mine" }))
            .await,
        403,
        "forbidden",
        None,
    );
    assert_problem(&api.delete(&at(support)).await, 403, "forbidden", None);
    let left = s
        .app
        .sb
        .get_department(&acct.owner_ctx, support)
        .await
        .unwrap();
    assert_eq!(left.members, [olga]);
}

async fn a_basic_user_reads_departments_but_changes_nothing(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let bea = user(
        &s,
        &acct,
        json!({ "name": "Bea Basic", "email": "bea@acme.example.com", "panel_access": true }),
    )
    .await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![bea], vec![bea]).await;
    for api in [
        api_as(&s, &acct, bea, "Basic").await,
        s.as_token(&s.token(&acct.system, "Basic").await),
    ] {
        assert_eq!(api.get("/api/v1/departments").await.status, 200);
        assert_eq!(api.get(&at(sales)).await.status, 200);
        assert_eq!(api.get(&format!("{}/members", at(sales))).await.status, 200);
        assert_eq!(
            api.get(&format!("{}/managers", at(sales))).await.status,
            200
        );
        let refused = [
            api.post("/api/v1/departments", &json!({ "name": "Mine" }))
                .await,
            api.patch(&at(sales), &json!({ "name": "Mine" })).await,
            put(
                &api,
                &format!("{}/members", at(sales)),
                json!({ "members": [] }),
            )
            .await,
            put(
                &api,
                &format!("{}/managers", at(sales)),
                json!({ "managers": [] }),
            )
            .await,
            api.delete(&at(sales)).await,
        ];
        for r in refused {
            assert_problem(&r, 403, "forbidden", None);
        }
    }
    let d = s
        .app
        .sb
        .get_department(&acct.owner_ctx, sales)
        .await
        .unwrap();
    assert_eq!(
        (d.name.as_str(), d.members, d.managers),
        ("Sales", vec![bea], vec![bea])
    );
}

async fn departments_need_credentials(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let anon = s.anonymous();
    assert_problem(
        &anon.get("/api/v1/departments").await,
        401,
        "unauthorized",
        None,
    );
    assert_problem(&anon.get(&at(sales)).await, 401, "unauthorized", None);
    assert_problem(&anon.delete(&at(sales)).await, 401, "unauthorized", None);
}

async fn department_answers_match_the_documented_schemas(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let doc = s.anonymous().get("/api/v1/openapi.json").await.body;
    let priya = caller(&s, &acct, 1).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let r = api
        .post(
            "/api/v1/departments",
            &json!({ "name": "Support", "business_hours": { "friday": [{ "start": "22:00", "end": "02:00" }] },
                     "fallback": { "kind": "department", "department_id": sales.to_string() },
                     "members": [priya.to_string()], "managers": [acct.owner.to_string()] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    conforms(&doc, "DepartmentOut", &r.body);
    let path = at(r.body["id"].as_str().unwrap());
    conforms(&doc, "DepartmentOut", &api.get(&path).await.body);
    conforms(
        &doc,
        "DepartmentList",
        &api.get("/api/v1/departments").await.body,
    );
    conforms(
        &doc,
        "DepartmentOut",
        &api.patch(&path, &json!({ "ring_time_secs": 10 }))
            .await
            .body,
    );
    conforms(
        &doc,
        "DepartmentMembersOut",
        &api.get(&format!("{path}/members")).await.body,
    );
    conforms(
        &doc,
        "DepartmentManagersOut",
        &api.get(&format!("{path}/managers")).await.body,
    );
    let members = json!({ "members": [priya.to_string()] });
    conforms(
        &doc,
        "DepartmentMembersOut",
        &put(&api, &format!("{path}/members"), members).await.body,
    );
    conforms(&doc, "Problem", &api.get(&at("nope")).await.body);
}

crate::on_both!(
    department_answers_match_the_documented_schemas,
    a_department_is_created_read_listed_edited_and_deleted,
    bad_department_input_is_refused_naming_the_field,
    members_keep_their_ring_order_and_answer_names_and_extensions,
    managers_are_set_read_and_must_be_active,
    a_department_another_falls_back_to_cannot_be_deleted,
    another_accounts_token_gets_404_for_every_department_endpoint,
    another_accounts_users_and_departments_cannot_be_named,
    an_administrator_manages_every_department,
    a_manager_reads_departments_and_arranges_only_the_members_of_their_own,
    a_basic_user_reads_departments_but_changes_nothing,
    departments_need_credentials,
);
