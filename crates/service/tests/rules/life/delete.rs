//! R8 (delete is guarded by owned resources; one operation reassigns them) and R9 (delete
//! is permanent: profile gone, credentials revoked, seat and extension freed, history kept).

use serde_json::json;
use switchboard_domain::{DomainError, Plan, RoleRef, UserId, UserStatus, WorkflowKind};
use switchboard_service::calls::{CallQuery, NewCall};
use switchboard_service::users::UserQuery;
use switchboard_service::{Ctx, Error};
use switchboard_testkit::{TestAccount, TestApp, both_backends, new_user};

use crate::life::support::{
    code, department, events_with, json_of, name, owned, refusal, token_works,
};

/// Priya, a Panel Access Manager on extension 204 who owns a number and a workflow and
/// manages Sales; Vikram, who can take them over. Returns (priya, vikram, sales).
async fn priya_with_resources(
    app: &TestApp,
    acct: &TestAccount,
) -> (UserId, UserId, switchboard_domain::DepartmentId) {
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com",
                   "mobile": "+919876543210", "extension": "204", "role": "Manager",
                   "panel_access": true}),
        )
        .await;
    let vikram = app
        .user(
            ctx,
            json!({"name": "Vikram Singh", "email": "vikram@acme.example.com", "role": "Manager",
                   "panel_access": true}),
        )
        .await;
    app.sb
        .create_number(ctx, owned("+919000000001", "Support line", priya))
        .await
        .unwrap();
    app.sb
        .create_workflow(ctx, name("Lead router"), WorkflowKind::Ivr, priya)
        .await
        .unwrap();
    let sales = app
        .sb
        .create_department(ctx, department("Sales", vec![priya, vikram], vec![priya]))
        .await
        .unwrap();
    (priya, vikram, sales.id)
}

fn sorted_blockers(e: &Error) -> Vec<(String, String)> {
    let Some(DomainError::OwnsResources { blockers, .. }) = e.domain() else {
        panic!("expected owns_resources, got {e:?}");
    };
    let mut v: Vec<_> = blockers
        .iter()
        .map(|b| (b.kind.to_owned(), b.label.clone()))
        .collect();
    v.sort();
    v
}

fn expected_blockers() -> Vec<(String, String)> {
    let mut v = vec![
        ("number".to_owned(), "+919000000001".to_owned()),
        ("workflow".to_owned(), "Lead router".to_owned()),
        ("department".to_owned(), "Sales".to_owned()),
    ];
    v.sort();
    v
}

// ---- R8 ------------------------------------------------------------------------------

async fn deleting_a_user_who_owns_resources_is_refused_with_the_blockers(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let (priya, _, _) = priya_with_resources(&app, &acct).await;

    let err = refusal(app.sb.delete_user(&acct.owner_ctx, priya).await);
    assert_eq!(err.code(), "owns_resources");
    assert_eq!(sorted_blockers(&err), expected_blockers());
    let Some(DomainError::OwnsResources { name, .. }) = err.domain() else {
        unreachable!()
    };
    assert_eq!(name, "Priya Sharma");
    let msg = err.to_string();
    for part in [
        "Priya Sharma",
        "number +919000000001",
        "workflow Lead router",
        "department Sales",
        "reassign",
    ] {
        assert!(msg.contains(part), "{msg:?} should mention {part:?}");
    }
    // Nothing happened.
    let u = app.sb.get_user(&acct.owner_ctx, priya).await.unwrap();
    assert_eq!(u.status, UserStatus::Active);
    assert!(events_with(&app, acct.id, "user.deleted").await.is_empty());
}

async fn each_kind_of_resource_blocks_deletion_on_its_own(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let a = app
        .user(ctx, json!({"name": "Asha Rao", "mobile": "+919876500001"}))
        .await;
    let b = app
        .user(ctx, json!({"name": "Bina Das", "mobile": "+919876500002"}))
        .await;
    let c = app
        .user(
            ctx,
            json!({"name": "Chetan Iyer", "mobile": "+919876500003"}),
        )
        .await;
    app.sb
        .create_number(ctx, owned("+919000000002", "", a))
        .await
        .unwrap();
    app.sb
        .create_workflow(ctx, name("CRM sync"), WorkflowKind::Integration, b)
        .await
        .unwrap();
    app.sb
        .create_department(ctx, department("Support", vec![], vec![c]))
        .await
        .unwrap();
    for (who, kind, label) in [
        (a, "number", "+919000000002"),
        (b, "workflow", "CRM sync"),
        (c, "department", "Support"),
    ] {
        let err = refusal(app.sb.delete_user(ctx, who).await);
        assert_eq!(sorted_blockers(&err), [(kind.to_owned(), label.to_owned())]);
    }
}

async fn the_deletion_check_lists_the_blockers_and_the_impact(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let (priya, _, _) = priya_with_resources(&app, &acct).await;
    app.sb
        .create_department(ctx, department("Support", vec![priya], vec![]))
        .await
        .unwrap();
    app.sb
        .create_api_token(
            ctx,
            "Priya's script",
            "api",
            Some(RoleRef::Name("Manager".to_owned())),
            Some(priya),
        )
        .await
        .unwrap();

    let check = app.sb.deletion_check(ctx, priya).await.unwrap();
    assert!(!check.can_delete);
    assert_eq!(check.refusal, None, "only the blockers stand in the way");
    let mut listed: Vec<_> = check
        .blockers
        .iter()
        .map(|b| (b.kind.to_owned(), b.label.clone()))
        .collect();
    listed.sort();
    assert_eq!(listed, expected_blockers());
    assert_eq!(check.departments_left, 2, "Sales and Support");
    assert!(check.frees_seat);
    assert_eq!(check.frees_extension, "204");
    assert_eq!(check.credentials_revoked, 1);

    // A call-only user with nothing attached can go, and frees no seat.
    let carl = app
        .user(
            ctx,
            json!({"name": "Carl Callonly", "mobile": "+919876500001", "extension": "301"}),
        )
        .await;
    let check = app.sb.deletion_check(ctx, carl).await.unwrap();
    assert!(check.can_delete);
    assert!(check.blockers.is_empty());
    assert!(!check.frees_seat);
    assert_eq!(check.frees_extension, "301");
    assert_eq!(check.departments_left, 0);
}

async fn reassigning_moves_every_resource_at_once_and_then_delete_succeeds(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let (priya, vikram, sales) = priya_with_resources(&app, &acct).await;

    let moved = app.sb.reassign_resources(ctx, priya, vikram).await.unwrap();
    assert_eq!(moved.resources, 2, "one number and one workflow");
    assert_eq!(moved.departments, 1);

    let numbers = app.sb.list_numbers(ctx, None).await.unwrap();
    assert_eq!(numbers.len(), 1);
    assert_eq!(numbers[0].owner_id, vikram);
    let workflows = app.sb.list_workflows(ctx, None).await.unwrap();
    assert_eq!(workflows.len(), 1);
    assert_eq!(workflows[0].owner_id, vikram);
    let dep = app.sb.get_department(ctx, sales).await.unwrap();
    assert_eq!(dep.managers, [vikram]);
    assert_eq!(dep.members, [priya, vikram], "membership is not ownership");
    assert!(
        app.sb
            .list_numbers(ctx, Some(priya))
            .await
            .unwrap()
            .is_empty()
    );

    let ev = events_with(&app, acct.id, "user.resources_reassigned").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event.target_id, Some(priya.to_string()));
    assert_eq!(
        json_of(&ev[0].event.after)["owner_name"],
        json!("Vikram Singh")
    );

    let check = app.sb.deletion_check(ctx, priya).await.unwrap();
    assert!(check.can_delete, "{check:?}");
    app.sb.delete_user(ctx, priya).await.unwrap();
    assert_eq!(
        app.sb.get_department(ctx, sales).await.unwrap().members,
        [vikram]
    );
}

async fn resources_cannot_be_reassigned_to_a_deactivated_user(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let (priya, vikram, sales) = priya_with_resources(&app, &acct).await;
    app.sb.deactivate_user(ctx, vikram, None).await.unwrap();

    let err = refusal(app.sb.reassign_resources(ctx, priya, vikram).await);
    assert_eq!(err.code(), "validation_failed");
    let fe = err.domain().unwrap().field_errors();
    assert_eq!(fe[0].field, "to");
    assert_eq!(fe[0].code, "inactive");
    assert!(fe[0].message.contains("Vikram Singh"), "{}", fe[0].message);
    // Nothing moved.
    assert_eq!(
        app.sb.list_numbers(ctx, Some(priya)).await.unwrap().len(),
        1
    );
    assert_eq!(
        app.sb.list_workflows(ctx, Some(priya)).await.unwrap().len(),
        1
    );
    assert_eq!(
        app.sb.get_department(ctx, sales).await.unwrap().managers,
        [priya]
    );
    assert!(
        events_with(&app, acct.id, "user.resources_reassigned")
            .await
            .is_empty()
    );
    // Nor to themselves.
    assert_eq!(
        code(app.sb.reassign_resources(ctx, priya, priya).await),
        "validation_failed"
    );
}

// ---- R9 ------------------------------------------------------------------------------

async fn a_deleted_user_is_gone_for_good(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
        )
        .await;
    app.sb.delete_user(ctx, priya).await.unwrap();

    assert_eq!(code(app.sb.get_user(ctx, priya).await), "not_found");
    let page = app
        .sb
        .list_users(ctx, &UserQuery::default(), None, 100)
        .await
        .unwrap();
    assert!(page.items.iter().all(|u| u.id != priya));
    assert_eq!(code(app.sb.activate_user(ctx, priya).await), "not_found");
    assert_eq!(code(app.sb.delete_user(ctx, priya).await), "not_found");
    // She can no longer act either.
    let her = Ctx::user(acct.id, priya, "test");
    assert_eq!(code(app.sb.get_user(&her, priya).await), "forbidden");
    // Her email is free for someone new.
    app.user(
        ctx,
        json!({"name": "Priya Nair", "email": "PRIYA@acme.example.com"}),
    )
    .await;
}

async fn deleting_frees_the_extension_for_a_new_user(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210", "extension": "204"}),
        )
        .await;
    let ravi =
        || new_user(json!({"name": "Ravi Kumar", "mobile": "+919876500002", "extension": "204"}));
    let err = refusal(app.sb.add_user(ctx, ravi()).await);
    assert_eq!(err.code(), "extension_taken");
    assert!(err.to_string().contains("Priya Sharma"), "{err}");

    app.sb.delete_user(ctx, priya).await.unwrap();
    let added = app.sb.add_user(ctx, ravi()).await.unwrap();
    assert_eq!(added.user.extension.value(), 204);
    // Her mobile is free again too.
    app.user(ctx, json!({"name": "Someone", "mobile": "+919876543210"}))
        .await;
}

async fn deleting_frees_the_seat(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 2).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true}),
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
    app.sb.delete_user(ctx, priya).await.unwrap();
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 1);
    app.sb.add_user(ctx, rahul()).await.unwrap();
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 2);
}

async fn deleting_revokes_the_users_tokens_at_once(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let mia = app
        .user(
            ctx,
            json!({"name": "Mia Manager", "email": "mia@acme.example.com", "role": "Manager",
                   "panel_access": true}),
        )
        .await;
    let (record, secret) = app
        .sb
        .create_api_token(
            ctx,
            "Mia's script",
            "api",
            Some(RoleRef::Name("Manager".to_owned())),
            Some(mia),
        )
        .await
        .unwrap();
    assert!(token_works(&app, &secret).await);

    app.sb.delete_user(ctx, mia).await.unwrap();

    assert!(!token_works(&app, &secret).await);
    let tokens = app.sb.list_api_tokens(ctx).await.unwrap();
    let t = tokens.iter().find(|t| t.id == record.id).unwrap();
    assert!(t.revoked_at.is_some(), "{t:?}");
    // The token cannot act as an account-wide token now that its user is gone.
    let token_ctx = Ctx::new(
        acct.id,
        switchboard_service::Actor::ApiToken(record.id),
        "api",
    );
    assert_eq!(
        code(
            app.sb
                .list_users(&token_ctx, &UserQuery::default(), None, 10)
                .await
        ),
        "unauthorized"
    );
}

async fn call_records_keep_the_former_users_name_and_extension(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210", "extension": "204"}),
        )
        .await;
    let start = app.sb.now();
    app.sb
        .record_call(
            &acct.system,
            NewCall {
                engine_call_id: "call-1".to_owned(),
                direction: "inbound".to_owned(),
                caller: "+919812345678".to_owned(),
                number: "+919000000001".to_owned(),
                department_id: None,
                user_id: Some(priya),
                reached: None,
                started_at: start,
                ended_at: start
                    .checked_add(jiff::SignedDuration::from_mins(3))
                    .unwrap(),
                outcome: "answered".to_owned(),
            },
        )
        .await
        .unwrap();

    app.sb.delete_user(ctx, priya).await.unwrap();
    // Someone new takes the extension; the old call stays Priya's.
    app.user(
        ctx,
        json!({"name": "Ravi Kumar", "mobile": "+919876500002", "extension": "204"}),
    )
    .await;

    let calls = app
        .sb
        .list_calls(ctx, &CallQuery::default(), None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].user_name.as_deref(), Some("Priya Sharma"));
    assert_eq!(calls[0].user_extension, Some(204));
    assert_eq!(calls[0].outcome, "answered");

    // The per-user report still credits the call to Priya, marked as a former user.
    let report = app
        .sb
        .user_call_report(ctx, &CallQuery::default())
        .await
        .unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].user_id, priya);
    assert_eq!(report[0].name.as_deref(), Some("Priya Sharma"));
    assert_eq!(report[0].extension, Some(204));
    assert!(report[0].former);
    assert_eq!(report[0].answered, 1);
    assert_eq!(report[0].talk_time_seconds, 180);
}

async fn the_audit_log_keeps_the_deleted_users_name(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com",
                   "mobile": "+919876543210", "extension": "204"}),
        )
        .await;
    app.sb.delete_user(ctx, priya).await.unwrap();

    let ev = events_with(&app, acct.id, "user.deleted").await;
    assert_eq!(ev.len(), 1);
    let e = &ev[0].event;
    assert_eq!(e.target_type, "user");
    assert_eq!(e.target_id, Some(priya.to_string()));
    assert_eq!(e.target_name, "Priya Sharma");
    assert_eq!(e.actor_id, Some(acct.owner.to_string()));
    assert_eq!(e.actor_name, "Olivia Owner");
    let before = json_of(&e.before);
    assert_eq!(before["name"], "Priya Sharma");
    assert_eq!(before["email"], "priya@acme.example.com");
    assert_eq!(before["extension"], "204");
    assert_eq!(e.after, None);
    // Her earlier events keep her name too.
    let created = events_with(&app, acct.id, "user.created").await;
    assert!(
        created
            .iter()
            .any(|c| c.event.target_id == Some(priya.to_string())
                && c.event.target_name == "Priya Sharma")
    );
}

both_backends!(
    deleting_a_user_who_owns_resources_is_refused_with_the_blockers,
    each_kind_of_resource_blocks_deletion_on_its_own,
    the_deletion_check_lists_the_blockers_and_the_impact,
    reassigning_moves_every_resource_at_once_and_then_delete_succeeds,
    resources_cannot_be_reassigned_to_a_deactivated_user,
    a_deleted_user_is_gone_for_good,
    deleting_frees_the_extension_for_a_new_user,
    deleting_frees_the_seat,
    deleting_revokes_the_users_tokens_at_once,
    call_records_keep_the_former_users_name_and_extension,
    the_audit_log_keeps_the_deleted_users_name,
);
