//! Calls to a department's number ring whom its plan says, on the wire.

use std::time::Duration;

use serde_json::json;
use switchboard_domain::UserId;

use super::agents::{Agent, Answer, call};
use super::{
    Kamailio, SipAccount, call_log, credentials, free_udp_port, routed_department, scratch,
    sip_account, sip_tools,
};
use crate::support::Server;
use crate::users::{at, user};

/// A user at `ext` with a mobile, and their SIP credentials.
async fn member(
    s: &Server,
    sa: &SipAccount,
    ext: &str,
    extra: serde_json::Value,
) -> (UserId, String) {
    let mut input = json!({ "name": format!("Agent {ext}"), "mobile": format!("+9198765{ext:0>5}"), "extension": ext });
    if let (Some(m), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    let id = user(s, &sa.acct, input).await;
    let pw = credentials(&sa.admin, id).await;
    (id, pw)
}

use super::registered_phone as phone;

fn weekday_not_today() -> &'static str {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .weekday()
        .to_monday_zero_offset();
    DAYS[usize::try_from((today + 3) % 7).unwrap()]
}

async fn ring_all_rings_exactly_the_plans_users_at_once_and_the_answer_cancels_the_rest(s: Server) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("ring-all");
    let sa = sip_account(&s, "Ring All Calls").await;
    let carrier_port = free_udp_port();
    let k = Kamailio::start(&dir, &s.base, &sa.proxy_token, carrier_port, None).await;
    let (priya, pw1) = member(&s, &sa, "201", json!({})).await;
    let (omar, pw2) = member(&s, &sa, "202", json!({})).await;
    let (off, pw3) = member(&s, &sa, "203", json!({})).await;
    let (away, pw4) = member(&s, &sa, "204", json!({})).await;
    let (later, pw5) = member(
        &s,
        &sa,
        "205",
        json!({ "time_zone": "UTC",
        "call_hours": { weekday_not_today(): [{ "start": "09:00", "end": "10:00" }] } }),
    )
    .await;
    let (gone, pw6) = member(&s, &sa, "206", json!({})).await;
    let (mobile_only, _) = member(&s, &sa, "207", json!({})).await;

    let answers = phone(
        &dir,
        &k,
        "201",
        &pw1,
        Answer::After(Duration::from_millis(1500)),
    )
    .await;
    let rings = phone(&dir, &k, "202", &pw2, Answer::Never).await;
    let excluded = [
        phone(&dir, &k, "203", &pw3, Answer::Never).await,
        phone(&dir, &k, "204", &pw4, Answer::Never).await,
        phone(&dir, &k, "205", &pw5, Answer::Never).await,
        phone(&dir, &k, "206", &pw6, Answer::Never).await,
    ];
    let carrier = Agent::phone(&dir, "carrier", &k.address, carrier_port, Answer::Never).await;
    // Phones that registered, then their users stopped taking calls.
    assert_eq!(
        sa.admin
            .patch(&at(off), &json!({ "receive_calls": false }))
            .await
            .status,
        200
    );
    let r = sa
        .admin
        .put(
            &format!("{}/availability", at(away)),
            &json!({ "availability": "away" }),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = sa
        .admin
        .post(&format!("{}/deactivate", at(gone)), &json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let dept = routed_department(
        &sa,
        "Support",
        "ring_all",
        20,
        &[priya, omar, off, away, later, gone, mobile_only],
        json!({ "kind": "none" }),
        "+14155550100",
    )
    .await;

    assert!(
        call(
            &dir,
            &k.address,
            "+14155550100",
            Duration::from_millis(500),
            200
        )
        .await,
        "the call is answered; logs in {}",
        dir.display()
    );
    let first = answers.invites();
    let second = rings.invites();
    let via_carrier = carrier.invites();
    assert_eq!(
        (first.len(), second.len(), via_carrier.len()),
        (1, 1, 1),
        "{first:?} {second:?} {via_carrier:?}"
    );
    assert!(
        (first[0].at - second[0].at).abs() < 0.5,
        "rung at once: {first:?} {second:?}"
    );
    assert!((first[0].at - via_carrier[0].at).abs() < 0.5);
    assert!(
        via_carrier[0]
            .first_line
            .starts_with("INVITE sip:+919876500207@127.0.0.1:"),
        "the user with no phone rings on their mobile: {via_carrier:?}"
    );
    for a in &excluded {
        assert!(
            a.invites().is_empty(),
            "{} was rung: {:?}",
            a.name,
            a.received()
        );
    }
    // The answer cancels the others.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rings.was_cancelled(), "{:?}", rings.received());
    assert!(carrier.was_cancelled(), "{:?}", carrier.received());
    assert!(!answers.was_cancelled());

    // The call record names who answered.
    let log = wait_for_calls(&sa, 1).await;
    assert_eq!(log[0]["outcome"], "answered", "{log:?}");
    assert_eq!(log[0]["user_id"], priya.to_string());
    assert_eq!(log[0]["department_id"], dept);
    assert_eq!(log[0]["number"], "+14155550100");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The call log once it has `n` calls (the proxy reports a call as it ends).
async fn wait_for_calls(sa: &SipAccount, n: usize) -> Vec<serde_json::Value> {
    for _ in 0..50 {
        let log = call_log(sa).await;
        if log.len() >= n {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the call log never had {n} calls: {:?}", call_log(sa).await);
}

async fn sequential_rings_one_at_a_time_for_the_ring_time_then_records_a_missed_call(s: Server) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("sequential");
    let sa = sip_account(&s, "Sequential Calls").await;
    let k = Kamailio::start(&dir, &s.base, &sa.proxy_token, free_udp_port(), None).await;
    let mut ids = Vec::new();
    let mut phones = Vec::new();
    for ext in ["201", "202", "203"] {
        let (id, pw) = member(&s, &sa, ext, json!({})).await;
        ids.push(id);
        phones.push(phone(&dir, &k, ext, &pw, Answer::Never).await);
    }
    // Ring order is member order: 202 first.
    let order = [ids[1], ids[0], ids[2]];
    routed_department(
        &sa,
        "Sales",
        "sequential",
        5,
        &order,
        json!({ "kind": "none" }),
        "+14155550101",
    )
    .await;

    assert!(
        call(&dir, &k.address, "+14155550101", Duration::ZERO, 480).await,
        "nobody answers: the caller hears 480; logs in {}",
        dir.display()
    );
    let t: Vec<f64> = [1usize, 0, 2]
        .iter()
        .map(|&i| {
            let inv = phones[i].invites();
            assert_eq!(
                inv.len(),
                1,
                "{}: {:?}",
                phones[i].name,
                phones[i].received()
            );
            assert!(phones[i].was_cancelled());
            inv[0].at
        })
        .collect();
    for w in t.windows(2) {
        let gap = w[1] - w[0];
        assert!(
            (4.5..7.0).contains(&gap),
            "each rings its 5 s in turn: {t:?}"
        );
    }
    let log = wait_for_calls(&sa, 1).await;
    assert_eq!(log[0]["outcome"], "missed", "{log:?}");
    assert!(log[0]["user_id"].is_null());
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_user_deactivated_between_two_calls_is_not_rung_and_the_fallback_takes_the_call(
    s: Server,
) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("deactivated");
    let sa = sip_account(&s, "Fallback Calls").await;
    let (k, voicemail) = Kamailio::with_voicemail(&dir, &s.base, &sa.proxy_token).await;
    let (slow, pw1) = member(&s, &sa, "201", json!({})).await;
    let (quick, pw2) = member(&s, &sa, "202", json!({})).await;
    let slow_phone = phone(&dir, &k, "201", &pw1, Answer::Never).await;
    let quick_phone = phone(
        &dir,
        &k,
        "202",
        &pw2,
        Answer::After(Duration::from_millis(500)),
    )
    .await;
    routed_department(
        &sa,
        "Front desk",
        "ring_all",
        5,
        &[slow, quick],
        json!({ "kind": "voicemail" }),
        "+14155550102",
    )
    .await;

    assert!(
        call(
            &dir,
            &k.address,
            "+14155550102",
            Duration::from_millis(200),
            200
        )
        .await
    );
    let log = wait_for_calls(&sa, 1).await;
    assert_eq!(log[0]["user_id"], quick.to_string(), "{log:?}");

    let r = sa
        .admin
        .post(&format!("{}/deactivate", at(quick)), &json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert!(
        call(
            &dir,
            &k.address,
            "+14155550102",
            Duration::from_millis(200),
            200
        )
        .await,
        "voicemail answers the second call; logs in {}",
        dir.display()
    );
    assert_eq!(
        quick_phone.invites().len(),
        1,
        "not rung on the second call"
    );
    assert_eq!(slow_phone.invites().len(), 2);
    let vm = voicemail.invites();
    assert_eq!(vm.len(), 1, "{:?}", voicemail.received());
    assert!(
        vm[0]
            .first_line
            .starts_with("INVITE sip:+14155550102@127.0.0.1:"),
        "{vm:?}"
    );
    let log = wait_for_calls(&sa, 2).await;
    assert_eq!(log[0]["outcome"], "voicemail", "{log:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn round_robin_moves_on_with_the_calls_the_proxy_reports(s: Server) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("round-robin");
    let sa = sip_account(&s, "Round Robin Calls").await;
    let k = Kamailio::start(&dir, &s.base, &sa.proxy_token, free_udp_port(), None).await;
    let quick = Answer::After(Duration::from_millis(200));
    let (first, pw1) = member(&s, &sa, "201", json!({})).await;
    let (second, pw2) = member(&s, &sa, "202", json!({})).await;
    let phone1 = phone(&dir, &k, "201", &pw1, quick).await;
    let phone2 = phone(&dir, &k, "202", &pw2, quick).await;
    routed_department(
        &sa,
        "Billing",
        "round_robin",
        5,
        &[first, second],
        json!({ "kind": "none" }),
        "+14155550103",
    )
    .await;

    assert!(
        call(
            &dir,
            &k.address,
            "+14155550103",
            Duration::from_millis(100),
            200
        )
        .await
    );
    wait_for_calls(&sa, 1).await;
    assert_eq!((phone1.invites().len(), phone2.invites().len()), (1, 0));
    // The record of the first call moved the rotation: the second call starts at 202.
    assert!(
        call(
            &dir,
            &k.address,
            "+14155550103",
            Duration::from_millis(100),
            200
        )
        .await
    );
    let log = wait_for_calls(&sa, 2).await;
    assert_eq!((phone1.invites().len(), phone2.invites().len()), (1, 1));
    assert_eq!(log[0]["user_id"], second.to_string(), "{log:?}");
    assert_eq!(log[1]["user_id"], first.to_string(), "{log:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_serial_step_hands_the_call_to_the_fallback_departments_own_ring_time(s: Server) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("fallback-department");
    let sa = sip_account(&s, "Overflow Calls").await;
    let k = Kamailio::start(&dir, &s.base, &sa.proxy_token, free_udp_port(), None).await;
    let (front, pw1) = member(&s, &sa, "201", json!({})).await;
    let (back, pw2) = member(&s, &sa, "202", json!({})).await;
    let front_phone = phone(&dir, &k, "201", &pw1, Answer::Never).await;
    // Answers after longer than the first department's ring time: the overflow step keeps
    // its own ring time.
    let back_phone = phone(&dir, &k, "202", &pw2, Answer::After(Duration::from_secs(7))).await;
    let r = sa
        .admin
        .post(
            "/api/v1/departments",
            &json!({ "name": "Overflow", "routing_method": "sequential", "ring_time_secs": 15,
                     "fallback": { "kind": "none" }, "members": [back.to_string()] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let overflow = r.body["id"].as_str().unwrap().to_owned();
    let dept = routed_department(
        &sa,
        "Front",
        "sequential",
        5,
        &[front],
        json!({ "kind": "department", "department_id": overflow }),
        "+14155550104",
    )
    .await;
    assert!(
        call(
            &dir,
            &k.address,
            "+14155550104",
            Duration::from_millis(200),
            200
        )
        .await,
        "the overflow department answers; logs in {}",
        dir.display()
    );
    let (f, b) = (front_phone.invites(), back_phone.invites());
    assert_eq!((f.len(), b.len()), (1, 1), "{f:?} {b:?}");
    assert!((4.5..7.0).contains(&(b[0].at - f[0].at)), "{f:?} {b:?}");
    assert!(!back_phone.was_cancelled());
    let log = wait_for_calls(&sa, 1).await;
    assert_eq!(log[0]["user_id"], back.to_string(), "{log:?}");
    assert_eq!(
        log[0]["department_id"], dept,
        "the record names the number's department"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

crate::on_both!(
    ring_all_rings_exactly_the_plans_users_at_once_and_the_answer_cancels_the_rest,
    sequential_rings_one_at_a_time_for_the_ring_time_then_records_a_missed_call,
    a_user_deactivated_between_two_calls_is_not_rung_and_the_fallback_takes_the_call,
    round_robin_moves_on_with_the_calls_the_proxy_reports,
    a_serial_step_hands_the_call_to_the_fallback_departments_own_ring_time,
);
