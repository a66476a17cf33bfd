//! What Microsoft Entra ID and Okta send, with their bodies as their documentation prints
//! them: a login (`userName`) that is not the work email, lookups by `userName` and by
//! `emails[type eq "work"].value`, and Okta's group push that sends the group's own id back.

use serde_json::{Value, json};
use switchboard_domain::Plan;

use super::{GROUP, USER, assert_scim_error, create, get, patch, post};
use crate::support::{Client, Server};

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The users a filter finds, as `(id, userName)`.
async fn find(idp: &Client, filter: &str) -> Vec<(String, String)> {
    let r = get(idp, &format!("/Users?filter={}", enc(filter))).await;
    assert_eq!(r.status, 200, "{filter}: {:?}", r.body);
    r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().to_owned(),
                u["userName"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Microsoft's "Create User" request (Tutorial: Develop and plan provisioning for a SCIM
/// endpoint in Microsoft Entra ID, User operations): the login is not an email address,
/// the work email is another value.
fn entra_create_user() -> Value {
    json!({
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
        }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
        "roles": []
    })
}

async fn an_entra_login_that_is_not_an_email_is_kept_and_found_every_cycle(s: Server) {
    let acct = s.account("Contoso", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let body = entra_create_user();
    let login = body["userName"].as_str().unwrap();
    let mail = body["emails"][0]["value"].as_str().unwrap();

    // Entra's cycle: look the user up by userName, find none, create.
    assert!(
        find(&idp, &format!("userName eq \"{login}\""))
            .await
            .is_empty()
    );
    let r = post(&idp, "/Users", &body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["userName"], login);
    assert_eq!(
        r.body["emails"],
        json!([{ "value": mail, "type": "work", "primary": true }])
    );
    assert_eq!(r.body["externalId"], body["externalId"]);

    // The next cycle finds the user by the same lookup, ignoring case, and by the work
    // email the way Entra's "Test connection" asks for it.
    let me = vec![(id.clone(), login.to_owned())];
    assert_eq!(find(&idp, &format!("userName eq \"{login}\"")).await, me);
    assert_eq!(
        find(&idp, &format!("userName eq \"{}\"", login.to_uppercase())).await,
        me
    );
    assert_eq!(
        find(
            &idp,
            &format!("emails[type eq \"work\"].value eq \"{mail}\"")
        )
        .await,
        me
    );
    assert_eq!(find(&idp, &format!("emails.value eq \"{mail}\"")).await, me);
    assert_eq!(find(&idp, "userName sw \"test_user_ab64\"").await, me);
    assert!(
        find(
            &idp,
            &format!("emails[type eq \"home\"].value eq \"{mail}\"")
        )
        .await
        .is_empty()
    );

    // A second create with the same login (in another case) is a conflict.
    let mut again = entra_create_user();
    again["userName"] = json!(login.to_lowercase());
    again["externalId"] = json!("another");
    again["emails"][0]["value"] = json!("someone.else@testuser.com");
    assert_scim_error(&post(&idp, "/Users", &again).await, 409, Some("uniqueness"));

    // The user's email is the work email, not the login.
    let owner = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let u = owner.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(u.body["email"], mail, "{:?}", u.body);
}

async fn a_upn_and_a_different_mail_stay_two_values_and_mail_goes_to_the_mailbox(s: Server) {
    let acct = s.account("Contoso", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let mut body = json!({
        "schemas": [USER],
        "userName": "alex@contoso.onmicrosoft.com",
        "externalId": "alex-oid",
        "name": { "givenName": "Alex", "familyName": "Wilber" },
        "emails": [{ "value": "alex.wilber@contoso.com", "type": "work", "primary": true }],
        "active": true,
    });
    body["urn:ietf:params:scim:schemas:extension:switchboard:2.0:User"] =
        json!({ "panelAccess": true });
    let id = create(&idp, &body).await;
    let r = get(&idp, &format!("/Users/{id}")).await;
    assert_eq!(r.body["userName"], "alex@contoso.onmicrosoft.com");
    assert_eq!(r.body["emails"][0]["value"], "alex.wilber@contoso.com");

    // The invite went to the mailbox, not to the login.
    let mail: Vec<String> = s
        .app
        .sb
        .list_mail(&acct.owner_ctx, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.mail.kind == "invite" && m.mail.to.contains("contoso.com"))
        .map(|m| m.mail.to)
        .collect();
    assert_eq!(mail, ["alex.wilber@contoso.com"], "not to the login");

    // Changing the login leaves the email alone, and the other way round.
    let path = format!("/Users/{id}");
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "userName", "value": "alex.w@contoso.onmicrosoft.com" }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["userName"], "alex.w@contoso.onmicrosoft.com");
    assert_eq!(r.body["emails"][0]["value"], "alex.wilber@contoso.com");
    // Lookups follow the new login at once, and the old one finds nobody.
    let me = vec![(id.to_owned(), "alex.w@contoso.onmicrosoft.com".to_owned())];
    assert_eq!(
        find(&idp, "userName eq \"ALEX.W@contoso.onmicrosoft.com\"").await,
        me
    );
    assert_eq!(find(&idp, "userName co \"x.w@contoso.onmicro\"").await, me);
    assert_eq!(
        find(&idp, "userName eq \"alex@contoso.onmicrosoft.com\"").await,
        vec![]
    );
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "alex@contoso.com" }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["userName"], "alex.w@contoso.onmicrosoft.com");

    // The login change is in the audit log.
    let events = s
        .app
        .sb
        .list_audit_events(&acct.system, &Default::default(), 0, 1000)
        .await
        .unwrap();
    let changed = events.iter().any(|e| {
        e.event.action == "user.updated"
            && e.event
                .after
                .as_deref()
                .unwrap_or("")
                .contains("alex.w@contoso.onmicrosoft.com")
    });
    assert!(changed, "the login change is audited");
}

async fn a_user_without_a_login_shows_and_is_found_by_their_email_or_mobile(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "Priya@acme.example.com" }),
        )
        .await;
    s.app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Rahul Verma", "mobile": "+919876543210" }),
        )
        .await;
    let found = find(&idp, "userName eq \"priya@ACME.example.com\"").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "Priya@acme.example.com");
    let found = find(&idp, "userName eq \"+919876543210\"").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "+919876543210");
    assert_eq!(find(&idp, "userName pr").await.len(), 3, "and the owner");
}

async fn okta_group_push_sends_the_groups_own_id_back_and_it_is_accepted(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let r = post(
        &idp,
        "/Groups",
        &json!({ "schemas": [GROUP], "displayName": "Test SCIMv2", "members": [] }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{id}");
    // Okta's SCIM 2.0 reference, "Update a specific Group name".
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "value": { "id": id, "displayName": "Test SCIMv2 renamed" } }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "Test SCIMv2 renamed");
    // A changed id is still refused.
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "value": { "id": "not-the-id", "displayName": "X" } }]),
    )
    .await;
    assert_scim_error(&r, 400, Some("mutability"));
    assert_eq!(
        get(&idp, &path).await.body["displayName"],
        "Test SCIMv2 renamed"
    );
}

async fn entra_user_operations_replay_with_the_bodies_microsoft_prints(s: Server) {
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let acct = s.account("Contoso", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let boss = create(
        &idp,
        &json!({
            "schemas": [USER], "userName": "boss@contoso.onmicrosoft.com",
            "emails": [{ "value": "boss@contoso.com", "type": "work", "primary": true }],
            "name": { "givenName": "Bea", "familyName": "Boss" }, "active": true,
        }),
    )
    .await;
    // Create User with Entra's default mappings (title, language, time zone, enterprise
    // attributes, the manager by id).
    let mut body = entra_create_user();
    body["title"] = json!("Support agent");
    body["preferredLanguage"] = json!("en-US");
    body["locale"] = json!("en-US");
    body["timezone"] = json!("America/Los_Angeles");
    body[ENTERPRISE] = json!({
        "employeeNumber": "701984", "department": "Tour Operations",
        "manager": { "value": boss },
    });
    let r = post(&idp, "/Users", &body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["title"], "Support agent");
    assert_eq!(r.body["preferredLanguage"], "en-US");
    assert_eq!(r.body["locale"], "en-US");
    assert_eq!(r.body["timezone"], "America/Los_Angeles");
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "701984");
    assert_eq!(r.body[ENTERPRISE]["department"], "Tour Operations");
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], boss.as_str());
    let path = format!("/Users/{id}");
    let owner = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let u = owner.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(u.body["time_zone"], "America/Los_Angeles", "{:?}", u.body);
    assert_eq!(
        u.body["idp_username"], body["userName"],
        "the REST API shows the login"
    );

    // Update User [Multi-valued properties].
    let r = patch(
        &idp,
        &path,
        json!([
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com" },
            { "op": "Replace", "path": "name.familyName", "value": "updatedFamilyName" },
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["emails"][0]["value"], "updatedEmail@microsoft.com");
    assert_eq!(r.body["name"]["familyName"], "updatedFamilyName");
    assert_eq!(r.body["userName"], body["userName"], "the login stays");

    // Update User [Single-valued properties].
    let login = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com";
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "Replace", "path": "userName", "value": login }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["userName"], login);
    assert_eq!(r.body["emails"][0]["value"], "updatedEmail@microsoft.com");
    let found = find(&idp, &format!("userName eq \"{login}\"")).await;
    assert_eq!(found, [(id.clone(), login.to_owned())]);

    // The manager, in the compliant form and in the older one.
    let other = create(
        &idp,
        &json!({
            "schemas": [USER], "userName": "other.boss@contoso.onmicrosoft.com",
            "emails": [{ "value": "other.boss@contoso.com", "type": "work" }],
        }),
    )
    .await;
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": other }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], other.as_str());
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "Add", "path": "manager", "value": [{ "$ref": null, "value": boss }] }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body[ENTERPRISE]["manager"]["value"], boss.as_str());
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "Add", "path": "manager", "value": [{ "value": "not-a-user" }] }]),
    )
    .await;
    assert_scim_error(&r, 400, Some("invalidValue"));

    // Deleting the manager leaves the user without one.
    let r = idp
        .scim(
            reqwest::Method::DELETE,
            &format!("/Users/{boss}"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = get(&idp, &path).await;
    assert!(r.body[ENTERPRISE].get("manager").is_none(), "{:?}", r.body);

    // Disable User, with the boolean and with the string Entra used to send.
    for value in [json!(false), json!("False")] {
        let r = patch(
            &idp,
            &path,
            json!([{ "op": "Replace", "path": "active", "value": true }]),
        )
        .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let r = patch(
            &idp,
            &path,
            json!([{ "op": "Replace", "path": "active", "value": value }]),
        )
        .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["active"], false);
    }
    let found = find(&idp, &format!("userName eq \"{login}\"")).await;
    assert_eq!(found, [(id.clone(), login.to_owned())]);
    assert_eq!(
        find(
            &idp,
            &format!("externalId eq \"{}\"", body["externalId"].as_str().unwrap())
        )
        .await,
        [(id, login.to_owned())]
    );
}

/// Directories hold numbers as people write them: national (`0605605738`), punctuated
/// (`425-555-0100`) or international with punctuation (`+1 (425) 555-0100`).
async fn phone_numbers_in_national_and_punctuated_forms_are_read_in_the_accounts_country(
    s: Server,
) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let user = |login: &str, mobile: &str, work: &str| {
        json!({
            "schemas": [USER], "userName": login, "active": true,
            "emails": [{ "type": "work", "value": format!("{login}@acme.example.com"), "primary": true }],
            "phoneNumbers": [
                { "type": "mobile", "value": mobile },
                { "type": "work", "value": work }
            ]
        })
    };
    // No country set: the account's time zone, Asia/Kolkata, says India.
    let r = post(
        &idp,
        "/Users",
        &user("priya", "098765 43210", "+1 (425) 555-0100"),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let numbers = |b: &Value| {
        let mut v: Vec<String> = b["phoneNumbers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["type"].as_str().unwrap(),
                    p["value"].as_str().unwrap()
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        numbers(&r.body),
        ["mobile +919876543210", "work +14255550100"]
    );

    let r = api
        .patch("/api/v1/account", &json!({ "country": "FR" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = post(
        &idp,
        "/Users",
        &user("amelie", "0605605738", "01 23 45 67 89"),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        numbers(&r.body),
        ["mobile +33605605738", "work +33123456789"]
    );
    let id = r.body["id"].as_str().unwrap().to_owned();
    // Sent again as the directory holds it on the next cycle, the same mobile is no change.
    let r = patch(
        &idp,
        &format!("/Users/{id}"),
        json!([{ "op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "06 05 60 57 38" }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        numbers(&r.body),
        ["mobile +33605605738", "work +33123456789"]
    );

    // Unreadable: invalidValue naming the attribute and the value.
    let r = post(&idp, "/Users", &user("bad", "06 05", "+33123456789")).await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("phoneNumbers[type eq \"mobile\"].value") && detail.contains("\"06 05\""),
        "{detail}"
    );
    // With no country at all, national numbers are refused and the reason says why.
    api.patch(
        "/api/v1/account",
        &json!({ "country": null, "default_time_zone": "UTC" }),
    )
    .await;
    let r = post(&idp, "/Users", &user("lee", "425-555-0100", "+14255550101")).await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    assert!(
        r.body["detail"].as_str().unwrap().contains("country"),
        "{:?}",
        r.body
    );
    let r = post(
        &idp,
        "/Users",
        &user("lee", "+1 425-555-0100", "+14255550101"),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
}

crate::on_both!(
    phone_numbers_in_national_and_punctuated_forms_are_read_in_the_accounts_country,
    entra_user_operations_replay_with_the_bodies_microsoft_prints,
    an_entra_login_that_is_not_an_email_is_kept_and_found_every_cycle,
    a_upn_and_a_different_mail_stay_two_values_and_mail_goes_to_the_mailbox,
    a_user_without_a_login_shows_and_is_found_by_their_email_or_mobile,
    okta_group_push_sends_the_groups_own_id_back_and_it_is_accepted,
);
