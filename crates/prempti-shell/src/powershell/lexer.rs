//! Tokenizer for PowerShell command lines.
//!
//! Hand-written on purpose: no maintained Rust crate parses PowerShell (the reference parser is
//! the .NET `System.Management.Automation` one), and policy analysis needs only the lexical
//! layer: quoting, grouping, operators and the argument-mode word rules. Groups (`( )`, `$( )`,
//! `@( )`, `{ }`, `@{ }`) become nested token lists; their extent is found first by an
//! iterative scan ([`skip_balanced`]), so nesting deeper than [`MAX_DEPTH`] is skipped without
//! recursion and the work stays linear per nesting level.

/// Deepest nesting of groups and decoded/inner scripts that is analyzed.
pub(super) const MAX_DEPTH: usize = 8;

/// One token; `glued` when no whitespace separates it from the previous one.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) kind: Kind,
    pub(super) glued: bool,
}

/// What a token is.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// A bareword or string after quote removal. `quoted`: it starts with a quote;
    /// `subs`: the `$( )` subexpressions inside it (double-quoted parts run them).
    Word {
        text: String,
        quoted: bool,
        subs: Vec<Group>,
    },
    /// A parenthesized expression, subexpression, array, script block or hash literal.
    Group(Group),
    /// A type literal `[IO.File]`, name as written between the brackets.
    Type(String),
    /// Member access `.Name` or `::Name` glued to the previous primary.
    Member(String),
    /// An operator or separator.
    Op(Op),
}

/// A bracketed group with its tokens (empty when nested too deep) and source text.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) kind: GroupKind,
    pub(super) toks: Vec<Tok>,
    pub(super) raw: String,
}

/// The bracket that opened a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GroupKind {
    /// `( )`
    Paren,
    /// `$( )`
    Sub,
    /// `@( )`
    Array,
    /// `{ }`
    Block,
    /// `@{ }`
    Hash,
}

/// Operators the analysis cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// `|`
    Pipe,
    /// `;` or a newline
    Sep,
    /// `&&` / `||`
    Chain,
    /// `&` (call operator at a command start, background job elsewhere)
    Amp,
    /// `.` followed by whitespace (dot-source)
    Dot,
    /// `,`
    Comma,
    /// `=`
    Assign,
    /// `+=`, `-=`, ...
    Compound,
    /// `+`
    Plus,
    /// `>`, `>>`, `2>`, `*>`; `merge` for `2>&1` (no file)
    Redirect { merge: bool },
}

/// Problems met while tokenizing.
#[derive(Debug, Default)]
pub(super) struct Flags {
    pub(super) parse_error: bool,
    pub(super) limit_hit: bool,
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{a0}' || c == '\u{feff}'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters that end a bareword in argument mode.
fn ends_word(c: char) -> bool {
    is_space(c)
        || matches!(
            c,
            '\n' | '\r' | ';' | '|' | '&' | '(' | ')' | '{' | '}' | ',' | '>'
        )
}

/// The character a backtick escape stands for.
fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        other => other,
    }
}

/// Finds the end of a group whose opening bracket is just before `start`: returns the index of
/// the matching `closer` (or `src.len()`) and whether it was found. Iterative, linear.
pub(super) fn skip_balanced(src: &[char], start: usize, closer: char) -> (usize, bool) {
    #[derive(Clone, Copy)]
    enum Mode {
        Code(char),
        Dq,
        HereDq,
    }
    let mut stack = vec![Mode::Code(closer)];
    let mut i = start;
    while i < src.len() {
        let c = src[i];
        let next = src.get(i + 1).copied();
        let Some(&mode) = stack.last() else { break };
        match mode {
            Mode::Code(close) => {
                if c == '`' {
                    i += 2;
                    continue;
                }
                if is_single_quote(c) || (c == '@' && next.is_some_and(is_single_quote)) {
                    i = skip_single(src, if c == '@' { i + 1 } else { i }, c == '@');
                    continue;
                }
                if c == '@' && next.is_some_and(is_double_quote) && here_opens(src, i + 2) {
                    stack.push(Mode::HereDq);
                    i += 2;
                    continue;
                }
                if is_double_quote(c) {
                    stack.push(Mode::Dq);
                } else if c == '<' && next == Some('#') {
                    i = skip_block_comment(src, i + 2);
                    continue;
                } else if c == '#' && (i == start || !ends_word_prev(src[i - 1])) {
                    // `#` inside a bareword is literal; elsewhere it starts a comment.
                    while i < src.len() && src[i] != '\n' {
                        i += 1;
                    }
                    continue;
                } else if c == '(' {
                    stack.push(Mode::Code(')'));
                } else if c == '{' {
                    stack.push(Mode::Code('}'));
                } else if c == ')' || c == '}' {
                    stack.pop();
                    if stack.is_empty() {
                        return (i, c == close);
                    }
                }
            }
            Mode::Dq => {
                if c == '`' {
                    i += 2;
                    continue;
                }
                if c == '$' && next == Some('(') {
                    stack.push(Mode::Code(')'));
                    i += 2;
                    continue;
                }
                if is_double_quote(c) {
                    if next.is_some_and(is_double_quote) {
                        i += 2;
                        continue;
                    }
                    stack.pop();
                }
            }
            Mode::HereDq => {
                if c == '$' && next == Some('(') {
                    stack.push(Mode::Code(')'));
                    i += 2;
                    continue;
                }
                if c == '\n'
                    && src.get(i + 1).is_some_and(|&q| is_double_quote(q))
                    && src.get(i + 2) == Some(&'@')
                {
                    stack.pop();
                    i += 3;
                    continue;
                }
            }
        }
        i += 1;
    }
    (src.len(), false)
}

/// Whether `c` (the character before a `#`) makes the `#` part of a bareword.
fn ends_word_prev(c: char) -> bool {
    !(ends_word(c) || c == '(' || c == '{')
}

/// Whether a here-string opener ends its line at `i` (only spaces then a newline).
fn here_opens(src: &[char], mut i: usize) -> bool {
    while i < src.len() && is_space(src[i]) {
        i += 1;
    }
    i < src.len() && (src[i] == '\n' || src[i] == '\r')
}

/// Skips a single-quoted string (or here-string) starting at the quote `i`; returns the index
/// after it.
fn skip_single(src: &[char], i: usize, here: bool) -> usize {
    let mut text = String::new();
    let mut flags = Flags::default();
    scan_single(src, i, here, &mut text, &mut flags)
}

/// Skips `<# ... #>` from just after `<#`.
fn skip_block_comment(src: &[char], mut i: usize) -> usize {
    while i + 1 < src.len() {
        if src[i] == '#' && src[i + 1] == '>' {
            return i + 2;
        }
        i += 1;
    }
    src.len()
}

/// Reads a single-quoted string (or here-string when `here`) whose quote is at `i` into
/// `text`; returns the index after its end.
fn scan_single(
    src: &[char],
    mut i: usize,
    here: bool,
    text: &mut String,
    flags: &mut Flags,
) -> usize {
    if here && here_opens(src, i + 1) {
        i += 1;
        while i < src.len() && src[i] != '\n' {
            i += 1;
        }
        i += 1;
        let begin = i;
        while i < src.len() {
            if src[i] == '\n'
                && src.get(i + 1).is_some_and(|&q| is_single_quote(q))
                && src.get(i + 2) == Some(&'@')
            {
                text.extend(src[begin..i].iter().filter(|&&c| c != '\r'));
                return i + 3;
            }
            i += 1;
        }
        flags.parse_error = true;
        text.extend(&src[begin.min(src.len())..]);
        return src.len();
    }
    i += 1;
    while i < src.len() {
        let c = src[i];
        if is_single_quote(c) {
            if src.get(i + 1).is_some_and(|&q| is_single_quote(q)) {
                text.push('\'');
                i += 2;
                continue;
            }
            return i + 1;
        }
        text.push(c);
        i += 1;
    }
    flags.parse_error = true;
    src.len()
}

/// The tokenizer state for one piece of source.
struct Lexer<'a> {
    src: &'a [char],
    depth: usize,
    flags: &'a mut Flags,
}

/// Tokenizes `src` whose groups sit at nesting `depth`.
pub(super) fn lex(src: &[char], depth: usize, flags: &mut Flags) -> Vec<Tok> {
    Lexer { src, depth, flags }.run()
}

impl Lexer<'_> {
    fn run(&mut self) -> Vec<Tok> {
        let src = self.src;
        let mut toks: Vec<Tok> = Vec::new();
        let mut i = 0;
        while i < src.len() {
            let mut glued = true;
            // Whitespace and backtick line continuations.
            loop {
                if i < src.len() && is_space(src[i]) {
                    i += 1;
                } else if src.get(i) == Some(&'`') && matches!(src.get(i + 1), Some('\n' | '\r')) {
                    i += 2;
                    if src.get(i - 1) == Some(&'\r') && src.get(i) == Some(&'\n') {
                        i += 1;
                    }
                } else {
                    break;
                }
                glued = false;
            }
            if toks.is_empty() {
                glued = false;
            }
            let start = i;
            let Some(&c) = src.get(i) else { break };
            let next = src.get(i + 1).copied();
            let after_primary = glued && toks.last().is_some_and(is_primary);
            let push = |toks: &mut Vec<Tok>, kind: Kind| toks.push(Tok { kind, glued });
            // Member access glued to a primary: `$x.Foo`, `(..).Foo`, `[T]::Foo`.
            if after_primary
                && ((c == '.' && next.is_some_and(is_ident)) || (c == ':' && next == Some(':')))
            {
                i += if c == '.' { 1 } else { 2 };
                let begin = i;
                while i < src.len() && is_ident(src[i]) {
                    i += 1;
                }
                push(&mut toks, Kind::Member(src[begin..i].iter().collect()));
                continue;
            }
            match c {
                '\n' | '\r' | ';' => {
                    push(&mut toks, Kind::Op(Op::Sep));
                    i += 1;
                }
                '#' => {
                    while i < src.len() && src[i] != '\n' {
                        i += 1;
                    }
                }
                '<' if next == Some('#') => {
                    let end = skip_block_comment(src, i + 2);
                    if end == src.len()
                        && !(src.len() >= 2
                            && src[src.len() - 2] == '#'
                            && src[src.len() - 1] == '>')
                    {
                        self.flags.parse_error = true;
                    }
                    i = end;
                }
                '|' => {
                    let op = if next == Some('|') {
                        Op::Chain
                    } else {
                        Op::Pipe
                    };
                    push(&mut toks, Kind::Op(op));
                    i += if op == Op::Chain { 2 } else { 1 };
                }
                '&' => {
                    let op = if next == Some('&') {
                        Op::Chain
                    } else {
                        Op::Amp
                    };
                    push(&mut toks, Kind::Op(op));
                    i += if op == Op::Chain { 2 } else { 1 };
                }
                ',' => {
                    push(&mut toks, Kind::Op(Op::Comma));
                    i += 1;
                }
                '=' => {
                    push(&mut toks, Kind::Op(Op::Assign));
                    i += 1;
                }
                '+' | '-' | '*' | '/' | '%' if next == Some('=') => {
                    push(&mut toks, Kind::Op(Op::Compound));
                    i += 2;
                }
                '+' if next.is_none_or(|n| {
                    is_space(n)
                        || is_single_quote(n)
                        || is_double_quote(n)
                        || matches!(n, '$' | '(' | '\n' | '\r')
                }) =>
                {
                    push(&mut toks, Kind::Op(Op::Plus));
                    i += 1;
                }
                '>' => {
                    i = self.redirect(&mut toks, i, glued);
                }
                '1'..='6' | '*' if next == Some('>') => {
                    i = self.redirect(&mut toks, i + 1, glued);
                }
                '(' => i = self.group(&mut toks, i, 1, GroupKind::Paren, ')', glued),
                '{' => i = self.group(&mut toks, i, 1, GroupKind::Block, '}', glued),
                '$' if next == Some('(') => {
                    i = self.group(&mut toks, i, 2, GroupKind::Sub, ')', glued)
                }
                '@' if next == Some('(') => {
                    i = self.group(&mut toks, i, 2, GroupKind::Array, ')', glued)
                }
                '@' if next == Some('{') => {
                    i = self.group(&mut toks, i, 2, GroupKind::Hash, '}', glued)
                }
                ')' | '}' => {
                    self.flags.parse_error = true;
                    i += 1;
                }
                '.' if next.is_none_or(|n| is_space(n) || n == '\n' || n == '\r') => {
                    push(&mut toks, Kind::Op(Op::Dot));
                    i += 1;
                }
                '[' => match self.type_literal(i) {
                    Some((name, end)) => {
                        push(&mut toks, Kind::Type(name));
                        i = end;
                    }
                    None => i = self.word(&mut toks, i, glued),
                },
                _ => i = self.word(&mut toks, i, glued),
            }
            // Every branch consumes input; this keeps the loop finite whatever the input.
            if i <= start {
                i = start + 1;
            }
        }
        toks
    }

    /// Reads a redirection whose first `>` is at `i`.
    fn redirect(&mut self, toks: &mut Vec<Tok>, mut i: usize, glued: bool) -> usize {
        i += 1;
        if self.src.get(i) == Some(&'>') {
            i += 1;
        }
        let merge = self.src.get(i) == Some(&'&')
            && self.src.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        if merge {
            i += 2;
        }
        toks.push(Tok {
            kind: Kind::Op(Op::Redirect { merge }),
            glued,
        });
        i
    }

    /// Reads a group opened by `open_len` characters at `i`.
    fn group(
        &mut self,
        toks: &mut Vec<Tok>,
        i: usize,
        open_len: usize,
        kind: GroupKind,
        closer: char,
        glued: bool,
    ) -> usize {
        let group = self.group_at(i, open_len, kind, closer);
        let end = group.1;
        toks.push(Tok {
            kind: Kind::Group(group.0),
            glued,
        });
        end
    }

    fn group_at(
        &mut self,
        i: usize,
        open_len: usize,
        kind: GroupKind,
        closer: char,
    ) -> (Group, usize) {
        let src = self.src;
        let start = i + open_len;
        let (end, found) = skip_balanced(src, start, closer);
        if !found {
            self.flags.parse_error = true;
        }
        let inner = &src[start.min(end)..end];
        let toks = if self.depth < MAX_DEPTH {
            lex(inner, self.depth + 1, self.flags)
        } else {
            self.flags.limit_hit = true;
            Vec::new()
        };
        let stop = (end + 1).min(src.len());
        let raw = src[i..stop].iter().collect();
        (Group { kind, toks, raw }, stop)
    }

    /// A type literal `[Name.Space.Type]` at `i`, with the index after it.
    fn type_literal(&self, i: usize) -> Option<(String, usize)> {
        let src = self.src;
        let mut level = 0usize;
        let mut j = i;
        while j < src.len() && j - i < 256 {
            match src[j] {
                '[' => level += 1,
                ']' => {
                    level -= 1;
                    if level == 0 {
                        let name: String = src[i + 1..j].iter().collect();
                        let after = src.get(j + 1).copied();
                        let fits = !name.is_empty()
                            && name.chars().next().is_some_and(char::is_alphabetic);
                        let ends = after.is_none_or(|a| {
                            ends_word(a) || matches!(a, ':' | '$' | '[' | '\'' | '"' | '\n')
                        });
                        return (fits && ends).then_some((name, j + 1));
                    }
                }
                c if is_ident(c) || matches!(c, '.' | ',' | ' ' | '`') => {}
                _ => return None,
            }
            j += 1;
        }
        None
    }

    /// Reads a bareword or string (quotes anywhere in it) starting at `i`.
    fn word(&mut self, toks: &mut Vec<Tok>, mut i: usize, glued: bool) -> usize {
        let src = self.src;
        let mut text = String::new();
        let mut subs = Vec::new();
        let first = src[i];
        let quoted = is_single_quote(first)
            || is_double_quote(first)
            || (first == '@'
                && src
                    .get(i + 1)
                    .is_some_and(|&q| is_single_quote(q) || is_double_quote(q)));
        if first == '$' && src.get(i + 1) != Some(&'(') {
            // A variable: `$name`, `$env:NAME`, `${any name}`, `$_`, `$$`, `$?`.
            text.push('$');
            i += 1;
            if src.get(i) == Some(&'{') {
                while i < src.len() && src[i] != '}' {
                    text.push(src[i]);
                    i += 1;
                }
                if i < src.len() {
                    text.push('}');
                    i += 1;
                }
            } else if src.get(i).is_some_and(|&c| matches!(c, '$' | '?' | '^')) {
                text.push(src[i]);
                i += 1;
            } else {
                while i < src.len()
                    && (is_ident(src[i])
                        || (src[i] == ':' && src.get(i + 1).is_some_and(|&c| is_ident(c))))
                {
                    text.push(src[i]);
                    i += 1;
                }
            }
            // Only a path continues the word (`$HOME\.ssh`); `.`/`::`/`=`/`+` do not.
            if !src.get(i).is_some_and(|&c| c == '\\' || c == '/') {
                toks.push(Tok {
                    kind: Kind::Word {
                        text,
                        quoted: false,
                        subs,
                    },
                    glued,
                });
                return i;
            }
        }
        if first == '-' && src.get(i + 1) == Some(&'-') && src.get(i + 2) == Some(&'%') {
            // Stop-parsing token: the rest of the line goes verbatim to the program.
            toks.push(Tok {
                kind: Kind::Word {
                    text: "--%".into(),
                    quoted: false,
                    subs,
                },
                glued,
            });
            i += 3;
            while i < src.len() && src[i] != '\n' && src[i] != '\r' && src[i] != '|' {
                while i < src.len() && is_space(src[i]) {
                    i += 1;
                }
                let mut w = String::new();
                let mut in_q = false;
                while i < src.len()
                    && src[i] != '\n'
                    && src[i] != '\r'
                    && (in_q || (!is_space(src[i]) && src[i] != '|'))
                {
                    if src[i] == '"' {
                        in_q = !in_q;
                    } else {
                        w.push(src[i]);
                    }
                    i += 1;
                }
                if !w.is_empty() {
                    toks.push(Tok {
                        kind: Kind::Word {
                            text: w,
                            quoted: false,
                            subs: Vec::new(),
                        },
                        glued: false,
                    });
                }
            }
            return i;
        }
        while i < src.len() {
            let c = src[i];
            if c == '`' {
                match src.get(i + 1) {
                    Some('\n' | '\r') => break,
                    Some(&e) => text.push(unescape(e)),
                    None => {}
                }
                i += 2;
            } else if c == '@'
                && text.is_empty()
                && src.get(i + 1).is_some_and(|&q| is_single_quote(q))
            {
                i = scan_single(src, i + 1, true, &mut text, self.flags);
            } else if c == '@'
                && text.is_empty()
                && src.get(i + 1).is_some_and(|&q| is_double_quote(q))
            {
                i = self.scan_double(i + 1, true, &mut text, &mut subs);
            } else if is_single_quote(c) {
                i = scan_single(src, i, false, &mut text, self.flags);
                if quoted && src.get(i) == Some(&'+') {
                    break; // `'a'+'b'`: a concatenation, not one word
                }
            } else if is_double_quote(c) {
                i = self.scan_double(i, false, &mut text, &mut subs);
                if quoted && src.get(i) == Some(&'+') {
                    break;
                }
            } else if c == '$' && src.get(i + 1) == Some(&'(') {
                let (group, end) = self.group_at(i, 2, GroupKind::Sub, ')');
                text.push_str(&group.raw);
                subs.push(group);
                i = end;
            } else if ends_word(c) {
                break;
            } else {
                text.push(c);
                i += 1;
            }
        }
        toks.push(Tok {
            kind: Kind::Word { text, quoted, subs },
            glued,
        });
        i
    }

    /// Reads a double-quoted string (or here-string) whose quote is at `i`.
    fn scan_double(
        &mut self,
        mut i: usize,
        here: bool,
        text: &mut String,
        subs: &mut Vec<Group>,
    ) -> usize {
        let src = self.src;
        let here = here && here_opens(src, i + 1);
        if here {
            while i < src.len() && src[i] != '\n' {
                i += 1;
            }
        }
        i += 1;
        while i < src.len() {
            let c = src[i];
            if here {
                if c == '\n'
                    && src.get(i + 1).is_some_and(|&q| is_double_quote(q))
                    && src.get(i + 2) == Some(&'@')
                {
                    return i + 3;
                }
            } else if is_double_quote(c) {
                if src.get(i + 1).is_some_and(|&q| is_double_quote(q)) {
                    text.push('"');
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            if c == '`' && i + 1 < src.len() {
                text.push(unescape(src[i + 1]));
                i += 2;
            } else if c == '$' && src.get(i + 1) == Some(&'(') {
                let (group, end) = self.group_at(i, 2, GroupKind::Sub, ')');
                text.push_str(&group.raw);
                subs.push(group);
                i = end;
            } else {
                if c != '\r' || !here {
                    text.push(c);
                }
                i += 1;
            }
        }
        self.flags.parse_error = true;
        src.len()
    }
}

/// Whether a member access may follow this token.
fn is_primary(tok: &Tok) -> bool {
    match &tok.kind {
        Kind::Group(_) | Kind::Type(_) | Kind::Member(_) => true,
        Kind::Word { text, quoted, .. } => *quoted || text.starts_with('$'),
        Kind::Op(_) => false,
    }
}

/// The text of a token as it reads after quote removal (groups as written).
pub(super) fn tok_text(tok: &Tok) -> String {
    match &tok.kind {
        Kind::Word { text, .. } => text.clone(),
        Kind::Group(g) => g.raw.clone(),
        Kind::Type(t) => format!("[{t}]"),
        Kind::Member(m) => format!(".{m}"),
        Kind::Op(Op::Comma) => ",".into(),
        Kind::Op(Op::Plus) => "+".into(),
        Kind::Op(_) => String::new(),
    }
}
