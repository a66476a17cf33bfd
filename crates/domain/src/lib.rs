//! Switchboard's domain: the model and the rules, free of IO. Everything here is pure and
//! synchronous; the service crate runs it inside transactions.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod account;
pub mod adding;
pub mod audit;
pub mod calls;
pub mod country;
pub mod department;
pub mod error;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod ids;
pub mod import;
pub mod mail;
pub mod net;
pub mod phone;
pub mod resources;
pub mod role;
pub mod routing;
pub mod schedule;
pub mod search;
pub mod sip;
pub mod sso;
pub mod throttle;
pub mod tokens;
pub mod user;
pub mod values;

pub use account::{Account, IdpField, Plan, SsoSettings, Usage};
pub use audit::{ActorKind, AuditEvent, AuditFilter, NewAuditEvent};
pub use calls::CallRecord;
pub use country::Country;
pub use department::{Department, Fallback, RoutingMethod};
pub use error::{Blocker, DomainError, FieldError, Problems};
pub use ids::*;
pub use mail::{MailStatus, NewMail, OutboxMail};
pub use phone::E164;
pub use resources::{Destination, PhoneNumber, Workflow, WorkflowKind};
pub use role::{
    BuiltinRole, EditRefusal, Permissions, Role, Scope, edit_scope, may_grant, outranks_or_equals,
};
pub use schedule::WeeklySchedule;
pub use tokens::ApiTokenRecord;
pub use user::{
    Availability, IdpAttributes, IdpProfile, NewUser, NewUserInput, PhoneKind, RoleRef, User,
    UserPatch, UserPatchInput, UserStatus,
};
pub use values::{
    Email, Extension, ExtensionRange, IdpUsername, Name, Tag, TimeZoneName, check_no_control,
    has_control,
};
