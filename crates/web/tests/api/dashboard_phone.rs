//! The dashboard's SIP phones: the SIP domain on Plan & seats (Administrators), and a
//! user's Phone section — issue (the password shown once, with what to type into a
//! phone), rotate and revoke, each a form with the CSRF token — shown to whoever may edit
//! the user and to nobody else; a plain message while the account has no SIP domain.

use md5::Md5;
use reqwest::StatusCode;
use serde_json::json;
use sha2::Digest;
use switchboard_domain::{Plan, RoleRef};

use crate::dashboard::signed_in;
use crate::support::{Client, Server};
use crate::users::department;

const DOMAIN: &str = "acme.sip.example.com";

/// The text of the first `<code class="secret">` of a page.
fn secret(page: &str) -> String {
    let start = page
        .find("<code class=\"secret\">")
        .expect("a secret on the page")
        + 21;
    let end = page[start..].find("</code>").unwrap() + start;
    page[start..end].to_owned()
}

/// The HA1 (MD5) the SIP proxy is given for `username` at DOMAIN, if it may register.
async fn proxy_ha1(proxy: &Client, username: &str) -> Option<String> {
    let r = proxy
        .get(&format!(
            "/api/v1/sip/credentials?username={username}&domain={DOMAIN}"
        ))
        .await;
    (r.status == 200).then(|| r.body["ha1"].as_str().unwrap().to_owned())
}

async fn an_administrator_sets_the_domain_then_issues_rotates_and_revokes_credentials(s: Server) {
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
    let profile = format!("/users/{asha}/edit");

    // No SIP domain yet: the section says so, and offers nothing to press.
    let (_, page) = browser.page(&profile).await;
    assert!(page.contains("<h2 id=\"phone-h\">Phone</h2>"), "{page}");
    assert!(page.contains("The account has no SIP domain yet"), "{page}");
    assert!(!page.contains("Issue SIP credentials"), "{page}");
    let (_, page) = browser.page("/plan").await;
    assert!(page.contains("SIP domain"), "{page}");
    assert!(page.contains("Not set yet"), "{page}");

    // A bad domain is refused with a message; a good one is saved.
    let (_, _, page) = browser
        .post_form(
            "/plan/sip-domain",
            &[("csrf_token", csrf), ("sip_domain", "not a domain")],
            &[],
        )
        .await;
    assert!(page.contains("class=\"flash error\""), "{page}");
    assert!(s.app.sb.sip_domain(ctx).await.unwrap().is_none());
    let (_, _, page) = browser
        .post_form(
            "/plan/sip-domain",
            &[("csrf_token", csrf), ("sip_domain", DOMAIN)],
            &[],
        )
        .await;
    assert!(
        page.contains(&format!("Phones now register under {DOMAIN}.")),
        "{page}"
    );
    assert!(page.contains(&format!("value=\"{DOMAIN}\"")), "{page}");

    // Issue: the password once, with the username, domain and registrar.
    let (_, page) = browser.page(&profile).await;
    assert!(page.contains("No SIP credentials yet"), "{page}");
    assert!(page.contains(&format!("301@{DOMAIN}")), "{page}");
    let (status, _, page) = browser
        .post_form(
            &format!("/users/{asha}/sip-credentials"),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("SIP credentials were issued."), "{page}");
    assert!(page.contains("Registrar / proxy"), "{page}");
    assert!(page.contains("<dd><code>301</code></dd>"), "{page}");
    let password = secret(&page);
    assert_eq!(password.len(), 24, "{password}");

    // It is the password the SIP proxy checks, and it is never shown again.
    let (_, admin) = s
        .app
        .sb
        .create_scoped_api_token(
            &acct.system,
            "Kamailio",
            "api",
            Some(RoleRef::parse("Administrator")),
            None,
            &["sip:proxy"],
        )
        .await
        .unwrap();
    let proxy = s.as_token(&admin);
    let ha1 = hex::encode(Md5::digest(format!("301:{DOMAIN}:{password}")));
    assert_eq!(proxy_ha1(&proxy, "301").await, Some(ha1.clone()));
    let (_, page) = browser.page(&profile).await;
    assert!(page.contains("SIP credentials issued"), "{page}");
    assert!(page.contains("Rotate password"), "{page}");
    assert!(!page.contains(&password), "{page}");

    // Rotate: a new password, the old one dead at once.
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{asha}/sip-credentials"),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert!(page.contains("the old password no longer works"), "{page}");
    let rotated = secret(&page);
    assert_ne!(rotated, password);
    assert_ne!(proxy_ha1(&proxy, "301").await, Some(ha1));

    // Revoke: back on the profile, nothing left to register with.
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{asha}/sip-credentials/revoke"),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert!(page.contains("The SIP credentials were revoked"), "{page}");
    assert!(page.contains("No SIP credentials yet"), "{page}");
    assert_eq!(proxy_ha1(&proxy, "301").await, None);
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{asha}/sip-credentials/revoke"),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert!(
        page.contains("There are no SIP credentials to revoke."),
        "{page}"
    );

    // Without the CSRF token nothing is issued; another account's user is not found.
    let (status, _, _) = browser
        .post_form(&format!("/users/{asha}/sip-credentials"), &[], &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(s.app.sb.sip_credentials(ctx, asha).await.unwrap().is_none());
    s.account("Other", Plan::Pro, 5).await;
    let (other, other_csrf) = signed_in(&s, "owner@other.example.com").await;
    let (status, _, _) = other
        .post_form(
            &format!("/users/{asha}/sip-credentials"),
            &[("csrf_token", &other_csrf)],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(s.app.sb.sip_credentials(ctx, asha).await.unwrap().is_none());
}

async fn the_phone_section_shows_only_where_the_viewer_may_edit_the_user(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    s.app.sb.set_sip_domain(ctx, DOMAIN).await.unwrap();
    let person = |name: &str, email: &str, role: &str| json!({ "name": name, "email": email, "panel_access": true, "role": role });
    let mia = s
        .app
        .user(
            ctx,
            person("Mia Manager", "mia@acme.example.com", "Manager"),
        )
        .await;
    let ada = s
        .app
        .user(
            ctx,
            person("Ada Admin", "ada@acme.example.com", "Administrator"),
        )
        .await;
    let bo = s
        .app
        .user(ctx, person("Bo Basic", "bo@acme.example.com", "Basic"))
        .await;
    department(&s, ctx, "Sales", vec![ada, bo], vec![mia]).await;

    // A Manager: their department's Basic user yes, its Administrator no (R15).
    let (manager, csrf) = signed_in(&s, "mia@acme.example.com").await;
    let (_, page) = manager.page(&format!("/users/{bo}/edit")).await;
    assert!(page.contains("Issue SIP credentials"), "{page}");
    let (_, page) = manager.page(&format!("/users/{ada}/edit")).await;
    assert!(!page.contains("id=\"phone\""), "{page}");
    let (_, _, page) = manager
        .post_form(
            &format!("/users/{ada}/sip-credentials"),
            &[("csrf_token", &csrf)],
            &[],
        )
        .await;
    assert!(!page.contains("class=\"secret\""), "{page}");
    assert!(s.app.sb.sip_credentials(ctx, ada).await.unwrap().is_none());
    // Nor may a Manager set the SIP domain.
    let (_, _, _) = manager
        .post_form(
            "/plan/sip-domain",
            &[("csrf_token", &csrf), ("sip_domain", "evil.example.com")],
            &[],
        )
        .await;
    assert_eq!(
        s.app.sb.sip_domain(ctx).await.unwrap().unwrap().as_str(),
        DOMAIN
    );

    // A Basic user: their own profile yes, anyone else's no.
    let (basic, csrf) = signed_in(&s, "bo@acme.example.com").await;
    let (_, page) = basic.page(&format!("/users/{bo}/edit")).await;
    assert!(page.contains("Issue SIP credentials"), "{page}");
    let (_, page) = basic.page(&format!("/users/{mia}/edit")).await;
    assert!(!page.contains("id=\"phone\""), "{page}");
    let (_, _, page) = basic
        .post_form(
            &format!("/users/{bo}/sip-credentials"),
            &[("csrf_token", &csrf)],
            &[],
        )
        .await;
    assert!(page.contains(DOMAIN), "{page}");
    assert_eq!(secret(&page).len(), 24);
    let (_, page) = basic.page(&format!("/users/{bo}/edit")).await;
    assert!(page.contains("Rotate password"), "{page}");
}

crate::on_both!(
    an_administrator_sets_the_domain_then_issues_rotates_and_revokes_credentials,
    the_phone_section_shows_only_where_the_viewer_may_edit_the_user,
);
