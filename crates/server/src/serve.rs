//! `switchboard serve`: binds the HTTP listener, starts the background workers, and shuts
//! down gracefully on SIGTERM or Ctrl-C (in-flight requests finish, workers stop between
//! jobs).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use switchboard_store::Db;
use switchboard_web::AppState;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config;

/// Options of `switchboard serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

/// Runs the server until a shutdown signal arrives.
pub async fn serve(db: Db, public_url: Option<&str>, args: ServeArgs) -> anyhow::Result<ExitCode> {
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
    let sb = config::service(db.clone(), &public_url);
    let state = AppState::new(sb.clone());
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
    let _ = stop_rx;

    println!("Switchboard listening on http://{local}");
    println!("  dashboard and links: {public_url}");
    println!("  API reference:       {public_url}/api/v1/docs");
    if let Some(token) = setup_token {
        println!("First run: open {public_url}/setup/{token} to create your account and its owner");
    }

    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the HTTP server failed")?;

    let _ = stop_tx.send(true);
    db.close().await;
    println!("Switchboard stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    println!("shutting down: finishing requests in flight");
}
