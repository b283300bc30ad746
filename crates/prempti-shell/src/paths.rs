//! Redirection targets: lexical resolution against the working directory.
//!
//! Nothing touches the file system: `..` is folded lexically, symlinks are not followed.
//! `~` and `$VAR` prefixes are kept as written, because the analyzer has no environment.

/// Targets that are not files on disk and are left out of `write_paths` / `read_paths`.
const PSEUDO_FILES: &[&str] = &[
    "/dev/null",
    "/dev/stdin",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/tty",
];

/// Resolves a redirection target, or `None` for pseudo files (`/dev/null`, `/dev/fd/N`, ...).
pub(crate) fn resolve(target: &str, cwd: Option<&str>) -> Option<String> {
    if target.is_empty() {
        return None;
    }
    if let Some(windows) = windows_drive_path(target) {
        return Some(windows);
    }
    if let Some(dir) = cwd.and_then(windows_drive_path) {
        // A relative path in a Windows working directory.
        let joined = format!("{dir}/{}", target.replace('\\', "/"));
        return windows_drive_path(&joined);
    }
    let resolved = if target.starts_with('/') {
        normalize(target)
    } else if target.starts_with('~') || target.starts_with('$') {
        target.to_owned()
    } else {
        match cwd {
            Some(dir) if dir.starts_with('/') => normalize(&format!("{dir}/{target}")),
            _ => target.to_owned(),
        }
    };
    if PSEUDO_FILES.contains(&resolved.as_str()) || resolved.starts_with("/dev/fd/") {
        return None;
    }
    Some(resolved)
}

/// A Windows drive path (`C:\Users\dev\x`, `c:/x`) in a portable form: drive letter upper
/// case, `/` separators, `.` and `..` folded (`C:/Users/dev/x`); `None` for anything else.
/// Agents on Windows send such paths; the analysis keeps them comparable wherever it runs.
pub fn windows_drive_path(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let drive = bytes.first().filter(|b| b.is_ascii_alphabetic())?;
    if bytes.get(1) != Some(&b':') || !matches!(bytes.get(2), Some(b'\\' | b'/') | None) {
        return None;
    }
    let rest = path[2..].replace('\\', "/");
    let folded = normalize(&rest);
    let folded = if folded == "/" { String::new() } else { folded };
    Some(format!(
        "{}:{}",
        char::from(drive.to_ascii_uppercase()),
        if folded.is_empty() {
            "/".to_owned()
        } else {
            folded
        }
    ))
}

/// Lexically normalizes an absolute path: folds `//`, `.` and `..` (never above `/`), e.g.
/// `/a/./b/../c//d/` → `/a/c/d`. No file system access.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = String::with_capacity(path.len());
    for part in &parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The base name of a program word: `curl` for `/usr/bin/curl`.
pub(crate) fn basename(word: &str) -> &str {
    let trimmed = word.trim_end_matches('/');
    if trimmed.is_empty() {
        return word;
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize("/a/./b/../c//d/"), "/a/c/d");
        assert_eq!(normalize("/../.."), "/");
    }

    #[test]
    fn resolve_relative_and_special() {
        assert_eq!(
            resolve("out.txt", Some("/p")).as_deref(),
            Some("/p/out.txt")
        );
        assert_eq!(resolve("../x", Some("/p/q")).as_deref(), Some("/p/x"));
        assert_eq!(resolve("x", None).as_deref(), Some("x"));
        assert_eq!(resolve("~/x", Some("/p")).as_deref(), Some("~/x"));
        assert_eq!(resolve("/dev/null", Some("/p")), None);
        assert_eq!(resolve("/dev/fd/3", None), None);
    }

    #[test]
    fn windows_drive_paths() {
        assert_eq!(
            windows_drive_path(r"C:\Users\dev\.ssh\id_rsa").as_deref(),
            Some("C:/Users/dev/.ssh/id_rsa")
        );
        assert_eq!(
            windows_drive_path("c:/a/./b/../c").as_deref(),
            Some("C:/a/c")
        );
        assert_eq!(windows_drive_path("C:").as_deref(), Some("C:/"));
        assert_eq!(windows_drive_path("/c/x"), None);
        assert_eq!(
            resolve(r"..\x", Some(r"C:\Users\dev\p")).as_deref(),
            Some("C:/Users/dev/x")
        );
    }

    #[test]
    fn basename_of_paths() {
        assert_eq!(basename("/usr/bin/curl"), "curl");
        assert_eq!(basename("git"), "git");
        assert_eq!(basename("./run.sh"), "run.sh");
        assert_eq!(basename("/"), "/");
    }
}
