//! Clients that hold connections, against the real `switchboard serve`: a client sending
//! its headers a byte at a time is cut off at the header timeout, an idle keep-alive
//! connection is closed, and while more idle sockets than the connection cap are held,
//! probes and requests are still answered.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::serve::start_with;

fn host(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or `limit` passes); how long it took.
fn until_closed(s: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return started.elapsed(),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return started.elapsed(),
        }
    }
    started.elapsed()
}

#[test]
fn slow_and_idle_clients_are_cut_off_and_others_are_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("sb.db").display());
    let running = start_with(
        dir.path(),
        Some(&url),
        &["--header-timeout", "1s", "--max-connections", "20"],
        None,
    );
    let addr = host(&running.base);

    // A header byte every 200 ms: cut off at the timeout, not served for as long as it
    // keeps trickling.
    let mut slow = TcpStream::connect(&addr).unwrap();
    let started = Instant::now();
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut cut = None;
    for b in request {
        if slow.write_all(&[*b]).is_err() {
            cut = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        let mut probe = [0u8; 1];
        slow.set_nonblocking(true).unwrap();
        let closed = matches!(slow.read(&mut probe), Ok(0) | Ok(1));
        slow.set_nonblocking(false).unwrap();
        if closed {
            cut = Some(started.elapsed());
            break;
        }
    }
    let cut = cut.expect("a slow client was never cut off");
    assert!(cut < Duration::from_secs(3), "cut off after {cut:?}");

    // A keep-alive connection left idle after one request is closed.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let closed = until_closed(&mut idle, Duration::from_secs(5));
    assert!(
        closed < Duration::from_secs(3),
        "an idle connection was kept {closed:?}"
    );

    // Far more silent sockets than the cap: probes still get through.
    let hostile: Vec<TcpStream> = (0..100)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    let started = Instant::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        client
            .get(format!("{}/healthz", running.base))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    let waited = started.elapsed();
    assert_eq!(status.ok(), Some(200), "after {waited:?}");
    assert!(waited < Duration::from_secs(12), "/healthz took {waited:?}");
    eprintln!(
        "slow client cut after {cut:?}; idle keep-alive closed after {closed:?}; \
         /healthz answered in {waited:?} with {} silent sockets held",
        hostile.len()
    );
    drop(hostile);
}

#[test]
fn hundreds_of_idle_sockets_under_the_cap_delay_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("sb.db").display());
    let running = start_with(dir.path(), Some(&url), &["--max-connections", "2000"], None);
    let addr = host(&running.base);
    let idle: Vec<TcpStream> = (0..600)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    assert!(idle.len() >= 500, "{}", idle.len());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    let status = rt.block_on(async {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
            .get(format!("{}/healthz", running.base))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    let waited = started.elapsed();
    assert_eq!(status.ok(), Some(200));
    assert!(waited < Duration::from_secs(2), "/healthz took {waited:?}");
    eprintln!(
        "/healthz answered in {waited:?} with {} idle sockets held",
        idle.len()
    );
}
