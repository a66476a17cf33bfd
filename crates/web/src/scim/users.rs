//! `/scim/v2/Users`: list with filter, sort and pages; read; create; replace (PUT); PATCH;
//! delete (deprovision). Every change goes through the service's use cases, so the rules
//! (R1–R13) hold and the audit log names the SCIM client.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use switchboard_domain::search::UserCond;
use switchboard_domain::{
    Country, IdpProfile, IdpUsername, NewUser, NewUserInput, Role, User, UserId, UserPatch,
    UserPatchInput,
};
use switchboard_service::Ctx;

use super::error::{ScimError, ScimResult};
use super::query::Params;
use super::resource::{Fields, etag, fields, render};
use super::{ScimAuthed, ScimJson, filter, patch, query, scim_json};
use crate::AppState;

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
    let out = users
        .iter()
        .map(|u| {
            let role = roles
                .iter()
                .find(|r| r.id == u.role_id)
                .map(|r| r.name.to_string())
                .unwrap_or_default();
            let mine = deps.get(&u.id).map(Vec::as_slice).unwrap_or_default();
            render(u, &role, mine, base)
        })
        .collect();
    Ok(out)
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

/// `GET /Users`.
pub async fn list(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Query(q): Params,
) -> ScimResult<Response> {
    list_by(&state, &ctx, &q).await
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
    let (total, users) = state
        .sb
        .search_users(
            ctx,
            &cond,
            sort,
            u64::try_from(offset).unwrap_or(0),
            u32::try_from(count).unwrap_or(0),
        )
        .await?;
    let mut resources = views(state, ctx, &users).await?;
    for r in &mut resources {
        query::project(r, q)?;
    }
    Ok((total, resources))
}

/// `GET /Users/{id}`.
pub async fn get_one(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Path(id): Path<String>,
    Query(q): Params,
) -> ScimResult<Response> {
    let u = state.sb.get_user(&ctx, parse_id(&id)?).await?;
    let mut doc = view(&state, &ctx, &u).await?;
    query::project(&mut doc, &q)?;
    Ok(with_etag(
        StatusCode::OK,
        &u,
        &doc,
        &state.sb.settings().public_url,
    ))
}

fn domain(e: switchboard_domain::DomainError) -> ScimError {
    e.into()
}

fn field(e: switchboard_domain::FieldError) -> ScimError {
    domain(e.into())
}

/// The account's country for phone numbers written in national form; read only when a
/// number without `+` is sent.
async fn phone_country(
    state: &AppState,
    ctx: &Ctx,
    numbers: &[Option<&str>],
) -> ScimResult<Option<Country>> {
    let national = numbers
        .iter()
        .flatten()
        .any(|n| !n.trim().is_empty() && !n.trim_start().starts_with('+'));
    if !national {
        return Ok(None);
    }
    Ok(state.sb.get_account(ctx).await?.phone_country())
}

/// `POST /Users`.
pub async fn create(
    State(state): State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    Query(q): Params,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let f = fields(&body)?;
    let Some(user_name) = f.user_name.clone() else {
        return Err(ScimError::bad(
            "invalidValue",
            "userName is required: the user's login at the identity provider",
        ));
    };
    let login = IdpUsername::parse("userName", &user_name).map_err(field)?;
    // The work email comes from `emails`; a userName that is an address stands in for it
    // only when no email is listed.
    let email = f
        .email
        .clone()
        .or_else(|| user_name.contains('@').then(|| user_name.clone()));
    let mobile = f
        .mobile
        .clone()
        .or_else(|| (user_name.starts_with('+') && email.is_none()).then(|| user_name.clone()));
    if email.is_none() && mobile.is_none() {
        return Err(ScimError::bad(
            "invalidValue",
            "the user needs a work email in emails or a mobile in phoneNumbers (a userName \
             that is an email address or an E.164 number also serves)",
        ));
    }
    let name = f
        .name_since(&Fields::default())
        .unwrap_or_else(|| user_name.clone());
    let input = NewUserInput {
        name: Some(name),
        email,
        mobile,
        alternate_mobile: f.alternate_mobile.clone(),
        extension: f.extension.clone(),
        role: f.role.clone(),
        panel_access: f.panel_access,
        external_id: f.external_id.clone(),
        time_zone: usable_time_zone(&f),
        ..NewUserInput::default()
    };
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

/// The user's time zone from SCIM `timezone`, when it is an IANA name Switchboard knows
/// (others are not kept: the user keeps the account's time zone).
fn usable_time_zone(f: &Fields) -> Option<String> {
    f.attributes
        .timezone
        .as_deref()
        .filter(|tz| switchboard_domain::TimeZoneName::parse("timezone", tz).is_ok())
        .map(str::to_owned)
}

/// The user a `manager` value names: another user of the account.
async fn manager(state: &AppState, ctx: &Ctx, id: Option<&str>) -> ScimResult<Option<UserId>> {
    let Some(raw) = id else { return Ok(None) };
    let unknown = || {
        ScimError::bad(
            "invalidValue",
            format!("manager {raw:?} is not a user of this account"),
        )
    };
    let id: UserId = raw.parse().map_err(|_| unknown())?;
    match state.sb.get_user(ctx, id).await {
        Ok(u) => Ok(Some(u.id)),
        Err(switchboard_service::Error::Domain(switchboard_domain::DomainError::NotFound(_))) => {
            Err(unknown())
        }
        Err(e) => Err(e.into()),
    }
}

/// The edit that turns `old` into `new`, and the wanted `active` when it changes. A PUT
/// (`put`) sends the whole resource; PATCH results are compared field by field.
fn changes(old: &Fields, new: &Fields, put: bool) -> (UserPatchInput, Option<bool>) {
    let mut p = UserPatchInput {
        name: new.name_since(old),
        ..UserPatchInput::default()
    };
    if put {
        // The work email comes from `emails`; a userName that is an address stands in
        // for it only when no email is listed (as on create).
        let wanted = new.email.clone().or_else(|| {
            new.user_name
                .clone()
                .filter(|u| u.contains('@') && new.emails.is_empty())
        });
        if wanted != old.email {
            p.email = Some(wanted);
        }
        // An immutable attribute left out of a PUT keeps its value (RFC 7644 §3.5.1).
        if new.mobile.is_some() && new.mobile != old.mobile {
            p.mobile = Some(new.mobile.clone());
        }
    } else {
        p.email = new.email_since(old);
        if new.mobile != old.mobile {
            p.mobile = Some(new.mobile.clone());
        }
    }
    if new.alternate_mobile != old.alternate_mobile {
        p.alternate_mobile = Some(new.alternate_mobile.clone());
    }
    // externalId is the identity provider's own link to the user: a PUT that leaves it out
    // (Okta's does) keeps it; PATCH remove clears it.
    if new.external_id != old.external_id && !(put && new.external_id.is_none()) {
        p.external_id = Some(new.external_id.clone());
    }
    if new.extension.is_some() && new.extension != old.extension {
        p.extension = new.extension.clone();
    }
    if new.role.is_some() && new.role != old.role {
        p.role = new.role.clone();
    }
    if new.panel_access.is_some() && new.panel_access != old.panel_access {
        p.panel_access = new.panel_access;
    }
    let active = new.active.filter(|a| Some(*a) != old.active);
    (p, active)
}

/// What the identity provider keeps after the change, when it differs from `before`'s. A
/// PUT sends the whole resource; a PATCH changes the name parts or the primary number only
/// when the patched document differs from the one rendered (`old`), which derives missing
/// parts from the name.
fn profile(
    before: &User,
    (old, new): (&Fields, &Fields),
    put: bool,
    manager: Option<UserId>,
) -> ScimResult<Option<IdpProfile>> {
    let username = match &new.user_name {
        Some(u) if put || new.user_name != old.user_name => {
            Some(IdpUsername::parse("userName", u).map_err(field)?)
        }
        Some(_) => before.idp.username.clone(),
        None => return Err(ScimError::bad("invalidValue", "userName cannot be removed")),
    };
    let parts_changed = put || new.given != old.given || new.family != old.family;
    let primary_changed = put || new.primary_phone != old.primary_phone;
    let alternate_work = if put || new.alternate_work != old.alternate_work {
        new.alternate_work
    } else {
        before.idp.alternate_work
    };
    let email_primary = if put {
        new.email_primary
    } else {
        let (_, mark) = new.email_after(old);
        if mark == old.email_primary {
            before.idp.email_primary
        } else {
            mark
        }
    };
    let p = IdpProfile {
        managed: true,
        username,
        attributes: if put || new.attributes != old.attributes {
            new.attributes.clone()
        } else {
            before.idp.attributes.clone()
        },
        manager,
        email_primary,
        given_name: if parts_changed {
            new.given.clone()
        } else {
            before.idp.given_name.clone()
        },
        family_name: if parts_changed {
            new.family.clone()
        } else {
            before.idp.family_name.clone()
        },
        primary_phone: if primary_changed {
            new.primary_phone
        } else {
            before.idp.primary_phone
        },
        alternate_work,
    };
    Ok((p != before.idp).then_some(p))
}

/// Turns `old` into `new` (a PUT's whole resource when `put`): the field edit and the
/// activation change in one transaction.
async fn update(
    state: &AppState,
    ctx: &Ctx,
    before: &User,
    (old, new): (&Fields, &Fields),
    put: bool,
    version: Option<i64>,
) -> ScimResult<User> {
    let (mut input, active) = changes(old, new, put);
    if new.attributes.timezone != old.attributes.timezone
        && let Some(tz) = usable_time_zone(new)
    {
        input.time_zone = Some(tz);
    }
    let manager = if put || new.manager != old.manager {
        manager(state, ctx, new.manager.as_deref()).await?
    } else {
        before.idp.manager
    };
    let country = phone_country(
        state,
        ctx,
        &[
            input.mobile.as_ref().and_then(Option::as_deref),
            input.alternate_mobile.as_ref().and_then(Option::as_deref),
        ],
    )
    .await?;
    let mut patch = UserPatch::parse_in(&input, country.as_ref()).map_err(domain)?;
    patch.idp = profile(before, (old, new), put, manager)?;
    Ok(state
        .sb
        .update_provisioned_user(ctx, before.id, patch, active, version)
        .await?)
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
