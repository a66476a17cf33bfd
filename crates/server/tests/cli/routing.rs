//! `switchboard ring-plan`: who would ring for a department, and why not.

use serde_json::json;
use switchboard_domain::{Fallback, Name, Plan, RoutingMethod, WeeklySchedule};
use switchboard_service::departments::NewDepartment;
use switchboard_testkit::{Backend, TestApp};

use crate::{run, stderr, stdout};

async fn an_operator_sees_who_rings_in_order_and_why_the_others_do_not(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let asha = app
        .user(
            ctx,
            json!({ "name": "Asha Rao", "mobile": "+919800000001", "extension": "201" }),
        )
        .await;
    let bala = app
        .user(ctx, json!({ "name": "Bala Iyer", "mobile": "+919800000002", "extension": "202", "receive_calls": false }))
        .await;
    let d = app
        .sb
        .create_department(
            ctx,
            NewDepartment {
                name: Name::parse("name", "Support").unwrap(),
                routing_method: RoutingMethod::Sequential,
                ring_time_secs: 20,
                business_hours: WeeklySchedule::any_time(),
                time_zone: None,
                fallback: Fallback::Voicemail,
                members: vec![bala, asha],
                managers: vec![],
                external_id: None,
            },
        )
        .await
        .unwrap()
        .id;
    let dir = tempfile::tempdir().unwrap();
    let account = acct.id.to_string();
    let department = d.to_string();
    let o = run(
        &app.db.url,
        dir.path(),
        &[
            "ring-plan",
            "--account",
            &account,
            "--department",
            &department,
            "--at",
            "2026-06-01T10:00:00Z",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Support (sequential) at 2026-06-01T10:00:00Z: open"),
        "{out}"
    );
    assert!(out.contains("  1. Asha Rao (extension 201)"), "{out}");
    assert!(
        out.contains("not ringing: Bala Iyer (extension 202): receive_calls_off"),
        "{out}"
    );
    assert!(out.contains("fallback: voicemail"), "{out}");

    let o = run(
        &app.db.url,
        dir.path(),
        &[
            "ring-plan",
            "--account",
            &account,
            "--department",
            &department,
            "--at",
            "noon",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--at \"noon\" is not an RFC 3339 time"),
        "{}",
        stderr(&o)
    );
}

crate::on_both!(an_operator_sees_who_rings_in_order_and_why_the_others_do_not);
