//! The Falco engine: run `falco` as a supervised child that loads the `coding_agent` plugin.
//!
//! # Start
//!
//! The daemon checks the rules with the embedded compiler and then with Falco itself
//! (`falco -c run/falco/validate.yaml -V <rules>`, see [Validation](#validation)); rules with
//! errors never start. It renders `config/falco.yaml` into `run/falco/falco.yaml`, binds the
//! broker socket itself (`run/broker.sock`, 0600) and starts
//! `falco -c run/falco/falco.yaml --disable-source syscall` with the listening socket inherited
//! ([`prempti_plugin::broker::BROKER_FD_ENV`]): the plugin serves it instead of binding its own.
//! The daemon binds the control socket, and so `premptictl start` reports success, only once
//! Falco has answered a health call (a synthetic `Read` through the broker socket, see
//! `health_call`); a Falco that exits or never answers makes the start fail with its reason.
//!
//! Because the daemon holds the broker socket for its whole life, the socket never disappears
//! while Falco is replaced: hook connections made while no Falco serves wait in the socket's
//! backlog and are answered by the next Falco (within the hook's own deadline).
//!
//! # Mode and default action
//!
//! Switching either does not restart Falco. The daemon saves the setting in the plugin
//! configuration (so the next Falco starts with it), then tells the plugin inside Falco through
//! the alert intake's control route: `POST /control/settings` on the intake's address with
//! `Authorization: Bearer <run/control.token>` (the daemon's control token; the plugin reads the
//! file at each request and answers 404 without it). An agent therefore cannot use this route to
//! loosen the mode, exactly as it cannot use the control socket without the token. The plugin
//! applies the switch to every call that arrives after it. If the plugin cannot be reached, the
//! daemon falls back to replacing Falco (which starts with the saved setting).
//!
//! # Validation
//!
//! `falco -V` initializes the plugin; with the installed configuration its init would bind the
//! alert intake's port, which the running Falco holds, and fail. Validation therefore uses
//! `run/falco/validate.yaml`, the rendered configuration whose plugin file is
//! `run/falco/validate_plugin.yaml`: the same plugin with `intake.token` and `audit.path`
//! emptied (the plugin then starts neither). A reload (control `reload` or the rules watch)
//! validates both ways first; with errors the running Falco keeps the rules in force and
//! `status` shows the errors under `last_reload`.
//!
//! # Replacing Falco
//!
//! On a valid reload (and on the rare fallback above) the daemon asks the plugin to stop
//! accepting (`POST /control/drain`), waits until the calls it accepted are answered, stops it
//! (SIGTERM, SIGKILL after 10 s), and starts the new Falco on the same socket; the connections
//! that arrived meanwhile are served by the new Falco. No call is denied for the switch unless
//! the new Falco takes longer than the hook's deadline to start.
//!
//! # Supervision
//!
//! A Falco that exits on its own is started again after a backoff (1 s, doubling to 30 s; back
//! to 1 s after a run of a minute). `status` shows the state, the number of restarts and the
//! last exit. SIGTERM, SIGINT and `stop` stop Falco and the daemon.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _, Result};
use prempti_plugin::falco::PluginStatus;
use prempti_protocol::control::{ControlRequest, ControlResponse};
use prempti_protocol::paths::Layout;
use prempti_protocol::{DefaultAction, Mode};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::{control_server, engine, tags_of, watch, Settings};
use crate::config::{FalcoConfig, PluginConfig};
use crate::control::{Counters, FalcoStatus, ReloadStatus, RulesStatus, StatusDoc};
use crate::install::fs::{create_dir_with_mode, write_atomic};

/// How long Falco gets to exit after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long a new Falco may take to answer its first health call.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(15);
/// How long one health call may take.
const HEALTH_CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a drained Falco may take to answer the calls it accepted.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a control request to the plugin may take.
const PLUGIN_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// First wait before starting a Falco that died.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// Longest wait before starting a Falco that died.
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A Falco that ran this long before dying is restarted after [`BACKOFF_MIN`] again.
const STABLE_RUN: Duration = Duration::from_secs(60);

/// Finds the Falco binary: `PREMPTI_FALCO`, `falco:` of prempti.yaml.
pub fn binary(settings: &Settings) -> Result<PathBuf> {
    match &settings.prempti.falco {
        Some(path) if path.is_file() => Ok(path.clone()),
        Some(path) => bail!(
            "the configured Falco binary {} does not exist; fix `falco:` in config/prempti.yaml or PREMPTI_FALCO",
            path.display()
        ),
        None => bail!(
            "engine falco needs a Falco binary: set `falco: /path/to/falco` in config/prempti.yaml \
             (or PREMPTI_FALCO), or use `engine: embedded`"
        ),
    }
}

/// Reads `config/falco.yaml` and fills any placeholder left in it.
fn rendered_text(layout: &Layout) -> Result<String> {
    let source = layout.falco_config();
    let text = std::fs::read_to_string(&source).with_context(|| {
        format!(
            "cannot read {}; run `premptictl install` to recreate it",
            source.display()
        )
    })?;
    if !crate::install::template::has_placeholders(&text) {
        return Ok(text);
    }
    if text.contains("@INTAKE_") {
        bail!(
            "{} still has intake placeholders; reinstall with `premptictl install` to fill them",
            source.display()
        );
    }
    let values = crate::install::template::TemplateValues::for_home(
        &layout.home,
        String::new(),
        String::new(),
    );
    Ok(values.fill(&text))
}

fn falco_run_dir(layout: &Layout) -> Result<PathBuf> {
    let dir = layout.run_dir().join("falco");
    create_dir_with_mode(&dir, 0o700)?;
    Ok(dir)
}

/// Renders the runtime configuration; returns its path.
fn render(layout: &Layout) -> Result<PathBuf> {
    let target = falco_run_dir(layout)?.join("falco.yaml");
    write_atomic(&target, rendered_text(layout)?.as_bytes(), Some(0o600))?;
    Ok(target)
}

/// Renders the validation configuration (see the module documentation); returns its path.
fn render_validation(layout: &Layout) -> Result<PathBuf> {
    let dir = falco_run_dir(layout)?;
    let plugin_file = dir.join("validate_plugin.yaml");
    let plugin = crate::config::plugin::validation_document(&layout.plugin_config())?;
    write_atomic(&plugin_file, plugin.to_string().as_bytes(), Some(0o600))?;
    let installed = layout.plugin_config().display().to_string();
    let text = rendered_text(layout)?;
    if !text.contains(&installed) {
        bail!(
            "{} does not name {} in `config_files`; cannot validate with Falco without starting \
             the alert intake",
            layout.falco_config().display(),
            installed
        );
    }
    let target = dir.join("validate.yaml");
    let text = text.replace(&installed, &plugin_file.display().to_string());
    write_atomic(&target, text.as_bytes(), Some(0o600))?;
    Ok(target)
}

/// Checks the rules with the embedded compiler; returns what `status` shows of them.
fn validate_embedded(layout: &Layout, settings: &Settings) -> Result<engine::Policy, Vec<String>> {
    let falco = FalcoConfig::load(&layout.falco_config(), &layout.home)
        .map_err(|e| vec![format!("{e:#}")])?;
    let falco = super::embedded_view(falco, layout, &settings.plugin);
    engine::compile(&falco, &tags_of(&settings.plugin)).map_err(|f| f.errors)
}

/// Checks the rules with this Falco: `falco -c run/falco/validate.yaml -V <file>...`.
async fn validate_with_falco(layout: &Layout, binary: &Path) -> Result<(), Vec<String>> {
    let fail = |e: anyhow::Error| vec![format!("{e:#}")];
    let config = render_validation(layout).map_err(fail)?;
    let falco = FalcoConfig::load(&layout.falco_config(), &layout.home).map_err(fail)?;
    // `-V` takes files: directories are expanded as Falco expands them in `rules_files`.
    let (files, problems) = crate::config::falco::expand_rules_files(&falco.rules_files);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut command = Command::new(binary);
    command.arg("-c").arg(&config);
    for file in &files {
        command.arg("-V").arg(file);
    }
    command
        .env(prempti_protocol::env::PREMPTI_HOME, &layout.home)
        .env_remove(prempti_plugin::broker::BROKER_FD_ENV)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .map_err(|_| {
            vec![format!(
                "{} -V did not finish within 60 s",
                binary.display()
            )]
        })?
        .map_err(|e| vec![format!("cannot run {}: {e}", binary.display())])?;
    if output.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut errors: Vec<String> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if errors.len() > 40 {
        errors.drain(..errors.len() - 40);
    }
    errors.insert(
        0,
        format!(
            "Falco ({}) refused the rules ({}):",
            binary.display(),
            output.status
        ),
    );
    Err(errors)
}

/// Binds the broker socket the daemon keeps for its whole life and hands to each Falco.
fn bind_broker(path: &Path) -> Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
    if let Some(dir) = path.parent() {
        create_dir_with_mode(dir, 0o700)?;
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                bail!(
                    "something already listens on the broker socket {} (another Falco or daemon?)",
                    path.display()
                );
            }
            std::fs::remove_file(path)
                .with_context(|| format!("cannot remove the stale socket {}", path.display()))?;
        }
        Ok(_) => bail!("{} exists and is not a socket", path.display()),
        Err(_) => {}
    }
    let listener = std::os::unix::net::UnixListener::bind(path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    Ok(listener)
}

/// The broker socket path of the plugin configuration.
fn broker_path(layout: &Layout, plugin: &PluginConfig) -> PathBuf {
    let configured = &plugin.init_config.socket_path;
    if configured.is_empty() {
        layout.broker_socket()
    } else {
        PathBuf::from(configured)
    }
}

struct Falco {
    child: Child,
    started: Instant,
}

fn spawn(layout: &Layout, binary: &Path, config: &Path, broker_fd: i32) -> Result<Falco> {
    let mut command = Command::new(binary);
    command
        .arg("-c")
        .arg(config)
        .arg("--disable-source")
        .arg("syscall")
        .env(prempti_protocol::env::PREMPTI_HOME, &layout.home)
        .env(prempti_plugin::broker::BROKER_FD_ENV, broker_fd.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // SAFETY: only async-signal-safe calls (fcntl, prctl) between fork and exec, on a
    // descriptor this process owns.
    unsafe {
        command.pre_exec(move || {
            // The broker socket survives exec in the child only.
            let flags = libc::fcntl(broker_fd, libc::F_GETFD);
            if flags == -1 || libc::fcntl(broker_fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) == -1
            {
                return Err(std::io::Error::last_os_error());
            }
            // A Falco whose daemon died (even by SIGKILL) stops too, instead of holding the
            // broker socket and the intake's port.
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    for stream in [
        child.stdout.take().map(either_out),
        child.stderr.take().map(either_err),
    ]
    .into_iter()
    .flatten()
    {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::info!(target: "falco", "falco: {line}");
            }
        });
    }
    tracing::info!(
        "started {} (pid {})",
        binary.display(),
        child.id().unwrap_or(0)
    );
    Ok(Falco {
        child,
        started: Instant::now(),
    })
}

type Stream = std::pin::Pin<Box<dyn tokio::io::AsyncRead + Send>>;

fn either_out(s: tokio::process::ChildStdout) -> Stream {
    Box::pin(s)
}

fn either_err(s: tokio::process::ChildStderr) -> Stream {
    Box::pin(s)
}

async fn stop(falco: &mut Falco) {
    if let Some(pid) = falco.child.id() {
        // SAFETY: kill(2) with a pid we spawned and still own (not yet reaped).
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
    if tokio::time::timeout(STOP_GRACE, falco.child.wait())
        .await
        .is_err()
    {
        tracing::warn!("falco did not stop within {STOP_GRACE:?}; killing it");
        let _ = falco.child.kill().await;
    }
}

/// One synthetic call through the broker socket (the call `premptictl health` makes). Returns
/// the answer when Falco evaluated it, an error otherwise.
fn health_call(socket: &Path, home: &Path) -> Result<prempti_protocol::HookResponse> {
    let payload = serde_json::json!({
        "session_id": prempti_protocol::HEALTH_SESSION_ID,
        "transcript_path": "",
        "cwd": home,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Read",
        "tool_input": {"file_path": home.join(prempti_protocol::HEALTH_FILE_NAME)},
        "tool_use_id": format!("{}daemon-{}", prempti_protocol::HEALTH_TOOL_USE_PREFIX, std::process::id()),
    });
    let nonce = (u64::from(std::process::id()) << 20) | u64::from(fastrand_u16());
    let mut request = prempti_protocol::HookRequest::new(
        prempti_protocol::Agent::ClaudeCode,
        std::process::id(),
        nonce,
        payload.to_string(),
    );
    request.prempti_home = Some(home.display().to_string());
    let mut stream = std::os::unix::net::UnixStream::connect(socket)
        .with_context(|| format!("cannot connect to {}", socket.display()))?;
    stream.set_read_timeout(Some(HEALTH_CALL_TIMEOUT))?;
    stream.set_write_timeout(Some(HEALTH_CALL_TIMEOUT))?;
    prempti_protocol::frame::write_message(&mut stream, &request)?;
    let response: prempti_protocol::HookResponse = prempti_protocol::frame::read_message(
        &mut stream,
        prempti_protocol::frame::MAX_RESPONSE_BYTES,
    )
    .map_err(|e| anyhow!("no answer to the health call: {e}"))?;
    let broker_made = response.correlation_id == 0
        || response.reason == prempti_plugin::broker::EVALUATION_FAILED_REASON
        || response.reason == prempti_plugin::broker::OVERLOADED_REASON
        || response.reason == prempti_plugin::broker::SHUTTING_DOWN_REASON
        || response
            .reason
            .starts_with("Prempti did not reach a verdict");
    if broker_made || response.nonce != nonce {
        bail!("the health call was not evaluated: {}", response.reason);
    }
    Ok(response)
}

/// A little variety for nonces without a random source.
fn fastrand_u16() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos >> 4) as u16
}

/// Waits until `falco` answers a health call; fails when it exits first or takes longer than
/// [`HEALTH_TIMEOUT`].
async fn wait_healthy(
    falco: &mut Falco,
    socket: &Path,
    home: &Path,
) -> Result<(Duration, prempti_protocol::Decision)> {
    let started = Instant::now();
    let mut last = String::from("no answer yet");
    while started.elapsed() < HEALTH_TIMEOUT {
        let (socket, home) = (socket.to_path_buf(), home.to_path_buf());
        let attempt = tokio::task::spawn_blocking(move || health_call(&socket, &home));
        tokio::select! {
            status = falco.child.wait() => {
                bail!(
                    "falco exited ({}) {:.1?} after it started, before it answered a health call; \
                     see log/daemon.log for its messages",
                    status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
                    falco.started.elapsed()
                );
            }
            result = attempt => match result {
                Ok(Ok(response)) => return Ok((started.elapsed(), response.decision)),
                Ok(Err(e)) => last = format!("{e:#}"),
                Err(e) => last = e.to_string(),
            },
        }
        // Between attempts only (a failed attempt came back without an evaluation).
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("falco did not answer a health call within {HEALTH_TIMEOUT:?}: {last}")
}

/// Starts Falco and waits until it answers; a Falco that does not is stopped.
async fn start_falco(ctx: &Ctx, config: &Path) -> Result<Falco> {
    let mut falco = spawn(&ctx.layout, &ctx.binary, config, ctx.broker_fd)?;
    match wait_healthy(&mut falco, &ctx.broker_path, &ctx.layout.home).await {
        Ok((took, decision)) => {
            tracing::info!(
                "falco (pid {}) answered its health call {took:.1?} after start",
                falco.child.id().unwrap_or(0)
            );
            // The start's own health call is not a call of an agent.
            if let Ok(mut carried) = ctx.carried.lock() {
                carried.forget_health_call(decision);
            }
            Ok(falco)
        }
        Err(e) => {
            stop(&mut falco).await;
            Err(e)
        }
    }
}

/// What the daemon needs to start and talk to Falco.
struct Ctx {
    layout: Layout,
    binary: PathBuf,
    broker_path: PathBuf,
    broker_fd: i32,
    /// The plugin's alert intake (`host:port`), where its control route is.
    intake: String,
    /// Counters carried over Falco replacements (see [`Carried`]).
    carried: std::sync::Mutex<Carried>,
}

/// The daemon's counters while each Falco keeps its own: what the Falcos replaced by a reload
/// counted (read after draining, before stopping), less the daemon's own health call of each
/// start, so `status` counts the calls of
/// the daemon's life as on the embedded engine. A Falco that dies takes its counts with it.
#[derive(Debug, Default, Clone, Copy)]
struct Carried {
    calls: i64,
    allow: i64,
    deny: i64,
    ask: i64,
    defer: i64,
    errors: i64,
    alerts: i64,
}

impl Carried {
    /// Takes away the daemon's health call of a Falco start.
    fn forget_health_call(&mut self, decision: prempti_protocol::Decision) {
        use prempti_protocol::Decision;
        self.calls -= 1;
        match decision {
            Decision::Allow => self.allow -= 1,
            Decision::Deny => self.deny -= 1,
            Decision::Ask => self.ask -= 1,
            Decision::Defer => self.defer -= 1,
        }
    }

    /// Adds (`sign` 1) or takes away (`sign` -1) one Falco's counts.
    fn add(&mut self, p: &PluginStatus, sign: i64) {
        let n = |v: u64| sign.saturating_mul(i64::try_from(v).unwrap_or(i64::MAX));
        self.calls = self.calls.saturating_add(n(p.calls));
        self.allow = self.allow.saturating_add(n(p.allow));
        self.deny = self.deny.saturating_add(n(p.deny));
        self.ask = self.ask.saturating_add(n(p.ask));
        self.defer = self.defer.saturating_add(n(p.defer));
        self.errors = self.errors.saturating_add(n(p.errors));
        self.alerts = self.alerts.saturating_add(n(p.alerts));
    }
}

/// `current + carried`, never below zero.
fn with_carried(current: u64, carried: i64) -> u64 {
    u64::try_from(
        i64::try_from(current)
            .unwrap_or(i64::MAX)
            .saturating_add(carried),
    )
    .unwrap_or(0)
}

/// One control request to the plugin inside Falco (see the module documentation).
async fn plugin_request(ctx: &Ctx, op: &str, body: &serde_json::Value) -> Result<PluginStatus> {
    let token = std::fs::read_to_string(ctx.layout.control_token())
        .context("cannot read the control token")?;
    let body = body.to_string();
    let request = format!(
        "POST /control/{op} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        ctx.intake,
        token.trim(),
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&ctx.intake).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.take(1024 * 1024).read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(PLUGIN_REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| anyhow!("the plugin did not answer within {PLUGIN_REQUEST_TIMEOUT:?}"))?
        .with_context(|| format!("cannot reach the plugin's intake on {}", ctx.intake))?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow!("the plugin's answer is not HTTP"))?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        bail!(
            "the plugin refused `{op}` (HTTP {status}){}",
            if body.is_empty() {
                String::new()
            } else {
                format!(": {body}")
            }
        );
    }
    serde_json::from_str(body).context("the plugin's status is not what this daemon expects")
}

/// Asks the plugin to stop accepting and waits until the calls it accepted are settled.
async fn drain(ctx: &Ctx) {
    let started = Instant::now();
    if let Err(e) = plugin_request(ctx, "drain", &serde_json::json!({})).await {
        tracing::warn!("cannot drain falco before stopping it: {e:#}");
        return;
    }
    while started.elapsed() < DRAIN_TIMEOUT {
        match plugin_request(ctx, "status", &serde_json::json!({})).await {
            Ok(s) if s.in_flight == 0 && s.pending == 0 => {
                tracing::info!("falco drained in {:.1?}", started.elapsed());
                return;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("falco stopped answering while draining: {e:#}");
                return;
            }
        }
        // Polling the plugin's counters, not a hook call's path.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tracing::warn!("falco still had calls after {DRAIN_TIMEOUT:?}; stopping it anyway");
}

/// A fingerprint of what a Falco is started from: `falco.yaml`, the plugin configuration
/// without its `mode` and `default_action` lines (switched live, without a new Falco), and
/// every rules file (path and content). `None` when one cannot be read.
fn inputs_fingerprint(layout: &Layout) -> Option<u64> {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::fs::read(layout.falco_config()).ok()?.hash(&mut hasher);
    let plugin = std::fs::read_to_string(layout.plugin_config()).ok()?;
    for line in plugin.lines() {
        let key = line.trim_start();
        if !(key.starts_with("mode:") || key.starts_with("default_action:")) {
            line.hash(&mut hasher);
        }
    }
    let falco = FalcoConfig::load(&layout.falco_config(), &layout.home).ok()?;
    let (files, problems) = crate::config::falco::expand_rules_files(&falco.rules_files);
    if !problems.is_empty() {
        return None;
    }
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file).ok()?.hash(&mut hasher);
    }
    Some(hasher.finish())
}

/// Replaces the running Falco (if any) by a new one on the same broker socket.
async fn replace(ctx: &Ctx, falco: &mut Option<Falco>) -> Result<()> {
    let config = render(&ctx.layout)?;
    if let Some(old) = falco.as_mut() {
        drain(ctx).await;
        if let Ok(status) = plugin_request(ctx, "status", &serde_json::json!({})).await {
            if let Ok(mut carried) = ctx.carried.lock() {
                carried.add(&status, 1);
            }
        }
        stop(old).await;
    }
    *falco = None;
    *falco = Some(start_falco(ctx, &config).await?);
    Ok(())
}

/// Supervision state for `status`.
#[derive(Default)]
struct Supervision {
    restarts: u64,
    last_exit: Option<String>,
    last_error: Option<String>,
}

async fn exited(
    falco: &mut Option<Falco>,
) -> (std::io::Result<std::process::ExitStatus>, Duration) {
    match falco {
        Some(f) => {
            let status = f.child.wait().await;
            (status, f.started.elapsed())
        }
        None => std::future::pending().await,
    }
}

async fn restart_due(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Runs Falco until stopped.
pub async fn run(layout: Layout, settings: Settings) -> Result<()> {
    let binary = binary(&settings)?;
    let mut policy = match validate_embedded(&layout, &settings) {
        Ok(policy) => policy.status(),
        Err(errors) => bail!(
            "the rules have errors, so the daemon will not start without a valid policy:\n  {}\n\
             fix them (check with `premptictl rules validate`) and start again",
            errors.join("\n  ")
        ),
    };
    if let Err(errors) = validate_with_falco(&layout, &binary).await {
        bail!(
            "Falco does not accept the rules, so the daemon will not start:\n  {}",
            errors.join("\n  ")
        );
    }
    let config = render(&layout)?;
    // Falco writes the alerts of this engine; a refused control request is recorded in the
    // daemon's log. The token exists before Falco starts: the plugin checks control requests
    // against it.
    let auth = std::sync::Arc::new(control_server::ControlAuth::create(
        &layout.control_token(),
        Box::new(|request, why, pid| {
            let (line, _) = control_server::refusal_record(request, why, pid, false, "");
            tracing::warn!("{line}");
        }),
    )?);
    let broker_path = broker_path(&layout, &settings.plugin);
    let broker = bind_broker(&broker_path)?;
    let ctx = Ctx {
        broker_fd: std::os::fd::AsRawFd::as_raw_fd(&broker),
        broker_path,
        binary,
        intake: settings.plugin.init_config.intake.address.clone(),
        layout,
        carried: std::sync::Mutex::new(Carried::default()),
    };
    let layout = &ctx.layout;
    let mut running_inputs = inputs_fingerprint(&ctx.layout);
    let started_falco = start_falco(&ctx, &config).await;
    let mut falco = match started_falco {
        Ok(falco) => Some(falco),
        Err(e) => {
            drop(broker);
            let _ = std::fs::remove_file(&ctx.broker_path);
            auth.remove();
            return Err(e.context("falco did not start"));
        }
    };

    let control_listener = control_server::bind(&layout.control_socket())?;
    let (control_tx, mut control_rx) = mpsc::channel(64);
    let control_task = tokio::spawn(control_server::serve(
        control_listener,
        control_tx,
        layout.control_socket(),
        std::sync::Arc::clone(&auth),
    ));
    let (watch_tx, mut watch_rx) = mpsc::channel::<()>(4);
    let _watch = if settings.prempti.watch_rules {
        let dirs = watch::watch_dirs(&settings.falco.rules_files, &[layout.falco_config()]);
        watch::start(
            &dirs,
            Duration::from_millis(settings.prempti.reload_debounce_ms),
            watch_tx,
        )
        .ok()
    } else {
        None
    };
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let started = Instant::now();
    let started_at = prempti_plugin::audit::format_time(jiff::Timestamp::now());
    let mut last_reload: Option<ReloadStatus> = None;
    let mut failed_reloads = 0u64;
    let mut supervision = Supervision::default();
    let mut restart_at: Option<tokio::time::Instant> = None;
    let mut backoff = BACKOFF_MIN;
    let result = loop {
        tokio::select! {
            (status, ran) = exited(&mut falco) => {
                falco = None;
                let how = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                if ran >= STABLE_RUN {
                    backoff = BACKOFF_MIN;
                }
                tracing::error!("falco exited ({how}) after {ran:.1?}; starting it again in {backoff:?}");
                supervision.last_exit = Some(format!(
                    "{how} after {ran:.1?}, at {}",
                    prempti_plugin::audit::format_time(jiff::Timestamp::now())
                ));
                restart_at = Some(tokio::time::Instant::now() + backoff);
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
            () = restart_due(restart_at) => {
                restart_at = None;
                supervision.restarts += 1;
                match replace(&ctx, &mut falco).await {
                    Ok(()) => supervision.last_error = None,
                    Err(e) => {
                        tracing::error!("falco did not start again: {e:#}; next attempt in {backoff:?}");
                        supervision.last_error = Some(format!("{e:#}"));
                        restart_at = Some(tokio::time::Instant::now() + backoff);
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                    }
                }
            }
            _ = sigterm.recv() => break Ok(()),
            _ = sigint.recv() => break Ok(()),
            Some(()) = watch_rx.recv() => {
                // A mode or default-action switch rewrites the plugin configuration, and the
                // running Falco has it already: no new Falco for that.
                let inputs = inputs_fingerprint(&ctx.layout);
                if falco.is_some() && inputs.is_some() && inputs == running_inputs {
                    tracing::info!("watch: the rules and configuration Falco runs are unchanged (a mode or default-action switch); falco keeps running");
                    continue;
                }
                let status = reload(&ctx, &settings, &mut falco, &mut policy, "watch").await;
                if status.ok {
                    running_inputs = inputs;
                }
                if falco.is_some() {
                    restart_at = None;
                }
                failed_reloads += u64::from(!status.ok);
                last_reload = Some(status);
            }
            Some((request, reply)) = control_rx.recv() => {
                let response = match request {
                    ControlRequest::Stop => {
                        let _ = reply.send(ControlResponse { ok: true, message: "stopping".into(), data: Default::default() });
                        break Ok(());
                    }
                    ControlRequest::Status => {
                        let doc = status_doc(&ctx, &falco, &supervision, restart_at.is_some(), StatusParts {
                            started_at: &started_at,
                            uptime: started.elapsed(),
                            rules: &policy,
                            last_reload: &last_reload,
                            failed_reloads,
                            warnings: settings.warnings(),
                        }).await;
                        ControlResponse { ok: true, message: "running".into(), data: serde_json::to_value(doc).unwrap_or_default() }
                    }
                    ControlRequest::Reload => {
                        let inputs = inputs_fingerprint(&ctx.layout);
                        let status = reload(&ctx, &settings, &mut falco, &mut policy, "control").await;
                        if status.ok {
                            running_inputs = inputs;
                        }
                        failed_reloads += u64::from(!status.ok);
                        let response = ControlResponse {
                            ok: status.ok,
                            message: if status.ok {
                                "rules reloaded (validated by Falco, new Falco serving)".into()
                            } else {
                                "the new rules have errors; the previous rules stay in force".into()
                            },
                            data: serde_json::to_value(&status).unwrap_or_default(),
                        };
                        last_reload = Some(status);
                        response
                    }
                    ControlRequest::SetMode { mode } => {
                        let action = PluginConfig::load(&layout.plugin_config()).map(|p| p.default_action).unwrap_or_default();
                        apply_setting(&ctx, &mut falco, mode, action, format!("mode is now {mode}")).await
                    }
                    ControlRequest::Authorize { action } => super::authorized(&action),
                    ControlRequest::SetDefaultAction { action } => {
                        let mode = PluginConfig::load(&layout.plugin_config()).map(|p| p.mode).unwrap_or_default();
                        apply_setting(&ctx, &mut falco, mode, action, format!("default action is now {action}")).await
                    }
                };
                if falco.is_some() {
                    restart_at = None;
                }
                let _ = reply.send(response);
            }
        }
    };
    control_task.abort();
    let _ = std::fs::remove_file(layout.control_socket());
    if let Some(falco) = falco.as_mut() {
        stop(falco).await;
    }
    drop(broker);
    let _ = std::fs::remove_file(&ctx.broker_path);
    auth.remove();
    result
}

/// A reload: validate with the embedded compiler and with Falco, then replace Falco.
async fn reload(
    ctx: &Ctx,
    settings: &Settings,
    falco: &mut Option<Falco>,
    policy: &mut RulesStatus,
    trigger: &str,
) -> ReloadStatus {
    let at = || prempti_plugin::audit::format_time(jiff::Timestamp::now());
    let failed = |errors: Vec<String>| {
        tracing::error!(
            "reload ({trigger}) failed; falco keeps the previous rules: {}",
            errors.join("; ")
        );
        ReloadStatus {
            at: at(),
            trigger: trigger.into(),
            ok: false,
            errors,
            warnings: Vec::new(),
        }
    };
    let compiled = match validate_embedded(&ctx.layout, settings) {
        Ok(compiled) => compiled,
        Err(errors) => return failed(errors),
    };
    if let Err(errors) = validate_with_falco(&ctx.layout, &ctx.binary).await {
        return failed(errors);
    }
    match replace(ctx, falco).await {
        Ok(()) => {
            *policy = compiled.status();
            ReloadStatus {
                at: at(),
                trigger: trigger.into(),
                ok: true,
                errors: Vec::new(),
                warnings: compiled.warnings.clone(),
            }
        }
        Err(e) => failed(vec![format!(
            "the rules passed validation, but the new Falco did not start: {e:#}"
        )]),
    }
}

async fn apply_setting(
    ctx: &Ctx,
    falco: &mut Option<Falco>,
    mode: Mode,
    action: DefaultAction,
    message: String,
) -> ControlResponse {
    let data = serde_json::json!({"mode": mode, "default_action": action});
    if let Err(e) = PluginConfig::persist(&ctx.layout.plugin_config(), mode, action) {
        return ControlResponse {
            ok: false,
            message: format!("cannot save the setting: {e:#}"),
            data,
        };
    }
    if falco.is_some() {
        match plugin_request(ctx, "settings", &data).await {
            Ok(now) if now.mode == mode && now.default_action == action => {
                tracing::info!("{message} (falco plugin switched, no restart)");
                return ControlResponse {
                    ok: true,
                    message,
                    data,
                };
            }
            Ok(now) => tracing::warn!(
                "the plugin reports mode {} / {} after the switch; replacing falco",
                now.mode,
                now.default_action
            ),
            Err(e) => tracing::warn!("cannot switch the plugin in place ({e:#}); replacing falco"),
        }
    }
    match replace(ctx, falco).await {
        Ok(()) => ControlResponse {
            ok: true,
            message: format!("{message} (falco restarted)"),
            data,
        },
        Err(e) => ControlResponse {
            ok: false,
            message: format!("saved, but falco did not restart: {e:#}"),
            data,
        },
    }
}

struct StatusParts<'a> {
    started_at: &'a str,
    uptime: Duration,
    rules: &'a RulesStatus,
    last_reload: &'a Option<ReloadStatus>,
    failed_reloads: u64,
    warnings: Vec<String>,
}

async fn status_doc(
    ctx: &Ctx,
    falco: &Option<Falco>,
    supervision: &Supervision,
    restarting: bool,
    parts: StatusParts<'_>,
) -> StatusDoc {
    let plugin = if falco.is_some() {
        plugin_request(ctx, "status", &serde_json::json!({})).await
    } else {
        Err(anyhow!("falco is not running"))
    };
    let saved = PluginConfig::load(&ctx.layout.plugin_config()).ok();
    let (mode, default_action) = match (&plugin, &saved) {
        (Ok(p), _) => (p.mode.to_string(), p.default_action.to_string()),
        (Err(_), Some(s)) => (s.mode.to_string(), s.default_action.to_string()),
        _ => Default::default(),
    };
    let carried = ctx.carried.lock().map(|c| *c).unwrap_or_default();
    let counters = match &plugin {
        Ok(p) => Counters {
            calls: with_carried(p.calls, carried.calls),
            allow: with_carried(p.allow, carried.allow),
            deny: with_carried(p.deny, carried.deny),
            ask: with_carried(p.ask, carried.ask),
            defer: with_carried(p.defer, carried.defer),
            errors: with_carried(p.errors, carried.errors),
            alerts: with_carried(p.alerts, carried.alerts),
            failed_reloads: parts.failed_reloads,
        },
        Err(_) => Counters {
            failed_reloads: parts.failed_reloads,
            ..Counters::default()
        },
    };
    StatusDoc {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        engine: "falco".into(),
        falco_pid: falco.as_ref().and_then(|f| f.child.id()),
        mode,
        default_action,
        started_at: parts.started_at.to_owned(),
        uptime_secs: parts.uptime.as_secs(),
        home: ctx.layout.home.display().to_string(),
        rules: parts.rules.clone(),
        last_reload: parts.last_reload.clone(),
        counters,
        config_warnings: parts.warnings,
        broker: plugin.as_ref().ok().and_then(|p| p.broker),
        falco: Some(FalcoStatus {
            binary: ctx.binary.display().to_string(),
            state: if falco.is_some() {
                "running".into()
            } else if restarting {
                "restarting".into()
            } else {
                "stopped".into()
            },
            restarts: supervision.restarts,
            last_exit: supervision.last_exit.clone(),
            last_error: supervision.last_error.clone(),
            plugin_error: plugin.as_ref().err().map(|e| format!("{e:#}")),
            pending: plugin.as_ref().map_or(0, |p| p.pending),
        }),
    }
}
