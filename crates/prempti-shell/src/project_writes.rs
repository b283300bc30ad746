//! Writes that follow from what a tool is for rather than from a file operand: build and
//! package tools write the project they run in (`npm install` writes `node_modules`, `make`
//! its targets, `npm version` `package.json`), and an output-directory option names where
//! any tool writes (`--outDir ../site`, `--target-dir /srv/x`). Run in another project
//! (`cd ../other && npm run clean`, `npm --prefix ../x install`), these writes lie outside the
//! working directory like any other.

use crate::analyzer::Analyzer;
use crate::effects::Access;
use crate::word::Word;

/// Long options, of any program, whose value is a directory or file the program writes.
const OUTPUT_OPTIONS: &[&str] = &[
    "--outDir",
    "--outdir",
    "--out-dir",
    "--output-dir",
    "--output-directory",
    "--outputDir",
    "--dest",
    "--destination",
    "--target-dir",
    "--build-dir",
    "--dist-dir",
    "--distDir",
];

impl Analyzer<'_> {
    /// Records the writes of `name args` described in the module doc.
    pub(crate) fn project_writes(&mut self, name: &str, args: &[Word]) {
        // A wrapper's arguments are the command it runs, scanned when that is recorded in
        // turn (scanning them for every wrapper of a chain would grow with its square).
        if crate::wrappers::unwrap(name, args).is_some_and(|u| u.command_at.is_some()) {
            return;
        }
        let mut k = 0;
        while k < args.len() {
            let text = args[k].text.as_str();
            if OUTPUT_OPTIONS.contains(&text) {
                if let Some(value) = args.get(k + 1) {
                    self.effect(Access::Write, &value.text, Some(value), None);
                }
                k += 2;
                continue;
            }
            if let Some(value) = OUTPUT_OPTIONS
                .iter()
                .find_map(|o| text.strip_prefix(o).and_then(|v| v.strip_prefix('=')))
            {
                let word = &args[k];
                self.effect(Access::Write, value, Some(word), None);
            }
            k += 1;
        }
        if let Some((dir, file)) = project_target(name, args) {
            let target = match (&dir, file) {
                (Some(d), Some(f)) => format!("{}/{f}", d.trim_end_matches('/')),
                (Some(d), None) => d.clone(),
                (None, Some(f)) => f.to_owned(),
                (None, None) => ".".to_owned(),
            };
            self.effect(Access::Write, &target, None, None);
        }
    }
}

/// For a build or package command that changes its project: the directory it is pointed at
/// (`--prefix`, `--cwd`, `-C`, `--dir`), if any, and the file it writes there when that is
/// known (`npm version` writes `package.json`); `None` for other commands.
fn project_target(name: &str, args: &[Word]) -> Option<(Option<String>, Option<&'static str>)> {
    let value_of = |options: &[&str]| -> Option<String> {
        args.iter().enumerate().find_map(|(k, w)| {
            if options.contains(&w.text.as_str()) {
                return args.get(k + 1).map(|v| v.text.clone());
            }
            options.iter().find_map(|o| {
                w.text
                    .strip_prefix(o)
                    .and_then(|v| v.strip_prefix('='))
                    .map(str::to_owned)
            })
        })
    };
    // The first operand that is not the value of a directory option.
    let verb = args
        .iter()
        .enumerate()
        .filter(|(k, w)| {
            let option_value = *k > 0
                && matches!(
                    args[k - 1].text.as_str(),
                    "--prefix" | "--cwd" | "-C" | "--dir" | "--manifest-path" | "--directory"
                );
            !w.text.starts_with('-') && !option_value
        })
        .map(|(_, w)| w.text.as_str())
        .next();
    match name {
        "npm" | "pnpm" | "yarn" | "bun" => {
            let dir = value_of(&["--prefix", "--cwd", "-C", "--dir"]);
            match verb? {
                "version" => Some((dir, Some("package.json"))),
                "install" | "i" | "ci" | "add" | "remove" | "rm" | "uninstall" | "un"
                | "update" | "up" | "run" | "run-script" | "build" | "prune" | "dedupe" => {
                    Some((dir, None))
                }
                _ => None,
            }
        }
        "cargo" => match verb? {
            "build" | "b" | "clean" | "update" | "fmt" | "fix" | "add" | "remove" => {
                let manifest = value_of(&["--manifest-path"]);
                let dir = manifest.map(|m| match m.rsplit_once('/') {
                    Some((d, _)) if !d.is_empty() => d.to_owned(),
                    _ => ".".to_owned(),
                });
                Some((dir, None))
            }
            _ => None,
        },
        "make" | "gmake" => {
            // Only reports: `make -n`, `make --dry-run`, `make -q`.
            let dry = args
                .iter()
                .any(|w| matches!(w.text.as_str(), "-n" | "--dry-run" | "--just-print" | "-q"));
            (!dry).then(|| (value_of(&["-C", "--directory"]), None))
        }
        _ => None,
    }
}
