//! The provider, driven as a relying party would: the authorization code flow with PKCE by
//! hand, then a look inside the ID tokens. Skipped without [`OIDC_PROVIDER_ENV`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::*;

/// The app's address: nothing listens there, the callback URL is only read.
const APP: &str = "http://127.0.0.1:9";

/// A relying party with a provider of its own.
struct Rp {
    op: OidcProvider,
    discovery: Value,
    http: reqwest::Client,
}

/// An ID token taken apart.
struct IdToken {
    header: Value,
    payload: Value,
    signature: String,
}

impl Rp {
    async fn start() -> Option<Rp> {
        let op = OidcProvider::start(APP).await?;
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let discovery = get_json(
            &http,
            &format!("{}/.well-known/openid-configuration", op.issuer),
        )
        .await;
        assert_eq!(discovery["issuer"], op.issuer.as_str());
        Some(Rp {
            op,
            discovery,
            http,
        })
    }

    fn endpoint(&self, name: &str) -> &str {
        self.discovery[name].as_str().unwrap()
    }

    async fn kids(&self) -> Vec<String> {
        let jwks = get_json(&self.http, self.endpoint("jwks_uri")).await;
        let keys = jwks["keys"].as_array().unwrap();
        keys.iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Signs `login` in (through the provider's forms when it asks) and redeems the code.
    async fn sign_in(&self, login: &str, extra: &[(&str, &str)]) -> IdToken {
        let verifier = format!(
            "{}{}",
            uuid::Uuid::now_v7().simple(),
            uuid::Uuid::now_v7().simple()
        );
        let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
        let state = uuid::Uuid::now_v7().to_string();
        let nonce = uuid::Uuid::now_v7().to_string();
        let redirect_uri = format!("{APP}/sso/callback/acme");
        let mut params = vec![
            ("client_id", CLIENT_ID),
            ("redirect_uri", &redirect_uri),
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        params.extend_from_slice(extra);
        let authorize =
            Url::parse_with_params(self.endpoint("authorization_endpoint"), &params).unwrap();

        let callback = Url::parse(&self.op.log_in(authorize.as_str(), login).await).unwrap();
        assert!(callback.as_str().starts_with(&redirect_uri), "{callback}");
        let query = |name: &str| {
            callback
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("no {name} in {callback}"))
        };
        assert_eq!(query("state"), state);
        assert_eq!(query("iss"), self.op.issuer);

        let response = self
            .http
            .post(self.endpoint("token_endpoint"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &query("code")),
                ("redirect_uri", &redirect_uri),
                ("code_verifier", &verifier),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let tokens: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{tokens}");
        let token = IdToken::parse(tokens["id_token"].as_str().unwrap());
        // Only a few tampers keep the nonce; the tests below check it where it is kept.
        if token.payload.get("nonce").is_some() && token.payload["nonce"] != "n-not-sent" {
            assert_eq!(token.payload["nonce"], nonce.as_str());
        }
        token
    }
}

impl IdToken {
    fn parse(jwt: &str) -> IdToken {
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3, "{jwt}");
        let json =
            |part: &str| -> Value { serde_json::from_slice(&B64.decode(part).unwrap()).unwrap() };
        IdToken {
            header: json(parts[0]),
            payload: json(parts[1]),
            signature: parts[2].to_owned(),
        }
    }
}

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_person_signs_in_with_the_code_flow_and_pkce() {
    let Some(rp) = Rp::start().await else { return };

    let alice = rp.sign_in("alice@example.com", &[]).await;
    assert_eq!(alice.header["alg"], "RS256");
    assert_eq!(rp.kids().await, [alice.header["kid"].as_str().unwrap()]);
    let p = &alice.payload;
    assert_eq!(p["iss"], rp.op.issuer.as_str());
    assert_eq!(p["aud"], CLIENT_ID);
    assert!(p.get("nonce").is_some(), "{p}");
    assert_eq!(p["email"], "alice@example.com");
    assert_eq!(p["email_verified"], true);
    assert_eq!(p["name"], "alice");
    assert_eq!(p["preferred_username"], "alice@example.com");
    let sub = p["sub"].as_str().unwrap();
    assert!(sub.starts_with("sub-") && sub.len() == 24, "{sub}");
    let oid = p["oid"].as_str().unwrap();
    assert!(uuid::Uuid::try_parse(oid).is_ok(), "{oid}");

    // The same person again has the same subject.
    let again = rp.sign_in("alice@example.com", &[]).await;
    assert_eq!(again.payload["sub"], sub);

    // Another person signs in with their own browser.
    let bob = rp.sign_in("unverified.bob@example.com", &[]).await;
    assert_eq!(bob.payload["email"], "unverified.bob@example.com");
    assert_eq!(bob.payload["email_verified"], false);
    assert_ne!(bob.payload["sub"], sub);
    assert_ne!(bob.payload["oid"], oid);
}

#[tokio::test]
async fn each_tamper_spoils_one_id_token() {
    let Some(rp) = Rp::start().await else { return };
    let good = rp.sign_in("carol@example.com", &[]).await;
    let kids = rp.kids().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();

    for tamper in [
        Tamper::AlgNone,
        Tamper::UnknownKey,
        Tamper::WrongIssuer,
        Tamper::WrongAudience,
        Tamper::Expired,
        Tamper::NoNonce,
        Tamper::OtherNonce,
        Tamper::BadAtHash,
        Tamper::BadSignature,
    ] {
        rp.op.tamper_next_token(tamper).await;
        let t = rp.sign_in("carol@example.com", &[]).await;
        let (h, p) = (&t.header, &t.payload);
        let kid = h["kid"].as_str().unwrap_or_default();
        let signed_by_real_key = h["alg"] == "RS256" && kids.iter().any(|k| k == kid);
        match tamper {
            Tamper::AlgNone => {
                assert_eq!(*h, serde_json::json!({ "alg": "none" }));
                assert_eq!(t.signature, "");
                assert_eq!(p["email"], "carol@example.com");
            }
            Tamper::UnknownKey => {
                assert_eq!(h["alg"], "RS256");
                assert!(!kid.is_empty() && !kids.iter().any(|k| k == kid), "{h}");
            }
            Tamper::WrongIssuer => assert_eq!(p["iss"], "http://127.0.0.1:1/other"),
            Tamper::WrongAudience => assert_eq!(p["aud"], "another-client"),
            Tamper::Expired => assert!(p["exp"].as_u64().unwrap() < now, "{p}"),
            Tamper::NoNonce => assert!(p.get("nonce").is_none(), "{p}"),
            Tamper::OtherNonce => assert_eq!(p["nonce"], "n-not-sent"),
            Tamper::BadAtHash => assert_eq!(p["at_hash"].as_str().unwrap().len(), 22),
            Tamper::BadSignature => {
                assert_eq!(p["email"], "mallory@example.com");
                assert_eq!(p["sub"], good.payload["sub"]);
            }
        }
        let resigned = !matches!(
            tamper,
            Tamper::AlgNone | Tamper::UnknownKey | Tamper::BadSignature
        );
        assert!(!resigned || signed_by_real_key, "{tamper:?}: {h}");

        // One token only: the next one is as issued.
        let next = rp.sign_in("carol@example.com", &[]).await;
        assert_eq!(next.header, good.header, "after {tamper:?}");
        assert_eq!(next.payload["iss"], rp.op.issuer.as_str());
        assert_eq!(next.payload["email"], "carol@example.com");
        assert!(next.payload.get("at_hash").is_none());
    }
}

#[tokio::test]
async fn rotating_keys_replaces_the_signing_key() {
    let Some(rp) = Rp::start().await else { return };
    let before = rp.sign_in("dave@example.com", &[]).await;
    let old = rp.kids().await;

    rp.op.rotate_keys().await;
    let new = rp.kids().await;
    assert_eq!(new.len(), 1);
    assert!(!old.contains(&new[0]), "{old:?} then {new:?}");

    // Signing in still works, and the tokens name the new key.
    let after = rp.sign_in("dave@example.com", &[]).await;
    assert_eq!(after.header["kid"], new[0].as_str());
    assert_eq!(after.payload["sub"], before.payload["sub"]);
}

#[test]
fn forms_are_read_from_the_provider_pages() {
    let html = r#"<div><form autocomplete="off" action="http://127.0.0.1:5/interaction/a&amp;b" method="post">
  <input type="hidden" name="prompt" value="login"/>
  <input required type="text" name="login" placeholder="Enter any login" autofocus="on">
  <input required type="password" name="password" placeholder="and password" >
  <button type="submit">Sign-in</button></form><form action="/other"></form></div>"#;
    let form = Form::find(html).unwrap();
    assert_eq!(form.action, "http://127.0.0.1:5/interaction/a&b");
    assert_eq!(
        form.fill("x@example.com"),
        [
            ("prompt".to_owned(), "login".to_owned()),
            ("login".to_owned(), "x@example.com".to_owned()),
            ("password".to_owned(), "any password".to_owned()),
        ]
    );
    assert!(Form::find("<p>no form</p>").is_none());
}
