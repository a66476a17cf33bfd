//! `/api/v1/users` and `/api/v1/extensions/available`: the endpoints, tenant isolation,
//! each default role's permissions, and revocation on the very next request.

mod actions;
mod crud;
mod fields;
mod isolation;
mod permissions;
mod rank;
mod revocation;
mod schema;

pub use schema::conforms;

use serde_json::{Value, json};
use switchboard_domain::{
    DepartmentId, E164, Fallback, Name, RoleRef, RoutingMethod, UserId, WeeklySchedule,
};
use switchboard_service::Ctx;
use switchboard_service::departments::NewDepartment;
use switchboard_service::numbers::NewNumber;
use switchboard_testkit::TestAccount;

use crate::support::{Client, Reply, Server};

/// The password test users are given.
pub const PASSWORD: &str = "correct horse battery";

/// A client with an Administrator token of the account's owner.
pub async fn owner_api(s: &Server, acct: &TestAccount) -> Client {
    s.as_token(&s.token(&acct.owner_ctx, "Administrator").await)
}

/// A client with a token bound to `user`, limited to `role` (and to the user's own role,
/// read on every request).
pub async fn api_as(s: &Server, acct: &TestAccount, user: UserId, role: &str) -> Client {
    s.as_token(&token_of(s, acct, user, role).await)
}

/// The secret of a new API token named `token of <user>`, bound to `user` and limited to
/// `role`.
pub async fn token_of(s: &Server, acct: &TestAccount, user: UserId, role: &str) -> String {
    let (_, secret) = s
        .app
        .sb
        .create_api_token(
            &acct.owner_ctx,
            &format!("token of {user}"),
            "api",
            Some(RoleRef::parse(role)),
            Some(user),
        )
        .await
        .unwrap();
    secret
}

/// Adds a user through the service (accepting the invite of Panel Access users).
pub async fn user(s: &Server, acct: &TestAccount, input: Value) -> UserId {
    s.app.user(&acct.owner_ctx, input).await
}

/// A ring-all department with these members and managers.
pub async fn department(
    s: &Server,
    ctx: &Ctx,
    name: &str,
    members: Vec<UserId>,
    managers: Vec<UserId>,
) -> DepartmentId {
    s.app
        .sb
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

/// A phone number owned by `owner`.
pub async fn number(s: &Server, ctx: &Ctx, e164: &str, owner: UserId) -> String {
    s.app
        .sb
        .create_number(
            ctx,
            NewNumber::owned_by(E164::parse("number", e164).unwrap(), "Sales line", owner),
        )
        .await
        .unwrap()
        .id
        .to_string()
}

/// The path of a user.
pub fn at(id: impl std::fmt::Display) -> String {
    format!("/api/v1/users/{id}")
}

/// Asserts a problem answer with this status, code and (when given) first field.
#[track_caller]
pub fn assert_problem(r: &Reply, status: u16, code: &str, field: Option<&str>) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.code(), code, "{:?}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{:?}",
        r.body
    );
    if let Some(f) = field {
        assert_eq!(r.body["errors"][0]["field"], json!(f), "{:?}", r.body);
    }
}
