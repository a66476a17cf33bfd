//! R7 (last administrator, ownership) and R10 (deactivate now or later, activate).

use jiff::SignedDuration;
use serde_json::json;
use switchboard_domain::{Plan, RoleRef, UserStatus};
use switchboard_service::Ctx;
use switchboard_service::users::UserQuery;
use switchboard_testkit::{TestApp, both_backends, new_user};

use crate::life::support::{
    account_with_pending_owner, admin, code, department, events_with, json_of, refusal, token_works,
};

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

// ---- R7: the last administrator ----------------------------------------------------

async fn the_last_active_administrator_can_be_neither_deactivated_nor_deleted(app: TestApp) {
    // Right after `account create` the owner has not signed up yet, so Ada is the only
    // active Administrator.
    let (acct, _owner, system) = account_with_pending_owner(&app, Plan::Pro, 5).await;
    let ada = admin(&app, &system, "Ada Admin", "ada@pending.example.com").await;

    let err = refusal(app.sb.deactivate_user(&system, ada, None).await);
    assert_eq!(err.code(), "last_admin");
    assert!(
        err.to_string().contains("without an active Administrator"),
        "{err}"
    );
    assert_eq!(code(app.sb.delete_user(&system, ada).await), "last_admin");
    let check = app.sb.deletion_check(&system, ada).await.unwrap();
    assert!(!check.can_delete);
    assert!(
        check
            .refusal
            .as_deref()
            .is_some_and(|r| r.contains("without an active Administrator")),
        "{check:?}"
    );
    assert_eq!(
        app.sb.get_user(&system, ada).await.unwrap().status,
        UserStatus::Active
    );
    assert!(events_with(&app, acct, "user.deactivated").await.is_empty());
    assert!(events_with(&app, acct, "user.deleted").await.is_empty());
}

async fn only_administrators_who_can_sign_in_count_for_the_last_administrator(app: TestApp) {
    let (_acct, _owner, system) = account_with_pending_owner(&app, Plan::Pro, 5).await;
    let ada = admin(&app, &system, "Ada Admin", "ada@pending.example.com").await;
    // An Administrator without Panel Access cannot administer anything.
    app.user(
        &system,
        json!({"name": "Carl Callonly", "mobile": "+919876500001", "role": "Administrator"}),
    )
    .await;
    assert_eq!(
        code(app.sb.deactivate_user(&system, ada, None).await),
        "last_admin"
    );

    // A second admin who signs in lifts the block; once Ada is gone, Bo is the last.
    let bo = admin(&app, &system, "Bo Admin", "bo@pending.example.com").await;
    app.sb.deactivate_user(&system, ada, None).await.unwrap();
    assert_eq!(code(app.sb.delete_user(&system, bo).await), "last_admin");
    assert_eq!(
        code(app.sb.deactivate_user(&system, bo, None).await),
        "last_admin"
    );
    // Deleting the deactivated Ada does not touch R7.
    app.sb.delete_user(&system, ada).await.unwrap();
}

// ---- R7: the owner -----------------------------------------------------------------

async fn the_owner_can_be_neither_deactivated_nor_deleted_until_ownership_moves(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ada = admin(&app, &acct.owner_ctx, "Ada Admin", "ada@acme.example.com").await;
    let ada_ctx = Ctx::user(acct.id, ada, "test");

    let err = refusal(app.sb.deactivate_user(&ada_ctx, acct.owner, None).await);
    assert_eq!(err.code(), "owner_protected");
    assert!(err.to_string().contains("transfer ownership"), "{err}");
    assert_eq!(
        code(app.sb.delete_user(&ada_ctx, acct.owner).await),
        "owner_protected"
    );
    let later = app.sb.now().checked_add(hours(24)).unwrap();
    assert_eq!(
        code(
            app.sb
                .deactivate_user(&ada_ctx, acct.owner, Some(later))
                .await
        ),
        "owner_protected",
        "nor can the owner's deactivation be scheduled"
    );
    assert_eq!(
        code(app.sb.delete_user(&acct.system, acct.owner).await),
        "owner_protected",
        "not even the operator may"
    );
    let check = app.sb.deletion_check(&ada_ctx, acct.owner).await.unwrap();
    assert!(!check.can_delete);
    assert!(
        check
            .refusal
            .as_deref()
            .is_some_and(|r| r.contains("owner")),
        "{check:?}"
    );

    let account = app
        .sb
        .transfer_ownership(&acct.owner_ctx, ada)
        .await
        .unwrap();
    assert_eq!(account.owner_id, ada);
    assert_eq!(app.sb.get_account(&ada_ctx).await.unwrap().owner_id, ada);
    let moved = events_with(&app, acct.id, "account.ownership_transferred").await;
    assert_eq!(moved.len(), 1);
    assert_eq!(
        json_of(&moved[0].event.before),
        json!({"owner_id": acct.owner.to_string()})
    );
    assert_eq!(
        json_of(&moved[0].event.after),
        json!({"owner_id": ada.to_string()})
    );

    // The former owner is now an ordinary Administrator; the new owner is protected.
    let olivia = app
        .sb
        .deactivate_user(&ada_ctx, acct.owner, None)
        .await
        .unwrap();
    assert_eq!(olivia.status, UserStatus::Inactive);
    app.sb.delete_user(&ada_ctx, acct.owner).await.unwrap();
    assert_eq!(
        code(app.sb.get_user(&ada_ctx, acct.owner).await),
        "not_found"
    );
    assert_eq!(
        code(app.sb.delete_user(&acct.system, ada).await),
        "owner_protected"
    );
}

async fn ownership_goes_only_to_an_active_administrator_who_can_sign_in(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let ctx = &acct.owner_ctx;
    let bob = app
        .user(
            ctx,
            json!({"name": "Bob Basic", "email": "bob@acme.example.com", "panel_access": true}),
        )
        .await;
    let mia = app
        .user(
            ctx,
            json!({"name": "Mia Manager", "email": "mia@acme.example.com", "role": "Manager",
                   "panel_access": true}),
        )
        .await;
    let ivan = admin(&app, ctx, "Ivan Inactive", "ivan@acme.example.com").await;
    app.sb.deactivate_user(ctx, ivan, None).await.unwrap();
    let pia = app
        .sb
        .add_user(
            ctx,
            new_user(
                json!({"name": "Pia Pending", "email": "pia@acme.example.com",
                            "role": "Administrator", "panel_access": true}),
            ),
        )
        .await
        .unwrap()
        .user
        .id;
    let carl = app
        .user(
            ctx,
            json!({"name": "Carl Callonly", "mobile": "+919876500001", "role": "Administrator"}),
        )
        .await;

    for (who, name) in [
        (bob, "Bob Basic"),
        (mia, "Mia Manager"),
        (ivan, "Ivan Inactive"),
        (pia, "Pia Pending"),
        (carl, "Carl Callonly"),
    ] {
        let err = refusal(app.sb.transfer_ownership(ctx, who).await);
        assert_eq!(err.code(), "invalid_state", "transfer to {name}");
        assert!(err.to_string().contains(name), "{err}");
    }
    assert_eq!(app.sb.get_account(ctx).await.unwrap().owner_id, acct.owner);
    assert!(
        events_with(&app, acct.id, "account.ownership_transferred")
            .await
            .is_empty()
    );
}

async fn only_the_owner_may_transfer_ownership(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ada = admin(&app, &acct.owner_ctx, "Ada Admin", "ada@acme.example.com").await;
    let bo = admin(&app, &acct.owner_ctx, "Bo Admin", "bo@acme.example.com").await;
    let ada_ctx = Ctx::user(acct.id, ada, "test");

    assert_eq!(
        code(app.sb.transfer_ownership(&ada_ctx, bo).await),
        "forbidden"
    );
    assert_eq!(
        code(app.sb.transfer_ownership(&ada_ctx, ada).await),
        "forbidden",
        "an admin cannot make themselves the owner"
    );
    assert_eq!(
        app.sb.get_account(&ada_ctx).await.unwrap().owner_id,
        acct.owner
    );
    // The owner can.
    app.sb
        .transfer_ownership(&acct.owner_ctx, bo)
        .await
        .unwrap();
    assert_eq!(app.sb.get_account(&ada_ctx).await.unwrap().owner_id, bo);
    // And the former owner no longer can.
    assert_eq!(
        code(app.sb.transfer_ownership(&acct.owner_ctx, ada).await),
        "forbidden"
    );
}

// ---- R10: deactivate and activate --------------------------------------------------

async fn deactivating_keeps_the_profile_and_department_memberships(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let asha = app
        .user(ctx, json!({"name": "Asha Rao", "mobile": "+919876500001"}))
        .await;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com",
                   "mobile": "+919876543210", "extension": "204", "panel_access": true,
                   "tags": ["sales"], "voicemail": true, "time_zone": "Europe/London"}),
        )
        .await;
    let sales = app
        .sb
        .create_department(ctx, department("Sales", vec![asha, priya], vec![]))
        .await
        .unwrap();
    let support = app
        .sb
        .create_department(ctx, department("Support", vec![priya, asha], vec![]))
        .await
        .unwrap();
    let before = app.sb.get_user(ctx, priya).await.unwrap();

    let done = app.sb.deactivate_user(ctx, priya, None).await.unwrap();
    assert_eq!(done.status, UserStatus::Inactive);
    let kept = app.sb.get_user(ctx, priya).await.unwrap();
    assert_eq!(kept.status, UserStatus::Inactive);
    assert_eq!(kept.name, before.name);
    assert_eq!(kept.email, before.email);
    assert_eq!(kept.mobile, before.mobile);
    assert_eq!(kept.extension, before.extension);
    assert_eq!(kept.role_id, before.role_id);
    assert_eq!(kept.tags, before.tags);
    assert_eq!(kept.voicemail, before.voicemail);
    assert_eq!(kept.time_zone, before.time_zone);
    assert!(kept.panel_access);
    let deps: Vec<String> = app
        .sb
        .user_departments(ctx, priya)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.1)
        .collect();
    assert_eq!(deps, ["Sales", "Support"]);
    assert_eq!(
        app.sb.get_department(ctx, sales.id).await.unwrap().members,
        [asha, priya]
    );
    assert_eq!(
        app.sb
            .get_department(ctx, support.id)
            .await
            .unwrap()
            .members,
        [priya, asha]
    );
    // The kept profile still holds its extension.
    let err = refusal(
        app.sb
            .add_user(
                ctx,
                new_user(json!({"name": "Ravi", "mobile": "+919876500002", "extension": "204"})),
            )
            .await,
    );
    assert_eq!(err.code(), "extension_taken");
    assert!(err.to_string().contains("Priya Sharma"), "{err}");

    let ev = events_with(&app, acct.id, "user.deactivated").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event.target_id, Some(priya.to_string()));
    assert_eq!(json_of(&ev[0].event.before), json!({"status": "active"}));
    assert_eq!(json_of(&ev[0].event.after), json!({"status": "inactive"}));

    // Activation restores her, with her memberships where they were.
    let back = app.sb.activate_user(ctx, priya).await.unwrap();
    assert_eq!(back.status, UserStatus::Active, "she had signed in before");
    assert_eq!(
        app.sb.get_department(ctx, sales.id).await.unwrap().members,
        [asha, priya]
    );
    assert_eq!(app.sb.user_departments(ctx, priya).await.unwrap().len(), 2);
    let ev = events_with(&app, acct.id, "user.activated").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(json_of(&ev[0].event.after), json!({"status": "active"}));
}

async fn deactivating_revokes_tokens_and_stops_the_user_acting_at_once(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let mia = app
        .user(
            ctx,
            json!({"name": "Mia Manager", "email": "mia@acme.example.com", "role": "Manager",
                   "panel_access": true}),
        )
        .await;
    let (_, secret) = app
        .sb
        .create_api_token(
            ctx,
            "Mia's report script",
            "api",
            Some(RoleRef::Name("Manager".to_owned())),
            Some(mia),
        )
        .await
        .unwrap();
    let authed = app
        .sb
        .authenticate_token(&secret, "api")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(authed.account_id, acct.id);
    // Later requests made with the token: each reads its rights anew.
    let token_ctx = Ctx::new(authed.account_id, authed.actor.clone(), "api");
    let mia_ctx = Ctx::user(acct.id, mia, "test");
    app.sb
        .list_users(&token_ctx, &UserQuery::default(), None, 10)
        .await
        .unwrap();
    app.sb.get_user(&mia_ctx, mia).await.unwrap();

    app.sb.deactivate_user(ctx, mia, None).await.unwrap();

    assert!(!token_works(&app, &secret).await);
    // Deactivating revoked the token: a request whose rights were held from before it,
    // and one that reads them, are both refused as unauthenticated.
    for held in [&authed, &token_ctx] {
        assert_eq!(
            code(
                app.sb
                    .list_users(held, &UserQuery::default(), None, 10)
                    .await
            ),
            "unauthorized"
        );
    }
    assert_eq!(code(app.sb.get_user(&mia_ctx, mia).await), "forbidden");
    assert_eq!(
        code(
            app.sb
                .list_users(&mia_ctx, &UserQuery::default(), None, 10)
                .await
        ),
        "forbidden"
    );

    // Activation lets her act again; the revoked token stays revoked.
    app.sb.activate_user(ctx, mia).await.unwrap();
    app.sb.get_user(&mia_ctx, mia).await.unwrap();
    assert!(!token_works(&app, &secret).await);
}

async fn deactivating_frees_the_seat_and_activating_needs_a_free_one(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 2).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
        )
        .await;
    let caller = app
        .user(
            ctx,
            json!({"name": "Carl Callonly", "mobile": "+919876500001"}),
        )
        .await;
    let rahul = || {
        new_user(
            json!({"name": "Rahul Verma", "email": "rahul@acme.example.com",
                        "panel_access": true}),
        )
    };
    assert_eq!(
        code(app.sb.add_user(ctx, rahul()).await),
        "seat_limit_reached"
    );
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 2);

    app.sb.deactivate_user(ctx, priya, None).await.unwrap();
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 1);
    let added = app.sb.add_user(ctx, rahul()).await.unwrap();
    app.accept(added.invite_link.as_deref().unwrap()).await;

    let err = refusal(app.sb.activate_user(ctx, priya).await);
    assert_eq!(err.code(), "seat_limit_reached");
    assert_eq!(
        app.sb.get_user(ctx, priya).await.unwrap().status,
        UserStatus::Inactive
    );
    assert!(
        events_with(&app, acct.id, "user.activated")
            .await
            .is_empty()
    );

    // A call-only user needs no seat.
    app.sb.deactivate_user(ctx, caller, None).await.unwrap();
    app.sb.activate_user(ctx, caller).await.unwrap();

    app.sb
        .deactivate_user(ctx, added.user.id, None)
        .await
        .unwrap();
    let back = app.sb.activate_user(ctx, priya).await.unwrap();
    assert_eq!(back.status, UserStatus::Active);
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 2);
}

async fn a_deactivated_user_cannot_use_their_invite_link(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let added = app
        .sb
        .add_user(
            ctx,
            new_user(
                json!({"name": "Pia Pending", "email": "pia@acme.example.com",
                            "panel_access": true}),
            ),
        )
        .await
        .unwrap();
    let link = added.invite_link.unwrap();
    app.sb
        .deactivate_user(ctx, added.user.id, None)
        .await
        .unwrap();
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(
        code(app.sb.accept_invite(token, "correct horse battery").await),
        "link_invalid"
    );
    // Activating her again sends a fresh invite.
    let back = app.sb.activate_user(ctx, added.user.id).await.unwrap();
    assert_eq!(back.status, UserStatus::PendingInvite);
    let mail = app.sb.list_mail(ctx, 100).await.unwrap();
    let invites = mail
        .iter()
        .filter(|m| m.mail.to == "pia@acme.example.com" && m.mail.kind == "invite")
        .count();
    assert_eq!(invites, 2);
}

// ---- R10: scheduled deactivation ---------------------------------------------------

async fn a_scheduled_deactivation_takes_effect_when_its_time_comes(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "role": "Manager",
                   "panel_access": true}),
        )
        .await;
    let (_, secret) = app
        .sb
        .create_api_token(
            ctx,
            "Priya's token",
            "api",
            Some(RoleRef::Name("Manager".to_owned())),
            Some(priya),
        )
        .await
        .unwrap();
    let at = app.sb.now().checked_add(hours(2)).unwrap();

    let u = app.sb.deactivate_user(ctx, priya, Some(at)).await.unwrap();
    assert_eq!(u.status, UserStatus::Active);
    assert_eq!(u.deactivate_at, Some(at));
    let stored = app.sb.get_user(ctx, priya).await.unwrap();
    assert_eq!(stored.status, UserStatus::Active);
    assert_eq!(stored.deactivate_at, Some(at));
    assert!(token_works(&app, &secret).await);
    let scheduled = events_with(&app, acct.id, "user.deactivation_scheduled").await;
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0].event.actor_id, Some(acct.owner.to_string()));

    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 0);
    app.clock.advance(hours(1));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 0);
    assert_eq!(
        app.sb.get_user(ctx, priya).await.unwrap().status,
        UserStatus::Active
    );

    app.clock.advance(hours(2));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 1);
    let done = app.sb.get_user(ctx, priya).await.unwrap();
    assert_eq!(done.status, UserStatus::Inactive);
    assert_eq!(done.deactivate_at, None);
    assert!(!token_works(&app, &secret).await);
    let ev = events_with(&app, acct.id, "user.deactivated").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event.target_id, Some(priya.to_string()));
    assert_eq!(
        ev[0].event.actor_kind,
        switchboard_domain::ActorKind::System
    );
    assert_eq!(ev[0].event.actor_name, "scheduler");
    assert_eq!(ev[0].event.at, app.sb.now());
    // Nothing left to do.
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 0);
}

async fn a_scheduled_deactivation_of_the_last_administrator_is_dropped_and_audited(app: TestApp) {
    let (acct, _owner, system) = account_with_pending_owner(&app, Plan::Pro, 5).await;
    let ada = admin(&app, &system, "Ada Admin", "ada@pending.example.com").await;
    let at = app.sb.now().checked_add(hours(1)).unwrap();
    app.sb
        .deactivate_user(&system, ada, Some(at))
        .await
        .unwrap();

    app.clock.advance(hours(2));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 0);
    let u = app.sb.get_user(&system, ada).await.unwrap();
    assert_eq!(u.status, UserStatus::Active);
    assert_eq!(u.deactivate_at, None, "the schedule is dropped");
    assert!(events_with(&app, acct, "user.deactivated").await.is_empty());
    let refused = events_with(&app, acct, "user.deactivation_refused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].event.target_id, Some(ada.to_string()));
    assert_eq!(refused[0].event.actor_name, "scheduler");
    let reason = json_of(&refused[0].event.after);
    assert!(
        reason["reason"]
            .as_str()
            .is_some_and(|r| r.contains("without an active Administrator")),
        "{reason}"
    );
    // It is not retried.
    app.clock.advance(hours(2));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 0);
    assert_eq!(
        events_with(&app, acct, "user.deactivation_refused")
            .await
            .len(),
        1
    );
}

async fn a_scheduled_deactivation_of_someone_who_became_owner_is_dropped(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ada = admin(&app, &acct.owner_ctx, "Ada Admin", "ada@acme.example.com").await;
    let at = app.sb.now().checked_add(hours(1)).unwrap();
    app.sb
        .deactivate_user(&acct.owner_ctx, ada, Some(at))
        .await
        .unwrap();
    app.sb
        .transfer_ownership(&acct.owner_ctx, ada)
        .await
        .unwrap();

    app.clock.advance(hours(2));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 0);
    let u = app.sb.get_user(&acct.system, ada).await.unwrap();
    assert_eq!(u.status, UserStatus::Active);
    assert_eq!(u.deactivate_at, None);
    let refused = events_with(&app, acct.id, "user.deactivation_refused").await;
    assert_eq!(refused.len(), 1);
    assert!(
        json_of(&refused[0].event.after)["reason"]
            .as_str()
            .is_some_and(|r| r.contains("owner")),
    );
}

async fn activating_a_user_with_a_scheduled_deactivation_cancels_it(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
        )
        .await;
    let at = app.sb.now().checked_add(hours(2)).unwrap();
    app.sb.deactivate_user(ctx, priya, Some(at)).await.unwrap();

    let u = app.sb.activate_user(ctx, priya).await.unwrap();
    assert_eq!(u.status, UserStatus::Active);
    assert_eq!(u.deactivate_at, None);
    assert_eq!(
        app.sb.get_user(ctx, priya).await.unwrap().deactivate_at,
        None
    );
    let cancelled = events_with(&app, acct.id, "user.deactivation_cancelled").await;
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        json_of(&cancelled[0].event.before),
        json!({"deactivate_at": at.to_string()})
    );

    app.clock.advance(hours(3));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 0);
    assert_eq!(
        app.sb.get_user(ctx, priya).await.unwrap().status,
        UserStatus::Active
    );
    // With nothing scheduled, activating an active user is refused.
    assert_eq!(
        code(app.sb.activate_user(ctx, priya).await),
        "invalid_state"
    );
}

async fn activating_on_a_full_free_plan_is_refused(app: TestApp) {
    let acct = app.account("Acme", Plan::Free, 0).await;
    let ctx = &acct.owner_ctx;
    let mut ids = Vec::new();
    for i in 1..=4 {
        ids.push(
            app.user(
                ctx,
                json!({"name": format!("User {i}"), "mobile": format!("+91987650000{i}")}),
            )
            .await,
        );
    }
    app.sb.deactivate_user(ctx, ids[0], None).await.unwrap();
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().users_used, 4);
    app.user(ctx, json!({"name": "User 5", "mobile": "+919876500005"}))
        .await;
    let err = refusal(app.sb.activate_user(ctx, ids[0]).await);
    assert_eq!(err.code(), "user_limit_reached");
    assert_eq!(
        app.sb.get_user(ctx, ids[0]).await.unwrap().status,
        UserStatus::Inactive
    );
}

async fn a_deactivation_scheduled_for_a_past_time_happens_at_once(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    let past = app.sb.now().checked_sub(hours(1)).unwrap();
    let u = app
        .sb
        .deactivate_user(ctx, priya, Some(past))
        .await
        .unwrap();
    assert_eq!(u.status, UserStatus::Inactive);
    assert_eq!(u.deactivate_at, None);
    assert_eq!(
        events_with(&app, acct.id, "user.deactivated").await.len(),
        1
    );
}

async fn due_deactivations_are_applied_in_every_account(app: TestApp) {
    let acme = app.account("Acme", Plan::Pro, 5).await;
    let globex = app.account("Globex", Plan::Pro, 5).await;
    let a = app
        .user(
            &acme.owner_ctx,
            json!({"name": "Asha Rao", "mobile": "+919876500001"}),
        )
        .await;
    let g = app
        .user(
            &globex.owner_ctx,
            json!({"name": "Gita Rao", "mobile": "+919876500001"}),
        )
        .await;
    let soon = app.sb.now().checked_add(hours(1)).unwrap();
    let later = app.sb.now().checked_add(hours(5)).unwrap();
    app.sb
        .deactivate_user(&acme.owner_ctx, a, Some(soon))
        .await
        .unwrap();
    app.sb
        .deactivate_user(&globex.owner_ctx, g, Some(later))
        .await
        .unwrap();

    app.clock.advance(hours(2));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 1);
    assert_eq!(
        app.sb.get_user(&acme.owner_ctx, a).await.unwrap().status,
        UserStatus::Inactive
    );
    assert_eq!(
        app.sb.get_user(&globex.owner_ctx, g).await.unwrap().status,
        UserStatus::Active
    );
    app.clock.advance(hours(4));
    assert_eq!(app.sb.run_due_deactivations().await.unwrap(), 1);
    assert_eq!(
        app.sb.get_user(&globex.owner_ctx, g).await.unwrap().status,
        UserStatus::Inactive
    );
    assert_eq!(
        events_with(&app, globex.id, "user.deactivated").await.len(),
        1
    );
    assert_eq!(
        events_with(&app, acme.id, "user.deactivated").await.len(),
        1
    );
}

both_backends!(
    the_last_active_administrator_can_be_neither_deactivated_nor_deleted,
    only_administrators_who_can_sign_in_count_for_the_last_administrator,
    the_owner_can_be_neither_deactivated_nor_deleted_until_ownership_moves,
    ownership_goes_only_to_an_active_administrator_who_can_sign_in,
    only_the_owner_may_transfer_ownership,
    deactivating_keeps_the_profile_and_department_memberships,
    deactivating_revokes_tokens_and_stops_the_user_acting_at_once,
    deactivating_frees_the_seat_and_activating_needs_a_free_one,
    a_deactivated_user_cannot_use_their_invite_link,
    a_scheduled_deactivation_takes_effect_when_its_time_comes,
    a_scheduled_deactivation_of_the_last_administrator_is_dropped_and_audited,
    a_scheduled_deactivation_of_someone_who_became_owner_is_dropped,
    activating_a_user_with_a_scheduled_deactivation_cancels_it,
    activating_on_a_full_free_plan_is_refused,
    a_deactivation_scheduled_for_a_past_time_happens_at_once,
    due_deactivations_are_applied_in_every_account,
);
