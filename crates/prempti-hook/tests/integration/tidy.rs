//! The hook's normal dependency closure is std, `prempti-protocol`, `serde_json` and what
//! `serde_json` itself needs, plus `libc` on Unix (bindings for the bounded connect): no async
//! runtime, nothing else.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// Package names of the normal (non-dev, non-build) dependency closure of `root` in the
/// resolve graph of `cargo metadata`.
fn normal_closure(metadata: &Value, root: &str) -> BTreeSet<String> {
    let packages: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let start = packages
        .iter()
        .find(|(_, name)| **name == root)
        .map(|(id, _)| *id)
        .expect("root package");
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    let mut names = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        names.insert(packages[id].to_owned());
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                stack.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    names
}

#[test]
fn hook_depends_on_protocol_and_serde_json_only() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();

    let hook = normal_closure(&metadata, "prempti-hook");
    let mut allowed = normal_closure(&metadata, "serde_json");
    // `libc` (Unix only) gives the bounded non-blocking connect of `src/broker.rs`.
    allowed.extend(["prempti-hook", "prempti-protocol", "serde", "libc"].map(String::from));
    let extra: Vec<_> = hook.difference(&allowed).collect();
    assert!(
        extra.is_empty(),
        "unexpected dependencies of prempti-hook: {extra:?}"
    );
    for forbidden in [
        "tokio",
        "async-std",
        "smol",
        "mio",
        "interprocess",
        "anyhow",
        "clap",
    ] {
        assert!(
            !hook.contains(forbidden),
            "{forbidden} in the hook's closure"
        );
    }
    assert!(
        hook.contains("prempti-protocol") && hook.contains("serde_json"),
        "{hook:?}"
    );
}
