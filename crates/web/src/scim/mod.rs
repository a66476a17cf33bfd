//! SCIM 2.0 at `/scim/v2` (RFC 7643 / RFC 7644): how an identity provider provisions
//! users and department membership. Only SCIM tokens (`Bearer sbs_…`) are accepted; answers are
//! `application/scim+json` and refusals are SCIM Error messages. Every change goes through
//! the service, so the rules hold and the SCIM client is the audited actor.

pub mod discovery;
pub mod error;
pub mod filter;
pub mod groups;
pub mod patch;
pub mod query;
pub mod resource;
pub mod users;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use switchboard_service::{Actor, Ctx};

use crate::AppState;
use crate::auth::{bearer, client_addr};
use error::{SCIM_JSON, ScimError};

/// A caller authenticated by a SCIM token, acting in its account.
#[derive(Clone, Debug)]
pub struct ScimAuthed(pub Ctx);

impl FromRequestParts<AppState> for ScimAuthed {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        let Some(secret) = bearer(parts) else {
            return Err(ScimError::unauthorized(
                "send the account's SCIM token as `Authorization: Bearer sbs_…`",
            ));
        };
        match state
            .sb
            .authenticate_token(secret, client_addr(parts))
            .await?
        {
            Some(ctx) if matches!(ctx.actor, Actor::Scim(_)) => Ok(ScimAuthed(ctx)),
            Some(_) => Err(ScimError::unauthorized(
                "this is an API token; /scim/v2 takes only SCIM tokens (sbs_…), made with \
                 `switchboard scim-token create`",
            )),
            None => Err(ScimError::unauthorized(
                "the SCIM token is unknown or has been revoked",
            )),
        }
    }
}

/// A JSON request body, sent as `application/scim+json` or `application/json`.
#[derive(Debug)]
pub struct ScimJson(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimJson {
    type Rejection = ScimError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ScimError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| ScimError::new(r.status(), None, r.body_text()))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v @ Value::Object(_)) => Ok(ScimJson(v)),
            Ok(_) => Err(ScimError::bad(
                "invalidSyntax",
                "the request body must be a JSON object",
            )),
            Err(e) => Err(ScimError::bad(
                "invalidSyntax",
                format!("the request body is not valid JSON: {e}"),
            )),
        }
    }
}

/// A SCIM JSON answer.
pub fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    res
}

/// `POST /.search` (RFC 7644 §3.4.3) across Users, then Groups. A filter an attribute of
/// one resource type cannot answer matches none of that type; when neither can, the
/// filter is refused.
async fn search_all(
    axum::extract::State(state): axum::extract::State<AppState>,
    ScimAuthed(ctx): ScimAuthed,
    ScimJson(body): ScimJson,
) -> Result<Response, ScimError> {
    let q = query::search_params(&body)?;
    let (start, count) = query::paging(&q)?;
    let offset = start - 1;
    let users = users::found(&state, &ctx, &q, offset, count).await;
    let users_answer = users.is_ok();
    let (user_total, mut resources) = match users {
        Ok(found) => found,
        Err(e) if e.is_invalid_filter() => (0, Vec::new()),
        Err(e) => return Err(e),
    };
    let total_users = i64::try_from(user_total).unwrap_or(i64::MAX);
    let room = count - i64::try_from(resources.len()).unwrap_or(0);
    let group_offset = (offset - total_users).max(0);
    let groups = groups::found(&state, &ctx, &q, group_offset, room).await;
    let group_total = match groups {
        Ok((total, found)) => {
            resources.extend(found);
            total
        }
        Err(e) if e.is_invalid_filter() && users_answer => 0,
        Err(e) => return Err(e),
    };
    Ok(query::list_response(
        user_total + group_total,
        start,
        resources,
    ))
}

/// The absolute URL of a SCIM resource.
pub fn location(base: &str, endpoint: &str, id: &str) -> String {
    format!("{base}/scim/v2/{endpoint}/{id}")
}

async fn not_found() -> ScimError {
    ScimError::not_found("no such SCIM endpoint; see /scim/v2/ResourceTypes")
}

/// The `/scim/v2` routes.
pub fn router() -> Router<AppState> {
    let v2 = Router::new()
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/.search", axum::routing::post(search_all))
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", axum::routing::post(users::search))
        .route(
            "/Users/{id}",
            get(users::get_one)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route("/Groups", get(groups::list).post(groups::create))
        .route("/Groups/.search", axum::routing::post(groups::search))
        .route(
            "/Groups/{id}",
            get(groups::get_one)
                .put(groups::replace)
                .patch(groups::patch)
                .delete(groups::delete),
        )
        .fallback(not_found);
    Router::new().nest("/scim/v2", v2)
}
