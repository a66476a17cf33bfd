//! Request-for-request replays of what Microsoft Entra ID and Okta document that they send,
//! with the bodies as their documentation prints them (ids replaced by the ones this server
//! handed out). Each step names its source beside it:
//!
//! - [MS-TUT] Microsoft, "Tutorial: Develop and plan provisioning for a SCIM endpoint in
//!   Microsoft Entra ID", section "SCIM protocol requests and responses" (User operations,
//!   Group operations).
//! - [MS-KNOWN] Microsoft, "Known issues and resolutions with SCIM 2.0 protocol compliance of
//!   the Microsoft Entra user provisioning service", section "Flags to alter the SCIM
//!   behavior": every request shown both without and with the `aadOptscim062020` flag.
//! - [OKTA-REF] Okta, "SCIM 2.0 protocol reference" (Okta and SCIM Version 2.0): SCIM User
//!   operations and SCIM Group operations (Push Groups).
//! - [OKTA-SPEC] Okta's "Okta SCIM 2.0 SPEC Test" suite (`Okta-SCIM-20-SPEC-Test.json`), run
//!   from the guide "Build a SCIM provisioning integration → Test your SCIM API".

use reqwest::Method;
use serde_json::{Value, json};
use switchboard_domain::Plan;

use super::{USER, assert_scim_error, get, post};
use crate::support::{Client, Reply, Server};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

async fn send(c: &Client, method: Method, path: &str, body: Value) -> Reply {
    c.scim(method, path, Some(&body), &[]).await
}

/// A filter as the providers put it in a query string.
fn q(filter: &str) -> String {
    filter
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A PATCH answer as both providers accept it: 200 with the resource, or 204.
#[track_caller]
fn patched(r: &Reply) {
    assert!(r.status == 200 || r.status == 204, "{:?}", r.body);
}

/// The one user a lookup finds, after checking it is a ListResponse of exactly one.
#[track_caller]
fn only(r: &Reply) -> &Value {
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["schemas"], json!([LIST]), "{:?}", r.body);
    assert_eq!(r.body["totalResults"], 1, "{:?}", r.body);
    &r.body["Resources"][0]
}

/// After a sequence: `GET` and the provider's own lookup filters find the user with
/// `userName`, the work email and `externalId` exactly as last sent.
async fn found_as_sent(idp: &Client, id: &str, login: &str, email: &str, external: &str) {
    let direct = get(idp, &format!("/Users/{id}")).await;
    assert_eq!(direct.status, 200, "{:?}", direct.body);
    for filter in [
        format!("userName eq \"{login}\""),
        format!("emails[type eq \"work\"].value eq \"{email}\""),
        format!("externalId eq \"{external}\""),
    ] {
        let r = get(idp, &format!("/Users?filter={}", q(&filter))).await;
        let u = only(&r).clone();
        for u in [&u, &direct.body] {
            assert_eq!(u["id"], id, "{filter}");
            assert_eq!(u["userName"], login, "{filter}: {u}");
            assert_eq!(u["emails"][0]["value"], email, "{filter}: {u}");
            assert_eq!(u["externalId"], external, "{filter}: {u}");
        }
    }
}

async fn microsoft_entra_user_operations_request_for_request(s: Server) {
    let acct = s.account("Contoso", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;

    // [MS-TUT] Create User.
    let login = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee";
    let r = send(
        &idp,
        Method::POST,
        "/Users",
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
            "active": true,
            "emails": [{
                "primary": true,
                "type": "work",
                "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
            }],
            "meta": {
                "resourceType": "User"
            },
            "name": {
                "formatted": "givenName familyName",
                "familyName": "familyName",
                "givenName": "givenName"
            },
            "roles": []
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assert_eq!(r.body["userName"], login);
    assert_eq!(r.body["name"]["givenName"], "givenName");
    assert_eq!(r.body["name"]["familyName"], "familyName");
    assert_eq!(
        r.body["emails"],
        json!([{ "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com", "type": "work", "primary": true }])
    );
    let path = format!("/Users/{id}");

    // [MS-TUT] Get User, found and not found ("the detail isn't required, only status").
    let r = get(&idp, &path).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["active"], true);
    let r = get(&idp, "/Users/5171a35d82074e068ce2").await;
    assert_scim_error(&r, 404, None);

    // [MS-TUT] Get User by query; Get User by query - Zero results.
    let r = get(
        &idp,
        &format!("/Users?filter={}", q(&format!("userName eq \"{login}\""))),
    )
    .await;
    assert_eq!(only(&r)["id"], id.as_str());
    let r = get(
        &idp,
        &format!("/Users?filter={}", q("userName eq \"non-existent user\"")),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));

    // [MS-TUT] Update User [Multi-valued properties].
    let r = send(
        &idp,
        Method::PATCH,
        &path,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                    {
                    "op": "Replace",
                    "path": "emails[type eq \"work\"].value",
                    "value": "updatedEmail@microsoft.com"
                    },
                    {
                    "op": "Replace",
                    "path": "name.familyName",
                    "value": "updatedFamilyName"
                    }
            ]
        }),
    )
    .await;
    patched(&r);
    let r = get(&idp, &path).await;
    assert_eq!(r.body["emails"][0]["value"], "updatedEmail@microsoft.com");
    assert_eq!(r.body["name"]["familyName"], "updatedFamilyName");
    assert_eq!(r.body["name"]["formatted"], "givenName updatedFamilyName");
    assert_eq!(r.body["userName"], login, "the login is not the email");

    // [MS-TUT] Update User [Single-valued properties].
    let login = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com";
    let r = send(
        &idp,
        Method::PATCH,
        &path,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Replace",
                "path": "userName",
                "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
            }]
        }),
    )
    .await;
    patched(&r);
    let r = get(&idp, &path).await;
    assert_eq!(r.body["userName"], login);
    assert_eq!(
        r.body["emails"][0]["value"], "updatedEmail@microsoft.com",
        "the email stays"
    );

    // [MS-KNOWN] Requests made to add a single-value string attribute, without and with
    // the flag: nickName is not kept (the README lists it among the ignored attributes).
    for op in ["Add", "add"] {
        let r = send(
            &idp,
            Method::PATCH,
            &path,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": op, "path": "nickName", "value": "Babs" }]
            }),
        )
        .await;
        patched(&r);
    }

    // [MS-KNOWN] Requests to replace multiple attributes, without the flag.
    let r = send(
        &idp,
        Method::PATCH,
        &path,
        json!({
            "schemas": [
                "urn:ietf:params:scim:api:messages:2.0:PatchOp"
            ],
            "Operations": [
                { "op": "Replace", "path": "displayName", "value": "Pvlo" },
                { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com" },
                { "op": "Replace", "path": "name.givenName", "value": "Gtfd" },
                { "op": "Replace", "path": "name.familyName", "value": "Pkqf" },
                { "op": "Replace", "path": "externalId", "value": "Eqpj" },
                { "op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj" }
            ]
        }),
    )
    .await;
    patched(&r);
    let r = get(&idp, &path).await;
    assert_eq!(r.body["displayName"], "Pvlo");
    assert_eq!(
        r.body["emails"][0]["value"],
        "TestBcwqnm@test.microsoft.com"
    );
    assert_eq!(r.body["name"]["givenName"], "Gtfd");
    assert_eq!(r.body["name"]["familyName"], "Pkqf");
    assert_eq!(r.body["externalId"], "Eqpj");
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "Eqpj");

    // [MS-KNOWN] The same with the flag: a path-less replace with dotted and URN keys.
    let r = send(
        &idp,
        Method::PATCH,
        &path,
        json!({
            "schemas": [
                "urn:ietf:params:scim:api:messages:2.0:PatchOp"
            ],
            "Operations": [
                {
                    "op": "replace",
                    "path": "emails[type eq \"work\"].value",
                    "value": "TestMhvaes@test.microsoft.com"
                },
                {
                    "op": "replace",
                    "value": {
                        "displayName": "Bjfe",
                        "name.givenName": "Kkom",
                        "name.familyName": "Unua",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
                    }
                }
            ]
        }),
    )
    .await;
    patched(&r);
    let r = get(&idp, &path).await;
    assert_eq!(r.body["displayName"], "Bjfe");
    assert_eq!(
        r.body["emails"][0]["value"],
        "TestMhvaes@test.microsoft.com"
    );
    assert_eq!(r.body["name"]["givenName"], "Kkom");
    assert_eq!(r.body["name"]["familyName"], "Unua");
    assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "Aklq");

    // [MS-TUT] Disable User; [MS-KNOWN] requests made to disable users, without the flag
    // (the string "False") and with it. Each starts from an active user.
    let disables = [
        json!({
            "Operations": [{ "op": "Replace", "path": "active", "value": false }],
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "Replace", "path": "active", "value": "False" }]
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "replace", "path": "active", "value": false }]
        }),
    ];
    for body in disables {
        let r = send(&idp, Method::PATCH, &path, body).await;
        patched(&r);
        assert_eq!(get(&idp, &path).await.body["active"], false);
        let r = super::patch(
            &idp,
            &path,
            json!([{ "op": "Replace", "path": "active", "value": true }]),
        )
        .await;
        patched(&r);
    }
    found_as_sent(&idp, &id, login, "TestMhvaes@test.microsoft.com", "Eqpj").await;

    // [MS-TUT] Delete User.
    let r = idp.scim(Method::DELETE, &path, None, &[]).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_scim_error(&get(&idp, &path).await, 404, None);
}

async fn microsoft_entra_group_operations_request_for_request(s: Server) {
    let acct = s.account("Contoso", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    let member = super::create(
        &idp,
        &super::new_user("member@contoso.com", "Mia", "Member", "ext-member"),
    )
    .await;

    // [MS-TUT] Create Group, with Microsoft's own schema URI beside the core one.
    let r = send(
        &idp,
        Method::POST,
        "/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {
                "resourceType": "Group"
            }
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert_eq!(r.body["members"], json!([]));
    let gid = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/Groups/{gid}");

    // [MS-TUT] Get Group; Get Group by displayName (members excluded).
    let r = get(&idp, &format!("{path}?excludedAttributes=members")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["displayName"], "displayName");
    assert!(r.body.get("members").is_none(), "{:?}", r.body);
    let r = get(
        &idp,
        &format!(
            "/Groups?excludedAttributes=members&filter={}",
            q("displayName eq \"displayName\"")
        ),
    )
    .await;
    assert_eq!(only(&r)["id"], gid.as_str());
    assert!(r.body["Resources"][0].get("members").is_none());

    // [MS-TUT] Update Group [Non-member attributes].
    let r = send(
        &idp,
        Method::PATCH,
        &path,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Replace",
                "path": "displayName",
                "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
            }]
        }),
    )
    .await;
    patched(&r);
    assert_eq!(
        get(&idp, &path).await.body["displayName"],
        "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    );

    let add = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "Add",
            "path": "members",
            "value": [{
                "$ref": null,
                "value": member
            }]
        }]
    });
    let members = |r: &Reply| -> Vec<String> {
        r.body["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // [MS-TUT] Update Group [Add Members], then [Remove Members] (the older form, without
    // the flag), then [MS-KNOWN] the removal with the flag.
    let removals = [
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Remove",
                "path": "members",
                "value": [{
                    "$ref": null,
                    "value": member
                }]
            }]
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "remove",
                "path": format!("members[value eq \"{member}\"]")
            }]
        }),
    ];
    for remove in removals {
        patched(&send(&idp, Method::PATCH, &path, add.clone()).await);
        assert_eq!(
            members(&get(&idp, &path).await),
            std::slice::from_ref(&member)
        );
        patched(&send(&idp, Method::PATCH, &path, remove).await);
        assert!(members(&get(&idp, &path).await).is_empty());
    }

    // [MS-TUT] Delete Group.
    let r = idp.scim(Method::DELETE, &path, None, &[]).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_scim_error(&get(&idp, &path).await, 404, None);
    assert_eq!(get(&idp, &format!("/Users/{member}")).await.status, 200);
}

async fn okta_protocol_reference_users_and_push_groups_request_for_request(s: Server) {
    let acct = s.account("Okta Co", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;

    // [OKTA-REF] Create Users: determine if the User already exists.
    let lookup =
        "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100";
    let r = get(&idp, lookup).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["totalResults"], 0);

    // [OKTA-REF] Create the User (Okta sends a password and an empty groups list).
    let create = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "test.user@okta.local",
        "name": {
            "givenName": "Test",
            "familyName": "User"
        },
        "emails": [{
            "primary": true,
            "value": "test.user@okta.local",
            "type": "work"
        }],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    let r = send(&idp, Method::POST, "/Users", create.clone()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["userName"], "test.user@okta.local");
    assert_eq!(r.body["displayName"], "Test User");
    assert_eq!(r.body["locale"], "en-US");
    assert_eq!(r.body["active"], true);
    assert!(r.body.get("password").is_none(), "never returned");
    // Already there: 409.
    assert_scim_error(
        &send(&idp, Method::POST, "/Users", create).await,
        409,
        Some("uniqueness"),
    );
    assert_eq!(only(&get(&idp, lookup).await)["id"], id.as_str());

    // [OKTA-REF] Retrieve Users, a page at a time, numbers as integers.
    let r = get(&idp, "/Users?startIndex=1&count=100").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["totalResults"].is_u64() && r.body["startIndex"] == 1);
    assert!(r.body["itemsPerPage"].is_u64());

    // [OKTA-REF] Retrieve a specific User.
    let path = format!("/Users/{id}");
    let r = get(&idp, &path).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["id"], id.as_str());

    // [OKTA-REF] Update a specific User (PUT): the body echoes id, groups and meta.
    let r = send(
        &idp,
        Method::PUT,
        &path,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": id,
            "userName": "test.user@okta.local",
            "name": {
                "givenName": "Another",
                "middleName": "Excited",
                "familyName": "User"
            },
            "emails": [{
                "primary": true,
                "value": "test.user@okta.local",
                "type": "work",
                "display": "test.user@okta.local"
            }],
            "active": true,
            "groups": [],
            "meta": {
                "resourceType": "User"
            }
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["name"]["givenName"], "Another");
    assert_eq!(r.body["name"]["familyName"], "User");

    // [OKTA-REF] Update a specific User (PATCH): deactivate with a path-less replace.
    let r = send(
        &idp,
        Method::PATCH,
        &path,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "replace",
                "value": {
                    "active": false
                }
            }]
        }),
    )
    .await;
    patched(&r);
    let r = get(&idp, &path).await;
    assert_eq!(r.status, 200, "a deactivated user stays retrievable");
    assert_eq!(r.body["active"], false);
    // Reactivated the same way.
    let r = send(
        &idp,
        Method::PATCH,
        &path,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "replace", "value": { "active": true } }]
        }),
    )
    .await;
    patched(&r);
    assert_eq!(get(&idp, &path).await.body["active"], true);
    let second = super::create(
        &idp,
        &super::new_user(
            "second.user@okta.local",
            "Second",
            "User",
            "00ujl29u0le5T6Aj10h8",
        ),
    )
    .await;

    // [OKTA-REF] Create Groups.
    let r = send(
        &idp,
        Method::POST,
        "/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Test SCIMv2",
            "members": []
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let gid = r.body["id"].as_str().unwrap().to_owned();
    let gpath = format!("/Groups/{gid}");

    // [OKTA-REF] Retrieve Groups; by name when the group's id is not known; a group.
    let r = get(&idp, "/Groups?startIndex=1&count=100").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = get(
        &idp,
        "/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100",
    )
    .await;
    assert_eq!(only(&r)["id"], gid.as_str());
    assert_eq!(get(&idp, &gpath).await.body["displayName"], "Test SCIMv2");

    let members = |r: &Reply| -> Vec<String> {
        let mut v: Vec<String> = r.body["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // [OKTA-REF] Update a specific Group name: sent before every membership update, with
    // the group's own id.
    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "replace",
            "value": {
                "id": gid,
                "displayName": "Test SCIMv2"
            }
        }]
    });
    patched(&send(&idp, Method::PATCH, &gpath, rename.clone()).await);

    // [OKTA-REF] Update specific Group membership: remove and add in one request.
    let r = send(
        &idp,
        Method::PATCH,
        &gpath,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "remove",
                "path": format!("members[value eq \"{second}\"]")
                },
                {
                "op": "add",
                "path": "members",
                "value": [{
                    "value": id,
                    "display": "test.user@okta.local"
                }]
            }]
        }),
    )
    .await;
    patched(&r);
    assert_eq!(members(&get(&idp, &gpath).await), std::slice::from_ref(&id));

    // The full list with replace, after the name again.
    patched(&send(&idp, Method::PATCH, &gpath, rename).await);
    let r = send(
        &idp,
        Method::PATCH,
        &gpath,
        json!({
          "schemas": [
            "urn:ietf:params:scim:api:messages:2.0:PatchOp"
          ],
          "Operations": [
            {
              "op": "replace",
              "path": "members",
              "value": [
                { "value": id, "display": "test.user@okta.local" },
                { "value": second, "display": "test.user@okta.local" }
              ]
            }
          ]
        }),
    )
    .await;
    patched(&r);
    assert_eq!(
        members(&get(&idp, &gpath).await),
        sorted(vec![id.clone(), second.clone()])
    );

    // App Integration Wizard apps: PUT with the whole member list.
    let r = send(
        &idp,
        Method::PUT,
        &gpath,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Test SCIMv2",
            "members": [
                    {
                    "value": id,
                    "display": "test.user@okta.local"
                    }
            ]
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(members(&get(&idp, &gpath).await), std::slice::from_ref(&id));

    // [OKTA-REF] Delete a specific Group.
    let r = idp.scim(Method::DELETE, &gpath, None, &[]).await;
    assert_eq!(r.status, 204, "{:?}", r.body);

    found_as_sent(
        &idp,
        &id,
        "test.user@okta.local",
        "test.user@okta.local",
        "00ujl29u0le5T6Aj10h7",
    )
    .await;
}

async fn okta_spec_test_flow_request_for_request(s: Server) {
    let acct = s.account("Okta Co", Plan::Pro, 10).await;
    let idp = s.scim(&acct).await;
    // "Create at least one user in your SCIM server before running the test suite."
    super::create(
        &idp,
        &super::new_user("existing@atko.com", "Existing", "User", "ext-existing"),
    )
    .await;
    let non_empty = |u: &Value| {
        for field in [
            &u["id"],
            &u["name"]["familyName"],
            &u["name"]["givenName"],
            &u["userName"],
            &u["emails"][0]["value"],
        ] {
            assert!(!field.as_str().unwrap_or("").is_empty(), "{u}");
        }
        assert!(u["active"].is_boolean(), "{u}");
    };

    // 1. Test Users endpoint.
    let r = get(&idp, "/Users?count=1&startIndex=1").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["schemas"], json!([LIST]));
    for n in ["itemsPerPage", "startIndex", "totalResults"] {
        assert!(r.body[n].is_u64(), "{n}: {:?}", r.body);
    }
    non_empty(&r.body["Resources"][0]);
    let isv = r.body["Resources"][0]["id"].as_str().unwrap().to_owned();
    // 2. Get Users/{{id}}.
    let r = get(&idp, &format!("/Users/{isv}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    non_empty(&r.body);
    assert_eq!(r.body["id"], isv.as_str());
    // 3. Test invalid User by username.
    let r = get(
        &idp,
        &format!("/Users?filter={}", q("userName eq \"abcdefgh@atko.com\"")),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), &r.body["totalResults"]),
        (200, &json!(0))
    );
    // 4. Test invalid User by ID.
    assert_scim_error(
        &get(&idp, "/Users/010101001010101011001010101011").await,
        404,
        None,
    );
    // 5. Make sure random user doesn't exist.
    let email = "Runscope123Abcdefghi456@atko.com";
    let r = get(
        &idp,
        &format!("/Users?filter={}", q(&format!("userName eq \"{email}\""))),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), &r.body["totalResults"]),
        (200, &json!(0))
    );
    // 6. Create Okta user with realistic values (sent as application/json).
    let body = json!({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":email,"name":{"givenName":"Runscope123","familyName":"Abcdefghi456"},"emails":[{"primary":true,"value":email,"type":"work"}],"displayName":"Runscope123 Abcdefghi456","active":true});
    let r = idp
        .scim(
            Method::POST,
            "/Users",
            Some(&body),
            &[
                ("content-type", "application/json"),
                ("accept", "application/scim+json; charset=utf-8"),
            ],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["name"]["familyName"], "Abcdefghi456");
    assert_eq!(r.body["name"]["givenName"], "Runscope123");
    assert_eq!(r.body["userName"], email);
    assert!(r.body["schemas"].as_array().unwrap().contains(&json!(USER)));
    let one = r.body["id"].as_str().unwrap().to_owned();
    // 7. Verify that user was created.
    let r = get(&idp, &format!("/Users/{one}")).await;
    assert_eq!(r.body["userName"], email);
    assert_eq!(r.body["name"]["givenName"], "Runscope123");
    // 8. Expect failure when recreating user with same values.
    assert_eq!(post(&idp, "/Users", &body).await.status, 409);
    // 9. Username Case Sensitivity Check: userName is caseExact false.
    let caps = email.to_uppercase();
    let r = get(
        &idp,
        &format!("/Users?filter={}", q(&format!("userName eq \"{caps}\""))),
    )
    .await;
    assert_eq!(only(&r)["id"], one.as_str());
    // 10. Verify Groups endpoint.
    let r = get(&idp, "/Groups").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["Resources"].is_array());
    // 11. Check status 401.
    let mut anonymous = s.anonymous();
    anonymous.token = None;
    let r = anonymous
        .scim(
            Method::GET,
            &format!("/Users?filter={}", q(&format!("userName eq \"{caps}\""))),
            None,
            &[("authorization", "non-token")],
        )
        .await;
    assert_scim_error(&r, 401, None);
    // 12. Check status 404.
    assert_scim_error(&get(&idp, "/Users/00919288221112222").await, 404, None);

    let r = get(
        &idp,
        &format!("/Users?filter={}", q(&format!("userName eq \"{email}\""))),
    )
    .await;
    assert_eq!(only(&r)["emails"][0]["value"], email);
}

crate::on_both!(
    microsoft_entra_user_operations_request_for_request,
    microsoft_entra_group_operations_request_for_request,
    okta_protocol_reference_users_and_push_groups_request_for_request,
    okta_spec_test_flow_request_for_request,
);
