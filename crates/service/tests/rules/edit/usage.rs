//! Plan usage and the free-extension search, which the database keeps up to date as users
//! come and go (so adding a user costs the same at any account size): the figures must
//! agree with the users actually there through every kind of change.

use serde_json::json;
use switchboard_domain::{ExtensionRange, Plan};
use switchboard_service::accounts::AccountPatch;
use switchboard_testkit::{TestApp, both_backends, new_user};

use crate::edit::patch;

async fn usage_follows_adds_deactivations_panel_access_and_deletes(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let ctx = &acct.owner_ctx;
    let usage = || async {
        let u = app.sb.plan_usage(ctx).await.unwrap();
        (u.users_used, u.seats_used)
    };
    // The owner: one user, one seat.
    assert_eq!(usage().await, (1, 1));
    let add = |name: &str, mobile: &str, panel: bool| {
        let v = json!({"name": name, "mobile": mobile, "panel_access": panel,
                       "email": format!("{}@acme.example.com", name.to_lowercase())});
        let (sb, ctx) = (app.sb.clone(), ctx.clone());
        async move { sb.add_user(&ctx, new_user(v)).await.unwrap().user }
    };
    let caller = add("Caller", "+919876543201", false).await;
    let agent = add("Agent", "+919876543202", true).await;
    assert_eq!(usage().await, (3, 2));
    app.sb.deactivate_user(ctx, agent.id, None).await.unwrap();
    assert_eq!(usage().await, (2, 1), "a deactivated user frees their seat");
    app.sb.activate_user(ctx, agent.id).await.unwrap();
    assert_eq!(usage().await, (3, 2));
    app.sb
        .edit_user(ctx, caller.id, patch(json!({"panel_access": true})), None)
        .await
        .unwrap();
    assert_eq!(usage().await, (3, 3), "panel access takes a seat");
    app.sb
        .edit_user(ctx, caller.id, patch(json!({"panel_access": false})), None)
        .await
        .unwrap();
    assert_eq!(usage().await, (3, 2));
    app.sb.deactivate_user(ctx, caller.id, None).await.unwrap();
    app.sb.delete_user(ctx, caller.id).await.unwrap();
    assert_eq!(
        usage().await,
        (2, 2),
        "deleting a deactivated user changes nothing more"
    );
    app.sb.delete_user(ctx, agent.id).await.unwrap();
    assert_eq!(usage().await, (1, 1));
}

async fn freed_and_newly_opened_extensions_are_found_after_a_run_of_taken_ones(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let add = |i: usize| {
        let v = json!({"name": format!("User {i}"), "mobile": format!("+9198765{i:05}")});
        let (sb, ctx) = (app.sb.clone(), ctx.clone());
        async move { sb.add_user(&ctx, new_user(v)).await.unwrap().user }
    };
    // The owner holds 100; twenty more fill 101..=120 in order.
    let mut users = Vec::new();
    for i in 0..20 {
        let u = add(i).await;
        assert_eq!(u.extension.value(), 101 + i as u32);
        users.push(u);
    }
    // Freeing one far below where the search had got to makes it the next again.
    app.sb.delete_user(ctx, users[4].id).await.unwrap();
    assert_eq!(add(20).await.extension.value(), 105);
    assert_eq!(add(21).await.extension.value(), 121);
    // Moving an extension away frees the old one.
    app.sb
        .edit_user(ctx, users[1].id, patch(json!({"extension": "500"})), None)
        .await
        .unwrap();
    assert_eq!(add(22).await.extension.value(), 102);
    // Widening the range downwards opens extensions below everything taken.
    app.sb
        .update_account(
            ctx,
            AccountPatch {
                extension_range: Some(ExtensionRange::new(50, 999).unwrap()),
                ..AccountPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(add(23).await.extension.value(), 50);
    assert_eq!(add(24).await.extension.value(), 51);
}

both_backends!(
    usage_follows_adds_deactivations_panel_access_and_deletes,
    freed_and_newly_opened_extensions_are_found_after_a_run_of_taken_ones,
);
