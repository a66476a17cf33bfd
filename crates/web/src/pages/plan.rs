//! Plan & seats: the account's plan with the users and licensed seats in use against its
//! limits, its extension range and default time zone, the country phone numbers in
//! national form are read in, and the SIP domain its users' phones register under
//! (Administrators).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::{Country, DomainError, Plan};
use switchboard_service::accounts::AccountPatch;

use super::shell::{Flash, FormData, Shell, Viewer, csrf_refused, nav_allows, redirect_with};
use super::{failure, message};
use crate::AppState;

#[derive(Template)]
#[template(path = "plan_page.html")]
struct PlanPage {
    shell: Shell,
    plan: &'static str,
    /// (what, used, limit) rows.
    usage: Vec<(&'static str, u32, u32)>,
    extension_range: String,
    time_zone: String,
    sso: bool,
    /// The country set (empty: none).
    country: String,
    /// What national phone numbers are read as, in a sentence.
    phone_country: String,
    /// The country in force when none is set (the time zone's), as the field's placeholder.
    derived: String,
    /// The SIP domain section: `None` when the viewer may not see it, else the domain set
    /// (empty: none yet).
    sip_domain: Option<String>,
}

pub(super) async fn plan_page(State(state): State<AppState>, v: Viewer) -> Response {
    if !nav_allows(&v, "plan") {
        return message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only administrators see the plan and its seats.",
            Some(("/", "Back to the dashboard")),
        );
    }
    let usage = match state.sb.plan_usage(&v.ctx).await {
        Ok(u) => u,
        Err(e) => return failure(&e),
    };
    let mut rows = Vec::new();
    if let Some(limit) = usage.users_limit {
        rows.push(("Users", usage.users_used, limit));
    }
    if let Some(limit) = usage.seats_limit {
        rows.push(("Panel Access seats", usage.seats_used, limit));
    }
    let sip_domain = match state.sb.sip_domain(&v.ctx).await {
        Ok(d) => Some(d.map(|d| d.to_string()).unwrap_or_default()),
        Err(e) if matches!(e.domain(), Some(DomainError::Forbidden(_))) => None,
        Err(e) => return failure(&e),
    };
    let a = &v.account;
    v.page(
        StatusCode::OK,
        &PlanPage {
            shell: v.shell("plan"),
            plan: match usage.plan {
                Plan::Free => "Free: up to 5 users, administrators included",
                Plan::Pro => "Pro: unlimited users; Panel Access users use licensed seats",
            },
            usage: rows,
            extension_range: format!("{}–{}", a.extension_range.min, a.extension_range.max),
            time_zone: a.default_time_zone.to_string(),
            sso: a.sso.enabled,
            country: a
                .country
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            phone_country: phone_sentence(a),
            derived: switchboard_domain::Country::of_time_zone(&a.default_time_zone)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            sip_domain,
        },
    )
}

fn phone_sentence(a: &switchboard_domain::Account) -> String {
    match (&a.country, a.phone_country()) {
        (Some(c), _) => format!("Phone numbers written without + are read as numbers of {c}."),
        (None, Some(c)) => format!(
            "No country set: phone numbers written without + are read as numbers of {c}, \
             the country of the time zone {}.",
            a.default_time_zone
        ),
        (None, None) => format!(
            "No country set, and the time zone {} belongs to no one country: phone numbers \
             must be written in international form (+ and country code).",
            a.default_time_zone
        ),
    }
}

/// Sets or clears the country (an empty field clears it).
pub(super) async fn country_post(
    State(state): State<AppState>,
    v: Viewer,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    let country = match f.opt("country") {
        None => None,
        Some(c) => match Country::parse("country", &c) {
            Ok(c) => Some(c),
            Err(e) => return redirect_with(&state, "/plan", &Flash::error(e.message)),
        },
    };
    let patch = AccountPatch {
        country: Some(country),
        ..AccountPatch::default()
    };
    match state.sb.update_account(&v.ctx, patch).await {
        Ok(a) => redirect_with(&state, "/plan", &Flash::ok(phone_sentence(&a))),
        Err(e) => match e.domain() {
            Some(d @ (DomainError::Forbidden(_) | DomainError::Validation(_))) => {
                redirect_with(&state, "/plan", &Flash::error(d.to_string()))
            }
            _ => failure(&e),
        },
    }
}

/// Sets the SIP domain; a new one revokes the credentials issued under the old.
pub(super) async fn sip_domain_post(
    State(state): State<AppState>,
    v: Viewer,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    match state.sb.set_sip_domain(&v.ctx, &f.text("sip_domain")).await {
        Ok((domain, revoked)) => {
            let mut text = format!("Phones now register under {domain}.");
            if revoked > 0 {
                text.push_str(&format!(
                    " The {revoked} SIP credentials issued under the previous domain were \
                     revoked; issue new ones from each user's page."
                ));
            }
            redirect_with(&state, "/plan", &Flash::ok(text))
        }
        Err(e) => match e.domain() {
            Some(
                d @ (DomainError::Forbidden(_)
                | DomainError::Validation(_)
                | DomainError::Conflict { .. }),
            ) => redirect_with(&state, "/plan", &Flash::error(d.to_string())),
            _ => failure(&e),
        },
    }
}
