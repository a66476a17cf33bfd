//! Hostile input never breaks the server: NUL and other control characters, invalid
//! UTF-8, 100,000-character strings, absurd numbers and wrong JSON types, sent to every
//! operation of the OpenAPI document, to the SCIM endpoints and to the dashboard's forms,
//! answer 4xx (or a search that matches nothing) — never 5xx — on both databases.

use reqwest::Method;
use serde_json::{Value, json};
use switchboard_domain::Plan;

use super::scim::USER;
use crate::support::{Client, Server};

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn nul_bytes_are_refused_by_field_or_match_nothing(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let idp = s.scim(&acct).await;
    for q in ["%00", "a%00b", "%1B%5B31m"] {
        let r = api.get(&format!("/api/v1/users?q={q}")).await;
        assert_eq!(r.status, 200, "q={q}: {:?}", r.body);
        assert_eq!(r.body["items"], json!([]), "q={q}");
        let r = api.get(&format!("/api/v1/users?role={q}")).await;
        assert!(r.status.is_success(), "role={q}: {:?}", r.body);
        let r = api.get(&format!("/api/v1/users?tag={q}")).await;
        assert!(r.status.is_success(), "tag={q}: {:?}", r.body);
    }
    let r = api
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "a\u{0}b", "role": "Basic", "scopes": ["api"] }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "name", "{:?}", r.body);
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "N\u{0}ul", "mobile": "+919876543210" }),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "name", "{:?}", r.body);

    // SCIM: a filter value with NUL matches nothing; attributes with one are refused.
    // As the filter grammar escapes it (`\u0000`): a value that equals nothing.
    for f in [
        r#"userName eq "\u0000""#,
        r#"emails.value co "a\u0000""#,
        r#"externalId ne "\u0000""#,
    ] {
        let r = idp
            .scim(Method::GET, &format!("/Users?filter={}", enc(f)), None, &[])
            .await;
        assert_eq!(r.status, 200, "{f}: {:?}", r.body);
    }
    let r = idp
        .scim(
            Method::GET,
            &format!("/Users?filter={}", enc(r#"userName eq "\u0000""#)),
            None,
            &[],
        )
        .await;
    assert_eq!(r.body["totalResults"], 0);
    // A raw NUL inside the filter's string is not a string the grammar allows.
    let r = idp
        .scim(
            Method::GET,
            &format!("/Users?filter={}", enc("userName eq \"\u{0}\"")),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "{:?}", r.body);
    assert_eq!(r.body["scimType"], "invalidFilter");
    for (attr, body) in [
        (
            "externalId",
            json!({ "schemas": [USER], "userName": "a@acme.example.com", "externalId": "x\u{0}" }),
        ),
        (
            "name.givenName",
            json!({ "schemas": [USER], "userName": "b@acme.example.com", "name": { "givenName": "B\u{0}" } }),
        ),
        (
            "userName",
            json!({ "schemas": [USER], "userName": "c\u{0}@acme.example.com" }),
        ),
    ] {
        let r = idp.scim(Method::POST, "/Users", Some(&body), &[]).await;
        assert_eq!(r.status, 400, "{attr}: {:?}", r.body);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap_or("")
                .contains(attr.split('.').next_back().unwrap()),
            "{attr}: {:?}",
            r.body
        );
    }
    // The dashboard's users list searches the same way.
    let (browser, _) = crate::dashboard::signed_in(&s, "owner@acme.example.com").await;
    let (status, _) = browser.page("/users?q=a%00b").await;
    assert_eq!(status, 200);
}

/// The hostile values for JSON bodies, one per kind.
fn json_kinds() -> Vec<Value> {
    vec![
        json!("\u{0}"),
        json!("a\u{0}b"),
        json!("\u{1b}[31m\u{7}\r\n\t"),
        json!("x".repeat(100_000)),
        json!(1e308),
        json!(-1),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(3.5),
        json!({ "deep": { "er": [1, "two", null] } }),
        json!([]),
        json!(true),
        Value::Null,
    ]
}

/// The hostile values for query strings, already percent-encoded.
fn query_kinds() -> Vec<String> {
    vec![
        "%00".to_owned(),
        "a%00b".to_owned(),
        "%1B%5B31m%07".to_owned(),
        "%FF%FE".to_owned(),
        "x".repeat(20_000),
        "1e308".to_owned(),
        "-1".to_owned(),
        "99999999999999999999999".to_owned(),
        "%22%27%3C%3E".to_owned(),
    ]
}

/// Raw bodies: invalid UTF-8, truncated and deeply nested JSON, a huge string.
fn raw_bodies() -> Vec<Vec<u8>> {
    vec![
        b"{\"name\": \"\xff\xfe\", \"email\": \"a\xc0@x.com\"}".to_vec(),
        b"{\"name\": ".to_vec(),
        format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
        format!("{{\"name\": \"{}\"}}", "y".repeat(100_000)).into_bytes(),
        b"\x00\x00\x00".to_vec(),
    ]
}

/// A sent request and its status, for the report.
struct Sent {
    what: String,
    status: u16,
}

async fn send_raw(c: &Client, method: Method, path: &str, ctype: &str, body: Vec<u8>) -> u16 {
    let mut req = c
        .http
        .request(method, format!("{}{path}", c.base))
        .header("content-type", ctype)
        .body(body);
    if let Some(t) = &c.token {
        req = req.bearer_auth(t);
    }
    match req.send().await {
        Ok(r) => r.status().as_u16(),
        // The server may close a connection on a request it will not read; never a 5xx.
        Err(_) => 0,
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// The property names of a request body's schema (following `$ref` and `allOf`).
fn properties(doc: &Value, schema: &Value) -> Vec<String> {
    let s = resolve(doc, schema);
    let mut out: Vec<String> = s["properties"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for part in s["allOf"].as_array().into_iter().flatten() {
        out.extend(properties(doc, part));
    }
    out
}

async fn every_operation_survives_hostile_values(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 50).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let user = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "mobile": "+919876543210" }),
        )
        .await;
    let dept = crate::users::department(&s, &acct.owner_ctx, "Sales", vec![user], vec![]).await;
    let role = api
        .post("/api/v1/roles", &json!({ "name": "Intern" }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let number = crate::users::number(&s, &acct.owner_ctx, "+919000000001", user).await;
    let workflow = api
        .post(
            "/api/v1/workflows",
            &json!({ "name": "Welcome", "kind": "ivr", "owner_id": user.to_string() }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap_or("00000000-0000-0000-0000-000000000000")
        .to_owned();
    let token = api
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "spare", "role": "Basic", "scopes": ["api"] }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap_or("00000000-0000-0000-0000-000000000000")
        .to_owned();
    let doc = api.get("/api/v1/openapi.json").await.body;
    let id_for = |path: &str| -> String {
        let pick = [
            ("/users/", user.to_string()),
            ("/departments/", dept.to_string()),
            ("/roles/", role.clone()),
            ("/numbers/", number.clone()),
            ("/workflows/", workflow.clone()),
            ("/api-tokens/", token.clone()),
        ];
        pick.iter()
            .find(|(p, _)| path.contains(p))
            .map(|(_, id)| id.clone())
            .unwrap_or_else(|| "no-such-token-\u{0}".replace('\u{0}', "%00"))
    };
    let mut ops: Vec<(String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    // Destructive operations last, so the records stay for the others.
    ops.sort_by_key(|(m, p, _)| (m == "DELETE" || p.contains("deactivate"), p.clone()));
    let (jk, qk, raw) = (json_kinds(), query_kinds(), raw_bodies());
    let mut sent = Vec::new();
    let mut turn = 0usize;
    for (method, template, op) in &ops {
        let real = template
            .replace("{id}", &id_for(template))
            .replace("{token}", "not-a-real-link-token");
        let path = real.replace("{id}", "x");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        // Path ids that are not ids, or nil ones.
        if template.contains("{id}") {
            for bad in ["%00", "00000000-0000-0000-0000-000000000000", "%FF"] {
                let p = template.replace("{id}", bad).replace("{token}", bad);
                let r = api.send(m.clone(), &p, None, &[]).await;
                sent.push(Sent {
                    what: format!("{method} {p}"),
                    status: r.status.as_u16(),
                });
            }
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            if param["in"] != "query" {
                continue;
            }
            let name = param["name"].as_str().unwrap();
            let v = &qk[turn % qk.len()];
            turn += 1;
            let p = format!("{path}?{name}={v}");
            let r = api.send(m.clone(), &p, None, &[]).await;
            sent.push(Sent {
                what: format!("{method} {path} ?{name}={}", &v[..v.len().min(20)]),
                status: r.status.as_u16(),
            });
        }
        let content = &op["requestBody"]["content"];
        if let Some(schema) = content["application/json"].get("schema") {
            for prop in properties(&doc, schema) {
                // Every field gets a control-character string and one other kind in turn.
                for v in [jk[turn % 3].clone(), jk[3 + turn % (jk.len() - 3)].clone()] {
                    let mut body = serde_json::Map::new();
                    body.insert(prop.clone(), v.clone());
                    let r = api
                        .send(m.clone(), &path, Some(&Value::Object(body)), &[])
                        .await;
                    let shown = v.to_string();
                    sent.push(Sent {
                        what: format!("{method} {path} {prop}={}", &shown[..shown.len().min(20)]),
                        status: r.status.as_u16(),
                    });
                }
                turn += 1;
            }
            for (k, v) in jk.iter().enumerate().take(4) {
                let r = api.send(m.clone(), &path, Some(v), &[]).await;
                sent.push(Sent {
                    what: format!("{method} {path} whole body #{k}"),
                    status: r.status.as_u16(),
                });
            }
            for (k, b) in raw.iter().enumerate() {
                let status = send_raw(&api, m.clone(), &path, "application/json", b.clone()).await;
                sent.push(Sent {
                    what: format!("{method} {path} raw body #{k}"),
                    status,
                });
            }
        }
        if content.get("text/csv").is_some() {
            for (k, b) in raw
                .iter()
                .chain([b"name,email\nA\x00,\xff@x.com\n".to_vec()].iter())
                .enumerate()
            {
                let status = send_raw(&api, m.clone(), &path, "text/csv", b.clone()).await;
                sent.push(Sent {
                    what: format!("{method} {path} csv #{k}"),
                    status,
                });
            }
        }
    }
    let operations = ops.len();
    let offenders: Vec<String> = sent
        .iter()
        .filter(|x| x.status >= 500)
        .map(|x| format!("{} -> {}", x.what, x.status))
        .collect();
    eprintln!(
        "hostile input: {} requests over {operations} operations, {} answered 5xx",
        sent.len(),
        offenders.len()
    );
    assert!(operations >= 40, "{operations}");
    assert!(
        offenders.is_empty(),
        "{} of {} hostile requests answered 5xx:\n{}",
        offenders.len(),
        sent.len(),
        offenders.join("\n")
    );
}

async fn scim_and_dashboard_forms_survive_hostile_values(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 50).await;
    let idp = s.scim(&acct).await;
    let user = s
        .app
        .user(
            &acct.owner_ctx,
            json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true }),
        )
        .await;
    let dept = crate::users::department(&s, &acct.owner_ctx, "Sales", vec![user], vec![]).await;
    let mut sent: Vec<Sent> = Vec::new();
    let jk = json_kinds();
    let template = json!({
        "schemas": [USER], "userName": "new@acme.example.com", "externalId": "x1",
        "name": { "givenName": "N", "familyName": "F", "formatted": "N F" },
        "displayName": "N F", "title": "t", "locale": "en", "timezone": "UTC",
        "emails": [{ "value": "new@acme.example.com", "type": "work", "primary": true }],
        "phoneNumbers": [{ "value": "+919812345678", "type": "mobile" }],
        "active": true,
    });
    let keys: Vec<String> = template.as_object().unwrap().keys().cloned().collect();
    for (i, k) in keys.iter().enumerate() {
        for v in [&jk[i % jk.len()], &jk[(i + 3) % jk.len()]] {
            let mut body = template.clone();
            body[k] = v.clone();
            let r = idp.scim(Method::POST, "/Users", Some(&body), &[]).await;
            sent.push(Sent {
                what: format!("SCIM POST /Users {k}"),
                status: r.status.as_u16(),
            });
            let r = idp
                .scim(Method::PUT, &format!("/Users/{user}"), Some(&body), &[])
                .await;
            sent.push(Sent {
                what: format!("SCIM PUT /Users {k}"),
                status: r.status.as_u16(),
            });
            let op = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": k, "value": v }] });
            let r = idp
                .scim(Method::PATCH, &format!("/Users/{user}"), Some(&op), &[])
                .await;
            sent.push(Sent {
                what: format!("SCIM PATCH /Users {k}"),
                status: r.status.as_u16(),
            });
        }
    }
    for v in &jk {
        let op = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": v, "path": v, "value": v }] });
        for path in [format!("/Users/{user}"), format!("/Groups/{dept}")] {
            let r = idp.scim(Method::PATCH, &path, Some(&op), &[]).await;
            sent.push(Sent {
                what: format!("SCIM PATCH {path} op={v:.20}"),
                status: r.status.as_u16(),
            });
        }
        let g = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": v, "members": [{ "value": v }] });
        let r = idp.scim(Method::POST, "/Groups", Some(&g), &[]).await;
        sent.push(Sent {
            what: format!("SCIM POST /Groups {v:.20}"),
            status: r.status.as_u16(),
        });
    }
    for q in query_kinds() {
        for p in [
            format!("/Users?filter=userName%20eq%20%22{q}%22"),
            format!("/Users?filter={q}"),
            format!("/Groups?filter=displayName%20co%20%22{q}%22"),
            format!("/Users?startIndex={q}&count={q}"),
            format!("/Users?sortBy={q}"),
            format!("/Users/{q}"),
        ] {
            let r = idp.scim(Method::GET, &p, None, &[]).await;
            sent.push(Sent {
                what: format!("SCIM GET {}", &p[..p.len().min(60)]),
                status: r.status.as_u16(),
            });
        }
    }

    // The dashboard's forms: every field of every form, one hostile value at a time.
    let (browser, csrf) = crate::dashboard::signed_in(&s, "owner@acme.example.com").await;
    let strings = [
        "\u{0}",
        "a\u{0}b",
        "\u{1b}[31m",
        &"z".repeat(100_000),
        "-1",
        "1e308",
        "99999999999999999999",
    ];
    let pages = [
        "/users/new".to_owned(),
        format!("/users/{user}/edit"),
        format!("/users/{user}/deactivate"),
        format!("/users/{user}/replace"),
        format!("/users/{user}/delete"),
        "/departments".to_owned(),
        format!("/departments/{dept}"),
        "/numbers".to_owned(),
        "/workflows".to_owned(),
        "/roles".to_owned(),
        "/api-tokens".to_owned(),
        "/plan".to_owned(),
        "/test-call".to_owned(),
        "/audit".to_owned(),
        "/users".to_owned(),
    ];
    let mut forms = 0;
    for page in &pages {
        let (status, html) = browser.page(page).await;
        sent.push(Sent {
            what: format!("GET {page}"),
            status: status.as_u16(),
        });
        for (action, fields) in forms_of(&html) {
            if action.contains("sign-out")
                || action.contains("/delete") && !action.contains("users")
            {
                continue;
            }
            forms += 1;
            for (i, field) in fields.iter().enumerate() {
                let v = strings[(forms + i) % strings.len()];
                let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
                form.push((field, v));
                let (status, _, _) = browser.post_form(&action, &form, &[]).await;
                sent.push(Sent {
                    what: format!("POST {action} {field}={:.20}", v),
                    status: status.as_u16(),
                });
            }
        }
        // Query strings of the pages that filter.
        for q in query_kinds().into_iter().filter(|q| q.len() < 100) {
            let p = format!("{page}?q={q}&role={q}&status={q}&department={q}&at={q}&cursor={q}");
            let (status, _) = browser.page(&p).await;
            sent.push(Sent {
                what: format!("GET {page}?…={:.20}", q),
                status: status.as_u16(),
            });
        }
    }
    assert!(forms >= 10, "{forms} forms found");
    let offenders: Vec<String> = sent
        .iter()
        .filter(|x| x.status >= 500)
        .map(|x| format!("{} -> {}", x.what, x.status))
        .collect();
    eprintln!(
        "hostile input: {} SCIM and dashboard requests ({forms} forms), {} answered 5xx",
        sent.len(),
        offenders.len()
    );
    assert!(
        offenders.is_empty(),
        "{} of {} hostile requests answered 5xx:\n{}",
        offenders.len(),
        sent.len(),
        offenders.join("\n")
    );
}

/// The POST forms of a page: their action and the names of their fields.
fn forms_of(html: &str) -> Vec<(String, Vec<String>)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let at = tag.find(&key)? + key.len();
        let end = tag[at..].find('"')? + at;
        Some(tag[at..end].replace("&amp;", "&"))
    };
    let mut out = Vec::new();
    for chunk in html.split("<form").skip(1) {
        let Some(end) = chunk.find("</form>") else {
            continue;
        };
        let body = &chunk[..end];
        let head = &body[..body.find('>').unwrap_or(0)];
        if !head.contains("method=\"post\"") {
            continue;
        }
        let Some(action) = attr(head, "action") else {
            continue;
        };
        let mut fields = Vec::new();
        for tag in body.split('<').skip(1) {
            if (tag.starts_with("input")
                || tag.starts_with("select")
                || tag.starts_with("textarea"))
                && let Some(n) = attr(tag, "name")
                && n != "csrf_token"
                && !fields.contains(&n)
            {
                fields.push(n);
            }
        }
        out.push((action, fields));
    }
    out
}

crate::on_both!(
    nul_bytes_are_refused_by_field_or_match_nothing,
    every_operation_survives_hostile_values,
    scim_and_dashboard_forms_survive_hostile_values,
);
