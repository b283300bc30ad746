//! URLs and host names in arguments.
//!
//! A URL is `scheme://...` with a network scheme, anywhere in an argument (so `--url=https://x`
//! counts); it ends at whitespace or a quote. Hosts come from those URLs, from `user@host:path`
//! arguments of any program (`git clone git@github.com:o/r`), from `host:path` operands of
//! scp-like tools, from the destination operand, forwardings (`-L`/`-R`), `-W`, `-J` and
//! `-o ProxyJump=`/`HostName=` of ssh-like tools, and from socket tools: the host operand of
//! `nc`/`ncat`/`netcat` and `telnet`, socat addresses (`TCP:host:port`, ...), `openssl
//! s_client -connect host:port`. Only text found in such a place is a host, and every host
//! goes through [`normalize_host`] (so `1.2.3` in an ordinary argument is no host).

use crate::host::{normalize_host, url_host};
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

/// Netcat and its variants: `nc [options] host port`.
const NETCAT: &[&str] = &["nc", "ncat", "netcat", "nc.openbsd", "nc.traditional"];
/// Short options of netcat variants that take a value.
const NC_OPTS_WITH_ARG: &str = "psweicxXqPOITMmo";
/// Long options of `ncat` that take a value (`--proxy host:port` is also a host).
const NC_LONG_WITH_ARG: &[&str] = &[
    "proxy",
    "proxy-type",
    "proxy-auth",
    "proxy-dns",
    "source",
    "source-port",
    "exec",
    "sh-exec",
    "lua-exec",
    "wait",
    "idle-timeout",
    "output",
    "hex-dump",
    "max-conns",
    "allow",
    "allowfile",
    "deny",
    "denyfile",
    "ssl-cert",
    "ssl-key",
    "ssl-trustfile",
    "ssl-ciphers",
    "ssl-servername",
    "ssl-alpn",
    "delay",
];
/// Options of `telnet` that take a value.
const TELNET_OPTS_WITH_ARG: &str = "lebnSXk";
/// Boolean options of `openssl s_client` that may come right before a `host:port` operand.
const S_CLIENT_FLAGS: &[&str] = &[
    "-quiet",
    "-brief",
    "-showcerts",
    "-debug",
    "-msg",
    "-state",
    "-status",
    "-crlf",
    "-ign_eof",
    "-no_ign_eof",
    "-prexit",
    "-reconnect",
    "-nbio",
    "-tls1_2",
    "-tls1_3",
    "-4",
    "-6",
];

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
            push_host(hosts, host);
        }
    }
    if SCP_LIKE.contains(&program) {
        for arg in args
            .iter()
            .map(AsRef::as_ref)
            .filter(|a| !a.starts_with('-'))
        {
            if let Some(host) = host_colon_path(arg) {
                push_host(hosts, host);
            }
        }
    }
    if SSH_LIKE.contains(&program) {
        ssh(program, args, hosts);
    } else if NETCAT.contains(&program) {
        netcat(args, hosts);
    } else if program == "socat" {
        for arg in args.iter().map(AsRef::as_ref) {
            for address in arg.split("!!") {
                socat_address(address, hosts);
            }
        }
    } else if program == "telnet" {
        let first = parse_options(args, TELNET_OPTS_WITH_ARG, &[])
            .into_iter()
            .find_map(|a| match a {
                Opt::Operand(op) => Some(op),
                _ => None,
            });
        if let Some(host) = first {
            push_host(hosts, host);
        }
    } else if program == "openssl" {
        openssl(args, hosts);
    }
}

/// The host of bash's `/dev/tcp/HOST/PORT` or `/dev/udp/HOST/PORT` redirection target,
/// normalized; `None` for any other path or a host with shell syntax left in it.
pub(crate) fn dev_tcp_host(path: &str) -> Option<String> {
    let rest = path
        .strip_prefix("/dev/tcp/")
        .or_else(|| path.strip_prefix("/dev/udp/"))?;
    let (host, port) = rest.split_once('/')?;
    if port.is_empty() || !is_hostname(host) {
        return None;
    }
    normalize_host(host)
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
        if let Some(host) = url_host(url) {
            push_unique(hosts, &host);
        }
        from += len;
    }
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'.' || b == b'-'
}

/// Records `[user@]host[:port]` (or a bracketed IPv6 literal), normalized, when it is a
/// plausible host.
fn push_host(hosts: &mut Vec<String>, raw: &str) {
    let host = strip_user(raw);
    if !is_hostname(host) {
        return;
    }
    if let Some(host) = normalize_host(host) {
        push_unique(hosts, &host);
    }
}

/// `host` from `user@host`.
fn strip_user(s: &str) -> &str {
    match s.rfind('@') {
        Some(i) => &s[i + 1..],
        None => s,
    }
}

/// `host` from `user@host:path` (not a URL, no `/` before the `@`).
fn user_at_host(arg: &str) -> Option<&str> {
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
    Some(host)
}

/// `host` from `[user@]host:path` or `host::module` (scp, rsync).
fn host_colon_path(arg: &str) -> Option<&str> {
    if arg.contains("://") {
        return None;
    }
    let colon = arg.find(':')?;
    let before = &arg[..colon];
    if before.contains('/') {
        return None;
    }
    let host = strip_user(before);
    is_hostname(host).then_some(host)
}

/// One command-line item, as getopt reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt<'a> {
    /// `-x`, `-x value`, `-xvalue` (in a cluster, the first option taking a value takes the
    /// rest of the cluster or the next argument).
    Short(char, Option<&'a str>),
    /// `--name`, `--name=value`, `--name value`.
    Long(&'a str, Option<&'a str>),
    /// An operand (also `-` and everything after `--`).
    Operand(&'a str),
}

/// Splits `args` into options and operands; `short_with_arg` and `long_with_arg` name the
/// options that take a value.
fn parse_options<'a, A: AsRef<str>>(
    args: &'a [A],
    short_with_arg: &str,
    long_with_arg: &[&str],
) -> Vec<Opt<'a>> {
    let mut out = Vec::new();
    let mut iter = args.iter().map(AsRef::as_ref);
    let mut operands_only = false;
    while let Some(arg) = iter.next() {
        if operands_only || arg == "-" || !arg.starts_with('-') {
            out.push(Opt::Operand(arg));
        } else if arg == "--" {
            operands_only = true;
        } else if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => out.push(Opt::Long(name, Some(value))),
                None if long_with_arg.contains(&long) => out.push(Opt::Long(long, iter.next())),
                None => out.push(Opt::Long(long, None)),
            }
        } else {
            let flags = &arg[1..];
            for (k, c) in flags.char_indices() {
                if short_with_arg.contains(c) {
                    let rest = &flags[k + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        iter.next()
                    } else {
                        Some(rest)
                    };
                    out.push(Opt::Short(c, value));
                    break;
                }
                out.push(Opt::Short(c, None));
            }
        }
    }
    out
}

/// Hosts of an ssh-like command: the destination; for `ssh`/`autossh` also the hosts of
/// `-L`/`-R` forwardings, `-W host:port`, `-J` jump hosts and `-o ProxyJump=`/`HostName=`.
fn ssh<A: AsRef<str>>(program: &str, args: &[A], hosts: &mut Vec<String>) {
    let opts = parse_options(args, SSH_OPTS_WITH_ARG, &[]);
    if let Some(Opt::Operand(dest)) = opts.iter().find(|o| matches!(o, Opt::Operand(_))) {
        // `ssh://user@host:port` was read as a URL.
        if !dest.contains("://") {
            push_host(hosts, dest);
        }
    }
    if program != "ssh" && program != "autossh" {
        return;
    }
    for opt in &opts {
        match *opt {
            Opt::Short('L' | 'R', Some(spec)) => {
                if let Some(host) = forward_host(spec) {
                    push_host(hosts, host);
                }
            }
            Opt::Short('W', Some(target)) => push_host(hosts, target),
            Opt::Short('J', Some(jumps)) => jump_hosts(jumps, hosts),
            Opt::Short('o', Some(option)) => {
                let (key, value) = option
                    .split_once(['=', ' ', '\t'])
                    .map_or((option, ""), |(k, v)| (k, v.trim_start_matches(['=', ' '])));
                if key.eq_ignore_ascii_case("ProxyJump") {
                    jump_hosts(value, hosts);
                } else if key.eq_ignore_ascii_case("HostName") {
                    push_host(hosts, value);
                }
            }
            _ => {}
        }
    }
}

/// `-J [user@]host[:port],...` or `ssh://` URLs.
fn jump_hosts(jumps: &str, hosts: &mut Vec<String>) {
    for jump in jumps.split(',') {
        if jump.contains("://") {
            if let Some(host) = url_host(jump) {
                push_unique(hosts, &host);
            }
        } else {
            push_host(hosts, jump);
        }
    }
}

/// The remote host of an ssh forwarding `[bind:]port:host:hostport` (also written
/// `[bind/]port/host/hostport`); `None` for sockets and dynamic forwardings.
fn forward_host(spec: &str) -> Option<&str> {
    let mut fields = split_fields(spec, ':');
    if fields.len() == 1 && !spec.starts_with('/') {
        fields = split_fields(spec, '/');
    }
    if fields.len() < 3 || fields.len() > 4 || fields.last()?.contains('/') {
        return None;
    }
    Some(fields[fields.len() - 2])
}

/// `s` split at `sep` outside `[...]`.
fn split_fields(s: &str, sep: char) -> Vec<&str> {
    let mut fields = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if c == sep && depth == 0 => {
                fields.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(&s[start..]);
    fields
}

/// `nc [options] host port`: the first operand, and `--proxy host:port`. In listen mode
/// (`-l`) a lone operand is the port, so there is a host only when it is not a number; with
/// `-U` (Unix sockets) there is none.
fn netcat<A: AsRef<str>>(args: &[A], hosts: &mut Vec<String>) {
    let opts = parse_options(args, NC_OPTS_WITH_ARG, NC_LONG_WITH_ARG);
    let has = |short: char, long: &str| {
        opts.iter().any(|o| match *o {
            Opt::Short(c, _) => c == short,
            Opt::Long(name, _) => name == long,
            Opt::Operand(_) => false,
        })
    };
    for opt in &opts {
        if let Opt::Long("proxy", Some(proxy)) = *opt {
            push_host(hosts, proxy);
        }
    }
    if has('U', "unixsock") {
        return;
    }
    let listen = has('l', "listen");
    let operands: Vec<&str> = opts
        .iter()
        .filter_map(|o| match *o {
            Opt::Operand(op) => Some(op),
            _ => None,
        })
        .collect();
    let host = match operands.as_slice() {
        [host, ..] if !listen => Some(*host),
        [host, _, ..] => Some(*host),
        [only] if !only.bytes().all(|b| b.is_ascii_digit() || b == b'-') => Some(*only),
        _ => None,
    };
    if let Some(host) = host {
        push_host(hosts, host);
    }
}

/// The hosts of one socat address: `TCP:host:port`, `OPENSSL:host:port`, `UDP4:host:port`,
/// `SOCKS4:proxy:host:port`, `PROXY:proxy:host:port`, ... (type case-insensitive, options
/// after `,`). Listening and local addresses have none.
fn socat_address(address: &str, hosts: &mut Vec<String>) {
    let Some((kind, params)) = address.split_once(':') else {
        return;
    };
    let kind = kind.to_ascii_uppercase();
    let relays = matches!(
        kind.as_str(),
        "SOCKS4" | "SOCKS4A" | "SOCKS5" | "SOCKS5-CONNECT" | "PROXY" | "PROXY-CONNECT"
    );
    let direct = matches!(
        kind.as_str(),
        "TCP"
            | "TCP4"
            | "TCP6"
            | "TCP-CONNECT"
            | "TCP4-CONNECT"
            | "TCP6-CONNECT"
            | "UDP"
            | "UDP4"
            | "UDP6"
            | "UDP-CONNECT"
            | "UDP4-CONNECT"
            | "UDP6-CONNECT"
            | "UDP-SENDTO"
            | "UDP4-SENDTO"
            | "UDP6-SENDTO"
            | "UDP-DATAGRAM"
            | "UDP4-DATAGRAM"
            | "UDP6-DATAGRAM"
            | "IP-SENDTO"
            | "IP4-SENDTO"
            | "IP6-SENDTO"
            | "IP-DATAGRAM"
            | "IP4-DATAGRAM"
            | "IP6-DATAGRAM"
            | "SCTP-CONNECT"
            | "SCTP4-CONNECT"
            | "SCTP6-CONNECT"
            | "DCCP-CONNECT"
            | "DCCP4-CONNECT"
            | "DCCP6-CONNECT"
            | "OPENSSL"
            | "OPENSSL-CONNECT"
            | "SSL"
            | "OPENSSL-DTLS-CLIENT"
    );
    if !direct && !relays {
        return;
    }
    let params = split_fields(params, ',')[0];
    let fields = split_fields(params, ':');
    push_host(hosts, fields[0]);
    if relays {
        // `PROXY:proxy:host:port`, or with the proxy's port: `SOCKS5:proxy:port:host:port`.
        let target = if fields.len() >= 4 { 2 } else { 1 };
        if let Some(host) = fields.get(target).filter(|_| fields.len() >= 3) {
            push_host(hosts, host);
        }
    }
}

/// `openssl s_client|s_time`: `-connect host:port` (or `-connect=`), `-host h`, `-proxy
/// host:port`, and a `host:port` operand (OpenSSL 3).
fn openssl<A: AsRef<str>>(args: &[A], hosts: &mut Vec<String>) {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    if !matches!(args.first(), Some(&("s_client" | "s_time"))) {
        return;
    }
    let mut i = 1;
    while i < args.len() {
        let arg = args[i];
        if let Some(option) = arg.strip_prefix('-') {
            let option = option.strip_prefix('-').unwrap_or(option);
            let (name, value) = option
                .split_once('=')
                .map_or((option, None), |(k, v)| (k, Some(v)));
            if matches!(name, "connect" | "host" | "proxy") {
                let value = value.or_else(|| {
                    i += 1;
                    args.get(i).copied()
                });
                if let Some(value) = value {
                    push_host(hosts, value);
                }
            }
        } else {
            let prev = args[i - 1];
            let after_flag = !prev.starts_with('-') || S_CLIENT_FLAGS.contains(&prev);
            let port_ok = arg
                .rsplit_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if after_flag && port_ok {
                push_host(hosts, arg);
            }
        }
        i += 1;
    }
}

/// A plausible host name or address (no shell syntax left in it): ASCII letters, digits,
/// `-._[]:%`, and non-ASCII letters (IDNA names, fullwidth forms).
fn is_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 1024
        && host.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "-._[]:%".contains(c)
                || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
        })
        && host.chars().any(char::is_alphanumeric)
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

    #[test]
    fn dev_tcp() {
        assert_eq!(
            dev_tcp_host("/dev/tcp/Evil.Test./4444").as_deref(),
            Some("evil.test")
        );
        assert_eq!(
            dev_tcp_host("/dev/udp/2852039166/53").as_deref(),
            Some("169.254.169.254")
        );
        assert_eq!(dev_tcp_host("/dev/tcp/::1/80").as_deref(), Some("::1"));
        assert_eq!(dev_tcp_host("/dev/tcp/host/http").as_deref(), Some("host"));
        assert_eq!(dev_tcp_host("/dev/tcp/host/"), None);
        assert_eq!(dev_tcp_host("/dev/tcp/host"), None);
        assert_eq!(dev_tcp_host("/dev/tcp//80"), None);
        assert_eq!(dev_tcp_host("/dev/tcp/$H/80"), None);
        assert_eq!(dev_tcp_host("/dev/null"), None);
        assert_eq!(dev_tcp_host("/tmp/dev/tcp/h/80"), None);
    }

    #[test]
    fn options() {
        use Opt::*;
        assert_eq!(
            parse_options(
                &[
                    "-vzw5",
                    "-p",
                    "1",
                    "--proxy=p:1",
                    "--wait",
                    "3",
                    "h",
                    "--",
                    "-x"
                ],
                "pw",
                &["wait"]
            ),
            [
                Short('v', None),
                Short('z', None),
                Short('w', Some("5")),
                Short('p', Some("1")),
                Long("proxy", Some("p:1")),
                Long("wait", Some("3")),
                Operand("h"),
                Operand("-x"),
            ]
        );
        assert_eq!(forward_host("8080:h:80"), Some("h"));
        assert_eq!(forward_host("[::1]:8080:[fe80::1]:80"), Some("[fe80::1]"));
        assert_eq!(forward_host("1.2.3.4:8080:/sock"), None);
        assert_eq!(forward_host("/tmp/a"), None);
        assert_eq!(forward_host("8080"), None);
    }
}
