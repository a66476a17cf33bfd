//! What only the Numbers page has: each number's destination — the department or the
//! person its incoming calls go to — shown and set in a select (a plain form per row, so
//! it works without JavaScript), and the form value that names one.

use axum::extract::{Path, State};
use axum::response::Response;
use switchboard_domain::{Destination, FieldError, User};
use switchboard_service::Error as ServiceError;
use switchboard_service::numbers::NumberPatch;

use super::super::shell::{FormData, Viewer, csrf_refused};
use super::{Kind, Row, answer, not_found, refuse_others};
use crate::AppState;

/// An option of a destination select.
pub(super) struct Choice {
    pub value: String,
    pub label: String,
}

/// The destinations the selects offer, in two groups; "Not routed" comes first in the
/// template.
#[derive(Default)]
pub(super) struct Choices {
    pub departments: Vec<Choice>,
    pub people: Vec<Choice>,
}

/// A destination as a form value: `department:<id>`, `user:<id>`, or empty for none.
pub(super) fn form_value(d: Option<&Destination>) -> String {
    d.map(|d| format!("{}:{}", d.kind(), d.id_text()))
        .unwrap_or_default()
}

/// Reads a form value made by [`form_value`]; empty means "not routed".
pub(super) fn parse_form(raw: &str) -> Result<Option<Destination>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let (kind, id) = raw.split_once(':').ok_or_else(|| {
        FieldError::new(
            "destination",
            "invalid",
            "choose a department or a person from the list",
        )
    })?;
    Destination::parse("destination", kind, id).map(Some)
}

/// The departments by name, then the people who may be rung (`people`, the users who are
/// not deactivated), then anyone a number still routes to who is not among them (a user
/// deactivated since), so that every row's select shows its destination.
pub(super) async fn choices(
    state: &AppState,
    v: &Viewer,
    people: &[User],
    rows: &[Row],
) -> Result<Choices, ServiceError> {
    let departments = state
        .sb
        .list_departments(&v.ctx)
        .await?
        .iter()
        .map(|d| Choice {
            value: form_value(Some(&Destination::Department(d.id))),
            label: d.name.to_string(),
        })
        .collect();
    let mut people: Vec<Choice> = people
        .iter()
        .map(|u| Choice {
            value: form_value(Some(&Destination::User(u.id))),
            label: format!("{} (ext. {})", u.name, u.extension),
        })
        .collect();
    for r in rows {
        let Ok(Some(Destination::User(id))) = parse_form(&r.destination) else {
            continue;
        };
        if people.iter().any(|c| c.value == r.destination) {
            continue;
        }
        let name = match state.sb.get_user(&v.ctx, id).await {
            Ok(u) => format!("{} (deactivated)", u.name),
            Err(_) => "a deactivated user".to_owned(),
        };
        people.push(Choice {
            value: r.destination.clone(),
            label: name,
        });
    }
    Ok(Choices {
        departments,
        people,
    })
}

/// Routes a number's calls to the chosen destination, or stops routing it.
pub(super) async fn destination_post(
    State(state): State<AppState>,
    v: Viewer,
    Path(raw): Path<String>,
    f: FormData,
) -> Response {
    let kind = Kind::Number;
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_others(&v, kind) {
        return r;
    }
    let routed = async {
        let id = raw.parse().map_err(|_| not_found(kind))?;
        let destination =
            parse_form(&f.text("destination")).map_err(|e| ServiceError::Domain(e.into()))?;
        let patch = NumberPatch {
            destination: Some(destination),
            ..NumberPatch::default()
        };
        let n = state.sb.update_number(&v.ctx, id, patch).await?;
        Ok(match n.destination {
            None => format!("{} is no longer routed: its calls ring nobody.", n.number),
            Some(Destination::Department(d)) => {
                let d = state.sb.get_department(&v.ctx, d).await?;
                format!("Calls to {} now go to the department {}.", n.number, d.name)
            }
            Some(Destination::User(u)) => {
                let u = state.sb.get_user(&v.ctx, u).await?;
                format!("Calls to {} now ring {}.", n.number, u.name)
            }
        })
    }
    .await;
    answer(&state, "/numbers", kind, routed)
}
