//! The command-line interface: `migrate`, `account create`, `users add|list`,
//! `audit verify`, `token create`, `scim-token create`, `mail list`.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand};
use switchboard_domain::routing::Exclusion;
use switchboard_domain::{
    AccountId, Country, DepartmentId, Email, ExtensionRange, Fallback, MailStatus, Name, NewUser,
    NewUserInput, Plan, RoleRef, TimeZoneName, UserStatus,
};
use switchboard_service::users::UserQuery;
use switchboard_service::{Ctx, Switchboard};

use crate::config::{self, DEFAULT_DATABASE_URL};
use crate::output::{explain, table};

/// Switchboard: the people side of a cloud telephony platform.
#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about)]
pub struct Cli {
    /// Database: `sqlite:PATH` (default, created when missing) or `postgres://…`.
    #[arg(long, global = true, env = "SWITCHBOARD_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    database_url: String,
    /// The address people open the dashboard at, used in invite links (default: the
    /// address `serve` listens on).
    #[arg(long, global = true, env = "SWITCHBOARD_PUBLIC_URL")]
    public_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: REST API, sign-in and background mail delivery.
    Serve(crate::serve::ServeArgs),
    /// Print the OpenAPI document of the REST API.
    Openapi,
    /// Create or upgrade the database schema.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// SCIM tokens, for an identity provider provisioning users at /scim/v2.
    #[command(subcommand)]
    ScimToken(ScimTokenCommand),
    /// Mail waiting in or sent from the outbox.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Who would ring for a call to a department, in order, and why the others would not.
    RingPlan(RingPlanArgs),
}

#[derive(Debug, Args)]
struct RingPlanArgs {
    /// Account id.
    #[arg(long)]
    account: String,
    /// Department id.
    #[arg(long)]
    department: String,
    /// The instant to evaluate (RFC 3339, e.g. 2026-03-08T14:30:00Z); now when omitted.
    #[arg(long)]
    at: Option<String>,
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create an account and its owner; prints the owner's one-time setup link.
    Create(AccountCreate),
}

#[derive(Debug, Args)]
struct AccountCreate {
    /// Company name.
    #[arg(long)]
    name: String,
    /// `free` (up to 5 users) or `pro` (Panel Access users use seats).
    #[arg(long, default_value = "free")]
    plan: String,
    /// Licensed seats on `pro`.
    #[arg(long, default_value_t = 0)]
    seats: u32,
    /// The owner's name.
    #[arg(long)]
    owner_name: String,
    /// The owner's email; the setup link is sent there.
    #[arg(long)]
    owner_email: String,
    /// Default time zone (IANA name).
    #[arg(long, default_value = "UTC")]
    time_zone: String,
    /// Country (ISO 3166 code such as IN, US, FR) phone numbers in national form are read
    /// in; without it, the time zone's country.
    #[arg(long)]
    country: Option<String>,
    /// Lowest extension.
    #[arg(long, default_value_t = 100)]
    extension_min: u32,
    /// Highest extension.
    #[arg(long, default_value_t = 999)]
    extension_max: u32,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a user.
    Add(UsersAdd),
    /// List users.
    List(UsersList),
    /// Add users from a CSV file, all or none (see the README for the columns).
    Import(UsersImport),
    /// Write the account's users as CSV.
    Export(UsersExport),
}

#[derive(Debug, Args)]
struct UsersImport {
    /// Account id.
    #[arg(long)]
    account: String,
    /// The CSV file (`-` for standard input).
    file: String,
    /// Check every row and report, writing nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct UsersExport {
    /// Account id.
    #[arg(long)]
    account: String,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<String>,
}

#[derive(Debug, Args)]
struct UsersAdd {
    /// Account id.
    #[arg(long)]
    account: String,
    /// Full name.
    #[arg(long)]
    name: String,
    /// Email (optional if a mobile is given).
    #[arg(long)]
    email: Option<String>,
    /// Mobile in E.164 form, e.g. +919876543210 (optional if an email is given).
    #[arg(long)]
    mobile: Option<String>,
    /// Alternate mobile in E.164 form.
    #[arg(long)]
    alternate_mobile: Option<String>,
    /// Extension; the next free one when omitted.
    #[arg(long)]
    extension: Option<String>,
    /// Role name or id (default Basic).
    #[arg(long)]
    role: Option<String>,
    /// Give Panel Access (sends an invite; uses a seat on pro).
    #[arg(long)]
    panel_access: bool,
    /// Never ring this user.
    #[arg(long)]
    no_receive_calls: bool,
    /// Time zone (IANA name); the account's when omitted.
    #[arg(long)]
    time_zone: Option<String>,
    /// Department id (repeatable).
    #[arg(long = "department")]
    departments: Vec<String>,
    /// Tag (repeatable).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Enable voicemail.
    #[arg(long)]
    voicemail: bool,
}

#[derive(Debug, Args)]
struct UsersList {
    /// Account id.
    #[arg(long)]
    account: String,
    /// Search name, email, mobile or extension.
    #[arg(long)]
    search: Option<String>,
    /// Only this role (name or id).
    #[arg(long)]
    role: Option<String>,
    /// Only this status: pending_invite, active, inactive.
    #[arg(long)]
    status: Option<String>,
    /// Only members of this department (id).
    #[arg(long)]
    department: Option<String>,
    /// Page size.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Continue after this cursor (printed at the end of the previous page).
    #[arg(long)]
    cursor: Option<String>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check every account's hash chain (or one), and that it ends at the head the account
    /// records; exits with status 2 at the first broken link.
    Verify {
        /// Only this account.
        #[arg(long)]
        account: Option<String>,
        /// Also require the chain to hold this head (`SEQ:HASH`, as `audit head` printed
        /// it earlier and you kept outside the database); needs --account.
        #[arg(long, requires = "account")]
        expect_head: Option<String>,
    },
    /// Print the head of an account's chain as `SEQ:HASH`, to keep outside the database
    /// and check later with `audit verify --expect-head`.
    Head {
        /// The account.
        #[arg(long)]
        account: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token; prints the secret once.
    Create {
        /// Account id.
        #[arg(long)]
        account: String,
        /// A name to recognise the token by.
        #[arg(long)]
        name: String,
        /// The role bounding what the token may do through the REST API.
        #[arg(long, default_value = "Administrator")]
        role: String,
        /// What the token may do: `api` (the REST API, the default) and/or `calls:ingest`
        /// (report finished calls, for the telephony engine). Repeat for several.
        #[arg(long = "scope", value_name = "SCOPE", default_values_t = ["api".to_owned()])]
        scopes: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ScimTokenCommand {
    /// Create the SCIM token an identity provider uses at /scim/v2; prints the secret once.
    Create {
        /// Account id.
        #[arg(long)]
        account: String,
        /// A name to recognise the token by (e.g. the identity provider).
        #[arg(long, default_value = "SCIM provisioning")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// List the account's mail, newest first.
    List {
        /// Account id.
        #[arg(long)]
        account: String,
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

fn account_id(raw: &str) -> anyhow::Result<AccountId> {
    raw.trim()
        .parse()
        .map_err(|_| anyhow!("--account {raw:?} is not an account id (a UUID printed by `switchboard account create`)"))
}

fn field<T>(r: Result<T, switchboard_domain::FieldError>, flag: &str) -> anyhow::Result<T> {
    r.map_err(|e| anyhow!("--{flag}: {}", e.message))
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Openapi = cli.command {
        print!("{}", switchboard_web::openapi::document_json());
        return Ok(ExitCode::SUCCESS);
    }
    let db = config::open(&cli.database_url).await?;
    if let Command::Serve(args) = cli.command {
        return crate::serve::serve(db, cli.public_url.as_deref(), args).await;
    }
    let public_url = cli
        .public_url
        .as_deref()
        .unwrap_or(config::DEFAULT_PUBLIC_URL);
    let sb = config::service(db, public_url);
    let result = match cli.command {
        Command::Serve(_) | Command::Openapi => Ok(ExitCode::SUCCESS),
        Command::Migrate => {
            println!(
                "database at {} is up to date",
                config::redact(&cli.database_url)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Account(AccountCommand::Create(a)) => account_create(&sb, a).await,
        Command::Users(UsersCommand::Add(a)) => users_add(&sb, a).await,
        Command::Users(UsersCommand::List(l)) => users_list(&sb, l).await,
        Command::Users(UsersCommand::Import(i)) => users_import(&sb, i).await,
        Command::RingPlan(r) => ring_plan(&sb, r).await,
        Command::Users(UsersCommand::Export(e)) => users_export(&sb, e).await,
        Command::Audit(AuditCommand::Verify {
            account,
            expect_head,
        }) => audit_verify(&sb, account, expect_head).await,
        Command::Audit(AuditCommand::Head { account }) => {
            let head = switchboard_service::audit::chain_head(sb.db(), account_id(&account)?)
                .await
                .map_err(|e| anyhow!(explain(&e)))?;
            println!("{head}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Create {
            account,
            name,
            role,
            scopes,
        }) => {
            let ctx = Ctx::cli(account_id(&account)?);
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let (t, secret) = sb
                .create_scoped_api_token(
                    &ctx,
                    &name,
                    "api",
                    Some(RoleRef::parse(&role)),
                    None,
                    &scopes,
                )
                .await
                .map_err(|e| anyhow!(explain(&e)))?;
            println!("token id: {}", t.id);
            println!("scopes: {}", t.scopes.join(" "));
            println!("secret (shown once): {secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::ScimToken(ScimTokenCommand::Create { account, name }) => {
            let ctx = Ctx::cli(account_id(&account)?);
            let (t, secret) = sb
                .create_api_token(&ctx, &name, "scim", None, None)
                .await
                .map_err(|e| anyhow!(explain(&e)))?;
            println!("token id: {}", t.id);
            println!("SCIM base URL: {public_url}/scim/v2");
            println!("secret (shown once): {secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Mail(MailCommand::List { account, limit }) => {
            let ctx = Ctx::cli(account_id(&account)?);
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
    };
    sb.db().close().await;
    result
}

async fn account_create(sb: &Switchboard, a: AccountCreate) -> anyhow::Result<ExitCode> {
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

async fn users_add(sb: &Switchboard, a: UsersAdd) -> anyhow::Result<ExitCode> {
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

async fn ring_plan(sb: &Switchboard, r: RingPlanArgs) -> anyhow::Result<ExitCode> {
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

async fn users_import(sb: &Switchboard, i: UsersImport) -> anyhow::Result<ExitCode> {
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

async fn users_export(sb: &Switchboard, e: UsersExport) -> anyhow::Result<ExitCode> {
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

async fn users_list(sb: &Switchboard, l: UsersList) -> anyhow::Result<ExitCode> {
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
    let page = sb
        .list_users(&ctx, &query, l.cursor.as_deref(), l.limit)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
    let roles = sb
        .list_roles(&ctx)
        .await
        .map_err(|e| anyhow!(explain(&e)))?;
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
    if let Some(next) = page.next_cursor {
        eprintln!("more users: add --cursor {next}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit_verify(
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
