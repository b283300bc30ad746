//! Helpers shared by the e2e tests: run one known call and check its reply against its own
//! audit record.

use std::collections::HashMap;

use prempti_e2e::calls::{find_marker, Event, Kind};
use prempti_e2e::install::{HookOutput, Install};
use serde_json::Value;

/// One call made through the real hook.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) event: Event,
    pub(crate) kind: Kind,
    pub(crate) marker: String,
    pub(crate) out: HookOutput,
}

/// Runs `event` / `kind` with `marker` through the installed hook.
pub(crate) fn call(install: &Install, event: Event, kind: Kind, marker: &str) -> Call {
    let payload = event.payload(kind, marker, &install.project);
    let out = install.hook(event.agent(), payload.to_string().as_bytes());
    Call {
        event,
        kind,
        marker: marker.to_owned(),
        out,
    }
}

/// Whether a record is the synthetic call of `premptictl health`.
pub(crate) fn is_health_check(record: &Value) -> bool {
    record.get("session_id").and_then(Value::as_str) == Some("prempti-health")
}

/// Audit records by marker (health checks left out); fails on a record without a marker or
/// two records for one marker.
pub(crate) fn records_by_marker(records: &[Value]) -> HashMap<String, Value> {
    let mut map = HashMap::new();
    for r in records.iter().filter(|r| !is_health_check(r)) {
        let text = r.get("payload").map(Value::to_string).unwrap_or_default();
        let marker = find_marker(&text)
            .unwrap_or_else(|| panic!("audit record without a call marker: {r}"))
            .to_owned();
        if let Some(previous) = map.insert(marker.clone(), r.clone()) {
            panic!("two audit records for call {marker}:\n{previous}\n{r}");
        }
    }
    map
}

/// A string field of a record.
pub(crate) fn field<'a>(record: &'a Value, name: &str) -> &'a str {
    record
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("record has no {name}: {record}"))
}

/// Checks the reply of `call` against its audit `record`: the record belongs to the call's
/// agent and tool, and the hook printed exactly what the agent must get for the record's
/// decision and reason (passthrough answers before evaluation, so with no reason).
pub(crate) fn check_reply(call: &Call, record: &Value) {
    let ctx = || {
        format!(
            "call {} ({:?}, {:?})\nrecord: {record}\nstderr: {}",
            call.marker, call.event, call.kind, call.out.stderr
        )
    };
    assert_eq!(field(record, "agent"), call.event.agent_name(), "{}", ctx());
    let decision = field(record, "decision");
    let reason = if field(record, "mode") == "passthrough" {
        ""
    } else {
        field(record, "reason")
    };
    let (code, stdout) = call.event.expected(decision, reason);
    assert_eq!(call.out.code, Some(code), "exit code of {}", ctx());
    assert_eq!(
        call.out.stdout.trim_end_matches('\n'),
        stdout,
        "stdout of {}",
        ctx()
    );
    assert!(
        call.out.stdout.is_empty()
            || (call.out.stdout.ends_with('\n') && call.out.stdout.lines().count() == 1),
        "stdout is not one JSON line: {}",
        ctx()
    );
}
