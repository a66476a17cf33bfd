//! A department's settings form: its values as typed, their validation into a change,
//! and saving it.

use axum::extract::State;
use axum::response::Response;
use switchboard_domain::department::parse_ring_time;
use switchboard_domain::{
    Department, DepartmentId, DomainError, Fallback, FieldError, Name, RoutingMethod, TimeZoneName,
    WeeklySchedule,
};
use switchboard_service::departments::DepartmentPatch;

use super::page::show;
use super::{DepartmentPath, back, refuse_non_admins};
use crate::AppState;
use crate::pages::hours::{DayHours, week_posted, week_slots, week_text};
use crate::pages::shell::{Flash, FormData, Viewer, csrf_refused};

/// The settings form's values, as typed.
pub(super) struct Settings {
    pub(super) name: String,
    pub(super) method: String,
    pub(super) ring_time: String,
    pub(super) time_zone: String,
    pub(super) fallback: String,
    pub(super) hours: Vec<DayHours>,
}

impl Settings {
    pub(super) fn of(d: &Department) -> Self {
        Self {
            name: d.name.to_string(),
            method: d.routing_method.key().to_owned(),
            ring_time: d.ring_time_secs.to_string(),
            time_zone: d.time_zone.to_string(),
            fallback: fallback_key(&d.fallback),
            hours: week_text(&d.business_hours.to_text()),
        }
    }

    fn posted(f: &FormData) -> Self {
        Self {
            name: f.text("name"),
            method: f.text("routing_method"),
            ring_time: f.text("ring_time_secs"),
            time_zone: f.text("time_zone"),
            fallback: f.text("fallback"),
            hours: week_posted(f),
        }
    }

    /// The change these values make, or every problem with them.
    fn patch(&self, id: DepartmentId) -> Result<DepartmentPatch, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = keep(&mut errors, Name::parse("name", &self.name));
        let method = keep(
            &mut errors,
            RoutingMethod::parse("routing_method", &self.method),
        );
        let ring = keep(
            &mut errors,
            self.ring_time
                .parse::<u32>()
                .map_err(|_| {
                    FieldError::new(
                        "ring_time_secs",
                        "invalid",
                        "write the ring time as a number of seconds",
                    )
                })
                .and_then(parse_ring_time),
        );
        let zone = keep(
            &mut errors,
            TimeZoneName::parse("time_zone", &self.time_zone),
        );
        let fallback = keep(&mut errors, parse_fallback(&self.fallback, id));
        let hours = match week_slots("business_hours", &self.hours) {
            Ok(days) => match WeeklySchedule::parse("business_hours", &days) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.extend(e.field_errors());
                    None
                }
            },
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(DepartmentPatch {
            name,
            routing_method: method,
            ring_time_secs: ring,
            business_hours: hours,
            time_zone: zone,
            fallback,
            external_id: None,
        })
    }
}

/// The value of `r`, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn fallback_key(f: &Fallback) -> String {
    match f {
        Fallback::Voicemail => "voicemail".to_owned(),
        Fallback::None => "none".to_owned(),
        Fallback::Department { department_id } => department_id.to_string(),
    }
}

fn parse_fallback(raw: &str, own: DepartmentId) -> Result<Fallback, FieldError> {
    match raw {
        "voicemail" | "" => Ok(Fallback::Voicemail),
        "none" => Ok(Fallback::None),
        other => match other.parse::<DepartmentId>() {
            Ok(d) if d == own => Err(FieldError::new(
                "fallback",
                "invalid",
                "a department cannot fall back to itself",
            )),
            Ok(d) => Ok(Fallback::Department { department_id: d }),
            Err(_) => Err(FieldError::new(
                "fallback",
                "invalid",
                "choose voicemail, hang up, or another department",
            )),
        },
    }
}

pub(super) async fn settings_post(
    State(state): State<AppState>,
    v: Viewer,
    DepartmentPath(id): DepartmentPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    let typed = Settings::posted(&f);
    let patch = match typed.patch(id) {
        Ok(p) => p,
        Err(errors) => return show(&state, &v, id, Some(typed), errors).await,
    };
    match state.sb.update_department(&v.ctx, id, patch).await {
        Ok(d) => back(
            &state,
            id,
            Ok(Flash::ok(format!("{}'s settings were saved.", d.name))),
        ),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) | None => back(&state, id, Err(e)),
            Some(d) => {
                let mut errors = d.field_errors();
                if errors.is_empty() {
                    errors.push(FieldError::new(
                        d.field_name().unwrap_or("name"),
                        d.code(),
                        d.to_string(),
                    ));
                }
                show(&state, &v, id, Some(typed), errors).await
            }
        },
    }
}
