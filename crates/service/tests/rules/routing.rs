//! The ring plan (SPEC §3) from stored members, calls and settings.

use serde_json::json;
use switchboard_domain::{Plan, RoutingMethod, UserId};
use switchboard_service::Ctx;
use switchboard_service::calls::NewCall;
use switchboard_service::departments::DepartmentPatch;
use switchboard_testkit::{TestApp, both_backends};

use crate::edit::department;

fn call(id: &str, dept: switchboard_domain::DepartmentId, user: UserId, ended: &str) -> NewCall {
    let ended: jiff::Timestamp = ended.parse().unwrap();
    NewCall {
        engine_call_id: id.to_owned(),
        direction: "inbound".to_owned(),
        caller: "+14155550100".to_owned(),
        number: "+14155550199".to_owned(),
        department_id: Some(dept),
        user_id: Some(user),
        reached: None,
        started_at: ended - jiff::SignedDuration::from_mins(3),
        ended_at: ended,
        outcome: "answered".to_owned(),
    }
}

async fn members(app: &TestApp, ctx: &Ctx) -> Vec<UserId> {
    let mut out = Vec::new();
    for (n, m) in [
        ("Asha", "+919800000001"),
        ("Bala", "+919800000002"),
        ("Chen", "+919800000003"),
    ] {
        out.push(app.user(ctx, json!({"name": n, "mobile": m})).await);
    }
    out
}

async fn names(app: &TestApp, ctx: &Ctx, d: switchboard_domain::DepartmentId) -> Vec<String> {
    let view = app.sb.ring_plan(ctx, d, None).await.unwrap();
    view.plan
        .ringing()
        .map(|id| view.member(id).unwrap().name.to_string())
        .collect()
}

async fn round_robin_moves_on_with_each_inbound_call_and_skips_deactivated_members(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let m = members(&app, ctx).await;
    let d = department(&app, ctx, "Support", m.clone(), vec![]).await;
    let rr = DepartmentPatch {
        routing_method: Some(RoutingMethod::RoundRobin),
        ..DepartmentPatch::default()
    };
    app.sb.update_department(ctx, d, rr).await.unwrap();
    assert_eq!(names(&app, ctx, d).await, ["Asha", "Bala", "Chen"]);
    app.sb
        .record_call(&acct.system, call("c1", d, m[0], "2026-03-01T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(names(&app, ctx, d).await, ["Bala", "Chen", "Asha"]);
    app.sb
        .record_call(&acct.system, call("c1", d, m[0], "2026-03-01T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        names(&app, ctx, d).await,
        ["Bala", "Chen", "Asha"],
        "a repeated report of one call does not move the rotation"
    );
    app.sb.deactivate_user(ctx, m[1], None).await.unwrap();
    let view = app.sb.ring_plan(ctx, d, None).await.unwrap();
    assert_eq!(view.plan.excluded.len(), 1);
    assert_eq!(view.plan.excluded[0].0, m[1]);
    assert_eq!(view.plan.excluded[0].1.key(), "inactive");
    assert_eq!(names(&app, ctx, d).await, ["Chen", "Asha"]);
}

async fn longest_idle_rings_whoever_finished_their_last_answered_call_longest_ago(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let m = members(&app, ctx).await;
    let d = department(&app, ctx, "Support", m.clone(), vec![]).await;
    let li = DepartmentPatch {
        routing_method: Some(RoutingMethod::LongestIdle),
        ..DepartmentPatch::default()
    };
    app.sb.update_department(ctx, d, li).await.unwrap();
    app.sb
        .record_call(&acct.system, call("c1", d, m[0], "2026-03-01T09:00:00Z"))
        .await
        .unwrap();
    app.sb
        .record_call(&acct.system, call("c2", d, m[1], "2026-03-01T08:00:00Z"))
        .await
        .unwrap();
    app.sb
        .record_call(&acct.system, call("c3", d, m[0], "2026-03-01T09:30:00Z"))
        .await
        .unwrap();
    assert_eq!(names(&app, ctx, d).await, ["Chen", "Bala", "Asha"]);
}

async fn another_accounts_department_has_no_ring_plan(app: TestApp) {
    let a = app.account("Acme", Plan::Pro, 5).await;
    let b = app.account("Globex", Plan::Pro, 5).await;
    let d = department(&app, &a.owner_ctx, "Support", vec![], vec![]).await;
    let err = app.sb.ring_plan(&b.owner_ctx, d, None).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
    let view = app.sb.ring_plan(&a.owner_ctx, d, None).await.unwrap();
    assert!(view.plan.groups.is_empty() && view.plan.excluded.is_empty());
}

both_backends!(
    round_robin_moves_on_with_each_inbound_call_and_skips_deactivated_members,
    longest_idle_rings_whoever_finished_their_last_answered_call_longest_ago,
    another_accounts_department_has_no_ring_plan,
);
