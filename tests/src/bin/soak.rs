//! Memory soak: does the daemon give memory back? A real daemon (default rules, embedded
//! engine) in a temporary installation takes `--calls` calls from `--clients` concurrent
//! clients on its broker socket, then `--reloads` rule reloads on its control socket; its
//! resident memory (VmRSS) is read idle after start, at the end of the calls, at the end of the
//! reloads, and idle again after the daemon's idle trim. The last figure is compared with the
//! first.
//!
//! ```text
//! soak --bin-dir target/release [--hook-dir DIR] [--calls 100000] [--clients 64]
//!      [--reloads 500]
//! ```
//!
//! Calls go straight to the broker socket in the hook's framing (one connection per call, as
//! each hook process makes), so 100,000 of them take seconds rather than the minutes as many
//! process spawns would. `scripts/bench.sh` (`make bench`) runs it; the figures are in
//! BENCHMARKS.md.
// It reads `/proc` and talks over Unix sockets: on other systems it only says so.
#[cfg(unix)]
mod soak {
    use std::path::PathBuf;
    use std::process::ExitCode;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use prempti_e2e::calls::{Event, Kind};
    use prempti_e2e::install::Install;
    use prempti_protocol::control::{ControlEnvelope, ControlRequest, ControlResponse};
    use prempti_protocol::{frame, Agent, Decision, HookRequest, HookResponse};

    struct Args {
        bin_dir: PathBuf,
        hook_dir: Option<PathBuf>,
        calls: usize,
        clients: usize,
        reloads: usize,
    }

    fn args() -> Result<Args, String> {
        let mut out = Args {
            bin_dir: PathBuf::from("target/release"),
            hook_dir: None,
            calls: 100_000,
            clients: 64,
            reloads: 500,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
            let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
            match flag.as_str() {
                "--bin-dir" => out.bin_dir = PathBuf::from(value()?),
                "--hook-dir" => out.hook_dir = Some(PathBuf::from(value()?)),
                "--calls" => out.calls = number(value()?)?,
                "--clients" => out.clients = number(value()?)?.max(1),
                "--reloads" => out.reloads = number(value()?)?,
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(out)
    }

    /// `VmRSS` of `pid`, in KiB.
    fn rss_kib(pid: i32) -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn mib(kib: u64) -> String {
        format!("{:.1} MiB", kib as f64 / 1024.0)
    }

    /// RSS once it has settled: the daemon trims its heap after a quiet second; read until two
    /// readings a second apart agree within 64 KiB (at most 15 s).
    fn settled_rss(pid: i32) -> u64 {
        let mut last = rss_kib(pid);
        for _ in 0..15 {
            std::thread::sleep(Duration::from_secs(1));
            let now = rss_kib(pid);
            if now.abs_diff(last) < 64 {
                return now;
            }
            last = now;
        }
        last
    }

    fn one_call(install: &Install, payload: &str, nonce: u64) -> Result<Decision, String> {
        let socket = install.prempti_home.join("run/broker.sock");
        let mut stream = std::os::unix::net::UnixStream::connect(&socket)
            .map_err(|e| format!("connect {}: {e}", socket.display()))?;
        let request =
            HookRequest::new(Agent::ClaudeCode, std::process::id(), nonce, payload.into())
                .with_homes(Some(install.user_home.display().to_string()), None);
        frame::write_message(&mut stream, &request).map_err(|e| e.to_string())?;
        let response: HookResponse = frame::read_message(&mut stream, frame::MAX_RESPONSE_BYTES)
            .map_err(|e| e.to_string())?;
        Ok(response.decision)
    }

    fn reload(install: &Install) -> Result<(), String> {
        let socket = install.prempti_home.join("run/control.sock");
        let mut stream = std::os::unix::net::UnixStream::connect(&socket)
            .map_err(|e| format!("connect {}: {e}", socket.display()))?;
        let envelope = ControlEnvelope {
            request: ControlRequest::Reload,
            token: None,
        };
        frame::write_message(&mut stream, &envelope).map_err(|e| e.to_string())?;
        let response: ControlResponse =
            frame::read_message(&mut stream, 4 * 1024 * 1024).map_err(|e| e.to_string())?;
        if response.ok {
            Ok(())
        } else {
            Err(response.message)
        }
    }

    pub(crate) fn main() -> ExitCode {
        let args = match args() {
            Ok(a) => a,
            Err(e) => {
                eprintln!("soak: {e}");
                return ExitCode::from(2);
            }
        };
        let started = Instant::now();
        let install = Install::builder()
            .binaries(
                &args.bin_dir,
                args.hook_dir.as_ref().unwrap_or(&args.bin_dir),
            )
            .deadlines_ms(19_000)
            .start();
        let pid = install.daemon_pid().expect("daemon pid");
        let templates = [
            (
                Event::ClaudePreToolUse
                    .payload(Kind::Benign, "soak-benign", &install.project)
                    .to_string(),
                Decision::Allow,
            ),
            (
                Event::ClaudePreToolUse
                    .payload(Kind::Deny, "soak-deny", &install.project)
                    .to_string(),
                Decision::Deny,
            ),
        ];
        // Warm up (first compilation paths, thread pool), then idle memory.
        for i in 0..20 {
            let (payload, want) = &templates[i % 2];
            assert_eq!(one_call(&install, payload, i as u64), Ok(*want));
        }
        let idle_start = settled_rss(pid);

        let next = Arc::new(AtomicUsize::new(0));
        let calls_started = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..args.clients {
                let (next, templates, install) = (next.clone(), &templates, &install);
                s.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= args.calls {
                        break;
                    }
                    let (payload, want) = &templates[i % 2];
                    match one_call(install, payload, i as u64) {
                        Ok(got) if got == *want => {}
                        other => panic!("call {i}: expected {want}, got {other:?}"),
                    }
                });
            }
        });
        let calls_took = calls_started.elapsed();
        let after_calls = rss_kib(pid);

        let reloads_started = Instant::now();
        for i in 0..args.reloads {
            if let Err(e) = reload(&install) {
                eprintln!("soak: reload {i} failed: {e}");
                return ExitCode::FAILURE;
            }
        }
        let reloads_took = reloads_started.elapsed();
        let after_reloads = rss_kib(pid);
        let idle_end = settled_rss(pid);

        println!(
            "{} calls from {} clients in {:.1} s, {} reloads in {:.1} s (embedded engine, default rules)",
            args.calls,
            args.clients,
            calls_took.as_secs_f64(),
            args.reloads,
            reloads_took.as_secs_f64()
        );
        println!();
        println!("| daemon VmRSS | |");
        println!("|---|---|");
        println!(
            "| idle after start (20 warm-up calls) | {} |",
            mib(idle_start)
        );
        println!("| right after the calls | {} |", mib(after_calls));
        println!("| right after the reloads | {} |", mib(after_reloads));
        println!("| idle at the end | {} |", mib(idle_end));
        println!(
            "| idle at the end − idle after start | {:+.1} MiB |",
            (idle_end as f64 - idle_start as f64) / 1024.0
        );
        println!();
        println!("{:.0} s in all", started.elapsed().as_secs_f64());
        ExitCode::SUCCESS
    }
}

#[cfg(unix)]
fn main() -> std::process::ExitCode {
    soak::main()
}

#[cfg(not(unix))]
fn main() -> std::process::ExitCode {
    eprintln!("soak: the memory soak reads /proc and Unix sockets; run it on Linux");
    std::process::ExitCode::from(2)
}
