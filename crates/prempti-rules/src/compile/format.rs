//! Output formats: a rule's `output` (or an `append_output` entry) → a [`Format`] of literal
//! text and bound operands (COMPAT.md §10).

use crate::ast::{Operand, TArg};
use crate::messages as msg;
use crate::parse::parse_operand_prefix;
use crate::program::{Format, OutField, Seg};

use super::Binder;

/// Longest token text tried after a `%`.
const MAX_TOKEN: usize = 4096;

fn collect_fields(o: &Operand, b: &Binder<'_>, out: &mut Vec<OutField>) {
    match o {
        Operand::Field(f) => {
            if let Ok((c, ty)) = b.operand(o) {
                let key = crate::ast::operand_text(&Operand::Field(f.clone()));
                if !out.iter().any(|x| x.key == key) {
                    out.push(OutField { key, op: c, ty });
                }
            }
        }
        Operand::Transform { args, .. } => {
            for a in args {
                collect_targ(a, b, out);
            }
        }
    }
}

fn collect_targ(a: &TArg, b: &Binder<'_>, out: &mut Vec<OutField>) {
    match a {
        TArg::Operand(o) => collect_fields(o, b, out),
        TArg::Value(_) => {}
        TArg::List(l) => l.iter().for_each(|x| collect_targ(x, b, out)),
    }
}

/// Compiles a format string. `rule_output` strips one leading `*` as Falco does for rules.
pub(crate) fn compile_format(
    fmt: &str,
    b: &Binder<'_>,
    rule_output: bool,
) -> Result<Format, String> {
    if fmt.is_empty() && !rule_output {
        return Err(msg::FMT_EMPTY_TOKEN.to_string());
    }
    let text = if rule_output {
        fmt.strip_prefix('*').unwrap_or(fmt)
    } else {
        fmt
    };
    let bytes = text.as_bytes();
    let mut f = Format::default();
    let mut lit = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(off) = text[i..].find('%') else {
            lit.push_str(&text[i..]);
            break;
        };
        lit.push_str(&text[i..i + off]);
        i += off + 1;
        if i >= bytes.len() {
            return Err(msg::FMT_ENDS_PERCENT.to_string());
        }
        let ws = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let width = if i > ws {
            text[ws..i].parse::<usize>().ok()
        } else {
            None
        };
        if i >= bytes.len() {
            return Err(msg::FMT_ENDS_NUMBER.to_string());
        }
        let rest = &text[i..];
        let mut cand_len = rest.len().min(MAX_TOKEN);
        while !rest.is_char_boundary(cand_len) {
            cand_len -= 1;
        }
        let mut found = None;
        while cand_len > 0 {
            let cand = &rest[..cand_len];
            match parse_operand_prefix(cand) {
                Ok((o, used)) => match b.operand(&o) {
                    Ok((c, ty)) => {
                        found = Some((o, c, ty, used));
                        break;
                    }
                    Err(_) => cand_len = used.min(cand_len) - 1,
                },
                Err(_) => cand_len -= 1,
            }
            while cand_len > 0 && !rest.is_char_boundary(cand_len) {
                cand_len -= 1;
            }
        }
        let Some((o, c, ty, used)) = found else {
            return Err(msg::FMT_UNKNOWN_FILTER.to_string());
        };
        if !lit.is_empty() {
            f.segs.push(Seg::Lit(std::mem::take(&mut lit)));
        }
        collect_fields(&o, b, &mut f.fields);
        f.segs.push(Seg::Tok {
            op: c,
            width,
            list: ty.list,
        });
        i += used;
    }
    if !lit.is_empty() {
        f.segs.push(Seg::Lit(lit));
    }
    Ok(f)
}
