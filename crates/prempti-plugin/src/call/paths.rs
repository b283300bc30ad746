//! Path logic of a [`ToolCall`]: canonical paths, paths relative to the agent's home and to
//! the installation directory, paths outside the working directory, and the lazily computed
//! shell analysis those lists come from.

use super::ToolCall;

impl ToolCall {
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
            let text = prempti_shell::commands_in_prose(&content[..end]);
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
            crate::globs::confirm_downloads_run(&mut analysis);
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

#[cfg(test)]
mod tests {
    use prempti_protocol::Agent;

    use crate::agents::parse_call;
    use crate::call::{CallContext, Os, ToolCall};

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
