//! SCIM Groups: departments and their membership, as identity providers manage them —
//! create, filter, members added and removed (RFC 7644 value filters and Microsoft Entra's
//! value lists), versions, conflicts, deletion, and tenant isolation.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard_domain::AuditFilter;
use switchboard_domain::{ActorKind, Plan};

use super::{EXT, GROUP, assert_scim_error, create, get, new_user, patch, post};
use crate::support::{Reply, Server};
use crate::users::owner_api;

fn members(r: &Reply) -> Vec<String> {
    r.body["members"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", r.body))
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect()
}

fn names(r: &Reply) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", r.body))
        .iter()
        .map(|g| g["displayName"].as_str().unwrap().to_owned())
        .collect()
}

fn enc(s: &str) -> String {
    s.replace(' ', "%20").replace('"', "%22")
}

async fn an_identity_provider_manages_department_membership_as_groups(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let api = owner_api(&s, &acct).await;
    let ann = create(
        &idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    let bob = create(
        &idp,
        &new_user("bob@acme.example.com", "Bob", "Baker", "x-bob"),
    )
    .await;

    // Create: a department with the default routing, the IdP's id and one member.
    let r = post(
        &idp,
        "/Groups",
        &json!({
            "schemas": [GROUP],
            "displayName": "Support",
            "externalId": "grp-support",
            "members": [{ "value": ann }],
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{id}");
    assert!(r.header("location").unwrap().ends_with(&path));
    assert!(r.header("etag").unwrap().starts_with("W/\""));
    assert_eq!(r.body["externalId"], "grp-support");
    assert_eq!(members(&r), [ann.as_str()]);
    assert!(r.body["meta"]["created"].is_string(), "{:?}", r.body);
    let dept = api.get(&format!("/api/v1/departments/{id}")).await;
    assert_eq!(dept.status, 200, "{:?}", dept.body);
    assert_eq!(dept.body["routing_method"], "ring_all");

    // Filters run in the database: displayName ignores case, members by value.
    let r = get(
        &idp,
        &format!("/Groups?filter={}", enc("displayName eq \"support\"")),
    )
    .await;
    assert_eq!(names(&r), ["Support"]);
    let r = get(
        &idp,
        &format!(
            "/Groups?filter={}",
            enc(&format!("members[value eq \"{bob}\"]"))
        ),
    )
    .await;
    assert_eq!(r.body["totalResults"], 0, "{:?}", r.body);
    let r = get(&idp, "/Groups?excludedAttributes=members").await;
    assert!(
        r.body["Resources"][0].get("members").is_none(),
        "{:?}",
        r.body
    );
    assert_scim_error(
        &get(
            &idp,
            &format!("/Groups?filter={}", enc("userName eq \"x\"")),
        )
        .await,
        400,
        Some("invalidFilter"),
    );

    // Add: the new member rings last; the user's resource lists the department.
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": bob }] }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(members(&r), [ann.clone(), bob.clone()]);
    let u = get(&idp, &format!("/Users/{bob}")).await;
    assert_eq!(
        u.body[EXT]["departments"][0]["display"], "Support",
        "{:?}",
        u.body
    );
    let r = get(
        &idp,
        &format!(
            "/Groups?filter={}",
            enc(&format!("members[value eq \"{bob}\"]"))
        ),
    )
    .await;
    assert_eq!(names(&r), ["Support"]);

    // Remove as Entra sends it (the values listed), then by a value filter.
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "Remove", "path": "members", "value": [{ "value": ann }] }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(members(&r), [bob.as_str()]);
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "remove", "path": format!("members[value eq \"{bob}\"]") }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(members(&r).is_empty());

    // A stale version is refused; the current one is taken.
    let stale = r.header("etag").unwrap().to_owned();
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "displayName", "value": "Customer Care" }]),
    )
    .await;
    assert_eq!(r.body["displayName"], "Customer Care");
    let put = json!({ "schemas": [GROUP], "displayName": "Care", "members": [{ "value": ann }] });
    let r = idp
        .scim(Method::PUT, &path, Some(&put), &[("if-match", &stale)])
        .await;
    assert_scim_error(&r, 412, None);
    let current = get(&idp, &path).await.header("etag").unwrap().to_owned();
    let r = idp
        .scim(Method::PUT, &path, Some(&put), &[("if-match", &current)])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "Care");
    assert_eq!(members(&r), [ann.as_str()]);
    assert!(
        r.body.get("externalId").is_none(),
        "PUT replaces: {:?}",
        r.body
    );

    // A member must be a user of the account; nothing changes when one is not.
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": "not-a-user" }] }]),
    )
    .await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    let other = s.account("Globex", Plan::Pro, 10).await;
    let stranger = create(
        &s.scim(&other).await,
        &new_user("sam@globex.example.com", "Sam", "Stone", "x-sam"),
    )
    .await;
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "add", "path": "members", "value": [{ "value": stranger }] }]),
    )
    .await;
    assert!(r.status.is_client_error(), "{:?}", r.body);
    assert_eq!(members(&get(&idp, &path).await), [ann.as_str()]);

    // Names are unique in the account.
    let r = post(
        &idp,
        "/Groups",
        &json!({ "schemas": [GROUP], "displayName": "care" }),
    )
    .await;
    assert_scim_error(&r, 409, Some("uniqueness"));

    // The changes are the SCIM client's in the audit log.
    let events = s
        .app
        .sb
        .list_audit_events(
            &acct.system,
            &AuditFilter {
                target_id: Some(id.clone()),
                ..AuditFilter::default()
            },
            0,
            100,
        )
        .await
        .unwrap();
    assert!(events.len() >= 6, "{}", events.len());
    assert!(
        events.iter().all(|e| e.event.actor_kind == ActorKind::Scim),
        "{events:?}"
    );

    // Delete: the department goes, its members stay.
    let r = idp.scim(Method::DELETE, &path, None, &[]).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_scim_error(&get(&idp, &path).await, 404, None);
    assert_eq!(get(&idp, &format!("/Users/{ann}")).await.status, 200);
}

async fn groups_are_isolated_per_account_and_searchable_by_post(s: Server) {
    let acme = s.account("Acme", Plan::Pro, 10).await;
    let globex = s.account("Globex", Plan::Pro, 10).await;
    let acme_idp = s.scim(&acme).await;
    let globex_idp = s.scim(&globex).await;
    let r = post(
        &acme_idp,
        "/Groups",
        &json!({ "schemas": [GROUP], "displayName": "Sales" }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let path = format!("/Groups/{}", r.body["id"].as_str().unwrap());

    assert_scim_error(&get(&globex_idp, &path).await, 404, None);
    assert_scim_error(
        &patch(
            &globex_idp,
            &path,
            json!([{ "op": "replace", "path": "displayName", "value": "Mine" }]),
        )
        .await,
        404,
        None,
    );
    assert_scim_error(
        &globex_idp.scim(Method::DELETE, &path, None, &[]).await,
        404,
        None,
    );
    let r = get(&globex_idp, "/Groups").await;
    assert_eq!(r.body["totalResults"], 0, "{:?}", r.body);
    assert_eq!(names(&get(&acme_idp, "/Groups").await), ["Sales"]);

    // POST /.search: the query in the body, per resource type and across both.
    let search = |filter: &str| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": filter,
        })
    };
    let r = post(
        &acme_idp,
        "/Groups/.search",
        &search("displayName sw \"sa\""),
    )
    .await;
    assert_eq!(names(&r), ["Sales"]);
    create(
        &acme_idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    let r = post(&acme_idp, "/.search", &json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["totalResults"], 3,
        "owner, Ann and Sales: {:?}",
        r.body
    );
    let kinds: Vec<&Value> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| &x["meta"]["resourceType"])
        .collect();
    assert_eq!(kinds, [&json!("User"), &json!("User"), &json!("Group")]);
}

/// A group's `meta.lastModified` tells the identity provider its members changed, also when
/// they changed from the user's side (a user edit or a replace).
async fn a_group_is_modified_when_a_user_edit_moves_its_members(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let api = owner_api(&s, &acct).await;
    let ann = create(
        &idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    let r = post(
        &idp,
        "/Groups?excludedAttributes=members,externalId",
        &json!({ "schemas": [GROUP], "displayName": "Support", "externalId": "g-1" }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert!(r.body.get("externalId").is_none(), "{:?}", r.body);
    assert_eq!(r.body["displayName"], "Support");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let created = r.body["meta"]["lastModified"].clone();

    s.app.clock.advance(jiff::SignedDuration::from_hours(1));
    let r = api
        .patch(
            &format!("/api/v1/users/{ann}"),
            &json!({ "departments": [id] }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let joined = get(&idp, &format!("/Groups/{id}")).await;
    assert_eq!(members(&joined), [ann.as_str()]);
    assert_ne!(joined.body["meta"]["lastModified"], created);

    s.app.clock.advance(jiff::SignedDuration::from_hours(1));
    let r = api
        .patch(
            &format!("/api/v1/users/{ann}"),
            &json!({ "departments": [] }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let left = get(&idp, &format!("/Groups/{id}")).await;
    assert!(members(&left).is_empty(), "{:?}", left.body);
    assert_ne!(
        left.body["meta"]["lastModified"],
        joined.body["meta"]["lastModified"]
    );
}

crate::on_both!(
    a_group_is_modified_when_a_user_edit_moves_its_members,
    an_identity_provider_manages_department_membership_as_groups,
    groups_are_isolated_per_account_and_searchable_by_post,
);
