//! What both hosts do with a decided call: write its audit record, then answer the hook.
//!
//! The record is written **before** the answer. Every call an agent was answered therefore has
//! a record; if the host dies between the two steps, the hook gets no answer and denies (fail
//! closed), while the record shows what Prempti had decided.

use prempti_protocol::Decision;

use crate::agents::ToolCall;
use crate::audit::{AuditError, AuditLog, AuditRecord, Engine};
use crate::broker::IncomingCall;
use crate::session::{Outcome, SessionStore};
use crate::verdict::{MatchedRule, RuntimeSettings, Verdict};

/// The reason recorded for a call whose verdict came after the hook stopped waiting.
const LATE_REASON: &str = "Prempti decided after the hook stopped waiting: the broker denied \
     the call at its deadline (or on shutdown), or the hook went away";

/// What happened when a call was settled.
#[derive(Debug)]
pub struct Settled {
    /// The hook got this answer (false when the call had already been answered, e.g. in
    /// passthrough mode or after its deadline).
    pub answered: bool,
    /// The audit record could not be written.
    pub audit_error: Option<AuditError>,
}

/// Records the call in its session (when `sessions` is set), audits `call` (when `audit` is
/// set), then answers it with `verdict`.
///
/// The session update comes first, so a later call of the session that is evaluated after
/// this one was answered sees its marks. A call the agent got as allowed, deferred or asked
/// sets the marks of its matched rules (`coding_agent_mark:<name>` tags) and the hosts it
/// contacts; a denied one (including a late answer) only counts as a call (see
/// [`crate::session`]).
///
/// `described` holds the normalized events of the call (one, or one per touched file of a split
/// Codex patch); the first gives the record's key fields and, when there are several, every
/// file is listed. It is empty for calls whose payload could not be normalized.
pub fn settle(
    call: IncomingCall,
    engine: Engine,
    verdict: &Verdict,
    matched: Vec<MatchedRule>,
    described: &[ToolCall],
    audit: Option<&AuditLog>,
    sessions: Option<&SessionStore>,
) -> Settled {
    // A hook that stopped waiting got the broker's own deny: record that, not our verdict.
    let late = !call.answered_early && !call.is_waiting();
    let allowed = !late && verdict.decision != Decision::Deny;
    let outcome =
        Outcome::of(described, &matched, allowed).asked(verdict.decision == Decision::Ask);
    let session_id = described.first().and_then(|c| c.session_id.as_deref());
    if let (Some(store), Some(id)) = (sessions, session_id) {
        store.record(id, crate::session::now_ms(), &outcome);
    }
    let audit_error = audit.and_then(|audit| {
        let mut record = AuditRecord::new(
            call.correlation_id,
            engine,
            call.request.agent,
            verdict,
            matched,
            call.received.elapsed(),
        );
        record.describe(described);
        if let Some(view) = described.first().and_then(|c| c.session.as_ref()) {
            record.session_marks = view.marks.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        }
        if allowed {
            record.marks_set = outcome.marks.clone();
        }
        if late {
            record.late = true;
            record.decision = Decision::Deny;
            record.reason = LATE_REASON.to_owned();
        }
        record.home = call.request.home.clone();
        record.prempti_home = call.request.prempti_home.clone();
        record.health = record.is_health_check();
        record.set_payload(&call.request.payload, audit.payload_cap());
        audit.append(&record).err()
    });
    let answered = call.respond_verdict(verdict);
    Settled {
        answered,
        audit_error,
    }
}

/// The verdict for a call that could not be evaluated (its payload could not be used, or
/// evaluation failed): deny in every mode, never the default action.
pub fn failure_verdict(reason: String, settings: RuntimeSettings) -> Verdict {
    let policy = Verdict::from_policy(Decision::Deny, None, reason.clone(), settings);
    Verdict {
        decision: Decision::Deny,
        reason,
        ..policy
    }
}
