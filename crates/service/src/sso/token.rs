//! Validating an OpenID Connect ID token (OpenID Connect Core §3.1.3.7): a JWS in compact
//! form, signed by one of the provider's keys with an asymmetric algorithm, for this client,
//! from this issuer, unexpired, carrying the nonce of this sign-in and, when present, the
//! hash of the access token it came with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::Value;
use switchboard_domain::sso::Identity;

/// Clock difference tolerated between the provider and Switchboard.
const LEEWAY_SECS: i64 = 60;

/// One of the provider's public keys (RFC 7517), as published at its `jwks_uri`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

/// A key set.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// A token split and its header read, before its signature is checked.
pub(crate) struct Parsed<'a> {
    alg: String,
    /// The key id the token names, if any.
    pub kid: Option<String>,
    signed: &'a str,
    signature: Vec<u8>,
    payload: Vec<u8>,
}

/// Why a token was not accepted, in words for the audit log and the person.
pub(crate) type Invalid = String;

/// Splits a compact JWS and reads its header; refuses `none` and symmetric algorithms.
pub(crate) fn parse(token: &str) -> Result<Parsed<'_>, Invalid> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the ID token is not a signed JWT".to_owned());
    };
    let decode = |part: &str| {
        B64.decode(part)
            .map_err(|_| "the ID token is not valid base64url".to_owned())
    };
    let header: Header = serde_json::from_slice(&decode(h)?)
        .map_err(|_| "the ID token's header is not JSON".to_owned())?;
    if !matches!(
        header.alg.as_str(),
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384"
    ) {
        return Err(format!(
            "the ID token is signed with {:?}, which Switchboard does not accept (it needs an asymmetric signature such as RS256)",
            header.alg
        ));
    }
    Ok(Parsed {
        alg: header.alg,
        kid: header.kid,
        signed: &token[..h.len() + 1 + p.len()],
        signature: decode(s)?,
        payload: decode(p)?,
    })
}

impl Parsed<'_> {
    /// Whether a key of the set can be the one that signed this token.
    pub(crate) fn find_key<'k>(&self, jwks: &'k Jwks) -> Option<&'k Jwk> {
        let kty = if self.alg.starts_with("ES") {
            "EC"
        } else {
            "RSA"
        };
        let usable = |k: &&Jwk| k.kty == kty && k.usage.as_deref().is_none_or(|u| u == "sig");
        match &self.kid {
            Some(kid) => jwks
                .keys
                .iter()
                .filter(usable)
                .find(|k| k.kid.as_deref() == Some(kid)),
            // Without a key id, only an unambiguous key set will do.
            None => {
                let mut candidates = jwks.keys.iter().filter(usable);
                match (candidates.next(), candidates.next()) {
                    (Some(k), None) => Some(k),
                    _ => None,
                }
            }
        }
    }

    /// Checks the signature with `key`.
    pub(crate) fn verify(&self, key: &Jwk) -> Result<(), Invalid> {
        let bad_key = || "the provider's signing key could not be read".to_owned();
        let b = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| B64.decode(s).ok())
                .ok_or_else(bad_key)
        };
        let ok = match self.alg.as_str() {
            alg @ ("RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512") => {
                let params: &signature::RsaParameters = match alg {
                    "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                    "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                    "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
                    "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
                    "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
                    _ => &signature::RSA_PSS_2048_8192_SHA512,
                };
                RsaPublicKeyComponents {
                    n: b(&key.n)?,
                    e: b(&key.e)?,
                }
                .verify(params, self.signed.as_bytes(), &self.signature)
                .is_ok()
            }
            alg => {
                let (curve, algorithm): (_, &dyn signature::VerificationAlgorithm) = match alg {
                    "ES256" => ("P-256", &signature::ECDSA_P256_SHA256_FIXED),
                    _ => ("P-384", &signature::ECDSA_P384_SHA384_FIXED),
                };
                if key.crv.as_deref() != Some(curve) {
                    return Err(bad_key());
                }
                let mut point = vec![4u8];
                point.extend(b(&key.x)?);
                point.extend(b(&key.y)?);
                UnparsedPublicKey::new(algorithm, point)
                    .verify(self.signed.as_bytes(), &self.signature)
                    .is_ok()
            }
        };
        if ok {
            Ok(())
        } else {
            Err("the ID token's signature does not match the provider's key".to_owned())
        }
    }
}

/// What the token must say to be accepted.
pub(crate) struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub access_token: Option<&'a str>,
    pub now: jiff::Timestamp,
}

/// Checks the claims of a token whose signature was verified, and reads the identity.
pub(crate) fn check_claims(parsed: &Parsed<'_>, want: &Expected<'_>) -> Result<Identity, Invalid> {
    let claims: Value = serde_json::from_slice(&parsed.payload)
        .map_err(|_| "the ID token's claims are not JSON".to_owned())?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let iss = text("iss").unwrap_or_default();
    if iss != want.issuer {
        return Err(format!(
            "the ID token comes from issuer {iss:?}, not the configured {:?}",
            want.issuer
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == want.client_id,
        Some(Value::Array(list)) => {
            list.iter().any(|a| a.as_str() == Some(want.client_id))
                && (list.len() == 1 || text("azp").as_deref() == Some(want.client_id))
        }
        _ => false,
    };
    if !aud_ok {
        return Err("the ID token was issued to another client (aud)".to_owned());
    }
    let now = want.now.as_second();
    let exp = claims.get("exp").and_then(Value::as_i64);
    if exp.is_none_or(|exp| exp + LEEWAY_SECS <= now) {
        return Err("the ID token has expired".to_owned());
    }
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|nbf| nbf - LEEWAY_SECS > now)
    {
        return Err("the ID token is not valid yet (nbf)".to_owned());
    }
    match text("nonce") {
        Some(n) if n == want.nonce => {}
        Some(_) => return Err("the ID token's nonce belongs to another sign-in".to_owned()),
        None => return Err("the ID token carries no nonce".to_owned()),
    }
    if let (Some(at_hash), Some(access)) = (text("at_hash"), want.access_token)
        && at_hash != token_hash_claim(&parsed.alg, access)
    {
        return Err("the ID token's at_hash does not match the access token".to_owned());
    }
    let subject = text("sub")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "the ID token names no subject (sub)".to_owned())?;
    Ok(Identity {
        issuer: iss,
        subject,
        email: text("email"),
        email_verified: match claims.get("email_verified") {
            Some(Value::Bool(b)) => *b,
            // Some providers send it as a string.
            Some(Value::String(s)) => s == "true",
            _ => false,
        },
        name: text("name"),
        preferred_username: text("preferred_username"),
        upn: text("upn"),
        oid: text("oid"),
    })
}

/// `at_hash`: the left half of the access token's hash with the signature's hash function,
/// base64url-encoded (OpenID Connect Core §3.1.3.6).
fn token_hash_claim(alg: &str, access_token: &str) -> String {
    let algorithm = match &alg[2..] {
        "384" => &ring::digest::SHA384,
        "512" => &ring::digest::SHA512,
        _ => &ring::digest::SHA256,
    };
    let digest = ring::digest::digest(algorithm, access_token.as_bytes());
    let bytes = digest.as_ref();
    B64.encode(&bytes[..bytes.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_and_symmetric_tokens_are_refused_before_any_key_is_read() {
        let h = |alg: &str| B64.encode(format!(r#"{{"alg":"{alg}"}}"#));
        let p = B64.encode(r#"{"sub":"x"}"#);
        for alg in ["none", "HS256", "None"] {
            let token = format!("{}.{p}.", h(alg));
            assert!(parse(&token).is_err(), "{alg} accepted");
        }
        assert!(parse(&format!("{}.{p}.c2ln", h("RS256"))).is_ok());
        assert!(parse("a.b").is_err());
    }

    #[test]
    fn at_hash_is_the_left_half_of_the_hash() {
        // OpenID Connect Core, Appendix A.3's example pair.
        assert_eq!(
            token_hash_claim("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
