//! What commands do: cmdlet parameters by role, native programs (`powershell`/`pwsh`,
//! `cmd /c`, `icacls`, `attrib`, `takeown`, `curl.exe`), .NET static and instance calls, and
//! the base64 decoding behind `-EncodedCommand` and `FromBase64String`.

use super::bind::{self, Piece, Val};
use super::lexer::{Kind, Op, Tok, MAX_DEPTH};
use super::tables::{self, Cmdlet, Role};
use super::{pieces, Analyzer, Info, PsAccess, PsCommand, MAX_ITEMS};

/// .NET static methods touching files: type (lower case, without `system.`), method, what
/// the first and second arguments are.
const DOTNET: &[(&str, &str, Role, Role)] = &[
    ("io.file", "readalltext", Role::Read, Role::Other),
    ("io.file", "readallbytes", Role::Read, Role::Other),
    ("io.file", "readalllines", Role::Read, Role::Other),
    ("io.file", "readlines", Role::Read, Role::Other),
    ("io.file", "openread", Role::Read, Role::Other),
    ("io.file", "opentext", Role::Read, Role::Other),
    ("io.file", "writealltext", Role::Write, Role::Other),
    ("io.file", "writeallbytes", Role::Write, Role::Other),
    ("io.file", "writealllines", Role::Write, Role::Other),
    ("io.file", "appendalltext", Role::Write, Role::Other),
    ("io.file", "appendalllines", Role::Write, Role::Other),
    ("io.file", "appendtext", Role::Write, Role::Other),
    ("io.file", "create", Role::Write, Role::Other),
    ("io.file", "createtext", Role::Write, Role::Other),
    ("io.file", "openwrite", Role::Write, Role::Other),
    ("io.file", "open", Role::Write, Role::Other),
    ("io.file", "delete", Role::Delete, Role::Other),
    ("io.file", "copy", Role::Read, Role::Write),
    ("io.file", "move", Role::ReadDelete, Role::Write),
    ("io.file", "replace", Role::ReadDelete, Role::Write),
    ("io.file", "setattributes", Role::Chmod, Role::Other),
    ("io.file", "setaccesscontrol", Role::Chmod, Role::Other),
    ("io.directory", "delete", Role::Delete, Role::Other),
    ("io.directory", "createdirectory", Role::Write, Role::Other),
    ("io.directory", "move", Role::ReadDelete, Role::Write),
    ("io.directory", "setaccesscontrol", Role::Chmod, Role::Other),
];

/// Value-taking options of `powershell.exe` / `pwsh` (besides `-Command`, `-File`, `-enc`).
const PS_VALUE_OPTIONS: &[&str] = &[
    "executionpolicy",
    "windowstyle",
    "version",
    "configurationname",
    "outputformat",
    "inputformat",
    "workingdirectory",
    "settingsfile",
    "custompipename",
    "encodedarguments",
    "psconsolefile",
];

/// Short forms of those.
const PS_VALUE_SHORT: &[&str] = &[
    "ep", "ex", "exec", "w", "v", "config", "o", "of", "if", "inp", "wd", "ea",
];

/// The canonical name of a command word: the cmdlet of an alias, the lower-case cmdlet
/// (module qualifier dropped), or a native program's base name without `.exe`.
pub(super) fn canonical_name(written: &str) -> String {
    let lower = written.to_lowercase();
    if let Some(cmdlet) = tables::alias(&lower) {
        return cmdlet.to_owned();
    }
    let base = lower.rsplit(['\\', '/']).next().unwrap_or(&lower);
    if base != lower && tables::cmdlet(base).is_some() && !lower.contains(':') {
        return base.to_owned();
    }
    base.strip_suffix(".exe").unwrap_or(base).to_owned()
}

/// The name of a native program: base name in lower case without `.exe` (no alias lookup:
/// `cmd.exe` and `Start-Process` run programs, not PowerShell aliases).
pub(super) fn native_name(written: &str) -> String {
    let lower = written.to_lowercase();
    let base = lower.rsplit(['\\', '/']).next().unwrap_or(&lower);
    base.strip_suffix(".exe").unwrap_or(base).to_owned()
}

/// Whether a command word names a file to execute (a path or a script).
fn is_script_path(written: &str) -> bool {
    let lower = written.to_ascii_lowercase();
    written.contains(['\\', '/'])
        || [".ps1", ".bat", ".cmd", ".psm1", ".vbs", ".js"]
            .iter()
            .any(|e| lower.ends_with(e))
}

impl Analyzer {
    /// Analyzes an invocation of `written` with argument tokens `args`.
    pub(super) fn invoke(
        &mut self,
        written: &str,
        call: Option<Op>,
        args: &[Tok],
        upstream: &Info,
        depth: usize,
    ) -> Info {
        let name = canonical_name(written);
        let mut list = pieces(args);
        self.fill(&mut list, depth);
        let mut strings = Vec::new();
        for piece in &list {
            match piece {
                Piece::Param {
                    written, inline, ..
                } => {
                    strings.push(written.clone());
                    strings.extend(
                        inline
                            .iter()
                            .filter(|v| !v.toks.is_empty())
                            .map(|v| v.text.clone()),
                    );
                }
                Piece::Value(vals) => strings.extend(vals.iter().map(|v| v.text.clone())),
                Piece::Redirect(_) => {}
            }
        }
        self.push_command(&name, strings.clone());
        let mut info = Info::default();
        for piece in &list {
            if let Piece::Redirect(Some(v)) = piece {
                self.redirect_target(v.value());
            }
        }
        let spec = tables::cmdlet(&name);
        if (spec.is_none() || call == Some(Op::Dot)) && is_script_path(written) {
            self.effect(PsAccess::Exec, written);
        }
        match spec {
            Some(spec) => self.cmdlet(spec, &list, upstream, &mut info, depth),
            None => self.native(&name, &strings, upstream, &mut info, depth),
        }
        info
    }

    /// Records a command (capped).
    pub(super) fn push_command(&mut self, name: &str, args: Vec<String>) {
        if self.out.commands.len() >= 2 * MAX_ITEMS {
            self.out.limit_hit = true;
            return;
        }
        self.out.commands.push(PsCommand {
            name: name.to_owned(),
            args,
        });
    }

    /// Applies the roles of a known cmdlet's bound parameters.
    fn cmdlet(
        &mut self,
        spec: &'static Cmdlet,
        list: &[Piece<'_>],
        upstream: &Info,
        info: &mut Info,
        depth: usize,
    ) {
        let bound = bind::bind(spec, list);
        info.download = spec.downloads;
        let recurse = bound.switch("Recurse");
        let delete = if recurse {
            PsAccess::RecursiveDelete
        } else {
            PsAccess::Delete
        };
        let (mut program, mut program_args, mut type_name, mut ctor) =
            (None, Vec::new(), String::new(), Vec::new());
        let (mut host, mut port, mut code, mut paths) = (None, None, false, false);
        for (param, val) in &bound.values {
            let path = (!val.computed()).then(|| val.value().to_owned());
            let path = path.as_deref();
            match param.role {
                Role::Read
                | Role::Write
                | Role::Delete
                | Role::ReadDelete
                | Role::Chmod
                | Role::Exec => {
                    paths = true;
                    if let Some(p) = path {
                        self.role_effect(param.role, p, delete);
                    }
                }
                Role::Url => {
                    if let Some(p) = path {
                        self.url(p);
                    }
                }
                Role::Host => host = path.map(str::to_owned),
                Role::Port => port = path.map(str::to_owned),
                Role::Code => {
                    code = true;
                    self.exec_code(Some(val), upstream, depth);
                }
                Role::Program => {
                    if let Some(p) = path {
                        self.effect(PsAccess::Exec, p);
                        program = Some(p.to_owned());
                    }
                }
                Role::ProgramArgs => program_args.push(val.value().to_owned()),
                Role::TypeName => type_name = val.value().to_lowercase(),
                Role::CtorArgs => match val.toks {
                    [Tok {
                        kind: Kind::Group(_),
                        ..
                    }] => ctor.extend(self.literal_list(val.toks)),
                    _ => ctor.push(val.lit.clone()),
                },
                Role::List => {
                    if let Some(p) = path {
                        info.listed.push(p.to_owned());
                    }
                }
                Role::Other => {}
            }
        }
        if !paths && !upstream.listed.is_empty() {
            // `Get-ChildItem x | Remove-Item -Recurse`: the items come from the pipeline.
            if let Some(p) = spec
                .params
                .iter()
                .find(|p| p.name == "Path" || p.name == "LiteralPath")
            {
                for item in &upstream.listed {
                    self.role_effect(p.role, item, delete);
                }
            }
        }
        if spec.name == "invoke-expression" && !code {
            self.exec_code(None, upstream, depth);
        }
        if let Some(host) = host {
            self.socket(&host, port.as_deref());
        }
        if let Some(program) = program {
            let args = program_args
                .iter()
                .flat_map(|a| split_cmd_words(a))
                .collect();
            self.run_native(&program, args, upstream, depth);
        }
        if type_name.ends_with("tcpclient") || type_name.ends_with("udpclient") {
            if let Some(Some(host)) = ctor.first() {
                let port = ctor.get(1).cloned().flatten();
                self.socket(host, port.as_deref());
            }
        }
    }

    /// Records the effect a role stands for.
    fn role_effect(&mut self, role: Role, path: &str, delete: PsAccess) {
        match role {
            Role::Read => self.effect(PsAccess::Read, path),
            Role::Write => self.effect(PsAccess::Write, path),
            Role::Delete => self.effect(delete, path),
            Role::ReadDelete => {
                self.effect(PsAccess::Read, path);
                self.effect(PsAccess::Delete, path);
            }
            Role::Chmod => self.effect(PsAccess::Chmod, path),
            Role::Exec => self.effect(PsAccess::Exec, path),
            _ => {}
        }
    }

    /// Records a socket as the pseudo-URL `tcp://host[:port]`.
    fn socket(&mut self, host: &str, port: Option<&str>) {
        let url = match port {
            Some(p) => format!("tcp://{host}:{p}"),
            None => format!("tcp://{host}"),
        };
        self.url(&url);
    }

    /// `Invoke-Expression` of `val` (or of its pipeline input).
    fn exec_code(&mut self, val: Option<&Val<'_>>, upstream: &Info, depth: usize) {
        let Some(val) = val else {
            self.stdin_code(upstream, depth, true);
            return;
        };
        if val.info.download {
            self.out.exec_remote = true;
        } else if let Some(text) = val.info.decoded.clone() {
            self.out.exec_decoded = true;
            self.script(&text, depth + 1);
        } else if let Some(code) = val.lit.clone() {
            let plain = matches!(val.toks, [Tok { kind: Kind::Word { text, .. }, .. }] if !text.starts_with('$'));
            if !plain {
                self.push_dynamic(&val.text);
            }
            self.script(&code, depth + 1);
        } else {
            self.push_dynamic(&val.text);
        }
    }

    /// Code read from the pipeline (`... | iex`, `... | powershell -`).
    fn stdin_code(&mut self, upstream: &Info, depth: usize, dynamic: bool) {
        if upstream.download {
            self.out.exec_remote = true;
        } else if let Some(text) = upstream.decoded.clone() {
            self.out.exec_decoded = true;
            self.script(&text, depth + 1);
        } else if let Some(code) = upstream.literal.clone() {
            self.script(&code, depth + 1);
        } else if dynamic {
            self.push_dynamic("<pipeline>");
        }
    }

    /// Records a native program run with `args` and analyzes it.
    pub(super) fn run_native(
        &mut self,
        written: &str,
        args: Vec<String>,
        upstream: &Info,
        depth: usize,
    ) {
        let name = native_name(written);
        self.push_command(&name, args.clone());
        let mut info = Info::default();
        self.native(&name, &args, upstream, &mut info, depth);
    }

    /// What native programs do with their arguments.
    fn native(
        &mut self,
        name: &str,
        args: &[String],
        upstream: &Info,
        info: &mut Info,
        depth: usize,
    ) {
        let non_switch = || {
            args.iter()
                .filter(|a| !a.starts_with('/') && !a.starts_with('-'))
        };
        match name {
            "powershell" | "pwsh" | "powershell_ise" => self.ps_native(args, upstream, depth),
            "cmd" => {
                if let Some(at) = args
                    .iter()
                    .position(|a| matches!(a.to_ascii_lowercase().as_str(), "/c" | "/k" | "/r"))
                {
                    let line = args[at + 1..].join(" ");
                    self.cmd_line(&line, upstream, depth + 1);
                }
            }
            "icacls" | "cacls" => {
                if let Some(p) = non_switch().next() {
                    self.effect(PsAccess::Chmod, p);
                }
            }
            "attrib" => {
                for p in args.iter().filter(|a| !a.starts_with(['+', '-', '/'])) {
                    self.effect(PsAccess::Chmod, p);
                }
            }
            "takeown" => {
                if let Some(at) = args.iter().position(|a| a.eq_ignore_ascii_case("/f")) {
                    if let Some(p) = args.get(at + 1) {
                        self.effect(PsAccess::Chmod, p);
                    }
                }
            }
            "curl" | "wget" => {
                info.download = true;
                let mut i = 0;
                while i < args.len() {
                    let a = args[i].as_str();
                    let next = args.get(i + 1).map(String::as_str);
                    match (a, next) {
                        ("-o" | "--output" | "-O" | "--output-document", Some(f))
                            if !f.starts_with('-') =>
                        {
                            self.effect(PsAccess::Write, f)
                        }
                        ("-T" | "--upload-file", Some(f)) => self.effect(PsAccess::Read, f),
                        (
                            "-d" | "--data" | "--data-binary" | "--data-raw" | "-F" | "--form",
                            Some(d),
                        ) => {
                            if let Some(f) = d.rsplit('@').next().filter(|_| d.contains('@')) {
                                self.effect(PsAccess::Read, f);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            "certutil" => {
                let lower: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
                if lower.iter().any(|a| a == "-urlcache" || a == "/urlcache") {
                    info.download = true;
                }
                if let Some(at) = lower
                    .iter()
                    .position(|a| a == "-decode" || a == "-decodehex")
                {
                    if let (Some(src), Some(dst)) = (args.get(at + 1), args.get(at + 2)) {
                        self.effect(PsAccess::Read, src);
                        self.effect(PsAccess::Write, dst);
                    }
                }
            }
            _ => {}
        }
    }

    /// `powershell.exe` / `pwsh` options: `-EncodedCommand`, `-Command`, `-File`, stdin.
    fn ps_native(&mut self, args: &[String], upstream: &Info, depth: usize) {
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            let lower = arg.to_lowercase();
            let Some(opt) = lower.strip_prefix('-').or_else(|| lower.strip_prefix('/')) else {
                // The first positional argument: a script file, else a command.
                if lower.ends_with(".ps1") {
                    self.effect(PsAccess::Exec, arg);
                } else {
                    let rest = args[i..].join(" ");
                    self.script(&rest, depth + 1);
                }
                return;
            };
            let opt = opt.trim_end_matches(':');
            if opt.is_empty() {
                self.stdin_code(upstream, depth, false);
            } else if opt == "e"
                || opt == "ec"
                || (opt.len() >= 2 && "encodedcommand".starts_with(opt))
            {
                if let Some(payload) = args.get(i + 1) {
                    match decode_base64(payload) {
                        Some(bytes) => {
                            self.out.exec_decoded = true;
                            self.script(&decode_text(&bytes), depth + 1);
                        }
                        None => self.push_dynamic(payload),
                    }
                }
                i += 1;
            } else if "command".starts_with(opt) {
                let rest = args[i + 1..].join(" ");
                if rest.trim() == "-" {
                    self.stdin_code(upstream, depth, false);
                } else {
                    self.script(&rest, depth + 1);
                }
                return;
            } else if "file".starts_with(opt) {
                match args.get(i + 1) {
                    Some(f) if f == "-" => self.stdin_code(upstream, depth, false),
                    Some(f) => self.effect(PsAccess::Exec, f),
                    None => {}
                }
                return;
            } else if PS_VALUE_SHORT.contains(&opt)
                || (opt.len() >= 3 && PS_VALUE_OPTIONS.iter().any(|o| o.starts_with(opt)))
            {
                i += 1;
            }
            i += 1;
        }
        if args.is_empty() {
            self.stdin_code(upstream, depth, false);
        }
    }

    /// A `cmd.exe` command line: `&`, `&&`, `||`, `|` lists of simple commands with
    /// redirections; `del`/`erase`, `rd`/`rmdir`, `type`, `copy`, `move`, `ren` understood, other
    /// programs analyzed as native ones.
    fn cmd_line(&mut self, line: &str, upstream: &Info, depth: usize) {
        if depth > MAX_DEPTH {
            self.out.limit_hit = true;
            return;
        }
        for segment in split_cmd_segments(line) {
            let mut words = Vec::new();
            let mut redirect = false;
            for w in split_cmd_words(&segment) {
                let stripped = w.trim_start_matches(|c: char| c.is_ascii_digit());
                if redirect {
                    self.cmd_redirect(&w);
                    redirect = false;
                } else if let Some(target) = stripped
                    .strip_prefix(">>")
                    .or_else(|| stripped.strip_prefix('>'))
                {
                    if target.is_empty() {
                        redirect = true;
                    } else if !target.starts_with('&') {
                        self.cmd_redirect(target);
                    }
                } else {
                    words.push(w);
                }
            }
            let Some((first, args)) = words.split_first() else {
                continue;
            };
            let name = native_name(first);
            let switches: Vec<String> = args
                .iter()
                .filter(|a| a.starts_with('/'))
                .map(|a| a.to_ascii_lowercase())
                .collect();
            let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('/')).collect();
            let builtin = matches!(
                name.as_str(),
                "del"
                    | "erase"
                    | "rd"
                    | "rmdir"
                    | "type"
                    | "copy"
                    | "xcopy"
                    | "robocopy"
                    | "move"
                    | "ren"
                    | "rename"
                    | "echo"
            );
            if !builtin {
                self.run_native(first, args.to_vec(), upstream, depth);
                continue;
            }
            self.push_command(&name, args.to_vec());
            let recursive = switches.iter().any(|s| s == "/s");
            match name.as_str() {
                "del" | "erase" | "rd" | "rmdir" => {
                    let access = if recursive {
                        PsAccess::RecursiveDelete
                    } else {
                        PsAccess::Delete
                    };
                    for p in paths {
                        self.effect(access, p);
                    }
                }
                "type" => {
                    for p in paths {
                        self.effect(PsAccess::Read, p);
                    }
                }
                "copy" | "xcopy" | "robocopy" | "move" if paths.len() >= 2 => {
                    let last = paths.len() - 1;
                    for p in &paths[..last] {
                        self.effect(PsAccess::Read, p);
                        if name == "move" {
                            self.effect(PsAccess::Delete, p);
                        }
                    }
                    self.effect(PsAccess::Write, paths[last]);
                }
                "ren" | "rename" if paths.len() >= 2 => {
                    self.effect(PsAccess::Delete, paths[0]);
                    self.effect(PsAccess::Write, paths[1]);
                }
                _ => {}
            }
        }
    }

    /// A `cmd.exe` redirection target (not `nul`).
    fn cmd_redirect(&mut self, target: &str) {
        if !target.eq_ignore_ascii_case("nul") && !target.starts_with('&') {
            self.effect(PsAccess::Write, target);
        }
    }

    /// A .NET static method call `[Type]::Method(args)`.
    pub(super) fn dotnet(
        &mut self,
        ty: &str,
        method: &str,
        args: &[Option<String>],
        info: &mut Info,
        depth: usize,
    ) {
        let lower = ty.to_lowercase().replace(' ', "");
        let ty = lower.strip_prefix("system.").unwrap_or(&lower);
        let method = method.to_lowercase();
        let arg = |i: usize| args.get(i).cloned().flatten();
        match (ty, method.as_str()) {
            ("convert", "frombase64string") => {
                if let Some(bytes) = arg(0).as_deref().and_then(decode_base64) {
                    info.decoded = Some(decode_text(&bytes));
                }
            }
            ("management.automation.scriptblock" | "scriptblock", "create") => {
                if let Some(code) = arg(0) {
                    self.script(&code, depth + 1);
                }
            }
            ("diagnostics.process", "start") => {
                if let Some(program) = arg(0) {
                    self.effect(PsAccess::Exec, &program);
                    let args = arg(1).map(|a| split_cmd_words(&a)).unwrap_or_default();
                    self.run_native(&program, args, &Info::default(), depth);
                }
            }
            (t, "new") if t.ends_with("tcpclient") || t.ends_with("udpclient") => {
                if let Some(host) = arg(0) {
                    self.socket(&host, arg(1).as_deref());
                }
            }
            _ => {
                let Some(&(_, _, first, second)) =
                    DOTNET.iter().find(|(t, m, _, _)| *t == ty && *m == method)
                else {
                    return;
                };
                let recursive = ty == "io.directory"
                    && method == "delete"
                    && arg(1).is_some_and(|a| {
                        matches!(a.to_ascii_lowercase().as_str(), "$true" | "true" | "1")
                    });
                let delete = if recursive {
                    PsAccess::RecursiveDelete
                } else {
                    PsAccess::Delete
                };
                if let Some(p) = arg(0) {
                    self.role_effect(first, &p, delete);
                }
                if let Some(p) = arg(1) {
                    self.role_effect(second, &p, delete);
                }
            }
        }
    }

    /// An instance method call `$x.Method(args)` / `(...).Method(args)`: web client
    /// downloads and uploads, socket connections.
    pub(super) fn method(&mut self, method: &str, args: &[Option<String>], info: &mut Info) {
        let method = method.to_lowercase();
        let arg = |i: usize| args.get(i).cloned().flatten();
        if method.starts_with("download") || method == "openread" {
            if let Some(url) = arg(0) {
                self.url(&url);
            }
            if method.starts_with("downloadfile") {
                if let Some(p) = arg(1) {
                    self.effect(PsAccess::Write, &p);
                }
            } else {
                info.download = true;
            }
        } else if method.starts_with("upload") {
            if let Some(url) = arg(0) {
                self.url(&url);
            }
            if method.starts_with("uploadfile") && args.len() >= 2 {
                if let Some(p) = args.last().cloned().flatten() {
                    self.effect(PsAccess::Read, &p);
                }
            }
        } else if method == "connect" || method == "connectasync" || method == "beginconnect" {
            if let Some(host) = arg(0) {
                self.socket(&host, arg(1).as_deref());
            }
        }
    }
}

/// Splits a `cmd.exe` line on `&`, `&&`, `||`, `|` outside double quotes (`^` escapes).
fn split_cmd_segments(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '^' if !quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '&' | '|' if !quoted => {
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Splits a command line into words on whitespace outside double quotes, removing the quotes.
pub(super) fn split_cmd_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
            any = true;
        } else if c.is_whitespace() && !quoted {
            if any || !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            any = false;
        } else {
            cur.push(c);
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Decodes standard or URL-safe base64 (whitespace ignored, padding optional); `None` when the
/// text is not base64.
pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits, mut digits) = (0u32, 0u32, 0usize);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        digits += 1;
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (digits >= 2).then_some(out)
}

/// Decoded bytes as text: UTF-16LE when most high bytes are zero (what `-EncodedCommand` and
/// `[Text.Encoding]::Unicode` use), else UTF-8.
pub(super) fn decode_text(bytes: &[u8]) -> String {
    let pairs = bytes.len() / 2;
    let zeros = bytes.chunks_exact(2).filter(|p| p[1] == 0).count();
    if pairs > 0 && zeros * 2 > pairs {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16_lossy(&units)
            .trim_start_matches('\u{feff}')
            .to_owned()
    } else {
        String::from_utf8_lossy(bytes)
            .trim_start_matches('\u{feff}')
            .to_owned()
    }
}
