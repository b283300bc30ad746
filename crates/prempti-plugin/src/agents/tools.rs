//! Tool normalization shared by every agent: an agent's envelope and the [`Shape`] of its
//! tool in, normalized [`ToolCall`]s out.

use serde_json::{Map, Value};

use super::{first_str, get_str, patch, AgentFormat, PayloadError, Raw};
use crate::call::{CallContext, PatchOp, ToolCall, ToolKind};

/// How a tool's arguments map onto the normalized fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A shell command (`command`/`cmd`, a string or an argv array).
    Shell,
    /// A file read (or a directory listing, or a list of files and globs).
    Read,
    /// A whole-file write.
    Write,
    /// A string replacement in a file.
    Edit,
    /// A list of replacements in one file.
    MultiEdit,
    /// A notebook cell edit.
    Notebook,
    /// Codex `apply_patch` (patch text in `command`/`patch`/`input`; OpenCode `patchText`).
    Patch,
    /// A search of file contents or names (grep and glob tools).
    Search,
    /// A URL fetch.
    Fetch,
    /// A web search query.
    WebSearch,
    /// A call to an MCP server's tool.
    Mcp,
    /// Anything else: only the generic fields are filled.
    Other,
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
        .or_else(|| get_str(obj, "url").and_then(|u| prempti_shell::url_host(&u)));
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

/// Turns an agent's envelope into normalized calls, by the shape of its tool.
pub(super) fn normalize(
    format: &dyn AgentFormat,
    raw: Raw<'_>,
    ctx: &CallContext,
) -> Result<Vec<ToolCall>, PayloadError> {
    let agent = format.agent();
    let shape = if format.is_mcp(&raw) {
        Shape::Mcp
    } else {
        format.shape(&raw.tool_name)
    };
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
            let names_only = names_only || format.search_lists_names(&call.tool_name);
            call.search_output = Some(search_output(names_only, args));
        }
        Shape::Fetch => {
            call.url = get_str(args, "url")
                .or_else(|| get_str(args, "prompt").and_then(|p| first_url(&p)));
            call.url_host = call.url.as_deref().and_then(prempti_shell::url_host);
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
            let Some(text) = first_str(args, &["command", "patch", "input", "patchText"]) else {
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
/// when it lists file names, `count` for counts. Without an output mode, a search prints
/// matching lines unless it lists names by default (glob tools, Claude Code's `Grep`).
fn search_output(names_only: bool, args: &Map<String, Value>) -> String {
    let mode = get_str(args, "output_mode").or_else(|| get_str(args, "outputMode"));
    let out = match mode.as_deref() {
        Some("content") => "content",
        Some("files_with_matches") | Some("files") => "names",
        Some("count") => "count",
        _ if names_only => "names",
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
                    .map(|w| prempti_shell::quote_word(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        _ => None,
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
pub(crate) fn first_url(text: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use prempti_shell::url_host;

    use super::*;
    use crate::agents::{parse_call, Agent, Os};

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
}
