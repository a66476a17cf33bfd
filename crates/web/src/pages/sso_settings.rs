//! Settings → Single sign-on: the account's OpenID Connect connection (Administrators),
//! with a Test connection button. The service decides who may see and change it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::DomainError;
use switchboard_domain::sso::{SsoClaim, SsoConnectionInput, SsoMatch};
use switchboard_service::sso::{SsoConnectionView, SsoTestReport};

use super::shell::{Flash, FormData, Shell, Viewer, csrf_refused, redirect_with};
use super::{failure, message};
use crate::AppState;

#[derive(Template)]
#[template(path = "sso_settings_page.html")]
struct SsoSettingsPage {
    shell: Shell,
    configured: bool,
    /// The owner changes it; administrators see it.
    may_change: bool,
    redirect_uri: String,
    sign_in_url: Option<String>,
    display_name: String,
    slug: String,
    issuer: String,
    client_id: String,
    scopes: String,
    claim: String,
    match_field: String,
    email_domains: String,
    password_sign_in: bool,
    jit: bool,
    claims: Vec<(String, &'static str)>,
    match_fields: Vec<(String, &'static str)>,
    /// (step, ok, detail) of a test just run.
    checks: Vec<(String, bool, String)>,
}

fn claim_label(c: SsoClaim) -> &'static str {
    match c {
        SsoClaim::Email => "email (verified by the provider)",
        SsoClaim::PreferredUsername => "preferred_username (Okta, Keycloak login)",
        SsoClaim::Upn => "upn (Entra ID user principal name)",
        SsoClaim::Sub => "sub (the provider's subject id)",
        SsoClaim::Oid => "oid (Entra ID object id)",
    }
}

fn match_label(m: SsoMatch) -> &'static str {
    match m {
        SsoMatch::Email => "email",
        SsoMatch::IdpLogin => "identity provider login (SCIM userName)",
        SsoMatch::ExternalId => "external id (SCIM externalId)",
    }
}

async fn render_page(
    state: &AppState,
    v: &Viewer,
    status: StatusCode,
    typed: Option<&SsoConnectionInput>,
    checks: Vec<(String, bool, String)>,
) -> Response {
    let saved: Option<SsoConnectionView> = match state.sb.sso_connection(&v.ctx).await {
        Ok(s) => s,
        Err(e) if matches!(e.domain(), Some(DomainError::Forbidden(_))) => {
            return message(
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Only administrators see single sign-on.",
                Some(("/", "Back to the dashboard")),
            );
        }
        Err(e) => return failure(&e),
    };
    let may_change = match state.sb.may_change_sso(&v.ctx).await {
        Ok(m) => m,
        Err(e) => return failure(&e),
    };
    let c = saved.as_ref().map(|s| &s.connection);
    let text = |typed_value: Option<&String>, saved_value: Option<String>| {
        typed_value.cloned().or(saved_value).unwrap_or_default()
    };
    v.page(
        status,
        &SsoSettingsPage {
            shell: v.shell("sso"),
            configured: saved.is_some(),
            may_change,
            redirect_uri: saved
                .as_ref()
                .map(|s| s.redirect_uri.clone())
                .unwrap_or_else(|| {
                    format!(
                        "{}/sso/callback/<sign-in link>",
                        state.sb.settings().public_url
                    )
                }),
            sign_in_url: saved.as_ref().map(|s| s.sign_in_url.clone()),
            display_name: text(
                typed.map(|t| &t.display_name),
                c.map(|c| c.display_name.clone()),
            ),
            slug: text(typed.map(|t| &t.slug), c.map(|c| c.slug.clone())),
            issuer: text(typed.map(|t| &t.issuer), c.map(|c| c.issuer.clone())),
            client_id: text(typed.map(|t| &t.client_id), c.map(|c| c.client_id.clone())),
            scopes: text(typed.map(|t| &t.scopes), c.map(|c| c.scopes.join(" "))),
            claim: text(typed.map(|t| &t.claim), c.map(|c| c.claim.key().to_owned())),
            match_field: text(
                typed.map(|t| &t.match_field),
                c.map(|c| c.match_field.key().to_owned()),
            ),
            email_domains: text(
                typed.map(|t| &t.email_domains),
                c.map(|c| c.email_domains.join(" ")),
            ),
            password_sign_in: typed
                .map(|t| t.password_sign_in)
                .or(c.map(|c| c.password_sign_in))
                .unwrap_or(true),
            jit: typed.map(|t| t.jit).or(c.map(|c| c.jit)).unwrap_or(false),
            claims: SsoClaim::ALL
                .iter()
                .map(|c| (c.key().to_owned(), claim_label(*c)))
                .collect(),
            match_fields: SsoMatch::ALL
                .iter()
                .map(|m| (m.key().to_owned(), match_label(*m)))
                .collect(),
            checks,
        },
    )
}

/// The settings page.
pub(super) async fn page(State(state): State<AppState>, v: Viewer) -> Response {
    render_page(&state, &v, StatusCode::OK, None, Vec::new()).await
}

/// Saves the connection.
pub(super) async fn save(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let input = SsoConnectionInput {
        slug: f.text("slug"),
        display_name: f.text("display_name"),
        issuer: f.text("issuer"),
        client_id: f.text("client_id"),
        scopes: f.text("scopes"),
        claim: f.text("claim"),
        match_field: f.text("match_field"),
        email_domains: f.text("email_domains"),
        password_sign_in: f.checked("password_sign_in"),
        jit: f.checked("jit"),
    };
    let secret = f.opt("client_secret");
    match state
        .sb
        .set_sso_connection(&v.ctx, &input, secret.as_deref())
        .await
    {
        Ok(_) => redirect_with(
            &state,
            "/settings/sso",
            &Flash::ok("Single sign-on saved. Use Test connection to check it.".to_owned()),
        ),
        Err(e) => match e.domain() {
            Some(d @ (DomainError::Validation(_) | DomainError::Conflict { .. })) => {
                let problems = match d {
                    DomainError::Validation(p) => p
                        .iter()
                        .map(|p| (p.field.clone(), false, p.message.clone()))
                        .collect(),
                    other => vec![("Not saved".to_owned(), false, other.to_string())],
                };
                render_page(
                    &state,
                    &v,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&input),
                    problems,
                )
                .await
            }
            Some(d @ DomainError::Forbidden(_)) => {
                redirect_with(&state, "/settings/sso", &Flash::error(d.to_string()))
            }
            _ => failure(&e),
        },
    }
}

/// Tests the saved connection and shows each step.
pub(super) async fn test(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    match state.sb.test_sso_connection(&v.ctx).await {
        Ok(SsoTestReport { ok, checks }) => {
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::BAD_GATEWAY
            };
            let rows = checks
                .into_iter()
                .map(|c| (c.step, c.ok, c.detail))
                .collect();
            render_page(&state, &v, status, None, rows).await
        }
        Err(e) => match e.domain() {
            Some(d) => redirect_with(&state, "/settings/sso", &Flash::error(d.to_string())),
            None => failure(&e),
        },
    }
}

/// Removes the connection.
pub(super) async fn remove(State(state): State<AppState>, v: Viewer, f: FormData) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    match state.sb.remove_sso_connection(&v.ctx).await {
        Ok(()) => redirect_with(
            &state,
            "/settings/sso",
            &Flash::ok("Single sign-on removed: everyone signs in with a password.".to_owned()),
        ),
        Err(e) => match e.domain() {
            Some(d) => redirect_with(&state, "/settings/sso", &Flash::error(d.to_string())),
            None => failure(&e),
        },
    }
}
