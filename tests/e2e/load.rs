//! Mode switches under load: 64 client threads × 50 calls, each call a real `prempti-hook`
//! process, a mix of benign, denied and asked shell calls across the five agents, while a
//! controller switches monitor → passthrough → guardrails → … through `premptictl mode`.
//!
//! Every call must get exactly the reply its own audit record says (0 lost: each of the 3200
//! calls has exactly one record and a reply; 0 misrouted: the reply and the record carry the
//! call's own marker and the decision its kind gets in the record's mode). Deadlines are
//! raised to the most the hook accepts (broker 8 s, hook 9 s) so the machine's speed cannot turn calls into timeout
//! denials, which would be counted as failures here.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use prempti_e2e::calls::{deciding_rule, Event, Kind};
use prempti_e2e::install::{Engine, Install};
use serde_json::Value;

use crate::support::{check_reply, field, records_by_marker, Call};

const THREADS: usize = 64;
const CALLS_PER_THREAD: usize = 50;
const TOTAL: usize = THREADS * CALLS_PER_THREAD;
const SWITCHES: [(usize, &str); 7] = [
    (TOTAL / 8, "monitor"),
    (2 * TOTAL / 8, "passthrough"),
    (3 * TOTAL / 8, "guardrails"),
    (4 * TOTAL / 8, "monitor"),
    (5 * TOTAL / 8, "passthrough"),
    (6 * TOTAL / 8, "guardrails"),
    (7 * TOTAL / 8, "monitor"),
];

#[test]
fn mode_switches_under_64_concurrent_clients_lose_and_misroute_nothing() {
    for engine in Engine::all("mode_switches_under_64_concurrent_clients_lose_and_misroute_nothing")
    {
        println!(
            "mode_switches_under_64_concurrent_clients_lose_and_misroute_nothing: on the {} engine",
            engine.name()
        );
        mode_switches_under_64_concurrent_clients_lose_and_misroute_nothing_on(&engine);
    }
}

/// [`mode_switches_under_64_concurrent_clients_lose_and_misroute_nothing`] on one engine.
fn mode_switches_under_64_concurrent_clients_lose_and_misroute_nothing_on(engine: &Engine) {
    let install = Arc::new(
        Install::builder()
            .engine(engine)
            .deadlines_ms(19_000)
            .start(),
    );
    let templates: Arc<HashMap<Event, Value>> = Arc::new(
        Event::SHELL_PER_AGENT
            .iter()
            .map(|e| (*e, e.template()))
            .collect(),
    );
    let completed = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));

    let controller = {
        let (install, completed, done) = (install.clone(), completed.clone(), done.clone());
        std::thread::spawn(move || {
            let mut switched = Vec::new();
            for (at, mode) in SWITCHES {
                // Bounded: the workers finish in any case, and then `done` is set.
                while completed.load(Ordering::SeqCst) < at && !done.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                if done.load(Ordering::SeqCst) {
                    break;
                }
                install.ctl_ok(&["mode", mode]);
                switched.push(mode);
            }
            switched
        })
    };

    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (install, templates, completed) =
                (install.clone(), templates.clone(), completed.clone());
            std::thread::spawn(move || {
                let mut calls = Vec::with_capacity(CALLS_PER_THREAD);
                for i in 0..CALLS_PER_THREAD {
                    let event = Event::SHELL_PER_AGENT[(t + i) % Event::SHELL_PER_AGENT.len()];
                    let kind = Kind::ALL[(t * 7 + i) % Kind::ALL.len()];
                    // Fixed width: no marker is a prefix of another.
                    let marker = format!("e2e-load-{t:02}-{i:02}");
                    let payload = event.payload_from(
                        templates[&event].clone(),
                        kind,
                        &marker,
                        &install.project,
                    );
                    let out = install.hook(event.agent(), payload.to_string().as_bytes());
                    completed.fetch_add(1, Ordering::SeqCst);
                    calls.push(Call {
                        event,
                        kind,
                        marker,
                        out,
                    });
                }
                calls
            })
        })
        .collect();
    let calls: Vec<Call> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("worker"))
        .collect();
    done.store(true, Ordering::SeqCst);
    let switched = controller.join().expect("controller");
    assert_eq!(calls.len(), TOTAL);
    assert_eq!(
        switched.len(),
        SWITCHES.len(),
        "every mode switch ran while calls were going"
    );

    let records = install.audit_at_least(TOTAL, Duration::from_secs(120));
    if records.len() != TOTAL {
        let log = std::fs::read_to_string(install.prempti_home.join("log/daemon.log"))
            .unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        panic!(
            "{} audit records for {TOTAL} calls (one per call, no more, no less); daemon.log ends:\n{}",
            records.len(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let by_marker = records_by_marker(&records);
    let mut modes = BTreeSet::new();
    for c in &calls {
        let record = by_marker
            .get(&c.marker)
            .unwrap_or_else(|| panic!("call {} has no audit record", c.marker));
        let mode = field(record, "mode");
        modes.insert(mode.to_owned());
        let policy = c.kind.policy("allow");
        assert_eq!(field(record, "policy_decision"), policy, "{record}");
        let decision = if mode == "guardrails" {
            policy
        } else {
            "allow"
        };
        assert_eq!(field(record, "decision"), decision, "{record}");
        if let Some(rule) = deciding_rule(c.event, c.kind) {
            let reason = field(record, "reason");
            assert!(reason.contains(&format!("{rule}: ")), "{record}");
            // The reason quotes the command, so it carries this call's own marker.
            assert!(
                reason.contains(&c.marker),
                "reason of another call: {record}"
            );
        }
        // The reply is the one for this record (the marker is in denied replies' reasons).
        check_reply(c, record);
        if let Some(other) = prempti_e2e::calls::find_marker(&c.out.stdout) {
            assert_eq!(other, c.marker, "a reply quoting another call");
        }
    }
    assert_eq!(
        modes,
        ["guardrails", "monitor", "passthrough"]
            .into_iter()
            .map(str::to_owned)
            .collect(),
        "calls were decided in every mode"
    );
    let status = install.status();
    assert_eq!(status["counters"]["calls"], TOTAL as u64, "{status}");
    assert_eq!(status["counters"]["errors"], 0, "{status}");
    assert_eq!(status["mode"], "monitor", "the last switch is in force");
}
