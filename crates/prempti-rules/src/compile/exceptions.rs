//! Exceptions: each one becomes an ` and not (...)` clause appended to the rule's condition
//! text (COMPAT.md §7).

use crate::load::{ExcElem, ExcEntry, ExceptionInfo, OneOrMany};
use crate::messages as msg;

fn quote_if_space(v: &str) -> String {
    if v.contains(' ') && !v.starts_with('\'') && !v.starts_with('"') {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

fn is_list_comp(c: &str) -> bool {
    matches!(c, "in" | "intersects" | "pmatch") || crate::load::is_modifier_comp(c)
}

/// Builds the ` and not (...)` clause of one exception, or None when it has no values.
pub(crate) fn exception_clause(e: &ExceptionInfo) -> Result<Option<String>, String> {
    if e.values.is_empty() {
        return Ok(None);
    }
    match &e.fields {
        Some(OneOrMany::One(f)) => {
            let comp = match &e.comps {
                Some(OneOrMany::One(c)) => c.trim().to_string(),
                _ => "in".to_string(),
            };
            let mut vals = Vec::new();
            for v in &e.values {
                match v {
                    ExcEntry::Scalar(s) => vals.push(quote_if_space(s)),
                    _ => return Err(msg::EXC_VALUES_STRINGS.to_string()),
                }
            }
            Ok(Some(format!("({} {} ({}))", f, comp, vals.join(", "))))
        }
        Some(OneOrMany::Many(fields)) => {
            let comps: Vec<String> = match &e.comps {
                Some(OneOrMany::Many(c)) => c.iter().map(|c| c.trim().to_string()).collect(),
                _ => vec!["=".to_string(); fields.len()],
            };
            let mut ors = Vec::new();
            for v in &e.values {
                let ExcEntry::Seq(elems) = v else {
                    return Err(msg::EXC_VALUES_STRINGS.to_string());
                };
                if elems.len() != fields.len() {
                    return Err(msg::EXC_VALUES_LEN.to_string());
                }
                let mut conj = String::from("(");
                for (i, ((f, c), el)) in fields.iter().zip(&comps).zip(elems).enumerate() {
                    if i > 0 {
                        conj.push_str(" and ");
                    }
                    let val = match el {
                        ExcElem::Seq(items) => format!(
                            "({})",
                            items
                                .iter()
                                .map(|s| quote_if_space(s))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        ExcElem::Scalar(s) if is_list_comp(c) => {
                            if s.starts_with('(') {
                                s.clone()
                            } else {
                                format!("({s})")
                            }
                        }
                        ExcElem::Scalar(s) => quote_if_space(s),
                        ExcElem::Other => return Err(msg::EXC_VALUES_STRINGS.to_string()),
                    };
                    conj.push_str(&format!(" {f} {c} {val}"));
                }
                conj.push(')');
                ors.push(conj);
            }
            Ok(Some(format!("({})", ors.join(" or "))))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_value_with_space_is_quoted() {
        let e = ExceptionInfo {
            name: "x".into(),
            fields: Some(OneOrMany::Many(vec!["proc.cmdline".into()])),
            comps: Some(OneOrMany::Many(vec!["contains".into()])),
            values: vec![ExcEntry::Seq(vec![ExcElem::Scalar(
                "curl 127.0.0.1".into(),
            )])],
            loc: crate::diag::FileSpan {
                file: "f".into(),
                start: 0,
                end: 0,
            },
        };
        assert_eq!(
            exception_clause(&e).ok().flatten().unwrap_or_default(),
            "(( proc.cmdline contains \"curl 127.0.0.1\"))"
        );
    }
}
