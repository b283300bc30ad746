//! `premptictl hook add|remove|status` driven through the real binary in temporary HOME and
//! PREMPTI_HOME directories.

// Unix only: the fake agent CLIs here are `#!/bin/sh` scripts made executable with a mode.
#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Env {
    _dir: tempfile::TempDir,
    home: PathBuf,
    prempti: PathBuf,
    /// The only directory on PATH besides the system's: where a fake `claude` goes.
    bin: PathBuf,
}

impl Env {
    /// A temp HOME and PREMPTI_HOME ("with space" to exercise quoting) with a hook binary.
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let prempti = dir.path().join("pre mpti");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(prempti.join("bin")).unwrap();
        fs::write(prempti.join("bin").join("prempti-hook"), "#!/bin/sh\n").unwrap();
        let bin = dir.path().join("path-bin");
        fs::create_dir_all(&bin).unwrap();
        Env {
            _dir: dir,
            home,
            prempti,
            bin,
        }
    }

    /// Puts a fake `claude` on PATH that prints `version` like the real CLI does.
    fn fake_claude(&self, version: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.bin.join("claude");
        fs::write(
            &path,
            format!("#!/bin/sh\necho '{version} (Claude Code)'\n"),
        )
        .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_premptictl"))
            .args(args)
            .env("HOME", &self.home)
            .env("PREMPTI_HOME", &self.prempti)
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("COPILOT_HOME")
            .env_remove("QWEN_HOME")
            .env_remove("XDG_CONFIG_HOME")
            // No real agent CLI is found: only the fake ones in `bin`.
            .env("PATH", format!("{}:/usr/bin:/bin", self.bin.display()))
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn status_json(&self, agent: &str) -> (i32, Value) {
        let out = self.run(&["hook", "status", agent, "--json"]);
        let v: Value = serde_json::from_slice(&out.stdout).expect("status --json prints JSON");
        (out.status.code().unwrap(), v[0].clone())
    }

    fn hook_path(&self) -> String {
        self.prempti
            .join("bin")
            .join("prempti-hook")
            .display()
            .to_string()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// Settings file of each agent under HOME.
fn settings(env: &Env, agent: &str) -> PathBuf {
    match agent {
        "claude" => env.home.join(".claude/settings.json"),
        "codex" => env.home.join(".codex/hooks.json"),
        "gemini" => env.home.join(".gemini/settings.json"),
        "cursor" => env.home.join(".cursor/hooks.json"),
        "copilot" => env.home.join(".copilot/hooks/prempti.json"),
        "qwen" => env.home.join(".qwen/settings.json"),
        "opencode" => env.home.join(".config/opencode/plugin/prempti.js"),
        "droid" => env.home.join(".factory/settings.json"),
        _ => unreachable!(),
    }
}

const AGENTS: [&str; 8] = [
    "claude", "codex", "gemini", "cursor", "copilot", "qwen", "opencode", "droid",
];

#[test]
fn fresh_files_get_the_documented_entries() {
    let env = Env::new();
    env.ok(&["hook", "add", "all"]);
    let quoted = format!("'{}'", env.hook_path());

    let claude = read_json(&settings(&env, "claude"));
    let group = &claude["hooks"]["PreToolUse"][0];
    assert_eq!(group["matcher"], "*");
    assert_eq!(group["hooks"][0]["type"], "command");
    assert_eq!(group["hooks"][0]["command"], format!("{quoted} claude"));
    assert_eq!(group["hooks"][0]["timeout"], 10);

    let codex = read_json(&settings(&env, "codex"));
    assert_eq!(
        codex["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        format!("{quoted} codex")
    );
    assert!(
        !env.home.join(".codex/config.toml").exists(),
        "config.toml is not created"
    );

    let gemini = read_json(&settings(&env, "gemini"));
    let handler = &gemini["hooks"]["BeforeTool"][0]["hooks"][0];
    assert_eq!(handler["command"], format!("{quoted} gemini"));
    assert_eq!(
        handler["timeout"], 10_000,
        "Gemini timeouts are milliseconds"
    );

    let cursor = read_json(&settings(&env, "cursor"));
    assert_eq!(cursor["version"], 1);
    for event in ["preToolUse", "beforeShellExecution", "beforeMCPExecution"] {
        let h = &cursor["hooks"][event][0];
        assert_eq!(h["command"], format!("{quoted} cursor"), "{event}");
        assert_eq!(h["failClosed"], true, "{event}");
    }

    let copilot = read_json(&settings(&env, "copilot"));
    assert_eq!(copilot["version"], 1);
    assert_eq!(
        copilot["hooks"]["preToolUse"][0]["bash"],
        format!("{quoted} copilot")
    );
    assert_eq!(copilot["hooks"]["preToolUse"][0]["timeoutSec"], 10);

    let qwen = read_json(&settings(&env, "qwen"));
    let group = &qwen["hooks"]["PreToolUse"][0];
    assert_eq!(group["matcher"], "*");
    assert_eq!(group["hooks"][0]["command"], format!("{quoted} qwen"));
    assert_eq!(
        group["hooks"][0]["timeout"], 10,
        "Qwen Code timeouts are seconds"
    );

    let droid = read_json(&settings(&env, "droid"));
    let group = &droid["hooks"]["PreToolUse"][0];
    assert_eq!(group["matcher"], "*");
    assert_eq!(group["hooks"][0]["command"], format!("{quoted} droid"));
    assert_eq!(group["hooks"][0]["timeout"], 10);

    let plugin = fs::read_to_string(settings(&env, "opencode")).unwrap();
    assert!(plugin.starts_with("// Prempti plugin"), "{plugin}");
    assert!(
        plugin.contains(&serde_json::to_string(&env.hook_path()).unwrap()),
        "{plugin}"
    );

    // Every agent is installed; status exits 0.
    let out = env.run(&["hook", "status", "all", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), AGENTS.len());
    for s in all.as_array().unwrap() {
        assert_eq!(s["state"], "installed", "{s}");
    }
    // Created files have no backups; removing deletes them.
    env.ok(&["hook", "remove", "all"]);
    for agent in AGENTS {
        assert!(!settings(&env, agent).exists(), "{agent} file removed");
    }
    // So are the directories `add` created for them.
    let left: Vec<_> = fs::read_dir(&env.home).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn remove_keeps_directories_that_hold_other_files() {
    let env = Env::new();
    fs::create_dir_all(env.home.join(".cursor")).unwrap();
    fs::write(env.home.join(".cursor/mcp.json"), "{}").unwrap();
    fs::create_dir_all(env.home.join(".copilot")).unwrap();
    fs::write(env.home.join(".copilot/config.json"), "{}").unwrap();
    env.ok(&["hook", "add", "cursor"]);
    env.ok(&["hook", "add", "copilot"]);
    env.ok(&["hook", "remove", "all"]);
    assert!(!settings(&env, "cursor").exists());
    assert_eq!(fs::read(env.home.join(".cursor/mcp.json")).unwrap(), b"{}");
    assert!(!env.home.join(".copilot/hooks").exists(), "created by add");
    assert_eq!(
        fs::read(env.home.join(".copilot/config.json")).unwrap(),
        b"{}"
    );
}

const EXISTING_CLAUDE: &str = r#"{
    "model": "opus",
    "hooks": {
        "PostToolUse": [
            { "matcher": "Write", "hooks": [ { "type": "command", "command": "fmt.sh" } ] }
        ],
        "PreToolUse": [
            { "matcher": "Bash", "hooks": [ { "type": "command", "command": "/opt/guard.sh" } ] }
        ]
    },
    "permissions": {"allow": ["Bash(ls)"]}
}"#;

#[test]
fn existing_files_keep_unrelated_keys_and_are_restored_byte_for_byte() {
    let env = Env::new();
    let cases: [(&str, &str); 7] = [
        ("claude", EXISTING_CLAUDE),
        ("codex", "{\n  \"hooks\": {\n    \"PreToolUse\": [\n      {\"matcher\": \"^Bash$\", \"hooks\": [{\"type\": \"command\", \"command\": \"audit.sh\"}]}\n    ]\n  }\n}\n"),
        ("gemini", "{\n\t\"theme\": \"dark\",\n\t\"general\": {\"vimMode\": true}\n}\n"),
        ("cursor", "{\"version\":1,\"hooks\":{\"afterFileEdit\":[{\"command\":\"./fmt.sh\"}],\"preToolUse\":[{\"command\":\"./mine.sh\",\"matcher\":\"Shell\"}]}}"),
        ("copilot", "{\"version\": 1, \"hooks\": {}}\n"),
        ("qwen", "{\n  \"security\": {\"auth\": {\"selectedType\": \"anthropic\"}},\n  \"hooks\": {\"PreToolUse\": [{\"matcher\": \"write_file\", \"hooks\": [{\"type\": \"command\", \"command\": \"check.sh\", \"timeout\": 5}]}]},\n  \"model\": {\"name\": \"qwen3-coder-plus\"}\n}\n"),
        ("droid", "{\"sessionDefaultSettings\": {\"model\": \"custom:mine\"},\n \"hooks\": {\"PostToolUse\": [{\"matcher\": \"Edit\", \"hooks\": [{\"type\": \"command\", \"command\": \"fmt.sh\"}]}]}}"),
    ];
    for (agent, original) in cases {
        let path = settings(&env, agent);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, original).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }

        env.ok(&["hook", "add", agent]);
        let after_add = fs::read(&path).unwrap();
        let backup = path.with_file_name(format!(
            "{}.prempti-backup",
            path.file_name().unwrap().to_string_lossy()
        ));
        assert_eq!(
            fs::read_to_string(&backup).unwrap(),
            original,
            "{agent}: backup is the original"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640, "{agent}: permissions kept");
        }

        // Unrelated keys, foreign hooks and key order survive.
        let before: Value = serde_json::from_str(original).unwrap();
        let now = read_json(&path);
        for (key, value) in before.as_object().unwrap() {
            if key != "hooks" {
                assert_eq!(&now[key], value, "{agent}: {key} kept");
            }
        }
        let keys_before: Vec<&String> = before.as_object().unwrap().keys().collect();
        let keys_now: Vec<&String> = now.as_object().unwrap().keys().collect();
        assert_eq!(
            &keys_now[..keys_before.len()],
            &keys_before[..],
            "{agent}: key order kept"
        );
        if let Some(hooks) = before.get("hooks").and_then(Value::as_object) {
            for (event, list) in hooks {
                for (i, item) in list.as_array().unwrap().iter().enumerate() {
                    assert_eq!(
                        &now["hooks"][event][i], item,
                        "{agent}: foreign hook {event}[{i}] kept"
                    );
                }
            }
        }
        if agent == "gemini" {
            assert!(
                String::from_utf8_lossy(&after_add).contains("\n\t\"theme\""),
                "tab indentation kept"
            );
        }

        // A second add changes nothing, byte for byte.
        let out = env.ok(&["hook", "add", agent]);
        assert!(out.contains("already"), "{out}");
        assert_eq!(fs::read(&path).unwrap(), after_add, "{agent}: idempotent");

        env.ok(&["hook", "remove", agent]);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            original,
            "{agent}: restored byte for byte"
        );
        assert!(
            !backup.exists(),
            "{agent}: backup dropped after an exact restore"
        );
        // Removing again is a no-op.
        env.ok(&["hook", "remove", agent]);
        assert_eq!(fs::read_to_string(&path).unwrap(), original);
    }
}

#[test]
fn remove_keeps_changes_made_after_add() {
    let env = Env::new();
    let path = settings(&env, "claude");
    env.ok(&["hook", "add", "claude"]);
    let mut doc = read_json(&path);
    doc["env"] = serde_json::json!({"A": "1"});
    fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    env.ok(&["hook", "remove", "claude"]);
    let doc = read_json(&path);
    assert_eq!(
        doc,
        serde_json::json!({"env": {"A": "1"}}),
        "Prempti's containers go, the user's key stays"
    );
}

#[test]
fn status_reports_each_state() {
    let env = Env::new();
    let path = settings(&env, "claude");

    let (code, s) = env.status_json("claude");
    assert_eq!((code, s["state"].as_str()), (1, Some("missing")));
    assert_eq!(s["file_exists"], false);

    env.ok(&["hook", "add", "claude"]);
    let (code, s) = env.status_json("claude");
    assert_eq!((code, s["state"].as_str()), (0, Some("installed")));
    assert_eq!(s["foreign"], serde_json::json!([]));

    // Foreign hooks are listed but do not change the state.
    let mut doc = read_json(&path);
    let ours = doc["hooks"]["PreToolUse"][0].clone();
    doc["hooks"]["PreToolUse"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"matcher": "Bash", "hooks": [{"type": "command", "command": "/opt/guard.sh"}]}));
    fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let (code, s) = env.status_json("claude");
    assert_eq!((code, s["state"].as_str()), (0, Some("installed")));
    assert_eq!(
        s["foreign"],
        serde_json::json!(["PreToolUse: /opt/guard.sh"])
    );

    // Duplicate.
    doc["hooks"]["PreToolUse"]
        .as_array_mut()
        .unwrap()
        .push(ours.clone());
    fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let (code, s) = env.status_json("claude");
    assert_eq!((code, s["state"].as_str()), (1, Some("duplicate")));
    // `add` repairs it to exactly one entry, keeping the foreign one.
    env.ok(&["hook", "add", "claude"]);
    let (_, s) = env.status_json("claude");
    assert_eq!(s["state"], "installed");
    let repaired = read_json(&path);
    assert_eq!(repaired["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);

    // Stale: another installation, a wrong agent argument, a missing binary.
    for command in [
        "/elsewhere/bin/prempti-hook claude".to_owned(),
        format!("'{}' codex", env.hook_path()),
    ] {
        let doc = serde_json::json!({"hooks": {"PreToolUse": [
            {"matcher": "*", "hooks": [{"type": "command", "command": command}]}]}});
        fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
        let (code, s) = env.status_json("claude");
        assert_eq!((code, s["state"].as_str()), (1, Some("stale")), "{command}");
    }
    env.ok(&["hook", "add", "claude"]);
    fs::remove_file(env.prempti.join("bin/prempti-hook")).unwrap();
    let (code, s) = env.status_json("claude");
    assert_eq!((code, s["state"].as_str()), (1, Some("stale")));
    assert!(
        s["details"][0].as_str().unwrap().contains("does not exist"),
        "{s}"
    );
}

#[test]
fn invalid_json_is_refused_and_left_untouched() {
    let env = Env::new();
    let path = settings(&env, "gemini");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let broken = "{\n  \"theme\": \"dark\",\n  oops\n}\n";
    fs::write(&path, broken).unwrap();
    for cmd in ["add", "remove", "status"] {
        let out = env.run(&["hook", cmd, "gemini"]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            all.contains(&path.display().to_string()) && all.contains("line 3"),
            "{cmd}: {all}"
        );
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            broken,
            "{cmd} left the file alone"
        );
    }
    assert_eq!(
        fs::read_dir(path.parent().unwrap()).unwrap().count(),
        1,
        "no backup or temp file"
    );
}

#[test]
fn config_dir_overrides_and_codex_switch_are_honoured() {
    let env = Env::new();
    let codex_home = env.home.join("custom-codex");
    let claude_dir = env.home.join("custom-claude");
    fs::create_dir_all(&codex_home).unwrap();
    let toml = "# mine\nmodel = \"o3\"\n\n[features]\nhooks = false\n";
    fs::write(codex_home.join("config.toml"), toml).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_premptictl"))
            .args(args)
            .env("HOME", &env.home)
            .env("PREMPTI_HOME", &env.prempti)
            .env("CODEX_HOME", &codex_home)
            .env("CLAUDE_CONFIG_DIR", &claude_dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let out = run(&["hook", "add", "codex"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("/hooks"),
        "tells the user to trust the hook: {stdout}"
    );
    assert!(
        stdout.contains("hooks = false"),
        "reports the switched-off feature: {stdout}"
    );
    assert!(codex_home.join("hooks.json").exists());
    assert_eq!(
        fs::read_to_string(codex_home.join("config.toml")).unwrap(),
        toml,
        "config.toml untouched"
    );
    let out = run(&["hook", "status", "codex", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["state"], "disabled");

    assert!(run(&["hook", "add", "claude"]).status.success());
    assert!(claude_dir.join("settings.json").exists());
    assert!(!env.home.join(".claude").exists());
}

#[test]
fn claude_entry_fails_closed_when_the_installed_cli_supports_it() {
    let env = Env::new();
    let path = settings(&env, "claude");

    // No Claude Code found: today's entry, and `add` says why.
    let out = env.ok(&["hook", "add", "claude"]);
    assert!(out.contains("Claude Code not found"), "{out}");
    let handler = read_json(&path)["hooks"]["PreToolUse"][0]["hooks"][0].clone();
    assert!(handler.get("onFailure").is_none(), "{handler}");
    let (code, status) = env.status_json("claude");
    assert_eq!(code, 0, "{status}");
    assert!(
        status["on_hook_failure"]
            .as_str()
            .unwrap()
            .starts_with("let through"),
        "{status}"
    );
    env.ok(&["hook", "remove", "claude"]);
    assert!(!path.exists());

    // An older CLI: the same entry.
    env.fake_claude("2.1.294");
    let out = env.ok(&["hook", "add", "claude"]);
    assert!(out.contains("2.1.294 predates"), "{out}");
    assert!(read_json(&path)["hooks"]["PreToolUse"][0]["hooks"][0]
        .get("onFailure")
        .is_none());
    assert_eq!(env.status_json("claude").0, 0);

    // The CLI is upgraded: the old entry is reported stale, `add` rewrites it fail-closed.
    env.fake_claude("2.1.329");
    let (code, status) = env.status_json("claude");
    assert_eq!(code, 1, "{status}");
    assert_eq!(status["state"], "stale", "{status}");
    assert!(
        status["details"].to_string().contains("onFailure"),
        "{status}"
    );
    let out = env.ok(&["hook", "add", "claude"]);
    assert!(out.contains("Claude Code 2.1.329 found"), "{out}");
    let handler = read_json(&path)["hooks"]["PreToolUse"][0]["hooks"][0].clone();
    assert_eq!(handler["onFailure"], "block", "{handler}");
    assert_eq!(handler["timeout"], 10);
    let (code, status) = env.status_json("claude");
    assert_eq!(code, 0, "{status}");
    assert_eq!(
        status["on_hook_failure"],
        "blocked (\"onFailure\": \"block\")"
    );
    let text = text(&env.run(&["hook", "status", "claude"]).stdout);
    assert!(
        text.contains("if the hook cannot run, calls are blocked"),
        "{text}"
    );
    // Idempotent: a second add writes nothing.
    let before = fs::read(&path).unwrap();
    let out = env.ok(&["hook", "add", "claude"]);
    assert!(out.contains("hook already in"), "{out}");
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn fail_closed_claude_entry_is_removed_byte_for_byte() {
    let env = Env::new();
    env.fake_claude("2.1.329");
    let path = settings(&env, "claude");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, EXISTING_CLAUDE).unwrap();
    env.ok(&["hook", "add", "claude"]);
    let doc = read_json(&path);
    let groups = doc["hooks"]["PreToolUse"].as_array().unwrap();
    let ours = groups.last().unwrap();
    assert_eq!(ours["hooks"][0]["onFailure"], "block", "{doc}");
    env.ok(&["hook", "remove", "claude"]);
    assert_eq!(fs::read_to_string(&path).unwrap(), EXISTING_CLAUDE);
}

/// Qwen Code: `QWEN_HOME` moves the settings file; `"disableAllHooks": true` is reported as
/// disabled; status says the call goes ahead when the hook cannot run.
#[test]
fn qwen_settings_follow_qwen_home_and_report_switched_off_hooks() {
    let env = Env::new();
    let qwen_home = env.home.join("elsewhere/qwen");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_premptictl"))
            .args(args)
            .env("HOME", &env.home)
            .env("PREMPTI_HOME", &env.prempti)
            .env("QWEN_HOME", &qwen_home)
            .env("PATH", "/usr/bin:/bin")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    assert!(run(&["hook", "add", "qwen"]).status.success());
    let path = qwen_home.join("settings.json");
    assert!(path.exists());
    assert!(!env.home.join(".qwen").exists());

    let out = run(&["hook", "status", "qwen", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["state"], "installed", "{v}");
    assert!(
        v[0]["on_hook_failure"]
            .as_str()
            .is_some_and(|s| s.starts_with("let through")),
        "{v}"
    );

    let mut doc = read_json(&path);
    doc["disableAllHooks"] = Value::Bool(true);
    fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = run(&["hook", "status", "qwen", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["state"], "disabled", "{v}");
    assert!(
        v[0]["details"].to_string().contains("disableAllHooks"),
        "{v}"
    );
}

/// OpenCode is registered by a plugin file of Prempti's own: `add` writes it (once), `status`
/// reports it with its fail-closed behaviour, `remove` deletes it and the directories `add`
/// created; a file of someone else's at that path is never overwritten or deleted.
#[test]
fn opencode_plugin_file_round_trip() {
    let env = Env::new();
    let path = settings(&env, "opencode");
    let out = env.ok(&["hook", "add", "opencode"]);
    assert!(out.contains("restart running OpenCode sessions"), "{out}");
    let written = fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&written).into_owned();
    assert!(text.contains("\"tool.execute.before\""), "{text}");
    assert!(text.contains("[\"opencode\"]"), "{text}");

    let (code, status) = env.status_json("opencode");
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["state"], "installed", "{status}");
    assert!(
        status["on_hook_failure"]
            .as_str()
            .is_some_and(|s| s.starts_with("blocked")),
        "{status}"
    );

    // Idempotent.
    env.ok(&["hook", "add", "opencode"]);
    assert_eq!(fs::read(&path).unwrap(), written);

    // An edited plugin is stale and `add` rewrites it.
    fs::write(&path, format!("{text}// edited\n")).unwrap();
    let (code, status) = env.status_json("opencode");
    assert_eq!(
        (code, status["state"].as_str()),
        (1, Some("stale")),
        "{status}"
    );
    env.ok(&["hook", "add", "opencode"]);
    assert_eq!(fs::read(&path).unwrap(), written);

    env.ok(&["hook", "remove", "opencode"]);
    assert!(!path.exists());
    let left: Vec<_> = fs::read_dir(&env.home).unwrap().collect();
    assert!(
        left.is_empty(),
        "directories created by add are gone: {left:?}"
    );

    // Someone else's plugin under that name: neither overwritten nor deleted.
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "export const Mine = async () => ({});\n").unwrap();
    let out = env.run(&["hook", "add", "opencode"]);
    assert!(!out.status.success());
    assert!(
        text_of(&out).contains("is not Prempti's plugin"),
        "{}",
        text_of(&out)
    );
    env.ok(&["hook", "remove", "opencode"]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "export const Mine = async () => ({});\n"
    );
}

fn text_of(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// Issue #21, point 5: `hook add <agent> --post-tool` adds `prempti-hook <agent> --post-tool` on
/// the agent's post-tool event (once, however often it runs), `hook status` still reports the
/// pre-tool entry installed, and `hook remove` takes both out.
#[test]
fn post_tool_hooks_are_added_once_and_removed_with_the_rest() {
    let env = Env::new();
    env.fake_claude("2.1.329");
    for (agent, file, event) in [
        ("claude", ".claude/settings.json", "PostToolUse"),
        ("gemini", ".gemini/settings.json", "AfterTool"),
    ] {
        let said = env.ok(&["hook", "add", agent, "--post-tool"]);
        assert!(
            said.contains(&format!("post-tool hook on {event}")),
            "{said}"
        );
        let path = env.home.join(file);
        let first = fs::read(&path).unwrap();
        env.ok(&["hook", "add", agent, "--post-tool"]);
        assert_eq!(
            fs::read(&path).unwrap(),
            first,
            "a second add changed {file}"
        );
        let doc: Value = serde_json::from_slice(&first).unwrap();
        let entries = doc["hooks"][event].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{doc:#}");
        let command = entries[0]["hooks"][0]["command"].as_str().unwrap();
        assert!(
            command.ends_with(&format!("{agent} --post-tool")),
            "{doc:#}"
        );
        assert!(entries[0]["hooks"][0].get("onFailure").is_none(), "{doc:#}");
        let (code, status) = env.status_json(agent);
        assert_eq!(code, 0, "{status:#}");
        env.ok(&["hook", "remove", agent]);
        let left = fs::read_to_string(&path).unwrap_or_default();
        assert!(!left.contains("prempti-hook"), "{left}");
    }
    let cursor = env.run(&["hook", "add", "cursor", "--post-tool"]);
    assert!(cursor.status.success());
    assert!(
        text(&cursor.stdout).contains("no post-tool hook Prempti uses"),
        "{}",
        text(&cursor.stdout)
    );
}
