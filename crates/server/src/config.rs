//! Where the database is and how to open it. Defaults → flags → `SWITCHBOARD_*` env.

use std::path::Path;

use anyhow::{Context, bail};
use switchboard_service::{Settings, Switchboard, SystemClock};
use switchboard_store::{Backend, Db};

/// The default database: SQLite in `./switchboard-data`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:./switchboard-data/switchboard.db";

/// Where links point when no public URL is configured.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Opens (creating and migrating when needed) the database named by `url`.
pub async fn open(url: &str) -> anyhow::Result<Db> {
    if Backend::of_url(url) == Backend::Sqlite {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains('?') {
            bail!(
                "--database-url {url:?}: give a file path, as in sqlite:./switchboard-data/switchboard.db"
            );
        }
        if let Some(dir) = Path::new(path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        }
    } else if !url.contains('@') && !url.contains("host=") && url.len() < "postgres://x".len() {
        bail!(
            "--database-url {url:?} is not a PostgreSQL URL such as postgres://user:password@host/db"
        );
    }
    let db = Db::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database at {}: {e}", redact(url)))?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("cannot migrate the database at {}: {e}", redact(url)))?;
    Ok(db)
}

/// The service over `db`.
pub fn service(db: Db, public_url: &str) -> Switchboard {
    let settings = Settings {
        public_url: public_url.trim_end_matches('/').to_owned(),
        ..Settings::default()
    };
    Switchboard::new(db, std::sync::Arc::new(SystemClock), settings)
}

/// The URL with any password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_never_printed() {
        assert_eq!(
            redact("postgres://sb:secret@db/sb"),
            "postgres://sb:***@db/sb"
        );
        assert_eq!(redact("sqlite:./x.db"), "sqlite:./x.db");
    }
}
