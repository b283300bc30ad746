//! Per-agent payload normalization: an agent's hook stdin in, [`ToolCall`]s out.
//!
//! Every agent describes a pending tool call in its own JSON shape (see the agent table in
//! the repository's reference notes). [`parse_call`] reads one payload for a known agent and
//! produces the normalized call that the `coding_agent` event fields are computed from:
//!
//! - `agent.*` fields come from the payload's envelope (`session_id`, `cwd`, ...) and from
//!   the [`CallContext`] the broker adds (correlation id, agent pid, operating system);
//! - `tool.name` keeps the agent's own name; `tool.kind` is the normalized [`ToolKind`];
//! - `tool.file_path`, `tool.content`, `tool.input_command`, `tool.url`, ... are filled from
//!   whichever keys the agent uses for the same thing, so one rule covers every agent;
//! - `agent.real_cwd` and `tool.real_file_path` are resolved on the host ([`crate::realpath`]);
//! - the homes the hook sends with the request (`agent.home`, `prempti.home`) are recorded by
//!   [`parse_request`] and resolved the same way; `tool.home_file_path`, `tool.in_prempti_home`
//!   and `cmd.home_write_paths` relate the call's paths to them.
//!
//! Raw fields stay raw: a value absent from the payload, or of the wrong JSON type, is `None`
//! (no value in Falco terms); a present empty string is kept as `Some("")`. Unknown keys are
//! ignored, since agents add keys in new versions.
//!
//! A Codex `apply_patch` touching several files becomes one [`ToolCall`] per touched file
//! ([`patch`]); every other call becomes exactly one.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use prempti_protocol::Agent;

pub mod patch;

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

    /// Records the agent's home and the installation directory the hook sent, with their
    /// canonical forms (`agent.home`, `prempti.home`). Empty or relative values are kept as
    /// sent but get no canonical form, so the fields derived from them have no value.
    pub fn set_homes(&mut self, home: Option<&str>, prempti_home: Option<&str>) {
        let canonical = |p: &str| crate::realpath::real_path(p, None);
        self.home = home.map(str::to_owned);
        self.real_home = home.and_then(canonical);
        self.prempti_home = prempti_home.map(str::to_owned);
        self.real_prempti_home = prempti_home.and_then(canonical);
        // `~` in tool paths names this home.
        self.resolve_paths();
    }

    /// Resolves a path the tool names, for the agent's process, as `tool.real_file_path` is:
    /// `~` and `~/x` name the agent's home (when known), a relative path is relative to the
    /// working directory, per-process names (`/proc/self`, `/dev/fd/N`) are the agent's.
    fn agent_path(&self, path: &str) -> crate::realpath::AgentPath {
        let home = self.real_home.as_deref().or(self.home.as_deref());
        let expanded;
        let path = match (path.strip_prefix('~'), home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                expanded = format!("{}{rest}", home.trim_end_matches('/'));
                expanded.as_str()
            }
            _ => path,
        };
        let dir = self
            .real_cwd
            .as_deref()
            .or(self.cwd.as_deref())
            .or(self.base_dir.as_deref());
        let pid = (self.agent_pid > 0).then_some(self.agent_pid);
        crate::realpath::agent_path(path, dir, pid)
    }

    /// Computes the resolved paths from the raw ones: `real_file_path`, `real_search_path`,
    /// `search_roots`, `paths` and `unresolved_path`. Idempotent; run again when the homes
    /// become known.
    pub fn resolve_paths(&mut self) {
        let mut unresolved = false;
        let mut resolve = |call: &ToolCall, p: &str| {
            let r = call.agent_path(p);
            unresolved |= r.unresolved;
            r.path
        };
        let real_file_path = self.file_path.clone().and_then(|p| resolve(self, &p));
        let real_search_path = self.search_path.clone().and_then(|p| resolve(self, &p));
        let mut paths: Vec<String> = Vec::new();
        let push = |paths: &mut Vec<String>, p: String| {
            if !paths.contains(&p) {
                paths.push(p);
            }
        };
        if let Some(p) = &real_file_path {
            push(&mut paths, p.clone());
        }
        // Searches: every searched path, each glob under each of them, and the catalog's
        // sensitive paths the globs can match or a searched directory holds.
        let mut roots: Vec<String> = Vec::new();
        let searching = !self.search_inputs.is_empty() || !self.search_globs.is_empty();
        if searching {
            for input in self.search_inputs.clone() {
                if let Some(r) = resolve(self, &input) {
                    push(&mut roots, r);
                }
            }
            let cwd = self.real_cwd.clone().or(self.cwd.clone());
            let cwd = cwd
                .or(self.base_dir.clone())
                .and_then(|c| resolve(self, &c));
            let globs_from_cwd = self.globs_from_cwd && !self.search_globs.is_empty();
            if self.search_inputs.is_empty() || globs_from_cwd {
                if let Some(r) = &cwd {
                    push(&mut roots, r.clone());
                }
            }
            let glob_roots: Vec<String> = if globs_from_cwd {
                cwd.into_iter().collect()
            } else {
                roots.clone()
            };
            let home = self.real_home.clone().or(self.home.clone());
            let catalog = crate::globs::catalog(home.as_deref());
            for root in &roots {
                push(&mut paths, root.clone());
            }
            if self.search_globs.is_empty() {
                // A directory is searched with everything below it; the home, `/` and the
                // directories above the home are judged by how much they cover instead.
                for root in &roots {
                    let covers_home = home
                        .as_deref()
                        .is_some_and(|h| relative_to(h, root).is_some());
                    if root == "/" || covers_home {
                        continue;
                    }
                    for entry in &catalog {
                        if entry != root && relative_to(entry, root).is_some() {
                            push(&mut paths, entry.clone());
                        }
                    }
                }
            }
            for glob in self.search_globs.clone() {
                let absolute = glob.starts_with('/') || glob.starts_with('~');
                let patterns: Vec<String> = if absolute {
                    resolve(self, &glob).into_iter().collect()
                } else {
                    glob_roots
                        .iter()
                        .map(|r| format!("{}/{glob}", r.trim_end_matches('/')))
                        .collect()
                };
                // A glob that names nothing in particular (`*`, `**/*`) under the home or `/`
                // is judged by how much it covers, as the directory itself is.
                let last = glob.rsplit('/').next().unwrap_or("");
                let catch_all = last.chars().all(|c| matches!(c, '*' | '?'));
                for (pattern, root) in patterns
                    .iter()
                    .zip(glob_roots.iter().map(Some).chain(std::iter::repeat(None)))
                {
                    let root = if absolute { None } else { root };
                    let covers_home = root.is_some_and(|r| {
                        r == "/" || home.as_deref().is_some_and(|h| relative_to(h, r).is_some())
                    });
                    for m in crate::globs::catalog_matches(pattern, home.as_deref()) {
                        push(&mut paths, m);
                    }
                    if !(covers_home && catch_all) {
                        for m in crate::globs::catalog_full_matches(pattern, home.as_deref()) {
                            push(&mut paths, m);
                        }
                    }
                    push(&mut paths, prempti_shell::normalize_path(pattern));
                }
            }
        }
        for arg in self.mcp_path_args.clone() {
            if let Some(r) = resolve(self, &arg) {
                push(&mut paths, r);
            }
        }
        self.real_file_path = real_file_path;
        self.real_search_path = real_search_path;
        self.search_roots = roots;
        self.paths = paths;
        self.unresolved_path = unresolved;
    }

    /// `tool.unresolved_path`: a path the call names (its file, what it searches, an MCP path
    /// argument, a shell command's `/proc/self/...` effect path) goes through a per-process
    /// name that could not be resolved for the agent's process.
    pub fn has_unresolved_path(&self) -> bool {
        self.unresolved_path || self.shell_cache().is_some_and(|(_, u)| *u)
    }

    /// `tool.paths` relative to `agent.home` (see [`ToolCall::home_relative`]).
    pub fn home_paths(&self) -> Vec<String> {
        self.home_relative(&self.paths)
    }

    /// `tool.home_search_roots`: `search_roots` inside the home, relative to it (`""` for
    /// the home itself).
    pub fn home_search_roots(&self) -> Vec<String> {
        let Some(home) = self.real_home.as_deref() else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        for root in &self.search_roots {
            if let Some(rel) = relative_to(root, home) {
                if !out.contains(&rel) {
                    out.push(rel);
                }
            }
        }
        out
    }

    /// `tool.outside_cwd_paths`: `tool.paths` outside the working directory and the
    /// temporary directories, as `cmd.outside_cwd_paths`.
    pub fn tool_outside_cwd_paths(&self) -> Option<Vec<&String>> {
        self.outside_cwd(self.paths.iter().collect())
    }

    /// `tool.paths_in_prempti_home`: some path of `tool.paths` is `prempti.home` or inside
    /// it; `None` when there are no paths or no `prempti.home`.
    pub fn paths_in_prempti_home(&self) -> Option<bool> {
        let install = self.real_prempti_home.as_deref()?;
        if self.paths.is_empty() {
            return None;
        }
        Some(self.paths.iter().any(|p| relative_to(p, install).is_some()))
    }

    /// `tool.home_file_path`: `real_file_path` relative to `agent.home`, components joined
    /// by `/`, without a leading slash (`""` for the home itself); `None` when either is
    /// absent or the file is not inside the home (compared component by component).
    pub fn home_file_path(&self) -> Option<String> {
        relative_to(self.real_file_path.as_deref()?, self.real_home.as_deref()?)
    }

    /// `tool.home_search_path`: `real_search_path` relative to `agent.home`, as
    /// [`ToolCall::home_file_path`].
    pub fn home_search_path(&self) -> Option<String> {
        relative_to(
            self.real_search_path.as_deref()?,
            self.real_home.as_deref()?,
        )
    }

    /// `tool.in_prempti_home`: whether `real_file_path` is `prempti.home` or inside it;
    /// `None` when either is absent.
    pub fn in_prempti_home(&self) -> Option<bool> {
        let file = self.real_file_path.as_deref()?;
        let install = self.real_prempti_home.as_deref()?;
        Some(relative_to(file, install).is_some())
    }

    /// `cmd.home_write_paths`: the files a shell command writes that lie in the agent's
    /// home, relative to it (see [`ToolCall::home_relative`]). `None` for calls that are not
    /// shell commands.
    pub fn home_write_paths(&self) -> Option<Vec<String>> {
        Some(self.home_relative(&self.shell_analysis()?.write_paths))
    }

    /// `paths` that lie in the agent's home, relative to it without a leading slash: `~/x`,
    /// `$HOME/x` and `${HOME}/x` as written (when the home is unknown), absolute paths inside
    /// the home as sent or its canonical form.
    pub fn home_relative<'p>(&self, paths: impl IntoIterator<Item = &'p String>) -> Vec<String> {
        let homes: Vec<&str> = [self.real_home.as_deref(), self.home.as_deref()]
            .into_iter()
            .flatten()
            .filter(|h| is_absolute(h))
            .collect();
        let mut out: Vec<String> = Vec::new();
        for target in paths {
            let rel = home_shorthand(target)
                .map(normalize_relative)
                .or_else(|| homes.iter().find_map(|h| relative_to(target, h)));
            if let Some(rel) = rel {
                if !out.contains(&rel) {
                    out.push(rel);
                }
            }
        }
        out
    }

    /// `cmd.modified_paths`: every path a shell command writes, deletes or changes the mode
    /// of, in that order, without repeats.
    pub fn modified_paths(&self) -> Option<Vec<&String>> {
        self.effect_paths(Some("modified"))
    }

    /// The commands written in `tool.content` (instructions, command and skill files, scripts;
    /// for a shell command, the text it writes into files when that is known), analyzed as
    /// shell code: prose around them is harmless to the analysis, and commands in
    /// backticks, code blocks or on their own lines come out with their effects. Computed on
    /// first use from the first [`CONTENT_COMMANDS_MAX`] bytes; `None` without content.
    pub fn content_commands(&self) -> Option<&prempti_shell::Analysis> {
        let content = match self.content.as_deref() {
            Some(content) => content,
            // A shell command's content is the text it writes into files, when known.
            None => Some(self.shell_analysis()?.written_text.as_str()).filter(|t| !t.is_empty())?,
        };
        let (analysis, _) = self.content_commands.0.get_or_init(|| {
            let mut end = content.len().min(CONTENT_COMMANDS_MAX);
            while !content.is_char_boundary(end) {
                end -= 1;
            }
            let home = self.real_home.as_deref().or(self.home.as_deref());
            let context = prempti_shell::Context {
                cwd: self.real_cwd.as_deref().or(self.cwd.as_deref()),
                home,
            };
            // Fenced code block markers are not commands.
            let text = content[..end].replace("```", "\n");
            let analysis =
                prempti_shell::analyze_in(&text, &context, &prempti_shell::Limits::default());
            (analysis, false)
        });
        Some(analysis)
    }

    /// The risks of the commands in `tool.content` (`tool.content_risks`): the analysis'
    /// behaviors plus `pipe_to_interpreter` and `upload`.
    pub fn content_risks(&self) -> Option<Vec<String>> {
        let a = self.content_commands()?;
        let mut risks: Vec<String> = a.behaviors.clone();
        if !a.piped_interpreters.is_empty() {
            risks.push("pipe_to_interpreter".to_owned());
        }
        if !a.upload_paths.is_empty() {
            risks.push("upload".to_owned());
        }
        Some(risks)
    }

    /// The paths of a shell command with effect `access` (`read`, `write`, `delete`,
    /// `recursive_delete`, `recursive_read`, `chmod`, `exec`, `upload`, `serve`, `modified` = write,
    /// delete and chmod); every effect path when `access` is `None`. `None` for calls that
    /// are not shell commands or an unknown access name.
    pub fn effect_paths(&self, access: Option<&str>) -> Option<Vec<&String>> {
        let a = self.shell_analysis()?;
        let lists: Vec<&Vec<String>> = match access {
            None | Some("") => vec![
                &a.read_paths,
                &a.write_paths,
                &a.delete_paths,
                &a.chmod_paths,
                &a.exec_paths,
                &a.upload_paths,
                &a.serve_paths,
            ],
            Some("read") => vec![&a.read_paths],
            Some("write") => vec![&a.write_paths],
            Some("delete") => vec![&a.delete_paths],
            Some("recursive_delete") => vec![&a.recursive_delete_paths],
            Some("recursive_read") => vec![&a.recursive_read_paths],
            Some("chmod") => vec![&a.chmod_paths],
            Some("exec") => vec![&a.exec_paths],
            Some("upload") => vec![&a.upload_paths],
            Some("serve") => vec![&a.serve_paths],
            Some("modified") => vec![&a.write_paths, &a.delete_paths, &a.chmod_paths],
            Some(_) => return None,
        };
        let mut out: Vec<&String> = Vec::new();
        for p in lists.into_iter().flatten() {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Some(out)
    }

    /// `cmd.outside_cwd_paths`: the modified paths outside the working directory and outside
    /// the temporary directories (`/tmp`, `/var/tmp`, macOS per-user temporaries, the home's
    /// `AppData/Local/Temp` and `.cache`).
    pub fn outside_cwd_paths(&self) -> Option<Vec<&String>> {
        self.outside_cwd(self.modified_paths()?)
    }

    /// The absolute `paths` outside the working directory and the temporary directories.
    fn outside_cwd<'p>(&self, modified: Vec<&'p String>) -> Option<Vec<&'p String>> {
        let cwd = self.real_cwd.as_deref().or(self.cwd.as_deref())?;
        let homes: Vec<&str> = [self.real_home.as_deref(), self.home.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let scratch = |p: &str| {
            TEMP_DIRS.iter().any(|t| relative_to(p, t).is_some())
                || homes.iter().any(|h| {
                    relative_to(p, h).is_some_and(|rel| {
                        HOME_SCRATCH.iter().any(|s| {
                            rel.strip_prefix(s)
                                .is_some_and(|r| r.is_empty() || r.starts_with('/'))
                        })
                    })
                })
        };
        Some(
            modified
                .into_iter()
                .filter(|p| is_absolute(p) && relative_to(p, cwd).is_none() && !scratch(p))
                .collect(),
        )
    }

    /// The shell analysis of `tool.input_command` (computed on first use, then cached), or
    /// `None` for calls that are not shell commands.
    pub fn shell_analysis(&self) -> Option<&prempti_shell::Analysis> {
        self.shell_cache().map(|(a, _)| a)
    }

    /// The shell analysis and whether one of its `/proc/self` paths could not be resolved.
    fn shell_cache(&self) -> Option<&(prempti_shell::Analysis, bool)> {
        let command = self.input_command.as_deref()?;
        Some(self.shell.0.get_or_init(|| {
            let home = self.real_home.as_deref().or(self.home.as_deref());
            let context = prempti_shell::Context {
                cwd: self.real_cwd.as_deref().or(self.cwd.as_deref()),
                home,
            };
            let limits = prempti_shell::Limits::default();
            // The shell tool of agents on Windows runs PowerShell.
            let powershell = self.tool_name.eq_ignore_ascii_case("powershell")
                || self.tool_name.eq_ignore_ascii_case("pwsh");
            let mut analysis = if powershell {
                prempti_shell::analyze_powershell_in(command, &context, &limits)
            } else {
                prempti_shell::analyze_in(command, &context, &limits)
            };
            crate::globs::expand(&mut analysis, home);
            let unresolved = self.resolve_per_process(&mut analysis, command);
            (analysis, unresolved)
        }))
    }

    /// Adds to each effect list the agent's view of its `/proc/self/...` and
    /// `/proc/thread-self/...` paths (the originals stay). The analysis folds `..` lexically,
    /// which is wrong through `/proc/self/cwd`, so each such path is resolved from the word
    /// it was written as when one is found in the command. Returns whether one of them
    /// could not be resolved.
    fn resolve_per_process(&self, analysis: &mut prempti_shell::Analysis, command: &str) -> bool {
        const PREFIXES: &[&str] = &["/proc/self", "/proc/thread-self"];
        let is_proc_self = |p: &str| {
            PREFIXES.iter().any(|pre| {
                p.strip_prefix(pre)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        };
        let mut words: Vec<String> = Vec::new();
        let texts = std::iter::once(command).chain(
            analysis
                .programs
                .iter()
                .flat_map(|p| p.args.iter().map(String::as_str)),
        );
        for text in texts {
            for pre in PREFIXES {
                for (at, _) in text.match_indices(pre) {
                    let word: String = text[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace() && !"'\"`;|&<>()".contains(*c))
                        .collect();
                    if !words.contains(&word) {
                        words.push(word);
                    }
                }
            }
        }
        let mut unresolved = false;
        for list in crate::globs::effect_lists(analysis) {
            let entries: Vec<String> = list.iter().filter(|p| is_proc_self(p)).cloned().collect();
            for entry in entries {
                let written = words
                    .iter()
                    .find(|w| prempti_shell::normalize_path(w) == entry)
                    .unwrap_or(&entry);
                let r = self.agent_path(written);
                unresolved |= r.unresolved;
                if let (false, Some(p)) = (r.unresolved, r.path) {
                    if !list.contains(&p) {
                        list.push(p);
                    }
                }
            }
        }
        unresolved
    }
}

/// Bytes of `tool.content` analyzed for commands.
pub const CONTENT_COMMANDS_MAX: usize = 16 * 1024;

/// Temporary directories: writes there are not outside the project's concern.
const TEMP_DIRS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/private/tmp",
    "/private/var/folders",
    "/var/folders",
    "/dev/shm",
];
/// Scratch directories inside the home.
const HOME_SCRATCH: &[&str] = &[
    ".cache",
    "AppData/Local/Temp",
    "Library/Caches",
    ".claude/plans",
    ".claude/todos",
];

/// Whether a path is absolute on the broker's platform, or Unix-absolute (`/...`).
fn is_absolute(path: &str) -> bool {
    path.starts_with('/')
        || std::path::Path::new(path).is_absolute()
        || prempti_shell::windows_drive_path(path).is_some()
}

/// `path` relative to `base`, compared component by component (`/home/u2` is not inside
/// `/home/u`), the remaining normal components joined by `/`; `None` when `path` is not
/// `base` or below it.
fn relative_to(path: &str, base: &str) -> Option<String> {
    let rest = std::path::Path::new(path)
        .strip_prefix(std::path::Path::new(base))
        .ok()?;
    let mut out = String::new();
    for component in rest.components() {
        match component {
            std::path::Component::Normal(name) => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(&name.to_string_lossy());
            }
            // Canonical paths hold no `.`/`..`; anything else means "not plainly inside".
            _ => return None,
        }
    }
    Some(out)
}

/// The rest of a redirection target written relative to the home (`~`, `~/x`, `$HOME/x`,
/// `${HOME}/x`), or `None`. `~user/...` names another user's home and is not matched.
fn home_shorthand(target: &str) -> Option<&str> {
    for prefix in ["~", "$HOME", "${HOME}"] {
        if let Some(rest) = target.strip_prefix(prefix) {
            if rest.is_empty() {
                return Some("");
            }
            if let Some(rest) = rest.strip_prefix('/') {
                return Some(rest);
            }
        }
    }
    None
}

/// Folds `.`, `..` and repeated slashes of a home-relative path lexically (never above the
/// home: a `..` there is dropped, which keeps the path inside the home conservatively).
fn normalize_relative(path: &str) -> String {
    let rooted = prempti_shell::normalize_path(&format!("/{path}"));
    rooted.trim_start_matches('/').to_owned()
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

/// Why a payload could not be turned into a tool call. The broker answers such a call with a
/// deny whose reason is this error's message.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The payload is not JSON.
    // The cause is in the message (it becomes the agent's deny reason), so it is not also
    // exposed as a `source`: an error chain would print it twice.
    #[error("hook payload is not valid JSON: {0}")]
    Json(serde_json::Error),
    /// The payload is JSON but not an object.
    #[error("hook payload is not a JSON object")]
    NotObject,
    /// No tool name in the payload (or not a string).
    #[error("hook payload from {agent} names no tool (expected a string `{key}`)")]
    MissingToolName {
        /// The agent the payload was sent for.
        agent: &'static str,
        /// The key that should have named the tool.
        key: &'static str,
    },
    /// A Codex `apply_patch` whose patch text is malformed.
    #[error("apply_patch input is not a valid patch: {0}")]
    Patch(patch::PatchError),
}

impl From<serde_json::Error> for PayloadError {
    fn from(e: serde_json::Error) -> Self {
        PayloadError::Json(e)
    }
}

impl From<patch::PatchError> for PayloadError {
    fn from(e: patch::PatchError) -> Self {
        PayloadError::Patch(e)
    }
}

/// Parses one hook payload sent for `agent` into normalized calls: one per call, or one per
/// touched file for an `apply_patch`. Never panics on any input.
pub fn parse_call(
    agent: Agent,
    payload: &str,
    ctx: &CallContext,
) -> Result<Vec<ToolCall>, PayloadError> {
    let value: Value = serde_json::from_str(payload)?;
    let Value::Object(obj) = value else {
        return Err(PayloadError::NotObject);
    };
    let raw = match agent {
        Agent::ClaudeCode | Agent::Codex | Agent::GeminiCli => envelope_snake(agent, &obj)?,
        Agent::Cursor => envelope_cursor(&obj)?,
        Agent::Copilot => envelope_copilot(&obj)?,
    };
    normalize(agent, raw, ctx)
}

/// Parses the payload of a hook request ([`parse_call`]) and records the homes the hook sent
/// ([`ToolCall::set_homes`]). This is what both hosts call for a live request.
pub fn parse_request(
    request: &prempti_protocol::HookRequest,
    ctx: &CallContext,
) -> Result<Vec<ToolCall>, PayloadError> {
    let mut calls = parse_call(request.agent, &request.payload, ctx)?;
    for call in &mut calls {
        call.set_homes(request.home.as_deref(), request.prempti_home.as_deref());
    }
    Ok(calls)
}

// ---------------------------------------------------------------------------------------
// Envelopes: the agent-level fields and the tool name / input, per agent.

/// The parts of a payload common to every agent, before tool normalization.
struct Raw<'a> {
    hook_event_name: Option<String>,
    session_id: Option<String>,
    permission_mode: Option<String>,
    transcript_path: Option<String>,
    model: Option<String>,
    turn_id: Option<String>,
    cwd: Option<String>,
    /// Directory to resolve relative paths against when `cwd` is absent.
    base_dir: Option<String>,
    tool_use_id: Option<String>,
    tool_name: String,
    /// `tool.input` text.
    input: Option<String>,
    /// The tool arguments as an object, when there is one.
    args: Option<Map<String, Value>>,
    /// Extra keys some envelopes carry outside the arguments (Gemini `mcp_context`, ...).
    obj: &'a Map<String, Value>,
}

fn get_str(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn first_str(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| get_str(obj, k))
}

/// The `tool.input` text and parsed arguments of a tool input value.
fn input_of(value: Option<&Value>) -> (Option<String>, Option<Map<String, Value>>) {
    match value {
        None => (None, None),
        Some(Value::String(s)) => {
            // An input sent as a JSON string: keep the string, parse it for the fields.
            let args = match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            };
            (Some(s.clone()), args)
        }
        Some(v) => {
            let text = serde_json::to_string(v).ok();
            let args = v.as_object().cloned();
            (text, args)
        }
    }
}

/// Claude Code, Codex and Gemini CLI share the snake_case envelope.
fn envelope_snake(agent: Agent, obj: &Map<String, Value>) -> Result<Raw<'_>, PayloadError> {
    let tool_name = get_str(obj, "tool_name").ok_or(PayloadError::MissingToolName {
        agent: agent.field_name(),
        key: "tool_name",
    })?;
    let (input, args) = input_of(obj.get("tool_input"));
    Ok(Raw {
        hook_event_name: get_str(obj, "hook_event_name"),
        session_id: get_str(obj, "session_id"),
        permission_mode: get_str(obj, "permission_mode"),
        transcript_path: get_str(obj, "transcript_path"),
        model: get_str(obj, "model"),
        turn_id: get_str(obj, "turn_id"),
        cwd: get_str(obj, "cwd"),
        base_dir: None,
        tool_use_id: get_str(obj, "tool_use_id"),
        tool_name,
        input,
        args,
        obj,
    })
}

/// Cursor: the generic `preToolUse` event carries `tool_name`/`tool_input`; the dedicated
/// events (`beforeShellExecution`, `beforeReadFile`, `afterFileEdit`, ...) carry the
/// arguments at the top level and no tool name, so the name Cursor's `preToolUse` uses for
/// the same tool is given (`Shell`, `Read`, `Edit`).
fn envelope_cursor(obj: &Map<String, Value>) -> Result<Raw<'_>, PayloadError> {
    let event = get_str(obj, "hook_event_name");
    let base_dir = obj
        .get("workspace_roots")
        .and_then(Value::as_array)
        .and_then(|roots| roots.first())
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (tool_name, input, args) = match get_str(obj, "tool_name") {
        Some(name) => {
            let (input, args) = input_of(obj.get("tool_input"));
            (name, input, args)
        }
        None => {
            // Dedicated events: rebuild the input from the event's own keys.
            let keys: &[&str] = match event.as_deref() {
                Some("beforeShellExecution") => &["command", "cwd"],
                Some("beforeReadFile") | Some("beforeTabFileRead") => &["file_path"],
                Some("afterFileEdit") | Some("afterTabFileEdit") => &["file_path", "edits"],
                _ if obj.contains_key("command") => &["command", "cwd"],
                _ if obj.contains_key("edits") => &["file_path", "edits"],
                _ if obj.contains_key("file_path") => &["file_path"],
                _ => {
                    return Err(PayloadError::MissingToolName {
                        agent: "cursor",
                        key: "tool_name",
                    })
                }
            };
            let name = match keys[0] {
                "command" => "Shell",
                _ if keys.len() == 2 => "Edit",
                _ => "Read",
            };
            let mut args = Map::new();
            for k in keys {
                if let Some(v) = obj.get(*k) {
                    args.insert((*k).to_owned(), v.clone());
                }
            }
            let input = serde_json::to_string(&args).ok();
            (name.to_owned(), input, Some(args))
        }
    };
    Ok(Raw {
        hook_event_name: event,
        session_id: get_str(obj, "conversation_id").or_else(|| get_str(obj, "session_id")),
        permission_mode: get_str(obj, "permission_mode"),
        transcript_path: get_str(obj, "transcript_path"),
        model: get_str(obj, "model"),
        turn_id: get_str(obj, "generation_id"),
        cwd: get_str(obj, "cwd"),
        base_dir,
        tool_use_id: get_str(obj, "tool_use_id"),
        tool_name,
        input,
        args,
        obj,
    })
}

/// Copilot: camelCase (`toolName`, `toolArgs` — an object or a JSON string) or the
/// Claude-compatible snake_case form (`tool_name`, `tool_input`).
fn envelope_copilot(obj: &Map<String, Value>) -> Result<Raw<'_>, PayloadError> {
    if let Some(tool_name) = get_str(obj, "toolName") {
        let (input, args) = input_of(obj.get("toolArgs"));
        return Ok(Raw {
            hook_event_name: first_str(obj, &["hookEventName", "hook_event_name"]),
            session_id: first_str(obj, &["sessionId", "session_id"]),
            permission_mode: None,
            transcript_path: first_str(obj, &["transcriptPath", "transcript_path"]),
            model: get_str(obj, "model"),
            turn_id: None,
            cwd: get_str(obj, "cwd"),
            base_dir: None,
            tool_use_id: first_str(obj, &["toolUseId", "tool_use_id", "toolCallId"]),
            tool_name,
            input,
            args,
            obj,
        });
    }
    if obj.contains_key("tool_name") {
        return envelope_snake(Agent::Copilot, obj);
    }
    Err(PayloadError::MissingToolName {
        agent: "copilot",
        key: "toolName",
    })
}

// ---------------------------------------------------------------------------------------
// Tool normalization.

/// How a tool's arguments map onto the normalized fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Shell,
    Read,
    Write,
    Edit,
    MultiEdit,
    Notebook,
    /// Codex `apply_patch` (patch text in `command`/`patch`/`input`).
    Patch,
    Search,
    Fetch,
    WebSearch,
    Mcp,
    Other,
}

fn shape_of(agent: Agent, name: &str) -> Shape {
    if is_mcp_name(agent, name) {
        return Shape::Mcp;
    }
    match agent {
        Agent::ClaudeCode => match name {
            "Bash" | "PowerShell" => Shape::Shell,
            "Read" => Shape::Read,
            "Write" => Shape::Write,
            "Edit" => Shape::Edit,
            "MultiEdit" => Shape::MultiEdit,
            "NotebookEdit" => Shape::Notebook,
            "Glob" | "Grep" => Shape::Search,
            "WebFetch" => Shape::Fetch,
            "WebSearch" => Shape::WebSearch,
            _ => Shape::Other,
        },
        Agent::Codex => match name {
            "Bash" | "exec_command" | "shell" | "shell_command" | "local_shell"
            | "container.exec" => Shape::Shell,
            "apply_patch" => Shape::Patch,
            _ => Shape::Other,
        },
        Agent::GeminiCli => match name {
            "run_shell_command" => Shape::Shell,
            "read_file" | "read_many_files" | "list_directory" => Shape::Read,
            "write_file" => Shape::Write,
            "replace" | "edit" => Shape::Edit,
            "glob" | "search_file_content" | "grep" | "grep_search" => Shape::Search,
            "web_fetch" => Shape::Fetch,
            "google_web_search" | "web_search" => Shape::WebSearch,
            _ => Shape::Other,
        },
        Agent::Cursor => match name {
            "Shell" | "Bash" | "Terminal" | "run_terminal_cmd" => Shape::Shell,
            "Read" | "read_file" => Shape::Read,
            "Write" | "Delete" | "TabWrite" | "write" | "delete_file" => Shape::Write,
            "Edit" | "StrReplace" | "MultiEdit" | "edit_file" | "search_replace" => {
                if name == "MultiEdit" {
                    Shape::MultiEdit
                } else {
                    Shape::Edit
                }
            }
            "Grep" | "Glob" | "grep_search" | "file_search" | "codebase_search" => Shape::Search,
            "WebFetch" | "web_fetch" => Shape::Fetch,
            "WebSearch" | "web_search" => Shape::WebSearch,
            _ => Shape::Other,
        },
        Agent::Copilot => match name {
            "bash" | "powershell" | "Bash" | "PowerShell" | "shell" => Shape::Shell,
            "view" | "Read" | "read" => Shape::Read,
            "create" | "Write" | "write" => Shape::Write,
            "edit" | "str_replace_editor" | "str_replace" | "Edit" => Shape::Edit,
            "MultiEdit" => Shape::MultiEdit,
            "NotebookEdit" => Shape::Notebook,
            "apply_patch" => Shape::Patch,
            "glob" | "grep" | "rg" | "Glob" | "Grep" => Shape::Search,
            "web_fetch" | "WebFetch" => Shape::Fetch,
            "web_search" | "WebSearch" => Shape::WebSearch,
            _ => Shape::Other,
        },
    }
}

fn is_mcp_name(agent: Agent, name: &str) -> bool {
    name.starts_with("mcp__")
        || (agent == Agent::GeminiCli && name.starts_with("mcp_"))
        || (agent == Agent::Cursor && name.starts_with("MCP:"))
}

/// Splits an MCP tool name into server and tool.
///
/// - `mcp__<server>__<tool>` (Claude Code, Codex, Copilot; the server ends at the first `__`);
/// - Gemini `mcp_<server>_<tool>`: the server name is taken from `mcp_context` when the
///   payload has one; otherwise the name is split at the first `_` after the prefix;
/// - Cursor `MCP:<tool>`: no server name in the tool name.
fn split_mcp(name: &str, obj: &Map<String, Value>) -> (Option<String>, Option<String>) {
    if let Some(rest) = name.strip_prefix("mcp__") {
        return match rest.split_once("__") {
            Some((server, tool)) => (Some(server.to_owned()), Some(tool.to_owned())),
            None => (Some(rest.to_owned()), None),
        };
    }
    if let Some(tool) = name.strip_prefix("MCP:") {
        let server = first_str(obj, &["server_name", "server"]);
        return (server, Some(tool.trim().to_owned()));
    }
    if let Some(rest) = name.strip_prefix("mcp_") {
        let ctx = obj.get("mcp_context").and_then(Value::as_object);
        let server = ctx.and_then(|c| first_str(c, &["server_name", "serverName", "server"]));
        let tool = ctx.and_then(|c| first_str(c, &["tool_name", "toolName", "name"]));
        return match (server, tool) {
            (Some(s), Some(t)) => (Some(s), Some(t)),
            (Some(s), None) => {
                let tool = rest
                    .strip_prefix(s.as_str())
                    .and_then(|t| t.strip_prefix('_'));
                (Some(s.clone()), tool.map(str::to_owned))
            }
            (None, t) => match rest.split_once('_') {
                Some((server, tool)) => {
                    (Some(server.to_owned()), t.or_else(|| Some(tool.to_owned())))
                }
                None => (Some(rest.to_owned()), t),
            },
        };
    }
    // Cursor's beforeMCPExecution names the tool plainly and identifies the server only by
    // how it is reached: a name when given, else its launch command or its URL.
    let server = first_str(obj, &["server_name", "server"])
        .or_else(|| get_str(obj, "command").and_then(|c| server_from_command(&c)))
        .or_else(|| get_str(obj, "url").and_then(|u| url_host(&u)));
    (server, Some(name.to_owned()))
}

/// The name of the MCP server a launch command starts: the program it finally runs, after
/// package runners (`npx -y pkg`, `uvx pkg`) and wrappers; for an interpreter running a script
/// (`node dist/server.js`, `python -m srv`), the script's or module's name.
fn server_from_command(command: &str) -> Option<String> {
    const INTERPRETERS: &[&str] = &[
        "node", "nodejs", "deno", "bun", "python", "python3", "ruby", "php", "perl", "java",
    ];
    let analysis = prempti_shell::analyze(command, None);
    let last = analysis.programs.last()?;
    if !INTERPRETERS.contains(&last.name.as_str()) {
        return Some(last.name.clone());
    }
    let mut args = last.args.iter();
    while let Some(arg) = args.next() {
        if arg == "-m" {
            return args.next().cloned();
        }
        if !arg.starts_with('-') {
            let file = arg.rsplit('/').next().unwrap_or(arg);
            let stem = file.split('.').next().unwrap_or(file);
            return Some(if stem.is_empty() {
                file.to_owned()
            } else {
                stem.to_owned()
            });
        }
    }
    Some(last.name.clone())
}

fn normalize(agent: Agent, raw: Raw<'_>, ctx: &CallContext) -> Result<Vec<ToolCall>, PayloadError> {
    let mut shape = shape_of(agent, &raw.tool_name);
    if agent == Agent::Cursor && raw.hook_event_name.as_deref() == Some("beforeMCPExecution") {
        shape = Shape::Mcp;
    }
    let kind = match shape {
        Shape::Shell => ToolKind::Shell,
        Shape::Read => ToolKind::Read,
        Shape::Write => ToolKind::Write,
        Shape::Edit | Shape::MultiEdit | Shape::Notebook | Shape::Patch => ToolKind::Edit,
        Shape::Search => ToolKind::Search,
        Shape::Fetch | Shape::WebSearch => ToolKind::Fetch,
        Shape::Mcp => ToolKind::Mcp,
        Shape::Other => ToolKind::Other,
    };

    let mut call = ToolCall::new(ctx, agent, raw.tool_name.clone(), kind);
    call.hook_event_name = raw.hook_event_name;
    call.session_id = raw.session_id;
    // Claude Code's newer envelope keys (absent from the other agents' payloads).
    call.subagent_id = get_str(raw.obj, "agent_id");
    call.subagent_type = get_str(raw.obj, "agent_type");
    call.prompt_id = get_str(raw.obj, "prompt_id");
    call.effort = raw
        .obj
        .get("effort")
        .and_then(|e| e.get("level"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    call.permission_mode = raw.permission_mode;
    call.transcript_path = raw.transcript_path;
    call.model = raw.model;
    call.turn_id = raw.turn_id;
    call.real_cwd = raw
        .cwd
        .as_deref()
        .and_then(|c| crate::realpath::real_path(c, None));
    call.cwd = raw.cwd;
    call.tool_use_id = raw.tool_use_id;
    call.input = raw.input;
    let base = call.cwd.clone().or(raw.base_dir);

    let empty = Map::new();
    let args = raw.args.as_ref().unwrap_or(&empty);
    let file_keys: &[&str] = &[
        "file_path",
        "path",
        "absolute_path",
        "filePath",
        "target_file",
        "notebook_path",
    ];

    match shape {
        Shape::Shell => {
            call.input_command = shell_command(args);
        }
        Shape::Read => {
            call.file_path = first_str(args, file_keys).or_else(|| get_str(args, "dir_path"));
            if call.file_path.is_none() {
                // read_many_files: a glob list, no single file.
                call.pattern = include_pattern(args);
                // Each entry is a file, a directory read whole, or a glob from the cwd.
                for entry in str_list(args.get("paths"))
                    .into_iter()
                    .chain(str_list(args.get("include")))
                {
                    if is_glob(&entry) {
                        call.search_globs.push(entry);
                    } else {
                        call.search_inputs.push(entry);
                    }
                }
                if !call.search_inputs.is_empty() || !call.search_globs.is_empty() {
                    call.globs_from_cwd = true;
                    call.search_output = Some("content".to_owned());
                }
            }
        }
        Shape::Write => {
            call.file_path = first_str(args, file_keys);
            call.content = first_str(args, &["content", "file_text", "contents", "text"]);
        }
        Shape::Edit => {
            call.file_path = first_str(args, file_keys);
            call.content = first_str(args, &["new_string", "new_str", "newString", "new_text"])
                .or_else(|| new_strings(args.get("edits")));
        }
        Shape::MultiEdit => {
            call.file_path = first_str(args, file_keys);
            call.content = new_strings(args.get("edits"));
        }
        Shape::Notebook => {
            call.file_path = first_str(args, &["notebook_path", "file_path", "path"]);
            call.content = get_str(args, "new_source");
        }
        Shape::Search => {
            call.pattern = first_str(args, &["pattern", "query", "regex"]);
            call.search_path =
                first_str(args, &["path", "dir_path", "directory", "target_directory"]);
            call.search_inputs.extend(call.search_path.clone());
            call.search_inputs.extend(str_list(args.get("paths")));
            let names_only =
                call.tool_name.eq_ignore_ascii_case("glob") || call.tool_name == "file_search";
            if names_only {
                // Glob tools: the pattern is a path glob under the searched directory.
                call.search_globs
                    .extend(first_str(args, &["pattern", "glob_pattern"]));
            }
            for key in ["glob", "include", "include_pattern", "glob_pattern"] {
                for glob in str_list(args.get(key)) {
                    if names_only && key == "glob_pattern" {
                        continue;
                    }
                    // ripgrep-style: a glob without `/` matches a name at any depth.
                    let glob = if glob.contains('/') {
                        glob
                    } else {
                        format!("**/{glob}")
                    };
                    if !call.search_globs.contains(&glob) {
                        call.search_globs.push(glob);
                    }
                }
            }
            call.search_output = Some(search_output(agent, &call.tool_name, names_only, args));
        }
        Shape::Fetch => {
            call.url = get_str(args, "url")
                .or_else(|| get_str(args, "prompt").and_then(|p| first_url(&p)));
            call.url_host = call.url.as_deref().and_then(url_host);
        }
        Shape::WebSearch => {
            call.pattern = get_str(args, "query");
        }
        Shape::Mcp => {
            let (server, tool) = split_mcp(&call.tool_name, raw.obj);
            call.mcp_server = server;
            call.mcp_tool = tool;
            call.mcp_path_args = mcp_path_args(args);
        }
        Shape::Patch => {
            let Some(text) = first_str(args, &["command", "patch", "input"]) else {
                return Ok(vec![finish(call, base.as_deref())]);
            };
            let files = patch::parse(&text)?;
            if files.is_empty() {
                return Ok(vec![finish(call, base.as_deref())]);
            }
            let mut calls = Vec::with_capacity(files.len());
            for file in files {
                let mut one = call.clone();
                one.kind = match file.op {
                    PatchOp::Add => ToolKind::Write,
                    PatchOp::Delete => ToolKind::Write,
                    PatchOp::Update | PatchOp::Move => ToolKind::Edit,
                };
                one.patch_op = Some(file.op);
                one.file_path = Some(file.path);
                one.content = file.content;
                calls.push(finish(one, base.as_deref()));
            }
            return Ok(calls);
        }
        Shape::Other => {}
    }
    Ok(vec![finish(call, base.as_deref())])
}

/// Fills the derived fields.
fn finish(mut call: ToolCall, base: Option<&str>) -> ToolCall {
    call.base_dir = base.map(str::to_owned);
    call.resolve_paths();
    call
}

/// The strings of a string or an array of strings.
fn str_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a path has glob characters.
fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '[', '{'])
}

/// `tool.search_output`: `content` when the search prints what it finds in files, `names`
/// when it lists file names, `count` for counts. Claude Code's `Grep` defaults to file
/// names; Gemini's, Cursor's and Copilot's grep tools print matching lines.
fn search_output(agent: Agent, tool: &str, names_only: bool, args: &Map<String, Value>) -> String {
    let mode = get_str(args, "output_mode").or_else(|| get_str(args, "outputMode"));
    let out = match mode.as_deref() {
        Some("content") => "content",
        Some("files_with_matches") | Some("files") => "names",
        Some("count") => "count",
        _ if names_only || tool == "codebase_search" => "names",
        _ if agent == Agent::ClaudeCode && tool == "Grep" => "names",
        _ => "content",
    };
    out.to_owned()
}

/// Argument keys of MCP tools that name local files or directories.
const MCP_PATH_KEYS: &[&str] = &[
    "path",
    "paths",
    "file_path",
    "filePath",
    "filepath",
    "file_paths",
    "filename",
    "absolute_path",
    "target_file",
    "source",
    "destination",
    "src",
    "dest",
    "dst",
    "dir",
    "dir_path",
    "directory",
];

/// The path-like arguments of an MCP call: string values (or string lists) of
/// [`MCP_PATH_KEYS`], at the top level, that are not URLs.
fn mcp_path_args(args: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in MCP_PATH_KEYS {
        for value in str_list(args.get(*key)) {
            if value.contains("://") || value.contains('\n') || out.contains(&value) {
                continue;
            }
            out.push(value);
        }
    }
    out
}

/// The command of a shell tool: a string, or an argv array (older Codex `shell`), which is
/// joined back into one shell-quoted line.
fn shell_command(args: &Map<String, Value>) -> Option<String> {
    match args.get("command").or_else(|| args.get("cmd")) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(words)) => {
            let words: Option<Vec<&str>> = words.iter().map(Value::as_str).collect();
            let words = words?;
            // `["bash", "-lc", "<script>"]`: the script is the command.
            if let [shell, flag, script] = words.as_slice() {
                let base = shell.rsplit('/').next().unwrap_or(shell);
                if matches!(base, "bash" | "sh" | "zsh" | "dash")
                    && matches!(*flag, "-c" | "-lc" | "-ic")
                {
                    return Some((*script).to_owned());
                }
            }
            Some(
                words
                    .iter()
                    .map(|w| shell_quote(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        _ => None,
    }
}

fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The `new_string`s of an edit list, one per line.
fn new_strings(edits: Option<&Value>) -> Option<String> {
    let edits = edits?.as_array()?;
    let parts: Vec<&str> = edits
        .iter()
        .filter_map(|e| e.as_object())
        .filter_map(|e| {
            ["new_string", "new_str", "newString"]
                .iter()
                .find_map(|k| e.get(*k)?.as_str())
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("\n"))
}

/// Gemini `read_many_files`: `include` is a list of globs.
fn include_pattern(args: &Map<String, Value>) -> Option<String> {
    match args.get("include")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let items: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            (!items.is_empty()).then(|| items.join(","))
        }
        _ => None,
    }
}

/// The first `http://` or `https://` URL in free text (Gemini's `web_fetch` takes a prompt
/// that contains the URLs).
pub fn first_url(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = match (lower.find("https://"), lower.find("http://")) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    let rest = text.get(start..)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .unwrap_or(rest.len());
    let url = rest[..end].trim_end_matches(['.', ',', ';', ':', ')', ']', '}', '!', '?']);
    (url.len() > "http://".len()).then(|| url.to_owned())
}

/// The host of a URL (`tool.url_host`), normalized by [`prempti_shell::url_host`] as
/// `cmd.hosts` is: lower-cased, without user info, port, IPv6 brackets or trailing dot,
/// IDNA names in punycode, IPv4 addresses in every `inet_aton` spelling as a dotted quad.
/// `None` when the URL has no `scheme://` or an empty host.
pub fn url_host(url: &str) -> Option<String> {
    prempti_shell::url_host(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_urls() {
        assert_eq!(
            url_host("https://User:pw@Example.COM:8443/x?y").as_deref(),
            Some("example.com")
        );
        assert_eq!(url_host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(url_host("example.com/x"), None);
        assert_eq!(url_host("file:///etc/passwd"), None);
        assert_eq!(
            url_host("https://Webhook.Site./token").as_deref(),
            Some("webhook.site")
        );
        assert_eq!(
            url_host("http://169.254.169.254./latest").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(
            url_host("http://2852039166/latest/meta-data").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(
            url_host("http://0xA9FEA9FE/").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(
            url_host("http://[::ffff:a9fe:a9fe]/").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(
            url_host("https://bücher.example/x").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            url_host("https://ｅｘａｍｐｌｅ．ｃｏｍ/").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            first_url("Summarize https://docs.rs/serde. Then stop").as_deref(),
            Some("https://docs.rs/serde")
        );
        assert_eq!(first_url("no links here"), None);
    }

    #[test]
    fn argv_commands_are_joined() {
        let args: Map<String, Value> =
            serde_json::from_str(r#"{"command":["bash","-lc","ls -la | wc"]}"#).unwrap();
        assert_eq!(shell_command(&args).as_deref(), Some("ls -la | wc"));
        let args: Map<String, Value> =
            serde_json::from_str(r#"{"command":["rm","-rf","my dir"]}"#).unwrap();
        assert_eq!(shell_command(&args).as_deref(), Some("rm -rf 'my dir'"));
        let args: Map<String, Value> = serde_json::from_str(r#"{"command":42}"#).unwrap();
        assert_eq!(shell_command(&args), None);
    }

    #[test]
    fn cursor_mcp_servers_are_named_from_their_launch_command_or_url() {
        for (command, server) in [
            ("npx -y desktop-commander", "desktop-commander"),
            (
                "npx -y @modelcontextprotocol/server-filesystem /tmp",
                "server-filesystem",
            ),
            ("uvx mcp-server-git --repository .", "mcp-server-git"),
            ("node /opt/mcp/dist/weather.js", "weather"),
            ("python3 -m my_server --port 1", "my_server"),
            (
                "/usr/local/bin/github-mcp-server stdio",
                "github-mcp-server",
            ),
        ] {
            assert_eq!(
                server_from_command(command).as_deref(),
                Some(server),
                "{command}"
            );
        }
        let payload = r#"{"conversation_id":"c","cursor_version":"2.3.14","hook_event_name":"beforeMCPExecution","tool_name":"execute_command","tool_input":"{}","url":"https://mcp.example.com/sse"}"#;
        let calls = parse_call(
            Agent::Cursor,
            payload,
            &CallContext {
                correlation_id: 1,
                agent_pid: 2,
                os: Os::Linux,
            },
        )
        .unwrap();
        assert_eq!(calls[0].mcp_server.as_deref(), Some("mcp.example.com"));
        assert_eq!(calls[0].mcp_tool.as_deref(), Some("execute_command"));
        let payload = r#"{"conversation_id":"c","cursor_version":"2.3.14","hook_event_name":"beforeMCPExecution","tool_name":"execute_command","tool_input":"{}","command":"npx -y desktop-commander"}"#;
        let calls = parse_call(
            Agent::Cursor,
            payload,
            &CallContext {
                correlation_id: 1,
                agent_pid: 2,
                os: Os::Linux,
            },
        )
        .unwrap();
        assert_eq!(calls[0].mcp_server.as_deref(), Some("desktop-commander"));
    }

    #[test]
    fn mcp_names() {
        let empty = Map::new();
        assert_eq!(
            split_mcp("mcp__plugin_x_y__do_it", &empty),
            (Some("plugin_x_y".into()), Some("do_it".into()))
        );
        let ctx: Map<String, Value> =
            serde_json::from_str(r#"{"mcp_context":{"server_name":"my_srv"}}"#).unwrap();
        assert_eq!(
            split_mcp("mcp_my_srv_list_items", &ctx),
            (Some("my_srv".into()), Some("list_items".into()))
        );
        assert_eq!(split_mcp("MCP:fetch", &empty), (None, Some("fetch".into())));
    }

    fn ctx(pid: u64) -> CallContext {
        CallContext {
            correlation_id: 1,
            agent_pid: pid,
            os: Os::Linux,
        }
    }

    fn call(agent: Agent, payload: &str, pid: u64, home: &str) -> ToolCall {
        let mut calls = parse_call(agent, payload, &ctx(pid)).unwrap();
        let mut call = calls.remove(0);
        call.set_homes(Some(home), None);
        call
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_self_paths_are_resolved_for_the_agent_process() {
        let tmp = tempfile::tempdir().unwrap();
        let home = std::fs::canonicalize(tmp.path()).unwrap();
        let home = home.to_str().unwrap().to_owned();
        std::fs::create_dir(tmp.path().join("project")).unwrap();
        let agent = crate::realpath::tests::FakeAgent::spawn(
            &tmp.path().join("project"),
            std::process::Stdio::null(),
        );
        let read = r#"{"cwd":"/nonexistent-cwd","tool_name":"Read","tool_input":{"file_path":"/proc/self/cwd/../.aws/credentials"}}"#;
        let c = call(Agent::ClaudeCode, read, agent.pid(), &home);
        assert_eq!(c.real_file_path, Some(format!("{home}/.aws/credentials")));
        assert_eq!(c.home_file_path().as_deref(), Some(".aws/credentials"));
        assert!(!c.has_unresolved_path());
        // Without the agent's pid the same path is unresolved.
        let c = call(Agent::ClaudeCode, read, 0, &home);
        assert!(c.has_unresolved_path());
        assert_eq!(c.home_file_path(), None);

        // Shell effect paths: the analysis folds `..` lexically; the word as written is
        // resolved and joins the list.
        let bash = r#"{"cwd":"/nonexistent-cwd","tool_name":"Bash","tool_input":{"command":"cat '/proc/self/cwd/../.ssh/id_rsa' | base64"}}"#;
        let c = call(Agent::ClaudeCode, bash, agent.pid(), &home);
        let reads = &c.shell_analysis().unwrap().read_paths;
        assert!(reads.contains(&format!("{home}/.ssh/id_rsa")), "{reads:?}");
        assert!(c.home_relative(reads).contains(&".ssh/id_rsa".to_owned()));
        assert!(!c.has_unresolved_path());
        let c = call(Agent::ClaudeCode, bash, 0, &home);
        assert!(c.has_unresolved_path());
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "its paths are Unix-absolute (`/nonexistent-home/...`), which Windows treats as relative"
    )]
    fn searches_reach_globs_catalog_paths_and_every_path() {
        let home = "/nonexistent-home/dev";
        let cwd = "/nonexistent-home/dev/projects/app";
        let grep = format!(
            r#"{{"cwd":"{cwd}","tool_name":"Grep","tool_input":{{"pattern":"x","path":"~/.ssh/id_rsa","output_mode":"content"}}}}"#
        );
        let c = call(Agent::ClaudeCode, &grep, 0, home);
        assert_eq!(c.paths, [format!("{home}/.ssh/id_rsa")]);
        assert_eq!(c.search_output.as_deref(), Some("content"));
        // A directory that holds credentials reaches them.
        let grep = format!(
            r#"{{"cwd":"{cwd}","tool_name":"Grep","tool_input":{{"pattern":"x","path":"{home}/.aws"}}}}"#
        );
        let c = call(Agent::ClaudeCode, &grep, 0, home);
        assert!(
            c.paths.contains(&format!("{home}/.aws/credentials")),
            "{:?}",
            c.paths
        );
        assert_eq!(c.search_output.as_deref(), Some("names"));
        // The home itself is judged by its coverage, not by what it holds ...
        let glob = format!(
            r#"{{"cwd":"{cwd}","tool_name":"Glob","tool_input":{{"pattern":"**/*.md","path":"{home}"}}}}"#
        );
        let c = call(Agent::ClaudeCode, &glob, 0, home);
        assert_eq!(c.paths, [home.to_owned(), format!("{home}/**/*.md")]);
        assert_eq!(c.home_search_roots(), [""]);
        // ... unless a glob names a sensitive file in it.
        let glob = glob.replace("**/*.md", "**/id_*");
        let c = call(Agent::ClaudeCode, &glob, 0, home);
        assert!(
            c.paths.contains(&format!("{home}/.ssh/id_rsa")),
            "{:?}",
            c.paths
        );
        // read_many_files: each entry.
        let many = format!(
            r#"{{"cwd":"{cwd}","tool_name":"read_many_files","tool_input":{{"include":["src/a.rs","../../.netrc","*.md"]}}}}"#
        );
        let c = call(Agent::GeminiCli, &many, 0, home);
        assert!(c.paths.contains(&format!("{cwd}/src/a.rs")));
        assert!(c.paths.contains(&format!("{home}/.netrc")));
        assert!(c.paths.contains(&format!("{cwd}/*.md")), "{:?}", c.paths);
        assert_eq!(c.search_output.as_deref(), Some("content"));
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "its paths are Unix-absolute (`/nonexistent-home/...`), which Windows treats as relative"
    )]
    fn mcp_path_arguments_are_resolved() {
        let home = "/nonexistent-home/dev";
        let cwd = "/nonexistent-home/dev/projects/app";
        let mv = format!(
            r#"{{"cwd":"{cwd}","tool_name":"mcp__filesystem__move_file","tool_input":{{"source":"a.txt","destination":"~/.bashrc","url":"https://x"}}}}"#
        );
        let c = call(Agent::ClaudeCode, &mv, 0, home);
        assert_eq!(c.paths, [format!("{cwd}/a.txt"), format!("{home}/.bashrc")]);
        let outside: Vec<&String> = c.tool_outside_cwd_paths().unwrap();
        assert_eq!(outside, [&format!("{home}/.bashrc")]);
        assert_eq!(c.home_paths(), ["projects/app/a.txt", ".bashrc"]);
    }
}
