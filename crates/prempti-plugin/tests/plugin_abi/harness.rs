//! Shared test plumbing: plugin configurations in temp dirs, a runner over the loaded
//! library, hand-built plugin events, a hook client and an alert poster.

use std::ffi::CString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use falco_plugin::event::events::{Event, EventMetadata, EventToBytes};
use falco_plugin::source::PluginEvent;
use falco_plugin_runner::{CapturingPluginRunner, ExtractedField, PluginRunner};
use prempti_plugin::agents::ToolCall;

/// A plugin configuration rooted in a fresh temp dir.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    pub audit: PathBuf,
    pub intake_addr: String,
    pub token: String,
}

impl Setup {
    pub fn new() -> Setup {
        let dir = tempfile::Builder::new()
            .prefix("prempti-abi")
            .tempdir()
            .unwrap();
        let socket = dir.path().join("run").join("broker.sock");
        let audit = dir.path().join("log").join("audit.jsonl");
        std::fs::create_dir_all(audit.parent().unwrap()).unwrap();
        Setup {
            socket,
            audit,
            intake_addr: format!("127.0.0.1:{}", free_port()),
            token: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_owned(),
            dir,
        }
    }

    /// The init_config JSON, with `extra` keys merged in (e.g. `"mode":"monitor"`).
    pub fn config(&self, extra: &str) -> String {
        let mut json = serde_json::json!({
            "socket_path": self.socket,
            "intake": {"address": self.intake_addr, "token": self.token},
            "audit": {"path": self.audit},
            "request_deadline_ms": 20000,
        });
        if !extra.is_empty() {
            let more: serde_json::Value = serde_json::from_str(&format!("{{{extra}}}")).unwrap();
            for (k, v) in more.as_object().unwrap() {
                json[k] = v.clone();
            }
        }
        json.to_string()
    }

    /// Registers the loaded plugin with `config` and starts a capture (opens the source).
    pub fn start(&self, config: &str) -> CapturingPluginRunner {
        let mut runner = PluginRunner::new();
        let config = CString::new(config).unwrap();
        runner
            .register_plugin(crate::ffi::api(), &config)
            .expect("plugin init");
        runner.start_capture().expect("plugin open")
    }

    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.audit)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plugin event carrying `call`, built byte for byte as `next_batch` builds it.
pub struct OwnedEvent {
    _buf: Vec<u8>,
    pub event: falco_plugin_runner::Event,
}

pub fn event_of(call: &ToolCall, num: u64) -> OwnedEvent {
    let data = prempti_plugin::event::encode(call);
    let event = Event {
        metadata: EventMetadata::default(),
        params: PluginEvent {
            plugin_id: prempti_plugin::falco::PLUGIN_ID,
            event_data: data.as_slice(),
        },
    };
    let mut buf = Vec::new();
    event.write(&mut buf).unwrap();
    let ptr = buf.as_mut_ptr().cast();
    OwnedEvent {
        event: falco_plugin_runner::Event {
            source: c"coding_agent".as_ptr(),
            source_plugin: std::ptr::null_mut(),
            to_string: None,
            buf: ptr,
            evt_num: Some(num),
        },
        _buf: buf,
    }
}

/// Extracts `field` through the ABI; panics if the plugin does not know the field or fails.
pub fn extract(
    runner: &mut CapturingPluginRunner,
    event: &falco_plugin_runner::Event,
    field: &str,
) -> ExtractedField {
    match runner.extract_field(event, field) {
        Some(Ok(v)) => v,
        Some(Err(rc)) => panic!("extracting {field} failed with rc {rc}"),
        None => panic!("the plugin does not export {field}"),
    }
}

/// Waits for the next event from the plugin's source, retrying on timeouts (bounded).
pub fn next_event(runner: &mut CapturingPluginRunner) -> falco_plugin_runner::Event {
    for _ in 0..400 {
        match runner.next_event() {
            Ok(ev) => return ev,
            Err(e) => {
                let timeout = e
                    .downcast_ref::<falco_plugin_runner::ScapStatus>()
                    .is_some_and(|s| matches!(s, falco_plugin_runner::ScapStatus::Timeout));
                assert!(timeout, "next_event failed: {e:#}");
            }
        }
    }
    panic!("no event from the plugin after 400 next_batch calls");
}

/// Sends one hook request over the broker socket from a thread; join to get the response.
#[cfg(unix)]
pub fn hook_call(
    socket: &Path,
    agent: prempti_protocol::Agent,
    payload: &str,
) -> std::thread::JoinHandle<prempti_protocol::HookResponse> {
    let request = prempti_protocol::HookRequest::new(agent, 4242, 99, payload.to_owned());
    hook_request(socket, request)
}

/// Sends `request` over the broker socket from a thread; join to get the response.
#[cfg(unix)]
pub fn hook_request(
    socket: &Path,
    request: prempti_protocol::HookRequest,
) -> std::thread::JoinHandle<prempti_protocol::HookResponse> {
    let socket = socket.to_path_buf();
    std::thread::spawn(move || {
        let mut stream =
            std::os::unix::net::UnixStream::connect(&socket).expect("connect to broker");
        prempti_protocol::frame::write_message(&mut stream, &request).unwrap();
        prempti_protocol::frame::read_message(
            &mut stream,
            prempti_protocol::frame::MAX_RESPONSE_BYTES,
        )
        .expect("broker response")
    })
}

/// Posts one Falco-style JSON alert to the intake; returns the HTTP status code.
pub fn post_alert(
    setup: &Setup,
    correlation_id: u64,
    rule: &str,
    tags: &[&str],
    message: &str,
) -> u16 {
    let mut sorted: Vec<&str> = tags.to_vec();
    sorted.sort_unstable();
    let body = serde_json::json!({
        "hostname": "test",
        "output": format!("2026-11-21T01:02:03.000000000+0000: Critical {message}"),
        "message": message,
        "output_fields": {"correlation.id": correlation_id, "evt.time": 1u64},
        "priority": "Critical",
        "rule": rule,
        "source": "coding_agent",
        "tags": sorted,
        "time": "2026-11-21T01:02:03.000000000Z",
    })
    .to_string();
    let mut stream = TcpStream::connect(&setup.intake_addr).expect("connect to intake");
    let head = format!(
        "POST /alerts/{} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        setup.token,
        setup.intake_addr,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad HTTP response: {response:?}"))
}
