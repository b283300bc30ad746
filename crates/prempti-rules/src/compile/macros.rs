//! Macro inlining: a macro reference is replaced by the macro's resolved tree, within a
//! node budget (COMPAT.md §6).

use std::collections::{HashMap, HashSet};

use crate::ast::Expr;
use crate::messages as msg;

use super::MAX_NODES;

/// Inlines macros into `e`. `macros` maps a name to its resolved tree; `visible` decides which
/// names may be used (macro-visibility rule of COMPAT.md §6). Bounded in size and depth.
pub(crate) fn inline_macros(
    e: &Expr,
    macros: &HashMap<String, Expr>,
    visible: &dyn Fn(&str) -> bool,
    used: &mut HashSet<String>,
    budget: &mut usize,
) -> Result<Expr, String> {
    if *budget == 0 {
        return Err(msg::too_complex(MAX_NODES));
    }
    *budget -= 1;
    Ok(match e {
        Expr::And(c, s) => Expr::And(
            c.iter()
                .map(|x| inline_macros(x, macros, visible, used, budget))
                .collect::<Result<_, _>>()?,
            *s,
        ),
        Expr::Or(c, s) => Expr::Or(
            c.iter()
                .map(|x| inline_macros(x, macros, visible, used, budget))
                .collect::<Result<_, _>>()?,
            *s,
        ),
        Expr::Not(c, s) => Expr::Not(
            Box::new(inline_macros(c, macros, visible, used, budget)?),
            *s,
        ),
        Expr::Ident(n, _) => {
            let Some(m) = macros.get(n).filter(|_| visible(n)) else {
                return Err(msg::undefined_macro(n));
            };
            used.insert(n.clone());
            let size = count(m);
            if size > *budget {
                return Err(msg::too_complex(MAX_NODES));
            }
            *budget -= size;
            m.clone()
        }
        other => other.clone(),
    })
}

fn count(e: &Expr) -> usize {
    match e {
        Expr::And(c, _) | Expr::Or(c, _) => 1 + c.iter().map(count).sum::<usize>(),
        Expr::Not(c, _) => 1 + count(c),
        _ => 1,
    }
}

/// Identifiers referenced by a tree.
pub(crate) fn idents(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::And(c, _) | Expr::Or(c, _) => c.iter().for_each(|x| idents(x, out)),
        Expr::Not(c, _) => idents(c, out),
        Expr::Ident(n, _) => out.push(n.clone()),
        _ => {}
    }
}
