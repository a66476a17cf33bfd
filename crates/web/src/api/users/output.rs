//! The wire form of users and of the answers of their actions.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use switchboard_domain::{DepartmentId, E164, Email, RoleId, User, UserId};
use switchboard_service::invites::{InviteInfo, InviteState};
use utoipa::ToSchema;

use crate::error::ProblemBlocker;

/// A user's life-cycle status.
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UserStatusOut {
    /// Panel Access on, invite not yet accepted.
    PendingInvite,
    /// Working normally.
    Active,
    /// Deactivated: kept, but cannot sign in and is never rung.
    Inactive,
}

impl From<switchboard_domain::UserStatus> for UserStatusOut {
    fn from(s: switchboard_domain::UserStatus) -> Self {
        use switchboard_domain::UserStatus as S;
        match s {
            S::PendingInvite => Self::PendingInvite,
            S::Active => Self::Active,
            S::Inactive => Self::Inactive,
        }
    }
}

impl From<UserStatusOut> for switchboard_domain::UserStatus {
    fn from(s: UserStatusOut) -> Self {
        match s {
            UserStatusOut::PendingInvite => Self::PendingInvite,
            UserStatusOut::Active => Self::Active,
            UserStatusOut::Inactive => Self::Inactive,
        }
    }
}

/// Whether a user is taking calls right now.
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UserAvailability {
    /// Ready to take calls.
    Available,
    /// On a call or otherwise engaged.
    Busy,
    /// Away from the desk.
    Away,
    /// Signed off.
    Offline,
}

impl UserAvailability {
    /// The wire key.
    pub fn key(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Busy => "busy",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }
}

impl From<switchboard_domain::Availability> for UserAvailability {
    fn from(a: switchboard_domain::Availability) -> Self {
        use switchboard_domain::Availability as A;
        match a {
            A::Available => Self::Available,
            A::Busy => Self::Busy,
            A::Away => Self::Away,
            A::Offline => Self::Offline,
        }
    }
}

/// One time slot, in the user's time zone.
#[derive(Clone, Debug, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallHoursSlot {
    /// Start, `HH:MM` (24-hour).
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "09:00")]
    pub start: String,
    /// End, `HH:MM` (24-hour; `24:00` is the end of the day; not after `start` = the
    /// slot ends the next day).
    #[schema(
        pattern = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        example = "17:30"
    )]
    pub end: String,
}

/// Weekly call hours: weekday → slots. An empty object means any time.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallHours {
    /// Monday's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 48)]
    pub monday: Option<Vec<CallHoursSlot>>,
    /// Tuesday's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 48)]
    pub tuesday: Option<Vec<CallHoursSlot>>,
    /// Wednesday's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 48)]
    pub wednesday: Option<Vec<CallHoursSlot>>,
    /// Thursday's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 48)]
    pub thursday: Option<Vec<CallHoursSlot>>,
    /// Friday's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 48)]
    pub friday: Option<Vec<CallHoursSlot>>,
    /// Saturday's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 48)]
    pub saturday: Option<Vec<CallHoursSlot>>,
    /// Sunday's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 48)]
    pub sunday: Option<Vec<CallHoursSlot>>,
}

impl CallHours {
    /// Each weekday given, with its number of slots.
    pub fn days(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
        .into_iter()
        .filter_map(|(d, s)| s.as_ref().map(|s| (d, s.len())))
    }

    /// The domain's wire map (weekday → slots).
    pub fn into_map(self) -> BTreeMap<String, Vec<switchboard_domain::schedule::SlotText>> {
        let days = [
            ("monday", self.monday),
            ("tuesday", self.tuesday),
            ("wednesday", self.wednesday),
            ("thursday", self.thursday),
            ("friday", self.friday),
            ("saturday", self.saturday),
            ("sunday", self.sunday),
        ];
        days.into_iter()
            .filter_map(|(day, slots)| {
                slots.map(|s| {
                    let slots = s
                        .into_iter()
                        .map(|s| switchboard_domain::schedule::SlotText {
                            start: s.start,
                            end: s.end,
                        })
                        .collect();
                    (day.to_owned(), slots)
                })
            })
            .collect()
    }

    /// From the domain's wire map.
    pub fn from_map(map: BTreeMap<String, Vec<switchboard_domain::schedule::SlotText>>) -> Self {
        let mut out = Self::default();
        for (day, slots) in map {
            let slots = Some(
                slots
                    .into_iter()
                    .map(|s| CallHoursSlot {
                        start: s.start,
                        end: s.end,
                    })
                    .collect(),
            );
            match day.as_str() {
                "monday" => out.monday = slots,
                "tuesday" => out.tuesday = slots,
                "wednesday" => out.wednesday = slots,
                "thursday" => out.thursday = slots,
                "friday" => out.friday = slots,
                "saturday" => out.saturday = slots,
                "sunday" => out.sunday = slots,
                _ => {}
            }
        }
        out
    }
}

/// A role, as named on a user.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserRole {
    /// Role id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Role name (`Administrator`, `Manager`, `Basic` or a custom name).
    pub name: String,
}

/// A department the user belongs to.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserDepartment {
    /// Department id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Department name.
    pub name: String,
}

/// Where the user's latest invite stands (the link itself is only in the email).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserInvite {
    /// `open`, `expired`, `used` or `revoked` (replaced by a newer invite or cancelled).
    #[schema(value_type = String, example = "open")]
    pub state: &'static str,
    /// Sent at (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Expires at (RFC 3339).
    #[schema(format = DateTime)]
    pub expires_at: String,
}

impl From<InviteInfo> for UserInvite {
    fn from(i: InviteInfo) -> Self {
        Self {
            state: match i.state {
                InviteState::Open => "open",
                InviteState::Expired => "expired",
                InviteState::Used => "used",
                InviteState::Revoked => "revoked",
            },
            created_at: i.created_at.to_string(),
            expires_at: i.expires_at.to_string(),
        }
    }
}

/// A user.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// User id.
    #[schema(format = "uuid")]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email in effect (a requested change takes effect once verified; see `pending_email`).
    #[schema(format = Email)]
    pub email: Option<String>,
    /// Mobile in E.164 form; it cannot change (use the replace action).
    #[schema(example = "+919876543210")]
    pub mobile: Option<String>,
    /// Alternate mobile in E.164 form.
    pub alternate_mobile: Option<String>,
    /// Extension (digits, no leading zero), unique in the account.
    #[schema(pattern = "^[1-9][0-9]{0,8}$", example = "204")]
    pub extension: String,
    /// The user's role.
    pub role: UserRole,
    /// Pro user: can sign in to the panel and uses a seat; off = call-only user.
    pub panel_access: bool,
    /// Whether the user is ever rung.
    pub receive_calls: bool,
    /// When the user takes calls, in their time zone (empty = any time).
    pub call_hours: CallHours,
    /// IANA time zone.
    #[schema(example = "Asia/Kolkata")]
    pub time_zone: String,
    /// Current availability.
    pub availability: UserAvailability,
    /// Department memberships, by department name.
    pub departments: Vec<UserDepartment>,
    /// Free labels.
    pub tags: Vec<String>,
    /// Voicemail enabled.
    pub voicemail: bool,
    /// Life-cycle status.
    pub status: UserStatusOut,
    /// Set when an identity provider (SCIM) manages the user.
    pub external_id: Option<String>,
    /// The user's login at the identity provider (SCIM `userName`, e.g. an Entra UPN), as
    /// it was sent; read-only here.
    pub idp_username: Option<String>,
    /// A scheduled deactivation (RFC 3339), if any.
    #[schema(format = DateTime)]
    pub deactivate_at: Option<String>,
    /// Whether the user has ever set a password or signed in.
    pub has_signed_in: bool,
    /// A requested new email waiting for verification (single-user answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pub pending_email: Option<String>,
    /// The latest invite (single-user answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite: Option<UserInvite>,
    /// Increases on every change; also sent as the `ETag` header.
    #[schema(minimum = 1)]
    pub version: i64,
    /// Created (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Last changed (RFC 3339).
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Role and department names, read once per request to describe users.
pub struct Lookups {
    roles: HashMap<RoleId, String>,
    departments: HashMap<UserId, Vec<(DepartmentId, String)>>,
}

impl Lookups {
    /// The lookups of a page of the users list (already read with it).
    pub fn of_list(view: &switchboard_service::users::UserListView) -> Self {
        let mut departments = view.departments.clone();
        for deps in departments.values_mut() {
            deps.sort_by_key(|d| d.1.to_lowercase());
        }
        Self {
            roles: view
                .roles
                .iter()
                .map(|r| (r.id, r.name.to_string()))
                .collect(),
            departments,
        }
    }

    /// The lookups of one user's profile (already read with it).
    pub fn of_profile(p: &switchboard_service::invites::UserProfile) -> Self {
        Self {
            roles: HashMap::from([(p.user.role_id, p.role_name.clone())]),
            departments: HashMap::from([(p.user.id, p.departments.clone())]),
        }
    }

    /// The lookups of a user just added, from what the add wrote.
    pub fn of_added(a: &switchboard_service::users::AddedUser) -> Self {
        let mut departments = a.departments.clone();
        departments.sort_by_key(|d| d.1.to_lowercase());
        Self {
            roles: HashMap::from([(a.user.role_id, a.role_name.clone())]),
            departments: HashMap::from([(a.user.id, departments)]),
        }
    }

    /// The wire form of `u`.
    pub fn user(&self, u: &User) -> UserOut {
        UserOut {
            id: u.id.to_string(),
            name: u.name.to_string(),
            email: u.email.as_ref().map(Email::to_string),
            mobile: u.mobile.as_ref().map(E164::to_string),
            alternate_mobile: u.alternate_mobile.as_ref().map(E164::to_string),
            extension: u.extension.to_string(),
            role: UserRole {
                id: u.role_id.to_string(),
                name: self.roles.get(&u.role_id).cloned().unwrap_or_default(),
            },
            panel_access: u.panel_access,
            receive_calls: u.receive_calls,
            call_hours: CallHours::from_map(u.call_hours.to_text()),
            time_zone: u.time_zone.to_string(),
            availability: u.availability.into(),
            departments: self
                .departments
                .get(&u.id)
                .map(|ds| {
                    ds.iter()
                        .map(|(id, name)| UserDepartment {
                            id: id.to_string(),
                            name: name.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            tags: u.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            voicemail: u.voicemail,
            status: u.status.into(),
            external_id: u.external_id.clone(),
            idp_username: u.idp.username.as_ref().map(|l| l.as_str().to_owned()),
            deactivate_at: u.deactivate_at.map(|t| t.to_string()),
            has_signed_in: u.has_signed_in,
            pending_email: None,
            invite: None,
            version: u.version,
            created_at: u.created_at.to_string(),
            updated_at: u.updated_at.to_string(),
        }
    }
}

/// A user just added.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCreatedOut {
    /// The new user.
    pub user: UserOut,
    /// Whether an invite email was sent (Panel Access users; under SSO it points to the
    /// identity provider instead of a password link).
    pub invite_sent: bool,
}

/// One page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    /// The users, ordered by name.
    pub items: Vec<UserOut>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// What deleting a user would do, and what stops it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDeletionCheck {
    /// Whether the delete can go ahead now.
    pub can_delete: bool,
    /// Numbers, workflows and managed departments to reassign first, and numbers whose
    /// calls go to the user (`destination`); `POST /users/{id}/reassign` moves them all.
    pub blockers: Vec<ProblemBlocker>,
    /// Why it cannot go ahead besides blockers (the owner, the last administrator).
    pub refusal: Option<String>,
    /// Departments the user will leave.
    #[schema(minimum = 0)]
    pub departments_left: u64,
    /// Sessions and API tokens that will be revoked.
    #[schema(minimum = 0)]
    pub credentials_revoked: i64,
    /// Whether a licensed seat is freed.
    pub frees_seat: bool,
    /// The extension that becomes free.
    #[schema(pattern = "^[1-9][0-9]{0,8}$")]
    pub frees_extension: String,
}

/// How many records a reassignment moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserReassigned {
    /// Numbers and workflows.
    #[schema(minimum = 0)]
    pub resources: u64,
    /// Departments whose management moved.
    #[schema(minimum = 0)]
    pub departments: u64,
    /// Numbers whose incoming calls now go to the new user.
    #[schema(minimum = 0)]
    pub destinations: u64,
}

/// Free extensions in the account's range.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailableExtensions {
    /// The lowest free extension (what a new user gets when none is given), or `null` when
    /// the range is full. Independent of `after`.
    #[schema(pattern = "^[1-9][0-9]{0,8}$")]
    pub next_free: Option<String>,
    /// Free extensions, lowest first.
    pub extensions: Vec<String>,
    /// Pass as `after` to get the next page; `null` on the last page.
    #[schema(pattern = "^[1-9][0-9]{0,8}$")]
    pub next_cursor: Option<String>,
    /// The account's range, lowest extension.
    #[schema(minimum = 1)]
    pub extension_min: u32,
    /// The account's range, highest extension.
    #[schema(minimum = 1)]
    pub extension_max: u32,
}
