//! Accounts (tenants), their plan and limits (R11) and SSO settings (R6).

use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::error::{DomainError, FieldError};
use crate::ids::{AccountId, UserId};
use crate::values::{ExtensionRange, Name, TimeZoneName};

/// The plan an account is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    /// At most [`Plan::FREE_USER_LIMIT`] users in total, admins included.
    Free,
    /// Unlimited users; Panel Access users consume seats up to the seat limit.
    Pro,
}

impl Plan {
    /// The free plan's user limit.
    pub const FREE_USER_LIMIT: u32 = 5;

    /// Parses `free` or `pro`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        match raw.trim().to_lowercase().as_str() {
            "free" => Ok(Self::Free),
            "pro" => Ok(Self::Pro),
            other => Err(FieldError::new(
                field,
                "invalid",
                format!("{other:?} is not a plan; use free or pro"),
            )),
        }
    }

    /// The stored key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Pro => "pro",
        }
    }
}

/// User fields an identity provider can own (R6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdpField {
    /// The display name.
    Name,
    /// The email address.
    Email,
    /// The alternate mobile number.
    AlternateMobile,
    /// The time zone.
    TimeZone,
}

impl IdpField {
    /// The field's wire name.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::AlternateMobile => "alternate_mobile",
            Self::TimeZone => "time_zone",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "name" => Ok(Self::Name),
            "email" => Ok(Self::Email),
            "alternate_mobile" => Ok(Self::AlternateMobile),
            "time_zone" => Ok(Self::TimeZone),
            other => Err(FieldError::new(
                "sso.managed_fields",
                "invalid",
                format!(
                    "{other:?} cannot be managed by an identity provider; use name, email, alternate_mobile or time_zone"
                ),
            )),
        }
    }
}

/// Single sign-on settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSettings {
    /// Whether an identity provider manages users (invites then point to SSO sign-in).
    pub enabled: bool,
    /// The user fields the identity provider owns; read-only everywhere but SCIM.
    pub managed_fields: Vec<IdpField>,
}

impl Default for SsoSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            managed_fields: vec![IdpField::Name, IdpField::Email],
        }
    }
}

/// A company using Switchboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// Company name.
    pub name: Name,
    /// Plan.
    pub plan: Plan,
    /// Licensed Panel Access seats on `pro`.
    pub seat_limit: u32,
    /// Extensions users may hold.
    pub extension_range: ExtensionRange,
    /// Time zone for users who have none of their own.
    pub default_time_zone: TimeZoneName,
    /// The country national phone numbers are read in (none: the time zone's country).
    pub country: Option<Country>,
    /// SSO settings.
    pub sso: SsoSettings,
    /// The owner, always an Administrator.
    pub owner_id: UserId,
    /// Creation time.
    pub created_at: jiff::Timestamp,
    /// Moves whenever something a token's rights derive from changes (the token, its
    /// user's status or role, a role's permissions, the owner): rights read at one value
    /// are current while it holds.
    #[serde(skip)]
    pub rights_version: i64,
}

/// How many users and seats are in use, read inside the transaction that changes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Users that are not deactivated.
    pub users: u32,
    /// Panel Access users that are not deactivated.
    pub seats: u32,
}

impl Account {
    /// The country phone numbers written in national form are read in: the one set, else
    /// the country of the default time zone when it belongs to one.
    pub fn phone_country(&self) -> Option<Country> {
        self.country
            .clone()
            .or_else(|| Country::of_time_zone(&self.default_time_zone))
    }

    /// Whether the identity provider owns this field (and SSO is on).
    pub fn idp_owns(&self, field: IdpField) -> bool {
        self.sso.enabled && self.sso.managed_fields.contains(&field)
    }

    /// R11: whether one more user (with or without Panel Access) fits the plan.
    pub fn check_room_for(&self, usage: Usage, panel_access: bool) -> Result<(), DomainError> {
        match self.plan {
            Plan::Free if usage.users >= Plan::FREE_USER_LIMIT => {
                Err(DomainError::UserLimitReached {
                    limit: Plan::FREE_USER_LIMIT,
                })
            }
            Plan::Pro if panel_access && usage.seats >= self.seat_limit => {
                Err(DomainError::SeatLimitReached {
                    limit: self.seat_limit,
                })
            }
            _ => Ok(()),
        }
    }

    /// R11: whether an existing active user may take a seat (Panel Access turned on).
    pub fn check_seat_for_existing(&self, usage: Usage) -> Result<(), DomainError> {
        match self.plan {
            Plan::Pro if usage.seats >= self.seat_limit => Err(DomainError::SeatLimitReached {
                limit: self.seat_limit,
            }),
            _ => Ok(()),
        }
    }
}
