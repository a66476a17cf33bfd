//! The call route answered by another server process on the same database: whatever that
//! process keeps between calls, a change made through the first routes its very next call
//! (R17, SPEC §3) — phones registered and expired, receive calls, deactivation, members,
//! availability.

use serde_json::json;

use crate::sip_route::{
    CARRIER, DOMAIN, agent, department, number, registered, route, setup, uris,
};
use crate::support::{Client, Server};
use crate::token_processes::revoke;
use crate::users::at;

fn mobile(ext: &str) -> String {
    format!("sip:+9198765{ext:0>5}@192.0.2.10:5060;user=phone")
}

fn phone(ext: &str) -> String {
    format!("sip:{ext}@{DOMAIN}")
}

/// Who the other process's route for the department's number rings now.
async fn rung(proxy: &Client) -> Vec<String> {
    let gw = format!("&carrier={CARRIER}");
    uris(&route(proxy, "+14155550100", 0, &gw).await.body)
}

async fn another_process_routes_the_next_call_by_every_change_made_through_the_first(s: Server) {
    let (st, acct) = setup(&s, "Two Process Co").await;
    let a = agent(&s, &acct, &st.admin, "201").await;
    let b = agent(&s, &acct, &st.admin, "202").await;
    let c = agent(&s, &acct, &st.admin, "203").await;
    let d = department(
        &st.admin,
        "Support",
        "ring_all",
        &[a, b, c],
        json!({ "kind": "none" }),
    )
    .await;
    number(&st.admin, a, "+14155550100", d).await;
    let other = s.other_process().await;
    let proxy = other.as_token(st.proxy.token.as_deref().unwrap());
    assert_eq!(
        rung(&proxy).await,
        [mobile("201"), mobile("202"), mobile("203")]
    );
    // Asked twice, so the second process has answered from what it keeps, if anything.
    assert_eq!(
        rung(&proxy).await,
        [mobile("201"), mobile("202"), mobile("203")]
    );

    registered(&st.proxy, "201", 5071, 60).await;
    assert_eq!(
        rung(&proxy).await,
        [phone("201"), mobile("202"), mobile("203")]
    );
    s.app.clock.advance(jiff::SignedDuration::from_secs(61));
    assert_eq!(
        rung(&proxy).await,
        [mobile("201"), mobile("202"), mobile("203")],
        "the registration ended"
    );

    let r = st
        .admin
        .patch(&at(b), &json!({ "receive_calls": false }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(rung(&proxy).await, [mobile("201"), mobile("203")]);

    let r = st
        .admin
        .post(&format!("{}/deactivate", at(c)), &json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert_eq!(rung(&proxy).await, [mobile("201")]);

    let e = agent(&s, &acct, &st.admin, "204").await;
    let members = json!({ "members": [e.to_string(), a.to_string()] });
    let r = st
        .admin
        .put(&format!("/api/v1/departments/{d}/members"), &members)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(rung(&proxy).await, [mobile("204"), mobile("201")]);

    let r = st
        .admin
        .put(
            &format!("{}/availability", at(e)),
            &json!({ "availability": "away" }),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert_eq!(rung(&proxy).await, [mobile("201")]);
}

async fn a_proxy_token_revoked_through_one_process_routes_no_call_on_the_other(s: Server) {
    let (st, acct) = setup(&s, "Two Process Co").await;
    let a = agent(&s, &acct, &st.admin, "201").await;
    let d = department(
        &st.admin,
        "Support",
        "ring_all",
        &[a],
        json!({ "kind": "none" }),
    )
    .await;
    number(&st.admin, a, "+14155550100", d).await;
    let r = st
        .admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "Reports", "role": "Administrator", "scopes": ["api"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let other = s.other_process().await;
    let proxy = other.as_token(st.proxy.token.as_deref().unwrap());
    let reports = other.as_token(r.body["secret"].as_str().unwrap());
    let ask = format!("/api/v1/sip/route?to=%2B14155550100&carrier={CARRIER}");
    // Asked twice each, so the second answer comes from the rights the process keeps.
    for _ in 0..2 {
        assert_eq!(rung(&proxy).await, [mobile("201")]);
        let r = reports.get(&ask).await;
        assert_eq!(
            r.status, 403,
            "a token without the sip:proxy scope: {:?}",
            r.body
        );
    }

    revoke(&st.admin, "Kamailio").await;
    for _ in 0..2 {
        let r = proxy.get(&ask).await;
        assert_eq!(r.status, 401, "the revoked proxy token: {:?}", r.body);
    }
}

crate::on_both!(
    another_process_routes_the_next_call_by_every_change_made_through_the_first,
    a_proxy_token_revoked_through_one_process_routes_no_call_on_the_other,
);
