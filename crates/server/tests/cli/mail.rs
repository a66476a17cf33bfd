//! Mail as an operator sees it: `serve --smtp-url` delivers the outbox to a real SMTP
//! server (a Python `aiosmtpd` sink, scripts/smtp-sink.py), retries while that server is
//! down without losing the mail, and without `--smtp-url` mail waits in the outbox for
//! `switchboard mail list`.
//!
//! The SMTP tests need `SWITCHBOARD_TEST_PYTHON`, a Python with `aiosmtpd` (scripts/test
//! sets it up, so they always run in CI); without it they are skipped with a message.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_testkit::{Backend, TestDb};

use crate::serve::{Running, start_with, terminate};
use crate::{line_value, run, stderr, stdout};

/// The variable naming the Python that runs the SMTP sink.
const PYTHON_ENV: &str = "SWITCHBOARD_TEST_PYTHON";

/// A running SMTP sink that stores each message it accepts as a JSON file.
struct Sink {
    child: Child,
    dir: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> Option<String> {
    match std::env::var(PYTHON_ENV) {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!(
                "SKIPPED: {PYTHON_ENV} is not set (a Python with aiosmtpd; scripts/test sets \
                 it up) — the real-SMTP tests did not run"
            );
            None
        }
    }
}

/// A loopback port nobody listens on (the listener is dropped at once). It is picked below
/// Linux's ephemeral range (32768 and up), so the test suite's own outgoing connections
/// cannot take it in the seconds before the SMTP sink starts listening on it.
fn free_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let start = std::process::id();
    loop {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let port = 20_000 + u16::try_from((start + n * 7919) % 12_000).unwrap();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn start_sink(python: &str, port: u16, dir: &Path) -> Sink {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-sink.py");
    let mut child = Command::new(python)
        .arg(&script)
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python} ({PYTHON_ENV}): {e}"));
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    if !first.starts_with("smtp-sink listening on") {
        let _ = child.kill();
        let status = child.wait();
        panic!("the SMTP sink did not start ({status:?}): {first:?}");
    }
    Sink {
        child,
        dir: dir.to_owned(),
    }
}

/// The messages the sink received so far, oldest first.
fn received(sink: &Sink) -> Vec<serde_json::Value> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(&sink.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// Waits until the sink holds a message to `to`.
fn wait_for_mail_to(sink: &Sink, to: &str, within: Duration, log: &Path) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        if let Some(m) = received(sink)
            .into_iter()
            .find(|m| m["rcpt_tos"].as_array().unwrap().iter().any(|r| r == to))
        {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "no mail to {to} within {within:?}; received {:?}; serve log:\n{}",
            received(sink),
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `switchboard mail list` output satisfies `ok`.
fn wait_for_mail_list(
    url: &str,
    dir: &Path,
    account: &str,
    within: Duration,
    ok: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        let o = run(url, dir, &["mail", "list", "--account", account]);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        if ok(&out) {
            return out;
        }
        assert!(Instant::now() < deadline, "mail list never matched: {out}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn create_account(url: &str, dir: &Path) -> (String, String) {
    let o = run(
        url,
        dir,
        &[
            "account",
            "create",
            "--name",
            "Acme Support",
            "--plan",
            "pro",
            "--seats",
            "5",
            "--owner-name",
            "Olivia Owner",
            "--owner-email",
            "olivia@acme.example.com",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    (
        line_value(&out, "account id:"),
        line_value(&out, "one-time setup link (valid 7 days):"),
    )
}

/// Waits for `serve` to print a line matching `ok`.
fn said(serving: &Running, ok: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while let Ok(line) = serving
        .lines
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        if ok(&line) {
            return;
        }
        seen.push(line);
    }
    panic!("serve never said the expected line; it said {seen:?}");
}

fn stop(mut serving: Running) {
    let status = terminate(&mut serving);
    assert!(status.success(), "serve exited with {status:?}");
}

async fn serve_delivers_invites_over_smtp(backend: Backend) {
    let Some(python) = python() else { return };
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let port = free_port();
    let sink = start_sink(&python, port, &dir.path().join("mailbox"));
    let smtp = format!("smtp://127.0.0.1:{port}");
    let serving = start_with(
        dir.path(),
        Some(&db.url),
        &[
            "--smtp-url",
            &smtp,
            "--mail-from",
            "Acme Switchboard <no-reply@acme.example.com>",
        ],
        Some(&log),
    );
    said(&serving, |l| {
        l.contains("mail sent through") && l.contains(&smtp)
    });

    let (account, setup_link) = create_account(&db.url, dir.path());
    let added = run(
        &db.url,
        dir.path(),
        &[
            "users",
            "add",
            "--account",
            &account,
            "--name",
            "Priya Sharma",
            "--email",
            "priya@acme.example.com",
            "--panel-access",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let invite_link = line_value(&stdout(&added), "invite link:");
    assert!(invite_link.contains("/invite/sbi_"), "{invite_link}");

    let m = wait_for_mail_to(
        &sink,
        "priya@acme.example.com",
        Duration::from_secs(30),
        &log,
    );
    assert_eq!(m["to"], "priya@acme.example.com");
    assert_eq!(m["mail_from"], "no-reply@acme.example.com");
    assert_eq!(m["from"], "Acme Switchboard <no-reply@acme.example.com>");
    assert_eq!(
        m["subject"],
        "You have been invited to Acme Support on Switchboard"
    );
    let body = m["body"].as_str().unwrap();
    assert!(body.contains(&invite_link), "{body}");
    assert!(body.contains("Priya Sharma"), "{body}");
    assert!(
        m["message_id"]
            .as_str()
            .unwrap()
            .ends_with("@acme.example.com>"),
        "{m}"
    );

    let owner = wait_for_mail_to(
        &sink,
        "olivia@acme.example.com",
        Duration::from_secs(30),
        &log,
    );
    assert!(
        owner["body"].as_str().unwrap().contains(&setup_link),
        "{owner}"
    );

    let list = wait_for_mail_list(
        &db.url,
        dir.path(),
        &account,
        Duration::from_secs(10),
        |o| o.matches("(sent ").count() == 2,
    );
    assert!(!list.contains("waiting in outbox"), "{list}");
    assert_eq!(received(&sink).len(), 2, "each mail is sent once");
    stop(serving);
}

async fn mail_queued_while_the_smtp_server_is_down_arrives_once_it_is_up(backend: Backend) {
    let Some(python) = python() else { return };
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let port = free_port();
    let serving = start_with(
        dir.path(),
        Some(&db.url),
        &[
            "--smtp-url",
            &format!("smtp://127.0.0.1:{port}"),
            "--mail-retry-base",
            "1s",
        ],
        Some(&log),
    );
    let (account, setup_link) = create_account(&db.url, dir.path());

    // The first attempt fails; the mail stays queued, with the error, for a retry.
    let list = wait_for_mail_list(
        &db.url,
        dir.path(),
        &account,
        Duration::from_secs(20),
        |o| o.contains("attempt 1 failed") || o.contains("attempt 2 failed"),
    );
    assert!(list.contains("olivia@acme.example.com"), "{list}");
    assert!(!list.contains("(sent "), "{list}");

    let sink = start_sink(&python, port, &dir.path().join("mailbox"));
    let m = wait_for_mail_to(
        &sink,
        "olivia@acme.example.com",
        Duration::from_secs(40),
        &log,
    );
    assert!(m["body"].as_str().unwrap().contains(&setup_link), "{m}");
    wait_for_mail_list(
        &db.url,
        dir.path(),
        &account,
        Duration::from_secs(10),
        |o| o.contains("(sent "),
    );
    assert_eq!(received(&sink).len(), 1, "sent once");
    stop(serving);
}

async fn two_servers_on_one_database_send_each_mail_once(backend: Backend) {
    let Some(python) = python() else { return };
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sink = start_sink(&python, port, &dir.path().join("mailbox"));
    let smtp = format!("smtp://127.0.0.1:{port}");
    let logs = [
        dir.path().join("serve-a.log"),
        dir.path().join("serve-b.log"),
    ];
    let servers: Vec<Running> = logs
        .iter()
        .map(|log| start_with(dir.path(), Some(&db.url), &["--smtp-url", &smtp], Some(log)))
        .collect();

    let (account, _) = create_account(&db.url, dir.path());
    let people = ["asha", "bilal", "chen", "dara"];
    for p in people {
        let email = format!("{p}@acme.example.com");
        let o = run(
            &db.url,
            dir.path(),
            &[
                "users",
                "add",
                "--account",
                &account,
                "--name",
                p,
                "--email",
                &email,
                "--panel-access",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for p in people {
        wait_for_mail_to(
            &sink,
            &format!("{p}@acme.example.com"),
            Duration::from_secs(30),
            &logs[0],
        );
    }
    wait_for_mail_to(
        &sink,
        "olivia@acme.example.com",
        Duration::from_secs(30),
        &logs[0],
    );
    // Give a second sending of any mail the time to show up.
    std::thread::sleep(Duration::from_millis(2500));
    let got = received(&sink);
    let ids: std::collections::BTreeSet<_> =
        got.iter().map(|m| m["message_id"].to_string()).collect();
    assert_eq!(got.len(), people.len() + 1, "{got:?}");
    assert_eq!(ids.len(), got.len(), "a mail was sent twice: {got:?}");
    for s in servers {
        stop(s);
    }
}

async fn without_smtp_mail_waits_in_the_outbox(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let serving = start_with(dir.path(), Some(&db.url), &[], None);
    said(&serving, |l| l.contains("no SMTP server"));
    let (account, setup_link) = create_account(&db.url, dir.path());
    std::thread::sleep(Duration::from_millis(2500));
    let o = run(
        &db.url,
        dir.path(),
        &["mail", "list", "--account", &account],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let list = stdout(&o);
    assert!(
        list.contains("to olivia@acme.example.com (waiting in outbox)"),
        "{list}"
    );
    assert!(list.contains(&setup_link), "the mail is readable: {list}");
    stop(serving);
}

#[test]
fn a_bad_smtp_url_or_sender_stops_serve_with_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("sb.db").display());
    let o = run(
        &url,
        dir.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--smtp-url",
            "gopher://user:hunter2@mail.example.com",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("--smtp-url") && err.contains("smtps://"),
        "{err}"
    );
    assert!(
        !err.contains("hunter2"),
        "the password is never printed: {err}"
    );

    let o = run(
        &url,
        dir.path(),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--smtp-url",
            "smtp://127.0.0.1:25",
            "--mail-from",
            "not an address",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--mail-from"), "{}", stderr(&o));
}

mod sqlite {
    use super::Backend::Sqlite;

    #[tokio::test]
    async fn serve_delivers_invites_over_smtp() {
        super::serve_delivers_invites_over_smtp(Sqlite).await;
    }

    #[tokio::test]
    async fn mail_queued_while_the_smtp_server_is_down_arrives_once_it_is_up() {
        super::mail_queued_while_the_smtp_server_is_down_arrives_once_it_is_up(Sqlite).await;
    }

    #[tokio::test]
    async fn two_servers_on_one_database_send_each_mail_once() {
        super::two_servers_on_one_database_send_each_mail_once(Sqlite).await;
    }

    #[tokio::test]
    async fn without_smtp_mail_waits_in_the_outbox() {
        super::without_smtp_mail_waits_in_the_outbox(Sqlite).await;
    }
}

mod postgres {
    use super::Backend::Postgres;

    #[tokio::test]
    async fn serve_delivers_invites_over_smtp() {
        super::serve_delivers_invites_over_smtp(Postgres).await;
    }

    #[tokio::test]
    async fn mail_queued_while_the_smtp_server_is_down_arrives_once_it_is_up() {
        super::mail_queued_while_the_smtp_server_is_down_arrives_once_it_is_up(Postgres).await;
    }

    #[tokio::test]
    async fn two_servers_on_one_database_send_each_mail_once() {
        super::two_servers_on_one_database_send_each_mail_once(Postgres).await;
    }
}
