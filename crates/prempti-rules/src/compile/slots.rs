//! Memo slots: every distinct plugin field read of a ruleset (field and argument) and every
//! distinct transformer expression gets one number, its cell in the per-event memo of `eval`,
//! so an evaluation extracts each field and computes each transformer once and then reads it
//! by index.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::field::FieldId;
use crate::program::{CArg, CNode, COperand, CRhs, CompiledRule, Extra, FieldSrc, Format};

/// Numbers the plugin field reads of `rules` (conditions, outputs and extra fields) and
/// returns how many slots there are.
pub(crate) fn assign(rules: &mut [CompiledRule]) -> usize {
    let mut table = Slots::default();
    for r in rules {
        table.node(&mut r.node);
        table.format(&mut r.format);
        for e in &mut r.extras {
            match e {
                Extra::Formatted(_, f) => table.format(f),
                Extra::Raw(_, o, _) => table.operand(o),
            }
        }
    }
    table.by_read.len()
}

/// What a slot holds: a plugin field with its argument, or a transformer expression (by an
/// unambiguous text of its compiled form).
#[derive(PartialEq, Eq, Hash)]
enum Read {
    Field(FieldId, Option<Box<str>>),
    Transform(String),
}

#[derive(Default)]
struct Slots {
    by_read: HashMap<Read, u32>,
}

impl Slots {
    fn node(&mut self, n: &mut CNode) {
        match n {
            CNode::And(c) | CNode::Or(c) => c.iter_mut().for_each(|x| self.node(x)),
            CNode::Not(c) => self.node(c),
            CNode::Check(c) => {
                self.operand(&mut c.lhs);
                if let CRhs::Dynamic(o) = &mut c.rhs {
                    self.operand(o);
                }
            }
        }
    }

    fn format(&mut self, f: &mut Format) {
        for s in &mut f.segs {
            if let crate::program::Seg::Tok { op, .. } = s {
                self.operand(op);
            }
        }
        for o in &mut f.fields {
            self.operand(&mut o.op);
        }
    }

    fn operand(&mut self, o: &mut COperand) {
        match o {
            COperand::Field {
                src: FieldSrc::Plugin { id, slot },
                arg,
            } => *slot = self.slot(Read::Field(*id, arg.clone())),
            COperand::Field { .. } => {}
            COperand::Tr { args, .. } => {
                args.iter_mut().for_each(|a| self.arg(a));
                let mut text = String::new();
                key(o, &mut text);
                let n = self.slot(Read::Transform(text));
                if let COperand::Tr { slot, .. } = o {
                    *slot = n;
                }
            }
        }
    }

    fn slot(&mut self, read: Read) -> u32 {
        let next = u32::try_from(self.by_read.len()).unwrap_or(u32::MAX);
        *self.by_read.entry(read).or_insert(next)
    }

    fn arg(&mut self, a: &mut CArg) {
        match a {
            CArg::Op(o) => self.operand(o),
            CArg::Lit(_) => {}
            CArg::List(items) => items.iter_mut().for_each(|x| self.arg(x)),
        }
    }
}

/// An unambiguous text of a compiled operand: equal texts compute equal values.
fn key(o: &COperand, out: &mut String) {
    match o {
        COperand::Field { src, arg } => {
            match src {
                FieldSrc::Plugin { id, .. } => {
                    let _ = write!(out, "p{}", id.0);
                }
                FieldSrc::Evt(f) => {
                    let _ = write!(out, "e{f:?}");
                }
                FieldSrc::Static(v) => {
                    let _ = write!(out, "s{v:?}");
                }
            }
            if let Some(a) = arg {
                let _ = write!(out, "[{a:?}]");
            }
        }
        COperand::Tr {
            kind, args, arg, ..
        } => {
            let _ = write!(out, "{kind:?}(");
            for a in args {
                arg_key(a, out);
                out.push(',');
            }
            out.push(')');
            if let Some(a) = arg {
                let _ = write!(out, "[{a:?}]");
            }
        }
    }
}

fn arg_key(a: &CArg, out: &mut String) {
    match a {
        CArg::Op(o) => key(o, out),
        CArg::Lit(s) => {
            let _ = write!(out, "l{s:?}");
        }
        CArg::List(items) => {
            out.push('(');
            for i in items {
                arg_key(i, out);
                out.push(',');
            }
            out.push(')');
        }
    }
}
