//! Reading the audit log and the outbox a page at a time: newest first, filters holding
//! across pages, opaque cursors, one account only, administrators only; and revoking an
//! API token twice records it once.

use jiff::SignedDuration;
use serde_json::json;
use switchboard_domain::AuditFilter;
use switchboard_domain::{Plan, RoleRef};
use switchboard_service::Ctx;
use switchboard_testkit::{TestApp, both_backends};

use crate::life::support::{code, events, token_works};

async fn the_audit_log_pages_newest_first_and_filters_hold_across_pages(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let ctx = &acct.owner_ctx;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(
            app.user(
                ctx,
                json!({"name": format!("User {i}"), "mobile": format!("+91987654321{i}")}),
            )
            .await,
        );
        app.clock.advance(SignedDuration::from_mins(1));
    }
    let oldest_first: Vec<i64> = events(&app, acct.id).await.iter().map(|e| e.seq).collect();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .sb
            .audit_events_page(ctx, &AuditFilter::default(), cursor.as_deref(), 3)
            .await
            .unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|e| e.seq));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut newest_first = oldest_first.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let created = AuditFilter {
        action: Some("user.created".to_owned()),
        ..AuditFilter::default()
    };
    let first = app
        .sb
        .audit_events_page(ctx, &created, None, 2)
        .await
        .unwrap();
    let targets: Vec<_> = first
        .items
        .iter()
        .map(|e| e.event.target_id.clone())
        .collect();
    assert_eq!(
        targets,
        [Some(users[3].to_string()), Some(users[2].to_string())]
    );
    let rest = app
        .sb
        .audit_events_page(ctx, &created, first.next_cursor.as_deref(), 10)
        .await
        .unwrap();
    assert!(rest.items.iter().all(|e| e.event.action == "user.created"));
    assert!(
        rest.items
            .iter()
            .any(|e| e.event.target_id == Some(users[0].to_string()))
    );
    assert_eq!(rest.next_cursor, None);

    let bad = app
        .sb
        .audit_events_page(ctx, &AuditFilter::default(), Some("not hex"), 10)
        .await;
    assert_eq!(code(bad), "validation_failed");
}

async fn only_administrators_page_through_the_log_and_the_outbox(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let manager = app
        .user(
            &acct.owner_ctx,
            json!({"name": "Mona Manager", "email": "mona@acme.example.com", "panel_access": true, "role": "Manager"}),
        )
        .await;
    let as_manager = Ctx::user(acct.id, manager, "test");
    let r = app
        .sb
        .audit_events_page(&as_manager, &AuditFilter::default(), None, 10)
        .await;
    assert_eq!(code(r), "forbidden");
    assert_eq!(
        code(app.sb.mail_page(&as_manager, None, 10).await),
        "forbidden"
    );
}

async fn the_outbox_pages_newest_first_within_one_account(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let other = app.account("Globex", Plan::Pro, 10).await;
    for i in 0..3 {
        app.user(
            &acct.owner_ctx,
            json!({"name": format!("User {i}"), "email": format!("u{i}@acme.example.com"), "panel_access": true}),
        )
        .await;
        app.clock.advance(SignedDuration::from_secs(1));
    }
    let all = app.sb.list_mail(&acct.owner_ctx, 1000).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = app
            .sb
            .mail_page(&acct.owner_ctx, cursor.as_deref(), 2)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|m| m.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, all.iter().map(|m| m.id).collect::<Vec<_>>());
    assert!(all[0].mail.to.starts_with("u2@"));
    let theirs = app.sb.mail_page(&other.owner_ctx, None, 100).await.unwrap();
    assert!(
        theirs
            .items
            .iter()
            .all(|m| !m.mail.to.ends_with("@acme.example.com"))
    );
}

async fn revoking_a_token_twice_records_one_event(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let (t, secret) = app
        .sb
        .create_api_token(ctx, "ci", "api", Some(RoleRef::parse("Basic")), None)
        .await
        .unwrap();
    assert!(token_works(&app, &secret).await);
    app.sb.revoke_api_token(ctx, t.id).await.unwrap();
    app.sb.revoke_api_token(ctx, t.id).await.unwrap();
    assert!(!token_works(&app, &secret).await);
    let revoked = events(&app, acct.id)
        .await
        .iter()
        .filter(|e| e.event.action == "api_token.revoked")
        .count();
    assert_eq!(revoked, 1);
}

both_backends!(
    the_audit_log_pages_newest_first_and_filters_hold_across_pages,
    only_administrators_page_through_the_log_and_the_outbox,
    the_outbox_pages_newest_first_within_one_account,
    revoking_a_token_twice_records_one_event,
);
