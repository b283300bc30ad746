//! Service management: what runs `premptictl daemon` in the background.
//!
//! - **systemd** (Linux, where `systemctl --user` works): a user unit rendered from
//!   `installers/systemd/prempti.service` into `~/.config/systemd/user/`, `Restart=on-failure`.
//! - **launchd** (macOS): a user agent rendered from `installers/launchd/dev.prempti.daemon.plist`
//!   into `~/Library/LaunchAgents/`, `KeepAlive` on crash.
//! - **detached** (anything else, and tests): `premptictl daemon` started as a `setsid`'d child
//!   with stdin/stdout closed and stderr appended to `log/daemon.stderr`. The daemon's pid is
//!   in `run/daemon.lock`, which it holds locked while it runs; nothing restarts it after a
//!   crash, and it does not start at login (`enable` explains this).
//! - **run-key** (Windows): started like detached (no console window, a process group of its
//!   own), and at each logon by the value `<unit name>` under the per-user Run key
//!   ([`crate::platform::autostart`]), whose command is `"<home>\bin\premptictl.exe" --home
//!   "<home>" start`. No administrator rights; nothing restarts it after a crash.
//!
//! Which one an installation uses is recorded as `service:` in `config/prempti.yaml`.
//! Readiness is the same everywhere: the daemon answers `status` on its control socket.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use prempti_protocol::control::ControlRequest;
use prempti_protocol::paths::Layout;

use crate::config::ServiceKind;
use crate::control::{self, StatusDoc};
use crate::daemon::lock;
use crate::platform::autostart;
use crate::platform::process::terminate;

/// The systemd unit template.
pub const SYSTEMD_TEMPLATE: &str = include_str!("../../../../installers/systemd/prempti.service");
/// The launchd plist template.
pub const LAUNCHD_TEMPLATE: &str =
    include_str!("../../../../installers/launchd/dev.prempti.daemon.plist");

/// How long `start` waits for the daemon to answer.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long `stop` waits for the daemon to exit.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// Picks the service manager for `--service auto`.
pub fn detect() -> ServiceKind {
    if cfg!(windows) {
        ServiceKind::RunKey
    } else if cfg!(target_os = "macos") {
        ServiceKind::Launchd
    } else if cfg!(target_os = "linux") && systemd_user_works() {
        ServiceKind::Systemd
    } else {
        ServiceKind::Detached
    }
}

fn systemd_user_works() -> bool {
    Command::new("systemctl")
        .args(["--user", "show-environment"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The unit / agent name for an installation: `prempti` for `~/.prempti`, else
/// `prempti-<hash of the home>` so several installations can coexist.
pub fn unit_name(layout: &Layout) -> String {
    let default = prempti_protocol::paths::default_home_from(
        prempti_protocol::paths::user_home(),
        std::env::var_os("LOCALAPPDATA"),
    );
    if default.as_deref() == Some(layout.home.as_path()) {
        return "prempti".to_owned();
    }
    let pipe = prempti_protocol::paths::windows_pipe_name(&layout.home);
    let hash = pipe.rsplit('-').next().unwrap_or("0");
    format!("prempti-{}", &hash[..hash.len().min(8)])
}

/// The launchd label.
pub fn launchd_label(layout: &Layout) -> String {
    format!("dev.{}.daemon", unit_name(layout).replace('-', "."))
}

/// Where the unit / plist file goes (`None` for detached).
pub fn unit_path(layout: &Layout, kind: ServiceKind) -> Result<Option<PathBuf>> {
    let home = prempti_protocol::paths::user_home().context("HOME is not set")?;
    Ok(match kind {
        ServiceKind::Systemd => {
            let config = std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".config"));
            Some(
                config
                    .join("systemd/user")
                    .join(format!("{}.service", unit_name(layout))),
            )
        }
        ServiceKind::Launchd => Some(
            home.join("Library/LaunchAgents")
                .join(format!("{}.plist", launchd_label(layout))),
        ),
        ServiceKind::Detached | ServiceKind::RunKey => None,
    })
}

/// The rendered unit / plist.
pub fn render_unit(layout: &Layout, kind: ServiceKind) -> Option<String> {
    use crate::install::template::strip_template_note;
    let home = layout.home.display().to_string();
    match kind {
        ServiceKind::Systemd => Some(
            strip_template_note(SYSTEMD_TEMPLATE)
                .replace("@PREMPTI_HOME@", &home)
                .replace("@UNIT_NAME@", &unit_name(layout)),
        ),
        ServiceKind::Launchd => Some(
            strip_template_note(LAUNCHD_TEMPLATE)
                .replace("@PREMPTI_HOME@", &xml_escape(&home))
                .replace("@LABEL@", &launchd_label(layout)),
        ),
        ServiceKind::Detached | ServiceKind::RunKey => None,
    }
}

/// The command the Run key runs at logon: `premptictl start` for this installation, the
/// paths double-quoted (Windows paths cannot contain `"`).
pub fn run_key_command(layout: &Layout) -> String {
    format!(
        "\"{}\" --home \"{}\" start",
        layout.ctl_binary().display(),
        layout.home.display()
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes the unit / plist (unchanged files are left alone) and tells the manager. Returns
/// whether the file changed.
pub fn install_unit(layout: &Layout, kind: ServiceKind) -> Result<bool> {
    if kind == ServiceKind::RunKey {
        return set_run_key(layout);
    }
    let (Some(path), Some(text)) = (unit_path(layout, kind)?, render_unit(layout, kind)) else {
        return Ok(false);
    };
    let changed = crate::install::fs::write_if_changed(&path, text.as_bytes(), 0o644)?;
    if changed && kind == ServiceKind::Systemd {
        systemctl(&["daemon-reload"])?;
    }
    if kind == ServiceKind::Systemd {
        systemctl(&["enable", &format!("{}.service", unit_name(layout))])?;
    }
    Ok(changed)
}

/// Sets this installation's Run value; returns whether it changed.
fn set_run_key(layout: &Layout) -> Result<bool> {
    let (name, command) = (unit_name(layout), run_key_command(layout));
    let run_key = || format!(r"HKEY_CURRENT_USER\{}", autostart::RUN_KEY);
    if autostart::get(&name)
        .with_context(|| format!("cannot read {}\\{name}", run_key()))?
        .as_deref()
        == Some(command.as_str())
    {
        return Ok(false);
    }
    autostart::set(&name, &command)
        .with_context(|| format!("cannot write {}\\{name}", run_key()))?;
    Ok(true)
}

/// What, if anything, restarts the service of an installation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Supervision {
    /// `systemd`, `launchd` or `detached`.
    pub manager: &'static str,
    /// Whether something restarts the daemon after a crash or a reboot.
    pub restarts: bool,
    /// One line for people.
    pub note: String,
}

/// The one line an installation without a service manager gets: nothing restarts the daemon.
pub const DETACHED_NOTE: &str = "no service manager (no systemd user session): nothing restarts \
     Prempti after a reboot or a crash, and hooks then deny every call; run `premptictl start` \
     (e.g. from your shell profile)";

/// What restarts the service of `layout`, managed by `kind`.
pub fn supervision(layout: &Layout, kind: ServiceKind) -> Supervision {
    match kind {
        ServiceKind::Systemd => {
            let unit = format!("{}.service", unit_name(layout));
            let enabled = Command::new("systemctl")
                .args(["--user", "is-enabled", &unit])
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "enabled");
            Supervision {
                manager: "systemd",
                restarts: true,
                note: if enabled {
                    format!("systemd user unit {unit}: restarted after a crash, started at login")
                } else {
                    format!(
                        "systemd user unit {unit}: restarted after a crash, not started at login \
                         (`premptictl enable`)"
                    )
                },
            }
        }
        ServiceKind::Launchd => Supervision {
            manager: "launchd",
            restarts: true,
            note: format!(
                "launchd agent {}: restarted after a crash, started at login",
                launchd_label(layout)
            ),
        },
        ServiceKind::Detached => Supervision {
            manager: "detached",
            restarts: false,
            note: DETACHED_NOTE.to_owned(),
        },
        ServiceKind::RunKey => {
            let name = unit_name(layout);
            let at_logon = autostart::get(&name).ok().flatten().is_some();
            Supervision {
                manager: "run-key",
                restarts: false,
                note: if at_logon {
                    format!(
                        "Run key value {name}: started at logon; nothing restarts it after a \
                         crash (hooks then deny every call): run `premptictl start`"
                    )
                } else {
                    format!(
                        "Run key value {name} is missing: not started at logon \
                         (`premptictl enable`); nothing restarts it after a crash"
                    )
                },
            }
        }
    }
}

/// Removes the unit / plist (after the service is stopped).
pub fn remove_unit(layout: &Layout, kind: ServiceKind) -> Result<()> {
    if kind == ServiceKind::RunKey {
        return autostart::remove(&unit_name(layout)).context("cannot remove the Run key value");
    }
    let Some(path) = unit_path(layout, kind)? else {
        return Ok(());
    };
    if kind == ServiceKind::Systemd && path.exists() {
        let _ = systemctl(&["disable", &format!("{}.service", unit_name(layout))]);
    }
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
    if kind == ServiceKind::Systemd {
        let _ = systemctl(&["daemon-reload"]);
    }
    Ok(())
}

fn systemctl(args: &[&str]) -> Result<()> {
    run_tool("systemctl", &[&["--user"], args].concat())
}

fn launchctl(args: &[&str]) -> Result<()> {
    run_tool("launchctl", args)
}

fn run_tool(tool: &str, args: &[&str]) -> Result<()> {
    let output = Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {tool}"))?;
    if !output.status.success() {
        bail!(
            "`{tool} {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

fn uid() -> u32 {
    crate::platform::process::user_id()
}

/// The daemon's status, or `None` when it does not answer.
pub fn query(layout: &Layout, timeout: Duration) -> Option<StatusDoc> {
    let response =
        control::request(&layout.control_socket(), &ControlRequest::Status, timeout).ok()?;
    if !response.ok {
        return None;
    }
    serde_json::from_value(response.data).ok()
}

/// Starts the daemon through `kind` and waits until it answers. Returns its status.
pub fn start(layout: &Layout, kind: ServiceKind) -> Result<StatusDoc> {
    if let Some(status) = query(layout, Duration::from_secs(2)) {
        return Ok(status);
    }
    match kind {
        ServiceKind::Systemd => {
            systemctl(&["start", &format!("{}.service", unit_name(layout))])?;
            wait_ready(layout, None)
        }
        ServiceKind::Launchd => {
            let path = unit_path(layout, kind)?.context("no launchd plist path")?;
            if !path.exists() {
                bail!(
                    "{} is missing; run `premptictl install` again",
                    path.display()
                );
            }
            rotate_stderr_log(layout);
            let domain = format!("gui/{}", uid());
            // Already bootstrapped agents make bootstrap fail; kickstart then starts it.
            let _ = launchctl(&["bootstrap", &domain, &path.display().to_string()]);
            launchctl(&["kickstart", &format!("{domain}/{}", launchd_label(layout))])?;
            wait_ready(layout, None)
        }
        ServiceKind::Detached | ServiceKind::RunKey => {
            let (mut child, offset) = spawn_detached(layout)?;
            let status = wait_ready(layout, Some((&mut child, offset)));
            // The daemon outlives us; its parent becomes init once we exit.
            status
        }
    }
}

/// Starts `premptictl daemon` in a new session, detached from this terminal. Returns the child
/// and where this start's output begins in `log/daemon.stderr`.
fn spawn_detached(layout: &Layout) -> Result<(std::process::Child, u64)> {
    let exe = if layout.ctl_binary().is_file() {
        layout.ctl_binary()
    } else {
        std::env::current_exe().context("cannot find the premptictl binary")?
    };
    std::fs::create_dir_all(layout.log_dir())
        .with_context(|| format!("cannot create {}", layout.log_dir().display()))?;
    rotate_stderr_log(layout);
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(stderr_log(layout))
        .with_context(|| format!("cannot open {}", stderr_log(layout).display()))?;
    let offset = stderr.metadata().map(|m| m.len()).unwrap_or(0);
    let mut command = Command::new(&exe);
    command
        .arg("daemon")
        .env(prempti_protocol::env::PREMPTI_HOME, &layout.home)
        .current_dir(&layout.home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    let child = crate::platform::process::spawn_detached(&mut command)
        .with_context(|| format!("cannot start {} daemon", exe.display()))?;
    Ok((child, offset))
}

/// `log/daemon.stderr`: what a detached or launchd daemon printed (startup errors).
pub fn stderr_log(layout: &Layout) -> PathBuf {
    layout.log_dir().join("daemon.stderr")
}

/// Rotates `log/daemon.stderr` when it is over the `log` limit of `prempti.yaml` (as
/// `daemon.log`), before a start appends to it. Only a daemon that fails at start or panics
/// writes there (its log goes to `daemon.log`), so rotating at start bounds it.
fn rotate_stderr_log(layout: &Layout) {
    let path = stderr_log(layout);
    let policy = crate::config::PremptiConfig::load(&layout.prempti_config(), &layout.home)
        .map(|c| c.log)
        .unwrap_or_default();
    let over =
        std::fs::metadata(&path).is_ok_and(|m| policy.max_bytes > 0 && m.len() > policy.max_bytes);
    if over {
        if let Ok(file) = prempti_plugin::rotate::RotatingFile::open(&path, policy) {
            if let Err(err) = file.rotate() {
                tracing::warn!("{err}");
            }
        }
    }
}

/// Waits until the daemon answers; `child` is a detached daemon and where its output begins
/// in `log/daemon.stderr`, so a failed start shows this start's errors only.
fn wait_ready(
    layout: &Layout,
    mut child: Option<(&mut std::process::Child, u64)>,
) -> Result<StatusDoc> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = query(layout, Duration::from_secs(2)) {
            return Ok(status);
        }
        if let Some((child, offset)) = child.as_mut() {
            if let Ok(Some(exit)) = child.try_wait() {
                bail!(
                    "the daemon exited at start ({exit}):\n{}",
                    tail(&stderr_log(layout), *offset, 20).unwrap_or_else(|| "(no output)".into())
                );
            }
        }
        if Instant::now() >= deadline {
            bail!(
                "the daemon did not answer on {} within {READY_TIMEOUT:?}; see {} and {}",
                layout.control_socket().display(),
                layout.daemon_log().display(),
                stderr_log(layout).display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The last `lines` lines of what was written to `path` from byte `offset` on.
fn tail(path: &Path, offset: u64, lines: usize) -> Option<String> {
    use std::io::{Read as _, Seek as _};
    let mut file = std::fs::File::open(path).ok()?;
    // A file shorter than `offset` was rotated or truncated since: all of it is new.
    let from = if file.metadata().ok()?.len() >= offset {
        offset
    } else {
        0
    };
    file.seek(std::io::SeekFrom::Start(from)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    let out = all[start..].join("\n");
    (!out.trim().is_empty()).then_some(out)
}

/// Stops the daemon. Returns whether one was running.
pub fn stop(layout: &Layout, kind: ServiceKind) -> Result<bool> {
    let was_running =
        lock::is_held(&layout.run_dir()) || query(layout, Duration::from_secs(1)).is_some();
    match kind {
        ServiceKind::Systemd => {
            let _ = systemctl(&["stop", &format!("{}.service", unit_name(layout))]);
        }
        ServiceKind::Launchd => {
            let _ = launchctl(&[
                "bootout",
                &format!("gui/{}/{}", uid(), launchd_label(layout)),
            ]);
        }
        ServiceKind::Detached | ServiceKind::RunKey => {}
    }
    // Whatever the manager, a daemon still answering is asked to stop on its socket, then
    // signalled if it does not exit.
    if lock::is_held(&layout.run_dir()) {
        let _ = control::request(
            &layout.control_socket(),
            &ControlRequest::Stop,
            Duration::from_secs(5),
        );
        if !wait_unlocked(layout, STOP_TIMEOUT) {
            if let Some(recorded) = lock::holder(&layout.run_dir()) {
                let pid = lock::signalable_daemon(recorded, &layout.home).map_err(|why| {
                    anyhow::anyhow!(
                        "the daemon did not stop when asked, and its lock file {} names pid \
                         {recorded}, but {why}; no signal was sent. Stop the daemon by hand \
                         (see {})",
                        lock::lock_path(&layout.run_dir()).display(),
                        layout.daemon_log().display()
                    )
                })?;
                // A checked pid: a `premptictl daemon` of this installation.
                let _ = terminate(pid, false);
                if !wait_unlocked(layout, Duration::from_secs(5)) {
                    let _ = terminate(pid, true);
                    wait_unlocked(layout, Duration::from_secs(5));
                }
            }
        }
    }
    if lock::is_held(&layout.run_dir()) {
        bail!(
            "the daemon did not stop; see {}",
            layout.daemon_log().display()
        );
    }
    Ok(was_running)
}

fn wait_unlocked(layout: &Layout, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while lock::is_held(&layout.run_dir()) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// Starts the service at login.
pub fn enable(layout: &Layout, kind: ServiceKind) -> Result<()> {
    match kind {
        ServiceKind::Systemd => systemctl(&["enable", &format!("{}.service", unit_name(layout))]),
        ServiceKind::Launchd => launchctl(&["enable", &format!("gui/{}/{}", uid(), launchd_label(layout))]),
        ServiceKind::RunKey => set_run_key(layout).map(|_| ()),
        ServiceKind::Detached => bail!(
            "this installation has no service manager (service: detached), so nothing starts it at login; \
             add `premptictl start` to your shell profile, or reinstall with `--service systemd` or `--service launchd`"
        ),
    }
}

/// Does not start the service at login.
pub fn disable(layout: &Layout, kind: ServiceKind) -> Result<()> {
    match kind {
        ServiceKind::Systemd => systemctl(&["disable", &format!("{}.service", unit_name(layout))]),
        ServiceKind::Launchd => launchctl(&[
            "disable",
            &format!("gui/{}/{}", uid(), launchd_label(layout)),
        ]),
        ServiceKind::RunKey => {
            autostart::remove(&unit_name(layout)).context("cannot remove the Run key value")
        }
        // Nothing starts a detached daemon at login: already what was asked.
        ServiceKind::Detached => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_start_shows_only_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.stderr");
        std::fs::write(&path, "error: an old start's problem\n").unwrap();
        let offset = std::fs::metadata(&path).unwrap().len();
        assert_eq!(tail(&path, offset, 20), None, "nothing new yet");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut file, b"error: this start's problem\n").unwrap();
        assert_eq!(
            tail(&path, offset, 20).as_deref(),
            Some("error: this start's problem")
        );
        // Rotated since: the whole (new) file is this start's.
        std::fs::write(&path, "error: fresh\n").unwrap();
        assert_eq!(tail(&path, offset, 20).as_deref(), Some("error: fresh"));
    }

    #[test]
    fn stderr_log_rotates_at_start_when_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        std::fs::create_dir_all(layout.config_dir()).unwrap();
        std::fs::create_dir_all(layout.log_dir()).unwrap();
        std::fs::write(
            layout.prempti_config(),
            "log:\n  max_bytes: 10\n  max_files: 2\n",
        )
        .unwrap();
        let log = stderr_log(&layout);
        std::fs::write(&log, "short\n").unwrap();
        rotate_stderr_log(&layout);
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "short\n");
        for n in 1..=3 {
            std::fs::write(&log, format!("start {n} failed: a long line\n")).unwrap();
            rotate_stderr_log(&layout);
            assert!(!log.exists() || std::fs::metadata(&log).unwrap().len() == 0);
        }
        let rotated = |n: u32| std::fs::read_to_string(log.with_extension(format!("stderr.{n}")));
        assert_eq!(rotated(1).unwrap(), "start 3 failed: a long line\n");
        assert_eq!(rotated(2).unwrap(), "start 2 failed: a long line\n");
        assert!(rotated(3).is_err(), "at most max_files old files");
    }

    #[test]
    fn detached_disable_is_a_no_op() {
        let layout = Layout::new("/nonexistent/prempti");
        assert!(disable(&layout, ServiceKind::Detached).is_ok());
        assert!(enable(&layout, ServiceKind::Detached).is_err());
    }

    #[test]
    fn units_render_without_placeholders() {
        let layout = Layout::new("/opt/prempti home");
        for kind in [ServiceKind::Systemd, ServiceKind::Launchd] {
            let text = render_unit(&layout, kind).unwrap();
            assert!(!text.contains('@'), "{text}");
            assert!(text.contains("/opt/prempti home/bin/premptictl"), "{text}");
            assert!(!text.contains("This is a template"), "{text}");
            assert!(text.contains("Manage it with"), "{text}");
        }
        assert!(render_unit(&layout, ServiceKind::Systemd)
            .unwrap()
            .contains("Restart=on-failure"));
        assert!(unit_name(&layout).starts_with("prempti-"));
        assert_eq!(
            unit_name(&layout),
            unit_name(&Layout::new("/opt/prempti home"))
        );
    }
}
