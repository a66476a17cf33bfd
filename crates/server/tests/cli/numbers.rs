//! `switchboard numbers list|route`: where each number's calls go, and routing one to a
//! department or a user by name, email or id, or nowhere; refusals say why.

use serde_json::json;
use switchboard_domain::{E164, Name, Plan};
use switchboard_service::departments::NewDepartment;
use switchboard_service::numbers::NewNumber;
use switchboard_testkit::{Backend, TestApp};

use crate::{run, stderr, stdout};

async fn an_operator_routes_numbers_and_lists_where_their_calls_go(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let acct = app.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let priya = app
        .user(
            ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "extension": "204" }),
        )
        .await;
    let support = app
        .sb
        .create_department(
            ctx,
            NewDepartment::named(Name::parse("name", "Support").unwrap()),
        )
        .await
        .unwrap()
        .id;
    let n = app
        .sb
        .create_number(
            ctx,
            NewNumber::owned_by(
                E164::parse("number", "+14155550100").unwrap(),
                "Main line",
                priya,
            ),
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let account = acct.id.to_string();
    let cli = |args: &[&str]| {
        let mut all = vec!["numbers"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--account", &account]);
        run(&app.db.url, dir.path(), &all)
    };

    let o = cli(&["list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("CALLS GO TO"), "{out}");
    assert!(out.contains("+14155550100  Main line  not routed"), "{out}");

    let o = cli(&["route", "+1 415 555 0100", "--department", "support"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "calls to +14155550100 now go to department Support"
    );
    let o = cli(&["route", "+14155550100", "--user", "PRIYA@acme.example.com"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "calls to +14155550100 now go to user Priya Sharma (extension 204)"
    );
    let o = cli(&["list", "--json"]);
    let line: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        line["destination"],
        json!({ "type": "user", "id": priya.to_string(), "name": "Priya Sharma (extension 204)" })
    );

    // Refusals: a name that is nobody, a number not here, no or two destinations.
    for (args, says) in [
        (
            vec!["route", "+14155550100", "--department", "Sales"],
            "there is no department named \"Sales\"",
        ),
        (
            vec!["route", "+14155550100", "--user", "nobody@acme.example.com"],
            "there is no user with the email nobody@acme.example.com",
        ),
        (
            vec![
                "route",
                "+14155550100",
                "--user",
                "0190b3c4-0000-7000-8000-000000000000",
            ],
            "destination: there is no user 0190b3c4-0000-7000-8000-000000000000 in this account",
        ),
        (
            vec!["route", "+14155550199", "--none"],
            "+14155550199 is not a number of this account",
        ),
        (vec!["route", "+14155550100"], "--department"),
        (
            vec![
                "route",
                "+14155550100",
                "--none",
                "--user",
                "x@y.example.com",
            ],
            "cannot be used with",
        ),
    ] {
        let o = cli(&args);
        assert!(!o.status.success(), "{args:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }

    let o = cli(&["route", "+14155550100", "--none"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("+14155550100 is no longer routed"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        app.sb.get_number(ctx, n.id).await.unwrap().destination,
        None
    );

    // By id too; the department then cannot be deleted.
    let id = support.to_string();
    let o = cli(&["route", "+14155550100", "--department", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let refused = app.sb.delete_department(ctx, support).await.unwrap_err();
    assert_eq!(refused.code(), "destination_in_use");
}

crate::on_both!(an_operator_routes_numbers_and_lists_where_their_calls_go);
