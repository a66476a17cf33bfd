//! The CLI's turn of the field round trip (`switchboard_testkit::fields`): the person added
//! with `users add` flags, read back from the database and from `users list --json`.

use std::collections::BTreeMap;

use serde_json::Value;
use switchboard_domain::{Fallback, Name, Plan, RoutingMethod, WeeklySchedule};
use switchboard_service::departments::NewDepartment;
use switchboard_testkit::fields::{self, Front, person};
use switchboard_testkit::{Backend, TestApp};

use crate::{run, stderr, stdout};

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The fields as `users list --json` prints a user (an audit view, with the role's and
/// departments' names).
fn listed(v: &Value) -> BTreeMap<&'static str, String> {
    let tags: Vec<String> = v["tags"].as_array().unwrap().iter().map(text).collect();
    let deps: Vec<String> = v["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(text)
        .collect();
    BTreeMap::from([
        ("name", text(&v["name"])),
        ("email", text(&v["email"])),
        ("mobile", text(&v["mobile"])),
        ("alternate_mobile", text(&v["alternate_mobile"])),
        ("extension", text(&v["extension"])),
        ("role", text(&v["role"])),
        ("panel_access", text(&v["panel_access"])),
        ("receive_calls", text(&v["receive_calls"])),
        ("call_hours", v["call_hours"].to_string()),
        ("time_zone", text(&v["time_zone"])),
        ("availability", text(&v["availability"])),
        ("voicemail", text(&v["voicemail"])),
        ("external_id", text(&v["external_id"])),
        ("idp_username", text(&v["idp_username"])),
        ("idp_profile", String::new()),
        ("departments", deps.join(",")),
        ("tags", tags.join(",")),
    ])
}

async fn every_field_a_flag_sets_goes_through_the_cli_and_back(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let support = app
        .sb
        .create_department(
            ctx,
            NewDepartment {
                name: Name::parse("name", person::DEPARTMENT).unwrap(),
                routing_method: RoutingMethod::RingAll,
                ring_time_secs: 20,
                business_hours: WeeklySchedule::any_time(),
                time_zone: None,
                fallback: Fallback::Voicemail,
                members: vec![],
                managers: vec![],
                external_id: None,
            },
        )
        .await
        .unwrap()
        .id
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let account = acct.id.to_string();
    let mut args = vec![
        "users",
        "add",
        "--account",
        &account,
        "--name",
        person::NAME,
        "--email",
        person::EMAIL,
        "--mobile",
        person::MOBILE,
        "--alternate-mobile",
        person::ALTERNATE_MOBILE,
        "--extension",
        person::EXTENSION,
        "--role",
        person::ROLE,
        "--panel-access",
        "--no-receive-calls",
        "--time-zone",
        person::TIME_ZONE,
        "--department",
        &support,
        "--voicemail",
    ];
    for tag in person::TAGS {
        args.extend(["--tag", tag]);
    }
    let o = run(&app.db.url, dir.path(), &args);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(
        &app.db.url,
        dir.path(),
        &["users", "list", "--account", &account, "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let line = out.lines().find(|l| l.contains(person::NAME)).unwrap();
    let shown: Value = serde_json::from_str(line).unwrap();
    let id = text(&shown["id"]).parse().unwrap();
    let u = app.sb.get_user(ctx, id).await.unwrap();
    let deps = app.sb.user_departments(ctx, id).await.unwrap();
    let names: Vec<String> = deps.into_iter().map(|(_, n)| n).collect();
    fields::assert_carried(Front::Cli, &fields::values(&u, person::ROLE, &names));
    fields::assert_carried(Front::Cli, &listed(&shown));
}

crate::on_both!(every_field_a_flag_sets_goes_through_the_cli_and_back);
