use serde_json::json;
use switchboard_domain::{Plan, UserStatus};
use switchboard_testkit::{TestApp, both_backends, new_user};

async fn an_admin_adds_a_call_only_user_who_is_active_at_once(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let added = app
        .sb
        .add_user(
            &acct.owner_ctx,
            new_user(json!({"name": "Priya Sharma", "mobile": "+919876543210"})),
        )
        .await
        .unwrap();
    assert_eq!(added.user.status, UserStatus::Active);
    assert_eq!(added.user.extension.value(), 101, "the owner holds 100");
    assert!(added.invite_link.is_none());
}

both_backends!(an_admin_adds_a_call_only_user_who_is_active_at_once);
