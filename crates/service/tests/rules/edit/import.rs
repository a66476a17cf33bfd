//! Users in bulk: CSV import (all or nothing, per-row errors, dry run) and export.

use serde_json::json;
use switchboard_domain::{Plan, UserStatus};
use switchboard_service::users::UserQuery;
use switchboard_testkit::{TestApp, both_backends};

use crate::edit::{department, mails_to};

async fn names(app: &TestApp, ctx: &switchboard_service::Ctx) -> Vec<String> {
    app.sb
        .list_users(ctx, &UserQuery::default(), None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|u| u.name.to_string())
        .collect()
}

async fn an_import_adds_every_row_with_departments_by_name_and_invites_panel_users(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let support = department(&app, &acct.owner_ctx, "Support", vec![], vec![]).await;
    let csv = "name,email,mobile,extension,role,panel_access,departments,tags\n\
               Priya Sharma,priya@acme.example.com,+919876543210,204,Manager,yes,support,night;hindi\n\
               Rahul Verma,,+919812345678,,,no,Support,\n";
    let report = app
        .sb
        .import_users(&acct.owner_ctx, csv, false)
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.committed());
    assert_eq!(report.rows, 2);
    let lines: Vec<u64> = report.added.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 3]);
    let priya = &report.added[0].1.user;
    assert_eq!(priya.status, UserStatus::PendingInvite);
    assert_eq!(priya.extension.value(), 204);
    assert_eq!(priya.tags.len(), 2);
    assert!(report.added[0].1.invite_link.is_some());
    assert_eq!(report.added[1].1.user.status, UserStatus::Active);
    assert_eq!(
        mails_to(&app, &acct.owner_ctx, "priya@acme.example.com")
            .await
            .len(),
        1
    );
    let deps = app
        .sb
        .get_department(&acct.owner_ctx, support)
        .await
        .unwrap();
    assert_eq!(deps.members.len(), 2);
}

async fn an_import_with_any_bad_row_adds_nobody_and_names_every_problem(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    app.user(
        &acct.owner_ctx,
        json!({"name": "Asha Rao", "mobile": "+919800000001", "extension": "204"}),
    )
    .await;
    let csv = "name,email,mobile,extension,panel_access\n\
               Priya Sharma,priya@acme.example.com,+919876543210,,yes\n\
               Rahul Verma,,+919812345678,204,\n\
               Meera Iyer,not-an-email,,,maybe\n\
               Priya Again,PRIYA@acme.example.com,,,\n";
    let before = names(&app, &acct.owner_ctx).await;
    let report = app
        .sb
        .import_users(&acct.owner_ctx, csv, false)
        .await
        .unwrap();
    assert!(!report.committed());
    let found: Vec<(u64, &str, &str)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "extension", "extension_taken"),
            (4, "panel_access", "invalid"),
            (4, "email", "invalid"),
            (5, "email", "duplicate_email"),
        ]
    );
    assert!(
        report.errors[0].message.contains("Asha Rao"),
        "{}",
        report.errors[0].message
    );
    assert_eq!(
        names(&app, &acct.owner_ctx).await,
        before,
        "nobody was added"
    );
    assert!(
        mails_to(&app, &acct.owner_ctx, "priya@acme.example.com")
            .await
            .is_empty(),
        "no invite left the outbox for a rolled back import"
    );
}

async fn a_dry_run_checks_seats_across_rows_and_writes_nothing(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 2).await;
    let csv = "name,email,panel_access\n\
               Priya Sharma,priya@acme.example.com,yes\n\
               Rahul Verma,rahul@acme.example.com,yes\n";
    let report = app
        .sb
        .import_users(&acct.owner_ctx, csv, true)
        .await
        .unwrap();
    assert_eq!(report.added.len(), 1, "the owner and Priya fill both seats");
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 3);
    assert_eq!(report.errors[0].code, "seat_limit_reached");

    let ok = "name,email,panel_access\nPriya Sharma,priya@acme.example.com,yes\n";
    let report = app
        .sb
        .import_users(&acct.owner_ctx, ok, true)
        .await
        .unwrap();
    assert!(report.errors.is_empty() && report.dry_run && !report.committed());
    assert_eq!(names(&app, &acct.owner_ctx).await, ["Olivia Owner"]);
}

async fn a_basic_user_cannot_import_and_an_export_round_trips(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let basic = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Basil Basic", "email": "basil@acme.example.com", "panel_access": true}),
        )
        .await;
    let basic_ctx = switchboard_service::Ctx::user(acct.id, basic, "test");
    let refused = app
        .sb
        .import_users(&basic_ctx, "name\nX\n", false)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "forbidden");

    department(&app, &acct.owner_ctx, "Sales, North", vec![basic], vec![]).await;
    let csv = app.sb.export_users(&acct.owner_ctx).await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,name,email,mobile,alternate_mobile,extension,role,panel_access,receive_calls,\
         time_zone,departments,tags,voicemail,status,created_at"
    );
    let basil = lines.find(|l| l.contains("Basil Basic")).unwrap();
    assert!(basil.contains(",\"Sales, North\","), "{basil}");
    assert!(basil.contains(",Basic,true,true,Asia/Kolkata,"), "{basil}");

    let other = app.account("Globex", Plan::Pro, 5).await;
    department(&app, &other.owner_ctx, "Sales, North", vec![], vec![]).await;
    let without_owner: String = csv
        .lines()
        .filter(|l| !l.contains("Olivia Owner"))
        .map(|l| format!("{l}\n"))
        .collect();
    let report = app
        .sb
        .import_users(&other.owner_ctx, &without_owner, false)
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        names(&app, &other.owner_ctx).await,
        ["Basil Basic", "Olivia Owner"]
    );
}

both_backends!(
    an_import_adds_every_row_with_departments_by_name_and_invites_panel_users,
    an_import_with_any_bad_row_adds_nobody_and_names_every_problem,
    a_dry_run_checks_seats_across_rows_and_writes_nothing,
    a_basic_user_cannot_import_and_an_export_round_trips,
);
