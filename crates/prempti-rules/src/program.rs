//! The compiled form of a ruleset: what `compile` produces and `eval` and `output` run.
//!
//! A rule's condition is a tree of [`CNode`]s whose leaves are [`CCheck`]s: an operand bound
//! to a field (or a transformer over fields) and a right-hand side with every constant
//! pre-compiled (string sets, regexes, glob patterns, prefix sets, parsed numbers). Outputs
//! are [`Format`]s: literal text and bound operands. Nothing here refers to source text
//! except the canonical strings kept for `explain`.

use std::collections::HashSet;
use std::net::IpAddr;

use regex::Regex;

use crate::ast::{CmpOp, Modifier, Transformer};
use crate::evt::EvtField;
use crate::field::{FieldId, FieldType, IpNetwork};
use crate::glob::PrefixSet;
use crate::priority::Priority;

/// The type of an operand: element type and list-ness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ty {
    pub(crate) ft: FieldType,
    pub(crate) list: bool,
}

/// The slot of a plugin field read before [`crate::compile`] numbered it.
pub(crate) const UNASSIGNED_SLOT: u32 = u32::MAX;

/// Where a field's values come from.
#[derive(Debug, Clone)]
pub(crate) enum FieldSrc {
    /// A plugin field; `slot` is its cell in the per-event memo (one per distinct field and
    /// argument of the program, assigned when the ruleset is compiled).
    Plugin {
        id: FieldId,
        slot: u32,
    },
    Evt(EvtField),
    Static(String),
}

/// A compiled operand.
#[derive(Debug, Clone)]
pub(crate) enum COperand {
    Field {
        src: FieldSrc,
        arg: Option<Box<str>>,
    },
    /// A transformer; `slot` as for plugin fields (a transformer's result depends only on
    /// the event, so it is computed once per event).
    Tr {
        kind: Transformer,
        args: Vec<CArg>,
        arg: Option<Box<str>>,
        slot: u32,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum CArg {
    Op(COperand),
    Lit(String),
    List(Vec<CArg>),
}

/// A compiled constant.
#[derive(Debug, Clone)]
pub(crate) enum Const {
    Str(String),
    /// The value of a `contains` check, with its substring searcher built once.
    Sub(Box<memchr::memmem::Finder<'static>>),
    Glob(Box<[u8]>),
    Regex(Regex),
    U64(u64),
    Bool(bool),
    Ip(IpAddr),
    Net(IpNetwork),
    Bytes(Vec<u8>),
}

/// A compiled right-hand side.
#[derive(Debug, Clone)]
pub(crate) enum CRhs {
    Exists,
    One(Const),
    StrSet(HashSet<String, foldhash::fast::RandomState>),
    Set(Vec<Const>),
    PMatch(PrefixSet),
    Modifier(Modifier, Vec<Const>),
    Dynamic(COperand),
}

#[derive(Debug, Clone)]
pub(crate) struct CCheck {
    pub(crate) lhs: COperand,
    pub(crate) lhs_list: bool,
    pub(crate) op: CmpOp,
    pub(crate) rhs: CRhs,
    /// Canonical text of the check (for explain).
    pub(crate) text: Box<str>,
    /// Canonical text of the fields read (for explain).
    pub(crate) lhs_text: Box<str>,
}

#[derive(Debug, Clone)]
pub(crate) enum CNode {
    And(Vec<CNode>),
    Or(Vec<CNode>),
    Not(Box<CNode>),
    Check(Box<CCheck>),
}

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

/// An `append_output` extra field of a rule.
#[derive(Debug)]
pub(crate) enum Extra {
    Formatted(String, Format),
    Raw(String, COperand, Ty),
}

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) name: String,
    pub(crate) desc: String,
    pub(crate) priority: Priority,
    pub(crate) source: String,
    pub(crate) tags: Vec<String>,
    pub(crate) enabled: bool,
    pub(crate) condition: String,
    pub(crate) node: CNode,
    pub(crate) format: Format,
    pub(crate) extras: Vec<Extra>,
}

/// A compiled ruleset: its rules in evaluation order and the number of memo slots their
/// plugin field reads use.
#[derive(Debug)]
pub(crate) struct Program {
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) slots: usize,
}
