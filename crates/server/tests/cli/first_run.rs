//! `switchboard serve` on an empty database prints a one-time setup link that works.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Starts `serve` on a free port; returns the child and a receiver of its stdout lines.
fn serve(dir: &std::path::Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .current_dir(dir)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_PUBLIC_URL")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn http_get(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn serve_on_an_empty_database_prints_a_setup_link_that_opens_the_setup_form() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = serve(dir.path());
    let mut link = None;
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) {
        if let Some(rest) = line.strip_prefix("First run: open ") {
            link = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
    }
    let link = link.expect("a first-run line on stdout");
    assert!(link.contains("/setup/sbsetup_"), "{link}");
    let page = http_get(&link);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Company name"), "{page}");
    let wrong = http_get(&format!("{}x", link));
    assert!(wrong.starts_with("HTTP/1.1 410"), "{wrong}");
    child.kill().unwrap();
    child.wait().unwrap();
}
