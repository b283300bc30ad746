//! Whether a shell command signals Prempti's own processes: the daemon (`premptictl
//! daemon`), the Falco it runs, or every process of the user.
//!
//! Process selection is a small language of its own (`pkill -f PATTERN`, `killall NAME`,
//! `pgrep ... | xargs kill`, `ps aux | grep X | awk ... | xargs kill`, `kill PID`), so the
//! selectors a command uses are matched against the command lines of Prempti's processes
//! here, where the installation is known, rather than spelled out in rules.

use prempti_shell::{Analysis, Program};

/// Programs that send signals to the processes they select.
const KILLERS: &[&str] = &[
    "kill",
    "pkill",
    "killall",
    "skill",
    "snice",
    "taskkill",
    "Stop-Process",
    // PowerShell's analysis lower-cases cmdlets and aliases.
    "stop-process",
    "spps",
];
/// Programs whose patterns select processes for a later `kill` in the same command.
const SELECTORS: &[&str] = &["pgrep", "pidof", "grep", "egrep", "fgrep", "rg", "awk"];

/// Pids of Prempti's processes as seen from here: this process (the daemon, or the Falco
/// that hosts the plugin) and its parent (the daemon, when Falco hosts the plugin).
pub fn own_pids() -> Vec<u32> {
    #[cfg(unix)]
    {
        vec![std::process::id(), std::os::unix::process::parent_id()]
    }
    #[cfg(not(unix))]
    {
        vec![std::process::id()]
    }
}

/// Command lines of Prempti's processes for an installation at `prempti_home`.
fn process_lines(prempti_home: Option<&str>) -> Vec<String> {
    let mut lines = vec![
        "premptictl daemon".to_owned(),
        "premptictl".to_owned(),
        "falco".to_owned(),
    ];
    if let Some(home) = prempti_home {
        lines.push(format!("{home}/bin/premptictl daemon"));
        lines.push(format!("falco -c {home}/config/falco.yaml"));
    }
    lines
}

/// Whether `pattern` (an extended regular expression, as pkill and grep read it; a plain
/// substring when it does not compile) selects one of `lines`.
fn selects(pattern: &str, lines: &[String]) -> bool {
    if pattern.is_empty() {
        return false;
    }
    match regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
    {
        Ok(re) => lines.iter().any(|l| re.is_match(l)),
        Err(_) => lines.iter().any(|l| l.contains(pattern)),
    }
}

/// The non-option arguments of a program (options with a value are skipped for the
/// selector programs: `-s SIG`, `-u USER`, `-g GROUP`, `-t TERM`, `-P PPID`).
fn operands(p: &Program) -> Vec<&str> {
    let mut out = Vec::new();
    let mut args = p.args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "-s" | "-u" | "-U" | "-g" | "-G" | "-t" | "-P" | "-F" | "-n" | "--signal" | "-e" => {
                if a == "-e" && matches!(p.name.as_str(), "grep" | "egrep" | "fgrep" | "rg") {
                    if let Some(v) = args.next() {
                        out.push(v.as_str());
                    }
                } else {
                    args.next();
                }
            }
            other if other.starts_with('-') && other.len() > 1 => {}
            other => out.push(other),
        }
    }
    out
}

/// Whether the command signals Prempti's processes or every process of the user.
pub fn signals_prempti(analysis: &Analysis, prempti_home: Option<&str>, own_pids: &[u32]) -> bool {
    let programs = &analysis.programs;
    let kills = programs.iter().any(|p| KILLERS.contains(&p.name.as_str()));
    if !kills {
        return false;
    }
    let lines = process_lines(prempti_home);
    for p in programs {
        let name = p.name.as_str();
        let ops = operands(p);
        match name {
            "kill" => {
                for t in &ops {
                    // `kill -1` / `kill -- -1` / `kill 0`: every process of the user.
                    if matches!(*t, "-1" | "0") {
                        return true;
                    }
                    if let Ok(pid) = t.trim_start_matches('-').parse::<u32>() {
                        if own_pids.contains(&pid) {
                            return true;
                        }
                    }
                }
                if p.args.iter().any(|a| a == "-1") {
                    return true;
                }
            }
            "pkill" | "pgrep" | "skill" | "snice" => {
                if p.args.iter().any(|a| a == "-u" || a == "-U") && ops.is_empty() {
                    return true;
                }
                if ops.iter().any(|pat| selects(pat, &lines)) {
                    return true;
                }
            }
            "killall" | "pidof" => {
                let regex = p.args.iter().any(|a| a == "-r" || a == "--regexp");
                let hit = ops.iter().any(|n| {
                    if regex {
                        selects(n, &lines)
                    } else {
                        lines.iter().any(|l| l.split(' ').next() == Some(n))
                            || matches!(*n, "premptictl" | "falco")
                    }
                });
                if hit || (name == "killall" && p.args.iter().any(|a| a == "-u") && ops.is_empty())
                {
                    return true;
                }
            }
            "taskkill" | "Stop-Process" | "stop-process" | "spps"
                if p.args.iter().any(|a| {
                    let a = a.to_ascii_lowercase();
                    a.contains("prempti") || a == "falco" || a.starts_with("falco.")
                }) =>
            {
                return true;
            }
            // `Get-Process premptictl | Stop-Process`: the selection is the getter's.
            "get-process" | "gps" | "ps"
                if programs
                    .iter()
                    .any(|q| matches!(q.name.as_str(), "stop-process" | "spps"))
                    && ops.iter().any(|n| {
                        let n = n.to_ascii_lowercase();
                        n.contains("prempti") || n == "falco"
                    }) =>
            {
                return true;
            }
            _ if SELECTORS.contains(&name) => {
                if name == "awk" {
                    continue;
                }
                if ops.first().is_some_and(|pat| selects(pat, &lines)) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(cmd: &str) -> bool {
        let a = prempti_shell::analyze(cmd, Some("/p"));
        signals_prempti(&a, Some("/home/u/.prempti"), &[4242])
    }

    #[test]
    fn attacks_on_the_daemon() {
        for cmd in [
            "pkill -f premptictl",
            "pgrep -f 'ctl daemon' | xargs kill -9",
            "kill $(pgrep -f 'premptictl daemon')",
            "ps aux | grep premptictl | awk '{print $2}' | xargs kill",
            "killall premptictl",
            "killall -r 'prempt.*'",
            "kill -9 4242",
            "kill -9 -1",
            "pkill -9 falco",
            "pkill -u dev",
            "p=pkill; $p -f 'ctl d'",
        ] {
            assert!(signals(cmd), "{cmd}");
        }
    }

    #[test]
    fn powershell_stops_the_daemon() {
        for cmd in [
            "Stop-Process -Name premptictl -Force",
            "spps -Name falco",
            "Get-Process premptictl | Stop-Process",
        ] {
            let a = prempti_shell::analyze_powershell(cmd);
            let analysis = prempti_shell::Analysis {
                programs: a
                    .commands
                    .iter()
                    .map(|c| Program {
                        name: c.name.clone(),
                        path: c.name.clone(),
                        args: c.args.clone(),
                    })
                    .collect(),
                ..Default::default()
            };
            assert!(
                signals_prempti(&analysis, Some("/home/u/.prempti"), &[4242]),
                "{cmd}: {:?}",
                analysis.programs
            );
        }
    }

    #[test]
    fn ordinary_kills() {
        for cmd in [
            "kill $(lsof -ti:3000)",
            "kill %1",
            "kill -9 $(pgrep -f 'vite --port 5173')",
            "kill 4243",
            "killall -q vite",
            "pkill -f 'node server.js'",
            "grep -rn premptictl README.md",
        ] {
            assert!(!signals(cmd), "{cmd}");
        }
    }
}
