//! Whole installations in a temporary `HOME` and `PREMPTI_HOME`, driven through the built
//! binaries: install (twice) → status → health → mode switches under concurrent hook traffic →
//! reload with a broken rules file → stop (fail closed) → uninstall (agent settings restored
//! byte for byte). The daemon runs detached (no systemd in tests). The Falco engine is tested
//! when a Falco binary is found (`PREMPTI_FALCO` or `falco` on PATH), and skipped with a line
//! saying so otherwise.
//!
//! The tests need `prempti-hook` next to `premptictl` in the target directory; they build it
//! with `cargo build -p prempti-hook` (a no-op when it is up to date).

// Unix only: checks file modes and replaces binaries with `#!/bin/sh` scripts; the Windows
// installation's whole life is the `smoke` suite of tests/ (run under Wine).
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

mod common;
use common::{assert_success, hook_binary, output_text as text, repo_root, target_dir};

const RULES: &str = r#"- list: destructive_flags
  items: ["-rf", "-fr"]

- rule: Deny recursive delete
  desc: recursive deletes are never allowed
  condition: tool.input_command startswith "rm " and (tool.input_command contains "-rf" or tool.input_command contains "-fr")
  output: Recursive delete blocked (%tool.input_command)
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]

- rule: Ask before curl
  desc: network fetches need a confirmation
  condition: tool.input_command startswith "curl "
  output: Network fetch (%tool.input_command)
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
"#;

/// A syntax error in a condition, on line 3 of the file.
const BROKEN_RULES: &str = "- rule: Broken\n  desc: broken on purpose\n  condition: tool.name = (Bash\n  output: x\n  priority: WARNING\n  source: coding_agent\n";

const CLAUDE_SETTINGS: &str = "{\n  \"model\": \"opus\",\n  \"permissions\": {\"allow\": [\"Bash(ls:*)\"]},\n  \"hooks\": {\n    \"PostToolUse\": [{\"matcher\": \"*\", \"hooks\": [{\"type\": \"command\", \"command\": \"echo done\"}]}]\n  }\n}\n";

/// One installation under a temporary directory.
struct Install {
    _dir: tempfile::TempDir,
    user_home: PathBuf,
    prempti_home: PathBuf,
    source: PathBuf,
}

impl Install {
    fn new() -> Install {
        hook_binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let user_home = root.join("home");
        let prempti_home = root.join("prempti");
        let source = root.join("src");
        std::fs::create_dir_all(user_home.join(".claude")).unwrap();
        std::fs::write(user_home.join(".claude/settings.json"), CLAUDE_SETTINGS).unwrap();
        // A repository copy with our own small rules, so the test does not depend on the
        // shipped default rules.
        std::fs::create_dir_all(source.join("rules/default")).unwrap();
        std::fs::create_dir_all(source.join("rules/user")).unwrap();
        std::fs::create_dir_all(source.join("installers/config")).unwrap();
        std::fs::write(source.join("rules/default/test_rules.yaml"), RULES).unwrap();
        std::fs::copy(
            repo_root().join("rules/seen.yaml"),
            source.join("rules/seen.yaml"),
        )
        .unwrap();
        for name in [
            "falco.yaml",
            "falco.coding_agents_plugin.yaml",
            "prempti.yaml",
        ] {
            std::fs::copy(
                repo_root().join("installers/config").join(name),
                source.join("installers/config").join(name),
            )
            .unwrap();
        }
        Install {
            _dir: dir,
            user_home,
            prempti_home,
            source,
        }
    }

    fn env(&self, command: &mut Command) {
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.user_home)
            .env("PREMPTI_HOME", &self.prempti_home)
            .env("NO_COLOR", "1");
    }

    fn ctl(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_premptictl"));
        command.args(args);
        self.env(&mut command);
        command.output().expect("run premptictl")
    }

    fn install(&self) -> Output {
        let out = self.install_with(&[]);
        assert_success(&out, "install");
        out
    }

    /// `install --service detached` from the built binaries and this test's sources, plus
    /// `extra` arguments.
    fn install_with(&self, extra: &[&str]) -> Output {
        let from = target_dir();
        let mut args = vec![
            "install",
            "--from",
            from.to_str().unwrap(),
            "--source",
            self.source.to_str().unwrap(),
            "--service",
            "detached",
        ];
        args.extend_from_slice(extra);
        self.ctl(&args)
    }

    /// Runs the installed hook for Claude Code with `command` as a Bash call.
    fn bash_call(&self, command: &str) -> Verdict {
        let payload = serde_json::json!({
            "session_id": "lifecycle",
            "cwd": self.user_home,
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
        });
        let mut c = Command::new(self.prempti_home.join("bin/prempti-hook"));
        c.arg("claude");
        self.env(&mut c);
        let out = common::run_with_stdin(&mut c, payload.to_string().as_bytes());
        Verdict::parse(&out)
    }

    fn status_json(&self) -> serde_json::Value {
        let out = self.ctl(&["status", "--json"]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("status --json is not JSON ({e}): {}", text(&out)))
    }

    fn snapshot(&self) -> BTreeMap<String, (u32, Vec<u8>)> {
        let mut tree = BTreeMap::new();
        walk(&self.prempti_home, &self.prempti_home, &mut tree);
        tree
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        // Never leave a daemon behind, whatever happened in the test.
        if self.prempti_home.join("run").exists() {
            let _ = self.ctl(&["stop"]);
        }
    }
}

/// Files under `root` (logs, sockets and the lock excluded), with mode and content.
fn walk(root: &Path, dir: &Path, tree: &mut BTreeMap<String, (u32, Vec<u8>)>) {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        if rel.starts_with("log") || rel.starts_with("run/") {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            tree.insert(format!("{rel}/"), (mode, Vec::new()));
            walk(root, &path, tree);
        } else {
            tree.insert(rel, (mode, std::fs::read(&path).unwrap()));
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Verdict {
    decision: String,
    reason: String,
}

impl Verdict {
    fn parse(out: &Output) -> Verdict {
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout.trim().is_empty() && out.status.success() {
            return Verdict {
                decision: "defer".into(),
                reason: String::new(),
            };
        }
        let v: serde_json::Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("hook output is not JSON ({e}): {}", text(out)));
        let o = &v["hookSpecificOutput"];
        Verdict {
            decision: o["permissionDecision"].as_str().unwrap_or("?").to_owned(),
            reason: o["permissionDecisionReason"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

#[test]
fn install_run_reload_stop_uninstall() {
    let t = Install::new();

    // Install, then install again: nothing changes, the daemon keeps running.
    t.install();
    let status = t.status_json();
    assert_eq!(status["running"], true, "{status}");
    assert_eq!(status["engine"], "embedded");
    assert_eq!(status["mode"], "guardrails");
    assert_eq!(status["rules"]["rules"], 2, "{status}");
    let pid = status["pid"].as_u64().unwrap();
    let tree = t.snapshot();
    let settings_installed = std::fs::read(t.user_home.join(".claude/settings.json")).unwrap();
    assert_ne!(
        settings_installed,
        CLAUDE_SETTINGS.as_bytes(),
        "the hook was registered"
    );
    t.install();
    assert_eq!(
        t.snapshot(),
        tree,
        "a second install changed the installation"
    );
    assert_eq!(
        std::fs::read(t.user_home.join(".claude/settings.json")).unwrap(),
        settings_installed
    );
    assert_eq!(
        t.status_json()["pid"].as_u64(),
        Some(pid),
        "a second install restarted the daemon"
    );

    // Layout and permissions.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| {
        std::fs::metadata(t.prempti_home.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("run"), 0o700);
    assert_eq!(mode("run/control.sock"), 0o600);
    assert_eq!(mode("config/falco.coding_agents_plugin.yaml"), 0o600);
    let plugin_config = std::fs::read_to_string(
        t.prempti_home
            .join("config/falco.coding_agents_plugin.yaml"),
    )
    .unwrap();
    assert!(
        !plugin_config.contains('@'),
        "templates are filled: {plugin_config}"
    );

    // One daemon per home.
    let second = t.ctl(&["daemon"]);
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("already running"),
        "{}",
        text(&second)
    );

    // Health through the real hook.
    let health = t.ctl(&["health", "--json"]);
    assert_success(&health, "health");
    let health: serde_json::Value = serde_json::from_slice(&health.stdout).unwrap();
    assert_eq!(health["healthy"], true, "{health}");

    // Verdicts.
    let deny = t.bash_call("rm -rf /tmp/x");
    assert_eq!(deny.decision, "deny", "{deny:?}");
    assert!(
        deny.reason
            .starts_with("Deny recursive delete: Recursive delete blocked (rm -rf /tmp/x)"),
        "{deny:?}"
    );
    assert_eq!(t.bash_call("curl https://example.com").decision, "ask");
    // Installs default to defer: the agent's own permission flow decides harmless calls.
    assert_eq!(t.bash_call("ls").decision, "defer");

    // The health check's call is marked in the audit log and left out of the views.
    let audit_text = std::fs::read_to_string(t.prempti_home.join("log/audit.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = audit_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let marked: Vec<_> = records.iter().filter(|r| r["health"] == true).collect();
    assert_eq!(marked.len(), 1, "{audit_text}");
    assert_eq!(marked[0]["tool_name"], "Read");
    assert_eq!(
        records.iter().filter(|r| r.get("health").is_none()).count(),
        3,
        "the agent's calls carry no mark: {audit_text}"
    );
    let listed = t.ctl(&["audit", "--json"]);
    assert_success(&listed, "audit");
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert_eq!(listed.lines().count(), 3, "{listed}");
    assert!(!listed.contains("prempti-health"), "{listed}");
    let all = t.ctl(&["audit", "--json", "--include-health"]);
    assert_eq!(String::from_utf8_lossy(&all.stdout).lines().count(), 4);
    assert_success(&t.ctl(&["default-action", "allow"]), "default-action");
    assert_eq!(t.bash_call("ls").decision, "allow");

    // Mode switches under concurrent traffic: every call gets a verdict from the daemon.
    let t = Arc::new(t);
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let t = Arc::clone(&t);
            std::thread::spawn(move || {
                (0..12)
                    .map(|j| {
                        let command = if (i + j) % 2 == 0 {
                            "rm -rf /tmp/y"
                        } else {
                            "ls -la"
                        };
                        (command, t.bash_call(command))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for mode in [
        "monitor",
        "passthrough",
        "guardrails",
        "monitor",
        "guardrails",
    ] {
        assert_success(&t.ctl(&["mode", mode]), "mode switch");
        assert_success(&t.ctl(&["default-action", "allow"]), "default-action");
    }
    let mut answered = 0;
    for worker in workers {
        for (command, verdict) in worker.join().unwrap() {
            assert!(
                !verdict.reason.starts_with("Prempti blocked this tool call"),
                "a call was not answered by the daemon: {verdict:?}"
            );
            if command.starts_with("ls") {
                assert_eq!(verdict.decision, "allow", "{verdict:?}");
            } else {
                // Denied in guardrails, allowed with a "would deny" reason otherwise.
                assert!(
                    verdict.decision == "deny" || verdict.decision == "allow",
                    "{verdict:?}"
                );
                assert!(
                    verdict.reason.contains("Recursive delete blocked")
                        || verdict.reason.is_empty(),
                    "{verdict:?}"
                );
            }
            answered += 1;
        }
    }
    assert_eq!(answered, 48);
    let status = t.status_json();
    assert_eq!(status["mode"], "guardrails");
    assert!(
        status["counters"]["calls"].as_u64().unwrap() >= 52,
        "{status}"
    );
    assert_eq!(status["counters"]["errors"], 0, "{status}");

    // Mode persists in the plugin configuration.
    assert_success(&t.ctl(&["mode", "monitor"]), "mode monitor");
    let saved = std::fs::read_to_string(
        t.prempti_home
            .join("config/falco.coding_agents_plugin.yaml"),
    )
    .unwrap();
    assert!(saved.contains("mode: monitor"), "{saved}");
    let would = t.bash_call("rm -rf /tmp/z");
    assert_eq!(would.decision, "allow", "{would:?}");
    assert!(would.reason.contains("would deny"), "{would:?}");
    assert_success(&t.ctl(&["mode", "guardrails"]), "mode guardrails");

    // A good reload adds a rule; a broken one keeps the last good policy.
    std::fs::write(
        t.prempti_home.join("rules/user/extra.yaml"),
        "- rule: Deny force push\n  desc: x\n  condition: tool.input_command contains \"push --force\"\n  output: Force push (%tool.input_command)\n  priority: ERROR\n  source: coding_agent\n  tags: [coding_agent_deny]\n",
    )
    .unwrap();
    assert_success(&t.ctl(&["reload"]), "reload");
    assert_eq!(t.bash_call("git push --force").decision, "deny");
    std::fs::write(
        t.prempti_home.join("rules/user/zz_broken.yaml"),
        BROKEN_RULES,
    )
    .unwrap();
    let reload = t.ctl(&["reload"]);
    assert_eq!(reload.status.code(), Some(1), "{}", text(&reload));
    let shown = String::from_utf8_lossy(&reload.stdout);
    assert!(
        shown.contains("zz_broken.yaml:3:"),
        "the error has file:line:col: {shown}"
    );
    assert_eq!(
        t.bash_call("rm -rf /").decision,
        "deny",
        "the old policy is still enforced"
    );
    assert_eq!(t.bash_call("git push --force").decision, "deny");
    let status = t.status_json();
    assert_eq!(status["last_reload"]["ok"], false, "{status}");
    let errors = status["last_reload"]["errors"].to_string();
    assert!(errors.contains("zz_broken.yaml:3:"), "{errors}");
    let human = String::from_utf8_lossy(&t.ctl(&["status"]).stdout).into_owned();
    assert!(
        human.contains("zz_broken.yaml:3:") && human.contains("previous rules stay in force"),
        "{human}"
    );

    // A restart refuses the broken rules with a clear message; fixing them brings it back.
    assert_success(&t.ctl(&["stop"]), "stop");
    let start = t.ctl(&["start"]);
    assert!(!start.status.success());
    assert!(
        String::from_utf8_lossy(&start.stderr).contains("zz_broken.yaml:3:"),
        "{}",
        text(&start)
    );
    std::fs::remove_file(t.prempti_home.join("rules/user/zz_broken.yaml")).unwrap();
    assert_success(&t.ctl(&["start"]), "start");
    assert_eq!(t.status_json()["mode"], "guardrails");

    // Stopped: hooks fail closed.
    assert_success(&t.ctl(&["stop"]), "stop");
    assert!(!t.prempti_home.join("run/control.sock").exists());
    assert!(!t.prempti_home.join("run/broker.sock").exists());
    let closed = t.bash_call("ls");
    assert_eq!(closed.decision, "deny", "{closed:?}");
    assert!(closed.reason.contains("premptictl start"), "{closed:?}");
    let health = t.ctl(&["health"]);
    assert_eq!(health.status.code(), Some(1), "{}", text(&health));
    assert!(
        String::from_utf8_lossy(&health.stdout).contains("unreachable"),
        "{}",
        text(&health)
    );
    assert_eq!(t.ctl(&["status"]).status.code(), Some(1));

    // Uninstall: settings restored byte for byte, user rules kept on request.
    let out = t.ctl(&["uninstall", "--keep-user-rules", "--yes"]);
    assert_success(&out, "uninstall");
    assert_eq!(
        std::fs::read_to_string(t.user_home.join(".claude/settings.json")).unwrap(),
        CLAUDE_SETTINGS
    );
    let left: Vec<_> = std::fs::read_dir(&t.prempti_home)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("rules")]);
    assert!(t.prempti_home.join("rules/user/extra.yaml").is_file());
    assert!(!t.prempti_home.join("rules/default").exists());
}

#[test]
fn uninstall_removes_everything_and_restores_a_missing_settings_file() {
    let t = Install::new();
    std::fs::remove_file(t.user_home.join(".claude/settings.json")).unwrap();
    t.install();
    assert!(t.user_home.join(".claude/settings.json").is_file());
    let out = t.ctl(&["uninstall", "--yes"]);
    assert_success(&out, "uninstall");
    assert!(!t.prempti_home.exists(), "{}", text(&out));
    assert!(
        !t.user_home.join(".claude/settings.json").exists(),
        "the settings file Prempti created is gone"
    );
}

#[test]
fn falco_engine_runs_when_a_falco_binary_is_available() {
    let falco = std::env::var_os("PREMPTI_FALCO")
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH").and_then(|path| {
                std::env::split_paths(&path)
                    .map(|d| d.join("falco"))
                    .find(|f| f.is_file())
            })
        });
    let Some(falco) = falco else {
        println!("skipped: no Falco binary (set PREMPTI_FALCO or put falco on PATH to test the Falco engine)");
        return;
    };
    let plugin = target_dir().join(if cfg!(target_os = "macos") {
        "libprempti_plugin.dylib"
    } else {
        "libprempti_plugin.so"
    });
    if !plugin.is_file() {
        println!(
            "skipped: {} is not built (cargo build -p prempti-plugin)",
            plugin.display()
        );
        return;
    }
    let t = Install::new();
    let out = t.install_with(&["--engine", "falco", "--falco", falco.to_str().unwrap()]);
    assert_success(&out, "install --engine falco");
    let status = t.status_json();
    assert_eq!(status["engine"], "falco", "{status}");
    assert!(status["falco_pid"].as_u64().is_some(), "{status}");
    // Falco needs a moment to load the plugin and bind the broker; the hook's own deadline
    // covers it, and a failure to answer shows as a hook-side deny.
    let mut verdict = t.bash_call("rm -rf /tmp/x");
    for _ in 0..50 {
        if !verdict.reason.starts_with("Prempti blocked this tool call") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        verdict = t.bash_call("rm -rf /tmp/x");
    }
    assert_eq!(verdict.decision, "deny", "{verdict:?}");
    assert!(
        verdict.reason.starts_with("Deny recursive delete"),
        "{verdict:?}"
    );
    assert_success(&t.ctl(&["stop"]), "stop");
    assert_success(&t.ctl(&["uninstall", "--yes"]), "uninstall");
}

#[test]
fn a_failed_start_shows_this_start_s_errors_only() {
    let t = Install::new();
    t.install();
    assert_success(&t.ctl(&["stop"]), "stop");
    let user = t.prempti_home.join("rules/user/broken.yaml");
    // The same error, on line 3 of the first file and on line 9 of the second.
    let broken = |padding: usize| {
        format!(
            "{}- rule: Broken\n  desc: x\n  condition: tool.name in (a, b\n  output: x\n  priority: WARNING\n  source: coding_agent\n",
            "# padding\n".repeat(padding)
        )
    };
    std::fs::write(&user, broken(0)).unwrap();
    let first = t.ctl(&["start"]);
    assert!(!first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("broken.yaml:3:"), "{}", text(&first));

    std::fs::write(&user, broken(6)).unwrap();
    let second = t.ctl(&["start"]);
    assert!(!second.status.success(), "{}", text(&second));
    let shown = text(&second);
    assert!(shown.contains("broken.yaml:9:"), "{shown}");
    assert!(
        !shown.contains("broken.yaml:3:"),
        "an earlier start's errors are shown again: {shown}"
    );
}

#[test]
fn install_messages_say_what_happened() {
    let t = Install::new();
    let out_text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();

    // A first install.
    let first = t.install_with(&["--no-start", "--no-hook"]);
    assert_success(&first, "install");
    let first = out_text(&first);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        first.starts_with(&format!("Prempti {version} installed in ")),
        "{first}"
    );
    assert!(
        !first.contains("updated") && !first.contains("kept"),
        "{first}"
    );
    // The test's rules file has two rules: counted by loading it, singular/plural right.
    assert!(
        first.contains(": 2 default rules; put yours in "),
        "{first}"
    );
    // No service manager (detached): one line says nothing restarts it, and what to run.
    let note: Vec<&str> = first
        .lines()
        .filter(|l| l.contains("nothing restarts"))
        .collect();
    assert_eq!(note.len(), 1, "{first}");
    assert!(note[0].contains("`premptictl start`"), "{first}");

    // Again, with nothing new: says so.
    let again = out_text(&t.install_with(&["--no-start", "--no-hook"]));
    assert!(
        again.starts_with(&format!(
            "Prempti {version} is already installed in {}; nothing changed",
            t.prempti_home.display()
        )),
        "{again}"
    );
    assert!(
        again.contains("2 default rules (unchanged), user rules kept (0 files)"),
        "{again}"
    );

    // An upgrade from an older version: the installed premptictl reports 0.0.1.
    let old = t.prempti_home.join("bin/premptictl");
    std::fs::remove_file(&old).unwrap();
    std::fs::write(
        &old,
        "#!/bin/sh\necho '{\"version\":\"0.0.1\",\"protocol\":1}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        t.source.join("rules/default/test_rules.yaml"),
        RULES.replace("- rule: Ask before curl", "- rule: Ask before curl now"),
    )
    .unwrap();
    std::fs::write(t.prempti_home.join("rules/user/50-mine.yaml"), "[]\n").unwrap();
    let upgrade = out_text(&t.install_with(&["--no-start", "--no-hook"]));
    assert!(
        upgrade.starts_with(&format!("Prempti upgraded from 0.0.1 to {version} in ")),
        "{upgrade}"
    );
    assert!(upgrade.contains("(replaced)"), "{upgrade}");
    assert!(
        upgrade.contains("2 default rules (updated), user rules kept (1 file)"),
        "{upgrade}"
    );

    // status says whether anything restarts the service.
    let status = t.ctl(&["status"]);
    let text = out_text(&status);
    assert!(text.contains("nothing restarts"), "{text}");
    let status = t.ctl(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["service"]["manager"], "detached", "{v}");
    assert_eq!(v["service"]["restarts"], false, "{v}");
}

#[test]
fn uninstall_keeps_user_data_unless_told_and_removes_its_backups() {
    let t = Install::new();
    assert_success(&t.install_with(&["--no-start"]), "install");
    let settings = t.user_home.join(".claude/settings.json");
    let backup = t.user_home.join(".claude/settings.json.prempti-backup");
    assert!(backup.is_file(), "install keeps a backup");
    // The user changes the settings after the install: the backup is no longer restored as is.
    let mut changed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    changed["theme"] = "dark".into();
    std::fs::write(&settings, changed.to_string()).unwrap();
    std::fs::write(t.prempti_home.join("rules/user/50-mine.yaml"), "[]\n").unwrap();
    std::fs::write(
        t.prempti_home.join("log/audit.jsonl"),
        "{\"decision\":\"allow\"}\n{\"decision\":\"deny\"}\n",
    )
    .unwrap();

    // Not on a terminal, without --yes: the user's rules and audit log stay, and it says so.
    let out = t.ctl(&["uninstall"]);
    assert_success(&out, "uninstall");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.starts_with("removing: "), "{}", text(&out));
    let keeping = stdout.lines().find(|l| l.starts_with("keeping: ")).unwrap();
    assert!(keeping.contains("rules/user"), "{keeping}");
    assert!(keeping.contains("log/audit.jsonl"), "{keeping}");
    assert!(
        stderr.contains("keeping your 1 user rules file in")
            && stderr.contains("keeping the audit log (2 recorded calls in"),
        "{stderr}"
    );
    assert!(stderr.contains("--yes deletes it"), "{stderr}");
    assert!(t.prempti_home.join("rules/user/50-mine.yaml").is_file());
    assert!(t.prempti_home.join("log/audit.jsonl").is_file());
    assert!(!t.prempti_home.join("bin").exists());
    assert!(!t.prempti_home.join("rules/default").exists());
    assert!(!t.prempti_home.join("config").exists());
    // Its own backup is gone, and named.
    assert!(!backup.exists(), "{}", text(&out));
    assert!(stdout.contains("settings.json.prempti-backup"), "{stdout}");
    let kept_settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(kept_settings["theme"], "dark");
    assert!(!kept_settings.to_string().contains("prempti-hook"));

    // --yes deletes them.
    assert_success(&t.install_with(&["--no-start", "--no-hook"]), "install");
    let out = t.ctl(&["uninstall", "--yes"]);
    assert_success(&out, "uninstall");
    assert!(!t.prempti_home.exists(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("keeping: nothing"),
        "{}",
        text(&out)
    );
}
