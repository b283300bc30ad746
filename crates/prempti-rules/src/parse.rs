//! The condition parser: hand-written recursive descent over the condition text.
//!
//! The grammar, with the quirks Falco's parser has and we reproduce, is written down in
//! `GRAMMAR.md` beside this file (`COMPAT.md` §3). One function per precedence level:
//! [`Parser::parse_or`] → [`Parser::parse_and`] → [`Parser::parse_not`] →
//! [`Parser::parse_check`] → operands and values. Keywords are matched as prefixes at operator
//! positions, exactly as Falco does, so `a.b in(x)` is valid and `x orx` is not.
//!
//! Every recursive function counts depth (the same way Falco's depth guard does) and fails past
//! [`MAX_DEPTH`], so no input can overflow the stack.

use crate::ast::{
    is_space, Check, CmpOp, Expr, FieldRef, Modifier, Operand, Rhs, Span, TArg, Transformer,
    ALL_OPS, ALL_TRANSFORMERS,
};
use crate::messages as msg;

/// Maximum recursion depth of the parser, counted per parsing function as Falco does (Falco
/// configures its parser with 1000). A parse at this depth fits a 2 MiB thread stack even in
/// debug builds; `Expr` keeps its large variants boxed for that reason.
pub const MAX_DEPTH: u32 = 1000;

/// A syntax error in a condition (or output token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Falco's message.
    pub message: String,
    /// Byte offset in the parsed text where the parser stopped.
    pub offset: usize,
}

/// Parses a whole condition.
pub fn parse_condition(input: &str) -> Result<Expr, ParseError> {
    let mut p = Parser::new(input);
    if input.is_empty() {
        return Err(p.error(msg::PARSE_EMPTY.to_string()));
    }
    let e = p.parse_or()?;
    if p.pos != p.src.len() {
        return Err(p.error(msg::parse_unexpected_token(&p.last_token)));
    }
    Ok(e)
}

/// Parses a field reference or transformer at the start of `input` (output format tokens),
/// returning it and the number of bytes consumed.
pub(crate) fn parse_operand_prefix(input: &str) -> Result<(Operand, usize), ParseError> {
    let mut p = Parser::new(input);
    let start = p.pos;
    if let Some(t) = p.lex_transformer() {
        let o = p.parse_transformer_remainder(t, start)?;
        return Ok((o, p.pos));
    }
    if p.lex_field_name() {
        let f = p.parse_field_remainder(start)?;
        return Ok((Operand::Field(f), p.pos));
    }
    Err(p.error(msg::PARSE_EXPECTED_CHECK.to_string()))
}

/// Whether `s` lexes entirely as a HEXNUM or NUMBER token.
pub(crate) fn is_number_literal(s: &str) -> bool {
    let mut p = Parser::new(s);
    (p.lex_hex_num() || p.lex_num()) && p.pos == s.len()
}

/// Decodes the escapes of a quoted token (delimiters included), `src/GRAMMAR.md` (COMPAT.md §3).
pub(crate) fn unescape(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    if bytes.len() < 2 {
        return Ok(String::new());
    }
    let delim = bytes[0];
    let inner = &bytes[1..bytes.len() - 1];
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&n) = inner.get(i + 1) else {
            return Err(msg::ESCAPE_TRUNCATED.to_string());
        };
        i += 2;
        match n {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b' ' => out.push(b'\\'),
            b'"' if delim == b'"' => out.push(b'"'),
            b'"' => return Err(msg::ESCAPE_DQUOTE.to_string()),
            b'\'' if delim == b'\'' => out.push(b'\''),
            b'\'' => return Err(msg::ESCAPE_SQUOTE.to_string()),
            b'x' => {
                let (Some(&h), Some(&l)) = (inner.get(i), inner.get(i + 1)) else {
                    return Err(msg::ESCAPE_HEX_TRUNCATED.to_string());
                };
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(h), hex(l)) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => return Err(msg::escape_hex_invalid(&String::from_utf8_lossy(&[h, l]))),
                }
                i += 2;
            }
            other => {
                let c = String::from_utf8_lossy(
                    &inner[i - 1..(i - 1 + utf8_len(other)).min(inner.len())],
                )
                .into_owned();
                return Err(msg::escape_unsupported(&c));
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 8 | b'\r' | b'\n')
}

fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

fn is_ident_tail(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The parser state: the text and a cursor.
pub(crate) struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: u32,
    last_token: String,
}

struct DepthGuard;

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser {
            src: text.as_bytes(),
            text,
            pos: 0,
            depth: 0,
            last_token: String::new(),
        }
    }

    fn error(&self, message: String) -> ParseError {
        ParseError {
            message,
            offset: self.pos,
        }
    }

    fn enter(&mut self) -> Result<DepthGuard, ParseError> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(self.error(msg::parse_depth(MAX_DEPTH)));
        }
        Ok(DepthGuard)
    }

    fn leave(&mut self, _g: DepthGuard) {
        self.depth -= 1;
    }

    /// Leaves the check's depth level and builds it, spanning `start` to here.
    fn finish_check(
        &mut self,
        g: DepthGuard,
        start: usize,
        lhs: Operand,
        op: CmpOp,
        modifier: Option<Modifier>,
        rhs: Rhs,
    ) -> Expr {
        self.leave(g);
        let check = Check {
            lhs,
            op,
            modifier,
            rhs,
        };
        Expr::Check(Box::new(check), Span::new(start, self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn rest(&self) -> &'a [u8] {
        &self.src[self.pos.min(self.src.len())..]
    }

    fn set_token(&mut self, start: usize) {
        self.last_token.clear();
        self.last_token.push_str(&self.text[start..self.pos]);
    }

    fn lex_blank(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn lex_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s.as_bytes()) {
            let start = self.pos;
            self.pos += s.len();
            self.set_token(start);
            true
        } else {
            false
        }
    }

    /// `[a-zA-Z]+[a-zA-Z0-9_]*` at `at`; returns the end.
    fn ident_end(&self, at: usize) -> Option<usize> {
        let s = self.src;
        if !s.get(at).copied().is_some_and(is_alpha) {
            return None;
        }
        let mut i = at + 1;
        while s.get(i).copied().is_some_and(is_ident_tail) {
            i += 1;
        }
        Some(i)
    }

    fn lex_identifier(&mut self) -> bool {
        match self.ident_end(self.pos) {
            Some(end) => {
                let start = self.pos;
                self.pos = end;
                self.set_token(start);
                true
            }
            None => false,
        }
    }

    fn lex_field_name(&mut self) -> bool {
        let Some(mut end) = self.ident_end(self.pos) else {
            return false;
        };
        let mut segments = 0;
        while self.src.get(end) == Some(&b'.') {
            match self.ident_end(end + 1) {
                Some(e) => {
                    end = e;
                    segments += 1;
                }
                None => break,
            }
        }
        if segments == 0 {
            return false;
        }
        let start = self.pos;
        self.pos = end;
        self.set_token(start);
        true
    }

    fn lex_while(&mut self, ok: impl Fn(u8) -> bool) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(&ok) {
            self.pos += 1;
        }
        if self.pos > start {
            self.set_token(start);
            true
        } else {
            false
        }
    }

    fn lex_bare_str(&mut self) -> bool {
        self.lex_while(|b| !matches!(b, b'(' | b')' | b'"' | b'\'' | b'=' | b',') && !is_space(b))
    }

    fn lex_arg_bare_str(&mut self) -> bool {
        self.lex_while(|b| !matches!(b, b'[' | b']' | b'"' | b'\'') && !is_space(b))
    }

    fn lex_hex_num(&mut self) -> bool {
        let r = self.rest();
        if r.len() >= 3
            && r[0] == b'0'
            && (r[1] == b'x' || r[1] == b'X')
            && r[2].is_ascii_hexdigit()
        {
            let start = self.pos;
            self.pos += 3;
            while self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                self.pos += 1;
            }
            self.set_token(start);
            true
        } else {
            false
        }
    }

    fn lex_num(&mut self) -> bool {
        let s = self.src;
        let mut i = self.pos;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let d0 = i;
        while s.get(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        if i == d0 {
            return false;
        }
        if s.get(i) == Some(&b'.') {
            i += 1;
        }
        while s.get(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        if matches!(s.get(i), Some(b'e' | b'E'))
            && matches!(s.get(i + 1), Some(b'+' | b'-'))
            && s.get(i + 2).is_some_and(|b| b.is_ascii_digit())
        {
            i += 3;
            while s.get(i).is_some_and(|b| b.is_ascii_digit()) {
                i += 1;
            }
        }
        let start = self.pos;
        self.pos = i;
        self.set_token(start);
        true
    }

    /// A quoted string; ends at the first delimiter not preceded by a backslash.
    fn lex_quoted_str(&mut self) -> Result<Option<String>, ParseError> {
        let Some(delim) = self.peek().filter(|b| *b == b'"' || *b == b'\'') else {
            return Ok(None);
        };
        let start = self.pos;
        let mut prev = b'\\';
        let mut i = self.pos;
        while let Some(&c) = self.src.get(i) {
            if c == delim && prev != b'\\' {
                let raw = &self.text[start..=i];
                self.pos = i + 1;
                self.set_token(start);
                return match unescape(raw) {
                    Ok(v) => Ok(Some(v)),
                    Err(m) => Err(ParseError {
                        message: m,
                        offset: start,
                    }),
                };
            }
            prev = c;
            i += 1;
        }
        Ok(None)
    }

    fn lex_transformer(&mut self) -> Option<Transformer> {
        for t in ALL_TRANSFORMERS {
            let name = t.as_str();
            let r = self.rest();
            if r.starts_with(name.as_bytes()) && r.get(name.len()) == Some(&b'(') {
                let start = self.pos;
                self.pos += name.len() + 1;
                self.set_token(start);
                return Some(t);
            }
        }
        None
    }

    /// `or_expr = and_expr { "or" ( BLANK and_expr | "(" or_expr ")" ) }`
    fn parse_or(&mut self) -> Result<Expr, ParseError> {
        self.parse_junction("or", Self::parse_and, Expr::Or)
    }

    /// `and_expr = not_expr { "and" ( BLANK not_expr | "(" or_expr ")" ) }`
    fn parse_and(&mut self) -> Result<Expr, ParseError> {
        self.parse_junction("and", Self::parse_not, Expr::And)
    }

    /// One precedence level of `or`/`and`: `operand { word ( BLANK operand | "(" or_expr ")" ) }`,
    /// built with `node` when there are several operands.
    fn parse_junction(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Result<Expr, ParseError>,
        node: fn(Vec<Expr>, Span) -> Expr,
    ) -> Result<Expr, ParseError> {
        let g = self.enter()?;
        self.lex_blank();
        let start = self.pos;
        let mut children = vec![operand(self)?];
        self.lex_blank();
        while self.lex_str(word) {
            let child = if self.lex_blank() {
                operand(self)?
            } else if self.lex_str("(") {
                self.parse_embedded_remainder()?
            } else {
                return Err(self.error(msg::parse_expected_blank_after(word)));
            };
            children.push(child);
            self.lex_blank();
        }
        self.leave(g);
        Ok(if children.len() > 1 {
            let end = children.last().map_or(self.pos, |c| c.span().end as usize);
            node(children, Span::new(start, end))
        } else {
            children
                .pop()
                .unwrap_or(Expr::Ident(String::new(), Span::default()))
        })
    }

    /// `not_expr = { "not" BLANK } ( "not(" or_expr ")" | check )`
    fn parse_not(&mut self) -> Result<Expr, ParseError> {
        let g = self.enter()?;
        self.lex_blank();
        let start = self.pos;
        let mut is_not = false;
        loop {
            let r = self.rest();
            if r.starts_with(b"not") && r.get(3).copied().is_some_and(is_space) {
                self.pos += 3;
                self.set_token(self.pos - 3);
                while self.peek().is_some_and(is_space) {
                    self.pos += 1;
                }
                is_not = !is_not;
            } else {
                break;
            }
        }
        let child = if self.lex_str("not(") {
            is_not = !is_not;
            self.parse_embedded_remainder()?
        } else {
            self.parse_check()?
        };
        self.leave(g);
        Ok(if is_not {
            let end = child.span().end as usize;
            Expr::Not(Box::new(child), Span::new(start, end))
        } else {
            child
        })
    }

    /// After a `(`: `or_expr ")"`.
    fn parse_embedded_remainder(&mut self) -> Result<Expr, ParseError> {
        let g = self.enter()?;
        self.lex_blank();
        let child = self.parse_or()?;
        self.lex_blank();
        if !self.lex_str(")") {
            return Err(self.error(msg::PARSE_EXPECTED_RPAREN.to_string()));
        }
        self.leave(g);
        Ok(child)
    }

    /// `check = "(" or_expr ")" | field_ref predicate | transformer predicate | IDENT`
    fn parse_check(&mut self) -> Result<Expr, ParseError> {
        let g = self.enter()?;
        self.lex_blank();
        let start = self.pos;
        if self.lex_str("(") {
            let e = self.parse_embedded_remainder()?;
            self.leave(g);
            return Ok(e);
        }
        let e = if self.lex_field_name() {
            let f = self.parse_field_remainder(start)?;
            self.parse_predicate(Operand::Field(f), start)?
        } else if let Some(t) = self.lex_transformer() {
            let o = self.parse_transformer_remainder(t, start)?;
            self.parse_predicate(o, start)?
        } else if self.lex_identifier() {
            Expr::Ident(self.last_token.clone(), Span::new(start, self.pos))
        } else {
            return Err(self.error(msg::PARSE_EXPECTED_CHECK.to_string()));
        };
        self.leave(g);
        Ok(e)
    }

    /// After a FIELDNAME: optional `[arg]` (no blanks).
    fn parse_field_remainder(&mut self, start: usize) -> Result<FieldRef, ParseError> {
        let name = self.last_token.clone();
        let arg = self.parse_field_arg()?;
        Ok(FieldRef {
            name,
            arg,
            span: Span::new(start, self.pos),
        })
    }

    fn parse_field_arg(&mut self) -> Result<Option<String>, ParseError> {
        if !self.lex_str("[") {
            return Ok(None);
        }
        let arg = if let Some(q) = self.lex_quoted_str()? {
            q
        } else if self.lex_arg_bare_str() {
            self.last_token.clone()
        } else {
            return Err(self.error(msg::PARSE_EXPECTED_FIELD_ARG.to_string()));
        };
        if !self.lex_str("]") {
            return Err(self.error(msg::PARSE_EXPECTED_RBRACKET.to_string()));
        }
        Ok(Some(arg))
    }

    /// After `name(`: arguments, `)`, optional `[arg]`.
    fn parse_transformer_remainder(
        &mut self,
        name: Transformer,
        start: usize,
    ) -> Result<Operand, ParseError> {
        let g = self.enter()?;
        let mut args = Vec::new();
        self.lex_blank();
        loop {
            args.push(self.parse_targ()?);
            self.lex_blank();
            if !self.lex_str(",") {
                break;
            }
            self.lex_blank();
        }
        if !self.lex_str(")") {
            return Err(self.error(msg::PARSE_EXPECTED_RPAREN_TRANSFORMER.to_string()));
        }
        let arg = self.parse_field_arg()?;
        self.leave(g);
        Ok(Operand::Transform {
            name,
            args,
            arg,
            span: Span::new(start, self.pos),
        })
    }

    /// `targ = HEXNUM | NUMBER | QUOTED | tlist | transformer | field_ref`, tried in libs'
    /// order (`parse_field_transformer_arg`). Every transformer accepts every kind here; the
    /// compiler checks arity and types.
    fn parse_targ(&mut self) -> Result<TArg, ParseError> {
        let g = self.enter()?;
        self.lex_blank();
        let start = self.pos;
        let a = if self.lex_hex_num() || self.lex_num() {
            TArg::Value(self.last_token.clone())
        } else if let Some(q) = self.lex_quoted_str()? {
            TArg::Value(q)
        } else if self.lex_str("(") {
            self.parse_tlist()?
        } else if let Some(t) = self.lex_transformer() {
            TArg::Operand(self.parse_transformer_remainder(t, start)?)
        } else if self.lex_field_name() {
            TArg::Operand(Operand::Field(self.parse_field_remainder(start)?))
        } else {
            return Err(self.error(msg::PARSE_EXPECTED_TARG.to_string()));
        };
        self.leave(g);
        Ok(a)
    }

    /// After `(` in a transformer argument: `[ tlarg { "," tlarg } ] ")"`.
    fn parse_tlist(&mut self) -> Result<TArg, ParseError> {
        let mut items = Vec::new();
        self.lex_blank();
        if self.lex_str(")") {
            return Ok(TArg::List(items));
        }
        items.push(self.parse_tlist_arg()?);
        self.lex_blank();
        while self.lex_str(",") {
            self.lex_blank();
            items.push(self.parse_tlist_arg()?);
            self.lex_blank();
        }
        if !self.lex_str(")") {
            return Err(self.error(msg::PARSE_EXPECTED_RPAREN_TLIST.to_string()));
        }
        Ok(TArg::List(items))
    }

    /// `tlarg = field_ref | transformer | QUOTED | HEXNUM | NUMBER` (libs order).
    fn parse_tlist_arg(&mut self) -> Result<TArg, ParseError> {
        let start = self.pos;
        if self.lex_field_name() {
            return Ok(TArg::Operand(Operand::Field(
                self.parse_field_remainder(start)?,
            )));
        }
        if let Some(t) = self.lex_transformer() {
            self.lex_blank();
            return Ok(TArg::Operand(self.parse_transformer_remainder(t, start)?));
        }
        if let Some(q) = self.lex_quoted_str()? {
            return Ok(TArg::Value(q));
        }
        if self.lex_hex_num() || self.lex_num() {
            return Ok(TArg::Value(self.last_token.clone()));
        }
        Err(self.error(msg::PARSE_EXPECTED_TLIST_ARG.to_string()))
    }

    /// The operator and right-hand side of a check.
    fn parse_predicate(&mut self, lhs: Operand, start: usize) -> Result<Expr, ParseError> {
        let g = self.enter()?;
        self.lex_blank();
        if self.lex_str("exists") {
            self.leave(g);
            return Ok(Expr::Exists(Box::new(lhs), Span::new(start, self.pos)));
        }
        for (s, op) in [
            ("<=", CmpOp::Le),
            ("<", CmpOp::Lt),
            (">=", CmpOp::Ge),
            (">", CmpOp::Gt),
        ] {
            if self.lex_str(s) {
                let rhs = self.parse_num_value()?;
                return Ok(self.finish_check(g, start, lhs, op, None, rhs));
            }
        }
        if let Some((op, word)) = self.lex_str_op() {
            let modifier = self.try_modifier(word);
            let rhs = match modifier {
                Some(_) => self.parse_list_value()?,
                None => self.parse_str_value()?,
            };
            return Ok(self.finish_check(g, start, lhs, op, modifier, rhs));
        }
        for (s, op) in [
            ("intersects", CmpOp::Intersects),
            ("in", CmpOp::In),
            ("pmatch", CmpOp::PMatch),
        ] {
            if self.lex_str(s) {
                let rhs = self.parse_list_value_or_dynamic()?;
                return Ok(self.finish_check(g, start, lhs, op, None, rhs));
            }
        }
        Err(self.error(msg::parse_expected_operator()))
    }

    /// String operators; word operators must be followed by a blank. Returns the operator and
    /// whether it was a word operator.
    fn lex_str_op(&mut self) -> Option<(CmpOp, bool)> {
        for (s, op) in [("==", CmpOp::EqEq), ("=", CmpOp::Eq), ("!=", CmpOp::Ne)] {
            if self.lex_str(s) {
                return Some((op, false));
            }
        }
        // The word string operators (`glob` ... `regex`), in Falco's order.
        let words = ALL_OPS.into_iter().filter(|op| {
            op.is_str_op() && op.as_str().starts_with(|c: char| c.is_ascii_alphabetic())
        });
        for op in words {
            let w = op.as_str().as_bytes();
            let r = self.rest();
            if r.starts_with(w) && r.get(w.len()).copied().is_some_and(is_blank) {
                let start = self.pos;
                self.pos += w.len();
                self.set_token(start);
                self.lex_blank();
                return Some((op, true));
            }
        }
        None
    }

    /// Rule M of `src/GRAMMAR.md`: a modifier is recognized only when it is followed by a blank
    /// and then by `(` or an identifier other than `and`/`or`/`not`; otherwise backtrack.
    fn try_modifier(&mut self, word_op: bool) -> Option<Modifier> {
        let save = self.pos;
        let blank = self.lex_blank();
        if !(word_op || blank) {
            self.pos = save;
            return None;
        }
        for m in [Modifier::OneOf, Modifier::AnyOf, Modifier::AllOf] {
            let w = m.as_str().as_bytes();
            let r = self.rest();
            if r.starts_with(w) && r.get(w.len()).copied().is_some_and(is_blank) {
                let mut i = self.pos + w.len();
                while self.src.get(i).copied().is_some_and(is_blank) {
                    i += 1;
                }
                let ok = if self.src.get(i) == Some(&b'(') {
                    true
                } else if let Some(end) = self.ident_end(i) {
                    !matches!(&self.text[i..end], "and" | "or" | "not")
                } else {
                    false
                };
                if ok {
                    self.pos += w.len();
                    return Some(m);
                }
            }
        }
        self.pos = save;
        None
    }

    fn parse_num_value(&mut self) -> Result<Rhs, ParseError> {
        self.lex_blank();
        if let Some(r) = self.try_dynamic()? {
            return Ok(r);
        }
        if self.lex_hex_num() || self.lex_num() {
            return Ok(Rhs::Value(self.last_token.clone()));
        }
        Err(self.error(msg::parse_expected_number()))
    }

    fn parse_str_value(&mut self) -> Result<Rhs, ParseError> {
        self.lex_blank();
        if let Some(r) = self.try_dynamic()? {
            return Ok(r);
        }
        if let Some(q) = self.lex_quoted_str()? {
            return Ok(Rhs::Value(q));
        }
        if self.lex_bare_str() {
            return Ok(Rhs::Value(self.last_token.clone()));
        }
        Err(self.error(msg::parse_expected_string()))
    }

    /// `list_value = list_literal | IDENT` (after a modifier).
    fn parse_list_value(&mut self) -> Result<Rhs, ParseError> {
        self.lex_blank();
        if self.lex_str("(") {
            return self.parse_list_literal_remainder();
        }
        if self.lex_identifier() {
            return Ok(Rhs::List(vec![self.last_token.clone()]));
        }
        Err(self.error(msg::parse_expected_list()))
    }

    fn parse_list_value_or_dynamic(&mut self) -> Result<Rhs, ParseError> {
        self.lex_blank();
        if self.lex_str("(") {
            return self.parse_list_literal_remainder();
        }
        if let Some(r) = self.try_dynamic()? {
            return Ok(r);
        }
        if self.lex_identifier() {
            return Ok(Rhs::List(vec![self.last_token.clone()]));
        }
        Err(self.error(msg::parse_expected_list()))
    }

    /// After `(`: `[ litem { "," litem } ] ")"`.
    fn parse_list_literal_remainder(&mut self) -> Result<Rhs, ParseError> {
        let mut items = Vec::new();
        self.lex_blank();
        if let Some(v) = self.list_item()? {
            items.push(v);
            self.lex_blank();
            while self.lex_str(",") {
                self.lex_blank();
                match self.list_item()? {
                    Some(v) => items.push(v),
                    None => return Err(self.error(msg::PARSE_EXPECTED_STRING_ONLY.to_string())),
                }
                self.lex_blank();
            }
        }
        if !self.lex_str(")") {
            return Err(self.error(msg::PARSE_EXPECTED_RPAREN.to_string()));
        }
        Ok(Rhs::List(items))
    }

    fn list_item(&mut self) -> Result<Option<String>, ParseError> {
        if let Some(q) = self.lex_quoted_str()? {
            return Ok(Some(q));
        }
        if self.lex_bare_str() {
            return Ok(Some(self.last_token.clone()));
        }
        Ok(None)
    }

    /// `val(field)` or a transformer, if one starts here.
    fn try_dynamic(&mut self) -> Result<Option<Rhs>, ParseError> {
        let start = self.pos;
        if self.lex_str("val(") {
            self.lex_blank();
            let fstart = self.pos;
            if !self.lex_field_name() {
                return Err(self.error(msg::parse_expected_field_within("val")));
            }
            let field = self.parse_field_remainder(fstart)?;
            self.lex_blank();
            if !self.lex_str(")") {
                return Err(self.error(msg::PARSE_EXPECTED_RPAREN_TRANSFORMER.to_string()));
            }
            let arg = self.parse_field_arg()?;
            return Ok(Some(Rhs::Val { field, arg }));
        }
        if let Some(t) = self.lex_transformer() {
            return Ok(Some(Rhs::Transform(
                self.parse_transformer_remainder(t, start)?,
            )));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses and prints canonically, or returns the error message.
    fn check(input: &str) -> String {
        match parse_condition(input) {
            Ok(e) => e.canonical(),
            Err(e) => format!("error: {}", e.message),
        }
    }

    #[test]
    fn precedence_and_canonical_form() {
        let cases = [
            ("a.b = x", "a.b = x"),
            ("not a and b", "(not a and b)"),
            ("a or b and c", "(a or (b and c))"),
            ("not not a", "a"),
            ("not(a)", "not a"),
            ("a.b in (x, 'y z')", "a.b in (x, \"y z\")"),
            ("a.b in(x,y)", "a.b in (x, y)"),
            ("a.b=x", "a.b = x"),
            ("a.b exists", "a.b exists"),
            ("tolower(a.b) = x", "tolower(a.b) = x"),
            ("a.b = val(c.d)", "a.b = val(c.d)"),
            ("a.b[1] = x", "a.b[1] = x"),
            ("a.b[\"\"] = x", "a.b[\"\"] = x"),
            ("a.b = oneof", "a.b = oneof"),
            ("a.b = oneof and x", "(a.b = oneof and x)"),
            ("a.b startswith anyof (x, y)", "a.b startswith anyof (x, y)"),
            ("a.b = allof (x)", "a.b = allof (x)"),
            ("nothing", "nothing"),
            ("not", "not"),
            ("a or orx", "(a or orx)"),
            ("a and(b)", "(a and b)"),
            ("join(',', a.b) = x", "join(\",\",a.b) = x"),
            ("a.b = \"a\\ b\"", "a.b = \"a\\\\b\""),
            ("a.b = '\\x41'", "a.b = A"),
            ("a.b > 0x10", "a.b > 0x10"),
        ];
        for (input, want) in cases {
            assert_eq!(check(input), want, "input: {input}");
        }
    }

    #[test]
    fn errors() {
        let cases = [
            ("", "filter input string is empty"),
            ("x orx", "expected blank or '(' after 'or'"),
            ("a.b", "expected a valid check operator"),
            (
                "a.b startswith (a, b)",
                "expected a string value or a field with a valid transformer",
            ),
            ("a.b =oneof (a,b)", "unexpected token after 'oneof'"),
            ("a.b > abc", "expected a number value"),
            ("a.b > 1e5", "unexpected token after '1'"),
            ("a.b in (x, y,)", "expected a string value"),
            ("a.b in (x y)", "expected a ')' token"),
            ("a.b in (,)", "expected a ')' token"),
            ("a.b = \"a\\\\\"", "expected a string value"),
            ("tolower (a.b) = x", "unexpected token after 'tolower'"),
            ("a.b containsx", "expected a valid check operator"),
            ("(a", "expected a ')' token"),
        ];
        for (input, want) in cases {
            let got = check(input);
            assert!(
                got.starts_with("error: ") && got.contains(want),
                "input: {input}: got {got}, want {want}"
            );
        }
    }

    #[test]
    fn or_paren_quirk() {
        assert!(
            check("a or(b) and c").contains("unexpected token after ')', expecting 'or', 'and'")
        );
        assert_eq!(check("a or (b) and c"), "(a or (b and c))");
    }

    #[test]
    fn inside_is_in_side() {
        assert_eq!(check("fd.name inside"), "fd.name in (side)");
    }

    #[test]
    fn backslash_space_and_unclosable_quote() {
        let e = parse_condition("proc.name = \"a\\ b\"").unwrap_or_else(|e| panic!("{e}"));
        match e {
            Expr::Check(c, _) => assert_eq!(c.rhs, Rhs::Value("a\\b".into())),
            other => panic!("unexpected {other:?}"),
        }
        assert!(parse_condition("proc.name = \"a\\\\\"").is_err());
    }

    #[test]
    fn exponent_requires_sign() {
        assert!(parse_condition("evt.num > 1e5").is_err());
        assert!(parse_condition("evt.num > 1e+5").is_ok());
    }

    #[test]
    fn list_literals() {
        assert!(parse_condition("a.b in (x, y,)").is_err());
        assert!(parse_condition("a.b in (x y)").is_err());
        assert!(parse_condition("a.b in (,)").is_err());
        assert_eq!(check("a.b in ()"), "a.b in ()");
    }

    #[test]
    fn field_without_operator() {
        assert!(check("proc.name").contains("expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'"));
    }

    #[test]
    fn depth_limit_is_an_error_not_a_crash() {
        let deep = format!("{}a.b = x{}", "(".repeat(5000), ")".repeat(5000));
        let ok = format!("{}a.b = x{}", "(".repeat(190), ")".repeat(190));
        assert!(parse_condition(&ok).is_ok());
        let err = parse_condition(&deep)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(err.contains("exceeded max depth limit of 1000"), "{err}");
        let nots = format!("{}a", "not ".repeat(100_000));
        assert!(parse_condition(&nots).is_ok());
    }

    /// Every way of nesting reaches the depth limit as an error on a 2 MiB stack (the
    /// default size of a spawned thread), in debug builds too.
    #[test]
    fn every_nesting_form_stops_at_the_depth_limit_on_a_small_stack() {
        let forms = [
            "(".repeat(5000),
            "not (".repeat(5000),
            "not(".repeat(5000),
            "a.b = x and (".repeat(5000),
            "a.b = x or (".repeat(5000),
            "a.b = x and(".repeat(5000),
            "a.b = x or(".repeat(5000),
            format!("{}a.b", "tolower(".repeat(5000)),
            format!("a.b = {}c.d", "toupper(".repeat(5000)),
            format!("a.b in ({}x", "(".repeat(5000)),
        ];
        let results = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                forms
                    .iter()
                    .map(|f| parse_condition(f).err().map(|e| e.message))
                    .collect::<Vec<_>>()
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        let (lists, nested) = results.split_last().expect("forms");
        for (i, r) in nested.iter().enumerate() {
            let err = r.as_deref().unwrap_or("parsed");
            assert!(
                err.contains("exceeded max depth limit of 1000"),
                "form {i}: {err}"
            );
        }
        // A list literal does not nest at all.
        assert_eq!(lists.as_deref(), Some("expected a ')' token"));
    }

    #[test]
    fn escapes() {
        assert_eq!(
            unescape("'a\\x4'"),
            Err("truncated hex char escape sequence".into())
        );
        assert!(
            unescape("'a\\xzz'").is_err_and(|e| e.starts_with("invalid hex char escape sequence"))
        );
        assert!(unescape("'a\\\"'").is_err_and(|e| e.contains("invalid \\\" escape")));
        assert!(unescape("'a\\q'")
            .is_err_and(|e| e.contains("unsupported string escape sequence: \\q")));
        assert_eq!(unescape("\"\\t\\/\\\\\""), Ok("\t/\\".into()));
    }

    #[test]
    fn reparsable_round_trip() {
        for input in [
            "a.b = \"x y\" and not c.d in (\"(\", ',', '\"') or e.f[\"a b\"] exists",
            "a.b = oneof and (x or not (not y))",
            "concat(a.b, \"x\", 1) = val(c.d)",
        ] {
            let e = parse_condition(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            let printed = e.reparsable();
            let again = parse_condition(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
            assert_eq!(e.without_spans(), again.without_spans(), "{printed}");
        }
    }
}
