//! A provisioning run as Microsoft Entra ID makes it (its tutorial "Develop and plan
//! provisioning for a SCIM endpoint" and its SCIM compatibility notes): for each new user a
//! lookup by `userName` that finds nobody, then the create; then a sync cycle (lookup, then
//! a PATCH of the changed attributes); then the disable. Each user's lookup and write count
//! as one step, timed together; any answer other than the expected one is an error.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::load::{Sample, drive};

/// How long one phase may take before the rest of its users count as errors.
const PHASE_LIMIT: Duration = Duration::from_secs(900);

/// The phases, in order.
pub const PHASES: [&str; 3] = [
    "lookup by userName, then create",
    "lookup, then PATCH changed attributes",
    "disable (PATCH active \"False\")",
];

/// One phase's measurements for `users` users.
#[derive(Clone, Debug)]
pub struct Phase {
    /// Which of [`PHASES`].
    pub name: &'static str,
    /// Users it was run for.
    pub users: usize,
    /// What was measured (one latency per user completed).
    pub sample: Sample,
}

impl Phase {
    /// Users that did not complete (errors, and those the time limit left out).
    pub fn failed(&self) -> usize {
        self.users - self.sample.latencies.len()
    }
}

struct Target {
    http: reqwest::Client,
    scim: String,
    token: String,
    /// A tag that keeps this run's logins apart from any other run's.
    run: String,
}

impl Target {
    fn login(&self, i: usize) -> String {
        format!("Test_User_{}_{i:06}", self.run)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.scim))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json")
    }

    /// The users a `userName eq` lookup finds, as their ids.
    async fn lookup(&self, login: &str) -> Result<Vec<String>, String> {
        let filter = format!("userName eq \"{login}\"");
        let resp = self
            .request(reqwest::Method::GET, "/Users")
            .query(&[("filter", filter.as_str())])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("lookup answered {status}: {body}"));
        }
        Ok(body["Resources"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|u| u["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        ok: &[u16],
    ) -> Result<Value, String> {
        let resp = self
            .request(method, path)
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        if !ok.contains(&status) {
            return Err(format!(
                "{path} answered {status}: {}",
                &text[..text.len().min(300)]
            ));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Phase 1 for user `i`: nobody is found, then Microsoft's Create User body.
    async fn create(&self, i: usize) -> Result<(), String> {
        let login = self.login(i);
        let found = self.lookup(&login).await?;
        if !found.is_empty() {
            return Err(format!("{login} was found before it was created"));
        }
        let body = json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": format!("{}-{i:06}", self.run),
            "userName": login,
            "active": true,
            "emails": [{
                "primary": true,
                "type": "work",
                "value": format!("mail_{}_{i:06}@testuser.com", self.run)
            }],
            "meta": { "resourceType": "User" },
            "name": {
                "formatted": "givenName familyName",
                "familyName": "familyName",
                "givenName": "givenName"
            },
            "roles": []
        });
        self.send(reqwest::Method::POST, "/Users", &body, &[201])
            .await
            .map(drop)
    }

    /// The one user a lookup of user `i` must find.
    async fn found(&self, i: usize) -> Result<String, String> {
        let login = self.login(i);
        let mut found = self.lookup(&login).await?;
        match found.len() {
            1 => Ok(found.remove(0)),
            n => Err(format!("{login}: the lookup found {n} users, not 1")),
        }
    }

    /// Phase 2 for user `i`: the changed attributes in Entra's compliant form (one
    /// attribute by path, the others in a path-less replace).
    async fn update(&self, i: usize) -> Result<(), String> {
        let id = self.found(i).await?;
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {
                    "op": "replace",
                    "path": "emails[type eq \"work\"].value",
                    "value": format!("renamed_{}_{i:06}@testuser.com", self.run)
                },
                {
                    "op": "replace",
                    "value": {
                        "displayName": format!("New Name {i}"),
                        "name.givenName": "New",
                        "name.familyName": format!("Name {i}"),
                        "title": "Agent",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Support"
                    }
                }
            ]
        });
        self.send(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            &body,
            &[200, 204],
        )
        .await
        .map(drop)
    }

    /// Phase 3 for user `i`: Entra's older disable, the string "False".
    async fn disable(&self, i: usize) -> Result<(), String> {
        let id = self.found(i).await?;
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "Replace", "path": "active", "value": "False" }]
        });
        let user = self
            .send(
                reqwest::Method::PATCH,
                &format!("/Users/{id}"),
                &body,
                &[200, 204],
            )
            .await?;
        if user.is_object() && user["active"] != json!(false) {
            return Err(format!("user {id} is still active"));
        }
        Ok(())
    }
}

/// Provisions `users` users through the SCIM endpoint at `scim` with `token`, with
/// `concurrency` requests in flight, phase after phase.
pub async fn run(
    http: reqwest::Client,
    scim: &str,
    token: &str,
    users: usize,
    concurrency: usize,
) -> Vec<Phase> {
    let target = Arc::new(Target {
        http,
        scim: scim.to_owned(),
        token: token.to_owned(),
        run: format!("{:x}", jiff::Timestamp::now().as_millisecond()),
    });
    let mut phases = Vec::new();
    for (n, name) in PHASES.iter().enumerate() {
        let t = Arc::clone(&target);
        let sample = drive(concurrency, users, PHASE_LIMIT, move |i| {
            let t = Arc::clone(&t);
            async move {
                match n {
                    0 => t.create(i).await,
                    1 => t.update(i).await,
                    _ => t.disable(i).await,
                }
            }
        })
        .await;
        eprintln!(
            "  provisioning: {name}: {} users in {:.1} s, {} failed{}",
            sample.latencies.len(),
            sample.elapsed.as_secs_f64(),
            users - sample.latencies.len(),
            sample
                .first_error
                .as_deref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
        phases.push(Phase {
            name,
            users,
            sample,
        });
    }
    phases
}
