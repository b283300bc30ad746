//! Broker tests over real Unix sockets: the clients are std `UnixStream`s speaking the hook's
//! framing, the way `prempti-hook` does.
#![cfg(unix)]

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use prempti_plugin::broker::{
    Broker, BrokerConfig, BrokerError, CallReceiver, IncomingCall, EVALUATION_FAILED_REASON,
    OVERLOADED_REASON, SHUTTING_DOWN_REASON,
};
use prempti_plugin::verdict::{RuntimeSettings, SharedSettings};
use prempti_protocol::frame::{self, FrameError};
use prempti_protocol::{Agent, Decision, DefaultAction, HookRequest, HookResponse, Mode};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn config(dir: &Path) -> BrokerConfig {
    BrokerConfig::new(dir.join("run/broker.sock"))
}

fn request(nonce: u64, payload: &str) -> HookRequest {
    HookRequest::new(Agent::ClaudeCode, 4242, nonce, payload.to_owned())
}

fn connect(path: &Path) -> UnixStream {
    let stream = UnixStream::connect(path).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

fn exchange(path: &Path, request: &HookRequest) -> HookResponse {
    let mut stream = connect(path);
    frame::write_message(&mut stream, request).unwrap();
    frame::read_message(&mut stream, frame::MAX_RESPONSE_BYTES).unwrap()
}

/// Runs [`exchange`] on a thread of its own with the request `{"i":<nonce>}`.
fn spawn_exchange(path: &Path, nonce: u64) -> std::thread::JoinHandle<HookResponse> {
    let path = path.to_path_buf();
    std::thread::spawn(move || exchange(&path, &request(nonce, &format!(r#"{{"i":{nonce}}}"#))))
}

/// Binds a broker with `cfg` on `rt`.
fn bind_on(rt: &tokio::runtime::Runtime, cfg: BrokerConfig) -> (Broker, CallReceiver) {
    rt.block_on(Broker::bind(cfg, SharedSettings::default()))
        .unwrap()
}

/// Waits until the broker has queued `n` calls.
fn wait_queued(broker: &Broker, n: u64) {
    while broker.stats().queued < n {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn send_raw(path: &Path, bytes: &[u8]) -> Result<HookResponse, FrameError> {
    let mut stream = connect(path);
    stream.write_all(bytes).unwrap();
    frame::read_message(&mut stream, frame::MAX_RESPONSE_BYTES)
}

/// The test host's policy: a decision derived from the payload, so each client can check
/// that the verdict it got was made for its own request.
fn decide(request: &HookRequest) -> (Decision, String) {
    let payload: serde_json::Value = serde_json::from_str(&request.payload).unwrap();
    let i = payload["i"].as_u64().unwrap();
    let decision = [
        Decision::Allow,
        Decision::Deny,
        Decision::Ask,
        Decision::Defer,
    ][(i % 4) as usize];
    (decision, format!("verdict for call {i}"))
}

/// Answers `call` by [`decide`]; whether the client was still waiting.
fn answer(call: IncomingCall) -> bool {
    let (decision, reason) = decide(&call.request);
    call.respond(decision, reason)
}

async fn serve_async(mut calls: CallReceiver) {
    while let Some(call) = calls.recv().await {
        let (decision, reason) = decide(&call.request);
        // Answer from another task, out of order, the way a busy host would.
        tokio::spawn(async move {
            call.respond(decision, reason);
        });
    }
}

fn run_clients(path: &Path, clients: u64) {
    let barrier = Arc::new(Barrier::new(clients as usize));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let path = path.to_path_buf();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let request = request(1000 + i, &format!(r#"{{"i":{i},"tool_name":"Bash"}}"#));
                let mut stream = connect(&path);
                barrier.wait();
                frame::write_message(&mut stream, &request).unwrap();
                let response: HookResponse =
                    frame::read_message(&mut stream, frame::MAX_RESPONSE_BYTES).unwrap();
                response.matches(&request).unwrap();
                let (decision, reason) = decide(&request);
                assert_eq!(response.decision, decision, "client {i}");
                assert_eq!(response.reason, reason, "client {i}");
                response.correlation_id
            })
        })
        .collect();
    let mut ids: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len() as u64,
        clients,
        "every call got its own correlation id"
    );
    assert!(ids.iter().all(|&id| id > 0));
}

#[test]
fn many_concurrent_clients_each_get_their_own_verdict_async_host() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (broker, calls) = bind_on(&rt, config(dir.path()));
    rt.spawn(serve_async(calls));
    run_clients(broker.local_path(), 96);
    let stats = broker.stats();
    assert_eq!(stats.queued, 96);
    assert_eq!(stats.answered, 96);
    assert_eq!(
        stats.bad_requests + stats.overloaded + stats.deadline_expired + stats.dropped,
        0
    );
}

#[test]
fn many_concurrent_clients_each_get_their_own_verdict_standalone_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, mut calls) =
        Broker::bind_standalone(config(dir.path()), SharedSettings::default()).unwrap();
    let host = std::thread::spawn(move || {
        let mut answered = 0;
        while answered < 80 {
            for call in calls.recv_batch(16, Duration::from_millis(200)) {
                assert!(answer(call));
                answered += 1;
            }
        }
        calls
    });
    run_clients(broker.local_path(), 80);
    let mut calls = host.join().unwrap();
    assert!(calls.try_recv().is_none());
    broker.shutdown();
    assert!(calls.recv_batch(4, Duration::from_secs(5)).is_empty());
    assert!(calls.is_closed());
}

#[test]
fn recv_batch_wakes_on_arrival_and_respects_max() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, mut calls) =
        Broker::bind_standalone(config(dir.path()), SharedSettings::default()).unwrap();
    let path = broker.local_path().to_path_buf();
    let clients: Vec<_> = (0..3).map(|i| spawn_exchange(&path, i)).collect();
    // A long timeout: the call returns as soon as something is queued, not when it expires.
    let mut got = calls.recv_batch(2, Duration::from_secs(60));
    assert!(!got.is_empty() && got.len() <= 2, "got {}", got.len());
    while got.len() < 3 {
        got.extend(calls.recv_batch(2, Duration::from_secs(60)));
    }
    for call in got {
        answer(call);
    }
    for client in clients {
        let response = client.join().unwrap();
        assert_eq!(
            (response.decision, response.reason),
            decide(&request(0, &format!(r#"{{"i":{}}}"#, response.nonce)))
        );
    }
    // Nothing queued: an empty batch after the timeout.
    assert!(calls.recv_batch(8, Duration::from_millis(10)).is_empty());
}

#[test]
fn bad_frames_are_denied_before_and_after_reading() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let mut cfg = config(dir.path());
    cfg.max_request_bytes = 4096;
    let (broker, calls) = bind_on(&rt, cfg);
    rt.spawn(serve_async(calls));
    let path = broker.local_path().to_path_buf();

    // Oversized: only the header is sent; the broker answers without waiting for a body.
    let response = send_raw(&path, &1_000_000u32.to_be_bytes()).unwrap();
    assert_eq!(response.decision, Decision::Deny);
    assert!(
        response.reason.contains("exceeds the limit of 4096"),
        "{}",
        response.reason
    );

    // Zero length.
    let response = send_raw(&path, &0u32.to_be_bytes()).unwrap();
    assert_eq!(response.decision, Decision::Deny);

    // Garbage body.
    let mut garbage = 7u32.to_be_bytes().to_vec();
    garbage.extend_from_slice(b"\xffgarbag");
    let response = send_raw(&path, &garbage).unwrap();
    assert_eq!(response.decision, Decision::Deny);
    assert!(response.reason.contains("malformed"), "{}", response.reason);

    // Another protocol version: the nonce is echoed so the hook can show the reason.
    let mut old = request(55, r#"{"i":1}"#);
    old.version = 7;
    let response = exchange(&path, &old);
    assert_eq!((response.decision, response.nonce), (Decision::Deny, 55));
    assert!(
        response.reason.contains("protocol version 7"),
        "{}",
        response.reason
    );

    // A payload that is not JSON.
    let response = exchange(&path, &request(56, "{not json"));
    assert_eq!((response.decision, response.nonce), (Decision::Deny, 56));
    assert!(
        response.reason.contains("not valid JSON"),
        "{}",
        response.reason
    );

    // Early close: nothing, half a header, half a body.
    drop(connect(&path));
    connect(&path).write_all(&[0, 0]).unwrap();
    let mut half = connect(&path);
    half.write_all(&100u32.to_be_bytes()).unwrap();
    half.write_all(b"{\"version\":").unwrap();
    drop(half);

    // The broker still serves well-formed calls.
    let good = request(57, r#"{"i":2}"#);
    let response = exchange(&path, &good);
    assert_eq!((response.decision, response.nonce), (Decision::Ask, 57));

    let stats = broker.stats();
    assert_eq!(stats.bad_requests, 5);
    assert_eq!(stats.queued, 1);
}

#[test]
fn a_full_queue_answers_overloaded_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let mut cfg = config(dir.path());
    cfg.queue_capacity = 2;
    cfg.request_deadline = Duration::from_secs(60);
    let (broker, mut calls) = bind_on(&rt, cfg);
    let path = broker.local_path().to_path_buf();

    let waiting: Vec<_> = (0..2).map(|i| spawn_exchange(&path, i)).collect();
    wait_queued(&broker, 2);
    let response = exchange(&path, &request(9, r#"{"i":9}"#));
    assert_eq!((response.decision, response.nonce), (Decision::Deny, 9));
    assert_eq!(response.reason, OVERLOADED_REASON);
    assert_eq!(broker.stats().overloaded, 1);

    for call in calls.recv_batch(10, Duration::from_secs(10)) {
        answer(call);
    }
    for (i, client) in waiting.into_iter().enumerate() {
        let response = client.join().unwrap();
        assert_eq!(response.nonce, i as u64);
        assert_eq!(response.reason, format!("verdict for call {i}"));
    }
}

#[test]
fn deadline_expiry_and_dropped_calls_deny() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let mut cfg = config(dir.path());
    cfg.request_deadline = Duration::from_millis(300);
    let (broker, mut calls) = bind_on(&rt, cfg);
    let path = broker.local_path().to_path_buf();

    // Held past the deadline.
    let client = spawn_exchange(&path, 1);
    let held = calls.recv_batch(1, Duration::from_secs(30)).pop().unwrap();
    let response = client.join().unwrap();
    assert_eq!((response.decision, response.nonce), (Decision::Deny, 1));
    assert_eq!(response.correlation_id, held.correlation_id);
    assert!(
        response
            .reason
            .contains("did not reach a verdict within 300 ms"),
        "{}",
        response.reason
    );
    assert!(
        !held.respond(Decision::Allow, String::new()),
        "nobody is waiting any more"
    );
    assert_eq!(broker.stats().deadline_expired, 1);

    // Dropped by the host without an answer.
    let client = spawn_exchange(&path, 2);
    drop(calls.recv_batch(1, Duration::from_secs(30)));
    let response = client.join().unwrap();
    assert_eq!((response.decision, response.nonce), (Decision::Deny, 2));
    assert_eq!(response.reason, EVALUATION_FAILED_REASON);
    assert_eq!(broker.stats().dropped, 1);
}

#[test]
fn passthrough_answers_at_once_and_still_hands_the_call_over() {
    let dir = tempfile::tempdir().unwrap();
    let settings = SharedSettings::new(RuntimeSettings {
        mode: Mode::Passthrough,
        default_action: DefaultAction::Allow,
    });
    let (broker, mut calls) =
        Broker::bind_standalone(config(dir.path()), settings.clone()).unwrap();
    // Nobody is receiving yet, and the answer still comes.
    let response = exchange(broker.local_path(), &request(3, r#"{"i":1}"#));
    assert_eq!((response.decision, response.nonce), (Decision::Allow, 3));
    let call = calls.recv_batch(1, Duration::from_secs(30)).pop().unwrap();
    assert!(call.answered_early);
    assert_eq!(call.settings.mode, Mode::Passthrough);
    assert!(!call.respond(Decision::Deny, "late".into()));

    // Switching the mode while running takes effect on the next call.
    settings.set_mode(Mode::Guardrails);
    let path = broker.local_path().to_path_buf();
    let client = std::thread::spawn(move || exchange(&path, &request(4, r#"{"i":1}"#)));
    let call = calls.recv_batch(1, Duration::from_secs(30)).pop().unwrap();
    assert!(!call.answered_early);
    assert_eq!(call.settings.mode, Mode::Guardrails);
    call.respond(Decision::Deny, "rule: no".into());
    assert_eq!(client.join().unwrap().decision, Decision::Deny);
}

#[test]
fn shutdown_denies_pending_calls_and_removes_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let mut cfg = config(dir.path());
    cfg.request_deadline = Duration::from_secs(60);
    let (broker, mut calls) = bind_on(&rt, cfg);
    let path = broker.local_path().to_path_buf();
    let clients: Vec<_> = (0..2).map(|i| spawn_exchange(&path, i)).collect();
    wait_queued(&broker, 2);
    // One call is with the host, one still in the queue.
    let with_host = calls.try_recv().unwrap();
    broker.shutdown();
    for client in clients {
        let response = client.join().unwrap();
        assert_eq!(response.decision, Decision::Deny);
        assert_eq!(response.reason, SHUTTING_DOWN_REASON);
    }
    drop(with_host);
    assert!(!path.exists(), "socket file removed");
    assert!(rt.block_on(calls.recv()).is_none());
    assert!(UnixStream::connect(&path).is_err());
    broker.shutdown(); // idempotent
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn socket_is_0600_in_a_0700_directory_and_stale_sockets_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A stale socket: its listener is gone, the file is not.
    let socket: PathBuf = run.join("broker.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());

    let (broker, _calls) =
        Broker::bind_standalone(config(dir.path()), SharedSettings::default()).unwrap();
    assert_eq!(mode(&run), 0o700, "directory mode fixed");
    assert_eq!(mode(&socket), 0o600);

    // A live broker is never displaced.
    let second = Broker::bind_standalone(config(dir.path()), SharedSettings::default());
    assert!(
        matches!(second, Err(BrokerError::InUse { .. })),
        "{second:?}"
    );
    assert!(socket.exists());
    drop(broker);
    assert!(!socket.exists());

    // Something else at the path is left alone.
    std::fs::write(&socket, "not a socket").unwrap();
    let third = Broker::bind_standalone(config(dir.path()), SharedSettings::default());
    assert!(
        matches!(third, Err(BrokerError::NotASocket { .. })),
        "{third:?}"
    );
    assert_eq!(std::fs::read_to_string(&socket).unwrap(), "not a socket");
}

#[test]
fn new_directories_are_created_0700() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BrokerConfig::new(dir.path().join("a/b/run/broker.sock"));
    let (broker, _calls) = Broker::bind_standalone(cfg, SharedSettings::default()).unwrap();
    assert_eq!(mode(&dir.path().join("a/b/run")), 0o700);
    assert_eq!(mode(broker.local_path()), 0o600);
}

#[test]
fn bind_outside_a_runtime_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let fut = Broker::bind(config(dir.path()), SharedSettings::default());
    // Poll it with a runtime-free executor: a current-thread runtime's block_on would provide
    // a context, so use a minimal poll loop instead.
    let result = poll_once(fut);
    assert!(
        matches!(result, Some(Err(BrokerError::NoRuntime))),
        "{:?}",
        result.map(|r| r.map(|_| ()))
    );
}

fn poll_once<F: std::future::Future>(fut: F) -> Option<F::Output> {
    use std::task::{Context, Poll, Waker};
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

#[test]
fn same_user_peers_are_served_and_other_users_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, mut calls) =
        Broker::bind_standalone(config(dir.path()), SharedSettings::default()).unwrap();
    let path = broker.local_path().to_path_buf();
    let host = std::thread::spawn(move || {
        while let Some(call) = calls.recv_batch(1, Duration::from_secs(30)).pop() {
            answer(call);
        }
    });
    let response = exchange(&path, &request(1, r#"{"i":1}"#));
    assert_eq!(response.decision, Decision::Deny);
    assert_eq!(broker.stats().rejected_peers, 0);

    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping the foreign-uid half: it needs root to connect as another user");
        drop(broker);
        host.join().unwrap();
        return;
    }
    // Loosen the file modes so the kernel lets `nobody` connect at all; the peer check is the
    // layer under test here.
    std::fs::set_permissions(
        path.parent().unwrap(),
        std::fs::Permissions::from_mode(0o711),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let foreign = {
        let path = path.clone();
        std::thread::spawn(move || {
            // On Linux the raw syscalls change the credentials of this thread only, and the
            // kernel records the connecting thread's credentials for SO_PEERCRED.
            // SAFETY: plain syscalls with integer arguments; they affect only this thread.
            let rc = unsafe {
                libc::syscall(libc::SYS_setresgid, 65534, 65534, 65534)
                    | libc::syscall(libc::SYS_setresuid, 65534, 65534, 65534)
            };
            assert_eq!(rc, 0, "dropping privileges failed");
            let mut stream = connect(&path);
            // The broker may close the connection before the request is written (it checks
            // the peer on accept), so the write itself is allowed to fail with EPIPE.
            let _ = frame::write_message(&mut stream, &request(2, r#"{"i":2}"#));
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
            rest
        })
    };
    let answer = foreign.join().unwrap();
    assert!(answer.is_empty(), "a foreign peer gets no answer");
    assert_eq!(broker.stats().rejected_peers, 1);
    assert_eq!(
        broker.stats().queued,
        1,
        "the foreign call never reached the host"
    );
    drop(broker);
    host.join().unwrap();
}

#[test]
fn settling_records_before_answering_and_marks_late_verdicts() {
    use prempti_plugin::audit::{AuditLog, AuditRecord, Engine};
    use prempti_plugin::host::settle;
    use prempti_plugin::rotate::RotationPolicy;
    use prempti_plugin::verdict::{resolve, TagConfig};

    let dir = tempfile::tempdir().unwrap();
    let audit = AuditLog::open(dir.path().join("audit.jsonl"), RotationPolicy::default()).unwrap();
    let rt = runtime();
    let mut cfg = config(dir.path());
    cfg.request_deadline = Duration::from_millis(300);
    let (broker, mut calls) = bind_on(&rt, cfg);
    let path = broker.local_path().to_path_buf();
    let allow = resolve(
        &[],
        &TagConfig::default(),
        RuntimeSettings {
            mode: Mode::Guardrails,
            default_action: DefaultAction::Allow,
        },
    );

    // In time: the hook gets the verdict and the record says the same.
    let client = spawn_exchange(&path, 1);
    let call = calls.recv_batch(1, Duration::from_secs(30)).pop().unwrap();
    assert!(call.is_waiting());
    let settled = settle(
        call,
        Engine::Embedded,
        &allow,
        Vec::new(),
        &[],
        Some(&audit),
        None,
    );
    assert!(settled.answered && settled.audit_error.is_none());
    assert_eq!(client.join().unwrap().decision, Decision::Allow);

    // Too late: the broker denied at its deadline, so the record shows that deny.
    let client = spawn_exchange(&path, 2);
    let call = calls.recv_batch(1, Duration::from_secs(30)).pop().unwrap();
    let response = client.join().unwrap();
    assert_eq!(response.decision, Decision::Deny);
    assert!(!call.is_waiting());
    let settled = settle(
        call,
        Engine::Embedded,
        &allow,
        Vec::new(),
        &[],
        Some(&audit),
        None,
    );
    assert!(!settled.answered);

    let text = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let records: Vec<AuditRecord> = text
        .lines()
        .map(|l| AuditRecord::from_line(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(
        (records[0].decision, records[0].late),
        (Decision::Allow, false)
    );
    assert_eq!(
        (records[1].decision, records[1].late),
        (Decision::Deny, true)
    );
    assert_eq!(records[1].policy_decision, Decision::Allow);
    assert!(
        records[1].reason.contains("stopped waiting"),
        "{}",
        records[1].reason
    );
}

/// A listening socket as `premptictl daemon` hands it to Falco, and its descriptor number in
/// this process (a duplicate the broker adopts and closes).
fn inherited_listener(path: &Path) -> (std::os::unix::net::UnixListener, i32) {
    use std::os::fd::{AsFd, AsRawFd, IntoRawFd};
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::set_permissions(
        path.parent().unwrap(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
    let handed = listener.as_fd().try_clone_to_owned().unwrap().into_raw_fd();
    assert_ne!(handed, listener.as_raw_fd());
    (listener, handed)
}

#[test]
fn an_inherited_socket_survives_its_brokers_and_queues_calls_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/broker.sock");
    let (_kept, fd) = inherited_listener(&path);
    let rt = runtime();

    // The first host serves the inherited socket.
    let mut cfg = config(dir.path());
    cfg.listener_fd = Some(fd);
    let (first, mut calls) = bind_on(&rt, cfg);
    let answering = std::thread::spawn(move || {
        let call = rt.block_on(calls.recv()).unwrap();
        let (decision, reason) = decide(&call.request);
        call.respond(decision, reason);
        rt
    });
    let response = exchange(&path, &request(1, r#"{"i":1}"#));
    assert_eq!(response.correlation_id, 1);
    let rt = answering.join().unwrap();

    // It stops accepting (a handover): a call made now waits in the socket's backlog.
    first.handle().stop_accepting();
    std::thread::sleep(Duration::from_millis(50));
    let waiting = spawn_exchange(&path, 2);
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !waiting.is_finished(),
        "the call was answered while no host accepted"
    );
    first.shutdown();
    assert!(
        path.exists(),
        "a broker removed the socket file it did not create"
    );

    // The next host, on another duplicate of the same socket, answers it.
    use std::os::fd::{AsFd, IntoRawFd};
    let second_fd = _kept.as_fd().try_clone_to_owned().unwrap().into_raw_fd();
    let mut cfg = config(dir.path());
    cfg.listener_fd = Some(second_fd);
    let (second, mut calls) = bind_on(&rt, cfg);
    let call = rt.block_on(calls.recv()).unwrap();
    let (decision, reason) = decide(&call.request);
    call.respond(decision, reason.clone());
    let response = waiting.join().unwrap();
    assert_eq!(response.nonce, 2);
    assert_eq!((response.decision, response.reason), (decision, reason));
    // The broker counts the call done after the answer is written, so the client may read
    // it first: wait (bounded) for the count to settle.
    let settled = std::time::Instant::now() + Duration::from_secs(5);
    while second.handle().in_flight() != 0 && std::time::Instant::now() < settled {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(second.handle().in_flight(), 0);
    second.shutdown();
    assert!(path.exists());
}

#[test]
fn an_inherited_descriptor_for_another_path_is_refused_and_left_open() {
    let dir = tempfile::tempdir().unwrap();
    let (_kept, fd) = inherited_listener(&dir.path().join("other/broker.sock"));
    let rt = runtime();
    let mut cfg = config(dir.path());
    cfg.listener_fd = Some(fd);
    let err = rt
        .block_on(Broker::bind(cfg, SharedSettings::default()))
        .unwrap_err();
    assert!(matches!(err, BrokerError::Bind { .. }), "{err}");
    // SAFETY: fcntl on a descriptor number of this process; F_GETFD only reads its flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    assert_ne!(flags, -1, "the descriptor was closed");
}
