//! PowerShell command analysis: what a `pwsh -c` command line (the shell tool of agents on
//! Windows) runs, which files it reads, writes, deletes or executes, which URLs it contacts and
//! whether it runs downloaded or decoded code.
//!
//! # Flow
//!
//! `lexer` (tokens, groups as nested token lists) → statements and pipeline elements (this
//! module) → `bind` (arguments to the parameters of the cmdlets in `tables`) → `effects`
//! (files, URLs, .NET calls, native programs such as `cmd /c` and `powershell -enc`).
//! Groups, script blocks, subexpressions in strings, `-EncodedCommand` payloads, decoded
//! base64 literals and literal `Invoke-Expression` strings are analyzed recursively.
//!
//! # Bounds
//!
//! Input longer than 64 KiB is cut, nesting deeper than 8 (groups and inner scripts together)
//! is not followed, inner scripts share a budget of four times the input cap, and output lists
//! hold at most 256 entries; each of these sets [`PowerShellAnalysis::limit_hit`]. The lexer is
//! linear per nesting level and nothing recurses on unbounded depth.

mod bind;
mod effects;
mod lexer;
mod tables;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use bind::{pieces, Piece};
use lexer::{Flags, Kind, Op, Tok, MAX_DEPTH};

/// Largest command analyzed, in bytes.
const MAX_BYTES: usize = 64 * 1024;
/// Most entries of each output list.
const MAX_ITEMS: usize = 256;

/// What a PowerShell command line does, as far as a static reading can tell.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PowerShellAnalysis {
    /// Every command invoked, in order (a group's commands before the command using them):
    /// the canonical cmdlet name in lower case (`remove-item` for `rm`, `del`, `ri`,
    /// `rEmOvE-iTeM`; `invoke-webrequest` for `iwr`, `curl`, `wget`), or for native programs
    /// the base name in lower case without `.exe` (`curl` for `curl.exe`, `git`), with its
    /// arguments after quote removal.
    pub commands: Vec<PsCommand>,
    /// Paths as written after quote removal (`~\.ssh\id_rsa`, `$env:USERPROFILE\.aws\x`,
    /// `C:\Users\dev\x`, `..\x`; a variable assigned a single literal is resolved), each with
    /// what is done to it. De-duplicated.
    pub effects: Vec<PsEffect>,
    /// URLs contacted or mentioned; sockets as pseudo-URLs `tcp://host:port`. De-duplicated.
    pub urls: Vec<String>,
    /// Code from a download is executed (`iex (iwr ...)`, `irm ... | iex`,
    /// `IEX (New-Object Net.WebClient).DownloadString(...)`).
    pub exec_remote: bool,
    /// Code from decoded data is executed (`powershell -enc ...`,
    /// `iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('...')))`); the decoded
    /// script is analyzed too and its findings merged here.
    pub exec_decoded: bool,
    /// Command names or code that are not static, as written: `$cmd` for `& $cmd`,
    /// `("Rem"+"ove-Item")`, `$x` for `iex $x`. When they resolve to a literal (a literal
    /// concatenation, a variable assigned once a literal string) the resolved command is
    /// analyzed as well. `<pipeline>` stands for `iex` fed by an unknown pipeline.
    pub dynamic_programs: Vec<String>,
    /// Some of the input does not lex (unterminated string or group, stray closer).
    pub parse_error: bool,
    /// A size, depth, budget or list limit cut the analysis.
    pub limit_hit: bool,
}

/// One command invocation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PsCommand {
    /// Canonical lower-case cmdlet name, or the base name of a native program without `.exe`.
    pub name: String,
    /// Arguments after quote removal (parameters as written, comma arrays one entry per
    /// element, groups as written).
    pub args: Vec<String>,
}

/// What is done to a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsEffect {
    /// The kind of access.
    pub access: PsAccess,
    /// The path as written after quote removal.
    pub path: String,
}

/// Kinds of file access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PsAccess {
    /// Content read (`Get-Content`, a copy's source, an upload).
    Read,
    /// Created, written or truncated (redirections, `Set-Content`, a copy's destination).
    Write,
    /// Removed (`Remove-Item` without `-Recurse`, a move's source).
    Delete,
    /// Removed with everything under it (`Remove-Item -Recurse`, `rd /s`).
    RecursiveDelete,
    /// Permissions, ownership or attributes changed (`Set-Acl`, `icacls`, `attrib`).
    Chmod,
    /// Executed (`& .\x.ps1`, `. .\x.ps1`, `Start-Process -FilePath`).
    Exec,
}

/// Analyzes a PowerShell command line.
pub(crate) fn analyze(command: &str) -> PowerShellAnalysis {
    let mut analyzer = Analyzer {
        out: PowerShellAnalysis::default(),
        vars: HashMap::new(),
        budget: 4 * MAX_BYTES,
    };
    let mut text = command;
    if text.len() > MAX_BYTES {
        let mut cut = MAX_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text = &text[..cut];
        analyzer.out.limit_hit = true;
    }
    analyzer.script(text, 0);
    analyzer.out
}

/// What evaluating a statement, element or value found, for the code around it.
#[derive(Debug, Default, Clone)]
pub(super) struct Info {
    /// Its value is downloaded content.
    download: bool,
    /// Its value is this decoded text.
    decoded: Option<String>,
    /// Its value is this string.
    literal: Option<String>,
    /// Items it lists (piped on to `Remove-Item` and friends).
    listed: Vec<String>,
}

impl Info {
    /// Takes in what a nested group found.
    fn absorb(&mut self, other: Info) {
        self.download |= other.download;
        if self.decoded.is_none() {
            self.decoded = other.decoded;
        }
    }
}

/// What a variable holds, when assigned once.
#[derive(Debug, Clone)]
enum Var {
    Literal(String),
    Download,
    Decoded(String),
    Unknown,
}

/// Statement keywords: not commands.
const KEYWORDS: &[&str] = &[
    "if",
    "elseif",
    "else",
    "switch",
    "while",
    "for",
    "foreach",
    "do",
    "until",
    "try",
    "catch",
    "finally",
    "trap",
    "function",
    "filter",
    "workflow",
    "param",
    "begin",
    "process",
    "end",
    "dynamicparam",
    "class",
    "enum",
    "data",
    "using",
    "return",
    "throw",
    "exit",
    "break",
    "continue",
];

/// The analysis state.
pub(super) struct Analyzer {
    out: PowerShellAnalysis,
    vars: HashMap<String, Var>,
    /// Characters of inner scripts (decoded, `-Command` strings, `iex` literals) still allowed.
    budget: usize,
}

impl Analyzer {
    /// Analyzes a whole script at nesting `depth`.
    fn script(&mut self, text: &str, depth: usize) -> Info {
        if depth > MAX_DEPTH || text.len() > self.budget {
            self.out.limit_hit = true;
            return Info::default();
        }
        self.budget -= text.len();
        let chars: Vec<char> = text.chars().collect();
        let mut flags = Flags::default();
        let toks = lexer::lex(&chars, depth, &mut flags);
        self.out.parse_error |= flags.parse_error;
        self.out.limit_hit |= flags.limit_hit;
        self.statements(&toks, depth)
    }

    /// Analyzes statements (`;`, newline, `&&`, `||`, background `&`) of pipelines (`|`).
    fn statements(&mut self, toks: &[Tok], depth: usize) -> Info {
        let mut info = Info::default();
        let mut elements = 0usize;
        let mut last_literal = None;
        let mut last_listed = Vec::new();
        for statement in split_statements(toks) {
            let mut upstream = Info::default();
            for (k, element) in split_pipeline(statement).enumerate() {
                if element.is_empty() {
                    continue;
                }
                let found = self.element(element, &upstream, k == 0, depth);
                elements += 1;
                last_literal = found.literal.clone();
                last_listed = found.listed.clone();
                info.absorb(found.clone());
                upstream.download |= found.download;
                upstream.decoded = found.decoded.or(upstream.decoded);
                upstream.literal = found.literal;
                upstream.listed = found.listed;
            }
        }
        if elements == 1 {
            info.literal = last_literal;
        }
        info.listed = last_listed;
        info
    }

    /// Analyzes one pipeline element: an assignment, a keyword statement, a command or an
    /// expression.
    fn element(&mut self, toks: &[Tok], upstream: &Info, first: bool, depth: usize) -> Info {
        let Some(head) = toks.first() else {
            return Info::default();
        };
        // `$x = ...`, `[string]$x = ...`
        let var_at = usize::from(matches!(head.kind, Kind::Type(_)));
        if let (
            Some(Tok {
                kind:
                    Kind::Word {
                        text,
                        quoted: false,
                        ..
                    },
                ..
            }),
            Some(Tok {
                kind: Kind::Op(op @ (Op::Assign | Op::Compound)),
                ..
            }),
        ) = (toks.get(var_at), toks.get(var_at + 1))
        {
            if text.starts_with('$') {
                let key = var_key(text);
                let found = self.element(&toks[var_at + 2..], upstream, true, depth);
                let value = if *op == Op::Compound || self.vars.contains_key(&key) {
                    Var::Unknown
                } else if let Some(lit) = &found.literal {
                    Var::Literal(lit.clone())
                } else if let Some(text) = &found.decoded {
                    Var::Decoded(text.clone())
                } else if found.download {
                    Var::Download
                } else {
                    Var::Unknown
                };
                self.vars.insert(key, value);
                return found;
            }
        }
        match &head.kind {
            Kind::Op(Op::Amp | Op::Dot) => self.command(toks, upstream, depth),
            Kind::Word {
                text,
                quoted: false,
                ..
            } => {
                let lower = text.to_lowercase();
                let is_keyword =
                    KEYWORDS.contains(&lower.as_str()) && (lower != "foreach" || first);
                if is_keyword {
                    if matches!(lower.as_str(), "return" | "throw" | "exit") {
                        return self.element(&toks[1..], upstream, true, depth);
                    }
                    return self.expression(&toks[1..], depth);
                }
                let starts = text.chars().next();
                if text.starts_with('$')
                    || starts.is_some_and(|c| c.is_ascii_digit())
                    || (text.starts_with('-') && toks.len() > 1)
                {
                    self.expression(toks, depth)
                } else {
                    self.command(toks, upstream, depth)
                }
            }
            _ => self.expression(toks, depth),
        }
    }

    /// Analyzes tokens in expression mode: groups, .NET calls, member calls, redirections.
    fn expression(&mut self, toks: &[Tok], depth: usize) -> Info {
        let mut info = Info {
            literal: self.literal(toks),
            ..Info::default()
        };
        let mut i = 0;
        while i < toks.len() {
            match &toks[i].kind {
                Kind::Word { text, quoted, subs } => {
                    for g in subs {
                        let found = self.statements(&g.toks, depth + 1);
                        info.absorb(found);
                    }
                    self.urls_in(text);
                    if !quoted && text.starts_with('$') {
                        match self.vars.get(&var_key(text)) {
                            Some(Var::Download) => info.download = true,
                            Some(Var::Decoded(t)) => info.decoded = Some(t.clone()),
                            _ => {}
                        }
                    }
                }
                Kind::Group(g) => {
                    let found = self.statements(&g.toks, depth + 1);
                    info.absorb(found);
                }
                Kind::Member(m) => {
                    if let Some(Tok {
                        kind: Kind::Group(args),
                        glued: true,
                    }) = toks.get(i + 1)
                    {
                        let args = self.literal_list(&args.toks);
                        match toks.get(i.wrapping_sub(1)).map(|t| &t.kind) {
                            Some(Kind::Type(ty)) if i > 0 => {
                                self.dotnet(ty, m, &args, &mut info, depth)
                            }
                            _ => self.method(m, &args, &mut info),
                        }
                    }
                }
                Kind::Op(Op::Redirect { merge: false }) => {
                    if let Some(Tok {
                        kind: Kind::Word { text, .. },
                        ..
                    }) = toks.get(i + 1)
                    {
                        let target = text.clone();
                        self.redirect_target(&target);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        info
    }

    /// Analyzes a command element (name first, or after `&` / `.`).
    fn command(&mut self, toks: &[Tok], upstream: &Info, depth: usize) -> Info {
        let call = match toks[0].kind {
            Kind::Op(Op::Amp) => Some(Op::Amp),
            Kind::Op(Op::Dot) => Some(Op::Dot),
            _ => None,
        };
        let at = usize::from(call.is_some());
        if at >= toks.len() {
            return Info::default();
        }
        let end = bind::chain_end(toks, at);
        let name_toks = &toks[at..end];
        let args = &toks[end..];
        let name = match (&name_toks[0].kind, name_toks.len()) {
            (Kind::Word { text, quoted, subs }, 1) => {
                for g in subs {
                    self.statements(&g.toks, depth + 1);
                }
                if !quoted && text.starts_with('$') && !text.contains(['\\', '/']) {
                    self.push_dynamic(text);
                    match self.vars.get(&var_key(text)) {
                        Some(Var::Literal(lit)) => Some(lit.clone()),
                        // The one environment variable naming a shell by default.
                        _ if text.eq_ignore_ascii_case("$env:comspec") => Some("cmd.exe".into()),
                        _ => None,
                    }
                } else {
                    Some(text.clone())
                }
            }
            (Kind::Group(g), 1) => {
                let found = self.statements(&g.toks, depth + 1);
                if g.kind == lexer::GroupKind::Block {
                    None
                } else {
                    self.push_dynamic(&g.raw);
                    found.literal
                }
            }
            _ => {
                self.expression(name_toks, depth);
                None
            }
        };
        match name {
            Some(name) if !name.trim().is_empty() => {
                self.invoke(name.trim(), call, args, upstream, depth)
            }
            _ => {
                let mut list = pieces(args);
                self.fill(&mut list, depth);
                Info::default()
            }
        }
    }

    /// Evaluates the groups and literals of every argument value.
    fn fill(&mut self, list: &mut [Piece<'_>], depth: usize) {
        for piece in list.iter_mut() {
            for val in piece.vals_mut() {
                if !val.toks.is_empty() {
                    val.info = self.expression(val.toks, depth);
                    val.lit = self.val_literal(val.toks);
                }
                self.urls_in(&val.text);
            }
        }
    }

    /// The string value of an argument's tokens: a word, a resolved variable, a literal group.
    fn val_literal(&self, toks: &[Tok]) -> Option<String> {
        match toks {
            [Tok {
                kind: Kind::Word { text, quoted, subs },
                ..
            }] => {
                if !quoted && text.starts_with('$') {
                    match self.vars.get(&var_key(text)) {
                        Some(Var::Literal(lit)) => Some(lit.clone()),
                        _ => None,
                    }
                } else {
                    subs.is_empty().then(|| text.clone())
                }
            }
            [Tok {
                kind: Kind::Group(g),
                ..
            }] if g.kind != lexer::GroupKind::Block => self.literal(&g.toks),
            _ => None,
        }
    }

    /// The string an expression evaluates to when it is built from literals only: `'a'`,
    /// `"a"+'b'`, `$x` assigned a literal, `('a','b') -join ''`, nested parentheses.
    fn literal(&self, toks: &[Tok]) -> Option<String> {
        let toks = trim_seps(toks);
        if toks.is_empty() {
            return None;
        }
        if let Some(j) = toks.iter().position(|t| matches!(&t.kind, Kind::Word { text, quoted: false, .. } if text.eq_ignore_ascii_case("-join"))) {
            let items = self.literal_list(&toks[..j]);
            let sep = if j + 1 < toks.len() { self.literal(&toks[j + 1..])? } else { String::new() };
            let items: Option<Vec<String>> = items.into_iter().collect();
            return Some(items?.join(&sep));
        }
        let mut out = String::new();
        for part in toks.split(|t| matches!(t.kind, Kind::Op(Op::Plus))) {
            match part {
                [Tok {
                    kind:
                        Kind::Word {
                            text,
                            quoted: true,
                            subs,
                        },
                    ..
                }] if subs.is_empty() => out.push_str(text),
                [Tok {
                    kind:
                        Kind::Word {
                            text,
                            quoted: false,
                            ..
                        },
                    ..
                }] => {
                    if matches!(
                        text.to_ascii_lowercase().as_str(),
                        "$true" | "$false" | "$null"
                    ) {
                        out.push_str(&text.to_ascii_lowercase());
                    } else if text.starts_with('$') {
                        match self.vars.get(&var_key(text)) {
                            Some(Var::Literal(lit)) => out.push_str(lit),
                            _ => return None,
                        }
                    } else if text.chars().all(|c| c.is_ascii_digit()) {
                        out.push_str(text);
                    } else {
                        return None;
                    }
                }
                [Tok {
                    kind: Kind::Group(g),
                    ..
                }] if matches!(g.kind, lexer::GroupKind::Paren | lexer::GroupKind::Sub) => {
                    out.push_str(&self.literal(&g.toks)?)
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// The literal values of a comma list (`'host', 4444`), `None` for the computed ones.
    fn literal_list(&self, toks: &[Tok]) -> Vec<Option<String>> {
        let toks = trim_seps(toks);
        if toks.is_empty() {
            return Vec::new();
        }
        if let [Tok {
            kind: Kind::Group(g),
            ..
        }] = toks
        {
            if g.kind != lexer::GroupKind::Block
                && g.toks.iter().any(|t| matches!(t.kind, Kind::Op(Op::Comma)))
            {
                return self.literal_list(&g.toks);
            }
        }
        toks.split(|t| matches!(t.kind, Kind::Op(Op::Comma)))
            .map(|part| self.literal(part))
            .collect()
    }

    /// Records a redirection target (not `$null`).
    fn redirect_target(&mut self, target: &str) {
        if !target.eq_ignore_ascii_case("$null") && !target.is_empty() {
            self.effect(PsAccess::Write, target);
        }
    }

    /// Records an effect (de-duplicated, capped).
    fn effect(&mut self, access: PsAccess, path: &str) {
        let path = path.trim();
        if path.is_empty()
            || path.eq_ignore_ascii_case("$null")
            || self
                .out
                .effects
                .iter()
                .any(|e| e.access == access && e.path == path)
        {
            return;
        }
        if self.out.effects.len() >= MAX_ITEMS {
            self.out.limit_hit = true;
            return;
        }
        self.out.effects.push(PsEffect {
            access,
            path: path.to_owned(),
        });
    }

    /// Records a URL (de-duplicated, capped).
    fn url(&mut self, url: &str) {
        push_capped(&mut self.out.urls, url, &mut self.out.limit_hit);
    }

    /// Records a dynamic command name or code (de-duplicated, capped).
    fn push_dynamic(&mut self, what: &str) {
        push_capped(
            &mut self.out.dynamic_programs,
            what,
            &mut self.out.limit_hit,
        );
    }

    /// Records the URLs written in a word (`https://...` up to whitespace or a quote).
    fn urls_in(&mut self, text: &str) {
        let lower = text.to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = lower[from..].find("://") {
            let at = from + at;
            let start = lower[..at]
                .rfind(|c: char| !c.is_ascii_alphanumeric() && c != '+' && c != '-' && c != '.')
                .map_or(0, |p| p + 1);
            let scheme = &lower[start..at];
            let end = text[at..]
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '\'' | '"' | ')' | '(' | ',' | '<' | '>' | '`')
                })
                .map_or(text.len(), |e| at + e);
            if matches!(
                scheme,
                "http"
                    | "https"
                    | "ftp"
                    | "ftps"
                    | "sftp"
                    | "ws"
                    | "wss"
                    | "tcp"
                    | "udp"
                    | "smb"
                    | "file"
            ) && end > at + 3
            {
                let url = text[start..end].to_owned();
                self.url(&url);
            }
            from = end.max(at + 3);
        }
    }
}

/// Pushes `value` unless present; sets `limit` when the list is full.
fn push_capped(list: &mut Vec<String>, value: &str, limit: &mut bool) {
    if value.is_empty() || list.iter().any(|v| v == value) {
        return;
    }
    if list.len() >= MAX_ITEMS {
        *limit = true;
        return;
    }
    list.push(value.to_owned());
}

/// The key of a variable: `$name` in lower case without braces or `variable:` scope.
fn var_key(text: &str) -> String {
    let lower = text.to_lowercase();
    let name = lower
        .trim_start_matches('$')
        .trim_start_matches('{')
        .trim_end_matches('}');
    let name = name
        .strip_prefix("script:")
        .or_else(|| name.strip_prefix("global:"))
        .or_else(|| name.strip_prefix("local:"))
        .unwrap_or(name);
    format!("${name}")
}

/// Tokens without leading and trailing separators.
fn trim_seps(toks: &[Tok]) -> &[Tok] {
    let sep = |t: &Tok| matches!(t.kind, Kind::Op(Op::Sep));
    let start = toks.iter().position(|t| !sep(t)).unwrap_or(toks.len());
    let end = toks.iter().rposition(|t| !sep(t)).map_or(start, |e| e + 1);
    &toks[start..end]
}

/// Splits tokens into statements on `;`, newlines, `&&`, `||` and a background `&`.
fn split_statements(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        let cut = match t.kind {
            Kind::Op(Op::Sep | Op::Chain) => true,
            // `&` is the call operator at an element start (or after `=` / `|`), else a job.
            Kind::Op(Op::Amp) => {
                i > start
                    && !matches!(
                        toks[i - 1].kind,
                        Kind::Op(Op::Pipe | Op::Assign | Op::Compound)
                    )
            }
            _ => false,
        };
        if cut {
            out.push(&toks[start..i]);
            start = i + 1;
        }
    }
    out.push(&toks[start..]);
    out
}

/// Splits a statement into pipeline elements.
fn split_pipeline(toks: &[Tok]) -> impl Iterator<Item = &[Tok]> {
    toks.split(|t| matches!(t.kind, Kind::Op(Op::Pipe)))
}
