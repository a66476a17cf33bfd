//! R15 through the API: for each built-in role and a custom one, every write on another
//! user, against users of each rank, answers exactly what SPEC's permission table and R15
//! allow — a Manager never changes an Administrator, even one in their own department.

use serde_json::{Value, json};
use switchboard_domain::{Name, Permissions, Plan, Scope, UserId};
use switchboard_testkit::TestAccount;

use super::{PASSWORD, api_as, at, department, user};
use crate::support::{Client, Reply, Server};

/// The ranks of the users acted on, in the order of the verdict rows below.
const TARGETS: [&str; 5] = ["admin", "manager", "basic", "supervisor", "outside"];

/// A custom role: edits and deactivates anyone, but manages no departments, roles or audit.
fn supervisor() -> Permissions {
    Permissions {
        view_users: true,
        edit_users: Scope::All,
        delete_users: true,
        export: true,
        manage_departments: false,
        call_logs: Scope::Departments,
        view_audit: false,
        manage_roles: false,
        api_tokens: true,
    }
}

/// What each actor may do to each target (`TARGETS` order): edit them (profile, email,
/// availability, invite, department membership, a role within the actor's rights), make
/// them an Administrator, and deactivate / activate / replace / delete them.
struct Verdicts {
    actor: &'static str,
    edit: [bool; 5],
    make_admin: [bool; 5],
    lifecycle: [bool; 5],
}

const Y: bool = true;
const N: bool = false;

const MATRIX: [Verdicts; 4] = [
    Verdicts {
        actor: "Administrator",
        edit: [Y, Y, Y, Y, Y],
        make_admin: [Y, Y, Y, Y, Y],
        lifecycle: [Y, Y, Y, Y, Y],
    },
    // Managers edit the members of the departments they manage (not "outside"), never
    // someone whose role holds more rights than theirs (an Administrator, a Supervisor).
    Verdicts {
        actor: "Manager",
        edit: [N, Y, Y, N, N],
        make_admin: [N, N, N, N, N],
        lifecycle: [N, N, N, N, N],
    },
    Verdicts {
        actor: "Basic",
        edit: [N, N, N, N, N],
        make_admin: [N, N, N, N, N],
        lifecycle: [N, N, N, N, N],
    },
    Verdicts {
        actor: "Supervisor",
        edit: [N, Y, Y, Y, Y],
        make_admin: [N, N, N, N, N],
        lifecycle: [N, Y, Y, Y, Y],
    },
];

struct Scene {
    acct: TestAccount,
    sales: String,
    targets: Vec<UserId>,
    api: Client,
}

async fn scene(s: &Server, actor_role: &str) -> Scene {
    let acct = s.account("Acme", Plan::Pro, 30).await;
    s.app
        .sb
        .create_role(
            &acct.owner_ctx,
            Name::parse("name", "Supervisor").unwrap(),
            supervisor(),
        )
        .await
        .unwrap();
    let person = |name: &str, role: &str| {
        json!({
            "name": name,
            "email": format!("{}@acme.example.com", name.to_lowercase().replace(' ', ".")),
            "panel_access": true,
            "role": role,
        })
    };
    let actor = user(s, &acct, person("Acting Person", actor_role)).await;
    let mut targets = Vec::new();
    for (rank, role) in
        TARGETS
            .iter()
            .zip(["Administrator", "Manager", "Basic", "Supervisor", "Basic"])
    {
        targets.push(user(s, &acct, person(&format!("Target {rank}"), role)).await);
    }
    // Everyone but "outside" is in Sales, which the actor manages.
    let sales = department(
        s,
        &acct.owner_ctx,
        "Sales",
        targets[..4].to_vec(),
        vec![actor],
    )
    .await
    .to_string();
    let api = api_as(s, &acct, actor, actor_role).await;
    Scene {
        acct,
        sales,
        targets,
        api,
    }
}

/// One write and its answer, for the failure message.
struct Seen {
    what: String,
    allowed: bool,
    reply: Reply,
}

fn judge(seen: &[Seen]) -> Vec<String> {
    seen.iter()
        .filter_map(|s| {
            let status = s.reply.status.as_u16();
            let ok = if s.allowed {
                // Allowed: it went through, or was refused for a reason other than rights
                // (an invite to someone who already accepted theirs).
                status < 300 || (status == 409 && s.what.ends_with("resend invite"))
            } else {
                status == 403 && s.reply.code() == "forbidden"
            };
            (!ok).then(|| {
                format!(
                    "{}: expected {}, got {status} {}",
                    s.what,
                    if s.allowed {
                        "allowed"
                    } else {
                        "403 forbidden"
                    },
                    s.reply.body
                )
            })
        })
        .collect()
}

async fn members(api: &Client, sales: &str) -> Vec<String> {
    let r = api
        .get(&format!("/api/v1/departments/{sales}/members"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn every_write_on_a_user_respects_role_and_rank(s: Server) {
    let mut failures = Vec::new();
    for v in &MATRIX {
        let sc = scene(&s, v.actor).await;
        let owner = super::owner_api(&s, &sc.acct).await;
        let mut seen = Vec::new();
        for (i, target) in sc.targets.iter().enumerate() {
            let rank = TARGETS[i];
            let path = at(target);
            let mut record = |what: &str, allowed: bool, reply: Reply| {
                seen.push(Seen {
                    what: format!("{} → {rank}: {what}", v.actor),
                    allowed,
                    reply,
                });
            };
            let edit = v.edit[i];
            record(
                "PATCH name",
                edit,
                sc.api
                    .patch(&path, &json!({ "name": format!("Renamed {rank}") }))
                    .await,
            );
            let r = sc
                .api
                .patch(
                    &path,
                    &json!({ "email": format!("attacker.{rank}@evil.example.com") }),
                )
                .await;
            record("PATCH email", edit, r);
            let r = sc
                .api
                .put(
                    &format!("{path}/availability"),
                    &json!({ "availability": "away" }),
                )
                .await;
            record("PUT availability", edit, r);
            record(
                "resend invite",
                edit,
                sc.api.post(&format!("{path}/invite"), &json!({})).await,
            );
            record(
                "PATCH role Administrator",
                v.make_admin[i],
                sc.api
                    .patch(&path, &json!({ "role": "Administrator" }))
                    .await,
            );
            record(
                "PATCH role Basic",
                edit,
                sc.api.patch(&path, &json!({ "role": "Basic" })).await,
            );
            // Department membership: out of Sales and back in (or in, for "outside").
            let now = members(&owner, &sc.sales).await;
            let id = target.to_string();
            let without: Vec<&String> = now.iter().filter(|m| **m != id).collect();
            let mut with: Vec<&String> = without.clone();
            with.push(&id);
            let members_path = format!("/api/v1/departments/{}/members", sc.sales);
            if now.contains(&id) {
                let r = sc
                    .api
                    .put(&members_path, &json!({ "members": without }))
                    .await;
                record("remove from Sales", edit, r);
                owner.put(&members_path, &json!({ "members": with })).await;
            } else {
                let r = sc.api.put(&members_path, &json!({ "members": with })).await;
                record("add to Sales", edit, r);
            }

            let life = v.lifecycle[i];
            let r = sc.api.get(&format!("{path}/deletion-check")).await;
            record("deletion check", life, r);
            let r = sc.api.post(&format!("{path}/deactivate"), &json!({})).await;
            record("deactivate", life, r);
            if !life {
                owner.post(&format!("{path}/deactivate"), &json!({})).await;
            }
            let r = sc.api.post(&format!("{path}/activate"), &json!({})).await;
            record("activate", life, r);
            if !life {
                owner.post(&format!("{path}/activate"), &json!({})).await;
            }
            let r = sc
                .api
                .post(
                    &format!("{path}/replace"),
                    &json!({
                        "mobile": format!("+9198765400{i}{}", v.actor.len() % 10),
                        "email": format!("new.{rank}@acme.example.com"),
                    }),
                )
                .await;
            record("replace", life, r);
            let r = sc.api.delete(&path).await;
            record("delete", life, r);
        }
        failures.extend(judge(&seen));
        let owner_still = owner.get(&at(sc.acct.owner)).await;
        assert_eq!(owner_still.status, 200);
    }
    assert!(
        failures.is_empty(),
        "{} writes answered otherwise than SPEC's table and R15 allow:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn a_manager_cannot_take_over_an_administrator_of_their_department(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let mia = user(
        &s,
        &acct,
        json!({ "name": "Mia Manager", "email": "mia@acme.example.com", "panel_access": true, "role": "Manager" }),
    )
    .await;
    let ada = user(
        &s,
        &acct,
        json!({ "name": "Ada Admin", "email": "ada@acme.example.com", "panel_access": true, "role": "Administrator" }),
    )
    .await;
    department(&s, &acct.owner_ctx, "Sales", vec![ada], vec![mia]).await;
    let (mia_browser, r) = s.sign_in("mia@acme.example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let csrf = r.body["csrf_token"].as_str().unwrap().to_owned();
    let r = mia_browser
        .send(
            reqwest::Method::PATCH,
            &at(ada),
            Some(&json!({ "email": "mia.attacker@evil.example.com" })),
            &[("x-csrf-token", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(r.code(), "forbidden");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("rights your role does not"),
        "{:?}",
        r.body
    );
    let mail = s
        .app
        .sb
        .list_mail(&acct.owner_ctx, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.mail.to.contains("evil.example.com"))
        .count();
    assert_eq!(mail, 0, "no verification mail went to the attacker");
    let owner = super::owner_api(&s, &acct).await;
    let ada_now: Value = owner.get(&at(ada)).await.body;
    assert_eq!(ada_now["email"], "ada@acme.example.com");
}

crate::on_both!(
    every_write_on_a_user_respects_role_and_rank,
    a_manager_cannot_take_over_an_administrator_of_their_department,
);
