//! The wire form of departments: requests parsed into the service's validated inputs, and
//! the answers.

use serde::{Deserialize, Serialize};
use switchboard_domain::{
    Department, DepartmentId, DomainError, Fallback, FieldError, Name, RoutingMethod, TimeZoneName,
    User, UserId, WeeklySchedule,
};
use switchboard_service::departments::{DepartmentPatch, NewDepartment};
use utoipa::ToSchema;

use crate::api::users::{CallHours, UserStatusOut};
use crate::error::ApiError;

/// Most members a department may list.
const MAX_MEMBERS: usize = 1000;
/// Most managers a department may list.
const MAX_MANAGERS: usize = 100;
/// Most slots per weekday of the business hours.
const MAX_SLOTS: usize = 48;
/// Ring time when none is given.
const DEFAULT_RING_TIME_SECS: u32 = 20;

/// How a department rings its members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentRoutingMethod {
    /// Everyone at once.
    RingAll,
    /// One after another, in member order.
    Sequential,
    /// One after another, starting one further each call.
    RoundRobin,
    /// Whoever has been idle longest first.
    LongestIdle,
}

impl From<DepartmentRoutingMethod> for RoutingMethod {
    fn from(m: DepartmentRoutingMethod) -> Self {
        match m {
            DepartmentRoutingMethod::RingAll => Self::RingAll,
            DepartmentRoutingMethod::Sequential => Self::Sequential,
            DepartmentRoutingMethod::RoundRobin => Self::RoundRobin,
            DepartmentRoutingMethod::LongestIdle => Self::LongestIdle,
        }
    }
}

impl From<RoutingMethod> for DepartmentRoutingMethod {
    fn from(m: RoutingMethod) -> Self {
        match m {
            RoutingMethod::RingAll => Self::RingAll,
            RoutingMethod::Sequential => Self::Sequential,
            RoutingMethod::RoundRobin => Self::RoundRobin,
            RoutingMethod::LongestIdle => Self::LongestIdle,
        }
    }
}

/// What happens to a call nobody in the department takes (or when it is closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentFallbackKind {
    /// The caller leaves a voicemail.
    Voicemail,
    /// The call goes on to another department (`department_id`).
    Department,
    /// The call ends.
    None,
}

/// Where a call goes when nobody in the department can take it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentFallback {
    /// What happens.
    pub kind: DepartmentFallbackKind,
    /// The department tried next: required with `kind` `department`, refused otherwise.
    #[schema(format = "uuid")]
    pub department_id: Option<String>,
}

impl DepartmentFallback {
    fn parse(self) -> Result<Fallback, ApiError> {
        let field = "fallback.department_id";
        match (self.kind, self.department_id) {
            (DepartmentFallbackKind::Department, Some(id)) => Ok(Fallback::Department {
                department_id: parse_id::<DepartmentId>(field, &id, "department")?,
            }),
            (DepartmentFallbackKind::Department, None) => Err(ApiError::field(
                field,
                "required",
                "name the department to fall back to",
            )),
            (_, Some(_)) => Err(ApiError::field(
                field,
                "invalid",
                "is allowed only when the fallback kind is department",
            )),
            (DepartmentFallbackKind::Voicemail, None) => Ok(Fallback::Voicemail),
            (DepartmentFallbackKind::None, None) => Ok(Fallback::None),
        }
    }

    fn of(f: &Fallback) -> Self {
        match f {
            Fallback::Voicemail => Self {
                kind: DepartmentFallbackKind::Voicemail,
                department_id: None,
            },
            Fallback::Department { department_id } => Self {
                kind: DepartmentFallbackKind::Department,
                department_id: Some(department_id.to_string()),
            },
            Fallback::None => Self {
                kind: DepartmentFallbackKind::None,
                department_id: None,
            },
        }
    }
}

/// Parses an id in its canonical hyphenated form (what `format: uuid` promises).
fn parse_id<T: std::str::FromStr>(field: &str, raw: &str, what: &str) -> Result<T, ApiError> {
    let canonical = raw.len() == 36 && raw.as_bytes().get(8) == Some(&b'-');
    match raw.parse::<T>() {
        Ok(id) if canonical => Ok(id),
        _ => Err(ApiError::field(
            field,
            "invalid",
            format!("{raw:?} is not a {what} id"),
        )),
    }
}

/// User ids in order, each a known-format id, at most `max`.
fn parse_users(field: &str, raw: &[String], max: usize) -> Result<Vec<UserId>, ApiError> {
    if raw.len() > max {
        return Err(ApiError::field(
            field,
            "too_many",
            format!("must have at most {max} items"),
        ));
    }
    raw.iter()
        .enumerate()
        .map(|(i, id)| parse_id(&format!("{field}[{i}]"), id, "user"))
        .collect()
}

fn parse_name(raw: &str) -> Result<Name, ApiError> {
    if raw.chars().count() > Name::MAX_CHARS {
        return Err(ApiError::field(
            "name",
            "too_long",
            format!("must be at most {} characters", Name::MAX_CHARS),
        ));
    }
    Ok(Name::parse("name", raw)?)
}

fn parse_time_zone(raw: &str) -> Result<TimeZoneName, ApiError> {
    if raw.is_empty() || raw.chars().count() > 64 {
        return Err(ApiError::field(
            "time_zone",
            "invalid",
            "must be an IANA time zone name of 1 to 64 characters",
        ));
    }
    Ok(TimeZoneName::parse("time_zone", raw)?)
}

fn parse_hours(hours: CallHours) -> Result<WeeklySchedule, ApiError> {
    if let Some((day, _)) = hours.days().find(|(_, n)| *n > MAX_SLOTS) {
        return Err(ApiError::field(
            &format!("business_hours.{day}"),
            "too_many",
            format!("must have at most {MAX_SLOTS} items"),
        ));
    }
    Ok(WeeklySchedule::parse("business_hours", &hours.into_map())?)
}

fn parse_ring_time(raw: u32) -> Result<u32, ApiError> {
    switchboard_domain::department::parse_ring_time(raw)
        .map_err(|e: FieldError| DomainError::Validation(vec![e]).into())
}

/// A department to create. Only `name` is required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentCreateIn {
    /// Name, 1–100 characters (trimmed), unique in the account (case-insensitive).
    #[schema(min_length = 1, max_length = 100, example = "Support")]
    pub name: String,
    /// How members are rung (default `ring_all`).
    pub routing_method: Option<DepartmentRoutingMethod>,
    /// Seconds each member rings before the next is tried, 5–300 (default 20).
    #[schema(minimum = 5, maximum = 300, example = 20)]
    pub ring_time_secs: Option<u32>,
    /// Weekly business hours in the department's time zone; omitted or `{}` = always open.
    pub business_hours: Option<CallHours>,
    /// IANA time zone of the business hours; the account's default when omitted.
    #[schema(min_length = 1, max_length = 64, example = "Asia/Kolkata")]
    pub time_zone: Option<String>,
    /// Where calls go when nobody answers (default voicemail).
    pub fallback: Option<DepartmentFallback>,
    /// Member user ids in ring order (each once).
    #[schema(value_type = Option<Vec<String>>, format = "uuid", max_items = 1000)]
    pub members: Option<Vec<String>>,
    /// Manager user ids (active users, each once).
    #[schema(value_type = Option<Vec<String>>, format = "uuid", max_items = 100)]
    pub managers: Option<Vec<String>>,
}

impl DepartmentCreateIn {
    /// The validated department.
    pub fn parse(self) -> Result<NewDepartment, ApiError> {
        Ok(NewDepartment {
            name: parse_name(&self.name)?,
            routing_method: self
                .routing_method
                .unwrap_or(DepartmentRoutingMethod::RingAll)
                .into(),
            ring_time_secs: parse_ring_time(self.ring_time_secs.unwrap_or(DEFAULT_RING_TIME_SECS))?,
            business_hours: match self.business_hours {
                Some(h) => parse_hours(h)?,
                None => WeeklySchedule::any_time(),
            },
            time_zone: self.time_zone.as_deref().map(parse_time_zone).transpose()?,
            fallback: match self.fallback {
                Some(f) => f.parse()?,
                None => Fallback::Voicemail,
            },
            members: parse_users(
                "members",
                self.members.as_deref().unwrap_or(&[]),
                MAX_MEMBERS,
            )?,
            managers: parse_users(
                "managers",
                self.managers.as_deref().unwrap_or(&[]),
                MAX_MANAGERS,
            )?,
            external_id: None,
        })
    }
}

/// Changes to a department's settings: absent (or `null`) fields stay as they are. Members
/// and managers change through their own endpoints.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatchIn {
    /// New name, 1–100 characters, unique in the account.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// New routing method.
    pub routing_method: Option<DepartmentRoutingMethod>,
    /// New ring time per member, 5–300 seconds.
    #[schema(minimum = 5, maximum = 300)]
    pub ring_time_secs: Option<u32>,
    /// New business hours, replacing the whole schedule (`{}` = always open).
    pub business_hours: Option<CallHours>,
    /// New IANA time zone.
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
    /// New fallback.
    pub fallback: Option<DepartmentFallback>,
}

impl DepartmentPatchIn {
    /// The validated changes.
    pub fn parse(self) -> Result<DepartmentPatch, ApiError> {
        Ok(DepartmentPatch {
            name: self.name.as_deref().map(parse_name).transpose()?,
            routing_method: self.routing_method.map(Into::into),
            ring_time_secs: self.ring_time_secs.map(parse_ring_time).transpose()?,
            business_hours: self.business_hours.map(parse_hours).transpose()?,
            time_zone: self.time_zone.as_deref().map(parse_time_zone).transpose()?,
            fallback: self.fallback.map(DepartmentFallback::parse).transpose()?,
            ..DepartmentPatch::default()
        })
    }
}

/// The members of a department, in ring order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentMembersIn {
    /// User ids in ring order (the order sequential routing follows), each once; `[]`
    /// empties the department.
    #[schema(value_type = Vec<String>, format = "uuid", max_items = 1000)]
    pub members: Vec<String>,
}

impl DepartmentMembersIn {
    /// The validated ids.
    pub fn parse(self) -> Result<Vec<UserId>, ApiError> {
        parse_users("members", &self.members, MAX_MEMBERS)
    }
}

/// The managers of a department.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentManagersIn {
    /// User ids of active users, each once; `[]` leaves the department without managers.
    #[schema(value_type = Vec<String>, format = "uuid", max_items = 100)]
    pub managers: Vec<String>,
}

impl DepartmentManagersIn {
    /// The validated ids.
    pub fn parse(self) -> Result<Vec<UserId>, ApiError> {
        parse_users("managers", &self.managers, MAX_MANAGERS)
    }
}

/// A department.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentOut {
    /// Department id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Name.
    pub name: String,
    /// How members are rung.
    pub routing_method: DepartmentRoutingMethod,
    /// Seconds each member rings.
    #[schema(minimum = 5, maximum = 300)]
    pub ring_time_secs: u32,
    /// Weekly business hours in `time_zone` (`{}` = always open).
    pub business_hours: CallHours,
    /// IANA time zone of the business hours.
    pub time_zone: String,
    /// Where calls go when nobody answers.
    pub fallback: DepartmentFallback,
    /// Member user ids, in ring order.
    #[schema(value_type = Vec<String>, format = "uuid")]
    pub members: Vec<String>,
    /// Manager user ids.
    #[schema(value_type = Vec<String>, format = "uuid")]
    pub managers: Vec<String>,
}

impl From<&Department> for DepartmentOut {
    fn from(d: &Department) -> Self {
        Self {
            id: d.id.to_string(),
            name: d.name.to_string(),
            routing_method: d.routing_method.into(),
            ring_time_secs: d.ring_time_secs,
            business_hours: CallHours::from_map(d.business_hours.to_text()),
            time_zone: d.time_zone.to_string(),
            fallback: DepartmentFallback::of(&d.fallback),
            members: d.members.iter().map(ToString::to_string).collect(),
            managers: d.managers.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The account's departments, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    /// The departments.
    pub items: Vec<DepartmentOut>,
}

/// A member or manager of a department.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentPerson {
    /// User id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Extension.
    #[schema(example = "204")]
    pub extension: String,
    /// Life-cycle status (inactive members are kept but never rung).
    pub status: UserStatusOut,
}

impl From<&User> for DepartmentPerson {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            name: u.name.to_string(),
            extension: u.extension.to_string(),
            status: u.status.into(),
        }
    }
}

/// The members of a department, in ring order.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentMembersOut {
    /// Members, in ring order.
    pub members: Vec<DepartmentPerson>,
}

/// The managers of a department.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentManagersOut {
    /// Managers.
    pub managers: Vec<DepartmentPerson>,
}
