//! Discovery (RFC 7644 §4, RFC 7643 §5–7): `ServiceProviderConfig`, `ResourceTypes` and
//! `Schemas`, describing exactly what this server supports.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::error::{ScimError, ScimResult};
use super::{ScimAuthed, location, scim_json};
use crate::AppState;
use switchboard_service::Ctx;

/// The core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema (RFC 7643 §4.2); a group is a department.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Switchboard's extension of the User resource.
pub const EXT_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User";
/// The enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
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
        // An entry without a value says nothing: the value is what each one is for.
        a("value", "string", value_desc).required().json(&[]),
        {
            let mut t = a("type", "string", "The kind of value.").json(&[]);
            t["canonicalValues"] = json!(types);
            t
        },
        a("primary", "boolean", "Whether this is the primary value.").json(&[]),
    ]
}

fn user_schema(base: &str) -> Value {
    let mut emails = a(
        "emails",
        "complex",
        "The work email address (one): the primary, else the work, else the first one sent. Independent of userName.",
    )
    .multi()
    .required()
    .json(&[]);
    emails["subAttributes"] = json!(multi_subs("The email address.", &["work"]));
    let mut phones = a(
        "phoneNumbers",
        "complex",
        "The mobile (type mobile) and the alternate mobile (type other or work), returned \
         in E.164 form; sent in international form, or national form read in the \
         account's country. Immutable because the mobile cannot be changed or removed once set (moving \
         someone to a new number is Replace user); the alternate mobile may still be set, \
         changed or removed by PATCH or PUT.",
    )
    .multi()
    .mutability("immutable")
    .json(&[]);
    phones["subAttributes"] = json!(multi_subs(
        "The number: E.164, or national in the account's country.",
        &["mobile", "other", "work"]
    ));
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A Switchboard user",
        "attributes": [
            a("userName", "string", "The user's login at the identity provider (e.g. a UPN), kept exactly as sent; unique in the account, compared without case. A user never given one shows their email, or their mobile when they have no email.").required().unique().json(&[]),
            a("name", "complex", "The user's name: formatted is the name Switchboard shows; the parts are kept as sent. Every user has one (userName when none is sent).").required().json(&[
                a("formatted", "string", "The full name."),
                a("givenName", "string", "The given name as sent; else all but the last word of the name."),
                a("familyName", "string", "The family name as sent; else the last word of the name."),
            ]),
            a("displayName", "string", "The full name; every user has one.").required().json(&[]),
            emails,
            phones,
            a("active", "boolean", "False when the user is deactivated; every user is one or the other (true when not sent).").required().json(&[]),
            a("title", "string", "The job title, kept as sent.").json(&[]),
            a("preferredLanguage", "string", "The preferred language (e.g. en-US), kept as sent.").json(&[]),
            a("locale", "string", "The locale (e.g. en-US), kept as sent.").json(&[]),
            a("timezone", "string", "The time zone as sent; when it is an IANA name such as Asia/Kolkata it is also the user's time zone for call hours.").json(&[]),
        ],
        "meta": {"resourceType": "Schema", "location": location(base, "Schemas", USER_SCHEMA)},
    })
}

fn extension_schema(base: &str, roles: &[String]) -> Value {
    let mut role = a("role", "string", "The role's name (Administrator, Manager, Basic or a custom role of the account); every user has one (Basic when not sent).").required().json(&[]);
    role["canonicalValues"] = json!(roles);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": EXT_SCHEMA,
        "name": "SwitchboardUser",
        "description": "Switchboard's telephony attributes of a user",
        "attributes": [
            a("extension", "string", "The internal extension, unique in the account and inside its range; every user has one (the next free one when not sent).").required().unique().json(&[]),
            role,
            a("panelAccess", "boolean", "Whether the user can sign in to the panel (a licensed seat on the pro plan); false when not sent.").required().json(&[]),
            a("departments", "complex", "The departments the user belongs to.").multi().mutability("readOnly").json(&[
                a("value", "string", "The department id.").exact().mutability("readOnly"),
                a("display", "string", "The department name.").mutability("readOnly"),
            ]),
        ],
        "meta": {"resourceType": "Schema", "location": location(base, "Schemas", EXT_SCHEMA)},
    })
}

fn enterprise_schema(base: &str) -> Value {
    let mut manager = a(
        "manager",
        "complex",
        "The user's manager: another user of the account.",
    )
    .json(&[]);
    let mut reference = a("$ref", "reference", "The manager's URI.").json(&[]);
    reference["referenceTypes"] = json!(["User"]);
    manager["subAttributes"] = json!([
        a("value", "string", "The manager's user id.")
            .exact()
            .json(&[]),
        reference,
    ]);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": ENTERPRISE_SCHEMA,
        "name": "EnterpriseUser",
        "description": "The enterprise attributes kept (RFC 7643 §4.3); costCenter, organization and division are accepted and not kept",
        "attributes": [
            a("employeeNumber", "string", "The employee number, kept as sent.").json(&[]),
            a("department", "string", "The directory's department name, kept as sent (Switchboard's departments are Groups).").json(&[]),
            manager,
        ],
        "meta": {"resourceType": "Schema", "location": location(base, "Schemas", ENTERPRISE_SCHEMA)},
    })
}

fn group_schema(base: &str) -> Value {
    let mut members = a(
        "members",
        "complex",
        "The department's members, in ring order (new members ring last).",
    )
    .multi()
    .json(&[]);
    let mut reference = a("$ref", "reference", "The member's URI.")
        .mutability("immutable")
        .json(&[]);
    reference["referenceTypes"] = json!(["User"]);
    let mut kind = a("type", "string", "The kind of member.")
        .mutability("immutable")
        .json(&[]);
    kind["canonicalValues"] = json!(["User"]);
    members["subAttributes"] = json!([
        a("value", "string", "The member's user id.")
            .exact()
            .mutability("immutable")
            .json(&[]),
        reference,
        kind,
    ]);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A Switchboard department: the people a call to it rings",
        "attributes": [
            a("displayName", "string", "The department's name, unique in the account (compared without case).").required().unique().json(&[]),
            members,
        ],
        "meta": {"resourceType": "Schema", "location": location(base, "Schemas", GROUP_SCHEMA)},
    })
}

fn group_resource_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Switchboard departments",
        "schema": GROUP_SCHEMA,
        "meta": {"resourceType": "ResourceType", "location": location(base, "ResourceTypes", "Group")},
    })
}

/// The names of the account's roles, the values the extension's `role` takes.
async fn role_names(state: &AppState, ctx: &Ctx) -> ScimResult<Vec<String>> {
    Ok(state
        .sb
        .list_roles(ctx)
        .await?
        .into_iter()
        .map(|r| r.name.to_string())
        .collect())
}

fn user_resource_type(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "Switchboard users",
        "schema": USER_SCHEMA,
        "schemaExtensions": [
            {"schema": EXT_SCHEMA, "required": true},
            {"schema": ENTERPRISE_SCHEMA, "required": false},
        ],
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
pub async fn schemas(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
) -> ScimResult<Response> {
    let base = &state.sb.settings().public_url;
    let roles = role_names(&state, &ctx).await?;
    Ok(scim_json(
        axum::http::StatusCode::OK,
        &list(vec![
            user_schema(base),
            extension_schema(base, &roles),
            enterprise_schema(base),
            group_schema(base),
        ]),
    ))
}

/// `GET /Schemas/{id}`.
pub async fn schema(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
) -> ScimResult<Response> {
    let base = &state.sb.settings().public_url;
    let s = if id == USER_SCHEMA {
        user_schema(base)
    } else if id == EXT_SCHEMA {
        extension_schema(base, &role_names(&state, &ctx).await?)
    } else if id == ENTERPRISE_SCHEMA {
        enterprise_schema(base)
    } else if id == GROUP_SCHEMA {
        group_schema(base)
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
        &list(vec![user_resource_type(base), group_resource_type(base)]),
    )
}

/// `GET /ResourceTypes/{id}`.
pub async fn resource_type(
    State(state): State<AppState>,
    _: ScimAuthed,
    Path(id): Path<String>,
) -> ScimResult<Response> {
    let base = &state.sb.settings().public_url;
    let t = match id.as_str() {
        "User" => user_resource_type(base),
        "Group" => group_resource_type(base),
        _ => {
            return Err(ScimError::not_found(format!(
                "there is no resource type {id:?}"
            )));
        }
    };
    Ok(scim_json(axum::http::StatusCode::OK, &t))
}
