//! The servers under test, as child processes: Switchboard's own binary and the reference
//! SCIM peer. Each listens on a loopback port picked here; its private memory is sampled
//! from `/proc` while it runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running server.
pub struct Server {
    child: Child,
    /// The most private memory seen, in KiB.
    peak_kib: Arc<AtomicU64>,
    /// Tells the sampler to stop.
    stopped: Arc<AtomicBool>,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// Where its output goes.
    pub log: PathBuf,
}

/// A free loopback port (bound, then released for the child to take).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl Server {
    /// Starts `switchboard serve` on the database at `url`.
    pub async fn switchboard(bin: &Path, url: &str, work: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log = work.join(format!("switchboard-{port}.log"));
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("SWITCHBOARD_DATABASE_URL", url)
            .env(
                "SWITCHBOARD_LOG",
                std::env::var("SWITCHBOARD_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            );
        let server = Self::spawn(cmd, port, log)?;
        server.wait_ready("/readyz").await?;
        Ok(server)
    }

    /// Starts the reference SCIM server (`scim2-server`) with bearer token `token`.
    pub async fn peer(bin: &Path, token: &str, work: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log = work.join(format!("peer-{port}.log"));
        let mut cmd = Command::new(bin);
        cmd.arg("--hostname")
            .arg("127.0.0.1")
            .arg("--port")
            .arg(port.to_string())
            .arg("--bearer-token")
            .arg(token);
        let server = Self::spawn(cmd, port, log)?;
        server.wait_ready("/ServiceProviderConfig").await?;
        Ok(server)
    }

    fn spawn(mut cmd: Command, port: u16, log: PathBuf) -> anyhow::Result<Self> {
        let out = std::fs::File::create(&log)
            .with_context(|| format!("cannot write {}", log.display()))?;
        let err = out.try_clone()?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
        let (peak_kib, stopped) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (peak, stop, pid) = (peak_kib.clone(), stopped.clone(), child.id());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match private_kib(pid) {
                    Some(kib) => peak.fetch_max(kib, Ordering::Relaxed),
                    None => return,
                };
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Ok(Self {
            child,
            peak_kib,
            stopped,
            base: format!("http://127.0.0.1:{port}"),
            log,
        })
    }

    /// Waits until `path` answers (any status below 500), up to two minutes.
    async fn wait_ready(&self, path: &str) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = client.get(format!("{}{path}", self.base)).send().await
                && r.status().as_u16() < 500
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the server at {} did not answer within 2 minutes; see {}",
                    self.base,
                    self.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The most private memory (Linux `RssAnon`: heap, stacks, caches of its own) seen
    /// so far, sampled every 20 ms, in MiB. Pages of the database file mapped into memory
    /// are not counted: they are the operating system's page cache, shared and reclaimable,
    /// as they are when read with `pread`.
    pub fn peak_memory_mib(&self) -> Option<f64> {
        let kib = self.peak_kib.load(Ordering::Relaxed);
        (kib > 0).then(|| kib as f64 / 1024.0)
    }

    /// Stops the server and waits for it to exit.
    pub fn stop(mut self) {
        self.stopped.store(true, Ordering::Relaxed);
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `RssAnon` of a process, in KiB.
fn private_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
