//! The `coding_agent` field table: one table, two consumers.
//!
//! [`FIELDS`] lists every field of the source with its name, type, list-ness, argument,
//! description, whether it is a suggested output field, and the function that extracts it
//! from a [`ToolCall`]. The same table produces:
//!
//! - the Falco SDK's `EXTRACT_FIELDS` (in the plugin glue), so Falco sees exactly these
//!   fields, and
//! - [`schema()`], the [`SourceSchema`] the embedded rule engine compiles rules against, with
//!   `impl FieldProvider for ToolCall` answering through the same extractor functions.
//!
//! Missing values: an extractor returns [`Extracted::None`] when the source of the field is
//! absent from the payload; an empty list is also "no value" (as in Falco, a plugin field
//! with zero values is absent).

use std::borrow::Cow;

use prempti_rules::{ArgSpec, FieldDef, FieldId, FieldProvider, FieldType, SourceSchema, Value};

use crate::agents::ToolCall;

/// The event source name (`source: coding_agent` in rules).
pub const SOURCE: &str = "coding_agent";

/// The plugin name (`evt.pluginname`, `load_plugins`, `required_plugin_versions`).
pub const PLUGIN_NAME: &str = "coding_agent";

/// The value of one field for one event, before conversion to the consumer's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extracted<'a> {
    /// No value.
    None,
    /// A string.
    Str(Cow<'a, str>),
    /// An unsigned integer.
    U64(u64),
    /// A boolean.
    Bool(bool),
    /// A list of strings (empty means no value).
    List(Vec<Cow<'a, str>>),
}

/// Extracts one field from a call, given the field's argument (`cmd.args[git]` → `git`).
pub type Extractor = for<'a> fn(&'a ToolCall, Option<&str>) -> Extracted<'a>;

/// One row of the field table.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    /// Full field name.
    pub name: &'static str,
    /// Value type (of each element, for lists).
    pub ty: FieldType,
    /// Whether the field is list-valued.
    pub is_list: bool,
    /// Argument accepted by the field.
    pub arg: ArgSpec,
    /// One-line description (exported to Falco).
    pub description: &'static str,
    /// Suggested output field (`addOutput`).
    pub suggested: bool,
    /// The extractor.
    pub extract: Extractor,
}

impl std::fmt::Debug for FieldSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldSpec")
            .field("name", &self.name)
            .field("ty", &self.ty)
            .field("is_list", &self.is_list)
            .field("arg", &self.arg)
            .finish_non_exhaustive()
    }
}

fn s(v: &Option<String>) -> Extracted<'_> {
    match v {
        Some(v) => Extracted::Str(Cow::Borrowed(v)),
        None => Extracted::None,
    }
}

fn owned<'a>(v: Option<String>) -> Extracted<'a> {
    match v {
        Some(v) => Extracted::Str(Cow::Owned(v)),
        None => Extracted::None,
    }
}

fn list<'a, I: IntoIterator<Item = &'a String>>(items: I) -> Extracted<'a> {
    let items: Vec<Cow<'a, str>> = items
        .into_iter()
        .map(|s| Cow::Borrowed(s.as_str()))
        .collect();
    if items.is_empty() {
        Extracted::None
    } else {
        Extracted::List(items)
    }
}

fn cmd_list<'a>(
    call: &'a ToolCall,
    pick: impl FnOnce(&'a prempti_shell::Analysis) -> Extracted<'a>,
) -> Extracted<'a> {
    match call.shell_analysis() {
        Some(a) => pick(a),
        None => Extracted::None,
    }
}

const fn scalar(
    name: &'static str,
    ty: FieldType,
    description: &'static str,
    extract: Extractor,
) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        is_list: false,
        arg: ArgSpec::None,
        description,
        suggested: false,
        extract,
    }
}

const fn string(name: &'static str, description: &'static str, extract: Extractor) -> FieldSpec {
    scalar(name, FieldType::String, description, extract)
}

const fn strings(name: &'static str, description: &'static str, extract: Extractor) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::String,
        is_list: true,
        arg: ArgSpec::None,
        description,
        suggested: false,
        extract,
    }
}

fn owned_list<'a>(items: Option<Vec<String>>) -> Extracted<'a> {
    match items {
        Some(items) if !items.is_empty() => {
            Extracted::List(items.into_iter().map(Cow::Owned).collect())
        }
        _ => Extracted::None,
    }
}

/// A keyed derived list (`cmd.path_prefixes[read]`, ...) computed once per call and
/// effect: `field` numbers the cached fields (see `DerivedCache`).
fn derived<'a>(
    c: &'a ToolCall,
    field: usize,
    arg: Option<&str>,
    compute: impl FnOnce() -> Option<Vec<String>>,
) -> Extracted<'a> {
    let Some(slot) = crate::agents::DerivedCache::slot(field, arg) else {
        return owned_list(compute());
    };
    match c.derived.0[slot].get_or_init(|| compute().filter(|v| !v.is_empty())) {
        Some(items) => list(items),
        None => Extracted::None,
    }
}

fn ref_list<'a>(items: Option<Vec<&'a String>>) -> Extracted<'a> {
    match items {
        Some(items) => list(items),
        None => Extracted::None,
    }
}

const fn keyed(name: &'static str, description: &'static str, extract: Extractor) -> FieldSpec {
    FieldSpec {
        name,
        ty: FieldType::String,
        is_list: true,
        arg: ArgSpec::Key { required: false },
        description,
        suggested: false,
        extract,
    }
}

/// The base name of a path (`id_rsa` for `/h/.ssh/id_rsa`).
fn base_name(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// The non-empty items, without repeats, in first-seen order.
fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !item.is_empty() && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Each path and every ancestor of it, `/`-separated, without repeats: `intersects` on
/// these is a path-prefix match (`.ssh` matches `.ssh/id_rsa`), which Falco's `pmatch`
/// does not offer on list fields.
fn with_ancestors<'p>(paths: impl IntoIterator<Item = &'p str>, absolute: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: String| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for path in paths {
        let trimmed = path.trim_end_matches('/');
        let mut at = 0;
        while let Some(k) = trimmed[at..].find('/') {
            let end = at + k;
            if end > 0 {
                push(trimmed[..end].to_owned());
            } else if absolute {
                push("/".to_owned());
            }
            at = end + 1;
        }
        push(if trimmed.is_empty() && absolute {
            "/".to_owned()
        } else {
            trimmed.to_owned()
        });
    }
    out
}

/// Number of fields in [`FIELDS`].
pub const FIELD_COUNT: usize = 99;

/// The field table of the `coding_agent` source. A field's position is its [`FieldId`] in
/// [`schema()`] and its index in the plugin's exported field list.
pub const FIELDS: [FieldSpec; FIELD_COUNT] = [
    FieldSpec {
        name: "correlation.id",
        ty: FieldType::U64,
        is_list: false,
        arg: ArgSpec::None,
        description: "Id of the tool call, unique and increasing per broker; links the alert to the hook request",
        suggested: true,
        extract: |c, _| Extracted::U64(c.correlation_id),
    },
    string("agent.name", "The agent: claude_code, codex, gemini_cli, cursor or copilot", |c, _| {
        Extracted::Str(Cow::Borrowed(c.agent.field_name()))
    }),
    string("agent.os", "Operating system of the agent: linux, macos or windows", |c, _| {
        Extracted::Str(Cow::Borrowed(c.os.as_str()))
    }),
    FieldSpec {
        name: "agent.pid",
        ty: FieldType::U64,
        is_list: false,
        arg: ArgSpec::None,
        description: "Pid of the agent process that ran the hook",
        suggested: true,
        extract: |c, _| Extracted::U64(c.agent_pid),
    },
    string("agent.hook_event_name", "Hook event as sent by the agent (PreToolUse, BeforeTool, preToolUse, ...)", |c, _| {
        s(&c.hook_event_name)
    }),
    string("agent.session_id", "Session id as sent by the agent", |c, _| s(&c.session_id)),
    string("agent.permission_mode", "Permission mode as sent by the agent", |c, _| s(&c.permission_mode)),
    string("agent.transcript_path", "Transcript path as sent by the agent", |c, _| s(&c.transcript_path)),
    string("agent.model", "Model as sent by the agent", |c, _| s(&c.model)),
    string("agent.turn_id", "Turn id as sent by the agent", |c, _| s(&c.turn_id)),
    string("agent.cwd", "Working directory of the agent, as sent", |c, _| s(&c.cwd)),
    string("agent.real_cwd", "Working directory of the agent, absolute with symlinks resolved", |c, _| {
        s(&c.real_cwd)
    }),
    string("agent.home", "Home directory of the agent's user as the hook saw it (HOME, USERPROFILE), absolute with symlinks resolved; no value when the hook sent none", |c, _| {
        s(&c.real_home)
    }),
    string("prempti.home", "Prempti's installation directory as the hook resolved it (PREMPTI_HOME, else ~/.prempti), absolute with symlinks resolved; no value when the hook sent none", |c, _| {
        s(&c.real_prempti_home)
    }),
    string("tool.use_id", "Tool call id as sent by the agent", |c, _| s(&c.tool_use_id)),
    string("tool.name", "The agent's own name for the tool (Bash, run_shell_command, apply_patch, ...)", |c, _| {
        Extracted::Str(Cow::Borrowed(&c.tool_name))
    }),
    string("tool.kind", "Normalized tool kind: shell, read, write, edit, search, fetch, mcp or other", |c, _| {
        Extracted::Str(Cow::Borrowed(c.kind.as_str()))
    }),
    string("tool.input", "Tool input as compact JSON, keys in the agent's order", |c, _| s(&c.input)),
    string("tool.input_command", "Command line of a shell tool", |c, _| s(&c.input_command)),
    string("tool.file_path", "File named by the tool, as sent", |c, _| s(&c.file_path)),
    string("tool.real_file_path", "File named by the tool, absolute with symlinks of its nearest existing ancestor resolved", |c, _| {
        s(&c.real_file_path)
    }),
    string("tool.home_file_path", "tool.real_file_path relative to agent.home, without a leading slash (.ssh/id_rsa; empty for the home itself); no value when the file is not inside the home or either is unknown", |c, _| {
        owned(c.home_file_path())
    }),
    scalar("tool.in_prempti_home", FieldType::Bool, "tool.real_file_path is prempti.home or inside it; no value when either is unknown", |c, _| {
        match c.in_prempti_home() {
            Some(b) => Extracted::Bool(b),
            None => Extracted::None,
        }
    }),
    string("tool.patch_op", "apply_patch operation on the file: add, update, delete or move", |c, _| {
        match c.patch_op {
            Some(op) => Extracted::Str(Cow::Borrowed(op.as_str())),
            None => Extracted::None,
        }
    }),
    string("tool.mcp_server", "MCP server of an MCP tool call", |c, _| s(&c.mcp_server)),
    string("tool.mcp_tool", "MCP tool name of an MCP tool call", |c, _| s(&c.mcp_tool)),
    string("tool.url", "URL fetched by the tool", |c, _| s(&c.url)),
    string("tool.url_host", "Host of tool.url, normalized like cmd.hosts (lower case, no trailing dot, punycode, dotted-quad IPv4)", |c, _| s(&c.url_host)),
    string("tool.content", "Text being written: Write content, Edit new strings, patch hunk", |c, _| s(&c.content)),
    string("tool.pattern", "Search pattern or query of a search tool", |c, _| s(&c.pattern)),
    string("tool.search_path", "Directory or file searched by a search tool", |c, _| s(&c.search_path)),
    string("tool.home_search_path", "tool.search_path, resolved like tool.real_file_path, relative to agent.home without a leading slash; no value when it is not inside the home", |c, _| {
        owned(c.home_search_path())
    }),
    strings("cmd.programs", "Base name of every program the command runs (wrappers and wrapped programs)", |c, _| {
        cmd_list(c, |a| {
            let names: Vec<Cow<'_, str>> = a.programs.iter().map(|p| Cow::Borrowed(p.name.as_str())).collect();
            if names.is_empty() { Extracted::None } else { Extracted::List(names) }
        })
    }),
    strings("cmd.program_paths", "Every program as written, after quote removal", |c, _| {
        cmd_list(c, |a| {
            let paths: Vec<Cow<'_, str>> = a.programs.iter().map(|p| Cow::Borrowed(p.path.as_str())).collect();
            if paths.is_empty() { Extracted::None } else { Extracted::List(paths) }
        })
    }),
    FieldSpec {
        name: "cmd.args",
        ty: FieldType::String,
        is_list: true,
        arg: ArgSpec::Key { required: false },
        description: "Arguments of every program; cmd.args[name] only those of programs named name",
        suggested: false,
        extract: |c, arg| {
            cmd_list(c, |a| {
                list(
                    a.programs
                        .iter()
                        .filter(|p| arg.is_none_or(|name| p.name == name))
                        .flat_map(|p| p.args.iter()),
                )
            })
        },
    },
    strings("cmd.argv", "Each program invocation as one string: name arg1 arg2 ...", |c, _| {
        cmd_list(c, |a| {
            let argv: Vec<Cow<'_, str>> = a
                .programs
                .iter()
                .map(|p| {
                    let mut line = p.name.clone();
                    for arg in &p.args {
                        line.push(' ');
                        line.push_str(arg);
                    }
                    Cow::Owned(line)
                })
                .collect();
            if argv.is_empty() { Extracted::None } else { Extracted::List(argv) }
        })
    }),
    strings("cmd.write_paths", "Files written by redirections, absolute", |c, _| {
        cmd_list(c, |a| list(&a.write_paths))
    }),
    strings("cmd.home_write_paths", "Redirection targets inside agent.home, relative to it without a leading slash (~/.bashrc and $HOME/.bashrc give .bashrc even when the home is unknown)", |c, _| {
        match c.home_write_paths() {
            Some(paths) if !paths.is_empty() => {
                Extracted::List(paths.into_iter().map(Cow::Owned).collect())
            }
            _ => Extracted::None,
        }
    }),
    strings("cmd.read_paths", "Files read by redirections, absolute", |c, _| cmd_list(c, |a| list(&a.read_paths))),
    scalar("cmd.pipe_to_interpreter", FieldType::Bool, "Something is piped into a shell or script interpreter", |c, _| {
        cmd_list(c, |a| Extracted::Bool(!a.piped_interpreters.is_empty()))
    }),
    strings("cmd.piped_interpreters", "Interpreters that receive piped input", |c, _| {
        cmd_list(c, |a| list(&a.piped_interpreters))
    }),
    strings("cmd.urls", "URLs in the command's arguments", |c, _| cmd_list(c, |a| list(&a.urls))),
    strings("cmd.hosts", "Hosts of those URLs and of user@host arguments", |c, _| cmd_list(c, |a| list(&a.hosts))),
    strings("cmd.env", "Environment assignments NAME=value", |c, _| cmd_list(c, |a| list(&a.env))),
    scalar("cmd.parse_error", FieldType::Bool, "The shell parser rejected the command (analysis is best effort)", |c, _| {
        cmd_list(c, |a| Extracted::Bool(a.parse_error))
    }),
    scalar("cmd.limit_hit", FieldType::Bool, "A size, depth or count bound cut the analysis short", |c, _| {
        cmd_list(c, |a| Extracted::Bool(a.limit_hit))
    }),
    scalar("cmd.program_count", FieldType::U64, "Number of program invocations", |c, _| {
        cmd_list(c, |a| Extracted::U64(a.programs.len() as u64))
    }),
    strings("cmd.delete_paths", "Files and directories the command deletes (rm, unlink, shred -u, mv sources, find -delete, rsync --delete, git clean), absolute", |c, _| {
        cmd_list(c, |a| list(&a.delete_paths))
    }),
    strings("cmd.recursive_delete_paths", "Directories the command deletes with everything below them (rm -r, find -delete, rsync --delete, git clean -d, rmtree), absolute", |c, _| {
        cmd_list(c, |a| list(&a.recursive_delete_paths))
    }),
    strings("cmd.recursive_read_paths", "Directories the command reads with everything below them (grep -r, rg, find, cp -r, tar c, zip -r), absolute", |c, _| {
        cmd_list(c, |a| list(&a.recursive_read_paths))
    }),
    strings("cmd.chmod_paths", "Files whose mode, owner or attributes the command changes (chmod, chown, chattr, setfacl), absolute", |c, _| {
        cmd_list(c, |a| list(&a.chmod_paths))
    }),
    strings("cmd.exec_paths", "Scripts and programs the command runs from a path (./x, bash x.sh, python x.py, source x), absolute", |c, _| {
        cmd_list(c, |a| list(&a.exec_paths))
    }),
    strings("cmd.upload_paths", "Local files the command sends over the network (curl -d @f / -F x=@f / -T f, wget --post-file, scp/rsync to a host, nc host < f, gh gist create f), absolute", |c, _| {
        cmd_list(c, |a| list(&a.upload_paths))
    }),
    strings("cmd.modified_paths", "Every path the command writes, deletes or changes the mode of (cmd.write_paths, cmd.delete_paths, cmd.chmod_paths together)", |c, _| {
        ref_list(c.modified_paths())
    }),
    strings("cmd.home_read_paths", "cmd.read_paths inside agent.home, relative to it without a leading slash (.ssh/id_rsa)", |c, _| {
        owned_list(c.shell_analysis().map(|a| c.home_relative(&a.read_paths)))
    }),
    strings("cmd.home_modified_paths", "cmd.modified_paths inside agent.home, relative to it without a leading slash (.bashrc, .claude/settings.json)", |c, _| {
        owned_list(c.modified_paths().map(|m| c.home_relative(m)))
    }),
    strings("cmd.home_delete_paths", "cmd.delete_paths inside agent.home, relative to it without a leading slash (\"\" for the home itself)", |c, _| {
        owned_list(c.shell_analysis().map(|a| c.home_relative(&a.delete_paths)))
    }),
    strings("cmd.outside_cwd_paths", "cmd.modified_paths outside agent.real_cwd and outside temporary directories (/tmp, /var/tmp, ~/.cache, ...)", |c, _| {
        ref_list(c.outside_cwd_paths())
    }),
    strings("cmd.path_globs", "Paths with unquoted glob characters, kept as patterns (/etc/g?hadow); what each can match is also in the effect lists", |c, _| {
        cmd_list(c, |a| list(&a.path_globs))
    }),
    strings("cmd.dynamic_programs", "Program words that cannot be known statically ($CMD, $(get-tool)), as written", |c, _| {
        cmd_list(c, |a| list(&a.dynamic_programs))
    }),
    strings("cmd.dynamic_paths", "Targets of a write, delete, chmod, exec or upload that cannot be known statically (rm -rf \"$DIR\"), as written", |c, _| {
        cmd_list(c, |a| list(&a.dynamic_paths))
    }),
    strings("cmd.behaviors", "What inline interpreter code does beyond files: exec_remote, exec_decoded, reverse_shell, socket, env_dump, decode, and exec_downloaded (a file downloaded in the command is run or made executable)", |c, _| {
        cmd_list(c, |a| list(&a.behaviors))
    }),
    keyed("cmd.path_prefixes", "Every path of the effect named by the argument (read, write, delete, recursive_delete, recursive_read, chmod, exec, upload, modified; all without one) and all its ancestor directories: `intersects` then matches a path or anything below it", |c, arg| {
        derived(c, 0, arg, || c.effect_paths(arg).map(|p| with_ancestors(p.into_iter().map(String::as_str), true)))
    }),
    keyed("cmd.home_path_prefixes", "As cmd.path_prefixes, for the paths inside agent.home, relative to it (.ssh, .ssh/id_rsa; \"\" is the home itself)", |c, arg| {
        derived(c, 1, arg, || c.effect_paths(arg).map(|p| {
            let rel = c.home_relative(p);
            with_ancestors(rel.iter().map(String::as_str), false)
        }))
    }),
    keyed("cmd.path_names", "Base names of the paths of the effect named by the argument (as cmd.path_prefixes): .env, id_rsa, pre-commit", |c, arg| {
        derived(c, 2, arg, || {
            c.effect_paths(arg).map(|p| distinct(p.iter().map(|path| base_name(path).to_owned())))
        })
    }),
    keyed("cmd.path_extensions", "Extensions (after the last dot of the base name, lower case; .env gives env) of the paths of the effect named by the argument (as cmd.path_prefixes): pem, key, env", |c, arg| {
        derived(c, 3, arg, || {
            c.effect_paths(arg).map(|p| {
                distinct(p.iter().filter_map(|path| {
                    base_name(path).rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase())
                }))
            })
        })
    }),
    keyed("cmd.home_path_depths", "For each path of the effect named by the argument inside agent.home, how many directories deep it is: 0 for the home itself, 1 for ~/Documents or ~/.bashrc", |c, arg| {
        derived(c, 4, arg, || {
            c.effect_paths(arg).map(|p| {
                distinct(c.home_relative(p).iter().map(|rel| {
                    let depth = if rel.is_empty() { 0 } else { rel.split('/').count() };
                    depth.to_string()
                }))
            })
        })

    }),
    strings("cmd.serve_paths", "Directories the command serves over the network (python -m http.server -d DIR, php -S -t DIR, http-server DIR, busybox httpd -h DIR), absolute", |c, _| {
        cmd_list(c, |a| list(&a.serve_paths))
    }),
    strings("tool.content_programs", "Programs of the commands written in tool.content (backticks, code blocks, command lines of instruction, command and skill files) or, for a shell command, in the text it writes into files (echo/printf/heredoc/tee), wrappers unwrapped", |c, _| {
        match c.content_commands() {
            Some(a) => {
                let mut names: Vec<Cow<'_, str>> = Vec::new();
                for p in &a.programs {
                    if !names.iter().any(|n| n == &p.name) {
                        names.push(Cow::Borrowed(p.name.as_str()));
                    }
                }
                if names.is_empty() { Extracted::None } else { Extracted::List(names) }
            }
            None => Extracted::None,
        }
    }),
    strings("tool.content_risks", "What the commands written in tool.content would do: pipe_to_interpreter, upload, exec_remote, exec_decoded, exec_downloaded, reverse_shell, env_dump", |c, _| {
        owned_list(c.content_risks())
    }),
    strings("tool.content_hosts", "Hosts the commands written in tool.content contact", |c, _| {
        match c.content_commands() {
            Some(a) => list(&a.hosts),
            None => Extracted::None,
        }
    }),
    strings("tool.content_home_path_prefixes", "Files the commands written in tool.content read, write or send inside agent.home, relative to it, with their ancestors (as cmd.home_path_prefixes)", |c, _| {
        owned_list(c.content_commands().map(|a| {
            let paths: Vec<&String> = a.read_paths.iter().chain(&a.write_paths).chain(&a.upload_paths).chain(&a.delete_paths).collect();
            let rel = c.home_relative(paths);
            with_ancestors(rel.iter().map(String::as_str), false)
        }))
    }),
    scalar("tool.unresolved_path", FieldType::Bool, "A path the call names (its file, what it searches, an MCP path argument, a shell command's /proc/self/... path) goes through /proc/self, /proc/thread-self, /dev/fd or /dev/stdin and could not be resolved for the agent's process (no pid, not Linux, not readable, no such entry)", |c, _| {
        Extracted::Bool(c.has_unresolved_path())
    }),
    strings("tool.paths", "Every path the call names or can reach, resolved like tool.real_file_path: the file of a file tool; the searched paths of a search (and Gemini read_many_files), their globs joined to them, the sensitive paths those globs can match or a searched directory holds; the path arguments of an MCP call", |c, _| {
        list(&c.paths)
    }),
    strings("tool.path_prefixes", "tool.paths and all their ancestor directories: `intersects` matches a path or anything below it", |c, _| {
        owned_list(Some(with_ancestors(c.paths.iter().map(String::as_str), true)))
    }),
    strings("tool.home_path_prefixes", "tool.paths inside agent.home, relative to it, and their ancestors (.ssh, .ssh/id_rsa; \"\" is the home itself)", |c, _| {
        let rel = c.home_paths();
        owned_list(Some(with_ancestors(rel.iter().map(String::as_str), false)))
    }),
    strings("tool.path_names", "Base names of tool.paths (.env, id_rsa)", |c, _| {
        let mut names: Vec<String> = Vec::new();
        for path in &c.paths {
            let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_owned();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
        owned_list(Some(names))
    }),
    strings("tool.outside_cwd_paths", "tool.paths outside agent.real_cwd and outside temporary directories (/tmp, ~/.cache, ...)", |c, _| {
        ref_list(c.tool_outside_cwd_paths())
    }),
    strings("tool.search_roots", "Paths a search tool (or Gemini read_many_files) searches, resolved like tool.real_file_path; the working directory when it names none", |c, _| {
        list(&c.search_roots)
    }),
    strings("tool.home_search_roots", "tool.search_roots inside agent.home, relative to it (\"\" is the home itself)", |c, _| {
        owned_list(Some(c.home_search_roots()))
    }),
    string("tool.search_output", "What a search prints: content (matching lines or whole files), names (file names) or count", |c, _| {
        s(&c.search_output)
    }),
    scalar("tool.paths_in_prempti_home", FieldType::Bool, "Some path of tool.paths is prempti.home or inside it; no value when there are none or prempti.home is unknown", |c, _| {
        match c.paths_in_prempti_home() {
            Some(b) => Extracted::Bool(b),
            None => Extracted::None,
        }
    }),
    scalar("cmd.signals_prempti", FieldType::Bool, "The command signals Prempti's own processes (the daemon, its Falco) by name, pattern (pkill -f, pgrep | xargs kill, ps | grep | xargs kill) or pid, or every process of the user (kill -1)", |c, _| {
        match c.shell_analysis() {
            Some(a) => {
                let own = crate::signals::own_pids();
                Extracted::Bool(crate::signals::signals_prempti(a, c.real_prempti_home.as_deref(), &own))
            }
            None => Extracted::None,
        }
    }),
    strings("cmd.arg_names", "Base names of every argument of every program (text after the last /): id_rsa for ~/.ssh/id_rsa; Falco 0.44 matches no transformer on a list, so this stands for basename(cmd.args)", |c, _| {
        cmd_list(c, |a| {
            let mut names: Vec<Cow<'_, str>> = Vec::new();
            for arg in a.programs.iter().flat_map(|p| p.args.iter()) {
                let trimmed = arg.trim_end_matches('/');
                let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
                if !name.is_empty() && !names.iter().any(|n| n == name) {
                    names.push(Cow::Borrowed(name));
                }
            }
            if names.is_empty() { Extracted::None } else { Extracted::List(names) }
        })
    }),
    scalar("cmd.modifies_prempti_home", FieldType::Bool, "Some path the command writes, deletes or changes the mode of is prempti.home or below it; no value when prempti.home is unknown", |c, _| {
        match (c.modified_paths(), c.real_prempti_home.as_deref()) {
            (Some(paths), Some(home)) => Extracted::Bool(paths.iter().any(|p| {
                p.as_str() == home || p.strip_prefix(home).is_some_and(|r| r.starts_with('/'))
            })),
            _ => Extracted::None,
        }
    }),
    FieldSpec {
        name: "session.mark_age_ms",
        ty: FieldType::U64,
        is_list: false,
        arg: ArgSpec::Key { required: true },
        description: "Age in ms of the newest mark NAME (session.mark_age_ms[NAME]) set on this session by an earlier allowed call whose matched rule carries the tag coding_agent_mark:NAME; no value when the session has no such mark",
        suggested: false,
        extract: |c, arg| match (c.session.as_ref(), arg) {
            (Some(v), Some(name)) => v.mark_age_ms(name).map_or(Extracted::None, Extracted::U64),
            _ => Extracted::None,
        },
    },
    FieldSpec {
        name: "session.mark_count",
        ty: FieldType::U64,
        is_list: false,
        arg: ArgSpec::Key { required: true },
        description: "How many earlier allowed calls of this session set the mark NAME (session.mark_count[NAME]); no value when none did",
        suggested: false,
        extract: |c, arg| match (c.session.as_ref(), arg) {
            (Some(v), Some(name)) => v.mark_count(name).map_or(Extracted::None, Extracted::U64),
            _ => Extracted::None,
        },
    },
    scalar("session.carries_secret", FieldType::Bool, "The call's arguments (command, content, URL, body, MCP arguments) carry a secret-looking value that an earlier call of this session read from a sensitive file, as the agent's post-tool report returned it (premptictl hook add AGENT --post-tool); only salted hashes of such values are kept; no value without a session id", |c, _| {
        match c.session.as_ref() {
            Some(view) => Extracted::Bool(view.carries_secret),
            None => Extracted::None,
        }
    }),
    scalar("session.call_count", FieldType::U64, "Calls of this session decided before this one (any verdict); no value without a session id", |c, _| {
        match c.session.as_ref() {
            Some(v) => Extracted::U64(v.calls),
            None => Extracted::None,
        }
    }),
    strings("session.hosts", "Hosts earlier allowed calls of this session contacted (their cmd.hosts and tool.url_host), oldest first", |c, _| {
        match c.session.as_ref() {
            Some(v) => list(&v.hosts),
            None => Extracted::None,
        }
    }),
    strings("session.new_hosts", "Hosts this call contacts (cmd.hosts, tool.url_host) that are not in session.hosts; no value when there are none or the call has no session id", |c, _| {
        owned_list(crate::session::new_hosts(c))
    }),
    string("agent.subagent_id", "Id of the subagent making the call, as sent (Claude Code agent_id); no value on the main thread", |c, _| s(&c.subagent_id)),
    string("agent.subagent_type", "Type of the subagent making the call, or of the agent the session runs as (Claude Code agent_type)", |c, _| s(&c.subagent_type)),
    string("agent.prompt_id", "Id of the user prompt the call belongs to, as sent (Claude Code prompt_id)", |c, _| s(&c.prompt_id)),
    string("agent.effort", "Effort level of the turn, as sent (Claude Code effort.level: low, medium, high, xhigh, max)", |c, _| s(&c.effort)),
    strings("cmd.env_words", "Lowercase words naming environment values the command prints: names of variables it echoes or printenvs and what a whole-environment listing is filtered for, whole and split on _ ($OPENAI_API_KEY: openai_api_key, openai, api, key; env | grep -i token: token); a value piped, redirected or substituted is not printed", |c, _| {
        cmd_list(c, |a| list(&a.env_words))
    }),
    strings("cmd.install_sources", "Where package managers install or run packages from when it is not their default registry: url, git (git+, github:, npm user/repo, cargo --git), index (-i, --index-url=, --registry, PIP_INDEX_URL=, GOPROXY=), archive, tap (third-party Homebrew tap), head (brew --HEAD)", |c, _| {
        cmd_list(c, |a| list(&a.install_sources))
    }),
    strings("tool.secret_kinds", "Kinds of credential-looking values in the tool input, percent-encoding decoded: aws_access_key_id, aws_secret_access_key, github_token, gitlab_token, npm_token, slack_token, api_key, google_api_key, stripe_key, private_key, jwt, secret_assignment (NAME_SECRET=long value)", |c, _| {
        let kinds = c.input.as_deref().map(crate::secret_values::kinds).unwrap_or_default();
        if kinds.is_empty() { Extracted::None } else { Extracted::List(kinds.into_iter().map(Cow::Borrowed).collect()) }
    }),
    strings("tool.home_path_depths", "For each of tool.paths inside agent.home, how many directories deep it is: 0 for the home itself, 1 for ~/Documents or ~/.bashrc", |c, _| {
        let depths = distinct(c.home_paths().iter().map(|rel| {
            let depth = if rel.is_empty() { 0 } else { rel.split('/').count() };
            depth.to_string()
        }));
        owned_list(Some(depths))
    }),
];

/// Extracts field number `index` of [`FIELDS`] from `call`.
///
/// Strings are cut at their first NUL byte, as Falco sees plugin strings (C strings), so both
/// hosts compare the same text.
pub fn extract<'a>(call: &'a ToolCall, index: usize, arg: Option<&str>) -> Extracted<'a> {
    match FIELDS.get(index) {
        Some(spec) => match (spec.extract)(call, arg) {
            Extracted::Str(v) => Extracted::Str(cut_at_nul(v)),
            Extracted::List(items) => Extracted::List(items.into_iter().map(cut_at_nul).collect()),
            other => other,
        },
        None => Extracted::None,
    }
}

fn cut_at_nul(v: Cow<'_, str>) -> Cow<'_, str> {
    match memchr::memchr(0, v.as_bytes()) {
        None => v,
        Some(at) => match v {
            Cow::Borrowed(b) => Cow::Borrowed(&b[..at]),
            Cow::Owned(mut o) => {
                o.truncate(at);
                Cow::Owned(o)
            }
        },
    }
}

/// The index of a field by name.
pub fn find(name: &str) -> Option<usize> {
    FIELDS.iter().position(|f| f.name == name)
}

/// The schema the embedded engine compiles `source: coding_agent` rules against; the same
/// fields, in the same order, as the plugin exports to Falco.
pub fn schema() -> SourceSchema {
    SourceSchema {
        source: Cow::Borrowed(SOURCE),
        plugin_name: Cow::Borrowed(PLUGIN_NAME),
        fields: FIELDS
            .iter()
            .map(|f| FieldDef {
                name: Cow::Borrowed(f.name),
                ty: f.ty,
                is_list: f.is_list,
                arg: f.arg,
                description: Cow::Borrowed(f.description),
                suggested_output: f.suggested,
            })
            .collect(),
    }
}

impl FieldProvider for ToolCall {
    fn extract(&self, id: FieldId, arg: Option<&str>) -> Vec<Value<'_>> {
        match extract(self, id.0 as usize, arg) {
            Extracted::None => Vec::new(),
            Extracted::Str(v) => vec![Value::Str(v)],
            Extracted::U64(v) => vec![Value::U64(v)],
            Extracted::Bool(v) => vec![Value::Bool(v)],
            Extracted::List(items) => items.into_iter().map(Value::Str).collect(),
        }
    }
}
