//! The stories: phones register (or are refused), and calls ring whom the plan says.

use std::time::Duration;

use serde_json::json;

use super::agents::{Answer, call, register};
use super::{DOMAIN, Kamailio, credentials, registered_phone, scratch, sip_account, sip_tools};
use crate::support::Server;
use crate::users::{at, user};

async fn phones_register_with_their_credentials_and_r17_refuses_the_rest(s: Server) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("register");
    let sa = sip_account(&s, "Register Co").await;
    let agent = user(
        &s,
        &sa.acct,
        json!({ "name": "Priya", "mobile": "+919876540201", "extension": "201" }),
    )
    .await;
    let leaver = user(
        &s,
        &sa.acct,
        json!({ "name": "Omar", "mobile": "+919876540202", "extension": "202" }),
    )
    .await;
    let gone = user(
        &s,
        &sa.acct,
        json!({ "name": "Lena", "mobile": "+919876540203", "extension": "203" }),
    )
    .await;
    let pw = credentials(&sa.admin, agent).await;
    let pw_leaver = credentials(&sa.admin, leaver).await;
    let pw_gone = credentials(&sa.admin, gone).await;
    let k = Kamailio::start(&dir, &s.base, &sa.proxy_token, super::free_udp_port(), None).await;

    let port = super::free_udp_port();
    assert!(
        register(
            &dir,
            &k.address,
            port,
            ("201", DOMAIN, "not-the-password"),
            403
        )
        .await,
        "a wrong password is refused"
    );
    assert!(
        register(&dir, &k.address, port, ("201", DOMAIN, &pw), 200).await,
        "the issued password registers"
    );
    // The proxy told Switchboard where the phone is: the route rings it there.
    let proxy = s.as_token(&sa.proxy_token);
    let r = proxy.get("/api/v1/sip/route?to=201").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["routes"][0]["via"], "phone");
    assert_eq!(r.body["routes"][0]["uri"], format!("sip:201@{DOMAIN}"));
    assert_eq!(
        r.body["routes"][0]["dst_uri"],
        format!("sip:127.0.0.1:{port}")
    );

    let r = sa
        .admin
        .post(&format!("{}/deactivate", at(leaver)), &json!({}))
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert!(
        register(
            &dir,
            &k.address,
            super::free_udp_port(),
            ("202", DOMAIN, &pw_leaver),
            403
        )
        .await,
        "a deactivated user's phone is refused"
    );
    let r = sa.admin.delete(&at(gone)).await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert!(
        register(
            &dir,
            &k.address,
            super::free_udp_port(),
            ("203", DOMAIN, &pw_gone),
            403
        )
        .await,
        "a deleted user's phone is refused"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_call_to_an_extension_rings_the_registered_phone(s: Server) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("direct");
    let sa = sip_account(&s, "Direct Co").await;
    let agent = user(
        &s,
        &sa.acct,
        json!({ "name": "Priya", "mobile": "+919876540201", "extension": "201" }),
    )
    .await;
    let pw = credentials(&sa.admin, agent).await;
    let k = Kamailio::start(&dir, &s.base, &sa.proxy_token, super::free_udp_port(), None).await;
    let phone = registered_phone(
        &dir,
        &k,
        "201",
        &pw,
        Answer::After(Duration::from_millis(300)),
    )
    .await;
    assert!(
        call(&dir, &k.address, "201", Duration::from_millis(300), 200).await,
        "the call was answered; see {}",
        dir.display()
    );
    let invites = phone.invites();
    assert_eq!(invites.len(), 1, "{invites:?}");
    assert!(
        invites[0]
            .first_line
            .starts_with(&format!("INVITE sip:201@{DOMAIN}")),
        "{invites:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn an_unanswered_direct_call_goes_on_to_the_users_voicemail(s: Server) {
    if !sip_tools() {
        return;
    }
    let dir = scratch("direct-voicemail");
    let sa = sip_account(&s, "Voicemail Co").await;
    let agent = user(&s, &sa.acct, json!({ "name": "Priya", "mobile": "+919876540201", "extension": "201", "voicemail": true })).await;
    let pw = credentials(&sa.admin, agent).await;
    let (k, voicemail) = Kamailio::with_voicemail(&dir, &s.base, &sa.proxy_token).await;
    let phone = registered_phone(&dir, &k, "201", &pw, Answer::Never).await;
    let started = std::time::Instant::now();
    assert!(
        call(&dir, &k.address, "201", Duration::from_millis(200), 200).await,
        "voicemail answers; see {}",
        dir.display()
    );
    // The phone rang its 30 s, was cancelled, and the voicemail server took the call.
    assert!(
        started.elapsed() >= Duration::from_secs(29),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(phone.invites().len(), 1);
    assert!(phone.was_cancelled());
    let vm = voicemail.invites();
    assert_eq!(vm.len(), 1, "{:?}", voicemail.received());
    assert!(
        vm[0].first_line.starts_with("INVITE sip:201@127.0.0.1:"),
        "{vm:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

crate::on_both!(
    phones_register_with_their_credentials_and_r17_refuses_the_rest,
    a_call_to_an_extension_rings_the_registered_phone,
    an_unanswered_direct_call_goes_on_to_the_users_voicemail,
);
