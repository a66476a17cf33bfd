//! Hostile input never breaks the server: NUL and other control characters, invalid
//! UTF-8, 100,000-character strings, absurd numbers and wrong JSON types, sent to every
//! operation of the OpenAPI document, to the SCIM endpoints and to the dashboard's forms,
//! answer 4xx (or a search that matches nothing) — never 5xx — on both databases.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard_domain::Plan;

use super::scim::USER;
use crate::support::{Client, Server};

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn nul_bytes_are_refused_by_field_or_match_nothing(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let idp = s.scim(&acct).await;
    for q in ["%00", "a%00b", "%1B%5B31m"] {
        let r = api.get(&format!("/api/v1/users?q={q}")).await;
        assert_eq!(r.status, 200, "q={q}: {:?}", r.body);
        assert_eq!(r.body["items"], json!([]), "q={q}");
        let r = api.get(&format!("/api/v1/users?role={q}")).await;
        assert!(r.status.is_success(), "role={q}: {:?}", r.body);
        let r = api.get(&format!("/api/v1/users?tag={q}")).await;
        assert!(r.status.is_success(), "tag={q}: {:?}", r.body);
    }
    let r = api
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "a\u{0}b", "role": "Basic", "scopes": ["api"] }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "name", "{:?}", r.body);
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "N\u{0}ul", "mobile": "+919876543210" }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "name", "{:?}", r.body);

    // SCIM: a filter value with NUL matches nothing; attributes with one are refused.
    // As the filter grammar escapes it (`\u0000`): a value that equals nothing.
    for f in [
        r#"userName eq "\u0000""#,
        r#"emails.value co "a\u0000""#,
        r#"externalId ne "\u0000""#,
    ] {
        let r = idp
            .scim(Method::GET, &format!("/Users?filter={}", enc(f)), None, &[])
            .await;
        assert_eq!(r.status, 200, "{f}: {:?}", r.body);
    }
    let r = idp
        .scim(
            Method::GET,
            &format!("/Users?filter={}", enc(r#"userName eq "\u0000""#)),
            None,
            &[],
        )
        .await;
    assert_eq!(r.body["totalResults"], 0);
    // A raw NUL inside the filter's string is not a string the grammar allows.
    let r = idp
        .scim(
            Method::GET,
            &format!("/Users?filter={}", enc("userName eq \"\u{0}\"")),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["scimType"], "invalidFilter");
    for (attr, body) in [
        (
            "externalId",
            json!({ "schemas": [USER], "userName": "a@acme.example.com", "externalId": "x\u{0}" }),
        ),
        (
            "name.givenName",
            json!({ "schemas": [USER], "userName": "b@acme.example.com", "name": { "givenName": "B\u{0}" } }),
        ),
        (
            "userName",
            json!({ "schemas": [USER], "userName": "c\u{0}@acme.example.com" }),
        ),
    ] {
        let r = idp.scim(Method::POST, "/Users", Some(&body), &[]).await;
        assert_eq!(r.status, 400, "{attr}: {:?}", r.body);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap_or("")
                .contains(attr.split('.').next_back().unwrap()),
            "{attr}: {:?}",
            r.body
        );
    }
    // The dashboard's users list searches the same way.
    let (browser, _) = crate::dashboard::signed_in(&s, "owner@acme.example.com").await;
    let (status, _) = browser.page("/users?q=a%00b").await;
    assert_eq!(status, 200);
}

crate::on_both!(nul_bytes_are_refused_by_field_or_match_nothing);
