//! The embedded engine: compiling the configured rules files into a [`Policy`], swapping it
//! atomically ([`PolicyCell`]), and evaluating one hook call against it.
//!
//! A call's payload is normalized by the plugin (`agents::parse_call`, one event per touched
//! file for a Codex `apply_patch`) and evaluated by [`prempti_plugin::evaluate::evaluate`], the
//! one evaluation every host and tool shares, over a ruleset compiled with the configured
//! `rule_matching`, minimum `priority` and `append_output` (`engine_config`). Alerts are
//! rendered in Falco's JSON format.

use std::sync::{Arc, RwLock};

use prempti_plugin::agents::{parse_request, CallContext, Os, PayloadError, ToolCall};
use prempti_plugin::verdict::{MatchedRule, RuntimeSettings, TagConfig, Verdict};
use prempti_protocol::HookRequest;

use crate::config::FalcoConfig;
use crate::control::{RulesFileStatus, RulesStatus};

/// A compiled policy: what every call is evaluated against.
pub struct Policy {
    /// When it was compiled (RFC 3339).
    pub loaded_at: String,
    /// The rules files, in load order, with what each defines.
    pub files: Vec<RulesFileStatus>,
    /// Enabled rules.
    pub rule_count: usize,
    /// Load warnings, rendered `file:line:col: warning[CODE] ...`.
    pub warnings: Vec<String>,
    /// `json_output`: alerts as Falco JSON (else Falco's text line).
    pub json_output: bool,
    ruleset: rules::Ruleset,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("files", &self.files)
            .field("rule_count", &self.rule_count)
            .finish()
    }
}

impl Policy {
    /// The status document's view of this policy.
    pub fn status(&self) -> RulesStatus {
        RulesStatus {
            loaded_at: self.loaded_at.clone(),
            files: self.files.clone(),
            rules: self.rule_count,
            warnings: self.warnings.clone(),
        }
    }
}

/// Why a policy could not be compiled: errors rendered `file:line:col: error[CODE] ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileFailure {
    /// The errors.
    pub errors: Vec<String>,
}

/// The policy in force, swapped whole: readers take an `Arc` snapshot and keep evaluating
/// against it even while a reload stores a new one, so no call ever sees a half-built policy
/// or none at all.
#[derive(Debug)]
pub struct PolicyCell {
    current: RwLock<Arc<Policy>>,
}

impl PolicyCell {
    /// A cell holding `policy`.
    pub fn new(policy: Policy) -> PolicyCell {
        PolicyCell {
            current: RwLock::new(Arc::new(policy)),
        }
    }

    /// The policy in force now.
    pub fn load(&self) -> Arc<Policy> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the policy in force.
    pub fn store(&self, policy: Policy) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(policy);
    }
}

/// Compiles the rules `falco` names, in its order. Missing files and any error-level
/// diagnostic make the whole load fail.
pub fn compile(falco: &FalcoConfig, tags: &TagConfig) -> Result<Policy, CompileFailure> {
    let (files, problems) = crate::config::falco::expand_rules_files(&falco.rules_files);
    if !problems.is_empty() {
        return Err(CompileFailure { errors: problems });
    }
    let mut sources = Vec::with_capacity(files.len());
    for path in &files {
        match std::fs::read_to_string(path) {
            Ok(text) => sources.push((path.display().to_string(), text)),
            Err(e) => {
                return Err(CompileFailure {
                    errors: vec![format!("cannot read {}: {e}", path.display())],
                })
            }
        }
    }
    let loaded = rules::build(&sources, falco, tags)?;
    Ok(Policy {
        loaded_at: prempti_plugin::audit::format_time(jiff::Timestamp::now()),
        files: loaded.files,
        rule_count: loaded.rule_count,
        warnings: loaded.warnings,
        json_output: falco.json_output,
        ruleset: loaded.ruleset,
    })
}

/// Files that defined rules, macros or lists in `old` and define nothing in `new`: a rules
/// file truncated or caught mid-write looks like this, so a reload that would load it keeps
/// the previous policy instead. Deleting a file is how its rules are removed on purpose.
pub fn emptied_files(old: &Policy, new: &Policy) -> Vec<String> {
    let defines = |f: &RulesFileStatus| f.rules + f.macros + f.lists;
    new.files
        .iter()
        .filter(|f| defines(f) == 0)
        .filter_map(|f| {
            let before = old.files.iter().find(|o| o.path == f.path)?;
            (defines(before) > 0).then(|| {
                format!(
                    "{}: the file is now empty (it defined {} rules, {} macros, {} lists); the \
                     previous rules stay in force. If this is on purpose, delete the file instead",
                    f.path, before.rules, before.macros, before.lists
                )
            })
        })
        .collect()
}

/// The outcome of one call.
#[derive(Debug)]
pub struct Evaluation {
    /// The normalized events (one per touched file for a multi-file patch).
    pub calls: Vec<ToolCall>,
    /// Every matched rule that is not a seen marker, in evaluation order.
    pub matched: Vec<MatchedRule>,
    /// The verdict.
    pub verdict: Verdict,
    /// Alerts, one per match (including seen markers, as Falco would emit them), rendered
    /// only when they are emitted, after the hook has its answer.
    pub alerts: Vec<Alert>,
}

/// One match's alert, kept unrendered until it is emitted.
#[derive(Debug)]
pub struct Alert {
    matched: prempti_rules::Match,
    json: bool,
}

impl Alert {
    /// The alert line: Falco's JSON alert with `json_output`, else its text line.
    pub fn render(&self) -> String {
        if self.json {
            self.matched.json_alert()
        } else {
            self.matched.text_line()
        }
    }
}

/// Evaluates one hook request under `settings`. A payload the plugin cannot read is an error
/// (the caller denies it); nothing here panics on input.
pub fn evaluate(
    policy: &Policy,
    tags: &TagConfig,
    request: &HookRequest,
    correlation_id: u64,
    settings: RuntimeSettings,
    hostname: &str,
    sessions: Option<&prempti_plugin::session::SessionStore>,
) -> Result<Evaluation, PayloadError> {
    let ctx = CallContext {
        correlation_id,
        agent_pid: u64::from(request.agent_pid),
        os: Os::current(),
    };
    let mut calls = parse_request(request, &ctx)?;
    if let Some(store) = sessions {
        store.attach(&mut calls, prempti_plugin::session::now_ms());
    }
    let time_ns = u64::try_from(jiff::Timestamp::now().as_nanosecond()).unwrap_or(0);
    let meta = prempti_rules::EventMeta {
        num: correlation_id,
        time_ns,
        hostname: hostname.to_owned(),
    };
    let mut alerts = Vec::new();
    let json = policy.json_output;
    let decided =
        prempti_plugin::evaluate::evaluate(&policy.ruleset, &meta, &calls, tags, settings, |m| {
            // Rendered after the hook has its answer (see `Alert`).
            alerts.push(Alert {
                matched: m.clone(),
                json,
            })
        });
    let (matched, verdict) = (decided.matched, decided.verdict);
    Ok(Evaluation {
        calls,
        matched,
        verdict,
        alerts,
    })
}

pub(crate) use rules::engine_config;

/// The seam with `prempti-rules`.
mod rules {
    use super::*;
    use crate::config::yaml::{Doc, Kind};
    use prempti_rules::{Engine, EngineConfig, Priority, RulesFile};

    /// A compiled ruleset.
    pub(super) type Ruleset = prempti_rules::Ruleset;

    /// What a successful build yields.
    pub(super) struct Loaded {
        pub(super) ruleset: Ruleset,
        pub(super) files: Vec<RulesFileStatus>,
        pub(super) rule_count: usize,
        pub(super) warnings: Vec<String>,
    }

    /// The engine configuration `falco` describes.
    pub(crate) fn engine_config(falco: &FalcoConfig) -> Result<EngineConfig, CompileFailure> {
        let min_priority = Priority::parse(&falco.priority).ok_or_else(|| CompileFailure {
            errors: vec![format!(
                "{}: unknown priority '{}' (use emergency, alert, critical, error, warning, notice, informational or debug)",
                falco.path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "falco.yaml".into()),
                falco.priority
            )],
        })?;
        Ok(EngineConfig {
            rule_matching: falco.rule_matching,
            min_priority: Some(min_priority),
            append_output: falco.append_output.clone(),
            selections: falco.selections.clone(),
            static_fields: Vec::new(),
            time_zone: Some(jiff::tz::TimeZone::system()),
            time_format_iso_8601: falco.time_format_iso_8601,
            json: falco.json,
            plugins: vec![(
                prempti_plugin::fields::PLUGIN_NAME.to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            )],
        })
    }

    pub(super) fn build(
        sources: &[(String, String)],
        falco: &FalcoConfig,
        _tags: &TagConfig,
    ) -> Result<Loaded, CompileFailure> {
        let mut engine = Engine::new(engine_config(falco)?);
        engine.add_source(prempti_plugin::fields::schema());
        let files: Vec<RulesFile> = sources
            .iter()
            .map(|(n, c)| RulesFile::new(n.clone(), c.clone()))
            .collect();
        let result = engine.load(&files);
        let render = |d| prempti_rules::render_concise(d, &result.sources);
        let errors: Vec<String> = result
            .files
            .iter()
            .flat_map(|f| f.errors.iter().map(render))
            .collect();
        let warnings: Vec<String> = result
            .files
            .iter()
            .flat_map(|f| f.warnings.iter().map(render))
            .collect();
        if !errors.is_empty() {
            return Err(CompileFailure { errors });
        }
        let Some(ruleset) = result.into_ruleset() else {
            return Err(CompileFailure {
                errors: vec!["the rules did not compile (no ruleset was produced)".into()],
            });
        };
        let rule_count = ruleset.rules().iter().filter(|r| r.enabled).count();
        let files = sources
            .iter()
            .map(|(name, text)| count_items(name, text))
            .collect();
        Ok(Loaded {
            ruleset,
            files,
            rule_count,
            warnings,
        })
    }

    /// Counts the top-level rule, macro and list items of one file.
    fn count_items(name: &str, text: &str) -> RulesFileStatus {
        let mut status = RulesFileStatus {
            path: name.to_owned(),
            ..RulesFileStatus::default()
        };
        if let Ok(doc) = Doc::parse(std::path::Path::new(name), text.to_owned()) {
            if let Some(Kind::Seq(items)) = doc.root.as_ref().map(|r| &r.kind) {
                for item in items {
                    if item.get("rule").is_some() {
                        status.rules += 1;
                    } else if item.get("macro").is_some() {
                        status.macros += 1;
                    } else if item.get("list").is_some() {
                        status.lists += 1;
                    }
                }
            }
        }
        status
    }
}
