//! Outputs: rendering compiled formats (COMPAT.md §10), typed `output_fields`, and the
//! escaping of the text alert line (§10).

use std::collections::BTreeMap;

use crate::eval::Ctx;
use crate::field::{FieldType, Value};
use crate::program::{Format, Seg, Ty};

fn render_values(vals: &[Value<'_>], list: bool) -> String {
    if vals.is_empty() {
        return "<NA>".to_string();
    }
    if list {
        let inner: Vec<String> = vals.iter().map(Value::render).collect();
        return format!("({})", inner.join(","));
    }
    vals[0].render()
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

/// JSON-escapes `s` without the surrounding quotes (the text alert line, COMPAT.md §10).
pub fn json_escape(s: &str) -> String {
    let q = serde_json::Value::String(s.to_string()).to_string();
    q[1..q.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escape_escapes_quotes_newlines_and_controls() {
        assert_eq!(json_escape("a \"b\"\nc\\"), "a \\\"b\\\"\\nc\\\\");
        assert_eq!(json_escape("é\u{1}"), "é\\u0001");
    }
}
