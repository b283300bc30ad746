//! Monitor and passthrough: every call is answered with the default action and the would-be
//! verdict is recorded in the audit (`policy_decision`, and a "would deny/ask" reason).

use prempti_e2e::calls::{deciding_rule, Event, Kind, CONFIRM_RULE};
use prempti_e2e::install::{Engine, Install};
use std::time::Duration;

use crate::support::{call, check_reply, field, records_by_marker};

#[test]
fn monitor_and_passthrough_answer_the_default_action_and_record_would_deny() {
    for engine in
        Engine::all("monitor_and_passthrough_answer_the_default_action_and_record_would_deny")
    {
        println!("monitor_and_passthrough_answer_the_default_action_and_record_would_deny: on the {} engine", engine.name());
        monitor_and_passthrough_answer_the_default_action_and_record_would_deny_on(&engine);
    }
}

/// [`monitor_and_passthrough_answer_the_default_action_and_record_would_deny`] on one engine.
fn monitor_and_passthrough_answer_the_default_action_and_record_would_deny_on(engine: &Engine) {
    let install = Install::builder()
        .engine(engine)
        .user_rule("e2e_confirm.yaml", CONFIRM_RULE)
        .start();
    let mut calls = Vec::new();
    for mode in ["monitor", "passthrough", "guardrails"] {
        assert_eq!(
            install.ctl_ok(&["mode", mode]).trim(),
            format!("mode is now {mode}")
        );
        assert_eq!(install.ctl_ok(&["mode"]).trim(), mode);
        for event in Event::ALL {
            for kind in Kind::ALL {
                let marker = format!("e2e-m-{}-{mode}", calls.len());
                calls.push((mode, call(&install, event, kind, &marker)));
            }
        }
    }
    // Passthrough records are written after the answer: wait for all of them (bounded).
    let records = install.audit_at_least(calls.len(), Duration::from_secs(60));
    assert_eq!(records.len(), calls.len(), "one audit record per call");
    let by_marker = records_by_marker(&records);
    let mut would_deny = 0;
    for (mode, c) in &calls {
        let record = &by_marker[&c.marker];
        let policy = c.kind.policy("allow");
        assert_eq!(field(record, "mode"), *mode, "{record}");
        assert_eq!(field(record, "policy_decision"), policy, "{record}");
        let reason = field(record, "reason");
        if *mode == "guardrails" {
            assert_eq!(field(record, "decision"), policy, "{record}");
        } else {
            assert_eq!(
                field(record, "decision"),
                "allow",
                "{mode} answers the default action: {record}"
            );
            if let Some(rule) = deciding_rule(c.event, c.kind) {
                let prefix = format!("{mode} mode, would {policy}: {rule}: ");
                assert!(
                    reason.starts_with(&prefix),
                    "expected `{prefix}…`: {record}"
                );
                would_deny += usize::from(policy == "deny");
            } else {
                assert_eq!(reason, "", "{record}");
            }
        }
        check_reply(c, record);
    }
    assert_eq!(
        would_deny,
        2 * Event::ALL.len(),
        "every denied call was recorded as a would-deny in both modes"
    );
}

#[test]
fn monitor_with_default_action_defer_defers_what_would_be_denied() {
    for engine in Engine::all("monitor_with_default_action_defer_defers_what_would_be_denied") {
        println!(
            "monitor_with_default_action_defer_defers_what_would_be_denied: on the {} engine",
            engine.name()
        );
        monitor_with_default_action_defer_defers_what_would_be_denied_on(&engine);
    }
}

/// [`monitor_with_default_action_defer_defers_what_would_be_denied`] on one engine.
fn monitor_with_default_action_defer_defers_what_would_be_denied_on(engine: &Engine) {
    let install = Install::builder().engine(engine).start();
    install.ctl_ok(&["mode", "monitor"]);
    install.ctl_ok(&["default-action", "defer"]);
    let c = call(&install, Event::ClaudePreToolUse, Kind::Deny, "e2e-md-1");
    assert_eq!(
        (c.out.code, c.out.stdout.as_str()),
        (Some(0), ""),
        "{:?}",
        c.out
    );
    let records = install.audit();
    assert_eq!(records.len(), 1);
    assert_eq!(field(&records[0], "decision"), "defer");
    assert_eq!(field(&records[0], "policy_decision"), "deny");
    assert!(field(&records[0], "reason")
        .starts_with("monitor mode, would deny: Download piped into a shell: "));
}
