//! Where the database is and how to open it. Defaults → flags → `SWITCHBOARD_*` env.

use std::path::Path;

use anyhow::{Context, bail};
use switchboard_service::sso::SecretKey;
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

/// The key for secrets kept in the database: the one given, else the one in `file`, else
/// in `secret.key` in the data directory (the SQLite file's directory, or
/// `./switchboard-data`); a missing file is made with a new key.
pub fn secret_key(
    database_url: &str,
    given: Option<&str>,
    file: Option<&Path>,
) -> anyhow::Result<SecretKey> {
    if let Some(hex_text) = given.filter(|k| !k.trim().is_empty()) {
        return SecretKey::from_hex(hex_text)
            .map_err(|e| anyhow::anyhow!("SWITCHBOARD_SECRET_KEY: {e}"));
    }
    if let Some(file) = file {
        return key_in(file);
    }
    let dir = match Backend::of_url(database_url) {
        Backend::Sqlite => {
            let path = database_url
                .strip_prefix("sqlite://")
                .or_else(|| database_url.strip_prefix("sqlite:"))
                .unwrap_or(database_url);
            Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| ".".into())
        }
        Backend::Postgres => Path::new("./switchboard-data").to_path_buf(),
    };
    key_in(&dir.join("secret.key"))
}

/// The key in `file`, made when the file does not exist.
fn key_in(file: &Path) -> anyhow::Result<SecretKey> {
    match std::fs::read_to_string(file) {
        Ok(text) => {
            SecretKey::from_hex(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let key = SecretKey::generate();
            write_private(file, &key.to_hex())
                .with_context(|| format!("cannot write the secret key to {}", file.display()))?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", file.display())),
    }
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// The service over `db`; identity providers at private addresses are reached only when
/// `sso_private_providers`.
pub fn service(
    db: Db,
    public_url: &str,
    secret_key: SecretKey,
    sso_private_providers: bool,
) -> Switchboard {
    let settings = Settings {
        public_url: public_url.trim_end_matches('/').to_owned(),
        secret_key,
        sso_private_providers,
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
