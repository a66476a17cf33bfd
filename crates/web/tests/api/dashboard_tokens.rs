//! The API tokens page: a new secret is shown once and works, revoking stops it, expiry
//! ends it, the SCIM token of the Administrators, who may open the page, and CSRF.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::Plan;

use crate::dashboard::signed_in;
use crate::support::{Client, Server};

/// The secret shown on a page, if any.
fn secret_on(page: &str) -> Option<String> {
    let at = page.find("<code class=\"secret\">")?;
    let rest = &page[at + "<code class=\"secret\">".len()..];
    Some(rest[..rest.find("</code>")?].to_owned())
}

/// The id of the role named `name`.
async fn role_id(s: &Server, ctx: &switchboard_service::Ctx, name: &str) -> String {
    s.app
        .sb
        .list_roles(ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name.as_str() == name)
        .unwrap()
        .id
        .to_string()
}

/// The id of the (only) token named `name` in the account.
async fn token_id(s: &Server, ctx: &switchboard_service::Ctx, name: &str) -> String {
    s.app
        .sb
        .list_api_tokens(ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap()
        .id
        .to_string()
}

async fn create(
    browser: &Client,
    csrf: &str,
    name: &str,
    role: &str,
    expires: &str,
) -> (StatusCode, String) {
    let (status, _, page) = browser
        .post_form(
            "/api-tokens",
            &[
                ("csrf_token", csrf),
                ("name", name),
                ("scopes", "api"),
                ("role", role),
                ("expires", expires),
            ],
            &[],
        )
        .await;
    (status, page)
}

async fn a_new_token_shows_its_secret_once_and_works_until_revoked(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let (status, page) = browser.page("/api-tokens").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No tokens yet."), "{page}");
    assert!(page.contains("value=\"calls:ingest\""), "{page}");
    assert!(page.contains("value=\"sip:proxy\""), "{page}");

    let basic = role_id(&s, &acct.owner_ctx, "Basic").await;
    let (status, page) = create(&browser, &csrf, "CRM <sync>", &basic, "").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("CRM &#60;sync&#62; was created. Copy its secret now"),
        "{page}"
    );
    let secret = secret_on(&page).expect("the secret, shown once");
    assert!(secret.starts_with("sbt_"), "{secret}");

    let api = s.as_token(&secret);
    let r = api.get("/api/v1/users").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "X", "mobile": "+919800000001" }),
        )
        .await;
    assert_eq!(r.status, 403, "bounded by the Basic role: {:?}", r.body);

    let (_, page) = browser.page("/api-tokens").await;
    assert!(secret_on(&page).is_none(), "never shown again: {page}");
    assert!(!page.contains(&secret), "{page}");
    assert!(page.contains("CRM &#60;sync&#62;"), "{page}");
    assert!(page.contains("as Basic"), "{page}");

    let id = token_id(&s, &acct.owner_ctx, "CRM <sync>").await;
    let (status, page) = browser.page(&format!("/api-tokens/{id}/revoke")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("refused from its very next request"),
        "{page}"
    );
    assert_eq!(api.get("/api/v1/users").await.status, 200, "not yet");
    let (status, _, page) = browser
        .post_form(
            &format!("/api-tokens/{id}/revoke"),
            &[("csrf_token", &csrf)],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("CRM &#60;sync&#62; was revoked: anything still using it is refused"),
        "{page}"
    );
    assert!(page.contains("Revoked</span>"), "{page}");
    assert_eq!(api.get("/api/v1/users").await.status, 401);
    let (status, _) = browser.page("/api-tokens/not-an-id/revoke").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_token_with_an_expiry_stops_working_then_and_says_so(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let admin = role_id(&s, &acct.owner_ctx, "Administrator").await;
    let (_, page) = create(&browser, &csrf, "Weekly report", &admin, "7").await;
    let secret = secret_on(&page).unwrap();
    let api = s.as_token(&secret);
    assert_eq!(api.get("/api/v1/users").await.status, 200);
    let (_, page) = browser.page("/api-tokens").await;
    assert!(
        !page.contains("<td class=\"sub\">Never</td>"),
        "last used and expiry are both known: {page}"
    );

    s.app.clock.advance(SignedDuration::from_hours(7 * 24 + 1));
    assert_eq!(api.get("/api/v1/users").await.status, 401);
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    let (_, page) = browser.page("/api-tokens").await;
    assert!(page.contains("Expired</span>"), "{page}");
}

async fn the_form_names_what_was_wrong_and_keeps_what_was_typed(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let (status, _, page) = browser
        .post_form(
            "/api-tokens",
            &[("csrf_token", &csrf), ("name", ""), ("expires", "30")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Give the token a name"), "{page}");
    assert!(
        page.contains("Tick at least one thing the token may do."),
        "{page}"
    );
    assert!(page.contains("<option value=\"30\" selected>"), "{page}");
    let (status, page) = create(&browser, &csrf, "Billing", "", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Choose the role that bounds"), "{page}");
    assert!(page.contains("value=\"Billing\""), "{page}");
    let (status, page) = create(&browser, &csrf, &"x".repeat(101), "Basic", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("Name must be 1-100 characters"), "{page}");
    assert!(
        s.app
            .sb
            .list_api_tokens(&acct.owner_ctx)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn an_administrator_creates_the_scim_token_which_works_at_scim_v2(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let (_, page) = browser.page("/api-tokens").await;
    assert!(page.contains("SCIM provisioning"), "{page}");
    assert!(
        page.contains("<code id=\"scim-url\">http://127.0.0.1:8080/scim/v2</code>"),
        "{page}"
    );
    let (status, _, page) = browser
        .post_form(
            "/api-tokens/scim",
            &[("csrf_token", &csrf), ("name", "Entra ID")],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let secret = secret_on(&page).unwrap();
    assert!(page.contains("set the SCIM base URL"), "{page}");
    let scim = s.as_token(&secret);
    let r = scim.scim(reqwest::Method::GET, "/Users", None, &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        s.as_token(&secret).get("/api/v1/users").await.status,
        401,
        "not an API token"
    );
    let id = token_id(&s, &acct.owner_ctx, "Entra ID").await;
    browser
        .post_form(
            &format!("/api-tokens/{id}/revoke"),
            &[("csrf_token", &csrf)],
            &[],
        )
        .await;
    let r = scim.scim(reqwest::Method::GET, "/Users", None, &[]).await;
    assert_eq!(r.status, 401);
}

async fn basic_users_are_refused_and_managers_get_only_what_the_service_allows(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let admin = role_id(&s, &acct.owner_ctx, "Administrator").await;
    let manager_role = role_id(&s, &acct.owner_ctx, "Manager").await;
    s.token(&acct.owner_ctx, "Administrator").await;
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
    }
    let (bea, csrf) = signed_in(&s, "bea@acme.example.com").await;
    let (status, page) = bea.page("/api-tokens").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    let (status, _) = create(&bea, &csrf, "Mine", &admin, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (max, csrf) = signed_in(&s, "max@acme.example.com").await;
    let (status, page) = max.page("/api-tokens").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        !page.contains("test Administrator"),
        "the owner's token is not theirs: {page}"
    );
    assert!(!page.contains("value=\"calls:ingest\""), "{page}");
    assert!(!page.contains("value=\"sip:proxy\""), "{page}");
    assert!(!page.contains("SCIM provisioning"), "{page}");
    assert!(
        !page.contains(&format!("<option value=\"{admin}\"")),
        "{page}"
    );
    let (status, page) = create(&max, &csrf, "Too strong", &admin, "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (status, page) = create(&max, &csrf, "Team sync", &manager_role, "").await;
    assert_eq!(status, 200, "{page}");
    assert!(secret_on(&page).is_some(), "{page}");
    let (status, _, page) = max
        .post_form("/api-tokens/scim", &[("csrf_token", &csrf)], &[])
        .await;
    assert_eq!(status, 200, "back to the page with the refusal");
    assert!(secret_on(&page).is_none(), "{page}");
    assert!(
        page.contains("Your role does not allow you to create SCIM provisioning tokens"),
        "{page}"
    );
    let owners = token_id(&s, &acct.owner_ctx, "test Administrator").await;
    let (status, _) = max.page(&format!("/api-tokens/{owners}/revoke")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = max
        .post_form(
            &format!("/api-tokens/{owners}/revoke"),
            &[("csrf_token", &csrf)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let tokens = s.app.sb.list_api_tokens(&acct.owner_ctx).await.unwrap();
    assert!(tokens.iter().all(|t| t.revoked_at.is_none()));
    assert_eq!(tokens.len(), 2, "the owner's and Team sync");
}

async fn token_forms_without_the_csrf_token_are_refused(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let secret = s.token(&acct.owner_ctx, "Administrator").await;
    let id = token_id(&s, &acct.owner_ctx, "test Administrator").await;
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    let (status, page) = create(&browser, "forged", "Sneaky", "Basic", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(secret_on(&page).is_none());
    for path in [
        "/api-tokens/scim".to_owned(),
        format!("/api-tokens/{id}/revoke"),
    ] {
        let (status, _, page) = browser.post_form(&path, &[], &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains("Reload the page"), "{page}");
    }
    let tokens = s.app.sb.list_api_tokens(&acct.owner_ctx).await.unwrap();
    assert_eq!(tokens.len(), 1, "nothing was created");
    assert_eq!(
        s.as_token(&secret).get("/api/v1/users").await.status,
        200,
        "nor revoked"
    );
}

crate::on_both!(
    a_new_token_shows_its_secret_once_and_works_until_revoked,
    a_token_with_an_expiry_stops_working_then_and_says_so,
    the_form_names_what_was_wrong_and_keeps_what_was_typed,
    an_administrator_creates_the_scim_token_which_works_at_scim_v2,
    basic_users_are_refused_and_managers_get_only_what_the_service_allows,
    token_forms_without_the_csrf_token_are_refused,
);
