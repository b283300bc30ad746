//! Verdict resolution: from the rules that matched one tool call to the answer the agent gets.
//!
//! One implementation serves both hosts (the embedded engine in `premptictl daemon` and real
//! Falco through the alert intake), so the same matches always give the same verdict.
//!
//! # Rules
//!
//! - A matched rule carrying a *deny* tag (default `coding_agent_deny`) votes deny, one carrying
//!   an *ask* tag (default `coding_agent_ask`) votes ask; a rule with both votes deny. Rules
//!   carrying a *seen* tag (default `coding_agent_seen`) never vote, whatever their other tags:
//!   they only mark a call as fully evaluated on the Falco host.
//! - deny > ask > the default action (`allow` or `defer`).
//! - The deciding rule is the first rule, in evaluation order, among those with the most severe
//!   vote. The reason is `<rule>: <rendered output>`.
//! - When several rules vote for the deciding decision, the reason names the others after the
//!   deciding one: `<rule>: <output> (also matched: <rule2>, <rule3>)`, at most
//!   [`MAX_ALSO_LISTED`] names followed by `and N more`. Listing them lets the model fix
//!   every problem of a call at once instead of discovering them one denial at a time; their
//!   messages are left out to keep the reason short (they are all in the audit record).
//! - Modes: `guardrails` answers the policy decision; `monitor` and `passthrough` answer the
//!   default action and keep the policy decision in [`Verdict::policy_decision`] ("would deny").
//!   In those modes a would-be deny or ask is reported in the reason as
//!   `<mode> mode, would <decision>: <rule>: <output>`.
//!
//! Mode and default action live in a [`SharedSettings`] handle that the broker and the hosts
//! share. It is one atomic word, so a switch is seen whole by every reader at once and there
//! is never a moment without a policy.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use prempti_protocol::{Decision, DefaultAction, Mode};
use serde::{Deserialize, Serialize};

/// Default tag that makes a rule vote deny.
pub const DEFAULT_DENY_TAG: &str = "coding_agent_deny";
/// Default tag that makes a rule vote ask.
pub const DEFAULT_ASK_TAG: &str = "coding_agent_ask";
/// Default tag of the catch-all rule that marks a call as fully evaluated.
pub const DEFAULT_SEEN_TAG: &str = "coding_agent_seen";
/// How many other deciding rules the reason names before summarizing the rest.
pub const MAX_ALSO_LISTED: usize = 3;

/// Mode and default action in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct RuntimeSettings {
    /// How verdicts are enforced.
    pub mode: Mode,
    /// The answer when no rule votes deny or ask.
    pub default_action: DefaultAction,
}

impl RuntimeSettings {
    fn pack(self) -> u8 {
        let mode = match self.mode {
            Mode::Guardrails => 0,
            Mode::Monitor => 1,
            Mode::Passthrough => 2,
        };
        let action = match self.default_action {
            DefaultAction::Defer => 0,
            DefaultAction::Allow => 1,
        };
        mode | (action << 2)
    }

    fn unpack(bits: u8) -> Self {
        let mode = match bits & 0b11 {
            1 => Mode::Monitor,
            2 => Mode::Passthrough,
            _ => Mode::Guardrails,
        };
        let default_action = if bits & 0b100 != 0 {
            DefaultAction::Allow
        } else {
            DefaultAction::Defer
        };
        RuntimeSettings {
            mode,
            default_action,
        }
    }
}

/// A shared, atomically switchable [`RuntimeSettings`] handle.
///
/// Cloning gives another handle to the same settings. Reads and writes are lock-free; a
/// reader always sees a mode and default action that were set together.
#[derive(Debug, Clone)]
pub struct SharedSettings {
    bits: Arc<AtomicU8>,
}

impl SharedSettings {
    /// A handle holding `initial`.
    pub fn new(initial: RuntimeSettings) -> Self {
        SharedSettings {
            bits: Arc::new(AtomicU8::new(initial.pack())),
        }
    }

    /// The settings in force now.
    pub fn get(&self) -> RuntimeSettings {
        RuntimeSettings::unpack(self.bits.load(Ordering::Acquire))
    }

    /// Replaces both settings at once; returns the previous ones.
    pub fn set(&self, settings: RuntimeSettings) -> RuntimeSettings {
        RuntimeSettings::unpack(self.bits.swap(settings.pack(), Ordering::AcqRel))
    }

    /// Switches the mode, keeping the default action; returns the previous settings.
    pub fn set_mode(&self, mode: Mode) -> RuntimeSettings {
        self.update(|s| RuntimeSettings { mode, ..s })
    }

    /// Switches the default action, keeping the mode; returns the previous settings.
    pub fn set_default_action(&self, default_action: DefaultAction) -> RuntimeSettings {
        self.update(|s| RuntimeSettings {
            default_action,
            ..s
        })
    }

    fn update(&self, f: impl Fn(RuntimeSettings) -> RuntimeSettings) -> RuntimeSettings {
        let mut current = self.bits.load(Ordering::Acquire);
        loop {
            let next = f(RuntimeSettings::unpack(current)).pack();
            match self.bits.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(previous) => return RuntimeSettings::unpack(previous),
                Err(actual) => current = actual,
            }
        }
    }
}

impl Default for SharedSettings {
    fn default() -> Self {
        SharedSettings::new(RuntimeSettings::default())
    }
}

/// The tag names that drive verdicts (configurable in the plugin's `init_config`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagConfig {
    /// Tags that make a rule vote deny.
    pub deny: Vec<String>,
    /// Tags that make a rule vote ask.
    pub ask: Vec<String>,
    /// Tags of rules that never vote (the Falco host's completion marker).
    pub seen: Vec<String>,
}

impl Default for TagConfig {
    fn default() -> Self {
        TagConfig {
            deny: vec![DEFAULT_DENY_TAG.to_owned()],
            ask: vec![DEFAULT_ASK_TAG.to_owned()],
            seen: vec![DEFAULT_SEEN_TAG.to_owned()],
        }
    }
}

impl TagConfig {
    /// Whether `rule` carries a seen tag (and so never votes).
    pub fn is_seen(&self, rule: &MatchedRule) -> bool {
        rule.tags.iter().any(|t| self.seen.contains(t))
    }

    /// The vote of one matched rule: `Some(Deny)`, `Some(Ask)`, or `None` for no opinion.
    pub fn vote(&self, rule: &MatchedRule) -> Option<Decision> {
        if self.is_seen(rule) {
            None
        } else if rule.tags.iter().any(|t| self.deny.contains(t)) {
            Some(Decision::Deny)
        } else if rule.tags.iter().any(|t| self.ask.contains(t)) {
            Some(Decision::Ask)
        } else {
            None
        }
    }
}

/// One rule that matched a call, in evaluation order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedRule {
    /// The rule name.
    pub rule: String,
    /// The canonical priority name (`Critical`, `Warning`, ...).
    pub priority: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The rendered output, without Falco's time and priority prefix.
    pub output: String,
}

/// The resolved verdict of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// What the agent is told.
    pub decision: Decision,
    /// What the rules said before the mode was applied (the default action when no rule voted).
    pub policy_decision: Decision,
    /// The mode the verdict was resolved under.
    pub mode: Mode,
    /// The reason the agent is told (empty when no rule voted).
    pub reason: String,
    /// The rule whose vote decided, if any.
    pub deciding_rule: Option<String>,
    /// `<rule>: <output>` of the deciding rule plus the "also matched" list (empty when no rule
    /// voted): the policy's reason before the mode was applied.
    pub policy_reason: String,
}

impl Verdict {
    /// The verdict for a call no rule voted on.
    pub fn default_for(settings: RuntimeSettings) -> Verdict {
        let decision = settings.default_action.decision();
        Verdict {
            decision,
            policy_decision: decision,
            mode: settings.mode,
            reason: String::new(),
            deciding_rule: None,
            policy_reason: String::new(),
        }
    }

    /// Builds a verdict from a policy decision and reason, applying the mode.
    pub fn from_policy(
        policy_decision: Decision,
        deciding_rule: Option<String>,
        policy_reason: String,
        settings: RuntimeSettings,
    ) -> Verdict {
        let default = settings.default_action.decision();
        // A policy "decision" of allow/defer is no vote: it is always the default action.
        let policy_decision = if policy_decision.severity() == 0 {
            default
        } else {
            policy_decision
        };
        let (decision, reason) = match settings.mode {
            Mode::Guardrails => (policy_decision, policy_reason.clone()),
            Mode::Monitor | Mode::Passthrough => {
                let reason = if policy_decision.severity() > 0 {
                    format!(
                        "{} mode, would {}: {}",
                        settings.mode, policy_decision, policy_reason
                    )
                } else {
                    String::new()
                };
                (default, reason)
            }
        };
        Verdict {
            decision,
            policy_decision,
            mode: settings.mode,
            reason,
            deciding_rule,
            policy_reason,
        }
    }
}

/// Resolves the verdict of one call from its matched rules (in evaluation order).
pub fn resolve(matches: &[MatchedRule], tags: &TagConfig, settings: RuntimeSettings) -> Verdict {
    let mut best: Option<(Decision, &MatchedRule)> = None;
    let mut also: Vec<&str> = Vec::new();
    for rule in matches {
        let Some(vote) = tags.vote(rule) else {
            continue;
        };
        match best {
            Some((current, _)) if vote.severity() < current.severity() => {}
            Some((current, _)) if vote.severity() == current.severity() => also.push(&rule.rule),
            _ => {
                best = Some((vote, rule));
                also.clear();
            }
        }
    }
    match best {
        None => Verdict::default_for(settings),
        Some((decision, rule)) => {
            let mut reason = format!("{}: {}", rule.rule, rule.output.trim());
            append_also(&mut reason, &also);
            Verdict::from_policy(decision, Some(rule.rule.clone()), reason, settings)
        }
    }
}

/// Combines the verdicts of several events that make up one call (a Codex `apply_patch`
/// touching several files is one event per file) with deny > ask > default action.
///
/// The deciding verdict is the first among the most severe policy decisions; the others with
/// the same decision are named as "also matched". The mode is applied once, with `settings`.
pub fn escalate(verdicts: impl IntoIterator<Item = Verdict>, settings: RuntimeSettings) -> Verdict {
    let mut best: Option<Verdict> = None;
    let mut also: Vec<String> = Vec::new();
    for verdict in verdicts {
        if verdict.policy_decision.severity() == 0 {
            continue;
        }
        match &best {
            Some(current)
                if verdict.policy_decision.severity() < current.policy_decision.severity() => {}
            Some(current)
                if verdict.policy_decision.severity() == current.policy_decision.severity() =>
            {
                if let Some(rule) = verdict.deciding_rule {
                    if current.deciding_rule.as_ref() != Some(&rule) && !also.contains(&rule) {
                        also.push(rule);
                    }
                }
            }
            _ => {
                best = Some(verdict);
                also.clear();
            }
        }
    }
    match best {
        None => Verdict::default_for(settings),
        Some(best) => {
            let mut reason = best.policy_reason;
            let also: Vec<&str> = also.iter().map(String::as_str).collect();
            append_also(&mut reason, &also);
            Verdict::from_policy(best.policy_decision, best.deciding_rule, reason, settings)
        }
    }
}

fn append_also(reason: &mut String, also: &[&str]) {
    if also.is_empty() {
        return;
    }
    let shown = also.len().min(MAX_ALSO_LISTED);
    reason.push_str(" (also matched: ");
    reason.push_str(&also[..shown].join(", "));
    if also.len() > shown {
        reason.push_str(&format!(" and {} more", also.len() - shown));
    }
    reason.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, tags: &[&str]) -> MatchedRule {
        MatchedRule {
            rule: name.into(),
            priority: "Warning".into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            output: format!("{name} said so"),
        }
    }

    const GUARD: RuntimeSettings = RuntimeSettings {
        mode: Mode::Guardrails,
        default_action: DefaultAction::Defer,
    };

    #[test]
    fn deny_beats_ask_beats_default() {
        let tags = TagConfig::default();
        let v = resolve(&[], &tags, GUARD);
        assert_eq!(
            (v.decision, v.reason.as_str(), v.deciding_rule),
            (Decision::Defer, "", None)
        );
        let allow = RuntimeSettings {
            default_action: DefaultAction::Allow,
            ..GUARD
        };
        assert_eq!(
            resolve(&[rule("info", &["x"])], &tags, allow).decision,
            Decision::Allow
        );

        let matches = [
            rule("a", &["coding_agent_ask"]),
            rule("d", &["coding_agent_deny"]),
            rule("n", &[]),
        ];
        let v = resolve(&matches, &tags, GUARD);
        assert_eq!(v.decision, Decision::Deny);
        assert_eq!(v.policy_decision, Decision::Deny);
        assert_eq!(v.deciding_rule.as_deref(), Some("d"));
        assert_eq!(v.reason, "d: d said so");

        let v = resolve(&matches[..1], &tags, GUARD);
        assert_eq!(
            (v.decision, v.reason.as_str()),
            (Decision::Ask, "a: a said so")
        );
    }

    #[test]
    fn first_deciding_rule_wins_and_the_others_are_named() {
        let tags = TagConfig::default();
        let matches = [
            rule("a1", &["coding_agent_ask"]),
            rule("d1", &["coding_agent_deny"]),
            rule("d2", &["coding_agent_deny", "coding_agent_ask"]),
            rule("a2", &["coding_agent_ask"]),
            rule("d3", &["coding_agent_deny"]),
            rule("d4", &["coding_agent_deny"]),
            rule("d5", &["coding_agent_deny"]),
        ];
        let v = resolve(&matches, &tags, GUARD);
        assert_eq!(v.deciding_rule.as_deref(), Some("d1"));
        assert_eq!(
            v.reason,
            "d1: d1 said so (also matched: d2, d3, d4 and 1 more)"
        );
    }

    #[test]
    fn seen_rules_never_decide_and_tags_are_configurable() {
        let tags = TagConfig::default();
        let v = resolve(
            &[rule("seen", &["coding_agent_seen", "coding_agent_deny"])],
            &tags,
            GUARD,
        );
        assert_eq!(v.decision, Decision::Defer);
        let custom = TagConfig {
            deny: vec!["block".into()],
            ask: vec![],
            seen: vec![],
        };
        assert_eq!(
            resolve(&[rule("b", &["block"])], &custom, GUARD).decision,
            Decision::Deny
        );
        assert_eq!(
            resolve(&[rule("b", &["coding_agent_deny"])], &custom, GUARD).decision,
            Decision::Defer
        );
    }

    #[test]
    fn monitor_and_passthrough_answer_the_default_and_keep_the_policy() {
        let tags = TagConfig::default();
        let matches = [rule("d", &["coding_agent_deny"])];
        for mode in [Mode::Monitor, Mode::Passthrough] {
            let settings = RuntimeSettings {
                mode,
                default_action: DefaultAction::Allow,
            };
            let v = resolve(&matches, &tags, settings);
            assert_eq!(v.decision, Decision::Allow);
            assert_eq!(v.policy_decision, Decision::Deny);
            assert_eq!(v.reason, format!("{mode} mode, would deny: d: d said so"));
            assert_eq!(v.policy_reason, "d: d said so");
            let quiet = resolve(&[], &tags, settings);
            assert_eq!(
                (quiet.decision, quiet.policy_decision),
                (Decision::Allow, Decision::Allow)
            );
        }
    }

    #[test]
    fn escalation_combines_per_file_verdicts() {
        let tags = TagConfig::default();
        let per_file = [
            resolve(&[], &tags, GUARD),
            resolve(&[rule("ask-a", &["coding_agent_ask"])], &tags, GUARD),
            resolve(&[rule("deny-b", &["coding_agent_deny"])], &tags, GUARD),
            resolve(&[rule("deny-c", &["coding_agent_deny"])], &tags, GUARD),
            resolve(&[rule("deny-b", &["coding_agent_deny"])], &tags, GUARD),
        ];
        let v = escalate(per_file.clone(), GUARD);
        assert_eq!(v.decision, Decision::Deny);
        assert_eq!(v.deciding_rule.as_deref(), Some("deny-b"));
        assert_eq!(v.reason, "deny-b: deny-b said so (also matched: deny-c)");
        let v = escalate(per_file[..2].to_vec(), GUARD);
        assert_eq!(
            (v.decision, v.deciding_rule.as_deref()),
            (Decision::Ask, Some("ask-a"))
        );
        let v = escalate(Vec::new(), GUARD);
        assert_eq!(v.decision, Decision::Defer);
        let monitor = RuntimeSettings {
            mode: Mode::Monitor,
            ..GUARD
        };
        let v = escalate(per_file, monitor);
        assert_eq!(
            (v.decision, v.policy_decision),
            (Decision::Defer, Decision::Deny)
        );
    }

    #[test]
    fn shared_settings_switch_atomically() {
        let shared = SharedSettings::default();
        assert_eq!(shared.get(), RuntimeSettings::default());
        let other = shared.clone();
        other.set_mode(Mode::Passthrough);
        other.set_default_action(DefaultAction::Allow);
        assert_eq!(
            shared.get(),
            RuntimeSettings {
                mode: Mode::Passthrough,
                default_action: DefaultAction::Allow
            }
        );
        for mode in [Mode::Guardrails, Mode::Monitor, Mode::Passthrough] {
            for default_action in [DefaultAction::Allow, DefaultAction::Defer] {
                let s = RuntimeSettings {
                    mode,
                    default_action,
                };
                shared.set(s);
                assert_eq!(other.get(), s);
            }
        }
    }
}
