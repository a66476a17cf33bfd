//! The behaviour suite for adding and editing users: validation and conflicts (R2),
//! invites (R3), immutable mobiles (R4), email changes (R5), SSO-managed fields (R6), the
//! last administrator on edit (R7), plan limits (R11), permissions and department scope
//! (R1), merge semantics and tenant isolation — each test on SQLite and PostgreSQL.

mod adding;
mod editing;
mod import;
mod managing;
mod permissions;
mod searching;
mod usage;

use switchboard_domain::OutboxMail;
use switchboard_domain::{
    DepartmentId, DomainError, Fallback, FieldError, Name, NewUser, NewUserInput, RoleId,
    RoutingMethod, UserId, UserPatch, UserPatchInput, WeeklySchedule,
};
use switchboard_service::departments::NewDepartment;
use switchboard_service::{Ctx, Error};
use switchboard_testkit::TestApp;

/// The refusal of a use case, panicking when it succeeded.
pub fn refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> Error {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e,
    }
}

/// The domain refusal of a use case, panicking on success or on an internal failure.
pub fn domain_refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> DomainError {
    match refusal(r) {
        Error::Domain(d) => d,
        other => panic!("expected a domain refusal, got {other:?}"),
    }
}

/// Parses add-user input, returning the validation errors (panics when it parses).
pub fn parse_errors(v: serde_json::Value) -> Vec<FieldError> {
    let input: NewUserInput = serde_json::from_value(v).unwrap();
    match NewUser::parse(&input) {
        Ok(u) => panic!("expected the input to be refused, got {u:?}"),
        Err(e) => {
            assert_eq!(e.code(), "validation_failed");
            e.field_errors()
        }
    }
}

/// An edit from JSON (panics when it does not parse).
pub fn patch(v: serde_json::Value) -> UserPatch {
    UserPatch::parse(&serde_json::from_value::<UserPatchInput>(v).unwrap()).unwrap()
}

/// A ring-all department with these members and managers, created as `ctx`.
pub async fn department(
    app: &TestApp,
    ctx: &Ctx,
    name: &str,
    members: Vec<UserId>,
    managers: Vec<UserId>,
) -> DepartmentId {
    app.sb
        .create_department(
            ctx,
            NewDepartment {
                name: Name::parse("name", name).unwrap(),
                routing_method: RoutingMethod::RingAll,
                ring_time_secs: 20,
                business_hours: WeeklySchedule::any_time(),
                time_zone: None,
                fallback: Fallback::Voicemail,
                members,
                managers,
                external_id: None,
            },
        )
        .await
        .unwrap()
        .id
}

/// The id of the account's role with this name.
pub async fn role_id(app: &TestApp, ctx: &Ctx, name: &str) -> RoleId {
    app.sb
        .list_roles(ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name.as_str() == name)
        .unwrap_or_else(|| panic!("no role {name}"))
        .id
}

/// The account's mails to `to`, newest first.
pub async fn mails_to(app: &TestApp, ctx: &Ctx, to: &str) -> Vec<OutboxMail> {
    app.sb
        .list_mail(ctx, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.mail.to == to)
        .collect()
}

/// The token of the link in a mail body containing `path` (e.g. `/invite/`): the link's
/// last path segment.
pub fn token_in(body: &str, path: &str) -> String {
    let link = body
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in mail body:\n{body}"));
    link.rsplit('/').next().unwrap().to_owned()
}
