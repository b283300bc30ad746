//! JavaScript (`node -e`, `deno eval`, `bun -e`): tokenizer, `require` aliases and the effect
//! table.

use super::engine::{Aliases, Effect as E, ParenLess, Spec};
use super::{Cursor, Esc, Interp, StrKind, Tok};

/// JavaScript's tables.
pub(super) const SPEC: Spec = Spec {
    effects: EFFECTS,
    concat: &["+"],
    path_div: false,
    paren_less: ParenLess::StrOnly,
    dot_methods: true,
    module_fns: &[
        ("require", false),
        ("process.mainModule.require", false),
        ("module.require", false),
        ("globalThis.require", false),
    ],
    env_objects: &["process.env", "Bun.env"],
    env_dump,
    aliases,
};

/// Encodings of `Buffer.from` that decode.
const BUFFER_DECODE: &[&str] = &["base64", "base64url", "hex"];

/// Function → effect.
const EFFECTS: &[(&str, E)] = &[
    ("fs.readFileSync", E::Read(0)),
    ("fs.readFile", E::Read(0)),
    ("fs.promises.readFile", E::Read(0)),
    ("fs.createReadStream", E::Read(0)),
    ("fs.openSync", E::Open { path: 0, mode: 1 }),
    ("fs.open", E::Open { path: 0, mode: 1 }),
    ("fs.writeFileSync", E::Write(0)),
    ("fs.writeFile", E::Write(0)),
    ("fs.promises.writeFile", E::Write(0)),
    ("fs.appendFileSync", E::Write(0)),
    ("fs.appendFile", E::Write(0)),
    ("fs.promises.appendFile", E::Write(0)),
    ("fs.createWriteStream", E::Write(0)),
    ("fs.truncateSync", E::Write(0)),
    ("fs.symlinkSync", E::Write(1)),
    ("fs.unlinkSync", E::Delete(0)),
    ("fs.unlink", E::Delete(0)),
    ("fs.promises.unlink", E::Delete(0)),
    ("fs.rmSync", E::RmOpt(0)),
    ("fs.rm", E::RmOpt(0)),
    ("fs.promises.rm", E::RmOpt(0)),
    ("fs.rmdirSync", E::RmOpt(0)),
    ("fs.rmdir", E::RmOpt(0)),
    ("fs.chmodSync", E::Chmod(0)),
    ("fs.chmod", E::Chmod(0)),
    ("fs.promises.chmod", E::Chmod(0)),
    ("fs.chownSync", E::Chmod(0)),
    ("fs.chown", E::Chmod(0)),
    ("fs.lchownSync", E::Chmod(0)),
    ("fs.copyFileSync", E::Copy),
    ("fs.copyFile", E::Copy),
    ("fs.cpSync", E::Copy),
    ("fs.cp", E::Copy),
    ("fs.renameSync", E::Move),
    ("fs.rename", E::Move),
    ("Deno.readTextFile", E::Read(0)),
    ("Deno.readTextFileSync", E::Read(0)),
    ("Deno.readFile", E::Read(0)),
    ("Deno.readFileSync", E::Read(0)),
    ("Deno.writeTextFile", E::Write(0)),
    ("Deno.writeTextFileSync", E::Write(0)),
    ("Deno.writeFile", E::Write(0)),
    ("Deno.writeFileSync", E::Write(0)),
    ("Deno.remove", E::RmOpt(0)),
    ("Deno.removeSync", E::RmOpt(0)),
    ("Deno.chmod", E::Chmod(0)),
    ("Deno.chmodSync", E::Chmod(0)),
    ("Deno.chown", E::Chmod(0)),
    ("Deno.rename", E::Move),
    ("Deno.copyFile", E::Copy),
    ("Deno.Command", E::Shell),
    ("Bun.file", E::Read(0)),
    ("Bun.write", E::Write(0)),
    ("Bun.spawn", E::Shell),
    ("Bun.spawnSync", E::Shell),
    ("Bun.$", E::Shell),
    ("$", E::Shell),
    ("child_process.exec", E::Shell),
    ("child_process.execSync", E::Shell),
    ("child_process.spawn", E::Argv),
    ("child_process.spawnSync", E::Argv),
    ("child_process.execFile", E::Argv),
    ("child_process.execFileSync", E::Argv),
    ("child_process.fork", E::Argv),
    ("eval", E::Exec),
    ("globalThis.eval", E::Exec),
    ("Function", E::Exec),
    ("vm.runInThisContext", E::Exec),
    ("vm.runInNewContext", E::Exec),
    ("vm.runInContext", E::Exec),
    ("vm.Script", E::Exec),
    ("setTimeout", E::Exec),
    ("net.connect", E::Connect),
    ("net.createConnection", E::Connect),
    ("tls.connect", E::Connect),
    ("Deno.connect", E::Connect),
    ("Bun.connect", E::Connect),
    ("net.Socket", E::Socket),
    ("dgram.createSocket", E::Socket),
    ("WebSocket", E::Socket),
    (".connect", E::ConnectPort),
    ("fetch", E::Remote),
    ("http.get", E::Remote),
    ("https.get", E::Remote),
    ("http.request", E::Remote),
    ("https.request", E::Remote),
    ("axios.get", E::Remote),
    ("axios", E::Remote),
    ("XMLHttpRequest", E::Remote),
    ("atob", E::Decode),
    ("Buffer.from", E::DecodeIf(BUFFER_DECODE)),
    ("Buffer", E::DecodeIf(BUFFER_DECODE)),
    (".toString", E::DecodeIf(BUFFER_DECODE)),
    ("zlib.inflateSync", E::Decode),
    ("zlib.inflateRawSync", E::Decode),
    ("zlib.gunzipSync", E::Decode),
    ("zlib.unzipSync", E::Decode),
    ("zlib.brotliDecompressSync", E::Decode),
    ("os.homedir", E::Home),
    ("Deno.env.get", E::Getenv),
    ("path.join", E::Join),
    ("path.posix.join", E::Join),
    ("path.resolve", E::Join),
    ("path.normalize", E::Identity),
];

/// `process.env` used whole (`JSON.stringify(process.env)`), not `process.env.X`,
/// `process.env['X']` or `const {X} = process.env`.
fn env_dump(t: &[Tok], i: usize) -> bool {
    let Some(Tok::Ident(n)) = t.get(i) else {
        return false;
    };
    if n == "Deno.env.toObject" {
        return true;
    }
    if n != "process.env" && n != "Bun.env" {
        return false;
    }
    let indexed = matches!(t.get(i + 1), Some(Tok::Op(o)) if o == "[" || o == "=");
    let destructured = i >= 2
        && matches!(&t[i - 1], Tok::Op(o) if o == "=")
        && matches!(&t[i - 2], Tok::Op(o) if o == "}");
    !indexed && !destructured
}

/// `const x = require('m')`, `const {a, b: c} = require('m')`, `import * as x from 'm'`,
/// `import {a as c} from 'm'`, `import x from 'm'`.
fn aliases(t: &[Tok]) -> Aliases {
    let mut out = Aliases::default();
    let is = |k: usize, s: &str| matches!(t.get(k), Some(Tok::Op(o)) if o == s);
    let word = |k: usize| match t.get(k) {
        Some(Tok::Ident(w)) => Some(w.as_str()),
        _ => None,
    };
    let module = |k: usize| -> Option<(String, usize)> {
        // require('m')[.x] at k
        let req = word(k)?;
        if !SPEC.module_fns.iter().any(|(m, _)| *m == req) || !is(k + 1, "(") || !is(k + 3, ")") {
            return None;
        }
        let Some(Tok::Str(m, StrKind::Plain)) = t.get(k + 2) else {
            return None;
        };
        let m = m.strip_prefix("node:").unwrap_or(m).to_owned();
        if is(k + 4, ".") {
            if let Some(sub) = word(k + 5) {
                return Some((format!("{m}.{sub}"), k + 6));
            }
        }
        Some((m, k + 4))
    };
    for i in 0..t.len() {
        if out.names.len() >= 256 {
            break;
        }
        if is(i, "=") {
            let Some((m, _)) = module(i + 1) else {
                continue;
            };
            if let Some(x) = i.checked_sub(1).and_then(word) {
                out.names.insert(x.to_owned(), m);
            } else if is(i - 1, "}") {
                destructure(t, i - 1, &m, &mut out);
            }
        } else if word(i) == Some("import") {
            // import ... from 'm'
            let mut k = i + 1;
            while k < t.len() && k < i + 64 && word(k) != Some("from") {
                k += 1;
            }
            let Some(Tok::Str(m, _)) = t.get(k + 1) else {
                continue;
            };
            let m = m.strip_prefix("node:").unwrap_or(m).to_owned();
            if is(i + 1, "*") && word(i + 2) == Some("as") {
                if let Some(x) = word(i + 3) {
                    out.names.insert(x.to_owned(), m);
                }
            } else if is(i + 1, "{") {
                let mut j = i + 2;
                while j < k && !is(j, "}") {
                    if let Some(name) = word(j) {
                        let local = if word(j + 1) == Some("as") {
                            word(j + 2).unwrap_or(name)
                        } else {
                            name
                        };
                        out.names.insert(local.to_owned(), format!("{m}.{name}"));
                        if word(j + 1) == Some("as") {
                            j += 2;
                        }
                    }
                    j += 1;
                }
            } else if let Some(x) = word(i + 1) {
                out.names.insert(x.to_owned(), m);
            }
        }
    }
    out
}

/// `{a, b: c}` ending at `end` bound to members of `m`.
fn destructure(t: &[Tok], end: usize, m: &str, out: &mut Aliases) {
    let mut j = end;
    let mut steps = 0;
    while j > 0 && steps < 64 {
        j -= 1;
        steps += 1;
        match &t[j] {
            Tok::Op(o) if o == "{" => break,
            Tok::Ident(local) => {
                let renamed = matches!(t.get(j.wrapping_sub(1)), Some(Tok::Op(o)) if o == ":");
                if renamed {
                    if let Some(Tok::Ident(member)) = t.get(j.wrapping_sub(2)) {
                        out.names.insert(local.clone(), format!("{m}.{member}"));
                    }
                } else if !matches!(t.get(j + 1), Some(Tok::Op(o)) if o == ":") {
                    out.names.insert(local.clone(), format!("{m}.{local}"));
                }
            }
            _ => {}
        }
    }
}

/// Operators, longest first.
const OPS: &[&str] = &[
    "===", "!==", "**=", "...", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=", "<=",
    ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "**", "<<", ">>",
];

/// Words after which `/` starts a regular expression.
const REGEX_WORDS: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "instanceof",
    "yield",
    "await",
];

/// Splits JavaScript code into tokens.
pub(super) fn tokenize(code: &str) -> Vec<Tok> {
    let mut c = Cursor::new(code);
    if c.starts("#!") {
        c.skip_line();
    }
    while c.i < c.s.len() {
        let b = c.s[c.i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0c => c.i += 1,
            b'/' if c.at(1) == b'/' => c.skip_line(),
            b'/' if c.at(1) == b'*' => {
                c.i += 2;
                c.skip_past("*/");
            }
            b'\'' | b'"' => {
                c.i += 1;
                let (v, _) = c.quoted(b, b, Esc::Full, Interp::No);
                c.push_str(v, false, StrKind::Plain);
            }
            b'`' => {
                c.i += 1;
                let (v, d) = c.quoted(b'`', b'`', Esc::Full, Interp::DollarBrace);
                c.push_str(v, d, StrKind::Template);
            }
            b'/' if c.regex_allowed(REGEX_WORDS) => {
                c.i += 1;
                let _ = c.quoted(b'/', b'/', Esc::Raw, Interp::No);
                while c.i < c.s.len() && c.s[c.i].is_ascii_alphabetic() {
                    c.i += 1;
                }
                c.toks.push(Tok::Op("re".into()));
            }
            b'0'..=b'9' => {
                let w = c.number();
                c.toks.push(Tok::Num(w));
            }
            b'.' if c.at(1).is_ascii_digit() => {
                let w = c.number();
                c.toks.push(Tok::Num(w));
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80 => {
                let w = c.ident(b"$", true);
                c.toks.push(Tok::Ident(w));
            }
            _ => c.op(OPS),
        }
    }
    c.toks
}
