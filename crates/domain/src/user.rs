//! Users: the people who answer the phones and/or sign in to the panel. Holds the status
//! machine and the parsing of add/edit input (merge semantics for edits).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::account::{Account, IdpField};
use crate::country::Country;
use crate::error::{DomainError, FieldError, Problems};
use crate::ids::{AccountId, DepartmentId, RoleId, UserId};
use crate::phone::E164;
use crate::schedule::{SlotText, WeeklySchedule};
use crate::values::{Email, Extension, IdpUsername, Name, Tag, TimeZoneName};

/// Where a user is in their life cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Panel Access on, invite not yet accepted.
    PendingInvite,
    /// Working normally.
    Active,
    /// Deactivated: kept, but cannot sign in and is never rung.
    Inactive,
}

impl UserStatus {
    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::PendingInvite => "pending_invite",
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }

    /// Parses the stored or wire key.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "pending_invite" => Ok(Self::PendingInvite),
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            other => Err(FieldError::new(
                field,
                "invalid",
                format!("{other:?} is not a status; use pending_invite, active or inactive"),
            )),
        }
    }

    /// The status a user (re)enters when active: pending until a Panel Access user has set
    /// a password (or signs in through SSO), active otherwise.
    pub fn when_enabled(panel_access: bool, has_signed_in: bool) -> Self {
        if panel_access && !has_signed_in {
            Self::PendingInvite
        } else {
            Self::Active
        }
    }
}

/// Whether a user is taking calls right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Ready to take calls.
    Available,
    /// On a call or otherwise engaged.
    Busy,
    /// Away from the desk.
    Away,
    /// Signed off.
    Offline,
}

impl Availability {
    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Busy => "busy",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    /// Parses the wire key.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "available" => Ok(Self::Available),
            "busy" => Ok(Self::Busy),
            "away" => Ok(Self::Away),
            "offline" => Ok(Self::Offline),
            other => Err(FieldError::new(
                field,
                "invalid",
                format!("{other:?} is not an availability; use available, busy, away or offline"),
            )),
        }
    }
}

/// A user as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Owning account.
    pub account_id: AccountId,
    /// Display name.
    pub name: Name,
    /// Email in effect (a pending change is not in effect until verified, R5).
    pub email: Option<Email>,
    /// Mobile, immutable once set (R4).
    pub mobile: Option<E164>,
    /// Alternate mobile.
    pub alternate_mobile: Option<E164>,
    /// Extension, unique in the account.
    pub extension: Extension,
    /// Role.
    pub role_id: RoleId,
    /// Pro user (can sign in, uses a seat) or call-only.
    pub panel_access: bool,
    /// Whether the user is ever rung.
    pub receive_calls: bool,
    /// When the user takes calls, in their time zone.
    pub call_hours: WeeklySchedule,
    /// The user's time zone.
    pub time_zone: TimeZoneName,
    /// Current availability.
    pub availability: Availability,
    /// Voicemail enabled.
    pub voicemail: bool,
    /// Life-cycle status.
    pub status: UserStatus,
    /// The identity provider's id of the user (SCIM `externalId`).
    pub external_id: Option<String>,
    /// What the identity provider that manages the user keeps about them.
    pub idp: IdpProfile,
    /// Free labels.
    pub tags: Vec<Tag>,
    /// Whether the user has ever set a password or signed in.
    pub has_signed_in: bool,
    /// A scheduled deactivation, if any.
    pub deactivate_at: Option<jiff::Timestamp>,
    /// Increases on every change; the ETag.
    pub version: i64,
    /// Created.
    pub created_at: jiff::Timestamp,
    /// Last changed.
    pub updated_at: jiff::Timestamp,
}

impl User {
    /// The login an identity provider knows the user by (SCIM `userName`): their IdP
    /// username, else their email, else their mobile.
    pub fn login(&self) -> Option<&str> {
        self.idp
            .username
            .as_ref()
            .map(IdpUsername::as_str)
            .or_else(|| self.email.as_ref().map(Email::as_str))
            .or_else(|| self.mobile.as_ref().map(E164::as_str))
    }

    /// [`User::login`] lower-cased, as stored for lookups that ignore case.
    pub fn login_key(&self) -> Option<String> {
        self.login().map(str::to_lowercase)
    }

    /// Whether the user holds a licensed seat (Panel Access and not deactivated).
    pub fn holds_seat(&self) -> bool {
        self.panel_access && self.status != UserStatus::Inactive
    }

    /// Whether an identity provider manages the user (R6): provisioned or linked over SCIM,
    /// or given an external id.
    pub fn is_idp_managed(&self) -> bool {
        self.idp.managed || self.external_id.is_some()
    }

    /// R6: the fields of this user only the identity provider may change (outside SCIM):
    /// the account's managed fields, when an identity provider manages the user.
    pub fn idp_owned_fields(&self, account: &Account) -> Vec<IdpField> {
        if self.is_idp_managed() {
            account.sso.managed_fields.clone()
        } else {
            Vec::new()
        }
    }

    /// The before/after view recorded in audit events.
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name.as_str(),
            "email": self.email.as_ref().map(Email::as_str),
            "mobile": self.mobile.as_ref().map(E164::as_str),
            "alternate_mobile": self.alternate_mobile.as_ref().map(E164::as_str),
            "extension": self.extension.to_string(),
            "role_id": self.role_id.to_string(),
            "panel_access": self.panel_access,
            "receive_calls": self.receive_calls,
            "call_hours": self.call_hours.to_text(),
            "time_zone": self.time_zone.as_str(),
            "availability": self.availability.key(),
            "voicemail": self.voicemail,
            "status": self.status.key(),
            "external_id": self.external_id,
            "idp_managed": self.idp.managed,
            "idp_username": self.idp.username.as_ref().map(IdpUsername::as_str),
            "idp_attributes": self.idp.attributes,
            "manager_id": self.idp.manager.map(|m| m.to_string()),
            "given_name": self.idp.given_name,
            "family_name": self.idp.family_name,
            "primary_phone": self.idp.primary_phone.map(PhoneKind::key),
            "email_primary": self.idp.email_primary,
            "alternate_work": self.idp.alternate_work,
            "tags": self.tags.iter().map(Tag::as_str).collect::<Vec<_>>(),
            "deactivate_at": self.deactivate_at.map(|t| t.to_string()),
        })
    }
}

/// Which of a user's numbers is their primary one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneKind {
    /// The mobile.
    Mobile,
    /// The alternate mobile.
    Alternate,
    /// Numbers were marked, none of them primary.
    Neither,
}

impl PhoneKind {
    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Alternate => "alternate",
            Self::Neither => "neither",
        }
    }

    /// The kind a stored key names.
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "mobile" => Some(Self::Mobile),
            "alternate" => Some(Self::Alternate),
            "neither" => Some(Self::Neither),
            _ => None,
        }
    }
}

/// What an identity provider keeps about a user beyond Switchboard's own fields, so
/// provisioning reads back what it wrote (RFC 7643 `name.givenName`, `name.familyName`,
/// `phoneNumbers.primary`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdpProfile {
    /// The user was provisioned by the identity provider: the fields it owns are read-only
    /// outside provisioning (R6).
    pub managed: bool,
    /// The identity provider's login for the user (SCIM `userName`), independent of the
    /// email; unique in the account, ignoring case.
    pub username: Option<IdpUsername>,
    /// Given name as the identity provider sent it.
    pub given_name: Option<String>,
    /// Family name as the identity provider sent it.
    pub family_name: Option<String>,
    /// The number the identity provider marked primary.
    pub primary_phone: Option<PhoneKind>,
    /// Whether the identity provider marked the email primary.
    pub email_primary: Option<bool>,
    /// The identity provider sent the alternate mobile as a work number.
    pub alternate_work: bool,
    /// Directory attributes kept as sent (title, language, employee number…).
    pub attributes: IdpAttributes,
    /// The user's manager (the enterprise extension's `manager`), another user of the
    /// account.
    pub manager: Option<UserId>,
}

/// Directory attributes an identity provider sends by default, kept as sent and returned
/// (RFC 7643 §4.1.1 `title`, `preferredLanguage`, `locale`; §4.3 `employeeNumber`,
/// `department`). Switchboard's rules do not read them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdpAttributes {
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Preferred language (e.g. `en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// Locale (e.g. `en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Employee number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// The directory's department name (not a Switchboard department).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The time zone as sent; when it is an IANA name it is also the user's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

impl IdpAttributes {
    /// Longest value kept, in characters.
    pub const MAX_CHARS: usize = 256;

    /// Whether none is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Checks each value: at most 256 characters, no control characters. Names the SCIM
    /// attribute of the first bad one.
    pub fn check(&self) -> Result<(), FieldError> {
        let all = [
            ("title", &self.title),
            ("preferredLanguage", &self.preferred_language),
            ("locale", &self.locale),
            ("employeeNumber", &self.employee_number),
            ("department", &self.department),
            ("timezone", &self.timezone),
        ];
        for (field, v) in all {
            let Some(v) = v else { continue };
            if v.chars().count() > Self::MAX_CHARS {
                return Err(FieldError::new(
                    field,
                    "too_long",
                    format!("must be at most {} characters", Self::MAX_CHARS),
                ));
            }
            if v.chars().any(char::is_control) {
                return Err(FieldError::new(
                    field,
                    "invalid",
                    "must not contain control characters",
                ));
            }
        }
        Ok(())
    }
}

/// How a role is named in input: by id or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    /// By id.
    Id(RoleId),
    /// By name, case-insensitively (`Administrator`, `Manager`, `Basic`, custom names).
    Name(String),
}

impl RoleRef {
    /// An id if the text is one, a name otherwise.
    pub fn parse(raw: &str) -> Self {
        match raw.trim().parse::<RoleId>() {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Name(raw.trim().to_owned()),
        }
    }
}

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

fn nonblank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_departments(problems: &mut Problems, raw: &[String]) -> Vec<DepartmentId> {
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

fn parse_tags(problems: &mut Problems, raw: &[String]) -> Vec<Tag> {
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

fn parse_external_id(problems: &mut Problems, raw: &Option<String>) -> Option<String> {
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
        let opt = |p: &mut Problems,
                   v: &Option<Option<String>>,
                   parse: &dyn Fn(&str) -> Result<E164, FieldError>|
         -> Option<Option<E164>> {
            match v {
                None => None,
                Some(None) => Some(None),
                Some(Some(s)) if s.trim().is_empty() => Some(None),
                Some(Some(s)) => p.check(parse(s)).map(Some),
            }
        };
        let name = input
            .name
            .as_ref()
            .and_then(|n| p.check(Name::parse("name", n)));
        let email = match &input.email {
            None => None,
            Some(None) => Some(None),
            Some(Some(s)) if s.trim().is_empty() => Some(None),
            Some(Some(s)) => p.check(Email::parse("email", s)).map(Some),
        };
        let mobile = opt(&mut p, &input.mobile, &|s| {
            E164::parse_in("mobile", s, country)
        });
        let alternate_mobile = opt(&mut p, &input.alternate_mobile, &|s| {
            E164::parse_in("alternate_mobile", s, country)
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_needs_a_name_and_an_email_or_mobile() {
        let err = NewUser::parse(&NewUserInput::default()).unwrap_err();
        let fields: Vec<_> = err.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "email"]);
        let ok = NewUser::parse(&NewUserInput {
            name: Some("Priya".into()),
            mobile: Some("+919876543210".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(ok.receive_calls && !ok.panel_access && ok.email.is_none());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let err = NewUser::parse(&NewUserInput {
            name: Some("x".repeat(101)),
            email: Some("not-an-email".into()),
            mobile: Some("98765".into()),
            extension: Some("012".into()),
            time_zone: Some("Nowhere/City".into()),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = err.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["name", "email", "mobile", "extension", "time_zone"]
        );
    }

    #[test]
    fn patches_distinguish_absent_from_null() {
        let p: UserPatchInput =
            serde_json::from_str(r#"{"alternate_mobile": null, "name": "A"}"#).unwrap();
        let p = UserPatch::parse(&p).unwrap();
        assert_eq!(p.alternate_mobile, Some(None));
        assert_eq!(p.email, None);
        assert!(serde_json::from_str::<UserPatchInput>(r#"{"nmae": "x"}"#).is_err());
    }
}
