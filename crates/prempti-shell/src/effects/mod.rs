//! What a program invocation does to files: the effect model behind `cmd.read_paths`,
//! `cmd.write_paths`, `cmd.delete_paths` and the other effect lists.
//!
//! A program's arguments are read with its option syntax ([`parse`]: which options take a
//! value, where operands are), then its [`Shape`] says what each operand and option value is
//! read, written, deleted, run or has its mode changed. The programs and their shapes are
//! data, one table per family in [`table`]; the few programs whose arguments are a small
//! language of their own (`dd`, `find`, `tar`, `git`, `curl`, `rsync`, ...) have one function
//! each in [`custom`]. Paths come out as written; the analyzer resolves them against the
//! working directory (or the directory a `-C`-style option names) and the home.

mod custom;
mod table;

use crate::word::Word;

/// What an effect does to its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// The file's content is read.
    Read,
    /// The directory is read with everything below it.
    RecursiveRead,
    /// The file is created, changed or replaced.
    Write,
    /// The file (or empty directory) is deleted.
    Delete,
    /// The file or directory is deleted with everything below it.
    RecursiveDelete,
    /// Mode, owner or attributes change.
    Chmod,
    /// The file is run as a program or script.
    Exec,
    /// The file's content is sent over the network.
    Upload,
    /// The directory is served over the network.
    Serve,
}

/// One effect on a path, as written in the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Effect {
    /// What is done.
    pub(crate) access: Access,
    /// The path as written (after the shell's expansions).
    pub(crate) path: String,
    /// Index of the argument it comes from (for its glob and dynamic flags), if any.
    pub(crate) arg: Option<usize>,
}

/// The effects of one invocation, and the directory relative paths are taken from.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// The effects in argument order.
    pub(crate) list: Vec<Effect>,
    /// A directory the program changes to before acting (`git -C d`, `make -C d`,
    /// `tar -C d`), as written.
    pub(crate) dir: Option<String>,
}

impl Effects {
    fn add(&mut self, access: Access, path: &str, arg: Option<usize>) {
        if path.is_empty() || path == "-" {
            return;
        }
        self.list.push(Effect {
            access,
            path: path.to_owned(),
            arg,
        });
    }

    /// Adds the operand at `k` with `access`.
    fn operand(&mut self, p: &Parsed<'_>, k: usize, access: Access) {
        if let Some(w) = p.words.get(k) {
            self.add(access, &w.text, Some(k));
        }
    }
}

/// A program's arguments read with its option syntax.
#[derive(Debug)]
pub(crate) struct Parsed<'w> {
    /// The arguments.
    pub(crate) words: &'w [Word],
    /// Indices of the operands (non-option arguments), in order.
    pub(crate) operands: Vec<usize>,
    /// Every short option letter given (bundles split: `-rf` gives `r`, `f`).
    pub(crate) shorts: String,
    /// Every long option given, without `--` and without `=value`.
    pub(crate) longs: Vec<&'w str>,
    /// Options with their value: (`-o` / `--output`, value, index of the word holding it).
    pub(crate) values: Vec<(String, &'w str, usize)>,
}

impl<'w> Parsed<'w> {
    /// Whether any of `flags` (`-r`, `--recursive`) was given.
    pub(crate) fn has(&self, flags: &[&str]) -> bool {
        flags.iter().any(|f| match f.strip_prefix("--") {
            Some(long) => self.longs.contains(&long),
            None => f
                .strip_prefix('-')
                .is_some_and(|s| s.chars().all(|c| self.shorts.contains(c))),
        })
    }

    /// Values of option `names` (`-o`, `--output`), in order.
    pub(crate) fn values_of<'a>(
        &'a self,
        names: &'a [&'a str],
    ) -> impl Iterator<Item = (&'w str, usize)> + 'a {
        self.values
            .iter()
            .filter(move |(n, _, _)| names.contains(&n.as_str()))
            .map(|(_, v, k)| (*v, *k))
    }
}

/// Option syntax: which options take a value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// Short options that take a value (attached `-ofile` or separate `-o file`).
    pub(crate) short_values: &'static str,
    /// Long options that take a value when written without `=`.
    pub(crate) long_values: &'static [&'static str],
}

/// Reads `words` with `syntax`: options up to `--`, operands anywhere (GNU style).
pub(crate) fn parse<'w>(words: &'w [Word], syntax: Syntax) -> Parsed<'w> {
    let mut p = Parsed {
        words,
        operands: Vec::new(),
        shorts: String::new(),
        longs: Vec::new(),
        values: Vec::new(),
    };
    let mut k = 0;
    let mut options_done = false;
    while k < words.len() {
        let text = words[k].text.as_str();
        if options_done || text == "-" || !text.starts_with('-') {
            p.operands.push(k);
            k += 1;
            continue;
        }
        if text == "--" {
            options_done = true;
            k += 1;
            continue;
        }
        if let Some(long) = text.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => {
                    p.longs.push(name);
                    p.values.push((format!("--{name}"), value, k));
                }
                None => {
                    p.longs.push(long);
                    if syntax.long_values.contains(&long) {
                        if let Some(next) = words.get(k + 1) {
                            p.values.push((text.to_owned(), next.text.as_str(), k + 1));
                            k += 1;
                        }
                    }
                }
            }
            k += 1;
            continue;
        }
        // A bundle of short options; the first that takes a value ends it.
        let body = &text[1..];
        for (at, c) in body.char_indices() {
            p.shorts.push(c);
            if syntax.short_values.contains(c) {
                let rest = &body[at + c.len_utf8()..];
                if !rest.is_empty() {
                    p.values.push((format!("-{c}"), rest, k));
                } else if let Some(next) = words.get(k + 1) {
                    p.values.push((format!("-{c}"), next.text.as_str(), k + 1));
                    k += 1;
                }
                break;
            }
        }
        k += 1;
    }
    p
}

/// `recursive` of a [`Shape::PatternThenRead`] program that always searches directories
/// recursively (`rg`, `ag`).
pub(crate) const ALWAYS: &[&str] = &["always"];

/// What the operands of a table program are.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// Every operand is read.
    Read,
    /// The first operand is a pattern, script or filter unless one of these options gives
    /// it (`grep -e`, `sed -f`, `jq -f`); the rest are read. `recursive` options make the
    /// reads recursive; in-place options (`sed -i`) make them writes as well.
    PatternThenRead {
        given_by: &'static [&'static str],
        recursive: &'static [&'static str],
        in_place: &'static [&'static str],
    },
    /// Every operand is deleted; with one of `recursive`, recursively.
    Delete { recursive: &'static [&'static str] },
    /// Every operand is written.
    Write,
    /// The first operand is a mode or owner (unless `--reference=`); the rest change mode.
    Chmod,
    /// Sources are read, the last operand (or `-t DIR`) is written; `recursive` sources are
    /// read recursively; `moves` deletes the sources.
    CopyTo {
        recursive: &'static [&'static str],
        moves: bool,
    },
    /// The first operand is run (`bash x.sh`, `source x`, `python x.py`).
    ExecFirst,
    /// Program-specific arguments: see [`custom`].
    Custom(fn(&Parsed<'_>, &mut Effects)),
}

/// One program family entry of the table.
#[derive(Debug)]
pub(crate) struct Spec {
    /// Program names it applies to.
    pub(crate) names: &'static [&'static str],
    /// Its option syntax.
    pub(crate) syntax: Syntax,
    /// What its operands are.
    pub(crate) shape: Shape,
    /// Options naming the directory the program works in (`-C`, `--directory`).
    pub(crate) dir_options: &'static [&'static str],
}

/// The effects of running `name` with `args` (nothing for programs outside the table).
pub(crate) fn of(name: &str, args: &[Word]) -> Effects {
    let mut effects = Effects::default();
    let Some(spec) = table::lookup(name) else {
        return effects;
    };
    let p = parse(args, spec.syntax);
    if !spec.dir_options.is_empty() {
        effects.dir = p
            .values_of(spec.dir_options)
            .last()
            .map(|(v, _)| v.to_owned());
    }
    apply(spec.shape, &p, &mut effects);
    effects
}

fn apply(shape: Shape, p: &Parsed<'_>, e: &mut Effects) {
    match shape {
        Shape::Read => {
            for &k in &p.operands {
                e.operand(p, k, Access::Read);
            }
        }
        Shape::PatternThenRead {
            given_by,
            recursive,
            in_place,
        } => {
            let skip = usize::from(!p.has(given_by) && p.values_of(given_by).next().is_none());
            let read = if recursive == ALWAYS || p.has(recursive) {
                Access::RecursiveRead
            } else {
                Access::Read
            };
            let edit = p.has(in_place) || p.values_of(in_place).next().is_some();
            for &k in p.operands.iter().skip(skip) {
                e.operand(p, k, read);
                if edit {
                    e.operand(p, k, Access::Write);
                }
            }
            // `grep -r x`, `rg x`, `rg --files`: no path searches the working directory.
            if read == Access::RecursiveRead && p.operands.len() <= skip {
                e.add(Access::RecursiveRead, ".", None);
            }
            for (file, k) in p.values_of(&["-f", "--file", "--from-file"]) {
                e.add(Access::Read, file, Some(k));
            }
        }
        Shape::Delete { recursive } => {
            let access = if p.has(recursive) {
                Access::RecursiveDelete
            } else {
                Access::Delete
            };
            for &k in &p.operands {
                e.operand(p, k, access);
            }
        }
        Shape::Write => {
            for &k in &p.operands {
                e.operand(p, k, Access::Write);
            }
        }
        Shape::Chmod => {
            let reference = p.longs.contains(&"reference");
            let skip = usize::from(!reference);
            for &k in p.operands.iter().skip(skip) {
                e.operand(p, k, Access::Chmod);
            }
        }
        Shape::CopyTo { recursive, moves } => custom::copy_to(p, e, recursive, moves),
        Shape::ExecFirst => {
            if let Some(&k) = p.operands.first() {
                e.operand(p, k, Access::Exec);
            }
        }
        Shape::Custom(f) => f(p, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace()
            .map(|w| Word::literal(w.to_owned()))
            .collect()
    }

    fn effects(name: &str, args: &str) -> Vec<(Access, String)> {
        of(name, &words(args))
            .list
            .into_iter()
            .map(|e| (e.access, e.path))
            .collect()
    }

    #[test]
    fn parse_bundles_values_and_operands() {
        let w = words("-rf -o out --level=3 --name x a -- -b");
        let p = parse(
            &w,
            Syntax {
                short_values: "o",
                long_values: &["name"],
            },
        );
        assert_eq!(p.shorts, "rfo");
        assert_eq!(p.longs, ["level", "name"]);
        let ops: Vec<&str> = p.operands.iter().map(|&k| w[k].text.as_str()).collect();
        assert_eq!(ops, ["a", "-b"]);
        assert!(p.has(&["-r"]) && p.has(&["--level"]) && !p.has(&["-x"]));
    }

    #[test]
    fn table_families() {
        use Access::*;
        assert_eq!(
            effects("rm", "-rf a b"),
            [(RecursiveDelete, "a".into()), (RecursiveDelete, "b".into())]
        );
        assert_eq!(effects("rm", "-f a"), [(Delete, "a".into())]);
        assert_eq!(effects("cat", "-n x"), [(Read, "x".into())]);
        assert_eq!(
            effects("grep", "-r AKIA /h"),
            [(RecursiveRead, "/h".into())]
        );
        assert_eq!(effects("grep", "-e x f"), [(Read, "f".into())]);
        assert_eq!(
            effects("sed", "-i s/a/b/ f"),
            [(Read, "f".into()), (Write, "f".into())]
        );
        assert_eq!(effects("chmod", "600 k"), [(Chmod, "k".into())]);
        assert!(effects("ls", "-la /").is_empty());
    }
}
