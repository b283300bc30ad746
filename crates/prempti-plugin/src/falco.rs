//! Falco SDK glue: the `coding_agent` plugin as Falco loads it.
//!
//! - **source** (`next_batch`): pulls pending hook calls from the broker, normalizes each
//!   ([`crate::agents::parse_call`]) and emits one plugin event per [`ToolCall`] (several for
//!   a multi-file `apply_patch`), with the encoded call ([`crate::event`]) as event data.
//! - **extract**: the field table of [`crate::fields`], unchanged; extractors decode the event
//!   once (cached on the plugin, keyed by the event bytes) and call the same extractor
//!   functions as the embedded engine.
//! - **verdicts**: Falco posts every alert to the alert intake ([`crate::intake`]); alerts are
//!   paired with their call by `correlation.id`. The catch-all seen rule (`rules/seen.yaml`,
//!   loaded last, `rule_matching: all`) fires last for every event; when the seen alerts of
//!   all the events of a call have arrived, the call's matches are resolved
//!   ([`crate::evaluate::decide`], as the embedded host does), the hook is answered and the audit record written.
//!
//! Plugin id: [`PLUGIN_ID`] (`0x7072_6d70`, "prmp"), not registered with the falcosecurity
//! plugin registry; it only has to differ from the ids of other source plugins Falco loads
//! in the same process.

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use falco_plugin::anyhow::{self, Context, Error};
use falco_plugin::base::{Json, Plugin};
use falco_plugin::event::events::Event;
use falco_plugin::extract::{field, ExtractFieldInfo, ExtractPlugin, ExtractRequest};
use falco_plugin::source::{
    EventBatch, EventInput, PluginEvent, SourcePlugin, SourcePluginInstance,
};
use falco_plugin::tables::TablesInput;
use falco_plugin::FailureReason;
use prempti_rules::{ArgSpec, FieldType};

use crate::agents::{parse_request, CallContext, Os, ToolCall};
use crate::audit::{AuditLog, Engine};
use crate::broker::{
    Broker, BrokerConfig, BrokerHandle, BrokerStats, CallReceiver, IncomingCall, BROKER_FD_ENV,
};
use crate::config::{Config, DefaultActionSetting, ModeSetting};
use crate::fields::{Extracted, FIELDS, FIELD_COUNT};
use crate::host::{failure_verdict, settle};
use crate::intake::{Alert, AlertSink, Completed, Correlator, Intake, IntakeConfig, IntakeStats};
use crate::rotate::RotationPolicy;
use crate::session::SessionStore;
use crate::verdict::{RuntimeSettings, SharedSettings, TagConfig, Verdict};

/// The plugin id of the `coding_agent` source ("prmp").
pub const PLUGIN_ID: u32 = 0x7072_6d70;

/// Longest `next_batch` waits for a call before answering "timeout".
const BATCH_WAIT: Duration = Duration::from_millis(50);

/// Most calls taken from the broker per batch.
const BATCH_MAX: usize = 64;

/// The `coding_agent` plugin.
pub struct CodingAgentPlugin {
    config: Config,
    shared: Arc<Shared>,
    /// The alert intake, kept running for the plugin's lifetime (dropping it stops it).
    _intake: Option<Intake>,
    /// Last decoded event: its bytes and the call.
    cache: Option<(Vec<u8>, ToolCall)>,
}

/// State shared between the Falco thread (`next_batch`) and the intake's tasks.
struct Shared {
    tags: TagConfig,
    /// Mode and default action in force: set at init, changed by `set_config` and by the
    /// daemon's `settings` control request, read by the broker for each call.
    settings: SharedSettings,
    correlator: Correlator,
    pending: Mutex<HashMap<u64, Pending>>,
    audit: Option<AuditLog>,
    /// Session history (`session.*` fields); `None` when it could not be opened.
    sessions: Option<SessionStore>,
    counts: Counts,
    /// The broker, once a capture is open.
    broker: Mutex<Option<BrokerHandle>>,
    /// The broker was told to stop accepting.
    draining: AtomicBool,
}

/// Calls settled by this plugin, by verdict.
#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    allow: AtomicU64,
    deny: AtomicU64,
    ask: AtomicU64,
    defer: AtomicU64,
    errors: AtomicU64,
    alerts: AtomicU64,
}

/// What the plugin inside Falco reports to the daemon (`POST /control/status` on the alert
/// intake, and the answer to `POST /control/settings`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PluginStatus {
    /// The mode in force.
    pub mode: prempti_protocol::Mode,
    /// The default action in force.
    pub default_action: prempti_protocol::DefaultAction,
    /// Calls settled (answered, or evaluated after a passthrough answer).
    pub calls: u64,
    /// Verdict allow.
    pub allow: u64,
    /// Verdict deny.
    pub deny: u64,
    /// Verdict ask.
    pub ask: u64,
    /// Verdict defer.
    pub defer: u64,
    /// Calls whose payload could not be evaluated (answered deny).
    pub errors: u64,
    /// Rule alerts of settled calls (the seen rule's not counted).
    pub alerts: u64,
    /// Calls queued for Falco or handed to it, and not settled yet.
    pub pending: u64,
    /// Broker connections accepted and not answered yet.
    pub in_flight: u64,
    /// Whether the broker stopped accepting for a handover (`drain`).
    pub draining: bool,
    /// The broker's counters (absent before the capture opens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<BrokerStats>,
    /// The alert intake's counters.
    pub intake: IntakeStats,
}

/// The body of `POST /control/settings`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsRequest {
    mode: ModeSetting,
    default_action: DefaultActionSetting,
}

/// What the host remembers of a call handed to Falco, besides the call itself.
struct Pending {
    /// The call's events (one per touched file for a split patch), for the audit record.
    events: Vec<ToolCall>,
}

impl Shared {
    /// Audits a completed call and answers it.
    fn finish(&self, done: Completed) {
        let id = done.call.correlation_id;
        let pending = self.pending.lock().ok().and_then(|mut p| p.remove(&id));
        let decided = crate::evaluate::decide(done.events, &self.tags, done.call.settings);
        let described = pending.as_ref().map_or(&[][..], |p| &p.events[..]);
        self.settle(done.call, &decided.verdict, decided.matched, described);
    }

    /// Answers a call whose payload could not be normalized: deny in every mode.
    fn reject(&self, call: IncomingCall, reason: String) {
        self.counts.errors.fetch_add(1, Ordering::Relaxed);
        let verdict = failure_verdict(reason, call.settings);
        self.settle(call, &verdict, Vec::new(), &[]);
    }

    fn settle(
        &self,
        call: IncomingCall,
        verdict: &Verdict,
        matched: Vec<crate::verdict::MatchedRule>,
        described: &[ToolCall],
    ) {
        let counts = &self.counts;
        counts.calls.fetch_add(1, Ordering::Relaxed);
        counts
            .alerts
            .fetch_add(matched.len() as u64, Ordering::Relaxed);
        let by_decision = match verdict.decision {
            prempti_protocol::Decision::Allow => &counts.allow,
            prempti_protocol::Decision::Deny => &counts.deny,
            prempti_protocol::Decision::Ask => &counts.ask,
            prempti_protocol::Decision::Defer => &counts.defer,
        };
        by_decision.fetch_add(1, Ordering::Relaxed);
        let settled = settle(
            call,
            Engine::Falco,
            verdict,
            matched,
            described,
            self.audit.as_ref(),
            self.sessions.as_ref(),
        );
        if let Some(e) = settled.audit_error {
            log::warn!("coding_agent: cannot write audit record: {e}");
        }
    }
}

/// Feeds alerts from the intake to the correlator; a call completes on the seen alert of its
/// last event ([`Correlator::insert_expecting`]).
struct Sink(Arc<Shared>);

impl AlertSink for Sink {
    fn deliver(&self, alert: Alert) {
        if let Some(done) = self.0.correlator.on_alert(alert) {
            self.0.finish(done);
        }
    }

    /// `settings` (body `{"mode":…,"default_action":…}`) switches both at once, for the calls
    /// that arrive from then on; `drain` makes the broker stop accepting (the daemon then
    /// waits for `in_flight` and `pending` to reach 0 before it stops Falco, and the next
    /// Falco takes the connections waiting in the socket's backlog); `status` changes
    /// nothing. All answer a [`PluginStatus`].
    fn control(
        &self,
        op: &str,
        body: &[u8],
        intake: &IntakeStats,
    ) -> Result<serde_json::Value, String> {
        match op {
            "status" => {}
            "drain" => {
                self.0.draining.store(true, Ordering::Release);
                if let Ok(slot) = self.0.broker.lock() {
                    if let Some(broker) = slot.as_ref() {
                        broker.stop_accepting();
                    }
                }
                log::info!("coding_agent: the broker stopped accepting (handover to a new Falco)");
            }
            "settings" => {
                let wanted: SettingsRequest = serde_json::from_slice(body)
                    .map_err(|e| format!("bad settings request: {e}"))?;
                let before = self.0.settings.set(RuntimeSettings {
                    mode: wanted.mode.into(),
                    default_action: wanted.default_action.into(),
                });
                let now = self.0.settings.get();
                log::info!(
                    "coding_agent: mode {} -> {}, default action {} -> {} (daemon request)",
                    before.mode,
                    now.mode,
                    before.default_action,
                    now.default_action
                );
            }
            other => return Err(format!("unknown control operation {other:?}")),
        }
        serde_json::to_value(self.0.status(*intake)).map_err(|e| e.to_string())
    }
}

impl Shared {
    fn status(&self, intake: IntakeStats) -> PluginStatus {
        let settings = self.settings.get();
        let broker = self.broker.lock().ok().and_then(|b| b.clone());
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let c = &self.counts;
        PluginStatus {
            mode: settings.mode,
            default_action: settings.default_action,
            calls: load(&c.calls),
            allow: load(&c.allow),
            deny: load(&c.deny),
            ask: load(&c.ask),
            defer: load(&c.defer),
            errors: load(&c.errors),
            alerts: load(&c.alerts),
            // Queued calls count: a passthrough call is answered before it is evaluated, and
            // a handover must not stop Falco before it is.
            pending: self.pending.lock().map(|p| p.len() as u64).unwrap_or(0)
                + broker.as_ref().map_or(0, |b| b.queued() as u64),
            in_flight: broker.as_ref().map_or(0, |b| b.in_flight() as u64),
            draining: self.draining.load(Ordering::Acquire),
            broker: broker.as_ref().map(BrokerHandle::snapshot),
            intake,
        }
    }
}

/// The broker socket handed over by the daemon ([`BROKER_FD_ENV`]), taken once: a second
/// capture in the same process binds the socket path itself.
fn inherited_listener_fd() -> Option<i32> {
    static TAKEN: AtomicBool = AtomicBool::new(false);
    let fd = std::env::var(BROKER_FD_ENV).ok()?.trim().parse().ok()?;
    (!TAKEN.swap(true, Ordering::AcqRel)).then_some(fd)
}

/// Opens the session store the configuration names (in memory when its journal cannot be
/// opened: session rules keep working until a restart).
pub fn open_sessions(config: &Config) -> Option<SessionStore> {
    let cfg = config.sessions.clone();
    // An empty path names `$PREMPTI_HOME/state/sessions.jsonl` only when PREMPTI_HOME is set
    // (the daemon sets it for its Falco and the installed configuration names the file);
    // never a guessed home.
    let home = std::env::var_os(prempti_protocol::env::PREMPTI_HOME)
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from);
    let path = match (&home, cfg.path.as_str()) {
        (_, "off") | (None, "") => None,
        (Some(home), _) => cfg.journal_path(home),
        (None, p) => Some(std::path::PathBuf::from(p)),
    };
    let Some(path) = path else {
        log::info!("coding_agent: session history kept in memory only");
        return Some(SessionStore::in_memory(cfg));
    };
    match SessionStore::open(cfg.clone(), &path, crate::session::now_ms()) {
        Ok(store) => Some(store),
        Err(e) => {
            log::warn!(
                "coding_agent: cannot open the session store {}: {e}; session history kept in memory only",
                path.display()
            );
            Some(SessionStore::in_memory(cfg))
        }
    }
}

fn runtime_settings(config: &Config) -> RuntimeSettings {
    RuntimeSettings {
        mode: config.mode.into(),
        default_action: config.default_action.into(),
    }
}

/// The broker socket: `socket_path`, or `$PREMPTI_HOME/run/broker.sock`.
fn socket_path(config: &Config) -> Result<std::path::PathBuf, Error> {
    Ok(if config.socket_path.is_empty() {
        let home = prempti_protocol::paths::prempti_home()?;
        prempti_protocol::paths::broker_socket(&home)
    } else {
        config.socket_path.clone().into()
    })
}

/// The daemon's control token, next to the broker socket (`run/control.token`).
fn control_token_file(config: &Config) -> Option<std::path::PathBuf> {
    let socket = socket_path(config).ok()?;
    Some(socket.with_file_name(prempti_protocol::paths::CONTROL_TOKEN_FILE))
}

fn tag_config(config: &Config) -> TagConfig {
    TagConfig {
        deny: config.deny_tags.clone(),
        ask: config.ask_tags.clone(),
        seen: config.seen_tags.clone(),
    }
}

impl Plugin for CodingAgentPlugin {
    const NAME: &'static CStr = c"coding_agent";
    const PLUGIN_VERSION: &'static CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"0.0.0",
        };
    const DESCRIPTION: &'static CStr =
        c"Prempti: policy and visibility for AI coding agents' tool calls";
    const CONTACT: &'static CStr = c"https://github.com/prempti/prempti";
    type ConfigType = Json<Config>;

    fn new(_input: Option<&TablesInput>, Json(config): Json<Config>) -> Result<Self, Error> {
        let audit = if config.audit.path.is_empty() {
            None
        } else {
            let policy = RotationPolicy {
                max_bytes: config.audit.max_bytes,
                max_files: config.audit.max_files,
            };
            let cap = usize::try_from(config.audit.max_payload_bytes).unwrap_or(usize::MAX);
            Some(
                AuditLog::open(&config.audit.path, policy)
                    .with_context(|| format!("opening the audit log {}", config.audit.path))?
                    .with_payload_cap(cap),
            )
        };
        let tags = tag_config(&config);
        let sessions = open_sessions(&config);
        let shared = Arc::new(Shared {
            sessions,
            correlator: Correlator::new(tags.clone()),
            tags,
            settings: SharedSettings::new(runtime_settings(&config)),
            pending: Mutex::new(HashMap::new()),
            audit,
            counts: Counts::default(),
            broker: Mutex::new(None),
            draining: AtomicBool::new(false),
        });
        let intake = if config.intake.token.is_empty() {
            None
        } else {
            let bind: SocketAddr = config
                .intake
                .address
                .parse()
                .with_context(|| format!("intake address {:?}", config.intake.address))?;
            let intake_config = IntakeConfig {
                bind,
                token: Some(config.intake.token.clone()),
                max_body_bytes: crate::intake::DEFAULT_MAX_BODY_BYTES,
                control_token_file: control_token_file(&config),
            };
            let intake = Intake::start_standalone(intake_config, Sink(Arc::clone(&shared)))
                .context("starting the alert intake")?;
            log::info!(
                "coding_agent: alert intake listening on {}",
                intake.local_addr()
            );
            Some(intake)
        };
        Ok(CodingAgentPlugin {
            config,
            shared,
            _intake: intake,
            cache: None,
        })
    }

    /// Applies a new configuration: mode and default action take effect at once; other
    /// settings need a restart.
    fn set_config(&mut self, Json(config): Json<Config>) -> Result<(), Error> {
        self.shared.settings.set(runtime_settings(&config));
        self.config.mode = config.mode;
        self.config.default_action = config.default_action;
        Ok(())
    }
}

/// An open capture: the broker's socket and its queue of calls.
pub struct CodingAgentInstance {
    broker: Broker,
    receiver: CallReceiver,
}

impl SourcePlugin for CodingAgentPlugin {
    type Instance = CodingAgentInstance;
    const EVENT_SOURCE: &'static CStr = c"coding_agent";
    const PLUGIN_ID: u32 = PLUGIN_ID;
    type Event<'a> = Event<PluginEvent<&'a [u8]>>;

    fn open(&mut self, _params: Option<&str>) -> Result<Self::Instance, Error> {
        let socket = socket_path(&self.config)?;
        let mut broker_config = BrokerConfig::new(socket);
        broker_config.max_request_bytes = self.config.max_request_bytes;
        broker_config.request_deadline = Duration::from_millis(self.config.request_deadline_ms);
        broker_config.listener_fd = inherited_listener_fd();
        let inherited = broker_config.listener_fd.is_some();
        let (broker, receiver) =
            Broker::bind_standalone(broker_config, self.shared.settings.clone())
                .context("starting the broker")?;
        if let Ok(mut slot) = self.shared.broker.lock() {
            *slot = Some(broker.handle());
        }
        log::info!(
            "coding_agent: broker listening on {}{}",
            broker.local_path().display(),
            if inherited {
                " (socket inherited from premptictl)"
            } else {
                ""
            }
        );
        Ok(CodingAgentInstance { broker, receiver })
    }

    fn close(&mut self, instance: &mut Self::Instance) {
        instance.broker.shutdown();
    }

    fn event_to_string(&mut self, event: &EventInput<Self::Event<'_>>) -> Result<CString, Error> {
        let event = event.event()?;
        let call = crate::event::decode(event.params.event_data)?;
        let what = call
            .input_command
            .as_deref()
            .or(call.file_path.as_deref())
            .or(call.url.as_deref())
            .or(call.pattern.as_deref())
            .unwrap_or("");
        let text = format!("{} {} {}", call.agent.field_name(), call.tool_name, what);
        Ok(CString::new(text.replace('\0', " "))?)
    }
}

impl SourcePluginInstance for CodingAgentInstance {
    type Plugin = CodingAgentPlugin;

    fn next_batch(
        &mut self,
        plugin: &mut Self::Plugin,
        batch: &mut EventBatch,
    ) -> Result<(), Error> {
        let shared = &plugin.shared;
        let max_age =
            Duration::from_millis(plugin.config.request_deadline_ms) + Duration::from_secs(1);
        for stale in shared.correlator.sweep(max_age) {
            if let Ok(mut pending) = shared.pending.lock() {
                pending.remove(&stale.correlation_id);
            }
            // Dropping an unanswered call denies it.
            drop(stale);
        }

        let calls = self.receiver.recv_batch(BATCH_MAX, BATCH_WAIT);
        if calls.is_empty() {
            if self.receiver.is_closed() {
                return Err(anyhow::anyhow!("the broker has shut down").context(FailureReason::Eof));
            }
            return Err(anyhow::anyhow!("no tool call").context(FailureReason::Timeout));
        }
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        let mut added = 0usize;
        for incoming in calls {
            if incoming.request.post_tool {
                crate::post_tool::settle_report(incoming, shared.sessions.as_ref());
                continue;
            }
            let ctx = CallContext {
                correlation_id: incoming.correlation_id,
                agent_pid: u64::from(incoming.request.agent_pid),
                os: Os::current(),
            };
            let events = match parse_request(&incoming.request, &ctx) {
                Ok(mut events) if !events.is_empty() => {
                    if let Some(store) = &shared.sessions {
                        store.attach(&mut events, crate::session::now_ms());
                    }
                    events
                }
                Ok(_) => {
                    shared.reject(
                        incoming,
                        "Prempti: the hook payload describes no tool call".into(),
                    );
                    continue;
                }
                Err(e) => {
                    shared.reject(incoming, format!("Prempti: {e}"));
                    continue;
                }
            };
            for call in &events {
                let data = crate::event::encode(call);
                let mut event = Self::plugin_event(&data);
                event.metadata.ts = ts;
                batch.add(event)?;
            }
            let count = events.len();
            if let Ok(mut pending) = shared.pending.lock() {
                pending.insert(incoming.correlation_id, Pending { events });
            }
            shared.correlator.insert_expecting(incoming, count);
            added += count;
        }
        if added == 0 {
            // Only post-tool reports or rejected payloads: Falco takes a successful empty
            // batch as the end of the source and stops, so this is "nothing yet".
            return Err(anyhow::anyhow!("no tool call").context(FailureReason::Timeout));
        }
        Ok(())
    }
}

impl CodingAgentPlugin {
    /// The decoded call of the event being extracted, decoding at most once per event.
    fn call_of(&mut self, req: &ExtractRequest<Self>) -> Result<&ToolCall, Error> {
        let event = req.event.event()?;
        let data = event.params.event_data;
        let hit = matches!(&self.cache, Some((bytes, _)) if bytes.as_slice() == data);
        if !hit {
            let call = crate::event::decode(data)?;
            self.cache = Some((data.to_vec(), call));
        }
        match &self.cache {
            Some((_, call)) => Ok(call),
            None => Err(anyhow::anyhow!("event cache is empty")),
        }
    }

    fn value<const I: usize>(
        &mut self,
        req: &ExtractRequest<Self>,
        arg: Option<&str>,
    ) -> Result<Extracted<'static>, Error> {
        let call = self.call_of(req)?;
        Ok(owned(crate::fields::extract(call, I, arg)))
    }

    fn x_str<const I: usize>(
        &mut self,
        req: ExtractRequest<Self>,
    ) -> Result<Option<CString>, Error> {
        match self.value::<I>(&req, None)? {
            Extracted::Str(s) => Ok(Some(c_string(&s))),
            _ => Ok(None),
        }
    }

    fn x_list<const I: usize>(&mut self, req: ExtractRequest<Self>) -> Result<Vec<CString>, Error> {
        match self.value::<I>(&req, None)? {
            Extracted::List(items) => Ok(items.iter().map(|s| c_string(s)).collect()),
            _ => Ok(Vec::new()),
        }
    }

    fn x_list_key<const I: usize>(
        &mut self,
        req: ExtractRequest<Self>,
        arg: Option<&CStr>,
    ) -> Result<Vec<CString>, Error> {
        let arg = match arg {
            Some(a) => Some(
                a.to_str()
                    .context("field argument is not UTF-8")?
                    .to_owned(),
            ),
            None => None,
        };
        match self.value::<I>(&req, arg.as_deref())? {
            Extracted::List(items) => Ok(items.iter().map(|s| c_string(s)).collect()),
            _ => Ok(Vec::new()),
        }
    }

    fn x_u64<const I: usize>(&mut self, req: ExtractRequest<Self>) -> Result<Option<u64>, Error> {
        match self.value::<I>(&req, None)? {
            Extracted::U64(v) => Ok(Some(v)),
            _ => Ok(None),
        }
    }

    fn x_u64_key<const I: usize>(
        &mut self,
        req: ExtractRequest<Self>,
        arg: &CStr,
    ) -> Result<Option<u64>, Error> {
        let arg = arg
            .to_str()
            .context("field argument is not UTF-8")?
            .to_owned();
        match self.value::<I>(&req, Some(&arg))? {
            Extracted::U64(v) => Ok(Some(v)),
            _ => Ok(None),
        }
    }

    fn x_bool<const I: usize>(&mut self, req: ExtractRequest<Self>) -> Result<Option<bool>, Error> {
        match self.value::<I>(&req, None)? {
            Extracted::Bool(v) => Ok(Some(v)),
            _ => Ok(None),
        }
    }
}

fn owned(v: Extracted<'_>) -> Extracted<'static> {
    match v {
        Extracted::None => Extracted::None,
        Extracted::Str(s) => Extracted::Str(s.into_owned().into()),
        Extracted::U64(v) => Extracted::U64(v),
        Extracted::Bool(v) => Extracted::Bool(v),
        Extracted::List(items) => {
            Extracted::List(items.into_iter().map(|s| s.into_owned().into()).collect())
        }
    }
}

/// A C string of `s`; [`crate::fields::extract`] already cut strings at their first NUL.
fn c_string(s: &str) -> CString {
    let bytes: Vec<u8> = s.bytes().take_while(|b| *b != 0).collect();
    CString::new(bytes).unwrap_or_default()
}

/// The SDK field entry for row `I` of the field table: the extractor is chosen by the row's
/// type, list-ness and argument, so the exported schema is the table's.
const fn sdk_field<const I: usize>() -> ExtractFieldInfo<CodingAgentPlugin> {
    let spec = FIELDS[I];
    let mut info = match (spec.ty, spec.is_list, spec.arg) {
        (FieldType::String, false, ArgSpec::None) => {
            field(spec.name, &CodingAgentPlugin::x_str::<I>)
        }
        (FieldType::String, true, ArgSpec::None) => {
            field(spec.name, &CodingAgentPlugin::x_list::<I>)
        }
        (FieldType::String, true, ArgSpec::Key { required: false }) => {
            field(spec.name, &CodingAgentPlugin::x_list_key::<I>)
        }
        (FieldType::U64, false, ArgSpec::None) => field(spec.name, &CodingAgentPlugin::x_u64::<I>),
        (FieldType::U64, false, ArgSpec::Key { required: true }) => {
            field(spec.name, &CodingAgentPlugin::x_u64_key::<I>)
        }
        (FieldType::Bool, false, ArgSpec::None) => {
            field(spec.name, &CodingAgentPlugin::x_bool::<I>)
        }
        _ => panic!("the plugin glue has no extractor for this field shape"),
    };
    info.description = spec.description;
    info.add_output = spec.suggested;
    info
}

macro_rules! sdk_fields {
    ($($i:literal)*) => { &[$(sdk_field::<$i>()),*] };
}

impl ExtractPlugin for CodingAgentPlugin {
    type Event<'a> = Event<PluginEvent<&'a [u8]>>;
    type ExtractContext = ();
    const EXTRACT_FIELDS: &'static [ExtractFieldInfo<Self>] = sdk_fields!(
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30
        31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58
        59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86
        87 88 89 90 91 92 93 94 95 96 97 98
    );
}

// Every row of the field table is exported, none twice.
const _: () = assert!(<CodingAgentPlugin as ExtractPlugin>::EXTRACT_FIELDS.len() == FIELD_COUNT);

/// The C symbols Falco looks up (`plugin_init`, `plugin_next_batch`, `plugin_get_fields`,
/// ...); exported from the shared library whatever this module's visibility.
mod exports {
    use super::CodingAgentPlugin;
    use falco_plugin::{extract_plugin, plugin, source_plugin};

    plugin!(CodingAgentPlugin);
    source_plugin!(CodingAgentPlugin);
    extract_plugin!(CodingAgentPlugin);
}
