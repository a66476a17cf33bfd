//! The dashboard's Departments, Test call, Numbers and Workflows pages: creating a
//! department, ordering its members, choosing managers, settings with field errors,
//! deleting; the ring plan with its reasons; owned resources added, handed over and
//! removed; and who may reach them.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::{Fallback, Plan};

use crate::dashboard::signed_in;
use crate::support::Server;

async fn an_administrator_builds_a_department_and_tests_a_call(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let asha = s
        .app
        .user(
            ctx,
            json!({ "name": "Asha Rao", "mobile": "+919800000301", "extension": "301" }),
        )
        .await;
    let bala = s
        .app
        .user(
            ctx,
            json!({ "name": "Bala Iyer", "mobile": "+919800000302", "extension": "302",
                    "receive_calls": false }),
        )
        .await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let csrf = csrf.as_str();

    let (status, _, page) = browser
        .post_form(
            "/departments",
            &[
                ("csrf_token", csrf),
                ("name", "Support"),
                ("routing_method", "sequential"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Support was created."), "{page}");
    let id = s.app.sb.list_departments(ctx).await.unwrap()[0].id;
    let path = format!("/departments/{id}");

    // A second department with the same name is refused on the list, the name kept.
    let (status, _, page) = browser
        .post_form(
            "/departments",
            &[
                ("csrf_token", csrf),
                ("name", "support"),
                ("routing_method", "ring_all"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("already exists"), "{page}");
    assert!(page.contains("value=\"support\""), "{page}");

    let members = format!("{path}/members");
    for who in [asha, bala] {
        let (status, _, page) = browser
            .post_form(
                &members,
                &[
                    ("csrf_token", csrf),
                    ("action", "add"),
                    ("user", &who.to_string()),
                ],
                &[],
            )
            .await;
        assert_eq!(status, 200, "{page}");
    }
    let (_, _, page) = browser
        .post_form(
            &members,
            &[
                ("csrf_token", csrf),
                ("action", "up"),
                ("user", &bala.to_string()),
            ],
            &[],
        )
        .await;
    assert!(page.contains("Bala Iyer now rings first."), "{page}");
    assert_eq!(
        s.app.sb.get_department(ctx, id).await.unwrap().members,
        [bala, asha]
    );
    let (_, _, page) = browser
        .post_form(
            &format!("{path}/managers"),
            &[
                ("csrf_token", csrf),
                ("action", "add"),
                ("user", &asha.to_string()),
            ],
            &[],
        )
        .await;
    assert!(page.contains("Asha Rao now manages Support"), "{page}");

    // Bad settings come back beside their fields with what was typed; nothing changes.
    let settings = |ring: &'static str, monday: &'static str| {
        vec![
            ("csrf_token", csrf),
            ("name", "Support"),
            ("routing_method", "sequential"),
            ("ring_time_secs", ring),
            ("time_zone", "Asia/Kolkata"),
            ("fallback", "none"),
            ("hours_monday", monday),
        ]
    };
    let (status, _, page) = browser.post_form(&path, &settings("2", "9am"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("between 5 and 300"), "{page}");
    assert!(page.contains("start-end"), "{page}");
    assert!(page.contains("value=\"2\""), "{page}");
    assert_eq!(
        s.app
            .sb
            .get_department(ctx, id)
            .await
            .unwrap()
            .ring_time_secs,
        20
    );

    let (status, _, page) = browser
        .post_form(&path, &settings("30", "09:00-18:00"), &[])
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Support&#39;s settings were saved."),
        "{page}"
    );
    let d = s.app.sb.get_department(ctx, id).await.unwrap();
    assert_eq!(d.ring_time_secs, 30);
    assert_eq!(d.fallback, Fallback::None);
    assert_eq!(d.time_zone.to_string(), "Asia/Kolkata");

    // Monday 10:00 in Kolkata: open; Asha rings, Bala does not and the page says why.
    let (status, page) = browser
        .page(&format!("/test-call?department={id}&at=2026-03-02T10:00"))
        .await;
    assert_eq!(status, 200, "{page}");
    let ring = page.split("<ol class=\"ring\">").nth(1).unwrap_or("");
    assert!(ring.contains("Asha Rao"), "{page}");
    assert!(
        !ring
            .split("</ol>")
            .next()
            .unwrap_or("")
            .contains("Bala Iyer"),
        "{page}"
    );
    assert!(page.contains("Receive calls is off"), "{page}");
    assert!(page.contains("the call ends"), "{page}");
    // Tuesday has no hours: closed, nobody rings.
    let (_, page) = browser
        .page(&format!("/test-call?department={id}&at=2026-03-03T10:00"))
        .await;
    assert!(page.contains("Nobody would ring"), "{page}");
    assert!(page.contains("the department is closed"), "{page}");

    let (status, _, page) = browser
        .post_form(&format!("{path}/delete"), &[("csrf_token", csrf)], &[])
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Support was deleted."), "{page}");
    assert!(s.app.sb.list_departments(ctx).await.unwrap().is_empty());
    assert_eq!(
        s.app.sb.get_user(ctx, asha).await.unwrap().name.as_str(),
        "Asha Rao"
    );
}

async fn department_pages_keep_to_the_account_the_role_and_the_session(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let mut new = switchboard_service::departments::NewDepartment::named(
        switchboard_domain::Name::parse("name", "<b>Sales</b>").unwrap(),
    );
    new.members = vec![acct.owner];
    let id = s.app.sb.create_department(ctx, new).await.unwrap().id;
    s.app
        .user(
            ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;

    // Markup in a name is text on every page that shows it.
    let (owner, csrf) = signed_in(&s, "owner@acme.example.com").await;
    for path in [
        "/departments".to_owned(),
        format!("/departments/{id}"),
        format!("/test-call?department={id}"),
    ] {
        let (status, page) = owner.page(&path).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(
            page.contains("&#60;b&#62;Sales&#60;/b&#62;"),
            "{path}: {page}"
        );
        assert!(!page.contains("<b>Sales"), "{path}: {page}");
    }
    // A form without the session's token changes nothing.
    let (status, _, _) = owner
        .post_form(
            &format!("/departments/{id}/members"),
            &[("action", "remove"), ("user", &acct.owner.to_string())],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.app.sb.get_department(ctx, id).await.unwrap().members,
        [acct.owner]
    );
    let _ = csrf;

    // A Basic user may test a call but not open or change departments.
    let (basic, basic_csrf) = signed_in(&s, "priya@acme.example.com").await;
    assert_eq!(basic.page("/departments").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        basic.page(&format!("/departments/{id}")).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _, _) = basic
        .post_form(
            &format!("/departments/{id}/delete"),
            &[("csrf_token", &basic_csrf)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        basic.page(&format!("/test-call?department={id}")).await.0,
        200
    );

    // Another account's administrator finds nothing.
    s.account("Other", Plan::Pro, 5).await;
    let (other, other_csrf) = signed_in(&s, "owner@other.example.com").await;
    let (status, page) = other.page(&format!("/departments/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    let (status, page) = other.page(&format!("/test-call?department={id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    assert!(!page.contains("Sales"), "{page}");
    let (status, _, _) = other
        .post_form(
            &format!("/departments/{id}/delete"),
            &[("csrf_token", &other_csrf)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(s.app.sb.get_department(ctx, id).await.is_ok());
}

async fn numbers_and_workflows_are_added_handed_over_and_removed(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let asha = s
        .app
        .user(
            ctx,
            json!({ "name": "Asha Rao", "mobile": "+919800000301", "extension": "301" }),
        )
        .await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let csrf = csrf.as_str();
    let owner = acct.owner.to_string();

    // A malformed number is refused with what was typed kept.
    let (status, _, page) = browser
        .post_form(
            "/numbers",
            &[
                ("csrf_token", csrf),
                ("first", "12345"),
                ("second", "Support line"),
                ("owner", &owner),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("value=\"12345\""), "{page}");
    assert!(page.contains("value=\"Support line\""), "{page}");
    let (status, _, page) = browser
        .post_form(
            "/numbers",
            &[
                ("csrf_token", csrf),
                ("first", "+918069871234"),
                ("second", "Support line"),
                ("owner", &owner),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("+918069871234 was added."), "{page}");
    let n = s.app.sb.list_numbers(ctx, None).await.unwrap()[0].clone();
    let (_, _, page) = browser
        .post_form(
            &format!("/numbers/{}/owner", n.id),
            &[("csrf_token", csrf), ("owner", &asha.to_string())],
            &[],
        )
        .await;
    assert!(
        page.contains("+918069871234 now belongs to Asha Rao."),
        "{page}"
    );
    assert_eq!(s.app.sb.get_number(ctx, n.id).await.unwrap().owner_id, asha);

    let (_, _, page) = browser
        .post_form(
            "/workflows",
            &[
                ("csrf_token", csrf),
                ("first", "After-hours IVR"),
                ("second", "ivr"),
                ("owner", &owner),
            ],
            &[],
        )
        .await;
    assert!(page.contains("After-hours IVR was added."), "{page}");
    let w = s.app.sb.list_workflows(ctx, None).await.unwrap()[0].clone();
    assert_eq!(w.kind.key(), "ivr");
    let (_, _, page) = browser
        .post_form(
            &format!("/workflows/{}/delete", w.id),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert!(page.contains("After-hours IVR was removed."), "{page}");
    assert!(s.app.sb.list_workflows(ctx, None).await.unwrap().is_empty());

    // Without the token nothing moves; another account cannot see or touch the number.
    let (status, _, _) = browser
        .post_form(&format!("/numbers/{}/delete", n.id), &[], &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.account("Other", Plan::Pro, 5).await;
    let (other, other_csrf) = signed_in(&s, "owner@other.example.com").await;
    let (_, page) = other.page("/numbers").await;
    assert!(page.contains("No numbers yet."), "{page}");
    assert!(!page.contains(&n.id.to_string()), "{page}");
    let (status, _, _) = other
        .post_form(
            &format!("/numbers/{}/delete", n.id),
            &[("csrf_token", &other_csrf)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(s.app.sb.get_number(ctx, n.id).await.is_ok());
}

async fn the_permission_matrix_is_saved_a_role_at_a_time_and_administrators_stay_whole(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let roles = s.app.sb.list_roles(ctx).await.unwrap();
    let role = |name: &str| {
        roles
            .iter()
            .find(|r| r.name.as_str() == name)
            .unwrap()
            .clone()
    };
    let (admin, manager) = (role("Administrator"), role("Manager"));
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let csrf = csrf.as_str();

    let (status, page) = browser.page("/roles").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Active Administrators now: <strong>1</strong>"),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "form=\"role-{}\" aria-label=\"View users: Administrator\" checked disabled",
            admin.id
        )),
        "the Administrator column is read-only: {page}"
    );

    // The Manager column as posted: its defaults plus the audit log.
    let mut column = vec![
        ("csrf_token", csrf),
        ("view_users", "on"),
        ("edit_users", "departments"),
        ("export", "on"),
        ("call_logs", "departments"),
        ("api_tokens", "on"),
        ("view_audit", "on"),
    ];
    let (_, _, page) = browser
        .post_form(&format!("/roles/{}", manager.id), &column, &[])
        .await;
    assert!(page.contains("permissions were saved"), "{page}");
    let now = s
        .app
        .sb
        .get_role(ctx, manager.id)
        .await
        .unwrap()
        .permissions;
    assert!(now.view_audit);
    assert!(!now.delete_users);

    // The Administrator role keeps every right.
    column.truncate(2);
    let (_, _, page) = browser
        .post_form(&format!("/roles/{}", admin.id), &column, &[])
        .await;
    assert!(page.contains("always has every permission"), "{page}");
    assert!(
        s.app
            .sb
            .get_role(ctx, admin.id)
            .await
            .unwrap()
            .permissions
            .delete_users
    );

    // A custom role starts from another's rights; a taken name comes back with what was typed.
    let basic = role("Basic");
    let (_, _, page) = browser
        .post_form(
            "/roles",
            &[
                ("csrf_token", csrf),
                ("name", "Team lead"),
                ("base", &basic.id.to_string()),
            ],
            &[],
        )
        .await;
    assert!(page.contains("Team lead was added"), "{page}");
    let (status, _, page) = browser
        .post_form(
            "/roles",
            &[
                ("csrf_token", csrf),
                ("name", "team lead"),
                ("base", &basic.id.to_string()),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("value=\"team lead\""), "{page}");
    let lead = s
        .app
        .sb
        .list_roles(ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name.as_str() == "Team lead")
        .unwrap();
    assert_eq!(lead.permissions, basic.permissions);
    let (_, _, page) = browser
        .post_form(
            &format!("/roles/{}/delete", lead.id),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert!(page.contains("The Team lead role was deleted."), "{page}");

    // Not for other roles, nor for another account.
    s.app
        .user(
            ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    let (basic_user, _) = signed_in(&s, "priya@acme.example.com").await;
    assert_eq!(basic_user.page("/roles").await.0, StatusCode::FORBIDDEN);
    s.account("Other", Plan::Pro, 5).await;
    let (other, other_csrf) = signed_in(&s, "owner@other.example.com").await;
    let (status, _, _) = other
        .post_form(
            &format!("/roles/{}", manager.id),
            &[("csrf_token", &other_csrf), ("view_users", "on")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        s.app
            .sb
            .get_role(ctx, manager.id)
            .await
            .unwrap()
            .permissions
            .view_audit
    );
}

crate::on_both!(
    the_permission_matrix_is_saved_a_role_at_a_time_and_administrators_stay_whole,
    numbers_and_workflows_are_added_handed_over_and_removed,
    an_administrator_builds_a_department_and_tests_a_call,
    department_pages_keep_to_the_account_the_role_and_the_session,
);
