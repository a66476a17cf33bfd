//! Managing departments and roles (R1): a Manager arranges the members of the departments
//! they manage and nothing else; nobody gives a role rights they do not hold; departments
//! and roles are read with their people, inside the account only.

use serde_json::json;
use switchboard_domain::{Permissions, Plan, Scope};
use switchboard_service::Ctx;
use switchboard_testkit::{TestApp, both_backends};

use crate::edit::{department, refusal, role_id};

fn name(n: &str) -> switchboard_domain::Name {
    switchboard_domain::Name::parse("name", n).unwrap()
}

async fn a_manager_arranges_only_the_members_of_departments_they_manage(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let owner = &acct.owner_ctx;
    let maya = app
        .user(
            owner,
            json!({"name": "Maya Manager", "email": "maya@acme.example.com",
                   "role": "Manager", "panel_access": true}),
        )
        .await;
    let maya_ctx = Ctx::user(acct.id, maya, "test");
    let a = app
        .user(owner, json!({"name": "Asha", "mobile": "+919876500001"}))
        .await;
    let b = app
        .user(owner, json!({"name": "Bala", "mobile": "+919876500002"}))
        .await;
    let c = app
        .user(owner, json!({"name": "Chen", "mobile": "+919876500003"}))
        .await;
    let support = department(&app, owner, "Support", vec![a, b], vec![maya]).await;
    let sales = department(&app, owner, "Sales", vec![c], vec![]).await;

    // Reorder, remove, add herself.
    let d = app
        .sb
        .set_department_members(&maya_ctx, support, vec![b, maya])
        .await
        .unwrap();
    assert_eq!(d.members, [b, maya]);
    // Users outside her departments, and other departments, are out of reach.
    for (dep, members) in [
        (support, vec![b, c]),
        (support, vec![acct.owner]),
        (sales, vec![]),
    ] {
        let err = refusal(app.sb.set_department_members(&maya_ctx, dep, members).await);
        assert_eq!(err.code(), "forbidden", "{err}");
    }
    assert_eq!(
        refusal(
            app.sb
                .set_department_managers(&maya_ctx, support, vec![maya, b])
                .await
        )
        .code(),
        "forbidden"
    );
    // Having been removed from Support, Asha can no longer be brought back by Maya.
    let err = refusal(
        app.sb
            .set_department_members(&maya_ctx, support, vec![a])
            .await,
    );
    assert_eq!(err.code(), "forbidden");
    assert_eq!(
        app.sb.get_department(owner, sales).await.unwrap().members,
        [c]
    );

    // Without the departments scope (a Basic manager), nothing.
    let manager_role = role_id(&app, owner, "Manager").await;
    app.sb
        .update_role(
            owner,
            manager_role,
            None,
            Some(Permissions {
                edit_users: Scope::Own,
                ..Permissions::MANAGER
            }),
        )
        .await
        .unwrap();
    let err = refusal(
        app.sb
            .set_department_members(&maya_ctx, support, vec![maya, b])
            .await,
    );
    assert_eq!(err.code(), "forbidden");
}

async fn department_people_come_in_ring_order_within_the_account(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let other = app.account("Globex", Plan::Pro, 10).await;
    let owner = &acct.owner_ctx;
    let a = app
        .user(owner, json!({"name": "Asha", "mobile": "+919876500001"}))
        .await;
    let b = app
        .user(owner, json!({"name": "Bala", "mobile": "+919876500002"}))
        .await;
    let dep = department(&app, owner, "Support", vec![b, a], vec![acct.owner]).await;
    let people = app.sb.get_department_people(owner, dep).await.unwrap();
    let names: Vec<&str> = people.members.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Bala", "Asha"]);
    assert_eq!(people.managers.len(), 1);
    assert_eq!(people.managers[0].id, acct.owner);
    assert_eq!(
        refusal(app.sb.get_department_people(&other.owner_ctx, dep).await).code(),
        "not_found"
    );
}

async fn nobody_gives_a_role_rights_they_do_not_hold(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let owner = &acct.owner_ctx;
    let keeper = Permissions {
        manage_roles: true,
        ..Permissions::BASIC
    };
    let role = app
        .sb
        .create_role(owner, name("Role Keeper"), keeper)
        .await
        .unwrap();
    let rita = app
        .user(
            owner,
            json!({"name": "Rita", "email": "rita@acme.example.com",
                   "role": "Role Keeper", "panel_access": true}),
        )
        .await;
    let rita_ctx = Ctx::user(acct.id, rita, "test");
    let wider = Permissions {
        delete_users: true,
        ..keeper
    };
    assert_eq!(
        refusal(app.sb.create_role(&rita_ctx, name("Deleter"), wider).await).code(),
        "forbidden"
    );
    assert_eq!(
        refusal(
            app.sb
                .update_role(&rita_ctx, role.id, None, Some(wider))
                .await
        )
        .code(),
        "forbidden"
    );
    let manager = role_id(&app, owner, "Manager").await;
    assert_eq!(
        refusal(
            app.sb
                .update_role(&rita_ctx, manager, None, Some(Permissions::MANAGER))
                .await
        )
        .code(),
        "forbidden"
    );
    let helper = app
        .sb
        .create_role(&rita_ctx, name("Helper"), keeper)
        .await
        .unwrap();
    app.sb
        .update_role(
            &rita_ctx,
            helper.id,
            Some(name("Aide")),
            Some(Permissions::BASIC),
        )
        .await
        .unwrap();
    // The owner, an Administrator, may give anything.
    app.sb
        .update_role(owner, role.id, None, Some(wider))
        .await
        .unwrap();
    assert_eq!(
        app.sb.get_role(owner, role.id).await.unwrap().permissions,
        wider
    );
    // Changing one named permission keeps the others as stored.
    let edited = app
        .sb
        .edit_role(
            owner,
            role.id,
            None,
            Some(|p: Permissions| Permissions { export: true, ..p }),
        )
        .await
        .unwrap();
    assert_eq!(
        edited.permissions,
        Permissions {
            export: true,
            ..wider
        }
    );
    let other = app.account("Globex", Plan::Pro, 10).await;
    assert_eq!(
        refusal(app.sb.get_role(&other.owner_ctx, role.id).await).code(),
        "not_found"
    );
}

both_backends!(
    a_manager_arranges_only_the_members_of_departments_they_manage,
    department_people_come_in_ring_order_within_the_account,
    nobody_gives_a_role_rights_they_do_not_hold,
);
