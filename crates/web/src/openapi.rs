//! The OpenAPI 3.1 document, generated from the handlers' annotations, served at
//! `/api/v1/openapi.json`, and rendered as a reference page at `/api/v1/docs` (no scripts,
//! no CDN: it works offline). A committed copy in `docs/openapi.json` is compared with the
//! generated one by the tests, so the contract cannot drift silently.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::{Problem, ProblemAccount, ProblemBlocker, ProblemField};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        version = "1",
        description = "Manage the people who answer a company's phones: users, departments, \
                       roles, numbers, workflows, the audit log and the plan's seats. \
                       Authenticate with `Authorization: Bearer <API token>` (create one with \
                       `switchboard token create` or `POST /api/v1/api-tokens`), or with the \
                       dashboard session cookie from `POST /api/v1/sessions`; with the cookie, \
                       every POST, PUT, PATCH and DELETE must also send the session's CSRF \
                       token as `X-CSRF-Token`. Errors are `application/problem+json` with a \
                       stable `code`."
    ),
    security(("api_token" = []), ("session_cookie" = [])),
    components(schemas(Problem, ProblemField, ProblemBlocker, ProblemAccount)),
    modifiers(&Conventions)
)]
struct ApiDoc;

/// Adds what every operation shares: the bearer scheme and the problem responses.
struct Conventions;

/// Error statuses any operation may answer, with why.
const PROBLEM_STATUSES: &[(&str, &str)] = &[
    ("400", "The request could not be read."),
    ("401", "No valid API token or session."),
    (
        "403",
        "The caller may not do this (role, department scope, or CSRF).",
    ),
    ("404", "No such record in the caller's account."),
    (
        "409",
        "The request conflicts with the account's state (a taken value, a rule such as the last administrator, or a plan limit).",
    ),
    ("412", "`If-Match` names an older version of the record."),
    ("413", "The body is too large."),
    ("415", "The body is not JSON."),
    ("422", "A field is invalid; `errors` names each one."),
    (
        "429",
        "Too many attempts; retry after the `Retry-After` seconds.",
    ),
    (
        "503",
        "The database is busy; retry after the `Retry-After` seconds.",
    ),
];

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token, `sbt_…`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sb_session",
                "The dashboard session (HttpOnly). Writes also need `X-CSRF-Token`.",
            ))),
        );
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for (status, why) in PROBLEM_STATUSES {
                    if op.responses.responses.contains_key(*status) {
                        continue;
                    }
                    let response = ResponseBuilder::new()
                        .description(*why)
                        .content(
                            "application/problem+json",
                            Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                                "Problem",
                            )))),
                        )
                        .build();
                    op.responses
                        .responses
                        .insert((*status).to_owned(), RefOr::T(response));
                }
            }
        }
    }
}

/// Every API route with its documentation.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", crate::api::router())
}

/// The generated document.
pub fn document() -> Document {
    let (_, mut doc) = api_router().split_for_parts();
    Conventions.modify(&mut doc);
    doc
}

/// The generated document as pretty JSON (what is committed in `docs/openapi.json`),
/// built once per process.
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| match document().to_pretty_json() {
        Ok(json) => json + "\n",
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize the OpenAPI document");
            String::from("{}\n")
        }
    })
}

/// Routes serving the document and its reference page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/docs", get(reference_page))
}

async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
}

async fn reference_page() -> Html<&'static str> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(|| crate::api::reference::render(&document())))
}
