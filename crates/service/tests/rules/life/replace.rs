//! R14: replacing a user (the way to change a mobile) is one atomic operation that copies
//! the profile, keeps the department positions, moves owned resources and ownership, then
//! deactivates or deletes the old user.

use serde_json::json;
use switchboard_domain::{DepartmentId, Plan, UserId, UserStatus, WorkflowKind};
use switchboard_service::lifecycle::{ReplaceMode, Replacement};
use switchboard_service::users::UserQuery;
use switchboard_testkit::{TestAccount, TestApp, both_backends};

use crate::life::support::{
    department, e164, email, events, events_with, name, owned, patch, refusal,
};

struct Team {
    asha: UserId,
    bina: UserId,
    priya: UserId,
    sales: DepartmentId,
    support: DepartmentId,
}

/// Priya — Manager, Panel Access, extension 204, voicemail, call hours, London time,
/// tags — sits second in Sales (Asha, Priya, Bina) and first in Support (Priya, Asha),
/// manages Sales, owns a number and a workflow.
async fn team(app: &TestApp, acct: &TestAccount) -> Team {
    let ctx = &acct.owner_ctx;
    let asha = app
        .user(ctx, json!({"name": "Asha Rao", "mobile": "+919876500001"}))
        .await;
    let bina = app
        .user(ctx, json!({"name": "Bina Das", "mobile": "+919876500002"}))
        .await;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com",
                   "mobile": "+919876543210", "extension": "204", "role": "Manager",
                   "panel_access": true, "voicemail": true, "time_zone": "Europe/London",
                   "tags": ["sales", "hindi"],
                   "call_hours": {"monday": [{"start": "09:00", "end": "17:00"}],
                                  "friday": [{"start": "10:00", "end": "14:00"}]}}),
        )
        .await;
    let sales = app
        .sb
        .create_department(
            ctx,
            department("Sales", vec![asha, priya, bina], vec![priya]),
        )
        .await
        .unwrap()
        .id;
    let support = app
        .sb
        .create_department(ctx, department("Support", vec![priya, asha], vec![]))
        .await
        .unwrap()
        .id;
    app.sb
        .create_number(ctx, owned("+919000000001", "Sales line", priya))
        .await
        .unwrap();
    app.sb
        .create_workflow(ctx, name("Lead router"), WorkflowKind::Ivr, priya)
        .await
        .unwrap();
    Team {
        asha,
        bina,
        priya,
        sales,
        support,
    }
}

fn replacement(mobile: &str, mode: ReplaceMode) -> Replacement {
    Replacement {
        mobile: e164(mobile),
        name: None,
        email: None,
        mode,
    }
}

async fn replacing_a_user_copies_the_profile_and_deactivates_the_old_one(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let t = team(&app, &acct).await;
    let old = app.sb.get_user(ctx, t.priya).await.unwrap();

    let new = app
        .sb
        .replace_user(
            ctx,
            t.priya,
            replacement("+919876599999", ReplaceMode::Deactivate),
        )
        .await
        .unwrap();

    let new = app.sb.get_user(ctx, new.id).await.unwrap();
    assert_ne!(new.id, old.id);
    assert_eq!(new.mobile, Some(e164("+919876599999")));
    assert_eq!(new.name, old.name);
    assert_eq!(new.email, old.email, "the email moves to the new user");
    assert_eq!(new.extension.value(), 204);
    assert_eq!(new.role_id, old.role_id);
    assert!(new.panel_access);
    assert_eq!(new.status, UserStatus::Active, "she had already signed in");
    assert!(new.voicemail);
    assert_eq!(new.call_hours, old.call_hours);
    assert!(!new.call_hours.is_any_time());
    assert_eq!(new.time_zone.as_str(), "Europe/London");
    assert_eq!(new.tags, old.tags);

    // Same positions in every department.
    let sales = app.sb.get_department(ctx, t.sales).await.unwrap();
    assert_eq!(sales.members[1], new.id, "{:?}", sales.members);
    assert_eq!(sales.members[0], t.asha);
    assert_eq!(sales.managers, [new.id]);
    let support = app.sb.get_department(ctx, t.support).await.unwrap();
    assert_eq!(support.members[0], new.id, "{:?}", support.members);
    assert_eq!(
        support.members[1..]
            .iter()
            .filter(|m| **m == t.asha)
            .count(),
        1
    );

    // Owned resources moved.
    let numbers = app.sb.list_numbers(ctx, None).await.unwrap();
    assert_eq!(numbers[0].owner_id, new.id);
    let workflows = app.sb.list_workflows(ctx, None).await.unwrap();
    assert_eq!(workflows[0].owner_id, new.id);

    // The old user is kept, deactivated, and no longer holds extension 204 or the email.
    let gone = app.sb.get_user(ctx, t.priya).await.unwrap();
    assert_eq!(gone.status, UserStatus::Inactive);
    assert_eq!(gone.mobile, Some(e164("+919876543210")));
    assert_ne!(gone.extension.value(), 204);
    assert_eq!(gone.email, None);
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 2);

    let ev = events_with(&app, acct.id, "user.created").await;
    let created = ev.last().unwrap();
    assert_eq!(created.event.target_id, Some(new.id.to_string()));
    assert_eq!(
        json_of_after(created)["replaces"],
        json!(t.priya.to_string())
    );
    let deactivated = events_with(&app, acct.id, "user.deactivated").await;
    assert_eq!(deactivated.len(), 1);
    assert_eq!(deactivated[0].event.target_id, Some(t.priya.to_string()));
}

fn json_of_after(e: &switchboard_domain::AuditEvent) -> serde_json::Value {
    crate::life::support::json_of(&e.event.after)
}

async fn replacing_with_delete_removes_the_old_user_and_keeps_positions(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let t = team(&app, &acct).await;

    let new = app
        .sb
        .replace_user(
            ctx,
            t.priya,
            replacement("+919876599999", ReplaceMode::Delete),
        )
        .await
        .unwrap();

    assert_eq!(
        crate::life::support::code(app.sb.get_user(ctx, t.priya).await),
        "not_found"
    );
    assert_eq!(
        app.sb.get_department(ctx, t.sales).await.unwrap().members,
        [t.asha, new.id, t.bina]
    );
    assert_eq!(
        app.sb.get_department(ctx, t.support).await.unwrap().members,
        [new.id, t.asha]
    );
    assert_eq!(
        app.sb.get_department(ctx, t.sales).await.unwrap().managers,
        [new.id]
    );
    assert_eq!(new.extension.value(), 204);
    assert_eq!(new.email, Some(email("priya@acme.example.com")));
    assert_eq!(
        app.sb.list_numbers(ctx, Some(new.id)).await.unwrap().len(),
        1
    );
    let deleted = events_with(&app, acct.id, "user.deleted").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].event.target_name, "Priya Sharma");
    // The log shows her as she was, not the values parked during the swap.
    let before = crate::life::support::json_of(&deleted[0].event.before);
    assert_eq!(before["extension"], "204");
    assert_eq!(before["email"], "priya@acme.example.com");
    assert_eq!(before["mobile"], "+919876543210");
}

async fn a_failed_replace_changes_nothing(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let t = team(&app, &acct).await;
    let old = app.sb.get_user(ctx, t.priya).await.unwrap();
    let users_before = app
        .sb
        .list_users(ctx, &UserQuery::default(), None, 100)
        .await
        .unwrap()
        .items;
    let events_before = events(&app, acct.id).await;
    let sales_before = app.sb.get_department(ctx, t.sales).await.unwrap();

    for mode in [ReplaceMode::Deactivate, ReplaceMode::Delete] {
        // Asha holds the new mobile.
        let err = refusal(
            app.sb
                .replace_user(ctx, t.priya, replacement("+919876500001", mode))
                .await,
        );
        assert_eq!(err.code(), "duplicate_mobile");
        assert!(err.to_string().contains("Asha Rao"), "{err}");
    }
    // A new email held by someone else.
    let err = refusal(
        app.sb
            .replace_user(
                ctx,
                t.priya,
                Replacement {
                    email: Some(email("OWNER@acme.example.com")),
                    ..replacement("+919876599999", ReplaceMode::Deactivate)
                },
            )
            .await,
    );
    assert_eq!(err.code(), "duplicate_email");
    assert!(err.to_string().contains("Olivia Owner"), "{err}");

    assert_eq!(app.sb.get_user(ctx, t.priya).await.unwrap(), old);
    let users_after = app
        .sb
        .list_users(ctx, &UserQuery::default(), None, 100)
        .await
        .unwrap()
        .items;
    assert_eq!(users_after, users_before, "no new user");
    assert_eq!(
        app.sb.get_department(ctx, t.sales).await.unwrap(),
        sales_before
    );
    assert_eq!(
        app.sb.list_numbers(ctx, Some(t.priya)).await.unwrap().len(),
        1
    );
    assert_eq!(events(&app, acct.id).await, events_before);
}

async fn replacing_the_owner_moves_the_ownership_to_the_new_user(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    // The owner signed up with an email only; give her a mobile first.
    app.sb
        .edit_user(
            ctx,
            acct.owner,
            patch(json!({"mobile": "+919876543210"})),
            None,
        )
        .await
        .unwrap();

    let new = app
        .sb
        .replace_user(
            &acct.system,
            acct.owner,
            replacement("+919876599999", ReplaceMode::Delete),
        )
        .await
        .unwrap();

    let account = app.sb.get_account(&acct.system).await.unwrap();
    assert_eq!(account.owner_id, new.id);
    assert_eq!(
        crate::life::support::code(app.sb.get_user(&acct.system, acct.owner).await),
        "not_found"
    );
    let new = app.sb.get_user(&acct.system, new.id).await.unwrap();
    assert_eq!(new.status, UserStatus::Active);
    assert_eq!(new.email, Some(email("owner@acme.example.com")));
    // The new owner is protected like the old one.
    assert_eq!(
        crate::life::support::code(app.sb.delete_user(&acct.system, new.id).await),
        "owner_protected"
    );
    assert_eq!(
        events_with(&app, acct.id, "account.ownership_transferred")
            .await
            .len(),
        1
    );
}

async fn replacing_the_owner_with_deactivate_keeps_an_active_owner(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let new = app
        .sb
        .replace_user(
            &acct.system,
            acct.owner,
            Replacement {
                email: Some(email("olivia.new@acme.example.com")),
                ..replacement("+919876599999", ReplaceMode::Deactivate)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        app.sb.get_account(&acct.system).await.unwrap().owner_id,
        new.id
    );
    let old = app.sb.get_user(&acct.system, acct.owner).await.unwrap();
    assert_eq!(old.status, UserStatus::Inactive);
    assert_eq!(
        old.email,
        Some(email("owner@acme.example.com")),
        "no mobile, so she keeps her email"
    );
    let new = app.sb.get_user(&acct.system, new.id).await.unwrap();
    assert_eq!(new.status, UserStatus::Active);
    assert_eq!(new.extension.value(), 100);
}

async fn replacing_an_owner_who_signed_up_with_only_an_email_moves_the_email(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let new = app
        .sb
        .replace_user(
            &acct.system,
            acct.owner,
            replacement("+919876599999", ReplaceMode::Delete),
        )
        .await
        .unwrap();
    assert_eq!(new.email, Some(email("owner@acme.example.com")));
    assert_eq!(new.extension.value(), 100);
    assert_eq!(
        app.sb.get_account(&acct.system).await.unwrap().owner_id,
        new.id
    );
    assert_eq!(
        crate::life::support::code(app.sb.get_user(&acct.system, acct.owner).await),
        "not_found"
    );
    let deleted = events_with(&app, acct.id, "user.deleted").await;
    assert_eq!(deleted.len(), 1);
    let before = crate::life::support::json_of(&deleted[0].event.before);
    assert_eq!(before["email"], "owner@acme.example.com");
    assert_eq!(before["extension"], "100");
}

async fn a_user_on_a_full_plan_can_still_be_replaced(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 2).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({"name": "Priya Sharma", "email": "priya@acme.example.com",
                   "mobile": "+919876543210", "panel_access": true}),
        )
        .await;
    let new = app
        .sb
        .replace_user(
            ctx,
            priya,
            replacement("+919876599999", ReplaceMode::Deactivate),
        )
        .await
        .unwrap();
    assert!(new.panel_access);
    assert_eq!(new.status, UserStatus::Active);
    assert_eq!(app.sb.plan_usage(ctx).await.unwrap().seats_used, 2);
}

async fn a_call_only_user_with_only_a_mobile_is_replaced_keeping_the_old_one_deactivated(
    app: TestApp,
) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let rahul = app
        .user(
            ctx,
            json!({"name": "Rahul Verma", "mobile": "+919876543211", "extension": "204"}),
        )
        .await;
    let new = app
        .sb
        .replace_user(
            ctx,
            rahul,
            replacement("+919876599999", ReplaceMode::Deactivate),
        )
        .await
        .unwrap();
    assert_eq!(new.email, None);
    assert_eq!(new.mobile, Some(e164("+919876599999")));
    assert_eq!(new.extension.value(), 204);
    let old = app.sb.get_user(ctx, rahul).await.unwrap();
    assert_eq!(old.status, UserStatus::Inactive);
    assert_eq!(old.mobile, Some(e164("+919876543211")));
    assert_ne!(old.extension.value(), 204);
}

both_backends!(
    a_call_only_user_with_only_a_mobile_is_replaced_keeping_the_old_one_deactivated,
    replacing_a_user_copies_the_profile_and_deactivates_the_old_one,
    replacing_with_delete_removes_the_old_user_and_keeps_positions,
    a_failed_replace_changes_nothing,
    replacing_the_owner_moves_the_ownership_to_the_new_user,
    replacing_the_owner_with_deactivate_keeps_an_active_owner,
    replacing_an_owner_who_signed_up_with_only_an_email_moves_the_email,
    a_user_on_a_full_plan_can_still_be_replaced,
);
