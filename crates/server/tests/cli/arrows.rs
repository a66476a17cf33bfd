//! The crates depend on each other only along the house's arrows (STYLE.md):
//! `server -> web -> service -> {store, domain, scim}`, `store -> domain`. An arrow may skip
//! a layer downwards (the web parses SCIM and domain values at the boundary); none points up
//! or sideways, and the web never reaches the store.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// What each workspace crate may depend on (normal and build dependencies). The test kit
/// may also be a dev-dependency of the service and of any crate that builds on it.
fn allowed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let set = |v: &[&'static str]| v.iter().copied().collect::<BTreeSet<_>>();
    BTreeMap::from([
        ("switchboard-domain", set(&[])),
        ("switchboard-scim", set(&[])),
        ("switchboard-store", set(&["switchboard-domain"])),
        (
            "switchboard-service",
            set(&[
                "switchboard-store",
                "switchboard-domain",
                "switchboard-scim",
            ]),
        ),
        (
            "switchboard-web",
            set(&[
                "switchboard-service",
                "switchboard-domain",
                "switchboard-scim",
            ]),
        ),
        (
            "switchboard",
            set(&[
                "switchboard-web",
                "switchboard-service",
                "switchboard-store",
                "switchboard-domain",
                "switchboard-scim",
            ]),
        ),
        (
            "switchboard-testkit",
            set(&[
                "switchboard-service",
                "switchboard-store",
                "switchboard-domain",
            ]),
        ),
        (
            "switchboard-bench",
            set(&[
                "switchboard-service",
                "switchboard-store",
                "switchboard-domain",
            ]),
        ),
    ])
}

#[test]
fn crates_depend_only_along_the_arrows() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed = allowed();
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        seen.insert(name.to_owned());
        let Some(may) = allowed.get(name) else {
            wrong.push(format!(
                "{name} is not placed in the house: add it to this test"
            ));
            continue;
        };
        for d in p["dependencies"].as_array().unwrap() {
            let dep = d["name"].as_str().unwrap();
            if !dep.starts_with("switchboard") {
                continue;
            }
            let dev = d["kind"].as_str() == Some("dev");
            let on_service = name == "switchboard-service" || may.contains("switchboard-service");
            let ok = may.contains(dep) || (dev && dep == "switchboard-testkit" && on_service);
            if !ok {
                wrong.push(format!(
                    "{name} -> {dep}{}",
                    if dev { " (dev)" } else { "" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "arrows against the house: {wrong:#?}");
    assert!(
        seen.contains("switchboard-web") && seen.len() >= 8,
        "{seen:?}"
    );
}
