//! One person, every field away from its default, added through each front end and read
//! back through it: REST, SCIM, CSV (export, then import into another account) and the
//! dashboard's forms (the CLI's turn is in the server's tests). Which front end carries
//! which field is `switchboard_testkit::fields::FIELDS`; a front end that drops a field it
//! says it carries fails here, and so does a new field nobody placed in the table.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use switchboard_domain::schedule::SlotText;
use switchboard_domain::{DepartmentId, Plan, UserId};
use switchboard_testkit::TestAccount;
use switchboard_testkit::fields::{self, Front, person};

use super::{at, department, owner_api};
use crate::dashboard::signed_in;
use crate::support::Server;

/// An account with the person's department.
async fn account(s: &Server, name: &str) -> (TestAccount, DepartmentId) {
    let acct = s.account(name, Plan::Pro, 10).await;
    let dep = department(s, &acct.owner_ctx, person::DEPARTMENT, vec![], vec![]).await;
    (acct, dep)
}

/// The person as an add-user input (REST and the service take the same fields).
fn add_input(department: DepartmentId) -> Value {
    json!({
        "name": person::NAME,
        "email": person::EMAIL,
        "mobile": person::MOBILE,
        "alternate_mobile": person::ALTERNATE_MOBILE,
        "extension": person::EXTENSION,
        "role": person::ROLE,
        "panel_access": true,
        "receive_calls": false,
        "call_hours": fields::call_hours(),
        "time_zone": person::TIME_ZONE,
        "departments": [department.to_string()],
        "tags": person::TAGS,
        "voicemail": true,
    })
}

/// The fields of `id` as the service reads them.
async fn stored(s: &Server, acct: &TestAccount, id: UserId) -> BTreeMap<&'static str, String> {
    let ctx = &acct.owner_ctx;
    let u = s.app.sb.get_user(ctx, id).await.unwrap();
    let roles = s.app.sb.list_roles(ctx).await.unwrap();
    let role = roles.iter().find(|r| r.id == u.role_id).unwrap();
    let deps = s.app.sb.user_departments(ctx, id).await.unwrap();
    let names: Vec<String> = deps.into_iter().map(|(_, n)| n).collect();
    fields::values(&u, role.name.as_str(), &names)
}

/// The id of the person in the account.
async fn find_person(s: &Server, acct: &TestAccount) -> UserId {
    let q = switchboard_service::users::UserQuery {
        text: Some(person::NAME.to_owned()),
        ..Default::default()
    };
    let page = s.app.sb.list_users(&acct.owner_ctx, &q, None, 5).await;
    page.unwrap().items[0].id
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn schedule(v: &Value) -> String {
    let hours: BTreeMap<String, Vec<SlotText>> = serde_json::from_value(v.clone()).unwrap();
    let parsed = switchboard_domain::WeeklySchedule::parse("call_hours", &hours).unwrap();
    serde_json::to_string(&parsed.to_text()).unwrap()
}

fn names(v: &Value, key: &str) -> String {
    let list = v.as_array().cloned().unwrap_or_default();
    let all: Vec<String> = list.iter().map(|d| text(&d[key])).collect();
    all.join(",")
}

/// The fields as the REST API shows a user.
fn rest_values(b: &Value) -> BTreeMap<&'static str, String> {
    let tags: Vec<String> = b["tags"].as_array().unwrap().iter().map(text).collect();
    BTreeMap::from([
        ("name", text(&b["name"])),
        ("email", text(&b["email"])),
        ("mobile", text(&b["mobile"])),
        ("alternate_mobile", text(&b["alternate_mobile"])),
        ("extension", text(&b["extension"])),
        ("role", text(&b["role"]["name"])),
        ("panel_access", text(&b["panel_access"])),
        ("receive_calls", text(&b["receive_calls"])),
        ("call_hours", schedule(&b["call_hours"])),
        ("time_zone", text(&b["time_zone"])),
        ("availability", text(&b["availability"])),
        ("voicemail", text(&b["voicemail"])),
        ("external_id", text(&b["external_id"])),
        ("idp_username", text(&b["idp_username"])),
        ("idp_profile", String::new()),
        ("departments", names(&b["departments"], "name")),
        ("tags", tags.join(",")),
    ])
}

async fn every_field_goes_through_the_rest_api_and_back(s: Server) {
    let (acct, support) = account(&s, "Acme").await;
    let api = owner_api(&s, &acct).await;
    let mut input = add_input(support);
    input["external_id"] = json!(person::EXTERNAL_ID);
    let r = api.post("/api/v1/users", &input).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id: UserId = text(&r.body["user"]["id"]).parse().unwrap();
    // The availability is set by an edit.
    let set = json!({ "availability": person::AVAILABILITY });
    let r = api.patch(&at(id), &set).await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    fields::assert_carried(Front::Rest, &stored(&s, &acct, id).await);
    let shown = api.get(&at(id)).await;
    fields::assert_carried(Front::Rest, &rest_values(&shown.body));
}

/// The fields as SCIM shows a user.
fn scim_values(b: &Value) -> BTreeMap<&'static str, String> {
    let ext = &b["urn:ietf:params:scim:schemas:extension:switchboard:2.0:User"];
    let phone = |kinds: &[&str]| {
        let phones = b["phoneNumbers"].as_array().cloned().unwrap_or_default();
        phones
            .iter()
            .find(|p| kinds.contains(&p["type"].as_str().unwrap_or("")))
            .map(|p| text(&p["value"]))
            .unwrap_or_default()
    };
    BTreeMap::from([
        ("name", text(&b["name"]["formatted"])),
        ("email", text(&b["emails"][0]["value"])),
        ("mobile", phone(&["mobile"])),
        ("alternate_mobile", phone(&["work", "other"])),
        ("extension", text(&ext["extension"])),
        ("role", text(&ext["role"])),
        ("panel_access", text(&ext["panelAccess"])),
        ("receive_calls", String::new()),
        ("call_hours", String::new()),
        ("time_zone", text(&b["timezone"])),
        ("availability", String::new()),
        ("voicemail", String::new()),
        ("external_id", text(&b["externalId"])),
        ("idp_username", text(&b["userName"])),
        (
            "idp_profile",
            format!(
                "{} / {}",
                text(&b["name"]["givenName"]),
                text(&b["name"]["familyName"])
            ),
        ),
        ("departments", names(&ext["departments"], "display")),
        ("tags", String::new()),
    ])
}

async fn every_field_an_identity_provider_sends_goes_through_scim_and_back(s: Server) {
    let (acct, _) = account(&s, "Acme").await;
    let scim = s.scim(&acct).await;
    let r = scim
        .post(
            "/scim/v2/Users",
            &json!({
                "schemas": [
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User"
                ],
                "userName": person::IDP_USERNAME,
                "externalId": person::EXTERNAL_ID,
                "name": {
                    "formatted": person::NAME,
                    "givenName": person::GIVEN_NAME,
                    "familyName": person::FAMILY_NAME
                },
                "emails": [{"value": person::EMAIL, "type": "work", "primary": true}],
                "phoneNumbers": [
                    {"value": person::MOBILE, "type": "mobile"},
                    {"value": person::ALTERNATE_MOBILE, "type": "work"}
                ],
                "timezone": person::TIME_ZONE,
                "active": true,
                "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User": {
                    "extension": person::EXTENSION,
                    "role": person::ROLE,
                    "panelAccess": true
                }
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id: UserId = text(&r.body["id"]).parse().unwrap();

    fields::assert_carried(Front::Scim, &stored(&s, &acct, id).await);
    let shown = scim.get(&format!("/scim/v2/Users/{id}")).await;
    fields::assert_carried(Front::Scim, &scim_values(&shown.body));
}

async fn every_field_goes_through_a_csv_export_and_import(s: Server) {
    let (acct, support) = account(&s, "Acme").await;
    let ctx = &acct.owner_ctx;
    s.app.user(ctx, add_input(support)).await;
    let exported = s.app.sb.export_users(ctx).await.unwrap();
    // The header and the person; the owner stays behind.
    let csv: Vec<&str> = exported
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.contains(person::NAME))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(csv.len(), 2, "{exported}");

    let (other, _) = account(&s, "Globex").await;
    let report = s
        .app
        .sb
        .import_users(&other.owner_ctx, &csv.join("\n"), false)
        .await
        .unwrap();
    assert!(report.committed(), "{:?}", report.errors);
    let id = find_person(&s, &other).await;
    fields::assert_carried(Front::Csv, &stored(&s, &other, id).await);
}

async fn every_field_goes_through_the_dashboard_forms_and_back(s: Server) {
    let (acct, support) = account(&s, "Acme").await;
    let roles = s.app.sb.list_roles(&acct.owner_ctx).await.unwrap();
    let manager = roles
        .iter()
        .find(|r| r.name.as_str() == person::ROLE)
        .unwrap();
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let hours = format!("{}-{}", person::CALL_START, person::CALL_END);
    let (role, dep, tags) = (
        manager.id.to_string(),
        support.to_string(),
        person::TAGS.join(", "),
    );
    let (status, _, page) = browser
        .post_form(
            "/users",
            &[
                ("csrf_token", &csrf),
                ("name", person::NAME),
                ("email", person::EMAIL),
                ("mobile", person::MOBILE),
                ("alternate_mobile", person::ALTERNATE_MOBILE),
                ("extension", person::EXTENSION),
                ("panel_access", "pro"),
                ("role", &role),
                ("hours_monday", &hours),
                ("time_zone", person::TIME_ZONE),
                ("departments", &dep),
                ("tags", &tags),
                ("voicemail", "on"),
                ("advanced", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let id = find_person(&s, &acct).await;
    let edit = format!("/users/{id}/edit");
    let version = s
        .app
        .sb
        .get_user(&acct.owner_ctx, id)
        .await
        .unwrap()
        .version;
    let (status, _, page) = browser
        .post_form(
            &edit,
            &[
                ("csrf_token", &csrf),
                ("version", &version.to_string()),
                ("availability", person::AVAILABILITY),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");

    fields::assert_carried(Front::Dashboard, &stored(&s, &acct, id).await);
    // The edit form shows what was saved.
    let (_, form) = browser.page(&edit).await;
    for shown in [
        format!("value=\"{}\"", person::NAME),
        format!("value=\"{}\"", person::EMAIL),
        format!("value=\"{}\"", person::MOBILE),
        format!("value=\"{}\"", person::ALTERNATE_MOBILE),
        format!("value=\"{}\"", person::EXTENSION),
        format!("value=\"{}\"", person::TIME_ZONE),
        format!("value=\"{tags}\""),
        format!("value=\"{hours}\""),
        format!("value=\"{}\" selected", person::AVAILABILITY),
        format!("value=\"{role}\" selected"),
        format!("value=\"{dep}\" checked"),
    ] {
        assert!(form.contains(&shown), "{shown} in {form}");
    }
}

crate::on_both!(
    every_field_goes_through_the_rest_api_and_back,
    every_field_an_identity_provider_sends_goes_through_scim_and_back,
    every_field_goes_through_a_csv_export_and_import,
    every_field_goes_through_the_dashboard_forms_and_back,
);
