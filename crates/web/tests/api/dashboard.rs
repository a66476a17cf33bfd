//! The dashboard's pages over real connections, as a browser uses them: CSRF on every
//! form, escaping, what each role can reach, tenant isolation, and htmx fragments.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::{DepartmentId, Name, Plan, UserId, UserStatus};
use switchboard_service::departments::NewDepartment;

use crate::support::{Client, Server};

const PASSWORD: &str = "correct horse battery";

/// Signs in through the sign-in form; returns the cookie-keeping client and its CSRF token.
pub(crate) async fn signed_in(s: &Server, email: &str) -> (Client, String) {
    let browser = s.browser();
    let (status, _, page) = browser
        .post_form("/sign-in", &[("email", email), ("password", PASSWORD)], &[])
        .await;
    assert_eq!(status, 200, "{page}");
    let csrf = browser.get("/api/v1/session").await.body["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (browser, csrf)
}

async fn department(
    s: &Server,
    ctx: &switchboard_service::Ctx,
    name: &str,
    members: Vec<UserId>,
    managers: Vec<UserId>,
) -> DepartmentId {
    s.app
        .sb
        .create_department(
            ctx,
            NewDepartment {
                members,
                managers,
                ..NewDepartment::named(Name::parse("name", name).unwrap())
            },
        )
        .await
        .unwrap()
        .id
}

async fn a_dashboard_form_post_without_the_csrf_token_is_refused(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let form = |token: &'static str| {
        vec![
            ("csrf_token", token),
            ("name", "Priya Sharma"),
            ("mobile", "+919876543210"),
            ("receive_calls", "on"),
        ]
    };
    for token in ["", "forged-token"] {
        let (status, _, page) = browser.post_form("/users", &form(token), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(page.contains("Reload the page"), "{page}");
    }
    let rahul = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Rahul Verma", "mobile": "+919812345678" }),
        )
        .await;
    let (status, _, _) = browser
        .post_form(&format!("/users/{rahul}/deactivate"), &[], &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let users = s
        .app
        .sb
        .list_users(&acct.owner_ctx, &Default::default(), None, 50)
        .await
        .unwrap();
    assert_eq!(users.items.len(), 2, "nothing was added");
    let r = s.app.sb.get_user(&acct.owner_ctx, rahul).await.unwrap();
    assert_eq!(r.status, UserStatus::Active, "nothing was deactivated");

    let mut with_token = form("");
    with_token[0].1 = &csrf;
    let (status, _, page) = browser.post_form("/users", &with_token, &[]).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Priya Sharma was added as a call-only user on extension"),
        "{page}"
    );
    // The flash is shown once.
    let (_, again) = browser.page("/users").await;
    assert!(!again.contains("was added"), "{again}");
}

async fn a_name_with_markup_renders_as_text(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let id = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "<script>alert(1)</script>", "mobile": "+919812345678" }),
        )
        .await;
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    for path in [
        "/users".to_owned(),
        format!("/users/{id}/edit"),
        format!("/users/{id}/delete"),
    ] {
        let (status, page) = browser.page(&path).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}: {page}"
        );
        assert!(!page.contains("<script>alert(1)"), "{path}: {page}");
    }
}

async fn a_basic_user_sees_users_read_only_and_cannot_reach_admin_pages_or_actions(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let basic = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    let (browser, csrf) = signed_in(&s, "priya@acme.example.com").await;
    let (status, page) = browser.page("/users").await;
    assert_eq!(status, 200);
    assert!(page.contains("Olivia Owner"), "{page}");
    assert!(!page.contains("href=\"/users/new\""), "{page}");
    assert!(!page.contains("/deactivate"), "{page}");
    assert!(!page.contains("href=\"/mail\""), "{page}");
    for path in [
        "/users/new",
        "/mail",
        "/departments",
        "/audit",
        "/api-tokens",
    ] {
        let (status, page) = browser.page(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {page}");
    }
    let owner = acct.owner;
    let (status, page) = browser.page(&format!("/users/{owner}/edit")).await;
    assert_eq!(status, 200);
    assert!(page.contains("does not allow you to change it"), "{page}");
    assert!(!page.contains("Save changes"), "{page}");

    for action in ["deactivate", "replace", "delete"] {
        let (status, page) = browser.page(&format!("/users/{owner}/{action}")).await;
        assert_eq!(status, 200, "back to the list");
        assert!(
            page.contains("your role does not allow you to")
                || page.contains("Your role does not allow you to"),
            "{action}: {page}"
        );
    }
    // Forged posts are refused by the service, and say so.
    let (status, _, page) = browser
        .post_form(
            &format!("/users/{owner}/deactivate"),
            &[("csrf_token", &csrf)],
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("class=\"flash error\""), "{page}");
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{owner}/edit"),
            &[("csrf_token", &csrf), ("name", "Mallory")],
            &[],
        )
        .await;
    assert!(page.contains("class=\"flash error\""), "{page}");
    let o = s.app.sb.get_user(&acct.owner_ctx, owner).await.unwrap();
    assert_eq!(o.status, UserStatus::Active);
    assert_eq!(o.name.as_str(), "Olivia Owner");

    // Their own profile: name, time zone and availability only.
    let (_, page) = browser.page(&format!("/users/{basic}/edit")).await;
    assert!(page.contains("Your profile"), "{page}");
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{basic}/edit"),
            &[
                ("csrf_token", &csrf),
                ("name", "Priya S."),
                ("time_zone", "Europe/London"),
                ("availability", "busy"),
                ("extension", "999"),
            ],
            &[],
        )
        .await;
    assert!(page.contains("Your profile was saved."), "{page}");
    let me = s.app.sb.get_user(&acct.owner_ctx, basic).await.unwrap();
    assert_eq!(me.name.as_str(), "Priya S.");
    assert_eq!(me.time_zone.as_str(), "Europe/London");
    assert_ne!(me.extension.to_string(), "999", "not a self-service field");
}

async fn a_manager_edits_only_the_users_of_their_departments(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let manager = s
        .app
        .user(
            ctx,
            json!({ "name": "Maya Manager", "email": "maya@acme.example.com", "panel_access": true, "role": "Manager" }),
        )
        .await;
    let member = s
        .app
        .user(
            ctx,
            json!({ "name": "Nia Member", "mobile": "+919800000001" }),
        )
        .await;
    let outsider = s
        .app
        .user(
            ctx,
            json!({ "name": "Omar Outsider", "mobile": "+919800000002" }),
        )
        .await;
    department(&s, ctx, "Support", vec![member], vec![manager]).await;
    let (browser, csrf) = signed_in(&s, "maya@acme.example.com").await;
    let (_, page) = browser.page("/users").await;
    assert!(
        page.contains(&format!("/users/{member}/edit\">Edit")),
        "{page}"
    );
    assert!(
        !page.contains(&format!("/users/{outsider}/edit\">Edit")),
        "{page}"
    );
    for (id, name) in [(member, "Nia M."), (outsider, "Omar O.")] {
        browser
            .post_form(
                &format!("/users/{id}/edit"),
                &[("csrf_token", &csrf), ("name", name)],
                &[],
            )
            .await;
    }
    let get = |id| s.app.sb.get_user(ctx, id);
    assert_eq!(get(member).await.unwrap().name.as_str(), "Nia M.");
    assert_eq!(get(outsider).await.unwrap().name.as_str(), "Omar Outsider");
}

async fn another_accounts_user_answers_404(s: Server) {
    let _acme = s.account("Acme", Plan::Pro, 5).await;
    let globex = s.account("Globex", Plan::Pro, 5).await;
    let theirs = s
        .app
        .user(
            &globex.owner_ctx,
            json!({ "name": "Gina Globex", "mobile": "+14155550100" }),
        )
        .await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    for path in ["edit", "delete", "replace", "deactivate"] {
        let (status, page) = browser.page(&format!("/users/{theirs}/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {page}");
        assert!(!page.contains("Gina"), "{page}");
    }
    for path in ["deactivate", "delete", "edit"] {
        let (status, _, _) = browser
            .post_form(
                &format!("/users/{theirs}/{path}"),
                &[("csrf_token", &csrf), ("name", "Hijacked")],
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let g = s.app.sb.get_user(&globex.owner_ctx, theirs).await.unwrap();
    assert_eq!(g.status, UserStatus::Active);
    assert_eq!(g.name.as_str(), "Gina Globex");
    let (_, page) = browser.page("/users").await;
    assert!(!page.contains("Gina"), "{page}");
    let (status, _) = browser.page("/users/not-a-uuid/edit").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_live_search_answers_only_the_results_to_htmx(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "mobile": "+919876543210" }),
        )
        .await;
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    let res = browser
        .http
        .get(format!("{}/users?q=priya", browser.base))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let fragment = res.text().await.unwrap();
    assert!(fragment.contains("Priya Sharma"), "{fragment}");
    assert!(!fragment.contains("Olivia Owner"), "{fragment}");
    assert!(!fragment.contains("<nav"), "only the results: {fragment}");
    let (_, page) = browser.page("/users?q=priya").await;
    assert!(page.contains("<nav"), "a full page without htmx");
    assert!(
        page.contains("value=\"priya\""),
        "the search is kept: {page}"
    );

    // Signed out, htmx is told to load the sign-in page rather than swap it into the list.
    let anon = s.anonymous();
    let res = anon
        .http
        .get(format!("{}/users?q=priya", anon.base))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["hx-redirect"], "/sign-in");
    let (status, page) = anon.page("/users").await;
    assert_eq!(status, 200, "redirected to the sign-in page");
    assert!(page.contains("Sign in"), "{page}");
}

crate::on_both!(
    a_dashboard_form_post_without_the_csrf_token_is_refused,
    a_name_with_markup_renders_as_text,
    a_basic_user_sees_users_read_only_and_cannot_reach_admin_pages_or_actions,
    a_manager_edits_only_the_users_of_their_departments,
    another_accounts_user_answers_404,
    the_live_search_answers_only_the_results_to_htmx,
);
