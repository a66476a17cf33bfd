//! The workloads: each is one kind of request, repeated with varying arguments, with the
//! status a correct answer has. The same SCIM workloads run against Switchboard and the
//! reference peer.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::load::{Sample, drive, expect};
use crate::seed::{FAMILY_NAMES, FIRST_NAMES, email_of};
use crate::telephony::CARRIER;

/// One kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// `GET /healthz`: a trivial JSON handler on the same stack (the ceiling).
    Trivial,
    /// `POST /api/v1/users`.
    RestCreate,
    /// `POST /scim/v2/Users`.
    ScimCreate,
    /// `GET /api/v1/users/{id}`.
    GetUser,
    /// `GET /api/v1/users?q=<family name>`: text search, first page.
    Search,
    /// `GET /api/v1/users?department=<id>`: filter by department, first page.
    ByDepartment,
    /// `GET /api/v1/users?cursor=…`: a page deep in the list (past 95% of it).
    DeepPage,
    /// `GET /scim/v2/Users?filter=userName eq "…"`.
    ScimEq,
    /// `GET /scim/v2/Users?filter=userName co "…"`.
    ScimCo,
    /// `GET /api/v1/departments/{id}/ring-plan` for the 1,000-member department.
    RingPlan,
    /// `GET /api/v1/sip/route?to=<number>` for a number routed to the 1,000-member
    /// department, as the SIP proxy asks on every incoming call.
    RouteLarge,
    /// The same for a number routed to a 20-member department.
    RouteSmall,
}

impl Workload {
    /// Every workload against Switchboard, in report order.
    pub const SWITCHBOARD: [Workload; 12] = [
        Workload::Trivial,
        Workload::RestCreate,
        Workload::ScimCreate,
        Workload::GetUser,
        Workload::Search,
        Workload::ByDepartment,
        Workload::DeepPage,
        Workload::ScimEq,
        Workload::ScimCo,
        Workload::RingPlan,
        Workload::RouteLarge,
        Workload::RouteSmall,
    ];

    /// The workloads the reference peer can serve.
    pub const PEER: [Workload; 3] = [Workload::ScimCreate, Workload::ScimEq, Workload::ScimCo];

    /// A short label for reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Trivial => "trivial JSON (GET /healthz)",
            Self::RestCreate => "create user (REST POST /users)",
            Self::ScimCreate => "create user (SCIM POST /Users)",
            Self::GetUser => "GET user (REST)",
            Self::Search => "list: text search q=<family name>",
            Self::ByDepartment => "list: filter by department",
            Self::DeepPage => "list: cursor page past 95%",
            Self::ScimEq => "SCIM filter userName eq",
            Self::ScimCo => "SCIM filter userName co",
            Self::RingPlan => "ring plan, 1,000-member department",
            Self::RouteLarge => "call route, 1,000-member department",
            Self::RouteSmall => "call route, 20-member department",
        }
    }

    /// Whether it writes (creates users).
    pub fn writes(self) -> bool {
        matches!(self, Self::RestCreate | Self::ScimCreate)
    }
}

/// Where requests go and what they may refer to.
pub struct Target {
    /// HTTP client (keep-alive pool).
    pub client: reqwest::Client,
    /// Base URL of the server.
    pub base: String,
    /// Base URL of its SCIM endpoint.
    pub scim: String,
    /// Bearer token for SCIM.
    pub scim_token: String,
    /// Bearer token for the REST API (Switchboard only).
    pub api_token: String,
    /// Seeded users to read: (id, email). For the peer, ids are its own.
    pub sample: Vec<(String, String)>,
    /// Seeded department ids.
    pub departments: Vec<String>,
    /// The 1,000-member department.
    pub ring_department: String,
    /// A cursor deep in the users list.
    pub deep_cursor: String,
    /// Bearer token of the SIP proxy (Switchboard only).
    pub proxy_token: String,
    /// Numbers routed to the 1,000-member and the 20-member department.
    pub route_numbers: Vec<String>,
    /// Those departments, in the same order.
    pub route_departments: Vec<String>,
}

/// A spread of indexes over `0..len` without a random generator: the same in every run.
fn pick(i: usize, len: usize) -> usize {
    (i.wrapping_mul(2_654_435_761) >> 7) % len.max(1)
}

/// Runs `w` `total` times (at most `limit`) on `concurrency` workers. `tag` keeps the users
/// that create workloads add unique across runs.
pub async fn run(
    target: &Arc<Target>,
    w: Workload,
    concurrency: usize,
    total: usize,
    limit: Duration,
    tag: &str,
) -> Sample {
    let t = Arc::clone(target);
    let tag = tag.to_owned();
    drive(concurrency, total, limit, move |i| {
        let t = Arc::clone(&t);
        let tag = tag.clone();
        async move {
            let (req, status) = request(&t, w, i, &tag);
            expect(req, status).await
        }
    })
    .await
}

pub fn request(t: &Target, w: Workload, i: usize, tag: &str) -> (reqwest::RequestBuilder, u16) {
    let api = |path: String| {
        t.client
            .get(format!("{}/api/v1{path}", t.base))
            .bearer_auth(&t.api_token)
    };
    let scim_get = |filter: String| {
        t.client
            .get(format!("{}/Users", t.scim))
            .bearer_auth(&t.scim_token)
            .query(&[("filter", filter.as_str()), ("count", "50")])
    };
    match w {
        Workload::Trivial => (t.client.get(format!("{}/healthz", t.base)), 200),
        Workload::RestCreate => (
            t.client
                .post(format!("{}/api/v1/users", t.base))
                .bearer_auth(&t.api_token)
                .json(&json!({
                    "name": new_person(i, tag).join(" "),
                    "email": format!("rest-{tag}-{i}@load.example.com"),
                })),
            201,
        ),
        Workload::ScimCreate => (
            t.client
                .post(format!("{}/Users", t.scim))
                .bearer_auth(&t.scim_token)
                .header("content-type", "application/scim+json")
                .body(
                    scim_user(
                        &format!("scim-{tag}-{i}@load.example.com"),
                        new_person(i, tag),
                    )
                    .to_string(),
                ),
            201,
        ),
        Workload::GetUser => {
            let (id, _) = &t.sample[pick(i, t.sample.len())];
            (api(format!("/users/{id}")), 200)
        }
        Workload::Search => {
            let term = FAMILY_NAMES[i % FAMILY_NAMES.len()];
            (api(format!("/users?q={term}&limit=50")), 200)
        }
        Workload::ByDepartment => {
            let dep = &t.departments[pick(i, t.departments.len())];
            (api(format!("/users?department={dep}&limit=50")), 200)
        }
        Workload::DeepPage => (
            api(format!("/users?limit=50&cursor={}", t.deep_cursor)),
            200,
        ),
        Workload::ScimEq => {
            let (_, email) = &t.sample[pick(i, t.sample.len())];
            (scim_get(format!("userName eq \"{email}\"")), 200)
        }
        Workload::ScimCo => {
            // A fragment that picks out a handful of users: ".<number>@" of a seeded email.
            let (_, email) = &t.sample[pick(i, t.sample.len())];
            (
                scim_get(format!("userName co \"{}\"", co_fragment(email))),
                200,
            )
        }
        Workload::RingPlan => (
            api(format!("/departments/{}/ring-plan", t.ring_department)),
            200,
        ),
        Workload::RouteLarge | Workload::RouteSmall => {
            let number = &t.route_numbers[usize::from(w == Workload::RouteSmall)];
            (
                t.client
                    .get(format!("{}/api/v1/sip/route", t.base))
                    .bearer_auth(&t.proxy_token)
                    .query(&[("to", number.as_str()), ("carrier", CARRIER)]),
                200,
            )
        }
    }
}

/// The ".<number>@" part of a seeded email.
fn co_fragment(email: &str) -> String {
    let at = email.find('@').unwrap_or(email.len());
    let dot = email[..at].rfind('.').unwrap_or(0);
    email[dot..=at.min(email.len() - 1)].to_owned()
}

/// The given and family name of the `i`th person a create workload adds: new people
/// whose names fall all over the account's list, as a company's new hires' do (each next to
/// one of the seeded names), and never the name of a user an earlier run added (`tag`).
fn new_person(i: usize, tag: &str) -> [String; 2] {
    [
        FIRST_NAMES[pick(i, FIRST_NAMES.len())].to_owned(),
        format!(
            "{}-{tag}-{i}",
            FAMILY_NAMES[pick(i / FIRST_NAMES.len() + 1, FAMILY_NAMES.len())]
        ),
    ]
}

/// A SCIM user as an identity provider sends it.
pub fn scim_user(user_name: &str, [given, family]: [String; 2]) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "displayName": format!("{given} {family}"),
        "name": {
            "givenName": given,
            "familyName": family,
        },
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true,
    })
}

/// Checks, once before measuring, that the read workloads answer what they should — a
/// fast wrong answer is not a result.
pub async fn check_answers(t: &Target, peer: bool) -> anyhow::Result<()> {
    check_scim_answers(t).await?;
    if peer {
        return Ok(());
    }
    check_api_answers(t).await
}

/// The JSON of a successful answer.
async fn answer_json(req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let r = req.send().await?;
    let status = r.status();
    let v: Value = r.json().await.context("answer is not JSON")?;
    if !status.is_success() {
        bail!("status {status}: {v}");
    }
    anyhow::Ok(v)
}

/// The SCIM workloads' answers (Switchboard's and the peer's).
async fn check_scim_answers(t: &Target) -> anyhow::Result<()> {
    let (_, email) = &t.sample[0];
    let (req, _) = request(t, Workload::ScimEq, 0, "");
    let v = answer_json(req).await.context("SCIM eq")?;
    if v["totalResults"] != 1 || v["Resources"][0]["userName"].as_str() != Some(email.as_str()) {
        bail!("SCIM userName eq \"{email}\" answered {v}");
    }
    let v = answer_json(request(t, Workload::ScimCo, 0, "").0)
        .await
        .context("SCIM co")?;
    let want = co_fragment(email);
    let found = v["Resources"].as_array().cloned().unwrap_or_default();
    if found.is_empty()
        || found
            .iter()
            .any(|u| !u["userName"].as_str().unwrap_or("").contains(&want))
    {
        bail!("SCIM userName co \"{want}\" answered {v}");
    }
    Ok(())
}

/// The REST API workloads' answers.
async fn check_api_answers(t: &Target) -> anyhow::Result<()> {
    let (id, email) = &t.sample[0];
    let v = answer_json(request(t, Workload::GetUser, 0, "").0)
        .await
        .context("GET user")?;
    if v["id"].as_str() != Some(id.as_str()) && v["email"].as_str() != Some(email.as_str()) {
        bail!("GET /users/{id} answered {v}");
    }
    let v = answer_json(request(t, Workload::Search, 0, "").0)
        .await
        .context("search")?;
    let items = v["items"].as_array().cloned().unwrap_or_default();
    if items.len() != 50
        || items
            .iter()
            .any(|u| !u["name"].as_str().unwrap_or("").contains(FAMILY_NAMES[0]))
    {
        bail!(
            "search for {} answered {} users",
            FAMILY_NAMES[0],
            items.len()
        );
    }
    let v = answer_json(request(t, Workload::ByDepartment, 0, "").0)
        .await
        .context("by department")?;
    if v["items"].as_array().map_or(0, Vec::len) == 0 {
        bail!("the department list answered no users: {v}");
    }
    let v = answer_json(request(t, Workload::DeepPage, 0, "").0)
        .await
        .context("deep page")?;
    let last = FIRST_NAMES[FIRST_NAMES.len() - 1];
    let items = v["items"].as_array().cloned().unwrap_or_default();
    if items.is_empty()
        || items
            .iter()
            .any(|u| !u["name"].as_str().unwrap_or("").starts_with(last))
    {
        bail!("the deep page answered {v}");
    }
    let v = answer_json(request(t, Workload::RingPlan, 0, "").0)
        .await
        .context("ring plan")?;
    let ringing: usize = v["groups"].as_array().map_or(0, |g| {
        g.iter().map(|g| g.as_array().map_or(0, Vec::len)).sum()
    });
    let excluded = v["excluded"].as_array().map_or(0, Vec::len);
    if ringing + excluded != crate::seed::RING_DEPARTMENT_SIZE {
        bail!("the ring plan accounts for {ringing} ringing + {excluded} excluded members");
    }
    Ok(())
}

/// A cursor past 95% of the users list: the list is ordered by name, and seeded names start
/// with the last first name from the user onwards, so the cursor the API returns after the
/// first such user is deep in the list.
pub async fn deep_cursor(t: &Target) -> anyhow::Result<String> {
    let last = FIRST_NAMES[FIRST_NAMES.len() - 1];
    let v: Value = t
        .client
        .get(format!("{}/api/v1/users", t.base))
        .bearer_auth(&t.api_token)
        .query(&[("q", last), ("limit", "1")])
        .send()
        .await?
        .json()
        .await?;
    v["next_cursor"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no cursor after the first user named {last}: {v}"))
}

/// Adds `n` users to the peer (the same emails as seeded users `0..n`), `concurrency` at a
/// time; returns what was measured and the peer's ids of a spread of them.
pub async fn seed_peer(
    t: &Target,
    n: usize,
    concurrency: usize,
) -> anyhow::Result<(Sample, Vec<(String, String)>)> {
    let client = t.client.clone();
    let url = format!("{}/Users", t.scim);
    let token = t.scim_token.clone();
    let sample = drive(concurrency, n, Duration::from_secs(3600), move |i| {
        let req = client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .body(scim_user(&email_of(i), new_person(i, "peer")).to_string());
        expect(req, 201)
    })
    .await;
    if sample.errors > 0 {
        bail!(
            "seeding the peer: {} failures, first: {}",
            sample.errors,
            sample.first_error.unwrap_or_default()
        );
    }
    let step = (n / 10_000).max(1);
    let mut ids = Vec::new();
    for i in (0..n).step_by(step) {
        let email = email_of(i);
        let v: Value = t
            .client
            .get(format!("{}/Users", t.scim))
            .bearer_auth(&t.scim_token)
            .query(&[("filter", format!("userName eq \"{email}\""))])
            .send()
            .await?
            .json()
            .await?;
        let id = v["Resources"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        ids.push((id, email));
        if ids.len() >= 200 {
            break;
        }
    }
    Ok((sample, ids))
}
