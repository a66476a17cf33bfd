//! Every answer of the users API carries exactly the properties its OpenAPI schema
//! documents, so generated clients and schema-driven tests read them correctly.

use serde_json::json;
use switchboard_domain::Plan;

use super::{at, department, owner_api};
use crate::support::Server;

/// Checks that `body` has every required property of schema `name` and no undocumented
/// ones, recursing into documented object and array properties.
pub fn conforms(doc: &serde_json::Value, name: &str, body: &serde_json::Value) {
    let schema = &doc["components"]["schemas"][name];
    let props = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {name}"));
    let obj = body.as_object().unwrap_or_else(|| panic!("{name}: {body}"));
    for key in obj.keys() {
        assert!(props.contains_key(key), "{name}.{key} is not documented");
    }
    for req in schema["required"].as_array().into_iter().flatten() {
        let req = req.as_str().unwrap();
        assert!(obj.contains_key(req), "{name}.{req} is missing");
    }
    for (key, prop) in props {
        let Some(value) = obj.get(key) else { continue };
        let reference = prop["$ref"]
            .as_str()
            .or_else(|| prop["items"]["$ref"].as_str())
            .or_else(|| {
                prop["oneOf"]
                    .as_array()
                    .and_then(|v| v.iter().find_map(|s| s["$ref"].as_str()))
            });
        let Some(reference) = reference else { continue };
        let child = reference.rsplit('/').next().unwrap();
        if doc["components"]["schemas"][child]["properties"].is_null() {
            continue;
        }
        match value {
            serde_json::Value::Array(items) => items.iter().for_each(|i| conforms(doc, child, i)),
            serde_json::Value::Object(_) => conforms(doc, child, value),
            _ => {}
        }
    }
}

async fn answers_match_the_documented_schemas(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let doc = s.anonymous().get("/api/v1/openapi.json").await.body;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let created = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true,
                     "departments": [sales.to_string()], "tags": ["a"],
                     "call_hours": { "friday": [{ "start": "22:00", "end": "02:00" }] } }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    conforms(&doc, "UserCreatedOut", &created.body);
    let path = at(created.body["user"]["id"].as_str().unwrap());
    conforms(&doc, "UserOut", &api.get(&path).await.body);
    conforms(&doc, "UserPage", &api.get("/api/v1/users").await.body);
    conforms(
        &doc,
        "UserOut",
        &api.patch(&path, &json!({ "availability": "busy" }))
            .await
            .body,
    );
    conforms(
        &doc,
        "UserDeletionCheck",
        &api.get(&format!("{path}/deletion-check")).await.body,
    );
    conforms(
        &doc,
        "AvailableExtensions",
        &api.get("/api/v1/extensions/available").await.body,
    );
    conforms(
        &doc,
        "UserOut",
        &api.post(&format!("{path}/deactivate"), &json!({}))
            .await
            .body,
    );
    conforms(&doc, "Problem", &api.get(&at("nope")).await.body);
}

crate::on_both!(answers_match_the_documented_schemas);
