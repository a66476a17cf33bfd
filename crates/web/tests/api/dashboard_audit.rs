//! The audit log page: filters, pages, before/after values as escaped text, the chain
//! check, who may open it, and tenant isolation.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::{Plan, UserPatch, UserPatchInput};

use crate::dashboard::signed_in;
use crate::support::Server;

async fn the_audit_log_filters_by_action_actor_kind_target_and_dates(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = s
        .app
        .user(
            ctx,
            json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
        )
        .await;
    s.app
        .user(
            ctx,
            json!({ "name": "Rahul Verma", "mobile": "+919812345678" }),
        )
        .await;
    s.app
        .sb
        .deactivate_user(&acct.system, priya, None)
        .await
        .unwrap();
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;

    let (status, page) = browser.page("/audit").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<h1>Audit log</h1>"), "{page}");
    let newest = page.find("<code>user.deactivated</code>").unwrap();
    let older = page.find("<code>user.created</code>").unwrap();
    assert!(newest < older, "newest first");
    assert!(
        page.contains("<option value=\"user.deactivated\">"),
        "{page}"
    );
    assert!(page.contains("switchboard CLI"), "the system actor: {page}");

    let (_, page) = browser.page("/audit?action=user.created").await;
    assert!(
        page.contains(">Priya Sharma</a>") && page.contains(">Rahul Verma</a>"),
        "{page}"
    );
    assert!(!page.contains("<code>user.deactivated</code>"), "{page}");
    assert!(
        page.contains("<option value=\"user.created\" selected>"),
        "{page}"
    );

    let (_, page) = browser.page("/audit?actor_kind=system").await;
    assert!(page.contains("<code>user.deactivated</code>"), "{page}");
    assert!(!page.contains("<code>user.signed_in</code>"), "{page}");
    let (_, page) = browser.page("/audit?actor_kind=user").await;
    assert!(page.contains("<code>user.signed_in</code>"), "{page}");
    assert!(!page.contains("<code>user.deactivated</code>"), "{page}");

    let (_, page) = browser.page(&format!("/audit?target={priya}")).await;
    assert!(page.contains("<code>user.deactivated</code>"), "{page}");
    assert!(page.contains("<code>user.created</code>"), "{page}");
    assert!(page.contains("Priya Sharma<div"), "{page}");
    assert!(!page.contains("Rahul Verma<div"), "{page}");

    // The test clock's today in Asia/Kolkata, the owner's time zone.
    let today = s
        .app
        .sb
        .now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Kolkata").unwrap())
        .date();
    let tomorrow = today.tomorrow().unwrap();
    let (_, page) = browser
        .page(&format!("/audit?from={today}&to={today}"))
        .await;
    assert!(page.contains("<code>user.created</code>"), "{page}");
    let (_, page) = browser.page(&format!("/audit?from={tomorrow}")).await;
    assert!(page.contains("No events match these filters."), "{page}");
    let (_, page) = browser.page("/audit?from=31/12/2025").await;
    assert!(page.contains("could not be read"), "{page}");

    // Cursor pages of 50, newest first.
    for i in 0..50 {
        s.app
            .user(
                ctx,
                json!({ "name": format!("Caller {i:02}"), "mobile": format!("+9198000000{i:02}") }),
            )
            .await;
    }
    let (_, page) = browser.page("/audit?action=user.created").await;
    let next = page
        .split("href=\"")
        .find_map(|h| {
            let h = h.split('"').next().unwrap();
            h.contains("cursor=").then(|| h.replace("&#38;", "&"))
        })
        .expect("a next page");
    assert!(next.contains("action=user.created"), "{next}");
    let (_, older) = browser.page(&next).await;
    assert!(older.contains(">Priya Sharma</a>"), "{older}");
    assert!(!older.contains(">Caller 49</a>"), "{older}");
    assert!(older.contains(">Newest</a>"), "{older}");
}

async fn basic_and_manager_users_are_refused_the_audit_log(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    for (name, email, role) in [
        ("Bea Basic", "bea@acme.example.com", "Basic"),
        ("Max Manager", "max@acme.example.com", "Manager"),
    ] {
        s.app
            .user(
                &acct.owner_ctx,
                json!({ "name": name, "email": email, "panel_access": true, "role": role }),
            )
            .await;
        let (browser, _) = signed_in(&s, email).await;
        let (_, users) = browser.page("/users").await;
        assert!(!users.contains("href=\"/audit\""), "{role}: {users}");
        for path in ["/audit", "/audit?verify=1", "/audit?action=user.created"] {
            let (status, page) = browser.page(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(page.contains("does not open the audit log"), "{page}");
            assert!(!page.contains("user.created</code>"), "{page}");
        }
    }
}

async fn markup_in_before_and_after_values_renders_as_escaped_text(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let id = s
        .app
        .user(
            ctx,
            json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
        )
        .await;
    let patch = UserPatch::parse(&UserPatchInput {
        name: Some("<script>alert(1)</script>".to_owned()),
        ..UserPatchInput::default()
    })
    .unwrap();
    s.app.sb.edit_user(ctx, id, patch, None).await.unwrap();
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    let (_, page) = browser.page("/audit?action=user.updated").await;
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(
        page.contains("<tr><th scope=\"row\">name</th><td>Priya Sharma</td><td>&#60;script&#62;alert(1)&#60;/script&#62;</td></tr>"),
        "the name before and after, side by side: {page}"
    );
}

async fn verifying_the_chain_says_intact_or_where_it_broke(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    let (_, page) = browser.page("/audit").await;
    assert!(page.contains("href=\"/audit?verify=1\""), "{page}");
    assert!(!page.contains("id=\"chain\""), "only when asked: {page}");
    let (_, page) = browser.page("/audit?verify=1").await;
    assert!(page.contains("Chain intact: all"), "{page}");
    switchboard_testkit::tamper_audit_event(&s.app.db.db, acct.id, 2).await;
    let (_, page) = browser.page("/audit?verify=1").await;
    assert!(page.contains("Chain broken at event 2"), "{page}");
}

async fn another_accounts_events_never_show(s: Server) {
    let acme = s.account("Acme", Plan::Pro, 5).await;
    let globex = s.account("Globex", Plan::Pro, 5).await;
    let theirs = s
        .app
        .user(
            &globex.owner_ctx,
            json!({ "name": "Gina Globex", "mobile": "+919800000009" }),
        )
        .await;
    s.app
        .user(
            &acme.owner_ctx,
            json!({ "name": "Arun Acme", "mobile": "+919800000001" }),
        )
        .await;
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    for path in [
        "/audit".to_owned(),
        format!("/audit?target={theirs}"),
        format!("/audit?actor={}", globex.owner),
    ] {
        let (status, page) = browser.page(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!page.contains("Gina Globex"), "{path}: {page}");
        assert!(!page.contains("Globex"), "{path}: {page}");
    }
    let (_, page) = browser.page("/audit").await;
    assert!(page.contains("Arun Acme"), "{page}");
}

crate::on_both!(
    the_audit_log_filters_by_action_actor_kind_target_and_dates,
    basic_and_manager_users_are_refused_the_audit_log,
    markup_in_before_and_after_values_renders_as_escaped_text,
    verifying_the_chain_says_intact_or_where_it_broke,
    another_accounts_events_never_show,
);
