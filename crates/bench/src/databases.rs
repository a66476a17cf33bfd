//! The databases a bench run measures: made fresh or reused, seeded, read through into
//! the cache, and dropped afterwards.

use anyhow::Context;
use switchboard_store::Db;

use crate::{Args, seed};

/// The database of `n` users on `backend`: reused from an earlier `--keep` run, or made
/// and seeded now. Answers its URL, the PostgreSQL database to drop, and what was seeded.
pub(crate) async fn seeded_database(
    args: &Args,
    backend: &str,
    n: usize,
    work: &std::path::Path,
    tag: &str,
) -> anyhow::Result<(String, Option<String>, seed::Seeded)> {
    let kept = kept_record(backend, n, work);
    Ok(match reusable(args, backend, n, work, &kept)? {
        Some((url, seeded)) => {
            eprintln!("reusing {url}");
            (url, None, seeded)
        }
        None => {
            let (url, db_name) = database_for(args, backend, n, work, tag).await?;
            eprintln!("seeding {n} users on {backend}");
            let db = open(&url).await?;
            let seeded = seed::seed(db.clone(), n).await?;
            db.close().await;
            eprintln!("  seeded in {:.1} s", seeded.took.as_secs_f64());
            if args.keep {
                std::fs::write(&kept, serde_json::to_vec(&seeded)?)
                    .with_context(|| format!("cannot write {}", kept.display()))?;
                if backend != "sqlite" {
                    std::fs::write(kept_url(n, work), &url)?;
                }
            }
            (url, db_name, seeded)
        }
    })
}

pub(crate) async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open {url}: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate {url}: {e}"))?;
    Ok(db)
}

/// Where a `--keep` run records what it seeded: the SQLite file's record beside it, the
/// PostgreSQL database's (and its URL, [`kept_url`]) in the work directory.
fn kept_record(backend: &str, n: usize, work: &std::path::Path) -> std::path::PathBuf {
    match backend {
        "sqlite" => work.join(format!("bench-{n}.seeded.json")),
        _ => work.join(format!("bench-{n}.{backend}.seeded.json")),
    }
}

fn kept_url(n: usize, work: &std::path::Path) -> std::path::PathBuf {
    work.join(format!("bench-{n}.postgres.url"))
}

/// With `--reuse`, the kept database of this size and what seeding it recorded.
pub(crate) fn reusable(
    args: &Args,
    backend: &str,
    n: usize,
    work: &std::path::Path,
    kept: &std::path::Path,
) -> anyhow::Result<Option<(String, seed::Seeded)>> {
    if !args.reuse || !kept.exists() {
        return Ok(None);
    }
    let url = if backend == "sqlite" {
        let path = work.join(format!("bench-{n}.db"));
        if !path.exists() {
            return Ok(None);
        }
        format!("sqlite:{}", path.display())
    } else {
        match std::fs::read_to_string(kept_url(n, work)) {
            Ok(url) => url,
            Err(_) => return Ok(None),
        }
    };
    let text = std::fs::read(kept).with_context(|| format!("cannot read {}", kept.display()))?;
    let seeded = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a seeding record", kept.display()))?;
    Ok(Some((url, seeded)))
}

/// A fresh database for one size: a new SQLite file, or a new PostgreSQL database.
pub(crate) async fn database_for(
    args: &Args,
    backend: &str,
    n: usize,
    work: &std::path::Path,
    tag: &str,
) -> anyhow::Result<(String, Option<String>)> {
    if backend == "sqlite" {
        let path = work.join(format!("bench-{n}.db"));
        remove_sqlite(&path);
        let _ = std::fs::remove_file(work.join(format!("bench-{n}.seeded.json")));
        return Ok((format!("sqlite:{}", path.display()), None));
    }
    let admin = args.postgres_url.as_deref().unwrap_or_default();
    let name = format!("bench_{n}_{tag}");
    let url = switchboard_store::db::create_postgres_database(admin, &name)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create database {name}: {e}"))?;
    Ok((url, Some(name)))
}

pub(crate) async fn drop_database(args: &Args, backend: &str, url: &str, name: Option<&str>) {
    if args.keep || args.reuse {
        eprintln!("  kept the database at {url}");
        return;
    }
    if backend == "sqlite" {
        if let Some(path) = url.strip_prefix("sqlite:") {
            remove_sqlite(std::path::Path::new(path));
        }
    } else if let (Some(admin), Some(name)) = (args.postgres_url.as_deref(), name)
        && let Err(e) = switchboard_store::db::drop_postgres_database(admin, name).await
    {
        eprintln!("  could not drop database {name}: {e}");
    }
}

pub(crate) fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Reads a SQLite database file (and its write-ahead log) through once, so that a run
/// measures a server whose database is in the operating system's cache, as one that has
/// been serving its users has. Some machines page out file pages nobody touched for a
/// minute, and at a million users one run's reads touch pages the run before last did;
/// returns the MiB read.
pub(crate) fn warm(file: &std::path::Path) -> std::io::Result<u64> {
    use std::io::Read;
    let mut total = 0;
    let mut buf = vec![0; 1 << 20];
    for suffix in ["", "-wal"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let Ok(mut f) = std::fs::File::open(&name) else {
            continue;
        };
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            total += n as u64;
        }
    }
    Ok(total >> 20)
}
