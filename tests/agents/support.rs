//! Shared plumbing of the real-agent suite: the pinned CLIs, a temporary installation of Prempti
//! driven through the real `premptictl`, bounded agent runs, audit records.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Upper bound of one agent run; the process group is killed when it expires.
pub(crate) const AGENT_TIMEOUT: Duration = Duration::from_secs(90);

/// Paths of the installed agent CLIs.
#[derive(Debug, Clone)]
pub(crate) struct Clis {
    pub(crate) claude: PathBuf,
    pub(crate) gemini: PathBuf,
    pub(crate) codex: PathBuf,
    pub(crate) copilot: PathBuf,
    pub(crate) qwen: PathBuf,
    pub(crate) opencode: PathBuf,
}

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// At most `PREMPTI_AGENT_JOBS` (default 1) agent sessions at a time: each one is a heavy
/// process tree (the agent CLI, Prempti's service), so the suite stays lean on small machines;
/// CI with a few cores sets 2 (with `--test-threads=2`) to stay within its time budget.
pub(crate) fn slot() -> Slot {
    let jobs = std::env::var("PREMPTI_AGENT_JOBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let (lock, freed) = &SLOTS;
    let mut busy = lock.lock().unwrap_or_else(|e| e.into_inner());
    while *busy >= jobs {
        busy = freed.wait(busy).unwrap_or_else(|e| e.into_inner());
    }
    *busy += 1;
    Slot
}

static SLOTS: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// One running agent session's share of [`slot`]; given back on drop.
pub(crate) struct Slot;

impl Drop for Slot {
    fn drop(&mut self) {
        let (lock, freed) = &SLOTS;
        let mut busy = lock.lock().unwrap_or_else(|e| e.into_inner());
        *busy = busy.saturating_sub(1);
        freed.notify_one();
    }
}

/// The pinned CLIs, installed (or reused) by `scripts/setup-agents.sh`. `None` (after printing a
/// skip line) only when the npm registry cannot be reached and we are not in CI.
pub(crate) fn clis() -> Option<Clis> {
    static CLIS: OnceLock<Option<Clis>> = OnceLock::new();
    CLIS.get_or_init(|| {
        let script = repo_root().join("scripts/setup-agents.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/setup-agents.sh");
        if out.status.code() == Some(3) {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("npm registry unreachable in CI: the real-agent suite cannot run");
            }
            println!("SKIP real-agent e2e: npm registry unreachable");
            eprintln!("SKIP real-agent e2e: npm registry unreachable");
            return None;
        }
        assert!(
            out.status.success(),
            "scripts/setup-agents.sh failed ({})",
            out.status
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let find = |name: &str| -> PathBuf {
            text.lines()
                .find_map(|l| {
                    let mut f = l.split_whitespace();
                    (f.next() == Some(name)).then(|| PathBuf::from(f.nth(1).unwrap_or("")))
                })
                .unwrap_or_else(|| panic!("setup-agents.sh did not report {name}: {text}"))
        };
        Some(Clis {
            claude: find("claude"),
            gemini: find("gemini"),
            codex: find("codex"),
            copilot: find("copilot"),
            qwen: find("qwen"),
            opencode: find("opencode"),
        })
    })
    .clone()
}

/// The directory holding the debug `premptictl` and `prempti-hook` this test belongs to.
fn bin_dir() -> PathBuf {
    // target/debug/deps/agents-<hash> -> target/debug
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary under target/<profile>/deps")
        .to_path_buf();
    for b in ["premptictl", "prempti-hook"] {
        assert!(
            dir.join(b).is_file(),
            "{} is missing: build the binaries first (cargo build -p premptictl -p prempti-hook)",
            dir.join(b).display()
        );
    }
    dir
}

/// Output of a bounded run.
#[derive(Debug)]
pub(crate) struct RunOutput {
    pub(crate) code: Option<i32>,
    pub(crate) timed_out: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl RunOutput {
    pub(crate) fn describe(&self) -> String {
        format!(
            "exit {:?}{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code,
            if self.timed_out { " (timed out)" } else { "" },
            tail(&self.stdout, 4000),
            tail(&self.stderr, 4000)
        )
    }
}

fn tail(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut i = s.len() - n;
    while !s.is_char_boundary(i) {
        i += 1;
    }
    &s[i..]
}

/// Run `cmd` in its own process group with stdin closed, bounded by `timeout`: on expiry the
/// whole group is killed. The group is also killed after a normal exit, so nothing the agent
/// started outlives the run.
pub(crate) fn run_bounded(mut cmd: Command, timeout: Duration, logs: &Path) -> RunOutput {
    use std::os::unix::process::CommandExt;
    fs::create_dir_all(logs).expect("log dir");
    let out_path = logs.join("stdout");
    let err_path = logs.join("stderr");
    cmd.stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).expect("stdout file"))
        .stderr(fs::File::create(&err_path).expect("stderr file"))
        .process_group(0);
    let mut child = cmd.spawn().expect("spawn agent");
    let pgid = child.id() as libc::pid_t;
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait agent") {
            break Some(st);
        }
        if Instant::now() >= deadline {
            timed_out = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // SAFETY: kill(2) on the process group we created; no memory is involved.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
    let code = match status {
        Some(st) => st.code(),
        None => {
            let _ = child.wait();
            None
        }
    };
    RunOutput {
        code,
        timed_out,
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

/// A temporary world for one agent: HOME, a project directory, Prempti installed under
/// `$HOME/.prempti` with the detached service running. The service is stopped on drop.
pub(crate) struct World {
    pub(crate) root: tempfile::TempDir,
    pub(crate) home: PathBuf,
    pub(crate) project: PathBuf,
    pub(crate) prempti_home: PathBuf,
    /// A directory put first on PATH (the agent's CLI, so `premptictl hook add` finds it).
    pub(crate) path_prefix: Option<PathBuf>,
    /// The model the agent is asked to use, when not its suite default.
    pub(crate) model: Option<String>,
    bin: PathBuf,
    runs: usize,
}

impl World {
    pub(crate) fn new(label: &str) -> World {
        let root = tempfile::Builder::new()
            .prefix(&format!("prempti-agents-{label}-"))
            .tempdir()
            .expect("temp dir");
        let home = root.path().join("home");
        let project = root.path().join("project");
        fs::create_dir_all(&home).unwrap();
        fs::create_dir_all(&project).unwrap();
        fs::write(project.join("README.md"), "A test project.\n").unwrap();
        let prempti_home = home.join(".prempti");
        let mut w = World {
            root,
            home,
            project,
            prempti_home,
            path_prefix: None,
            model: None,
            bin: bin_dir(),
            runs: 0,
        };
        let repo = repo_root();
        let from = w.bin.clone();
        let out = w.premptictl_with(
            &w.bin.join("premptictl"),
            &[
                OsString::from("install"),
                "--from".into(),
                from.clone().into(),
                "--hook-from".into(),
                from.into(),
                "--source".into(),
                repo.into(),
                "--service".into(),
                "detached".into(),
                "--no-hook".into(),
            ],
        );
        assert!(out.status.success(), "premptictl install failed: {out:?}");
        // A harmless call must run without the agent's own prompt (which `-p` runs turn into a
        // refusal): Prempti is the only gate here. Installs default to defer.
        w.premptictl(&["default-action", "allow"]);
        w.runs = 0;
        w
    }

    /// Environment every process of this world gets: nothing from the caller's environment
    /// except PATH (node), so no real credentials, config or home leak in.
    pub(crate) fn base_env(&self, cmd: &mut Command) {
        let system = std::env::var_os("PATH").unwrap_or_default();
        let path = match &self.path_prefix {
            Some(dir) => std::env::join_paths(
                std::iter::once(dir.clone()).chain(std::env::split_paths(&system)),
            )
            .expect("PATH"),
            None => system,
        };
        cmd.env_clear()
            .env("PATH", path)
            .env("HOME", &self.home)
            .env("USER", "prempti-e2e")
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .env("NO_COLOR", "1")
            .env("TMPDIR", self.root.path())
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_STATE_HOME", self.home.join(".local/state"))
            // Anything that is not loopback goes to a closed local port: the suite never
            // reaches the network, even through a code path the settings do not switch off.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("ALL_PROXY", "http://127.0.0.1:9")
            .env("https_proxy", "http://127.0.0.1:9")
            .env("http_proxy", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("PREMPTI_HOME", &self.prempti_home)
            .env("CODEX_HOME", self.codex_home())
            .current_dir(&self.project);
    }

    pub(crate) fn codex_home(&self) -> PathBuf {
        self.home.join(".codex")
    }

    fn premptictl_with(&self, exe: &Path, args: &[OsString]) -> std::process::Output {
        let mut cmd = Command::new(exe);
        self.base_env(&mut cmd);
        cmd.args(args).stdin(Stdio::null());
        let logs = self.root.path().join("premptictl");
        let out = run_bounded(cmd, Duration::from_secs(60), &logs);
        assert!(!out.timed_out, "premptictl {args:?} timed out");
        std::process::Output {
            status: std::os::unix::process::ExitStatusExt::from_raw(
                out.code.map(|c| c << 8).unwrap_or(9),
            ),
            stdout: out.stdout.into_bytes(),
            stderr: out.stderr.into_bytes(),
        }
    }

    /// Run the installed `premptictl`; panics unless it succeeds.
    pub(crate) fn premptictl(&self, args: &[&str]) -> String {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let out = self.premptictl_with(&self.prempti_home.join("bin/premptictl"), &args);
        assert!(
            out.status.success(),
            "premptictl {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A fresh directory for the logs of the next run.
    pub(crate) fn next_run_dir(&mut self, label: &str) -> PathBuf {
        self.runs += 1;
        self.root
            .path()
            .join(format!("runs/{:02}-{label}", self.runs))
    }

    /// A path for a marker file that a command creates (absent until then).
    pub(crate) fn marker(&self, name: &str) -> PathBuf {
        let dir = self.root.path().join("markers");
        fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// Plant a fake SSH private key under `$HOME/.ssh` and return its path.
    pub(crate) fn plant_ssh_key(&self) -> PathBuf {
        let dir = self.home.join(".ssh");
        fs::create_dir_all(&dir).unwrap();
        let key = dir.join("id_rsa");
        fs::write(
            &key,
            "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----\n",
        )
        .unwrap();
        key
    }

    /// From now on, every hook run also keeps its stdin: the installed `prempti-hook` becomes a
    /// `sh` script that saves what it reads under [`World::captured`] and then runs the real
    /// binary on it (with `exec`, so the hook's parent is still the agent).
    pub(crate) fn capture_hook_input(&self) {
        let bin = self.prempti_home.join("bin");
        let real = bin.join("prempti-hook.real");
        fs::rename(bin.join("prempti-hook"), &real).expect("move the hook binary aside");
        let dir = self.root.path().join("captured");
        fs::create_dir_all(&dir).unwrap();
        let script = format!(
            "#!/bin/sh\nf=\"$(mktemp '{dir}/input-XXXXXX')\"\ncat > \"$f\"\nexec '{real}' \"$@\" < \"$f\"\n",
            dir = dir.display(),
            real = real.display()
        );
        let hook = bin.join("prempti-hook");
        fs::write(&hook, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The hook inputs kept since [`World::capture_hook_input`], parsed, oldest first.
    pub(crate) fn captured(&self) -> Vec<Value> {
        let dir = self.root.path().join("captured");
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|(_, f)| {
                let text = fs::read_to_string(f).unwrap();
                serde_json::from_str(&text).unwrap_or_else(|e| {
                    panic!("hook input {} is not JSON ({e}): {text}", f.display())
                })
            })
            .collect()
    }

    /// Keeps a captured hook input as `<name>.json` in the directory named by
    /// `PREMPTI_SAVE_CAPTURED`, when that variable is set (to refresh the payload fixtures in
    /// `tests/fixtures/payloads/`, after renaming the temporary paths in them).
    pub(crate) fn save_captured(&self, name: &str, input: &Value) {
        if let Some(dir) = std::env::var_os("PREMPTI_SAVE_CAPTURED") {
            let dir = PathBuf::from(dir);
            fs::create_dir_all(&dir).unwrap();
            let text = serde_json::to_string_pretty(input).unwrap() + "\n";
            fs::write(dir.join(format!("{name}.json")), text).unwrap();
        }
    }

    /// Every audit record so far.
    pub(crate) fn audit(&self) -> Vec<Value> {
        let text =
            fs::read_to_string(self.prempti_home.join("log/audit.jsonl")).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }

    /// Audit records whose command or file path contains `needle`.
    pub(crate) fn audit_for(&self, needle: &str) -> Vec<Value> {
        self.audit()
            .into_iter()
            .filter(|r| {
                ["command", "file_path"].iter().any(|k| {
                    r.get(*k)
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.contains(needle))
                })
            })
            .collect()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Stop the detached service; ignore failures (it may already be stopped).
        let mut cmd = Command::new(self.prempti_home.join("bin/premptictl"));
        self.base_env(&mut cmd);
        cmd.arg("stop");
        let _ = run_bounded(
            cmd,
            Duration::from_secs(30),
            &self.root.path().join("premptictl-stop"),
        );
        if std::env::var_os("PREMPTI_KEEP_AGENT_WORLDS").is_some() {
            let path = std::mem::replace(&mut self.root, tempfile::tempdir().unwrap()).keep();
            eprintln!("kept {}", path.display());
        }
    }
}

/// Assert `haystack` contains every needle, with context on failure.
#[track_caller]
pub(crate) fn assert_contains_all(haystack: &str, needles: &[&str], context: &str) {
    for n in needles {
        assert!(
            haystack.contains(n),
            "expected {n:?} in:\n{haystack}\n\ncontext:\n{context}"
        );
    }
}
