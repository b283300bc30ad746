//! Every verdict path for every agent: benign, denied and asked calls under the default
//! rules with default action `allow`, then benign and denied calls with default action
//! `defer`; each reply is compared byte for byte with the agent's expected output (built from
//! the call's own audit record, whose reason must come from the expected rule).

use prempti_e2e::calls::{deciding_rule, Event, Kind, CONFIRM_RULE};
use prempti_e2e::install::{Engine, Install};

use crate::support::{call, check_reply, field, records_by_marker, Call};

#[test]
fn every_agent_gets_every_verdict_in_its_own_format() {
    for engine in Engine::all("every_agent_gets_every_verdict_in_its_own_format") {
        println!(
            "every_agent_gets_every_verdict_in_its_own_format: on the {} engine",
            engine.name()
        );
        every_agent_gets_every_verdict_in_its_own_format_on(&engine);
    }
}

/// [`every_agent_gets_every_verdict_in_its_own_format`] on one engine.
fn every_agent_gets_every_verdict_in_its_own_format_on(engine: &Engine) {
    let install = Install::builder()
        .engine(engine)
        .user_rule("e2e_confirm.yaml", CONFIRM_RULE)
        .start();
    let mut calls: Vec<(Call, &str)> = Vec::new();

    // Default action allow: benign → allow, deny → deny, ask → ask (or its mapping).
    for event in Event::ALL {
        for kind in Kind::ALL {
            let marker = format!("e2e-v-{}-{kind:?}-allow", calls.len());
            calls.push((call(&install, event, kind, &marker), "allow"));
        }
    }
    // Default action defer: benign → defer; the rules still deny and ask.
    install.ctl_ok(&["default-action", "defer"]);
    assert_eq!(install.ctl_ok(&["default-action"]).trim(), "defer");
    for event in Event::ALL {
        for kind in Kind::ALL {
            let marker = format!("e2e-v-{}-{kind:?}-defer", calls.len());
            calls.push((call(&install, event, kind, &marker), "defer"));
        }
    }

    let records = install.audit();
    assert_eq!(records.len(), calls.len(), "one audit record per call");
    let by_marker = records_by_marker(&records);
    let mut seen = std::collections::BTreeSet::new();
    for (c, default) in &calls {
        let record = by_marker
            .get(&c.marker)
            .unwrap_or_else(|| panic!("no audit record for {}", c.marker));
        let expected = c.kind.policy(default);
        assert_eq!(field(record, "mode"), "guardrails");
        assert_eq!(
            field(record, "decision"),
            expected,
            "decision of {} ({:?}): {record}",
            c.marker,
            c.event
        );
        assert_eq!(field(record, "policy_decision"), expected, "{record}");
        match deciding_rule(c.event, c.kind) {
            Some(rule) => {
                assert!(
                    field(record, "reason").starts_with(&format!("{rule}: ")),
                    "{} ({:?}) should be decided by `{rule}`: {record}",
                    c.marker,
                    c.event
                );
                assert!(record["matched"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|x| x["rule"] == rule)));
            }
            None => {
                assert_eq!(field(record, "reason"), "", "{record}");
                assert_eq!(record["matched"], serde_json::json!([]), "{record}");
            }
        }
        check_reply(c, record);
        seen.insert((c.event.agent(), expected));
    }
    // Every agent went through all four verdicts.
    for agent in ["claude", "codex", "gemini", "cursor", "copilot"] {
        for verdict in ["allow", "deny", "ask", "defer"] {
            assert!(
                seen.contains(&(agent, verdict)),
                "{agent} never got {verdict}"
            );
        }
    }
    let status = install.status();
    let counters = &status["counters"];
    assert_eq!(counters["calls"], calls.len() as u64, "{status}");
    assert_eq!(counters["errors"], 0, "{status}");
}

/// Replies that are easy to misread, spelled out once as literal strings (the table-driven
/// test above builds them): a Codex ask is a deny with an explanation, a Cursor defer is `{}`.
#[test]
fn literal_replies_for_mapped_verdicts() {
    for engine in Engine::all("literal_replies_for_mapped_verdicts") {
        println!(
            "literal_replies_for_mapped_verdicts: on the {} engine",
            engine.name()
        );
        literal_replies_for_mapped_verdicts_on(&engine);
    }
}

/// [`literal_replies_for_mapped_verdicts`] on one engine.
fn literal_replies_for_mapped_verdicts_on(engine: &Engine) {
    let install = Install::builder().engine(engine).start();
    let c = call(&install, Event::CodexPreToolUse, Kind::Ask, "e2e-lit-1");
    assert_eq!(c.out.code, Some(0));
    let reply: serde_json::Value = serde_json::from_str(&c.out.stdout).expect("JSON reply");
    assert_eq!(reply["hookSpecificOutput"]["permissionDecision"], "deny");
    let reason = reply["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap();
    assert!(
        reason.starts_with("Force push: Force pushing needs the user's confirmation"),
        "{reason}"
    );
    assert!(
        reason.contains("(command=git push --force origin e2e-lit-1)"),
        "{reason}"
    );
    assert!(reason.ends_with("Codex cannot ask for confirmation from a PreToolUse hook, so it was blocked. To allow it, the user can run it themselves, or change the rule (or switch to `premptictl mode monitor`) and retry]"), "{reason}");

    install.ctl_ok(&["default-action", "defer"]);
    let c = call(&install, Event::CursorPreToolUse, Kind::Benign, "e2e-lit-2");
    assert_eq!((c.out.code, c.out.stdout.as_str()), (Some(0), "{}\n"));
    let c = call(&install, Event::ClaudePreToolUse, Kind::Benign, "e2e-lit-3");
    assert_eq!(
        (c.out.code, c.out.stdout.as_str(), c.out.stderr.as_str()),
        (Some(0), "", "")
    );
    let c = call(&install, Event::GeminiBeforeTool, Kind::Deny, "e2e-lit-4");
    assert_eq!(c.out.code, Some(0));
    assert!(
        c.out.stdout.starts_with(r#"{"decision":"deny","reason":"Download piped into a shell: Piping a download into an interpreter is blocked"#),
        "{}",
        c.out.stdout
    );
}
