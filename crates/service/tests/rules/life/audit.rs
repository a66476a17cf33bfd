//! R12: every change writes its audit event (actor, action, target, before/after) in the
//! same transaction; refused changes write none; the chain is tamper-evident.

use jiff::SignedDuration;
use serde_json::json;
use switchboard_domain::{ActorKind, Permissions, Plan, WorkflowKind};
use switchboard_service::Ctx;
use switchboard_service::audit::{ChainHead, chain_head, verify_chain, verify_chain_against};
use switchboard_service::lifecycle::{ReplaceMode, Replacement};
use switchboard_testkit::{
    TestApp, both_backends, delete_audit_event, new_user, rewind_audit_head, tamper_audit_event,
};

use crate::life::support::{code, department, e164, events, json_of, name, owned, patch};

async fn an_edit_is_audited_with_actor_target_and_before_after_values(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = Ctx::user(acct.id, acct.owner, "203.0.113.7");
    let priya = app
        .user(
            &ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    app.clock.advance(SignedDuration::from_mins(5));
    let last = events(&app, acct.id).await.last().unwrap().seq;

    app.sb
        .edit_user(&ctx, priya, patch(json!({"name": "Priya Nair"})), None)
        .await
        .unwrap();

    let all = events(&app, acct.id).await;
    assert_eq!(all.len() as i64, last + 1, "exactly one event");
    let ev = all.last().unwrap();
    assert_eq!(ev.seq, last + 1);
    let e = &ev.event;
    assert_eq!(e.action, "user.updated");
    assert_eq!(e.actor_kind, ActorKind::User);
    assert_eq!(e.actor_id, Some(acct.owner.to_string()));
    assert_eq!(e.actor_name, "Olivia Owner");
    assert_eq!(e.target_type, "user");
    assert_eq!(e.target_id, Some(priya.to_string()));
    assert_eq!(e.target_name, "Priya Nair");
    assert_eq!(e.source, "203.0.113.7");
    assert_eq!(e.at, app.sb.now());
    assert_eq!(json_of(&e.before), json!({"name": "Priya Sharma"}));
    assert_eq!(json_of(&e.after), json!({"name": "Priya Nair"}));

    // An edit that changes nothing records nothing.
    app.sb
        .edit_user(&ctx, priya, patch(json!({"name": "Priya Nair"})), None)
        .await
        .unwrap();
    assert_eq!(events(&app, acct.id).await.len(), all.len());
}

async fn each_change_of_the_life_cycle_writes_its_event(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let start = events(&app, acct.id).await.last().unwrap().seq;

    let priya = app
        .sb
        .add_user(
            ctx,
            new_user(json!({"name": "Priya Sharma", "mobile": "+919876543210"})),
        )
        .await
        .unwrap()
        .user
        .id;
    let vikram = app
        .sb
        .add_user(
            ctx,
            new_user(json!({"name": "Vikram Singh", "mobile": "+919876500001"})),
        )
        .await
        .unwrap()
        .user
        .id;
    app.sb
        .edit_user(ctx, priya, patch(json!({"voicemail": true})), None)
        .await
        .unwrap();
    let sales = app
        .sb
        .create_department(ctx, department("Sales", vec![priya], vec![priya]))
        .await
        .unwrap();
    app.sb
        .set_department_members(ctx, sales.id, vec![vikram, priya])
        .await
        .unwrap();
    app.sb
        .create_number(ctx, owned("+919000000001", "Main", priya))
        .await
        .unwrap();
    app.sb
        .create_workflow(ctx, name("Lead router"), WorkflowKind::Ivr, priya)
        .await
        .unwrap();
    app.sb.reassign_resources(ctx, priya, vikram).await.unwrap();
    let later = app
        .sb
        .now()
        .checked_add(SignedDuration::from_hours(1))
        .unwrap();
    app.sb
        .deactivate_user(ctx, priya, Some(later))
        .await
        .unwrap();
    app.sb.activate_user(ctx, priya).await.unwrap();
    app.sb.deactivate_user(ctx, priya, None).await.unwrap();
    app.sb.activate_user(ctx, priya).await.unwrap();
    app.sb
        .create_role(ctx, name("Supervisor"), Permissions::MANAGER)
        .await
        .unwrap();
    let new = app
        .sb
        .replace_user(
            ctx,
            vikram,
            Replacement {
                mobile: e164("+919876500002"),
                name: None,
                email: None,
                mode: ReplaceMode::Delete,
            },
        )
        .await
        .unwrap();
    app.sb.delete_user(ctx, priya).await.unwrap();

    let actions: Vec<(String, Option<String>)> = events(&app, acct.id)
        .await
        .into_iter()
        .filter(|e| e.seq > start)
        .map(|e| {
            assert_eq!(e.event.actor_id, Some(acct.owner.to_string()));
            (e.event.action, e.event.target_id)
        })
        .collect();
    let p = Some(priya.to_string());
    let v = Some(vikram.to_string());
    let n = Some(new.id.to_string());
    let expected: Vec<(&str, Option<String>)> = vec![
        ("user.created", p.clone()),
        ("user.created", v.clone()),
        ("user.updated", p.clone()),
        ("department.created", Some(sales.id.to_string())),
        ("department.updated", Some(sales.id.to_string())),
        ("number.created", actions[5].1.clone()),
        ("workflow.created", actions[6].1.clone()),
        ("user.resources_reassigned", p.clone()),
        ("user.deactivation_scheduled", p.clone()),
        ("user.deactivation_cancelled", p.clone()),
        ("user.deactivated", p.clone()),
        ("user.activated", p.clone()),
        ("role.created", actions[12].1.clone()),
        ("user.created", n.clone()),
        ("user.resources_reassigned", v.clone()),
        ("user.deleted", v.clone()),
        ("user.deleted", p.clone()),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .into_iter()
        .map(|(a, t)| (a.to_owned(), t))
        .collect();
    assert_eq!(actions, expected);
}

async fn a_refused_change_writes_no_audit_event(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 2).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com",
                   "mobile": "+919876543210", "panel_access": true}),
        )
        .await;
    let carl = app
        .user(
            ctx,
            json!({"name": "Carl Callonly", "mobile": "+919876500001"}),
        )
        .await;
    app.sb
        .create_number(ctx, owned("+919000000001", "", carl))
        .await
        .unwrap();
    app.sb
        .create_department(ctx, department("Sales", vec![], vec![]))
        .await
        .unwrap();
    let priya_ctx = Ctx::user(acct.id, priya, "test");
    let before = events(&app, acct.id).await;

    assert_eq!(
        code(app.sb.delete_user(ctx, acct.owner).await),
        "owner_protected"
    );
    assert_eq!(
        code(
            app.sb
                .edit_user(ctx, priya, patch(json!({"mobile": "+919876500009"})), None)
                .await
        ),
        "mobile_immutable"
    );
    assert_eq!(
        code(
            app.sb
                .add_user(
                    ctx,
                    new_user(json!({"name": "Dup", "email": "Priya@acme.example.com"}))
                )
                .await
        ),
        "duplicate_email"
    );
    assert_eq!(
        code(app.sb.deactivate_user(&priya_ctx, carl, None).await),
        "forbidden"
    );
    assert_eq!(code(app.sb.delete_user(ctx, carl).await), "owns_resources");
    assert_eq!(
        code(
            app.sb
                .add_user(
                    ctx,
                    new_user(json!({"name": "Rahul", "email": "rahul@acme.example.com",
                                    "panel_access": true}))
                )
                .await
        ),
        "seat_limit_reached"
    );
    assert_eq!(
        code(app.sb.transfer_ownership(ctx, priya).await),
        "invalid_state"
    );
    assert_eq!(
        code(
            app.sb
                .create_department(ctx, department("Sales", vec![], vec![]))
                .await
        ),
        "conflict"
    );
    assert_eq!(
        code(
            app.sb
                .replace_user(
                    ctx,
                    priya,
                    Replacement {
                        mobile: e164("+919876500001"),
                        name: None,
                        email: None,
                        mode: ReplaceMode::Deactivate,
                    }
                )
                .await
        ),
        "duplicate_mobile"
    );
    assert_eq!(
        code(
            app.sb
                .update_role(
                    ctx,
                    {
                        let roles = app.sb.list_roles(ctx).await.unwrap();
                        roles
                            .iter()
                            .find(|r| r.name.as_str() == "Administrator")
                            .unwrap()
                            .id
                    },
                    None,
                    Some(Permissions::MANAGER)
                )
                .await
        ),
        "validation_failed"
    );

    let after = events(&app, acct.id).await;
    assert_eq!(after, before, "no refused change left a trace");
    let report = verify_chain(app.sb.db(), acct.id).await.unwrap();
    assert_eq!(report.broken, None);
}

/// Makes `n` small changes (availability flips) in the account.
async fn churn(app: &TestApp, ctx: &Ctx, user: switchboard_domain::UserId, n: usize) {
    for i in 0..n {
        let a = if i % 2 == 0 { "busy" } else { "available" };
        app.sb
            .edit_user(ctx, user, patch(json!({"availability": a})), None)
            .await
            .unwrap();
    }
}

async fn the_audit_chain_verifies_after_many_changes_and_pinpoints_an_altered_event(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let other = app.account("Globex", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    let olga = app
        .user(
            &other.owner_ctx,
            json!({"name": "Olga Other", "mobile": "+919876543210"}),
        )
        .await;
    // More than one verification batch (1000 events).
    churn(&app, ctx, priya, 1010).await;
    churn(&app, &other.owner_ctx, olga, 5).await;

    let tail = app
        .sb
        .list_audit_events(
            &acct.system,
            &switchboard_domain::AuditFilter::default(),
            1000,
            1000,
        )
        .await
        .unwrap();
    let last = tail.last().unwrap().seq;
    assert!(last > 1010, "{last}");
    let report = verify_chain(app.sb.db(), acct.id).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.events, last, "every event was checked");

    tamper_audit_event(app.sb.db(), acct.id, 1005).await;
    let report = verify_chain(app.sb.db(), acct.id).await.unwrap();
    let broken = report.broken.expect("the altered event is found");
    assert_eq!(broken.seq, 1005);
    assert!(broken.reason.contains("altered"), "{}", broken.reason);

    // Another account's chain is untouched.
    let report = verify_chain(app.sb.db(), other.id).await.unwrap();
    assert_eq!(report.broken, None);
}

async fn altering_an_early_event_is_reported_as_the_first_broken_link(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    churn(&app, ctx, priya, 10).await;
    tamper_audit_event(app.sb.db(), acct.id, 9).await;
    tamper_audit_event(app.sb.db(), acct.id, 3).await;
    let broken = verify_chain(app.sb.db(), acct.id)
        .await
        .unwrap()
        .broken
        .unwrap();
    assert_eq!(broken.seq, 3, "the first broken link");
}

async fn deleting_an_event_in_the_middle_is_detected(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    churn(&app, ctx, priya, 10).await;
    assert_eq!(
        verify_chain(app.sb.db(), acct.id).await.unwrap().broken,
        None
    );
    delete_audit_event(app.sb.db(), acct.id, 6).await;
    let broken = verify_chain(app.sb.db(), acct.id)
        .await
        .unwrap()
        .broken
        .expect("the gap is found");
    assert_eq!(broken.seq, 6);
    assert!(broken.reason.contains("missing"), "{}", broken.reason);
}

async fn deleting_the_newest_events_is_detected_by_the_recorded_head(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    churn(&app, ctx, priya, 10).await;
    let head = chain_head(app.sb.db(), acct.id).await.unwrap();
    let intact = verify_chain(app.sb.db(), acct.id).await.unwrap();
    assert_eq!(intact.broken, None);
    assert_eq!(head.seq, intact.events);
    delete_audit_event(app.sb.db(), acct.id, head.seq).await;
    let broken = verify_chain(app.sb.db(), acct.id)
        .await
        .unwrap()
        .broken
        .expect("the truncation is found");
    assert_eq!(broken.seq, head.seq);
    assert!(broken.reason.contains("deleted"), "{}", broken.reason);
    for seq in [head.seq - 1, head.seq - 2] {
        delete_audit_event(app.sb.db(), acct.id, seq).await;
    }
    let broken = verify_chain(app.sb.db(), acct.id)
        .await
        .unwrap()
        .broken
        .expect("the truncation is found");
    assert_eq!(broken.seq, head.seq - 2);
}

async fn a_head_kept_outside_the_database_catches_a_rollback(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    churn(&app, ctx, priya, 4).await;
    let kept = chain_head(app.sb.db(), acct.id).await.unwrap();
    let parsed: ChainHead = kept.to_string().parse().unwrap();
    assert_eq!(parsed, kept);
    let check = |head: ChainHead| {
        let db = app.sb.db().clone();
        async move {
            verify_chain_against(&db, acct.id, Some(&head))
                .await
                .unwrap()
                .broken
        }
    };
    assert_eq!(check(kept.clone()).await, None);
    // Newer events after the kept head are fine.
    churn(&app, ctx, priya, 3).await;
    assert_eq!(check(kept.clone()).await, None);
    // A refused change moves nothing.
    let before = chain_head(app.sb.db(), acct.id).await.unwrap();
    assert!(app.sb.delete_user(ctx, acct.owner).await.is_err());
    assert_eq!(chain_head(app.sb.db(), acct.id).await.unwrap(), before);
    // Roll the log back to before the kept head, rows and recorded head alike: the chain
    // itself verifies, the kept head does not.
    let back_to = kept.seq - 2;
    for seq in (back_to + 1..=before.seq).rev() {
        delete_audit_event(app.sb.db(), acct.id, seq).await;
    }
    rewind_audit_head(app.sb.db(), acct.id, back_to).await;
    assert_eq!(
        verify_chain(app.sb.db(), acct.id).await.unwrap().broken,
        None
    );
    let broken = check(kept.clone()).await.expect("the rollback is found");
    assert_eq!(broken.seq, kept.seq);
    assert!(broken.reason.contains("rolled back"), "{}", broken.reason);
    // A head whose hash differs is a rewritten log.
    let forged = ChainHead {
        seq: back_to,
        hash: "0".repeat(64),
    };
    assert!(check(forged).await.unwrap().reason.contains("rewritten"));
}

both_backends!(
    deleting_the_newest_events_is_detected_by_the_recorded_head,
    a_head_kept_outside_the_database_catches_a_rollback,
    an_edit_is_audited_with_actor_target_and_before_after_values,
    each_change_of_the_life_cycle_writes_its_event,
    a_refused_change_writes_no_audit_event,
    the_audit_chain_verifies_after_many_changes_and_pinpoints_an_altered_event,
    altering_an_early_event_is_reported_as_the_first_broken_link,
    deleting_an_event_in_the_middle_is_detected,
);
