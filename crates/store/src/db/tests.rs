use super::*;

/// Every migration, concatenated, for one backend.
fn migrations(backend: &str) -> String {
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

#[test]
fn every_reported_uniqueness_rule_is_an_index_of_both_schemas() {
    for backend in ["sqlite", "postgres"] {
        let sql = migrations(backend);
        for (name, cols, _) in UNIQUE_RULES {
            let (table, _) = cols.split_once('.').unwrap();
            let columns: Vec<&str> = cols
                .split(", ")
                .map(|c| c.split_once('.').unwrap().1)
                .collect();
            let index = format!(
                "CREATE UNIQUE INDEX {name} ON {table} ({})",
                columns.join(", ")
            );
            assert!(sql.contains(&index), "{backend}: {index}");
        }
    }
}

#[test]
fn a_violation_is_told_by_its_exact_name_or_columns() {
    let pg = |n| unique_key(Some(n), "duplicate key value violates unique constraint");
    let lite = |m| unique_key(None, m);
    assert_eq!(pg("users_account_email_key_uq"), UniqueKey::Email);
    assert_eq!(
        pg("users_account_idp_username_key_uq"),
        UniqueKey::IdpUsername
    );
    assert_eq!(pg("api_tokens_token_hash_uq"), UniqueKey::Other);
    assert_eq!(
        lite("UNIQUE constraint failed: users.account_id, users.mobile"),
        UniqueKey::Mobile
    );
    assert_eq!(
        lite("UNIQUE constraint failed: departments.account_id, departments.external_id"),
        UniqueKey::ExternalId
    );
    // A longer column list that merely contains a known one is not that rule.
    assert_eq!(
        lite("UNIQUE constraint failed: users.account_id, users.mobile, users.extension"),
        UniqueKey::Other
    );
    assert_eq!(
        lite("UNIQUE constraint failed: sessions.token_hash"),
        UniqueKey::Other
    );
}
