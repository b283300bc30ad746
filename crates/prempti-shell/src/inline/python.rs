//! Python: tokenizer, import aliases and the effect table.

use super::engine::{Aliases, Effect as E, ParenLess, Spec};
use super::{Cursor, Esc, Interp, StrKind, Tok};

/// Multi-character operators, longest first.
const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
    "^=", "//", "**", "->", ":=", "<<", ">>",
];

/// Python's tables.
pub(super) const SPEC: Spec = Spec {
    effects: EFFECTS,
    concat: &["+"],
    path_div: true,
    paren_less: ParenLess::No,
    dot_methods: true,
    module_fns: &[("__import__", true), ("importlib.import_module", false)],
    env_objects: &["os.environ"],
    env_dump,
    aliases,
};

/// Format names of `codecs.decode` / `bytes.decode` that decode data.
const CODECS: &[&str] = &[
    "base64",
    "hex",
    "rot13",
    "rot_13",
    "zlib",
    "bz2",
    "uu",
    "base64_codec",
    "hex_codec",
    "zlib_codec",
];

/// Function → effect.
const EFFECTS: &[(&str, E)] = &[
    ("open", E::Open { path: 0, mode: 1 }),
    ("io.open", E::Open { path: 0, mode: 1 }),
    ("codecs.open", E::Open { path: 0, mode: 1 }),
    ("os.open", E::FlagsOpen(0)),
    ("os.truncate", E::Write(0)),
    ("os.mkfifo", E::Write(0)),
    ("os.symlink", E::Write(1)),
    ("os.link", E::Write(1)),
    (".read_text", E::RecvRead),
    (".read_bytes", E::RecvRead),
    (".write_text", E::RecvWrite),
    (".write_bytes", E::RecvWrite),
    (".touch", E::RecvWrite),
    (".open", E::RecvOpen),
    (".unlink", E::RecvDelete),
    (".rmdir", E::RecvDelete),
    (".chmod", E::RecvChmod),
    ("shutil.copy", E::Copy),
    ("shutil.copy2", E::Copy),
    ("shutil.copyfile", E::Copy),
    ("shutil.copytree", E::Copy),
    ("shutil.move", E::Move),
    ("os.rename", E::Move),
    ("os.renames", E::Move),
    ("os.replace", E::Move),
    ("os.remove", E::Delete(0)),
    ("os.unlink", E::Delete(0)),
    ("os.rmdir", E::Delete(0)),
    ("os.removedirs", E::Delete(0)),
    ("shutil.rmtree", E::Rmrf(0)),
    ("os.chmod", E::Chmod(0)),
    ("os.lchmod", E::Chmod(0)),
    ("os.chown", E::Chmod(0)),
    ("os.lchown", E::Chmod(0)),
    ("shutil.chown", E::Chmod(0)),
    ("os.system", E::Shell),
    ("os.popen", E::Shell),
    ("os.execv", E::Shell),
    ("os.execve", E::Shell),
    ("os.execvp", E::Shell),
    ("os.execvpe", E::Shell),
    ("os.execl", E::Shell),
    ("os.execlp", E::Shell),
    ("os.execle", E::Shell),
    ("os.posix_spawn", E::Shell),
    ("os.posix_spawnp", E::Shell),
    ("subprocess.run", E::Shell),
    ("subprocess.call", E::Shell),
    ("subprocess.check_call", E::Shell),
    ("subprocess.check_output", E::Shell),
    ("subprocess.Popen", E::Shell),
    ("subprocess.getoutput", E::Shell),
    ("subprocess.getstatusoutput", E::Shell),
    ("commands.getoutput", E::Shell),
    ("commands.getstatusoutput", E::Shell),
    ("pty.spawn", E::Shell),
    ("asyncio.create_subprocess_shell", E::Shell),
    ("asyncio.create_subprocess_exec", E::Argv),
    ("exec", E::Exec),
    ("eval", E::Exec),
    ("compile", E::Exec),
    ("builtins.exec", E::Exec),
    ("builtins.eval", E::Exec),
    ("socket.socket", E::Socket),
    ("socket.fromfd", E::Socket),
    ("socket.create_connection", E::Connect),
    ("telnetlib.Telnet", E::Connect),
    ("ftplib.FTP", E::Connect),
    ("smtplib.SMTP", E::Connect),
    ("http.client.HTTPConnection", E::Connect),
    ("http.client.HTTPSConnection", E::Connect),
    (".connect", E::ConnectPort),
    (".connect_ex", E::ConnectPort),
    ("urllib.request.urlopen", E::Remote),
    ("urllib.request.urlretrieve", E::Remote),
    ("urllib.request.Request", E::Remote),
    ("urllib.urlopen", E::Remote),
    ("urllib2.urlopen", E::Remote),
    ("requests.get", E::Remote),
    ("requests.post", E::Remote),
    ("requests.put", E::Remote),
    ("requests.request", E::Remote),
    ("requests.Session", E::Remote),
    ("httpx.get", E::Remote),
    ("httpx.post", E::Remote),
    ("httpx.Client", E::Remote),
    ("urllib3.PoolManager", E::Remote),
    ("base64.b64decode", E::Decode),
    ("base64.b32decode", E::Decode),
    ("base64.b16decode", E::Decode),
    ("base64.a85decode", E::Decode),
    ("base64.b85decode", E::Decode),
    ("base64.urlsafe_b64decode", E::Decode),
    ("base64.standard_b64decode", E::Decode),
    ("base64.decodebytes", E::Decode),
    ("base64.decodestring", E::Decode),
    ("binascii.unhexlify", E::Decode),
    ("binascii.a2b_hex", E::Decode),
    ("binascii.a2b_base64", E::Decode),
    ("bytes.fromhex", E::Decode),
    ("bytearray.fromhex", E::Decode),
    ("codecs.decode", E::Decode),
    ("zlib.decompress", E::Decode),
    ("gzip.decompress", E::Decode),
    ("bz2.decompress", E::Decode),
    ("lzma.decompress", E::Decode),
    ("marshal.loads", E::Decode),
    (".decode", E::DecodeIf(CODECS)),
    ("os.dup2", E::Dup),
    ("os.dup", E::Dup),
    ("os.getenv", E::Getenv),
    ("os.environ.get", E::Getenv),
    ("os.path.expanduser", E::Identity),
    ("os.path.expandvars", E::Identity),
    ("os.path.abspath", E::Identity),
    ("os.path.realpath", E::Identity),
    ("os.path.normpath", E::Identity),
    ("os.path.join", E::Join),
    ("posixpath.join", E::Join),
    ("pathlib.Path", E::Join),
    ("pathlib.PosixPath", E::Join),
    ("pathlib.PurePath", E::Join),
    ("Path", E::Join),
    ("PosixPath", E::Join),
    ("pathlib.Path.home", E::Home),
    ("Path.home", E::Home),
    (".expanduser", E::RecvIdentity),
    (".resolve", E::RecvIdentity),
    (".absolute", E::RecvIdentity),
    (".joinpath", E::RecvJoin),
];

/// Methods of `os.environ` that read all of it.
const ENV_WHOLE: &[&str] = &[
    "copy", "items", "keys", "values", "__repr__", "__str__", "__iter__",
];

/// Whether the name at `i` reads `os.environ` wholesale (not `os.environ['X']`, not
/// `'X' in os.environ`).
fn env_dump(t: &[Tok], i: usize) -> bool {
    let Some(Tok::Ident(name)) = t.get(i) else {
        return false;
    };
    if let Some(m) = name.strip_prefix("os.environ.") {
        return ENV_WHOLE.contains(&m);
    }
    if name != "os.environ" && name != "os.environb" {
        return false;
    }
    if matches!(t.get(i + 1), Some(Tok::Op(o)) if o == "[") {
        return false;
    }
    let membership = i >= 2
        && matches!(&t[i - 1], Tok::Ident(w) if w == "in")
        && matches!(&t[i - 2], Tok::Str(..) | Tok::Ident(_))
        && !matches!(&t[i - 2], Tok::Ident(w) if w == "for");
    let for_loop = i >= 3 && matches!(&t[i - 3], Tok::Ident(w) if w == "for");
    !membership || for_loop
}

/// `import a.b as c`, `from m import x as y, z`, `from m import *`.
fn aliases(t: &[Tok]) -> Aliases {
    let mut out = Aliases::default();
    let mut i = 0;
    while i < t.len() {
        let Tok::Ident(kw) = &t[i] else {
            i += 1;
            continue;
        };
        let at_start = i == 0 || matches!(&t[i - 1], Tok::Op(o) if o == ";" || o == ":");
        if !at_start {
            i += 1;
            continue;
        }
        let mut module = None;
        if kw == "from" {
            if let (Some(Tok::Ident(m)), Some(Tok::Ident(imp))) = (t.get(i + 1), t.get(i + 2)) {
                if imp == "import" {
                    module = Some(m.clone());
                    i += 3;
                }
            }
            if module.is_none() {
                i += 1;
                continue;
            }
        } else if kw == "import" {
            i += 1;
        } else {
            i += 1;
            continue;
        }
        // Names up to the end of the statement.
        while i < t.len() {
            match &t[i] {
                Tok::Op(o) if o == ";" => break,
                Tok::Op(o) if o == "*" => {
                    if let Some(m) = &module {
                        out.star.push(m.clone());
                    }
                    i += 1;
                }
                Tok::Ident(name) => {
                    let alias = match (t.get(i + 1), t.get(i + 2)) {
                        (Some(Tok::Ident(a)), Some(Tok::Ident(b))) if a == "as" => {
                            i += 2;
                            Some(b.clone())
                        }
                        _ => None,
                    };
                    let full = match &module {
                        Some(m) => format!("{m}.{name}"),
                        None => name.clone(),
                    };
                    let local = alias.unwrap_or_else(|| {
                        if module.is_some() {
                            name.clone()
                        } else {
                            // `import os.path` binds `os`.
                            name.split('.').next().unwrap_or(name).to_owned()
                        }
                    });
                    if local != full && out.names.len() < 256 {
                        out.names.insert(local, full);
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
    }
    out
}

/// Splits Python code into tokens.
pub(super) fn tokenize(code: &str) -> Vec<Tok> {
    let mut c = Cursor::new(code);
    while c.i < c.s.len() {
        let b = c.s[c.i];
        match b {
            b'\n' => c.newline(),
            b'\\' if c.at(1) == b'\n' => c.i += 2,
            b' ' | b'\t' | b'\r' | 0x0c => c.i += 1,
            b'#' => c.skip_line(),
            b'\'' | b'"' => string(&mut c, 0),
            b'0'..=b'9' => {
                let n = c.number();
                c.toks.push(Tok::Num(n));
            }
            b'.' if c.at(1).is_ascii_digit() => {
                let n = c.number();
                c.toks.push(Tok::Num(n));
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                // String prefix (r, b, f, u, rb, br, fr, rf)?
                let mut k = 0;
                while k < 2 && matches!(c.at(k).to_ascii_lowercase(), b'r' | b'b' | b'f' | b'u') {
                    k += 1;
                }
                if k > 0 && matches!(c.at(k), b'\'' | b'"') {
                    string(&mut c, k);
                } else {
                    let w = c.ident(&[], true);
                    c.toks.push(Tok::Ident(w));
                }
            }
            _ => c.op(OPS),
        }
    }
    c.toks
}

/// Reads a string with a `prefix_len`-byte prefix at the cursor.
fn string(c: &mut Cursor<'_>, prefix_len: usize) {
    let prefix = c.s[c.i..c.i + prefix_len].to_ascii_lowercase();
    c.i += prefix_len;
    let q = c.s[c.i];
    let raw = prefix.contains(&b'r');
    let interp = if prefix.contains(&b'f') {
        Interp::Brace
    } else {
        Interp::No
    };
    let esc = if raw { Esc::Raw } else { Esc::Full };
    let triple = c.at(1) == q && c.at(2) == q;
    let (value, dynamic) = if triple {
        c.i += 3;
        let start = c.i;
        let close = [q, q, q];
        while c.i < c.s.len() && !c.s[c.i..].starts_with(&close) {
            c.i += if c.s[c.i] == b'\\' { 2 } else { 1 };
        }
        let end = c.i.min(c.s.len());
        c.i = (c.i + 3).min(c.s.len());
        let body = String::from_utf8_lossy(&c.s[start..end]).into_owned();
        let dynamic = interp == Interp::Brace && body.contains('{');
        (body, dynamic)
    } else {
        c.i += 1;
        c.quoted(q, q, esc, interp)
    };
    c.push_str(value, dynamic, StrKind::Plain);
}
