//! Editing a user: the input with merge semantics and its validation into a [`UserPatch`].

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::country::Country;
use crate::error::{DomainError, Problems};
use crate::ids::DepartmentId;
use crate::phone::E164;
use crate::schedule::{SlotText, WeeklySchedule};
use crate::values::{Email, Extension, Name, Tag, TimeZoneName};

use super::new::{parse_departments, parse_external_id, parse_tags};
use super::{Availability, IdpProfile, RoleRef};

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// Edit input with merge semantics: absent fields stay as they are; `null` clears a
/// clearable field.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatchInput {
    /// New name.
    pub name: Option<String>,
    /// New email (verified before it takes effect), or `null` to remove it.
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    /// Refused if it differs from the current mobile (R4).
    #[serde(default, deserialize_with = "double_option")]
    pub mobile: Option<Option<String>>,
    /// New alternate mobile, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    pub alternate_mobile: Option<Option<String>>,
    /// New extension.
    pub extension: Option<String>,
    /// New role (id or name).
    pub role: Option<String>,
    /// Panel Access on/off.
    pub panel_access: Option<bool>,
    /// Receive calls on/off.
    pub receive_calls: Option<bool>,
    /// New call hours (replaces the whole schedule; `{}` = any time).
    pub call_hours: Option<BTreeMap<String, Vec<SlotText>>>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New availability.
    pub availability: Option<String>,
    /// Department ids, replacing the memberships.
    pub departments: Option<Vec<String>>,
    /// Tags, replacing the current ones.
    pub tags: Option<Vec<String>>,
    /// Voicemail on/off.
    pub voicemail: Option<bool>,
    /// External id, or `null`.
    #[serde(default, deserialize_with = "double_option")]
    pub external_id: Option<Option<String>>,
}

/// A validated edit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// New name.
    pub name: Option<Name>,
    /// New email or removal.
    pub email: Option<Option<Email>>,
    /// The mobile sent back (must equal the current one).
    pub mobile: Option<Option<E164>>,
    /// New alternate mobile or removal.
    pub alternate_mobile: Option<Option<E164>>,
    /// New extension.
    pub extension: Option<Extension>,
    /// New role.
    pub role: Option<RoleRef>,
    /// Panel Access.
    pub panel_access: Option<bool>,
    /// Receive calls.
    pub receive_calls: Option<bool>,
    /// Call hours.
    pub call_hours: Option<WeeklySchedule>,
    /// Time zone.
    pub time_zone: Option<TimeZoneName>,
    /// Availability.
    pub availability: Option<Availability>,
    /// Memberships (replace).
    pub departments: Option<Vec<DepartmentId>>,
    /// Tags (replace).
    pub tags: Option<Vec<Tag>>,
    /// Voicemail.
    pub voicemail: Option<bool>,
    /// External id.
    pub external_id: Option<Option<String>>,
    /// What provisioning keeps (replaces the whole profile).
    pub idp: Option<IdpProfile>,
}

impl UserPatch {
    /// Validates every present field and reports all problems at once; phone numbers must
    /// be in international form.
    pub fn parse(input: &UserPatchInput) -> Result<Self, DomainError> {
        Self::parse_in(input, None)
    }

    /// [`UserPatch::parse`], reading phone numbers in national form in `country`.
    pub fn parse_in(
        input: &UserPatchInput,
        country: Option<&Country>,
    ) -> Result<Self, DomainError> {
        let mut p = Problems::new();
        let opt = |p: &mut Problems, field: &str, v: &Option<Option<String>>| {
            clearable(v, |s| p.check(E164::parse_in(field, s, country)))
        };
        let name = input
            .name
            .as_ref()
            .and_then(|n| p.check(Name::parse("name", n)));
        let email = clearable(&input.email, |s| p.check(Email::parse("email", s)));
        let mobile = opt(&mut p, "mobile", &input.mobile);
        let alternate_mobile = opt(&mut p, "alternate_mobile", &input.alternate_mobile);
        let extension = input
            .extension
            .as_ref()
            .and_then(|e| p.check(Extension::parse("extension", e)));
        let time_zone = input
            .time_zone
            .as_ref()
            .and_then(|t| p.check(TimeZoneName::parse("time_zone", t)));
        let availability = input
            .availability
            .as_ref()
            .and_then(|a| p.check(Availability::parse("availability", a)));
        let call_hours = match &input.call_hours {
            Some(days) => match WeeklySchedule::parse("call_hours", days) {
                Ok(s) => Some(s),
                Err(DomainError::Validation(errors)) => {
                    errors.into_iter().for_each(|e| p.push(e));
                    None
                }
                Err(_) => None,
            },
            None => None,
        };
        let departments = input
            .departments
            .as_ref()
            .map(|d| parse_departments(&mut p, d));
        let tags = input.tags.as_ref().map(|t| parse_tags(&mut p, t));
        let external_id = input
            .external_id
            .as_ref()
            .map(|v| parse_external_id(&mut p, v));
        p.finish()?;
        Ok(Self {
            name,
            email,
            mobile,
            alternate_mobile,
            extension,
            role: input.role.as_deref().map(RoleRef::parse),
            panel_access: input.panel_access,
            receive_calls: input.receive_calls,
            call_hours,
            time_zone,
            availability,
            departments,
            tags,
            voicemail: input.voicemail,
            external_id,
            idp: None,
        })
    }

    /// The fields a Basic user may change on their own profile.
    pub fn only_self_service_fields(&self) -> Result<(), DomainError> {
        let forbidden = [
            ("email", self.email.is_some()),
            ("alternate_mobile", self.alternate_mobile.is_some()),
            ("extension", self.extension.is_some()),
            ("role", self.role.is_some()),
            ("panel_access", self.panel_access.is_some()),
            ("receive_calls", self.receive_calls.is_some()),
            ("call_hours", self.call_hours.is_some()),
            ("departments", self.departments.is_some()),
            ("tags", self.tags.is_some()),
            ("voicemail", self.voicemail.is_some()),
            ("external_id", self.external_id.is_some()),
            ("idp", self.idp.is_some()),
        ];
        match forbidden.iter().find(|(_, set)| *set) {
            Some((field, _)) => Err(DomainError::Forbidden(format!(
                "you may change only your name, password, availability and time zone, not {field}"
            ))),
            None => Ok(()),
        }
    }
}

/// A clearable field as sent: absent, cleared (`null` or blank), or a value `parse` reads.
fn clearable<T>(
    v: &Option<Option<String>>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Option<Option<T>> {
    match v {
        None => None,
        Some(None) => Some(None),
        Some(Some(s)) if s.trim().is_empty() => Some(None),
        Some(Some(s)) => parse(s).map(Some),
    }
}
