//! `switchboard serve`: binds the HTTP listener, starts the background workers, and shuts
//! down gracefully on SIGTERM or Ctrl-C (in-flight requests finish, workers stop between
//! jobs).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use switchboard_service::sso::SecretKey;

use anyhow::Context;
use clap::Args;
use switchboard_service::mail::{DeliveryPolicy, Mailer, SmtpTransport, parse_mailbox};
use switchboard_store::Db;
use switchboard_web::AppState;
use switchboard_web::kept::KeptAnswers;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::{config, listener, workers};

/// Options of `switchboard serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// SMTP server for outgoing mail: `smtp://host:25` (plain, for a local relay),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS). Without it no mail is sent: it stays in
    /// the outbox, readable with `switchboard mail list`.
    #[arg(long, env = "SWITCHBOARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail, e.g. `Acme Switchboard <no-reply@acme.example.com>`.
    #[arg(
        long,
        env = "SWITCHBOARD_MAIL_FROM",
        default_value = "Switchboard <switchboard@localhost>"
    )]
    pub mail_from: String,
    /// Wait after a first failed delivery; it doubles with each further failure, up to
    /// an hour.
    #[arg(
        long,
        env = "SWITCHBOARD_MAIL_RETRY_BASE",
        default_value = "30s",
        hide = true
    )]
    pub mail_retry_base: jiff::SignedDuration,
    /// Longest wait for a complete request head; a connection idle longer between
    /// keep-alive requests, or sending its headers slower, is closed.
    #[arg(long, env = "SWITCHBOARD_HEADER_TIMEOUT", default_value = "10s")]
    pub header_timeout: jiff::SignedDuration,
    /// Most connections served at once (lowered to fit the open-file limit); more wait
    /// until one closes.
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Let accounts' identity providers be reached at loopback and private-network
    /// addresses (a provider run on this machine or inside your network). Without it the
    /// server connects to providers at public addresses only, whatever an administrator
    /// enters as the issuer.
    #[arg(long, env = "SWITCHBOARD_SSO_PRIVATE_PROVIDERS")]
    pub sso_private_providers: bool,
    /// Most memory, in MiB, for answers about users kept between requests (a user, a page
    /// of the users list, a SCIM search), sent again while nothing they show has changed;
    /// 0 keeps none.
    #[arg(long, env = "SWITCHBOARD_KEPT_ANSWERS_MIB", default_value_t = switchboard_web::kept::DEFAULT_MIB)]
    pub kept_answers_mib: usize,
}

/// The mailer `--smtp-url` asks for, if any; refuses bad settings with how to fix them.
fn mailer(args: &ServeArgs) -> anyhow::Result<Option<Mailer>> {
    let Some(url) = args.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let transport = SmtpTransport::from_url(url.trim()).map_err(|e| {
        anyhow::anyhow!(
            "--smtp-url {}: {e} (use smtp://host:25, smtp://user:password@host:587?tls=required \
             or smtps://user:password@host:465)",
            config::redact(url)
        )
    })?;
    let from = parse_mailbox(&args.mail_from).map_err(|e| {
        anyhow::anyhow!(
            "--mail-from: {e}; give an address such as \"Switchboard <no-reply@example.com>\""
        )
    })?;
    if args.mail_retry_base <= jiff::SignedDuration::ZERO {
        anyhow::bail!("--mail-retry-base must be positive, such as 30s");
    }
    let policy = DeliveryPolicy {
        retry_base: args.mail_retry_base,
        ..DeliveryPolicy::default()
    };
    Ok(Some(Mailer::new(Arc::new(transport), from, policy)))
}

/// Runs the server until a shutdown signal arrives.
pub async fn serve(
    db: Db,
    key: SecretKey,
    public_url: Option<&str>,
    args: ServeArgs,
) -> anyhow::Result<ExitCode> {
    let stop = shutdown_signal();
    let mailer = mailer(&args)?;
    let header_timeout = std::time::Duration::try_from(args.header_timeout)
        .ok()
        .filter(|d| !d.is_zero())
        .context("--header-timeout must be positive, such as 10s")?;
    let limits = listener::Limits {
        header_timeout,
        max_connections: listener::fit_connections(args.max_connections),
        drain: std::time::Duration::from_secs(30),
    };
    let listener = TcpListener::bind(args.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (is another server using it? choose another with --listen)",
            args.listen
        )
    })?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let public_url = match public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => format!("http://{local}"),
    };
    let sb = config::service(db.clone(), &public_url, key, args.sso_private_providers);
    let mut state = AppState::new(sb.clone());
    state.kept = std::sync::Arc::new(KeptAnswers::new(args.kept_answers_mib));
    let setup_token = if sb
        .any_account_exists()
        .await
        .context("cannot read the database")?
    {
        None
    } else {
        Some(state.setup.open())
    };
    let app = switchboard_web::app(state);

    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = workers::spawn(&sb, mailer.clone(), &stop_rx);

    println!("Switchboard listening on http://{local}");
    println!("  dashboard and links: {public_url}");
    println!("  API reference:       {public_url}/api/v1/docs");
    match &args.smtp_url {
        Some(url) if mailer.is_some() => println!("  mail sent through:   {}", config::redact(url)),
        _ => println!(
            "  mail:                no SMTP server (--smtp-url); mail waits in the outbox, \
             see `switchboard mail list`"
        ),
    }
    if let Some(token) = setup_token {
        println!("First run: open {public_url}/setup/{token} to create your account and its owner");
    }

    listener::serve(listener, app, limits, stop).await;

    let _ = stop_tx.send(true);
    workers.join().await;
    db.close().await;
    println!("Switchboard stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, before
/// the server answers anything: a signal sent as soon as it is ready (say, after `/readyz`)
/// stops it gracefully instead of killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let waits = {
        use tokio::signal::unix::{SignalKind, signal};
        [SignalKind::terminate(), SignalKind::interrupt()].map(|kind| {
            let installed = signal(kind);
            async move {
                match installed {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            }
        })
    };
    async move {
        #[cfg(unix)]
        {
            let [term, int] = waits;
            tokio::select! {
                () = term => {},
                () = int => {},
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        println!("shutting down: finishing requests in flight");
    }
}
