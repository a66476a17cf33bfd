//! `numbers list|route`: the account's phone numbers, where each one's incoming calls go,
//! and routing a number to a department or a user (or nowhere).

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::anyhow;
use switchboard_domain::{DepartmentId, Destination, E164, PhoneNumber, UserId};
use switchboard_service::numbers::NumberPatch;
use switchboard_service::{Ctx, Switchboard};

use super::{NumbersList, NumbersRoute, account_id, field, user_id};
use crate::output::{explain, table};

/// Names of the departments and users numbers route to or are owned by.
struct Names {
    departments: HashMap<DepartmentId, String>,
    users: HashMap<UserId, String>,
}

impl Names {
    async fn of(sb: &Switchboard, ctx: &Ctx, numbers: &[PhoneNumber]) -> anyhow::Result<Self> {
        let departments = sb
            .list_departments(ctx)
            .await
            .map_err(|e| anyhow!(explain(&e)))?
            .into_iter()
            .map(|d| (d.id, d.name.to_string()))
            .collect();
        let mut users = HashMap::new();
        for n in numbers {
            let mut ids = vec![n.owner_id];
            if let Some(Destination::User(u)) = n.destination {
                ids.push(u);
            }
            for id in ids {
                if let std::collections::hash_map::Entry::Vacant(e) = users.entry(id) {
                    let u = sb
                        .get_user(ctx, id)
                        .await
                        .map_err(|e| anyhow!(explain(&e)))?;
                    e.insert(format!("{} (extension {})", u.name, u.extension));
                }
            }
        }
        Ok(Self { departments, users })
    }

    fn user(&self, id: UserId) -> String {
        self.users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    fn department(&self, id: DepartmentId) -> String {
        self.departments
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The department's or the user's name.
    fn name(&self, d: Destination) -> String {
        match d {
            Destination::Department(id) => self.department(id),
            Destination::User(id) => self.user(id),
        }
    }

    /// "department Support", "user Priya Sharma (extension 204)" or "not routed".
    fn destination(&self, d: Option<Destination>) -> String {
        match d {
            None => "not routed".to_owned(),
            Some(d) => format!("{} {}", d.kind(), self.name(d)),
        }
    }
}

/// `numbers list`.
pub(super) async fn numbers_list(sb: &Switchboard, l: NumbersList) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&l.account)?);
    let numbers = sb
        .list_numbers(&ctx, None)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    let names = Names::of(sb, &ctx, &numbers).await?;
    if l.json {
        for n in &numbers {
            let destination = n.destination.map(|d| {
                let mut v = d.audit_view();
                v["name"] = serde_json::json!(names.name(d));
                v
            });
            let v = serde_json::json!({
                "id": n.id.to_string(),
                "number": n.number.as_str(),
                "label": n.label,
                "owner_id": n.owner_id.to_string(),
                "destination": destination,
            });
            println!("{v}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if numbers.is_empty() {
        println!("no numbers yet");
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = numbers
        .iter()
        .map(|n| {
            vec![
                n.number.to_string(),
                n.label.clone(),
                names.destination(n.destination),
                names.user(n.owner_id),
                n.id.to_string(),
            ]
        })
        .collect();
    println!(
        "{}",
        table(&["NUMBER", "LABEL", "CALLS GO TO", "OWNER", "ID"], &rows)
    );
    Ok(ExitCode::SUCCESS)
}

/// The destination named on the command line: a department by name or id, a user by
/// email or id. Whether it may be one is the service's to say.
async fn destination(
    sb: &Switchboard,
    ctx: &Ctx,
    r: &NumbersRoute,
) -> anyhow::Result<Option<Destination>> {
    if let Some(raw) = &r.department {
        if let Ok(id) = raw.trim().parse::<DepartmentId>() {
            return Ok(Some(Destination::Department(id)));
        }
        let wanted = raw.trim().to_lowercase();
        let departments = sb
            .list_departments(ctx)
            .await
            .map_err(|e| anyhow!(explain(&e)))?;
        return departments
            .iter()
            .find(|d| d.name.as_str().to_lowercase() == wanted)
            .map(|d| Some(Destination::Department(d.id)))
            .ok_or_else(|| anyhow!("--department: there is no department named {raw:?}"));
    }
    if let Some(raw) = &r.user {
        return Ok(Some(Destination::User(
            user_id(sb, ctx, raw, "--user").await?,
        )));
    }
    Ok(None)
}

/// `numbers route`.
pub(super) async fn numbers_route(sb: &Switchboard, r: NumbersRoute) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&r.account)?);
    let country = sb
        .get_account(&ctx)
        .await
        .map_err(|e| anyhow!(explain(&e)))?
        .phone_country();
    let number = field(
        E164::parse_in("number", &r.number, country.as_ref()),
        "number",
    )?;
    let n = sb
        .find_number(&ctx, &number)
        .await
        .map_err(|_| anyhow!("{number} is not a number of this account"))?;
    let destination = destination(sb, &ctx, &r).await?;
    let patch = NumberPatch {
        destination: Some(destination),
        ..NumberPatch::default()
    };
    let n = sb
        .update_number(&ctx, n.id, patch)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    let names = Names::of(sb, &ctx, std::slice::from_ref(&n)).await?;
    match n.destination {
        None => println!("{} is no longer routed: its calls ring nobody", n.number),
        Some(d) => println!(
            "calls to {} now go to {}",
            n.number,
            names.destination(Some(d))
        ),
    }
    Ok(ExitCode::SUCCESS)
}
