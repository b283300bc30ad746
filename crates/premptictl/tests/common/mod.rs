//! Helpers shared by the integration tests that drive the built binaries.

#![allow(dead_code)] // Each test binary uses its own subset.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

/// The target directory holding the built `premptictl` (and `prempti-hook`).
pub(crate) fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_premptictl"))
        .parent()
        .expect("premptictl has a directory")
        .to_owned()
}

/// The repository root.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Builds `prempti-hook` into the target directory (once per test binary) and returns it.
pub(crate) fn hook_binary() -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "prempti-hook"])
            .current_dir(repo_root())
            .status()
            .expect("run cargo build -p prempti-hook");
        assert!(status.success(), "cargo build -p prempti-hook failed");
    });
    let hook = target_dir().join(format!("prempti-hook{}", std::env::consts::EXE_SUFFIX));
    assert!(
        hook.is_file(),
        "{} is missing after building it",
        hook.display()
    );
    hook
}

/// Runs `cmd` with `input` on its stdin (stdout and stderr captured) and waits for it.
pub(crate) fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the command");
    // The child may exit before reading everything (a hook that fails fast): ignore EPIPE.
    let _ = child.stdin.take().expect("piped stdin").write_all(input);
    child.wait_with_output().expect("wait for the command")
}

/// Exit code, stdout and stderr of a finished command, for assertion messages.
pub(crate) fn output_text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that `out` is a success, showing its output otherwise.
pub(crate) fn assert_success(out: &Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", output_text(out));
}
