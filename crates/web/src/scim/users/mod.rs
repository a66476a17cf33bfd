//! `/scim/v2/Users`: list with filter, sort and pages; read; create; replace (PUT); PATCH;
//! delete (deprovision). Every change goes through the service's use cases, so the rules
//! (R1–R13) hold and the audit log names the SCIM client.

use std::collections::HashMap;

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use switchboard_domain::search::UserCond;
use switchboard_domain::{DepartmentId, IdpProfile, NewUser, Role, User, UserId};
use switchboard_service::Ctx;
use switchboard_service::kept::Shows;

use super::error::{ScimError, ScimResult};
use super::query::Params;
use super::resource::{etag, etag_of, fields, render};
use super::{SCIM_JSON, ScimAuthed, ScimJson, filter, patch, query, scim_json};
use crate::AppState;
use crate::kept::{Asked, KeptAnswer, kept_or_read};

mod update;

use update::{domain, manager, new_user_input, phone_country, update};

fn parse_id(raw: &str) -> ScimResult<UserId> {
    raw.parse()
        .map_err(|_| ScimError::not_found(format!("there is no user {raw:?}")))
}

/// Renders users with their role names and departments.
async fn views(state: &AppState, ctx: &Ctx, users: &[User]) -> ScimResult<Vec<Value>> {
    let roles: Vec<Role> = state.sb.list_roles(ctx).await?;
    let base = &state.sb.settings().public_url;
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let deps = state.sb.users_departments(ctx, &ids).await?;
    Ok(users
        .iter()
        .map(|u| resource(u, &roles, &deps, base))
        .collect())
}

/// A user's SCIM resource, their role and departments looked up in those given.
fn resource(
    u: &User,
    roles: &[Role],
    deps: &HashMap<UserId, Vec<(DepartmentId, String)>>,
    base: &str,
) -> Value {
    let role = roles
        .iter()
        .find(|r| r.id == u.role_id)
        .map(|r| r.name.to_string())
        .unwrap_or_default();
    let mine = deps.get(&u.id).map(Vec::as_slice).unwrap_or_default();
    render(u, &role, mine, base)
}

async fn view(state: &AppState, ctx: &Ctx, u: &User) -> ScimResult<Value> {
    Ok(views(state, ctx, std::slice::from_ref(u))
        .await?
        .pop()
        .unwrap_or(Value::Null))
}

fn with_etag(status: StatusCode, u: &User, doc: &Value, base: &str) -> Response {
    let mut res = scim_json(status, doc);
    if let Ok(v) = HeaderValue::from_str(&etag(u)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&super::location(base, "Users", &u.id.to_string()))
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The version an `If-Match` header asks for: `None` without the header or for `*`.
fn if_match(headers: &HeaderMap, u: &User) -> ScimResult<Option<i64>> {
    Ok(query::if_match(headers, &etag(u), "user")?.then_some(u.version))
}

/// `GET /Users`: an identity provider's lookups (`userName eq …` before each create or
/// update) are answered from what this process keeps while they still stand.
pub async fn list(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    RawQuery(raw): RawQuery,
    Query(q): Params,
) -> ScimResult<Response> {
    let (start, count) = query::paging(&q)?;
    let asked = Asked::ScimUsers(raw.unwrap_or_default());
    let answer = kept_or_read(&state, &ctx, asked, Shows::Users, || async {
        let (total, resources, view_version) = found_at(&state, &ctx, &q, start - 1, count).await?;
        Ok::<_, ScimError>(KeptAnswer {
            view_version,
            until: None,
            version: None,
            body: json_bytes(&query::list_body(total, start, resources))?,
        })
    })
    .await?;
    Ok(scim_body(answer.body))
}

/// `POST /Users/.search` (RFC 7644 §3.4.3): the query in the body.
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

/// The users a list query asks for: how many match in all, and the rendered page of at
/// most `count` after skipping `offset`.
pub(super) async fn found(
    state: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
    offset: i64,
    count: i64,
) -> ScimResult<(u64, Vec<Value>)> {
    let (total, resources, _) = found_at(state, ctx, q, offset, count).await?;
    Ok((total, resources))
}

/// [`found`], with the account's view version it was read at.
async fn found_at(
    state: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
    offset: i64,
    count: i64,
) -> ScimResult<(u64, Vec<Value>, Option<i64>)> {
    let cond = match query::filter(q)? {
        Some(f) => filter::user_cond(&f)?,
        None => UserCond::All,
    };
    let sort = match query::param(q, "sortBy")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(by) => Some(filter::user_sort(by, query::param(q, "sortOrder"))?),
        None => None,
    };
    let found = state
        .sb
        .search_users(
            ctx,
            &cond,
            sort,
            u64::try_from(offset).unwrap_or(0),
            u32::try_from(count).unwrap_or(0),
        )
        .await?;
    let base = &state.sb.settings().public_url;
    let mut resources = Vec::with_capacity(found.users.len());
    for u in &found.users {
        let mut r = resource(u, &found.roles, &found.departments, base);
        query::project(&mut r, q)?;
        resources.push(r);
    }
    Ok((found.total, resources, found.view_version))
}

/// `GET /Users/{id}`: the user with role and departments in one read, kept between
/// requests while it stands (as an identity provider reads a user before updating it).
pub async fn get_one(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    Query(q): Params,
) -> ScimResult<Response> {
    let id = parse_id(&id)?;
    let asked = Asked::ScimUser(id, raw.unwrap_or_default());
    let answer = kept_or_read(&state, &ctx, asked, Shows::User(id), || async {
        let p = state.sb.user_profile(&ctx, id).await?;
        let base = &state.sb.settings().public_url;
        let mut doc = render(&p.user, &p.role_name, &p.departments, base);
        query::project(&mut doc, &q)?;
        Ok::<_, ScimError>(KeptAnswer {
            view_version: Some(p.view_version),
            until: p.same_until,
            version: Some(p.user.version),
            body: json_bytes(&doc)?,
        })
    })
    .await?;
    let mut res = scim_body(answer.body);
    if let Some(v) = answer
        .version
        .and_then(|v| HeaderValue::from_str(&etag_of(v)).ok())
    {
        res.headers_mut().insert(header::ETAG, v);
    }
    Ok(res)
}

/// `doc` as the bytes of a SCIM answer.
fn json_bytes(doc: &Value) -> ScimResult<axum::body::Bytes> {
    serde_json::to_vec(doc)
        .map(Into::into)
        .map_err(|e| ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, None, e.to_string()))
}

/// A 200 SCIM answer of `body`.
fn scim_body(body: axum::body::Bytes) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    res
}

/// `POST /Users`.
pub async fn create(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Query(q): Params,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let f = fields(&body)?;
    let (input, login) = new_user_input(&f)?;
    let country = phone_country(
        &state,
        &ctx,
        &[input.mobile.as_deref(), input.alternate_mobile.as_deref()],
    )
    .await?;
    let mut new = NewUser::parse_in(&input, country.as_ref()).map_err(domain)?;
    new.idp = IdpProfile {
        managed: true,
        username: Some(login),
        attributes: f.attributes.clone(),
        manager: manager(&state, &ctx, f.manager.as_deref()).await?,
        given_name: f.given.clone(),
        family_name: f.family.clone(),
        primary_phone: f.primary_phone,
        email_primary: f.email_primary,
        alternate_work: f.alternate_work,
    };
    let added = state.sb.add_user(&ctx, new).await?;
    let u = if f.active == Some(false) {
        state.sb.deactivate_user(&ctx, added.user.id, None).await?
    } else {
        added.user
    };
    // Answered from what was written: the role and departments came with the user, and
    // deactivating keeps both (R10).
    let base = &state.sb.settings().public_url;
    let mut doc = render(&u, &added.role_name, &added.departments, base);
    query::project(&mut doc, &q)?;
    Ok(with_etag(
        StatusCode::CREATED,
        &u,
        &doc,
        &state.sb.settings().public_url,
    ))
}

/// Answers 200 with the user as it now is, projected as the request asked.
async fn answer_ok(
    state: &AppState,
    ctx: &Ctx,
    u: &User,
    q: &HashMap<String, String>,
) -> ScimResult<Response> {
    let mut doc = view(state, ctx, u).await?;
    query::project(&mut doc, q)?;
    Ok(with_etag(
        StatusCode::OK,
        u,
        &doc,
        &state.sb.settings().public_url,
    ))
}

/// `PUT /Users/{id}`: replaces the resource.
pub async fn replace(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let before = state.sb.get_user(&ctx, parse_id(&id)?).await?;
    let version = if_match(&headers, &before)?;
    if let Some(sent) = body.get("id").and_then(Value::as_str)
        && sent != id
    {
        return Err(ScimError::bad("mutability", "id cannot be changed"));
    }
    let current = view(&state, &ctx, &before).await?;
    let new = fields(&body)?;
    if new.user_name.is_none() {
        return Err(ScimError::bad("invalidValue", "userName is required"));
    }
    let old = fields(&current)?;
    let u = update(&state, &ctx, &before, (&old, &new), true, version).await?;
    answer_ok(&state, &ctx, &u, &q).await
}

/// `PATCH /Users/{id}` (RFC 7644 §3.5.2); answers 200 with the resource.
pub async fn patch(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    Query(q): Params,
    headers: HeaderMap,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let before = state.sb.get_user(&ctx, parse_id(&id)?).await?;
    let version = if_match(&headers, &before)?;
    let current = view(&state, &ctx, &before).await?;
    let mut patched = current.clone();
    patch::apply(&mut patched, &body, &patch::USER_ATTRS)?;
    let (old, new) = (fields(&current)?, fields(&patched)?);
    let u = update(&state, &ctx, &before, (&old, &new), false, version).await?;
    answer_ok(&state, &ctx, &u, &q).await
}

/// `DELETE /Users/{id}`: deletes the user (R7–R9); when owned numbers, workflows or
/// managed departments block it, deactivates the user instead (audited as such).
pub async fn delete(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ScimResult<Response> {
    let id = parse_id(&id)?;
    let before = state.sb.get_user(&ctx, id).await?;
    if_match(&headers, &before)?;
    state.sb.deprovision_user(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
