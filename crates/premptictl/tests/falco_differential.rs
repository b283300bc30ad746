//! The two engines side by side: every fixture of `rules/tests` and every case of
//! `rules/corpus` goes through the embedded engine (the `premptictl rules test` machinery) and
//! through a real Falco running the repository's default rules, and the matched rules, the
//! verdict and the reason must be the same for each case.
//!
//! The Falco side is the daemon's own Falco host: `premptictl install --engine falco` into a
//! temporary `HOME` / `PREMPTI_HOME`, then `premptictl daemon` in the foreground, which renders
//! `falco.yaml` and runs Falco with the `coding_agent` plugin. Each case is sent to the
//! plugin's broker socket as the hook sends it (payload, agent, home, prempti_home); the answer
//! gives the verdict and reason, and the audit record written before the answer gives the
//! matched rules.
//!
//! It runs when a Falco binary is found (`PREMPTI_FALCO`, set by `scripts/setup-falco.sh` in
//! `make test`) and prints a skip line otherwise. Deliberate differences are listed in
//! rules/README.md, "Differences from Falco"; none of them shows in these fixtures. The one
//! normalization: reasons are compared up to their first `/proc/` path (globs over `/proc`
//! expand to the processes running at each evaluation).

// Unix only: Falco runs on Linux and macOS (on Windows `engine: falco` is refused).
#![cfg(unix)]

use std::collections::BTreeSet;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;

use prempti_protocol::{frame, Decision, HookRequest, HookResponse};
use premptictl::rules_tools::{self, fixtures};

mod common;
#[path = "falco_differential/generate.rs"]
mod generate;
#[path = "falco_differential/generated.rs"]
mod generated;
use common::{assert_success, hook_binary, repo_root, target_dir};

fn falco_binary() -> Option<PathBuf> {
    std::env::var_os("PREMPTI_FALCO")
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .filter(|f| f.is_file())
}

/// Builds the plugin's shared library (once per test binary) and returns it.
fn plugin_library() -> PathBuf {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "prempti-plugin", "--lib"])
            .current_dir(repo_root())
            .status()
            .expect("run cargo build -p prempti-plugin");
        assert!(status.success(), "cargo build -p prempti-plugin failed");
    });
    let library = target_dir().join(if cfg!(target_os = "macos") {
        "libprempti_plugin.dylib"
    } else {
        "libprempti_plugin.so"
    });
    assert!(library.is_file(), "{} is missing", library.display());
    library
}

/// A foreground `premptictl daemon` on the Falco engine; stopped (SIGTERM, which it forwards
/// to Falco) when dropped, however the test ends.
struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the child we spawned and have not reaped yet.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// One temporary installation on the Falco engine with the repository's default rules.
struct FalcoInstall {
    _dir: tempfile::TempDir,
    user_home: PathBuf,
    prempti_home: PathBuf,
}

impl FalcoInstall {
    /// An installation whose default rules are the repository's.
    fn new(falco: &Path) -> FalcoInstall {
        let rules =
            std::fs::read_to_string(repo_root().join("rules/default/coding_agents_rules.yaml"))
                .expect("the default rules");
        FalcoInstall::with_rules(falco, &rules)
    }

    /// An installation whose default rules file holds `rules`.
    fn with_rules(falco: &Path, rules: &str) -> FalcoInstall {
        hook_binary();
        plugin_library();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let user_home = root.join("home");
        let prempti_home = root.join("prempti");
        let source = root.join("src");
        std::fs::create_dir_all(&user_home).unwrap();
        std::fs::create_dir_all(source.join("rules/default")).unwrap();
        std::fs::create_dir_all(source.join("rules/user")).unwrap();
        std::fs::create_dir_all(source.join("installers/config")).unwrap();
        std::fs::write(source.join("rules/default/coding_agents_rules.yaml"), rules).unwrap();
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
        let install = FalcoInstall {
            _dir: dir,
            user_home,
            prempti_home,
        };
        let from = target_dir();
        let out = install
            .ctl()
            .args([
                "install",
                "--no-hook",
                "--no-start",
                "--service",
                "detached",
            ])
            .arg("--from")
            .arg(&from)
            .arg("--source")
            .arg(&source)
            .args(["--engine", "falco", "--falco"])
            .arg(falco)
            .output()
            .expect("run premptictl install");
        assert_success(&out, "install --engine falco");
        install
    }

    fn ctl(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_premptictl"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.user_home)
            .env("PREMPTI_HOME", &self.prempti_home)
            .env("NO_COLOR", "1");
        command
    }

    /// Starts the daemon and waits for the plugin's broker socket (Falco loaded the plugin and
    /// the rules).
    fn start(&self) -> Daemon {
        let child = self
            .ctl()
            .arg("daemon")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start premptictl daemon");
        let mut daemon = Daemon { child };
        let socket = self.socket();
        while !socket.exists() {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                let log = std::fs::read_to_string(self.prempti_home.join("log/daemon.log"))
                    .unwrap_or_default();
                panic!("the daemon exited ({status}) before Falco was up:\n{log}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        daemon
    }

    fn socket(&self) -> PathBuf {
        self.prempti_home.join("run/broker.sock")
    }

    fn audit_log(&self) -> PathBuf {
        self.prempti_home.join("log/audit.jsonl")
    }
}

/// What one engine said about one case.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    verdict: Decision,
    reason: String,
    matched: BTreeSet<String>,
}

/// The reason up to its first `/proc/` path: the plugin expands globs such as
/// `/proc/*/environ` on the live file system, the processes running differ between the two
/// evaluations of the same case, and the expanded list (cut at the output's length limit)
/// differs with them. The matched rules and the verdict are still compared whole.
fn stable_reason(reason: &str) -> String {
    match reason.find("/proc/") {
        Some(at) => format!("{}/proc/...", &reason[..at]),
        None => reason.to_owned(),
    }
}

/// Sends one case to the broker and waits for the answer. The broker may still be binding
/// right after the socket appears: connection errors are retried.
fn falco_call(socket: &Path, request: &HookRequest) -> Result<HookResponse, frame::FrameError> {
    let mut attempts = 0;
    loop {
        match std::os::unix::net::UnixStream::connect(socket) {
            Ok(mut stream) => {
                frame::write_message(&mut stream, request)?;
                return frame::read_message(&mut stream, frame::MAX_RESPONSE_BYTES);
            }
            Err(_) if attempts < 200 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("cannot connect to {}: {e}", socket.display()),
        }
    }
}

/// Reads the audit records written since `from` (a byte offset); returns them and the new
/// offset. The daemon's own health calls (the one it makes when Falco starts) are left out.
fn new_audit_records(path: &Path, from: u64) -> (Vec<serde_json::Value>, u64) {
    use std::io::Seek as _;
    let mut file = std::fs::File::open(path).expect("the audit log");
    file.seek(std::io::SeekFrom::Start(from)).unwrap();
    let mut reader = std::io::BufReader::new(file);
    let mut records = Vec::new();
    let mut offset = from;
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        if !line.ends_with('\n') {
            break;
        }
        offset += line.len() as u64;
        let record: serde_json::Value =
            serde_json::from_str(&line).expect("an audit record is JSON");
        if record["health"] != true {
            records.push(record);
        }
        line.clear();
    }
    (records, offset)
}

fn cases_of(dir: &Path) -> Vec<fixtures::Case> {
    let mut cases = Vec::new();
    for file in fixtures::fixture_files(dir).expect("fixture files") {
        let text = std::fs::read_to_string(&file).unwrap();
        cases.extend(fixtures::parse_file(&file, &text).expect("a valid fixture file"));
    }
    cases
}

#[test]
#[cfg(unix)]
fn falco_and_the_embedded_engine_agree_on_every_fixture() {
    let Some(falco) = falco_binary() else {
        println!("skipped: no Falco binary (set PREMPTI_FALCO; `make test` sets it with scripts/setup-falco.sh)");
        return;
    };
    let rules = repo_root().join("rules/default/coding_agents_rules.yaml");
    let ruleset = rules_tools::load_policy(
        std::slice::from_ref(&rules),
        rules_tools::EvalConfig::defaults(),
    )
    .unwrap_or_else(|e| panic!("the default rules do not load in the embedded engine: {e:#}"));
    let mut cases = cases_of(&repo_root().join("rules/tests"));
    let fixtures_count = cases.len();
    cases.extend(cases_of(&repo_root().join("rules/corpus")));

    let install = FalcoInstall::new(&falco);
    let daemon = install.start();
    let socket = install.socket();
    let mut offset = 0;
    let mut differences = Vec::new();
    let mut compared = 0;
    for (i, case) in cases.iter().enumerate() {
        let Ok(embedded) = fixtures::evaluate_case(&ruleset, case).0 else {
            continue; // not a valid payload: no engine sees it
        };
        // A sequence's earlier calls go to Falco first, in order (their verdicts are not
        // compared; the final call's is). Offsets are not waited out: the Falco side plays them
        // back to back, so only cases whose steps are all within their windows are compared.
        if case.sequence.iter().map(|s| s.offset_ms).sum::<u64>() + case.offset_ms > 60_000 {
            continue;
        }
        for step in &case.sequence {
            let request = HookRequest::new(step.agent, 4242, i as u64 + 1, step.event.clone())
                .with_homes(case.homes.home.clone(), case.homes.prempti_home.clone());
            falco_call(&socket, &request).expect("an answer to a sequence step");
            if let Some(response) = &step.ran {
                // The agent's post-tool report of the step: answered at once, not audited.
                let mut report = HookRequest::new(
                    step.agent,
                    4242,
                    i as u64 + 1,
                    fixtures::report_payload(&step.event, response),
                )
                .with_homes(case.homes.home.clone(), case.homes.prempti_home.clone());
                report.post_tool = true;
                falco_call(&socket, &report).expect("an answer to a post-tool report");
            }
            let (_, next) = new_audit_records(&install.audit_log(), offset);
            offset = next;
        }
        let embedded = Outcome {
            verdict: embedded.verdict,
            reason: stable_reason(&embedded.reason),
            matched: embedded.matched.into_iter().map(|m| m.rule).collect(),
        };
        let request = HookRequest::new(case.agent, 4242, i as u64 + 1, case.event.clone())
            .with_homes(case.homes.home.clone(), case.homes.prempti_home.clone());
        let response = falco_call(&socket, &request).unwrap_or_else(|e| {
            let log = std::fs::read_to_string(install.prempti_home.join("log/daemon.log"))
                .unwrap_or_default();
            panic!(
                "{}: {}: no answer from the Falco host ({e}); did Falco crash on this case?\n{log}",
                case.file.display(),
                case.name
            )
        });
        let (records, next) = new_audit_records(&install.audit_log(), offset);
        offset = next;
        if records.len() != 1 {
            let log = std::fs::read_to_string(install.prempti_home.join("log/daemon.log"))
                .unwrap_or_default();
            let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
            panic!(
                "{}: {}: one audit record per call, got {records:?} (response {response:?})\n{tail}",
                case.file.display(),
                case.name
            );
        }
        let record = &records[0];
        assert_eq!(record["engine"], "falco", "{record}");
        let matched = record["matched"]
            .as_array()
            .map(|m| {
                m.iter()
                    .filter_map(|m| m["rule"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let falco_outcome = Outcome {
            verdict: response.decision,
            reason: stable_reason(&response.reason),
            matched,
        };
        compared += 1;
        if falco_outcome != embedded {
            differences.push(format!(
                "{}: {}\n  embedded: {embedded:?}\n  falco:    {falco_outcome:?}",
                case.file.display(),
                case.name
            ));
        }
    }
    drop(daemon);
    println!(
        "compared {compared} cases ({fixtures_count} fixtures of rules/tests, the rest from rules/corpus): {} differences",
        differences.len()
    );
    assert!(compared > 1000, "only {compared} cases could be compared");
    assert!(
        differences.is_empty(),
        "{} cases differ between the engines:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
