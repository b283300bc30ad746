//! The Falco engine: run `falco` as a supervised child that loads the `coding_agent` plugin.
//!
//! The daemon checks the rules with the embedded compiler first (a rules file with errors
//! never starts), renders `config/falco.yaml` into `run/falco/falco.yaml` (filling any
//! placeholder left in it), and starts `falco -c run/falco/falco.yaml --disable-source syscall`
//! with `PREMPTI_HOME` set. Falco's output lines go to the daemon log. Falco loads the plugin,
//! which binds the broker socket and the alert intake itself.
//!
//! The control socket works as with the embedded engine. Mode and default-action changes are
//! saved in the plugin configuration and Falco is restarted to apply them; `reload` (and the
//! rules watch) validates the rules and restarts Falco only when they compile. During such a
//! restart the broker socket is briefly absent and hooks fail closed (deny).
//!
//! If Falco exits on its own, the daemon exits with an error so the service manager restarts
//! both. SIGTERM, SIGINT and `stop` are forwarded to Falco (SIGTERM, then SIGKILL after 10 s).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use prempti_protocol::control::{ControlRequest, ControlResponse};
use prempti_protocol::paths::Layout;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::{control_server, engine, tags_of, watch, Settings};
use crate::config::{FalcoConfig, PluginConfig};
use crate::control::{ReloadStatus, StatusDoc};
use crate::install::fs::{create_dir_with_mode, write_atomic};

/// How long Falco gets to exit after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(10);

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

/// Renders the runtime configuration; returns its path.
fn render(layout: &Layout) -> Result<PathBuf> {
    let dir = layout.run_dir().join("falco");
    create_dir_with_mode(&dir, 0o700)?;
    let source = layout.falco_config();
    let text = std::fs::read_to_string(&source).with_context(|| {
        format!(
            "cannot read {}; run `premptictl install` to recreate it",
            source.display()
        )
    })?;
    let values = crate::install::template::TemplateValues::for_home(
        &layout.home,
        String::new(),
        String::new(),
    );
    let rendered = if crate::install::template::has_placeholders(&text) {
        if text.contains("@INTAKE_") {
            bail!(
                "{} still has intake placeholders; reinstall with `premptictl install` to fill them",
                source.display()
            );
        }
        values.fill(&text)
    } else {
        text
    };
    let target = dir.join("falco.yaml");
    write_atomic(&target, rendered.as_bytes(), Some(0o600))?;
    Ok(target)
}

struct Falco {
    child: Child,
    started: Instant,
}

fn spawn(layout: &Layout, binary: &Path, config: &Path) -> Result<Falco> {
    let mut command = Command::new(binary);
    command
        .arg("-c")
        .arg(config)
        .arg("--disable-source")
        .arg("syscall")
        .env(prempti_protocol::env::PREMPTI_HOME, &layout.home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
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

fn validate(layout: &Layout, settings: &Settings) -> Result<(), Vec<String>> {
    let falco = FalcoConfig::load(&layout.falco_config(), &layout.home)
        .map_err(|e| vec![format!("{e:#}")])?;
    let falco = super::embedded_view(falco, layout, &settings.plugin);
    engine::compile(&falco, &tags_of(&settings.plugin))
        .map(|_| ())
        .map_err(|f| f.errors)
}

/// Runs Falco until stopped.
pub async fn run(layout: Layout, settings: Settings) -> Result<()> {
    let binary = binary(&settings)?;
    if let Err(errors) = validate(&layout, &settings) {
        bail!(
            "the rules have errors, so the daemon will not start without a valid policy:\n  {}\n\
             fix them (check with `premptictl rules validate`) and start again",
            errors.join("\n  ")
        );
    }
    let config = render(&layout)?;
    // Falco writes the alerts of this engine; a refused control request is recorded in the
    // daemon's log.
    let auth = std::sync::Arc::new(control_server::ControlAuth::create(
        &layout.control_token(),
        Box::new(|request, why, pid| {
            let (line, _) = control_server::refusal_record(request, why, pid, false, "");
            tracing::warn!("{line}");
        }),
    )?);
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
    let mut falco = spawn(&layout, &binary, &config)?;
    let result = loop {
        tokio::select! {
            status = falco.child.wait() => {
                let ran = falco.started.elapsed();
                break Err(anyhow::anyhow!(
                    "falco exited ({}) after {ran:.1?}; see log/daemon.log for its messages",
                    status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string())
                ));
            }
            _ = sigterm.recv() => break Ok(()),
            _ = sigint.recv() => break Ok(()),
            Some(()) = watch_rx.recv() => {
                last_reload = Some(restart_if_valid(&layout, &settings, &binary, &config, &mut falco, "watch").await);
            }
            Some((request, reply)) = control_rx.recv() => {
                let response = match request {
                    ControlRequest::Stop => {
                        let _ = reply.send(ControlResponse { ok: true, message: "stopping".into(), data: Default::default() });
                        break Ok(());
                    }
                    ControlRequest::Status => {
                        let plugin = PluginConfig::load(&layout.plugin_config()).ok();
                        let doc = StatusDoc {
                            pid: std::process::id(),
                            version: env!("CARGO_PKG_VERSION").to_owned(),
                            engine: "falco".into(),
                            falco_pid: falco.child.id(),
                            mode: plugin.as_ref().map(|p| p.mode.to_string()).unwrap_or_default(),
                            default_action: plugin.as_ref().map(|p| p.default_action.to_string()).unwrap_or_default(),
                            started_at: started_at.clone(),
                            uptime_secs: started.elapsed().as_secs(),
                            home: layout.home.display().to_string(),
                            rules: Default::default(),
                            last_reload: last_reload.clone(),
                            counters: Default::default(),
                            config_warnings: settings.warnings(),
                            broker: None,
                        };
                        ControlResponse { ok: true, message: "running".into(), data: serde_json::to_value(doc).unwrap_or_default() }
                    }
                    ControlRequest::Reload => {
                        let status = restart_if_valid(&layout, &settings, &binary, &config, &mut falco, "control").await;
                        let response = ControlResponse {
                            ok: status.ok,
                            message: if status.ok { "rules reloaded (falco restarted)".into() } else { "the new rules have errors; the previous rules stay in force".into() },
                            data: serde_json::to_value(&status).unwrap_or_default(),
                        };
                        last_reload = Some(status);
                        response
                    }
                    ControlRequest::SetMode { mode } => {
                        let action = PluginConfig::load(&layout.plugin_config()).map(|p| p.default_action).unwrap_or_default();
                        apply_setting(&layout, &binary, &config, &mut falco, mode, action, format!("mode is now {mode}")).await
                    }
                    ControlRequest::SetDefaultAction { action } => {
                        let mode = PluginConfig::load(&layout.plugin_config()).map(|p| p.mode).unwrap_or_default();
                        apply_setting(&layout, &binary, &config, &mut falco, mode, action, format!("default action is now {action}")).await
                    }
                };
                let _ = reply.send(response);
            }
        }
    };
    control_task.abort();
    let _ = std::fs::remove_file(layout.control_socket());
    auth.remove();
    stop(&mut falco).await;
    result
}

async fn restart_if_valid(
    layout: &Layout,
    settings: &Settings,
    binary: &Path,
    config: &Path,
    falco: &mut Falco,
    trigger: &str,
) -> ReloadStatus {
    let at = prempti_plugin::audit::format_time(jiff::Timestamp::now());
    match validate(layout, settings) {
        Err(errors) => {
            tracing::error!(
                "reload ({trigger}) failed; falco keeps the previous rules: {}",
                errors.join("; ")
            );
            ReloadStatus {
                at,
                trigger: trigger.into(),
                ok: false,
                errors,
                warnings: Vec::new(),
            }
        }
        Ok(()) => match restart(layout, binary, config, falco).await {
            Ok(()) => ReloadStatus {
                at,
                trigger: trigger.into(),
                ok: true,
                errors: Vec::new(),
                warnings: Vec::new(),
            },
            Err(e) => ReloadStatus {
                at,
                trigger: trigger.into(),
                ok: false,
                errors: vec![format!("{e:#}")],
                warnings: Vec::new(),
            },
        },
    }
}

async fn restart(layout: &Layout, binary: &Path, config: &Path, falco: &mut Falco) -> Result<()> {
    stop(falco).await;
    let config_now = render(layout).unwrap_or_else(|_| config.to_path_buf());
    *falco = spawn(layout, binary, &config_now)?;
    Ok(())
}

async fn apply_setting(
    layout: &Layout,
    binary: &Path,
    config: &Path,
    falco: &mut Falco,
    mode: prempti_protocol::Mode,
    action: prempti_protocol::DefaultAction,
    message: String,
) -> ControlResponse {
    let data = serde_json::json!({"mode": mode, "default_action": action});
    if let Err(e) = PluginConfig::persist(&layout.plugin_config(), mode, action) {
        return ControlResponse {
            ok: false,
            message: format!("cannot save the setting: {e:#}"),
            data,
        };
    }
    match restart(layout, binary, config, falco).await {
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
