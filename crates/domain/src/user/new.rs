//! Adding a user: the input as interfaces send it and its validation into a [`NewUser`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::error::{DomainError, FieldError, Problems};
use crate::ids::DepartmentId;
use crate::phone::E164;
use crate::schedule::{SlotText, WeeklySchedule};
use crate::values::{Email, Extension, Name, Tag, TimeZoneName};

use super::{IdpProfile, RoleRef};

/// Add-user input as it arrives from an interface (JSON, form, CSV row, CLI flags).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    /// Required.
    pub name: Option<String>,
    /// Email; optional if a mobile is given.
    pub email: Option<String>,
    /// E.164 mobile; optional if an email is given.
    pub mobile: Option<String>,
    /// E.164.
    pub alternate_mobile: Option<String>,
    /// Digits; the next free one when omitted.
    pub extension: Option<String>,
    /// Role id or name; Basic when omitted.
    pub role: Option<String>,
    /// Default off.
    pub panel_access: Option<bool>,
    /// Default on.
    pub receive_calls: Option<bool>,
    /// Weekday → slots; empty = any time.
    pub call_hours: Option<BTreeMap<String, Vec<SlotText>>>,
    /// IANA name; the account's when omitted.
    pub time_zone: Option<String>,
    /// Department ids, in order.
    pub departments: Option<Vec<String>>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// Default off.
    pub voicemail: Option<bool>,
    /// Set by identity-provider provisioning.
    pub external_id: Option<String>,
}

/// A validated add-user request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    /// Name.
    pub name: Name,
    /// Email.
    pub email: Option<Email>,
    /// Mobile.
    pub mobile: Option<E164>,
    /// Alternate mobile.
    pub alternate_mobile: Option<E164>,
    /// Requested extension.
    pub extension: Option<Extension>,
    /// Requested role.
    pub role: Option<RoleRef>,
    /// Panel Access.
    pub panel_access: bool,
    /// Receive calls.
    pub receive_calls: bool,
    /// Call hours.
    pub call_hours: WeeklySchedule,
    /// Time zone (account default when `None`).
    pub time_zone: Option<TimeZoneName>,
    /// Departments to join.
    pub departments: Vec<DepartmentId>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Voicemail.
    pub voicemail: bool,
    /// External id (SCIM).
    pub external_id: Option<String>,
    /// Set by provisioning.
    pub idp: IdpProfile,
}

pub(super) fn nonblank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(super) fn parse_departments(problems: &mut Problems, raw: &[String]) -> Vec<DepartmentId> {
    let mut out = Vec::new();
    for (i, d) in raw.iter().enumerate() {
        match d.trim().parse::<DepartmentId>() {
            Ok(id) if !out.contains(&id) => out.push(id),
            Ok(_) => {}
            Err(_) => problems.push(FieldError::new(
                format!("departments[{i}]"),
                "invalid",
                format!("{d:?} is not a department id"),
            )),
        }
    }
    out
}

pub(super) fn parse_tags(problems: &mut Problems, raw: &[String]) -> Vec<Tag> {
    let mut out: Vec<Tag> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        if let Some(tag) = problems.check(Tag::parse(&format!("tags[{i}]"), t))
            && !out.contains(&tag)
        {
            out.push(tag);
        }
    }
    out
}

pub(super) fn parse_external_id(problems: &mut Problems, raw: &Option<String>) -> Option<String> {
    let s = nonblank(raw)?;
    if s.len() > 255 {
        problems.push(FieldError::new(
            "external_id",
            "too_long",
            "must be at most 255 characters",
        ));
        return None;
    }
    if let Err(e) = crate::values::check_no_control("external_id", s) {
        problems.push(e);
        return None;
    }
    Some(s.to_owned())
}

impl NewUser {
    /// Validates every field and reports all problems at once; phone numbers must be in
    /// international form.
    pub fn parse(input: &NewUserInput) -> Result<Self, DomainError> {
        Self::parse_in(input, None)
    }

    /// [`NewUser::parse`], reading phone numbers in national form in `country` (the
    /// account's [`crate::Account::phone_country`]).
    pub fn parse_in(input: &NewUserInput, country: Option<&Country>) -> Result<Self, DomainError> {
        let mut p = Problems::new();
        let name = match &input.name {
            Some(n) => p.check(Name::parse("name", n)),
            None => {
                p.push(FieldError::new("name", "required", "is required"));
                None
            }
        };
        let email = nonblank(&input.email).and_then(|e| p.check(Email::parse("email", e)));
        let mobile =
            nonblank(&input.mobile).and_then(|m| p.check(E164::parse_in("mobile", m, country)));
        if nonblank(&input.email).is_none() && nonblank(&input.mobile).is_none() {
            p.push(FieldError::new(
                "email",
                "required",
                "an email or a mobile number is required",
            ));
        }
        let alternate_mobile = nonblank(&input.alternate_mobile)
            .and_then(|m| p.check(E164::parse_in("alternate_mobile", m, country)));
        let extension =
            nonblank(&input.extension).and_then(|e| p.check(Extension::parse("extension", e)));
        let time_zone =
            nonblank(&input.time_zone).and_then(|t| p.check(TimeZoneName::parse("time_zone", t)));
        let call_hours = match &input.call_hours {
            Some(days) => match WeeklySchedule::parse("call_hours", days) {
                Ok(s) => Some(s),
                Err(DomainError::Validation(errors)) => {
                    errors.into_iter().for_each(|e| p.push(e));
                    None
                }
                Err(_) => None,
            },
            None => Some(WeeklySchedule::any_time()),
        };
        let departments = parse_departments(&mut p, input.departments.as_deref().unwrap_or(&[]));
        let tags = parse_tags(&mut p, input.tags.as_deref().unwrap_or(&[]));
        let external_id = parse_external_id(&mut p, &input.external_id);
        p.finish()?;
        let (Some(name), Some(call_hours)) = (name, call_hours) else {
            return Err(DomainError::field("name", "required", "is required"));
        };
        Ok(Self {
            name,
            email,
            mobile,
            alternate_mobile,
            extension,
            role: nonblank(&input.role).map(RoleRef::parse),
            panel_access: input.panel_access.unwrap_or(false),
            receive_calls: input.receive_calls.unwrap_or(true),
            call_hours,
            time_zone,
            departments,
            tags,
            voicemail: input.voicemail.unwrap_or(false),
            external_id,
            idp: IdpProfile::default(),
        })
    }
}
