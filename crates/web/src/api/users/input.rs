//! The wire form of requests, turned into the domain's validated inputs.

use serde::Deserialize;
use switchboard_domain::{NewUser, NewUserInput, UserPatch, UserPatchInput};
use utoipa::{IntoParams, ToSchema};

use super::output::{CallHours, UserStatusOut};
use crate::api::params::double_option;
use crate::error::ApiError;

/// Refuses lists longer than the documented bounds, naming the field.
fn check_sizes(
    departments: Option<&Vec<String>>,
    tags: Option<&Vec<String>>,
    call_hours: Option<&CallHours>,
) -> Result<(), ApiError> {
    let too_many = |field: &str, max: usize| {
        ApiError::field(field, "too_many", format!("must have at most {max} items"))
    };
    if departments.is_some_and(|d| d.len() > 100) {
        return Err(too_many("departments", 100));
    }
    if tags.is_some_and(|t| t.len() > 50) {
        return Err(too_many("tags", 50));
    }
    if let Some((day, _)) = call_hours.and_then(|c| c.days().find(|(_, n)| *n > 48)) {
        return Err(too_many(&format!("call_hours.{day}"), 48));
    }
    Ok(())
}

/// A user to add. Name plus at least one of email and mobile.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreateIn {
    /// Display name, 1–100 characters (trimmed).
    #[schema(min_length = 1, max_length = 100, example = "Priya Sharma")]
    pub name: String,
    /// Business email, unique in the account (case-insensitive). Required for Panel Access.
    #[schema(format = Email, max_length = 254, example = "priya@acme.example.com")]
    pub email: Option<String>,
    /// Mobile in E.164 form, unique in the account; it cannot be changed later.
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$", example = "+919876543210")]
    pub mobile: Option<String>,
    /// Alternate mobile in E.164 form.
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$", example = "+919876543211")]
    pub alternate_mobile: Option<String>,
    /// Extension in the account's range (digits, no leading zero); the next free one when
    /// omitted (see `GET /extensions/available`).
    #[schema(pattern = "^[1-9][0-9]{0,8}$", example = "204")]
    pub extension: Option<String>,
    /// Role id or name (`Administrator`, `Manager`, `Basic`, or a custom role); Basic when
    /// omitted.
    #[schema(min_length = 1, max_length = 100, example = "Basic")]
    pub role: Option<String>,
    /// Pro user who signs in to the panel (uses a seat, gets an invite). Default off.
    pub panel_access: Option<bool>,
    /// Whether the user is rung. Default on.
    pub receive_calls: Option<bool>,
    /// Weekly call hours in the user's time zone; omitted or `{}` = any time.
    pub call_hours: Option<CallHours>,
    /// IANA time zone; the account's default when omitted.
    #[schema(example = "Asia/Kolkata", max_length = 64)]
    pub time_zone: Option<String>,
    /// Department ids to join, in order.
    #[schema(value_type = Option<Vec<String>>, format = "uuid", max_items = 100)]
    pub departments: Option<Vec<String>>,
    /// Free labels, 1–50 characters each.
    #[schema(max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// Voicemail enabled. Default off.
    pub voicemail: Option<bool>,
    /// The user's id in your identity provider or directory (administrators only), unique
    /// in the account.
    #[schema(min_length = 1, max_length = 255, example = "00u1a2b3c4")]
    pub external_id: Option<String>,
}

impl UserCreateIn {
    /// The validated add-user request, every bad field reported at once.
    pub fn parse(self) -> Result<NewUser, ApiError> {
        check_sizes(
            self.departments.as_ref(),
            self.tags.as_ref(),
            self.call_hours.as_ref(),
        )?;
        let input = NewUserInput {
            name: Some(self.name),
            email: self.email,
            mobile: self.mobile,
            alternate_mobile: self.alternate_mobile,
            extension: self.extension,
            role: self.role,
            panel_access: self.panel_access,
            receive_calls: self.receive_calls,
            call_hours: self.call_hours.map(CallHours::into_map),
            time_zone: self.time_zone,
            departments: self.departments,
            tags: self.tags,
            voicemail: self.voicemail,
            external_id: self.external_id,
        };
        Ok(NewUser::parse(&input)?)
    }
}

/// Changes to a user, with merge semantics: absent fields stay as they are; `null` clears a
/// clearable field. Send `If-Match` with the `ETag` you read to refuse lost updates.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchIn {
    /// Display name, 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// New email: it takes effect once verified through a link sent to it (at once for
    /// users who never signed in); `null` removes it (call-only users with a mobile).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// The mobile cannot change (`mobile_immutable`; use `POST /users/{id}/replace`); it may
    /// be sent back unchanged, or set once on a user without one.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, pattern = r"^\+[1-9][0-9]{6,14}$")]
    pub mobile: Option<Option<String>>,
    /// New alternate mobile (E.164), or `null` to remove it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, pattern = r"^\+[1-9][0-9]{6,14}$")]
    pub alternate_mobile: Option<Option<String>>,
    /// New extension in the account's range.
    #[schema(pattern = "^[1-9][0-9]{0,8}$")]
    pub extension: Option<String>,
    /// New role, by id or name.
    #[schema(min_length = 1, max_length = 100)]
    pub role: Option<String>,
    /// Panel Access on (invites the user, uses a seat) or off (revokes sign-in).
    pub panel_access: Option<bool>,
    /// Receive calls on/off.
    pub receive_calls: Option<bool>,
    /// New call hours, replacing the whole schedule (`{}` = any time).
    pub call_hours: Option<CallHours>,
    /// New IANA time zone.
    #[schema(max_length = 64)]
    pub time_zone: Option<String>,
    /// New availability.
    pub availability: Option<super::output::UserAvailability>,
    /// Department ids, replacing the memberships.
    #[schema(value_type = Option<Vec<String>>, format = "uuid", max_items = 100)]
    pub departments: Option<Vec<String>>,
    /// Tags, replacing the current ones.
    #[schema(max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// Voicemail on/off.
    pub voicemail: Option<bool>,
    /// External id (administrators), or `null` to remove it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 255)]
    pub external_id: Option<Option<String>>,
}

impl UserPatchIn {
    /// The validated edit, every bad field reported at once.
    pub fn parse(self) -> Result<UserPatch, ApiError> {
        check_sizes(
            self.departments.as_ref(),
            self.tags.as_ref(),
            self.call_hours.as_ref(),
        )?;
        let input = UserPatchInput {
            name: self.name,
            email: self.email,
            mobile: self.mobile,
            alternate_mobile: self.alternate_mobile,
            extension: self.extension,
            role: self.role,
            panel_access: self.panel_access,
            receive_calls: self.receive_calls,
            call_hours: self.call_hours.map(CallHours::into_map),
            time_zone: self.time_zone,
            availability: self.availability.map(|a| a.key().to_owned()),
            departments: self.departments,
            tags: self.tags,
            voicemail: self.voicemail,
            external_id: self.external_id,
        };
        Ok(UserPatch::parse(&input)?)
    }
}

/// Filters and paging of the users list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Search: part of the name, email or mobile (case-insensitive), or an exact extension.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only users with this role (id or name).
    #[param(max_length = 100)]
    pub role: Option<String>,
    /// Only users with this status.
    #[param(inline)]
    pub status: Option<UserStatusOut>,
    /// Only members of this department (id).
    #[param(format = "uuid")]
    pub department: Option<String>,
    /// Only users with (`true`) or without (`false`) Panel Access.
    pub panel_access: Option<bool>,
    /// Only users carrying this tag.
    #[param(max_length = 50)]
    pub tag: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 1000)]
    pub cursor: Option<String>,
}

/// Paging of the free extensions.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AvailableExtensionsQuery {
    /// How many free extensions to list, 1–200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// List extensions after this one (the `next_cursor` of the previous page).
    #[param(pattern = "^[1-9][0-9]{0,8}$")]
    pub after: Option<String>,
}

/// When to deactivate.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDeactivateIn {
    /// A future time (RFC 3339) to deactivate at; now when omitted or not in the future.
    /// Activating before then cancels it.
    #[schema(format = DateTime, example = "2026-04-01T18:00:00+05:30")]
    pub at: Option<String>,
}

/// What happens to the old user in a replace.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserReplaceMode {
    /// Keep the old profile, deactivated.
    #[default]
    Deactivate,
    /// Delete the old profile.
    Delete,
}

/// A replacement: the same person on a new mobile (R14). The new user takes the role,
/// extension, voicemail, memberships, call hours, time zone, tags and owned resources.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserReplaceIn {
    /// The new mobile (E.164), not held by anyone else.
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$", example = "+919876543299")]
    pub mobile: String,
    /// A new name (the old one when omitted).
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// A new email (the old one moves over when omitted).
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// What happens to the old user (default `deactivate`).
    #[serde(default)]
    pub mode: UserReplaceMode,
}

/// Who takes over a user's numbers, workflows and managed departments.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserReassignIn {
    /// The user taking over (active, in the same account).
    #[schema(format = "uuid")]
    pub to: String,
}
