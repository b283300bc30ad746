//! The normalized tool call: what the `coding_agent` event fields are computed from.
//!
//! [`ToolCall`] holds the agent-neutral view of one call (the agent adapters in
//! [`crate::agents`] fill it); `paths` resolves its paths on the host and relates them to the
//! working directory, the agent's home and the installation directory.

use std::fmt;

use serde::{Deserialize, Serialize};

use prempti_protocol::Agent;

mod paths;

pub use paths::CONTENT_COMMANDS_MAX;

/// What the broker knows about a call besides the agent's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    /// The broker's id for the call (`correlation.id`).
    pub correlation_id: u64,
    /// Pid of the agent process (the hook's parent), `agent.pid`.
    pub agent_pid: u64,
    /// Operating system the agent runs on, `agent.os`.
    pub os: Os,
}

/// The operating systems Prempti runs on (`agent.os`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Linux.
    Linux,
    /// macOS.
    Macos,
    /// Windows.
    Windows,
}

impl Os {
    /// The operating system this code was built for (Linux for other Unixes).
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::Macos
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }

    /// The value of the `agent.os` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Macos => "macos",
            Os::Windows => "windows",
        }
    }
}

/// Normalized kind of a tool (`tool.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolKind {
    /// Runs a shell command.
    Shell,
    /// Reads a file or lists a directory.
    Read,
    /// Creates, overwrites or deletes a file.
    Write,
    /// Changes part of a file.
    Edit,
    /// Searches file names or contents.
    Search,
    /// Reaches the network (fetch a URL, web search).
    Fetch,
    /// Calls a tool of an MCP server.
    Mcp,
    /// Anything else (subagents, todo lists, questions, ...).
    Other,
}

impl ToolKind {
    /// The value of the `tool.kind` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolKind::Shell => "shell",
            ToolKind::Read => "read",
            ToolKind::Write => "write",
            ToolKind::Edit => "edit",
            ToolKind::Search => "search",
            ToolKind::Fetch => "fetch",
            ToolKind::Mcp => "mcp",
            ToolKind::Other => "other",
        }
    }
}

/// What a Codex `apply_patch` does to one file (`tool.patch_op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOp {
    /// `*** Add File:`
    Add,
    /// `*** Update File:` without a move.
    Update,
    /// `*** Delete File:`
    Delete,
    /// `*** Update File:` with `*** Move to:` (reported for both the source and the
    /// destination path).
    Move,
}

impl PatchOp {
    /// The value of the `tool.patch_op` field.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOp::Add => "add",
            PatchOp::Update => "update",
            PatchOp::Delete => "delete",
            PatchOp::Move => "move",
        }
    }
}

/// One normalized tool call: everything the `coding_agent` fields are computed from.
///
/// The `Option` fields follow the field table's missing-value rule: `None` is "no value".
/// The shell analysis behind the `cmd.*` fields is computed lazily, at most once, the first
/// time one of those fields is asked for ([`ToolCall::shell_analysis`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// `correlation.id`.
    pub correlation_id: u64,
    /// `agent.name`.
    pub agent: Agent,
    /// `agent.os`.
    pub os: Os,
    /// `agent.pid`.
    pub agent_pid: u64,
    /// `agent.hook_event_name`.
    pub hook_event_name: Option<String>,
    /// `agent.session_id` (Cursor: `conversation_id`; Copilot camelCase: `sessionId`).
    pub session_id: Option<String>,
    /// `agent.permission_mode`.
    pub permission_mode: Option<String>,
    /// `agent.transcript_path`.
    pub transcript_path: Option<String>,
    /// `agent.model`.
    pub model: Option<String>,
    /// `agent.turn_id` (Cursor: `generation_id`).
    pub turn_id: Option<String>,
    /// `agent.cwd`, as sent.
    pub cwd: Option<String>,
    /// `agent.real_cwd`, canonical.
    pub real_cwd: Option<String>,
    /// `tool.use_id`.
    pub tool_use_id: Option<String>,
    /// `tool.name`, the agent's own tool name.
    pub tool_name: String,
    /// `tool.kind`.
    pub kind: ToolKind,
    /// `tool.input`: the tool input as compact JSON, keys in the agent's order (or the
    /// agent's string verbatim when it sent the input as a JSON string).
    pub input: Option<String>,
    /// `tool.input_command`: the command of a shell tool.
    pub input_command: Option<String>,
    /// `tool.file_path`, as sent (or as written in the patch).
    pub file_path: Option<String>,
    /// `tool.real_file_path`, absolute and canonical.
    pub real_file_path: Option<String>,
    /// `tool.patch_op`.
    pub patch_op: Option<PatchOp>,
    /// `tool.mcp_server`.
    pub mcp_server: Option<String>,
    /// `tool.mcp_tool`.
    pub mcp_tool: Option<String>,
    /// `tool.url`.
    pub url: Option<String>,
    /// `tool.url_host`.
    pub url_host: Option<String>,
    /// `tool.content`: text being written (Write content, Edit new strings, patch hunk).
    pub content: Option<String>,
    /// `tool.pattern`.
    pub pattern: Option<String>,
    /// `tool.search_path`.
    pub search_path: Option<String>,
    /// The search path, absolute and canonical like `real_file_path`; the source of
    /// `tool.home_search_path`.
    #[serde(default)]
    pub real_search_path: Option<String>,
    /// The agent's home directory as the hook sent it (`HOME` / `USERPROFILE`).
    #[serde(default)]
    pub home: Option<String>,
    /// `agent.home`: that home, absolute and canonical.
    #[serde(default)]
    pub real_home: Option<String>,
    /// The installation directory as the hook resolved it (`PREMPTI_HOME`).
    #[serde(default)]
    pub prempti_home: Option<String>,
    /// `prempti.home`: that directory, absolute and canonical.
    #[serde(default)]
    pub real_prempti_home: Option<String>,
    /// Directory relative tool paths are resolved against when `cwd` is absent (Cursor's
    /// first workspace root).
    #[serde(default)]
    pub base_dir: Option<String>,
    /// Paths a search tool (or Gemini `read_many_files`) searches, as sent: its `path` /
    /// `dir_path` / `paths` / non-glob `include` entries.
    #[serde(default)]
    pub search_inputs: Vec<String>,
    /// Glob patterns restricting or naming what a search reaches (`glob`, Glob `pattern`,
    /// `include`), relative to each searched path or absolute; a ripgrep-style glob without
    /// `/` is stored as `**/<glob>` (it matches at any depth).
    #[serde(default)]
    pub search_globs: Vec<String>,
    /// `search_globs` are relative to the working directory, not to the searched paths
    /// (Gemini `read_many_files`).
    #[serde(default)]
    pub globs_from_cwd: bool,
    /// Path-like arguments of an MCP call (`path`, `paths`, `source`, `destination`,
    /// `file_path`, ...), as sent.
    #[serde(default)]
    pub mcp_path_args: Vec<String>,
    /// `tool.search_output`: what a search prints: `content`, `names` or `count`.
    #[serde(default)]
    pub search_output: Option<String>,
    /// `tool.search_roots`: the searched paths resolved like `real_file_path` (the working
    /// directory when the tool names none).
    #[serde(default)]
    pub search_roots: Vec<String>,
    /// `tool.paths`: every path the call names or can reach, resolved
    /// ([`ToolCall::resolve_paths`]).
    #[serde(default)]
    pub paths: Vec<String>,
    /// A tool path goes through a per-process name that could not be resolved for the agent
    /// (see [`crate::realpath::agent_path`]); shell effect paths add theirs lazily.
    #[serde(default)]
    pub unresolved_path: bool,
    /// The history of the call's session when its evaluation started (the `session.*`
    /// fields); `None` without a session id or without a session store.
    #[serde(default)]
    pub session: Option<crate::session::SessionView>,
    /// `agent.subagent_id`: Claude Code's `agent_id`, sent when the call comes from a subagent.
    #[serde(default)]
    pub subagent_id: Option<String>,
    /// `agent.subagent_type`: Claude Code's `agent_type` (the subagent's type, or the agent a
    /// session was started with by `--agent`).
    #[serde(default)]
    pub subagent_type: Option<String>,
    /// `agent.prompt_id`: Claude Code's id of the user prompt the call belongs to.
    #[serde(default)]
    pub prompt_id: Option<String>,
    /// `agent.effort`: Claude Code's `effort.level` (`low` ... `max`).
    #[serde(default)]
    pub effort: Option<String>,
    #[serde(skip)]
    shell: ShellCache,
    #[serde(skip)]
    content_commands: ShellCache,
    /// Lists derived from the shell analysis per effect (`cmd.path_prefixes[read]`, ...),
    /// computed once per call however many rules ask.
    #[serde(skip)]
    pub(crate) derived: DerivedCache,
}

impl ToolCall {
    /// A call with only the identifying fields set; every optional field is `None`.
    pub fn new(ctx: &CallContext, agent: Agent, tool_name: String, kind: ToolKind) -> ToolCall {
        ToolCall {
            correlation_id: ctx.correlation_id,
            agent,
            os: ctx.os,
            agent_pid: ctx.agent_pid,
            hook_event_name: None,
            subagent_id: None,
            subagent_type: None,
            prompt_id: None,
            effort: None,
            session_id: None,
            permission_mode: None,
            transcript_path: None,
            model: None,
            turn_id: None,
            cwd: None,
            real_cwd: None,
            tool_use_id: None,
            tool_name,
            kind,
            input: None,
            input_command: None,
            file_path: None,
            real_file_path: None,
            patch_op: None,
            mcp_server: None,
            mcp_tool: None,
            url: None,
            url_host: None,
            content: None,
            pattern: None,
            search_path: None,
            real_search_path: None,
            home: None,
            real_home: None,
            prempti_home: None,
            real_prempti_home: None,
            base_dir: None,
            search_inputs: Vec::new(),
            search_globs: Vec::new(),
            globs_from_cwd: false,
            mcp_path_args: Vec::new(),
            search_output: None,
            search_roots: Vec::new(),
            paths: Vec::new(),
            unresolved_path: false,
            session: None,
            shell: ShellCache::default(),
            content_commands: ShellCache::default(),
            derived: DerivedCache::default(),
        }
    }
}

/// Effect names a keyed field takes, in slot order (`None` or empty is slot 0).
pub(crate) const EFFECT_ACCESSES: &[&str] = &[
    "",
    "read",
    "write",
    "delete",
    "recursive_delete",
    "recursive_read",
    "chmod",
    "exec",
    "upload",
    "modified",
    "serve",
];
/// Keyed fields whose values are cached per effect.
pub(crate) const DERIVED_FIELDS: usize = 5;
const DERIVED_SLOTS: usize = DERIVED_FIELDS * 11;

/// Once-computed derived lists of one call (see [`ToolCall::derived`]); never part of
/// equality or of the encoded event.
pub(crate) struct DerivedCache(
    pub(crate) [std::sync::OnceLock<Option<Vec<String>>>; DERIVED_SLOTS],
);

impl DerivedCache {
    /// The slot of derived field `field` (0-based among the cached fields) for `access`, or
    /// `None` for an access name that is not an effect.
    pub(crate) fn slot(field: usize, access: Option<&str>) -> Option<usize> {
        let access = access.unwrap_or("");
        let k = EFFECT_ACCESSES.iter().position(|a| *a == access)?;
        (field < DERIVED_FIELDS).then_some(field * EFFECT_ACCESSES.len() + k)
    }
}

impl Default for DerivedCache {
    fn default() -> Self {
        DerivedCache(std::array::from_fn(|_| std::sync::OnceLock::new()))
    }
}

impl Clone for DerivedCache {
    fn clone(&self) -> Self {
        DerivedCache::default()
    }
}

impl PartialEq for DerivedCache {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl fmt::Debug for DerivedCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedCache")
    }
}

/// Lazily computed shell analysis (and whether a per-process path in it could not be
/// resolved); never part of equality or of the encoded event.
#[derive(Clone, Default)]
struct ShellCache(std::sync::OnceLock<(prempti_shell::Analysis, bool)>);

impl PartialEq for ShellCache {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl fmt::Debug for ShellCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "ShellCache(computed)"
        } else {
            "ShellCache(empty)"
        })
    }
}
