//! Simultaneous requests against the rules that read before they write: the last
//! administrator (R7), seats and the free plan's user limit (R11), and unique emails,
//! mobiles and extensions (R13). Every race is released at one instant on its own task,
//! through the real pools, and repeated for several rounds. A storage or internal error is
//! never an acceptable outcome ("never a 500"); after every race the audit chain still
//! verifies and holds exactly one event per winner (R12).

use std::collections::BTreeSet;

use futures::FutureExt;
use futures::future::{BoxFuture, join_all};
use serde_json::json;
use switchboard_domain::AuditFilter;
use switchboard_domain::{
    AccountId, DomainError, Email, ExtensionRange, Name, Plan, RoleRef, TimeZoneName, User, UserId,
    UserPatch, UserPatchInput, UserStatus,
};
use switchboard_service::accounts::NewAccount;
use switchboard_service::users::{AddedUser, UserQuery};
use switchboard_service::{Ctx, Error, Switchboard};
use switchboard_testkit::{TestApp, both_backends, new_user};

/// How many times each race is run, each time on a fresh account.
const ROUNDS: usize = 4;

/// One request taking part in a race.
type Attempt<T> = BoxFuture<'static, Result<T, Error>>;

/// Starts every attempt on its own task, releases them all at the same instant and
/// returns their outcomes in order. A storage, busy or internal error fails the test.
async fn race<T: Send + 'static>(attempts: Vec<Attempt<T>>) -> Vec<Result<T, DomainError>> {
    let (start, gate) = futures::channel::oneshot::channel::<()>();
    let gate = gate.shared();
    let tasks: Vec<_> = attempts
        .into_iter()
        .map(|attempt| {
            let gate = gate.clone();
            tokio::spawn(async move {
                gate.await.ok();
                attempt.await
            })
        })
        .collect();
    start.send(()).unwrap();
    join_all(tasks)
        .await
        .into_iter()
        .enumerate()
        .map(|(i, task)| match task.expect("a racing request panicked") {
            Ok(v) => Ok(v),
            Err(Error::Domain(d)) => Err(d),
            Err(e) => panic!(
                "racing request {i} failed with a `{}` error instead of a clean outcome: {e}",
                e.code()
            ),
        })
        .collect()
}

/// The positions of the attempts that went through.
fn winners<T>(outcomes: &[Result<T, DomainError>]) -> Vec<usize> {
    outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_ok())
        .map(|(i, _)| i)
        .collect()
}

/// The codes of the refused attempts, in order.
fn refusal_codes<T>(outcomes: &[Result<T, DomainError>]) -> Vec<&'static str> {
    outcomes
        .iter()
        .filter_map(|o| o.as_ref().err().map(DomainError::code))
        .collect()
}

fn add(sb: &Switchboard, ctx: &Ctx, input: serde_json::Value) -> Attempt<AddedUser> {
    let (sb, ctx, new) = (sb.clone(), ctx.clone(), new_user(input));
    async move { sb.add_user(&ctx, new).await }.boxed()
}

fn edit(sb: &Switchboard, ctx: &Ctx, id: UserId, patch: serde_json::Value) -> Attempt<User> {
    let patch =
        UserPatch::parse(&serde_json::from_value::<UserPatchInput>(patch).unwrap()).unwrap();
    let (sb, ctx) = (sb.clone(), ctx.clone());
    async move { sb.edit_user(&ctx, id, patch, None).await }.boxed()
}

fn deactivate(sb: &Switchboard, ctx: &Ctx, id: UserId) -> Attempt<User> {
    let (sb, ctx) = (sb.clone(), ctx.clone());
    async move { sb.deactivate_user(&ctx, id, None).await }.boxed()
}

fn activate(sb: &Switchboard, ctx: &Ctx, id: UserId) -> Attempt<User> {
    let (sb, ctx) = (sb.clone(), ctx.clone());
    async move { sb.activate_user(&ctx, id).await }.boxed()
}

fn delete(sb: &Switchboard, ctx: &Ctx, id: UserId) -> Attempt<()> {
    let (sb, ctx) = (sb.clone(), ctx.clone());
    async move { sb.delete_user(&ctx, id).await }.boxed()
}

/// Drops an attempt's result so attempts of different operations can race together.
fn unit<T: Send + 'static>(a: Attempt<T>) -> Attempt<()> {
    a.map(|r| r.map(|_| ())).boxed()
}

/// An account whose owner has not used their setup link yet: the owner is pending and
/// does not count as an active Administrator, so R7 rests on the admins added later.
async fn account_with_pending_owner(app: &TestApp, slug: &str) -> AccountId {
    let created = app
        .sb
        .create_account(
            NewAccount {
                name: Name::parse("name", slug).unwrap(),
                plan: Plan::Pro,
                seat_limit: 20,
                extension_range: ExtensionRange::default(),
                time_zone: TimeZoneName::parse("tz", "Asia/Kolkata").unwrap(),
                country: None,
                owner_name: Name::parse("name", "Olivia Owner").unwrap(),
                owner_email: Email::parse("email", &format!("owner@{slug}.example.com")).unwrap(),
            },
            "test",
        )
        .await
        .unwrap();
    assert_eq!(created.owner.status, UserStatus::PendingInvite);
    created.account.id
}

/// An active Administrator with Panel Access (invite accepted).
async fn admin(app: &TestApp, ctx: &Ctx, name: &str, email: &str) -> UserId {
    app.user(
        ctx,
        json!({"name": name, "email": email, "role": "Administrator", "panel_access": true}),
    )
    .await
}

/// The active Administrators of the account.
async fn active_admins(app: &TestApp, account: AccountId) -> BTreeSet<UserId> {
    let query = UserQuery {
        role: Some("Administrator".to_owned()),
        status: Some(UserStatus::Active),
        ..UserQuery::default()
    };
    app.sb
        .list_users(&Ctx::cli(account), &query, None, 500)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|u| u.panel_access)
        .map(|u| u.id)
        .collect()
}

/// The two ways a request reaches the service: as the owner signed in (rights read in the
/// write turn) and with an Administrator API token (rights resolved as the token is
/// authenticated, so adding a user looks up its email, mobile and role on a reader before
/// its write turn). Races alternate between them.
async fn owner_and_token(app: &TestApp, owner: &Ctx) -> [Ctx; 2] {
    [
        owner.clone(),
        token_ctx(app, owner, "api", "Provisioning").await,
    ]
}

/// A request's context with a fresh Administrator token of `kind` (`api` or `scim`)
/// named `name`, as the token's authentication makes it.
async fn token_ctx(app: &TestApp, owner: &Ctx, kind: &str, name: &str) -> Ctx {
    let (_, secret) = app
        .sb
        .create_api_token(
            owner,
            name,
            kind,
            Some(RoleRef::Name("Administrator".to_owned())),
            None,
        )
        .await
        .unwrap();
    app.sb
        .authenticate_token(&secret, kind)
        .await
        .unwrap()
        .expect("a fresh token authenticates")
}

async fn count_events(app: &TestApp, account: AccountId, action: &str) -> usize {
    let filter = AuditFilter {
        action: Some(action.to_owned()),
        ..AuditFilter::default()
    };
    app.sb
        .list_audit_events(&Ctx::cli(account), &filter, 0, 1000)
        .await
        .unwrap()
        .len()
}

/// R12 after a race: the chain verifies from the first event to the last.
async fn assert_chain_intact(app: &TestApp, account: AccountId) {
    let report = switchboard_service::audit::verify_chain(app.sb.db(), account)
        .await
        .unwrap();
    assert_eq!(
        report.broken, None,
        "the audit chain verifies after the race"
    );
    assert!(report.events > 0);
}

/// The same address in another mix of upper and lower case for each `i`.
fn case_variant(s: &str, i: usize) -> String {
    s.chars()
        .enumerate()
        .map(|(j, c)| match i {
            0 => c.to_ascii_lowercase(),
            1 => c.to_ascii_uppercase(),
            _ if (j + i).is_multiple_of(i % 3 + 2) => c.to_ascii_uppercase(),
            _ => c,
        })
        .collect()
}

// --- R7: the last administrator ------------------------------------------------------

async fn two_administrators_demoting_each_other_at_once_leave_exactly_one_administrator(
    app: TestApp,
) {
    for round in 0..ROUNDS {
        let acct = account_with_pending_owner(&app, &format!("mutual{round}")).await;
        let system = Ctx::cli(acct);
        let a = admin(&app, &system, "Asha Admin", "asha@mutual.example.com").await;
        let b = admin(&app, &system, "Bilal Admin", "bilal@mutual.example.com").await;
        assert_eq!(active_admins(&app, acct).await, BTreeSet::from([a, b]));
        let updated = count_events(&app, acct, "user.updated").await;

        let as_a = Ctx::user(acct, a, "test");
        let as_b = Ctx::user(acct, b, "test");
        let outcomes = race(vec![
            edit(&app.sb, &as_a, b, json!({"role": "Basic"})),
            edit(&app.sb, &as_b, a, json!({"role": "Basic"})),
        ])
        .await;

        let won = winners(&outcomes);
        assert_eq!(
            won.len(),
            1,
            "round {round}: one demotion wins: {outcomes:?}"
        );
        let refused = refusal_codes(&outcomes)[0];
        assert!(
            refused == "last_admin" || refused == "forbidden",
            "round {round}: the other is refused as last_admin or, its actor already \
             demoted, forbidden — got {refused}"
        );
        let survivor = if won[0] == 0 { a } else { b };
        assert_eq!(
            active_admins(&app, acct).await,
            BTreeSet::from([survivor]),
            "round {round}: the winner of the race is still an active Administrator"
        );
        assert_eq!(count_events(&app, acct, "user.updated").await, updated + 1);
        assert_chain_intact(&app, acct).await;
    }
}

async fn two_administrators_stepping_down_at_once_leave_exactly_one_administrator(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = account_with_pending_owner(&app, &format!("stepdown{round}")).await;
        let system = Ctx::cli(acct);
        let a = admin(&app, &system, "Asha Admin", "asha@stepdown.example.com").await;
        let b = admin(&app, &system, "Bilal Admin", "bilal@stepdown.example.com").await;
        let updated = count_events(&app, acct, "user.updated").await;

        let as_a = Ctx::user(acct, a, "test");
        let as_b = Ctx::user(acct, b, "test");
        let outcomes = race(vec![
            edit(&app.sb, &as_a, a, json!({"role": "Manager"})),
            edit(&app.sb, &as_b, b, json!({"role": "Basic"})),
        ])
        .await;

        let won = winners(&outcomes);
        assert_eq!(
            won.len(),
            1,
            "round {round}: one step-down wins: {outcomes:?}"
        );
        assert_eq!(refusal_codes(&outcomes), ["last_admin"], "round {round}");
        let survivor = if won[0] == 0 { b } else { a };
        assert_eq!(active_admins(&app, acct).await, BTreeSet::from([survivor]));
        assert_eq!(count_events(&app, acct, "user.updated").await, updated + 1);
        assert_chain_intact(&app, acct).await;
    }
}

async fn deactivating_the_last_two_administrators_at_once_lets_only_one_through(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = account_with_pending_owner(&app, &format!("offboard{round}")).await;
        let system = Ctx::cli(acct);
        let a = admin(&app, &system, "Asha Admin", "asha@offboard.example.com").await;
        let b = admin(&app, &system, "Bilal Admin", "bilal@offboard.example.com").await;

        let outcomes = race(vec![
            deactivate(&app.sb, &system, a),
            deactivate(&app.sb, &system, b),
        ])
        .await;

        let won = winners(&outcomes);
        assert_eq!(
            won.len(),
            1,
            "round {round}: one deactivation wins: {outcomes:?}"
        );
        assert_eq!(refusal_codes(&outcomes), ["last_admin"], "round {round}");
        let (gone, survivor) = if won[0] == 0 { (a, b) } else { (b, a) };
        assert_eq!(
            app.sb.get_user(&system, gone).await.unwrap().status,
            UserStatus::Inactive
        );
        assert_eq!(active_admins(&app, acct).await, BTreeSet::from([survivor]));
        assert_eq!(count_events(&app, acct, "user.deactivated").await, 1);
        assert_chain_intact(&app, acct).await;
    }
}

async fn deleting_deactivating_and_demoting_three_administrators_at_once_leave_one(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = account_with_pending_owner(&app, &format!("shakeup{round}")).await;
        let system = Ctx::cli(acct);
        let a = admin(&app, &system, "Asha Admin", "asha@shakeup.example.com").await;
        let b = admin(&app, &system, "Bilal Admin", "bilal@shakeup.example.com").await;
        let c = admin(&app, &system, "Chen Admin", "chen@shakeup.example.com").await;
        let updated = count_events(&app, acct, "user.updated").await;

        let outcomes = race(vec![
            delete(&app.sb, &system, a),
            unit(deactivate(&app.sb, &system, b)),
            unit(edit(&app.sb, &system, c, json!({"role": "Basic"}))),
        ])
        .await;

        let won = winners(&outcomes);
        assert_eq!(
            won.len(),
            2,
            "round {round}: two of three go through: {outcomes:?}"
        );
        assert_eq!(refusal_codes(&outcomes), ["last_admin"], "round {round}");
        let survivor = [a, b, c]
            .into_iter()
            .enumerate()
            .find(|(i, _)| !won.contains(i))
            .map(|(_, id)| id)
            .unwrap();
        assert_eq!(active_admins(&app, acct).await, BTreeSet::from([survivor]));
        let deleted = count_events(&app, acct, "user.deleted").await;
        assert_eq!(deleted, usize::from(won.contains(&0)), "round {round}");
        if won.contains(&0) {
            let gone = app.sb.get_user(&system, a).await.unwrap_err();
            assert_eq!(gone.code(), "not_found");
        }
        let changes = deleted
            + count_events(&app, acct, "user.deactivated").await
            + count_events(&app, acct, "user.updated").await
            - updated;
        assert_eq!(
            changes, 2,
            "round {round}: one audit event per change that went through"
        );
        assert_chain_intact(&app, acct).await;
    }
}

// --- R11: seats and limits -----------------------------------------------------------

async fn a_pro_account_hands_out_exactly_its_free_seats_to_parallel_adds(app: TestApp) {
    const SEATS: u32 = 6;
    for round in 0..ROUNDS {
        let acct = app
            .account(&format!("Seats {round}"), Plan::Pro, SEATS)
            .await;
        let created = count_events(&app, acct.id, "user.created").await;
        assert_eq!(
            app.sb.plan_usage(&acct.owner_ctx).await.unwrap().seats_used,
            1
        );

        // 20 Panel Access users compete for the 5 free seats; 4 call-only users, who use
        // no seat, are added in the same rush and must all get in.
        let mut attempts = Vec::new();
        for i in 0..24 {
            attempts.push(if i % 6 == 5 {
                add(
                    &app.sb,
                    &acct.owner_ctx,
                    json!({"name": format!("Caller {i}"), "mobile": format!("+9198765{i:05}")}),
                )
            } else {
                add(
                    &app.sb,
                    &acct.owner_ctx,
                    json!({"name": format!("Agent {i}"), "email": format!("agent{i}@seats.example.com"),
                           "panel_access": true}),
                )
            });
        }
        let outcomes = race(attempts).await;

        let (call_only, panel): (Vec<_>, Vec<_>) = outcomes
            .into_iter()
            .enumerate()
            .partition(|(i, _)| i % 6 == 5);
        let call_only: Vec<_> = call_only.into_iter().map(|(_, o)| o).collect();
        let panel: Vec<_> = panel.into_iter().map(|(_, o)| o).collect();
        assert_eq!(winners(&call_only).len(), 4, "round {round}: {call_only:?}");
        assert_eq!(
            winners(&panel).len(),
            (SEATS - 1) as usize,
            "round {round}: exactly the free seats are handed out"
        );
        assert!(
            refusal_codes(&panel)
                .iter()
                .all(|c| *c == "seat_limit_reached"),
            "round {round}: {:?}",
            refusal_codes(&panel)
        );
        for w in panel.iter().flatten() {
            assert_eq!(w.user.status, UserStatus::PendingInvite);
            assert!(w.invite_link.is_some(), "every winner gets an invite");
        }
        let usage = app.sb.plan_usage(&acct.owner_ctx).await.unwrap();
        assert_eq!(
            usage.seats_used, SEATS,
            "round {round}: the seats are full, not over"
        );
        assert_eq!(usage.seats_limit, Some(SEATS));
        assert_eq!(usage.users_used, 1 + (SEATS - 1) + 4);
        assert_eq!(
            count_events(&app, acct.id, "user.created").await,
            created + (SEATS as usize - 1) + 4
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn a_free_account_takes_exactly_four_more_users_from_parallel_adds(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Tiny {round}"), Plan::Free, 0).await;
        let created = count_events(&app, acct.id, "user.created").await;

        // Agents are added by the owner; callers (plain adds) with a token, which share
        // write turns and are counted against the limit one by one.
        let ctxs = owner_and_token(&app, &acct.owner_ctx).await;
        let attempts = (0..10)
            .map(|i| {
                let input = if i % 2 == 0 {
                    json!({"name": format!("Agent {i}"), "email": format!("agent{i}@tiny.example.com"),
                           "panel_access": true})
                } else {
                    json!({"name": format!("Caller {i}"), "mobile": format!("+9198765{i:05}")})
                };
                add(&app.sb, &ctxs[i % 2], input)
            })
            .collect();
        let outcomes = race(attempts).await;

        assert_eq!(
            winners(&outcomes).len(),
            4,
            "round {round}: the owner is the 5th user"
        );
        assert_eq!(
            refusal_codes(&outcomes),
            ["user_limit_reached"; 6],
            "round {round}"
        );
        let usage = app.sb.plan_usage(&acct.owner_ctx).await.unwrap();
        assert_eq!(usage.users_used, 5);
        assert_eq!(usage.users_limit, Some(5));
        assert_eq!(
            count_events(&app, acct.id, "user.created").await,
            created + 4
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn parallel_activations_racing_for_the_last_seat_let_exactly_one_in(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app
            .account(&format!("Comeback {round}"), Plan::Pro, 3)
            .await;
        let ctx = &acct.owner_ctx;
        // Five former agents, deactivated, who hold no seat.
        let mut former = Vec::new();
        for i in 0..5 {
            let id = app
                .user(
                    ctx,
                    json!({"name": format!("Former {i}"), "email": format!("former{i}@comeback.example.com"),
                           "panel_access": true}),
                )
                .await;
            app.sb.deactivate_user(ctx, id, None).await.unwrap();
            former.push(id);
        }
        app.user(
            ctx,
            json!({"name": "Current", "email": "current@comeback.example.com", "panel_access": true}),
        )
        .await;
        assert_eq!(
            app.sb.plan_usage(ctx).await.unwrap().seats_used,
            2,
            "one seat is free"
        );
        let activated = count_events(&app, acct.id, "user.activated").await;
        let created = count_events(&app, acct.id, "user.created").await;

        // Five activations and a new Panel Access user race for the one free seat.
        let mut attempts: Vec<Attempt<()>> = former
            .iter()
            .map(|id| unit(activate(&app.sb, ctx, *id)))
            .collect();
        attempts.insert(
            round % 5,
            unit(add(
                &app.sb,
                ctx,
                json!({"name": "Newcomer", "email": "new@comeback.example.com", "panel_access": true}),
            )),
        );
        let outcomes = race(attempts).await;

        assert_eq!(winners(&outcomes).len(), 1, "round {round}: {outcomes:?}");
        assert_eq!(
            refusal_codes(&outcomes),
            ["seat_limit_reached"; 5],
            "round {round}"
        );
        assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 3);
        let back = count_events(&app, acct.id, "user.activated").await - activated;
        let new = count_events(&app, acct.id, "user.created").await - created;
        assert_eq!(
            back + new,
            1,
            "round {round}: one audit event for the one winner"
        );
        let mut still_inactive = 0;
        for id in &former {
            if app.sb.get_user(ctx, *id).await.unwrap().status == UserStatus::Inactive {
                still_inactive += 1;
            }
        }
        assert_eq!(still_inactive, 5 - back);
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn parallel_grants_of_panel_access_racing_for_the_last_seat_let_exactly_one_through(
    app: TestApp,
) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Upgrade {round}"), Plan::Pro, 2).await;
        let ctx = &acct.owner_ctx;
        let mut callers = Vec::new();
        for i in 0..6 {
            callers.push(
                app.user(
                    ctx,
                    json!({"name": format!("Caller {i}"), "email": format!("caller{i}@upgrade.example.com")}),
                )
                .await,
            );
        }
        let updated = count_events(&app, acct.id, "user.updated").await;

        let outcomes = race(
            callers
                .iter()
                .map(|id| edit(&app.sb, ctx, *id, json!({"panel_access": true})))
                .collect(),
        )
        .await;

        let won = winners(&outcomes);
        assert_eq!(won.len(), 1, "round {round}: {outcomes:?}");
        assert_eq!(
            refusal_codes(&outcomes),
            ["seat_limit_reached"; 5],
            "round {round}"
        );
        let usage = app.sb.plan_usage(ctx).await.unwrap();
        assert_eq!(usage.seats_used, 2, "round {round}: the seat limit holds");
        assert_eq!(
            count_events(&app, acct.id, "user.updated").await,
            updated + 1
        );
        for (i, id) in callers.iter().enumerate() {
            let u = app.sb.get_user(ctx, *id).await.unwrap();
            assert_eq!(
                u.panel_access,
                won.contains(&i),
                "round {round}: only the winner"
            );
        }
        assert_chain_intact(&app, acct.id).await;
    }
}

// --- R13: uniqueness under concurrency -------------------------------------------------

/// Checks a uniqueness race: exactly one winner, every other attempt refused with `code`
/// on `field`, naming the winner as the holder.
fn assert_one_winner_named(
    round: usize,
    outcomes: &[Result<String, DomainError>],
    code: &str,
    field: &str,
) -> String {
    let won = winners(outcomes);
    assert_eq!(
        won.len(),
        1,
        "round {round}: exactly one claim wins: {outcomes:?}"
    );
    let holder = outcomes[won[0]].as_ref().unwrap().clone();
    for refusal in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert_eq!(refusal.code(), code, "round {round}: {refusal}");
        assert_eq!(refusal.field_name(), Some(field));
        let named = match refusal {
            DomainError::DuplicateEmail { holder, .. }
            | DomainError::DuplicateMobile { holder, .. }
            | DomainError::ExtensionTaken { holder, .. } => holder.clone(),
            other => panic!("round {round}: not a conflict: {other:?}"),
        };
        assert_eq!(named, holder, "round {round}: the refusal names the winner");
        assert!(refusal.to_string().contains(&holder));
    }
    holder
}

fn added_name(a: Attempt<AddedUser>) -> Attempt<String> {
    a.map(|r| r.map(|added| added.user.name.to_string()))
        .boxed()
}

async fn parallel_adds_claiming_one_email_in_any_case_have_exactly_one_winner(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Email {round}"), Plan::Pro, 20).await;
        let created = count_events(&app, acct.id, "user.created").await;
        let ctxs = owner_and_token(&app, &acct.owner_ctx).await;
        let address = "sam.rivera@claims.example.com";

        let outcomes = race(
            (0..10)
                .map(|i| {
                    added_name(add(
                        &app.sb,
                        &ctxs[i % 2],
                        json!({"name": format!("Claimant {i}"), "email": case_variant(address, i),
                               "panel_access": i % 2 == 0}),
                    ))
                })
                .collect(),
        )
        .await;

        let holder = assert_one_winner_named(round, &outcomes, "duplicate_email", "email");
        let query = UserQuery {
            text: Some("sam.rivera".to_owned()),
            ..UserQuery::default()
        };
        let found = app
            .sb
            .list_users(&acct.owner_ctx, &query, None, 100)
            .await
            .unwrap()
            .items;
        assert_eq!(found.len(), 1, "round {round}: one user holds the address");
        assert_eq!(found[0].name.as_str(), holder);
        assert_eq!(
            count_events(&app, acct.id, "user.created").await,
            created + 1
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn parallel_adds_claiming_one_mobile_have_exactly_one_winner(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Mobile {round}"), Plan::Pro, 20).await;
        let ctxs = owner_and_token(&app, &acct.owner_ctx).await;
        let created = count_events(&app, acct.id, "user.created").await;

        let outcomes = race(
            (0..10)
                .map(|i| {
                    added_name(add(
                        &app.sb,
                        &ctxs[i % 2],
                        json!({"name": format!("Claimant {i}"), "mobile": "+919812300000",
                               "email": format!("claimant{i}@mobile.example.com")}),
                    ))
                })
                .collect(),
        )
        .await;

        let holder = assert_one_winner_named(round, &outcomes, "duplicate_mobile", "mobile");
        let query = UserQuery {
            text: Some("Claimant".to_owned()),
            ..UserQuery::default()
        };
        let found = app
            .sb
            .list_users(&acct.owner_ctx, &query, None, 100)
            .await
            .unwrap()
            .items;
        assert_eq!(found.len(), 1, "round {round}");
        assert_eq!(found[0].name.as_str(), holder);
        assert_eq!(found[0].mobile.as_ref().unwrap().as_str(), "+919812300000");
        assert_eq!(
            count_events(&app, acct.id, "user.created").await,
            created + 1
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn parallel_adds_claiming_one_extension_have_exactly_one_winner(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Ext {round}"), Plan::Pro, 20).await;
        let created = count_events(&app, acct.id, "user.created").await;

        let outcomes = race(
            (0..10)
                .map(|i| {
                    added_name(add(
                        &app.sb,
                        &acct.owner_ctx,
                        json!({"name": format!("Claimant {i}"), "mobile": format!("+9198765{i:05}"),
                               "extension": "555"}),
                    ))
                })
                .collect(),
        )
        .await;

        let holder = assert_one_winner_named(round, &outcomes, "extension_taken", "extension");
        let query = UserQuery {
            text: Some("Claimant".to_owned()),
            ..UserQuery::default()
        };
        let found = app
            .sb
            .list_users(&acct.owner_ctx, &query, None, 100)
            .await
            .unwrap()
            .items;
        assert_eq!(found.len(), 1, "round {round}");
        assert_eq!(found[0].name.as_str(), holder);
        assert_eq!(found[0].extension.value(), 555);
        assert_eq!(
            count_events(&app, acct.id, "user.created").await,
            created + 1
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn parallel_adds_without_an_extension_all_get_distinct_free_extensions(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Auto {round}"), Plan::Pro, 20).await;
        let ctxs = owner_and_token(&app, &acct.owner_ctx).await;
        let created = count_events(&app, acct.id, "user.created").await;

        let outcomes = race(
            (0..12)
                .map(|i| {
                    add(
                        &app.sb,
                        &ctxs[i % 2],
                        json!({"name": format!("Caller {i}"), "mobile": format!("+9198765{i:05}")}),
                    )
                })
                .collect(),
        )
        .await;

        assert_eq!(winners(&outcomes).len(), 12, "round {round}: {outcomes:?}");
        let extensions: BTreeSet<u32> = outcomes
            .iter()
            .flatten()
            .map(|a| a.user.extension.value())
            .collect();
        assert_eq!(
            extensions,
            (101..=112).collect(),
            "round {round}: twelve distinct extensions, the lowest free ones (the owner holds 100)"
        );
        assert_eq!(
            count_events(&app, acct.id, "user.created").await,
            created + 12
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn plain_adds_by_two_tokens_at_once_are_each_audited_by_their_own_token(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Bulk {round}"), Plan::Pro, 5).await;
        let created = count_events(&app, acct.id, "user.created").await;
        let api = token_ctx(&app, &acct.owner_ctx, "api", "HR sync").await;
        let scim = token_ctx(&app, &acct.owner_ctx, "scim", "Okta").await;

        let outcomes = race(
            (0..16)
                .map(|i| {
                    let ctx = if i % 2 == 0 { &api } else { &scim };
                    add(
                        &app.sb,
                        ctx,
                        json!({"name": format!("Bulk {i}"),
                               "email": format!("bulk{i}@bulk.example.com")}),
                    )
                })
                .collect(),
        )
        .await;

        assert_eq!(winners(&outcomes).len(), 16, "round {round}: {outcomes:?}");
        let added: Vec<&AddedUser> = outcomes.iter().flatten().collect();
        let extensions: BTreeSet<u32> = added.iter().map(|a| a.user.extension.value()).collect();
        assert_eq!(
            extensions,
            (101..=116).collect(),
            "round {round}: the sixteen lowest free extensions, one each"
        );
        for (i, a) in added.iter().enumerate() {
            assert_eq!(a.role_name, "Basic", "round {round}");
            // R6: what the identity provider adds, it manages.
            assert_eq!(
                a.user.idp.managed,
                i % 2 == 1,
                "round {round}: {}",
                a.user.name
            );
            let stored = app.sb.get_user(&acct.owner_ctx, a.user.id).await.unwrap();
            assert_eq!(
                stored, a.user,
                "round {round}: the answer is what was stored"
            );
        }
        let filter = AuditFilter {
            action: Some("user.created".to_owned()),
            ..AuditFilter::default()
        };
        let events = app
            .sb
            .list_audit_events(&Ctx::cli(acct.id), &filter, 0, 1000)
            .await
            .unwrap();
        assert_eq!(
            events.len(),
            created + 16,
            "round {round}: one event per add"
        );
        for (i, a) in added.iter().enumerate() {
            let id = a.user.id.to_string();
            let by: Vec<&str> = events
                .iter()
                .filter(|e| e.event.target_id.as_deref() == Some(id.as_str()))
                .map(|e| e.event.actor_name.as_str())
                .collect();
            let token = if i % 2 == 0 { "HR sync" } else { "Okta" };
            assert_eq!(
                by,
                [token],
                "round {round}: {} was added by {token}",
                a.user.name
            );
        }
        // A later add of a taken email, in any case, is refused naming its holder.
        let late = app
            .sb
            .add_user(
                &scim,
                new_user(json!({"name": "Late", "email": "BULK3@bulk.example.com"})),
            )
            .await
            .unwrap_err();
        assert_eq!(
            late.domain(),
            Some(&DomainError::DuplicateEmail {
                email: "BULK3@bulk.example.com".to_owned(),
                holder: "Bulk 3".to_owned(),
            }),
            "round {round}"
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn parallel_edits_claiming_one_extension_have_exactly_one_winner(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Move {round}"), Plan::Pro, 20).await;
        let ctx = &acct.owner_ctx;
        let mut callers = Vec::new();
        for i in 0..8 {
            callers.push(
                app.user(
                    ctx,
                    json!({"name": format!("Caller {i}"), "mobile": format!("+9198765{i:05}")}),
                )
                .await,
            );
        }
        let updated = count_events(&app, acct.id, "user.updated").await;

        let outcomes = race(
            callers
                .iter()
                .map(|id| {
                    edit(&app.sb, ctx, *id, json!({"extension": "777"}))
                        .map(|r| r.map(|u| u.name.to_string()))
                        .boxed()
                })
                .collect(),
        )
        .await;

        let holder = assert_one_winner_named(round, &outcomes, "extension_taken", "extension");
        let mut on_777 = Vec::new();
        for id in &callers {
            let u = app.sb.get_user(ctx, *id).await.unwrap();
            if u.extension.value() == 777 {
                on_777.push(u.name.to_string());
            }
        }
        assert_eq!(on_777, [holder], "round {round}");
        assert_eq!(
            count_events(&app, acct.id, "user.updated").await,
            updated + 1
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

async fn parallel_edits_claiming_one_email_in_any_case_have_exactly_one_winner(app: TestApp) {
    for round in 0..ROUNDS {
        let acct = app.account(&format!("Rename {round}"), Plan::Pro, 20).await;
        let ctx = &acct.owner_ctx;
        let mut callers = Vec::new();
        for i in 0..8 {
            callers.push(
                app.user(
                    ctx,
                    json!({"name": format!("Caller {i}"), "mobile": format!("+9198765{i:05}")}),
                )
                .await,
            );
        }
        let updated = count_events(&app, acct.id, "user.updated").await;
        let address = "front.desk@rename.example.com";

        // Call-only users who never signed in take a new email at once (no verification).
        let outcomes = race(
            callers
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    edit(
                        &app.sb,
                        ctx,
                        *id,
                        json!({"email": case_variant(address, i)}),
                    )
                    .map(|r| r.map(|u| u.name.to_string()))
                    .boxed()
                })
                .collect(),
        )
        .await;

        let holder = assert_one_winner_named(round, &outcomes, "duplicate_email", "email");
        let mut holders = Vec::new();
        for id in &callers {
            let u = app.sb.get_user(ctx, *id).await.unwrap();
            if u.email.as_ref().is_some_and(|e| e.key() == address) {
                holders.push(u.name.to_string());
            }
        }
        assert_eq!(holders, [holder], "round {round}");
        assert_eq!(
            count_events(&app, acct.id, "user.updated").await,
            updated + 1
        );
        assert_chain_intact(&app, acct.id).await;
    }
}

both_backends!(
    two_administrators_demoting_each_other_at_once_leave_exactly_one_administrator,
    two_administrators_stepping_down_at_once_leave_exactly_one_administrator,
    deactivating_the_last_two_administrators_at_once_lets_only_one_through,
    deleting_deactivating_and_demoting_three_administrators_at_once_leave_one,
    a_pro_account_hands_out_exactly_its_free_seats_to_parallel_adds,
    a_free_account_takes_exactly_four_more_users_from_parallel_adds,
    parallel_activations_racing_for_the_last_seat_let_exactly_one_in,
    parallel_grants_of_panel_access_racing_for_the_last_seat_let_exactly_one_through,
    parallel_adds_claiming_one_email_in_any_case_have_exactly_one_winner,
    parallel_adds_claiming_one_mobile_have_exactly_one_winner,
    parallel_adds_claiming_one_extension_have_exactly_one_winner,
    parallel_adds_without_an_extension_all_get_distinct_free_extensions,
    plain_adds_by_two_tokens_at_once_are_each_audited_by_their_own_token,
    parallel_edits_claiming_one_extension_have_exactly_one_winner,
    parallel_edits_claiming_one_email_in_any_case_have_exactly_one_winner,
);
