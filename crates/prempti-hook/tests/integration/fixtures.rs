//! Every payload sample in `tests/fixtures/payloads/<agent>/` is accepted by its agent's
//! adapter, recognised as that agent's (not as a caller in another format), forwarded
//! verbatim, and answered in that agent's deny format.

use prempti_protocol::{Agent, Decision};

use crate::util::{repo_root, with_marker, Behaviour, Install};

#[test]
fn every_fixture_reaches_the_broker_as_its_own_agent() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    let mut count = 0;
    for agent in Agent::ALL {
        let dir = repo_root()
            .join("tests/fixtures/payloads")
            .join(agent.cli_name());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        assert!(files.len() >= 3, "{}: too few samples", dir.display());
        for file in files {
            let payload = with_marker(&std::fs::read_to_string(&file).unwrap(), Decision::Deny);
            let outcome = install.hook(agent.cli_name()).stdin(payload.clone()).run();
            let name = file.display();
            assert_eq!(outcome.code, 0, "{name}: {outcome:?}");
            let json = outcome.json();
            let denied = match agent {
                Agent::ClaudeCode | Agent::Codex | Agent::QwenCode | Agent::Droid => {
                    let out = &json["hookSpecificOutput"];
                    out["permissionDecision"] == "deny" || out["decision"]["behavior"] == "deny"
                }
                Agent::GeminiCli => json["decision"] == "deny",
                Agent::Cursor => json["permission"] == "deny",
                Agent::Copilot => json["permissionDecision"] == "deny",
                Agent::OpenCode => json["decision"] == "deny",
            };
            assert!(denied, "{name}: {json}");
            let last = broker.requests().pop().expect("request");
            assert_eq!(last.agent, agent, "{name}");
            assert_eq!(last.payload, payload, "{name}");
            count += 1;
        }
    }
    assert_eq!(broker.requests().len(), count);
}

#[test]
fn a_caller_in_another_format_is_sent_under_its_own_name() {
    let install = Install::new();
    let broker = install.broker(Behaviour::Script);
    let cases = [
        ("claude", "cursor", "pretooluse-shell.json", Agent::Cursor),
        ("claude", "copilot", "pascal-bash.json", Agent::Copilot),
        (
            "claude",
            "gemini",
            "run_shell_command-captured-0.61.0.json",
            Agent::GeminiCli,
        ),
        (
            "codex",
            "claude",
            "bash-captured-2.1.329.json",
            Agent::ClaudeCode,
        ),
        ("gemini", "codex", "apply_patch.json", Agent::Codex),
    ];
    for (named, dir, file, caller) in cases {
        let payload = with_marker(&crate::util::fixture(dir, file), Decision::Deny);
        let outcome = install.hook(named).stdin(payload).run();
        assert_eq!(
            (outcome.code, outcome.stdout.as_str()),
            (2, ""),
            "{named} ← {dir}/{file}: {outcome:?}"
        );
        assert!(outcome.stderr.starts_with("Test deny rule"), "{outcome:?}");
        assert_eq!(
            broker.requests().pop().expect("request").agent,
            caller,
            "{named} ← {dir}/{file}"
        );
    }
}
