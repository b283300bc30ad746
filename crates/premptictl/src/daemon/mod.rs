//! `premptictl daemon`: the Prempti service.
//!
//! Two engines, one supervisor:
//!
//! - **embedded** (default): the daemon binds the broker socket (`run/broker.sock`) of the
//!   `coding_agent` plugin, links the rule engine, and evaluates every call in-process.
//! - **falco**: the daemon renders the configuration templates into `run/falco/`, binds the
//!   broker socket and starts `falco -c run/falco/falco.yaml --disable-source syscall` with it
//!   (the plugin serves the inherited socket), switches mode in the running plugin, validates
//!   reloads with Falco, restarts a Falco that died and forwards stop signals ([`falco`]).
//!
//! Either way the daemon serves the control socket (`run/control.sock`) for `status`, `mode`,
//! `default-action`, `reload` and `stop`, holds the one-instance lock (`run/daemon.lock`), and
//! logs to `log/daemon.log`. Requests that loosen enforcement need the control token the
//! daemon writes at start to `run/control.token` ([`control_server::ControlAuth`]); a refused
//! one is logged and raised as an alert on the configured outputs.
//!
//! # Event loop
//!
//! One closed [`Event`] enum is consumed by one `select!` loop. Each hook call is evaluated on
//! a blocking task; if that task fails or panics, the call is answered deny (the broker's
//! `IncomingCall` answers deny when dropped unanswered) and the daemon keeps running. Reloads
//! compile off the loop and swap the policy atomically; until a new policy compiles without
//! errors the previous one stays in force, so no call is ever answered without policy.
//!
//! # Shutdown
//!
//! SIGTERM, SIGINT or a `stop` request: the control socket closes, calls already received are
//! evaluated and answered, then the broker stops (anything still pending is denied with a
//! reason saying how to restart) and the sockets are removed. Restarting after a crash is the
//! service manager's job (systemd `Restart=on-failure`, launchd `KeepAlive`).

pub mod control_server;
pub mod engine;
// Falco runs on Linux and macOS; on Windows `engine: falco` is refused (`falco_unsupported`).
#[cfg(unix)]
pub mod falco;
#[cfg(not(unix))]
#[path = "falco_unsupported.rs"]
pub mod falco;
pub mod lock;
pub mod logging;
pub mod outputs;
pub mod trim;
pub mod watch;

use crate::output::count;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use prempti_plugin::audit::{AuditLog, Engine};
use prempti_plugin::broker::{
    Broker, BrokerConfig, CallReceiver, IncomingCall, EVALUATION_FAILED_REASON,
};
use prempti_plugin::host::{failure_verdict, settle};
use prempti_plugin::rotate::RotationPolicy;
use prempti_plugin::session::SessionStore;
use prempti_plugin::verdict::{RuntimeSettings, SharedSettings, TagConfig};
use prempti_protocol::control::{ControlRequest, ControlResponse};
use prempti_protocol::paths::Layout;
use prempti_protocol::{Decision, DefaultAction, Mode};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::config::prempti::EngineChoice;
use crate::config::{FalcoConfig, PluginConfig, PremptiConfig};
use crate::control::{Counters, ReloadStatus, StatusDoc};
use crate::install::fs::create_dir_with_mode;
use control_server::ControlMessage;
use engine::{Policy, PolicyCell};

/// How `premptictl daemon` was asked to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides `engine` of `config/prempti.yaml`.
    pub engine: Option<EngineChoice>,
    /// `-v` count.
    pub verbose: u8,
}

/// Everything the daemon reads at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `config/prempti.yaml`.
    pub prempti: PremptiConfig,
    /// `config/falco.yaml`.
    pub falco: FalcoConfig,
    /// `config/falco.coding_agents_plugin.yaml`.
    pub plugin: PluginConfig,
}

impl Settings {
    /// Reads the three configuration files of `layout`.
    pub fn load(layout: &Layout) -> Result<Settings> {
        let prempti = PremptiConfig::load(&layout.prempti_config(), &layout.home)?;
        let falco = FalcoConfig::load(&layout.falco_config(), &layout.home)?;
        let plugin = PluginConfig::load(&layout.plugin_config())?;
        Ok(Settings {
            prempti,
            falco,
            plugin,
        })
    }

    /// Unknown keys and similar, as `file:line:col: warning: ...` lines.
    pub fn warnings(&self) -> Vec<String> {
        self.prempti
            .warnings
            .iter()
            .chain(&self.falco.warnings)
            .map(ToString::to_string)
            .collect()
    }
}

/// Runs the daemon in the foreground until it is stopped.
pub fn run(layout: &Layout, options: &Options) -> Result<()> {
    create_dir_with_mode(&layout.run_dir(), 0o700)?;
    std::fs::create_dir_all(layout.log_dir())
        .with_context(|| format!("cannot create {}", layout.log_dir().display()))?;
    let lock = lock::InstanceLock::acquire(&layout.run_dir())?;
    let mut settings = Settings::load(layout)?;
    settings.falco = embedded_view(settings.falco, layout, &settings.plugin);
    logging::init(&layout.daemon_log(), settings.prempti.log, options.verbose)?;
    for warning in settings.warnings() {
        tracing::warn!("{warning}");
    }
    let engine = options.engine.unwrap_or(settings.prempti.engine);
    tracing::info!(
        "starting premptictl {} daemon (engine {}, pid {}, home {})",
        env!("CARGO_PKG_VERSION"),
        engine.as_str(),
        std::process::id(),
        layout.home.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("prempti-daemon")
        .build()
        .context("cannot start the daemon's runtime")?;
    let result = match engine {
        EngineChoice::Embedded => {
            let policy = engine::compile(&settings.falco, &tags_of(&settings.plugin));
            let policy = match policy {
                Ok(policy) => {
                    for warning in &policy.warnings {
                        tracing::warn!("{warning}");
                    }
                    policy
                }
                Err(failure) => {
                    for line in &failure.errors {
                        tracing::error!("{line}");
                    }
                    bail!(
                        "the rules have errors, so the daemon will not start without a valid policy:\n  {}\n\
                         fix them (check with `premptictl rules validate`) and start again",
                        failure.errors.join("\n  ")
                    );
                }
            };
            runtime.block_on(run_embedded(layout.clone(), settings, policy))
        }
        EngineChoice::Falco => runtime.block_on(falco::run(layout.clone(), settings)),
    };
    runtime.shutdown_timeout(Duration::from_secs(2));
    if let Err(e) = &result {
        tracing::error!("daemon stopped with an error: {e:#}");
    } else {
        tracing::info!("daemon stopped");
    }
    drop(lock);
    result
}

/// The embedded engine's view of `falco.yaml`: without the Falco host's catch-all seen rules
/// file (the embedded engine knows when a call is evaluated) and without an `http_output`
/// aimed at the plugin's alert intake (only the Falco host listens there).
pub fn embedded_view(
    mut falco: FalcoConfig,
    layout: &Layout,
    plugin: &PluginConfig,
) -> FalcoConfig {
    let seen = layout.seen_rules_file();
    falco.rules_files.retain(|p| p != &seen);
    let token = &plugin.init_config.intake.token;
    if falco.http_output.enabled
        && !token.is_empty()
        && falco.http_output.url.contains(token.as_str())
    {
        falco.http_output.enabled = false;
    }
    falco
}

/// The tag names of the plugin configuration.
pub fn tags_of(plugin: &PluginConfig) -> TagConfig {
    TagConfig {
        deny: plugin.init_config.deny_tags.clone(),
        ask: plugin.init_config.ask_tags.clone(),
        seen: plugin.init_config.seen_tags.clone(),
    }
}

/// One input of the event loop.
#[derive(Debug)]
pub enum Event {
    /// A tool call from the broker.
    HookCall(IncomingCall),
    /// A request on the control socket.
    Control(ControlMessage),
    /// Files under the rules directories changed.
    RulesChanged,
    /// Time to stop (why).
    Shutdown(&'static str),
}

/// Counters shared by the call tasks.
#[derive(Debug, Default)]
pub struct CallCounters {
    calls: AtomicU64,
    allow: AtomicU64,
    deny: AtomicU64,
    ask: AtomicU64,
    defer: AtomicU64,
    errors: AtomicU64,
    alerts: AtomicU64,
    failed_reloads: AtomicU64,
}

impl CallCounters {
    fn count(&self, decision: Decision) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let slot = match decision {
            Decision::Allow => &self.allow,
            Decision::Deny => &self.deny,
            Decision::Ask => &self.ask,
            Decision::Defer => &self.defer,
        };
        slot.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Counters {
        Counters {
            calls: self.calls.load(Ordering::Relaxed),
            allow: self.allow.load(Ordering::Relaxed),
            deny: self.deny.load(Ordering::Relaxed),
            ask: self.ask.load(Ordering::Relaxed),
            defer: self.defer.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            alerts: self.alerts.load(Ordering::Relaxed),
            failed_reloads: self.failed_reloads.load(Ordering::Relaxed),
        }
    }
}

/// State shared by the loop and the call tasks of the embedded engine.
struct Shared {
    layout: Layout,
    policy: PolicyCell,
    settings: SharedSettings,
    tags: TagConfig,
    outputs: outputs::Outputs,
    audit: Option<AuditLog>,
    counters: CallCounters,
    last_reload: Mutex<Option<ReloadStatus>>,
    reload_lock: Mutex<()>,
    started: Instant,
    started_at: String,
    hostname: String,
    config_warnings: Vec<String>,
    /// The broker, for its counters in `status`.
    broker: Arc<Broker>,
    /// Session history for the `session.*` fields (`state/sessions.jsonl`).
    sessions: SessionStore,
}

async fn run_embedded(layout: Layout, settings: Settings, policy: Policy) -> Result<()> {
    let runtime_settings = RuntimeSettings {
        mode: settings.plugin.mode,
        default_action: settings.plugin.default_action,
    };
    let shared_settings = SharedSettings::new(runtime_settings);
    let init = &settings.plugin.init_config;
    let socket_path = if init.socket_path.is_empty() {
        prempti_protocol::paths::broker_socket(&layout.home)
    } else {
        std::path::PathBuf::from(&init.socket_path)
    };
    let mut broker_config = BrokerConfig::new(&socket_path);
    broker_config.max_request_bytes = init.max_request_bytes;
    if init.request_deadline_ms > 0 {
        broker_config.request_deadline = Duration::from_millis(init.request_deadline_ms);
    }
    let outputs = outputs::Outputs::open(&settings.falco, settings.prempti.log)?;
    let audit = open_audit(init)?;
    let sessions = open_sessions(&layout, init);
    let (broker, calls) = Broker::bind(broker_config, shared_settings.clone())
        .await
        .with_context(|| {
            "cannot start the broker; is another Prempti (or Falco) running on this home?"
                .to_owned()
        })?;
    let broker = Arc::new(broker);
    let control_listener = control_server::bind(&layout.control_socket())?;
    tracing::info!(
        "listening on {} (mode {}, default action {}, {} from {})",
        socket_path.display(),
        runtime_settings.mode,
        runtime_settings.default_action,
        count(policy.rule_count, "rule"),
        count(policy.files.len(), "file")
    );
    let shared = Arc::new(Shared {
        layout: layout.clone(),
        policy: PolicyCell::new(policy),
        settings: shared_settings,
        tags: tags_of(&settings.plugin),
        outputs,
        audit,
        sessions,
        counters: CallCounters::default(),
        last_reload: Mutex::new(None),
        reload_lock: Mutex::new(()),
        started: Instant::now(),
        started_at: prempti_plugin::audit::format_time(jiff::Timestamp::now()),
        hostname: hostname(),
        config_warnings: settings.warnings(),
        broker: Arc::clone(&broker),
    });

    let recorder = Arc::clone(&shared);
    let json_alerts = settings.falco.json_output;
    let auth = Arc::new(control_server::ControlAuth::create(
        &layout.control_token(),
        Box::new(move |request, why, pid| {
            let (line, alert) =
                control_server::refusal_record(request, why, pid, json_alerts, &recorder.hostname);
            tracing::warn!("{line}");
            recorder.outputs.emit(&alert);
            recorder.counters.alerts.fetch_add(1, Ordering::Relaxed);
        }),
    )?);
    let (control_tx, control_rx) = mpsc::channel::<ControlMessage>(64);
    let control_task = tokio::spawn(control_server::serve(
        control_listener,
        control_tx,
        layout.control_socket(),
        Arc::clone(&auth),
    ));
    let (watch_tx, watch_rx) = mpsc::channel::<()>(4);
    let _watch = if settings.prempti.watch_rules {
        let dirs = watch::watch_dirs(&settings.falco.rules_files, &[layout.falco_config()]);
        match watch::start(
            &dirs,
            Duration::from_millis(settings.prempti.reload_debounce_ms),
            watch_tx,
        ) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!("cannot watch the rules directories ({e}); use `premptictl reload` after editing rules");
                None
            }
        }
    } else {
        None
    };

    let trimmer = {
        let shared = shared.clone();
        tokio::spawn(trim::when_idle(move || {
            shared.counters.calls.load(Ordering::Relaxed)
        }))
    };
    let result = event_loop(shared.clone(), calls, control_rx, watch_rx).await;
    trimmer.abort();

    control_task.abort();
    let _ = std::fs::remove_file(layout.control_socket());
    auth.remove();
    broker.shutdown();
    tracing::info!(
        "broker stopped; {} calls answered",
        shared.counters.calls.load(Ordering::Relaxed)
    );
    result
}

/// Opens the session store (`init_config.sessions`, by default `state/sessions.jsonl`),
/// creating its directory; in memory only when that fails.
fn open_sessions(layout: &Layout, init: &prempti_plugin::config::Config) -> SessionStore {
    let config = init.sessions.clone();
    let Some(path) = config.journal_path(&layout.home) else {
        return SessionStore::in_memory(config);
    };
    match SessionStore::open(config.clone(), &path, prempti_plugin::session::now_ms()) {
        Ok(store) => store,
        Err(e) => {
            tracing::warn!(
                "cannot open the session store {}: {e}; session history is kept in memory only",
                path.display()
            );
            SessionStore::in_memory(config)
        }
    }
}

fn open_audit(init: &prempti_plugin::config::Config) -> Result<Option<AuditLog>> {
    if init.audit.path.is_empty() {
        tracing::warn!("the audit log is off (init_config.audit.path is empty)");
        return Ok(None);
    }
    let policy = RotationPolicy {
        max_bytes: init.audit.max_bytes,
        max_files: init.audit.max_files,
    };
    let log = AuditLog::open(&init.audit.path, policy)
        .map_err(|e| {
            anyhow::anyhow!("cannot open the audit log: {e}; check init_config.audit.path")
        })?
        .with_payload_cap(usize::try_from(init.audit.max_payload_bytes).unwrap_or(usize::MAX));
    Ok(Some(log))
}

async fn event_loop(
    shared: Arc<Shared>,
    mut calls: CallReceiver,
    mut control_rx: mpsc::Receiver<ControlMessage>,
    mut watch_rx: mpsc::Receiver<()>,
) -> Result<()> {
    let mut stop_requests = crate::platform::process::StopRequests::install()
        .context("cannot install the stop-signal handlers")?;
    let mut tasks: JoinSet<()> = JoinSet::new();
    loop {
        let event = tokio::select! {
            call = calls.recv() => match call {
                Some(call) => Event::HookCall(call),
                None => Event::Shutdown("the broker stopped"),
            },
            Some(message) = control_rx.recv() => Event::Control(message),
            Some(()) = watch_rx.recv() => Event::RulesChanged,
            why = stop_requests.recv() => Event::Shutdown(why),
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(e) = done {
                    // The call was answered deny when its IncomingCall was dropped.
                    shared.counters.errors.fetch_add(1, Ordering::Relaxed);
                    tracing::error!("a call task failed: {e}; the call was answered deny");
                }
                continue;
            }
        };
        match event {
            Event::HookCall(call) => {
                let shared = shared.clone();
                tasks.spawn_blocking(move || handle_call(call, &shared));
            }
            Event::Control((request, reply)) => {
                let stop = matches!(request, ControlRequest::Stop);
                handle_control(&shared, request, reply);
                if stop {
                    tracing::info!("stop requested on the control socket");
                    break;
                }
            }
            Event::RulesChanged => {
                let shared = shared.clone();
                tokio::task::spawn_blocking(move || reload(&shared, "watch"));
            }
            Event::Shutdown(why) => {
                tracing::info!("shutting down ({why})");
                break;
            }
        }
    }
    // Answer what is already queued, then let the in-flight tasks finish.
    while let Some(call) = calls.try_recv() {
        let shared = shared.clone();
        tasks.spawn_blocking(move || handle_call(call, &shared));
    }
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        tracing::warn!("some calls were still being evaluated at shutdown; they are answered deny");
    }
    Ok(())
}

/// Evaluates one call and answers it; never lets a failure escape without an answer.
fn handle_call(call: IncomingCall, shared: &Shared) {
    if call.request.post_tool {
        prempti_plugin::post_tool::settle_report(call, Some(&shared.sessions));
        return;
    }
    let policy = shared.policy.load();
    let settings = call.settings;
    let evaluated = std::panic::catch_unwind(AssertUnwindSafe(|| {
        engine::evaluate(
            &policy,
            &shared.tags,
            &call.request,
            call.correlation_id,
            settings,
            &shared.hostname,
            Some(&shared.sessions),
        )
    }));
    let correlation_id = call.correlation_id;
    let audit = shared.audit.as_ref();
    let (settled, alerts) = match evaluated {
        Ok(Ok(evaluation)) => {
            let verdict = &evaluation.verdict;
            if verdict.policy_decision != verdict.decision {
                tracing::info!(
                    correlation_id,
                    "{} mode, would {}: {}",
                    settings.mode,
                    verdict.policy_decision,
                    verdict.policy_reason
                );
            }
            let settled = settle(
                call,
                Engine::Embedded,
                verdict,
                evaluation.matched,
                &evaluation.calls,
                audit,
                Some(&shared.sessions),
            );
            shared.counters.count(verdict.decision);
            (settled, evaluation.alerts)
        }
        Ok(Err(bad_input)) => {
            tracing::warn!(correlation_id, "denied a call with bad input: {bad_input}");
            let verdict = failure_verdict(format!("Prempti: {bad_input}"), settings);
            shared.counters.count(Decision::Deny);
            (
                settle(
                    call,
                    Engine::Embedded,
                    &verdict,
                    Vec::new(),
                    &[],
                    audit,
                    None,
                ),
                Vec::new(),
            )
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            tracing::error!(
                correlation_id,
                "evaluation panicked: {what}; the call is answered deny"
            );
            let verdict = failure_verdict(EVALUATION_FAILED_REASON.to_owned(), settings);
            shared.counters.count(Decision::Deny);
            shared.counters.errors.fetch_add(1, Ordering::Relaxed);
            (
                settle(
                    call,
                    Engine::Embedded,
                    &verdict,
                    Vec::new(),
                    &[],
                    audit,
                    None,
                ),
                Vec::new(),
            )
        }
    };
    if let Some(e) = settled.audit_error {
        tracing::error!(correlation_id, "cannot write the audit log: {e}");
    }
    // Alerts go out after the hook has its answer: outputs are never on the hot path.
    for alert in &alerts {
        shared.outputs.emit(&alert.render());
    }
    shared
        .counters
        .alerts
        .fetch_add(alerts.len() as u64, Ordering::Relaxed);
}

/// Recompiles the rules and swaps them in when they have no errors. Runs off the loop.
fn reload(shared: &Shared, trigger: &str) -> ReloadStatus {
    let _serial = shared.reload_lock.lock().unwrap_or_else(|p| p.into_inner());
    let at = || prempti_plugin::audit::format_time(jiff::Timestamp::now());
    let outcome = Settings::load(&shared.layout)
        .map_err(|e| vec![format!("{e:#}")])
        .and_then(|s| {
            let falco = embedded_view(s.falco, &shared.layout, &s.plugin);
            engine::compile(&falco, &shared.tags).map_err(|f| f.errors)
        })
        .and_then(|policy| {
            let emptied = engine::emptied_files(&shared.policy.load(), &policy);
            if emptied.is_empty() {
                Ok(policy)
            } else {
                Err(emptied)
            }
        });
    let status = match outcome {
        Ok(policy) => {
            let warnings = policy.warnings.clone();
            for warning in &warnings {
                tracing::warn!("{warning}");
            }
            tracing::info!(
                "reloaded the rules ({trigger}): {} from {}",
                count(policy.rule_count, "rule"),
                count(policy.files.len(), "file")
            );
            shared.policy.store(policy);
            ReloadStatus {
                at: at(),
                trigger: trigger.to_owned(),
                ok: true,
                errors: Vec::new(),
                warnings,
            }
        }
        Err(errors) => {
            shared
                .counters
                .failed_reloads
                .fetch_add(1, Ordering::Relaxed);
            tracing::error!("reload ({trigger}) failed; the previous rules stay in force:");
            for e in &errors {
                tracing::error!("  {e}");
            }
            ReloadStatus {
                at: at(),
                trigger: trigger.to_owned(),
                ok: false,
                errors,
                warnings: Vec::new(),
            }
        }
    };
    *shared.last_reload.lock().unwrap_or_else(|p| p.into_inner()) = Some(status.clone());
    // The previous policy (or the failed attempt) was freed: give it back to the system.
    trim::release_free_heap();
    status
}

fn handle_control(
    shared: &Arc<Shared>,
    request: ControlRequest,
    reply: tokio::sync::oneshot::Sender<ControlResponse>,
) {
    let response = match request {
        ControlRequest::Status => ControlResponse {
            ok: true,
            message: "running".into(),
            data: serde_json::to_value(status_doc(shared)).unwrap_or_default(),
        },
        ControlRequest::SetMode { mode } => {
            let previous = shared.settings.set_mode(mode);
            tracing::info!("mode: {} -> {mode}", previous.mode);
            persist(
                shared,
                mode,
                shared.settings.get().default_action,
                format!("mode is now {mode}"),
            )
        }
        ControlRequest::SetDefaultAction { action } => {
            let previous = shared.settings.set_default_action(action);
            tracing::info!("default action: {} -> {action}", previous.default_action);
            persist(
                shared,
                shared.settings.get().mode,
                action,
                format!("default action is now {action}"),
            )
        }
        ControlRequest::Reload => {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || {
                let status = reload(&shared, "control");
                let message = if status.ok {
                    "rules reloaded".to_owned()
                } else {
                    "the new rules have errors; the previous rules stay in force".to_owned()
                };
                let _ = reply.send(ControlResponse {
                    ok: status.ok,
                    message,
                    data: serde_json::to_value(&status).unwrap_or_default(),
                });
            });
            return;
        }
        ControlRequest::Stop => ControlResponse {
            ok: true,
            message: "stopping".into(),
            data: Default::default(),
        },
        ControlRequest::Authorize { action } => authorized(&action),
    };
    let _ = reply.send(response);
}

/// The answer to an [`ControlRequest::Authorize`] that carried the token (the control server
/// refuses and records one without it before it gets here).
pub(crate) fn authorized(action: &str) -> ControlResponse {
    tracing::warn!("control: `premptictl {action}` authorized with the control token");
    ControlResponse {
        ok: true,
        message: format!("`{action}` authorized"),
        data: Default::default(),
    }
}

/// Saves mode and default action in the plugin configuration so a restart keeps them.
fn persist(shared: &Shared, mode: Mode, action: DefaultAction, message: String) -> ControlResponse {
    let path = shared.layout.plugin_config();
    let data = serde_json::json!({"mode": mode, "default_action": action});
    if !path.exists() {
        return ControlResponse {
            ok: true,
            message: format!("{message} (not saved: {} is missing)", path.display()),
            data,
        };
    }
    match PluginConfig::persist(&path, mode, action) {
        Ok(()) => ControlResponse {
            ok: true,
            message,
            data,
        },
        Err(e) => {
            tracing::warn!("{e:#}");
            ControlResponse {
                ok: true,
                message: format!("{message} (in force, but not saved: {e:#})"),
                data,
            }
        }
    }
}

fn status_doc(shared: &Shared) -> StatusDoc {
    let policy = shared.policy.load();
    let settings = shared.settings.get();
    StatusDoc {
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        engine: "embedded".into(),
        falco_pid: None,
        mode: settings.mode.to_string(),
        default_action: settings.default_action.to_string(),
        started_at: shared.started_at.clone(),
        uptime_secs: shared.started.elapsed().as_secs(),
        home: shared.layout.home.display().to_string(),
        rules: policy.status(),
        last_reload: shared
            .last_reload
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
        counters: shared.counters.snapshot(),
        config_warnings: shared.config_warnings.clone(),
        broker: Some(shared.broker.stats()),
        falco: None,
    }
}

/// The host name for alerts: `FALCO_HOSTNAME`, else the system's.
pub fn hostname() -> String {
    if let Some(name) = std::env::var_os("FALCO_HOSTNAME").filter(|n| !n.is_empty()) {
        return name.to_string_lossy().into_owned();
    }
    crate::platform::process::hostname().unwrap_or_else(|| "localhost".to_owned())
}
