//! Each default role through the API: Administrators do everything, Managers act only on
//! the users of departments they manage, Basic users read and edit only their own profile.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::Plan;

use super::{PASSWORD, api_as, assert_problem, at, department, number, user};
use crate::support::Server;

async fn an_administrator_can_do_everything(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let ada = user(
        &s,
        &acct,
        json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }),
    )
    .await;
    let api = api_as(&s, &acct, ada, "Administrator").await;
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true, "role": "Administrator" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let priya = at(r.body["user"]["id"].as_str().unwrap());
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Rahul", "mobile": "+919876543211" }),
        )
        .await;
    let rahul_id = r.body["user"]["id"].as_str().unwrap().to_owned();
    let rahul = at(&rahul_id);
    assert_eq!(api.get("/api/v1/users").await.status, 200);
    assert_eq!(api.get(&priya).await.status, 200);
    let r = api
        .patch(&priya, &json!({ "role": "Manager", "extension": "555" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["role"]["name"], "Manager");
    assert_eq!(
        api.post(&format!("{priya}/invite"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        api.post(&format!("{rahul}/deactivate"), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        api.post(&format!("{rahul}/activate"), &json!({}))
            .await
            .status,
        200
    );
    let r = api
        .post(
            &format!("{rahul}/replace"),
            &json!({ "mobile": "+919876543212" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let new_rahul = r.body["id"].as_str().unwrap().to_owned();
    number(&s, &acct.owner_ctx, "+919000000001", ada).await;
    let r = api
        .post(
            &format!("{}/reassign", at(ada)),
            &json!({ "to": new_rahul }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["resources"], 1);
    assert_eq!(
        api.get(&format!("{priya}/deletion-check")).await.status,
        200
    );
    assert_eq!(api.delete(&priya).await.status, 204);
    assert_eq!(api.delete(&rahul).await.status, 204);
    assert_eq!(api.get("/api/v1/extensions/available").await.status, 200);
}

async fn a_manager_acts_only_on_the_users_of_departments_they_manage(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
    )
    .await;
    let rahul = user(
        &s,
        &acct,
        json!({ "name": "Rahul", "mobile": "+919876543211" }),
    )
    .await;
    let olga = user(
        &s,
        &acct,
        json!({ "name": "Olga Other", "mobile": "+919876543212" }),
    )
    .await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![rahul], vec![mia]).await;
    let support = department(&s, &acct.owner_ctx, "Support", vec![olga], vec![]).await;
    let api = api_as(&s, &acct, mia, "Manager").await;

    // Viewing is company-wide.
    let list = api.get("/api/v1/users").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 4);
    assert_eq!(api.get(&at(olga)).await.status, 200);

    // Adding: into Sales, without an external id (that is for administrators).
    let with_id = json!({ "name": "Ivy", "mobile": "+919876543219",
        "departments": [sales.to_string()], "external_id": "00u1" });
    let r = api.post("/api/v1/users", &with_id).await;
    assert_problem(&r, 403, "forbidden", None);
    assert!(
        r.body["detail"].as_str().unwrap().contains("external id"),
        "{:?}",
        r.body
    );

    // Editing: only members of Sales.
    let r = api
        .patch(
            &at(rahul),
            &json!({ "name": "Rahul Verma", "voicemail": true }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = api.patch(&at(olga), &json!({ "name": "Olga O" })).await;
    assert_problem(&r, 403, "forbidden", None);
    let r = api
        .patch(
            &at(rahul),
            &json!({ "departments": [sales.to_string(), support.to_string()] }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    let r = api
        .patch(&at(rahul), &json!({ "role": "Administrator" }))
        .await;
    assert_problem(&r, 403, "forbidden", None);

    // Adding: only into Sales, never with more rights than a Manager.
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "New Hire", "email": "new@acme.example.com", "panel_access": true, "departments": [sales.to_string()] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let hire = at(r.body["user"]["id"].as_str().unwrap());
    assert_eq!(
        api.post(&format!("{hire}/invite"), &json!({})).await.status,
        200
    );
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Loose", "mobile": "+919876543213" }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Elsewhere", "mobile": "+919876543213", "departments": [support.to_string()] }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Boss", "mobile": "+919876543213", "departments": [sales.to_string()], "role": "Administrator" }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);

    // Deactivating, deleting, replacing and reassigning are for Administrators.
    for (method, path, body) in [
        (
            Method::POST,
            format!("{}/deactivate", at(rahul)),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{}/activate", at(rahul)),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("{}/replace", at(rahul)),
            Some(json!({ "mobile": "+919876543214" })),
        ),
        (
            Method::POST,
            format!("{}/reassign", at(rahul)),
            Some(json!({ "to": mia.to_string() })),
        ),
        (Method::GET, format!("{}/deletion-check", at(rahul)), None),
        (Method::DELETE, at(rahul), None),
    ] {
        let r = api.send(method.clone(), &path, body.as_ref(), &[]).await;
        assert_problem(&r, 403, "forbidden", None);
    }
    let still = api.get(&at(rahul)).await;
    assert_eq!(still.body["status"], "active");
    assert_eq!(still.body["mobile"], "+919876543211");
}

async fn a_basic_user_reads_everyone_and_edits_only_their_own_profile(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let bo = user(
        &s,
        &acct,
        json!({ "name": "Bo Basic", "email": "bo@acme.example.com", "panel_access": true }),
    )
    .await;
    let rahul = user(
        &s,
        &acct,
        json!({ "name": "Rahul", "mobile": "+919876543211" }),
    )
    .await;
    let api = api_as(&s, &acct, bo, "Basic").await;

    assert_eq!(api.get("/api/v1/users").await.status, 200);
    assert_eq!(api.get(&at(rahul)).await.status, 200);
    assert_eq!(api.get("/api/v1/extensions/available").await.status, 200);

    let r = api
        .patch(
            &at(bo),
            &json!({ "name": "Bo B", "availability": "busy", "time_zone": "Europe/London" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["time_zone"], "Europe/London");
    for field in [
        json!({ "extension": "555" }),
        json!({ "role": "Administrator" }),
        json!({ "tags": ["x"] }),
        json!({ "receive_calls": false }),
        json!({ "email": "bo2@acme.example.com" }),
    ] {
        let r = api.patch(&at(bo), &field).await;
        assert_problem(&r, 403, "forbidden", None);
    }
    let r = api.patch(&at(rahul), &json!({ "name": "R" })).await;
    assert_problem(&r, 403, "forbidden", None);
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "X", "mobile": "+919876543213" }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    for (method, path) in [
        (Method::POST, format!("{}/deactivate", at(rahul))),
        (Method::POST, format!("{}/activate", at(rahul))),
        (Method::POST, format!("{}/invite", at(rahul))),
        (Method::GET, format!("{}/deletion-check", at(rahul))),
        (Method::DELETE, at(rahul)),
    ] {
        let body = (method == Method::POST).then(|| json!({}));
        let r = api.send(method.clone(), &path, body.as_ref(), &[]).await;
        assert_problem(&r, 403, "forbidden", None);
    }

    // The same through the dashboard session (writes need the CSRF token).
    let (browser, signed_in) = s.sign_in("bo@acme.example.com", PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
    let csrf = signed_in.body["csrf_token"].as_str().unwrap().to_owned();
    let r = browser
        .send(
            Method::PATCH,
            &at(bo),
            Some(&json!({ "name": "Bo Basic" })),
            &[("x-csrf-token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = browser.patch(&at(bo), &json!({ "name": "No Token" })).await;
    assert_problem(&r, 403, "csrf_failed", None);
    let r = browser
        .send(
            Method::PATCH,
            &at(rahul),
            Some(&json!({ "name": "R" })),
            &[("x-csrf-token", csrf.as_str())],
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    assert_eq!(api.get(&at(rahul)).await.body["name"], "Rahul");
}

crate::on_both!(
    an_administrator_can_do_everything,
    a_manager_acts_only_on_the_users_of_departments_they_manage,
    a_basic_user_reads_everyone_and_edits_only_their_own_profile,
);
