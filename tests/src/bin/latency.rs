//! End-to-end hook latency, as an agent sees it: wall time from spawning `prempti-hook claude`
//! (payload on stdin, stdout read to the end) to its exit, against a real daemon in a
//! temporary installation with the default rules, for 1 and 64 concurrent clients, side by
//! side with spawning an empty program (`/bin/true`) the same way; and the daemon's resident
//! memory (VmRSS) idle and at its peak during the 64-client run.
//!
//! ```text
//! latency --bin-dir target/release --hook-dir target/hook [--rounds-1 N] [--rounds-64 N]
//!         [--falco /path/to/falco]
//! ```
//!
//! With `--falco`, the installation runs the Falco engine (`install --engine falco`; the
//! plugin library must be in `--bin-dir`) instead of the embedded one, and Falco's memory is
//! reported beside the daemon's. Either way the table ends with the server-side time of the
//! measured calls: the audit records' `latency_us` (broker accept to verdict, as the host
//! measures it), median and p90.
//!
//! `scripts/bench.sh` (`make bench`) builds the release binaries and runs this. Each client
//! thread runs rounds of three spawns (benign call, denied call, empty program) in rotating
//! order, so the three columns share the machine's noise. Every reply is checked (allow for
//! the benign call, deny for the denied one); a wrong or failed reply aborts the run.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use prempti_e2e::calls::{Event, Kind};
use prempti_e2e::install::Install;

const EMPTY: &str = "/bin/true";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Program {
    Benign,
    Denied,
    Empty,
}

const PROGRAMS: [Program; 3] = [Program::Benign, Program::Denied, Program::Empty];

impl Program {
    fn label(self) -> &'static str {
        match self {
            Program::Benign => "prempti-hook claude, benign (allow)",
            Program::Denied => "prempti-hook claude, denied (deny)",
            Program::Empty => "/bin/true (empty program)",
        }
    }
}

struct Args {
    bin_dir: PathBuf,
    hook_dir: PathBuf,
    rounds_1: usize,
    rounds_64: usize,
    falco: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        bin_dir: PathBuf::from("target/release"),
        hook_dir: PathBuf::from("target/hook"),
        rounds_1: 1000,
        rounds_64: 32,
        falco: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bin-dir" => args.bin_dir = PathBuf::from(value()?),
            "--hook-dir" => args.hook_dir = PathBuf::from(value()?),
            "--rounds-1" => {
                args.rounds_1 = value()?.parse().map_err(|e| format!("--rounds-1: {e}"))?
            }
            "--rounds-64" => {
                args.rounds_64 = value()?.parse().map_err(|e| format!("--rounds-64: {e}"))?
            }
            "--falco" => args.falco = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    for dir in [&mut args.bin_dir, &mut args.hook_dir] {
        *dir = dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(args)
}

/// Spawns `program` with `stdin` piped in and stdout/stderr piped out; returns the wall time
/// from spawn to exit and stdout.
fn spawn_timed(
    program: &Path,
    arg: Option<&str>,
    env: &[(&str, String)],
    stdin: &[u8],
) -> (Duration, bool, String) {
    let mut command = Command::new(program);
    command
        .args(arg)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let start = Instant::now();
    let mut child = command.spawn().expect("spawn");
    if let Some(mut input) = child.stdin.take() {
        // /bin/true does not read its stdin: a broken pipe is expected there.
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output().expect("wait");
    let elapsed = start.elapsed();
    (
        elapsed,
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Durations per program for `clients` threads × `rounds` rounds.
fn run(install: &Install, clients: usize, rounds: usize) -> [Vec<Duration>; 3] {
    let hook = install.prempti_home.join("bin/prempti-hook");
    let env: Arc<Vec<(&str, String)>> = Arc::new(vec![
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("HOME", install.user_home.display().to_string()),
        ("PREMPTI_HOME", install.prempti_home.display().to_string()),
        ("PREMPTI_TIMEOUT_MS", install.hook_timeout_ms.to_string()),
    ]);
    let benign = Event::ClaudePreToolUse
        .payload(Kind::Benign, "e2e-bench", &install.project)
        .to_string();
    let denied = Event::ClaudePreToolUse
        .payload(Kind::Deny, "e2e-bench", &install.project)
        .to_string();
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let (hook, env, benign, denied) =
                (hook.clone(), env.clone(), benign.clone(), denied.clone());
            std::thread::spawn(move || {
                let mut times: [Vec<Duration>; 3] = Default::default();
                for round in 0..rounds {
                    for k in 0..3 {
                        let index = (round + t + k) % 3;
                        let (elapsed, ok, stdout) = match PROGRAMS[index] {
                            Program::Benign => {
                                spawn_timed(&hook, Some("claude"), &env, benign.as_bytes())
                            }
                            Program::Denied => {
                                spawn_timed(&hook, Some("claude"), &env, denied.as_bytes())
                            }
                            Program::Empty => spawn_timed(Path::new(EMPTY), None, &env, b""),
                        };
                        let want = match PROGRAMS[index] {
                            Program::Benign => Some("\"permissionDecision\":\"allow\"}"),
                            Program::Denied => Some("Download piped into a shell: "),
                            Program::Empty => None,
                        };
                        assert!(ok, "{} failed", PROGRAMS[index].label());
                        if let Some(want) = want {
                            assert!(
                                stdout.contains(want),
                                "{}: unexpected reply {stdout}",
                                PROGRAMS[index].label()
                            );
                        }
                        times[index].push(elapsed);
                    }
                }
                times
            })
        })
        .collect();
    let mut all: [Vec<Duration>; 3] = Default::default();
    for t in threads {
        let times = t.join().expect("client thread");
        for (a, b) in all.iter_mut().zip(times) {
            a.extend(b);
        }
    }
    all
}

struct Stats {
    n: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    mean: f64,
}

fn stats(times: &mut [Duration]) -> Stats {
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let pct = |p: f64| {
        let i = ((p * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1;
        us(times[i])
    };
    Stats {
        n: times.len(),
        p50: pct(0.50),
        p90: pct(0.90),
        p99: pct(0.99),
        mean: times.iter().map(|d| us(*d)).sum::<f64>() / times.len() as f64,
    }
}

/// `VmRSS` and `VmHWM` of `pid`, in KiB.
fn rss_kib(pid: i32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn print_table(clients: usize, results: &mut [Vec<Duration>; 3]) {
    let s: Vec<Stats> = results.iter_mut().map(|t| stats(t)).collect();
    let empty = &s[2];
    println!();
    println!(
        "{clients} concurrent client(s), {} spawns per program",
        empty.n
    );
    println!();
    println!("| program | p50 | p90 | p99 | mean | p50 ratio | p90 ratio | p99 ratio |");
    println!("|---|---|---|---|---|---|---|---|");
    for (program, st) in PROGRAMS.iter().zip(&s) {
        let ratio = |a: f64, b: f64| {
            if *program == Program::Empty {
                "1.00".to_owned()
            } else {
                format!("{:.2}", a / b)
            }
        };
        println!(
            "| {} | {:.0} µs | {:.0} µs | {:.0} µs | {:.0} µs | {} | {} | {} |",
            program.label(),
            st.p50,
            st.p90,
            st.p99,
            st.mean,
            ratio(st.p50, empty.p50),
            ratio(st.p90, empty.p90),
            ratio(st.p99, empty.p99),
        );
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cpus} CPUs ({model}), load average {}", loadavg())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The server-side time of the measured calls, from the audit records' `latency_us`: the
/// hook calls of the `warmup` rounds first (2 per round), then those of the `one_rounds` of the
/// 1-client run, then those of the `many_rounds` of the 64-client run.
fn server_side(install: &Install, warmup: usize, one_rounds: usize, many_rounds: usize) {
    let records: Vec<u64> = install
        .audit()
        .iter()
        .filter(|r| r["health"] != true)
        .filter_map(|r| r["latency_us"].as_u64())
        .collect();
    let skip = 2 * warmup;
    let one_end = (skip + 2 * one_rounds).min(records.len());
    let pct = |v: &[u64], p: f64| -> u64 {
        let mut v = v.to_vec();
        v.sort_unstable();
        if v.is_empty() {
            return 0;
        }
        let i = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    };
    let one = &records[skip.min(records.len())..one_end];
    let many = &records[one_end..(one_end + 2 * many_rounds).min(records.len())];
    println!();
    println!("| server side (audit `latency_us`) | calls | p50 | p90 |");
    println!("|---|---|---|---|");
    for (label, v) in [("1 client", one), ("64 clients", many)] {
        println!(
            "| {label} | {} | {} µs | {} µs |",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.9)
        );
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("latency: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut builder = Install::builder()
        .binaries(&args.bin_dir, &args.hook_dir)
        .deadlines_ms(19_000);
    if let Some(falco) = &args.falco {
        builder = builder.falco_engine(falco);
    }
    let install = builder.start();
    let pid = install.daemon_pid().expect("daemon pid");
    let falco_pid = install.status()["falco_pid"]
        .as_u64()
        .and_then(|p| i32::try_from(p).ok());
    println!("machine: {}", machine());
    println!(
        "binaries: premptictl from {}, prempti-hook from {}",
        args.bin_dir.display(),
        args.hook_dir.display()
    );
    match (&args.falco, falco_pid) {
        (Some(falco), Some(fpid)) => println!(
            "daemon pid {pid}, engine falco ({}, pid {fpid}), default rules, mode guardrails",
            falco.display()
        ),
        _ => println!("daemon pid {pid}, engine embedded, default rules, mode guardrails"),
    }

    // Warm up (page cache, first compilation paths), then measure idle memory.
    let _ = run(&install, 1, 20);
    std::thread::sleep(Duration::from_millis(300));
    let (idle_rss, _) = rss_kib(pid);

    let mut one = run(&install, 1, args.rounds_1);
    print_table(1, &mut one);

    let peak = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                peak.fetch_max(rss_kib(pid).0, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let mut many = run(&install, 64, args.rounds_64);
    stop.store(true, Ordering::SeqCst);
    sampler.join().expect("sampler");
    print_table(64, &mut many);
    std::thread::sleep(Duration::from_millis(300));
    let (after_rss, hwm) = rss_kib(pid);
    server_side(&install, 20, args.rounds_1, 64 * args.rounds_64);

    println!();
    println!("| daemon memory | VmRSS |");
    println!("|---|---|");
    println!(
        "| idle (after start and 20 warm-up calls) | {} |",
        mib(idle_rss)
    );
    println!(
        "| peak sampled every 5 ms during the 64-client run | {} |",
        mib(peak.load(Ordering::SeqCst))
    );
    println!("| VmHWM (high-water mark since start) | {} |", mib(hwm));
    println!("| idle after the runs | {} |", mib(after_rss));
    if let Some(fpid) = falco_pid {
        let (rss, hwm) = rss_kib(fpid);
        println!("| Falco: idle after the runs | {} |", mib(rss));
        println!("| Falco: VmHWM | {} |", mib(hwm));
    }
    println!();
    let calls = install.status()["counters"]["calls"].as_u64().unwrap_or(0);
    println!(
        "{calls} calls decided by the daemon, load average {} at the end, {:.0} s in all",
        loadavg(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
