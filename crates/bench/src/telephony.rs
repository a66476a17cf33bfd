//! The call route's part of the bench account: a SIP domain, the SIP proxy's token, a
//! 20-member department beside the 1,000-member one, a number routed to each, and SIP
//! credentials for every other member who may register a phone (R17). Once the server
//! runs, those phones are reported registered through `POST /api/v1/sip/registrations`,
//! as the proxy reports them; the others ring on their mobile through the carrier.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};
use switchboard_domain::{
    AccountId, DepartmentId, Destination, E164, NumberId, PhoneNumber, RoleRef, TimeZoneName,
    UserId,
};
use switchboard_service::{Ctx, Switchboard};
use switchboard_store::Db;

use crate::load::{drive, expect};
use crate::seed::{RING_DEPARTMENT_SIZE, department_of, may_register, valid};
use crate::workloads::{Target, Workload};

/// Members of the small department the second call-route workload dials.
pub const SMALL_DEPARTMENT_SIZE: usize = 20;
/// The account's SIP domain.
const SIP_DOMAIN: &str = "bench.sip.example.com";
/// The numbers routed to the 1,000-member and the 20-member department.
const NUMBERS: [&str; 2] = ["+14155550100", "+14155550120"];
/// The carrier gateway the proxy names (nothing listens there: only the answer is read).
pub const CARRIER: &str = "sip:127.0.0.1:5090";
/// Seconds a reported registration holds: longer than any bench run.
const REGISTRATION_SECS: u32 = 86_400;

/// What the call-route workloads need to know of the seeded account.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Telephony {
    /// The SIP proxy's token (scope `sip:proxy`).
    pub proxy_token: String,
    /// The account's SIP domain.
    pub domain: String,
    /// The departments dialled: the 1,000-member one, then the 20-member one.
    pub departments: [DepartmentId; 2],
    /// The number routed to each of them, in the same order.
    pub numbers: [String; 2],
    /// Extensions of the members whose phones register (they hold SIP credentials).
    pub phones: Vec<String>,
}

/// Seeds the account's telephony. `ids` are the seeded users: the 1,000-member department
/// holds the first 1,000, the small one the next 20.
pub async fn seed(
    sb: &Switchboard,
    db: &Db,
    account: AccountId,
    ids: &[UserId],
    ring_department: DepartmentId,
    now: jiff::Timestamp,
) -> anyhow::Result<Telephony> {
    let ctx = Ctx::cli(account);
    sb.set_sip_domain(&ctx, SIP_DOMAIN)
        .await
        .map_err(|e| anyhow!("setting the SIP domain: {e:?}"))?;
    let (_, proxy_token) = sb
        .create_scoped_api_token(
            &ctx,
            "bench-proxy",
            "api",
            None::<RoleRef>,
            None,
            &["sip:proxy"],
        )
        .await
        .map_err(|e| anyhow!("creating the SIP proxy token: {e:?}"))?;

    let small_members = RING_DEPARTMENT_SIZE..RING_DEPARTMENT_SIZE + SMALL_DEPARTMENT_SIZE;
    let tz = valid(TimeZoneName::parse("time_zone", "Asia/Kolkata"))?;
    let small = department_of(
        "Call route, small".to_owned(),
        ids.get(small_members.clone())
            .context("too few users for the small department")?
            .to_vec(),
        account,
        &tz,
        now,
    )?;
    let mut tx = db.write().await?;
    switchboard_store::departments::insert_department(&mut tx, &small).await?;
    let routes = NUMBERS.iter().zip(["Sales line", "Support line"]);
    for ((number, label), department) in routes.zip([ring_department, small.id]) {
        let number = PhoneNumber {
            id: NumberId::new(),
            account_id: account,
            number: E164::from_trusted((*number).to_owned()),
            label: label.to_owned(),
            owner_id: ids[0],
            destination: Some(Destination::Department(department)),
        };
        switchboard_store::resources::insert_number(&mut tx, &number, now).await?;
    }
    tx.commit().await?;

    // Every other member of each department who may register gets credentials.
    let mut phones = Vec::new();
    let members = (0..RING_DEPARTMENT_SIZE).chain(small_members.clone());
    for i in members.filter(|i| i % 2 == 0 && may_register(*i)) {
        let issued = sb
            .issue_sip_credentials(&ctx, ids[i])
            .await
            .map_err(|e| anyhow!("issuing SIP credentials: {e:?}"))?;
        phones.push(issued.username);
    }
    Ok(Telephony {
        proxy_token,
        domain: SIP_DOMAIN.to_owned(),
        departments: [ring_department, small.id],
        numbers: NUMBERS.map(str::to_owned),
        phones,
    })
}

/// Reports the phones registered, as the SIP proxy does after accepting their REGISTERs
/// (each at its own loopback port; nothing listens there).
pub async fn register_phones(
    client: &reqwest::Client,
    base: &str,
    t: &Telephony,
) -> anyhow::Result<()> {
    let (client, url, t) = (
        client.clone(),
        format!("{base}/api/v1/sip/registrations"),
        t.clone(),
    );
    let total = t.phones.len();
    let s = drive(4, total, Duration::from_secs(600), move |i| {
        let ext = &t.phones[i];
        let req = client.post(&url).bearer_auth(&t.proxy_token).json(&json!({
            "username": ext,
            "domain": t.domain,
            "contact": format!("sip:{ext}@127.0.0.1:{}", 20_000 + i),
            "expires": REGISTRATION_SECS,
        }));
        expect(req, 204)
    })
    .await;
    if s.errors > 0 || s.latencies.len() != total {
        bail!(
            "reporting {total} registrations: {} failed, first: {}",
            s.errors,
            s.first_error.unwrap_or_default()
        );
    }
    Ok(())
}

/// Checks a call-route workload's answer against the department's ring plan at the same
/// moment: one route per ringing member, on their phone when it is registered, else on
/// their mobile through the carrier.
pub async fn check_route(t: &Target, w: Workload, phones: &HashSet<String>) -> anyhow::Result<()> {
    let which = usize::from(w == Workload::RouteSmall);
    let at = jiff::Timestamp::now().to_string();
    let (req, _) = crate::workloads::request(t, w, 0, "");
    let route = json_of(req.query(&[("at", at.as_str())]))
        .await
        .with_context(|| w.label())?;
    let plan = json_of(
        t.client
            .get(format!(
                "{}/api/v1/departments/{}/ring-plan",
                t.base, t.route_departments[which]
            ))
            .bearer_auth(&t.api_token)
            .query(&[("at", at.as_str())]),
    )
    .await
    .context("ring plan")?;
    let ringing: HashSet<String> = plan["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g.as_array().cloned().unwrap_or_default())
        .filter_map(|m| m["extension"].as_str().map(str::to_owned))
        .collect();
    let routes = route["routes"].as_array().cloned().unwrap_or_default();
    let mut rung = HashSet::new();
    for r in &routes {
        let ext = r["extension"].as_str().unwrap_or_default().to_owned();
        let want = if phones.contains(&ext) {
            "phone"
        } else {
            "mobile"
        };
        if r["via"].as_str() != Some(want) {
            bail!(
                "{}: extension {ext} is rung by {} not {want}",
                w.label(),
                r["via"]
            );
        }
        rung.insert(ext);
    }
    if ringing.is_empty() || routes.len() != ringing.len() || rung != ringing {
        bail!(
            "{}: {} routes for {} ringing members: {route}",
            w.label(),
            routes.len(),
            ringing.len()
        );
    }
    Ok(())
}

async fn json_of(req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let r = req.send().await?;
    let status = r.status();
    let v: Value = r.json().await.context("answer is not JSON")?;
    if status != 200 {
        bail!("status {status}: {v}");
    }
    Ok(v)
}
