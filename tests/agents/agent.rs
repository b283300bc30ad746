//! What differs between the three agents (model API, tool names, how to run them headless against
//! a local model server) and the four cases every agent goes through.

use std::fs;
use std::path::Path;
use std::process::Command;

use prempti_e2e::fake_models::{Api, FakeModel, Script, ToolResult};
use serde_json::{json, Value};

use crate::support::{self, assert_contains_all, Clis, RunOutput, World, AGENT_TIMEOUT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agent {
    Claude,
    Gemini,
    Codex,
}

impl Agent {
    pub(crate) fn api(self) -> Api {
        match self {
            Agent::Claude => Api::Anthropic,
            Agent::Gemini => Api::Gemini,
            Agent::Codex => Api::OpenAiResponses,
        }
    }

    /// Name for `premptictl hook add` and `prempti-hook`.
    pub(crate) fn hook_name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Gemini => "gemini",
            Agent::Codex => "codex",
        }
    }

    /// `agent` in audit records.
    pub(crate) fn audit_name(self) -> &'static str {
        match self {
            Agent::Claude => "claude_code",
            Agent::Gemini => "gemini_cli",
            Agent::Codex => "codex",
        }
    }

    /// A turn whose one tool call runs `command` in the agent's shell tool.
    pub(crate) fn shell(self, command: &str) -> Script {
        match self {
            Agent::Claude => Script::new(
                "Bash",
                json!({"command": command, "description": "Run the requested command"}),
            ),
            Agent::Gemini => Script::new(
                "run_shell_command",
                json!({"command": command, "description": "Run the requested command"}),
            ),
            Agent::Codex => Script::new("exec_command", json!({"cmd": command})),
        }
    }

    /// Agent configuration that is not Prempti's (model provider, auth), written before the
    /// hook is registered so `premptictl hook add` has to merge into existing files.
    fn configure(self, world: &World) {
        match self {
            Agent::Claude => {}
            Agent::Gemini => {
                let dir = world.home.join(".gemini");
                fs::create_dir_all(&dir).unwrap();
                let settings = json!({
                    "security": {"auth": {"selectedType": "gemini-api-key"}},
                    "privacy": {"usageStatisticsEnabled": false},
                    "general": {"disableAutoUpdate": true, "disableUpdateNag": true},
                    "telemetry": {"enabled": false},
                });
                fs::write(
                    dir.join("settings.json"),
                    serde_json::to_string_pretty(&settings).unwrap(),
                )
                .unwrap();
            }
            Agent::Codex => {
                let dir = world.codex_home();
                fs::create_dir_all(&dir).unwrap();
                // The base URL is given per run with `-c` (each run has its own server).
                let config = r#"model = "gpt-5"
model_provider = "prempti_fake"
check_for_update_on_startup = false

[model_providers.prempti_fake]
name = "Scripted model"
base_url = "http://127.0.0.1:9/v1"
wire_api = "responses"
env_key = "PREMPTI_FAKE_OPENAI_KEY"
request_max_retries = 0
stream_max_retries = 0

[features]
hooks = true
# No plugin marketplace sync, apps or update checks: they would reach the network.
plugins = false
remote_plugin = false
plugin_sharing = false
apps = false
in_app_updates = false
skill_mcp_dependency_install = false

[analytics]
enabled = false

[otel]
exporter = "none"
"#;
                fs::write(dir.join("config.toml"), config).unwrap();
            }
        }
    }

    /// A world with Prempti installed and this agent's hook registered by `premptictl hook add`.
    pub(crate) fn world(self) -> World {
        let world = World::new(self.hook_name());
        self.configure(&world);
        world.premptictl(&["hook", "add", self.hook_name()]);
        world
    }

    fn command(self, clis: &Clis, world: &World, server: &FakeModel, prompt: &str) -> Command {
        match self {
            Agent::Claude => {
                let mut cmd = Command::new(&clis.claude);
                world.base_env(&mut cmd);
                cmd.env("ANTHROPIC_BASE_URL", server.base_url())
                    .env("ANTHROPIC_API_KEY", "prempti-e2e-not-a-key")
                    .env("DISABLE_TELEMETRY", "1")
                    .env("DISABLE_ERROR_REPORTING", "1")
                    .env("DISABLE_AUTOUPDATER", "1")
                    .env("DISABLE_BUG_COMMAND", "1")
                    .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
                    .env("DISABLE_NON_ESSENTIAL_MODEL_CALLS", "1")
                    .args([
                        "-p",
                        prompt,
                        "--permission-mode",
                        "default",
                        "--output-format",
                        "json",
                        "--model",
                        "claude-sonnet-4-5",
                        "--max-turns",
                        "6",
                    ]);
                cmd
            }
            Agent::Gemini => {
                let mut cmd = Command::new(&clis.gemini);
                world.base_env(&mut cmd);
                cmd.env("GEMINI_API_KEY", "prempti-e2e-not-a-key")
                    .env("GOOGLE_GEMINI_BASE_URL", server.base_url())
                    .env("GEMINI_CLI_TRUST_WORKSPACE", "true")
                    .env("GEMINI_TELEMETRY_ENABLED", "false")
                    .args(["-p", prompt, "--yolo"]);
                cmd
            }
            Agent::Codex => {
                let mut cmd = Command::new(&clis.codex);
                world.base_env(&mut cmd);
                cmd.env("PREMPTI_FAKE_OPENAI_KEY", "prempti-e2e-not-a-key")
                    .env("RUST_LOG", "warn")
                    .arg("exec")
                    .arg("-c")
                    .arg(format!(
                        "model_providers.prempti_fake.base_url=\"{}/v1\"",
                        server.base_url()
                    ))
                    .args([
                        "--skip-git-repo-check",
                        "--dangerously-bypass-hook-trust",
                        "--dangerously-bypass-approvals-and-sandbox",
                        prompt,
                    ]);
                cmd
            }
        }
    }

    /// Play `script` against the agent: one prompt, one bounded run.
    pub(crate) fn run(self, clis: &Clis, world: &mut World, label: &str, script: Script) -> Turn {
        let server = FakeModel::start(self.api(), script).expect("start fake model");
        let logs = world.next_run_dir(label);
        let cmd = self.command(clis, world, &server, "Run the tool call you are given.");
        let out = support::run_bounded(cmd, AGENT_TIMEOUT, &logs);
        let _ = fs::write(logs.join("model-server.txt"), server.summary());
        Turn { server, out }
    }
}

/// One finished agent run and what its model server saw.
pub(crate) struct Turn {
    pub(crate) server: FakeModel,
    pub(crate) out: RunOutput,
}

impl Turn {
    pub(crate) fn describe(&self) -> String {
        format!(
            "{}\n--- model server ---\n{}",
            self.out.describe(),
            self.server.summary()
        )
    }

    /// The result the agent sent back for the scripted call `step`; panics with the whole story
    /// when there is none.
    #[track_caller]
    pub(crate) fn result(&self, step: usize) -> ToolResult {
        assert!(!self.out.timed_out, "agent timed out:\n{}", self.describe());
        self.server.tool_result(step).unwrap_or_else(|| {
            panic!(
                "the agent sent no result for tool call {step}:\n{}",
                self.describe()
            )
        })
    }

    /// The run completed the scripted turn (every tool result came back, the final text went
    /// out) and the agent exited 0.
    #[track_caller]
    pub(crate) fn assert_completed(&self) {
        assert!(
            self.server.finished() && self.out.code == Some(0),
            "the agent did not complete the turn:\n{}",
            self.describe()
        );
    }
}

/// A denial as the model receives it: Prempti's rule name and reason.
#[track_caller]
pub(crate) fn assert_denied_with(agent: Agent, turn: &Turn, step: usize, rule: &str, reason: &str) {
    let r = turn.result(step);
    assert_contains_all(&r.text, &[rule, reason], &turn.describe());
    if agent != Agent::Codex {
        assert_eq!(
            r.is_error,
            Some(true),
            "a denial reaches the model as an error:\n{}",
            turn.describe()
        );
    }
}

/// The one audit record of the call whose command or file path contains `needle`.
#[track_caller]
pub(crate) fn audit_record(agent: Agent, world: &World, needle: &str) -> Value {
    let recs: Vec<Value> = world
        .audit_for(needle)
        .into_iter()
        .filter(|r| r["agent"] == agent.audit_name())
        .collect();
    assert_eq!(
        recs.len(),
        1,
        "expected one audit record of {agent:?} for {needle}, got {recs:#?}"
    );
    recs.into_iter().next().unwrap()
}

pub(crate) fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

pub(crate) const SSH_RULE: &str = "Shell access to SSH private key";
pub(crate) const SSH_REASON: &str =
    "Reading or copying an SSH private key from the shell is blocked because it would expose credentials";

/// The four cases every agent goes through, in one installation: deny, allow, monitor, stopped.
pub(crate) fn shell_cases(agent: Agent) {
    let _serial = support::serial();
    let Some(clis) = support::clis() else { return };
    let mut world = agent.world();
    let key = world.plant_ssh_key();
    let key = key.display();

    // (a) guardrails: the rules deny reading an SSH private key; the command does not run and
    // the model gets the rule name and the reason.
    let marker = world.marker("denied");
    let command = format!("cat {key} > /dev/null && touch {}", marker.display());
    let turn = agent.run(&clis, &mut world, "deny", agent.shell(&command));
    assert_denied_with(agent, &turn, 0, SSH_RULE, SSH_REASON);
    assert!(
        !exists(&marker),
        "the denied command ran:\n{}",
        turn.describe()
    );
    turn.assert_completed();
    let rec = audit_record(agent, &world, &marker.display().to_string());
    assert_eq!(rec["decision"], "deny", "{rec:#}");
    assert_eq!(rec["mode"], "guardrails", "{rec:#}");
    assert!(
        rec["matched"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["rule"] == SSH_RULE)),
        "{rec:#}"
    );

    // (b) a harmless call runs.
    let marker = world.marker("allowed");
    let command = format!("touch {}", marker.display());
    let turn = agent.run(&clis, &mut world, "allow", agent.shell(&command));
    let r = turn.result(0);
    assert!(
        exists(&marker),
        "the harmless command did not run:\n{}",
        turn.describe()
    );
    assert!(
        !r.text.contains("Prempti"),
        "an allowed call carries no Prempti message:\n{}",
        turn.describe()
    );
    turn.assert_completed();
    let rec = audit_record(agent, &world, &marker.display().to_string());
    assert_eq!(rec["decision"], "allow", "{rec:#}");
    assert_eq!(rec["policy_decision"], "allow", "{rec:#}");

    // (c) monitor mode: the same kind of call runs, the audit log records the would-deny.
    world.premptictl(&["mode", "monitor"]);
    let marker = world.marker("monitored");
    let command = format!("cat {key} > /dev/null && touch {}", marker.display());
    let turn = agent.run(&clis, &mut world, "monitor", agent.shell(&command));
    let _ = turn.result(0);
    assert!(
        exists(&marker),
        "in monitor mode the call should run:\n{}",
        turn.describe()
    );
    turn.assert_completed();
    let rec = audit_record(agent, &world, &marker.display().to_string());
    assert_eq!(rec["mode"], "monitor", "{rec:#}");
    assert_eq!(rec["policy_decision"], "deny", "{rec:#}");
    assert_eq!(
        rec["decision"], "allow",
        "the default action is answered: {rec:#}"
    );
    world.premptictl(&["mode", "guardrails"]);

    // (d) service stopped: the hook cannot reach the broker and refuses the call.
    world.premptictl(&["stop"]);
    let marker = world.marker("stopped");
    let command = format!("touch {}", marker.display());
    let turn = agent.run(&clis, &mut world, "stopped", agent.shell(&command));
    let r = turn.result(0);
    assert!(
        !exists(&marker),
        "with the service stopped the call ran (fail open):\n{}",
        turn.describe()
    );
    assert_contains_all(
        &r.text,
        &["Prempti blocked this tool call", "premptictl start"],
        &turn.describe(),
    );
    turn.assert_completed();
}
