//! `switchboard serve` as an operator runs it: it picks up its database, says where it
//! listens, answers probes, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_testkit::{Backend, TestDb};

/// A running `switchboard serve` and the address it reported.
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path, db_url: Option<&str>) -> Running {
    start_with(dir, db_url, &[], None)
}

/// Starts `serve` on a free port with extra `serve` arguments, its log (at info level)
/// going to `log` when given.
pub(crate) fn start_with(
    dir: &std::path::Path,
    db_url: Option<&str>,
    extra: &[&str],
    log: Option<&std::path::Path>,
) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.current_dir(dir)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_LISTEN")
        .env_remove("SWITCHBOARD_SMTP_URL")
        .env_remove("SWITCHBOARD_MAIL_FROM")
        .env_remove("SWITCHBOARD_MAIL_RETRY_BASE")
        .stdout(Stdio::piped());
    match log {
        Some(path) => {
            cmd.env("SWITCHBOARD_LOG", "info")
                .stderr(std::fs::File::create(path).unwrap());
        }
        None => {
            cmd.stderr(Stdio::null());
        }
    }
    if let Some(url) = db_url {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(base) = line.strip_prefix("Switchboard listening on ") {
                    return Running {
                        child,
                        base: base.trim().to_owned(),
                        lines,
                    };
                }
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve did not report where it listens");
            }
        }
    }
}

pub(crate) fn terminate(r: &mut Running) -> std::process::ExitStatus {
    let pid = r.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = r.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn serve_answers_probes_and_stops_cleanly_on_sigterm(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(dir.path(), Some(&db.url));
    let ready = reqwest::get(format!("{}/readyz", running.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let doc: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", running.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let status = terminate(&mut running);
    assert!(status.success(), "exit status {status:?}");
    // Read until the output closes: the last line may still be on its way from the reader.
    let mut said = Vec::new();
    while let Ok(line) = running.lines.recv_timeout(Duration::from_secs(5)) {
        said.push(line);
    }
    assert!(
        said.iter().any(|l| l.contains("Switchboard stopped")),
        "{said:?}"
    );
}

#[tokio::test]
async fn with_no_flags_serve_keeps_its_data_in_switchboard_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = start(dir.path(), None);
    let ready = reqwest::get(format!("{}/readyz", running.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert!(dir.path().join("switchboard-data/switchboard.db").exists());
    let status = terminate(&mut running);
    assert!(status.success(), "exit status {status:?}");
}

mod sqlite {
    #[tokio::test]
    async fn serve_answers_probes_and_stops_cleanly_on_sigterm() {
        super::serve_answers_probes_and_stops_cleanly_on_sigterm(super::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test]
    async fn serve_answers_probes_and_stops_cleanly_on_sigterm() {
        super::serve_answers_probes_and_stops_cleanly_on_sigterm(super::Backend::Postgres).await;
    }
}
