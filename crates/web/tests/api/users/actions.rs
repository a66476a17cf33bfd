//! Deactivate, activate, resend invite, replace, reassign, deletion check and delete.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::Plan;

use super::{assert_problem, at, department, number, owner_api, user};
use crate::support::Server;

async fn deactivation_happens_now_or_at_a_scheduled_time_and_activation_undoes_it(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let id = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
    )
    .await;
    let path = at(id);

    let r = api
        .post(
            &format!("{path}/deactivate"),
            &json!({ "at": "2026-04-01T18:00:00+05:30" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["deactivate_at"], "2026-04-01T12:30:00Z");
    let r = api.post(&format!("{path}/activate"), &json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["deactivate_at"].is_null());

    // No body at all: now.
    let r = api
        .send(Method::POST, &format!("{path}/deactivate"), None, &[])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "inactive");
    let seats = api.get("/api/v1/account").await;
    assert_eq!(seats.body["seats_used"], 1);
    let r = api.post(&format!("{path}/deactivate"), &json!({})).await;
    assert_problem(&r, 409, "invalid_state", None);
    let r = api.post(&format!("{path}/activate"), &json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "active");
    let r = api.post(&format!("{path}/activate"), &json!({})).await;
    assert_problem(&r, 409, "invalid_state", None);

    let r = api
        .post(
            &format!("{path}/deactivate"),
            &json!({ "at": "next tuesday" }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("at"));
    let r = api
        .post(&format!("{path}/deactivate"), &json!({ "when": "now" }))
        .await;
    assert_problem(&r, 422, "validation_failed", Some("when"));
    let r = api
        .send(
            Method::POST,
            &format!("{path}/deactivate"),
            None,
            &[("content-type", "text/plain")],
        )
        .await;
    assert_eq!(r.status, 200, "an empty body means now: {:?}", r.body);

    let owner = at(acct.owner);
    let r = api.post(&format!("{owner}/deactivate"), &json!({})).await;
    assert_problem(&r, 409, "owner_protected", None);
}

async fn resending_an_invite_makes_a_new_one_and_only_for_pending_users(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let path = at(r.body["user"]["id"].as_str().unwrap());
    let r = api.post(&format!("{path}/invite"), &json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["invite"]["state"], "open");
    let invites = s
        .app
        .sb
        .list_mail(&acct.owner_ctx, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.mail.to == "priya@acme.example.com" && m.mail.kind == "invite")
        .count();
    assert_eq!(invites, 2);

    let active = user(
        &s,
        &acct,
        json!({ "name": "Rahul", "mobile": "+919876543211" }),
    )
    .await;
    let r = api
        .post(&format!("{}/invite", at(active)), &json!({}))
        .await;
    assert_problem(&r, 409, "invalid_state", None);
}

async fn replacing_moves_the_person_to_a_new_mobile_keeping_their_extension(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let old = user(
        &s,
        &acct,
        json!({ "name": "Rahul Verma", "mobile": "+919876543211", "extension": "204", "tags": ["x"] }),
    )
    .await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![old], vec![]).await;
    let r = api
        .post(
            &format!("{}/replace", at(old)),
            &json!({ "mobile": "+919876543299" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let new_id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(at(&new_id).as_str()));
    assert_eq!(r.body["mobile"], "+919876543299");
    assert_eq!(r.body["extension"], "204");
    assert_eq!(r.body["tags"], json!(["x"]));
    assert_eq!(r.body["departments"][0]["id"], sales.to_string());
    let old_now = api.get(&at(old)).await;
    assert_eq!(old_now.body["status"], "inactive");

    let r = api
        .post(
            &format!("{}/replace", at(&new_id)),
            &json!({ "mobile": "999" }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("mobile"));
    let r = api
        .post(&format!("{}/replace", at(&new_id)), &json!({}))
        .await;
    assert_problem(&r, 422, "validation_failed", Some("mobile"));
    let r = api
        .post(
            &format!("{}/replace", at(&new_id)),
            &json!({ "mobile": "+919876543298", "mode": "archive" }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("mode"));
    let r = api
        .post(
            &format!("{}/replace", at(&new_id)),
            &json!({ "mobile": "+919876543298", "email": "" }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("email"));
}

async fn a_blocked_delete_lists_its_blockers_until_they_are_reassigned(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
    )
    .await;
    let rahul = user(
        &s,
        &acct,
        json!({ "name": "Rahul", "mobile": "+919876543211" }),
    )
    .await;
    let line = number(&s, &acct.owner_ctx, "+919000000001", priya).await;
    department(&s, &acct.owner_ctx, "Sales", vec![priya], vec![priya]).await;
    let path = at(priya);

    let check = api.get(&format!("{path}/deletion-check")).await;
    assert_eq!(check.status, 200, "{:?}", check.body);
    assert_eq!(check.body["can_delete"], false);
    let kinds: Vec<&str> = check.body["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["number", "department"]);
    assert_eq!(check.body["blockers"][0]["id"], line);
    assert_eq!(check.body["frees_seat"], true);
    assert_eq!(check.body["departments_left"], 1);

    let r = api.delete(&path).await;
    assert_problem(&r, 409, "owns_resources", None);
    assert_eq!(r.body["blockers"].as_array().unwrap().len(), 2);

    let r = api
        .post(&format!("{path}/reassign"), &json!({ "to": "someone" }))
        .await;
    assert_problem(&r, 422, "validation_failed", Some("to"));
    let r = api
        .post(
            &format!("{path}/reassign"),
            &json!({ "to": priya.to_string() }),
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("to"));
    let r = api
        .post(
            &format!("{path}/reassign"),
            &json!({ "to": rahul.to_string() }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["resources"], 1);
    assert_eq!(r.body["departments"], 1);

    let check = api.get(&format!("{path}/deletion-check")).await;
    assert_eq!(check.body["can_delete"], true, "{:?}", check.body);
    let r = api.delete(&path).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_problem(&api.get(&path).await, 404, "not_found", None);
    assert_problem(&api.delete(&path).await, 404, "not_found", None);
    let seats = api.get("/api/v1/account").await;
    assert_eq!(seats.body["seats_used"], 1);

    let owner = at(acct.owner);
    let check = api.get(&format!("{owner}/deletion-check")).await;
    assert_eq!(check.body["can_delete"], false);
    assert!(check.body["refusal"].as_str().unwrap().contains("owner"));
    assert_problem(&api.delete(&owner).await, 409, "owner_protected", None);
}

crate::on_both!(
    deactivation_happens_now_or_at_a_scheduled_time_and_activation_undoes_it,
    resending_an_invite_makes_a_new_one_and_only_for_pending_users,
    replacing_moves_the_person_to_a_new_mobile_keeping_their_extension,
    a_blocked_delete_lists_its_blockers_until_they_are_reassigned,
);
