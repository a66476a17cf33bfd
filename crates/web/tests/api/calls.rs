//! `/api/v1/calls`, `/api/v1/reports/users` and `/api/v1/users/{id}/availability`.

use serde_json::{Value, json};
use switchboard_domain::{Plan, UserId};

use crate::support::{Client, Server};
use crate::users::{api_as, assert_problem, at, department, owner_api, user};

/// A finished call as the engine reports it.
fn call(id: &str, user: Option<UserId>, dept: Option<String>, outcome: &str, start: &str) -> Value {
    let started: jiff::Timestamp = start.parse().unwrap();
    let ended = started + jiff::SignedDuration::from_secs(150);
    json!({
        "engine_call_id": id,
        "direction": "inbound",
        "caller": "+14155550100",
        "number": "+14155550199",
        "department_id": dept,
        "user_id": user.map(|u| u.to_string()),
        "started_at": started.to_string(),
        "ended_at": ended.to_string(),
        "outcome": outcome,
    })
}

/// A token of the account (no user) that only reports calls, made over the API.
async fn engine(s: &Server, admin: &Client) -> Client {
    let r = admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "Telephony engine", "scopes": ["calls:ingest"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["api_token"]["scopes"], json!(["calls:ingest"]));
    assert_eq!(r.body["api_token"]["role"], Value::Null);
    s.as_token(r.body["secret"].as_str().unwrap())
}

fn ids(r: &crate::support::Reply) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["engine_call_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_engine_reports_each_call_once_and_each_role_reads_the_calls_it_may(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
    )
    .await;
    let basil = user(
        &s,
        &acct,
        json!({ "name": "Basil Basic", "email": "basil@acme.example.com", "panel_access": true }),
    )
    .await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
    )
    .await;
    let support = department(&s, &acct.owner_ctx, "Support", vec![priya], vec![mia]).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![basil], vec![]).await;
    let admin = owner_api(&s, &acct).await;
    let engine = engine(&s, &admin).await;

    let first = call(
        "c1",
        Some(priya),
        Some(support.to_string()),
        "answered",
        "2026-03-01T10:00:00Z",
    );
    let r = engine.post("/api/v1/calls", &first).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["user_name"], "Priya Sharma");
    assert_eq!(r.body["duration_seconds"], 150);
    let id = r.body["id"].clone();
    // The engine retries: the same record answers, nothing is added.
    let r = engine.post("/api/v1/calls", &first).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["id"], id);
    for (cid, who, dept, outcome, start) in [
        (
            "c2",
            Some(basil),
            Some(sales),
            "answered",
            "2026-03-01T11:00:00Z",
        ),
        (
            "c3",
            Some(priya),
            Some(support),
            "missed",
            "2026-03-01T12:00:00Z",
        ),
        (
            "c4",
            None,
            Some(support),
            "abandoned",
            "2026-03-01T13:00:00Z",
        ),
    ] {
        let r = engine
            .post(
                "/api/v1/calls",
                &call(cid, who, dept.map(|d| d.to_string()), outcome, start),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }

    // Only tokens with the ingest scope report calls; the engine's token reads nothing.
    let r = admin
        .post(
            "/api/v1/calls",
            &call("c9", None, None, "missed", "2026-03-01T10:00:00Z"),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    assert_problem(&engine.get("/api/v1/calls").await, 403, "forbidden", None);
    assert_problem(&engine.get("/api/v1/users").await, 403, "forbidden", None);

    // Administrators see every call, newest first; Managers their departments' calls;
    // Basic users their own.
    assert_eq!(
        ids(&admin.get("/api/v1/calls").await),
        ["c4", "c3", "c2", "c1"]
    );
    let manager = api_as(&s, &acct, mia, "Manager").await;
    assert_eq!(ids(&manager.get("/api/v1/calls").await), ["c4", "c3", "c1"]);
    let basic = api_as(&s, &acct, basil, "Basic").await;
    assert_eq!(ids(&basic.get("/api/v1/calls").await), ["c2"]);
    assert_eq!(
        ids(&basic.get(&format!("/api/v1/calls?user_id={priya}")).await),
        Vec::<String>::new()
    );

    // Filters, and pages that walk the whole log once.
    assert_eq!(
        ids(&admin.get("/api/v1/calls?outcome=missed").await),
        ["c3"]
    );
    assert_eq!(
        ids(&admin
            .get(&format!(
                "/api/v1/calls?user_id={priya}&since=2026-03-01T11:00:00Z"
            ))
            .await),
        ["c3"]
    );
    let mut seen = Vec::new();
    let mut path = "/api/v1/calls?limit=3".to_owned();
    loop {
        let r = admin.get(&path).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        seen.extend(ids(&r));
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/calls?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["c4", "c3", "c2", "c1"]);

    // Another account reads none of these, and cannot file calls against them.
    let other = s.account("Globex", Plan::Pro, 5).await;
    let other_admin = owner_api(&s, &other).await;
    assert_eq!(
        ids(&other_admin.get("/api/v1/calls").await),
        Vec::<String>::new()
    );
    let other_engine = self::engine(&s, &other_admin).await;
    let r = other_engine
        .post(
            "/api/v1/calls",
            &call("c1", Some(priya), None, "answered", "2026-03-01T10:00:00Z"),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("user_id"));
    let r = other_engine
        .post(
            "/api/v1/calls",
            &call(
                "x1",
                None,
                Some(support.to_string()),
                "missed",
                "2026-03-01T10:00:00Z",
            ),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("department_id"));
    let r = other_admin
        .get("/api/v1/reports/users?since=2026-02-01T00:00:00Z")
        .await;
    assert_eq!(r.body["items"], json!([]));

    // Managers may not make engine tokens: reported calls move every department's rotation.
    let r = manager
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "mine", "scopes": ["calls:ingest"] }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
}

async fn bad_call_reports_are_refused_naming_the_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let admin = owner_api(&s, &acct).await;
    let engine = engine(&s, &admin).await;
    let good = call("c1", None, None, "missed", "2026-03-01T10:00:00Z");
    let with = |field: &str, value: Value| {
        let mut v = good.clone();
        v[field] = value;
        v
    };
    for (body, field) in [
        (with("engine_call_id", json!("")), "engine_call_id"),
        (with("caller", json!("")), "caller"),
        (with("number", json!("0044 20 7946 0000")), "number"),
        (with("direction", json!("sideways")), "direction"),
        (with("outcome", json!("lost")), "outcome"),
        (with("started_at", json!("yesterday")), "started_at"),
        (with("ended_at", json!("2026-03-01T09:00:00Z")), "ended_at"),
        (with("ended_at", json!("2026-04-01T09:00:00Z")), "ended_at"),
        (with("user_id", json!("someone")), "user_id"),
        (
            with(
                "department_id",
                json!("0190b3c4-0000-7000-8000-000000000000"),
            ),
            "department_id",
        ),
    ] {
        let r = engine.post("/api/v1/calls", &body).await;
        assert_eq!(r.status, 422, "{field}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{:?}", r.body);
    }
    for bad in [
        "/api/v1/calls?since=yesterday",
        "/api/v1/calls?outcome=lost",
        "/api/v1/calls?cursor=zz",
        "/api/v1/calls?limit=0",
        "/api/v1/calls?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z",
        "/api/v1/reports/users?until=soon",
    ] {
        let r = admin.get(bad).await;
        assert_eq!(r.status, 422, "{bad}: {:?}", r.body);
    }
    // Nothing was stored.
    assert_eq!(ids(&admin.get("/api/v1/calls").await), Vec::<String>::new());
}

async fn the_report_still_credits_a_deleted_users_calls_to_them_by_name(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "mobile": "+919876543210", "extension": "204" }),
    )
    .await;
    let ravi = user(
        &s,
        &acct,
        json!({ "name": "Ravi Kumar", "mobile": "+919876543211" }),
    )
    .await;
    let admin = owner_api(&s, &acct).await;
    let engine = engine(&s, &admin).await;
    for (cid, who, outcome, start) in [
        ("c1", priya, "answered", "2026-03-01T10:00:00Z"),
        ("c2", priya, "answered", "2026-03-01T11:00:00Z"),
        ("c3", priya, "missed", "2026-03-01T12:00:00Z"),
        ("c4", ravi, "answered", "2026-03-01T13:00:00Z"),
        // Outside the period asked for below.
        ("c5", priya, "answered", "2026-02-01T10:00:00Z"),
    ] {
        let r = engine
            .post("/api/v1/calls", &call(cid, Some(who), None, outcome, start))
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let r = admin.delete(&at(priya)).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    // Someone new takes Priya's extension; her calls stay hers.
    user(
        &s,
        &acct,
        json!({ "name": "Neha Singh", "mobile": "+919876543212", "extension": "204" }),
    )
    .await;

    let r = admin
        .get("/api/v1/reports/users?since=2026-03-01T00:00:00Z&until=2026-03-02T00:00:00Z")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["items"],
        json!([
            { "user_id": priya.to_string(), "name": "Priya Sharma", "extension": "204",
              "former_user": true, "answered": 2, "missed": 1, "talk_time_seconds": 300 },
            { "user_id": ravi.to_string(), "name": "Ravi Kumar", "extension": r.body["items"][1]["extension"],
              "former_user": false, "answered": 1, "missed": 0, "talk_time_seconds": 150 },
        ])
    );
    let r = admin
        .get(&format!(
            "/api/v1/calls?user_id={priya}&since=2026-03-01T00:00:00Z"
        ))
        .await;
    assert_eq!(ids(&r), ["c3", "c2", "c1"]);
    assert_eq!(r.body["items"][0]["user_name"], "Priya Sharma");
    assert_eq!(r.body["items"][0]["user_extension"], "204");
}

async fn availability_is_set_by_the_user_or_an_admin_and_every_change_is_audited(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let basil = user(
        &s,
        &acct,
        json!({ "name": "Basil Basic", "email": "basil@acme.example.com", "panel_access": true }),
    )
    .await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
    )
    .await;
    let d = department(&s, &acct.owner_ctx, "Support", vec![basil, priya], vec![]).await;
    let admin = owner_api(&s, &acct).await;
    let basic = api_as(&s, &acct, basil, "Basic").await;

    let r = basic
        .put(
            &format!("{}/availability", at(basil)),
            &json!({ "availability": "busy" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["availability"], "busy");
    let r = basic
        .put(
            &format!("{}/availability", at(priya)),
            &json!({ "availability": "offline" }),
        )
        .await;
    assert_problem(&r, 403, "forbidden", None);
    let r = admin
        .put(
            &format!("{}/availability", at(priya)),
            &json!({ "availability": "away" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The same value again changes nothing and records nothing.
    let r = admin
        .put(
            &format!("{}/availability", at(priya)),
            &json!({ "availability": "away" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = admin
        .put(
            &format!("{}/availability", at(priya)),
            &json!({ "availability": "gone" }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("availability"));

    let r = admin
        .get("/api/v1/audit-events?action=user.availability_changed")
        .await;
    let events = r.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{:?}", r.body);
    assert_eq!(events[0]["target"]["name"], "Priya Sharma");
    assert_eq!(events[0]["before"], json!({ "availability": "available" }));
    assert_eq!(events[0]["after"], json!({ "availability": "away" }));
    assert_eq!(events[1]["target"]["name"], "Basil Basic");
    assert_eq!(events[1]["actor"]["kind"], "api_token");

    // Neither rings now, and the ring plan says why.
    let r = admin
        .get(&format!("/api/v1/departments/{d}/ring-plan"))
        .await;
    assert_eq!(r.body["groups"], json!([]));
    let reasons: Vec<&str> = r.body["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["availability_busy", "availability_away"]);
}

crate::on_both!(
    the_engine_reports_each_call_once_and_each_role_reads_the_calls_it_may,
    bad_call_reports_are_refused_naming_the_field,
    the_report_still_credits_a_deleted_users_calls_to_them_by_name,
    availability_is_set_by_the_user_or_an_admin_and_every_change_is_audited,
);
