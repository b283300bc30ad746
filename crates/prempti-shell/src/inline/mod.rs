//! Inline code of interpreters: what `python -c`, `perl -e`, `ruby -e`, `node -e`, `php -r`
//! and `osascript -e` code touches (files read, written, deleted, URLs, shell commands run)
//! and how it behaves (executes fetched or decoded code, opens a reverse shell, dumps the
//! environment).
//!
//! # Why hand-written tokenizers
//!
//! No crate tokenizes Python, Perl, Ruby, JavaScript, PHP and AppleScript both cheaply and with
//! a bound on work for hostile input: full parsers are large, recurse with the input's nesting
//! and reject the fragments agents write. Each language family here has a small lexer (strings
//! with their prefixes and quote-like operators, comments, dotted identifiers, punctuation)
//! that runs in one linear pass and never fails; [`engine`] then reads calls off the token
//! stream with per-language `const` tables mapping function names to effects.
//!
//! # Bounds
//!
//! Input is cut at [`MAX_INPUT`] bytes, each output list holds at most [`MAX_LIST`] entries,
//! expression evaluation recurses at most a few levels and every look-around is capped, so
//! analysis is linear in the input and never panics.

mod applescript;
mod engine;
mod js;
mod perl_ruby;
mod php;
mod python;
#[cfg(test)]
mod tests;

/// Longest code analyzed, in bytes; the rest is ignored.
pub(crate) const MAX_INPUT: usize = 64 * 1024;
/// Most entries kept in each list of [`Findings`].
pub(crate) const MAX_LIST: usize = 256;

/// Language of inline code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// `python -c`, `python3.12 -c`, `pypy3 -c`.
    Python,
    /// `perl -e`, `perl -ne`, `perl -E`.
    Perl,
    /// `ruby -e`.
    Ruby,
    /// `node -e/-p`, `deno eval`, `bun -e`.
    JavaScript,
    /// `php -r`.
    Php,
    /// `osascript -e`.
    AppleScript,
}

/// The language of interpreter `program` (a base name or a path), if its inline code is
/// understood here.
pub(crate) fn lang_of(program: &str) -> Option<Lang> {
    let name = program.rsplit('/').next().unwrap_or(program);
    let versioned = |stem: &str| {
        name.strip_prefix(stem)
            .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    if versioned("python") || versioned("pypy") {
        return Some(Lang::Python);
    }
    match name {
        "perl" => Some(Lang::Perl),
        "ruby" => Some(Lang::Ruby),
        "node" | "nodejs" | "deno" | "bun" => Some(Lang::JavaScript),
        "php" => Some(Lang::Php),
        "osascript" => Some(Lang::AppleScript),
        _ => None,
    }
}

/// Indices into `args` of the inline code of this invocation: `python -c CODE`, `perl -e CODE`
/// (also clustered: `-ne`, `-lne`), `ruby -e`, `node -e/-p/--eval/--print`, `deno eval CODE`,
/// `bun -e/--eval`, `php -r`, `osascript -e` (each `-e` of perl, ruby and osascript). Empty when
/// the code comes from a file or standard input (`python -`).
pub(crate) fn inline_code_args(lang: Lang, args: &[String]) -> Vec<usize> {
    // Per language: options whose next argument is code, options whose next argument is some
    // other value, and letters that may precede the code letter in a cluster (`-lne`).
    let (code_opts, value_opts, cluster): (&[&str], &[&str], &str) = match lang {
        Lang::Python => (&["-c"], &["-W", "-X", "-m"], "bBdEhiIOPqRsSuvx"),
        Lang::Perl => (
            &["-e", "-E"],
            &["-I", "-M", "-m"],
            "acnpstTuUwWXl0123456789",
        ),
        Lang::Ruby => (&["-e"], &["-r", "-I", "-C", "-E", "-x"], "acdlnpsvwWy"),
        Lang::JavaScript => (
            &["-e", "-p", "--eval", "--print", "-pe"],
            &[
                "-r",
                "--require",
                "--import",
                "--loader",
                "--input-type",
                "-C",
                "--conditions",
            ],
            "",
        ),
        Lang::Php => (&["-r"], &["-d", "-c", "-z"], ""),
        Lang::AppleScript => (&["-e"], &["-l", "-s"], ""),
    };
    let mut out = Vec::new();
    let mut i = 0;
    // `deno eval [options] CODE`.
    let deno = lang == Lang::JavaScript && args.first().is_some_and(|a| a == "eval");
    if deno {
        i = 1;
        while i < args.len() {
            let a = args[i].as_str();
            if matches!(
                a,
                "--ext" | "--import-map" | "--config" | "-c" | "--location" | "--seed" | "--cert"
            ) {
                i += 2;
            } else if a.starts_with('-') && a.len() > 1 {
                i += 1;
            } else {
                out.push(i);
                break;
            }
        }
        return out;
    }
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" || a == "-" || !a.starts_with('-') {
            break;
        }
        let clustered = a.len() > 2
            && !a.starts_with("--")
            && a[1..a.len() - 1].chars().all(|c| cluster.contains(c))
            && code_opts
                .iter()
                .any(|o| o.len() == 2 && a.ends_with(&o[1..]));
        if code_opts.contains(&a) || clustered {
            if i + 1 < args.len() {
                out.push(i + 1);
            }
            i += 2;
            // Python runs the `-c` code and passes the rest as arguments; PHP likewise.
            if matches!(lang, Lang::Python | Lang::Php) {
                break;
            }
            continue;
        }
        if lang == Lang::Python && (a == "-m") {
            break;
        }
        i += if value_opts.contains(&a) { 2 } else { 1 };
    }
    out
}

/// What inline code touches. Paths are as written (`~/x`, relative or absolute); lists keep
/// first-seen order, are de-duplicated and hold at most [`MAX_LIST`] entries each.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Findings {
    /// Files read: `open(p)`, `read_text`, `File.read`, `fs.readFileSync`, `file_get_contents`.
    pub(crate) reads: Vec<String>,
    /// Files written: `open(p, 'w')`, `write_text`, `fs.writeFileSync`, copy and move targets.
    pub(crate) writes: Vec<String>,
    /// Files deleted: `os.remove`, `fs.unlinkSync`, `File.delete`, `unlink`, move sources.
    pub(crate) deletes: Vec<String>,
    /// Trees deleted: `shutil.rmtree`, `fs.rmSync(p, {recursive: true})`, `FileUtils.rm_rf`.
    pub(crate) recursive_deletes: Vec<String>,
    /// Files whose mode or owner changes: `os.chmod`, `fs.chmodSync`, `chmod`, `chown`.
    pub(crate) chmods: Vec<String>,
    /// URLs in string literals, and `tcp://host:port` for socket connections.
    pub(crate) urls: Vec<String>,
    /// Literal shell commands run: `os.system('..')`, `subprocess.run([..])` (joined),
    /// `execSync`, `system`, backticks, `do shell script`.
    pub(crate) shell_commands: Vec<String>,
    /// Behaviors seen, each once.
    pub(crate) behaviors: Vec<Behavior>,
    /// Some path or command above is built from values not known statically, so the lists are
    /// incomplete.
    pub(crate) dynamic: bool,
}

/// A behavior of inline code worth a rule of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behavior {
    /// Executes fetched content: `exec(urlopen(..).read())`, `eval(await (await fetch(..)).text())`.
    ExecRemote,
    /// Executes decoded content: `exec(base64.b64decode(..))`, `eval(atob(..))`.
    ExecDecoded,
    /// Connects a socket and spawns a shell or duplicates descriptors onto it.
    ReverseShell,
    /// Opens a network socket or connection (raw sockets and HTTP clients alike).
    Socket,
    /// Reads the environment wholesale: `dict(os.environ)`, `JSON.stringify(process.env)`.
    EnvDump,
    /// Decodes base64, hex, rot13 or compressed data.
    Decode,
}

/// Analyzes inline `code` of `lang`.
pub(crate) fn analyze(lang: Lang, code: &str) -> Findings {
    let code = cut(code, MAX_INPUT);
    let (toks, spec) = match lang {
        Lang::Python => (python::tokenize(code), &python::SPEC),
        Lang::Perl => (perl_ruby::tokenize_perl(code), &perl_ruby::PERL),
        Lang::Ruby => (perl_ruby::tokenize_ruby(code), &perl_ruby::RUBY),
        Lang::JavaScript => (js::tokenize(code), &js::SPEC),
        Lang::Php => (php::tokenize(code), &php::SPEC),
        Lang::AppleScript => (applescript::tokenize(code), &applescript::SPEC),
    };
    engine::run(toks, spec)
}

/// `s` cut to at most `max` bytes, at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// One token of inline code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// An identifier, possibly dotted or with `::` (`os.path.join`, `File::Path`, `$x`, `%ENV`);
    /// a leading `.` marks a method called on the previous expression (`.read_text`).
    Ident(String),
    /// A string literal's value.
    Str(String, StrKind),
    /// A number literal as written.
    Num(String),
    /// Punctuation or an operator; statement ends are `;`.
    Op(String),
}

/// What kind of string literal a [`Tok::Str`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StrKind {
    /// Fully static.
    Plain,
    /// Interpolates values (`f"{x}"`, `"$x"`, `` `${x}` ``, `"#{x}"`): not static.
    Interp,
    /// A JavaScript template literal without substitutions (may be tagged: ``Bun.$`ls` ``).
    Template,
    /// Run as a shell command (backticks in Perl, Ruby, PHP; `qx`, `%x`).
    Shell,
    /// A shell command that interpolates values.
    ShellInterp,
    /// A word list (`qw(a b)`, `%w(a b)`), words separated by single spaces.
    Words,
}

/// How string escapes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Esc {
    /// Backslash escapes (`\n`, `\t`, `\\`, quotes).
    Full,
    /// Only `\\` and the quote itself are escapes (single quotes in Perl, Ruby, PHP).
    QuoteOnly,
    /// Raw: a backslash keeps the next character (and stops it from closing the string).
    Raw,
}

/// Which interpolation marks make a string dynamic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Interp {
    /// None.
    No,
    /// `{x}` (Python f-strings; `{{` is a literal brace).
    Brace,
    /// `#{x}` (Ruby).
    HashBrace,
    /// `$x`, `@x`, `${x}` (Perl, PHP).
    Sigil,
    /// `${x}` (JavaScript templates).
    DollarBrace,
}

/// Byte cursor shared by the lexers.
pub(super) struct Cursor<'a> {
    /// The code.
    pub(super) s: &'a [u8],
    /// Current position.
    pub(super) i: usize,
    /// Tokens so far.
    pub(super) toks: Vec<Tok>,
    /// Open `(` and `[` minus closed ones, never below zero.
    pub(super) depth: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `code`.
    pub(super) fn new(code: &'a str) -> Self {
        Cursor {
            s: code.as_bytes(),
            i: 0,
            toks: Vec::new(),
            depth: 0,
        }
    }

    /// The byte `k` positions ahead, or 0 past the end.
    pub(super) fn at(&self, k: usize) -> u8 {
        self.s.get(self.i + k).copied().unwrap_or(0)
    }

    /// Whether the code continues with `p` here.
    pub(super) fn starts(&self, p: &str) -> bool {
        self.s[self.i.min(self.s.len())..].starts_with(p.as_bytes())
    }

    /// Skips to the end of the line (not consuming the newline).
    pub(super) fn skip_line(&mut self) {
        while self.i < self.s.len() && self.s[self.i] != b'\n' {
            self.i += 1;
        }
    }

    /// Skips past `end` (or to the end of the code).
    pub(super) fn skip_past(&mut self, end: &str) {
        while self.i < self.s.len() && !self.starts(end) {
            self.i += 1;
        }
        self.i = (self.i + end.len()).min(self.s.len());
    }

    /// The previous token.
    pub(super) fn prev(&self) -> Option<&Tok> {
        self.toks.last()
    }

    /// Whether a `/` here starts a regular expression rather than a division: nothing before,
    /// or an operator other than a closing bracket, or one of `words`.
    pub(super) fn regex_allowed(&self, words: &[&str]) -> bool {
        match self.prev() {
            None => true,
            Some(Tok::Op(o)) => !matches!(o.as_str(), ")" | "]" | "}"),
            Some(Tok::Ident(w)) => words.contains(&w.as_str()),
            _ => false,
        }
    }

    /// Reads a literal whose opening delimiter was consumed, up to `close` (nesting `open` when
    /// the delimiters are a bracket pair). Returns its value and whether it interpolates.
    pub(super) fn quoted(
        &mut self,
        open: u8,
        close: u8,
        esc: Esc,
        interp: Interp,
    ) -> (String, bool) {
        let mut out: Vec<u8> = Vec::new();
        let mut dynamic = false;
        let mut nest = 0usize;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c == b'\\' && self.i + 1 < self.s.len() {
                let n = self.s[self.i + 1];
                self.i += 2;
                match esc {
                    Esc::Full => {
                        let v = match n {
                            b'n' => b'\n',
                            b't' => b'\t',
                            b'r' => b'\r',
                            b'0' => 0,
                            b'\\' | b'\'' | b'"' | b'`' | b'$' | b'/' => n,
                            _ if n == close => n,
                            _ => {
                                out.push(b'\\');
                                n
                            }
                        };
                        out.push(v);
                    }
                    Esc::QuoteOnly if n == b'\\' || n == close || n == open => out.push(n),
                    _ => {
                        out.push(b'\\');
                        out.push(n);
                    }
                }
                continue;
            }
            if open != close && c == open {
                nest += 1;
            } else if c == close {
                if nest == 0 {
                    self.i += 1;
                    break;
                }
                nest -= 1;
            }
            let n = self.s.get(self.i + 1).copied().unwrap_or(0);
            dynamic |= match interp {
                Interp::No => false,
                Interp::Brace => c == b'{' && n != b'{' && !out.ends_with(b"{"),
                Interp::HashBrace => c == b'#' && n == b'{',
                Interp::Sigil => {
                    (c == b'$' && (n.is_ascii_alphabetic() || n == b'_' || n == b'{'))
                        || (c == b'{' && n == b'$')
                        || (c == b'@' && (n.is_ascii_alphabetic() || n == b'_' || n == b'{'))
                }
                Interp::DollarBrace => c == b'$' && n == b'{',
            };
            out.push(c);
            self.i += 1;
        }
        (String::from_utf8_lossy(&out).into_owned(), dynamic)
    }

    /// Reads an identifier starting here: letters, digits, `_`, the extra bytes in `extra`,
    /// continuing over `.` (when `dots`) and `::` when a letter follows.
    pub(super) fn ident(&mut self, extra: &[u8], dots: bool) -> String {
        let start = self.i;
        let word =
            |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 || extra.contains(&b);
        loop {
            while self.i < self.s.len() && word(self.s[self.i]) {
                self.i += 1;
            }
            let next_starts = |k: usize| {
                self.s
                    .get(self.i + k)
                    .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
            };
            let step = if dots && self.at(0) == b'.' && next_starts(1) {
                1
            } else if (dots && self.at(0) == b'?' && self.at(1) == b'.' && next_starts(2))
                || (self.at(0) == b':' && self.at(1) == b':' && next_starts(2))
            {
                2
            } else {
                break;
            };
            self.i += step;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).replace("?.", ".")
    }

    /// Reads a number literal (digits, letters, `_`, `.` followed by a digit).
    pub(super) fn number(&mut self) -> String {
        let start = self.i;
        while self.i < self.s.len() {
            let b = self.s[self.i];
            if b.is_ascii_alphanumeric() || b == b'_' || (b == b'.' && self.at(1).is_ascii_digit())
            {
                self.i += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }

    /// Reads an operator: the longest of `ops` here, else one byte. Tracks bracket depth.
    pub(super) fn op(&mut self, ops: &[&str]) {
        let text = ops
            .iter()
            .find(|o| self.starts(o))
            .map(|o| (*o).to_owned())
            .unwrap_or_else(|| {
                let len = utf8_len(self.s[self.i]).min(self.s.len() - self.i);
                String::from_utf8_lossy(&self.s[self.i..self.i + len]).into_owned()
            });
        let len = if ops.contains(&text.as_str()) {
            text.len()
        } else {
            utf8_len(self.s[self.i]).min(self.s.len() - self.i)
        };
        self.i += len;
        match text.as_str() {
            "(" | "[" => self.depth += 1,
            ")" | "]" => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.toks.push(Tok::Op(text));
    }

    /// Pushes a statement end `;` for a newline outside brackets (Python, Ruby, AppleScript).
    pub(super) fn newline(&mut self) {
        self.i += 1;
        // After a value or a closing bracket (not after `,`, `+` or an opening bracket, where
        // the expression continues).
        let ends = match self.prev() {
            None => false,
            Some(Tok::Op(o)) => matches!(o.as_str(), ")" | "]" | "}"),
            Some(_) => true,
        };
        if self.depth == 0 && ends {
            self.toks.push(Tok::Op(";".into()));
        }
    }

    /// Pushes a string token.
    pub(super) fn push_str(&mut self, value: String, dynamic: bool, kind: StrKind) {
        let kind = match (dynamic, kind) {
            (true, StrKind::Shell) => StrKind::ShellInterp,
            (true, _) => StrKind::Interp,
            (false, k) => k,
        };
        self.toks.push(Tok::Str(value, kind));
    }
}

/// Length of the UTF-8 sequence starting with byte `b` (1 for stray bytes).
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}
