//! Binding: a parsed, inlined condition → a [`CNode`] tree over one source's fields, with every
//! constant parsed and compiled, and the type checks Falco's compiler makes (COMPAT.md §4).

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use crate::ast::{operand_text, CmpOp, Expr, Operand, Rhs, TArg, Transformer};
use crate::field::{ArgSpec, FieldDef, FieldId, FieldType, IpNetwork, SourceSchema};
use crate::glob::PrefixSet;
use crate::messages as msg;
use crate::program::{CArg, CCheck, CNode, COperand, CRhs, Const, FieldSrc, Ty, UNASSIGNED_SLOT};

/// Field lookup for one source: plugin fields, generic `evt.*`, `static.*`.
pub(crate) struct Binder<'a> {
    pub(crate) schema: &'a SourceSchema,
    /// The schema's fields by name, built once per compile.
    pub(crate) fields: &'a FieldIndex<'a>,
    pub(crate) static_fields: &'a [(String, String)],
}

/// A source's fields by name (the first field of a name wins, as in [`SourceSchema::find`]).
pub(crate) struct FieldIndex<'a>(HashMap<&'a str, u32>);

impl<'a> FieldIndex<'a> {
    /// Indexes `schema`.
    pub(crate) fn new(schema: &'a SourceSchema) -> FieldIndex<'a> {
        let mut by_name = HashMap::with_capacity(schema.fields.len());
        for (i, f) in schema.fields.iter().enumerate() {
            by_name
                .entry(f.name.as_ref())
                .or_insert(u32::try_from(i).unwrap_or(u32::MAX));
        }
        FieldIndex(by_name)
    }

    fn find<'s>(&self, schema: &'s SourceSchema, name: &str) -> Option<(FieldId, &'s FieldDef)> {
        let i = *self.0.get(name)?;
        schema.fields.get(i as usize).map(|f| (FieldId(i), f))
    }
}

fn base(ft: FieldType) -> u8 {
    match ft {
        FieldType::String => 0,
        FieldType::U64 | FieldType::RelTime | FieldType::AbsTime => 1,
        FieldType::Bool => 2,
        FieldType::IpAddr => 3,
        FieldType::IpNet => 4,
    }
}

impl Binder<'_> {
    /// Resolves a field name and argument.
    pub(crate) fn field(&self, name: &str, arg: Option<&str>) -> Result<(FieldSrc, Ty), String> {
        let full = || match arg {
            Some(a) => format!("{name}[{a}]"),
            None => name.to_string(),
        };
        if let Some((f, ft)) = crate::evt::lookup(name) {
            if arg.is_some() {
                return Err(msg::nonexistent_field(&full()));
            }
            return Ok((FieldSrc::Evt(f), Ty { ft, list: false }));
        }
        if let Some(key) = name.strip_prefix("static.") {
            if let Some((_, v)) = self.static_fields.iter().find(|(k, _)| k == key) {
                return Ok((
                    FieldSrc::Static(v.clone()),
                    Ty {
                        ft: FieldType::String,
                        list: false,
                    },
                ));
            }
        }
        let Some((id, def)) = self.fields.find(self.schema, name) else {
            return Err(msg::nonexistent_field(&full()));
        };
        match (def.arg, arg) {
            (ArgSpec::None, Some(a)) => return Err(msg::field_arg_not_allowed(&full(), name, a)),
            (ArgSpec::Index { required: true } | ArgSpec::Key { required: true }, None) => {
                return Err(msg::field_arg_required(name))
            }
            (ArgSpec::Index { .. }, Some(a)) => {
                let ok = !a.is_empty()
                    && a.bytes().all(|b| b.is_ascii_digit())
                    && (a == "0" || !a.starts_with('0'))
                    && a.parse::<u64>().is_ok();
                if !ok {
                    return Err(msg::field_arg_index(&full(), name, a));
                }
            }
            _ => {}
        }
        Ok((
            FieldSrc::Plugin {
                id,
                slot: UNASSIGNED_SLOT,
            },
            Ty {
                ft: def.ty,
                list: def.is_list,
            },
        ))
    }

    /// Binds an operand, returning its compiled form and type.
    pub(crate) fn operand(&self, o: &Operand) -> Result<(COperand, Ty), String> {
        match o {
            Operand::Field(f) => {
                let (src, ty) = self.field(&f.name, f.arg.as_deref())?;
                Ok((
                    COperand::Field {
                        src,
                        arg: f.arg.as_deref().map(Box::from),
                    },
                    ty,
                ))
            }
            Operand::Transform {
                name, args, arg, ..
            } => {
                let t = name.as_str();
                let (ty, cargs) = if let [only] = args.as_slice() {
                    // One argument: libs applies a single-value transformer to it, whatever
                    // the name (`sinsp_extractor_compiler`), so `join(x)` is an unknown one.
                    if arg.is_some() {
                        return Err(msg::transformer_no_field_args(t));
                    }
                    if !name.is_single() {
                        return Err(msg::unknown_field_transformer(t));
                    }
                    let (c, inner) = self.targ(only)?;
                    let string = inner.ft == FieldType::String;
                    let ty = match name {
                        Transformer::Len if inner.list || string => Ty {
                            ft: FieldType::U64,
                            list: false,
                        },
                        Transformer::Len => return Err(self.bad_transformer_type(t, inner, only)),
                        _ if string => inner,
                        _ => return Err(self.bad_transformer_type(t, inner, only)),
                    };
                    (ty, vec![c])
                } else {
                    let mut cargs = Vec::with_capacity(args.len());
                    for a in args {
                        cargs.push(self.targ(a)?.0);
                    }
                    // Argument types as libs checks them: the argument's field info before
                    // its own transformers (`get_field_info`), see `info`.
                    let infos = args
                        .iter()
                        .map(|a| self.info(a).map(|(ty, _)| ty))
                        .collect::<Result<Vec<_>, _>>()?;
                    let string = |x: &Ty| x.ft == FieldType::String && !x.list;
                    let ty = match name {
                        Transformer::Join => {
                            if infos.len() != 2 {
                                return Err(msg::JOIN_ARITY.into());
                            }
                            if infos[0].list {
                                return Err(msg::JOIN_SEP_LIST.into());
                            }
                            if !infos[1].list {
                                return Err(msg::JOIN_NOT_LIST.into());
                            }
                            if arg.is_some() {
                                return Err(msg::multivalue_no_field_args(t));
                            }
                            Ty {
                                ft: FieldType::String,
                                list: false,
                            }
                        }
                        Transformer::Concat => {
                            if !infos.iter().all(string) {
                                return Err(msg::CONCAT_STRINGS.into());
                            }
                            if arg.is_some() {
                                return Err(msg::multivalue_no_field_args(t));
                            }
                            Ty {
                                ft: FieldType::String,
                                list: false,
                            }
                        }
                        Transformer::Getopt => {
                            if infos.len() != 2 {
                                return Err(msg::GETOPT_ARITY.into());
                            }
                            if !infos[0].list {
                                return Err(msg::GETOPT_NOT_LIST.into());
                            }
                            if infos[1].list {
                                return Err(msg::GETOPT_OPTSTRING_LIST.into());
                            }
                            if infos.iter().any(|x| x.ft != FieldType::String) {
                                return Err(msg::GETOPT_STRINGS.into());
                            }
                            if arg.as_ref().is_some_and(|a| a.len() != 1) {
                                return Err(msg::GETOPT_SELECTOR.into());
                            }
                            Ty {
                                ft: FieldType::String,
                                list: arg.is_none(),
                            }
                        }
                        _ => return Err(msg::UNKNOWN_MULTIVALUE_TRANSFORMER.into()),
                    };
                    (ty, cargs)
                };
                Ok((
                    COperand::Tr {
                        kind: *name,
                        args: cargs,
                        arg: arg.as_deref().map(Box::from),
                        slot: UNASSIGNED_SLOT,
                    },
                    ty,
                ))
            }
        }
    }

    /// libs' error when a single-value transformer does not accept the type it is applied to.
    fn bad_transformer_type(&self, t: &str, ty: Ty, arg: &TArg) -> String {
        let name = self.info(arg).map_or_else(|_| "NA".to_string(), |(_, n)| n);
        msg::transformer_bad_type(param_type(ty.ft), t, ty.list, &name)
    }

    /// The type and name libs reports for a transformer argument (`get_field_info`): a field's
    /// own type (ignoring transformers applied to it), `NA`/string for literals and
    /// multi-value transformer results (never a list, even for `getopt`), `NA`/string list for
    /// a list literal.
    pub(crate) fn info(&self, a: &TArg) -> Result<(Ty, String), String> {
        let na = |list| {
            (
                Ty {
                    ft: FieldType::String,
                    list,
                },
                "NA".to_string(),
            )
        };
        Ok(match a {
            TArg::Value(_) => na(false),
            TArg::List(_) => na(true),
            TArg::Operand(o) => return self.operand_info(o),
        })
    }

    /// As [`Binder::info`], for an operand.
    pub(crate) fn operand_info(&self, o: &Operand) -> Result<(Ty, String), String> {
        match o {
            Operand::Field(f) => {
                let (_, ty) = self.field(&f.name, f.arg.as_deref())?;
                Ok((ty, f.name.clone()))
            }
            Operand::Transform { name, args, .. } => match args.as_slice() {
                [only] if name.is_single() => self.info(only),
                _ => Ok((
                    Ty {
                        ft: FieldType::String,
                        list: false,
                    },
                    "NA".to_string(),
                )),
            },
        }
    }

    fn targ(&self, a: &TArg) -> Result<(CArg, Ty), String> {
        match a {
            TArg::Operand(o) => {
                let (c, ty) = self.operand(o)?;
                Ok((CArg::Op(c), ty))
            }
            TArg::Value(v) => Ok((
                CArg::Lit(v.clone()),
                Ty {
                    ft: FieldType::String,
                    list: false,
                },
            )),
            // libs `list_check`: elements are extracted in turn and their values flattened
            // (a list element contributes all its values); numeric ones become decimal text.
            TArg::List(items) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.targ(i)?.0);
                }
                Ok((
                    CArg::List(out),
                    Ty {
                        ft: FieldType::String,
                        list: true,
                    },
                ))
            }
        }
    }
}

/// libs `param_type_to_string` for the plugin field types.
pub(crate) fn param_type(ft: FieldType) -> &'static str {
    match ft {
        FieldType::String => "CHARBUF",
        FieldType::U64 => "UINT64",
        FieldType::Bool => "BOOL",
        FieldType::RelTime => "RELTIME",
        FieldType::AbsTime => "ABSTIME",
        FieldType::IpAddr => "IPADDR",
        FieldType::IpNet => "IPNET",
    }
}

/// Compiler warnings collected while binding one condition.
#[derive(Default)]
pub(crate) struct Warnings {
    pub(crate) items: Vec<String>,
    /// Comparisons of a `ka.*`/`jevt.*` field against the literal `<NA>` (`LOAD_UNSAFE_NA_CHECK`).
    pub(crate) unsafe_na: usize,
}

fn type_kind(ty: Ty) -> &'static str {
    if ty.list {
        return "list";
    }
    match base(ty.ft) {
        0 => "string",
        1 | 2 => "numeric",
        _ => "ip address and network",
    }
}

/// Checks Falco 0.44.1 (engine 0.62.0) accepts but gets wrong, refused here so a rules file
/// never behaves differently on the two engines (rules/README.md, "Differences from Falco"):
///
/// - a single-value transformer (`tolower`, `toupper`, `b64`, `basename`) applied to a list
///   field and compared with `in` / `intersects` never matches in Falco: a silent hole;
/// - `join(...)` / `concat(...)` compared with a field (`val(x)`) or a transformer on the
///   right-hand side crashes Falco (SIGSEGV) when the rule is evaluated.
fn falco_0_44_hazards(lhs: &Operand, op: CmpOp, ty: Ty, rhs: &Rhs) -> Result<(), String> {
    let Operand::Transform { name, .. } = lhs else {
        return Ok(());
    };
    if name.is_single()
        && *name != Transformer::Len
        && ty.list
        && matches!(op, CmpOp::In | CmpOp::Intersects)
    {
        return Err(msg::list_transformer_never_matches(
            &operand_text(lhs),
            op.as_str(),
        ));
    }
    if matches!(name, Transformer::Join | Transformer::Concat) {
        let right = match rhs {
            Rhs::Val { field, .. } => {
                format!("val({})", operand_text(&Operand::Field(field.clone())))
            }
            Rhs::Transform(o) => operand_text(o),
            Rhs::Value(_) | Rhs::List(_) => return Ok(()),
        };
        return Err(msg::multivalue_vs_field_crashes(
            &operand_text(lhs),
            op.as_str(),
            &right,
        ));
    }
    Ok(())
}

fn op_allowed(op: CmpOp, ty: Ty) -> bool {
    if ty.list {
        return matches!(op, CmpOp::In | CmpOp::Intersects);
    }
    match base(ty.ft) {
        0 => !matches!(op, CmpOp::BContains | CmpOp::BStartsWith),
        1 => matches!(
            op,
            CmpOp::Eq
                | CmpOp::EqEq
                | CmpOp::Ne
                | CmpOp::Lt
                | CmpOp::Le
                | CmpOp::Gt
                | CmpOp::Ge
                | CmpOp::In
                | CmpOp::Intersects
        ),
        _ => matches!(
            op,
            CmpOp::Eq | CmpOp::EqEq | CmpOp::Ne | CmpOp::In | CmpOp::Intersects
        ),
    }
}

/// Parses an unsigned number the way `%u`-style parsing does: optional sign, decimal digits,
/// whole token; `-` wraps around.
fn parse_u64(v: &str) -> Option<u64> {
    let (neg, digits) = match v.as_bytes().first() {
        Some(b'+') => (false, &v[1..]),
        Some(b'-') => (true, &v[1..]),
        _ => (false, v),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(if neg { n.wrapping_neg() } else { n })
}

fn parse_net(v: &str) -> Option<IpNetwork> {
    let (a, p) = v.split_once('/')?;
    let addr: IpAddr = a.parse().ok()?;
    let prefix: u8 = p.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some(IpNetwork { addr, prefix })
}

fn parse_ip(v: &str) -> Option<IpAddr> {
    if v.contains('.') {
        v.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    } else {
        v.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
    }
}

/// `name(` of a transformer or of `val` at the start of `s`.
fn looks_like_call(s: &str) -> bool {
    let Some((name, _)) = s.split_once('(') else {
        return false;
    };
    name == "val"
        || crate::ast::ALL_TRANSFORMERS
            .iter()
            .any(|t| t.as_str() == name)
}

fn regex_is_simple(v: &str) -> bool {
    let mut s = v;
    s = s.strip_prefix('^').unwrap_or(s);
    s = s.strip_suffix('$').unwrap_or(s);
    for p in [".*", ".+", ".?"] {
        s = s.strip_prefix(p).unwrap_or(s);
        s = s.strip_suffix(p).unwrap_or(s);
    }
    // Falco 0.44.1 warns for `.*` too: nothing special is left once it is stripped.
    !s.bytes().any(|b| b"\\^$.|?*+()[]{}".contains(&b))
}

impl Binder<'_> {
    fn constant(&self, op: CmpOp, ty: Ty, v: &str, w: &mut Warnings) -> Result<Const, String> {
        if v.as_bytes().contains(&0) {
            return Err(msg::NUL_IN_VALUE.to_string());
        }
        match base(ty.ft) {
            0 => {
                let squashed: Cow<'_, str> = if v.contains(' ') {
                    Cow::Owned(v.chars().filter(|c| *c != ' ').collect())
                } else {
                    Cow::Borrowed(v)
                };
                if self.field(&squashed, None).is_ok()
                    || split_field_arg(&squashed)
                        .is_some_and(|(n, a)| self.field(n, Some(a)).is_ok())
                {
                    w.items.push(msg::warn_field_as_value(v));
                } else if squashed.ends_with(')') && looks_like_call(&squashed) {
                    w.items.push(msg::warn_transformer_as_value(v));
                }
                Ok(match op {
                    CmpOp::Regex => {
                        if regex_is_simple(v) {
                            w.items.push(msg::warn_regex_simple(v));
                        }
                        Const::Regex(
                            crate::posix_re::compile(v).map_err(|e| msg::invalid_regex(&e))?,
                        )
                    }
                    CmpOp::Glob | CmpOp::IGlob => Const::Glob(v.as_bytes().into()),
                    CmpOp::BContains | CmpOp::BStartsWith => {
                        if !v.len().is_multiple_of(2) || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return Err(msg::bad_hex_bytes(v));
                        }
                        let bytes = (0..v.len())
                            .step_by(2)
                            .filter_map(|i| u8::from_str_radix(&v[i..i + 2], 16).ok())
                            .collect();
                        Const::Bytes(bytes)
                    }
                    CmpOp::Contains => Const::Sub(Box::new(
                        memchr::memmem::Finder::new(v.as_bytes()).into_owned(),
                    )),
                    _ => Const::Str(v.to_string()),
                })
            }
            1 => parse_u64(v)
                .map(Const::U64)
                .ok_or_else(|| msg::not_a_number(v)),
            2 => match v {
                "true" => Ok(Const::Bool(true)),
                "false" => Ok(Const::Bool(false)),
                _ => Err(msg::bad_bool(v)),
            },
            3 => parse_ip(v).map(Const::Ip).ok_or_else(|| msg::bad_ip(v)),
            _ => parse_net(v)
                .map(Const::Net)
                .or_else(|| parse_ip(v).map(Const::Ip))
                .ok_or_else(|| msg::bad_net(v)),
        }
    }

    /// Binds one inlined condition.
    pub(crate) fn expr(&self, e: &Expr, w: &mut Warnings) -> Result<CNode, String> {
        Ok(match e {
            Expr::And(c, _) => CNode::And(
                c.iter()
                    .map(|x| self.expr(x, w))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(c, _) => CNode::Or(
                c.iter()
                    .map(|x| self.expr(x, w))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(c, _) => CNode::Not(Box::new(self.expr(c, w)?)),
            Expr::Ident(n, _) => return Err(msg::undefined_macro(n)),
            Expr::Exists(o, _) => {
                let (lhs, ty) = self.operand(o)?;
                CNode::Check(Box::new(CCheck {
                    lhs,
                    lhs_list: ty.list,
                    op: CmpOp::Eq,
                    rhs: CRhs::Exists,
                    text: e.canonical().into(),
                    lhs_text: operand_text(o).into(),
                }))
            }
            Expr::Check(c, _) => {
                let (lhs, op, modifier, rhs) = (&c.lhs, &c.op, &c.modifier, &c.rhs);
                let (clhs, ty) = self.operand(lhs)?;
                if let Operand::Field(f) = lhs {
                    let na = match rhs {
                        Rhs::Value(v) => v == "<NA>",
                        Rhs::List(l) => l.iter().any(|v| v == "<NA>"),
                        _ => false,
                    };
                    let watched = f.name.starts_with("ka.") || f.name.starts_with("jevt.");
                    if na
                        && watched
                        && matches!(
                            op,
                            CmpOp::Eq
                                | CmpOp::EqEq
                                | CmpOp::Ne
                                | CmpOp::In
                                | CmpOp::Intersects
                                | CmpOp::PMatch
                        )
                    {
                        w.unsafe_na += 1;
                    }
                }
                if !op_allowed(*op, ty) {
                    return Err(msg::op_not_supported(op.as_str(), type_kind(ty)));
                }
                falco_0_44_hazards(lhs, *op, ty, rhs)?;
                let crhs = match rhs {
                    Rhs::Value(v) => {
                        if op.is_list_op() {
                            self.list_rhs(*op, ty, std::slice::from_ref(v), w)?
                        } else {
                            CRhs::One(self.constant(*op, ty, v, w)?)
                        }
                    }
                    Rhs::List(items) => match modifier {
                        Some(m) => {
                            if base(ty.ft) >= 3
                                && !matches!(op, CmpOp::Eq | CmpOp::EqEq | CmpOp::Ne)
                            {
                                return Err(msg::modifier_not_supported(op.as_str()));
                            }
                            let ks = items
                                .iter()
                                .map(|v| self.constant(*op, ty, v, w))
                                .collect::<Result<Vec<_>, _>>()?;
                            CRhs::Modifier(*m, ks)
                        }
                        None => self.list_rhs(*op, ty, items, w)?,
                    },
                    Rhs::Val { field, arg } => {
                        if arg.is_some() {
                            return Err(msg::transformer_no_field_args("val"));
                        }
                        let o = Operand::Field(field.clone());
                        self.dynamic(lhs, *op, ty, &o)?
                    }
                    Rhs::Transform(o) => self.dynamic(lhs, *op, ty, o)?,
                };
                CNode::Check(Box::new(CCheck {
                    lhs: clhs,
                    lhs_list: ty.list,
                    op: *op,
                    rhs: crhs,
                    text: e.canonical().into(),
                    lhs_text: operand_text(lhs).into(),
                }))
            }
        })
    }

    fn dynamic(&self, lhs: &Operand, op: CmpOp, lty: Ty, rhs: &Operand) -> Result<CRhs, String> {
        if matches!(op, CmpOp::PMatch | CmpOp::Regex) || lty.ft == FieldType::IpNet {
            return Err(msg::dynamic_rhs_not_supported(op.as_str()));
        }
        let (c, rty) = self.operand(rhs)?;
        if rty.ft != lty.ft || rty.list != lty.list {
            let ts = |t: Ty| {
                if t.list {
                    format!("{} (list)", param_type(t.ft))
                } else {
                    param_type(t.ft).to_string()
                }
            };
            // libs names each side by its field info (`NA` for multi-value transformers).
            let name = |o: &Operand| self.operand_info(o).map_or_else(|_| "NA".into(), |x| x.1);
            return Err(msg::incompatible_rhs(
                &name(lhs),
                &ts(lty),
                &name(rhs),
                &ts(rty),
            ));
        }
        Ok(CRhs::Dynamic(c))
    }

    fn list_rhs(
        &self,
        op: CmpOp,
        ty: Ty,
        items: &[String],
        w: &mut Warnings,
    ) -> Result<CRhs, String> {
        if op == CmpOp::PMatch {
            for v in items {
                self.constant(CmpOp::Eq, ty, v, w)?;
            }
            return Ok(CRhs::PMatch(PrefixSet::new(
                items.iter().map(String::as_str),
            )));
        }
        let ks = items
            .iter()
            .map(|v| self.constant(CmpOp::Eq, ty, v, w))
            .collect::<Result<Vec<_>, _>>()?;
        if base(ty.ft) == 0 {
            let set = ks
                .into_iter()
                .filter_map(|k| if let Const::Str(s) = k { Some(s) } else { None })
                .collect();
            return Ok(CRhs::StrSet(set));
        }
        Ok(CRhs::Set(ks))
    }
}

fn split_field_arg(s: &str) -> Option<(&str, &str)> {
    let (n, rest) = s.split_once('[')?;
    Some((n, rest.strip_suffix(']')?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_like_falco() {
        assert_eq!(parse_u64("+5"), Some(5));
        assert_eq!(parse_u64("-1"), Some(u64::MAX));
        assert_eq!(parse_u64("0x10"), None);
        assert_eq!(parse_u64("1.5"), None);
        assert_eq!(parse_u64("1e+5"), None);
    }
}
