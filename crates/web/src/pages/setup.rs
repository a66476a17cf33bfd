//! `/setup/{token}`: the first-run page. It creates the first account with its owner, who
//! sets their password here and is signed in. The link works once, and only while no
//! account exists.

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchboard_domain::{Email, ExtensionRange, Name, Plan, TimeZoneName};
use switchboard_service::accounts::NewAccount;
use switchboard_service::secrets::MIN_PASSWORD_CHARS;

use super::{bad_form, cross_site, failure, message, render, same_origin};
use crate::AppState;
use crate::auth::ClientAddr;

#[derive(Template)]
#[template(path = "setup_page.html")]
struct SetupPage<'a> {
    errors: Vec<String>,
    company: &'a str,
    plan: &'a str,
    seats: &'a str,
    name: &'a str,
    email: &'a str,
    min_chars: usize,
}

/// The form fields.
#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn dead_link() -> Response {
    message(
        StatusCode::GONE,
        "This setup link is no longer valid",
        "Switchboard is already set up, or this link was used. Sign in instead.",
        Some(("/sign-in", "Sign in")),
    )
}

/// Whether the gate is open for `token` and no account exists yet. Closes the gate for
/// good once an account exists.
async fn usable(state: &AppState, token: &str) -> Result<bool, Response> {
    if !state.setup.matches(token) {
        return Ok(false);
    }
    match state.sb.any_account_exists().await {
        Ok(true) => {
            state.setup.close();
            Ok(false)
        }
        Ok(false) => Ok(true),
        Err(e) => Err(failure(&e)),
    }
}

fn form_page(status: StatusCode, f: &SetupForm, errors: Vec<String>) -> Response {
    render(
        status,
        &SetupPage {
            errors,
            company: &f.company,
            plan: if f.plan.is_empty() { "free" } else { &f.plan },
            seats: &f.seats,
            name: &f.name,
            email: &f.email,
            min_chars: MIN_PASSWORD_CHARS,
        },
    )
}

/// Shows the setup form.
pub async fn setup_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match usable(&state, &token).await {
        Ok(true) => form_page(StatusCode::OK, &SetupForm::default(), Vec::new()),
        Ok(false) => dead_link(),
        Err(r) => r,
    }
}

/// Creates the account and its owner, signs the owner in, and closes the link.
pub async fn setup_post(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Result<Form<SetupForm>, FormRejection>,
) -> Response {
    if !same_origin(&state, &headers) {
        return cross_site();
    }
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return bad_form(&e),
    };
    match usable(&state, &token).await {
        Ok(true) => {}
        Ok(false) => return dead_link(),
        Err(r) => return r,
    }
    let input = match parse_new_account(&f.company, &f.plan, &f.seats, &f.name, &f.email) {
        Ok(i) => i,
        Err(errors) => return form_page(StatusCode::UNPROCESSABLE_ENTITY, &f, errors),
    };
    // One attempt at a time: a concurrent post finds the gate closed.
    if !state.setup.take(&token) {
        return dead_link();
    }
    match state
        .sb
        .create_account_with_owner_password(input, &f.password, &ip)
        .await
    {
        Ok((_, session)) => super::signed_in(&state, &session),
        Err(e) => {
            state.setup.restore(&token);
            match e.domain() {
                Some(d) => form_page(crate::error::status_of(d), &f, vec![d.to_string()]),
                None => failure(&e),
            }
        }
    }
}

/// Parses the setup form into an account; field problems become sentences.
fn parse_new_account(
    company: &str,
    plan: &str,
    seats: &str,
    name: &str,
    email: &str,
) -> Result<NewAccount, Vec<String>> {
    let mut errors = Vec::new();
    let mut note = |what: &str, e: switchboard_domain::FieldError| {
        errors.push(format!("{what}: {}", e.message));
    };
    let company = Name::parse("company", company)
        .map_err(|e| note("Company name", e))
        .ok();
    let plan = Plan::parse("plan", plan).map_err(|e| note("Plan", e)).ok();
    let owner_name = Name::parse("name", name)
        .map_err(|e| note("Your name", e))
        .ok();
    let owner_email = Email::parse("email", email)
        .map_err(|e| note("Your email", e))
        .ok();
    let seats = match seats.trim() {
        "" => Some(0),
        s => s.parse::<u32>().ok(),
    };
    if seats.is_none() {
        errors.push("Seats: give a whole number".to_owned());
    }
    let time_zone = TimeZoneName::parse("time_zone", "UTC").ok();
    match (company, plan, owner_name, owner_email, seats, time_zone) {
        (Some(name), Some(plan), Some(owner_name), Some(owner_email), Some(seats), Some(tz))
            if errors.is_empty() =>
        {
            Ok(NewAccount {
                name,
                plan,
                seat_limit: seats,
                extension_range: ExtensionRange::default(),
                time_zone: tz,
                country: None,
                owner_name,
                owner_email,
            })
        }
        _ => Err(errors),
    }
}
