//! A temporary Prempti installation driven through the real binaries.
//!
//! [`Install::builder`] lays out a temporary directory holding a user `HOME`, a project
//! directory and a `PREMPTI_HOME`, runs `premptictl install --service detached --no-start`
//! from the built binaries and the repository's `rules/` and `installers/`, applies the
//! requested changes to the installed configuration (user rules, broker deadline), then
//! `premptictl start`s the detached daemon. Every command runs with a cleared environment:
//! only `PATH`, the temporary `HOME` and `PREMPTI_HOME` (and what a caller adds) are set, so
//! nothing reads or writes the real home directory.
//!
//! Dropping an [`Install`] stops its daemon (`premptictl stop`, then `SIGKILL` of the pid in
//! `run/daemon.lock` if it is still alive) and removes the directory.
//!
//! Binaries come from [`debug_binaries`] (the target directory of the running test, built once
//! with `cargo build -p premptictl -p prempti-hook` unless `PREMPTI_E2E_NO_BUILD=1`), or from
//! any directories given to [`InstallBuilder::binaries`] (the latency harness passes release
//! and `hook`-profile builds).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The repository root (holds `rules/` and `installers/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository root exists")
}

/// Directory of `premptictl` and `prempti-hook` for tests: `PREMPTI_E2E_BIN_DIR` when set,
/// else the cargo target directory of the running test binary (`target/<profile>`), where
/// they are built once per process (a no-op when up to date; `make test` builds them first).
pub fn debug_binaries() -> PathBuf {
    if let Some(dir) = std::env::var_os("PREMPTI_E2E_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let test_binary = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/e2e-<hash>
    let profile_dir = test_binary
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .to_path_buf();
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        if std::env::var_os("PREMPTI_E2E_NO_BUILD").is_some() {
            return;
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args([
                "build",
                "-q",
                "-p",
                "premptictl",
                "-p",
                "prempti-hook",
                "-p",
                "prempti-plugin",
            ])
            .current_dir(repo_root());
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build");
        assert!(
            status.success(),
            "cargo build -p premptictl -p prempti-hook -p prempti-plugin failed (PREMPTI_E2E_NO_BUILD=1 runs the binaries already built)"
        );
    });
    for name in ["premptictl", "prempti-hook"] {
        let path = profile_dir.join(exe(name));
        assert!(
            path.is_file(),
            "{} is missing; run `cargo build --workspace --bins`",
            path.display()
        );
    }
    profile_dir
}

/// The engine an installation runs its rules on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// The rules engine embedded in the daemon (the default).
    Embedded,
    /// A real Falco binary hosting the plugin.
    Falco(PathBuf),
}

impl Engine {
    /// Every engine a test runs on: the embedded one, then Falco when `PREMPTI_FALCO` names a
    /// binary (`make test` sets it with `scripts/setup-falco.sh`). Without one, prints a line
    /// saying the Falco run of `test` is skipped.
    pub fn all(test: &str) -> Vec<Engine> {
        let mut engines = vec![Engine::Embedded];
        match std::env::var_os("PREMPTI_FALCO")
            .filter(|f| !f.is_empty())
            .map(PathBuf::from)
            .filter(|f| f.is_file())
        {
            Some(falco) => engines.push(Engine::Falco(falco)),
            None => println!(
                "{test}: skipped on the Falco engine: no Falco binary (set PREMPTI_FALCO; \
                 `make test` sets it with scripts/setup-falco.sh)"
            ),
        }
        engines
    }

    /// `embedded` or `falco`, as `status` and the audit log name it.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Embedded => "embedded",
            Engine::Falco(_) => "falco",
        }
    }
}

/// What to install.
#[derive(Debug, Clone)]
pub struct InstallBuilder {
    from: Option<PathBuf>,
    hook_from: Option<PathBuf>,
    user_rules: Vec<(String, String)>,
    broker_deadline_ms: Option<u64>,
    hook_timeout_ms: u64,
    falco: Option<PathBuf>,
}

impl InstallBuilder {
    /// Takes `premptictl` from `from` and `prempti-hook` from `hook_from`.
    pub fn binaries(mut self, from: impl Into<PathBuf>, hook_from: impl Into<PathBuf>) -> Self {
        self.from = Some(from.into());
        self.hook_from = Some(hook_from.into());
        self
    }

    /// Installs with `--engine falco --falco <falco>` (the plugin library must be next to
    /// `premptictl` in the `binaries` directory).
    pub fn falco_engine(mut self, falco: impl Into<PathBuf>) -> Self {
        self.falco = Some(falco.into());
        self
    }

    /// Installs with `engine`.
    pub fn engine(mut self, engine: &Engine) -> Self {
        self.falco = match engine {
            Engine::Embedded => None,
            Engine::Falco(falco) => Some(falco.clone()),
        };
        self
    }

    /// Adds `rules/user/<name>` with `text` before the daemon starts.
    pub fn user_rule(mut self, name: &str, text: &str) -> Self {
        self.user_rules.push((name.to_owned(), text.to_owned()));
        self
    }

    /// Sets the broker's own deadline for a call (`init_config.request_deadline_ms`) and the
    /// hook's total deadline (`PREMPTI_TIMEOUT_MS`, one second more). Load tests raise both so
    /// a slow machine does not turn into (correct, fail-closed) timeout denials. The hook's
    /// deadline is capped at what the hook accepts (`env::MAX_TIMEOUT_MS`, below the agents'
    /// own hook timeout), and the broker's stays one second below it.
    pub fn deadlines_ms(mut self, broker: u64) -> Self {
        let hook = (broker + 1000).min(prempti_protocol::env::MAX_TIMEOUT_MS);
        self.broker_deadline_ms = Some(hook - 1000);
        self.hook_timeout_ms = hook;
        self
    }

    /// Installs and starts the daemon.
    pub fn start(self) -> Install {
        let dir = tempfile::Builder::new()
            .prefix("prempti-test-")
            .tempdir()
            .expect("temp dir");
        // Without Windows' verbatim `\\?\` prefix, which no user's directory carries.
        let root = PathBuf::from(prempti_protocol::paths::portable(
            &dir.path().canonicalize().expect("canonical temp dir"),
        ));
        let user_home = root.join("home");
        let project = root.join("project");
        let prempti_home = root.join("prempti");
        std::fs::create_dir_all(user_home.join(".claude")).expect("create HOME");
        std::fs::create_dir_all(project.join("src")).expect("create the project");
        let from = self.from.clone().unwrap_or_else(debug_binaries);
        let hook_from = self.hook_from.clone().unwrap_or_else(|| from.clone());
        let install = Install {
            _dir: dir,
            root,
            user_home,
            project,
            prempti_home,
            hook_timeout_ms: self.hook_timeout_ms,
            bootstrap_ctl: from.join(exe("premptictl")),
        };
        let falco = self.falco.clone();
        let source = repo_root();
        let mut args = vec![
            "install",
            "--from",
            path_str(&from),
            "--hook-from",
            path_str(&hook_from),
            "--source",
            path_str(&source),
            "--service",
            "detached",
            "--no-start",
        ];
        if let Some(falco) = &falco {
            args.extend_from_slice(&["--engine", "falco", "--falco", path_str(falco)]);
        }
        install.ctl_ok(&args);
        if let Some(ms) = self.broker_deadline_ms {
            let path = install
                .prempti_home
                .join("config/falco.coding_agents_plugin.yaml");
            let text = std::fs::read_to_string(&path).expect("read the plugin configuration");
            let old = "request_deadline_ms: 4500";
            assert!(text.contains(old), "{} has no `{old}`", path.display());
            std::fs::write(
                &path,
                text.replace(old, &format!("request_deadline_ms: {ms}")),
            )
            .expect("write the plugin configuration");
        }
        for (name, text) in &self.user_rules {
            std::fs::write(install.prempti_home.join("rules/user").join(name), text)
                .expect("write a user rule");
        }
        // The suite checks Prempti's own allow; installs default to defer (the agent's prompts).
        install.ctl_ok(&["default-action", "allow"]);
        install.ctl_ok(&["start"]);
        install
    }
}

/// One installation under a temporary directory, its daemon running (detached).
#[derive(Debug)]
pub struct Install {
    _dir: tempfile::TempDir,
    /// The temporary directory.
    pub root: PathBuf,
    /// `HOME` of every command.
    pub user_home: PathBuf,
    /// The agent's working directory in payloads.
    pub project: PathBuf,
    /// `PREMPTI_HOME`.
    pub prempti_home: PathBuf,
    /// `PREMPTI_TIMEOUT_MS` given to hooks.
    pub hook_timeout_ms: u64,
    /// The `premptictl` that installs (the installed one runs every later command).
    bootstrap_ctl: PathBuf,
}

/// What one hook process did.
#[derive(Debug, Clone)]
pub struct HookOutput {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// stdout, lossily decoded.
    pub stdout: String,
    /// stderr, lossily decoded.
    pub stderr: String,
}

impl Install {
    /// Defaults: the debug binaries, the shipped rules, deadlines of the configuration
    /// (broker 4500 ms) and the largest hook deadline the hook accepts
    /// (`env::MAX_TIMEOUT_MS`).
    pub fn builder() -> InstallBuilder {
        InstallBuilder {
            from: None,
            hook_from: None,
            user_rules: Vec::new(),
            broker_deadline_ms: None,
            hook_timeout_ms: prempti_protocol::env::MAX_TIMEOUT_MS,
            falco: None,
        }
    }

    fn env(&self, command: &mut Command) {
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.user_home)
            .env("USERPROFILE", &self.user_home)
            .env("LOCALAPPDATA", self.user_home.join("AppData").join("Local"))
            .env("APPDATA", self.user_home.join("AppData").join("Roaming"))
            .env("PREMPTI_HOME", &self.prempti_home)
            .env("NO_COLOR", "1");
        // What Windows programs need from the system to start (absent on Unix).
        for name in [
            "SystemRoot",
            "windir",
            "SystemDrive",
            "TEMP",
            "TMP",
            "PATHEXT",
        ] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
    }

    /// Runs the installed `premptictl` (the one from `--from` before install).
    pub fn ctl(&self, args: &[&str]) -> Output {
        let installed = self.prempti_home.join("bin").join(exe("premptictl"));
        let exe = if installed.is_file() {
            installed
        } else {
            self.bootstrap_ctl.clone()
        };
        let mut command = Command::new(exe);
        command.args(args).stdin(Stdio::null());
        self.env(&mut command);
        command.output().expect("run premptictl")
    }

    /// Runs `premptictl` and fails the test unless it succeeds; returns stdout.
    pub fn ctl_ok(&self, args: &[&str]) -> String {
        let out = self.ctl(args);
        assert!(
            out.status.success(),
            "premptictl {} failed: {}",
            args.join(" "),
            describe(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `premptictl status --json` of the running daemon.
    pub fn status(&self) -> Value {
        let out = self.ctl(&["status", "--json"]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("status --json is not JSON ({e}): {}", describe(&out)))
    }

    /// The daemon's pid, from `run/daemon.lock`.
    pub fn daemon_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.prempti_home.join("run/daemon.lock"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Runs the installed `prempti-hook <agent>` with `stdin`.
    pub fn hook(&self, agent: &str, stdin: &[u8]) -> HookOutput {
        self.hook_with_env(agent, stdin, &[])
    }

    /// Runs the installed hook with extra environment variables.
    pub fn hook_with_env(&self, agent: &str, stdin: &[u8], env: &[(&str, &str)]) -> HookOutput {
        let mut command = Command::new(self.prempti_home.join("bin").join(exe("prempti-hook")));
        command
            .arg(agent)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.env(&mut command);
        command.env("PREMPTI_TIMEOUT_MS", self.hook_timeout_ms.to_string());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn prempti-hook");
        let mut input = child.stdin.take().expect("piped stdin");
        // The hook may stop reading early on oversized input: a broken pipe is fine.
        let _ = input.write_all(stdin);
        drop(input);
        let out = child.wait_with_output().expect("wait for prempti-hook");
        HookOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `log/audit.jsonl` as text.
    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(self.prempti_home.join("log/audit.jsonl")).unwrap_or_default()
    }

    /// Every record of `log/audit.jsonl` but health calls (`"health":true`); fails the test on a line that is not a whole JSON
    /// object or a file that does not end with a newline (a torn write).
    pub fn audit(&self) -> Vec<Value> {
        let text = self.audit_text();
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "audit.jsonl ends in the middle of a line"
        );
        text.lines()
            .enumerate()
            .map(|(i, line)| {
                let v: Value = serde_json::from_str(line).unwrap_or_else(|e| {
                    panic!("audit.jsonl line {} is not JSON ({e}): {line}", i + 1)
                });
                assert!(
                    v.is_object(),
                    "audit.jsonl line {} is not an object: {line}",
                    i + 1
                );
                v
            })
            // Health calls (the daemon's own when it starts Falco, `premptictl health`) are
            // not calls of the test.
            .filter(|v| v["health"] != true)
            .collect()
    }

    /// Waits (bounded by `limit`) until the audit log holds at least `n` records; returns them.
    /// Records of passthrough calls are written after the answer, so tests wait for them.
    pub fn audit_at_least(&self, n: usize, limit: Duration) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let records = self.audit();
            if records.len() >= n || start.elapsed() > limit {
                return records;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        // Never leave a daemon behind, whatever happened in the test.
        let pid = self.daemon_pid();
        let _ = self.ctl(&["stop"]);
        if let Some(pid) = pid {
            if pid > 0 && process_alive(pid) && is_our_daemon(pid, &self.prempti_home) {
                sigkill(pid);
            }
        }
    }
}

pub use crate::process::{is_our_daemon, process_alive, sigkill};

/// Waits (bounded by `limit`) until `pid` is gone; returns whether it is.
pub fn wait_gone(pid: i32, limit: Duration) -> bool {
    let start = Instant::now();
    while process_alive(pid) {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// `name` with the platform's executable suffix (`.exe` on Windows).
pub fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// The path as UTF-8 (temporary paths always are here).
pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Exit status, stdout and stderr of a finished command, for failure messages.
pub fn describe(out: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
