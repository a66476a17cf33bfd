//! `/api/v1/account`: plan usage, settings, ownership transfer.

use serde_json::json;
use switchboard_domain::Plan;

use crate::support::Server;

async fn the_account_shows_seats_and_users_used_against_the_plan(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 3).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    s.app
        .user(&acct.owner_ctx, json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }))
        .await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Rahul Verma", "mobile": "+919876543210" }),
        )
        .await;
    let r = api.get("/api/v1/account").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["plan"], "pro");
    assert_eq!(r.body["seat_limit"], 3);
    assert_eq!(r.body["seats_used"], 2);
    assert_eq!(r.body["users_used"], 3);
    assert_eq!(r.body["owner_id"], acct.owner.to_string());
}

async fn an_administrator_changes_settings_and_bad_values_are_named(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 3).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let r = api
        .patch(
            "/api/v1/account",
            &json!({ "name": "Acme Support", "default_time_zone": "Europe/London", "extension_min": 200, "extension_max": 399 }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"], "Acme Support");
    assert_eq!(r.body["extension_min"], 200);
    let r = api
        .patch(
            "/api/v1/account",
            &json!({ "default_time_zone": "Mars/Olympus" }),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "default_time_zone");
}

async fn only_the_owner_transfers_ownership_and_only_to_an_active_administrator(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let owner_api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let admin = s
        .app
        .user(&acct.owner_ctx, json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }))
        .await;
    let basic = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Bo Basic", "email": "bo@acme.example.com", "panel_access": true }),
        )
        .await;
    let r = owner_api
        .post(
            "/api/v1/account/transfer-ownership",
            &json!({ "user_id": basic.to_string() }),
        )
        .await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    let admin_ctx = switchboard_service::Ctx::user(acct.id, admin, "test");
    let admin_api = s.as_token(&s.token(&admin_ctx, "Administrator").await);
    let r = admin_api
        .post(
            "/api/v1/account/transfer-ownership",
            &json!({ "user_id": admin.to_string() }),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = owner_api
        .post(
            "/api/v1/account/transfer-ownership",
            &json!({ "user_id": admin.to_string() }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["owner_id"], admin.to_string());
}

async fn the_country_for_national_numbers_is_set_cleared_or_taken_from_the_time_zone(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 3).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    // The test account's time zone is Asia/Kolkata: India, with no country set.
    let r = api.get("/api/v1/account").await;
    assert_eq!(r.body["country"], json!(null), "{:?}", r.body);
    assert_eq!(r.body["phone_country"], "IN");

    let r = api
        .patch("/api/v1/account", &json!({ "country": "fr" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (r.body["country"].as_str(), r.body["phone_country"].as_str()),
        (Some("FR"), Some("FR"))
    );
    for bad in [json!("XX"), json!("France"), json!(""), json!(33)] {
        let r = api
            .patch("/api/v1/account", &json!({ "country": bad }))
            .await;
        assert_eq!(r.status, 422, "{bad}: {:?}", r.body);
        assert_eq!(
            r.body["errors"][0]["field"], "country",
            "{bad}: {:?}",
            r.body
        );
    }
    // Other settings leave the country alone; null clears it.
    let r = api
        .patch("/api/v1/account", &json!({ "default_time_zone": "UTC" }))
        .await;
    assert_eq!(r.body["phone_country"], "FR");
    let r = api
        .patch("/api/v1/account", &json!({ "country": null }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (r.body["country"].clone(), r.body["phone_country"].clone()),
        (json!(null), json!(null))
    );
    let r = api
        .patch(
            "/api/v1/account",
            &json!({ "default_time_zone": "America/Chicago" }),
        )
        .await;
    assert_eq!(r.body["phone_country"], "US");

    // The REST API keeps to E.164, as its document says.
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Lee", "mobile": "425-555-0100" }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "mobile");

    // A token with a Manager's rights may not change it.
    let manager = s.as_token(&s.token(&acct.owner_ctx, "Manager").await);
    let r = manager
        .patch("/api/v1/account", &json!({ "country": "DE" }))
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
}

async fn another_accounts_token_never_sees_this_account(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    let b_api = s.as_token(&s.token(&b.owner_ctx, "Administrator").await);
    let r = b_api.get("/api/v1/account").await;
    assert_eq!(r.body["id"], b.id.to_string());
    assert_ne!(r.body["id"], a.id.to_string());
    let r = b_api
        .post(
            "/api/v1/account/transfer-ownership",
            &json!({ "user_id": a.owner.to_string() }),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
}

crate::on_both!(
    the_account_shows_seats_and_users_used_against_the_plan,
    an_administrator_changes_settings_and_bad_values_are_named,
    only_the_owner_transfers_ownership_and_only_to_an_active_administrator,
    the_country_for_national_numbers_is_set_cleared_or_taken_from_the_time_zone,
    another_accounts_token_never_sees_this_account,
);
