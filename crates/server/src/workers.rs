//! The background workers `serve` runs next to the HTTP server: mail delivery (only when
//! an SMTP server is configured), the scheduler (invite expiry, scheduled deactivations)
//! and the writing of API tokens' last uses, which requests only note. Each pass is safe to run in several processes against one database.
//! Errors are logged and the loop carries on; the loops stop between passes when the stop
//! channel flips.

use std::time::Duration;

use switchboard_service::Switchboard;
use switchboard_service::mail::Mailer;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the mail worker looks for due mail.
const MAIL_EVERY: Duration = Duration::from_secs(1);
/// How often the scheduler runs.
const SCHEDULER_EVERY: Duration = Duration::from_secs(20);
/// How often the tokens' last uses noted by requests are written.
const TOKEN_USES_EVERY: Duration = Duration::from_secs(5);
/// How long shutdown waits for a pass in progress.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Starts the workers.
pub fn spawn(sb: &Switchboard, mailer: Option<Mailer>, stop: &watch::Receiver<bool>) -> Workers {
    let mut handles = vec![
        tokio::spawn(scheduler_loop(sb.clone(), stop.clone())),
        tokio::spawn(token_uses_loop(sb.clone(), stop.clone())),
    ];
    if let Some(mailer) = mailer {
        handles.push(tokio::spawn(mail_loop(sb.clone(), mailer, stop.clone())));
    }
    Workers(handles)
}

/// The running workers.
pub struct Workers(Vec<JoinHandle<()>>);

impl Workers {
    /// Waits for the workers to finish their pass (after the stop channel flipped),
    /// abandoning them after a grace period; a mail whose send was cut short is claimed
    /// again once its lease runs out.
    pub async fn join(self) {
        let aborts: Vec<_> = self.0.iter().map(JoinHandle::abort_handle).collect();
        let all = async {
            for h in self.0 {
                let _ = h.await;
            }
        };
        if tokio::time::timeout(STOP_GRACE, all).await.is_err() {
            tracing::warn!("background work did not stop in time; abandoning it");
            for a in aborts {
                a.abort();
            }
        }
    }
}

/// Waits `every` or until told to stop; true when stopping.
async fn pause(stop: &mut watch::Receiver<bool>, every: Duration) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        changed = stop.changed() => changed.is_err() || *stop.borrow(),
        () = tokio::time::sleep(every) => false,
    }
}

async fn mail_loop(sb: Switchboard, mailer: Mailer, mut stop: watch::Receiver<bool>) {
    loop {
        let mut more = false;
        let running = stop.clone();
        match sb
            .deliver_due_mail_while(&mailer, move || !*running.borrow())
            .await
        {
            Ok(r) => {
                if r.claimed > 0 {
                    tracing::info!(
                        sent = r.sent,
                        retrying = r.retrying,
                        failed = r.failed,
                        released = r.released,
                        "mail delivery pass"
                    );
                }
                more = r.claimed >= mailer.policy().batch && r.released == 0;
            }
            Err(e) => tracing::error!(error = %e, "mail delivery pass failed"),
        }
        let wait = if more { Duration::ZERO } else { MAIL_EVERY };
        if pause(&mut stop, wait).await {
            break;
        }
    }
}

async fn scheduler_loop(sb: Switchboard, mut stop: watch::Receiver<bool>) {
    loop {
        match sb.run_scheduler().await {
            Ok(r) => {
                if r.deactivated > 0 || r.invites_expired > 0 {
                    tracing::info!(
                        deactivated = r.deactivated,
                        invites_expired = r.invites_expired,
                        "scheduler pass"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "scheduler pass failed"),
        }
        if pause(&mut stop, SCHEDULER_EVERY).await {
            break;
        }
    }
}

async fn token_uses_loop(sb: Switchboard, mut stop: watch::Receiver<bool>) {
    loop {
        // Once more after the stop, so that uses noted until then are written.
        let stopping = pause(&mut stop, TOKEN_USES_EVERY).await;
        if let Err(e) = sb.write_token_uses().await {
            tracing::warn!(error = %e, "could not write the tokens' last uses");
        }
        if stopping {
            break;
        }
    }
}
