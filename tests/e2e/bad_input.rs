//! Unusable hook input — larger than `PREMPTI_INPUT_MAX_BYTES`, not JSON, a JSON array, no
//! tool name, not UTF-8, empty — is blocked in every agent's format (exit 2, nothing on stdout,
//! the reason on stderr), never reaches the daemon, and leaves it healthy.

use prempti_e2e::calls::{Event, Kind};
use prempti_e2e::install::{Engine, HookOutput, Install};

use crate::support::{call, check_reply, records_by_marker};

const BLOCKED: &str = "Prempti blocked this tool call: the hook input could not be used: ";

/// The tool-name key of each agent's payload.
fn tool_name_key(event: Event) -> &'static str {
    if event == Event::CopilotCamel {
        "toolName"
    } else {
        "tool_name"
    }
}

fn assert_blocked(agent: &str, what: &str, out: &HookOutput) {
    assert_eq!(out.code, Some(2), "{agent} / {what}: {out:?}");
    assert_eq!(out.stdout, "", "{agent} / {what}: {out:?}");
    assert!(out.stderr.starts_with(BLOCKED), "{agent} / {what}: {out:?}");
    assert!(
        out.stderr
            .contains(&format!("`premptictl hook remove {agent}`")),
        "{agent} / {what}: {out:?}"
    );
}

#[test]
fn bad_input_is_blocked_in_every_agent_format_and_the_daemon_stays_healthy() {
    for engine in
        Engine::all("bad_input_is_blocked_in_every_agent_format_and_the_daemon_stays_healthy")
    {
        println!("bad_input_is_blocked_in_every_agent_format_and_the_daemon_stays_healthy: on the {} engine", engine.name());
        bad_input_is_blocked_in_every_agent_format_and_the_daemon_stays_healthy_on(&engine);
    }
}

/// [`bad_input_is_blocked_in_every_agent_format_and_the_daemon_stays_healthy`] on one engine.
fn bad_input_is_blocked_in_every_agent_format_and_the_daemon_stays_healthy_on(engine: &Engine) {
    let install = Install::builder().engine(engine).start();
    let events = [
        Event::ClaudePreToolUse,
        Event::CodexPreToolUse,
        Event::GeminiBeforeTool,
        Event::CursorPreToolUse,
        Event::CopilotCamel,
    ];
    for event in events {
        let agent = event.agent();
        let good = event.payload(Kind::Benign, "e2e-bad-ok", &install.project);

        // Larger than the limit: a valid payload padded past 1 KiB (the smallest limit), and
        // one past the default 8 MiB.
        let mut big = good.clone();
        big["padding"] = serde_json::json!("x".repeat(4096));
        let out = install.hook_with_env(
            agent,
            big.to_string().as_bytes(),
            &[("PREMPTI_INPUT_MAX_BYTES", "1024")],
        );
        assert_blocked(agent, "over PREMPTI_INPUT_MAX_BYTES", &out);
        assert!(out.stderr.contains("1024"), "the limit is named: {out:?}");
        let mut huge = good.clone();
        huge["padding"] = serde_json::json!("x".repeat(9 << 20));
        assert_blocked(
            agent,
            "over the default 8 MiB",
            &install.hook(agent, huge.to_string().as_bytes()),
        );

        let mut no_tool = good.clone();
        no_tool
            .as_object_mut()
            .unwrap()
            .remove(tool_name_key(event));
        let text = good.to_string();
        let (head, tail) = text.split_at(text.find("e2e-bad-ok").unwrap());
        let mut non_utf8 = head.as_bytes().to_vec();
        non_utf8.extend_from_slice(b"\xff\xfe");
        non_utf8.extend_from_slice(tail.as_bytes());
        let cases: [(&str, Vec<u8>); 6] = [
            ("not JSON", b"ls -la; this is not json".to_vec()),
            ("truncated JSON", text.as_bytes()[..text.len() / 2].to_vec()),
            ("a JSON array", format!("[{text}]").into_bytes()),
            ("no tool name", no_tool.to_string().into_bytes()),
            ("not UTF-8", non_utf8),
            ("empty", Vec::new()),
        ];
        for (what, input) in cases {
            assert_blocked(agent, what, &install.hook(agent, &input));
        }
    }

    // Nothing reached the daemon; it is healthy and decides as before.
    assert_eq!(install.audit().len(), 0, "bad input is never forwarded");
    install.ctl_ok(&["health"]);
    let calls: Vec<_> = events
        .iter()
        .flat_map(|e| [Kind::Benign, Kind::Deny].map(|k| (*e, k)))
        .enumerate()
        .map(|(i, (e, k))| call(&install, e, k, &format!("e2e-bad-after-{i:02}")))
        .collect();
    let records = install.audit();
    let by_marker = records_by_marker(&records);
    for c in &calls {
        let record = by_marker.get(&c.marker).expect("a record per good call");
        assert_eq!(record["decision"], c.kind.policy("allow"), "{record}");
        check_reply(c, record);
    }
    let status = install.status();
    assert_eq!(status["counters"]["errors"], 0, "{status}");
}
