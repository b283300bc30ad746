//! Glob patterns in shell commands as the paths they can name.
//!
//! The shell expands an unquoted pattern (`cat ~/.ssh/id_*`, `/e?c/g?hadow`) against the file
//! system when the command runs; the analysis keeps it as a pattern (`cmd.path_globs`). Here
//! each pattern is matched, at decision time, against the file system (what the shell would
//! pass now) and against a catalog of well-known sensitive paths (what it could pass if the
//! file existed, or on a machine where the broker cannot see it). Every match joins the
//! effect lists the pattern is in, so a rule on `cmd.read_paths` sees `/etc/gshadow` for
//! `cat /e?c/g?hadow`. Bounded: at most [`MAX_MATCHES_PER_PATTERN`] file-system matches per
//! pattern and [`MAX_PATTERNS`] patterns per command.

use prempti_shell::Analysis;

/// Patterns expanded per command.
pub const MAX_PATTERNS: usize = 16;
/// File-system matches kept per pattern.
pub const MAX_MATCHES_PER_PATTERN: usize = 64;

/// Paths a pattern is also matched against, relative to the home (`~/`) or absolute. They
/// are the files credential, persistence and self-protection rules are about; a pattern
/// that can name one of them is treated as naming it.
pub const SENSITIVE_CATALOG: &[&str] = &[
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/passwd",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/hosts",
    "/etc/crontab",
    "/etc/ssh/sshd_config",
    "/root/.ssh",
    "/proc/self/environ",
    "/proc/1/environ",
    "~/.ssh",
    "~/.ssh/id_rsa",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_dsa",
    "~/.ssh/authorized_keys",
    "~/.ssh/config",
    "~/.aws/credentials",
    "~/.aws/config",
    "~/.aws/sso/cache",
    "~/.pgpass",
    "~/.vault-token",
    "~/.cargo/credentials.toml",
    "~/.password-store",
    "~/.config/op",
    "~/.local/share/keyrings",
    "~/.claude/.credentials.json",
    "~/.codex/auth.json",
    "~/.gemini/oauth_creds.json",
    "~/.config/gcloud/application_default_credentials.json",
    "/etc/ssl/private",
    "/run/secrets",
    "/root/.aws",
    "~/.netrc",
    "~/.git-credentials",
    "~/.gitconfig",
    "~/.kube/config",
    "~/.docker/config.json",
    "~/.npmrc",
    "~/.pypirc",
    "~/.gnupg",
    "~/.config/gh/hosts.yml",
    "~/.config/gcloud",
    "~/.azure",
    "~/.bash_history",
    "~/.zsh_history",
    "~/.bashrc",
    "~/.zshrc",
    "~/.profile",
    "~/.bash_profile",
    "~/.env",
    "~/.claude",
    "~/.claude/settings.json",
    "~/.codex",
    "~/.gemini",
    "~/.cursor",
    "~/.copilot",
    "~/.prempti",
];

/// File names that hold secrets wherever they are: a pattern whose last component can name
/// one (`cat .env*`, `cat ./conf/id_*`) is treated as naming it in the pattern's directory.
pub const SENSITIVE_NAMES: &[&str] = &[
    ".env",
    ".env.local",
    ".env.production",
    ".env.prod",
    ".env.staging",
    ".env.development",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    "credentials",
    "credentials.json",
    ".netrc",
    ".git-credentials",
    ".pgpass",
    ".npmrc",
    ".pypirc",
    "secrets.yaml",
    "secrets.yml",
    "secrets.json",
    "master.key",
];

/// Settles `exec_near_download` (a script run from the directory a download in the same
/// command went to): when a script the command runs does not exist on this machine now, it
/// can only come from that download or the command itself, so it is `exec_downloaded`; a
/// project's own script that exists (`./gradlew`) is not.
pub fn confirm_downloads_run(analysis: &mut Analysis) {
    let Some(at) = analysis
        .behaviors
        .iter()
        .position(|b| b == "exec_near_download")
    else {
        return;
    };
    analysis.behaviors.remove(at);
    let fetched = analysis
        .exec_paths
        .iter()
        .any(|p| !std::path::Path::new(p).exists());
    if fetched && !analysis.behaviors.iter().any(|b| b == "exec_downloaded") {
        analysis.behaviors.push("exec_downloaded".to_owned());
    }
}

/// Adds what each glob pattern of `analysis` can match to the effect lists it is in.
pub fn expand(analysis: &mut Analysis, home: Option<&str>) {
    let patterns: Vec<String> = analysis
        .path_globs
        .iter()
        .take(MAX_PATTERNS)
        .cloned()
        .collect();
    for pattern in patterns {
        let mut matches = if pattern.contains("**") {
            // A recursive pattern is matched against the catalog only: walking the disk for
            // it could take as long as the whole tree.
            catalog_full_matches(&pattern, home)
        } else {
            let mut m = catalog_matches(&pattern, home);
            m.extend(fs_matches(&pattern));
            m
        };
        matches.extend(name_matches(&pattern));
        matches.extend(whole_directory(&pattern));
        matches.extend(home_spelled_out(&pattern, home));
        if matches.is_empty() {
            continue;
        }
        for list in effect_lists(analysis) {
            if list.contains(&pattern) {
                for m in &matches {
                    if !list.contains(m) {
                        list.push(m.clone());
                    }
                }
            }
        }
    }
}

pub(crate) fn effect_lists(a: &mut Analysis) -> [&mut Vec<String>; 9] {
    [
        &mut a.read_paths,
        &mut a.write_paths,
        &mut a.delete_paths,
        &mut a.recursive_delete_paths,
        &mut a.recursive_read_paths,
        &mut a.chmod_paths,
        &mut a.exec_paths,
        &mut a.upload_paths,
        &mut a.serve_paths,
    ]
}

/// Catalog entries the pattern matches, and, where only the pattern's leading components
/// match an entry (`~/.prempt?/bin/hook` against `~/.prempti`), the entry with the rest of
/// the pattern appended.
pub(crate) fn catalog_matches(pattern: &str, home: Option<&str>) -> Vec<String> {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let parts: Vec<&str> = pattern.split('/').collect();
    let mut out = Vec::new();
    for entry in catalog(home) {
        let depth = entry.split('/').count();
        if depth > parts.len() {
            continue;
        }
        let head = parts[..depth].join("/");
        let tail = &parts[depth..];
        let Ok(head) = glob::Pattern::new(&head) else {
            continue;
        };
        let literal_tail = tail.iter().all(|p| !p.contains(['*', '?', '[']));
        if head.matches_with(&entry, options) && literal_tail {
            let mut path = entry;
            for part in tail {
                path.push('/');
                path.push_str(part);
            }
            out.push(path);
        }
    }
    out
}

/// `DIR/*` (also `DIR/.*`, `DIR/*.*`) names everything in `DIR`: as much as `DIR` itself
/// (`rm -rf ~/Documents/*` empties `~/Documents`).
pub(crate) fn whole_directory(pattern: &str) -> Option<String> {
    let dir = ["/*", "/.*", "/*.*"]
        .iter()
        .find_map(|suffix| pattern.strip_suffix(suffix))?;
    (!dir.is_empty() && !dir.contains(['*', '?', '['])).then(|| dir.to_owned())
}

/// A pattern whose leading components match the home (`/h?me/dev/Doc*`): the home spelled
/// out with the rest of the pattern, so home-relative rules see `~/Doc*`.
pub(crate) fn home_spelled_out(pattern: &str, home: Option<&str>) -> Option<String> {
    let home = home?.trim_end_matches('/');
    let depth = home.split('/').count();
    let parts: Vec<&str> = pattern.split('/').collect();
    if parts.len() <= depth {
        return None;
    }
    let head = parts[..depth].join("/");
    if !head.contains(['*', '?', '[']) {
        return None;
    }
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let matches = glob::Pattern::new(&head).is_ok_and(|p| p.matches_with(home, options));
    matches.then(|| format!("{home}/{}", parts[depth..].join("/")))
}

/// [`SENSITIVE_NAMES`] the pattern's last component matches, in the pattern's directory
/// when that is literal.
pub(crate) fn name_matches(pattern: &str) -> Vec<String> {
    let Some((dir, last)) = pattern.rsplit_once('/') else {
        return Vec::new();
    };
    // A pattern with a literal start (`.env*`, `id_*`), not any file (`*.json`).
    let literal = last.find(['*', '?', '[']).unwrap_or(last.len());
    if dir.contains(['*', '?', '[']) || literal < 2 {
        return Vec::new();
    }
    let Ok(last) = glob::Pattern::new(last) else {
        return Vec::new();
    };
    SENSITIVE_NAMES
        .iter()
        .filter(|name| last.matches(name))
        .map(|name| format!("{dir}/{name}"))
        .collect()
}

/// Catalog entries the whole pattern matches (`/home/u/**/id_*` names `~/.ssh/id_rsa`;
/// `**` spans directories).
pub(crate) fn catalog_full_matches(pattern: &str, home: Option<&str>) -> Vec<String> {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let Ok(pattern) = glob::Pattern::new(pattern) else {
        return Vec::new();
    };
    catalog(home)
        .into_iter()
        .filter(|entry| pattern.matches_with(entry, options))
        .collect()
}

/// The catalog's entries, those relative to the home joined to `home` (left out without
/// one).
pub(crate) fn catalog(home: Option<&str>) -> Vec<String> {
    SENSITIVE_CATALOG
        .iter()
        .filter_map(|entry| match entry.strip_prefix("~/") {
            Some(rest) => home.map(|h| format!("{}/{rest}", h.trim_end_matches('/'))),
            None => Some((*entry).to_owned()),
        })
        .collect()
}

/// What the pattern matches on this machine now (hidden files included, as with dotglob
/// off only a leading `.` in the pattern matches them: the glob crate's default).
fn fs_matches(pattern: &str) -> Vec<String> {
    let Ok(paths) = glob::glob(pattern) else {
        return Vec::new();
    };
    paths
        .filter_map(Result::ok)
        .take(MAX_MATCHES_PER_PATTERN)
        .filter_map(|p| p.to_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis(cmd: &str) -> Analysis {
        let ctx = prempti_shell::Context {
            cwd: Some("/nonexistent/p"),
            home: Some("/nonexistent/home/u"),
        };
        let mut a = prempti_shell::analyze_in(cmd, &ctx, &prempti_shell::Limits::default());
        expand(&mut a, ctx.home);
        a
    }

    #[test]
    fn patterns_name_catalog_paths() {
        let a = analysis("cat /e?c/g?hadow");
        assert!(
            a.read_paths.contains(&"/etc/gshadow".to_owned()),
            "{:?}",
            a.read_paths
        );
        let a = analysis("cat ~/.netr?");
        assert!(a
            .read_paths
            .contains(&"/nonexistent/home/u/.netrc".to_owned()));
        let a = analysis("rm -rf ~/.ss*");
        assert!(a
            .recursive_delete_paths
            .contains(&"/nonexistent/home/u/.ssh".to_owned()));
        let a = analysis("cat src/*.rs");
        assert_eq!(a.read_paths, ["/nonexistent/p/src/*.rs"]);
    }

    #[test]
    fn patterns_name_secret_files_in_their_directory() {
        assert_eq!(
            name_matches("/home/dev/p/.env*"),
            [
                "/home/dev/p/.env",
                "/home/dev/p/.env.local",
                "/home/dev/p/.env.production",
                "/home/dev/p/.env.prod",
                "/home/dev/p/.env.staging",
                "/home/dev/p/.env.development"
            ]
        );
        assert_eq!(
            name_matches("/srv/keys/id_*sa"),
            ["/srv/keys/id_rsa", "/srv/keys/id_ecdsa", "/srv/keys/id_dsa"]
        );
        assert!(name_matches("/home/dev/p/*.rs").is_empty());
        assert!(name_matches("/home/dev/p/fixtures/*.json").is_empty());
        assert!(name_matches("/home/*/x/.env*").is_empty());
    }

    #[test]
    fn scripts_near_a_download_run_fetched_code_only_when_new() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("gradlew");
        std::fs::write(&existing, "#!/bin/sh\n").unwrap();
        let run = |script: &std::path::Path| {
            let d = dir.path().to_str().unwrap();
            let cmd = format!(
                "cd {d} && curl -fsSLO https://x.test/data.txt && sh {}",
                script.display()
            );
            let mut a = prempti_shell::analyze(&cmd, Some(d));
            assert!(
                a.behaviors.iter().any(|b| b == "exec_near_download"),
                "{:?}",
                a.behaviors
            );
            confirm_downloads_run(&mut a);
            assert!(!a.behaviors.iter().any(|b| b == "exec_near_download"));
            a.behaviors.iter().any(|b| b == "exec_downloaded")
        };
        assert!(!run(&existing));
        assert!(run(&dir.path().join("install.sh")));
    }

    #[test]
    fn whole_directories_and_spelled_out_homes() {
        assert_eq!(
            whole_directory("/home/dev/.config/*").as_deref(),
            Some("/home/dev/.config")
        );
        assert_eq!(whole_directory("/home/dev/p/*.rs"), None);
        assert_eq!(whole_directory("/h?me/*"), None);
        assert_eq!(
            home_spelled_out("/h?me/dev/Doc*", Some("/home/dev")).as_deref(),
            Some("/home/dev/Doc*")
        );
        assert_eq!(home_spelled_out("/home/dev/Doc*", Some("/home/dev")), None);
        assert_eq!(home_spelled_out("/h?me/other/x", Some("/home/dev")), None);
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "joins a drive-letter temp directory under a Unix-absolute root"
    )]
    fn patterns_match_the_file_system() {
        let dir = std::env::temp_dir().join(format!("prempti-glob-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret.key"), "x").unwrap();
        let cmd = format!("cat {}/*.key", dir.display());
        let a = analysis(&cmd);
        let want = format!("{}/secret.key", dir.display());
        assert!(a.read_paths.contains(&want), "{:?}", a.read_paths);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
