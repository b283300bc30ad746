//! Every way the broker can fail gets the call denied with a recovery hint — against real
//! listeners on real Unix sockets. `PREMPTI_FAIL_OPEN=1` turns these (and only these) into
//! "no opinion" with a note on stderr.

use std::os::unix::net::UnixListener;

use prempti_protocol::{Agent, Decision};

use crate::util::{fixture, with_marker, Behaviour, Install, Outcome};

fn claude_payload() -> String {
    fixture("claude", "bash-captured-2.1.329.json")
}

/// Asserts a Claude Code JSON deny whose reason contains every one of `needles`.
fn assert_claude_deny(outcome: &Outcome, needles: &[&str]) {
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let json = outcome.json();
    let out = &json["hookSpecificOutput"];
    assert_eq!(out["hookEventName"], "PreToolUse", "{outcome:?}");
    assert_eq!(out["permissionDecision"], "deny", "{outcome:?}");
    let reason = out["permissionDecisionReason"].as_str().expect("reason");
    for needle in needles {
        assert!(
            reason.contains(needle),
            "reason {reason:?} lacks {needle:?}"
        );
    }
}

fn run_claude(install: &Install, timeout_ms: &str) -> Outcome {
    install
        .hook("claude")
        .env("PREMPTI_TIMEOUT_MS", timeout_ms)
        .stdin(claude_payload())
        .run()
}

#[test]
fn missing_socket() {
    let install = Install::new();
    let outcome = run_claude(&install, "5000");
    let socket = install.socket().display().to_string();
    assert_claude_deny(
        &outcome,
        &[
            "is not reachable at",
            &socket,
            "`premptictl start`",
            "`premptictl hook remove claude`",
        ],
    );
}

#[test]
fn refused_stale_socket() {
    let install = Install::new();
    // A socket file nobody listens on any more: connect is refused.
    drop(UnixListener::bind(install.socket()).unwrap());
    let outcome = run_claude(&install, "5000");
    assert_claude_deny(
        &outcome,
        &["is not reachable at", "refused", "`premptictl start`"],
    );
}

#[test]
fn hung_broker_hits_the_total_deadline() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Hang);
    let outcome = run_claude(&install, "300");
    assert_claude_deny(
        &outcome,
        &["did not answer within 300 ms", "`premptictl restart`"],
    );
    assert_eq!(
        broker.requests().len(),
        1,
        "the request was sent in full before the wait"
    );
}

#[test]
fn broker_that_never_reads_a_large_request_hits_the_deadline_while_writing() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::NeverRead);
    // Far more than a socket buffer holds, so the write itself must time out.
    let big = format!(
        r#"{{"hook_event_name":"PreToolUse","tool_name":"Write","tool_use_id":"toolu_1","permission_mode":"default","tool_input":{{"file_path":"/p/x","content":"{}"}}}}"#,
        "a".repeat(6 * 1024 * 1024)
    );
    let outcome = install
        .hook("claude")
        .env("PREMPTI_TIMEOUT_MS", "300")
        .stdin(big)
        .run();
    assert!(outcome.stdin_consumed);
    assert_claude_deny(&outcome, &["did not answer within 300 ms"]);
}

#[test]
fn clamped_timeout_is_reported_in_the_reason() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::Hang);
    let outcome = run_claude(&install, "1");
    assert_claude_deny(
        &outcome,
        &[
            "did not answer within 50 ms",
            "note: PREMPTI_TIMEOUT_MS=1 is below the minimum; using 50",
        ],
    );
}

#[test]
fn broker_closing_at_once() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::CloseAtOnce);
    let outcome = run_claude(&install, "5000");
    assert_claude_deny(
        &outcome,
        &[
            "closed the connection without answering",
            "`premptictl restart`",
        ],
    );
}

#[test]
fn broker_closing_mid_response() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::CloseMidResponse);
    let outcome = run_claude(&install, "5000");
    assert_claude_deny(
        &outcome,
        &["closed the connection in the middle of its answer"],
    );
}

#[test]
fn broker_answering_garbage() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::Garbage);
    let outcome = run_claude(&install, "5000");
    assert_claude_deny(
        &outcome,
        &[
            "sent an invalid answer (malformed message",
            "different Prempti versions",
        ],
    );
}

#[test]
fn broker_answering_unframed_bytes() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::Unframed);
    let outcome = run_claude(&install, "5000");
    // "HTTP" read as a length prefix is far beyond the response limit.
    assert_claude_deny(
        &outcome,
        &[
            "sent an invalid answer",
            "exceeds the limit of 1048576 bytes",
        ],
    );
}

#[test]
fn broker_answering_an_oversized_frame() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::Oversized);
    let outcome = run_claude(&install, "5000");
    assert_claude_deny(
        &outcome,
        &["message of 2097152 bytes exceeds the limit of 1048576 bytes"],
    );
}

#[test]
fn broker_answering_another_nonce() {
    let install = Install::new();
    let broker = install.broker(Behaviour::WrongNonce);
    let outcome = run_claude(&install, "5000");
    let nonce = broker.requests()[0].nonce;
    assert_claude_deny(&outcome, &[&format!("instead of {nonce}")]);
}

#[test]
fn broker_answering_another_protocol_version() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::WrongVersion);
    let outcome = run_claude(&install, "5000");
    assert_claude_deny(
        &outcome,
        &["broker answered protocol version 99, the hook speaks 1"],
    );
}

#[test]
fn no_home_at_all() {
    let install = Install::new();
    let outcome = install
        .hook("claude")
        .env("HOME", "")
        .env("PREMPTI_HOME", "")
        .stdin(claude_payload())
        .run();
    assert_claude_deny(&outcome, &["cannot be located", "set PREMPTI_HOME"]);
}

#[test]
fn socket_variable_overrides_home() {
    let install = Install::new();
    let other = tempfile::tempdir().unwrap();
    let socket = other.path().join("elsewhere.sock");
    let broker = crate::util::Broker::start_at(&socket, Behaviour::Script);
    let outcome = install
        .hook("claude")
        .env("PREMPTI_SOCKET", &socket.display().to_string())
        .stdin(with_marker(&claude_payload(), Decision::Deny))
        .run();
    assert_claude_deny(&outcome, &["Test deny rule"]);
    assert_eq!(broker.requests().len(), 1);
}

#[test]
fn fail_open_turns_every_broker_failure_into_no_opinion() {
    for behaviour in [
        None,
        Some(Behaviour::Hang),
        Some(Behaviour::CloseAtOnce),
        Some(Behaviour::CloseMidResponse),
        Some(Behaviour::Garbage),
        Some(Behaviour::Oversized),
        Some(Behaviour::WrongNonce),
    ] {
        let install = Install::new();
        let _broker = behaviour.map(|b| install.broker(b));
        let outcome = install
            .hook("claude")
            .env("PREMPTI_FAIL_OPEN", "1")
            .env("PREMPTI_TIMEOUT_MS", "200")
            .stdin(claude_payload())
            .run();
        assert_eq!(outcome.code, 0, "{behaviour:?}: {outcome:?}");
        assert_eq!(
            outcome.stdout, "",
            "{behaviour:?}: Claude's own permission flow decides"
        );
        assert!(
            outcome.stderr.contains(
                "PREMPTI_FAIL_OPEN=1 leaves the decision to Claude Code's own permission settings"
            ),
            "{behaviour:?}: {outcome:?}"
        );
    }
}

#[test]
fn fail_open_does_not_override_a_real_deny() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::Script);
    let outcome = install
        .hook("claude")
        .env("PREMPTI_FAIL_OPEN", "1")
        .stdin(with_marker(&claude_payload(), Decision::Deny))
        .run();
    assert_claude_deny(&outcome, &["Test deny rule"]);
}

#[test]
fn request_carries_the_payload_verbatim_and_the_agent_pid() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    let payload = claude_payload();
    let outcome = install.hook("claude").stdin(payload.clone()).run();
    assert_eq!(
        (outcome.code, outcome.stdout.as_str()),
        (0, ""),
        "defer: {outcome:?}"
    );
    let requests = broker.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.payload, payload);
    assert_eq!(request.agent, Agent::ClaudeCode);
    assert_eq!(
        request.agent_pid,
        std::process::id(),
        "the hook's parent is this test process"
    );
    assert_ne!(request.hook_pid, 0);
    assert_ne!(request.hook_pid, request.agent_pid);
    let home = install.dir.path().join("home").display().to_string();
    assert_eq!(request.home.as_deref(), Some(home.as_str()));
    let prempti_home = install.prempti_home().display().to_string();
    assert_eq!(request.prempti_home.as_deref(), Some(prempti_home.as_str()));
}

#[test]
fn nonces_differ_between_runs() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    for _ in 0..3 {
        install
            .hook("codex")
            .stdin(fixture("codex", "bash-captured-0.169.0.json"))
            .run();
    }
    let mut nonces: Vec<u64> = broker.requests().iter().map(|r| r.nonce).collect();
    nonces.sort_unstable();
    nonces.dedup();
    assert_eq!(nonces.len(), 3);
}

#[test]
fn debug_diagnostics_go_to_stderr_only() {
    let install = Install::new();
    let _broker = install.broker(Behaviour::Script);
    let outcome = install
        .hook("claude")
        .env("PREMPTI_DEBUG", "1")
        .stdin(with_marker(&claude_payload(), Decision::Ask))
        .run();
    assert_eq!(
        outcome.json()["hookSpecificOutput"]["permissionDecision"],
        "ask"
    );
    assert!(
        outcome
            .stderr
            .contains("prempti-hook: caller claude event PreToolUse tool Bash"),
        "{outcome:?}"
    );
    assert!(
        outcome
            .stderr
            .contains("prempti-hook: verdict ask (correlation 1)"),
        "{outcome:?}"
    );
}

/// A listener whose backlog is full and that never accepts (what a daemon stopped with
/// SIGSTOP looks like): the hook's connect must not block past its deadline.
#[test]
fn full_backlog_of_a_listener_that_never_accepts_hits_the_deadline() {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let install = Install::new();
    let socket = install.socket();
    let (listener, addr, len) = raw_listener(&socket);
    // Fill the backlog with connections nobody accepts, until the kernel refuses more.
    let mut pending = Vec::new();
    loop {
        // SAFETY: plain system calls; every result is checked.
        let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 0) };
        assert!(fd >= 0);
        // SAFETY: `fd` is fresh and owned from here on.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: `addr` is an initialized sockaddr_un of `len` bytes.
        let rc = unsafe { libc::connect(fd, std::ptr::addr_of!(addr).cast(), len) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            assert_eq!(err.raw_os_error(), Some(libc::EAGAIN), "{err}");
            break;
        }
        pending.push(owned);
        assert!(pending.len() < 10_000, "the backlog never filled");
    }

    let deadline_ms = 400u64;
    let mut child = Command::new(crate::util::hook_bin())
        .arg("claude")
        .env_clear()
        .env("HOME", install.dir.path().join("home"))
        .env("PREMPTI_HOME", install.prempti_home())
        .env("PREMPTI_TIMEOUT_MS", deadline_ms.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(claude_payload().as_bytes()).unwrap();
    }
    // Only an upper bound, and a generous one: the deadline plus three seconds.
    let limit = Duration::from_millis(deadline_ms) + Duration::from_secs(3);
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("prempti-hook still blocked {limit:?} after start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let out = &json["hookSpecificOutput"];
    assert_eq!(out["permissionDecision"], "deny", "{stdout}");
    let reason = out["permissionDecisionReason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("did not answer within {deadline_ms} ms")),
        "{reason}"
    );
    drop(pending);
    drop(listener);
}

/// A listening Unix socket at `path` with a backlog of 0, made with libc (std picks its own
/// backlog), and its address.
fn raw_listener(
    path: &std::path::Path,
) -> (std::os::fd::OwnedFd, libc::sockaddr_un, libc::socklen_t) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::ffi::OsStrExt;

    // SAFETY: zeroed sockaddr_un is valid plain data.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = path.as_os_str().as_bytes();
    assert!(bytes.len() < addr.sun_path.len());
    for (d, s) in addr.sun_path.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    let len = (addr.sun_path.as_ptr() as usize - std::ptr::addr_of!(addr) as usize
        + bytes.len()
        + 1) as libc::socklen_t;
    // SAFETY: plain system calls; every result is checked.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
    assert!(fd >= 0);
    // SAFETY: `fd` is fresh and owned from here on.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: `addr` is an initialized sockaddr_un of `len` bytes.
    let rc = unsafe { libc::bind(owned.as_raw_fd(), std::ptr::addr_of!(addr).cast(), len) };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    // SAFETY: `owned` is a bound socket.
    let rc = unsafe { libc::listen(owned.as_raw_fd(), 0) };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    (owned, addr, len)
}

#[test]
fn socket_in_a_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;

    for mode in [0o777, 0o770, 0o702] {
        let install = Install::new();
        let shared = install.dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(mode)).unwrap();
        let socket = shared.join("broker.sock");
        let broker = crate::util::Broker::start_at(&socket, Behaviour::Script);
        let outcome = install
            .hook("claude")
            .env("PREMPTI_SOCKET", &socket.display().to_string())
            .stdin(with_marker(&claude_payload(), Decision::Allow))
            .run();
        assert_claude_deny(
            &outcome,
            &[
                "refuses Prempti's service socket",
                "is writable by other users",
                "`chmod 700`",
                "`premptictl hook remove claude`",
            ],
        );
        assert!(
            broker.requests().is_empty(),
            "mode {mode:o}: nothing was sent to a socket others could have planted"
        );
    }
}

#[test]
fn socket_of_another_user_is_refused() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        // Only root can give a socket away; the directory case above runs everywhere.
        eprintln!("skipped: changing a socket's owner needs root");
        return;
    }
    std::os::unix::fs::chown(install.socket(), Some(65534), None).unwrap();
    let outcome = install
        .hook("claude")
        .stdin(with_marker(&claude_payload(), Decision::Allow))
        .run();
    assert_claude_deny(
        &outcome,
        &[
            "refuses Prempti's service socket",
            "belongs to user id 65534",
        ],
    );
    assert!(broker.requests().is_empty());
}

#[test]
fn a_regular_file_in_place_of_the_socket_is_refused() {
    let install = Install::new();
    std::fs::write(install.socket(), b"").unwrap();
    let outcome = run_claude(&install, "5000");
    assert_claude_deny(
        &outcome,
        &["refuses Prempti's service socket", "not a socket"],
    );
}
