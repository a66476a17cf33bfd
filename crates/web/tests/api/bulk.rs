//! `/api/v1/users/import` and `/api/v1/users/export`: users in bulk as CSV.

use serde_json::{Value, json};
use switchboard_domain::Plan;

use crate::support::{Client, Server};

/// Posts CSV text; answers the status and the JSON body.
async fn post_csv(api: &Client, path: &str, csv: &str, content_type: &str) -> (u16, Value) {
    let res = api
        .http
        .post(format!("{}{path}", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("content-type", content_type)
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Gets the export; answers the status, content type and text.
async fn export(api: &Client) -> (u16, String, String) {
    let res = api
        .http
        .get(format!("{}/api/v1/users/export", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

async fn total_users(api: &Client) -> usize {
    let r = api.get("/api/v1/account").await;
    r.body["users_used"].as_u64().unwrap() as usize
}

async fn an_administrator_imports_users_all_or_nothing_with_a_dry_run_first(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let csv = "name,email,mobile,extension,panel_access\n\
               Priya Sharma,priya@acme.example.com,+919876543210,204,yes\n\
               Rahul Verma,,+919812345678,,no\n";

    let (status, body) = post_csv(&api, "/api/v1/users/import?dry_run=true", csv, "text/csv").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["users"].as_array().unwrap().len(), 2);
    assert_eq!(total_users(&api).await, 1, "a dry run writes nothing");

    let (status, body) =
        post_csv(&api, "/api/v1/users/import", csv, "text/csv; charset=utf-8").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["users"][0]["line"], 2);
    assert_eq!(body["users"][0]["extension"], "204");
    assert_eq!(body["users"][0]["status"], "pending_invite");
    assert_eq!(body["users"][0]["invite_sent"], true);
    assert_eq!(body["users"][1]["status"], "active");
    assert_eq!(total_users(&api).await, 3);

    let again = "name,mobile,extension\nAsha Rao,+919800000001,\nMeera Iyer,+919800000002,204\n";
    let (status, body) = post_csv(&api, "/api/v1/users/import", again, "text/csv").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "import_failed");
    assert_eq!(body["errors"][0]["field"], "line[3].extension");
    assert_eq!(body["errors"][0]["code"], "extension_taken");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Priya Sharma"),
        "{body}"
    );
    assert_eq!(total_users(&api).await, 3, "Asha was not added either");

    let (status, body) = post_csv(&api, "/api/v1/users/import", "{}", "application/json").await;
    assert_eq!(status, 415, "{body}");
    let (status, body) = post_csv(
        &api,
        "/api/v1/users/import",
        "nom,email\nX,x@y.example\n",
        "text/csv",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "line[1].header");
}

async fn an_export_lists_only_the_callers_account_and_basic_users_cannot_import(s: Server) {
    let a = s.account("Acme", Plan::Pro, 5).await;
    let b = s.account("Globex", Plan::Pro, 5).await;
    s.app
        .user(
            &a.owner_ctx,
            json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
        )
        .await;
    s.app
        .user(
            &b.owner_ctx,
            json!({ "name": "Bo Basic", "email": "bo@globex.example.com", "panel_access": true }),
        )
        .await;
    let a_api = s.as_token(&s.token(&a.owner_ctx, "Administrator").await);
    let b_api = s.as_token(&s.token(&b.owner_ctx, "Administrator").await);

    let (status, ct, text) = export(&a_api).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert!(text.starts_with("id,name,email,mobile,"), "{text}");
    assert!(text.contains("Priya Sharma,,+919876543210,"), "{text}");
    let (_, _, text) = export(&b_api).await;
    assert!(!text.contains("Priya Sharma"), "{text}");
    assert!(text.contains("Bo Basic"), "{text}");

    let basic_api = s.as_token(&s.token(&b.system, "Basic").await);
    let (status, body) = post_csv(
        &basic_api,
        "/api/v1/users/import",
        "name,mobile\nX,+919800000009\n",
        "text/csv",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "forbidden");
    let anonymous = s.anonymous();
    assert_eq!(anonymous.get("/api/v1/users/export").await.status, 401);
}

async fn exporting_needs_the_export_permission_and_every_export_is_audited(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let bo = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Bo Basic", "email": "bo@acme.example.com", "panel_access": true }),
        )
        .await;
    let mia = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
        )
        .await;
    let basic = super::users::api_as(&s, &acct, bo, "Basic").await;
    let (status, _, text) = export(&basic).await;
    assert_eq!(status, 403, "{text}");
    assert!(!text.contains("Mia Manager"), "{text}");

    let manager = super::users::api_as(&s, &acct, mia, "Manager").await;
    let (status, _, text) = export(&manager).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        text.lines().count(),
        1 + 3,
        "header, owner, Bo, Mia: {text}"
    );

    let owner = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let r = owner
        .get("/api/v1/audit-events?action=users.exported")
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let events = r.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 1, "only the export that happened: {events:?}");
    assert_eq!(events[0]["after"]["rows"], 3, "{:?}", events[0]);
    assert_eq!(events[0]["actor"]["kind"], "api_token", "{:?}", events[0]);
}

async fn an_import_reads_national_numbers_in_the_accounts_country(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    // No country set; the time zone (Asia/Kolkata) says India.
    let csv = "name,mobile,alternate_mobile\n\
               Priya Sharma,098765 43210,+1 (425) 555-0100\n\
               Rahul Verma,98123-45678,\n";
    let (status, body) = post_csv(&api, "/api/v1/users/import", csv, "text/csv").await;
    assert_eq!(status, 201, "{body}");
    let r = api.get("/api/v1/users?q=Priya").await;
    assert_eq!(
        r.body["items"][0]["mobile"], "+919876543210",
        "{:?}",
        r.body
    );
    assert_eq!(r.body["items"][0]["alternate_mobile"], "+14255550100");

    let r = api
        .patch("/api/v1/account", &json!({ "country": "FR" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let csv = "name,mobile\nAmélie Martin,06 05 60 57 38\nBad Number,06 05\n";
    let (status, body) = post_csv(&api, "/api/v1/users/import", csv, "text/csv").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "line[3].mobile", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("06 05"),
        "{body}"
    );
    let csv = "name,mobile\nAmélie Martin,06 05 60 57 38\n";
    let (status, body) = post_csv(&api, "/api/v1/users/import", csv, "text/csv").await;
    assert_eq!(status, 201, "{body}");
    let r = api.get("/api/v1/users?q=Am%C3%A9lie").await;
    assert_eq!(r.body["items"][0]["mobile"], "+33605605738", "{:?}", r.body);
}

crate::on_both!(
    an_import_reads_national_numbers_in_the_accounts_country,
    exporting_needs_the_export_permission_and_every_export_is_audited,
    an_administrator_imports_users_all_or_nothing_with_a_dry_run_first,
    an_export_lists_only_the_callers_account_and_basic_users_cannot_import,
);
