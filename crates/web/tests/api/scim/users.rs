//! SCIM Users: discovery, the Users resource driven as an identity provider drives it
//! (Microsoft Entra's spellings included), filters translated to SQL, PATCH on
//! multi-valued attributes, conflicts, versions and tenant isolation.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::AuditFilter;
use switchboard_domain::Plan;

use super::{EXT, PATCH, USER, assert_scim_error, create, get, new_user, patch, post};
use crate::support::{Reply, Server};
use crate::users::{number, owner_api, user};

fn users(r: &Reply) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", r.body))
        .iter()
        .map(|u| u["userName"].as_str().unwrap().to_owned())
        .collect()
}

async fn discovery_endpoints_describe_what_scim_supports(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;

    let r = get(&idp, "/ServiceProviderConfig").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    assert_eq!(r.body["patch"]["supported"], true);
    assert_eq!(r.body["filter"]["supported"], true);
    assert!(r.body["filter"]["maxResults"].as_u64().unwrap() > 0);
    assert_eq!(r.body["sort"]["supported"], true);
    assert_eq!(r.body["etag"]["supported"], true);
    assert_eq!(r.body["bulk"]["supported"], false);
    assert_eq!(r.body["changePassword"]["supported"], false);
    assert_eq!(
        r.body["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );

    let r = get(&idp, "/ResourceTypes").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["totalResults"], 2);
    assert_eq!(r.body["Resources"][0]["endpoint"], "/Users");
    assert_eq!(r.body["Resources"][0]["schemaExtensions"][0]["schema"], EXT);
    assert_eq!(r.body["Resources"][1]["endpoint"], "/Groups");
    assert_eq!(get(&idp, "/ResourceTypes/User").await.body["schema"], USER);
    assert_eq!(
        get(&idp, "/ResourceTypes/Group").await.body["schema"],
        super::GROUP
    );
    assert_scim_error(&get(&idp, "/ResourceTypes/Printer").await, 404, None);

    let r = get(&idp, "/Schemas").await;
    assert_eq!(r.status, 200);
    let ids: Vec<&str> = r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            USER,
            EXT,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            super::GROUP
        ]
    );
    // The extension's roles are the account's own.
    let roles = &r.body["Resources"][1]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "role")
        .unwrap()["canonicalValues"];
    for builtin in ["Administrator", "Manager", "Basic"] {
        assert!(
            roles.as_array().unwrap().contains(&json!(builtin)),
            "{roles}"
        );
    }
    let core = get(&idp, &format!("/Schemas/{USER}")).await;
    let names: Vec<&str> = core.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    for n in [
        "userName",
        "name",
        "displayName",
        "emails",
        "phoneNumbers",
        "active",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let ext = get(&idp, &format!("/Schemas/{EXT}")).await;
    assert_eq!(ext.status, 200);
    let names: Vec<&str> = ext.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["extension", "role", "panelAccess", "departments"]);
    assert_scim_error(&get(&idp, "/Schemas/urn:nope").await, 404, None);
    assert_scim_error(&get(&idp, "/Groupies").await, 404, None);
}

async fn an_identity_provider_walks_a_user_through_its_lifecycle(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;

    // Create.
    let r = post(
        &idp,
        "/Users",
        &json!({
            "schemas": [USER, EXT],
            "userName": "Priya.Sharma@acme.example.com",
            "externalId": "entra-0001",
            "name": { "givenName": "Priya", "familyName": "Sharma" },
            "emails": [{ "value": "Priya.Sharma@acme.example.com", "type": "work", "primary": true }],
            "phoneNumbers": [{ "value": "+919876543210", "type": "mobile" }],
            "active": true,
            EXT: { "extension": "204" },
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    assert!(
        r.header("location")
            .unwrap()
            .ends_with(&format!("/scim/v2{path}"))
    );
    assert_eq!(r.header("etag"), Some("W/\"1\""));
    assert_eq!(r.body["meta"]["version"], "W/\"1\"");
    assert_eq!(r.body["meta"]["resourceType"], "User");
    assert_eq!(r.body["displayName"], "Priya Sharma");
    assert_eq!(r.body["name"]["formatted"], "Priya Sharma");
    assert_eq!(r.body["externalId"], "entra-0001");
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["phoneNumbers"][0]["value"], "+919876543210");
    assert_eq!(r.body[EXT]["extension"], "204");
    assert_eq!(r.body[EXT]["role"], "Basic");
    assert_eq!(r.body[EXT]["panelAccess"], false);

    // The user is IdP-managed: the REST API may not rename them (R6).
    let api = owner_api(&s, &acct).await;
    let r = api
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({ "name": "Someone Else" }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.code(), "field_managed_by_idp");

    // Update the name as Entra does: capitalised op, one attribute per operation.
    let r = patch(
        &idp,
        &path,
        json!([
            { "op": "Replace", "path": "name.givenName", "value": "Priya R." },
            { "op": "Replace", "path": "name.familyName", "value": "Sharma-Iyer" },
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "Priya R. Sharma-Iyer");
    assert_eq!(r.header("etag"), Some("W/\"2\""));
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "displayName", "value": "Priya Iyer" }]),
    )
    .await;
    assert_eq!(r.body["name"]["formatted"], "Priya Iyer");

    // Add to a group: the department the IdP's group stands for.
    let g = post(
        &idp,
        "/Groups",
        &json!({ "schemas": [super::GROUP], "displayName": "Support" }),
    )
    .await;
    assert_eq!(g.status, 201, "{:?}", g.body);
    let group = format!("/Groups/{}", g.body["id"].as_str().unwrap());
    let g = patch(
        &idp,
        &group,
        json!([{ "op": "Add", "path": "members", "value": [{ "value": id }] }]),
    )
    .await;
    assert_eq!(g.status, 200, "{:?}", g.body);
    let r = get(&idp, &path).await;
    assert_eq!(
        r.body[EXT]["departments"][0]["display"], "Support",
        "{:?}",
        r.body
    );

    // Deactivate the way Entra sends it: the string "False".
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "Replace", "path": "active", "value": "False" }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["active"], false);
    let u = s
        .app
        .sb
        .get_user(&acct.system, id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(u.status, switchboard_domain::UserStatus::Inactive);
    assert_eq!(
        users(&get(&idp, "/Users?filter=active%20eq%20false").await),
        ["Priya.Sharma@acme.example.com"]
    );

    // Reactivate, without a path.
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "value": { "active": true } }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["active"], true);

    // Delete while the user owns a number: deactivated instead, and audited as such.
    number(&s, &acct.system, "+14155550142", id.parse().unwrap()).await;
    let r = idp.scim(Method::DELETE, &path, None, &[]).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let r = get(&idp, &path).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
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
    let actions: Vec<&str> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert!(actions.contains(&"user.created"), "{actions:?}");
    assert!(actions.contains(&"user.deactivated"), "{actions:?}");
    assert!(actions.contains(&"user.activated"), "{actions:?}");
    let blocked = events
        .iter()
        .find(|e| e.event.action == "user.deactivated_instead_of_deleted")
        .unwrap();
    assert_eq!(
        blocked.event.actor_kind,
        switchboard_domain::ActorKind::Scim
    );
    assert!(
        blocked
            .event
            .after
            .as_deref()
            .unwrap()
            .contains("+14155550142")
    );
    assert!(
        events
            .iter()
            .all(|e| e.event.actor_kind == switchboard_domain::ActorKind::Scim)
    );

    // A user owning nothing is deleted for good.
    let other = create(
        &idp,
        &new_user("tom@acme.example.com", "Tom", "Lee", "entra-2"),
    )
    .await;
    let r = idp
        .scim(Method::DELETE, &format!("/Users/{other}"), None, &[])
        .await;
    assert_eq!(r.status, 204);
    assert_scim_error(&get(&idp, &format!("/Users/{other}")).await, 404, None);
}

async fn scim_filters_run_in_the_database_and_malformed_ones_are_refused(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    create(
        &idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    create(
        &idp,
        &new_user("bob@acme.example.com", "Bob", "Baker", "x-bob"),
    )
    .await;
    let cy = create(
        &idp,
        &new_user("cy@other.example.org", "Cy", "Archer", "x-cy"),
    )
    .await;
    patch(
        &idp,
        &format!("/Users/{cy}"),
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await;

    let q = |f: &str| format!("/Users?filter={}", urlencode(f));
    let cases: &[(&str, &[&str])] = &[
        (
            r#"userName eq "ANN@acme.example.com""#,
            &["ann@acme.example.com"],
        ),
        (r#"externalId eq "x-bob""#, &["bob@acme.example.com"]),
        (r#"externalId eq "X-BOB""#, &[]),
        // externalId is case-exact for co/sw/ew too, on SQLite as on PostgreSQL.
        (r#"externalId co "BO""#, &[]),
        (r#"externalId sw "X-""#, &[]),
        (r#"externalId ew "NN""#, &[]),
        (r#"externalId co "bo""#, &["bob@acme.example.com"]),
        (r#"externalId sw "x-a""#, &["ann@acme.example.com"]),
        (r#"externalId ew "nn""#, &["ann@acme.example.com"]),
        (r#"externalId ew "a-x-ann""#, &[]),
        (r#"externalId co "_""#, &[]),
        (
            r#"emails.value ew "other.example.org""#,
            &["cy@other.example.org"],
        ),
        (
            r#"emails[type eq "work" and value sw "bob"]"#,
            &["bob@acme.example.com"],
        ),
        (
            "active eq true",
            &[
                "owner@acme.example.com",
                "ann@acme.example.com",
                "bob@acme.example.com",
            ],
        ),
        (
            r#"displayName co "archer""#,
            &["ann@acme.example.com", "cy@other.example.org"],
        ),
        (
            r#"displayName sw "Bo" or userName eq "cy@other.example.org""#,
            &["bob@acme.example.com", "cy@other.example.org"],
        ),
        (
            r#"displayName co "archer" and not (active eq false)"#,
            &["ann@acme.example.com"],
        ),
        // Substrings of three characters or more are looked up in the trigram index
        // (SQLite) or trigram indexes (PostgreSQL); shorter ones are tested row by row.
        (
            r#"userName co "ACME.EXAMPLE" and displayName co "arch""#,
            &["ann@acme.example.com"],
        ),
        (
            r#"userName sw "bob" or displayName ew "archer""#,
            &[
                "ann@acme.example.com",
                "bob@acme.example.com",
                "cy@other.example.org",
            ],
        ),
        (r#"displayName co "ar\"ch""#, &[]),
        (r#"userName co "%""#, &[]),
        (
            r#"meta.created gt "2000-01-01T00:00:00Z" and externalId pr and userName ne "ann@acme.example.com""#,
            &["bob@acme.example.com", "cy@other.example.org"],
        ),
    ];
    for (filter, expected) in cases {
        let r = get(&idp, &q(filter)).await;
        assert_eq!(r.status, 200, "{filter}: {:?}", r.body);
        let mut got = users(&r);
        got.sort();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{filter}");
        assert_eq!(r.body["totalResults"], json!(expected.len()), "{filter}");
    }

    for bad in [
        "userName eq",
        r#"userName eq "unterminated"#,
        "(active eq true",
        r#"title eq "boss""#,
        "active gt true",
        "userName eq 42",
    ] {
        assert_scim_error(&get(&idp, &q(bad)).await, 400, Some("invalidFilter"));
    }

    // A user without email goes by their mobile.
    let r = post(
        &idp,
        "/Users",
        &json!({ "schemas": [USER], "userName": "+919876543210", "displayName": "Dev Desk" }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["phoneNumbers"][0]["value"], "+919876543210");
    let dev = r.body["id"].as_str().unwrap().to_owned();
    let r = get(&idp, &q(r#"userName eq "+919876543210""#)).await;
    assert_eq!(users(&r), ["+919876543210"]);
    let r = idp
        .scim(Method::DELETE, &format!("/Users/{dev}"), None, &[])
        .await;
    assert_eq!(r.status, 204);

    // Pages (1-based), sorting and attribute selection.
    let r = get(
        &idp,
        "/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2&attributes=userName",
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["totalResults"], 4);
    assert_eq!(r.body["startIndex"], 2);
    assert_eq!(r.body["itemsPerPage"], 2);
    let page = &r.body["Resources"];
    assert_eq!(page[0]["userName"], "cy@other.example.org");
    assert_eq!(page[1]["userName"], "bob@acme.example.com");
    assert!(page[0].get("emails").is_none() && page[0]["id"].is_string());
    let r = get(&idp, "/Users?count=0").await;
    assert_eq!(r.body["totalResults"], 4);
    assert_eq!(r.body["Resources"], json!([]));
    let r = get(&idp, &format!("/Users?excludedAttributes=emails,{EXT}")).await;
    assert!(r.body["Resources"][0].get("emails").is_none());
    assert!(r.body["Resources"][0].get(EXT).is_none());
    assert_scim_error(
        &get(&idp, "/Users?sortBy=title").await,
        400,
        Some("invalidValue"),
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn scim_patch_edits_multi_valued_emails_and_phone_numbers_through_value_filters(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let id = create(
        &idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    let path = format!("/Users/{id}");

    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "ann.archer@acme.example.com" }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["userName"], "ann@acme.example.com",
        "the login is not the email"
    );
    assert_eq!(
        r.body["emails"],
        json!([{ "value": "ann.archer@acme.example.com", "type": "work", "primary": true }])
    );

    // Add a mobile and an alternate number, then change and remove the alternate by filter.
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "add", "path": "phoneNumbers", "value": [
            { "value": "+919876543210", "type": "mobile" },
            { "value": "+919812345678", "type": "work" },
        ] }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["phoneNumbers"],
        json!([
            { "value": "+919876543210", "type": "mobile" },
            { "value": "+919812345678", "type": "work" },
        ])
    );
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+919800000001" }]),
    )
    .await;
    assert_eq!(
        r.body["phoneNumbers"][1]["value"], "+919800000001",
        "{:?}",
        r.body
    );
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "remove", "path": "phoneNumbers[value eq \"+919800000001\"]" }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["phoneNumbers"],
        json!([{ "value": "+919876543210", "type": "mobile" }])
    );

    // Entra's default mappings: directory attributes are kept and read back, those
    // Switchboard does not keep (addresses) are accepted and ignored; a work number is the
    // alternate mobile and reads back as one.
    let r = patch(
        &idp,
        &path,
        json!([
            { "op": "Add", "path": "title", "value": "Agent" },
            { "op": "Add", "path": "preferredLanguage", "value": "en-IN" },
            { "op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Pune" },
            { "op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales" },
            { "op": "Add", "value": { "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "employeeNumber": "42" } } },
            { "op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+919822222222" },
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["phoneNumbers"][1],
        json!({ "value": "+919822222222", "type": "work" })
    );
    assert_eq!(r.body["title"], "Agent");
    assert_eq!(r.body["preferredLanguage"], "en-IN");
    assert!(r.body.get("addresses").is_none());
    assert_eq!(
        r.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({ "department": "Sales", "employeeNumber": "42" })
    );
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "remove", "path": "phoneNumbers[type eq \"work\"]" }]),
    )
    .await;
    assert_eq!(
        r.body["phoneNumbers"].as_array().unwrap().len(),
        1,
        "{:?}",
        r.body
    );

    // The mobile is immutable once set (R4).
    for ops in [
        json!([{ "op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+919811111111" }]),
        json!([{ "op": "remove", "path": "phoneNumbers[type eq \"mobile\"]" }]),
    ] {
        assert_scim_error(&patch(&idp, &path, ops).await, 400, Some("mutability"));
    }

    // Bad paths and operations.
    assert_scim_error(
        &patch(
            &idp,
            &path,
            json!([{ "op": "replace", "path": "emails[type eq", "value": "x" }]),
        )
        .await,
        400,
        Some("invalidPath"),
    );
    assert_scim_error(
        &patch(
            &idp,
            &path,
            json!([{ "op": "replace", "path": "nickname2", "value": "x" }]),
        )
        .await,
        400,
        Some("invalidPath"),
    );
    assert_scim_error(
        &patch(&idp, &path, json!([{ "op": "replace", "path": "emails[value eq \"nobody@x.io\"].primary", "value": true }])).await,
        400,
        Some("noTarget"),
    );
    assert_scim_error(
        &patch(
            &idp,
            &path,
            json!([{ "op": "jump", "path": "active", "value": true }]),
        )
        .await,
        400,
        Some("invalidSyntax"),
    );
    assert_scim_error(
        &patch(
            &idp,
            &path,
            json!([{ "op": "replace", "path": "active", "value": "maybe" }]),
        )
        .await,
        400,
        Some("invalidValue"),
    );
    assert_scim_error(
        &patch(&idp, &path, json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "not an email" }])).await,
        400,
        Some("invalidValue"),
    );

    // PUT replaces; a stale If-Match is refused with 412.
    let current = get(&idp, &path).await;
    let etag = current.header("etag").unwrap().to_owned();
    let mut body = current.body.clone();
    body["displayName"] = json!("Ann Archer-Smith");
    body["name"] = json!({ "formatted": "Ann Archer-Smith" });
    let r = idp
        .scim(Method::PUT, &path, Some(&body), &[("if-match", &etag)])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "Ann Archer-Smith");
    let r = idp
        .scim(Method::PUT, &path, Some(&body), &[("if-match", &etag)])
        .await;
    assert_scim_error(&r, 412, None);
    let r = idp
        .scim(Method::PATCH, &path, Some(&json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "displayName", "value": "X" }] })), &[("if-match", "W/\"1\"")])
        .await;
    assert_scim_error(&r, 412, None);
}

async fn scim_conflicts_are_uniqueness_errors_and_plan_limits_are_refused(s: Server) {
    let acct = s.account("Acme", Plan::Free, 0).await;
    let idp = s.scim(&acct).await;
    let ann = create(
        &idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    assert_scim_error(
        &post(
            &idp,
            "/Users",
            &new_user("ANN@acme.example.com", "Other", "Ann", "x-2"),
        )
        .await,
        409,
        Some("uniqueness"),
    );
    let bob = create(
        &idp,
        &new_user("bob@acme.example.com", "Bob", "Baker", "x-bob"),
    )
    .await;
    assert_scim_error(
        &patch(
            &idp,
            &format!("/Users/{bob}"),
            json!([{ "op": "replace", "path": "userName", "value": "ann@acme.example.com" }]),
        )
        .await,
        409,
        Some("uniqueness"),
    );
    let r = get(&idp, &format!("/Users/{ann}")).await;
    let ext = r.body[EXT]["extension"].as_str().unwrap().to_owned();
    assert_scim_error(
        &patch(
            &idp,
            &format!("/Users/{bob}"),
            json!([{ "op": "replace", "path": format!("{EXT}:extension"), "value": ext }]),
        )
        .await,
        409,
        Some("uniqueness"),
    );
    assert_scim_error(
        &post(
            &idp,
            "/Users",
            &json!({ "schemas": [USER], "displayName": "No Name" }),
        )
        .await,
        400,
        Some("invalidValue"),
    );
    assert_scim_error(
        &idp.scim(Method::POST, "/Users", None, &[]).await,
        400,
        Some("invalidSyntax"),
    );
    // The free plan holds 5 users: the owner and four more.
    create(&idp, &new_user("c@acme.example.com", "C", "C", "x-c")).await;
    create(&idp, &new_user("d@acme.example.com", "D", "D", "x-d")).await;
    let r = post(
        &idp,
        "/Users",
        &new_user("e@acme.example.com", "E", "E", "x-e"),
    )
    .await;
    assert_scim_error(&r, 403, None);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("at most 5 users"),
        "{:?}",
        r.body
    );
}

async fn scim_is_isolated_per_account_and_takes_only_scim_tokens(s: Server) {
    let acme = s.account("Acme", Plan::Pro, 10).await;
    let globex = s.account("Globex", Plan::Pro, 10).await;
    let acme_idp = s.scim(&acme).await;
    let globex_idp = s.scim(&globex).await;
    let id = create(
        &acme_idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    let path = format!("/Users/{id}");

    assert_scim_error(&get(&globex_idp, &path).await, 404, None);
    assert_scim_error(
        &patch(
            &globex_idp,
            &path,
            json!([{ "op": "replace", "path": "active", "value": false }]),
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
    assert_scim_error(&get(&globex_idp, "/Users/not-a-uuid").await, 404, None);
    let r = get(
        &globex_idp,
        "/Users?filter=userName%20eq%20%22ann%40acme.example.com%22",
    )
    .await;
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(get(&acme_idp, &path).await.status, 200);

    // API tokens, sessions and nothing at all are refused with a SCIM error.
    let api = owner_api(&s, &acme).await;
    let r = api.scim(Method::GET, "/Users", None, &[]).await;
    assert_scim_error(&r, 401, None);
    assert!(r.body["detail"].as_str().unwrap().contains("SCIM token"));
    assert_scim_error(
        &s.anonymous().scim(Method::GET, "/Users", None, &[]).await,
        401,
        None,
    );
    assert_scim_error(
        &s.as_token("sbs_forged")
            .scim(Method::GET, "/ServiceProviderConfig", None, &[])
            .await,
        401,
        None,
    );
    user(&s, &acme, json!({ "name": "Pat Admin", "email": "pat@acme.example.com", "panel_access": true, "role": "Administrator" })).await;
    let (browser, signed_in) = s
        .sign_in("pat@acme.example.com", crate::users::PASSWORD)
        .await;
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
    assert_scim_error(
        &browser.scim(Method::GET, "/Users", None, &[]).await,
        401,
        None,
    );
    // And a SCIM token is no API token.
    let r = acme_idp.get("/api/v1/users").await;
    assert_eq!(r.status, 401);
}

/// Filter-shaped noise, attribute paths of every kind and stray characters: every
/// answer is a list (200) or an `invalidFilter` (400), never a server error.
async fn random_scim_filters_never_break_the_server(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    create(
        &idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    let words = [
        "(",
        ")",
        "[",
        "]",
        "not",
        "and",
        "or",
        "eq",
        "ne",
        "co",
        "sw",
        "ew",
        "gt",
        "ge",
        "lt",
        "le",
        "pr",
        "userName",
        "emails",
        "emails.value",
        "emails.type",
        "phoneNumbers",
        "phoneNumbers.value",
        "displayName",
        "name.formatted",
        "name.givenName",
        "active",
        "externalId",
        "id",
        "meta.created",
        "meta.lastModified",
        "title",
        "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User:extension",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "\"ann\"",
        "\"%_\\\\\"",
        "\"2026-01-01T00:00:00Z\"",
        "\"204\"",
        "204",
        "-1",
        "1e400",
        "true",
        "False",
        "null",
        "\"",
        ";",
        "'",
        "\u{e9}",
    ];
    let mut seed: u64 = 0x5eed_5c13;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap() % n
    };
    for _ in 0..150 {
        let len = 1 + next(9);
        let filter: Vec<&str> = (0..len).map(|_| words[next(words.len())]).collect();
        let filter = filter.join(" ");
        let r = get(&idp, &format!("/Users?filter={}", urlencode(&filter))).await;
        match r.status.as_u16() {
            200 => assert!(r.body["totalResults"].is_u64(), "{filter}: {:?}", r.body),
            400 => assert_eq!(
                r.body["scimType"], "invalidFilter",
                "{filter}: {:?}",
                r.body
            ),
            other => panic!("{filter}: {other} {:?}", r.body),
        }
    }
    // Well-formed filters over each searchable attribute and operator.
    let attrs = [
        "userName",
        "emails.value",
        "displayName",
        "externalId",
        "id",
        "phoneNumbers.value",
        "meta.created",
        "meta.lastModified",
        "urn:ietf:params:scim:schemas:extension:switchboard:2.0:User:extension",
    ];
    for a in attrs {
        for op in ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] {
            for v in ["\"204\"", "\"2026-01-01T00:00:00Z\"", "204", "null", "true"] {
                let filter = format!("{a} {op} {v}");
                let r = get(&idp, &format!("/Users?filter={}", urlencode(&filter))).await;
                assert!(
                    r.status == 200 || r.body["scimType"] == "invalidFilter",
                    "{filter}: {} {:?}",
                    r.status,
                    r.body
                );
            }
        }
    }
}

async fn a_user_reads_back_as_the_identity_provider_wrote_it_and_is_idp_managed(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    // No externalId: provisioned over SCIM is enough to be IdP-managed (R6).
    let r = post(
        &idp,
        "/Users",
        &json!({
            "schemas": [USER],
            "userName": "maria@acme.example.com",
            "name": { "formatted": "María José García", "givenName": "María José", "familyName": "García" },
            "emails": [{ "value": "maria@acme.example.com", "type": "work", "primary": false }],
            "phoneNumbers": [
                { "value": "+919876500001", "type": "mobile", "primary": false },
                { "value": "+919876500002", "type": "other", "primary": true },
            ],
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["name"]["givenName"], "María José");
    assert_eq!(r.body["name"]["familyName"], "García");
    assert_eq!(r.body["emails"][0]["primary"], false);
    assert_eq!(r.body["phoneNumbers"][0]["primary"], false);
    assert_eq!(r.body["phoneNumbers"][1]["primary"], true);

    // A PATCH of the name alone keeps the parts; a PATCH of a part keeps the rest.
    let path = format!("/Users/{id}");
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "name.familyName", "value": "García López" }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"]["givenName"], "María José");
    assert_eq!(r.body["name"]["familyName"], "García López");

    // Outside SCIM the IdP-owned name is read-only.
    let api = owner_api(&s, &acct).await;
    let r = api
        .patch(
            &format!("/api/v1/users/{id}"),
            &json!({ "name": "Someone Else" }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["code"], "field_managed_by_idp", "{:?}", r.body);
}

/// RFC 7644 §3.5.2: a PATCH is atomic. A change of fields together with `active` runs in
/// one transaction, so a refusal of any part leaves the user exactly as it was.
async fn a_scim_change_refused_in_part_changes_nothing(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let actions = |id: String| {
        let (sb, system) = (s.app.sb.clone(), acct.system.clone());
        async move {
            sb.list_audit_events(
                &system,
                &AuditFilter {
                    target_id: Some(id),
                    ..AuditFilter::default()
                },
                0,
                100,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event.action)
            .collect::<Vec<_>>()
        }
    };

    // Renaming the owner and deactivating them at once: the owner cannot be deactivated,
    // so the rename does not happen either.
    let owner = acct.owner.to_string();
    let path = format!("/Users/{owner}");
    let before = get(&idp, &path).await;
    assert_eq!(before.status, 200, "{:?}", before.body);
    let r = patch(
        &idp,
        &path,
        json!([
            { "op": "replace", "path": "displayName", "value": "Renamed Owner" },
            { "op": "replace", "path": "active", "value": false },
        ]),
    )
    .await;
    assert!(r.status == 400 || r.status == 409, "{:?}", r.body);
    assert!(
        r.body["detail"].as_str().unwrap().contains("owner"),
        "{:?}",
        r.body
    );
    let after = get(&idp, &path).await;
    assert_eq!(after.body["displayName"], before.body["displayName"]);
    assert_eq!(after.body["active"], true);
    assert_eq!(
        after.body["meta"]["version"],
        before.body["meta"]["version"]
    );
    assert!(
        !actions(owner.clone())
            .await
            .contains(&"user.updated".to_owned())
    );

    // Reactivating a user while giving them an email another user holds: the conflict
    // undoes the reactivation too, and no invite goes out.
    create(
        &idp,
        &new_user("ann@acme.example.com", "Ann", "Archer", "x-ann"),
    )
    .await;
    let bob = create(
        &idp,
        &new_user("bob@acme.example.com", "Bob", "Baker", "x-bob"),
    )
    .await;
    let path = format!("/Users/{bob}");
    let r = patch(
        &idp,
        &path,
        json!([{ "op": "replace", "path": "active", "value": false }]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = patch(
        &idp,
        &path,
        json!([
            { "op": "replace", "path": "active", "value": true },
            { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "ann@acme.example.com" },
        ]),
    )
    .await;
    assert_scim_error(&r, 409, Some("uniqueness"));
    assert!(
        r.body["detail"].as_str().unwrap().contains("Ann Archer"),
        "{:?}",
        r.body
    );
    let after = get(&idp, &path).await;
    assert_eq!(after.body["active"], false, "{:?}", after.body);
    assert_eq!(after.body["userName"], "bob@acme.example.com");
    assert!(
        !actions(bob.clone())
            .await
            .contains(&"user.activated".to_owned())
    );

    // The same request without the conflict goes through as one change; the answer
    // carries only the attributes asked for (RFC 7644 §3.9).
    let r = patch(
        &idp,
        &format!("{path}?attributes=userName,active"),
        json!([
            { "op": "replace", "path": "active", "value": true },
            { "op": "replace", "path": "userName", "value": "robert@acme.example.com" },
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["userName"], "robert@acme.example.com");
    assert_eq!(r.body["id"], bob.as_str());
    assert!(r.body.get("displayName").is_none(), "{:?}", r.body);
    assert!(r.body.get("emails").is_none(), "{:?}", r.body);
    let done = actions(bob).await;
    assert!(done.contains(&"user.activated".to_owned()), "{done:?}");
    assert!(done.contains(&"user.updated".to_owned()), "{done:?}");
}

crate::on_both!(
    a_scim_change_refused_in_part_changes_nothing,
    a_user_reads_back_as_the_identity_provider_wrote_it_and_is_idp_managed,
    random_scim_filters_never_break_the_server,
    discovery_endpoints_describe_what_scim_supports,
    an_identity_provider_walks_a_user_through_its_lifecycle,
    scim_filters_run_in_the_database_and_malformed_ones_are_refused,
    scim_patch_edits_multi_valued_emails_and_phone_numbers_through_value_filters,
    scim_conflicts_are_uniqueness_errors_and_plan_limits_are_refused,
    scim_is_isolated_per_account_and_takes_only_scim_tokens,
);
