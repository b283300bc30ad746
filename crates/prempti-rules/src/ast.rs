//! The condition syntax tree (`parse` output) and its printers.
//!
//! Spans are byte offsets into the condition text the tree was parsed from. The
//! [`Expr::canonical`] printer reproduces Falco's `string_visitor` output (COMPAT.md §3); the
//! [`Expr::reparsable`] printer quotes every value that would not lex back as itself, so that
//! `parse(reparsable(e)) == e` up to spans (the fuzz round trip).

use std::fmt::Write as _;

/// A byte range, relative to the text it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// Builds a span from two offsets.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `==`
    EqEq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `glob`
    Glob,
    /// `iglob`
    IGlob,
    /// `contains`
    Contains,
    /// `icontains`
    IContains,
    /// `bcontains`
    BContains,
    /// `startswith`
    StartsWith,
    /// `bstartswith`
    BStartsWith,
    /// `endswith`
    EndsWith,
    /// `regex`
    Regex,
    /// `in`
    In,
    /// `intersects`
    Intersects,
    /// `pmatch`
    PMatch,
}

impl CmpOp {
    /// Every operator as Falco spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::EqEq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Glob => "glob",
            CmpOp::IGlob => "iglob",
            CmpOp::Contains => "contains",
            CmpOp::IContains => "icontains",
            CmpOp::BContains => "bcontains",
            CmpOp::StartsWith => "startswith",
            CmpOp::BStartsWith => "bstartswith",
            CmpOp::EndsWith => "endswith",
            CmpOp::Regex => "regex",
            CmpOp::In => "in",
            CmpOp::Intersects => "intersects",
            CmpOp::PMatch => "pmatch",
        }
    }

    /// Parses an operator spelling (as used in exception `comps`).
    pub fn from_name(s: &str) -> Option<CmpOp> {
        ALL_OPS.iter().copied().find(|o| o.as_str() == s)
    }

    /// Whether the operator takes a list on its right-hand side.
    pub fn is_list_op(self) -> bool {
        matches!(self, CmpOp::In | CmpOp::Intersects | CmpOp::PMatch)
    }

    /// Whether the operator is a string operator (may carry a modifier).
    pub fn is_str_op(self) -> bool {
        matches!(
            self,
            CmpOp::Eq
                | CmpOp::EqEq
                | CmpOp::Ne
                | CmpOp::Glob
                | CmpOp::IGlob
                | CmpOp::Contains
                | CmpOp::IContains
                | CmpOp::BContains
                | CmpOp::StartsWith
                | CmpOp::BStartsWith
                | CmpOp::EndsWith
                | CmpOp::Regex
        )
    }
}

/// All binary operators, in Falco's listing order.
pub(crate) const ALL_OPS: [CmpOp; 19] = [
    CmpOp::Le,
    CmpOp::Lt,
    CmpOp::Ge,
    CmpOp::Gt,
    CmpOp::EqEq,
    CmpOp::Eq,
    CmpOp::Ne,
    CmpOp::Glob,
    CmpOp::IGlob,
    CmpOp::Contains,
    CmpOp::IContains,
    CmpOp::BContains,
    CmpOp::StartsWith,
    CmpOp::BStartsWith,
    CmpOp::EndsWith,
    CmpOp::Regex,
    CmpOp::Intersects,
    CmpOp::In,
    CmpOp::PMatch,
];

/// A list modifier after a string operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// `oneof`: exactly one element matches.
    OneOf,
    /// `anyof`: at least one element matches.
    AnyOf,
    /// `allof`: every element matches.
    AllOf,
}

impl Modifier {
    /// Falco's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::OneOf => "oneof",
            Modifier::AnyOf => "anyof",
            Modifier::AllOf => "allof",
        }
    }
}

/// A transformer name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transformer {
    /// `tolower`
    ToLower,
    /// `toupper`
    ToUpper,
    /// `b64` (base64 decode)
    B64,
    /// `basename`
    Basename,
    /// `len`
    Len,
    /// `join(sep, list)`
    Join,
    /// `concat(a, b, ...)`
    Concat,
    /// `getopt(argv, optstring)`
    Getopt,
}

/// All transformers, in the order the parser tries them.
pub(crate) const ALL_TRANSFORMERS: [Transformer; 8] = [
    Transformer::ToLower,
    Transformer::ToUpper,
    Transformer::B64,
    Transformer::Basename,
    Transformer::Len,
    Transformer::Join,
    Transformer::Concat,
    Transformer::Getopt,
];

impl Transformer {
    /// Falco's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Transformer::ToLower => "tolower",
            Transformer::ToUpper => "toupper",
            Transformer::B64 => "b64",
            Transformer::Basename => "basename",
            Transformer::Len => "len",
            Transformer::Join => "join",
            Transformer::Concat => "concat",
            Transformer::Getopt => "getopt",
        }
    }

    /// Whether the transformer takes exactly one field-like argument.
    pub fn is_single(self) -> bool {
        !matches!(
            self,
            Transformer::Join | Transformer::Concat | Transformer::Getopt
        )
    }
}

/// A field reference `name[arg]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// Field name.
    pub name: String,
    /// Argument, when given.
    pub arg: Option<String>,
    /// Where it was written.
    pub span: Span,
}

/// The left side of a check, or a transformer argument that reads the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// A field.
    Field(FieldRef),
    /// A transformer applied to arguments.
    Transform {
        /// Which transformer.
        name: Transformer,
        /// Arguments.
        args: Vec<TArg>,
        /// `[arg]` after the closing parenthesis.
        arg: Option<String>,
        /// Where it was written.
        span: Span,
    },
}

impl Operand {
    /// Where the operand was written.
    pub fn span(&self) -> Span {
        match self {
            Operand::Field(f) => f.span,
            Operand::Transform { span, .. } => *span,
        }
    }
}

/// A transformer argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TArg {
    /// A field or nested transformer.
    Operand(Operand),
    /// A literal (quoted string or number).
    Value(String),
    /// A parenthesized list of arguments.
    List(Vec<TArg>),
}

/// The right side of a binary check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rhs {
    /// A single constant.
    Value(String),
    /// A list literal `(a, b)` or a bare identifier after a list operator or modifier
    /// (`in foo` is `in (foo)`).
    List(Vec<String>),
    /// `val(field)` (the field's argument, if any, is rejected at compile).
    Val {
        /// The field read.
        field: FieldRef,
        /// `[arg]` after `val(...)`, rejected at compile.
        arg: Option<String>,
    },
    /// A transformer expression.
    Transform(Operand),
}

/// A condition expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `a and b and ...` (two or more).
    And(Vec<Expr>, Span),
    /// `a or b or ...` (two or more).
    Or(Vec<Expr>, Span),
    /// `not a`.
    Not(Box<Expr>, Span),
    /// A macro reference.
    Ident(String, Span),
    /// `operand exists`.
    Exists(Box<Operand>, Span),
    /// `operand op [modifier] rhs` (boxed to keep `Expr` small: the parser recurses on it).
    Check(Box<Check>, Span),
}

/// A binary check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Left side.
    pub lhs: Operand,
    /// Operator.
    pub op: CmpOp,
    /// List modifier.
    pub modifier: Option<Modifier>,
    /// Right side.
    pub rhs: Rhs,
}

impl Expr {
    /// Where the expression was written.
    pub fn span(&self) -> Span {
        match self {
            Expr::And(_, s)
            | Expr::Or(_, s)
            | Expr::Not(_, s)
            | Expr::Ident(_, s)
            | Expr::Exists(_, s)
            | Expr::Check(_, s) => *s,
        }
    }

    /// Falco's canonical form (COMPAT.md §3).
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        print_expr(self, &mut out, Mode::Canonical);
        out
    }

    /// A form that parses back to the same tree (values quoted and escaped whenever needed).
    pub fn reparsable(&self) -> String {
        let mut out = String::new();
        print_expr(self, &mut out, Mode::Reparsable);
        out
    }

    /// The tree with every span zeroed, for structural comparisons.
    pub fn without_spans(&self) -> Expr {
        let mut e = self.clone();
        clear_spans(&mut e);
        e
    }

    /// Nesting depth of the tree.
    pub fn depth(&self) -> usize {
        match self {
            Expr::And(c, _) | Expr::Or(c, _) => 1 + c.iter().map(Expr::depth).max().unwrap_or(0),
            Expr::Not(c, _) => 1 + c.depth(),
            _ => 1,
        }
    }
}

fn clear_operand(o: &mut Operand) {
    match o {
        Operand::Field(f) => f.span = Span::default(),
        Operand::Transform { args, span, .. } => {
            *span = Span::default();
            args.iter_mut().for_each(clear_targ);
        }
    }
}

fn clear_targ(a: &mut TArg) {
    match a {
        TArg::Operand(o) => clear_operand(o),
        TArg::Value(_) => {}
        TArg::List(l) => l.iter_mut().for_each(clear_targ),
    }
}

fn clear_spans(e: &mut Expr) {
    match e {
        Expr::And(c, s) | Expr::Or(c, s) => {
            *s = Span::default();
            c.iter_mut().for_each(clear_spans);
        }
        Expr::Not(c, s) => {
            *s = Span::default();
            clear_spans(c);
        }
        Expr::Ident(_, s) => *s = Span::default(),
        Expr::Exists(o, s) => {
            *s = Span::default();
            clear_operand(o);
        }
        Expr::Check(c, span) => {
            *span = Span::default();
            clear_operand(&mut c.lhs);
            match &mut c.rhs {
                Rhs::Val { field, .. } => field.span = Span::default(),
                Rhs::Transform(o) => clear_operand(o),
                Rhs::Value(_) | Rhs::List(_) => {}
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    Canonical,
    Reparsable,
}

/// Prints a value the way Falco's AST printer does: raw unless it contains a blank, `=`, `\`,
/// a quote or a control character.
pub(crate) fn push_value(out: &mut String, v: &str) {
    let needs = v
        .bytes()
        .any(|b| matches!(b, b' ' | b'=' | b'\\' | b'"' | b'\'') || b < 0x20 || b == 0x7f);
    if !needs {
        out.push_str(v);
        return;
    }
    out.push('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Quotes a value so that it lexes back to itself in any value position.
fn push_value_reparsable(out: &mut String, v: &str) {
    let bare_ok = !v.is_empty()
        && !matches!(v, "oneof" | "anyof" | "allof")
        && v.bytes().all(|b| {
            !matches!(
                b,
                b'(' | b')' | b'"' | b'\'' | b'=' | b',' | b'\\' | b'[' | b']'
            ) && !is_space(b)
                && b >= 0x20
                && b != 0x7f
        });
    if bare_ok {
        out.push_str(v);
        return;
    }
    push_quoted(out, v);
}

/// `v` in double quotes, with `\\`, `"` and control characters escaped so it parses back.
fn push_quoted(out: &mut String, v: &str) {
    out.push('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\x5c"),
            '"' => out.push_str("\\\""),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn push_val(out: &mut String, v: &str, mode: Mode) {
    match mode {
        Mode::Canonical => push_value(out, v),
        Mode::Reparsable => push_value_reparsable(out, v),
    }
}

fn print_field(f: &FieldRef, out: &mut String, mode: Mode) {
    out.push_str(&f.name);
    if let Some(a) = &f.arg {
        print_arg(a, out, mode);
    }
}

fn print_arg(a: &str, out: &mut String, mode: Mode) {
    out.push('[');
    if a.is_empty() {
        out.push_str("\"\"");
    } else {
        push_val(out, a, mode);
    }
    out.push(']');
}

fn print_targ(a: &TArg, out: &mut String, mode: Mode) {
    match a {
        TArg::Operand(o) => print_operand(o, out, mode),
        TArg::Value(v) => {
            // Numbers print raw; anything else is quoted so it stays a literal.
            if crate::parse::is_number_literal(v) {
                out.push_str(v);
            } else {
                push_quoted(out, v);
            }
        }
        TArg::List(l) => {
            out.push('(');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                print_targ(x, out, mode);
            }
            out.push(')');
        }
    }
}

pub(crate) fn print_operand(o: &Operand, out: &mut String, mode: Mode) {
    match o {
        Operand::Field(f) => print_field(f, out, mode),
        Operand::Transform {
            name, args, arg, ..
        } => {
            out.push_str(name.as_str());
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                print_targ(a, out, mode);
            }
            out.push(')');
            if let Some(a) = arg {
                print_arg(a, out, mode);
            }
        }
    }
}

/// Canonical text of an operand (`tolower(a.b)`, `a.b[x]`).
pub(crate) fn operand_text(o: &Operand) -> String {
    let mut s = String::new();
    print_operand(o, &mut s, Mode::Canonical);
    s
}

fn print_list(l: &[String], out: &mut String, mode: Mode) {
    out.push('(');
    for (i, v) in l.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_val(out, v, mode);
    }
    out.push(')');
}

fn print_expr(e: &Expr, out: &mut String, mode: Mode) {
    match e {
        Expr::And(c, _) | Expr::Or(c, _) => {
            let kw = if matches!(e, Expr::And(..)) {
                " and "
            } else {
                " or "
            };
            out.push('(');
            for (i, x) in c.iter().enumerate() {
                if i > 0 {
                    out.push_str(kw);
                }
                print_expr(x, out, mode);
            }
            out.push(')');
        }
        Expr::Not(c, _) => {
            out.push_str("not ");
            if mode == Mode::Reparsable && matches!(**c, Expr::Not(..)) {
                out.push('(');
                print_expr(c, out, mode);
                out.push(')');
            } else {
                print_expr(c, out, mode);
            }
        }
        Expr::Ident(n, _) => out.push_str(n),
        Expr::Exists(o, _) => {
            print_operand(o, out, mode);
            out.push_str(" exists");
        }
        Expr::Check(c, _) => {
            let (lhs, op, modifier, rhs) = (&c.lhs, &c.op, &c.modifier, &c.rhs);
            print_operand(lhs, out, mode);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            if let Some(m) = modifier {
                out.push_str(m.as_str());
                out.push(' ');
            }
            match rhs {
                Rhs::Value(v) => {
                    if mode == Mode::Reparsable
                        && matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
                    {
                        out.push_str(v);
                    } else {
                        push_val(out, v, mode);
                    }
                }
                Rhs::List(l) => print_list(l, out, mode),
                Rhs::Val { field, arg } => {
                    out.push_str("val(");
                    print_field(field, out, mode);
                    out.push(')');
                    if let Some(a) = arg {
                        print_arg(a, out, mode);
                    }
                }
                Rhs::Transform(o) => print_operand(o, out, mode),
            }
        }
    }
}
