//! One evaluation of a call: its events → the rule engine → matched rules → the verdict, with
//! the mode, the default action and the escalation of a call split into several events.
//!
//! Every place that turns a tool call into a verdict goes through this module, so they cannot
//! drift apart:
//!
//! - the daemon's embedded host and every `premptictl rules` tool and `premptictl scan` call
//!   [`evaluate`], which runs the embedded rule engine over each event of the call;
//! - the Falco host, whose rule engine is Falco itself, gets each event's matches back as
//!   alerts and calls [`decide`], the second half of [`evaluate`].
//!
//! What makes the verdict is passed in, never assumed: the ruleset (compiled with the
//! configured `rule_matching`, `priority` and `append_output`), the configured tag names
//! ([`TagConfig`]) and the mode and default action ([`RuntimeSettings`]).

use prempti_rules::{EventMeta, Match, Ruleset};

use crate::agents::ToolCall;
use crate::fields;
use crate::verdict::{escalate, resolve, MatchedRule, RuntimeSettings, TagConfig, Verdict};

/// A decided call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The verdict: per event with [`resolve`], combined with [`escalate`] when the call was
    /// split into several events.
    pub verdict: Verdict,
    /// Every matched rule that is not a seen marker, in evaluation order, event after event.
    pub matched: Vec<MatchedRule>,
}

/// Decides a call from the matches of each of its events (one list per event, in evaluation
/// order; seen markers may be included and never vote). No event at all gives the default
/// action.
pub fn decide(
    per_event: Vec<Vec<MatchedRule>>,
    tags: &TagConfig,
    settings: RuntimeSettings,
) -> Decided {
    let mut verdicts = Vec::with_capacity(per_event.len());
    let mut matched = Vec::new();
    for event in per_event {
        verdicts.push(resolve(&event, tags, settings));
        matched.extend(event.into_iter().filter(|m| !tags.is_seen(m)));
    }
    let verdict = match verdicts.len() {
        0 => Verdict::default_for(settings),
        1 => verdicts
            .pop()
            .unwrap_or_else(|| Verdict::default_for(settings)),
        _ => escalate(verdicts, settings),
    };
    Decided { verdict, matched }
}

/// Evaluates the events of one call (as [`crate::agents::parse_call`] normalized them) against
/// `ruleset` and decides it. `on_match` sees every match, seen markers included, in
/// evaluation order (the daemon renders its alerts from them).
pub fn evaluate(
    ruleset: &Ruleset,
    meta: &EventMeta,
    calls: &[ToolCall],
    tags: &TagConfig,
    settings: RuntimeSettings,
    mut on_match: impl FnMut(&Match),
) -> Decided {
    let per_event = calls
        .iter()
        .map(|call| {
            ruleset
                .evaluate(fields::SOURCE, meta, call)
                .into_iter()
                .map(|m| {
                    on_match(&m);
                    MatchedRule::from(m)
                })
                .collect()
        })
        .collect();
    decide(per_event, tags, settings)
}

impl From<Match> for MatchedRule {
    fn from(m: Match) -> MatchedRule {
        MatchedRule {
            rule: m.rule,
            priority: m.priority.as_str().to_owned(),
            tags: m.tags,
            output: m.output,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prempti_protocol::{Decision, DefaultAction, Mode};

    fn rule(name: &str, tag: &str) -> MatchedRule {
        MatchedRule {
            rule: name.into(),
            priority: "Warning".into(),
            tags: vec![tag.into()],
            output: format!("{name} said so"),
        }
    }

    const GUARD: RuntimeSettings = RuntimeSettings {
        mode: Mode::Guardrails,
        default_action: DefaultAction::Defer,
    };

    #[test]
    fn a_split_call_escalates_and_names_each_rule_once() {
        let decided = decide(
            vec![
                vec![
                    rule("A", "coding_agent_ask"),
                    rule("seen", "coding_agent_seen"),
                ],
                vec![rule("seen", "coding_agent_seen")],
                vec![
                    rule("D", "coding_agent_deny"),
                    rule("seen", "coding_agent_seen"),
                ],
                vec![
                    rule("D", "coding_agent_deny"),
                    rule("seen", "coding_agent_seen"),
                ],
            ],
            &TagConfig::default(),
            GUARD,
        );
        assert_eq!(decided.verdict.decision, Decision::Deny);
        assert_eq!(decided.verdict.reason, "D: D said so");
        let names: Vec<&str> = decided.matched.iter().map(|m| m.rule.as_str()).collect();
        assert_eq!(names, ["A", "D", "D"]);
    }

    #[test]
    fn configured_tags_and_settings_decide() {
        let tags = TagConfig {
            deny: vec!["block".into()],
            ask: vec!["confirm".into()],
            seen: vec!["done".into()],
        };
        let event = vec![rule("Old", "coding_agent_deny"), rule("New", "confirm")];
        let decided = decide(vec![event.clone()], &tags, GUARD);
        assert_eq!(decided.verdict.decision, Decision::Ask);
        let monitor = RuntimeSettings {
            mode: Mode::Monitor,
            default_action: DefaultAction::Allow,
        };
        let decided = decide(vec![event], &tags, monitor);
        assert_eq!(decided.verdict.decision, Decision::Allow);
        assert_eq!(decided.verdict.policy_decision, Decision::Ask);
        assert_eq!(
            decide(Vec::new(), &tags, monitor).verdict.decision,
            Decision::Allow
        );
    }
}
