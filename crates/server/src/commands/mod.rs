//! The command-line interface: `migrate`, `account create`, `users add|list|…`,
//! `users sip-credentials`, `numbers list|route`, `sip domain`, `audit verify`,
//! `token create`, `scim-token create`, `mail list`.

use std::process::ExitCode;

use anyhow::anyhow;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use switchboard_domain::{AccountId, Email, UserId};
use switchboard_service::{Ctx, Switchboard};

use crate::config::{self, DEFAULT_DATABASE_URL};

mod numbers;
mod operator;
mod ring_plan;
mod sip;
mod users;

use numbers::{numbers_list, numbers_route};
use operator::{
    account_create, audit_head, audit_verify, mail_list, scim_token_create, token_create,
};
use ring_plan::ring_plan;
use sip::{sip_credentials, sip_domain};
use users::{users_add, users_export, users_import, users_list};

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
    /// The file holding the key (64 hex digits) that secrets kept in the database, such as
    /// single sign-on client secrets, are encrypted with; made on first run when missing.
    /// Default: `secret.key` in the data directory. The environment variable
    /// SWITCHBOARD_SECRET_KEY, when set, gives the key itself (never on the command line,
    /// where other users of the machine could read it). Give every `serve` process on one
    /// PostgreSQL the same key.
    #[arg(long, global = true, env = "SWITCHBOARD_SECRET_KEY_FILE")]
    secret_key_file: Option<std::path::PathBuf>,
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
    /// Phone numbers and where their incoming calls go.
    #[command(subcommand)]
    Numbers(NumbersCommand),
    /// SIP phones: the account's SIP domain.
    #[command(subcommand)]
    Sip(SipCommand),
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
    /// Issue (or rotate), revoke or show a user's SIP credentials.
    SipCredentials(UsersSipCredentials),
}

#[derive(Debug, Args)]
struct UsersSipCredentials {
    /// Account id.
    #[arg(long)]
    account: String,
    /// The user: email or id.
    user: String,
    /// `issue` (a new password, printed once; rotates existing credentials), `revoke`, or
    /// `show` (whether they exist, never the password).
    action: SipAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SipAction {
    Issue,
    Revoke,
    Show,
}

#[derive(Debug, Subcommand)]
enum SipCommand {
    /// Show the account's SIP domain, or set it with --set (which revokes every credential
    /// issued under the old one).
    Domain {
        /// Account id.
        #[arg(long)]
        account: String,
        /// The new domain (a DNS name, unique across accounts).
        #[arg(long)]
        set: Option<String>,
    },
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
enum NumbersCommand {
    /// List the account's numbers: where each one's calls go, and who owns it.
    List(NumbersList),
    /// Route a number's incoming calls to a department or a user, or stop routing it.
    Route(NumbersRoute),
}

#[derive(Debug, Args)]
struct NumbersList {
    /// Account id.
    #[arg(long)]
    account: String,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("to").required(true).args(["department", "user", "none"])))]
struct NumbersRoute {
    /// Account id.
    #[arg(long)]
    account: String,
    /// The number, in international form (or national form in the account's country).
    number: String,
    /// Send its calls to this department (name or id).
    #[arg(long)]
    department: Option<String>,
    /// Send its calls to this user (email or id).
    #[arg(long)]
    user: Option<String>,
    /// Stop routing it: its calls ring nobody.
    #[arg(long)]
    none: bool,
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
        /// (report finished calls, for the telephony engine); or `sip:proxy` alone (the SIP
        /// proxy: credentials, registrations, call routes, its calls' records). Repeat for several.
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

/// A user named on the command line by id or email, as `--flag` (or the argument) says.
async fn user_id(sb: &Switchboard, ctx: &Ctx, raw: &str, what: &str) -> anyhow::Result<UserId> {
    if let Ok(id) = raw.trim().parse::<UserId>() {
        return Ok(id);
    }
    let email = Email::parse("user", raw)
        .map_err(|_| anyhow!("{what}: {raw:?} is neither a user id nor an email"))?;
    sb.find_user_by_email(ctx, &email)
        .await
        .map(|u| u.id)
        .map_err(|_| anyhow!("{what}: there is no user with the email {email}"))
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
    let key = config::secret_key(
        &cli.database_url,
        std::env::var("SWITCHBOARD_SECRET_KEY").ok().as_deref(),
        cli.secret_key_file.as_deref(),
    )?;
    if let Command::Serve(args) = cli.command {
        return crate::serve::serve(db, key, cli.public_url.as_deref(), args).await;
    }
    let public_url = cli
        .public_url
        .as_deref()
        .unwrap_or(config::DEFAULT_PUBLIC_URL);
    // Commands never talk to identity providers.
    let sb = config::service(db, public_url, key, false);
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
        Command::Numbers(NumbersCommand::List(l)) => numbers_list(&sb, l).await,
        Command::Numbers(NumbersCommand::Route(r)) => numbers_route(&sb, r).await,
        Command::Users(UsersCommand::SipCredentials(s)) => sip_credentials(&sb, s).await,
        Command::Sip(SipCommand::Domain { account, set }) => {
            sip_domain(&sb, &account, set.as_deref()).await
        }
        Command::Users(UsersCommand::Export(e)) => users_export(&sb, e).await,
        Command::Audit(AuditCommand::Verify {
            account,
            expect_head,
        }) => audit_verify(&sb, account, expect_head).await,
        Command::Audit(AuditCommand::Head { account }) => audit_head(&sb, &account).await,
        Command::Token(TokenCommand::Create {
            account,
            name,
            role,
            scopes,
        }) => token_create(&sb, &account, &name, &role, &scopes).await,
        Command::ScimToken(ScimTokenCommand::Create { account, name }) => {
            scim_token_create(&sb, &account, &name, public_url).await
        }
        Command::Mail(MailCommand::List { account, limit }) => {
            mail_list(&sb, &account, limit).await
        }
    };
    sb.db().close().await;
    result
}
