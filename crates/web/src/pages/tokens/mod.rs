//! API tokens (those whose role holds "API tokens and integrations"): the account's tokens
//! as the service lets the viewer see them, creating one (name, scopes, role, optional
//! expiry) with its secret shown once in the answer to the form — never through the flash
//! cookie — and revoking one after a confirmation. Administrators also create the SCIM
//! token their identity provider uses, and see the SCIM base URL.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::ApiTokenRecord;
use switchboard_domain::{BuiltinRole, DomainError, Role, may_grant};
use switchboard_service::tokens::{SCOPE_API, SCOPE_CALLS_INGEST, SCOPE_SIP_PROXY};

use super::shell::{Shell, Viewer, nav_allows, sentence};
use super::{failure, message};
use crate::AppState;

mod create;
mod revoke;

pub(super) use create::{create_post, scim_post};
pub(super) use revoke::{revoke_form, revoke_post};

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
    sip: bool,
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
            sip: false,
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
        SCOPE_SIP_PROXY => "SIP proxy",
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
        .filter(|r| may_grant(v.perms(), v.is_admin(), &r.permissions, r.name.as_str()).is_ok())
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
