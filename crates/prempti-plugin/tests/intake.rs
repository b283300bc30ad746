//! Alert intake tests over real TCP connections, with requests written by hand the way
//! Falco's `http_output` (or a forger) would send them.

// The broker and audit tests below need Unix sockets and modes; on Windows only the rest runs.
#![cfg_attr(not(unix), allow(unused_imports))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prempti_plugin::audit::{AuditLog, AuditRecord, Engine};
use prempti_plugin::broker::{Broker, BrokerConfig};
use prempti_plugin::evaluate::decide;
use prempti_plugin::intake::{Alert, Correlator, Intake, IntakeConfig, IntakeError};
use prempti_plugin::rotate::RotationPolicy;
use prempti_plugin::verdict::{SharedSettings, TagConfig};
use prempti_protocol::{frame, Agent, Decision, HookRequest, HookResponse};

fn alert_json(id: u64, rule: &str, tags: &[&str]) -> String {
    serde_json::json!({
        "hostname": "h",
        "output": format!("01:02:03.000000000: Critical {rule} fired (id={id})"),
        "output_fields": {"correlation.id": id, "evt.time": 1},
        "priority": "Critical",
        "rule": rule,
        "source": "coding_agent",
        "tags": tags,
        "time": "2026-11-21T01:02:03.000000000Z",
    })
    .to_string()
}

struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Client {
            stream: BufReader::new(stream),
        }
    }

    /// Sends one request and returns the response status (the intake's responses have no body).
    fn send(&mut self, method: &str, path: &str, content_type: &str, body: &[u8]) -> u16 {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).unwrap();
        // A body the server refuses unread may make it close early; ignore write errors.
        let _ = stream.write_all(body);
        self.read_status()
    }

    fn read_status(&mut self) -> u16 {
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).unwrap();
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; content_length];
        self.stream.read_exact(&mut body).unwrap();
        status
    }
}

fn start() -> (Intake, mpsc::Receiver<Alert>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let intake = Intake::start_standalone(IntakeConfig::default(), move |alert: Alert| {
        let _ = tx.lock().unwrap().send(alert);
    })
    .unwrap();
    (intake, rx)
}

#[test]
fn good_alerts_are_delivered_over_keep_alive() {
    let (intake, alerts) = start();
    assert!(intake.local_addr().ip().is_loopback());
    assert_ne!(intake.local_addr().port(), 0);
    assert_eq!(intake.path(), format!("/alerts/{}", intake.token()));
    assert_eq!(
        intake.url(),
        format!("http://{}/alerts/{}", intake.local_addr(), intake.token())
    );

    let mut client = Client::connect(intake.local_addr());
    let path = intake.path();
    assert_eq!(
        client.send(
            "POST",
            &path,
            "application/json",
            alert_json(1, "A", &["coding_agent_deny"]).as_bytes()
        ),
        200
    );
    assert_eq!(
        client.send(
            "POST",
            &path,
            "application/json; charset=utf-8",
            alert_json(2, "B", &[]).as_bytes()
        ),
        200
    );
    let first = alerts.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!((first.correlation_id, first.rule.as_str()), (1, "A"));
    assert_eq!(first.message, "A fired (id=1)");
    assert_eq!(first.tags, vec!["coding_agent_deny".to_owned()]);
    let second = alerts.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(second.correlation_id, 2);
    assert_eq!(intake.stats().accepted, 2);
    assert_eq!(intake.stats().refused(), 0);
}

#[test]
fn forged_and_unauthenticated_requests_are_refused_and_counted() {
    let (intake, alerts) = start();
    let addr = intake.local_addr();
    let path = intake.path();
    let good = alert_json(5, "A", &["coding_agent_deny"]);
    let mut wrong_token = intake.token().to_owned();
    wrong_token.replace_range(
        ..1,
        if wrong_token.starts_with('0') {
            "1"
        } else {
            "0"
        },
    );

    // A refused request may close its connection (hyper does not keep a connection whose body
    // was left unread), so each one gets a connection of its own.
    let send = |method: &str, path: &str, content_type: &str, body: &[u8]| {
        Client::connect(addr).send(method, path, content_type, body)
    };
    // Wrong paths: another token, no token, a prefix of the real path, the path plus more.
    assert_eq!(
        send(
            "POST",
            &format!("/alerts/{wrong_token}"),
            "application/json",
            good.as_bytes()
        ),
        404
    );
    assert_eq!(
        send("POST", "/alerts/", "application/json", good.as_bytes()),
        404
    );
    assert_eq!(send("POST", "/", "application/json", good.as_bytes()), 404);
    assert_eq!(
        send(
            "POST",
            &path[..path.len() - 1],
            "application/json",
            good.as_bytes()
        ),
        404
    );
    assert_eq!(
        send(
            "POST",
            &format!("{path}/x"),
            "application/json",
            good.as_bytes()
        ),
        404
    );
    // Wrong method on the right path, even without a body.
    assert_eq!(send("GET", &path, "application/json", b""), 405);
    assert_eq!(send("PUT", &path, "application/json", good.as_bytes()), 405);
    // Not JSON by content type, and by content.
    assert_eq!(send("POST", &path, "text/plain", good.as_bytes()), 415);
    assert_eq!(send("POST", &path, "application/json", b"{not json"), 400);
    assert_eq!(send("POST", &path, "application/json", b"[1,2,3]"), 400);
    // A JSON object that is no alert of ours.
    let no_id = r#"{"rule":"A","priority":"Critical","output":"x","output_fields":{"evt.time":1}}"#;
    assert_eq!(
        send("POST", &path, "application/json", no_id.as_bytes()),
        400
    );

    // Oversized, declared: refused from the header, the body is never read.
    let mut big = Client::connect(addr);
    let huge = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(big.send("POST", &path, "application/json", &huge), 413);

    // Oversized, chunked (no length declared): refused while reading.
    let mut chunked = Client::connect(addr);
    let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    let stream = chunked.stream.get_mut();
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..20 {
        if stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || stream.write_all(&chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    assert_eq!(chunked.read_status(), 413);

    let stats = intake.stats();
    assert_eq!(stats.wrong_path, 5);
    assert_eq!(stats.wrong_method, 2);
    assert_eq!(stats.wrong_content_type, 1);
    assert_eq!(stats.bad_alert, 2);
    assert_eq!(stats.missing_correlation_id, 1);
    assert_eq!(stats.too_large, 2);
    assert_eq!(stats.refused(), 13);
    assert_eq!(stats.accepted, 0);
    assert!(
        alerts.try_recv().is_err(),
        "nothing refused reaches the sink"
    );

    // The real thing still works.
    assert_eq!(
        send("POST", &path, "application/json", good.as_bytes()),
        200
    );
    assert_eq!(
        alerts
            .recv_timeout(Duration::from_secs(10))
            .unwrap()
            .correlation_id,
        5
    );
}

#[test]
fn configuration_is_checked() {
    let sink = |_: Alert| {};
    let public = IntakeConfig {
        bind: "0.0.0.0:0".parse().unwrap(),
        ..IntakeConfig::default()
    };
    assert!(matches!(
        Intake::start_standalone(public, sink),
        Err(IntakeError::NotLoopback(_))
    ));
    let short = IntakeConfig {
        token: Some("abc".into()),
        ..IntakeConfig::default()
    };
    assert!(matches!(
        Intake::start_standalone(short, sink),
        Err(IntakeError::BadToken)
    ));
    let given = IntakeConfig {
        token: Some("given-token_0123456789".into()),
        ..IntakeConfig::default()
    };
    let intake = Intake::start_standalone(given, sink).unwrap();
    assert_eq!(intake.path(), "/alerts/given-token_0123456789");
    let addr = intake.local_addr();
    assert_eq!(
        Client::connect(addr).send(
            "POST",
            "/alerts/given-token_0123456789",
            "application/json",
            b"{}"
        ),
        400
    );
    intake.shutdown();
    assert!(
        TcpStream::connect(addr).is_err(),
        "nothing listens after shutdown"
    );
}

#[test]
fn async_start_on_the_callers_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let intake = rt
        .block_on(Intake::start(IntakeConfig::default(), move |a: Alert| {
            let _ = tx.lock().unwrap().send(a.correlation_id);
        }))
        .unwrap();
    let status = Client::connect(intake.local_addr()).send(
        "POST",
        &intake.path(),
        "application/json",
        alert_json(77, "A", &[]).as_bytes(),
    );
    assert_eq!(status, 200);
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 77);
}

/// The whole Falco-host flow without Falco: broker → (source) → correlator ← intake, then the
/// verdict, the answer and the audit record.
#[cfg(unix)]
#[test]
fn falco_host_flow_resolves_on_the_seen_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, mut calls) = Broker::bind_standalone(
        BrokerConfig::new(dir.path().join("run/broker.sock")),
        SharedSettings::default(),
    )
    .unwrap();
    let audit = Arc::new(
        AuditLog::open(
            dir.path().join("log/audit.jsonl"),
            RotationPolicy::default(),
        )
        .unwrap(),
    );
    let correlator = Arc::new(Correlator::new(TagConfig::default()));

    let sink = {
        let correlator = Arc::clone(&correlator);
        let audit = Arc::clone(&audit);
        move |alert: Alert| {
            if let Some(done) = correlator.on_alert(alert) {
                let decided = decide(done.events, &TagConfig::default(), done.call.settings);
                let verdict = decided.verdict;
                let mut record = AuditRecord::new(
                    done.call.correlation_id,
                    Engine::Falco,
                    done.call.request.agent,
                    &verdict,
                    decided.matched,
                    done.call.received.elapsed(),
                );
                record.set_payload(&done.call.request.payload, audit.payload_cap());
                audit.append(&record).unwrap();
                done.call.respond_verdict(&verdict);
            }
        }
    };
    let intake = Intake::start_standalone(IntakeConfig::default(), sink).unwrap();

    let path = broker.local_path().to_path_buf();
    let request = HookRequest::new(Agent::Codex, 1, 42, r#"{"tool_name":"shell"}"#.into());
    let hook = {
        let request = request.clone();
        std::thread::spawn(move || {
            let mut stream = std::os::unix::net::UnixStream::connect(&path).unwrap();
            frame::write_message(&mut stream, &request).unwrap();
            frame::read_message::<_, HookResponse>(&mut stream, frame::MAX_RESPONSE_BYTES).unwrap()
        })
    };
    // The source's next_batch.
    let call = calls.recv_batch(8, Duration::from_secs(30)).pop().unwrap();
    let id = call.correlation_id;
    correlator.insert(call);

    // Falco posts the alerts in evaluation order; the seen rule comes last.
    let mut falco = Client::connect(intake.local_addr());
    let url_path = intake.path();
    for (rule, tags) in [
        ("Ask about shells", vec!["coding_agent_ask"]),
        ("Deny pipes", vec!["coding_agent_deny"]),
        ("Unrelated", vec!["mitre"]),
    ] {
        assert_eq!(
            falco.send(
                "POST",
                &url_path,
                "application/json",
                alert_json(id, rule, &tags).as_bytes()
            ),
            200
        );
    }
    assert_eq!(correlator.len(), 1, "not complete before the seen alert");
    // An alert for a call nobody waits for is ignored.
    assert_eq!(
        falco.send(
            "POST",
            &url_path,
            "application/json",
            alert_json(id + 100, "X", &["coding_agent_seen"]).as_bytes()
        ),
        200
    );
    assert_eq!(
        falco.send(
            "POST",
            &url_path,
            "application/json",
            alert_json(id, "seen", &["coding_agent_seen"]).as_bytes()
        ),
        200
    );

    let response = hook.join().unwrap();
    response.matches(&request).unwrap();
    assert_eq!(response.decision, Decision::Deny);
    assert_eq!(
        response.reason,
        format!("Deny pipes: Deny pipes fired (id={id})")
    );
    assert!(correlator.is_empty());

    let log = std::fs::read_to_string(dir.path().join("log/audit.jsonl")).unwrap();
    let record = AuditRecord::from_line(log.lines().next().unwrap()).unwrap();
    assert_eq!(record.correlation_id, id);
    assert_eq!(record.engine, Engine::Falco);
    assert_eq!(record.decision, Decision::Deny);
    let rules: Vec<&str> = record.matched.iter().map(|m| m.rule.as_str()).collect();
    assert_eq!(rules, ["Ask about shells", "Deny pipes", "Unrelated"]);
    assert_eq!(record.payload.unwrap().get(), r#"{"tool_name":"shell"}"#);
}

#[cfg(unix)]
#[test]
fn swept_calls_are_denied() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, mut calls) = Broker::bind_standalone(
        BrokerConfig::new(dir.path().join("run/broker.sock")),
        SharedSettings::default(),
    )
    .unwrap();
    let correlator = Correlator::new(TagConfig::default());
    let path = broker.local_path().to_path_buf();
    let hook = std::thread::spawn(move || {
        let mut stream = std::os::unix::net::UnixStream::connect(&path).unwrap();
        frame::write_message(
            &mut stream,
            &HookRequest::new(Agent::Cursor, 1, 9, "{}".into()),
        )
        .unwrap();
        frame::read_message::<_, HookResponse>(&mut stream, frame::MAX_RESPONSE_BYTES).unwrap()
    });
    correlator.insert(calls.recv_batch(1, Duration::from_secs(30)).pop().unwrap());
    assert!(correlator.sweep(Duration::from_secs(3600)).is_empty());
    let swept = correlator.sweep(Duration::ZERO);
    assert_eq!(swept.len(), 1);
    drop(swept);
    let response = hook.join().unwrap();
    assert_eq!((response.nonce, response.decision), (9, Decision::Deny));
}

#[cfg(unix)]
#[test]
fn a_call_split_into_several_events_completes_on_its_last_seen_alert() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, mut calls) = Broker::bind_standalone(
        BrokerConfig::new(dir.path().join("run/broker.sock")),
        SharedSettings::default(),
    )
    .unwrap();
    let path = broker.local_path().to_path_buf();
    let hook = std::thread::spawn(move || {
        let mut stream = std::os::unix::net::UnixStream::connect(&path).unwrap();
        frame::write_message(
            &mut stream,
            &HookRequest::new(Agent::Codex, 1, 3, "{}".into()),
        )
        .unwrap();
        frame::read_message::<_, HookResponse>(&mut stream, frame::MAX_RESPONSE_BYTES).unwrap()
    });
    let call = calls.recv_batch(1, Duration::from_secs(30)).pop().unwrap();
    let id = call.correlation_id;
    let correlator = Correlator::new(TagConfig::default());
    correlator.insert_expecting(call, 3);
    let alert = |rule: &str, tags: &[&str]| {
        Alert::from_json(alert_json(id, rule, tags).as_bytes()).unwrap()
    };
    // File 1: an ask; file 2: nothing; file 3: a deny.
    assert!(correlator
        .on_alert(alert("ask a.txt", &["coding_agent_ask"]))
        .is_none());
    assert!(correlator
        .on_alert(alert("seen", &["coding_agent_seen"]))
        .is_none());
    assert!(correlator
        .on_alert(alert("seen", &["coding_agent_seen"]))
        .is_none());
    assert!(correlator
        .on_alert(alert("deny c.txt", &["coding_agent_deny"]))
        .is_none());
    let done = correlator
        .on_alert(alert("seen", &["coding_agent_seen"]))
        .unwrap();
    let rules: Vec<String> = done.matches().into_iter().map(|m| m.rule).collect();
    assert_eq!(rules, ["ask a.txt", "deny c.txt"]);
    let per_event: Vec<usize> = done.events.iter().map(Vec::len).collect();
    assert_eq!(per_event, [1, 0, 1]);
    let verdict = decide(done.events, &TagConfig::default(), done.call.settings).verdict;
    assert!(done.call.respond_verdict(&verdict));
    let response = hook.join().unwrap();
    assert_eq!(response.decision, Decision::Deny);
    assert!(
        response.reason.starts_with("deny c.txt: "),
        "{}",
        response.reason
    );
}

/// A sink whose control operation `echo` answers the body it got.
struct ControlSink(Arc<Mutex<Vec<String>>>);

impl prempti_plugin::intake::AlertSink for ControlSink {
    fn deliver(&self, _alert: Alert) {}

    fn control(
        &self,
        op: &str,
        body: &[u8],
        _intake: &prempti_plugin::intake::IntakeStats,
    ) -> Result<serde_json::Value, String> {
        self.0.lock().unwrap().push(op.to_owned());
        match op {
            "echo" => Ok(serde_json::json!({"got": String::from_utf8_lossy(body)})),
            other => Err(format!("unknown {other}")),
        }
    }
}

/// Sends `POST /control/<op>` with an optional bearer token; returns the status and body.
fn control_request(addr: SocketAddr, op: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /control/{op} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

#[test]
fn control_route_needs_the_control_token_from_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("control.token");
    let ops = Arc::new(Mutex::new(Vec::new()));
    let config = IntakeConfig {
        control_token_file: Some(token_file.clone()),
        ..IntakeConfig::default()
    };
    let intake = Intake::start_standalone(config, ControlSink(Arc::clone(&ops))).unwrap();
    let addr = intake.local_addr();
    let token = "0123456789abcdef0123456789abcdef";

    // No token file yet: nothing is accepted, whatever is sent.
    assert_eq!(control_request(addr, "echo", Some(token), "{}").0, 404);
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    // Without the token, with another one, with the intake's own path token: 404.
    assert_eq!(control_request(addr, "echo", None, "{}").0, 404);
    assert_eq!(
        control_request(addr, "echo", Some("0123456789abcdef0123456789abcdee"), "{}").0,
        404
    );
    assert_eq!(
        control_request(addr, "echo", Some(intake.token()), "{}").0,
        404
    );
    assert!(
        ops.lock().unwrap().is_empty(),
        "the sink saw a refused request"
    );
    // With it: the sink answers.
    let (status, body) = control_request(addr, "echo", Some(token), "{\"a\":1}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["got"],
        "{\"a\":1}"
    );
    let (status, body) = control_request(addr, "nope", Some(token), "{}");
    assert_eq!((status, body.as_str()), (400, "unknown nope"));
    // A new token in the file (a new daemon run) replaces the old one at once.
    std::fs::write(&token_file, "fedcba9876543210fedcba9876543210\n").unwrap();
    assert_eq!(control_request(addr, "echo", Some(token), "{}").0, 404);
    let stats = intake.stats();
    assert_eq!(stats.control, 1);
    assert_eq!(stats.control_refused, 6);
    assert_eq!(stats.accepted, 0);
}

#[test]
fn without_a_token_file_the_control_route_does_not_exist() {
    let intake =
        Intake::start_standalone(IntakeConfig::default(), ControlSink(Arc::default())).unwrap();
    let (status, _) = control_request(intake.local_addr(), "echo", Some("x"), "{}");
    assert_eq!(status, 404);
    assert_eq!(intake.stats().wrong_path, 1);
}
