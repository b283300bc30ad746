//! The workspace's `rust-version` covers the locked dependencies: no dependency in the resolved
//! graph (`cargo metadata`, every platform) asks for a newer Rust than the workspace declares,
//! and the README states the declared version. (1.90 today: tree-sitter-language and
//! ordered-float need it; idna's ICU crates need 1.88.)

use std::process::Command;

mod common;

/// `1.88` / `1.88.0` as a comparable triple.
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| {
        p.parse::<u64>()
            .unwrap_or_else(|_| panic!("bad version {text}"))
    });
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn no_dependency_needs_a_newer_rust_than_declared() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(common::repo_root())
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let resolved: Vec<&str> = meta["resolve"]["nodes"]
        .as_array()
        .expect("resolve.nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    let packages = meta["packages"].as_array().expect("packages");
    let ours = packages
        .iter()
        .find(|p| p["name"] == "premptictl")
        .expect("premptictl in the metadata");
    let declared = ours["rust_version"]
        .as_str()
        .expect("premptictl declares rust-version");
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let mut needed: Vec<(String, String)> = packages
        .iter()
        .filter(|p| {
            let id = p["id"].as_str().unwrap_or_default();
            resolved.contains(&id) && !members.contains(&id)
        })
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            let name = p["name"].as_str().unwrap_or_default();
            let version = p["version"].as_str().unwrap_or_default();
            Some((rv.to_owned(), format!("{name} {version}")))
        })
        .collect();
    needed.sort_by_key(|(rv, _)| version(rv));
    let (max, _) = needed.last().expect("some package declares a rust-version");
    let too_new: Vec<String> = needed
        .iter()
        .filter(|(rv, _)| version(rv) > version(declared))
        .map(|(rv, p)| format!("{p} needs {rv}"))
        .collect();
    assert!(
        too_new.is_empty(),
        "the workspace declares rust-version {declared}, but: {}; raise rust-version in Cargo.toml \
         and the README to {max}",
        too_new.join(", ")
    );
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("cargo {declared} or newer")),
        "README.md does not say `cargo {declared} or newer`"
    );
}
