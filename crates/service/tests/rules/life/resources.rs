//! Departments, roles and numbers basics, and tenant isolation (another account's records
//! answer not_found, never forbidden).

use serde_json::json;
use switchboard_domain::{Permissions, Plan, Scope, UserStatus, WorkflowKind};
use switchboard_service::departments::DepartmentPatch;
use switchboard_service::numbers::NumberPatch;
use switchboard_testkit::{TestApp, both_backends};

use crate::life::support::{code, department, events_with, json_of, name, owned, patch, refusal};

async fn department_names_are_unique_within_an_account(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let other = app.account("Globex", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    app.sb
        .create_department(ctx, department("Sales", vec![], vec![]))
        .await
        .unwrap();
    for taken in ["Sales", "SALES", "  sales "] {
        let err = refusal(
            app.sb
                .create_department(ctx, department(taken, vec![], vec![]))
                .await,
        );
        assert_eq!(err.code(), "conflict", "{taken:?}");
        assert_eq!(err.domain().unwrap().field_name(), Some("name"));
        assert!(err.to_string().contains("already exists"), "{err}");
    }
    let support = app
        .sb
        .create_department(ctx, department("Support", vec![], vec![]))
        .await
        .unwrap();
    assert_eq!(
        code(
            app.sb
                .update_department(
                    ctx,
                    support.id,
                    DepartmentPatch {
                        name: Some(name("sales")),
                        ..DepartmentPatch::default()
                    }
                )
                .await
        ),
        "conflict"
    );
    assert_eq!(
        app.sb
            .get_department(ctx, support.id)
            .await
            .unwrap()
            .name
            .as_str(),
        "Support"
    );
    // Another account may use the name.
    app.sb
        .create_department(&other.owner_ctx, department("Sales", vec![], vec![]))
        .await
        .unwrap();
    assert_eq!(app.sb.list_departments(ctx).await.unwrap().len(), 2);
}

async fn department_members_keep_the_order_they_were_set_in(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let mut ids = Vec::new();
    for (i, n) in ["Asha Rao", "Bina Das", "Chetan Iyer", "Divya Menon"]
        .iter()
        .enumerate()
    {
        ids.push(
            app.user(
                ctx,
                json!({"name": n, "mobile": format!("+91987650000{i}")}),
            )
            .await,
        );
    }
    let (a, b, c, d) = (ids[0], ids[1], ids[2], ids[3]);
    let dep = app
        .sb
        .create_department(ctx, department("Sales", vec![c, a, d, b], vec![]))
        .await
        .unwrap();
    assert_eq!(dep.members, [c, a, d, b]);
    assert_eq!(
        app.sb.get_department(ctx, dep.id).await.unwrap().members,
        [c, a, d, b]
    );

    let changed = app
        .sb
        .set_department_members(ctx, dep.id, vec![b, d, a])
        .await
        .unwrap();
    assert_eq!(changed.members, [b, d, a]);
    assert_eq!(
        app.sb.get_department(ctx, dep.id).await.unwrap().members,
        [b, d, a]
    );
    let ev = events_with(&app, acct.id, "department.updated").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(
        json_of(&ev[0].event.after)["members"],
        json!([b.to_string(), d.to_string(), a.to_string()])
    );

    // Someone joining through their profile goes to the end.
    app.sb
        .edit_user(
            ctx,
            c,
            patch(json!({"departments": [dep.id.to_string()]})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        app.sb.get_department(ctx, dep.id).await.unwrap().members,
        [b, d, a, c]
    );
    // A user listed twice is refused.
    assert_eq!(
        code(app.sb.set_department_members(ctx, dep.id, vec![a, a]).await),
        "validation_failed"
    );
}

async fn a_custom_role_can_be_created_changed_and_deleted_once_nobody_holds_it(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let role = app
        .sb
        .create_role(ctx, name("Supervisor"), Permissions::BASIC)
        .await
        .unwrap();
    assert_eq!(role.builtin, None);
    assert_eq!(
        code(
            app.sb
                .create_role(ctx, name("supervisor"), Permissions::BASIC)
                .await
        ),
        "conflict"
    );

    let wider = Permissions {
        export: true,
        call_logs: Scope::Departments,
        ..Permissions::BASIC
    };
    let updated = app
        .sb
        .update_role(ctx, role.id, Some(name("Team Supervisor")), Some(wider))
        .await
        .unwrap();
    assert_eq!(updated.permissions, wider);
    let stored = app
        .sb
        .list_roles(ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == role.id)
        .unwrap();
    assert_eq!(stored.name.as_str(), "Team Supervisor");
    assert_eq!(stored.permissions, wider);

    let sam = app
        .user(
            ctx,
            json!({"name": "Sam Supervisor", "mobile": "+919876500001",
                   "role": "Team Supervisor"}),
        )
        .await;
    let err = refusal(app.sb.delete_role(ctx, role.id).await);
    assert_eq!(err.code(), "invalid_state");
    assert!(err.to_string().contains("Team Supervisor"), "{err}");

    app.sb
        .edit_user(ctx, sam, patch(json!({"role": "Basic"})), None)
        .await
        .unwrap();
    app.sb.delete_role(ctx, role.id).await.unwrap();
    assert!(
        app.sb
            .list_roles(ctx)
            .await
            .unwrap()
            .iter()
            .all(|r| r.id != role.id)
    );
    assert_eq!(events_with(&app, acct.id, "role.deleted").await.len(), 1);
    assert_eq!(code(app.sb.delete_role(ctx, role.id).await), "not_found");
}

async fn built_in_roles_cannot_be_deleted_and_administrators_keep_every_permission(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let roles = app.sb.list_roles(ctx).await.unwrap();
    let by_name = |n: &str| roles.iter().find(|r| r.name.as_str() == n).unwrap().clone();
    let admin = by_name("Administrator");
    let manager = by_name("Manager");

    for r in [&admin, &manager, &by_name("Basic")] {
        assert_eq!(
            code(app.sb.delete_role(ctx, r.id).await),
            "invalid_state",
            "{}",
            r.name
        );
    }
    let err = refusal(
        app.sb
            .update_role(ctx, admin.id, None, Some(Permissions::MANAGER))
            .await,
    );
    assert_eq!(err.code(), "validation_failed");
    assert_eq!(err.domain().unwrap().field_name(), Some("permissions"));
    let no_audit = Permissions {
        view_audit: false,
        ..Permissions::ADMINISTRATOR
    };
    assert_eq!(
        code(
            app.sb
                .update_role(ctx, admin.id, None, Some(no_audit))
                .await
        ),
        "validation_failed"
    );
    assert_eq!(
        code(
            app.sb
                .update_role(ctx, manager.id, Some(name("Team Lead")), None)
                .await
        ),
        "validation_failed",
        "built-in roles keep their names"
    );
    let after = app.sb.list_roles(ctx).await.unwrap();
    assert_eq!(
        after.iter().find(|r| r.id == admin.id).unwrap().permissions,
        Permissions::ADMINISTRATOR
    );
    // The Manager matrix itself may be edited.
    let edited = Permissions {
        export: false,
        ..Permissions::MANAGER
    };
    app.sb
        .update_role(ctx, manager.id, None, Some(edited))
        .await
        .unwrap();
}

async fn numbers_are_unique_in_an_account_and_owned_by_an_active_user(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "mobile": "+919876543210"}),
        )
        .await;
    let ivan = app
        .user(ctx, json!({"name": "Ivan Idle", "mobile": "+919876500001"}))
        .await;
    app.sb.deactivate_user(ctx, ivan, None).await.unwrap();

    let n = app
        .sb
        .create_number(ctx, owned("+919000000001", "Main", priya))
        .await
        .unwrap();
    assert_eq!(
        code(
            app.sb
                .create_number(ctx, owned("+91 90000 00001", "Again", priya))
                .await
        ),
        "conflict"
    );
    let err = refusal(
        app.sb
            .create_number(ctx, owned("+919000000002", "", ivan))
            .await,
    );
    let fe = err.domain().unwrap().field_errors();
    assert_eq!((fe[0].field.as_str(), fe[0].code), ("owner_id", "inactive"));
    assert_eq!(
        code(
            app.sb
                .update_number(
                    ctx,
                    n.id,
                    NumberPatch {
                        owner: Some(ivan),
                        ..NumberPatch::default()
                    }
                )
                .await
        ),
        "validation_failed"
    );
    assert_eq!(
        code(
            app.sb
                .create_workflow(ctx, name("Flow"), WorkflowKind::Automation, ivan)
                .await
        ),
        "validation_failed"
    );
    assert_eq!(app.sb.get_number(ctx, n.id).await.unwrap().owner_id, priya);
    // Managers of a department must be active too.
    assert_eq!(
        code(
            app.sb
                .create_department(ctx, department("Sales", vec![ivan], vec![ivan]))
                .await
        ),
        "validation_failed"
    );
    assert_eq!(
        app.sb.get_user(ctx, ivan).await.unwrap().status,
        UserStatus::Inactive
    );
}

async fn another_accounts_records_are_not_found(app: TestApp) {
    let a = app.account("Acme", Plan::Pro, 5).await;
    let b = app.account("Globex", Plan::Pro, 5).await;
    let actx = &a.owner_ctx;
    let bctx = &b.owner_ctx;
    let bob = app
        .user(
            bctx,
            json!({"name": "Bob Globex", "mobile": "+919876543210"}),
        )
        .await;
    let number = app
        .sb
        .create_number(bctx, owned("+919000000001", "Globex main", bob))
        .await
        .unwrap();
    let flow = app
        .sb
        .create_workflow(bctx, name("Globex IVR"), WorkflowKind::Ivr, bob)
        .await
        .unwrap();
    let dep = app
        .sb
        .create_department(bctx, department("Globex Sales", vec![bob], vec![bob]))
        .await
        .unwrap();
    let role = app
        .sb
        .create_role(bctx, name("Globex Role"), Permissions::BASIC)
        .await
        .unwrap();
    let asha = app
        .user(actx, json!({"name": "Asha Rao", "mobile": "+919876500001"}))
        .await;

    assert_eq!(code(app.sb.get_number(actx, number.id).await), "not_found");
    assert_eq!(
        code(
            app.sb
                .update_number(
                    actx,
                    number.id,
                    NumberPatch {
                        label: Some("x".into()),
                        ..NumberPatch::default()
                    }
                )
                .await
        ),
        "not_found"
    );
    assert_eq!(
        code(app.sb.delete_number(actx, number.id).await),
        "not_found"
    );
    assert_eq!(code(app.sb.get_workflow(actx, flow.id).await), "not_found");
    assert_eq!(
        code(
            app.sb
                .update_workflow(actx, flow.id, None, None, Some(asha))
                .await
        ),
        "not_found"
    );
    assert_eq!(
        code(app.sb.delete_workflow(actx, flow.id).await),
        "not_found"
    );
    assert_eq!(code(app.sb.get_department(actx, dep.id).await), "not_found");
    assert_eq!(
        code(
            app.sb
                .set_department_members(actx, dep.id, vec![asha])
                .await
        ),
        "not_found"
    );
    assert_eq!(
        code(app.sb.delete_department(actx, dep.id).await),
        "not_found"
    );
    assert_eq!(code(app.sb.delete_role(actx, role.id).await), "not_found");
    assert_eq!(code(app.sb.get_user(actx, bob).await), "not_found");
    assert_eq!(
        code(app.sb.deactivate_user(actx, bob, None).await),
        "not_found"
    );
    assert_eq!(code(app.sb.delete_user(actx, bob).await), "not_found");
    assert_eq!(code(app.sb.deletion_check(actx, bob).await), "not_found");
    assert_eq!(
        code(app.sb.reassign_resources(actx, bob, asha).await),
        "not_found"
    );
    assert!(app.sb.list_numbers(actx, None).await.unwrap().is_empty());
    assert!(app.sb.list_workflows(actx, None).await.unwrap().is_empty());
    assert!(app.sb.list_departments(actx).await.unwrap().is_empty());

    // Another account's user can be neither owner, member nor manager here.
    assert_eq!(
        code(
            app.sb
                .create_number(actx, owned("+919000000009", "", bob))
                .await
        ),
        "validation_failed"
    );
    assert_eq!(
        code(
            app.sb
                .create_department(actx, department("Sales", vec![bob], vec![]))
                .await
        ),
        "validation_failed"
    );
    assert_eq!(
        code(app.sb.reassign_resources(actx, asha, bob).await),
        "validation_failed"
    );
    assert_eq!(
        code(app.sb.transfer_ownership(actx, bob).await),
        "not_found"
    );

    // Nor can a department here fall back to one of Globex's.
    let mut fallback = department("Overflow", vec![], vec![]);
    fallback.fallback = switchboard_domain::Fallback::Department {
        department_id: dep.id,
    };
    assert_eq!(
        code(app.sb.create_department(actx, fallback).await),
        "validation_failed"
    );
    // Acme's audit log tells nothing about Globex.
    let bob_id = Some(bob.to_string());
    assert!(
        crate::life::support::events(&app, a.id)
            .await
            .iter()
            .all(|e| e.event.account_id == a.id && e.event.target_id != bob_id)
    );

    // Globex is untouched.
    assert_eq!(
        app.sb.get_number(bctx, number.id).await.unwrap().owner_id,
        bob
    );
    assert_eq!(
        app.sb.get_department(bctx, dep.id).await.unwrap().members,
        [bob]
    );
}

both_backends!(
    department_names_are_unique_within_an_account,
    department_members_keep_the_order_they_were_set_in,
    a_custom_role_can_be_created_changed_and_deleted_once_nobody_holds_it,
    built_in_roles_cannot_be_deleted_and_administrators_keep_every_permission,
    numbers_are_unique_in_an_account_and_owned_by_an_active_user,
    another_accounts_records_are_not_found,
);
