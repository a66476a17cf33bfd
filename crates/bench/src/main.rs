//! `switchboard-bench`: seeds accounts of N users on SQLite and/or PostgreSQL, starts the
//! real `switchboard serve` on each, drives it over loopback with bounded concurrent load,
//! runs the SCIM workloads against the reference peer too, measures the machine's ceilings,
//! and prints a Markdown report (medians of several runs).

mod databases;
mod load;
mod process;
mod provision;
mod report;
mod seed;
mod telephony;
mod workloads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;

use crate::databases::{drop_database, remove_sqlite, seeded_database, warm};
use crate::process::Server;
use crate::report::{Figures, Report, Setup};
use crate::workloads::{Target, Workload};

/// Measures Switchboard at 10k, 100k or 1M users, side by side with a reference SCIM peer.
#[derive(Debug, Parser)]
#[command(name = "switchboard-bench")]
struct Args {
    /// Account sizes to seed (users), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    users: Vec<usize>,
    /// Databases to measure: sqlite, postgres (comma separated).
    #[arg(long, value_delimiter = ',', default_value = "sqlite")]
    backend: Vec<String>,
    /// Administrative PostgreSQL URL; a fresh database is created per size.
    #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// The reference peer's executable (`scim2-server` from PyPI); skipped when absent.
    #[arg(long)]
    peer: Option<PathBuf>,
    /// Most users to add to the peer (it keeps everything in memory and adds users one
    /// request at a time).
    #[arg(long, default_value_t = 10_000)]
    peer_users: usize,
    /// Repetitions of every workload; the report shows medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Requests per read workload per run.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Requests per create workload per run.
    #[arg(long, default_value_t = 1000)]
    creates: usize,
    /// Requests in flight at once (this many client workers, each waiting for its answer
    /// before sending the next).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Requests in flight at once for the create workloads, on Switchboard and the peer
    /// alike: an identity provider pushing a company sends many at once.
    #[arg(long, default_value_t = 32)]
    create_concurrency: usize,
    /// Requests in flight for the peer's creates. The peer does best at 4: its server closes
    /// every connection and queues at most 5 new ones, so at 16 some connections wait a
    /// second for the client to retry.
    #[arg(long, default_value_t = 4)]
    peer_create_concurrency: usize,
    /// Longest a workload may run, in seconds (it stops early, and says how many it did).
    #[arg(long, default_value_t = 60)]
    time_limit: u64,
    /// The `switchboard` binary (default: next to this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Where databases and logs go (removed after each size unless --keep).
    #[arg(long, default_value = "./bench-data")]
    work_dir: PathBuf,
    /// Keep the seeded databases.
    #[arg(long)]
    keep: bool,
    /// Measure a database an earlier `--keep` run seeded in the same --work-dir (the
    /// SQLite file, or the PostgreSQL database it names), seeding only when there is none.
    /// Its users include what earlier runs created.
    #[arg(long)]
    reuse: bool,
    /// Also provision this many users over SCIM as Microsoft Entra ID does (lookup, create;
    /// lookup, PATCH; disable), with --create-concurrency requests in flight (0: skip).
    #[arg(long, default_value_t = 0)]
    provision: usize,
    /// Only these workloads (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Workload>,
    /// Also write the figures as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("switchboard-bench: some requests failed (see the report)");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("switchboard-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let server_bin = checked_args(&args)?;
    std::fs::create_dir_all(&args.work_dir)
        .with_context(|| format!("cannot create {}", args.work_dir.display()))?;
    let work = std::fs::canonicalize(&args.work_dir)?;
    let mut report = Report::new(
        &args_line(),
        args.runs,
        args.concurrency,
        (args.create_concurrency, args.peer_create_concurrency),
    );

    eprintln!(
        "measuring SQLite's durable commit rate in {}",
        work.display()
    );
    let probe = work.join("commit-probe.db");
    let commits = 2000;
    let took = switchboard_store::probe::sqlite_commit_probe(&probe, commits).await?;
    remove_sqlite(&probe);
    report.commit_rate = f64::from(commits) / took.as_secs_f64();

    let tag = format!("{}", jiff::Timestamp::now().as_second());
    for &n in &args.users {
        for backend in &args.backend {
            let (url, db_name, seeded) = seeded_database(&args, backend, n, &work, &tag).await?;
            let server = Server::switchboard(&server_bin, &url, &work).await?;
            let setup = Setup {
                system: backend.clone(),
                users: n,
            };
            let run = format!("{tag}-{backend}-{n}");
            measure_backend(&args, &server, &seeded, (&url, &setup, &run), &mut report).await?;
            report.add_server(&setup, seeded.took, server.peak_memory_mib());
            server.stop();
            drop_database(&args, backend, &url, db_name.as_deref()).await;
        }
        if let Some(peer_bin) = &args.peer {
            peer_runs(&args, peer_bin, n, &work, &tag, &mut report).await?;
        }
    }
    println!("{}", report.markdown());
    if let Some(path) = &args.json {
        std::fs::write(path, report.json())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report.errors() == 0)
}

/// Checks the arguments; answers the `switchboard` binary to run.
fn checked_args(args: &Args) -> anyhow::Result<PathBuf> {
    for b in &args.backend {
        if b != "sqlite" && b != "postgres" {
            bail!("--backend {b:?}: choose sqlite or postgres");
        }
        if b == "postgres" && args.postgres_url.is_none() {
            bail!("--backend postgres needs --postgres-url (an administrative URL)");
        }
    }
    if args.users.iter().any(|n| *n < seed::RING_DEPARTMENT_SIZE) {
        bail!(
            "--users: each size must be at least {}",
            seed::RING_DEPARTMENT_SIZE
        );
    }
    let server_bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("no directory for this executable")?
            .join("switchboard"),
    };
    if !server_bin.exists() {
        bail!(
            "{} not found: build it (cargo build --release -p switchboard) or pass --server-bin",
            server_bin.display()
        );
    }
    Ok(server_bin)
}

/// What the workloads need to know of a seeded server, checked by asking it.
async fn target_of(args: &Args, server: &Server, seeded: &seed::Seeded) -> anyhow::Result<Target> {
    let client = client(args.concurrency.max(args.create_concurrency))?;
    let mut target = Target {
        client,
        base: server.base.clone(),
        scim: format!("{}/scim/v2", server.base),
        scim_token: seeded.scim_token.clone(),
        api_token: seeded.api_token.clone(),
        sample: seeded
            .sample
            .iter()
            .map(|(id, e)| (id.to_string(), e.clone()))
            .collect(),
        departments: seeded.departments.iter().map(|d| d.to_string()).collect(),
        ring_department: seeded.ring_department.to_string(),
        deep_cursor: String::new(),
        proxy_token: seeded.telephony.proxy_token.clone(),
        route_numbers: seeded.telephony.numbers.to_vec(),
        route_departments: seeded
            .telephony
            .departments
            .iter()
            .map(|d| d.to_string())
            .collect(),
    };
    target.deep_cursor = workloads::deep_cursor(&target).await?;
    telephony::register_phones(&target.client, &target.base, &seeded.telephony).await?;
    workloads::check_answers(&target, false).await?;
    let phones = seeded.telephony.phones.iter().cloned().collect();
    for w in [Workload::RouteLarge, Workload::RouteSmall] {
        telephony::check_route(&target, w, &phones).await?;
    }
    Ok(target)
}

/// Runs Switchboard's workloads (and provisioning, when asked) on one seeded server;
/// `(url, setup, run)` name its database, its figures and this run.
async fn measure_backend(
    args: &Args,
    server: &Server,
    seeded: &seed::Seeded,
    (url, setup, run): (&str, &Setup, &str),
    report: &mut Report,
) -> anyhow::Result<()> {
    let target = target_of(args, server, seeded).await?;
    let target = Arc::new(target);
    let file = url.strip_prefix("sqlite:").map(std::path::PathBuf::from);
    measure(
        args,
        &target,
        &Workload::SWITCHBOARD,
        setup,
        run,
        file.as_deref(),
        report,
    )
    .await;
    if args.provision > 0 {
        eprintln!(
            "provisioning {} users over SCIM on {}",
            args.provision, setup.system
        );
        let phases = provision::run(
            target.client.clone(),
            &target.scim,
            &target.scim_token,
            args.provision,
            args.create_concurrency,
        )
        .await;
        report.add_provisioning(setup, phases);
    }
    Ok(())
}

/// The same SCIM workloads against the reference peer, seeded with up to `--peer-users`.
async fn peer_runs(
    args: &Args,
    peer_bin: &std::path::Path,
    n: usize,
    work: &std::path::Path,
    tag: &str,
    report: &mut Report,
) -> anyhow::Result<()> {
    let users = n.min(args.peer_users);
    let token = format!("peer-{tag}");
    let server = Server::peer(peer_bin, &token, work).await?;
    let mut target = Target {
        client: client(args.concurrency.max(args.create_concurrency))?,
        base: server.base.clone(),
        scim: server.base.clone(),
        scim_token: token,
        api_token: String::new(),
        sample: Vec::new(),
        departments: Vec::new(),
        ring_department: String::new(),
        deep_cursor: String::new(),
        proxy_token: String::new(),
        route_numbers: Vec::new(),
        route_departments: Vec::new(),
    };
    eprintln!("seeding the peer with {users} users over SCIM");
    let (seeding, sample) = workloads::seed_peer(&target, users, args.concurrency).await?;
    target.sample = sample;
    workloads::check_answers(&target, true).await?;
    let target = Arc::new(target);
    let setup = Setup {
        system: "peer".to_owned(),
        users: n,
    };
    report.peer_seeded(n, users, Figures::of(&seeding));
    measure(
        args,
        &target,
        &Workload::PEER,
        &setup,
        &format!("{tag}-peer-{n}"),
        None,
        report,
    )
    .await;
    report.add_server(&setup, seeding.elapsed, server.peak_memory_mib());
    server.stop();
    Ok(())
}

/// Runs `workloads` `--runs` times on `target`, printing each run and adding it to the
/// report. `tag` keeps created users unique across runs. `database`: a SQLite file, read
/// through before each run (see [`warm`]).
async fn measure(
    args: &Args,
    target: &Arc<Target>,
    workloads: &[Workload],
    setup: &Setup,
    tag: &str,
    database: Option<&std::path::Path>,
    report: &mut Report,
) {
    let limit = Duration::from_secs(args.time_limit);
    for r in 0..args.runs {
        if let Some(file) = database {
            match warm(file) {
                Ok(mib) => eprintln!("  read the database ({mib} MiB) into the page cache"),
                Err(e) => eprintln!("  could not read {}: {e}", file.display()),
            }
        }
        // Reads first: right after thousands of creates the server is still copying its log
        // back into the database file, and a read measured then measures that.
        let reads_first = workloads
            .iter()
            .filter(|w| !w.writes())
            .chain(workloads.iter().filter(|w| w.writes()));
        for &w in reads_first {
            if !args.only.is_empty() && !args.only.contains(&w) {
                continue;
            }
            let (total, concurrency) = if w.writes() && setup.system == "peer" {
                (args.creates, args.peer_create_concurrency)
            } else if w.writes() {
                (args.creates, args.create_concurrency)
            } else {
                (args.requests, args.concurrency)
            };
            let s =
                workloads::run(target, w, concurrency, total, limit, &format!("{tag}-{r}")).await;
            eprintln!(
                "  {} {} run {}: {:<40} p50 {:>7.2} ms  p99 {:>7.2} ms  {:>8.0} req/s{}",
                setup.system,
                setup.users,
                r + 1,
                w.label(),
                s.quantile_ms(0.5),
                s.quantile_ms(0.99),
                s.throughput(),
                if s.errors > 0 {
                    format!("  {} ERRORS", s.errors)
                } else {
                    String::new()
                }
            );
            report.add(setup, w, Figures::of(&s));
        }
    }
}

fn client(concurrency: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()?)
}

fn args_line() -> String {
    let mut words: Vec<String> = std::env::args().collect();
    if let Some(first) = words.first_mut() {
        *first = "switchboard-bench".to_owned();
    }
    words
        .into_iter()
        .map(|w| {
            if w.contains("://") {
                "<postgres-url>".to_owned()
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
