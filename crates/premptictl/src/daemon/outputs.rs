//! Alert outputs of the embedded engine, configured like Falco's: `file_output` (append each
//! alert to a file, rotated by size), `stdout_output`, and `http_output` (POST each alert to a
//! URL).
//!
//! Alerts are rendered by the rule engine in Falco's format (JSON when `json_output` is on),
//! so falcosidekick or any other Falco consumer reads them unchanged. HTTP delivery is off the
//! hot path: alerts go into a bounded queue drained by one worker thread; when the queue is
//! full the alert is dropped and counted, never waited for.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use prempti_plugin::rotate::{RotatingFile, RotationPolicy};

use crate::config::{FalcoConfig, HttpOutput};

/// Alerts waiting for the HTTP worker at most.
pub const HTTP_QUEUE: usize = 1024;
/// Timeout of one HTTP POST.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Counters of the outputs.
#[derive(Debug, Default)]
pub struct OutputStats {
    /// Alerts written to the file.
    pub file: AtomicU64,
    /// Alerts posted successfully.
    pub http_sent: AtomicU64,
    /// Alerts whose POST failed.
    pub http_failed: AtomicU64,
    /// Alerts dropped because the HTTP queue was full.
    pub http_dropped: AtomicU64,
}

/// The configured outputs.
pub struct Outputs {
    file: Option<RotatingFile>,
    stdout: bool,
    http: Option<SyncSender<String>>,
    /// Counters.
    pub stats: Arc<OutputStats>,
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs")
            .field("file", &self.file.as_ref().map(RotatingFile::path))
            .field("stdout", &self.stdout)
            .field("http", &self.http.is_some())
            .finish()
    }
}

impl Outputs {
    /// Opens the outputs `config` enables. The HTTP worker thread ends when `Outputs` is
    /// dropped (after sending what is queued).
    pub fn open(config: &FalcoConfig, rotation: RotationPolicy) -> anyhow::Result<Outputs> {
        let file = match &config.file_output {
            Some(path) => Some(RotatingFile::open(path.clone(), rotation).map_err(|e| {
                anyhow::anyhow!("file_output: {e}; fix file_output.filename in config/falco.yaml")
            })?),
            None => None,
        };
        let stats = Arc::new(OutputStats::default());
        let http = if config.http_output.enabled {
            Some(spawn_http(&config.http_output, stats.clone())?)
        } else {
            None
        };
        Ok(Outputs {
            file,
            stdout: config.stdout_output,
            http,
            stats,
        })
    }

    /// The alerts file, when `file_output` is on.
    pub fn file_path(&self) -> Option<PathBuf> {
        self.file.as_ref().map(|f| f.path().to_owned())
    }

    /// Emits one rendered alert to every output.
    pub fn emit(&self, alert: &str) {
        if let Some(file) = &self.file {
            match file.write_line(alert.as_bytes()) {
                Ok(()) => {
                    self.stats.file.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::warn!("file_output: {e}"),
            }
        }
        if self.stdout {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{alert}");
        }
        if let Some(tx) = &self.http {
            match tx.try_send(alert.to_owned()) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    let dropped = self.stats.http_dropped.fetch_add(1, Ordering::Relaxed);
                    if dropped.is_multiple_of(100) {
                        tracing::warn!("http_output: queue full, dropping alerts (the receiver is too slow or down)");
                    }
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.stats.http_failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

fn spawn_http(config: &HttpOutput, stats: Arc<OutputStats>) -> anyhow::Result<SyncSender<String>> {
    if !config.url.starts_with("http://") {
        anyhow::bail!(
            "http_output.url {} is not supported: the embedded engine posts to plain http:// URLs \
             (a local falcosidekick, for example); use a local forwarder for https",
            config.url
        );
    }
    let (tx, rx) = sync_channel::<String>(HTTP_QUEUE);
    let url = config.url.clone();
    let user_agent = config.user_agent.clone();
    std::thread::Builder::new()
        .name("prempti-http-output".into())
        .spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(HTTP_TIMEOUT))
                .http_status_as_error(false)
                .build()
                .into();
            let mut last_error_logged = false;
            while let Ok(body) = rx.recv() {
                let result = agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", &user_agent)
                    .send(body.as_bytes());
                match result {
                    Ok(response) if response.status().is_success() => {
                        stats.http_sent.fetch_add(1, Ordering::Relaxed);
                        last_error_logged = false;
                    }
                    Ok(response) => {
                        stats.http_failed.fetch_add(1, Ordering::Relaxed);
                        if !last_error_logged {
                            tracing::warn!("http_output: {url} answered {}", response.status());
                            last_error_logged = true;
                        }
                    }
                    Err(e) => {
                        stats.http_failed.fetch_add(1, Ordering::Relaxed);
                        if !last_error_logged {
                            tracing::warn!("http_output: cannot post to {url}: {e}");
                            last_error_logged = true;
                        }
                    }
                }
            }
        })
        .map_err(|e| anyhow::anyhow!("cannot start the http_output worker: {e}"))?;
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpListener;

    #[test]
    fn file_and_http_outputs_receive_each_alert() {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .unwrap();
            (head, String::from_utf8(body).unwrap())
        });
        let mut config = FalcoConfig::defaults(dir.path());
        config.file_output = Some(dir.path().join("alerts.jsonl"));
        config.http_output = HttpOutput {
            enabled: true,
            url: format!("http://127.0.0.1:{port}/"),
            user_agent: "falcosecurity/falco".into(),
        };
        let outputs = Outputs::open(&config, RotationPolicy::default()).unwrap();
        outputs.emit(r#"{"rule":"r"}"#);
        let (head, body) = server.join().unwrap();
        assert!(head.starts_with("POST / HTTP/1.1"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
        assert_eq!(body, r#"{"rule":"r"}"#);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap(),
            "{\"rule\":\"r\"}\n"
        );
    }

    #[test]
    fn https_urls_are_refused_with_advice() {
        let mut config = FalcoConfig::defaults(std::path::Path::new("/h"));
        config.file_output = None;
        config.http_output.enabled = true;
        config.http_output.url = "https://example.invalid/".into();
        let err = Outputs::open(&config, RotationPolicy::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain http://"), "{err}");
    }
}
