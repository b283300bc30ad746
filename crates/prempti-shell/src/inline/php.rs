//! PHP (`php -r`): tokenizer and effect table.

use super::engine::{no_aliases, Effect as E, ParenLess, Spec};
use super::{Cursor, Esc, Interp, StrKind, Tok};

/// PHP's tables.
pub(super) const SPEC: Spec = Spec {
    effects: EFFECTS,
    concat: &["."],
    path_div: false,
    paren_less: ParenLess::Only(&["include", "include_once", "require", "require_once"]),
    dot_methods: false,
    module_fns: &[],
    env_objects: &["$_SERVER", "$_ENV"],
    env_dump,
    aliases: no_aliases,
};

/// Function (lower case) → effect.
const EFFECTS: &[(&str, E)] = &[
    ("file_get_contents", E::Read(0)),
    ("file", E::Read(0)),
    ("readfile", E::Read(0)),
    ("parse_ini_file", E::Read(0)),
    ("highlight_file", E::Read(0)),
    ("show_source", E::Read(0)),
    ("fopen", E::Open { path: 0, mode: 1 }),
    ("splfileobject", E::Open { path: 0, mode: 1 }),
    ("file_put_contents", E::Write(0)),
    ("touch", E::Write(0)),
    ("symlink", E::Write(1)),
    ("unlink", E::Delete(0)),
    ("rmdir", E::Delete(0)),
    ("chmod", E::Chmod(0)),
    ("chown", E::Chmod(0)),
    ("chgrp", E::Chmod(0)),
    ("lchown", E::Chmod(0)),
    ("copy", E::Copy),
    ("rename", E::Move),
    ("system", E::Shell),
    ("exec", E::Shell),
    ("shell_exec", E::Shell),
    ("passthru", E::Shell),
    ("popen", E::Shell),
    ("proc_open", E::Shell),
    ("pcntl_exec", E::Argv),
    ("eval", E::Exec),
    ("assert", E::Exec),
    ("create_function", E::Exec),
    ("include", E::Include),
    ("include_once", E::Include),
    ("require", E::Include),
    ("require_once", E::Include),
    ("fsockopen", E::Connect),
    ("pfsockopen", E::Connect),
    ("stream_socket_client", E::Connect),
    ("socket_connect", E::Connect),
    ("socket_create", E::Socket),
    ("curl_init", E::Remote),
    ("curl_exec", E::Remote),
    ("base64_decode", E::Decode),
    ("hex2bin", E::Decode),
    ("str_rot13", E::Decode),
    ("gzinflate", E::Decode),
    ("gzuncompress", E::Decode),
    ("gzdecode", E::Decode),
    ("zlib_decode", E::Decode),
    ("convert_uudecode", E::Decode),
    ("getenv", E::Getenv),
    ("realpath", E::Identity),
];

/// `$_ENV` / `$_SERVER` used whole, `phpinfo()`.
fn env_dump(t: &[Tok], i: usize) -> bool {
    let Some(Tok::Ident(n)) = t.get(i) else {
        return false;
    };
    match n.as_str() {
        "phpinfo" => true,
        "$_ENV" | "$_SERVER" => !matches!(t.get(i + 1), Some(Tok::Op(o)) if o == "[" || o == "="),
        _ => false,
    }
}

/// Operators, longest first.
const OPS: &[&str] = &[
    "===", "!==", "<=>", "**=", "??=", "...", "->", "=>", "==", "!=", "<>", "<=", ">=", "&&", "||",
    "??", "++", "--", "+=", "-=", "*=", "/=", ".=", "**", "::", "<<", ">>",
];

/// Splits PHP code into tokens.
pub(super) fn tokenize(code: &str) -> Vec<Tok> {
    let mut c = Cursor::new(code);
    while c.i < c.s.len() {
        let b = c.s[c.i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0c => c.i += 1,
            b'<' if c.starts("<?php") => c.i += 5,
            b'<' if c.starts("<?=") || c.starts("<?") => c.i += 2,
            b'?' if c.at(1) == b'>' => c.i += 2,
            b'/' if c.at(1) == b'/' => c.skip_line(),
            b'#' if c.at(1) != b'[' => c.skip_line(),
            b'/' if c.at(1) == b'*' => {
                c.i += 2;
                c.skip_past("*/");
            }
            b'\'' => {
                c.i += 1;
                let (v, _) = c.quoted(b'\'', b'\'', Esc::QuoteOnly, Interp::No);
                c.push_str(v, false, StrKind::Plain);
            }
            b'"' => {
                c.i += 1;
                let (v, d) = c.quoted(b'"', b'"', Esc::Full, Interp::Sigil);
                c.push_str(v, d, StrKind::Plain);
            }
            b'`' => {
                c.i += 1;
                let (v, d) = c.quoted(b'`', b'`', Esc::Full, Interp::Sigil);
                c.push_str(v, d, StrKind::Shell);
            }
            b'$' if c.at(1).is_ascii_alphabetic() || c.at(1) == b'_' => {
                c.i += 1;
                let w = c.ident(&[], false);
                c.toks.push(Tok::Ident(format!("${w}")));
            }
            b'0'..=b'9' => {
                let w = c.number();
                c.toks.push(Tok::Num(w));
            }
            b'\\' if c.at(1).is_ascii_alphabetic() => c.i += 1, // \system(...)
            _ if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let w = c.ident(b"\\", false);
                c.toks.push(Tok::Ident(w.to_ascii_lowercase()));
            }
            _ => c.op(OPS),
        }
    }
    c.toks
}
