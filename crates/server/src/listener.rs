//! The HTTP listener, hardened against clients that hold connections: a connection that
//! has not sent a complete request head within the header timeout (a new one, or one idle
//! between keep-alive requests) is closed; at most `max_connections` are served at once
//! (more wait in the kernel's backlog, so the process never runs out of file descriptors);
//! shutdown lets requests in flight finish.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How connections are limited.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest wait for a complete request head, idle keep-alive time included.
    pub header_timeout: Duration,
    /// Most connections served at once.
    pub max_connections: usize,
    /// Longest wait for requests in flight at shutdown.
    pub drain: Duration,
}

/// File descriptors kept aside for the database, the log and mail when the connection cap
/// is derived from the open-file limit.
const RESERVED_FDS: u64 = 256;

/// Raises the open-file soft limit to the hard limit and returns the connection cap that
/// fits under it: `wanted`, lowered to the limit less a reserve.
pub fn fit_connections(wanted: usize) -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let room = usize::try_from(limit.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
    wanted.min(room).max(16)
}

/// Serves `app` on `listener` until `stop` resolves, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout))
        .keep_alive_timeout(limits.header_timeout);
    let builder = Arc::new(builder);
    tokio::pin!(stop);
    loop {
        // A permit first: past the cap, connections wait in the backlog, unaccepted.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let svc = app
            .clone()
            .map_request(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(remote));
                req
            });
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            // hyper's header timeout starts with the first byte; a client that sends none
            // is dropped here, so that silent sockets cannot hold the connection slots.
            let mut first = [0u8; 1];
            if let Ok(Ok(n)) = tokio::time::timeout(header_timeout, stream.peek(&mut first)).await
                && n > 0
            {
                let conn = builder.serve_connection_with_upgrades(
                    TokioIo::new(stream),
                    TowerToHyperService::new(svc),
                );
                if let Err(e) = watcher.watch(conn.into_owned()).await {
                    tracing::debug!(error = %e, %remote, "connection ended");
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after {:?}; stopping", limits.drain);
    }
}
