//! `sip domain` and `users sip-credentials`: the account's SIP domain, and a user's SIP
//! credentials — issued with a password printed once, revoked, or shown (never the
//! password).

use std::process::ExitCode;

use anyhow::anyhow;
use switchboard_service::{Ctx, Switchboard};

use super::{SipAction, UsersSipCredentials, account_id, user_id};
use crate::output::explain;

/// `sip domain [--set DOMAIN]`.
pub(super) async fn sip_domain(
    sb: &Switchboard,
    account: &str,
    set: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(account)?);
    let Some(raw) = set else {
        let domain = sb
            .sip_domain(&ctx)
            .await
            .map_err(|e| anyhow!(explain(&e)))?;
        match domain {
            Some(d) => println!("SIP domain: {d}"),
            None => println!("no SIP domain yet: set one with --set DOMAIN"),
        }
        return Ok(ExitCode::SUCCESS);
    };
    let (domain, revoked) = sb
        .set_sip_domain(&ctx, raw)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    println!("SIP domain: {domain}");
    if revoked > 0 {
        println!("{revoked} SIP credential(s) issued under the previous domain were revoked");
    }
    Ok(ExitCode::SUCCESS)
}

/// `users sip-credentials USER issue|revoke|show`.
pub(super) async fn sip_credentials(
    sb: &Switchboard,
    s: UsersSipCredentials,
) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&s.account)?);
    let user = user_id(sb, &ctx, &s.user, "user").await?;
    match s.action {
        SipAction::Issue => {
            let issued = sb
                .issue_sip_credentials(&ctx, user)
                .await
                .map_err(|e| anyhow!(explain(&e)))?;
            if issued.rotated {
                println!("rotated: the previous password no longer works");
            }
            println!("username: {}", issued.username);
            println!("domain: {}", issued.domain);
            println!("registrar: {}", issued.domain);
            println!("password (shown once): {}", issued.password);
        }
        SipAction::Revoke => {
            sb.revoke_sip_credentials(&ctx, user)
                .await
                .map_err(|e| anyhow!(explain(&e)))?;
            println!("revoked: phones using these credentials can no longer register");
        }
        SipAction::Show => {
            let state = sb
                .sip_credentials(&ctx, user)
                .await
                .map_err(|e| anyhow!(explain(&e)))?;
            match state {
                Some(c) => {
                    println!("username: {}", c.username);
                    println!("domain: {}", c.domain);
                    println!("issued: {}", c.issued_at);
                }
                None => println!("no SIP credentials"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
