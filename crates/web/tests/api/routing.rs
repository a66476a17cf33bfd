//! `/api/v1/departments/{id}/ring-plan`.

use serde_json::json;
use switchboard_domain::schedule::SlotText;
use switchboard_domain::{Fallback, Name, Plan, RoutingMethod, WeeklySchedule};
use switchboard_service::departments::NewDepartment;

use crate::support::Server;

fn hours(day: &str, start: &str, end: &str) -> WeeklySchedule {
    let mut m = std::collections::BTreeMap::new();
    m.insert(
        day.to_owned(),
        vec![SlotText {
            start: start.to_owned(),
            end: end.to_owned(),
        }],
    );
    WeeklySchedule::parse("call_hours", &m).unwrap()
}

async fn the_ring_plan_names_who_rings_and_why_the_others_do_not(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let asha = s
        .app
        .user(
            ctx,
            json!({ "name": "Asha Rao", "mobile": "+919800000001", "extension": "201" }),
        )
        .await;
    let nia = s
        .app
        .user(
            ctx,
            json!({ "name": "Nia Cole", "mobile": "+919800000002", "time_zone": "America/New_York",
                    "call_hours": { "sunday": [{ "start": "09:00", "end": "17:00" }] } }),
        )
        .await;
    let priya = s
        .app
        .sb
        .add_user(
            ctx,
            switchboard_testkit::new_user(json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true })),
        )
        .await
        .unwrap()
        .user
        .id;
    let d = s
        .app
        .sb
        .create_department(
            ctx,
            NewDepartment {
                name: Name::parse("name", "Support").unwrap(),
                routing_method: RoutingMethod::Sequential,
                ring_time_secs: 20,
                business_hours: hours("sunday", "00:00", "24:00"),
                time_zone: None,
                fallback: Fallback::Voicemail,
                members: vec![nia, asha, priya],
                managers: vec![],
                external_id: None,
            },
        )
        .await
        .unwrap()
        .id;
    let api = s.as_token(&s.token(&acct.system, "Basic").await);

    // Sunday 8 March 2026, 08:30 EDT (12:30Z): New York has just moved its clocks.
    let r = api
        .get(&format!(
            "/api/v1/departments/{d}/ring-plan?at=2026-03-08T12:30:00Z"
        ))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["routing_method"], "sequential");
    assert_eq!(r.body["open"], true);
    assert_eq!(
        r.body["groups"],
        json!([[{ "id": asha.to_string(), "name": "Asha Rao", "extension": "201" }]])
    );
    let excluded = r.body["excluded"].as_array().unwrap();
    assert_eq!(excluded[0]["user"]["name"], "Nia Cole");
    assert_eq!(excluded[0]["reason"], "outside_call_hours");
    assert_eq!(
        excluded[0]["local_time"],
        "2026-03-08T08:30:00-04:00[America/New_York]"
    );
    assert_eq!(excluded[0]["next_opening"], "2026-03-08T13:00:00Z");
    assert_eq!(excluded[1]["user"]["name"], "Priya Sharma");
    assert_eq!(excluded[1]["reason"], "pending_invite");
    assert_eq!(r.body["fallback"]["kind"], "voicemail");

    // Monday: the department is closed; everyone who could otherwise ring is told so.
    let r = api
        .get(&format!(
            "/api/v1/departments/{d}/ring-plan?at=2026-03-09T12:30:00Z"
        ))
        .await;
    assert_eq!(r.body["open"], false);
    assert_eq!(r.body["groups"], json!([]));
    assert_eq!(r.body["excluded"][1]["reason"], "department_closed");
    // The department keeps the account's time zone (Asia/Kolkata): Sunday 00:00 IST.
    assert_eq!(
        r.body["excluded"][1]["next_opening"],
        "2026-03-14T18:30:00Z"
    );

    let r = api
        .get(&format!("/api/v1/departments/{d}/ring-plan?at=yesterday"))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "at");

    let other = s.account("Globex", Plan::Pro, 5).await;
    let other_api = s.as_token(&s.token(&other.system, "Administrator").await);
    let r = other_api
        .get(&format!("/api/v1/departments/{d}/ring-plan"))
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
}

crate::on_both!(the_ring_plan_names_who_rings_and_why_the_others_do_not);
