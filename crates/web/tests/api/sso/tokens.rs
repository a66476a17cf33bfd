//! The callback's checks: the state belongs to this browser and is used once, and the ID
//! token is refused when anything about it is wrong — each case made by the real provider
//! with its answer altered on the way out.

use serde_json::json;
use switchboard_domain::Plan;
use switchboard_testkit::oidc::Tamper;

use super::{Browser, assert_refused, assert_signed_in, audited, set_up};
use crate::support::Server;

const PRIYA: &str = "priya@acme.example.com";

async fn with_priya(s: Server) -> Option<super::Sso> {
    let sso = set_up(s, Plan::Pro, 5, json!({})).await?;
    sso.s
        .app
        .user(
            &sso.acct.owner_ctx,
            json!({"name": "Priya Sharma", "email": PRIYA, "panel_access": true}),
        )
        .await;
    Some(sso)
}

async fn a_state_from_another_browser_or_used_twice_is_refused(s: Server) {
    let Some(sso) = with_priya(s).await else {
        return;
    };
    let s = &sso.s;
    // Started in one browser, brought back in another (a forced sign-in).
    let victim = Browser::new(s);
    let attacker = Browser::new(s);
    let back = sso.idp.log_in(&attacker.start().await, PRIYA).await;
    let landed = victim.callback(&back).await;
    assert_refused(&victim, &landed, "not started in this browser").await;

    // The same answer twice: the first signs in, the replay is refused.
    let b = Browser::new(s);
    let back = sso.idp.log_in(&b.start().await, PRIYA).await;
    assert_signed_in(&b, &b.callback(&back).await, PRIYA).await;
    let replay = Browser::new(s);
    let landed = replay.callback(&back).await;
    assert_refused(&replay, &landed, "not started in this browser").await;

    // An answer brought back to another account's connection (a mix-up: its provider
    // would be handed this provider's code) is refused before any code is spent.
    let globex = sso.s.account("Globex", Plan::Pro, 5).await;
    let mut other = super::connection(&sso.idp);
    other["slug"] = json!("globex");
    other["email_domains"] = json!([]);
    let r = super::owner_api(s, &globex)
        .await
        .put("/api/v1/account/sso", &other)
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{:?}", r.body);
    let b = Browser::new(s);
    let back = sso.idp.log_in(&b.start().await, PRIYA).await;
    let landed = b
        .callback(&back.replace("/sso/callback/acme", "/sso/callback/globex"))
        .await;
    assert_refused(&b, &landed, "does not belong to the sign-in").await;

    // A state that was never issued, with a cookie to match.
    let b = Browser::new(s);
    let auth = b.start().await;
    let back = sso.idp.log_in(&auth, PRIYA).await;
    let forged = back.replace("state=", "state=x");
    let landed = b.callback(&forged).await;
    assert_eq!(landed.status, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(b.who().await, None);
}

async fn bad_id_tokens_are_refused_and_audited(s: Server) {
    let Some(sso) = with_priya(s).await else {
        return;
    };
    let cases = [
        (Tamper::AlgNone, "does not accept"),
        (Tamper::UnknownKey, "key the provider does not publish"),
        (Tamper::BadSignature, "signature does not match"),
        (Tamper::WrongIssuer, "comes from issuer"),
        (Tamper::WrongAudience, "another client"),
        (Tamper::Expired, "has expired"),
        (Tamper::NoNonce, "carries no nonce"),
        (Tamper::OtherNonce, "nonce belongs to another sign-in"),
        (Tamper::BadAtHash, "at_hash does not match"),
    ];
    for (i, (tamper, words)) in cases.iter().enumerate() {
        let b = Browser::new(&sso.s);
        let auth = b.start().await;
        let back = sso.idp.log_in(&auth, PRIYA).await;
        sso.idp.tamper_next_token(*tamper).await;
        let landed = b.callback(&back).await;
        assert_refused(&b, &landed, words).await;
        let refusals = audited(&sso, "sso.sign_in_refused").await;
        assert_eq!(refusals.len(), i + 1, "{tamper:?}");
        assert_eq!(refusals[i]["reason"], "invalid_token");
    }
    // Nothing was linked by any of them; an honest token still works.
    assert!(audited(&sso, "user.sso_linked").await.is_empty());
    let b = Browser::new(&sso.s);
    let landed = b.sign_in(&sso.idp, PRIYA).await;
    assert_signed_in(&b, &landed, PRIYA).await;
}

async fn a_rotated_provider_key_is_fetched_on_the_next_sign_in(s: Server) {
    let Some(sso) = with_priya(s).await else {
        return;
    };
    let b = Browser::new(&sso.s);
    assert_signed_in(&b, &b.sign_in(&sso.idp, PRIYA).await, PRIYA).await;
    sso.idp.rotate_keys().await;
    let b = Browser::new(&sso.s);
    assert_signed_in(&b, &b.sign_in(&sso.idp, PRIYA).await, PRIYA).await;
}

crate::on_both!(
    a_state_from_another_browser_or_used_twice_is_refused,
    bad_id_tokens_are_refused_and_audited,
    a_rotated_provider_key_is_fetched_on_the_next_sign_in,
);
