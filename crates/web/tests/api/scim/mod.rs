//! SCIM 2.0 at `/scim/v2`: Users and Groups as identity providers drive them, and the
//! helpers both use.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Client, Reply};

mod groups;
mod interop;
mod replay;
mod users;

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const EXT: &str = "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User";
pub const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

pub async fn get(c: &Client, path: &str) -> Reply {
    c.scim(Method::GET, path, None, &[]).await
}

pub async fn post(c: &Client, path: &str, body: &Value) -> Reply {
    c.scim(Method::POST, path, Some(body), &[]).await
}

pub async fn patch(c: &Client, path: &str, ops: Value) -> Reply {
    let body = json!({ "schemas": [PATCH], "Operations": ops });
    c.scim(Method::PATCH, path, Some(&body), &[]).await
}

/// Asserts a SCIM Error message with this status and `scimType`.
#[track_caller]
pub fn assert_scim_error(r: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.body["schemas"], json!([ERROR]), "{:?}", r.body);
    assert_eq!(r.body["status"], json!(status.to_string()), "{:?}", r.body);
    assert_eq!(r.body["scimType"].as_str(), scim_type, "{:?}", r.body);
    assert!(!r.body["detail"].as_str().unwrap_or("").is_empty());
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
}

pub fn new_user(email: &str, given: &str, family: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": email,
        "externalId": external_id,
        "name": { "givenName": given, "familyName": family },
        "emails": [{ "value": email, "type": "work", "primary": true }],
        "active": true,
    })
}

pub async fn create(c: &Client, body: &Value) -> String {
    let r = post(c, "/Users", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}
