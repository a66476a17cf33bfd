//! Discovery (RFC 7644 §4, RFC 7643 §5–7): `ServiceProviderConfig`, `ResourceTypes` and
//! `Schemas`, describing exactly what this server supports.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::error::{ScimError, ScimResult};
use super::{ScimAuthed, location, scim_json};
use crate::AppState;

/// The core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Switchboard's extension of the User resource.
pub const EXT_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User";
/// The ListResponse message.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The PatchOp message.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The most resources one list answer holds.
pub const MAX_RESULTS: u32 = 100;

struct A {
    name: &'static str,
    ty: &'static str,
    multi: bool,
    required: bool,
    case_exact: bool,
    mutability: &'static str,
    uniqueness: &'static str,
    description: &'static str,
}

const fn a(name: &'static str, ty: &'static str, description: &'static str) -> A {
    A {
        name,
        ty,
        multi: false,
        required: false,
        case_exact: false,
        mutability: "readWrite",
        uniqueness: "none",
        description,
    }
}

impl A {
    const fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn mutability(mut self, m: &'static str) -> Self {
        self.mutability = m;
        self
    }
    const fn unique(mut self) -> Self {
        self.uniqueness = "server";
        self
    }

    fn json(&self, subs: &[A]) -> Value {
        let mut v = json!({
            "name": self.name,
            "type": self.ty,
            "multiValued": self.multi,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": if self.name == "id" { "always" } else { "default" },
            "uniqueness": self.uniqueness,
        });
        if !subs.is_empty() {
            v["subAttributes"] = Value::Array(subs.iter().map(|s| s.json(&[])).collect());
        }
        v
    }
}

fn multi_subs(value_desc: &'static str, types: &[&str]) -> Vec<Value> {
    vec![
        a("value", "string", value_desc).json(&[]),
        {
            let mut t = a("type", "string", "The kind of value.").json(&[]);
            t["canonicalValues"] = json!(types);
            t
        },
        a("primary", "boolean", "Whether this is the primary value.").json(&[]),
    ]
}

fn user_schema(base: &str) -> Value {
    let mut emails = a("emails", "complex", "The work email address (one).")
        .multi()
        .json(&[]);
    emails["subAttributes"] = json!(multi_subs("The email address.", &["work"]));
    let mut phones = a(
        "phoneNumbers",
        "complex",
        "The mobile (type mobile; it cannot be changed once set) and the alternate mobile \
         (type other or work), in E.164 form.",
    )
    .multi()
    .json(&[]);
    phones["subAttributes"] = json!(multi_subs(
        "The number in E.164 form.",
        &["mobile", "other", "work"]
    ));
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A Switchboard user",
        "attributes": [
            a("userName", "string", "The user's email address (unique in the account, compared without case); the mobile for users without email.").required().unique().json(&[]),
            a("name", "complex", "The user's name; Switchboard keeps one name, shown as formatted.").json(&[
                a("formatted", "string", "The full name."),
                a("givenName", "string", "All but the last word of the name."),
                a("familyName", "string", "The last word of the name."),
            ]),
            a("displayName", "string", "The full name.").json(&[]),
            emails,
            phones,
            a("active", "boolean", "False when the user is deactivated.").json(&[]),
        ],
        "meta": {"resourceType": "Schema", "location": location(base, "Schemas", USER_SCHEMA)},
    })
}

fn extension_schema(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": EXT_SCHEMA,
        "name": "SwitchboardUser",
        "description": "Switchboard's telephony attributes of a user",
        "attributes": [
            a("extension", "string", "The internal extension, unique in the account and inside its range; the next free one is assigned when omitted.").unique().json(&[]),
            a("role", "string", "The role's name (Administrator, Manager, Basic or a custom role); Basic when omitted.").json(&[]),
            a("panelAccess", "boolean", "Whether the user can sign in to the panel (a licensed seat on the pro plan).").json(&[]),
            a("departments", "complex", "The departments the user belongs to.").multi().mutability("readOnly").json(&[
                a("value", "string", "The department id.").exact().mutability("readOnly"),
                a("display", "string", "The department name.").mutability("readOnly"),
            ]),
        ],
        "meta": {"resourceType": "Schema", "location": location(base, "Schemas", EXT_SCHEMA)},
    })
}

fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "Switchboard users",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": EXT_SCHEMA, "required": false}],
        "meta": {"resourceType": "ResourceType", "location": location(base, "ResourceTypes", "User")},
    })
}

fn list(items: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": items.len(),
        "itemsPerPage": items.len(),
        "startIndex": 1,
        "Resources": items,
    })
}

/// `GET /ServiceProviderConfig`.
pub async fn service_provider_config(State(state): State<AppState>, _: ScimAuthed) -> Response {
    let base = state.sb.settings().public_url.clone();
    scim_json(
        axum::http::StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": format!("{base}/api/v1/docs"),
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A per-account SCIM token (sbs_…) made with `switchboard scim-token create`.",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base}/scim/v2/ServiceProviderConfig"),
            },
        }),
    )
}

/// `GET /Schemas`.
pub async fn schemas(State(state): State<AppState>, _: ScimAuthed) -> Response {
    let base = &state.sb.settings().public_url;
    scim_json(
        axum::http::StatusCode::OK,
        &list(vec![user_schema(base), extension_schema(base)]),
    )
}

/// `GET /Schemas/{id}`.
pub async fn schema(
    State(state): State<AppState>,
    _: ScimAuthed,
    Path(id): Path<String>,
) -> ScimResult<Response> {
    let base = &state.sb.settings().public_url;
    let s = if id == USER_SCHEMA {
        user_schema(base)
    } else if id == EXT_SCHEMA {
        extension_schema(base)
    } else {
        return Err(ScimError::not_found(format!("there is no schema {id:?}")));
    };
    Ok(scim_json(axum::http::StatusCode::OK, &s))
}

/// `GET /ResourceTypes`.
pub async fn resource_types(State(state): State<AppState>, _: ScimAuthed) -> Response {
    let base = &state.sb.settings().public_url;
    scim_json(
        axum::http::StatusCode::OK,
        &list(vec![user_resource_type(base)]),
    )
}

/// `GET /ResourceTypes/{id}`.
pub async fn resource_type(
    State(state): State<AppState>,
    _: ScimAuthed,
    Path(id): Path<String>,
) -> ScimResult<Response> {
    if id != "User" {
        return Err(ScimError::not_found(format!(
            "there is no resource type {id:?}"
        )));
    }
    let base = &state.sb.settings().public_url;
    Ok(scim_json(
        axum::http::StatusCode::OK,
        &user_resource_type(base),
    ))
}
