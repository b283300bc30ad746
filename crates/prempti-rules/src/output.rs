//! Outputs: format strings (reference §7.1–7.3), rendering, the text alert line (§7.4) and
//! Falco's JSON alert (§7.5).

use std::collections::BTreeMap;

use crate::ast::{Operand, TArg};
use crate::compile::{Binder, Ty};
use crate::eval::{COperand, Ctx};
use crate::field::{FieldType, Value};
use crate::messages as msg;
use crate::parse::parse_operand_prefix;

/// Longest token text tried after a `%`.
const MAX_TOKEN: usize = 4096;

/// One piece of a compiled format.
#[derive(Debug, Clone)]
pub(crate) enum Seg {
    Lit(String),
    Tok {
        op: COperand,
        width: Option<usize>,
        list: bool,
    },
}

/// A field whose value goes into `output_fields`.
#[derive(Debug, Clone)]
pub(crate) struct OutField {
    pub(crate) key: String,
    pub(crate) op: COperand,
    pub(crate) ty: Ty,
}

/// A compiled format string.
#[derive(Debug, Clone, Default)]
pub(crate) struct Format {
    pub(crate) segs: Vec<Seg>,
    pub(crate) fields: Vec<OutField>,
}

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

/// Renders one value as text.
pub(crate) fn render_value(v: &Value<'_>) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::U64(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Ip(ip) => ip.to_string(),
        Value::Net(_) => "<IPNET>".to_string(),
    }
}

fn render_values(vals: &[Value<'_>], list: bool) -> String {
    if vals.is_empty() {
        return "<NA>".to_string();
    }
    if list {
        let inner: Vec<String> = vals.iter().map(render_value).collect();
        return format!("({})", inner.join(","));
    }
    render_value(&vals[0])
}

fn json_value(v: &Value<'_>) -> serde_json::Value {
    match v {
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::U64(n) => serde_json::Value::from(*n),
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Ip(ip) => serde_json::Value::String(ip.to_string()),
        Value::Net(_) => serde_json::Value::String("<IPNET>".into()),
    }
}

/// Typed JSON for `output_fields`.
pub(crate) fn json_values(vals: &[Value<'_>], ty: Ty) -> serde_json::Value {
    if vals.is_empty() {
        return serde_json::Value::Null;
    }
    if ty.list {
        return serde_json::Value::Array(vals.iter().map(json_value).collect());
    }
    match (&vals[0], ty.ft) {
        (Value::Net(_), _) | (_, FieldType::IpNet) => serde_json::Value::String("<IPNET>".into()),
        (v, _) => json_value(v),
    }
}

impl Format {
    /// Renders the format for the current event.
    pub(crate) fn render<'a>(&'a self, ctx: &Ctx<'a>) -> String {
        let mut out = String::new();
        for s in &self.segs {
            match s {
                Seg::Lit(l) => out.push_str(l),
                Seg::Tok { op, width, list } => {
                    let vals = ctx.operand(op);
                    let mut v = render_values(&vals, *list);
                    if let Some(w) = width {
                        if v.len() > *w {
                            let mut cut = *w;
                            while !v.is_char_boundary(cut) {
                                cut -= 1;
                            }
                            v.truncate(cut);
                        }
                        while v.len() < *w {
                            v.push(' ');
                        }
                    }
                    out.push_str(&v);
                }
            }
        }
        out
    }

    /// The typed `output_fields` entries of this format.
    pub(crate) fn fields_json<'a>(
        &'a self,
        ctx: &Ctx<'a>,
        out: &mut BTreeMap<String, serde_json::Value>,
    ) {
        for f in &self.fields {
            let vals = ctx.operand(&f.op);
            out.insert(f.key.clone(), json_values(&vals, f.ty));
        }
    }
}

/// JSON-escapes `s` without the surrounding quotes (the text alert line, §7.4).
pub fn json_escape(s: &str) -> String {
    let q = serde_json::Value::String(s.to_string()).to_string();
    q[1..q.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e66_text_line_is_json_escaped() {
        assert_eq!(json_escape("a \"b\"\nc\\"), "a \\\"b\\\"\\nc\\\\");
        assert_eq!(json_escape("é\u{1}"), "é\\u0001");
    }
}
