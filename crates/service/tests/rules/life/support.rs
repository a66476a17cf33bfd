//! Small helpers shared by the modules of this suite.

use serde_json::json;
use switchboard_domain::AuditFilter;
use switchboard_domain::{
    AccountId, AuditEvent, E164, Email, ExtensionRange, Fallback, Name, Plan, RoutingMethod,
    TimeZoneName, UserId, UserPatch, UserPatchInput, WeeklySchedule,
};
use switchboard_service::accounts::NewAccount;
use switchboard_service::departments::NewDepartment;
use switchboard_service::numbers::NewNumber;
use switchboard_service::{Ctx, Error};
use switchboard_testkit::TestApp;

/// Whether a request made with the token `secret` would be let in.
pub async fn token_works(app: &TestApp, secret: &str) -> bool {
    // Rights held from an earlier request are checked by the request's use case.
    match app.sb.authenticate_token(secret, "api").await.unwrap() {
        Some(ctx) => app.sb.get_account(&ctx).await.is_ok(),
        None => false,
    }
}

/// The stable code of a refusal, panicking on success.
pub fn code<T: std::fmt::Debug>(r: Result<T, Error>) -> &'static str {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e.code(),
    }
}

/// The refusal itself, panicking on success.
pub fn refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> Error {
    match r {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e,
    }
}

pub fn name(s: &str) -> Name {
    Name::parse("name", s).unwrap()
}

pub fn e164(s: &str) -> E164 {
    E164::parse("mobile", s).unwrap()
}

/// A number owned by `owner`, not routed anywhere.
pub fn owned(number: &str, label: &str, owner: UserId) -> NewNumber {
    NewNumber::owned_by(e164(number), label, owner)
}

pub fn email(s: &str) -> Email {
    Email::parse("email", s).unwrap()
}

/// An edit from JSON.
pub fn patch(v: serde_json::Value) -> UserPatch {
    UserPatch::parse(&serde_json::from_value::<UserPatchInput>(v).unwrap()).unwrap()
}

/// A ring-all department with these members (in order) and managers.
pub fn department(n: &str, members: Vec<UserId>, managers: Vec<UserId>) -> NewDepartment {
    NewDepartment {
        name: name(n),
        routing_method: RoutingMethod::RingAll,
        ring_time_secs: 20,
        business_hours: WeeklySchedule::any_time(),
        time_zone: None,
        fallback: Fallback::Voicemail,
        members,
        managers,
        external_id: None,
    }
}

/// An active Administrator with Panel Access.
pub async fn admin(app: &TestApp, ctx: &Ctx, n: &str, mail: &str) -> UserId {
    app.user(
        ctx,
        json!({"name": n, "email": mail, "role": "Administrator", "panel_access": true}),
    )
    .await
}

/// Every audit event of the account, oldest first.
pub async fn events(app: &TestApp, account: AccountId) -> Vec<AuditEvent> {
    app.sb
        .list_audit_events(&Ctx::cli(account), &AuditFilter::default(), 0, 1000)
        .await
        .unwrap()
}

/// The audit events with this action, oldest first.
pub async fn events_with(app: &TestApp, account: AccountId, action: &str) -> Vec<AuditEvent> {
    app.sb
        .list_audit_events(
            &Ctx::cli(account),
            &AuditFilter {
                action: Some(action.to_owned()),
                ..AuditFilter::default()
            },
            0,
            1000,
        )
        .await
        .unwrap()
}

/// Parses an audit event's JSON before/after value.
pub fn json_of(v: &Option<String>) -> serde_json::Value {
    serde_json::from_str(v.as_deref().expect("a before/after value")).unwrap()
}

/// An account whose owner has NOT yet used their setup link (so the owner is not an
/// active Administrator), as right after `switchboard account create`. Returns the
/// account, its owner and an operator context.
pub async fn account_with_pending_owner(
    app: &TestApp,
    plan: Plan,
    seats: u32,
) -> (AccountId, UserId, Ctx) {
    let created = app
        .sb
        .create_account(
            NewAccount {
                name: name("Pending Co"),
                plan,
                seat_limit: seats,
                extension_range: ExtensionRange::default(),
                time_zone: TimeZoneName::parse("tz", "Asia/Kolkata").unwrap(),
                country: None,
                owner_name: name("Olivia Owner"),
                owner_email: email("owner@pending.example.com"),
            },
            "test",
        )
        .await
        .unwrap();
    (
        created.account.id,
        created.owner.id,
        Ctx::cli(created.account.id),
    )
}
