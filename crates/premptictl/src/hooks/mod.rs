//! Registering Prempti's pre-tool hook in each agent's user settings.
//!
//! One module per agent implements `AgentHooks` (where its settings live, which events to
//! hook, what one entry looks like, how the agent can turn hooks off); `AGENTS` lists them.
//! The engine here is shared: [`add`], [`remove`] and [`status`] are the entry points used by
//! `premptictl hook` and `premptictl install`.
//!
//! Two settings shapes exist. *Nested* (Claude Code, Codex, Gemini CLI): `hooks.<Event>` is an
//! array of matcher groups, each with its own `hooks` array of handlers; Prempti adds one group
//! of its own, matching every tool, holding one handler. *Flat* (Cursor, Copilot):
//! `hooks.<event>` is an array of handlers; Prempti adds one handler.
//!
//! A handler is Prempti's when its command runs a binary named `prempti-hook` (see
//! the `command` module). Nothing else in the file is touched: other keys, other hooks and the key order
//! are kept, and the file is rewritten atomically with a backup (see the `file` module).
//!
//! - `add` is idempotent: when exactly one correct Prempti entry is on every hooked event, the
//!   file is not written at all. Otherwise every Prempti entry is taken out and one fresh entry
//!   is appended per event (which also repairs duplicate and stale entries).
//! - `remove` takes out every Prempti handler (on any event), then drops the containers left
//!   empty only if Prempti created them: a container that exists in the backup is kept, and
//!   when there is no backup (Prempti created the file) they all go, and the file itself is
//!   deleted when nothing but Prempti's skeleton is left. When the result equals the backup, the
//!   backup's exact bytes are written back.

mod claude;
mod codex;
pub(crate) mod command;
mod copilot;
mod cursor;
pub(crate) mod file;
mod gemini;
pub mod post_tool;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use prempti_protocol::paths::Layout;
use prempti_protocol::Agent;
use serde::Serialize;
use serde_json::{Map, Value};

use self::command::{PremptiCommand, ShellKind};

/// Seconds an agent waits for the hook: a little above the hook's own default deadline
/// (`PREMPTI_TIMEOUT_MS`, 5 s), so the hook's fail-closed answer arrives before the agent's
/// timeout (which would fail open for most agents). The hook clamps `PREMPTI_TIMEOUT_MS` to
/// one second below it (`prempti_protocol::env::MAX_TIMEOUT_MS`).
pub(crate) const AGENT_TIMEOUT_SECS: u64 = prempti_protocol::env::AGENT_HOOK_TIMEOUT_SECS;

/// Every agent's registration, in [`Agent::ALL`] order.
pub(crate) static AGENTS: [&dyn AgentHooks; 5] = [
    &claude::Claude,
    &codex::Codex,
    &gemini::Gemini,
    &cursor::Cursor,
    &copilot::Copilot,
];

/// The registration of `agent`.
pub(crate) fn spec(agent: Agent) -> &'static dyn AgentHooks {
    match agent {
        Agent::ClaudeCode => AGENTS[0],
        Agent::Codex => AGENTS[1],
        Agent::GeminiCli => AGENTS[2],
        Agent::Cursor => AGENTS[3],
        Agent::Copilot => AGENTS[4],
    }
}

/// How an agent's `hooks.<event>` arrays are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Arrays of matcher groups `{matcher, hooks: [handler...]}`.
    Nested,
    /// Arrays of handlers.
    Flat,
}

/// One agent's hook registration.
pub(crate) trait AgentHooks: Sync {
    /// The agent.
    fn agent(&self) -> Agent;
    /// The settings file Prempti edits.
    fn settings_file(&self, env: &HookEnv) -> Result<PathBuf>;
    /// Other files consulted (e.g. where hooks can be switched off), for reports.
    fn related_files(&self, _env: &HookEnv) -> Vec<PathBuf> {
        Vec::new()
    }
    /// The layout of the event arrays.
    fn shape(&self) -> Shape;
    /// The events Prempti hooks.
    fn events(&self) -> &'static [&'static str];
    /// The shell the agent runs hook commands with.
    fn shell(&self) -> ShellKind;
    /// Top-level keys a file Prempti creates starts with (e.g. `"version": 1`).
    fn skeleton(&self) -> Map<String, Value> {
        Map::new()
    }
    /// The handler object for `event` running `command` (`env` tells which agent version is
    /// installed, for switches only newer versions understand).
    fn handler(&self, event: &str, command: &str, env: &HookEnv) -> Value;
    /// The matcher group wrapping Prempti's handler (nested shape only).
    fn group(&self, handler: Value) -> Value {
        serde_json::json!({ "matcher": "*", "hooks": [handler] })
    }
    /// The command strings a handler runs.
    fn handler_commands<'a>(&self, handler: &'a Value) -> Vec<&'a str> {
        handler
            .get("command")
            .and_then(Value::as_str)
            .into_iter()
            .collect()
    }
    /// Problems with a Prempti entry besides its command (a matcher that does not cover every
    /// tool, a missing `failClosed`, ...). `group` is the matcher group in the nested shape.
    fn check_entry(
        &self,
        _event: &str,
        group: Option<&Value>,
        _handler: &Value,
        _env: &HookEnv,
    ) -> Vec<String> {
        group.map(check_match_all).unwrap_or_default()
    }
    /// What the agent does with a call when Prempti's `handler` cannot run (missing or
    /// unrunnable binary, crash, timeout), for `hook status`.
    fn on_hook_failure(&self, handler: &Value) -> String;
    /// Notes for `hook add` about the form of the entry written (e.g. which fail-closed switch
    /// the installed agent version understands).
    fn add_notes(&self, _env: &HookEnv) -> Vec<String> {
        Vec::new()
    }
    /// Why the agent would not run hooks at all, if it has them switched off.
    fn disabled(&self, _doc: &Map<String, Value>, _env: &HookEnv) -> Option<String> {
        None
    }
    /// What the user must still do by hand after `add`.
    fn manual_steps(&self) -> Vec<String>;
}

/// Flags a nested-shape matcher that does not match every tool.
/// The top level of a file that starts with `"version": 1` (Cursor, Copilot).
fn version_one_skeleton() -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("version".to_owned(), Value::from(1));
    map
}

/// `"disableAllHooks": true` in `doc` (Claude Code's settings, Copilot's settings) switches
/// every hook of `agent` off; `file` names where it is set.
fn all_hooks_disabled(doc: &Map<String, Value>, agent: &str, file: &str) -> Option<String> {
    (doc.get("disableAllHooks") == Some(&Value::Bool(true))).then(|| {
        format!(
            "{agent} hooks are switched off (\"disableAllHooks\": true in {file}): remove that key"
        )
    })
}

fn check_match_all(group: &Value) -> Vec<String> {
    match group.get("matcher") {
        None => Vec::new(),
        Some(Value::String(m)) if m.is_empty() || m == "*" => Vec::new(),
        Some(other) => vec![format!(
            "its matcher {other} does not cover every tool (expected \"*\")"
        )],
    }
}

/// The environment the agents' config locations are resolved from.
#[derive(Debug, Clone, Default)]
pub struct HookEnv {
    /// The user's home directory.
    pub home: Option<PathBuf>,
    /// Relevant environment variables (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `COPILOT_HOME`, and
    /// `PATH`, where agent CLIs are looked up to learn their versions).
    pub vars: BTreeMap<String, OsString>,
    /// The installed Claude Code version, probed once on first use.
    claude_version: std::sync::OnceLock<Option<claude::CliVersion>>,
}

/// The environment variables that relocate agents' config directories, and `PATH`.
const CONFIG_VARS: [&str; 4] = ["CLAUDE_CONFIG_DIR", "CODEX_HOME", "COPILOT_HOME", "PATH"];

impl HookEnv {
    /// Reads `HOME` and the agents' config-dir variables from this process.
    pub fn from_process() -> HookEnv {
        let vars = CONFIG_VARS
            .iter()
            .filter_map(|name| std::env::var_os(name).map(|v| ((*name).to_owned(), v)))
            .collect();
        HookEnv {
            home: prempti_protocol::paths::user_home(),
            vars,
            claude_version: std::sync::OnceLock::new(),
        }
    }

    /// The installed Claude Code CLI's version (`claude --version`), `None` when no CLI is
    /// found or it does not answer.
    pub(crate) fn claude_version(&self) -> Option<&claude::CliVersion> {
        self.claude_version
            .get_or_init(|| claude::probe_version(self))
            .as_ref()
    }

    /// A non-empty variable as a path.
    fn var_path(&self, name: &str) -> Option<PathBuf> {
        self.vars
            .get(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// `$var` if set, else `~/<default_dir>`.
    pub(crate) fn config_dir(&self, var: Option<&str>, default_dir: &str) -> Result<PathBuf> {
        if let Some(dir) = var.and_then(|v| self.var_path(v)) {
            return Ok(dir);
        }
        match &self.home {
            Some(home) => Ok(home.join(default_dir)),
            None => bail!(
                "cannot find your home directory to locate {default_dir}: set HOME{}",
                var.map(|v| format!(" or {v}")).unwrap_or_default()
            ),
        }
    }
}

/// What [`add`] or [`remove`] did to one agent's settings.
#[derive(Debug, Clone, Serialize)]
pub struct HookChange {
    /// The agent.
    pub agent: Agent,
    /// Every file that was (or would have been) touched, main settings file first.
    pub files: Vec<PathBuf>,
    /// Whether anything on disk changed (`false` when the hook was already as requested).
    pub changed: bool,
    /// Steps the user must still take by hand (trusting the hook, restarting the agent, ...).
    pub manual_steps: Vec<String>,
    /// What `add` chose and why (e.g. whether the entry fails closed for the installed agent
    /// version).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The registration state of one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookState {
    /// Exactly one current Prempti entry on every hooked event.
    Installed,
    /// No Prempti entry (or not on every hooked event).
    Missing,
    /// More than one Prempti entry on an event.
    Duplicate,
    /// A Prempti entry pointing at another installation, a missing binary or the wrong agent,
    /// or restricted to some tools.
    Stale,
    /// Correctly registered, but the agent has hooks switched off.
    Disabled,
}

impl HookState {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            HookState::Installed => "installed",
            HookState::Missing => "missing",
            HookState::Duplicate => "duplicate",
            HookState::Stale => "stale",
            HookState::Disabled => "disabled",
        }
    }
}

/// What [`status`] found for one agent.
#[derive(Debug, Clone, Serialize)]
pub struct HookStatus {
    /// The agent.
    pub agent: Agent,
    /// The settings file that holds (or would hold) the hook.
    pub file: PathBuf,
    /// Whether that file exists.
    pub file_exists: bool,
    /// The overall state.
    pub state: HookState,
    /// Commands of other (non-Prempti) hooks on the same events: informational.
    pub foreign: Vec<String>,
    /// Human-readable details behind the state.
    pub details: Vec<String>,
    /// What the agent does with a call when Prempti's registered hook cannot run (missing or
    /// unrunnable binary, crash, timeout); `None` when no Prempti entry is registered.
    pub on_hook_failure: Option<String>,
    /// Steps the user must still take by hand.
    pub manual_steps: Vec<String>,
}

/// The hook binary path written into settings: absolute, so agents find it from any directory.
pub(crate) fn expected_binary(layout: &Layout) -> PathBuf {
    let path = layout.hook_binary();
    std::path::absolute(&path).unwrap_or(path)
}

/// Registers Prempti's hook for `agent` (environment from this process).
pub fn add(layout: &Layout, agent: Agent) -> Result<HookChange> {
    add_with(layout, agent, &HookEnv::from_process())
}

/// Removes Prempti's hook entries for `agent` (environment from this process).
pub fn remove(layout: &Layout, agent: Agent) -> Result<HookChange> {
    remove_with(layout, agent, &HookEnv::from_process())
}

/// Reports the registration state for `agent` (environment from this process).
pub fn status(layout: &Layout, agent: Agent) -> Result<HookStatus> {
    status_with(layout, agent, &HookEnv::from_process())
}

/// [`add`] with an explicit environment.
pub fn add_with(layout: &Layout, agent: Agent, env: &HookEnv) -> Result<HookChange> {
    let spec = spec(agent);
    let path = spec.settings_file(env)?;
    let settings = file::read(&path)?;
    let mut files = vec![settings.path.clone()];
    files.extend(spec.related_files(env));
    let mut manual_steps = spec.manual_steps();
    let assessment = assess(spec, layout, &settings.doc, env);
    if let Some(reason) = &assessment.disabled {
        manual_steps.insert(0, reason.clone());
    }
    let notes = spec.add_notes(env);
    if matches!(assessment.state, HookState::Installed | HookState::Disabled) {
        return Ok(HookChange {
            agent,
            files,
            changed: false,
            manual_steps,
            notes,
        });
    }

    let mut doc = settings.doc.clone();
    let had_prempti = strip_prempti(spec, &mut doc, &settings.path)?.removed > 0;
    for (index, (key, value)) in spec.skeleton().into_iter().enumerate() {
        if !doc.contains_key(&key) {
            doc.shift_insert(index.min(doc.len()), key, value);
        }
    }
    let command = command::build(&expected_binary(layout), agent.cli_name(), spec.shell());
    let hooks = doc
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(hooks) = hooks else {
        bail!(
            "\"hooks\" in {} is not a JSON object; fix the file by hand, Prempti will not overwrite it",
            settings.path.display()
        );
    };
    for event in spec.events() {
        let list = hooks
            .entry(*event)
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(list) = list else {
            bail!(
                "\"hooks.{event}\" in {} is not a JSON array; fix the file by hand, Prempti will not overwrite it",
                settings.path.display()
            );
        };
        let handler = spec.handler(event, &command, env);
        list.push(match spec.shape() {
            Shape::Nested => spec.group(handler),
            Shape::Flat => handler,
        });
    }

    // The backup is the file as it was before Prempti's entries went in.
    let backup = file::backup_path(&settings.path);
    if !had_prempti {
        match &settings.original {
            Some(bytes) => file::write_atomic(&backup, bytes)?,
            None => file::remove_file(&backup)?,
        }
    }
    file::write_atomic(&settings.path, &file::render(&doc, &settings.style)?)?;
    Ok(HookChange {
        agent,
        files,
        changed: true,
        manual_steps,
        notes,
    })
}

/// [`remove`] with an explicit environment.
pub fn remove_with(layout: &Layout, agent: Agent, env: &HookEnv) -> Result<HookChange> {
    let _ = layout;
    let spec = spec(agent);
    let path = spec.settings_file(env)?;
    let settings = file::read(&path)?;
    let files = vec![settings.path.clone()];
    let unchanged = HookChange {
        agent,
        files: files.clone(),
        changed: false,
        manual_steps: Vec::new(),
        notes: Vec::new(),
    };
    if settings.original.is_none() {
        return Ok(unchanged);
    }
    let mut doc = settings.doc.clone();
    let stripped = strip_prempti(spec, &mut doc, &settings.path)?;
    if stripped.removed == 0 {
        return Ok(unchanged);
    }

    let backup_path = file::backup_path(&settings.path);
    let backup_bytes = std::fs::read(&backup_path).ok();
    // `None`: Prempti created the file. `Some(None)`: a backup we cannot read; keep containers.
    let backup_doc = backup_bytes
        .as_ref()
        .map(|b| file::parse(&backup_path, b).ok());
    let existed_before = |key_path: &[&str]| -> bool {
        match &backup_doc {
            None => false,
            Some(None) => true,
            Some(Some(doc)) => lookup(doc, key_path),
        }
    };

    if let Some(Value::Object(hooks)) = doc.get_mut("hooks") {
        for event in &stripped.emptied {
            if !existed_before(&["hooks", event]) {
                hooks.shift_remove(event.as_str());
            }
        }
    }
    if matches!(doc.get("hooks"), Some(Value::Object(h)) if h.is_empty())
        && !existed_before(&["hooks"])
    {
        doc.shift_remove("hooks");
    }
    for (key, value) in spec.skeleton() {
        if doc.get(&key) == Some(&value) && !existed_before(&[&key]) && doc.len() == 1 {
            doc.shift_remove(&key);
        }
    }

    match (&backup_doc, &backup_bytes) {
        (None, _) if doc.is_empty() => {
            file::remove_file(&settings.path)?;
            if let Some(home) = &env.home {
                file::remove_empty_parents(&settings.path, home);
            }
        }
        (Some(Some(original)), Some(bytes)) if *original == doc => {
            file::write_atomic(&settings.path, bytes)?;
            file::remove_file(&backup_path)?;
        }
        _ => file::write_atomic(&settings.path, &file::render(&doc, &settings.style)?)?,
    }
    Ok(HookChange {
        agent,
        files,
        changed: true,
        manual_steps: Vec::new(),
        notes: Vec::new(),
    })
}

fn lookup(doc: &Map<String, Value>, key_path: &[&str]) -> bool {
    let Some((first, rest)) = key_path.split_first() else {
        return true;
    };
    let mut value = match doc.get(*first) {
        Some(v) => v,
        None => return false,
    };
    for key in rest {
        match value.get(*key) {
            Some(v) => value = v,
            None => return false,
        }
    }
    true
}

/// [`status`] with an explicit environment.
pub fn status_with(layout: &Layout, agent: Agent, env: &HookEnv) -> Result<HookStatus> {
    let spec = spec(agent);
    let path = spec.settings_file(env)?;
    let settings = file::read(&path)?;
    let assessment = assess(spec, layout, &settings.doc, env);
    let mut details = assessment.details;
    if let Some(reason) = assessment.disabled {
        details.push(reason);
    }
    let manual_steps = match assessment.state {
        HookState::Installed | HookState::Disabled => spec.manual_steps(),
        HookState::Missing => vec![format!("run `premptictl hook add {}`", agent.cli_name())],
        HookState::Duplicate | HookState::Stale => {
            vec![format!(
                "run `premptictl hook add {}` to replace Prempti's entries",
                agent.cli_name()
            )]
        }
    };
    Ok(HookStatus {
        agent,
        file: settings.path,
        file_exists: settings.original.is_some(),
        state: assessment.state,
        foreign: assessment.foreign,
        details,
        on_hook_failure: assessment.on_hook_failure,
        manual_steps,
    })
}

/// What a settings document holds for one agent.
#[derive(Debug)]
struct Assessment {
    state: HookState,
    foreign: Vec<String>,
    details: Vec<String>,
    disabled: Option<String>,
    on_hook_failure: Option<String>,
}

/// One Prempti handler found in a document.
#[derive(Debug)]
struct Found {
    command: PremptiCommand,
    problems: Vec<String>,
}

fn handlers_of(shape: Shape, item: &Value) -> Vec<(Option<&Value>, &Value)> {
    match shape {
        Shape::Flat => vec![(None, item)],
        Shape::Nested => item
            .get("hooks")
            .and_then(Value::as_array)
            .map(|hs| hs.iter().map(|h| (Some(item), h)).collect())
            .unwrap_or_default(),
    }
}

fn prempti_command(spec: &dyn AgentHooks, handler: &Value) -> Option<PremptiCommand> {
    spec.handler_commands(handler)
        .into_iter()
        .find_map(|c| command::recognize(c, spec.shell()))
}

fn assess(
    spec: &dyn AgentHooks,
    layout: &Layout,
    doc: &Map<String, Value>,
    env: &HookEnv,
) -> Assessment {
    let expected = expected_binary(layout);
    let agent_arg = spec.agent().cli_name();
    let hooks = doc.get("hooks");
    let mut foreign = Vec::new();
    let mut details = Vec::new();
    let (mut missing, mut duplicate, mut stale, mut any_found) = (false, false, false, false);
    let mut on_hook_failure = None;
    for event in spec.events() {
        let items = hooks
            .and_then(|h| h.get(*event))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut found = Vec::new();
        for item in items {
            for (group, handler) in handlers_of(spec.shape(), item) {
                match prempti_command(spec, handler) {
                    Some(command) => {
                        let mut problems = spec.check_entry(event, group, handler, env);
                        if command.binary != expected {
                            problems.insert(
                                0,
                                format!(
                                    "runs {} instead of this installation's {}",
                                    command.binary.display(),
                                    expected.display()
                                ),
                            );
                        } else if !expected.is_file() {
                            problems.insert(
                                0,
                                format!(
                                    "{} does not exist (run `premptictl install`)",
                                    expected.display()
                                ),
                            );
                        }
                        if command.agent_arg.as_deref() != Some(agent_arg) {
                            problems.push(format!(
                                "passes agent argument {} instead of `{agent_arg}`",
                                command
                                    .agent_arg
                                    .as_deref()
                                    .map_or("(none)".to_owned(), |a| format!("`{a}`"))
                            ));
                        }
                        on_hook_failure.get_or_insert_with(|| spec.on_hook_failure(handler));
                        found.push(Found { command, problems });
                    }
                    None => {
                        let cmds = spec.handler_commands(handler);
                        let label = cmds
                            .first()
                            .map_or_else(|| handler.to_string(), |c| (*c).to_owned());
                        foreign.push(format!("{event}: {label}"));
                    }
                }
            }
        }
        any_found |= !found.is_empty();
        match found.len() {
            0 => {
                missing = true;
                details.push(format!("no Prempti entry on {event}"));
            }
            1 => {}
            n => {
                duplicate = true;
                details.push(format!("{n} Prempti entries on {event}"));
            }
        }
        for f in &found {
            if !f.problems.is_empty() {
                stale = true;
                details.extend(
                    f.problems
                        .iter()
                        .map(|p| format!("{event} entry `{}`: {p}", f.command.binary.display())),
                );
            }
        }
    }
    let state = if duplicate {
        HookState::Duplicate
    } else if stale {
        HookState::Stale
    } else if missing {
        if !any_found {
            details.clear();
        }
        HookState::Missing
    } else {
        HookState::Installed
    };
    let disabled = spec.disabled(doc, env);
    let state = if state == HookState::Installed && disabled.is_some() {
        HookState::Disabled
    } else {
        state
    };
    Assessment {
        state,
        foreign,
        details,
        disabled,
        on_hook_failure,
    }
}

/// The result of [`strip_prempti`].
#[derive(Debug, Default)]
struct Stripped {
    /// How many Prempti handlers were taken out.
    removed: usize,
    /// Events whose array became empty because of it.
    emptied: Vec<String>,
}

/// Takes every Prempti handler out of every event in `hooks`; a matcher group left without
/// handlers is dropped too.
fn strip_prempti(
    spec: &dyn AgentHooks,
    doc: &mut Map<String, Value>,
    path: &Path,
) -> Result<Stripped> {
    let mut stripped = Stripped::default();
    let Some(hooks) = doc.get_mut("hooks") else {
        return Ok(stripped);
    };
    let Value::Object(hooks) = hooks else {
        bail!("\"hooks\" in {} is not a JSON object; fix the file by hand, Prempti will not overwrite it", path.display());
    };
    for (event, list) in hooks.iter_mut() {
        let Value::Array(items) = list else { continue };
        let before = items.len();
        let mut removed_here = 0;
        match spec.shape() {
            Shape::Flat => items.retain(|h| {
                let ours = prempti_command(spec, h).is_some();
                removed_here += usize::from(ours);
                !ours
            }),
            Shape::Nested => items.retain_mut(|group| {
                let Some(Value::Array(handlers)) = group.get_mut("hooks") else {
                    return true;
                };
                let n = handlers.len();
                handlers.retain(|h| prempti_command(spec, h).is_none());
                let taken = n - handlers.len();
                removed_here += taken;
                !(taken > 0 && handlers.is_empty())
            }),
        }
        stripped.removed += removed_here;
        if removed_here > 0 && before > 0 && items.is_empty() {
            stripped.emptied.push(event.clone());
        }
    }
    Ok(stripped)
}
