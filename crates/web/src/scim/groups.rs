//! The SCIM Group resource (RFC 7643 §4.2) as a Switchboard department: `displayName` is
//! the department's name, `members` its members in ring order (a member added over SCIM
//! rings last), `externalId` the identity provider's id. Routing settings stay as the
//! dashboard or the REST API set them; a group created over SCIM starts with the defaults.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use switchboard_domain::search::Cond;
use switchboard_domain::{Department, DepartmentId, Name, User, UserId};
use switchboard_service::Ctx;
use switchboard_service::departments::{DepartmentPatch, NewDepartment};

use super::discovery::GROUP_SCHEMA;
use super::error::{ScimError, ScimResult};
use super::query::Params;
use super::resource::get_ci;
use super::{ScimAuthed, ScimJson, filter, location, patch, query, scim_json};
use crate::AppState;

fn parse_id(raw: &str) -> ScimResult<DepartmentId> {
    raw.parse()
        .map_err(|_| ScimError::not_found(format!("there is no group {raw:?}")))
}

/// A group as a SCIM resource, with its weak ETag (a digest of what the identity provider
/// can write: name, external id and members).
fn render(d: &Department, members: &[User], base: &str) -> (Value, String) {
    let members: Vec<Value> = members
        .iter()
        .map(|u| {
            json!({
                "value": u.id.to_string(),
                "$ref": location(base, "Users", &u.id.to_string()),
                "type": "User",
            })
        })
        .collect();
    let mut digest = Sha256::new();
    digest.update(d.name.as_str().as_bytes());
    digest.update([0]);
    digest.update(d.external_id.as_deref().unwrap_or_default().as_bytes());
    for m in &d.members {
        digest.update([0]);
        digest.update(m.to_string().as_bytes());
    }
    let tag = format!("W/\"{}\"", &hex::encode(digest.finalize())[..16]);
    let mut v = json!({
        "schemas": [GROUP_SCHEMA],
        "id": d.id.to_string(),
        "displayName": d.name.as_str(),
        "members": members,
        "meta": {
            "resourceType": "Group",
            "created": d.created_at.to_string(),
            "lastModified": d.updated_at.to_string(),
            "location": location(base, "Groups", &d.id.to_string()),
            "version": tag,
        },
    });
    if let Some(x) = &d.external_id {
        v["externalId"] = json!(x);
    }
    (v, tag)
}

async fn view(state: &AppState, ctx: &Ctx, d: &Department) -> ScimResult<(Value, String)> {
    let people = state.sb.get_department_people(ctx, d.id).await?;
    Ok(render(d, &people.members, &state.sb.settings().public_url))
}

fn answer(status: StatusCode, doc: &Value, tag: &str, id: DepartmentId, base: &str) -> Response {
    let mut res = scim_json(status, doc);
    if let Ok(v) = HeaderValue::from_str(tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&location(base, "Groups", &id.to_string()))
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// What a Group document says: name, external id, and member ids in order (each once).
struct GroupFields {
    name: Option<String>,
    external_id: Option<String>,
    members: Vec<UserId>,
}

fn group_fields(doc: &Value) -> ScimResult<GroupFields> {
    let text = |k: &str| -> ScimResult<Option<String>> {
        match get_ci(doc, k) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(ScimError::bad(
                "invalidValue",
                format!("{k} must be a string"),
            )),
        }
    };
    let mut members = Vec::new();
    let listed = match get_ci(doc, "members") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        Some(_) => {
            return Err(ScimError::bad(
                "invalidValue",
                "members must be a list of {\"value\": user id}",
            ));
        }
    };
    for m in listed {
        let Some(raw) = get_ci(&m, "value").and_then(Value::as_str) else {
            return Err(ScimError::bad(
                "invalidValue",
                "each member needs a value: the user's id",
            ));
        };
        let id: UserId = raw.trim().parse().map_err(|_| {
            ScimError::bad("invalidValue", format!("member {raw:?} is not a user id"))
        })?;
        if !members.contains(&id) {
            members.push(id);
        }
    }
    Ok(GroupFields {
        name: text("displayName")?,
        external_id: text("externalId")?,
        members,
    })
}

fn department_name(raw: Option<String>) -> ScimResult<Name> {
    let raw = raw.ok_or_else(|| {
        ScimError::bad(
            "invalidValue",
            "displayName is required: the department's name",
        )
    })?;
    Name::parse("displayName", &raw)
        .map_err(|e| ScimError::bad("invalidValue", format!("displayName {}", e.message)))
}

/// `GET /Groups`.
pub async fn list(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Query(q): Params,
) -> ScimResult<Response> {
    list_by(&state, &ctx, &q).await
}

/// `POST /Groups/.search` (RFC 7644 §3.4.3): the query in the body.
pub async fn search(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    list_by(&state, &ctx, &query::search_params(&body)?).await
}

async fn list_by(state: &AppState, ctx: &Ctx, q: &HashMap<String, String>) -> ScimResult<Response> {
    let (start, count) = query::paging(q)?;
    let (total, resources) = found(state, ctx, q, start - 1, count).await?;
    Ok(query::list_response(total, start, resources))
}

/// The groups a list query asks for: how many match in all, and the rendered page of at
/// most `count` after skipping `offset`.
pub(super) async fn found(
    state: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
    offset: i64,
    count: i64,
) -> ScimResult<(u64, Vec<Value>)> {
    let cond = match query::filter(q)? {
        Some(f) => filter::group_cond(&f)?,
        None => Cond::All,
    };
    let (total, departments) = state
        .sb
        .search_departments(
            ctx,
            &cond,
            u64::try_from(offset).unwrap_or(0),
            u32::try_from(count).unwrap_or(0),
        )
        .await?;
    let mut resources = Vec::with_capacity(departments.len());
    for d in &departments {
        let (mut doc, _) = view(state, ctx, d).await?;
        query::project(&mut doc, q)?;
        resources.push(doc);
    }
    Ok((total, resources))
}

/// `GET /Groups/{id}`.
pub async fn get_one(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    Query(q): Params,
) -> ScimResult<Response> {
    let d = state.sb.get_department(&ctx, parse_id(&id)?).await?;
    let (mut doc, tag) = view(&state, &ctx, &d).await?;
    query::project(&mut doc, &q)?;
    let base = &state.sb.settings().public_url;
    Ok(answer(StatusCode::OK, &doc, &tag, d.id, base))
}

/// `POST /Groups`: a department with the default routing settings.
pub async fn create(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Query(q): Params,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let f = group_fields(&body)?;
    let mut new = NewDepartment::named(department_name(f.name)?);
    new.members = f.members;
    new.external_id = f.external_id;
    let d = state.sb.create_department(&ctx, new).await?;
    let (mut doc, tag) = view(&state, &ctx, &d).await?;
    query::project(&mut doc, &q)?;
    let base = &state.sb.settings().public_url;
    Ok(answer(StatusCode::CREATED, &doc, &tag, d.id, base))
}

/// Writes a group's new name, external id and members in one change.
async fn write(
    state: &AppState,
    ctx: &Ctx,
    before: &Department,
    f: GroupFields,
    q: &HashMap<String, String>,
) -> ScimResult<Response> {
    let name = department_name(f.name)?;
    let patch = DepartmentPatch {
        name: (name != before.name).then_some(name),
        external_id: (f.external_id != before.external_id).then_some(f.external_id),
        ..DepartmentPatch::default()
    };
    let members = (f.members != before.members).then_some(f.members);
    let d = state
        .sb
        .update_department_and_members(ctx, before.id, patch, members)
        .await?;
    let (mut doc, tag) = view(state, ctx, &d).await?;
    query::project(&mut doc, q)?;
    let base = &state.sb.settings().public_url;
    Ok(answer(StatusCode::OK, &doc, &tag, d.id, base))
}

/// `PUT /Groups/{id}`: replaces name, external id and members.
pub async fn replace(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let before = state.sb.get_department(&ctx, parse_id(&id)?).await?;
    let (_, tag) = view(&state, &ctx, &before).await?;
    query::if_match(&headers, &tag, "group")?;
    if let Some(sent) = body.get("id").and_then(Value::as_str)
        && sent != id
    {
        return Err(ScimError::bad("mutability", "id cannot be changed"));
    }
    write(&state, &ctx, &before, group_fields(&body)?, &q).await
}

/// `PATCH /Groups/{id}` (RFC 7644 §3.5.2): members added, removed (by filter, or by the
/// listed values as Microsoft Entra sends them) or replaced; name and external id replaced.
pub async fn patch(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let before = state.sb.get_department(&ctx, parse_id(&id)?).await?;
    let (mut doc, tag) = view(&state, &ctx, &before).await?;
    query::if_match(&headers, &tag, "group")?;
    patch::apply(&mut doc, &body, &patch::GROUP_ATTRS)?;
    write(&state, &ctx, &before, group_fields(&doc)?, &q).await
}

/// `DELETE /Groups/{id}`: deletes the department; its members stay users.
pub async fn delete(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ScimResult<Response> {
    let before = state.sb.get_department(&ctx, parse_id(&id)?).await?;
    let (_, tag) = view(&state, &ctx, &before).await?;
    query::if_match(&headers, &tag, "group")?;
    state.sb.delete_department(&ctx, before.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
