//! Users: the people who answer the phones and/or sign in to the panel, and their status
//! machine; adding ([`new`]), editing input ([`patch`]) and the rules of an edit ([`edit`])
//! have modules of their own.

use serde::{Deserialize, Serialize};

use crate::account::{Account, IdpField};
use crate::error::FieldError;
use crate::ids::{AccountId, RoleId, UserId};
use crate::phone::E164;
use crate::schedule::WeeklySchedule;
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

    /// The before/after view recorded in audit events. An edit whose views are equal
    /// changes nothing, so every field a person can change is here: the destructuring
    /// makes a new field a compile error until it is placed.
    pub fn audit_view(&self) -> serde_json::Value {
        let User {
            // Identity and bookkeeping, not values an edit changes.
            id: _,
            account_id: _,
            has_signed_in: _,
            version: _,
            created_at: _,
            updated_at: _,
            name,
            email,
            mobile,
            alternate_mobile,
            extension,
            role_id,
            panel_access,
            receive_calls,
            call_hours,
            time_zone,
            availability,
            voicemail,
            status,
            external_id,
            idp,
            tags,
            deactivate_at,
        } = self;
        let IdpProfile {
            managed,
            username,
            given_name,
            family_name,
            primary_phone,
            email_primary,
            alternate_work,
            attributes,
            manager,
        } = idp;
        serde_json::json!({
            "name": name.as_str(),
            "email": email.as_ref().map(Email::as_str),
            "mobile": mobile.as_ref().map(E164::as_str),
            "alternate_mobile": alternate_mobile.as_ref().map(E164::as_str),
            "extension": extension.to_string(),
            "role_id": role_id.to_string(),
            "panel_access": panel_access,
            "receive_calls": receive_calls,
            "call_hours": call_hours.to_text(),
            "time_zone": time_zone.as_str(),
            "availability": availability.key(),
            "voicemail": voicemail,
            "status": status.key(),
            "external_id": external_id,
            "idp_managed": managed,
            "idp_username": username.as_ref().map(IdpUsername::as_str),
            "idp_attributes": attributes,
            "manager_id": manager.map(|m| m.to_string()),
            "given_name": given_name,
            "family_name": family_name,
            "primary_phone": primary_phone.map(PhoneKind::key),
            "email_primary": email_primary,
            "alternate_work": alternate_work,
            "tags": tags.iter().map(Tag::as_str).collect::<Vec<_>>(),
            "deactivate_at": deactivate_at.map(|t| t.to_string()),
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

mod edit;
mod new;
mod patch;

pub use edit::{Edit, EditFacts, EditNeeds, Editor};
pub use new::{NewUser, NewUserInput};
pub use patch::{UserPatch, UserPatchInput};

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
