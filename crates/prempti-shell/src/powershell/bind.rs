//! Argument-mode words to arguments, and arguments to a cmdlet's parameters: names
//! case-insensitively, by alias or unique prefix, `-Name:value`, switches (`-Recurse:$false`),
//! comma arrays, then positional parameters in table order.

use super::lexer::{tok_text, Kind, Op, Tok};
use super::tables::{self, Cmdlet, Param};
use super::Info;

/// One argument value: its text after quote removal and the tokens it came from (none for the
/// value of a `-Name:value` word).
#[derive(Debug)]
pub(super) struct Val<'t> {
    pub(super) text: String,
    pub(super) toks: &'t [Tok],
    /// The value as a string when it is one (a literal, a resolved variable, a literal
    /// concatenation); filled by the analyzer.
    pub(super) lit: Option<String>,
    /// What analyzing its groups found; filled by the analyzer.
    pub(super) info: Info,
}

impl<'t> Val<'t> {
    fn of(toks: &'t [Tok]) -> Self {
        Val {
            text: toks.iter().map(tok_text).collect(),
            toks,
            lit: None,
            info: Info::default(),
        }
    }

    fn text(text: &str) -> Self {
        Val {
            text: text.to_owned(),
            toks: &[],
            lit: Some(text.to_owned()),
            info: Info::default(),
        }
    }

    /// The value as a path or name: the literal when known, else the text as written.
    pub(super) fn value(&self) -> &str {
        self.lit.as_deref().unwrap_or(&self.text)
    }

    /// Whether the value is computed by a group with no literal result (`(Get-Content x)`),
    /// so it is not a path as written.
    pub(super) fn computed(&self) -> bool {
        self.lit.is_none()
            && self
                .toks
                .first()
                .is_some_and(|t| matches!(t.kind, Kind::Group(_)) || self.toks.len() > 1)
    }
}

/// A command argument.
#[derive(Debug)]
pub(super) enum Piece<'t> {
    /// `-Name`, `-Name:value`, `-Name:(expr)`.
    Param {
        name: String,
        written: String,
        inline: Vec<Val<'t>>,
        colon: bool,
    },
    /// A value, several for a comma array.
    Value(Vec<Val<'t>>),
    /// A redirection and its target (none for `2>&1`).
    Redirect(Option<Val<'t>>),
}

impl<'t> Piece<'t> {
    /// The values of this piece.
    pub(super) fn vals_mut(&mut self) -> &mut [Val<'t>] {
        match self {
            Piece::Param { inline, .. } => inline,
            Piece::Value(v) => v,
            Piece::Redirect(Some(v)) => std::slice::from_mut(v),
            Piece::Redirect(None) => &mut [],
        }
    }
}

/// The end of the primary starting at `i`: member accesses and method arguments glued to it.
pub(super) fn chain_end(toks: &[Tok], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(t) = toks.get(j) {
        let member_args =
            matches!(t.kind, Kind::Group(_)) && matches!(toks[j - 1].kind, Kind::Member(_));
        if t.glued && (matches!(t.kind, Kind::Member(_)) || member_args) {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// Whether an argument word is a parameter name (`-Recurse`, `-Path:x`; not `-1`, not quoted).
fn param_word(tok: &Tok) -> Option<&str> {
    match &tok.kind {
        Kind::Word {
            text,
            quoted: false,
            ..
        } => {
            let rest = text.strip_prefix('-')?;
            rest.chars()
                .next()
                .filter(|c| c.is_alphabetic() || *c == '_' || *c == '?')?;
            Some(text)
        }
        _ => None,
    }
}

/// Whether a word splats a variable (`@params`).
fn is_splat(tok: &Tok) -> bool {
    matches!(&tok.kind, Kind::Word { text, quoted: false, .. }
        if text.strip_prefix('@').and_then(|r| r.chars().next()).is_some_and(|c| c.is_alphanumeric() || c == '_'))
}

/// Splits command-argument tokens into pieces.
pub(super) fn pieces(toks: &[Tok]) -> Vec<Piece<'_>> {
    let mut out: Vec<Piece<'_>> = Vec::new();
    let mut i = 0;
    let mut comma = false;
    while i < toks.len() {
        match &toks[i].kind {
            Kind::Op(Op::Comma) => {
                comma = true;
                i += 1;
                continue;
            }
            Kind::Op(Op::Redirect { merge }) => {
                i += 1;
                if *merge || i >= toks.len() || matches!(toks[i].kind, Kind::Op(_)) {
                    out.push(Piece::Redirect(None));
                    continue;
                }
                let end = chain_end(toks, i);
                out.push(Piece::Redirect(Some(Val::of(&toks[i..end]))));
                i = end;
                continue;
            }
            Kind::Op(_) => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let end = chain_end(toks, i);
        let chain = &toks[i..end];
        if is_splat(&toks[i]) {
            // `@params`: splatted arguments are not known statically.
            i = end;
            continue;
        }
        if std::mem::take(&mut comma) {
            if let Some(
                Piece::Value(v)
                | Piece::Param {
                    inline: v,
                    colon: true,
                    ..
                },
            ) = out.last_mut()
            {
                v.push(Val::of(chain));
                i = end;
                continue;
            }
        }
        if let (Some(word), 1) = (param_word(&toks[i]), chain.len()) {
            let (name, inline, colon) = match word.find(':') {
                Some(at) if at + 1 < word.len() => {
                    (&word[1..at], vec![Val::text(&word[at + 1..])], true)
                }
                Some(at) => {
                    // `-Name:` followed by a glued value.
                    let mut inline = Vec::new();
                    if toks
                        .get(end)
                        .is_some_and(|t| t.glued && !matches!(t.kind, Kind::Op(_)))
                    {
                        let vend = chain_end(toks, end);
                        inline.push(Val::of(&toks[end..vend]));
                        i = vend;
                    } else {
                        i = end;
                    }
                    out.push(Piece::Param {
                        name: word[1..at].to_owned(),
                        written: word.to_owned(),
                        inline,
                        colon: true,
                    });
                    continue;
                }
                None => (&word[1..], Vec::new(), false),
            };
            out.push(Piece::Param {
                name: name.to_owned(),
                written: word.to_owned(),
                inline,
                colon,
            });
        } else {
            out.push(Piece::Value(vec![Val::of(chain)]));
        }
        i = end;
    }
    out
}

/// Parameters bound for one invocation of a known cmdlet.
#[derive(Debug, Default)]
pub(super) struct Bound<'a, 't> {
    /// Each value with the parameter it is bound to.
    pub(super) values: Vec<(&'static Param, &'a Val<'t>)>,
    /// Canonical names of the switches set.
    pub(super) switches: Vec<&'static str>,
}

impl Bound<'_, '_> {
    /// Whether the switch `name` is set.
    pub(super) fn switch(&self, name: &str) -> bool {
        self.switches.contains(&name)
    }

    /// Whether some value is bound to a parameter with this canonical name.
    pub(super) fn has(&self, name: &str) -> bool {
        self.values.iter().any(|(p, _)| p.name == name)
    }
}

/// Binds pieces to `spec`: named parameters first, then the remaining values by position
/// (skipping positions already bound by name). Unknown or ambiguous names bind nothing.
pub(super) fn bind<'a, 't>(spec: &'static Cmdlet, pieces: &'a [Piece<'t>]) -> Bound<'a, 't> {
    let mut bound = Bound::default();
    let mut positional: Vec<&'a [Val<'t>]> = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        match &pieces[i] {
            Piece::Param {
                name,
                inline,
                colon,
                ..
            } => match tables::param(spec, name) {
                Some(p) if p.switch => {
                    let off = *colon
                        && inline.first().is_some_and(|v| {
                            matches!(
                                v.value().to_ascii_lowercase().as_str(),
                                "$false" | "0" | "false"
                            )
                        });
                    if !off {
                        bound.switches.push(p.name);
                    }
                }
                Some(p) => {
                    if *colon {
                        bound.values.extend(inline.iter().map(|v| (p, v)));
                    } else if let Some(Piece::Value(vals)) = pieces.get(i + 1) {
                        bound.values.extend(vals.iter().map(|v| (p, v)));
                        i += 1;
                    }
                }
                None => {}
            },
            Piece::Value(vals) => positional.push(vals),
            Piece::Redirect(_) => {}
        }
        i += 1;
    }
    let free: Vec<&str> = spec
        .positional
        .iter()
        .copied()
        .filter(|n| !bound.has(n))
        .collect();
    let mut slots = free.into_iter();
    for vals in positional {
        let Some(p) = slots
            .next()
            .and_then(|n| spec.params.iter().find(|p| p.name == n))
        else {
            break;
        };
        bound.values.extend(vals.iter().map(|v| (p, v)));
    }
    bound
}
