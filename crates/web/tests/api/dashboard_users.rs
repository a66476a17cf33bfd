//! The users pages of the dashboard doing their work: the add form's errors beside their
//! fields, and the ⋮ menu's resend invite, scheduled deactivation and replace, each ending
//! with the message a person expects.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::{Plan, UserPatch, UserPatchInput, UserStatus};
use switchboard_testkit::new_user;

use crate::dashboard::signed_in;
use crate::support::Server;

async fn the_add_form_names_each_bad_field_and_keeps_what_was_typed(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "mobile": "+919876543210", "extension": "204" }),
        )
        .await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let (status, _, page) = browser
        .post_form(
            "/users",
            &[
                ("csrf_token", &csrf),
                ("name", ""),
                ("mobile", "98765"),
                ("email", "rahul@acme.example.com"),
                ("hours_monday", "9 to 5"),
                ("advanced", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("id=\"e-name\""), "{page}");
    assert!(page.contains("id=\"e-mobile\""), "{page}");
    assert!(page.contains("Write each slot as start-end"), "{page}");
    assert!(
        page.contains("value=\"98765\""),
        "typed values are kept: {page}"
    );
    assert!(page.contains("value=\"9 to 5\""), "{page}");
    assert!(page.contains("value=\"rahul@acme.example.com\""), "{page}");

    let (status, _, page) = browser
        .post_form(
            "/users",
            &[
                ("csrf_token", &csrf),
                ("name", "Rahul Verma"),
                ("mobile", "+919812345678"),
                ("extension", "204"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("Extension 204 is held by Priya Sharma"),
        "{page}"
    );
}

async fn resend_invite_deactivate_later_and_replace_say_what_they_did(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = s
        .app
        .sb
        .add_user(
            ctx,
            new_user(json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true })),
        )
        .await
        .unwrap()
        .user
        .id;
    let rahul = s
        .app
        .user(
            ctx,
            json!({ "name": "Rahul Verma", "mobile": "+919812345678" }),
        )
        .await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let csrf = csrf.as_str();

    let (_, _, page) = browser
        .post_form(
            &format!("/users/{priya}/invite"),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert!(
        page.contains("A new invite was sent to priya@acme.example.com"),
        "{page}"
    );
    let mail = s.app.sb.mail_page(ctx, None, 50).await.unwrap();
    let invites = mail
        .items
        .iter()
        .filter(|m| m.mail.kind == "invite" && m.mail.to == "priya@acme.example.com")
        .count();
    assert_eq!(invites, 2);

    // The clock reads 2026-03-02 14:30 in Kolkata, the owner's time zone.
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{rahul}/deactivate"),
            &[("csrf_token", csrf), ("at", "2026-03-03T10:00")],
            &[],
        )
        .await;
    assert!(
        page.contains("Rahul Verma will be deactivated on 2026-03-03 10:00 IST."),
        "{page}"
    );
    let r = s.app.sb.get_user(ctx, rahul).await.unwrap();
    assert_eq!(r.status, UserStatus::Active);
    assert_eq!(
        r.deactivate_at.map(|t| t.to_string()),
        Some("2026-03-03T04:30:00Z".to_owned())
    );
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{rahul}/activate"),
            &[("csrf_token", csrf)],
            &[],
        )
        .await;
    assert!(
        page.contains("The scheduled deactivation of Rahul Verma was cancelled."),
        "{page}"
    );
    assert!(
        s.app
            .sb
            .get_user(ctx, rahul)
            .await
            .unwrap()
            .deactivate_at
            .is_none()
    );

    let (_, page) = browser.page(&format!("/users/{rahul}/edit")).await;
    assert!(page.contains("value=\"+919812345678\" readonly"), "{page}");
    assert!(
        page.contains(&format!("href=\"/users/{rahul}/replace\"")),
        "{page}"
    );
    let path = format!("/users/{rahul}/replace");
    let (status, _, page) = browser
        .post_form(&path, &[("csrf_token", csrf), ("mobile", "12345")], &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("value=\"12345\""), "{page}");
    let (status, _, page) = browser
        .post_form(
            &path,
            &[
                ("csrf_token", csrf),
                ("mobile", "+919812345699"),
                ("mode", "deactivate"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Rahul Verma now uses +919812345699 with extension"),
        "{page}"
    );
    let old = s.app.sb.get_user(ctx, rahul).await.unwrap();
    assert_eq!(old.status, UserStatus::Inactive);
}

async fn fields_an_identity_provider_owns_are_read_only_and_say_why(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let id = s
        .app
        .user(
            ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "mobile": "+919876543210" }),
        )
        .await;
    let patch = UserPatch::parse(&UserPatchInput {
        external_id: Some(Some("entra-42".to_owned())),
        ..UserPatchInput::default()
    })
    .unwrap();
    s.app.sb.edit_user(ctx, id, patch, None).await.unwrap();
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let (_, page) = browser.page(&format!("/users/{id}/edit")).await;
    assert!(page.contains("managed by your identity provider"), "{page}");
    assert!(
        page.contains("name=\"name\" type=\"text\" value=\"Priya Sharma\" disabled"),
        "{page}"
    );
    // A forged post of the name is ignored; the extension still changes.
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{id}/edit"),
            &[
                ("csrf_token", &csrf),
                ("name", "Someone Else"),
                ("extension", "321"),
            ],
            &[],
        )
        .await;
    assert!(
        page.contains("Priya Sharma&#39;s profile was saved."),
        "{page}"
    );
    let u = s.app.sb.get_user(ctx, id).await.unwrap();
    assert_eq!(u.name.as_str(), "Priya Sharma");
    assert_eq!(u.extension.to_string(), "321");

    // Provisioned over SCIM without an externalId: managed all the same, and the form says
    // so rather than offering fields the service would refuse.
    let idp = s.scim(&acct).await;
    let scim_user = crate::scim::create(
        &idp,
        &json!({
            "schemas": [crate::scim::USER], "userName": "lee@contoso.onmicrosoft.com",
            "emails": [{ "value": "lee@acme.example.com", "type": "work" }],
            "name": { "givenName": "Lee", "familyName": "Chen" },
        }),
    )
    .await;
    let (_, page) = browser.page(&format!("/users/{scim_user}/edit")).await;
    assert!(page.contains("managed by your identity provider"), "{page}");
    assert!(
        page.contains("name=\"name\" type=\"text\" value=\"Lee Chen\" disabled"),
        "{page}"
    );
}

async fn plan_and_seats_shows_what_is_in_use_to_administrators_only(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 3).await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    let (browser, _) = signed_in(&s, "owner@acme.example.com").await;
    let (status, page) = browser.page("/plan").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<td>Panel Access seats</td><td>2</td><td>3</td><td>1</td>"),
        "{page}"
    );
    let (basic, _) = signed_in(&s, "priya@acme.example.com").await;
    let (status, _) = basic.page("/plan").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn the_country_is_set_on_the_plan_page_and_the_add_form_reads_national_numbers(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 3).await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let (_, page) = browser.page("/plan").await;
    assert!(
        page.contains("read as numbers of IN, the country of the time zone Asia/Kolkata"),
        "{page}"
    );
    let (status, _, page) = browser
        .post_form(
            "/plan/country",
            &[("csrf_token", &csrf), ("country", "Atlantis")],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("is not a two-letter ISO 3166 country code"),
        "{page}"
    );
    let (_, _, page) = browser
        .post_form(
            "/plan/country",
            &[("csrf_token", &csrf), ("country", "fr")],
            &[],
        )
        .await;
    assert!(
        page.contains("Phone numbers written without + are read as numbers of FR."),
        "{page}"
    );
    assert!(page.contains("value=\"FR\""), "{page}");

    let (_, page) = browser.page("/users/new").await;
    assert!(page.contains("as dialled in FR"), "{page}");
    let (status, _, page) = browser
        .post_form(
            "/users",
            &[
                ("csrf_token", &csrf),
                ("name", "Amélie Martin"),
                ("mobile", "06 05 60 57 38"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let users = s
        .app
        .sb
        .list_users(&acct.owner_ctx, &Default::default(), None, 100)
        .await
        .unwrap();
    assert!(
        users
            .items
            .iter()
            .any(|u| u.mobile.as_ref().map(|m| m.as_str()) == Some("+33605605738")),
        "{users:?}"
    );
}

async fn a_manager_sees_an_administrator_of_their_department_read_only(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
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
    crate::users::department(&s, ctx, "Sales", vec![ada, bo], vec![mia]).await;
    let (browser, csrf) = signed_in(&s, "mia@acme.example.com").await;
    let (_, list) = browser.page("/users").await;
    assert!(list.contains("Actions for Bo Basic"), "{list}");
    assert!(!list.contains("Actions for Ada Admin"), "{list}");
    let (_, page) = browser.page(&format!("/users/{ada}/edit")).await;
    assert!(
        page.contains("your role does not allow you to change it"),
        "{page}"
    );
    let (_, _, page) = browser
        .post_form(
            &format!("/users/{ada}/edit"),
            &[
                ("csrf_token", &csrf),
                ("name", "Ada Admin"),
                ("email", "mia.attacker@evil.example.com"),
            ],
            &[],
        )
        .await;
    assert!(page.contains("rights your role does not"), "{page}");
    assert!(s.app.sb.pending_email(ctx, ada).await.unwrap().is_none());
}

crate::on_both!(
    a_manager_sees_an_administrator_of_their_department_read_only,
    the_add_form_names_each_bad_field_and_keeps_what_was_typed,
    resend_invite_deactivate_later_and_replace_say_what_they_did,
    fields_an_identity_provider_owns_are_read_only_and_say_why,
    plan_and_seats_shows_what_is_in_use_to_administrators_only,
    the_country_is_set_on_the_plan_page_and_the_add_form_reads_national_numbers,
);
