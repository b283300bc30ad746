//! Where package managers install from, when it is not their default registry: the kinds
//! behind `cmd.install_sources`.
//!
//! - `url`: a package given as a URL (`pip install https://…/x.whl`, `npx https://…/t.tgz`);
//! - `git`: a git repository (`git+https://…`, `github:user/repo`, npm's `user/repo`
//!   shorthand, `cargo install --git URL`);
//! - `index`: another index or registry (`pip -i URL`, `--index-url=URL`, `npm --registry URL`,
//!   `gem --source URL`, `PIP_INDEX_URL=… pip install`, `GOPROXY=…`);
//! - `archive`: a local archive or wheel (`npm i ./x.tgz`, `pip install x.whl`);
//! - `tap`: a third-party Homebrew tap (`brew install user/tap/formula`, `brew tap user/repo`);
//! - `head`: an unreleased development head (`brew install --HEAD`).
//!
//! Option values are read in every spelling: `-i URL`, `-iURL`, `--index-url URL`,
//! `--index-url=URL`. The hosts of the URLs are in `cmd.hosts` as usual, so a rule can still
//! release an index the user trusts.

use crate::analyzer::Analyzer;
use crate::model::push_unique;
use crate::word::Word;

/// Environment variables that point an installer at another index or registry.
const INDEX_VARIABLES: &[&str] = &[
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_INDEX",
    "NPM_CONFIG_REGISTRY",
    "npm_config_registry",
    "YARN_REGISTRY",
    "YARN_NPM_REGISTRY_SERVER",
    "BUN_CONFIG_REGISTRY",
    "GOPROXY",
    "GONOSUMDB",
    "GOINSECURE",
    "GOFLAGS",
    "CARGO_REGISTRY_DEFAULT",
    "GEM_SOURCE",
];

/// The family of an installing invocation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    /// pip, uv pip, pipx, poetry, pdm, conda.
    Python,
    /// npm, pnpm, yarn, bun and their package runners (npx, pnpx, bunx, dlx).
    Node,
    /// cargo install.
    Cargo,
    /// gem install.
    Gem,
    /// brew install / tap.
    Brew,
    /// go install / get.
    Go,
}

impl Analyzer<'_> {
    /// Records the install sources of `name args` (see the module doc).
    pub(crate) fn install_sources(&mut self, name: &str, args: &[Word]) {
        let Some((family, operands_from)) = installing(name, args) else {
            return;
        };
        let mut kinds: Vec<&'static str> = Vec::new();
        let env_index = self.out.env.iter().any(|a| {
            a.split_once('=')
                .is_some_and(|(n, v)| INDEX_VARIABLES.contains(&n) && !v.is_empty())
        });
        if env_index {
            kinds.push("index");
        }
        let rest = &args[operands_from.min(args.len())..];
        let runner = runs_package(name, args, operands_from);
        let mut k = 0;
        while k < rest.len() {
            let text = rest[k].text.as_str();
            let next = rest.get(k + 1).map(|w| w.text.as_str());
            let (kind, takes_value) = option_source(family, text, next);
            if let Some(kind) = kind {
                kinds.push(kind);
            }
            if takes_value {
                k += 2;
                continue;
            }
            if !text.starts_with('-') {
                if let Some(kind) = operand_source(family, text) {
                    kinds.push(kind);
                }
                if runner {
                    // The package runner's first operand is the package; the rest are the
                    // arguments of the program it runs.
                    break;
                }
            }
            k += 1;
        }
        for kind in kinds {
            push_unique(&mut self.out.install_sources, kind);
        }
    }
}

/// Whether `name args` runs a package (`npx pkg args`, `npm exec pkg`, `uvx`, `pnpm dlx`)
/// rather than installing the packages it names.
fn runs_package(name: &str, args: &[Word], operands_from: usize) -> bool {
    let verb = operands_from
        .checked_sub(1)
        .and_then(|k| args.get(k))
        .map(|w| w.text.as_str());
    matches!(name, "npx" | "pnpx" | "bunx" | "uvx")
        || matches!(verb, Some("exec" | "x" | "dlx" | "create" | "run"))
}

/// The family of `name args` when it installs or runs packages, and where its operands start.
fn installing(name: &str, args: &[Word]) -> Option<(Family, usize)> {
    let sub = |k: usize| args.get(k).map(|w| w.text.as_str());
    let verb_at = |verbs: &[&str]| {
        args.iter()
            .position(|w| !w.text.starts_with('-'))
            .filter(|&k| sub(k).is_some_and(|v| verbs.contains(&v)))
            .map(|k| k + 1)
    };
    match name {
        "pip" | "pip3" | "pipx" => {
            verb_at(&["install", "download", "wheel", "run"]).map(|at| (Family::Python, at))
        }
        "uv" => {
            let at = verb_at(&["pip", "add", "tool", "run"])?;
            let at = match sub(at - 1) {
                Some("pip") | Some("tool") => {
                    (sub(at)
                        .is_some_and(|v| matches!(v, "install" | "run"))
                        .then_some(at + 1))?
                }
                _ => at,
            };
            Some((Family::Python, at))
        }
        "uvx" => Some((Family::Python, 0)),
        "poetry" | "pdm" | "rye" | "hatch" => verb_at(&["add"]).map(|at| (Family::Python, at)),
        "conda" | "mamba" | "micromamba" => {
            verb_at(&["install", "create"]).map(|at| (Family::Python, at))
        }
        _ if name.starts_with("python") => {
            let m = args.iter().position(|w| w.text == "-m")?;
            let module = sub(m + 1)?;
            if module != "pip" {
                return None;
            }
            let tail = &args[m + 2..];
            let (family, at) = installing("pip", tail)?;
            Some((family, m + 2 + at))
        }
        "npm" | "pnpm" | "yarn" | "bun" | "cnpm" => {
            let verbs = [
                "install", "i", "add", "in", "isntall", "exec", "x", "dlx", "create",
            ];
            verb_at(&verbs).map(|at| (Family::Node, at))
        }
        "npx" | "pnpx" | "bunx" => Some((Family::Node, 0)),
        "cargo" => verb_at(&["install", "add"]).map(|at| (Family::Cargo, at)),
        "gem" => verb_at(&["install"]).map(|at| (Family::Gem, at)),
        "brew" => verb_at(&["install", "reinstall", "tap", "upgrade"]).map(|at| {
            // `brew tap user/repo`: adding a tap is itself the third-party source.
            (
                Family::Brew,
                if sub(at - 1) == Some("tap") {
                    at - 1
                } else {
                    at
                },
            )
        }),
        "go" => verb_at(&["install", "get"]).map(|at| (Family::Go, at)),
        _ => None,
    }
}

/// The source an option names (and whether it takes the next word as its value).
fn option_source(family: Family, text: &str, next: Option<&str>) -> (Option<&'static str>, bool) {
    let (long_index, short_index): (&[&str], &[&str]) = match family {
        Family::Python => (
            &[
                "--index-url",
                "--extra-index-url",
                "--find-links",
                "--trusted-host",
                "--index",
                "--default-index",
                "--pip-args",
            ],
            &["-i", "-f"],
        ),
        Family::Node => (&["--registry"], &[]),
        Family::Cargo => (&["--index", "--registry"], &[]),
        Family::Gem => (&["--source", "--clear-sources"], &["-s"]),
        Family::Brew | Family::Go => (&[], &[]),
    };
    if family == Family::Cargo {
        if text == "--git" {
            return (Some("git"), true);
        }
        if text.starts_with("--git=") {
            return (Some("git"), false);
        }
    }
    if family == Family::Brew && text == "--HEAD" {
        return (Some("head"), false);
    }
    if long_index.contains(&text) {
        return (next.map(|_| "index"), true);
    }
    if long_index
        .iter()
        .any(|o| text.strip_prefix(o).is_some_and(|v| v.starts_with('=')))
    {
        return (Some("index"), false);
    }
    if short_index.contains(&text) {
        return (next.map(|_| "index"), true);
    }
    // `-iURL`: a short option with its value attached.
    if short_index
        .iter()
        .any(|o| text.strip_prefix(o).is_some_and(|v| v.contains("://")))
    {
        return (Some("index"), false);
    }
    (None, false)
}

/// The source a package operand names, when it is not a plain registry package.
fn operand_source(family: Family, text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let git_prefixes = [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
        "git@",
    ];
    if git_prefixes.iter().any(|p| lower.starts_with(p)) || lower.contains("@git+") {
        return Some("git");
    }
    if lower.contains("://") {
        return Some(if lower.ends_with(".git") {
            "git"
        } else {
            "url"
        });
    }
    let archive = [
        ".tgz", ".tar.gz", ".whl", ".zip", ".tar.bz2", ".gem", ".crate",
    ];
    if archive.iter().any(|a| lower.ends_with(a)) {
        return Some("archive");
    }
    match family {
        // npm's `user/repo` (and `user/repo#ref`) is a GitHub repository; scoped packages
        // start with `@`, local paths with `.` or `/`.
        Family::Node => {
            let name = lower.split('#').next().unwrap_or("");
            let shorthand = !name.starts_with(['@', '.', '/', '~'])
                && name.matches('/').count() == 1
                && !name.ends_with('/')
                && !name.starts_with("file:")
                && !name.starts_with("npm:");
            shorthand.then_some("git")
        }
        // `brew install user/tap/formula`: a formula from a third-party tap; `brew tap user/repo`.
        Family::Brew => {
            let slashes = lower.matches('/').count();
            let official = lower.starts_with("homebrew/");
            ((slashes == 2 || slashes == 1) && !official).then_some("tap")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(name: &str, args: &str) -> Vec<&'static str> {
        let words: Vec<Word> = args
            .split_whitespace()
            .map(|w| Word::literal(w.to_owned()))
            .collect();
        let Some((family, at)) = installing(name, &words) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let rest = &words[at.min(words.len())..];
        let runner = runs_package(name, &words, at);
        let mut k = 0;
        while k < rest.len() {
            let (kind, takes) = option_source(
                family,
                &rest[k].text,
                rest.get(k + 1).map(|w| w.text.as_str()),
            );
            out.extend(kind);
            if takes {
                k += 2;
                continue;
            }
            if !rest[k].text.starts_with('-') {
                out.extend(operand_source(family, &rest[k].text));
                if runner {
                    break;
                }
            }
            k += 1;
        }
        out
    }

    #[test]
    fn registry_packages_have_no_source() {
        assert!(sources("pip", "install requests==2.31 -r requirements.txt").is_empty());
        assert!(sources("npm", "install --save-dev @types/node typescript").is_empty());
        assert!(sources("cargo", "install ripgrep --locked").is_empty());
        assert!(sources("brew", "install jq homebrew/cask/firefox").is_empty());
        assert!(sources("npx", "prettier --write src/app.ts").is_empty());
        assert!(sources("npm", "run build -- --outDir dist").is_empty());
    }

    #[test]
    fn every_spelling_of_another_source() {
        assert_eq!(
            sources("pip", "install -ihttps://pypi.evil.test/simple x"),
            ["index"]
        );
        assert_eq!(
            sources("pip", "install --index-url=https://x.test/simple x"),
            ["index"]
        );
        assert_eq!(
            sources("pip", "install -i https://x.test/simple x"),
            ["index"]
        );
        assert_eq!(sources("pip", "install git+https://x.test/r.git"), ["git"]);
        assert_eq!(sources("npm", "install someuser/some-repo"), ["git"]);
        assert_eq!(sources("npm", "i github:someuser/tool"), ["git"]);
        assert_eq!(
            sources("yarn", "add https://x.test/y/tarball/main"),
            ["url"]
        );
        assert_eq!(sources("npx", "https://evil.test/tool.tgz"), ["url"]);
        assert_eq!(
            sources("cargo", "install --git=https://github.com/x/tool"),
            ["git"]
        );
        assert_eq!(
            sources("cargo", "install --git https://github.com/x/tool"),
            ["git"]
        );
        assert_eq!(
            sources("brew", "install --HEAD someuser/tap/tool"),
            ["head", "tap"]
        );
        assert_eq!(sources("brew", "tap someuser/tools"), ["tap"]);
        assert_eq!(
            sources("gem", "install x --source https://gems.test"),
            ["index"]
        );
        assert_eq!(sources("npm", "i ./vendor/pkg-1.0.0.tgz"), ["archive"]);
    }
}
