//! Values the domain's unit tests build rules against: an account, a built-in role, a user.

use crate::account::{Account, Plan, SsoSettings};
use crate::ids::{AccountId, RoleId, UserId};
use crate::phone::E164;
use crate::role::{BuiltinRole, Permissions, Role};
use crate::user::{Availability, User, UserStatus};
use crate::values::{Email, Extension, ExtensionRange, Name, TimeZoneName};

/// An account on `plan` with `seats` seats, extensions 100–199, owned by `owner`.
pub fn account(plan: Plan, seats: u32, owner: UserId) -> Account {
    Account {
        id: AccountId::new(),
        name: Name::parse("name", "Acme").unwrap(),
        plan,
        seat_limit: seats,
        extension_range: ExtensionRange { min: 100, max: 199 },
        default_time_zone: TimeZoneName::parse("time_zone", "Asia/Kolkata").unwrap(),
        country: None,
        sso: SsoSettings::default(),
        owner_id: owner,
        created_at: jiff::Timestamp::UNIX_EPOCH,
        rights_version: 0,
    }
}

/// A built-in role with these permissions.
pub fn role(builtin: BuiltinRole, permissions: Permissions) -> Role {
    Role {
        id: RoleId::new(),
        account_id: AccountId::new(),
        name: Name::parse("name", builtin.name()).unwrap(),
        builtin: Some(builtin),
        permissions,
    }
}

/// An active Panel Access user who has signed in, holding `role`, extension 104.
pub fn user(role: &Role) -> User {
    User {
        id: UserId::new(),
        account_id: AccountId::new(),
        name: Name::parse("name", "Priya Sharma").unwrap(),
        email: Some(Email::parse("email", "priya@acme.example").unwrap()),
        mobile: Some(E164::parse("mobile", "+919876543210").unwrap()),
        alternate_mobile: None,
        extension: Extension::parse("extension", "104").unwrap(),
        role_id: role.id,
        panel_access: true,
        receive_calls: true,
        call_hours: Default::default(),
        time_zone: TimeZoneName::parse("tz", "Asia/Kolkata").unwrap(),
        availability: Availability::Available,
        voicemail: false,
        status: UserStatus::Active,
        external_id: None,
        idp: Default::default(),
        tags: Vec::new(),
        has_signed_in: true,
        deactivate_at: None,
        version: 1,
        created_at: jiff::Timestamp::UNIX_EPOCH,
        updated_at: jiff::Timestamp::UNIX_EPOCH,
    }
}
