//! The logic behind `premptictl rules ...`: loading rules files, evaluating one hook payload the
//! way the daemon does, running fixture suites and replaying the audit log.
//!
//! Everything here goes through the real code paths: the plugin's payload normalization
//! ([`prempti_plugin::agents::parse_call`]), its field table ([`prempti_plugin::fields`]), and
//! the one evaluation the daemon's hosts use ([`prempti_plugin::evaluate`]: engine, matched
//! rules, verdict with mode, default action and escalation).
//!
//! The tools read the configuration the daemon reads ([`EvalConfig::for_layout`]): the tag
//! names of `config/falco.coding_agents_plugin.yaml`, its default action, and `rule_matching`,
//! `priority` and `append_output` of `config/falco.yaml`. They evaluate in guardrails mode
//! unless asked for another ([`EvalConfig::with_mode`]), so a tool shows what the policy
//! decides. Without an installation (no configuration files) they use the defaults of a fresh
//! one: default tags, `rule_matching: all`, and the default action `defer`, so a verdict of
//! `defer` means "no rule voted".
//!
//! The command-line glue (argument parsing, printing) lives in `commands/rules.rs`; this module
//! returns plain data so tests can drive it directly.

pub mod fixtures;
pub mod replay;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use prempti_plugin::agents::{self, Agent, CallContext, Os, ToolCall};
use prempti_plugin::fields::{self, Extracted};
use prempti_plugin::verdict::{RuntimeSettings, TagConfig};
use prempti_protocol::{Decision, DefaultAction, Mode};
use prempti_rules::{
    Engine, EngineConfig, EventMeta, LoadResult, RuleExplanation, RuleMatching, RulesFile, Ruleset,
};
use serde::Serialize;

/// The plugin version the rules tools present to `required_plugin_versions` checks.
pub const PLUGIN_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The configuration a rules tool evaluates under: what the daemon would use.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    /// The tag names that make rules vote (`init_config` of the plugin configuration).
    pub tags: TagConfig,
    /// Mode (guardrails unless asked) and the configured default action.
    pub settings: RuntimeSettings,
    /// The engine configuration (`rule_matching`, `priority`, `append_output`, ...).
    pub engine: EngineConfig,
    /// The configuration files read (empty for the defaults).
    pub read_from: Vec<PathBuf>,
}

impl EvalConfig {
    /// The defaults of a fresh installation: default tags, guardrails, default action `defer`,
    /// `rule_matching: all`, no `append_output`.
    pub fn defaults() -> EvalConfig {
        EvalConfig {
            tags: TagConfig::default(),
            settings: RuntimeSettings {
                mode: Mode::Guardrails,
                default_action: DefaultAction::Defer,
            },
            engine: EngineConfig {
                rule_matching: RuleMatching::All,
                plugins: vec![(fields::PLUGIN_NAME.to_owned(), PLUGIN_VERSION.to_owned())],
                ..EngineConfig::default()
            },
            read_from: Vec::new(),
        }
    }

    /// The configuration of the installation at `layout`, read the way the daemon reads it
    /// (`config/falco.yaml` and `config/falco.coding_agents_plugin.yaml`), in guardrails mode.
    /// When neither file exists, [`EvalConfig::defaults`].
    pub fn for_layout(layout: &prempti_protocol::paths::Layout) -> Result<EvalConfig> {
        let (falco_path, plugin_path) = (layout.falco_config(), layout.plugin_config());
        if !falco_path.is_file() && !plugin_path.is_file() {
            return Ok(EvalConfig::defaults());
        }
        let falco = crate::config::FalcoConfig::load(&falco_path, &layout.home)?;
        let plugin = crate::config::PluginConfig::load(&plugin_path)?;
        let engine = crate::daemon::engine::engine_config(&falco)
            .map_err(|f| anyhow::anyhow!("{} (fix the configuration)", f.errors.join("; ")))?;
        Ok(EvalConfig {
            tags: crate::daemon::tags_of(&plugin),
            settings: RuntimeSettings {
                mode: Mode::Guardrails,
                default_action: plugin.default_action,
            },
            engine,
            read_from: [falco_path, plugin_path]
                .into_iter()
                .filter(|p| p.is_file())
                .collect(),
        })
    }

    /// The same configuration evaluated in `mode`.
    pub fn with_mode(mut self, mode: Mode) -> EvalConfig {
        self.settings.mode = mode;
        self
    }
}

/// Compiled rules and the configuration they are evaluated under.
#[derive(Debug)]
pub struct Policy {
    /// The compiled rules.
    pub ruleset: Ruleset,
    /// Tags, mode, default action.
    pub config: EvalConfig,
}

impl std::ops::Deref for Policy {
    type Target = Ruleset;

    fn deref(&self) -> &Ruleset {
        &self.ruleset
    }
}

/// An engine configured like the daemon for rule evaluation with the defaults of a fresh
/// installation ([`EvalConfig::defaults`]).
pub fn engine() -> Engine {
    engine_with(&EvalConfig::defaults())
}

/// An engine for the `coding_agent` source configured by `config`.
pub fn engine_with(config: &EvalConfig) -> Engine {
    let mut engine = Engine::new(config.engine.clone());
    engine.add_source(fields::schema());
    engine
}

/// Reads rules files from disk, in the given order.
///
/// Each file keeps the path as given as its name, so diagnostics point at what the user typed.
pub fn read_rules_files(paths: &[PathBuf]) -> Result<Vec<RulesFile>> {
    paths
        .iter()
        .map(|p| {
            let content = std::fs::read_to_string(p).with_context(|| {
                format!(
                    "cannot read rules file {} (check the path and permissions)",
                    p.display()
                )
            })?;
            Ok(RulesFile::new(p.display().to_string(), content))
        })
        .collect()
}

/// Loads rules files into a ruleset with the defaults of a fresh installation; fails with every
/// diagnostic (concise form) when they do not load.
pub fn load_ruleset(paths: &[PathBuf]) -> Result<Ruleset> {
    Ok(load_policy(paths, EvalConfig::defaults())?.ruleset)
}

/// Loads rules files for evaluation under `config`; fails with every diagnostic (concise form)
/// when they do not load.
pub fn load_policy(paths: &[PathBuf], config: EvalConfig) -> Result<Policy> {
    let files = read_rules_files(paths)?;
    let result: LoadResult = engine_with(&config).load(&files);
    if !result.ok() {
        bail!(
            "the rules do not load; fix these errors (premptictl rules validate shows them in full):\n{}",
            result.render_concise().trim_end()
        );
    }
    match result.into_ruleset() {
        Some(ruleset) => Ok(Policy { ruleset, config }),
        None => bail!("the rules loaded without errors but produced no ruleset; run premptictl rules validate"),
    }
}

/// The rules files used when none are given: the installation's `rules/default/*.yaml`,
/// `rules/user/*.yaml` (each sorted by name) and `rules/seen.yaml` when the installation has a
/// `rules/default` directory; otherwise the repository's `rules/` (found from the current
/// directory upwards).
pub fn default_rules_files(layout: &prempti_protocol::paths::Layout) -> Result<Vec<PathBuf>> {
    if layout.default_rules_dir().is_dir() {
        let mut files = yaml_files_in(&layout.default_rules_dir())?;
        if layout.user_rules_dir().is_dir() {
            files.extend(yaml_files_in(&layout.user_rules_dir())?);
        }
        if layout.seen_rules_file().is_file() {
            files.push(layout.seen_rules_file());
        }
        return Ok(files);
    }
    let Some(rules) = repository_rules_dir() else {
        bail!(
            "no rules found: {} does not exist and no repository rules/ directory was found above the \
             current directory; pass --rules FILE or run premptictl install",
            layout.default_rules_dir().display()
        );
    };
    let mut files = yaml_files_in(&rules.join("default"))?;
    let user = rules.join("user");
    if user.is_dir() {
        files.extend(yaml_files_in(&user)?);
    }
    let seen = rules.join("seen.yaml");
    if seen.is_file() {
        files.push(seen);
    }
    Ok(files)
}

/// Candidate rules files placed among the installed ones, as the daemon would load them.
#[derive(Debug, Clone, Default)]
pub struct InDaemonOrder {
    /// Every file to load, in order: default rules, user rules (sorted by file name), seen rules.
    pub files: Vec<PathBuf>,
    /// The installed files loaded around the candidates (a subset of `files`).
    pub installed: Vec<PathBuf>,
    /// The `rules/` directory they come from (`None` when neither an installation nor a
    /// repository has rules: then `files` are the candidates alone).
    pub rules_dir: Option<PathBuf>,
}

impl InDaemonOrder {
    /// Whether `path` is one of the installed files rather than a candidate.
    pub fn is_installed(&self, name: &str) -> bool {
        self.installed
            .iter()
            .any(|p| p.display().to_string() == name)
    }
}

/// Places `candidates` among the installation's rules files (else the repository's, found from
/// the current directory) the way the daemon would load them if they were installed: a
/// candidate that is, or is named like, a default rules file takes that file's place; every
/// other candidate is a user rules file, loaded after the default rules among the installed
/// user files by file name (replacing an installed user file of the same name); the seen rules
/// come last. So a user file appending to a default list, or using a default macro, is checked
/// in the namespace it will live in.
pub fn in_daemon_order(
    layout: &prempti_protocol::paths::Layout,
    candidates: &[PathBuf],
) -> Result<InDaemonOrder> {
    let (rules_dir, default_dir, user_dir, seen) = if layout.default_rules_dir().is_dir() {
        (
            layout.rules_dir(),
            layout.default_rules_dir(),
            layout.user_rules_dir(),
            layout.seen_rules_file(),
        )
    } else if let Some(rules) = repository_rules_dir() {
        (
            rules.clone(),
            rules.join("default"),
            rules.join("user"),
            rules.join("seen.yaml"),
        )
    } else {
        return Ok(InDaemonOrder {
            files: candidates.to_vec(),
            ..InDaemonOrder::default()
        });
    };
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let same_name = |a: &Path, b: &Path| a.file_name().is_some() && a.file_name() == b.file_name();
    let mut defaults: Vec<(PathBuf, bool)> = yaml_files_in(&default_dir)?
        .into_iter()
        .map(|p| (p, true))
        .collect();
    let mut users: Vec<(PathBuf, bool)> = if user_dir.is_dir() {
        yaml_files_in(&user_dir)?
            .into_iter()
            .map(|p| (p, true))
            .collect()
    } else {
        Vec::new()
    };
    let mut seen = seen.is_file().then(|| (seen.clone(), true));
    for candidate in candidates {
        let c = canonical(candidate);
        if let Some(slot) = defaults
            .iter_mut()
            .find(|(d, _)| canonical(d) == c || same_name(d, candidate))
        {
            *slot = (candidate.clone(), false);
            continue;
        }
        if let Some(slot) = seen.as_mut().filter(|(s, _)| canonical(s) == c) {
            *slot = (candidate.clone(), false);
            continue;
        }
        users.retain(|(u, installed)| {
            !(*installed && (canonical(u) == c || same_name(u, candidate)))
        });
        users.push((candidate.clone(), false));
    }
    // The daemon reads rules/user/ sorted by name; candidates go where their name puts them.
    users.sort_by_key(|(p, _)| p.file_name().map(|n| n.as_encoded_bytes().to_vec()));
    let all: Vec<(PathBuf, bool)> = defaults.into_iter().chain(users).chain(seen).collect();
    Ok(InDaemonOrder {
        files: all.iter().map(|(p, _)| p.clone()).collect(),
        installed: all
            .iter()
            .filter(|(_, installed)| *installed)
            .map(|(p, _)| p.clone())
            .collect(),
        rules_dir: Some(rules_dir),
    })
}

/// The fixture directory used when none is given: the installation's `rules/tests`, else the
/// repository's.
pub fn default_tests_dir(layout: &prempti_protocol::paths::Layout) -> Result<PathBuf> {
    let installed = layout.rules_dir().join("tests");
    if installed.is_dir() {
        return Ok(installed);
    }
    match repository_rules_dir() {
        Some(rules) if rules.join("tests").is_dir() => Ok(rules.join("tests")),
        _ => bail!(
            "no fixture directory found ({} does not exist and no repository rules/tests was found); \
             pass the directory: premptictl rules test DIR",
            installed.display()
        ),
    }
}

/// The `rules/` directory of the repository containing the current directory, if any.
fn repository_rules_dir() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|d| d.join("rules"))
        .find(|r| r.join("default").is_dir())
}

/// The `.yaml`/`.yml` regular files of a directory, sorted by byte order of the path (as Falco
/// orders a rules directory). Not recursive.
pub fn yaml_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read directory {}", dir.display()))?;
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && path.is_file() {
            files.push(path);
        }
    }
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(files)
}

/// One matched rule, as `rules eval` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchInfo {
    /// Rule name.
    pub rule: String,
    /// Canonical priority name (`Critical`, `Warning`, ...).
    pub priority: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// Rendered output.
    pub output: String,
}

/// The result of evaluating one payload.
#[derive(Debug, Clone, Serialize)]
pub struct EvalOutcome {
    /// The resolved verdict (`allow`, `deny`, `ask` or `defer`) under the configured mode.
    pub verdict: Decision,
    /// What the rules decided before the mode was applied (equal to `verdict` in guardrails).
    pub policy_verdict: Decision,
    /// The reason the agent would be told (empty when no rule voted).
    pub reason: String,
    /// Matched rules in evaluation order (for a multi-file patch, in file order, each rule once),
    /// seen markers left out.
    pub matched: Vec<MatchInfo>,
    /// The normalized calls (one per call, one per file for a Codex `apply_patch`).
    #[serde(skip)]
    pub calls: Vec<ToolCall>,
}

/// Why a payload could not be evaluated.
#[derive(Debug, thiserror::Error)]
#[error("the event is not a valid {agent} hook payload: {cause}")]
pub struct EventError {
    /// The agent the payload was read for.
    pub agent: &'static str,
    /// The normalization error (in the message, not a `source`, so it prints once).
    pub cause: agents::PayloadError,
}

/// What the hook sends with a payload besides the payload itself: the agent's home and the
/// resolved installation directory (the sources of `agent.home` and `prempti.home`). `None`
/// stands for a hook that reported none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Homes {
    /// The agent's home directory (`HOME`).
    pub home: Option<String>,
    /// The installation directory (`PREMPTI_HOME`).
    pub prempti_home: Option<String>,
}

/// Normalizes a raw hook payload into tool calls with the plugin's own extraction, as a hook
/// that reports no home sends it.
pub fn parse_payload(agent: Agent, payload: &str) -> Result<Vec<ToolCall>, EventError> {
    parse_payload_with(agent, payload, &Homes::default())
}

/// [`parse_payload`] for a request that carries `homes`.
pub fn parse_payload_with(
    agent: Agent,
    payload: &str,
    homes: &Homes,
) -> Result<Vec<ToolCall>, EventError> {
    let ctx = CallContext {
        correlation_id: 1,
        agent_pid: 0,
        os: Os::current(),
    };
    let mut calls = agents::parse_call(agent, payload, &ctx).map_err(|cause| EventError {
        agent: agent.field_name(),
        cause,
    })?;
    for call in &mut calls {
        call.set_homes(homes.home.as_deref(), homes.prempti_home.as_deref());
    }
    Ok(calls)
}

/// Evaluates one raw hook payload against a policy, as the daemon does.
pub fn evaluate_payload(
    ruleset: &Policy,
    agent: Agent,
    payload: &str,
) -> Result<EvalOutcome, EventError> {
    evaluate_payload_with(ruleset, agent, payload, &Homes::default())
}

/// [`evaluate_payload`] for a request that carries `homes`.
pub fn evaluate_payload_with(
    ruleset: &Policy,
    agent: Agent,
    payload: &str,
    homes: &Homes,
) -> Result<EvalOutcome, EventError> {
    let calls = parse_payload_with(agent, payload, homes)?;
    Ok(evaluate_calls(ruleset, calls))
}

/// Evaluates already-normalized calls (one event each) with the daemon's evaluation
/// ([`prempti_plugin::evaluate::evaluate`]) under the policy's configuration.
pub fn evaluate_calls(policy: &Policy, calls: Vec<ToolCall>) -> EvalOutcome {
    let meta = EventMeta {
        num: 1,
        time_ns: now_ns(),
        hostname: hostname(),
    };
    let config = &policy.config;
    let decided = prempti_plugin::evaluate::evaluate(
        &policy.ruleset,
        &meta,
        &calls,
        &config.tags,
        config.settings,
        |_| {},
    );
    let mut matched: Vec<MatchInfo> = Vec::with_capacity(decided.matched.len());
    for m in decided.matched {
        if !matched.iter().any(|x| x.rule == m.rule) {
            matched.push(MatchInfo {
                rule: m.rule,
                priority: m.priority,
                tags: m.tags,
                output: m.output,
            });
        }
    }
    EvalOutcome {
        verdict: decided.verdict.decision,
        policy_verdict: decided.verdict.policy_decision,
        reason: decided.verdict.reason,
        matched,
        calls,
    }
}

/// Every field of the `coding_agent` source for one call, as JSON (`null` for no value, arrays
/// for list fields), in the field table's order.
pub fn fields_json(call: &ToolCall) -> serde_json::Map<String, serde_json::Value> {
    let schema = fields::schema();
    let mut out = serde_json::Map::new();
    for (i, def) in schema.fields.iter().enumerate() {
        let value = match fields::extract(call, i, None) {
            Extracted::None => serde_json::Value::Null,
            Extracted::Str(s) => serde_json::Value::String(s.into_owned()),
            Extracted::U64(n) => serde_json::Value::from(n),
            Extracted::Bool(b) => serde_json::Value::Bool(b),
            Extracted::List(items) => serde_json::Value::Array(
                items
                    .into_iter()
                    .map(|s| serde_json::Value::String(s.into_owned()))
                    .collect(),
            ),
        };
        out.insert(def.name.to_string(), value);
    }
    out
}

/// Per-rule explanations for one payload (for a multi-file patch, one list per file).
pub fn explain_payload(
    ruleset: &Ruleset,
    agent: Agent,
    payload: &str,
) -> Result<Vec<Vec<RuleExplanation>>, EventError> {
    explain_payload_with(ruleset, agent, payload, &Homes::default())
}

/// [`explain_payload`] for a request that carries `homes`.
pub fn explain_payload_with(
    ruleset: &Ruleset,
    agent: Agent,
    payload: &str,
    homes: &Homes,
) -> Result<Vec<Vec<RuleExplanation>>, EventError> {
    let calls = parse_payload_with(agent, payload, homes)?;
    Ok(calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let meta = EventMeta {
                num: i as u64 + 1,
                time_ns: now_ns(),
                hostname: hostname(),
            };
            ruleset.explain(fields::SOURCE, &meta, call)
        })
        .collect())
}

/// Per-rule explanations for already-normalized calls (one list per call).
pub fn explain_calls(ruleset: &Ruleset, calls: &[ToolCall]) -> Vec<Vec<RuleExplanation>> {
    calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let meta = EventMeta {
                num: i as u64 + 1,
                time_ns: now_ns(),
                hostname: hostname(),
            };
            ruleset.explain(fields::SOURCE, &meta, call)
        })
        .collect()
}

/// The session history the daemon keeps (`path`, normally the installation's
/// `state/sessions.jsonl`), read without writing it; `None` when it cannot be read.
pub fn read_sessions(path: &Path) -> Option<prempti_plugin::session::SessionStore> {
    prempti_plugin::session::SessionStore::read_only(
        prempti_plugin::session::SessionConfig::default(),
        path,
        prempti_plugin::session::now_ms(),
    )
    .ok()
}

/// Reads an event from a file, or from stdin when the path is `-`.
pub fn read_event(path: &Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("cannot read the event from stdin")?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read event file {} (pass the agent's hook stdin JSON)",
                path.display()
            )
        })
    }
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Parses an agent name as fixtures and audit records spell it (`claude`, `claude_code`,
/// `codex`, `gemini`, `gemini_cli`, `cursor`, `copilot`).
pub fn parse_agent(name: &str) -> Option<Agent> {
    name.parse().ok()
}
