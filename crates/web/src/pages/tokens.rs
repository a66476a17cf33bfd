//! API tokens (those whose role holds "API tokens and integrations"): the account's tokens
//! as the service lets the viewer see them, creating one (name, scopes, role, optional
//! expiry) with its secret shown once in the answer to the form — never through the flash
//! cookie — and revoking one after a confirmation. Administrators also create the SCIM
//! token their identity provider uses, and see the SCIM base URL.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use switchboard_domain::ApiTokenRecord;
use switchboard_domain::{ApiTokenId, BuiltinRole, DomainError, Role, RoleRef};
use switchboard_service::Error as ServiceError;
use switchboard_service::tokens::{NewApiToken, SCOPE_API, SCOPE_CALLS_INGEST};

use super::shell::{
    Flash, FormData, Shell, Viewer, csrf_refused, nav_allows, redirect_with, sentence,
};
use super::{failure, message};
use crate::AppState;

/// The expiry choices of the form: (value, label, days).
const EXPIRIES: [(&str, &str, i64); 5] = [
    ("", "Never", 0),
    ("7", "In 7 days", 7),
    ("30", "In 30 days", 30),
    ("90", "In 90 days", 90),
    ("365", "In a year", 365),
];

#[derive(Template)]
#[template(path = "api_tokens_page.html")]
struct TokensPage {
    shell: Shell,
    tokens: Vec<Row>,
    created: Option<Created>,
    form: TokenForm,
    errors: FormErrors,
    roles: Vec<Opt>,
    expiries: Vec<Opt>,
    may_report_calls: bool,
    scim: Option<Scim>,
}

/// The SCIM section (Administrators).
struct Scim {
    base_url: String,
    name: String,
}

/// A token just created, with its secret (shown this once).
struct Created {
    name: String,
    secret: String,
    scim: bool,
    api_url: String,
    scim_url: String,
}

/// What the create form holds (kept when it is refused).
struct TokenForm {
    name: String,
    api: bool,
    calls: bool,
    role: String,
    expiry: String,
}

impl Default for TokenForm {
    /// An empty form offers the REST API scope.
    fn default() -> Self {
        Self {
            name: String::new(),
            api: true,
            calls: false,
            role: String::new(),
            expiry: String::new(),
        }
    }
}

/// What a form just posted adds to the page.
#[derive(Default)]
struct Posted {
    created: Option<Created>,
    form: TokenForm,
    errors: FormErrors,
}

#[derive(Default)]
struct FormErrors {
    summary: Option<String>,
    name: Option<String>,
    scopes: Option<String>,
    role: Option<String>,
    expiry: Option<String>,
}

impl FormErrors {
    fn of(e: &DomainError) -> Self {
        let fields = e.field_errors();
        if fields.is_empty() {
            return Self {
                summary: Some(sentence(&e.to_string())),
                ..Self::default()
            };
        }
        let mut out = Self {
            summary: Some("The token was not created; correct the fields marked below.".into()),
            ..Self::default()
        };
        for f in fields {
            let text = sentence(&format!("{} {}", f.field.replace('_', " "), f.message));
            let slot = match f.field.as_str() {
                "name" => &mut out.name,
                "scopes" => &mut out.scopes,
                "role" => &mut out.role,
                "expires_at" => &mut out.expiry,
                _ => &mut out.summary,
            };
            *slot = Some(text);
        }
        out
    }
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

struct Row {
    id: String,
    name: String,
    kind: &'static str,
    scopes: String,
    role: String,
    created: String,
    last_used: String,
    expires: String,
    status: &'static str,
    status_label: &'static str,
    revoked: Option<String>,
    live: bool,
}

fn scope_label(s: &str) -> &str {
    match s {
        SCOPE_API => "REST API",
        SCOPE_CALLS_INGEST => "Report calls",
        other => other,
    }
}

impl Row {
    fn new(
        v: &Viewer,
        now: jiff::Timestamp,
        roles: &HashMap<String, String>,
        t: &ApiTokenRecord,
    ) -> Self {
        let expired = t.expires_at.is_some_and(|e| e <= now);
        let (status, status_label) = if t.revoked_at.is_some() {
            ("inactive", "Revoked")
        } else if expired {
            ("inactive", "Expired")
        } else {
            ("active", "Active")
        };
        let scim = t.kind == "scim";
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            kind: if scim { "SCIM" } else { "API" },
            scopes: if scim {
                "SCIM provisioning".to_owned()
            } else {
                t.scopes
                    .iter()
                    .map(|s| scope_label(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            role: t
                .role_id
                .and_then(|r| roles.get(&r.to_string()).cloned())
                .unwrap_or_default(),
            created: v.when(t.created_at),
            last_used: t
                .last_used_at
                .map_or_else(|| "Never".to_owned(), |t| v.when(t)),
            expires: t
                .expires_at
                .map_or_else(|| "Never".to_owned(), |t| v.when(t)),
            status,
            status_label,
            revoked: t.revoked_at.map(|t| v.when(t)),
            live: t.revoked_at.is_none() && !expired,
        }
    }
}

fn not_allowed() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Not allowed",
        "Your role does not open API tokens; administrators and managers can manage them.",
        Some(("/", "Back to the dashboard")),
    )
}

/// Renders the page, with what a form just posted.
async fn view(state: &AppState, v: &Viewer, status: StatusCode, posted: Posted) -> Response {
    let Posted {
        created,
        form,
        errors,
    } = posted;
    let tokens = match state.sb.list_api_tokens(&v.ctx).await {
        Ok(t) => t,
        Err(e) => return failure(&e),
    };
    let mut roles: Vec<Role> = match state.sb.list_roles(&v.ctx).await {
        Ok(r) => r,
        Err(e) => return failure(&e),
    };
    roles.sort_by_key(|r| {
        let rank = match r.builtin {
            Some(BuiltinRole::Administrator) => 0,
            Some(BuiltinRole::Manager) => 1,
            Some(BuiltinRole::Basic) => 2,
            None => 3,
        };
        (rank, r.name.to_string())
    });
    let names: HashMap<String, String> = roles
        .iter()
        .map(|r| (r.id.to_string(), r.name.to_string()))
        .collect();
    let now = state.sb.now();
    let role_opts = roles
        .iter()
        .filter(|r| r.permissions.is_within(v.perms()))
        .map(|r| Opt {
            value: r.id.to_string(),
            label: r.name.to_string(),
            selected: r.id.to_string() == form.role,
        })
        .collect();
    let expiries = EXPIRIES
        .iter()
        .map(|(value, label, _)| Opt {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
            selected: *value == form.expiry,
        })
        .collect();
    let public = state.sb.settings().public_url.trim_end_matches('/');
    v.page(
        status,
        &TokensPage {
            shell: v.shell("api-tokens"),
            tokens: tokens.iter().map(|t| Row::new(v, now, &names, t)).collect(),
            created,
            form,
            errors,
            roles: role_opts,
            expiries,
            may_report_calls: v.is_admin(),
            scim: v.is_admin().then(|| Scim {
                base_url: format!("{public}/scim/v2"),
                name: "SCIM provisioning".to_owned(),
            }),
        },
    )
}

pub(super) async fn tokens_page(State(state): State<AppState>, v: Viewer) -> Response {
    if !nav_allows(&v, "api-tokens") {
        return not_allowed();
    }
    view(&state, &v, StatusCode::OK, Posted::default()).await
}

fn created(state: &AppState, t: &ApiTokenRecord, secret: String) -> Created {
    let public = state.sb.settings().public_url.trim_end_matches('/');
    Created {
        name: t.name.clone(),
        secret,
        scim: t.kind == "scim",
        api_url: format!("{public}/api/v1"),
        scim_url: format!("{public}/scim/v2"),
    }
}

pub(super) async fn create_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if !nav_allows(&v, "api-tokens") {
        return not_allowed();
    }
    let scopes = f.all("scopes");
    let form = TokenForm {
        name: f.text("name"),
        api: scopes.iter().any(|s| s == SCOPE_API),
        calls: scopes.iter().any(|s| s == SCOPE_CALLS_INGEST),
        role: f.text("role"),
        expiry: f.text("expires"),
    };
    let role_choice = form.role.clone();
    let expiry_choice = form.expiry.clone();
    let refused = |errors: FormErrors, form: TokenForm| {
        let (state, v) = (&state, &v);
        async move {
            let posted = Posted {
                form,
                errors,
                ..Posted::default()
            };
            view(state, v, StatusCode::UNPROCESSABLE_ENTITY, posted).await
        }
    };
    let mut errors = FormErrors::default();
    if form.name.is_empty() {
        errors.name = Some("Give the token a name, such as the system that will use it.".into());
    }
    if scopes.is_empty() {
        errors.scopes = Some("Tick at least one thing the token may do.".into());
    }
    if form.api && role_choice.is_empty() {
        errors.role = Some("Choose the role that bounds what the token may do.".into());
    }
    let expires_at = match EXPIRIES.iter().find(|(value, ..)| *value == expiry_choice) {
        Some((_, _, 0)) => None,
        Some((_, _, days)) => state
            .sb
            .now()
            .saturating_add(jiff::SignedDuration::from_hours(24 * days))
            .ok(),
        None => {
            errors.expiry = Some("Choose when the token expires from the list.".into());
            None
        }
    };
    if errors.name.is_some()
        || errors.scopes.is_some()
        || errors.role.is_some()
        || errors.expiry.is_some()
    {
        errors.summary = Some("The token was not created; correct the fields marked below.".into());
        return refused(errors, form).await;
    }
    let scope_refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let outcome = state
        .sb
        .create_token(
            &v.ctx,
            NewApiToken {
                name: &form.name,
                kind: "api",
                role: Some(role_choice.as_str())
                    .filter(|r| !r.is_empty())
                    .map(RoleRef::parse),
                user: None,
                scopes: &scope_refs,
                expires_at,
            },
        )
        .await;
    match outcome {
        Ok((t, secret)) => {
            let posted = Posted {
                created: Some(created(&state, &t, secret)),
                ..Posted::default()
            };
            view(&state, &v, StatusCode::OK, posted).await
        }
        Err(ServiceError::Domain(d)) => refused(FormErrors::of(&d), form).await,
        Err(e) => failure(&e),
    }
}

pub(super) async fn scim_post(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if !nav_allows(&v, "api-tokens") {
        return not_allowed();
    }
    let name = f
        .opt("name")
        .unwrap_or_else(|| "SCIM provisioning".to_owned());
    match state
        .sb
        .create_api_token(&v.ctx, &name, "scim", None, None)
        .await
    {
        Ok((t, secret)) => {
            let posted = Posted {
                created: Some(created(&state, &t, secret)),
                ..Posted::default()
            };
            view(&state, &v, StatusCode::OK, posted).await
        }
        Err(ServiceError::Domain(d)) => {
            redirect_with(&state, "/api-tokens", &Flash::error(d.to_string()))
        }
        Err(e) => failure(&e),
    }
}

/// The token id of an `/api-tokens/{id}/…` path; anything else answers the not-found page.
pub(super) struct TokenPath(ApiTokenId);

impl FromRequestParts<AppState> for TokenPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse::<ApiTokenId>().map(Self).map_err(|_| not_found())
    }
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such token in this account, or your role cannot manage it.",
        Some(("/api-tokens", "Back to API tokens")),
    )
}

#[derive(Template)]
#[template(path = "api_token_revoke_page.html")]
struct RevokePage {
    shell: Shell,
    token: Row,
}

pub(super) async fn revoke_form(
    State(state): State<AppState>,
    v: Viewer,
    TokenPath(id): TokenPath,
) -> Response {
    if !nav_allows(&v, "api-tokens") {
        return not_allowed();
    }
    let tokens = match state.sb.list_api_tokens(&v.ctx).await {
        Ok(t) => t,
        Err(e) => return failure(&e),
    };
    let Some(t) = tokens.iter().find(|t| t.id == id) else {
        return not_found();
    };
    let roles = match state.sb.list_roles(&v.ctx).await {
        Ok(r) => r
            .into_iter()
            .map(|r| (r.id.to_string(), r.name.to_string()))
            .collect(),
        Err(e) => return failure(&e),
    };
    v.page(
        StatusCode::OK,
        &RevokePage {
            shell: v.shell("api-tokens"),
            token: Row::new(&v, state.sb.now(), &roles, t),
        },
    )
}

pub(super) async fn revoke_post(
    State(state): State<AppState>,
    v: Viewer,
    TokenPath(id): TokenPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let name = state
        .sb
        .list_api_tokens(&v.ctx)
        .await
        .ok()
        .and_then(|ts| ts.into_iter().find(|t| t.id == id).map(|t| t.name))
        .unwrap_or_else(|| "The token".to_owned());
    match state.sb.revoke_api_token(&v.ctx, id).await {
        Ok(()) => redirect_with(
            &state,
            "/api-tokens",
            &Flash::ok(format!(
                "{name} was revoked: anything still using it is refused from now on."
            )),
        ),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) => not_found(),
            Some(d) => redirect_with(&state, "/api-tokens", &Flash::error(d.to_string())),
            None => failure(&e),
        },
    }
}
