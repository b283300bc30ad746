//! Text the analysis can compute without running anything: the output of `echo`, `printf`,
//! `cat`, `base64 -d`, `xxd -r -p` and `rev` over literal input. It lets a payload built by
//! a command (`$(printf '\x72\x6d')`, `echo cm0gLXJmIH4= | base64 -d | sh`) be analyzed as
//! what it is.

use base64::Engine as _;
use tree_sitter::Node;

use crate::analyzer::{Analyzer, Ctx};
use crate::model::Program;

/// Largest output computed.
const MAX_OUTPUT: usize = 16 * 1024;

impl Analyzer<'_> {
    /// The output of a command substitution whose programs (recorded from `before` on) are
    /// one static pipeline, trailing newlines removed as the shell does.
    pub(crate) fn static_output(
        &self,
        node: Node<'_>,
        ctx: Ctx<'_>,
        before: usize,
    ) -> Option<String> {
        let raw = ctx.text(node);
        if raw.contains([';', '\n']) || raw.contains("&&") || raw.contains("||") {
            return None;
        }
        let programs = self.out.programs.get(before..)?;
        let out = fold(programs, None, false)?;
        Some(out.trim_end_matches('\n').to_owned())
    }

    /// The output of the programs recorded from `before` on (one pipeline stage), given
    /// their input. Listings count: the paths `find ROOT...` and `ls -d PATH...` print are
    /// taken to be their operands (what `| xargs rm -rf` then acts on, or below it).
    pub(crate) fn stage_output(&self, before: usize, input: Option<String>) -> Option<String> {
        fold(self.out.programs.get(before..)?, input, true)
    }
}

/// Runs `programs` as a pipeline on `input`, if each is one the analysis can evaluate;
/// `listings` lets `find` and `ls -d` stand for the paths they name.
fn fold(programs: &[Program], mut input: Option<String>, listings: bool) -> Option<String> {
    if programs.is_empty() {
        return None;
    }
    // Arguments holding an expansion the analysis could not resolve (`$X`, a backtick) are
    // taken as written: the text is still what the pipeline hands on, with the unknown part
    // left unknown (`echo $CMD | sh` runs a dynamic program, `printf '%s' '$HOME/x' >> f`
    // writes `$HOME/x`).
    for p in programs {
        let out = match (listings, p.name.as_str()) {
            (true, "find" | "ls") => listing(p)?,
            _ => run(p, input.take())?,
        };
        if out.len() > MAX_OUTPUT {
            return None;
        }
        input = Some(out);
    }
    input
}

fn run(p: &Program, input: Option<String>) -> Option<String> {
    let args: Vec<&str> = p.args.iter().map(String::as_str).collect();
    match p.name.as_str() {
        "echo" => Some(echo(&args)),
        "printf" => printf(&args),
        "cat" if args.is_empty() => input,
        "tee" => input,
        "base64" | "base32" if args.iter().any(|a| matches!(*a, "-d" | "--decode" | "-D")) => {
            let text = input?;
            let compact: String = text.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .or_else(|_| {
                    base64::engine::general_purpose::STANDARD_NO_PAD
                        .decode(compact.trim_end_matches('='))
                })
                .ok()?;
            String::from_utf8(bytes).ok()
        }
        "xxd" if args.contains(&"-r") && args.contains(&"-p") => hex(&input?),
        "rev" if args.is_empty() => Some(
            input?
                .lines()
                .map(|l| l.chars().rev().collect::<String>())
                .collect::<Vec<_>>()
                .join("\n")
                + "\n",
        ),
        _ => None,
    }
}

/// The paths a listing names: `find`'s starting points, `ls -d`'s operands.
fn listing(p: &Program) -> Option<String> {
    let operands: Vec<&String> = match p.name.as_str() {
        "find" => p
            .args
            .iter()
            .take_while(|a| !a.starts_with('-') && !matches!(a.as_str(), "(" | "!"))
            .collect(),
        _ if p
            .args
            .iter()
            .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('d')) =>
        {
            p.args.iter().filter(|a| !a.starts_with('-')).collect()
        }
        _ => return None,
    };
    if operands.is_empty() {
        return (p.name == "find").then(|| ".\n".to_owned());
    }
    let mut out = String::new();
    for o in operands {
        out.push_str(o);
        out.push('\n');
    }
    Some(out)
}

fn echo(args: &[&str]) -> String {
    let mut newline = true;
    let mut escapes = false;
    let mut rest = args;
    while let Some((first, tail)) = rest.split_first() {
        let flags = first
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && f.chars().all(|c| matches!(c, 'n' | 'e' | 'E')));
        let Some(flags) = flags else { break };
        for c in flags.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        rest = tail;
    }
    let text = rest.join(" ");
    let mut out = if escapes { unescape(&text) } else { text };
    if newline {
        out.push('\n');
    }
    out
}

/// `printf FORMAT ARGS...`: `%s`, `%b`, `%c`, `%d`, `%%` and backslash escapes; the format
/// is reused while arguments remain.
fn printf(args: &[&str]) -> Option<String> {
    let (format, mut rest) = args.split_first()?;
    let format = unescape(format);
    let mut out = String::new();
    loop {
        let mut chars = format.chars().peekable();
        let mut used = false;
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            // Skip flags and width.
            while chars
                .peek()
                .is_some_and(|c| matches!(c, '-' | '+' | ' ' | '#' | '0'..='9' | '.'))
            {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some(conv @ ('s' | 'b' | 'c' | 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'q')) => {
                    used = true;
                    let value = rest.first().copied().unwrap_or("");
                    rest = rest.get(1..).unwrap_or_default();
                    match conv {
                        'b' => out.push_str(&unescape(value)),
                        'c' => out.extend(value.chars().next()),
                        _ => out.push_str(value),
                    }
                }
                _ => return None,
            }
            if out.len() > MAX_OUTPUT {
                return None;
            }
        }
        if rest.is_empty() || !used {
            break;
        }
    }
    Some(out)
}

/// Backslash escapes of `printf` formats and `echo -e`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('a') => out.push('\x07'),
            Some('e') => out.push('\x1b'),
            Some(r @ ('x' | 'u')) => {
                let max = if r == 'x' { 2 } else { 4 };
                let mut value = 0u32;
                let mut n = 0;
                while n < max {
                    match chars.peek().and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            value = value * 16 + d;
                            chars.next();
                            n += 1;
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(value));
            }
            Some(d @ '0'..='7') => {
                let mut value = d.to_digit(8).unwrap_or(0);
                for _ in 0..3 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(v) => {
                            value = value * 8 + v;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(value));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn hex(text: &str) -> Option<String> {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(16)).collect();
    let bytes: Vec<u8> = digits
        .chunks_exact(2)
        .map(|p| (p[0] * 16 + p[1]) as u8)
        .collect();
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prog(name: &str, args: &[&str]) -> Program {
        Program {
            name: name.into(),
            path: name.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    fn fold_t(programs: &[Program], input: Option<String>) -> Option<String> {
        fold(programs, input, false)
    }

    #[test]
    fn listings_feed_only_pipelines() {
        let find = prog("find", &["/h/Documents", "-depth", "-print0"]);
        assert_eq!(
            fold(std::slice::from_ref(&find), None, true).as_deref(),
            Some("/h/Documents\n")
        );
        assert_eq!(fold(&[find], None, false), None);
        let ls = prog("ls", &["-d", "/h/Pictures"]);
        assert_eq!(fold(&[ls], None, true).as_deref(), Some("/h/Pictures\n"));
        assert_eq!(fold(&[prog("ls", &["/h"])], None, true), None);
    }

    #[test]
    fn printf_echo_and_decoders() {
        assert_eq!(
            fold_t(&[prog("printf", &["\\x72\\x6d"])], None).as_deref(),
            Some("rm")
        );
        assert_eq!(
            fold_t(&[prog("printf", &["%s-", "a", "b"])], None).as_deref(),
            Some("a-b-")
        );
        assert_eq!(
            fold_t(&[prog("echo", &["-n", "a", "b"])], None).as_deref(),
            Some("a b")
        );
        let decoded = fold_t(
            &[prog("echo", &["cm0gLXJmIH4="]), prog("base64", &["-d"])],
            None,
        );
        assert_eq!(decoded.as_deref(), Some("rm -rf ~"));
        assert_eq!(
            fold_t(&[prog("xxd", &["-r", "-p"])], Some("726d".into())).as_deref(),
            Some("rm")
        );
        assert_eq!(
            fold_t(&[prog("rev", &[])], Some("fr- mr\n".into())).as_deref(),
            Some("rm -rf\n")
        );
        // An unresolved expansion is handed on as written.
        assert_eq!(
            fold_t(&[prog("echo", &["$X"])], None).as_deref(),
            Some("$X\n")
        );
        assert_eq!(fold_t(&[prog("ls", &[])], None), None);
    }
}
