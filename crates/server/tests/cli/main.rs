//! The `switchboard` command line, run as a user would, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod arrows;
mod connections;
mod fields;
mod mail;
mod numbers;
mod serve;
mod sip;

use std::process::{Command, Output};

mod first_run;
mod routing;
mod scim_token;

use switchboard_testkit::{Backend, TestDb};

fn run(url: &str, dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .current_dir(dir)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .args(["--database-url", url])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn line_value(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(label))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no {label:?} in {out}"))
}

async fn an_operator_creates_an_account_adds_and_lists_users_and_verifies_the_audit_log(
    backend: Backend,
) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let created = run(
        &url,
        dir.path(),
        &[
            "account",
            "create",
            "--name",
            "Acme Support",
            "--plan",
            "pro",
            "--seats",
            "2",
            "--owner-name",
            "Olivia Owner",
            "--owner-email",
            "olivia@acme.example.com",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let out = stdout(&created);
    let account = line_value(&out, "account id:");
    let link = line_value(&out, "one-time setup link (valid 7 days):");
    assert!(
        link.starts_with("http://127.0.0.1:8080/invite/sbi_"),
        "{link}"
    );

    let added = run(
        &url,
        dir.path(),
        &[
            "users",
            "add",
            "--account",
            &account,
            "--name",
            "Priya Sharma",
            "--mobile",
            "+91 98765 43210",
            "--extension",
            "204",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stdout(&added).contains("added Priya Sharma"),
        "{}",
        stdout(&added)
    );

    let clash = run(
        &url,
        dir.path(),
        &[
            "users",
            "add",
            "--account",
            &account,
            "--name",
            "Rahul Verma",
            "--mobile",
            "+919876543211",
            "--extension",
            "204",
        ],
    );
    assert_eq!(clash.status.code(), Some(1));
    assert!(
        stderr(&clash).contains("extension 204 is held by Priya Sharma"),
        "{}",
        stderr(&clash)
    );

    let bad = run(
        &url,
        dir.path(),
        &[
            "users",
            "add",
            "--account",
            &account,
            "--name",
            "X",
            "--email",
            "not-an-email",
            "--mobile",
            "98765",
            "--extension",
            "012",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    for field in ["email:", "mobile:", "extension:"] {
        assert!(err.contains(field), "{field} missing from {err}");
    }

    let list = run(
        &url,
        dir.path(),
        &["users", "list", "--account", &account, "--search", "priya"],
    );
    assert!(list.status.success(), "{}", stderr(&list));
    let table = stdout(&list);
    assert!(
        table.contains("Priya Sharma") && table.contains("+919876543210") && table.contains("204"),
        "{table}"
    );
    assert!(!table.contains("Olivia"), "search filters: {table}");

    let verify = run(&url, dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(
        stdout(&verify).contains("chain intact"),
        "{}",
        stdout(&verify)
    );

    // Someone edits the second event directly in the database: verify names that link.
    let account_id = account.parse().unwrap();
    switchboard_testkit::tamper_audit_event(&db.db, account_id, 2).await;
    let verify = run(
        &url,
        dir.path(),
        &["audit", "verify", "--account", &account],
    );
    assert_eq!(verify.status.code(), Some(2), "{}", stdout(&verify));
    assert!(
        stdout(&verify).contains("chain BROKEN at event 2"),
        "{}",
        stdout(&verify)
    );
}

async fn an_operator_keeps_the_audit_head_and_verify_catches_truncation(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let created = run(
        &url,
        dir.path(),
        &[
            "account",
            "create",
            "--name",
            "Acme",
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
    assert!(created.status.success(), "{}", stderr(&created));
    let account = line_value(&stdout(&created), "account id:");
    for (name, mobile) in [("Priya", "+919876543210"), ("Rahul", "+919876543211")] {
        let added = run(
            &url,
            dir.path(),
            &[
                "users",
                "add",
                "--account",
                &account,
                "--name",
                name,
                "--mobile",
                mobile,
            ],
        );
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let head = run(&url, dir.path(), &["audit", "head", "--account", &account]);
    assert!(head.status.success(), "{}", stderr(&head));
    let kept = stdout(&head).trim().to_owned();
    let (seq, hash) = kept.split_once(':').unwrap();
    let seq: i64 = seq.parse().unwrap();
    assert!(seq >= 3 && hash.len() == 64, "{kept}");
    let verify = run(
        &url,
        dir.path(),
        &[
            "audit",
            "verify",
            "--account",
            &account,
            "--expect-head",
            &kept,
        ],
    );
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));

    // The newest event deleted behind Switchboard's back: exit status 2, and why.
    let account_id = account.parse().unwrap();
    switchboard_testkit::delete_audit_event(&db.db, account_id, seq).await;
    let verify = run(
        &url,
        dir.path(),
        &["audit", "verify", "--account", &account],
    );
    assert_eq!(verify.status.code(), Some(2), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("deleted"), "{}", stdout(&verify));
    let verify = run(
        &url,
        dir.path(),
        &[
            "audit",
            "verify",
            "--account",
            &account,
            "--expect-head",
            &kept,
        ],
    );
    assert_eq!(verify.status.code(), Some(2), "{}", stdout(&verify));
    let bad = run(
        &url,
        dir.path(),
        &[
            "audit",
            "verify",
            "--account",
            &account,
            "--expect-head",
            "12:nothex",
        ],
    );
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("--expect-head"), "{}", stderr(&bad));
}

async fn bad_arguments_get_a_clear_error_and_a_failing_exit_code(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &db.url,
        dir.path(),
        &["users", "list", "--account", "not-a-uuid"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not an account id"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &db.url,
        dir.path(),
        &[
            "account",
            "create",
            "--name",
            "A",
            "--plan",
            "gold",
            "--owner-name",
            "O",
            "--owner-email",
            "o@a.example.com",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--plan"), "{}", stderr(&o));
}

#[test]
fn with_no_database_url_it_uses_sqlite_under_switchboard_data() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("switchboard-data/switchboard.db").exists());
    // The key that seals stored secrets is made beside it, readable by its owner only, and
    // kept: a second run reads the same key.
    let key = dir.path().join("switchboard-data/secret.key");
    let first = std::fs::read_to_string(&key).unwrap();
    assert_eq!(first.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    let again = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&key).unwrap(), first);
    // A key given that is not one is refused, naming where it came from.
    let bad = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .current_dir(dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env("SWITCHBOARD_SECRET_KEY", "not-hex")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("SWITCHBOARD_SECRET_KEY"),
        "{}",
        stderr(&bad)
    );
}

async fn an_operator_imports_users_from_csv_all_or_nothing_and_exports_them(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let created = run(
        &url,
        dir.path(),
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
    assert!(created.status.success(), "{}", stderr(&created));
    let account = line_value(&stdout(&created), "account id:");
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "name,email,mobile,extension,panel_access\n\
         Priya Sharma,priya@acme.example.com,+919876543210,204,yes\n\
         Rahul Verma,,+919812345678,,no\n",
    )
    .unwrap();
    let good = good.to_str().unwrap();

    let dry = run(
        &url,
        dir.path(),
        &["users", "import", "--account", &account, good, "--dry-run"],
    );
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("dry run: all 2 row(s) would be imported"),
        "{}",
        stdout(&dry)
    );
    let listed = run(&url, dir.path(), &["users", "list", "--account", &account]);
    assert!(
        !stdout(&listed).contains("Priya Sharma"),
        "{}",
        stdout(&listed)
    );

    let done = run(
        &url,
        dir.path(),
        &["users", "import", "--account", &account, good],
    );
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(
        stdout(&done)
            .contains("line 2: Priya Sharma (extension 204, pending_invite, invite queued)"),
        "{}",
        stdout(&done)
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "name,mobile,extension\nAsha Rao,+919800000001,\nMeera Iyer,+919800000002,204\n",
    )
    .unwrap();
    let refused = run(
        &url,
        dir.path(),
        &[
            "users",
            "import",
            "--account",
            &account,
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("line 3: extension: extension 204 is held by Priya Sharma"),
        "{}",
        stderr(&refused)
    );
    assert!(
        stderr(&refused).contains("nothing was imported"),
        "{}",
        stderr(&refused)
    );

    let out = dir.path().join("users.csv");
    let exported = run(
        &url,
        dir.path(),
        &[
            "users",
            "export",
            "--account",
            &account,
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.lines().count(),
        4,
        "header, owner, Priya, Rahul:\n{text}"
    );
    assert!(!text.contains("Asha Rao"), "{text}");
}

#[macro_export]
macro_rules! on_both {
    ($($name:ident),*) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(switchboard_testkit::Backend::Sqlite).await })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(switchboard_testkit::Backend::Postgres).await })* }
    };
}

on_both!(
    an_operator_creates_an_account_adds_and_lists_users_and_verifies_the_audit_log,
    an_operator_keeps_the_audit_head_and_verify_catches_truncation,
    bad_arguments_get_a_clear_error_and_a_failing_exit_code,
    an_operator_imports_users_from_csv_all_or_nothing_and_exports_them
);
