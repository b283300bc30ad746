//! URLs and host names in arguments.
//!
//! A URL is `scheme://...` with a network scheme, anywhere in an argument (so `--url=https://x`
//! counts); it ends at whitespace or a quote. Hosts come from those URLs, from `user@host:path`
//! arguments of any program (`git clone git@github.com:o/r`), from `host:path` operands of
//! scp-like tools, and from the destination operand of ssh-like tools.

use crate::model::push_unique;

/// Schemes recognized as URLs.
const SCHEMES: &[&str] = &[
    "http",
    "https",
    "ftp",
    "ftps",
    "sftp",
    "ssh",
    "git",
    "git+ssh",
    "git+https",
    "rsync",
    "ws",
    "wss",
    "s3",
    "gs",
    "scp",
    "telnet",
    "tftp",
    "svn",
    "svn+ssh",
    "smb",
    "ldap",
    "ldaps",
];

/// Tools whose first operand is a destination host (`ssh user@host cmd`).
const SSH_LIKE: &[&str] = &["ssh", "mosh", "sftp", "autossh"];
/// Options of `ssh` that take a value.
const SSH_OPTS_WITH_ARG: &str = "BbcDEeFIiJLlmOoPpQRSWw";
/// Tools whose operands may be `host:path` (`scp f host:/tmp`).
const SCP_LIKE: &[&str] = &["scp", "rsync", "sshfs"];

/// Records the URLs and hosts in the arguments of one program.
pub(crate) fn scan<A: AsRef<str>>(
    program: &str,
    args: &[A],
    urls: &mut Vec<String>,
    hosts: &mut Vec<String>,
) {
    for arg in args.iter().map(AsRef::as_ref) {
        scan_urls(arg, urls, hosts);
        if let Some(host) = user_at_host(arg) {
            push_unique(hosts, &host);
        }
    }
    if SCP_LIKE.contains(&program) {
        for arg in args
            .iter()
            .map(AsRef::as_ref)
            .filter(|a| !a.starts_with('-'))
        {
            if let Some(host) = host_colon_path(arg) {
                push_unique(hosts, &host);
            }
        }
    }
    if SSH_LIKE.contains(&program) {
        if let Some(dest) = ssh_destination(args) {
            let host = strip_user(dest);
            let host = host.split(':').next().unwrap_or(host);
            if is_hostname(host) {
                push_unique(hosts, &host.to_ascii_lowercase());
            }
        }
    }
}

/// Every `scheme://...` URL inside `arg`.
fn scan_urls(arg: &str, urls: &mut Vec<String>, hosts: &mut Vec<String>) {
    let mut from = 0;
    while let Some(pos) = arg[from..].find("://") {
        let sep = from + pos;
        from = sep + 3;
        let bytes = arg.as_bytes();
        let mut start = sep;
        while start > 0 && is_scheme_byte(bytes[start - 1]) {
            start -= 1;
        }
        // A scheme starts with a letter.
        while start < sep && !bytes[start].is_ascii_alphabetic() {
            start += 1;
        }
        let scheme = arg[start..sep].to_ascii_lowercase();
        if !SCHEMES.contains(&scheme.as_str()) {
            continue;
        }
        let rest = &arg[from..];
        let len = rest
            .find(|c: char| c.is_whitespace() || "\"'<>`".contains(c))
            .unwrap_or(rest.len());
        let url = arg[start..from + len].trim_end_matches(['.', ',', ';', ')']);
        if url.len() <= sep - start + 3 {
            continue;
        }
        push_unique(urls, url);
        if let Some(host) = url_host(&url[sep - start + 3..]) {
            push_unique(hosts, &host);
        }
        from += len;
    }
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'.' || b == b'-'
}

/// The host of the part of a URL after `://`, lowercased, without user info or port.
fn url_host(after_scheme: &str) -> Option<String> {
    let end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let authority = strip_user(&after_scheme[..end]);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `host` from `user@host`.
fn strip_user(s: &str) -> &str {
    match s.rfind('@') {
        Some(i) => &s[i + 1..],
        None => s,
    }
}

/// `host` from `user@host:path` (not a URL, no `/` before the `@`).
fn user_at_host(arg: &str) -> Option<String> {
    if arg.contains("://") || arg.starts_with('-') {
        return None;
    }
    let at = arg.find('@')?;
    let colon = at + arg[at..].find(':')?;
    let user = &arg[..at];
    let host = &arg[at + 1..colon];
    if user.is_empty() || user.contains(['/', '=', ' ']) || !is_hostname(host) {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// `host` from `[user@]host:path` or `host::module` (scp, rsync).
fn host_colon_path(arg: &str) -> Option<String> {
    if arg.contains("://") {
        return None;
    }
    let colon = arg.find(':')?;
    let before = &arg[..colon];
    if before.contains('/') {
        return None;
    }
    let host = strip_user(before);
    is_hostname(host).then(|| host.to_ascii_lowercase())
}

/// The first operand of an ssh-like command.
fn ssh_destination<A: AsRef<str>>(args: &[A]) -> Option<&str> {
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_ref();
        if arg == "--" {
            return args.get(i + 1).map(AsRef::as_ref);
        }
        if let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) {
            // A cluster like `-vp 22`: the first option taking a value consumes the rest or
            // the next argument.
            for (k, c) in flags.char_indices() {
                if SSH_OPTS_WITH_ARG.contains(c) {
                    if k + c.len_utf8() == flags.len() {
                        i += 1;
                    }
                    break;
                }
            }
            i += 1;
            continue;
        }
        return Some(arg);
    }
    None
}

/// A plausible host name or address (no shell syntax left in it).
fn is_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._[]:%".contains(c))
        && host.chars().any(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(program: &str, args: &[&str]) -> (Vec<String>, Vec<String>) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (mut urls, mut hosts) = (Vec::new(), Vec::new());
        scan(program, &args, &mut urls, &mut hosts);
        (urls, hosts)
    }

    #[test]
    fn url_forms() {
        let (u, h) = run(
            "curl",
            &["--url=https://User@Example.com:8443/x?y", "-o", "f"],
        );
        assert_eq!(u, ["https://User@Example.com:8443/x?y"]);
        assert_eq!(h, ["example.com"]);
        let (u, h) = run("echo", &["see http://[::1]:80/a)."]);
        assert_eq!(u, ["http://[::1]:80/a"]);
        assert_eq!(h, ["::1"]);
        let (u, _) = run("echo", &["notaurl://x", "://x"]);
        assert!(u.is_empty());
    }

    #[test]
    fn ssh_forms() {
        assert_eq!(
            run("ssh", &["-p", "22", "-i", "k", "me@Box.lan", "ls"]).1,
            ["box.lan"]
        );
        assert_eq!(run("scp", &["f", "box:/tmp/"]).1, ["box"]);
        assert_eq!(run("rsync", &["-a", "./d", "u@h:/x"]).1, ["h"]);
        assert_eq!(
            run("git", &["clone", "git@github.com:o/r.git"]).1,
            ["github.com"]
        );
        assert!(run("cp", &["a:b", "c"]).1.is_empty());
    }
}

/// The host of a bash network redirection target (`/dev/tcp/HOST/PORT`, `/dev/udp/...`).
pub(crate) fn dev_tcp_host(path: &str) -> Option<String> {
    let rest = path
        .strip_prefix("/dev/tcp/")
        .or_else(|| path.strip_prefix("/dev/udp/"))?;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}
