//! `ring-plan`: who would ring for a call to a department, in order, and why the others
//! would not.

use std::process::ExitCode;

use anyhow::anyhow;
use switchboard_domain::routing::Exclusion;
use switchboard_domain::{DepartmentId, Fallback};
use switchboard_service::{Ctx, Switchboard};

use super::{RingPlanArgs, account_id};
use crate::output::explain;

pub(super) async fn ring_plan(sb: &Switchboard, r: RingPlanArgs) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&r.account)?);
    let department = r
        .department
        .parse::<DepartmentId>()
        .map_err(|_| anyhow!("--department {:?} is not a department id", r.department))?;
    let at =
        r.at.as_deref()
            .map(|t| {
                t.parse::<jiff::Timestamp>().map_err(|_| {
                    anyhow!("--at {t:?} is not an RFC 3339 time such as 2026-03-08T14:30:00Z")
                })
            })
            .transpose()?;
    let view = sb
        .ring_plan(&ctx, department, at)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    let p = &view.plan;
    let label = |id| {
        view.member(id)
            .map(|u| format!("{} (extension {})", u.name, u.extension))
            .unwrap_or_else(|| id.to_string())
    };
    println!(
        "{} ({}) at {}: {}",
        view.department.name,
        p.method.key(),
        p.at,
        if p.open { "open" } else { "closed" }
    );
    if p.groups.is_empty() {
        println!("nobody can ring");
    }
    for (i, g) in p.groups.iter().enumerate() {
        let names: Vec<String> = g.iter().map(|id| label(*id)).collect();
        println!("{:>3}. {}", i + 1, names.join(", "));
    }
    for (id, reason) in &p.excluded {
        let detail = match reason {
            Exclusion::OutsideCallHours {
                local_time,
                next_opening,
            } => format!(
                " (local time {}{})",
                local_time.strftime("%a %H:%M %Z"),
                next_opening
                    .map(|t| format!(", opens {t}"))
                    .unwrap_or_default()
            ),
            Exclusion::DepartmentClosed {
                next_opening: Some(t),
            } => format!(" (opens {t})"),
            _ => String::new(),
        };
        println!("  not ringing: {}: {}{detail}", label(*id), reason.key());
    }
    let fallback = match &p.fallback {
        Fallback::Voicemail => "voicemail".to_owned(),
        Fallback::Department { department_id } => format!("department {department_id}"),
        Fallback::None => "none".to_owned(),
    };
    println!("fallback: {fallback}");
    Ok(ExitCode::SUCCESS)
}
