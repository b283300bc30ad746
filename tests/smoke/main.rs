//! The whole life of one installation, on every platform Prempti builds for (on Windows this
//! is the end-to-end test `make test-windows` runs under Wine): `premptictl install` into a
//! temporary `PREMPTI_HOME` (temporary `HOME` / `USERPROFILE` / `LOCALAPPDATA`), the daemon
//! started detached, an allowed and a denied Claude Code call through the real
//! `prempti-hook claude`, `premptictl status`, then `premptictl stop` — after which the hook
//! must deny (fail closed) and say how to recover. And a broker that accepts the hook's
//! connection and never answers (a named pipe on Windows, a Unix socket elsewhere) gets the call
//! denied at the hook's deadline.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use prempti_e2e::calls::{Event, Kind};
use prempti_e2e::install::{debug_binaries, exe, Install};
use serde_json::Value;

fn decision(stdout: &str) -> Option<String> {
    let reply: Value = serde_json::from_str(stdout.trim()).ok()?;
    reply["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn install_start_allow_deny_stop_then_fail_closed() {
    let install = Install::builder().start();
    let status = install.status();
    assert_eq!(status["mode"], "guardrails", "{status}");

    let call = |kind: Kind, marker: &str| {
        let payload = Event::ClaudePreToolUse.payload(kind, marker, &install.project);
        install.hook("claude", payload.to_string().as_bytes())
    };

    let allowed = call(Kind::Benign, "smoke-allow");
    assert_eq!(allowed.code, Some(0), "{allowed:?}");
    assert_eq!(
        decision(&allowed.stdout).as_deref(),
        Some("allow"),
        "{allowed:?}"
    );

    let denied = call(Kind::Deny, "smoke-deny");
    assert_eq!(
        decision(&denied.stdout).as_deref(),
        Some("deny"),
        "{denied:?}"
    );
    assert!(
        denied.stdout.contains("Download piped into a shell"),
        "{denied:?}"
    );

    let records = install.audit();
    assert_eq!(records.len(), 2, "one audit record per call: {records:?}");

    install.ctl_ok(&["stop"]);
    let after = call(Kind::Benign, "smoke-after-stop");
    assert_eq!(
        decision(&after.stdout).as_deref(),
        Some("deny"),
        "{after:?}"
    );
    assert!(after.stdout.contains("premptictl start"), "{after:?}");
}

/// Listens where the hook will connect for `socket` and holds every connection without a word.
fn silent_broker(socket: &std::path::Path) -> interprocess::local_socket::Listener {
    use interprocess::local_socket::ListenerOptions;
    #[cfg(windows)]
    let name = {
        use interprocess::local_socket::{GenericNamespaced, ToNsName as _};
        let pipe = prempti_protocol::paths::windows_pipe_name(socket);
        pipe.trim_start_matches(r"\\.\pipe\")
            .to_owned()
            .to_ns_name::<GenericNamespaced>()
            .unwrap()
    };
    #[cfg(unix)]
    let name = {
        use interprocess::local_socket::{GenericFilePath, ToFsName as _};
        socket.to_fs_name::<GenericFilePath>().unwrap()
    };
    ListenerOptions::new().name(name).create_sync().unwrap()
}

#[test]
fn a_broker_that_never_answers_is_denied_at_the_deadline() {
    use interprocess::local_socket::traits::ListenerExt as _;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("broker.sock");
    let listener = silent_broker(&socket);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let payload = Event::ClaudePreToolUse.payload(Kind::Benign, "smoke-silent", dir.path());
    let started = Instant::now();
    let mut child = Command::new(debug_binaries().join(exe("prempti-hook")))
        .arg("claude")
        .env("PREMPTI_SOCKET", &socket)
        .env("PREMPTI_TIMEOUT_MS", "1000")
        .env_remove("PREMPTI_FAIL_OPEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(decision(&stdout).as_deref(), Some("deny"), "{stdout}");
    assert!(
        stdout.contains("1000 ms"),
        "the reason names the deadline: {stdout}"
    );
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
}
