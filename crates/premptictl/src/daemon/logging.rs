//! The daemon's log: `tracing` events as text lines in `log/daemon.log`, rotated by size, and
//! copied to stderr when it is a terminal (foreground runs) or captured (systemd's journal).

use std::io::{self, IsTerminal as _, Write};
use std::sync::Arc;

use prempti_plugin::rotate::{RotatingFile, RotationPolicy};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// A `MakeWriter` that sends each formatted event to the rotating file as one line.
#[derive(Clone)]
struct RotatingWriter {
    file: Arc<RotatingFile>,
    stderr: bool,
}

/// Buffers one event and writes it whole on drop.
struct LineWriter {
    file: Arc<RotatingFile>,
    stderr: bool,
    buf: Vec<u8>,
}

impl Write for LineWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let _ = self.file.write_line(&self.buf);
        if self.stderr {
            let _ = io::stderr().write_all(&self.buf);
        }
    }
}

impl<'a> MakeWriter<'a> for RotatingWriter {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            file: self.file.clone(),
            stderr: self.stderr,
            buf: Vec::with_capacity(256),
        }
    }
}

/// Installs the global subscriber: `info` by default, `-v` debug, `-vv` trace; `RUST_LOG`
/// overrides. Fails only when the log file cannot be opened.
pub fn init(path: &std::path::Path, policy: RotationPolicy, verbose: u8) -> anyhow::Result<()> {
    let file = RotatingFile::open(path, policy).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the daemon log: {e}; check the permissions of the log directory"
        )
    })?;
    // systemd's journal captures stderr; a detached or launchd daemon's stderr is
    // log/daemon.stderr, which then keeps only what comes before this log is open (and panics).
    let stderr = io::stderr().is_terminal() || std::env::var_os("INVOCATION_ID").is_some();
    let level = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(false)
        .with_writer(RotatingWriter {
            file: Arc::new(file),
            stderr,
        })
        .try_init();
    Ok(())
}
