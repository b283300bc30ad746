//! Evaluation of compiled conditions (`program`) over a [`FieldProvider`] (COMPAT.md §5).
//!
//! A check whose left side has no value is false for every operator; `not` flips it.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::net::IpAddr;

use crate::ast::{CmpOp, Modifier, Transformer};
use crate::evt::{self, EvtValue};
use crate::field::{EventMeta, FieldId, FieldProvider, IpNetwork, SourceSchema, Value};
use crate::glob::{fnmatch, PrefixSet};
use crate::program::{CArg, CCheck, CNode, COperand, CRhs, Const, FieldSrc};

/// Everything an evaluation needs besides the program.
pub(crate) struct Ctx<'a> {
    pub(crate) provider: &'a dyn FieldProvider,
    pub(crate) meta: &'a EventMeta,
    pub(crate) schema: &'a SourceSchema,
    pub(crate) tz: &'a jiff::tz::TimeZone,
    pub(crate) start_ns: u64,
    /// Plugin field values already extracted for this event (a rule set reads the same
    /// fields many times), one cell per distinct field read of the program (its slot).
    pub(crate) memo: Box<[OnceCell<Option<Vals<'a>>>]>,
}

type Vals<'a> = Vec<Value<'a>>;

/// An operand's values: borrowed from the event's memo, or computed for this read.
pub(crate) type Values<'s, 'a> = Cow<'s, [Value<'a>]>;

/// A fresh memo for a program with `slots` field reads.
pub(crate) fn memo<'a>(slots: usize) -> Box<[OnceCell<Option<Vals<'a>>>]> {
    (0..slots).map(|_| OnceCell::new()).collect()
}

fn truncate_nul(s: &str) -> &str {
    match memchr::memchr(0, s.as_bytes()) {
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
    /// An operand's values; empty when absent (for rendering).
    pub(crate) fn operand<'s>(&'s self, o: &'a COperand) -> Values<'s, 'a> {
        self.operand_p(o).unwrap_or(Cow::Borrowed(&[]))
    }

    /// An operand's values, `None` when absent. A plugin field with zero values is absent
    /// (libs `plugin_filtercheck.cpp`); a transformer result may be a present empty list
    /// (`getopt` with no options, `tolower(())`, `()`), as in libs.
    pub(crate) fn operand_p<'s>(&'s self, o: &'a COperand) -> Option<Values<'s, 'a>> {
        match o {
            COperand::Field { src, arg } => {
                let v: Values<'s, 'a> = match src {
                    FieldSrc::Plugin { id, slot } => self.plugin_values(*id, *slot, arg.as_deref()),
                    FieldSrc::Static(v) => Cow::Owned(vec![Value::Str(Cow::Borrowed(v.as_str()))]),
                    FieldSrc::Evt(f) => Cow::Owned(
                        match evt::extract(*f, self.meta, self.schema, self.tz, self.start_ns) {
                            EvtValue::Str(s) => vec![Value::Str(Cow::Owned(s))],
                            EvtValue::U64(n) => vec![Value::U64(n)],
                            EvtValue::Bool(b) => vec![Value::Bool(b)],
                            EvtValue::None => Vec::new(),
                        },
                    ),
                };
                (!v.is_empty()).then_some(v)
            }
            COperand::Tr {
                kind,
                args,
                arg,
                slot,
            } => match self.memo.get(*slot as usize) {
                Some(cell) => cell
                    .get_or_init(|| self.transform(*kind, args, arg.as_deref()))
                    .as_deref()
                    .map(Cow::Borrowed),
                None => self.transform(*kind, args, arg.as_deref()).map(Cow::Owned),
            },
        }
    }

    /// A plugin field's values for this event, extracted once per slot (a read without a
    /// slot, which compiled programs do not have, is extracted each time).
    fn plugin_values<'s>(&'s self, id: FieldId, slot: u32, arg: Option<&str>) -> Values<'s, 'a> {
        match self.memo.get(slot as usize) {
            Some(cell) => Cow::Borrowed(
                cell.get_or_init(|| Some(self.provider.extract(id, arg)))
                    .as_deref()
                    .unwrap_or_default(),
            ),
            None => Cow::Owned(self.provider.extract(id, arg)),
        }
    }

    /// libs `list_check`: every element must be present; values are flattened and numbers
    /// become decimal text (`rawnum_check`).
    fn carg<'s>(&'s self, a: &'a CArg) -> Option<Values<'s, 'a>> {
        match a {
            CArg::Op(o) => self.operand_p(o),
            CArg::Lit(s) => Some(Cow::Owned(vec![Value::Str(Cow::Borrowed(s.as_str()))])),
            CArg::List(items) => {
                let mut out = Vec::new();
                for i in items {
                    for v in self.carg(i)?.iter() {
                        out.push(match v {
                            Value::U64(n) => Value::Str(Cow::Owned(n.to_string())),
                            v => v.clone(),
                        });
                    }
                }
                Some(Cow::Owned(out))
            }
        }
    }

    /// libs `string_transformer`: trailing NULs are dropped, then `f` runs on each value; a
    /// failure makes the whole value absent.
    fn map_str(vals: &[Value<'a>], f: impl Fn(&str) -> Option<String>) -> Option<Vals<'a>> {
        let mut out = Vec::with_capacity(vals.len());
        for v in vals {
            match v {
                Value::Str(s) => out.push(Value::Str(Cow::Owned(f(s.trim_end_matches('\0'))?))),
                _ => return None,
            }
        }
        Some(out)
    }

    fn transform(
        &self,
        kind: Transformer,
        args: &'a [CArg],
        arg: Option<&str>,
    ) -> Option<Vals<'a>> {
        let first = args.first()?;
        match kind {
            Transformer::ToLower => {
                Self::map_str(&self.carg(first)?, |s| Some(s.to_ascii_lowercase()))
            }
            Transformer::ToUpper => {
                Self::map_str(&self.carg(first)?, |s| Some(s.to_ascii_uppercase()))
            }
            Transformer::Basename => Self::map_str(&self.carg(first)?, |s| {
                Some(s.rsplit('/').next().unwrap_or("").to_string())
            }),
            Transformer::B64 => Self::map_str(&self.carg(first)?, |s| {
                b64_decode(s.as_bytes()).map(|b| String::from_utf8_lossy(&b).into_owned())
            }),
            Transformer::Len => {
                let list = self.carg_is_list(first);
                let v = self.carg(first)?;
                if list {
                    return Some(vec![Value::U64(v.len() as u64)]);
                }
                match v.first()? {
                    // `strnlen`: a string's length stops at its first NUL.
                    Value::Str(s) => Some(vec![Value::U64(truncate_nul(s).len() as u64)]),
                    _ => None,
                }
            }
            Transformer::Join => {
                let sep = self.carg(first)?;
                let sep = str_of(sep.first()?)?.to_string();
                let items = self.carg(args.get(1)?)?;
                let mut out = String::new();
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    // Items are appended as C strings (up to a NUL).
                    match v {
                        Value::Str(s) => out.push_str(truncate_nul(s)),
                        other => out.push_str(&other.render()),
                    }
                }
                Some(vec![Value::Str(Cow::Owned(out))])
            }
            Transformer::Concat => {
                let mut out = String::new();
                for a in args {
                    match self.carg(a)?.first()? {
                        Value::Str(s) => out.push_str(truncate_nul(s)),
                        other => out.push_str(&other.render()),
                    }
                }
                Some(vec![Value::Str(Cow::Owned(out))])
            }
            Transformer::Getopt => {
                let opts = self.carg(args.get(1)?)?;
                let optstring = str_of(opts.first()?)?.to_string();
                let argv = self.carg(first)?;
                let argv: Vec<&str> = argv.iter().filter_map(str_of).collect();
                let selector = arg.and_then(|a| a.bytes().next());
                let out = getopt(&argv, optstring.as_bytes(), selector);
                if selector.is_some() && out.is_empty() {
                    return None;
                }
                Some(out.into_iter().map(|s| Value::Str(Cow::Owned(s))).collect())
            }
        }
    }

    fn carg_is_list(&self, a: &CArg) -> bool {
        match a {
            CArg::Op(o) => self.is_list_operand(o),
            CArg::Lit(_) => false,
            CArg::List(_) => true,
        }
    }

    fn is_list_operand(&self, o: &COperand) -> bool {
        match o {
            COperand::Field {
                src: FieldSrc::Plugin { id, .. },
                ..
            } => self
                .schema
                .fields
                .get(id.0 as usize)
                .is_some_and(|f| f.is_list),
            COperand::Field { .. } => false,
            COperand::Tr {
                kind, args, arg, ..
            } => match kind {
                Transformer::Getopt => arg.is_none(),
                Transformer::Len | Transformer::Join | Transformer::Concat => false,
                _ => args.first().is_some_and(|a| self.carg_is_list(a)),
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
        match self.operand_p(&c.lhs) {
            Some(lhs) => self.check_values(c, &lhs),
            None => false,
        }
    }

    /// A check over a present left-hand side (`lhs` may be an empty list: then `exists` and
    /// `in` hold, as in libs `compare_rhs`, and `intersects` does not).
    pub(crate) fn check_values(&self, c: &'a CCheck, lhs: &[Value<'a>]) -> bool {
        if lhs.is_empty() {
            if !c.lhs_list {
                return false;
            }
            return match &c.rhs {
                CRhs::Exists => true,
                CRhs::Dynamic(o) => c.op == CmpOp::In && self.operand_p(o).is_some(),
                _ => c.op == CmpOp::In,
            };
        }
        match &c.rhs {
            CRhs::Exists => true,
            CRhs::One(k) => cmp(c.op, &lhs[0], k),
            CRhs::StrSet(set) => {
                let contains =
                    |v: &Value<'_>| matches!(v, Value::Str(s) if set.contains(truncate_nul(s)));
                membership(c.op, c.lhs_list, lhs, contains)
            }
            CRhs::Set(items) => {
                let contains = |v: &Value<'_>| items.iter().any(|k| set_eq(v, k, c.lhs_list));
                membership(c.op, c.lhs_list, lhs, contains)
            }
            CRhs::PMatch(set) => match &lhs[0] {
                Value::Str(s) => set.matches(truncate_nul(s).as_bytes()),
                _ => false,
            },
            CRhs::Modifier(m, items) => {
                if items.is_empty() {
                    return false;
                }
                // Counting stops as soon as the answer is known: comparisons have no effects.
                let v = &lhs[0];
                match m {
                    Modifier::AnyOf => items.iter().any(|k| cmp(c.op, v, k)),
                    Modifier::AllOf => items.iter().all(|k| cmp(c.op, v, k)),
                    Modifier::OneOf => {
                        items.iter().filter(|k| cmp(c.op, v, k)).take(2).count() == 1
                    }
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
                        membership(c.op, c.lhs_list, lhs, contains)
                    }
                    op => dyn_cmp(op, &lhs[0], &rhs[0]),
                }
            }
        }
    }
}

/// `in`/`intersects` over a present, non-empty left-hand side: on a list field `in` needs every
/// element to be `contained`, `intersects` some element; on a scalar, the value itself.
fn membership<'v>(
    op: CmpOp,
    lhs_list: bool,
    lhs: &[Value<'v>],
    contained: impl Fn(&Value<'v>) -> bool,
) -> bool {
    if lhs_list {
        if op == CmpOp::In {
            lhs.iter().all(contained)
        } else {
            lhs.iter().any(contained)
        }
    } else {
        contained(&lhs[0])
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
        (Value::Str(s), Const::Sub(f)) => f.find(truncate_nul(s).as_bytes()).is_some(),
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

/// libs' `getopt` transformer over `argv` (every entry is scanned, there is no program name):
/// stops at `--`, at `-` alone and at the first non-option; skips `--long` entries; expands
/// clusters. Without a selector: each option character, followed by its value when it takes
/// one; `?` for an unknown option; an empty string for a missing value. With a selector `c`:
/// at most one entry, the value of the last `-c` (or `c` itself when it takes no value).
/// In the optstring, a leading `:` is skipped and `:` is never an option.
pub(crate) fn getopt(argv: &[&str], optstring: &[u8], selector: Option<u8>) -> Vec<String> {
    let mut valid = [false; 256];
    let mut with_arg = [false; 256];
    let mut i = usize::from(optstring.first() == Some(&b':'));
    while i < optstring.len() {
        let c = optstring[i];
        if c != b':' {
            valid[usize::from(c)] = true;
            if optstring.get(i + 1) == Some(&b':') {
                with_arg[usize::from(c)] = true;
                i += 1;
            }
        }
        i += 1;
    }
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut out = Vec::new();
    let mut selected = None;
    let mut emit = |name: String, value: Option<String>| match selector {
        Some(_) => selected = Some(value.unwrap_or(name)),
        None => {
            out.push(name);
            out.extend(value);
        }
    };
    let mut idx = 0;
    while idx < argv.len() {
        let a = argv[idx].as_bytes();
        if a == b"--" {
            break;
        }
        if a.len() > 2 && a.starts_with(b"--") {
            idx += 1;
            continue;
        }
        if a.len() < 2 || a[0] != b'-' {
            break;
        }
        let mut j = 1;
        while j < a.len() {
            let c = a[j];
            let hit = selector.is_none_or(|s| s == c);
            if c == b':' || !valid[usize::from(c)] {
                if selector.is_none() {
                    emit("?".into(), None);
                }
                j += 1;
                continue;
            }
            let name = lossy(&a[j..=j]);
            if !with_arg[usize::from(c)] {
                if hit {
                    emit(name, None);
                }
                j += 1;
                continue;
            }
            let value = if j + 1 < a.len() {
                Some(lossy(&a[j + 1..]))
            } else if idx + 1 < argv.len() {
                idx += 1;
                Some(argv[idx].to_string())
            } else {
                None
            };
            if hit {
                match value {
                    Some(v) => emit(name, Some(v)),
                    None => emit(String::new(), None),
                }
            }
            break;
        }
        idx += 1;
    }
    match selector {
        Some(_) => selected.into_iter().collect(),
        None => out,
    }
}

/// libs `Base64::decodeWithoutPadding` (after trailing NULs were dropped): empty input decodes
/// to nothing; up to two trailing `=` are ignored whatever the length; the rest must be
/// standard-alphabet base64 without padding and with zero trailing bits.
pub(crate) fn b64_decode(input: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    if input.is_empty() {
        return Some(Vec::new());
    }
    let mut n = input.len();
    for _ in 0..2 {
        if n > 0 && input[n - 1] == b'=' {
            n -= 1;
        }
    }
    if n == 0 {
        return None;
    }
    let eng = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    eng.decode(&input[..n]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(argv: &[&str], opts: &str, sel: Option<u8>) -> Vec<String> {
        getopt(argv, opts.as_bytes(), sel)
    }

    #[test]
    fn getopt_lists_option_letters_and_values_without_dashes() {
        assert_eq!(
            go(
                &["-sL", "-o", "out", "-XPOST", "url", "-v"],
                "sLo:X:v",
                None
            ),
            ["s", "L", "o", "out", "X", "POST"]
        );
    }

    #[test]
    fn getopt_scans_first_entry_and_stops_at_non_option() {
        assert!(go(&["curl", "-s"], "s", None).is_empty());
        assert!(go(&["-", "-n"], "n", None).is_empty());
        assert!(go(&["", "-n"], "n", None).is_empty());
        assert_eq!(go(&["-n", "--", "-t"], "nt:", None), ["n"]);
    }

    #[test]
    fn getopt_skips_long_options() {
        assert_eq!(go(&["--exec", "-n"], "n", None), ["n"]);
        assert!(go(&["--exec"], "e:", None).is_empty());
    }

    #[test]
    fn getopt_unknown_option_is_question_mark_and_missing_value_is_empty() {
        assert_eq!(go(&["-x", "-n"], "n", None), ["?", "n"]);
        assert_eq!(go(&["-nx"], "n", None), ["n", "?"]);
        assert_eq!(go(&["-t"], "t:", None), [""]);
        assert_eq!(go(&["-t"], ":t:", None), [""]);
        assert_eq!(go(&["-:"], ":t", None), ["?"]);
    }

    #[test]
    fn getopt_selector_last_value_or_option_letter() {
        assert_eq!(go(&["-t", "v1", "-t", "v2"], "t:", Some(b't')), ["v2"]);
        assert_eq!(go(&["-n", "-t", "x"], "nt:", Some(b'n')), ["n"]);
        assert_eq!(go(&["-t", "v1", "-t"], "t:", Some(b't')), [""]);
        assert_eq!(go(&["-t?"], "t:", Some(b't')), ["?"]);
        assert!(go(&["-n"], "nt:", Some(b't')).is_empty());
    }

    #[test]
    fn getopt_optstring_later_colon_wins_and_plus_is_an_option() {
        assert_eq!(go(&["-a", "v"], "aa:", None), ["a", "v"]);
        assert_eq!(go(&["-+"], "+", None), ["+"]);
    }

    #[test]
    fn b64_padding_is_optional_and_excess_padding_is_ignored() {
        assert_eq!(b64_decode(b"YWFh").as_deref(), Some(&b"aaa"[..]));
        assert_eq!(b64_decode(b"YWFh=").as_deref(), Some(&b"aaa"[..]));
        assert_eq!(b64_decode(b"YQ").as_deref(), Some(&b"a"[..]));
        assert_eq!(b64_decode(b"YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(b64_decode(b"").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn b64_invalid_input_fails() {
        assert_eq!(b64_decode(b"="), None);
        assert_eq!(b64_decode(b"YQ==="), None);
        assert_eq!(b64_decode(b"Y"), None);
        assert_eq!(b64_decode(b"YR"), None, "non-zero trailing bits");
        assert_eq!(b64_decode(b"Y Q"), None);
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
