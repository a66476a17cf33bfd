//! Collecting figures run by run and printing them: medians of the runs, side by side by
//! account size, and Switchboard/peer ratios for the SCIM workloads.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::load::Sample;
use crate::provision::Phase;
use crate::workloads::Workload;

/// One run of one workload.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Completed requests per second.
    pub per_sec: f64,
    /// Completed requests.
    pub completed: usize,
    /// Failed requests.
    pub errors: usize,
    /// The first failure.
    pub first_error: Option<String>,
}

impl Figures {
    /// The figures of a sample.
    pub fn of(s: &Sample) -> Self {
        Self {
            p50_ms: s.quantile_ms(0.5),
            p99_ms: s.quantile_ms(0.99),
            per_sec: s.throughput(),
            completed: s.latencies.len(),
            errors: s.errors,
            first_error: s.first_error.clone(),
        }
    }
}

/// Which server and account size.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Setup {
    /// `sqlite`, `postgres` or `peer`.
    pub system: String,
    /// Users seeded (for the peer: the Switchboard size it is compared with).
    pub users: usize,
}

#[derive(Clone, Debug)]
struct ServerFacts {
    seed_secs: f64,
    peak_mib: Option<f64>,
}

/// Everything measured in one invocation.
#[derive(Debug)]
pub struct Report {
    command: String,
    machine: String,
    runs: usize,
    concurrency: usize,
    /// Requests in flight for creates: Switchboard's, the peer's.
    create_concurrency: (usize, usize),
    /// SQLite single-row durable commits per second on the work directory's disk.
    pub commit_rate: f64,
    figures: BTreeMap<(Setup, usize), Vec<Figures>>,
    servers: BTreeMap<Setup, ServerFacts>,
    peer_seeding: BTreeMap<usize, (usize, Figures)>,
    provisioning: BTreeMap<Setup, Vec<Phase>>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn index_of(w: Workload) -> usize {
    Workload::SWITCHBOARD
        .iter()
        .position(|x| *x == w)
        .unwrap_or(usize::MAX)
}

fn size_label(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

fn ms(x: f64) -> String {
    if x.is_nan() {
        "–".to_owned()
    } else if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

impl Report {
    /// An empty report for `command`.
    pub fn new(
        command: &str,
        runs: usize,
        concurrency: usize,
        create_concurrency: (usize, usize),
    ) -> Self {
        Self {
            command: command.to_owned(),
            machine: machine(),
            runs,
            concurrency,
            create_concurrency,
            commit_rate: 0.0,
            figures: BTreeMap::new(),
            servers: BTreeMap::new(),
            peer_seeding: BTreeMap::new(),
            provisioning: BTreeMap::new(),
        }
    }

    /// Adds one run of `w` on `setup`.
    pub fn add(&mut self, setup: &Setup, w: Workload, f: Figures) {
        self.figures
            .entry((setup.clone(), index_of(w)))
            .or_default()
            .push(f);
    }

    /// Records how long seeding took and the server's peak memory.
    pub fn add_server(&mut self, setup: &Setup, seeding: Duration, peak_mib: Option<f64>) {
        self.servers.insert(
            setup.clone(),
            ServerFacts {
                seed_secs: seeding.as_secs_f64(),
                peak_mib,
            },
        );
    }

    /// Records the peer's seeding over SCIM (its create rate with an empty start).
    pub fn peer_seeded(&mut self, size: usize, users: usize, f: Figures) {
        self.peer_seeding.insert(size, (users, f));
    }

    /// Records a provisioning run on `setup`.
    pub fn add_provisioning(&mut self, setup: &Setup, phases: Vec<Phase>) {
        self.provisioning.insert(setup.clone(), phases);
    }

    /// Failed requests in all (a provisioned user that did not complete counts as one).
    pub fn errors(&self) -> usize {
        let provisioning: usize = self
            .provisioning
            .values()
            .flat_map(|v| v.iter().map(Phase::failed))
            .sum();
        self.figures
            .values()
            .flat_map(|v| v.iter().map(|f| f.errors))
            .sum::<usize>()
            + provisioning
    }

    fn provisioning_markdown(&self, out: &mut String) {
        if self.provisioning.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n### SCIM provisioning as Microsoft Entra ID does it\n\n\
             Into an account that already holds the seeded users; {} requests in flight. \
             A user's step is its lookup by `userName` and its write, timed together.\n",
            self.create_concurrency.0
        );
        let _ = writeln!(
            out,
            "| system | phase | users | seconds | users/s | p50 / p99 (ms) | failed |\n\
             |---|---|---:|---:|---:|---:|---:|"
        );
        for (setup, phases) in &self.provisioning {
            for p in phases {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {:.1} | {:.0} | {} / {} | {} |",
                    setup.system,
                    p.name,
                    p.users,
                    p.sample.elapsed.as_secs_f64(),
                    p.sample.throughput(),
                    ms(p.sample.quantile_ms(0.5)),
                    ms(p.sample.quantile_ms(0.99)),
                    p.failed()
                );
            }
        }
    }

    fn med(&self, setup: &Setup, w: Workload) -> Option<(f64, f64, f64)> {
        let runs = self.figures.get(&(setup.clone(), index_of(w)))?;
        Some((
            median(runs.iter().map(|f| f.p50_ms).collect()),
            median(runs.iter().map(|f| f.p99_ms).collect()),
            median(runs.iter().map(|f| f.per_sec).collect()),
        ))
    }

    fn sizes(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.figures.keys().map(|(s, _)| s.users).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    fn systems(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .figures
            .keys()
            .map(|(s, _)| s.system.clone())
            .filter(|s| s != "peer")
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let sizes = self.sizes();
        let _ = writeln!(out, "Command: `{}`\n", self.command);
        let _ = writeln!(out, "Machine: {}\n", self.machine);
        let _ = writeln!(
            out,
            "Each figure is the median of {} runs; {} requests in flight ({} for Switchboard's \
             creates, {} for the peer's, where each does best); latency in ms (p50 / p99), \
             throughput in requests per second.\n",
            self.runs, self.concurrency, self.create_concurrency.0, self.create_concurrency.1
        );
        self.ceilings_markdown(&mut out, &sizes);
        self.switchboard_markdown(&mut out, &sizes);
        self.peer_markdown(&mut out, &sizes);
        self.provisioning_markdown(&mut out);
        self.servers_markdown(&mut out);
        self.failures_markdown(&mut out);
        out
    }

    /// What this machine can do at best: durable commits and a trivial handler.
    fn ceilings_markdown(&self, out: &mut String, sizes: &[usize]) {
        let _ = writeln!(out, "### Ceilings of this machine\n");
        let _ = writeln!(
            out,
            "- SQLite single-row durable commits (WAL, synchronous=FULL), same disk: **{:.0}/s**",
            self.commit_rate
        );
        for system in self.systems() {
            for &n in sizes {
                let setup = Setup {
                    system: system.clone(),
                    users: n,
                };
                if let Some((_, _, rps)) = self.med(&setup, Workload::Trivial) {
                    let _ = writeln!(
                        out,
                        "- trivial JSON handler (`GET /healthz`, same server and client), {system}, {} users: **{rps:.0} req/s**",
                        size_label(n)
                    );
                }
            }
        }
    }

    /// Switchboard's own workloads, one table per database.
    fn switchboard_markdown(&self, out: &mut String, sizes: &[usize]) {
        for system in self.systems() {
            let _ = writeln!(out, "\n### Switchboard on {system}\n");
            let mut head = "| workload |".to_owned();
            let mut rule = "|---|".to_owned();
            for &n in sizes {
                let _ = write!(
                    head,
                    " {} p50 / p99 | {} req/s |",
                    size_label(n),
                    size_label(n)
                );
                rule.push_str("---:|---:|");
            }
            let _ = writeln!(out, "{head}\n{rule}");
            for w in Workload::SWITCHBOARD {
                let mut row = format!("| {} |", w.label());
                for &n in sizes {
                    let setup = Setup {
                        system: system.clone(),
                        users: n,
                    };
                    match self.med(&setup, w) {
                        Some((p50, p99, rps)) => {
                            let _ = write!(row, " {} / {} | {rps:.0} |", ms(p50), ms(p99));
                        }
                        None => row.push_str(" – | – |"),
                    }
                }
                let _ = writeln!(out, "{row}");
            }
        }
    }

    /// The SCIM workloads against the reference peer, when it ran.
    fn peer_markdown(&self, out: &mut String, sizes: &[usize]) {
        if self.figures.keys().any(|(s, _)| s.system == "peer") {
            let _ = writeln!(
                out,
                "\n### SCIM: Switchboard against the reference peer (scim2-server)\n"
            );
            let _ = writeln!(
                out,
                "| workload | users: Switchboard / peer | system | Switchboard p50 / p99 | Switchboard req/s | peer p50 / p99 | peer req/s | throughput ratio |"
            );
            let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|---:|");
            for w in Workload::PEER {
                for &n in sizes {
                    let peer = Setup {
                        system: "peer".to_owned(),
                        users: n,
                    };
                    let Some((pp50, pp99, prps)) = self.med(&peer, w) else {
                        continue;
                    };
                    let peer_users = self.peer_seeding.get(&n).map_or(0, |(u, _)| *u);
                    for system in self.systems() {
                        let ours = Setup {
                            system: system.clone(),
                            users: n,
                        };
                        if let Some((p50, p99, rps)) = self.med(&ours, w) {
                            let _ = writeln!(
                                out,
                                "| {} | {} / {} | {system} | {} / {} | {rps:.0} | {} / {} | {prps:.0} | **{:.1}×** |",
                                w.label(),
                                size_label(n),
                                size_label(peer_users),
                                ms(p50),
                                ms(p99),
                                ms(pp50),
                                ms(pp99),
                                rps / prps
                            );
                        }
                    }
                }
            }
            for (n, (users, f)) in &self.peer_seeding {
                let _ = writeln!(
                    out,
                    "\nSeeding the peer for the {} comparison: {users} SCIM creates at {:.0}/s.",
                    size_label(*n),
                    f.per_sec
                );
            }
        }
    }

    /// How long seeding took and how much memory each server used.
    fn servers_markdown(&self, out: &mut String) {
        let _ = writeln!(out, "\n### Seeding and server memory\n");
        let _ = writeln!(
            out,
            "| system | users | seeding (s) | server peak private memory (MiB) |\n|---|---:|---:|---:|"
        );
        for (setup, facts) in &self.servers {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1} | {} |",
                setup.system,
                size_label(setup.users),
                facts.seed_secs,
                facts.peak_mib.map_or("–".to_owned(), |m| format!("{m:.0}"))
            );
        }
    }

    /// The failed requests, if any.
    fn failures_markdown(&self, out: &mut String) {
        let failures: Vec<String> = self
            .figures
            .iter()
            .flat_map(|((setup, w), runs)| {
                runs.iter().filter(|f| f.errors > 0).map(move |f| {
                    format!(
                        "- {} {} {}: {} failed; first: {}",
                        setup.system,
                        size_label(setup.users),
                        Workload::SWITCHBOARD.get(*w).map_or("?", |w| w.label()),
                        f.errors,
                        f.first_error.as_deref().unwrap_or("")
                    )
                })
            })
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(out, "\n### Failed requests\n\n{}", failures.join("\n"));
        }
    }

    /// The figures as JSON (every run, not only medians).
    pub fn json(&self) -> String {
        let flat: Vec<_> = self
            .figures
            .iter()
            .map(|((s, w), runs)| {
                serde_json::json!({
                    "system": s.system,
                    "users": s.users,
                    "workload": Workload::SWITCHBOARD.get(*w).map_or("?", |w| w.label()),
                    "runs": runs,
                })
            })
            .collect();
        let servers: Vec<_> = self
            .servers
            .iter()
            .map(|(s, f)| serde_json::json!({"system": s.system, "users": s.users, "seed_secs": f.seed_secs, "peak_mib": f.peak_mib}))
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({
            "command": self.command,
            "machine": self.machine,
            "runs": self.runs,
            "concurrency": self.concurrency,
            "create_concurrency": self.create_concurrency.0,
            "peer_create_concurrency": self.create_concurrency.1,
            "sqlite_commits_per_sec": self.commit_rate,
            "results": flat,
            "servers": servers,
        }))
        .unwrap_or_default()
    }
}

/// CPU model, cores, memory and kernel, from `/proc`.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".to_owned(), |s| s.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {cores} cores, {mem_gib:.0} GiB RAM, Linux {}",
        kernel.trim()
    )
}
