//! The Falco engine under change: mode and default-action switches under a stream of hook
//! calls, reloads Falco refuses, a Falco that dies, a Falco that cannot start.
//!
//! Whole installations (`install --engine falco --service detached`) in a temporary `HOME` and
//! `PREMPTI_HOME`, driven through the built binaries. The tests that need a real Falco run
//! when `PREMPTI_FALCO` names one (`scripts/setup-falco.sh` sets it in `make test`) and print
//! a skip line otherwise; the one with a stand-in Falco always runs.

// Unix only: Falco runs on Linux and macOS (on Windows `engine: falco` is refused).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

mod common;
use common::{assert_success, hook_binary, output_text as text, repo_root, target_dir};

const RULES: &str = r#"- rule: Deny recursive delete
  desc: recursive deletes are never allowed
  condition: tool.input_command startswith "rm " and tool.input_command contains "-rf"
  output: Recursive delete blocked (%tool.input_command)
  priority: CRITICAL
  source: coding_agent
  tags: [coding_agent_deny]
"#;

/// The reason of a deny the rule above gives.
const RULE_REASON: &str = "Deny recursive delete";

fn falco_binary() -> Option<PathBuf> {
    std::env::var_os("PREMPTI_FALCO")
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .filter(|f| f.is_file())
}

fn plugin_built() -> bool {
    target_dir()
        .join(if cfg!(target_os = "macos") {
            "libprempti_plugin.dylib"
        } else {
            "libprempti_plugin.so"
        })
        .is_file()
}

/// A real Falco and the built plugin, or a skip line.
fn real_falco(test: &str) -> Option<PathBuf> {
    let Some(falco) = falco_binary() else {
        println!("skipped {test}: no Falco (set PREMPTI_FALCO, e.g. scripts/setup-falco.sh)");
        return None;
    };
    if !plugin_built() {
        println!("skipped {test}: the plugin is not built (cargo build -p prempti-plugin)");
        return None;
    }
    Some(falco)
}

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
        std::fs::create_dir_all(&user_home).unwrap();
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

    /// `install --service detached --no-hook` plus `extra`.
    fn install(&self, extra: &[&str]) -> Output {
        let from = target_dir();
        let mut args = vec![
            "install",
            "--from",
            from.to_str().unwrap(),
            "--source",
            self.source.to_str().unwrap(),
            "--service",
            "detached",
            "--no-hook",
        ];
        args.extend_from_slice(extra);
        self.ctl(&args)
    }

    /// `install --engine falco --falco <falco> --service detached` (no agent hook).
    fn install_falco(&self, falco: &Path) -> Output {
        self.install(&["--engine", "falco", "--falco", falco.to_str().unwrap()])
    }

    fn status(&self) -> serde_json::Value {
        let out = self.ctl(&["status", "--json"]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("status --json is not JSON ({e}): {}", text(&out)))
    }

    fn hook(&self) -> Hook {
        Hook {
            binary: self.prempti_home.join("bin/prempti-hook"),
            user_home: self.user_home.clone(),
            prempti_home: self.prempti_home.clone(),
        }
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        if self.prempti_home.join("run").exists() {
            let _ = self.ctl(&["stop"]);
        }
    }
}

/// Runs the installed hook as Claude Code would; cloneable into threads.
#[derive(Clone)]
struct Hook {
    binary: PathBuf,
    user_home: PathBuf,
    prempti_home: PathBuf,
}

#[derive(Debug, Clone, PartialEq)]
struct Verdict {
    decision: String,
    reason: String,
}

impl Hook {
    fn bash(&self, command: &str) -> Verdict {
        let payload = serde_json::json!({
            "session_id": "falco-engine",
            "cwd": self.user_home,
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
        });
        let mut c = Command::new(&self.binary);
        c.arg("claude")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.user_home)
            .env("PREMPTI_HOME", &self.prempti_home);
        let out = common::run_with_stdin(&mut c, payload.to_string().as_bytes());
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout.trim().is_empty() && out.status.success() {
            return Verdict {
                decision: "defer".into(),
                reason: String::new(),
            };
        }
        let v: serde_json::Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("hook output is not JSON ({e}): {}", text(&out)));
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

/// A stream of hook calls from `threads` threads until stopped; every verdict is kept.
struct Traffic {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Verdict>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Traffic {
    fn start(hook: &Hook, threads: usize) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..threads)
            .map(|i| {
                let (hook, stop, seen) = (hook.clone(), Arc::clone(&stop), Arc::clone(&seen));
                std::thread::spawn(move || {
                    let command = if i % 2 == 0 { "rm -rf /tmp/x" } else { "ls" };
                    while !stop.load(Ordering::Relaxed) {
                        let verdict = hook.bash(command);
                        seen.lock().unwrap().push(verdict);
                    }
                })
            })
            .collect();
        Traffic {
            stop,
            seen,
            threads,
        }
    }

    /// Stops the stream; returns every verdict.
    fn finish(self) -> Vec<Verdict> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().unwrap();
        }
        Arc::try_unwrap(self.seen).unwrap().into_inner().unwrap()
    }
}

/// Every verdict is one the policy gives in some mode: a rule deny or the default action;
/// never a deny for an unreachable or failing service (the hook's "not reachable", the
/// broker's deadline, shutdown or evaluation-failed denials).
fn assert_all_evaluated(verdicts: &[Verdict]) {
    assert!(!verdicts.is_empty());
    for v in verdicts {
        let rule_deny = v.decision == "deny" && v.reason.starts_with(RULE_REASON);
        // The default action: silent, or with monitor mode's "would deny" note.
        let default = (v.decision == "defer" || v.decision == "allow")
            && (v.reason.is_empty() || v.reason.starts_with("monitor mode, would deny: "));
        assert!(
            rule_deny || default,
            "a call got {v:?} (not a verdict of the policy) among {} calls",
            verdicts.len()
        );
    }
}

fn set(t: &Install, what: &str, value: &str) {
    let out = t.ctl(&[what, value]);
    assert_success(&out, &format!("{what} {value}"));
    let shown = text(&out);
    assert!(
        !shown.contains("restarted"),
        "{what} {value} restarted Falco: {shown}"
    );
}

#[test]
fn mode_switches_under_calls_keep_falco_and_take_effect_at_once() {
    let Some(falco) = real_falco("mode_switches_under_calls_keep_falco_and_take_effect_at_once")
    else {
        return;
    };
    let t = Install::new();
    assert_success(&t.install_falco(&falco), "install --engine falco");
    let status = t.status();
    assert_eq!(status["engine"], "falco", "{status}");
    let falco_pid = status["falco_pid"].as_u64().expect("falco pid");
    // The shipped falco.yaml passes Falco's schema check.
    let log = std::fs::read_to_string(t.prempti_home.join("log/daemon.log")).unwrap();
    assert!(
        log.contains("run/falco/falco.yaml | schema validation: ok"),
        "{log}"
    );
    assert!(!log.contains("schema validation: failed"), "{log}");
    let hook = t.hook();
    // `start` returned once Falco answered a health call: the first call is evaluated.
    let first = hook.bash("rm -rf /tmp/x");
    assert_eq!(first.decision, "deny", "{first:?}");
    assert!(first.reason.starts_with(RULE_REASON), "{first:?}");

    let traffic = Traffic::start(&hook, 4);
    // (mode, default action, the verdict of `rm -rf` from then on)
    let steps = [
        ("monitor", "defer", "defer"),
        ("guardrails", "defer", "deny"),
        ("passthrough", "defer", "defer"),
        ("monitor", "allow", "allow"),
        ("guardrails", "allow", "deny"),
        ("passthrough", "allow", "allow"),
        ("guardrails", "defer", "deny"),
    ];
    let mut checked = 0;
    for (mode, action, expected) in steps {
        set(&t, "mode", mode);
        set(&t, "default-action", action);
        for _ in 0..3 {
            let v = hook.bash("rm -rf /tmp/x");
            assert_eq!(
                v.decision, expected,
                "mode {mode}, default action {action}: {v:?}"
            );
            if expected == "deny" {
                assert!(v.reason.starts_with(RULE_REASON), "{v:?}");
            }
            checked += 1;
        }
        let ls = hook.bash("ls");
        assert_eq!(ls.decision, action, "ls in mode {mode}: {ls:?}");
    }
    let verdicts = traffic.finish();
    assert_all_evaluated(&verdicts);
    println!(
        "{} calls from 4 threads during {} mode/default-action switches, {checked} checked after each: none denied as unreachable",
        verdicts.len(),
        steps.len() * 2
    );

    let status = t.status();
    assert_eq!(
        status["falco_pid"].as_u64(),
        Some(falco_pid),
        "Falco was restarted: {status}"
    );
    assert_eq!(status["mode"], "guardrails", "{status}");
    assert_eq!(status["default_action"], "defer", "{status}");
    // The counters come from the plugin inside Falco.
    let counters = &status["counters"];
    let calls = counters["calls"].as_u64().unwrap();
    assert!(calls >= verdicts.len() as u64, "{status}");
    assert!(counters["deny"].as_u64().unwrap() > 0, "{status}");
    assert!(counters["alerts"].as_u64().unwrap() > 0, "{status}");
    assert!(
        status["broker"]["connections"].as_u64().unwrap() >= calls,
        "{status}"
    );
    assert_eq!(status["rules"]["rules"], 1, "{status}");
    assert_eq!(status["falco"]["state"], "running", "{status}");
    // The saved configuration follows, for the next start.
    let saved = std::fs::read_to_string(
        t.prempti_home
            .join("config/falco.coding_agents_plugin.yaml"),
    )
    .unwrap();
    assert!(saved.contains("mode: guardrails"), "{saved}");
}

#[test]
fn rules_falco_refuses_keep_the_running_falco_and_a_good_reload_loses_no_call() {
    let Some(falco) =
        real_falco("rules_falco_refuses_keep_the_running_falco_and_a_good_reload_loses_no_call")
    else {
        return;
    };
    let t = Install::new();
    assert_success(&t.install_falco(&falco), "install --engine falco");
    let falco_pid = t.status()["falco_pid"].as_u64().expect("falco pid");
    let hook = t.hook();

    // A rules file that needs a newer engine than this Falco's.
    let future = t.prempti_home.join("rules/user/future.yaml");
    std::fs::write(&future, "- required_engine_version: 0.63.0\n").unwrap();
    let out = t.ctl(&["reload"]);
    assert!(!out.status.success(), "{}", text(&out));
    let status = t.status();
    assert_eq!(status["falco_pid"].as_u64(), Some(falco_pid), "{status}");
    assert_eq!(status["last_reload"]["ok"], false, "{status}");
    let errors = status["last_reload"]["errors"].to_string();
    assert!(errors.contains("future.yaml"), "{status}");
    let text_status = String::from_utf8_lossy(&t.ctl(&["status"]).stdout).into_owned();
    assert!(text_status.contains("failed"), "{text_status}");
    // The old policy is still in force.
    let v = hook.bash("rm -rf /tmp/x");
    assert!(v.reason.starts_with(RULE_REASON), "{v:?}");

    // A good change: the new Falco takes over under a stream of calls, none is lost.
    std::fs::remove_file(&future).unwrap();
    std::fs::write(
        t.prempti_home.join("rules/user/more.yaml"),
        RULES
            .replace("Deny recursive delete", "Deny shred")
            .replace(
                "startswith \"rm \" and tool.input_command contains \"-rf\"",
                "startswith \"shred \"",
            ),
    )
    .unwrap();
    let traffic = Traffic::start(&hook, 4);
    let out = t.ctl(&["reload"]);
    let verdicts = traffic.finish();
    assert_success(&out, "reload");
    let status = t.status();
    let new_pid = status["falco_pid"].as_u64().expect("falco pid");
    assert_ne!(new_pid, falco_pid, "{status}");
    assert_eq!(status["last_reload"]["ok"], true, "{status}");
    assert_eq!(status["rules"]["rules"], 2, "{status}");
    assert_all_evaluated(&verdicts);
    println!(
        "{} calls from 4 threads during a reload that replaced Falco: none denied",
        verdicts.len()
    );
    let v = hook.bash("shred /tmp/x");
    assert_eq!(v.decision, "deny", "{v:?}");
}

#[test]
fn a_falco_that_dies_is_started_again() {
    let Some(falco) = real_falco("a_falco_that_dies_is_started_again") else {
        return;
    };
    // An embedded installation, switched to Falco by installing again with --engine falco.
    let t = Install::new();
    assert_success(&t.install(&[]), "install");
    assert_eq!(t.status()["engine"], "embedded");
    let out = t.install_falco(&falco);
    assert_success(&out, "install --engine falco");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(shown.contains("engine switched to falco"), "{shown}");
    let falco_pid = t.status()["falco_pid"].as_u64().expect("falco pid") as i32;
    // SAFETY: kill(2) on the Falco this test's daemon started.
    unsafe {
        libc::kill(falco_pid, libc::SIGKILL);
    }
    // A call made while no Falco runs waits on the daemon's socket for the next Falco.
    let hook = t.hook();
    let started = std::time::Instant::now();
    let v = hook.bash("rm -rf /tmp/x");
    println!(
        "a call made as Falco died was answered after {:?}: {v:?}",
        started.elapsed()
    );
    let mut status = t.status();
    for _ in 0..200 {
        if status["falco"]["state"] == "running" && status["falco"]["restarts"] == 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        status = t.status();
    }
    assert_eq!(status["falco"]["restarts"], 1, "{status}");
    assert_eq!(status["falco"]["state"], "running", "{status}");
    assert!(
        status["falco"]["last_exit"]
            .as_str()
            .is_some_and(|e| e.contains("signal: 9")),
        "{status}"
    );
    assert_ne!(status["falco_pid"].as_u64(), Some(falco_pid as u64));
    let human = String::from_utf8_lossy(&t.ctl(&["status"]).stdout).into_owned();
    assert!(human.contains("1 restart"), "{human}");
    let v = hook.bash("rm -rf /tmp/x");
    assert!(v.reason.starts_with(RULE_REASON), "{v:?}");
}

#[test]
fn start_fails_when_falco_exits_before_answering() {
    // A stand-in Falco: accepts the rules (`-V`), then exits at once when run.
    let t = Install::new();
    let fake = t.user_home.join("fake-falco");
    std::fs::write(
        &fake,
        "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = -V ] && exit 0; done\necho 'cannot open the capture' >&2\nexit 3\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = t.install_falco(&fake);
    assert!(!out.status.success(), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("falco exited") && shown.contains("before it answered a health call"),
        "{shown}"
    );
    assert!(!t.prempti_home.join("run/broker.sock").exists());
}

/// The plugin's `tracing` warnings, when Falco hosts it, go through the plugin API's log
/// callback into Falco's log, which the daemon keeps in `log/daemon.log`. The warning used:
/// a request to the alert intake without its secret path.
#[test]
fn plugin_warnings_reach_falcos_log() {
    use std::io::{Read as _, Write as _};
    let Some(falco) = real_falco("plugin_warnings_reach_falcos_log") else {
        return;
    };
    let t = Install::new();
    assert_success(&t.install_falco(&falco), "install --engine falco");
    assert_eq!(t.status()["engine"], "falco");
    let config = std::fs::read_to_string(
        t.prempti_home
            .join("config/falco.coding_agents_plugin.yaml"),
    )
    .expect("the plugin configuration");
    let address = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("address:"))
        .map(|a| a.trim().trim_matches('"').to_owned())
        .expect("the intake address");
    let mut stream = std::net::TcpStream::connect(&address).expect("connect to the intake");
    stream
        .write_all(b"POST /not-the-secret HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let wanted = "alert intake: refused a request without the secret path";
    let log_path = t.prempti_home.join("log/daemon.log");
    let mut log = String::new();
    for _ in 0..100 {
        log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains(wanted) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let line = log.lines().find(|l| l.contains(wanted)).unwrap_or_else(|| {
        panic!(
            "the plugin's warning is not in {}:\n{log}",
            log_path.display()
        )
    });
    assert!(
        line.contains("falco: ") && line.contains("coding_agent"),
        "the warning came through Falco's log, from the plugin: {line}"
    );
}
