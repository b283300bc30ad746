//! Test helpers: a temporary installation, a scripted broker on a real Unix socket, and a
//! runner for the real `prempti-hook` binary.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

use prempti_protocol::frame;
use prempti_protocol::{Decision, HookRequest, HookResponse};
use serde_json::Value;

/// The hook binary under test.
pub(crate) fn hook_bin() -> &'static str {
    env!("CARGO_BIN_EXE_prempti-hook")
}

/// Repository root (for the shared payload fixtures).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture payload from `tests/fixtures/payloads/<agent>/<name>`.
pub(crate) fn fixture(agent: &str, name: &str) -> String {
    let path = repo_root()
        .join("tests/fixtures/payloads")
        .join(agent)
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `payload` with a `test_verdict` marker the scripted broker answers by.
pub(crate) fn with_marker(payload: &str, decision: Decision) -> String {
    let mut value: Value = serde_json::from_str(payload).expect("fixture is JSON");
    value
        .as_object_mut()
        .expect("fixture is an object")
        .insert("test_verdict".into(), format!("verdict:{decision}").into());
    serde_json::to_string_pretty(&value).expect("serializes")
}

/// A temporary `PREMPTI_HOME` and `HOME`.
pub(crate) struct Install {
    /// Keeps the directory alive.
    pub(crate) dir: tempfile::TempDir,
}

impl Install {
    pub(crate) fn new() -> Install {
        let dir = tempfile::Builder::new()
            .prefix("prempti-hook-test")
            .tempdir()
            .expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let run = dir.path().join("prempti/run");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        Install { dir }
    }

    pub(crate) fn prempti_home(&self) -> PathBuf {
        self.dir.path().join("prempti")
    }

    pub(crate) fn socket(&self) -> PathBuf {
        self.prempti_home().join("run/broker.sock")
    }

    /// Starts a broker with `behaviour` on this installation's socket.
    pub(crate) fn broker(&self, behaviour: Behaviour) -> Broker {
        Broker::start_at(&self.socket(), behaviour)
    }

    /// A hook run with this installation's environment.
    pub(crate) fn hook(&self, agent: &str) -> HookRun {
        HookRun {
            args: vec![agent.to_owned()],
            env: vec![
                (
                    "HOME".into(),
                    self.dir.path().join("home").display().to_string(),
                ),
                (
                    "PREMPTI_HOME".into(),
                    self.prempti_home().display().to_string(),
                ),
            ],
            stdin: Vec::new(),
            tmp: self.dir.path().to_path_buf(),
        }
    }
}

/// How the test broker treats a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Answers by the `verdict:<decision>` marker in the payload (defer when there is none).
    Script,
    /// Reads the request and never answers.
    Hang,
    /// Accepts the connection and never reads from it.
    NeverRead,
    /// Closes the connection as soon as it is accepted.
    CloseAtOnce,
    /// Sends part of a frame, then closes.
    CloseMidResponse,
    /// Sends a well-framed body that is not a response.
    Garbage,
    /// Sends bytes that are not framed at all.
    Unframed,
    /// Declares a frame larger than the hook accepts.
    Oversized,
    /// Answers with another request's nonce.
    WrongNonce,
    /// Answers with another protocol version.
    WrongVersion,
}

/// A broker double listening on a real Unix socket.
pub(crate) struct Broker {
    /// Every request received, in order.
    pub(crate) requests: Arc<Mutex<Vec<HookRequest>>>,
}

impl Broker {
    /// Starts a broker with `behaviour` listening on `socket`.
    pub(crate) fn start_at(socket: &Path, behaviour: Behaviour) -> Broker {
        let listener = UnixListener::bind(socket).expect("bind test broker");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let seen = Arc::clone(&seen);
                thread::spawn(move || serve(stream, behaviour, &seen));
            }
        });
        Broker { requests }
    }

    pub(crate) fn requests(&self) -> Vec<HookRequest> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: UnixStream, behaviour: Behaviour, seen: &Mutex<Vec<HookRequest>>) {
    match behaviour {
        Behaviour::CloseAtOnce => return,
        Behaviour::NeverRead => {
            // Hold the connection open, unread, well past any deadline the tests use; the
            // thread is detached, so this does not slow the test down.
            thread::sleep(std::time::Duration::from_secs(60));
            drop(stream);
            return;
        }
        _ => {}
    }
    let request: HookRequest =
        match frame::read_message(&mut stream, frame::DEFAULT_MAX_REQUEST_BYTES) {
            Ok(r) => r,
            Err(_) => return,
        };
    seen.lock().unwrap().push(request.clone());
    let reply = |response: &HookResponse, stream: &mut UnixStream| {
        let _ = frame::write_message(stream, response);
    };
    match behaviour {
        Behaviour::Script => {
            let decision = ["deny", "ask", "allow", "defer"]
                .into_iter()
                .find(|d| request.payload.contains(&format!("verdict:{d}")))
                .and_then(|d| d.parse::<Decision>().ok())
                .unwrap_or(Decision::Defer);
            let reason = match decision {
                Decision::Deny => {
                    "Test deny rule: the payload asked to be denied (marker verdict:deny)"
                }
                Decision::Ask => {
                    "Test ask rule: the payload asked for a confirmation (marker verdict:ask)"
                }
                Decision::Allow | Decision::Defer => "",
            };
            reply(
                &HookResponse::new(request.nonce, 1, decision, reason.into()),
                &mut stream,
            );
        }
        Behaviour::Hang => {
            // Wait until the hook closes its end.
            let mut sink = Vec::new();
            let _ = stream.read_to_end(&mut sink);
        }
        Behaviour::CloseMidResponse => {
            let _ = stream.write_all(&100u32.to_be_bytes());
            let _ = stream.write_all(b"{\"version\":1");
        }
        Behaviour::Garbage => {
            let body = b"this is not a response";
            let _ = stream.write_all(&(body.len() as u32).to_be_bytes());
            let _ = stream.write_all(body);
        }
        Behaviour::Unframed => {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
        Behaviour::Oversized => {
            let _ = stream.write_all(&(2 * 1024 * 1024u32).to_be_bytes());
            let _ = stream.write_all(&[b' '; 4096]);
        }
        Behaviour::WrongNonce => {
            let response = HookResponse::new(
                request.nonce.wrapping_add(1),
                1,
                Decision::Allow,
                String::new(),
            );
            reply(&response, &mut stream);
        }
        Behaviour::WrongVersion => {
            let mut response = HookResponse::new(request.nonce, 1, Decision::Allow, String::new());
            response.version = 99;
            reply(&response, &mut stream);
        }
        Behaviour::CloseAtOnce | Behaviour::NeverRead => {}
    }
}

/// One run of the real hook binary.
pub(crate) struct HookRun {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Vec<u8>,
    tmp: PathBuf,
}

/// What the hook printed and how it exited.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) code: i32,
    /// Whether all of stdin was written (the hook read it to the end).
    pub(crate) stdin_consumed: bool,
    tmp: PathBuf,
}

impl HookRun {
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
        self
    }

    pub(crate) fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = data.into();
        self
    }

    pub(crate) fn run(self) -> Outcome {
        let mut child = Command::new(hook_bin())
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn prempti-hook");
        let mut stdin = child.stdin.take().unwrap();
        let data = self.stdin;
        let writer = thread::spawn(move || stdin.write_all(&data).is_ok());
        let output = child.wait_with_output().expect("wait for prempti-hook");
        let stdin_consumed = writer.join().unwrap();
        Outcome {
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
            code: output.status.code().unwrap_or(-1),
            stdin_consumed,
            tmp: self.tmp,
        }
    }
}

impl Outcome {
    /// The outcome in the golden-file format, with the temporary directory replaced by `$TMP`.
    pub(crate) fn golden_text(&self) -> String {
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        text.replace(&self.tmp.display().to_string(), "$TMP")
    }

    /// stdout parsed as one JSON object.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

/// Compares `actual` with `tests/golden/<name>.txt`; `PREMPTI_BLESS=1` rewrites the file.
pub(crate) fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("PREMPTI_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with PREMPTI_BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "golden {name} differs (PREMPTI_BLESS=1 to update)"
    );
}
