//! Invariants of the source tree, checked by `cargo test` (see ARCHITECTURE.md).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every library and binary module opens with a `//!` comment saying what it is for.
#[test]
fn every_module_opens_with_a_doc_comment() {
    let root = repo_root();
    let mut files = Vec::new();
    for crate_dir in std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
    {
        rust_files(&crate_dir.path().join("src"), &mut files);
    }
    rust_files(&root.join("tests/src"), &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            !std::fs::read_to_string(f)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap_or(f).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a `//!` opening: {missing:?}"
    );
}

/// `prempti-rules` does no I/O and knows nothing of sockets, runtimes or the plugin SDK.
#[test]
fn the_rules_engine_depends_on_no_runtime_socket_or_sdk_crate() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "prempti-rules",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(repo_root())
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(crates.contains(&"prempti-rules"), "{tree}");
    for forbidden in [
        "tokio",
        "mio",
        "interprocess",
        "hyper",
        "falco_plugin",
        "falco_plugin_api",
        "prempti-plugin",
        "prempti-protocol",
    ] {
        assert!(
            !crates.contains(&forbidden),
            "prempti-rules depends on {forbidden}:\n{tree}"
        );
    }
}
