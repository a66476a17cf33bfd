//! The scheduler: invites that run out are marked expired and audited once (the user
//! stays invited), and scheduled deactivations are applied — safely from several
//! processes at once.

use serde_json::json;
use switchboard_domain::AuditFilter;
use switchboard_domain::{Plan, UserStatus};
use switchboard_service::Ctx;
use switchboard_service::invites::InviteState;
use switchboard_service::scheduler::SchedulerReport;
use switchboard_testkit::{TestApp, both_backends};

use super::{another_process, invited, secs};

async fn actions(app: &TestApp, ctx: &Ctx, action: &str) -> usize {
    app.sb
        .list_audit_events(
            ctx,
            &AuditFilter {
                action: Some(action.to_owned()),
                ..AuditFilter::default()
            },
            0,
            1000,
        )
        .await
        .unwrap()
        .len()
}

async fn an_invite_that_runs_out_is_marked_expired_once_and_audited(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let ctx = &acct.owner_ctx;
    let priya = invited(&app, ctx, "Priya Sharma", "priya@acme.example.com").await;
    let week = secs(7 * 24 * 3600);

    app.clock.advance(week.checked_sub(secs(1)).unwrap());
    assert_eq!(app.sb.expire_invites().await.unwrap(), 0);
    app.clock.advance(secs(1));
    assert_eq!(app.sb.expire_invites().await.unwrap(), 1);
    assert_eq!(app.sb.expire_invites().await.unwrap(), 0, "only once");
    assert_eq!(actions(&app, ctx, "user.invite_expired").await, 1);

    let user = app.sb.get_user(ctx, priya.user.id).await.unwrap();
    assert_eq!(user.status, UserStatus::PendingInvite);
    let info = app
        .sb
        .invite_info(ctx, priya.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.state, InviteState::Expired);

    // A resent invite is open again and runs out on its own schedule.
    app.sb.resend_invite(ctx, priya.user.id).await.unwrap();
    let info = app
        .sb
        .invite_info(ctx, priya.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.state, InviteState::Open);
    assert_eq!(app.sb.expire_invites().await.unwrap(), 0);
    app.clock.advance(week);
    assert_eq!(app.sb.expire_invites().await.unwrap(), 1);
    assert_eq!(actions(&app, ctx, "user.invite_expired").await, 2);
    let verify = switchboard_service::audit::verify_chain(app.sb.db(), acct.id)
        .await
        .unwrap();
    assert!(verify.broken.is_none(), "{verify:?}");
}

async fn used_and_replaced_invites_never_expire(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let ctx = &acct.owner_ctx;
    let priya = invited(&app, ctx, "Priya Sharma", "priya@acme.example.com").await;
    app.accept(priya.invite_link.as_deref().unwrap()).await;
    let rahul = invited(&app, ctx, "Rahul Verma", "rahul@acme.example.com").await;
    app.sb.resend_invite(ctx, rahul.user.id).await.unwrap();

    app.clock.advance(secs(30 * 24 * 3600));
    // Only Rahul's current invite runs out: the owner's and Priya's were used, Rahul's
    // first was replaced.
    assert_eq!(app.sb.expire_invites().await.unwrap(), 1);
    assert_eq!(
        app.sb.get_user(ctx, priya.user.id).await.unwrap().status,
        UserStatus::Active
    );
}

async fn two_processes_expiring_invites_at_once_audit_each_once(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 20).await;
    let ctx = &acct.owner_ctx;
    for i in 0..8 {
        invited(
            &app,
            ctx,
            &format!("User {i}"),
            &format!("u{i}@acme.example.com"),
        )
        .await;
    }
    app.clock.advance(secs(8 * 24 * 3600));
    let other = another_process(&app).await;
    let (a, b) = tokio::join!(app.sb.expire_invites(), other.expire_invites());
    assert_eq!(a.unwrap() + b.unwrap(), 8);
    assert_eq!(actions(&app, ctx, "user.invite_expired").await, 8);
}

async fn the_scheduler_applies_due_deactivations_and_expires_invites(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
        )
        .await;
    let rahul = invited(&app, ctx, "Rahul Verma", "rahul@acme.example.com").await;
    let at = app.sb.now().checked_add(secs(3600)).unwrap();
    app.sb.deactivate_user(ctx, priya, Some(at)).await.unwrap();

    assert_eq!(
        app.sb.run_scheduler().await.unwrap(),
        SchedulerReport::default()
    );
    app.clock.advance(secs(3600));
    let other = another_process(&app).await;
    let (a, b) = tokio::join!(app.sb.run_scheduler(), other.run_scheduler());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.deactivated + b.deactivated, 1);
    assert_eq!(a.invites_expired + b.invites_expired, 0);
    assert_eq!(
        app.sb.get_user(ctx, priya).await.unwrap().status,
        UserStatus::Inactive
    );
    assert_eq!(actions(&app, ctx, "user.deactivated").await, 1);

    app.clock.advance(secs(7 * 24 * 3600));
    assert_eq!(
        app.sb.run_scheduler().await.unwrap(),
        SchedulerReport {
            deactivated: 0,
            invites_expired: 1
        }
    );
    assert_eq!(
        app.sb.get_user(ctx, rahul.user.id).await.unwrap().status,
        UserStatus::PendingInvite
    );
}

both_backends!(
    an_invite_that_runs_out_is_marked_expired_once_and_audited,
    used_and_replaced_invites_never_expire,
    two_processes_expiring_invites_at_once_audit_each_once,
    the_scheduler_applies_due_deactivations_and_expires_invites,
);
