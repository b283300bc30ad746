//! The result types: [`Limits`] in, [`Analysis`] (a list of [`Program`]s and the rest) out.

use std::time::Duration;

/// Bounds applied to hostile input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest command analyzed, in bytes; longer input is cut and `limit_hit` is set.
    pub max_bytes: usize,
    /// Deepest nesting of subshells, substitutions and `bash -c` strings followed.
    pub max_depth: usize,
    /// Most program invocations recorded.
    pub max_programs: usize,
    /// Longest wall-clock time spent waiting for the parser, over all the pieces of code of
    /// one analysis once more than a few KiB of them have been parsed (smaller input is parsed
    /// directly: its worst case stays in the tens of milliseconds). Past it the rest is
    /// analyzed by the fallback word split and `limit_hit` is set.
    pub max_parse_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024,
            max_depth: 8,
            max_programs: 512,
            max_parse_time: Duration::from_millis(200),
        }
    }
}

/// One program run by the command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    /// Base name of the program (`curl` for `/usr/bin/curl`, `git` for `\git` or `g'i't`).
    pub name: String,
    /// The program as written, after quote removal (`/usr/bin/curl`).
    pub path: String,
    /// Arguments after the program word, after quote removal.
    pub args: Vec<String>,
}

/// What a command does, as far as a static parse can tell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    /// Every program run, wrappers (`sudo`, `env`, `xargs`, ...) and the programs they run
    /// included, in source order (a substitution's programs come before the command using it).
    pub programs: Vec<Program>,
    /// Files written: redirection targets and the files programs write (`cp` destinations,
    /// `tee`, `sed -i`, `dd of=`, archives created, ...), absolute and lexically normalized.
    pub write_paths: Vec<String>,
    /// Files read: redirection sources and the files programs read (`cat`, `grep`, `cp`
    /// sources, archives' inputs, `dd if=`, ...).
    pub read_paths: Vec<String>,
    /// Files and directories deleted (`rm`, `unlink`, `shred -u`, `mv` sources, `find
    /// -delete` roots, `rsync --delete` destinations, `git clean`, ...).
    pub delete_paths: Vec<String>,
    /// The subset of `delete_paths` deleted with everything below them (`rm -r`, `find
    /// -delete`, `rsync --delete`, `shutil.rmtree`, `Remove-Item -Recurse`).
    pub recursive_delete_paths: Vec<String>,
    /// Directories read with everything below them (`grep -r`, `rg`, `find` roots, `cp -r`,
    /// `tar c`, `zip -r` sources).
    pub recursive_read_paths: Vec<String>,
    /// Files whose mode, owner or attributes change (`chmod`, `chown`, `chattr`, `setfacl`).
    pub chmod_paths: Vec<String>,
    /// Scripts and programs run from a path (`./x`, `bash x.sh`, `python x.py`, `source x`).
    pub exec_paths: Vec<String>,
    /// Local files sent over the network (`curl -d @f`, `-F x=@f`, `-T f`, `wget
    /// --post-file`, `scp f host:`, `rsync f host:`, `nc host < f`, `gh gist create f`).
    pub upload_paths: Vec<String>,
    /// Directories served over the network (`python -m http.server -d DIR`, `php -S -t DIR`,
    /// `http-server DIR`, `busybox httpd -h DIR`): anyone who connects can read them.
    pub serve_paths: Vec<String>,
    /// Text the command writes into files when it is known statically (`echo x >> f`,
    /// `printf`, `cat > f <<EOF`, `| tee -a f`), at most 16 KiB.
    pub written_text: String,
    /// Paths with unquoted glob characters, resolved like the others but kept as patterns
    /// (`/etc/g?hadow`, `/home/u/.ssh/*`); each is also in the list of its effect.
    pub path_globs: Vec<String>,
    /// Program words that cannot be known statically (`$CMD`, `$(get-tool)`, `"${X}"`).
    pub dynamic_programs: Vec<String>,
    /// Targets of a write, delete, chmod or exec effect that cannot be known statically
    /// (`rm -rf "$DIR"`, `rm -rf $(cat list)`), as written.
    pub dynamic_paths: Vec<String>,
    /// What inline interpreter code does beyond files: `exec_remote` (runs fetched code),
    /// `exec_decoded` (runs decoded data), `reverse_shell`, `socket`, `env_dump`, `decode`;
    /// from shell programs, `print_env` (a whole-environment listing such as `env` or `set`),
    /// `reverse_shell` (`nc -e`, `socat EXEC:`, a shell redirected to `/dev/tcp`),
    /// `upload_stdin` (piped input sent by `curl -T -`, `nc host port`), `exec_downloaded`,
    /// `exec_near_download` (a script run from the directory a download went to: whether it
    /// came with the download is for the caller to tell from the files).
    pub behaviors: Vec<String>,
    /// Lowercase words naming environment values the command prints: the names of variables
    /// it echoes or `printenv`s and what a whole-environment listing is filtered for, each
    /// whole and split into its alphanumeric parts (`$OPENAI_API_KEY` → `openai_api_key`,
    /// `openai`, `api`, `key`; `env | grep -i token` → `token`).
    pub env_words: Vec<String>,
    /// Where package managers install or run packages from when it is not their default
    /// registry: `url`, `git`, `index`, `archive`, `tap`, `head` (see `installs`).
    pub install_sources: Vec<String>,
    /// Interpreters (`sh`, `bash`, `python`, ...) that receive piped input.
    pub piped_interpreters: Vec<String>,
    /// URLs appearing in arguments.
    pub urls: Vec<String>,
    /// Host names of those URLs (and of `user@host` style arguments to ssh-like tools).
    pub hosts: Vec<String>,
    /// Environment assignments (`NAME=value`), from prefixes and `env`.
    pub env: Vec<String>,
    /// The parser rejected the command (analysis is then best effort).
    pub parse_error: bool,
    /// A size, depth, count, parser-work or parse-time limit cut the analysis short.
    pub limit_hit: bool,
}

impl Analysis {
    /// Base names of the programs run, in order (what `cmd.programs` holds).
    pub fn program_names(&self) -> impl Iterator<Item = &str> {
        self.programs.iter().map(|p| p.name.as_str())
    }

    /// Whether something is piped into an interpreter (`cmd.pipe_to_interpreter`).
    pub fn pipe_to_interpreter(&self) -> bool {
        !self.piped_interpreters.is_empty()
    }
}

/// Appends `value` to `list` unless it is already there (lists other than `programs` are sets
/// kept in first-seen order).
pub(crate) fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}
