//! The whole life of one installation, on every platform Prempti builds for (on Windows this
//! is the end-to-end test `make test-windows` runs under Wine): `premptictl install` into a
//! temporary `PREMPTI_HOME` (temporary `HOME` / `USERPROFILE` / `LOCALAPPDATA`), the daemon
//! started detached, an allowed and a denied Claude Code call through the real
//! `prempti-hook claude`, `premptictl status`, then `premptictl stop` — after which the hook
//! must deny (fail closed) and say how to recover.

use prempti_e2e::calls::{Event, Kind};
use prempti_e2e::install::Install;
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
