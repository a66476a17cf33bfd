//! Test support: a fresh, migrated database per test on SQLite or PostgreSQL, a fake
//! clock, and builders for accounts and users. Every behaviour test is written once and
//! run on both databases with [`both_backends!`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod fields;
pub mod oidc;

use std::sync::{Arc, Mutex};

use switchboard_domain::{
    AccountId, Email, ExtensionRange, Name, NewUser, NewUserInput, Plan, TimeZoneName, UserId,
};
use switchboard_service::accounts::{AccountCreated, NewAccount};
use switchboard_service::{Clock, Ctx, Settings, Switchboard};
pub use switchboard_store::Backend;
use switchboard_store::Db;

/// The environment variable naming an administrative PostgreSQL URL for tests.
pub const POSTGRES_URL_ENV: &str = "SWITCHBOARD_TEST_POSTGRES_URL";

/// A clock tests move by hand.
#[derive(Debug)]
pub struct FakeClock(Mutex<jiff::Timestamp>);

impl FakeClock {
    /// A clock set to 2026-03-02 09:00 UTC (a Monday).
    pub fn new() -> Self {
        Self(Mutex::new("2026-03-02T09:00:00Z".parse().unwrap()))
    }

    /// Moves the clock forward.
    pub fn advance(&self, d: jiff::SignedDuration) {
        let mut t = self.0.lock().unwrap();
        *t = t.checked_add(d).unwrap();
    }

    /// Sets the clock.
    pub fn set(&self, t: jiff::Timestamp) {
        *self.0.lock().unwrap() = t;
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> jiff::Timestamp {
        *self.0.lock().unwrap()
    }
}

/// A database made for one test.
pub struct TestDb {
    /// The migrated pool.
    pub db: Db,
    /// Its URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

fn unique_name() -> String {
    format!("sb_test_{}", uuid::Uuid::now_v7().simple())
}

impl TestDb {
    /// A fresh, migrated database, or `None` when PostgreSQL was asked for but the run
    /// explicitly opted out of it (`SWITCHBOARD_TEST_SKIP_POSTGRES=1`).
    pub async fn new(backend: Backend) -> Option<Self> {
        let (url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("switchboard.db");
                (format!("sqlite:{}", path.display()), Some(dir))
            }
            Backend::Postgres => {
                let Ok(admin) = std::env::var(POSTGRES_URL_ENV) else {
                    if std::env::var("SWITCHBOARD_TEST_SKIP_POSTGRES").as_deref() == Ok("1") {
                        eprintln!("PostgreSQL tests skipped (SWITCHBOARD_TEST_SKIP_POSTGRES=1)");
                        return None;
                    }
                    panic!(
                        "{POSTGRES_URL_ENV} is not set: run the tests with scripts/test, which \
                         starts a private PostgreSQL, or set SWITCHBOARD_TEST_SKIP_POSTGRES=1"
                    );
                };
                let url = switchboard_store::db::create_postgres_database(&admin, &unique_name())
                    .await
                    .unwrap();
                (url, None)
            }
        };
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        Some(Self { db, url, _dir: dir })
    }
}

/// The service over a fresh database, with a fake clock.
pub struct TestApp {
    /// The use cases.
    pub sb: Switchboard,
    /// The clock the service reads.
    pub clock: Arc<FakeClock>,
    /// The database.
    pub db: TestDb,
}

/// The settings of a test's service: the tests' identity provider runs on this machine.
fn settings() -> Settings {
    Settings {
        sso_private_providers: true,
        ..Settings::default()
    }
}

/// An account made for a test, with its owner signed up and a context acting as them.
pub struct TestAccount {
    /// Account id.
    pub id: AccountId,
    /// The owner (an active Administrator).
    pub owner: UserId,
    /// Acting as the owner.
    pub owner_ctx: Ctx,
    /// Acting as the operator (CLI).
    pub system: Ctx,
}

impl TestApp {
    /// A fresh app on `backend`; `None` when that backend is opted out.
    pub async fn new(backend: Backend) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let clock = Arc::new(FakeClock::new());
        let sb = Switchboard::new(db.db.clone(), clock.clone(), settings());
        Some(Self { sb, clock, db })
    }

    /// The service over another pool to this app's database, reached at `url` (the same
    /// database through a proxy, say), with the same clock.
    pub async fn service_at(&self, url: &str) -> Switchboard {
        let db = Db::connect(url).await.unwrap();
        Switchboard::new(db, self.clock.clone(), settings())
    }

    /// This app with its service's settings adjusted by `adjust` (same database and clock).
    pub fn with_settings(mut self, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut s = settings();
        adjust(&mut s);
        self.sb = Switchboard::new(self.db.db.clone(), self.clock.clone(), s);
        self
    }

    /// Creates an account whose owner has accepted their invite.
    pub async fn account(&self, name: &str, plan: Plan, seats: u32) -> TestAccount {
        let slug = name.to_lowercase().replace(' ', "");
        let created: AccountCreated = self
            .sb
            .create_account(
                NewAccount {
                    name: Name::parse("name", name).unwrap(),
                    plan,
                    seat_limit: seats,
                    extension_range: ExtensionRange::default(),
                    time_zone: TimeZoneName::parse("tz", "Asia/Kolkata").unwrap(),
                    country: None,
                    owner_name: Name::parse("name", "Olivia Owner").unwrap(),
                    owner_email: Email::parse("email", &format!("owner@{slug}.example.com"))
                        .unwrap(),
                },
                "test",
            )
            .await
            .unwrap();
        let token = created.setup_link.rsplit('/').next().unwrap().to_owned();
        self.sb
            .accept_invite(&token, "correct horse battery")
            .await
            .unwrap();
        TestAccount {
            id: created.account.id,
            owner: created.owner.id,
            owner_ctx: Ctx::user(created.account.id, created.owner.id, "test"),
            system: Ctx::cli(created.account.id),
        }
    }

    /// Accepts the invite whose link was returned when the user was added.
    pub async fn accept(&self, link: &str) {
        let token = link.rsplit('/').next().unwrap();
        self.sb
            .accept_invite(token, "correct horse battery")
            .await
            .unwrap();
    }

    /// Adds a user from a JSON description (the add-user input), as `ctx`, and — when the
    /// user has Panel Access — accepts their invite so they are active.
    pub async fn user(&self, ctx: &Ctx, input: serde_json::Value) -> UserId {
        let input: NewUserInput = serde_json::from_value(input).unwrap();
        let added = self
            .sb
            .add_user(ctx, NewUser::parse(&input).unwrap())
            .await
            .unwrap();
        if let Some(link) = &added.invite_link {
            self.accept(link).await;
        }
        added.user.id
    }
}

/// Alters one stored audit event behind the service's back (sets its `target_name` to
/// `tampered`), to prove the hash chain detects it (R12).
pub async fn tamper_audit_event(db: &Db, account: AccountId, seq: i64) {
    let sql = "UPDATE audit_events SET target_name = 'tampered' WHERE account_id = $1 AND seq = $2";
    let n = match db {
        Db::Sqlite(p, ..) => sqlx::query(sql)
            .bind(account.to_string())
            .bind(seq)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(account.to_string())
            .bind(seq)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert_eq!(n, 1, "audit event {seq} exists");
}

/// Sets the account's recorded audit head back to event `seq` behind the service's back,
/// as restoring an old backup of the account row would.
pub async fn rewind_audit_head(db: &Db, account: AccountId, seq: i64) {
    let sql = "UPDATE accounts SET audit_head_seq = $2, audit_head_hash = \
               (SELECT hash FROM audit_events WHERE account_id = $1 AND seq = $2) WHERE id = $1";
    let n = match db {
        Db::Sqlite(p, ..) => sqlx::query(sql)
            .bind(account.to_string())
            .bind(seq)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(account.to_string())
            .bind(seq)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert_eq!(n, 1, "account exists");
}

/// Removes one stored audit event behind the service's back, to prove the hash chain
/// detects a gap (R12).
pub async fn delete_audit_event(db: &Db, account: AccountId, seq: i64) {
    let sql = "DELETE FROM audit_events WHERE account_id = $1 AND seq = $2";
    let n = match db {
        Db::Sqlite(p, ..) => sqlx::query(sql)
            .bind(account.to_string())
            .bind(seq)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(account.to_string())
            .bind(seq)
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert_eq!(n, 1, "audit event {seq} exists");
}

/// Parses add-user input from JSON, panicking on invalid input (for tests).
pub fn new_user(input: serde_json::Value) -> NewUser {
    let input: NewUserInput = serde_json::from_value(input).unwrap();
    NewUser::parse(&input).unwrap()
}

/// Generates one `#[tokio::test]` per backend for each listed `async fn(TestApp)`:
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(app) = $crate::TestApp::new($crate::Backend::Sqlite).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(app) = $crate::TestApp::new($crate::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}
