//! Perl and Ruby: tokenizers (quote-like operators, sigils, `%w()` literals) and effect tables.

use super::engine::{no_aliases, Effect as E, ParenLess, Spec};
use super::{Cursor, Esc, Interp, StrKind, Tok};

/// Perl's tables.
pub(super) const PERL: Spec = Spec {
    effects: PERL_EFFECTS,
    concat: &["."],
    path_div: false,
    paren_less: ParenLess::All,
    dot_methods: false,
    module_fns: &[],
    env_objects: &["$ENV"],
    env_dump: perl_env_dump,
    aliases: no_aliases,
};

/// Ruby's tables.
pub(super) const RUBY: Spec = Spec {
    effects: RUBY_EFFECTS,
    concat: &["+"],
    path_div: false,
    paren_less: ParenLess::All,
    dot_methods: true,
    module_fns: &[],
    env_objects: &["ENV"],
    env_dump: ruby_env_dump,
    aliases: no_aliases,
};

/// Perl function → effect.
const PERL_EFFECTS: &[(&str, E)] = &[
    ("open", E::PerlOpen),
    ("sysopen", E::FlagsOpen(1)),
    ("unlink", E::DeleteAll),
    ("rmdir", E::Delete(0)),
    ("rmtree", E::RmrfAll),
    ("remove_tree", E::RmrfAll),
    ("File::Path::rmtree", E::RmrfAll),
    ("File::Path::remove_tree", E::RmrfAll),
    ("chmod", E::ChmodFrom(1)),
    ("chown", E::ChmodFrom(2)),
    ("rename", E::Move),
    ("move", E::Move),
    ("mv", E::Move),
    ("File::Copy::move", E::Move),
    ("copy", E::Copy),
    ("cp", E::Copy),
    ("File::Copy::copy", E::Copy),
    ("read_file", E::Read(0)),
    ("File::Slurp::read_file", E::Read(0)),
    ("write_file", E::Write(0)),
    ("File::Slurp::write_file", E::Write(0)),
    ("system", E::Argv),
    ("exec", E::Argv),
    ("readpipe", E::Shell),
    ("eval", E::Exec),
    ("socket", E::Socket),
    ("connect", E::Connect),
    ("IO::Socket::INET.new", E::Connect),
    ("IO::Socket::IP.new", E::Connect),
    ("IO::Socket::SSL.new", E::Connect),
    ("Net::Telnet.new", E::Connect),
    ("LWP::UserAgent.new", E::Remote),
    ("HTTP::Tiny.new", E::Remote),
    ("LWP::Simple::get", E::Remote),
    ("getstore", E::Remote),
    ("getprint", E::Remote),
    ("get", E::RemoteIfUrl),
    ("decode_base64", E::Decode),
    ("MIME::Base64::decode_base64", E::Decode),
    ("decode_base64url", E::Decode),
    ("uncompress", E::Decode),
    ("Compress::Zlib::uncompress", E::Decode),
    ("memGunzip", E::Decode),
    ("pack", E::DecodeIf(&["H*", "h*", "u"])),
    ("unpack", E::DecodeIf(&["m", "m*", "m0", "u", "u*"])),
    ("File::HomeDir.my_home", E::Home),
    ("File::Spec.catfile", E::Join),
    ("File::Spec.catdir", E::Join),
    ("catfile", E::Join),
    ("glob", E::Identity),
];

/// Ruby method → effect.
const RUBY_EFFECTS: &[(&str, E)] = &[
    ("File.read", E::Read(0)),
    ("IO.read", E::Read(0)),
    ("File.readlines", E::Read(0)),
    ("IO.readlines", E::Read(0)),
    ("File.binread", E::Read(0)),
    ("IO.binread", E::Read(0)),
    ("File.foreach", E::Read(0)),
    ("IO.foreach", E::Read(0)),
    ("File.open", E::Open { path: 0, mode: 1 }),
    ("File.new", E::Open { path: 0, mode: 1 }),
    ("open", E::RubyOpen),
    ("Kernel.open", E::RubyOpen),
    ("URI.open", E::RubyOpen),
    ("File.write", E::Write(0)),
    ("IO.write", E::Write(0)),
    ("File.binwrite", E::Write(0)),
    ("IO.binwrite", E::Write(0)),
    ("File.delete", E::DeleteAll),
    ("File.unlink", E::DeleteAll),
    ("FileUtils.rm", E::DeleteAll),
    ("FileUtils.rm_f", E::DeleteAll),
    ("FileUtils.remove", E::DeleteAll),
    ("FileUtils.remove_file", E::DeleteAll),
    ("FileUtils.rmdir", E::DeleteAll),
    ("Dir.rmdir", E::Delete(0)),
    ("Dir.delete", E::Delete(0)),
    ("Dir.unlink", E::Delete(0)),
    ("FileUtils.rm_r", E::RmrfAll),
    ("FileUtils.rm_rf", E::RmrfAll),
    ("FileUtils.rmtree", E::RmrfAll),
    ("FileUtils.remove_dir", E::RmrfAll),
    ("FileUtils.remove_entry", E::RmrfAll),
    ("FileUtils.remove_entry_secure", E::RmrfAll),
    ("File.chmod", E::ChmodFrom(1)),
    ("FileUtils.chmod", E::ChmodFrom(1)),
    ("FileUtils.chmod_R", E::ChmodFrom(1)),
    ("File.chown", E::ChmodFrom(2)),
    ("FileUtils.chown", E::ChmodFrom(2)),
    ("FileUtils.chown_R", E::ChmodFrom(2)),
    ("FileUtils.cp", E::Copy),
    ("FileUtils.cp_r", E::Copy),
    ("FileUtils.copy", E::Copy),
    ("FileUtils.copy_file", E::Copy),
    ("FileUtils.install", E::Copy),
    ("FileUtils.mv", E::Move),
    ("FileUtils.move", E::Move),
    ("File.rename", E::Move),
    ("system", E::Argv),
    ("exec", E::Argv),
    ("spawn", E::Argv),
    ("Kernel.system", E::Argv),
    ("Kernel.exec", E::Argv),
    ("Kernel.spawn", E::Argv),
    ("Process.spawn", E::Argv),
    ("Process.exec", E::Argv),
    ("IO.popen", E::Shell),
    ("Open3.popen3", E::Argv),
    ("Open3.popen2", E::Argv),
    ("Open3.popen2e", E::Argv),
    ("Open3.capture2", E::Argv),
    ("Open3.capture2e", E::Argv),
    ("Open3.capture3", E::Argv),
    ("PTY.spawn", E::Argv),
    ("eval", E::Exec),
    ("Kernel.eval", E::Exec),
    ("instance_eval", E::Exec),
    ("class_eval", E::Exec),
    ("module_eval", E::Exec),
    (".instance_eval", E::Exec),
    (".class_eval", E::Exec),
    (".module_eval", E::Exec),
    ("binding.eval", E::Exec),
    ("TCPSocket.new", E::Connect),
    ("TCPSocket.open", E::Connect),
    ("Socket.tcp", E::Connect),
    ("TCPSocket", E::Socket),
    ("Socket.new", E::Socket),
    ("UDPSocket.new", E::Socket),
    (".connect", E::ConnectPort),
    ("Net::HTTP.get", E::Remote),
    ("Net::HTTP.get_response", E::Remote),
    ("Net::HTTP.post", E::Remote),
    ("Net::HTTP.start", E::Remote),
    ("Net::HTTP.new", E::Remote),
    ("Net::HTTP::Get.new", E::Remote),
    ("HTTParty.get", E::Remote),
    ("Faraday.get", E::Remote),
    ("Base64.decode64", E::Decode),
    ("Base64.strict_decode64", E::Decode),
    ("Base64.urlsafe_decode64", E::Decode),
    ("Zlib::Inflate.inflate", E::Decode),
    ("Zlib.inflate", E::Decode),
    ("Zlib.gunzip", E::Decode),
    (".unpack1", E::DecodeIf(&["m", "m0", "m*", "H*", "h*", "u"])),
    (".unpack", E::DecodeIf(&["m", "m0", "m*", "H*", "h*", "u"])),
    (".pack", E::DecodeIf(&["H*", "h*"])),
    (".reopen", E::Dup),
    ("IO.for_fd", E::Dup),
    ("ENV.fetch", E::Getenv),
    ("Dir.home", E::Home),
    ("File.expand_path", E::Identity),
    ("File.absolute_path", E::Identity),
    ("File.realpath", E::Identity),
    ("Pathname.new", E::Identity),
    ("Pathname", E::Identity),
    ("File.join", E::Join),
    (".expand_path", E::RecvIdentity),
];

/// `%ENV` as a whole (`keys %ENV`, `print %ENV`), not `$ENV{X}`.
fn perl_env_dump(t: &[Tok], i: usize) -> bool {
    matches!(t.get(i), Some(Tok::Ident(n)) if n == "%ENV" || n == "@ENV")
}

/// Methods of Ruby's `ENV` reading one variable.
const RUBY_ENV_ONE: &[&str] = &[
    "fetch", "key?", "has_key?", "include?", "member?", "delete", "store", "[]", "[]=",
];

/// `ENV` used whole (`ENV.to_h`, `ENV.each`, `p ENV`), not `ENV['X']` or `ENV.fetch('X')`.
fn ruby_env_dump(t: &[Tok], i: usize) -> bool {
    let Some(Tok::Ident(n)) = t.get(i) else {
        return false;
    };
    if let Some(m) = n.strip_prefix("ENV.") {
        return !RUBY_ENV_ONE.contains(&m);
    }
    n == "ENV" && !matches!(t.get(i + 1), Some(Tok::Op(o)) if o == "[" || o == "=")
}

/// Perl operators, longest first.
const PERL_OPS: &[&str] = &[
    "<=>", "**=", "||=", "&&=", "//=", "...", "=>", "->", "++", "--", "**", "=~", "!~", "==", "!=",
    "<=", ">=", "&&", "||", "//", "..", "<<", ">>", ".=", "+=", "-=", "*=", "/=", "x=",
];

/// Ruby operators, longest first.
const RUBY_OPS: &[&str] = &[
    "**=", "||=", "&&=", "<=>", "===", "...", "==", "!=", ">=", "<=", "&&", "||", "<<", ">>", "=~",
    "!~", "**", "+=", "-=", "*=", "/=", "..", "->", "=>", "::",
];

/// Words after which `/` starts a regular expression.
const REGEX_WORDS: &[&str] = &[
    "split", "grep", "map", "if", "unless", "and", "or", "not", "return", "when", "while", "until",
    "puts", "print", "p",
];

/// The closing delimiter for `open`.
fn closer(open: u8) -> u8 {
    match open {
        b'(' => b')',
        b'[' => b']',
        b'{' => b'}',
        b'<' => b'>',
        o => o,
    }
}

/// Whether `b` can delimit a quote-like literal.
fn delimiter(b: u8) -> bool {
    b.is_ascii_punctuation()
        && !matches!(
            b,
            b'=' | b',' | b';' | b')' | b'_' | b'>' | b'.' | b'-' | b'}' | b']'
        )
}

/// Splits Perl code into tokens.
pub(super) fn tokenize_perl(code: &str) -> Vec<Tok> {
    let mut c = Cursor::new(code);
    while c.i < c.s.len() {
        let b = c.s[c.i];
        let n = c.at(1);
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | 0x0c => c.i += 1,
            b'#' => c.skip_line(),
            b'$' | b'@' | b'%' | b'&'
                if n.is_ascii_alphabetic()
                    || n == b'_'
                    || n == b':'
                    || (b != b'&' && n == b'{' && b != b'%') =>
            {
                c.i += 1;
                if n == b'{' {
                    // ${name} / @{...}: a dereference, kept as the sigil and a bracket.
                    c.toks.push(Tok::Ident((b as char).to_string()));
                    continue;
                }
                let w = c.ident(&[], false);
                let w = if b == b'&' {
                    w
                } else {
                    format!("{}{w}", b as char)
                };
                c.toks.push(Tok::Ident(w));
            }
            b'$' if n != 0 && !n.is_ascii_whitespace() => {
                // Special variables: $_, $0, $!, $@, $/ ...
                c.i += 2;
                c.toks.push(Tok::Ident(format!("${}", n as char)));
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
            b'/' if c.regex_allowed(REGEX_WORDS) => {
                c.i += 1;
                let _ = c.quoted(b'/', b'/', Esc::Raw, Interp::No);
                skip_modifiers(&mut c);
                c.toks.push(Tok::Op("re".into()));
            }
            b'0'..=b'9' => {
                let w = c.number();
                c.toks.push(Tok::Num(w));
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let w = c.ident(&[], false);
                if !quote_like(&mut c, &w, Lang::Perl) {
                    c.toks.push(Tok::Ident(w));
                }
            }
            _ => c.op(PERL_OPS),
        }
    }
    c.toks
}

/// Which family a quote-like literal is read for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    /// Perl quote-like operators.
    Perl,
    /// Ruby `%` literals.
    Ruby,
}

/// Reads a quote-like literal after `word` (`q(..)`, `qw{..}`, `s/a/b/`; Ruby `%w(..)` is
/// passed as `w`). Returns false when `word` does not start one here.
fn quote_like(c: &mut Cursor<'_>, word: &str, lang: Lang) -> bool {
    let kinds: &[&str] = match lang {
        Lang::Perl => &["q", "qq", "qw", "qx", "m", "qr", "s", "tr", "y"],
        Lang::Ruby => &["q", "Q", "w", "W", "i", "I", "x", "r", "s", ""],
    };
    if !kinds.contains(&word) {
        return false;
    }
    let mut k = 0;
    if lang == Lang::Perl {
        while c.at(k) == b' ' {
            k += 1;
        }
        // `s => 1`, `y = 2`, `q,` are not literals.
        if c.at(k) == b'=' || (k > 0 && c.at(k) == b'#') {
            return false;
        }
    }
    let open = c.at(k);
    if !delimiter(open) {
        return false;
    }
    c.i += k + 1;
    let close = closer(open);
    let interp_ok = !(lang == Lang::Perl && open == b'\'');
    let (esc, interp, kind) = match (lang, word) {
        (Lang::Perl, "q") | (Lang::Ruby, "q" | "w" | "i") => {
            (Esc::QuoteOnly, Interp::No, StrKind::Plain)
        }
        (Lang::Perl, "qq") => (Esc::Full, Interp::Sigil, StrKind::Plain),
        (Lang::Perl, "qw") => (Esc::QuoteOnly, Interp::No, StrKind::Words),
        (Lang::Perl, "qx") => (
            Esc::Full,
            if interp_ok { Interp::Sigil } else { Interp::No },
            StrKind::Shell,
        ),
        (Lang::Ruby, "Q" | "" | "W" | "I") => (Esc::Full, Interp::HashBrace, StrKind::Plain),
        (Lang::Ruby, "x") => (Esc::Full, Interp::HashBrace, StrKind::Shell),
        _ => {
            // Regular expressions and substitutions: skipped.
            let _ = c.quoted(open, close, Esc::Raw, Interp::No);
            if lang == Lang::Perl && matches!(word, "s" | "tr" | "y") {
                if open != close {
                    while c.at(0).is_ascii_whitespace() && c.i < c.s.len() {
                        c.i += 1;
                    }
                    let o2 = c.at(0);
                    if delimiter(o2) {
                        c.i += 1;
                        let _ = c.quoted(o2, closer(o2), Esc::Raw, Interp::No);
                    }
                } else {
                    let _ = c.quoted(open, close, Esc::Raw, Interp::No);
                }
            }
            skip_modifiers(c);
            c.toks.push(Tok::Op("re".into()));
            return true;
        }
    };
    let (v, d) = c.quoted(open, close, esc, interp);
    let kind = if matches!(word, "w" | "W" | "i" | "I") && lang == Lang::Ruby {
        StrKind::Words
    } else {
        kind
    };
    let v = if kind == StrKind::Words {
        v.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        v
    };
    c.push_str(v, d, kind);
    true
}

/// Skips regex modifier letters.
fn skip_modifiers(c: &mut Cursor<'_>) {
    while c.i < c.s.len() && c.s[c.i].is_ascii_alphabetic() {
        c.i += 1;
    }
}

/// Splits Ruby code into tokens.
pub(super) fn tokenize_ruby(code: &str) -> Vec<Tok> {
    let mut c = Cursor::new(code);
    while c.i < c.s.len() {
        let b = c.s[c.i];
        let n = c.at(1);
        match b {
            b'\n' => c.newline(),
            b'\\' if n == b'\n' => c.i += 2,
            b' ' | b'\t' | b'\r' | 0x0c => c.i += 1,
            b'#' => c.skip_line(),
            b'=' if c.starts("=begin") && (c.i == 0 || c.s[c.i - 1] == b'\n') => {
                c.skip_past("\n=end")
            }
            b'$' | b'@' if n.is_ascii_alphabetic() || n == b'_' || n == b'@' => {
                let sigil = if n == b'@' {
                    "@@"
                } else if b == b'@' {
                    "@"
                } else {
                    "$"
                };
                c.i += sigil.len();
                let w = c.ident(&[], true);
                c.toks.push(Tok::Ident(format!("{sigil}{w}")));
            }
            b'$' if n != 0 && !n.is_ascii_whitespace() => {
                c.i += 2;
                c.toks.push(Tok::Ident(format!("${}", n as char)));
            }
            b'\'' => {
                c.i += 1;
                let (v, _) = c.quoted(b'\'', b'\'', Esc::QuoteOnly, Interp::No);
                c.push_str(v, false, StrKind::Plain);
            }
            b'"' => {
                c.i += 1;
                let (v, d) = c.quoted(b'"', b'"', Esc::Full, Interp::HashBrace);
                c.push_str(v, d, StrKind::Plain);
            }
            b'`' => {
                c.i += 1;
                let (v, d) = c.quoted(b'`', b'`', Esc::Full, Interp::HashBrace);
                c.push_str(v, d, StrKind::Shell);
            }
            b'%' if matches!(
                n,
                b'q' | b'Q' | b'w' | b'W' | b'i' | b'I' | b'x' | b'r' | b's'
            ) && delimiter(c.at(2))
                && !c.at(2).is_ascii_whitespace() =>
            {
                c.i += 1;
                let w = (n as char).to_string();
                c.i += 1;
                if !quote_like(&mut c, &w, Lang::Ruby) {
                    c.toks.push(Tok::Op("%".into()));
                }
            }
            b'%' if matches!(n, b'(' | b'[' | b'{' | b'|' | b'!')
                && c.regex_allowed(REGEX_WORDS) =>
            {
                c.i += 1;
                quote_like(&mut c, "", Lang::Ruby);
            }
            b'/' if c.regex_allowed(REGEX_WORDS) => {
                c.i += 1;
                let _ = c.quoted(b'/', b'/', Esc::Raw, Interp::No);
                skip_modifiers(&mut c);
                c.toks.push(Tok::Op("re".into()));
            }
            b'?' if n.is_ascii_alphanumeric()
                && !c.at(2).is_ascii_alphanumeric()
                && c.regex_allowed(REGEX_WORDS) =>
            {
                c.i += 2; // character literal
                c.toks
                    .push(Tok::Str((n as char).to_string(), StrKind::Plain));
            }
            b'0'..=b'9' => {
                let w = c.number();
                c.toks.push(Tok::Num(w));
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let mut w = c.ident(&[], true);
                if matches!(c.at(0), b'?' | b'!') && c.at(1) != b'=' {
                    w.push(c.at(0) as char);
                    c.i += 1;
                }
                c.toks.push(Tok::Ident(w));
            }
            _ => c.op(RUBY_OPS),
        }
    }
    c.toks
}
