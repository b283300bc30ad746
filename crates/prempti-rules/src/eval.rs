//! Evaluation of compiled conditions over a [`FieldProvider`] (reference §3.2).
//!
//! The compiled program is a tree of [`CNode`]s whose leaves are checks with pre-compiled
//! right-hand sides (string sets, regexes, glob patterns, prefix sets, parsed numbers). A check
//! whose left side has no value is false for every operator; `not` flips it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::net::IpAddr;

use base64::Engine as _;
use regex::Regex;

use crate::ast::{CmpOp, Modifier, Transformer};
use crate::evt::{self, EvtField, EvtValue};
use crate::field::{EventMeta, FieldId, FieldProvider, IpNetwork, SourceSchema, Value};
use crate::glob::{fnmatch, PrefixSet};

/// Where a field's values come from.
#[derive(Debug, Clone)]
pub(crate) enum FieldSrc {
    Plugin(FieldId),
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
    Tr {
        kind: Transformer,
        args: Vec<CArg>,
        arg: Option<Box<str>>,
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
    StrSet(HashSet<String>),
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

/// Everything an evaluation needs besides the program.
pub(crate) struct Ctx<'a> {
    pub(crate) provider: &'a dyn FieldProvider,
    pub(crate) meta: &'a EventMeta,
    pub(crate) schema: &'a SourceSchema,
    pub(crate) tz: &'a jiff::tz::TimeZone,
    pub(crate) start_ns: u64,
}

type Vals<'a> = Vec<Value<'a>>;

fn truncate_nul(s: &str) -> &str {
    match s.as_bytes().iter().position(|b| *b == 0) {
        Some(i) => &s[..i],
        None => s,
    }
}

fn str_of<'v>(v: &'v Value<'_>) -> Option<&'v str> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

impl<'a> Ctx<'a> {
    pub(crate) fn operand(&self, o: &'a COperand) -> Vals<'a> {
        match o {
            COperand::Field { src, arg } => match src {
                FieldSrc::Plugin(id) => self.provider.extract(*id, arg.as_deref()),
                FieldSrc::Static(v) => vec![Value::Str(Cow::Borrowed(v.as_str()))],
                FieldSrc::Evt(f) => {
                    match evt::extract(*f, self.meta, self.schema, self.tz, self.start_ns) {
                        EvtValue::Str(s) => vec![Value::Str(Cow::Owned(s))],
                        EvtValue::U64(n) => vec![Value::U64(n)],
                        EvtValue::Bool(b) => vec![Value::Bool(b)],
                        EvtValue::None => Vec::new(),
                    }
                }
            },
            COperand::Tr { kind, args, arg } => self.transform(*kind, args, arg.as_deref()),
        }
    }

    fn carg(&self, a: &'a CArg) -> Vals<'a> {
        match a {
            CArg::Op(o) => self.operand(o),
            CArg::Lit(s) => vec![Value::Str(Cow::Borrowed(s.as_str()))],
            CArg::List(items) => {
                let mut out = Vec::new();
                for i in items {
                    out.extend(self.carg(i));
                }
                out
            }
        }
    }

    fn map_str(&self, vals: Vals<'a>, f: impl Fn(&str) -> Option<String>) -> Vals<'a> {
        let mut out = Vec::with_capacity(vals.len());
        for v in vals {
            match &v {
                Value::Str(s) => match f(s) {
                    Some(x) => out.push(Value::Str(Cow::Owned(x))),
                    None => return Vec::new(),
                },
                _ => return Vec::new(),
            }
        }
        out
    }

    fn transform(&self, kind: Transformer, args: &'a [CArg], arg: Option<&str>) -> Vals<'a> {
        let first = || args.first().map_or_else(Vec::new, |a| self.carg(a));
        match kind {
            Transformer::ToLower => self.map_str(first(), |s| Some(s.to_ascii_lowercase())),
            Transformer::ToUpper => self.map_str(first(), |s| Some(s.to_ascii_uppercase())),
            Transformer::Basename => self.map_str(first(), |s| {
                Some(s.rsplit('/').next().unwrap_or("").to_string())
            }),
            Transformer::B64 => self.map_str(first(), |s| {
                let eng = base64::engine::GeneralPurpose::new(
                    &base64::alphabet::STANDARD,
                    base64::engine::GeneralPurposeConfig::new()
                        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
                );
                eng.decode(s.as_bytes())
                    .ok()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            }),
            Transformer::Len => {
                let Some(a) = args.first() else {
                    return Vec::new();
                };
                let list = matches!(a, CArg::Op(o) if self.is_list_operand(o))
                    || matches!(a, CArg::List(_));
                let v = self.carg(a);
                if v.is_empty() {
                    return Vec::new();
                }
                if list {
                    vec![Value::U64(v.len() as u64)]
                } else {
                    match &v[0] {
                        Value::Str(s) => vec![Value::U64(s.len() as u64)],
                        _ => Vec::new(),
                    }
                }
            }
            Transformer::Join => {
                let (Some(sep), Some(list)) = (args.first(), args.get(1)) else {
                    return Vec::new();
                };
                let sep = self.carg(sep);
                let Some(sep) = sep.first().and_then(str_of) else {
                    return Vec::new();
                };
                let items = self.carg(list);
                if items.is_empty() {
                    return Vec::new();
                }
                let mut out = String::new();
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    match v {
                        Value::Str(s) => out.push_str(s),
                        other => out.push_str(&crate::output::render_value(other)),
                    }
                }
                vec![Value::Str(Cow::Owned(out))]
            }
            Transformer::Concat => {
                let mut out = String::new();
                for a in args {
                    let v = self.carg(a);
                    match v.first() {
                        Some(Value::Str(s)) => out.push_str(s),
                        Some(other) => out.push_str(&crate::output::render_value(other)),
                        None => return Vec::new(),
                    }
                }
                vec![Value::Str(Cow::Owned(out))]
            }
            Transformer::Getopt => {
                let (Some(argv), Some(opts)) = (args.first(), args.get(1)) else {
                    return Vec::new();
                };
                let argv = self.carg(argv);
                let opts = self.carg(opts);
                let Some(optstring) = opts.first().and_then(str_of) else {
                    return Vec::new();
                };
                let argv: Vec<&str> = argv.iter().filter_map(str_of).collect();
                let parsed = getopt(&argv, optstring);
                match arg {
                    Some(c) => parsed
                        .iter()
                        .rev()
                        .find(|(o, _)| o == c)
                        .map(|(_, v)| vec![Value::Str(Cow::Owned(v.clone().unwrap_or_default()))])
                        .unwrap_or_default(),
                    None => parsed
                        .into_iter()
                        .map(|(o, v)| {
                            Value::Str(Cow::Owned(match v {
                                Some(v) => format!("-{o}{v}"),
                                None => format!("-{o}"),
                            }))
                        })
                        .collect(),
                }
            }
        }
    }

    fn is_list_operand(&self, o: &COperand) -> bool {
        match o {
            COperand::Field {
                src: FieldSrc::Plugin(id),
                ..
            } => self
                .schema
                .fields
                .get(id.0 as usize)
                .is_some_and(|f| f.is_list),
            COperand::Field { .. } => false,
            COperand::Tr { kind, args, arg } => match kind {
                Transformer::Getopt => arg.is_none(),
                Transformer::Len | Transformer::Join | Transformer::Concat => false,
                _ => args
                    .first()
                    .is_some_and(|a| matches!(a, CArg::Op(o) if self.is_list_operand(o))),
            },
        }
    }

    pub(crate) fn node(&self, n: &'a CNode) -> bool {
        match n {
            CNode::And(c) => c.iter().all(|x| self.node(x)),
            CNode::Or(c) => c.iter().any(|x| self.node(x)),
            CNode::Not(c) => !self.node(c),
            CNode::Check(c) => self.check(c),
        }
    }

    pub(crate) fn check(&self, c: &'a CCheck) -> bool {
        let lhs = self.operand(&c.lhs);
        self.check_values(c, &lhs)
    }

    pub(crate) fn check_values(&self, c: &'a CCheck, lhs: &[Value<'a>]) -> bool {
        if lhs.is_empty() {
            return false;
        }
        match &c.rhs {
            CRhs::Exists => true,
            CRhs::One(k) => cmp(c.op, &lhs[0], k),
            CRhs::StrSet(set) => {
                let contains =
                    |v: &Value<'_>| matches!(v, Value::Str(s) if set.contains(truncate_nul(s)));
                if c.lhs_list {
                    if c.op == CmpOp::In {
                        lhs.iter().all(contains)
                    } else {
                        lhs.iter().any(contains)
                    }
                } else {
                    contains(&lhs[0])
                }
            }
            CRhs::Set(items) => {
                let contains = |v: &Value<'_>| items.iter().any(|k| set_eq(v, k, c.lhs_list));
                if c.lhs_list {
                    if c.op == CmpOp::In {
                        lhs.iter().all(contains)
                    } else {
                        lhs.iter().any(contains)
                    }
                } else {
                    contains(&lhs[0])
                }
            }
            CRhs::PMatch(set) => match &lhs[0] {
                Value::Str(s) => set.matches(truncate_nul(s).as_bytes()),
                _ => false,
            },
            CRhs::Modifier(m, items) => {
                if items.is_empty() {
                    return false;
                }
                let n = items.iter().filter(|k| cmp(c.op, &lhs[0], k)).count();
                match m {
                    Modifier::AnyOf => n >= 1,
                    Modifier::AllOf => n == items.len(),
                    Modifier::OneOf => n == 1,
                }
            }
            CRhs::Dynamic(o) => {
                let rhs = self.operand(o);
                if rhs.is_empty() {
                    return false;
                }
                match c.op {
                    CmpOp::In | CmpOp::Intersects => {
                        let contains = |v: &Value<'_>| rhs.iter().any(|r| dyn_cmp(CmpOp::Eq, v, r));
                        if c.lhs_list {
                            if c.op == CmpOp::In {
                                lhs.iter().all(contains)
                            } else {
                                lhs.iter().any(contains)
                            }
                        } else {
                            contains(&lhs[0])
                        }
                    }
                    op => dyn_cmp(op, &lhs[0], &rhs[0]),
                }
            }
        }
    }
}

/// `in` membership (exact; for `ipnet` lists network equality).
fn set_eq(v: &Value<'_>, k: &Const, list: bool) -> bool {
    match (v, k) {
        (Value::Str(s), Const::Str(r)) => truncate_nul(s) == r,
        (Value::U64(a), Const::U64(b)) => a == b,
        (Value::Bool(a), Const::Bool(b)) => a == b,
        (Value::Ip(a), Const::Ip(b)) => a == b,
        (Value::Net(a), Const::Net(b)) if list => a == b,
        (Value::Net(a), Const::Net(b)) => net_contains(b, &a.addr),
        _ => false,
    }
}

fn net_contains(net: &IpNetwork, addr: &IpAddr) -> bool {
    match (net.addr, addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let bits = u32::from(net.prefix.min(32));
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(*a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let bits = u32::from(net.prefix.min(128));
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(*a) & mask
        }
        _ => false,
    }
}

fn icontains(h: &str, n: &str) -> bool {
    let (h, n) = (h.as_bytes(), n.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

fn str_cmp(op: CmpOp, v: &str, r: &str) -> bool {
    let v = truncate_nul(v);
    match op {
        CmpOp::Eq | CmpOp::EqEq | CmpOp::In | CmpOp::Intersects => v == r,
        CmpOp::Ne => v != r,
        CmpOp::Lt => v.as_bytes() < r.as_bytes(),
        CmpOp::Le => v.as_bytes() <= r.as_bytes(),
        CmpOp::Gt => v.as_bytes() > r.as_bytes(),
        CmpOp::Ge => v.as_bytes() >= r.as_bytes(),
        CmpOp::Contains => v.contains(r),
        CmpOp::IContains => icontains(v, r),
        CmpOp::StartsWith => v.starts_with(r),
        CmpOp::EndsWith => v.ends_with(r),
        CmpOp::Glob => fnmatch(r.as_bytes(), v.as_bytes(), false),
        CmpOp::IGlob => fnmatch(r.as_bytes(), v.as_bytes(), true),
        CmpOp::PMatch => PrefixSet::new([r]).matches(v.as_bytes()),
        CmpOp::BContains | CmpOp::BStartsWith | CmpOp::Regex => false,
    }
}

fn ord_cmp<T: PartialOrd>(op: CmpOp, a: T, b: T) -> bool {
    match op {
        CmpOp::Eq | CmpOp::EqEq | CmpOp::In | CmpOp::Intersects => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
        _ => false,
    }
}

/// A scalar comparison against a compiled constant.
fn cmp(op: CmpOp, v: &Value<'_>, k: &Const) -> bool {
    match (v, k) {
        (Value::Str(s), Const::Str(r)) => str_cmp(op, s, r),
        (Value::Str(s), Const::Glob(p)) => {
            fnmatch(p, truncate_nul(s).as_bytes(), op == CmpOp::IGlob)
        }
        (Value::Str(s), Const::Regex(re)) => re.is_match(truncate_nul(s)),
        (Value::Str(s), Const::Bytes(b)) => match op {
            CmpOp::BContains => {
                s.as_bytes().windows(b.len().max(1)).any(|w| w == &b[..]) || b.is_empty()
            }
            CmpOp::BStartsWith => s.as_bytes().starts_with(b),
            _ => false,
        },
        (Value::U64(a), Const::U64(b)) => ord_cmp(op, *a, *b),
        (Value::Bool(a), Const::Bool(b)) => {
            ord_cmp(op, *a, *b)
                && matches!(
                    op,
                    CmpOp::Eq | CmpOp::EqEq | CmpOp::Ne | CmpOp::In | CmpOp::Intersects
                )
        }
        (Value::Ip(a), Const::Ip(b)) => match op {
            CmpOp::Ne => a != b,
            _ => a == b,
        },
        (Value::Ip(a), Const::Net(n)) => match op {
            CmpOp::Ne => !net_contains(n, a),
            _ => net_contains(n, a),
        },
        (Value::Net(a), Const::Net(n)) => match op {
            CmpOp::Ne => !net_contains(n, &a.addr),
            _ => net_contains(n, &a.addr),
        },
        (Value::Net(a), Const::Ip(b)) => match op {
            CmpOp::Ne => a.addr != *b,
            _ => a.addr == *b,
        },
        _ => false,
    }
}

/// A comparison between two extracted values (`val()` or transformer right-hand side).
fn dyn_cmp(op: CmpOp, a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => str_cmp(op, x, truncate_nul(y)),
        (Value::U64(x), Value::U64(y)) => ord_cmp(op, *x, *y),
        (Value::Bool(x), Value::Bool(y)) => {
            matches!(op, CmpOp::Eq | CmpOp::EqEq | CmpOp::Ne) && ord_cmp(op, *x, *y)
        }
        (Value::Ip(x), Value::Ip(y)) => match op {
            CmpOp::Ne => x != y,
            _ => x == y,
        },
        (Value::Net(x), Value::Net(y)) => match op {
            CmpOp::Ne => x != y,
            _ => x == y,
        },
        _ => false,
    }
}

/// POSIX-style `getopt` over an argument vector (argv\[0\] is the program and is skipped):
/// returns `(option, value)` pairs in order; parsing stops at `--` or the first non-option.
pub(crate) fn getopt(argv: &[&str], optstring: &str) -> Vec<(String, Option<String>)> {
    let spec = optstring.trim_start_matches([':', '+', '-']).as_bytes();
    let takes = |c: u8| {
        spec.iter()
            .position(|x| *x == c && c != b':')
            .map(|i| spec.get(i + 1) == Some(&b':'))
    };
    let mut out = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_bytes();
        if a == b"--" || a.len() < 2 || a[0] != b'-' {
            break;
        }
        let mut j = 1;
        while j < a.len() {
            let c = a[j];
            match takes(c) {
                Some(true) => {
                    let val = if j + 1 < a.len() {
                        Some(String::from_utf8_lossy(&a[j + 1..]).into_owned())
                    } else {
                        i += 1;
                        argv.get(i).map(|s| s.to_string())
                    };
                    out.push(((c as char).to_string(), val));
                    break;
                }
                Some(false) => out.push(((c as char).to_string(), None)),
                None => out.push(("?".to_string(), None)),
            }
            j += 1;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getopt_basic() {
        let argv = ["curl", "-sL", "-o", "out", "-XPOST", "url"];
        let got = getopt(&argv, "sLo:X:");
        assert_eq!(
            got,
            vec![
                ("s".to_string(), None),
                ("L".to_string(), None),
                ("o".to_string(), Some("out".to_string())),
                ("X".to_string(), Some("POST".to_string())),
            ]
        );
    }

    #[test]
    fn ip_network_compare() {
        let net = IpNetwork {
            addr: "10.0.0.0".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])),
            prefix: 8,
        };
        assert!(net_contains(&net, &IpAddr::from([10, 1, 2, 3])));
        assert!(!net_contains(&net, &IpAddr::from([11, 1, 2, 3])));
        assert!(!net_contains(
            &net,
            &"::1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
        ));
    }
}
