//! `users add|list|import|export`.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use switchboard_domain::{DepartmentId, NewUser, NewUserInput, UserStatus};
use switchboard_service::users::UserQuery;
use switchboard_service::{Ctx, Switchboard};

use super::{UsersAdd, UsersExport, UsersImport, UsersList, account_id, field};
use crate::output::{explain, table};

pub(super) async fn users_add(sb: &Switchboard, a: UsersAdd) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&a.account)?);
    let input = NewUserInput {
        name: Some(a.name),
        email: a.email,
        mobile: a.mobile,
        alternate_mobile: a.alternate_mobile,
        extension: a.extension,
        role: a.role,
        panel_access: Some(a.panel_access),
        receive_calls: Some(!a.no_receive_calls),
        call_hours: None,
        time_zone: a.time_zone,
        departments: Some(a.departments),
        tags: Some(a.tags),
        voicemail: Some(a.voicemail),
        external_id: None,
    };
    let country = sb
        .get_account(&ctx)
        .await
        .map_err(|e| anyhow!(explain(&e)))?
        .phone_country();
    let new =
        NewUser::parse_in(&input, country.as_ref()).map_err(|e| anyhow!(explain(&e.into())))?;
    let added = sb
        .add_user(&ctx, new)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    let u = &added.user;
    println!(
        "added {} (id {}), extension {}, status {}",
        u.name,
        u.id,
        u.extension,
        u.status.key()
    );
    if let Some(email) = &u.email
        && u.status == UserStatus::PendingInvite
    {
        println!("an invite was sent to {email}");
    }
    if let Some(link) = added.invite_link {
        println!("invite link: {link}");
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn users_import(sb: &Switchboard, i: UsersImport) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&i.account)?);
    let text = if i.file == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading standard input")?
    } else {
        std::fs::read_to_string(&i.file).with_context(|| format!("reading {}", i.file))?
    };
    let report = sb
        .import_users(&ctx, &text, i.dry_run)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("line {}: {}: {} [{}]", e.line, e.field, e.message, e.code);
        }
        eprintln!(
            "error: {} problem(s); nothing was imported",
            report.errors.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    for (line, a) in &report.added {
        let invite = if a.invite_link.is_some() {
            ", invite queued"
        } else {
            ""
        };
        println!(
            "line {line}: {} (extension {}, {}{invite})",
            a.user.name,
            a.user.extension,
            a.user.status.key()
        );
    }
    if report.dry_run {
        println!(
            "dry run: all {} row(s) would be imported; nothing was written",
            report.rows
        );
    } else {
        println!("imported {} user(s)", report.added.len());
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn users_export(sb: &Switchboard, e: UsersExport) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&e.account)?);
    let csv = sb
        .export_users(&ctx)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    match &e.output {
        Some(path) => std::fs::write(path, csv).with_context(|| format!("writing {path}"))?,
        None => print!("{csv}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn users_list(sb: &Switchboard, l: UsersList) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::cli(account_id(&l.account)?);
    let status = l
        .status
        .as_deref()
        .map(|s| field(UserStatus::parse("status", s), "status"))
        .transpose()?;
    let department = l
        .department
        .as_deref()
        .map(|d| {
            d.parse::<DepartmentId>()
                .map_err(|_| anyhow!("--department {d:?} is not a department id"))
        })
        .transpose()?;
    let query = UserQuery {
        text: l.search,
        role: l.role,
        status,
        department,
        panel_access: None,
        tag: None,
    };
    // The page, the roles and the listed users' departments, read in one transaction.
    let view = sb
        .list_users_view(&ctx, &query, l.cursor.as_deref(), l.limit)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    let (page, roles) = (&view.page, &view.roles);
    let role_name = |id| {
        roles
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.to_string())
            .unwrap_or_default()
    };
    if l.json {
        for u in &page.items {
            let mut v = u.audit_view();
            v["id"] = serde_json::json!(u.id.to_string());
            v["role"] = serde_json::json!(role_name(u.role_id));
            let deps = view.departments.get(&u.id).map(Vec::as_slice);
            let names: Vec<&str> = deps
                .unwrap_or_default()
                .iter()
                .map(|(_, name)| name.as_str())
                .collect();
            v["departments"] = serde_json::json!(names);
            println!("{v}");
        }
    } else {
        let rows: Vec<Vec<String>> = page
            .items
            .iter()
            .map(|u| {
                vec![
                    u.name.to_string(),
                    u.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                    u.mobile.as_ref().map(|m| m.to_string()).unwrap_or_default(),
                    u.extension.to_string(),
                    role_name(u.role_id),
                    u.status.key().to_owned(),
                    u.id.to_string(),
                ]
            })
            .collect();
        println!(
            "{}",
            table(
                &["NAME", "EMAIL", "MOBILE", "EXT", "ROLE", "STATUS", "ID"],
                &rows
            )
        );
    }
    if let Some(next) = &page.next_cursor {
        eprintln!("more users: add --cursor {next}");
    }
    Ok(ExitCode::SUCCESS)
}
