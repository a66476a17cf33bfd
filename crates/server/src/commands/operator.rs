//! The operator's commands: create an account, verify or print the audit chain's head,
//! create API and SCIM tokens, and list the outbox's mail.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use switchboard_domain::{
    Country, Email, ExtensionRange, MailStatus, Name, Plan, RoleRef, TimeZoneName,
};
use switchboard_service::{Ctx, Switchboard};

use super::{AccountCreate, account_id, field};
use crate::output::explain;

pub(super) async fn account_create(sb: &Switchboard, a: AccountCreate) -> anyhow::Result<ExitCode> {
    let input = switchboard_service::accounts::NewAccount {
        name: field(Name::parse("name", &a.name), "name")?,
        plan: field(Plan::parse("plan", &a.plan), "plan")?,
        seat_limit: a.seats,
        extension_range: field(
            ExtensionRange::new(a.extension_min, a.extension_max),
            "extension-min/--extension-max",
        )?,
        time_zone: field(TimeZoneName::parse("time_zone", &a.time_zone), "time-zone")?,
        country: a
            .country
            .as_deref()
            .map(|c| field(Country::parse("country", c), "country"))
            .transpose()?,
        owner_name: field(Name::parse("owner_name", &a.owner_name), "owner-name")?,
        owner_email: field(Email::parse("owner_email", &a.owner_email), "owner-email")?,
    };
    let created = sb
        .create_account(input, "cli")
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    println!("account id: {}", created.account.id);
    println!(
        "owner: {} <{}>",
        created.owner.name,
        created
            .owner
            .email
            .as_ref()
            .map(Email::as_str)
            .unwrap_or("")
    );
    println!("one-time setup link (valid 7 days): {}", created.setup_link);
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn audit_verify(
    sb: &Switchboard,
    account: Option<String>,
    expect_head: Option<String>,
) -> anyhow::Result<ExitCode> {
    let expected = expect_head
        .map(|h| {
            h.parse::<switchboard_service::audit::ChainHead>()
                .map_err(|e| anyhow!("--expect-head: {e}"))
        })
        .transpose()?;
    let accounts = match account {
        Some(a) => vec![account_id(&a)?],
        None => switchboard_service::list_account_ids(sb.db())
            .await
            .context("cannot list accounts")?,
    };
    let mut broken = false;
    for id in accounts {
        let report =
            switchboard_service::audit::verify_chain_against(sb.db(), id, expected.as_ref())
                .await
                .map_err(|e| anyhow!(explain(&e)))?;
        match report.broken {
            None => println!("account {id}: {} events, chain intact", report.events),
            Some(b) => {
                broken = true;
                println!(
                    "account {id}: chain BROKEN at event {}: {}",
                    b.seq, b.reason
                );
            }
        }
    }
    Ok(if broken {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `audit head`.
pub(super) async fn audit_head(sb: &Switchboard, account: &str) -> anyhow::Result<ExitCode> {
    let head = switchboard_service::audit::chain_head(sb.db(), account_id(account)?)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    println!("{head}");
    Ok(ExitCode::SUCCESS)
}

/// `token create`.
pub(super) async fn token_create(
    sb: &Switchboard,
    account: &str,
    name: &str,
    role: &str,
    scopes: &[String],
) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(account)?);
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let (t, secret) = sb
        .create_scoped_api_token(&ctx, name, "api", Some(RoleRef::parse(role)), None, &scopes)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    println!("token id: {}", t.id);
    println!("scopes: {}", t.scopes.join(" "));
    println!("secret (shown once): {secret}");
    Ok(ExitCode::SUCCESS)
}

/// `scim-token create`.
pub(super) async fn scim_token_create(
    sb: &Switchboard,
    account: &str,
    name: &str,
    public_url: &str,
) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(account)?);
    let (t, secret) = sb
        .create_api_token(&ctx, name, "scim", None, None)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    println!("token id: {}", t.id);
    println!("SCIM base URL: {public_url}/scim/v2");
    println!("secret (shown once): {secret}");
    Ok(ExitCode::SUCCESS)
}

/// `mail list`.
pub(super) async fn mail_list(
    sb: &Switchboard,
    account: &str,
    limit: u32,
) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(account)?);
    let mails = sb
        .list_mail(&ctx, limit)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    for m in mails {
        let state = match (m.status, m.sent_at) {
            (MailStatus::Sent, Some(t)) => format!("sent {t}"),
            (MailStatus::Failed, _) => format!(
                "FAILED after {} attempts: {}",
                m.attempts,
                m.last_error.as_deref().unwrap_or("unknown error")
            ),
            (_, _) if m.attempts > 0 => format!(
                "waiting in outbox; attempt {} failed: {}; next attempt {}",
                m.attempts,
                m.last_error.as_deref().unwrap_or("unknown error"),
                m.next_attempt_at
            ),
            (_, _) => "waiting in outbox".to_owned(),
        };
        println!(
            "--- {} to {} ({state})\nSubject: {}\n\n{}",
            m.created_at, m.mail.to, m.mail.subject, m.mail.body
        );
    }
    Ok(ExitCode::SUCCESS)
}
