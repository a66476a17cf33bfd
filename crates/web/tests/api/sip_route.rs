//! The call route the SIP proxy forks from (`/api/v1/sip/route`): the ring plan as an
//! `rtjson` document for every routing method, phones where registered and mobiles
//! through the carrier otherwise, then the fallback step by step; and the registrations
//! the proxy reports (`/api/v1/sip/registrations`).

use serde_json::{Value, json};
use switchboard_domain::{DepartmentId, Plan, UserId};

use crate::support::{Client, Reply, Server};
use crate::users::{at, owner_api, user};

pub(crate) const DOMAIN: &str = "route.acme.example";
pub(crate) const CARRIER: &str = "sip:192.0.2.10:5060";
const VOICEMAIL: &str = "sip:192.0.2.20:5060";

pub(crate) struct Setup {
    pub admin: Client,
    pub proxy: Client,
}

pub(crate) async fn setup(s: &Server, name: &str) -> (Setup, switchboard_testkit::TestAccount) {
    let acct = s.account(name, Plan::Pro, 30).await;
    let admin = owner_api(s, &acct).await;
    let r = admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": DOMAIN }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "Kamailio", "scopes": ["sip:proxy"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let proxy = s.as_token(r.body["secret"].as_str().unwrap());
    (Setup { admin, proxy }, acct)
}

/// An active call-only user at `ext` with a mobile, SIP credentials issued.
pub(crate) async fn agent(
    s: &Server,
    acct: &switchboard_testkit::TestAccount,
    admin: &Client,
    ext: &str,
) -> UserId {
    let id = user(
        s,
        acct,
        json!({ "name": format!("Agent {ext}"), "mobile": format!("+9198765{ext:0>5}"), "extension": ext }),
    )
    .await;
    let r = admin
        .post(&format!("{}/sip-credentials", at(id)), &json!({}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    id
}

/// The proxy reports `ext`'s phone registered from `port`.
pub(crate) async fn registered(proxy: &Client, ext: &str, port: u16, expires: u32) {
    let r = proxy
        .post(
            "/api/v1/sip/registrations",
            &json!({ "username": ext, "domain": DOMAIN,
                     "contact": format!("sip:{ext}@10.0.0.5:5060"),
                     "received": format!("sip:198.51.100.7:{port}"), "expires": expires }),
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
}

pub(crate) async fn department(
    admin: &Client,
    name: &str,
    method: &str,
    members: &[UserId],
    fallback: Value,
) -> DepartmentId {
    let r = admin
        .post(
            "/api/v1/departments",
            &json!({ "name": name, "routing_method": method, "ring_time_secs": 15,
                     "fallback": fallback,
                     "members": members.iter().map(ToString::to_string).collect::<Vec<_>>() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().parse().unwrap()
}

/// A number of the account routed to the department.
pub(crate) async fn number(admin: &Client, owner: UserId, e164: &str, dept: DepartmentId) {
    let r = admin
        .post(
            "/api/v1/numbers",
            &json!({ "number": e164, "owner_id": owner.to_string(),
                     "destination": { "type": "department", "id": dept.to_string() } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

pub(crate) async fn route(proxy: &Client, to: &str, stage: u32, gateways: &str) -> Reply {
    proxy
        .get(&format!(
            "/api/v1/sip/route?to={}&stage={stage}{gateways}",
            to.replace('+', "%2B")
        ))
        .await
}

pub(crate) fn uris(doc: &Value) -> Vec<String> {
    doc["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap().to_owned())
        .collect()
}

async fn ring_all_forks_in_parallel_to_phones_and_mobiles_and_skips_who_may_not_ring(s: Server) {
    let (st, acct) = setup(&s, "Ring All Co").await;
    let a = agent(&s, &acct, &st.admin, "201").await;
    let b = agent(&s, &acct, &st.admin, "202").await;
    let off = agent(&s, &acct, &st.admin, "203").await;
    let away = agent(&s, &acct, &st.admin, "204").await;
    let r = st
        .admin
        .patch(&at(off), &json!({ "receive_calls": false }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = st
        .admin
        .put(
            &format!("{}/availability", at(away)),
            &json!({ "availability": "away" }),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    for (ext, port) in [("201", 5071), ("203", 5073), ("204", 5074)] {
        registered(&st.proxy, ext, port, 300).await;
    }
    let d = department(
        &st.admin,
        "Support",
        "ring_all",
        &[a, b, off, away],
        json!({ "kind": "none" }),
    )
    .await;
    number(&st.admin, a, "+14155550100", d).await;

    let gw = format!("&carrier={CARRIER}");
    let r = route(&st.proxy, "+14155550100", 0, &gw).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["version"], "1.0");
    assert_eq!(r.body["routing"], "parallel");
    assert_eq!(r.body["department_id"], d.to_string());
    assert_eq!(r.body["ring_time_ms"], 15000);
    assert_eq!(
        uris(&r.body),
        vec![
            format!("sip:201@{DOMAIN}"),
            "sip:+919876500202@192.0.2.10:5060;user=phone".to_owned()
        ]
    );
    assert_eq!(r.body["routes"][0]["dst_uri"], "sip:198.51.100.7:5071");
    assert_eq!(r.body["routes"][0]["via"], "phone");
    assert_eq!(r.body["routes"][0]["user_id"], a.to_string());
    assert_eq!(r.body["routes"][1]["dst_uri"], CARRIER);
    assert_eq!(r.body["routes"][1]["via"], "mobile");

    // Without a carrier gateway the user with no phone cannot be reached, and says so.
    let r = route(&st.proxy, "+14155550100", 0, "").await;
    assert_eq!(uris(&r.body), vec![format!("sip:201@{DOMAIN}")]);
    assert_eq!(r.body["unreachable"][0]["user_id"], b.to_string());
    assert_eq!(r.body["unreachable"][0]["reason"], "no_phone_no_carrier");

    // The dashboard's Test call says the same, in words.
    let (browser, _) = crate::dashboard::signed_in(&s, "owner@ringallco.example.com").await;
    let (status, page) = browser.page(&format!("/test-call?department={d}")).await;
    assert_eq!(status, 200, "{page}");
    let real = page.split("On the real system").nth(1).unwrap_or("");
    assert!(real.contains("Agent 201"), "{page}");
    assert!(real.contains("rings their SIP phone"), "{page}");
    assert!(
        real.contains("no phone registered: rings their mobile +919876500202 through the carrier"),
        "{page}"
    );

    // R17 on the very next call: a deactivated user no longer rings.
    let r = st
        .admin
        .post(&format!("{}/deactivate", at(a)), &json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = route(&st.proxy, "+14155550100", 0, &gw).await;
    assert_eq!(
        uris(&r.body),
        vec!["sip:+919876500202@192.0.2.10:5060;user=phone".to_owned()]
    );
}

async fn serial_methods_ring_one_at_a_time_in_the_plans_order(s: Server) {
    let (st, acct) = setup(&s, "Serial Co").await;
    let a = agent(&s, &acct, &st.admin, "201").await;
    let b = agent(&s, &acct, &st.admin, "202").await;
    let c = agent(&s, &acct, &st.admin, "203").await;
    for (ext, port) in [("201", 5071), ("202", 5072), ("203", 5073)] {
        registered(&st.proxy, ext, port, 300).await;
    }
    let phones = |exts: &[&str]| -> Vec<String> {
        exts.iter().map(|e| format!("sip:{e}@{DOMAIN}")).collect()
    };
    let seq = department(
        &st.admin,
        "Sales",
        "sequential",
        &[b, a, c],
        json!({ "kind": "none" }),
    )
    .await;
    number(&st.admin, a, "+14155550101", seq).await;
    let r = route(&st.proxy, "+14155550101", 0, "").await;
    assert_eq!(r.body["routing"], "serial");
    assert_eq!(uris(&r.body), phones(&["202", "201", "203"]));
    assert!(
        r.body["routes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["fr_inv_timer"] == 15000)
    );

    // Round robin starts after the member who took the last call.
    let rr = department(
        &st.admin,
        "Billing",
        "round_robin",
        &[a, b, c],
        json!({ "kind": "none" }),
    )
    .await;
    number(&st.admin, a, "+14155550102", rr).await;
    let r = route(&st.proxy, "+14155550102", 0, "").await;
    assert_eq!(uris(&r.body), phones(&["201", "202", "203"]));
    report_answered(&st.proxy, "rr-1", "+14155550102", rr, "201").await;
    let r = route(&st.proxy, "+14155550102", 0, "").await;
    assert_eq!(uris(&r.body), phones(&["202", "203", "201"]));

    // Longest idle: whoever answered last rings last.
    let li = department(
        &st.admin,
        "Care",
        "longest_idle",
        &[a, b, c],
        json!({ "kind": "none" }),
    )
    .await;
    number(&st.admin, a, "+14155550103", li).await;
    report_answered(&st.proxy, "li-1", "+14155550103", li, "201").await;
    let r = route(&st.proxy, "+14155550103", 0, "").await;
    assert_eq!(uris(&r.body), phones(&["202", "203", "201"]));
}

/// The proxy reports a call answered on `reached`'s phone, as a form, like Kamailio does.
async fn report_answered(
    proxy: &Client,
    id: &str,
    number: &str,
    dept: DepartmentId,
    reached: &str,
) {
    let dept = dept.to_string();
    let form = [
        ("engine_call_id", id),
        ("direction", "inbound"),
        ("caller", "+14155550123"),
        ("number", number),
        ("department_id", dept.as_str()),
        ("reached", reached),
        ("started_at", "2026-03-02T08:50:00Z"),
        ("ended_at", "2026-03-02T08:55:00Z"),
        ("outcome", "answered"),
    ];
    let res = proxy
        .http
        .post(format!("{}/api/v1/calls", proxy.base))
        .bearer_auth(proxy.token.as_deref().unwrap())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user_extension"], reached);
}

async fn fallbacks_come_one_step_at_a_time_and_end_in_a_hang_up(s: Server) {
    let (st, acct) = setup(&s, "Fallback Co").await;
    let a = agent(&s, &acct, &st.admin, "201").await;
    let b = agent(&s, &acct, &st.admin, "202").await;
    registered(&st.proxy, "201", 5071, 300).await;
    registered(&st.proxy, "202", 5072, 300).await;
    let overflow = department(
        &st.admin,
        "Overflow",
        "ring_all",
        &[b],
        json!({ "kind": "voicemail" }),
    )
    .await;
    let front = department(
        &st.admin,
        "Front",
        "sequential",
        &[a],
        json!({ "kind": "department", "department_id": overflow.to_string() }),
    )
    .await;
    number(&st.admin, a, "+14155550104", front).await;
    let vm = format!("&voicemail={VOICEMAIL}");
    let r = route(&st.proxy, "+14155550104", 0, &vm).await;
    assert_eq!(uris(&r.body), vec![format!("sip:201@{DOMAIN}")]);
    assert_eq!(r.body["stage"], 0);
    assert_eq!(r.body["called_department_id"], front.to_string());
    let r = route(&st.proxy, "+14155550104", 1, &vm).await;
    assert_eq!(r.body["stage"], 1);
    assert_eq!(r.body["department_id"], overflow.to_string());
    assert_eq!(r.body["called_department_id"], front.to_string());
    assert_eq!(uris(&r.body), vec![format!("sip:202@{DOMAIN}")]);
    let r = route(&st.proxy, "+14155550104", 2, &vm).await;
    assert_eq!(r.body["step"], "voicemail");
    assert_eq!(
        uris(&r.body),
        vec!["sip:+14155550104@192.0.2.20:5060".to_owned()]
    );
    assert_eq!(r.body["routes"][0]["dst_uri"], VOICEMAIL);
    assert_eq!(route(&st.proxy, "+14155550104", 3, &vm).await.status, 204);
    // Without a voicemail server, the voicemail fallback hangs up.
    assert_eq!(route(&st.proxy, "+14155550104", 2, "").await.status, 204);

    // A fallback back to the first department does not loop.
    let r = st
        .admin
        .patch(
            &format!("/api/v1/departments/{overflow}"),
            &json!({ "fallback": { "kind": "department", "department_id": front.to_string() } }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(route(&st.proxy, "+14155550104", 2, &vm).await.status, 204);

    // Nobody can ring at stage 0: the first step is the fallback's.
    let r = st
        .admin
        .post(&format!("{}/deactivate", at(a)), &json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let r = route(&st.proxy, "+14155550104", 0, &vm).await;
    assert_eq!(uris(&r.body), vec![format!("sip:202@{DOMAIN}")]);

    // A direct call to an extension: the user, then their voicemail.
    let r = st.admin.patch(&at(b), &json!({ "voicemail": true })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = route(&st.proxy, "202", 0, &vm).await;
    assert_eq!(r.body["routing"], "serial");
    assert_eq!(r.body["routes"][0]["fr_inv_timer"], 30000);
    let r = route(&st.proxy, "202", 1, &vm).await;
    assert_eq!(uris(&r.body), vec!["sip:202@192.0.2.20:5060".to_owned()]);
    // Unknown numbers and extensions are not found.
    assert_eq!(route(&st.proxy, "+14155550999", 0, "").await.status, 404);
    assert_eq!(route(&st.proxy, "299", 0, "").await.status, 404);
}

async fn registrations_expire_are_forgotten_and_only_the_proxy_reports_them(s: Server) {
    let (st, acct) = setup(&s, "Expiry Co").await;
    let id = agent(&s, &acct, &st.admin, "201").await;
    let creds = format!("{}/sip-credentials", at(id));
    assert!(st.admin.get(&creds).await.body["registered_until"].is_null());
    let gw = format!("&carrier={CARRIER}");
    registered(&st.proxy, "201", 5071, 60).await;
    assert_eq!(
        route(&st.proxy, "201", 0, &gw).await.body["routes"][0]["via"],
        "phone"
    );
    let until = st.admin.get(&creds).await.body["registered_until"].clone();
    assert_eq!(
        until, "2026-03-02T09:01:00Z",
        "the test clock's 09:00 + 60 s"
    );
    let (browser, _) = crate::dashboard::signed_in(&s, "owner@expiryco.example.com").await;
    let (_, page) = browser.page(&format!("/users/{id}/edit")).await;
    assert!(page.contains("a phone is registered until"), "{page}");
    s.app.clock.advance(jiff::SignedDuration::from_secs(61));
    assert_eq!(
        route(&st.proxy, "201", 0, &gw).await.body["routes"][0]["via"],
        "mobile"
    );
    assert!(st.admin.get(&creds).await.body["registered_until"].is_null());
    let (_, page) = browser.page(&format!("/users/{id}/edit")).await;
    assert!(page.contains("no phone registered now"), "{page}");
    registered(&st.proxy, "201", 5071, 60).await;
    registered(&st.proxy, "201", 5071, 0).await;
    assert_eq!(
        route(&st.proxy, "201", 0, &gw).await.body["routes"][0]["via"],
        "mobile"
    );

    // The proxy names the answering user by what it reached, for inbound calls only.
    let r = st
        .proxy
        .post(
            "/api/v1/calls",
            &json!({ "engine_call_id": "x-1", "direction": "outbound", "caller": "201",
                     "number": "+14155550100", "user_id": id.to_string(),
                     "started_at": "2026-03-02T08:50:00Z", "ended_at": "2026-03-02T08:51:00Z",
                     "outcome": "answered" }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["direction", "user_id"], "{:?}", r.body);

    // Bad reports name the field; others' tokens may not report or ask.
    let r = st
        .proxy
        .post(
            "/api/v1/sip/registrations",
            &json!({ "username": "201", "domain": DOMAIN, "contact": "http://x", "expires": 60 }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "contact");
    let r = st
        .proxy
        .get("/api/v1/sip/route?to=201&carrier=sip:gw@192.0.2.1")
        .await;
    assert_eq!(r.body["errors"][0]["field"], "carrier", "{:?}", r.body);
    let r = st
        .admin
        .post("/api/v1/sip/registrations",
            &json!({ "username": "201", "domain": DOMAIN, "contact": "sip:201@10.0.0.5", "expires": 60 }))
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(st.admin.get("/api/v1/sip/route?to=201").await.status, 403);
    // Another account's proxy sees nothing of this one.
    let (other, _) = setup_other(&s).await;
    assert_eq!(route(&other, "201", 0, "").await.status, 404);
    let r = other
        .post("/api/v1/sip/registrations",
            &json!({ "username": "201", "domain": DOMAIN, "contact": "sip:201@10.0.0.5", "expires": 60 }))
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
}

async fn setup_other(s: &Server) -> (Client, ()) {
    let acct = s.account("Other Co", Plan::Pro, 5).await;
    let admin = owner_api(s, &acct).await;
    let r = admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": "other.example" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "K", "scopes": ["sip:proxy"] }),
        )
        .await;
    (s.as_token(r.body["secret"].as_str().unwrap()), ())
}

crate::on_both!(
    ring_all_forks_in_parallel_to_phones_and_mobiles_and_skips_who_may_not_ring,
    serial_methods_ring_one_at_a_time_in_the_plans_order,
    fallbacks_come_one_step_at_a_time_and_end_in_a_hang_up,
    registrations_expire_are_forgotten_and_only_the_proxy_reports_them,
);
