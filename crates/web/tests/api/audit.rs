//! `/api/v1/audit-events`: newest first, each filter really filters, cursor paging without
//! gaps or repeats, strict parameters, tenant isolation, and only administrators read it.

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchboard_domain::Plan;

use crate::support::{Client, Server};
use crate::users::{assert_problem, owner_api, user};

/// The `seq`s of a page.
fn seqs(body: &Value) -> Vec<i64> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

/// The items of a page, checked to be a 200.
async fn events(api: &Client, query: &str) -> Vec<Value> {
    let r = api.get(&format!("/api/v1/audit-events{query}")).await;
    assert_eq!(r.status, 200, "{query}: {:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn the_log_reads_newest_first_with_actor_target_and_values(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
    )
    .await;
    let r = api
        .patch(
            &format!("/api/v1/users/{priya}"),
            &json!({ "name": "Priya Nair" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let r = api.get("/api/v1/audit-events").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let seqs = seqs(&r.body);
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    assert_eq!(r.body["next_cursor"], Value::Null);
    let e = &r.body["items"][0];
    assert_eq!(e["action"], "user.updated");
    assert_eq!(e["actor"]["kind"], "api_token");
    assert_eq!(
        e["target"],
        json!({ "kind": "user", "id": priya.to_string(), "name": "Priya Nair" })
    );
    assert_eq!(e["before"], json!({ "name": "Priya Sharma" }));
    assert_eq!(e["after"], json!({ "name": "Priya Nair" }));
    assert_eq!(e["source"], "127.0.0.1");
    assert!(e["at"].as_str().unwrap().ends_with('Z'), "{e}");
}

async fn each_filter_of_the_log_really_filters(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let owner_ctx = &acct.owner_ctx;
    let priya = s
        .app
        .user(
            owner_ctx,
            json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
        )
        .await;
    s.app.clock.advance(SignedDuration::from_hours(1));
    let t1 = s.app.sb.now();
    // Made by the system (the CLI), an hour later.
    let rahul = s
        .app
        .user(
            &acct.system,
            json!({ "name": "Rahul Verma", "mobile": "+919876543211" }),
        )
        .await;
    s.app.clock.advance(SignedDuration::from_hours(1));
    let t2 = s.app.sb.now();
    let r = api
        .patch(
            &format!("/api/v1/users/{priya}"),
            &json!({ "name": "Priya Nair" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let all = events(&api, "").await;
    assert!(all.len() >= 3, "{all:?}");

    let by_action = events(&api, "?action=user.created").await;
    assert!(!by_action.is_empty());
    assert!(by_action.iter().all(|e| e["action"] == "user.created"));
    assert!(by_action.len() < all.len());

    let about_priya = events(&api, &format!("?target={priya}")).await;
    let actions: Vec<&str> = about_priya
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["user.updated", "user.created"]);
    assert!(
        about_priya
            .iter()
            .all(|e| e["target"]["id"] == priya.to_string())
    );

    let by_owner = events(&api, &format!("?actor={}", acct.owner)).await;
    assert!(!by_owner.is_empty());
    assert!(
        by_owner
            .iter()
            .all(|e| e["actor"]["id"] == acct.owner.to_string())
    );
    assert!(
        !by_owner
            .iter()
            .any(|e| e["target"]["id"] == rahul.to_string())
    );

    // Combined: the owner's user.created events only.
    let both = events(
        &api,
        &format!("?actor={}&action=user.created&target={priya}", acct.owner),
    )
    .await;
    assert_eq!(both.len(), 1, "{both:?}");

    // Times: since is inclusive, until exclusive.
    let window = events(&api, &format!("?since={t1}&until={t2}")).await;
    assert!(!window.is_empty());
    assert!(
        window
            .iter()
            .all(|e| e["target"]["id"] == rahul.to_string()),
        "{window:?}"
    );
    let before = events(&api, &format!("?until={t1}")).await;
    assert!(
        !before
            .iter()
            .any(|e| e["target"]["id"] == rahul.to_string())
    );
    assert!(
        before
            .iter()
            .any(|e| e["target"]["id"] == priya.to_string())
    );
    let after = events(&api, &format!("?since={t2}")).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["action"], "user.updated");
    // An offset other than Z means the same instant.
    let later = t2
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(5)))
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let r = api
        .get(&format!(
            "/api/v1/audit-events?since={}",
            later.replace('+', "%2B")
        ))
        .await;
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        1,
        "{later}: {:?}",
        r.body
    );

    assert_eq!(
        events(&api, "?action=user.nothing").await,
        Vec::<Value>::new()
    );
    // No recorded action holds a control character (PostgreSQL cannot even compare NUL).
    assert_eq!(
        events(&api, "?action=user.%00created").await,
        Vec::<Value>::new()
    );
}

async fn the_log_pages_with_an_opaque_cursor_without_gaps_or_repeats(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let api = owner_api(&s, &acct).await;
    for i in 0..5 {
        user(
            &s,
            &acct,
            json!({ "name": format!("User {i}"), "mobile": format!("+91987654321{i}") }),
        )
        .await;
    }
    let all = seqs(&api.get("/api/v1/audit-events?limit=500").await.body);
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let r = api.get(&format!("/api/v1/audit-events{query}")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let page = seqs(&r.body);
        assert!(page.len() <= 2);
        seen.extend(page);
        match r.body["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, all);
    // Filters hold across pages.
    let created = events(&api, "?limit=500&action=user.created").await.len();
    assert_eq!(created, 6, "the owner and five users");
    let r = api
        .get("/api/v1/audit-events?limit=1&action=user.created")
        .await;
    let c = r.body["next_cursor"].as_str().unwrap();
    let r = api
        .get(&format!(
            "/api/v1/audit-events?limit=10&action=user.created&cursor={c}"
        ))
        .await;
    let rest = r.body["items"].as_array().unwrap();
    assert_eq!(rest.len(), created - 1, "{:?}", r.body);
    assert!(rest.iter().all(|e| e["action"] == "user.created"));
}

async fn bad_log_parameters_are_refused_naming_them(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    for (query, field) in [
        ("actor=", "actor"),
        ("actor=olivia", "actor"),
        ("target=", "target"),
        ("target=12345", "target"),
        ("action=", "action"),
        ("since=", "since"),
        ("since=yesterday", "since"),
        ("since=2026-01-01", "since"),
        ("until=2026-01-01T00:00:00", "until"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("cursor=zz", "cursor"),
        ("cursor=6d61696c3a31", "cursor"),
        ("colour=red", "colour"),
    ] {
        let r = api.get(&format!("/api/v1/audit-events?{query}")).await;
        assert_problem(&r, 422, r.code(), Some(field));
    }
    let long = "a".repeat(101);
    let r = api
        .get(&format!("/api/v1/audit-events?action={long}"))
        .await;
    assert_problem(&r, 422, "validation_failed", Some("action"));
}

async fn another_accounts_log_is_never_shown(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let a_api = owner_api(&s, &a).await;
    let b_api = owner_api(&s, &b).await;
    let priya = user(
        &s,
        &a,
        json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
    )
    .await;
    assert!(!events(&a_api, &format!("?target={priya}")).await.is_empty());

    let r = b_api.get("/api/v1/audit-events?limit=500").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let text = r.body.to_string();
    assert!(
        !text.contains("Priya") && !text.contains(&priya.to_string()),
        "{text}"
    );
    assert!(!text.contains(&a.owner.to_string()), "{text}");
    assert_eq!(
        events(&b_api, &format!("?target={priya}")).await,
        Vec::<Value>::new()
    );
    assert_eq!(
        events(&b_api, &format!("?actor={}", a.owner)).await,
        Vec::<Value>::new()
    );
    // A cursor from A's log does not open A's log to B.
    let r = a_api.get("/api/v1/audit-events?limit=1").await;
    let c = r.body["next_cursor"].as_str().unwrap();
    let r = b_api.get(&format!("/api/v1/audit-events?cursor={c}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(!r.body.to_string().contains("Priya"));
}

async fn only_administrators_read_the_log(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let admin = s.as_token(&s.token(&acct.system, "Administrator").await);
    assert_eq!(admin.get("/api/v1/audit-events").await.status, 200);
    for role in ["Manager", "Basic"] {
        let api = s.as_token(&s.token(&acct.system, role).await);
        assert_problem(
            &api.get("/api/v1/audit-events").await,
            403,
            "forbidden",
            None,
        );
    }
    assert_problem(
        &s.anonymous().get("/api/v1/audit-events").await,
        401,
        "unauthorized",
        None,
    );
}

crate::on_both!(
    the_log_reads_newest_first_with_actor_target_and_values,
    each_filter_of_the_log_really_filters,
    the_log_pages_with_an_opaque_cursor_without_gaps_or_repeats,
    bad_log_parameters_are_refused_naming_them,
    another_accounts_log_is_never_shown,
    only_administrators_read_the_log,
);
