//! R1: every operation checks the actor's permissions and department scope; permission
//! and role changes apply on the very next call.

use serde_json::json;
use switchboard_domain::{
    Availability, DepartmentId, Permissions, Plan, Scope, UserId, UserStatus,
};
use switchboard_service::Ctx;
use switchboard_testkit::{TestAccount, TestApp, both_backends, new_user};

use crate::edit::{department, patch, refusal, role_id};

/// An account with a Manager who manages Support (where `in_support` works) but not
/// Sales (where `in_sales` works).
struct Org {
    acct: TestAccount,
    manager: UserId,
    manager_ctx: Ctx,
    support: DepartmentId,
    sales: DepartmentId,
    in_support: UserId,
    in_sales: UserId,
}

async fn org(app: &TestApp) -> Org {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let manager = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Maya Manager", "email": "maya@acme.example.com",
                   "role": "Manager", "panel_access": true}),
        )
        .await;
    let in_support = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Sam Support", "mobile": "+919876543210"}),
        )
        .await;
    let in_sales = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Sal Sales", "mobile": "+919876543211"}),
        )
        .await;
    let support = department(
        app,
        &acct.owner_ctx,
        "Support",
        vec![in_support],
        vec![manager],
    )
    .await;
    let sales = department(app, &acct.owner_ctx, "Sales", vec![in_sales], vec![]).await;
    Org {
        manager_ctx: Ctx::user(acct.id, manager, "test"),
        acct,
        manager,
        support,
        sales,
        in_support,
        in_sales,
    }
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, switchboard_service::Error>, what: &str) {
    assert_eq!(refusal(r).code(), "forbidden", "{what}");
}

async fn a_manager_adds_users_only_into_departments_they_manage(app: TestApp) {
    let o = org(&app).await;
    let added = app
        .sb
        .add_user(
            &o.manager_ctx,
            new_user(json!({"name": "New Hire", "mobile": "+919876543220",
                            "departments": [o.support.to_string()]})),
        )
        .await
        .unwrap();
    let deps = app
        .sb
        .user_departments(&o.acct.owner_ctx, added.user.id)
        .await
        .unwrap();
    assert_eq!(deps.iter().map(|d| d.0).collect::<Vec<_>>(), [o.support]);

    for (deps, what) in [
        (json!([o.sales.to_string()]), "another department"),
        (
            json!([o.support.to_string(), o.sales.to_string()]),
            "one of them not managed",
        ),
        (json!([]), "no department"),
    ] {
        forbidden(
            app.sb
                .add_user(
                    &o.manager_ctx,
                    new_user(json!({"name": "Other Hire", "mobile": "+919876543221",
                                    "departments": deps})),
                )
                .await,
            what,
        );
    }
    let usage = app.sb.plan_usage(&o.acct.owner_ctx).await.unwrap();
    assert_eq!(usage.users_used, 5, "owner, manager, two members, one hire");
}

async fn a_manager_edits_only_users_of_their_departments(app: TestApp) {
    let o = org(&app).await;
    let u = app
        .sb
        .edit_user(
            &o.manager_ctx,
            o.in_support,
            patch(json!({"name": "Sam S.", "receive_calls": false})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.name.as_str(), "Sam S.");

    forbidden(
        app.sb
            .edit_user(
                &o.manager_ctx,
                o.in_sales,
                patch(json!({"name": "Sal S."})),
                None,
            )
            .await,
        "a user of another department",
    );
    forbidden(
        app.sb
            .edit_user(
                &o.manager_ctx,
                o.acct.owner,
                patch(json!({"name": "Boss"})),
                None,
            )
            .await,
        "a user in no managed department",
    );
    forbidden(
        app.sb
            .edit_user(
                &o.manager_ctx,
                o.in_support,
                patch(json!({"departments": [o.support.to_string(), o.sales.to_string()]})),
                None,
            )
            .await,
        "moving a user into a department not managed",
    );
    assert_eq!(
        app.sb
            .get_user(&o.acct.owner_ctx, o.in_sales)
            .await
            .unwrap()
            .name
            .as_str(),
        "Sal Sales"
    );

    // The scope follows the memberships: once Sal joins Support, Maya may edit Sal.
    app.sb
        .set_department_members(&o.acct.owner_ctx, o.support, vec![o.in_support, o.in_sales])
        .await
        .unwrap();
    let s = app
        .sb
        .edit_user(
            &o.manager_ctx,
            o.in_sales,
            patch(json!({"name": "Sal S."})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(s.name.as_str(), "Sal S.");
}

async fn a_manager_cannot_grant_the_administrator_role(app: TestApp) {
    let o = org(&app).await;
    forbidden(
        app.sb
            .add_user(
                &o.manager_ctx,
                new_user(json!({"name": "New Admin", "email": "new@acme.example.com",
                                "role": "Administrator",
                                "departments": [o.support.to_string()]})),
            )
            .await,
        "adding an Administrator",
    );
    forbidden(
        app.sb
            .edit_user(
                &o.manager_ctx,
                o.in_support,
                patch(json!({"role": "Administrator"})),
                None,
            )
            .await,
        "promoting a department member",
    );
    forbidden(
        app.sb
            .edit_user(
                &o.manager_ctx,
                o.manager,
                patch(json!({"role": "Administrator"})),
                None,
            )
            .await,
        "promoting oneself",
    );
    let admin = role_id(&app, &o.acct.owner_ctx, "Administrator").await;
    for id in [o.in_support, o.manager] {
        assert_ne!(
            app.sb
                .get_user(&o.acct.owner_ctx, id)
                .await
                .unwrap()
                .role_id,
            admin
        );
    }
    // A role within the Manager's own rights may be given.
    let u = app
        .sb
        .edit_user(
            &o.manager_ctx,
            o.in_support,
            patch(json!({"role": "Manager"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.role_id, role_id(&app, &o.acct.owner_ctx, "Manager").await);
}

async fn a_manager_cannot_delete_or_deactivate_users(app: TestApp) {
    let o = org(&app).await;
    forbidden(
        app.sb
            .deactivate_user(&o.manager_ctx, o.in_support, None)
            .await,
        "deactivate",
    );
    forbidden(
        app.sb.delete_user(&o.manager_ctx, o.in_support).await,
        "delete",
    );
    let u = app
        .sb
        .get_user(&o.acct.owner_ctx, o.in_support)
        .await
        .unwrap();
    assert_eq!(u.status, UserStatus::Active);
    // An Administrator may.
    app.sb
        .deactivate_user(&o.acct.owner_ctx, o.in_support, None)
        .await
        .unwrap();
    forbidden(
        app.sb.activate_user(&o.manager_ctx, o.in_support).await,
        "activate",
    );
}

async fn a_basic_user_edits_only_their_own_name_time_zone_and_availability(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let me = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Bea Basic", "email": "bea@acme.example.com", "panel_access": true}),
        )
        .await;
    let other = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Ravi Kumar", "mobile": "+919876543211"}),
        )
        .await;
    let ctx = Ctx::user(acct.id, me, "test");
    let u = app
        .sb
        .edit_user(
            &ctx,
            me,
            patch(json!({"name": "Bea B.", "time_zone": "Europe/London", "availability": "away"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.name.as_str(), "Bea B.");
    assert_eq!(u.time_zone.as_str(), "Europe/London");
    assert_eq!(u.availability, Availability::Away);

    for edit in [
        json!({"extension": "555"}),
        json!({"role": "Manager"}),
        json!({"email": "bea.b@acme.example.com"}),
        json!({"receive_calls": false}),
        json!({"tags": ["vip"]}),
        json!({"call_hours": {}}),
        json!({"voicemail": true}),
        json!({"panel_access": false}),
        json!({"mobile": "+919876543212"}),
    ] {
        forbidden(
            app.sb.edit_user(&ctx, me, patch(edit.clone()), None).await,
            &format!("own {edit}"),
        );
    }
    forbidden(
        app.sb
            .edit_user(&ctx, other, patch(json!({"name": "Rav"})), None)
            .await,
        "another user",
    );
    forbidden(
        app.sb
            .edit_user(&ctx, other, patch(json!({"availability": "busy"})), None)
            .await,
        "another user's availability",
    );
    let stored = app.sb.get_user(&acct.owner_ctx, me).await.unwrap();
    assert_eq!(stored, u, "the refused edits changed nothing");
    assert_eq!(
        app.sb
            .get_user(&acct.owner_ctx, other)
            .await
            .unwrap()
            .name
            .as_str(),
        "Ravi Kumar"
    );
}

async fn a_basic_user_cannot_add_users(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let me = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Bea Basic", "email": "bea@acme.example.com", "panel_access": true}),
        )
        .await;
    let ctx = Ctx::user(acct.id, me, "test");
    forbidden(
        app.sb
            .add_user(
                &ctx,
                new_user(json!({"name": "Friend", "mobile": "+919876543212"})),
            )
            .await,
        "add",
    );
    forbidden(
        app.sb.deactivate_user(&ctx, acct.owner, None).await,
        "deactivate",
    );
    assert_eq!(
        app.sb.plan_usage(&acct.owner_ctx).await.unwrap().users_used,
        2
    );
}

async fn permission_changes_apply_on_the_very_next_call(app: TestApp) {
    let o = org(&app).await;
    let manager_role = role_id(&app, &o.acct.owner_ctx, "Manager").await;
    let edit = |name: &str| patch(json!({ "name": name }));
    app.sb
        .edit_user(&o.manager_ctx, o.in_support, edit("Sam 1"), None)
        .await
        .unwrap();

    // Take editing away from Managers: Maya's next call is refused.
    app.sb
        .update_role(
            &o.acct.owner_ctx,
            manager_role,
            None,
            Some(Permissions {
                edit_users: Scope::None,
                ..Permissions::MANAGER
            }),
        )
        .await
        .unwrap();
    forbidden(
        app.sb
            .edit_user(&o.manager_ctx, o.in_support, edit("Sam 2"), None)
            .await,
        "edit after the permission was removed",
    );
    forbidden(
        app.sb
            .add_user(
                &o.manager_ctx,
                new_user(json!({"name": "Hire", "mobile": "+919876543220",
                                "departments": [o.support.to_string()]})),
            )
            .await,
        "add after the permission was removed",
    );

    // Give it back together with deactivation: both work at once.
    app.sb
        .update_role(
            &o.acct.owner_ctx,
            manager_role,
            None,
            Some(Permissions {
                delete_users: true,
                ..Permissions::MANAGER
            }),
        )
        .await
        .unwrap();
    app.sb
        .edit_user(&o.manager_ctx, o.in_support, edit("Sam 3"), None)
        .await
        .unwrap();
    let u = app
        .sb
        .deactivate_user(&o.manager_ctx, o.in_support, None)
        .await
        .unwrap();
    assert_eq!(u.status, UserStatus::Inactive);

    // A role change applies on the next call too: demoted to Basic, Maya may no longer
    // edit her department's members.
    app.sb
        .edit_user(
            &o.acct.owner_ctx,
            o.manager,
            patch(json!({"role": "Basic"})),
            None,
        )
        .await
        .unwrap();
    forbidden(
        app.sb
            .edit_user(&o.manager_ctx, o.in_support, edit("Sam 4"), None)
            .await,
        "edit after demotion to Basic",
    );
    assert_eq!(
        app.sb
            .get_user(&o.acct.owner_ctx, o.in_support)
            .await
            .unwrap()
            .name
            .as_str(),
        "Sam 3"
    );
}

async fn a_deactivated_users_context_is_refused_at_once(app: TestApp) {
    let o = org(&app).await;
    app.sb.get_user(&o.manager_ctx, o.in_support).await.unwrap();
    app.sb
        .edit_user(
            &o.manager_ctx,
            o.in_support,
            patch(json!({"name": "Sam 1"})),
            None,
        )
        .await
        .unwrap();
    app.sb
        .set_department_managers(&o.acct.owner_ctx, o.support, vec![])
        .await
        .unwrap();
    app.sb
        .set_department_managers(&o.acct.owner_ctx, o.sales, vec![o.manager])
        .await
        .unwrap();
    app.sb
        .deactivate_user(&o.acct.owner_ctx, o.manager, None)
        .await
        .unwrap();
    forbidden(
        app.sb.get_user(&o.manager_ctx, o.in_support).await,
        "read after deactivation",
    );
    forbidden(
        app.sb
            .edit_user(
                &o.manager_ctx,
                o.in_sales,
                patch(json!({"name": "Sal 2"})),
                None,
            )
            .await,
        "edit after deactivation",
    );
    forbidden(
        app.sb
            .edit_user(
                &o.manager_ctx,
                o.manager,
                patch(json!({"availability": "available"})),
                None,
            )
            .await,
        "own profile after deactivation",
    );
    // Activated again, the same context works again.
    app.sb
        .activate_user(&o.acct.owner_ctx, o.manager)
        .await
        .unwrap();
    let s = app
        .sb
        .edit_user(
            &o.manager_ctx,
            o.in_sales,
            patch(json!({"name": "Sal 2"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(s.name.as_str(), "Sal 2");
}

async fn nobody_makes_a_token_for_or_deactivates_a_user_who_outranks_them(app: TestApp) {
    let o = org(&app).await;
    let admin = app
        .user(
            &o.acct.owner_ctx,
            json!({"name": "Ada Admin", "email": "ada@acme.example.com",
                   "role": "Administrator", "panel_access": true}),
        )
        .await;
    let token_for = |user: UserId| switchboard_service::tokens::NewApiToken {
        name: "helper",
        kind: "api",
        role: Some(switchboard_domain::RoleRef::parse("Basic")),
        user: Some(user),
        scopes: &["api"],
        expires_at: None,
    };
    let e = refusal(app.sb.create_token(&o.manager_ctx, token_for(admin)).await);
    assert_eq!(e.code(), "forbidden", "{e}");
    app.sb
        .create_token(&o.manager_ctx, token_for(o.in_support))
        .await
        .unwrap();

    // A custom role that may deactivate users still cannot deactivate an Administrator.
    let custom = app
        .sb
        .create_role(
            &o.acct.owner_ctx,
            switchboard_domain::Name::parse("name", "Supervisor").unwrap(),
            Permissions {
                delete_users: true,
                edit_users: Scope::All,
                ..Permissions::MANAGER
            },
        )
        .await
        .unwrap();
    let sup = app
        .user(
            &o.acct.owner_ctx,
            json!({"name": "Sue Supervisor", "email": "sue@acme.example.com",
                   "role": custom.name.as_str(), "panel_access": true}),
        )
        .await;
    let sup_ctx = Ctx::user(o.acct.id, sup, "test");
    let e = refusal(app.sb.deactivate_user(&sup_ctx, admin, None).await);
    assert_eq!(e.code(), "forbidden", "{e}");
    let e = refusal(app.sb.delete_user(&sup_ctx, admin).await);
    assert_eq!(e.code(), "forbidden", "{e}");
    app.sb
        .deactivate_user(&sup_ctx, o.in_sales, None)
        .await
        .unwrap();
    let ada = app.sb.get_user(&o.acct.owner_ctx, admin).await.unwrap();
    assert_eq!(ada.status, UserStatus::Active);
}

both_backends!(
    nobody_makes_a_token_for_or_deactivates_a_user_who_outranks_them,
    a_manager_adds_users_only_into_departments_they_manage,
    a_manager_edits_only_users_of_their_departments,
    a_manager_cannot_grant_the_administrator_role,
    a_manager_cannot_delete_or_deactivate_users,
    a_basic_user_edits_only_their_own_name_time_zone_and_availability,
    a_basic_user_cannot_add_users,
    permission_changes_apply_on_the_very_next_call,
    a_deactivated_users_context_is_refused_at_once,
);
