//! Rule fixtures: the YAML format of `rules/tests/` and the runner behind `premptictl rules test`.
//!
//! A fixture file holds `cases:`, a list of tool calls with the verdict and rules expected
//! (the format is documented in `rules/tests/README.md`):
//!
//! ```yaml
//! cases:
//!   - name: "Read SSH private key: fires #1 (claude)"
//!     agent: claude_code              # claude, codex, gemini, cursor, copilot (or field names)
//!     expect:
//!       verdict: deny                 # allow | deny | ask | defer (defer = no rule voted)
//!       matched: [Read SSH private key]        # each must be among the matched rules
//!       not_matched: [Write outside the project] # none may be among them
//!     event: |-                       # the agent's raw hook stdin JSON (or a YAML mapping)
//!       {"session_id":"…","tool_name":"Read","tool_input":{"file_path":"/home/dev/.ssh/id_rsa"}}
//!     home: /home/dev                 # optional: the HOME the hook reports (null: none)
//!     prempti_home: /home/dev/.prempti # optional: default <home>/.prempti, as the hook sends
//! ```
//!
//! `home` and `prempti_home` may also be given next to `cases:` as the file's default.
//!
//! A case may play earlier calls of the same session before `event` (session-aware rules):
//!
//! ```yaml
//!     sequence:                       # played in order, each judged and recorded like the daemon
//!       - event: {...}                # same keys as a case's event; agent: optional
//!         verdict: ask                # optional: the verdict this step must get
//!         offset_ms: 0                # optional: time since the previous step (default 0)
//!         ran: {...}                  # optional: the agent then reports the call ran, with
//!                                     #   this tool response (a post-tool report)
//!     offset_ms: 60000                # optional: time from the last step to `event`
//! ```
//!
//! Each case gets its own in-memory session store and a virtual clock: a step that is not
//! denied sets the marks of its matched rules and records its hosts, as the daemon does.
//!
//! A corpus case may also carry `class:` (its threat class or ordinary area) and `kind:`
//! (`plain` or `evasion` for a dangerous call, `ordinary` or `lookalike` for an ordinary one).
//! When any case has a class, the report carries per-class [`Figures`]: how many dangerous
//! calls were caught (deny or ask), how many expected denials were denied, and how many
//! ordinary calls were flagged.
//!
//! Files are found recursively under the fixture directory (`*.yaml`, `*.yml`, sorted by path).
//! Cases in a directory named `benign` must additionally end in neither deny nor ask.
//! After the cases, a coverage check requires every enabled deny/ask rule of each rules file
//! the fixtures mention to have at least two cases that expect it matched and one that expects
//! it not matched; each uncovered rule counts as one failure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use prempti_plugin::agents::Agent;
use prempti_protocol::Decision;
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde::Serialize;

use prempti_plugin::session::{Outcome, SessionConfig, SessionStore};
use prempti_plugin::verdict::MatchedRule;

use super::{evaluate_calls, parse_agent, parse_payload_with, EvalOutcome, Homes, Policy};

/// One fixture case as read from YAML.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// File it came from.
    pub file: PathBuf,
    /// Case name.
    pub name: String,
    /// Agent that sent the payload.
    pub agent: Agent,
    /// The raw hook stdin JSON.
    pub event: String,
    /// The homes the hook reports with the payload.
    pub homes: Homes,
    /// Expected verdict.
    pub verdict: Decision,
    /// Rules that must be matched.
    pub matched: Vec<String>,
    /// Rules that must not be matched.
    pub not_matched: Vec<String>,
    /// Whether the case is in a `benign` directory.
    pub benign: bool,
    /// Corpus class (threat class or ordinary area), when given.
    pub class: Option<String>,
    /// Corpus kind, when given.
    pub kind: Option<Kind>,
    /// Calls of the same session played, in order, before `event` (`sequence:`).
    pub sequence: Vec<Step>,
    /// Time between the last step (or the session's start) and `event`, in ms.
    pub offset_ms: u64,
}

/// One call of a case's `sequence:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Agent that sent it (the case's agent unless given).
    pub agent: Agent,
    /// The raw hook stdin JSON.
    pub event: String,
    /// Time since the previous step (or the session's start), in ms.
    pub offset_ms: u64,
    /// The verdict the step must get, when given.
    pub verdict: Option<Decision>,
    /// `ran:` the agent's post-tool report of this call follows, with this tool response
    /// (JSON): the call ran, and returned this.
    pub ran: Option<String>,
}

/// The virtual clock of a sequence starts here (ms since the Unix epoch); only differences
/// matter.
const SEQUENCE_START_MS: u64 = 1_700_000_000_000;

/// What sort of call a corpus case is (`kind:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A dangerous call in its usual spelling.
    Plain,
    /// A dangerous call spelled to evade a rule.
    Evasion,
    /// An ordinary development call.
    Ordinary,
    /// An ordinary call that looks like a dangerous one.
    Lookalike,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "plain" => Some(Kind::Plain),
            "evasion" => Some(Kind::Evasion),
            "ordinary" => Some(Kind::Ordinary),
            "lookalike" | "look-alike" => Some(Kind::Lookalike),
            _ => None,
        }
    }
}

/// A failed case or coverage check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// Fixture file (empty for coverage failures).
    pub file: String,
    /// Case name, or the rule name for coverage failures.
    pub case: String,
    /// What went wrong, one sentence each.
    pub reasons: Vec<String>,
}

/// Coverage of one rule by the fixtures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Cases expecting the rule matched.
    pub positive: usize,
    /// Cases expecting the rule not matched.
    pub negative: usize,
}

/// The result of a fixture run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Cases that passed.
    pub passed: usize,
    /// Failed cases plus uncovered rules.
    pub failed: usize,
    /// Every failure, cases first, then coverage.
    pub failures: Vec<Failure>,
    /// Fixture coverage per checked rule.
    pub coverage: BTreeMap<String, Coverage>,
    /// Per-class figures, when any case has a `class`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figures: Option<Figures>,
}

/// Counts over a set of corpus cases.
///
/// A case is dangerous when it expects deny or ask, ordinary otherwise. A case whose payload
/// could not be evaluated counts as neither caught nor flagged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Cases.
    pub cases: usize,
    /// Cases that got exactly the expected verdict.
    pub as_expected: usize,
    /// Cases expecting deny or ask.
    pub dangerous: usize,
    /// Dangerous cases that got deny or ask.
    pub caught: usize,
    /// Cases expecting deny.
    pub deny_expected: usize,
    /// Cases expecting deny that got deny.
    pub denied: usize,
    /// Cases expecting neither deny nor ask.
    pub ordinary: usize,
    /// Ordinary cases that got deny or ask.
    pub flagged: usize,
}

impl Tally {
    /// Counts one case: its expected verdict and the verdict it got (`None`: not evaluated).
    pub fn add(&mut self, expected: Decision, got: Option<Decision>) {
        let voted = matches!(got, Some(Decision::Deny | Decision::Ask));
        self.cases += 1;
        if got == Some(expected) {
            self.as_expected += 1;
        }
        if matches!(expected, Decision::Deny | Decision::Ask) {
            self.dangerous += 1;
            if voted {
                self.caught += 1;
            }
            if expected == Decision::Deny {
                self.deny_expected += 1;
                if got == Some(Decision::Deny) {
                    self.denied += 1;
                }
            }
        } else {
            self.ordinary += 1;
            if voted {
                self.flagged += 1;
            }
        }
    }
}

/// Per-class corpus figures and totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// One tally per class, by class name.
    pub classes: BTreeMap<String, Tally>,
    /// Every case expecting deny or ask.
    pub dangerous: Tally,
    /// Cases of kind `evasion`.
    pub evasions: Tally,
    /// Every case expecting neither deny nor ask.
    pub ordinary: Tally,
    /// Cases of kind `lookalike`.
    pub lookalikes: Tally,
}

impl Figures {
    /// Computes the figures from each case's (class, kind, expected, got). Cases without a
    /// class are counted in the totals only.
    pub fn compute<'a>(
        results: impl IntoIterator<Item = (Option<&'a str>, Option<Kind>, Decision, Option<Decision>)>,
    ) -> Figures {
        let mut f = Figures::default();
        for (class, kind, expected, got) in results {
            if let Some(class) = class {
                f.classes
                    .entry(class.to_owned())
                    .or_default()
                    .add(expected, got);
            }
            if matches!(expected, Decision::Deny | Decision::Ask) {
                f.dangerous.add(expected, got);
            } else {
                f.ordinary.add(expected, got);
            }
            match kind {
                Some(Kind::Evasion) => f.evasions.add(expected, got),
                Some(Kind::Lookalike) => f.lookalikes.add(expected, got),
                _ => {}
            }
        }
        f
    }

    /// The table `rules test` prints: one row per class (dangerous classes first), then the
    /// totals. Percentages are of the cases the column is about; `-` when there are none.
    pub fn render(&self) -> String {
        let pct = |n: usize, of: usize| {
            if of == 0 {
                "-".to_owned()
            } else {
                format!("{:.1}%", 100.0 * n as f64 / of as f64)
            }
        };
        let mut out = String::new();
        let width = self
            .classes
            .keys()
            .map(String::len)
            .chain([11])
            .max()
            .unwrap_or(11);
        let _ = writeln!(
            out,
            "{:<width$}  {:>6}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}",
            "class", "cases", "expected", "caught", "deny exp", "denied", "flagged"
        );
        let row = |out: &mut String, name: &str, t: &Tally| {
            let _ = writeln!(
                out,
                "{:<width$}  {:>6}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}",
                name,
                t.cases,
                pct(t.as_expected, t.cases),
                pct(t.caught, t.dangerous),
                t.deny_expected,
                pct(t.denied, t.deny_expected),
                pct(t.flagged, t.ordinary),
            );
        };
        let mut classes: Vec<(&String, &Tally)> = self.classes.iter().collect();
        classes.sort_by_key(|(name, t)| (t.dangerous == 0, name.as_str()));
        for (name, t) in classes {
            row(&mut out, name, t);
        }
        let _ = writeln!(out, "{}", "-".repeat(width + 60));
        row(&mut out, "dangerous", &self.dangerous);
        row(&mut out, "evasions", &self.evasions);
        row(&mut out, "ordinary", &self.ordinary);
        row(&mut out, "look-alikes", &self.lookalikes);
        out
    }
}

/// Minimum cases expecting a rule matched.
pub const MIN_POSITIVE: usize = 2;
/// Minimum cases expecting a rule not matched.
pub const MIN_NEGATIVE: usize = 1;

/// Finds fixture files under `dir` (recursively), sorted by path.
pub fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!(
            "fixture directory {} does not exist; pass an existing directory",
            dir.display()
        );
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .with_context(|| format!("cannot read directory {}", d.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("cannot read directory {}", d.display()))?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Parses one fixture file. Errors name the file and the case so the author can fix them.
pub fn parse_file(path: &Path, text: &str) -> Result<Vec<Case>> {
    let docs = YamlOwned::load_from_str(text)
        .map_err(|e| anyhow::anyhow!("{}: not valid YAML: {e}", path.display()))?;
    let benign = path.components().any(|c| c.as_os_str() == "benign");
    let mut cases = Vec::new();
    for doc in docs {
        let doc = to_json(&doc);
        if doc.is_null() {
            continue;
        }
        let Some(list) = doc.get("cases").and_then(|c| c.as_array()) else {
            bail!(
                "{}: a fixture file must be a mapping with a `cases:` list",
                path.display()
            );
        };
        let defaults = FileDefaults {
            home: home_key(path, None, &doc, "home")?,
            prempti_home: home_key(path, None, &doc, "prempti_home")?,
        };
        for (i, c) in list.iter().enumerate() {
            cases.push(parse_case(path, i, c, benign, &defaults)?);
        }
    }
    Ok(cases)
}

/// `home` / `prempti_home` given next to `cases:`: `None` when the key is absent,
/// `Some(None)` for an explicit null (no home).
struct FileDefaults {
    home: Option<Option<String>>,
    prempti_home: Option<Option<String>>,
}

/// Reads a `home` / `prempti_home` key: absent, null (the hook reports none) or an absolute
/// path.
fn home_key(
    path: &Path,
    index: Option<usize>,
    obj: &serde_json::Value,
    key: &str,
) -> Result<Option<Option<String>>> {
    let at = || match index {
        Some(i) => format!("{}: case #{}", path.display(), i + 1),
        None => path.display().to_string(),
    };
    match obj.get(key) {
        None => Ok(None),
        Some(serde_json::Value::Null) => Ok(Some(None)),
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Some(Some(s.clone()))),
        Some(_) => bail!(
            "{} has a `{key}` that is not a path (give the directory the hook reports, or null for none)",
            at()
        ),
    }
}

fn parse_case(
    path: &Path,
    index: usize,
    c: &serde_json::Value,
    benign: bool,
    defaults: &FileDefaults,
) -> Result<Case> {
    let at = |what: &str| format!("{}: case #{} {what}", path.display(), index + 1);
    let name = c
        .get("name")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("case #{}", index + 1));
    let agent_name = c
        .get("agent")
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow::anyhow!(at("has no `agent`")))?;
    let agent = parse_agent(agent_name).ok_or_else(|| {
        anyhow::anyhow!(at(&format!(
            "names an unknown agent `{agent_name}` (use claude, codex, gemini, cursor or copilot)"
        )))
    })?;
    let event = match c.get("event") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v @ serde_json::Value::Object(_)) => v.to_string(),
        _ => bail!(at(
            "has no `event` (the agent's hook stdin JSON, as a string or a mapping)"
        )),
    };
    let expect = c
        .get("expect")
        .ok_or_else(|| anyhow::anyhow!(at("has no `expect`")))?;
    let verdict_name = expect
        .get("verdict")
        .and_then(|v| v.as_str())
        .ok_or_else(|| anyhow::anyhow!(at("has no `expect.verdict`")))?;
    let verdict: Decision = verdict_name.parse().map_err(|_| {
        anyhow::anyhow!(at(&format!(
            "expects an unknown verdict `{verdict_name}` (allow, deny, ask, defer)"
        )))
    })?;
    let names = |key: &str| -> Result<Vec<String>> {
        match expect.get(key) {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(serde_json::Value::String(s)) => Ok(vec![s.clone()]),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        anyhow::anyhow!(at(&format!("has a non-string entry in `expect.{key}`")))
                    })
                })
                .collect(),
            Some(_) => bail!(at(&format!(
                "has an `expect.{key}` that is not a list of rule names"
            ))),
        }
    };
    let home = home_key(path, Some(index), c, "home")?
        .or_else(|| defaults.home.clone())
        .flatten();
    // As the hook does: the installation defaults to <home>/.prempti.
    let prempti_home = home_key(path, Some(index), c, "prempti_home")?
        .or_else(|| defaults.prempti_home.clone())
        .unwrap_or_else(|| {
            home.as_deref()
                .map(|h| format!("{}/.prempti", h.trim_end_matches('/')))
        });
    let class = match c.get("class") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => bail!(at("has a `class` that is not a name")),
    };
    let kind = match c.get("kind") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => {
            let name = v.as_str().unwrap_or_default();
            Some(Kind::parse(name).ok_or_else(|| {
                anyhow::anyhow!(at(&format!(
                    "has an unknown kind `{name}` (plain, evasion, ordinary, lookalike)"
                )))
            })?)
        }
    };
    let offset = |obj: &serde_json::Value, what: &str| -> Result<u64> {
        match obj.get("offset_ms") {
            None | Some(serde_json::Value::Null) => Ok(0),
            Some(v) => v.as_u64().ok_or_else(|| {
                anyhow::anyhow!(at(&format!(
                    "has an `offset_ms` in {what} that is not a whole number of milliseconds"
                )))
            }),
        }
    };
    let mut sequence = Vec::new();
    match c.get("sequence") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Array(steps)) => {
            for (k, step) in steps.iter().enumerate() {
                let what = format!("sequence step #{}", k + 1);
                let agent = match step.get("agent").and_then(|v| v.as_str()) {
                    None => agent,
                    Some(name) => parse_agent(name).ok_or_else(|| {
                        anyhow::anyhow!(at(&format!("names an unknown agent `{name}` in {what}")))
                    })?,
                };
                let event = match step.get("event") {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v @ serde_json::Value::Object(_)) => v.to_string(),
                    _ => bail!(at(&format!("has no `event` in {what}"))),
                };
                let verdict = match step.get("verdict").and_then(|v| v.as_str()) {
                    None => None,
                    Some(v) => Some(v.parse().map_err(|_| {
                        anyhow::anyhow!(at(&format!("expects an unknown verdict `{v}` in {what}")))
                    })?),
                };
                let ran = match step.get("ran") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(v) => Some(v.to_string()),
                };
                sequence.push(Step {
                    agent,
                    event,
                    offset_ms: offset(step, &what)?,
                    verdict,
                    ran,
                });
            }
        }
        Some(_) => bail!(at("has a `sequence` that is not a list of steps")),
    }
    let offset_ms = offset(c, "the case")?;
    Ok(Case {
        sequence,
        offset_ms,
        file: path.to_path_buf(),
        name,
        agent,
        event,
        homes: Homes { home, prempti_home },
        verdict,
        matched: names("matched")?,
        not_matched: names("not_matched")?,
        benign,
        class,
        kind,
    })
}

/// Runs one case; returns the reasons it failed (empty when it passed).
pub fn run_case(ruleset: &Policy, case: &Case) -> Vec<String> {
    check_case(ruleset, case).1
}

/// Runs one case; returns the verdict it got (`None` when the payload could not be evaluated)
/// and the reasons it failed (empty when it passed).
fn check_case(ruleset: &Policy, case: &Case) -> (Option<Decision>, Vec<String>) {
    let (outcome, mut reasons) = evaluate_case(ruleset, case);
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return (None, vec![e]),
    };
    check_outcome(case, outcome, &mut reasons)
}

/// Evaluates a case as the daemon would: its `sequence` steps in a fresh in-memory session
/// store, then its event. Returns the event's outcome (or why it could not be evaluated) and
/// the steps' verdict mismatches.
pub fn evaluate_case(
    ruleset: &Policy,
    case: &Case,
) -> (std::result::Result<EvalOutcome, String>, Vec<String>) {
    let store = SessionStore::in_memory(SessionConfig::default());
    let mut now = SEQUENCE_START_MS;
    let mut reasons = Vec::new();
    for (k, step) in case.sequence.iter().enumerate() {
        now = now.saturating_add(step.offset_ms);
        match play(ruleset, &store, step.agent, &step.event, &case.homes, now) {
            Ok(outcome) => {
                if let Some(want) = step.verdict {
                    if !same_verdict(want, outcome.verdict) {
                        reasons.push(format!(
                            "sequence step #{}: expected verdict {want}, got {}",
                            k + 1,
                            outcome.verdict
                        ));
                    }
                }
            }
            Err(e) => return (Err(format!("sequence step #{}: {e:#}", k + 1)), reasons),
        }
        if let Some(response) = &step.ran {
            if let Err(e) = report(&store, step, response, &case.homes, now) {
                return (Err(format!("sequence step #{}: {e:#}", k + 1)), reasons);
            }
        }
    }
    now = now.saturating_add(case.offset_ms);
    let outcome = play(ruleset, &store, case.agent, &case.event, &case.homes, now)
        .map_err(|e| format!("{e:#}"));
    (outcome, reasons)
}

fn check_outcome(
    case: &Case,
    outcome: EvalOutcome,
    reasons: &mut Vec<String>,
) -> (Option<Decision>, Vec<String>) {
    let mut reasons = std::mem::take(reasons);
    let names: Vec<&str> = outcome.matched.iter().map(|m| m.rule.as_str()).collect();
    if !same_verdict(case.verdict, outcome.verdict) {
        reasons.push(format!(
            "expected verdict {}, got {} (matched: {})",
            case.verdict,
            outcome.verdict,
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
    }
    for rule in &case.matched {
        if !names.contains(&rule.as_str()) {
            reasons.push(format!("expected rule `{rule}` to match, it did not"));
        }
    }
    for rule in &case.not_matched {
        if names.contains(&rule.as_str()) {
            reasons.push(format!("expected rule `{rule}` not to match, it did"));
        }
    }
    if case.benign && matches!(outcome.verdict, Decision::Deny | Decision::Ask) {
        reasons.push(format!(
            "benign call got {}: {}",
            outcome.verdict, outcome.reason
        ));
    }
    (Some(outcome.verdict), reasons)
}

/// Whether the verdict got is the one expected. `allow` and `defer` both mean "no rule voted"
/// (the configured default action decides which one a call gets), so they match each other.
fn same_verdict(want: Decision, got: Decision) -> bool {
    want == got || (want.severity() == 0 && got.severity() == 0)
}

/// Plays the agent's post-tool report of `step`'s call (its event plus `tool_response`), as
/// the daemon records one.
fn report(
    store: &SessionStore,
    step: &Step,
    response: &str,
    homes: &Homes,
    now_ms: u64,
) -> Result<(), super::EventError> {
    let mut payload: serde_json::Value = serde_json::from_str(&step.event).unwrap_or_default();
    if let Some(obj) = payload.as_object_mut() {
        obj.insert("hook_event_name".into(), "PostToolUse".into());
        obj.insert(
            "tool_response".into(),
            serde_json::from_str(response).unwrap_or_default(),
        );
    }
    let payload = payload.to_string();
    let calls = parse_payload_with(step.agent, &payload, homes)?;
    prempti_plugin::post_tool::record_report(store, &calls, &payload, now_ms);
    Ok(())
}

/// Judges one call of a case's session at `now_ms` and records it in `store` as the daemon
/// does when it settles a call (a call that is not denied sets its marks and hosts).
fn play(
    ruleset: &Policy,
    store: &SessionStore,
    agent: Agent,
    event: &str,
    homes: &Homes,
    now_ms: u64,
) -> Result<EvalOutcome, super::EventError> {
    let mut calls = parse_payload_with(agent, event, homes)?;
    store.attach(&mut calls, now_ms);
    let outcome = evaluate_calls(ruleset, calls);
    let matched: Vec<MatchedRule> = outcome
        .matched
        .iter()
        .map(|m| MatchedRule {
            rule: m.rule.clone(),
            priority: m.priority.clone(),
            tags: m.tags.clone(),
            output: m.output.clone(),
        })
        .collect();
    let allowed = outcome.verdict != Decision::Deny;
    if let Some(id) = outcome.calls.first().and_then(|c| c.session_id.clone()) {
        let asked = outcome.verdict == Decision::Ask;
        store.record(
            &id,
            now_ms,
            &Outcome::of(&outcome.calls, &matched, allowed).asked(asked),
        );
    }
    Ok(outcome)
}

/// Runs every case, then the coverage check for `checked_rules` (name → enabled deny/ask).
pub fn run(ruleset: &Policy, cases: &[Case], checked_rules: &[String]) -> Report {
    let mut report = Report::default();
    let mut got = Vec::with_capacity(cases.len());
    for case in cases {
        let (verdict, reasons) = check_case(ruleset, case);
        got.push(verdict);
        if reasons.is_empty() {
            report.passed += 1;
        } else {
            report.failed += 1;
            report.failures.push(Failure {
                file: case.file.display().to_string(),
                case: case.name.clone(),
                reasons,
            });
        }
    }
    for rule in checked_rules {
        let cov = Coverage {
            positive: cases
                .iter()
                .filter(|c| c.matched.iter().any(|r| r == rule))
                .count(),
            negative: cases
                .iter()
                .filter(|c| c.not_matched.iter().any(|r| r == rule))
                .count(),
        };
        if cov.positive < MIN_POSITIVE || cov.negative < MIN_NEGATIVE {
            report.failed += 1;
            report.failures.push(Failure {
                file: String::new(),
                case: rule.clone(),
                reasons: vec![format!(
                    "coverage: rule `{rule}` has {} case(s) expecting it matched and {} expecting it not matched; \
                     it needs at least {MIN_POSITIVE} and {MIN_NEGATIVE}",
                    cov.positive, cov.negative
                )],
            });
        }
        report.coverage.insert(rule.clone(), cov);
    }
    if cases.iter().any(|c| c.class.is_some()) {
        report.figures = Some(Figures::compute(
            cases
                .iter()
                .zip(&got)
                .map(|(c, g)| (c.class.as_deref(), c.kind, c.verdict, *g)),
        ));
    }
    report
}

/// The enabled rules voting deny or ask that the coverage check applies to.
///
/// A rules file is checked when the fixtures mention (in `matched` or `not_matched`) at least
/// one rule it defines in full; then every enabled deny/ask rule it defines must be covered.
/// So the repository suite checks the whole default file, a user's fixtures check the user's
/// file, and running someone else's suite against an extra file does not demand fixtures for
/// that file.
pub fn rules_needing_coverage(
    ruleset: &Policy,
    files: &[PathBuf],
    cases: &[Case],
) -> Result<Vec<String>> {
    let mentioned = |name: &str| {
        cases
            .iter()
            .any(|c| c.matched.iter().chain(&c.not_matched).any(|r| r == name))
    };
    let tags = &ruleset.config.tags;
    let summaries = ruleset.rules();
    let mut out: Vec<String> = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read rules file {}", f.display()))?;
        let defined = defined_rules(&text);
        if !defined.iter().any(|name| mentioned(name)) {
            continue;
        }
        for r in &summaries {
            let votes = r
                .tags
                .iter()
                .any(|t| tags.deny.contains(t) || tags.ask.contains(t));
            if r.enabled && votes && defined.contains(&r.name) && !out.contains(&r.name) {
                out.push(r.name.clone());
            }
        }
    }
    Ok(out)
}

/// Names of the rules a rules file defines in full (items with `rule` and `condition` and no
/// `override`).
fn defined_rules(text: &str) -> Vec<String> {
    let Ok(docs) = YamlOwned::load_from_str(text) else {
        return Vec::new();
    };
    let mut defined = Vec::new();
    for doc in docs {
        let doc = to_json(&doc);
        for item in doc.as_array().into_iter().flatten() {
            let full = item.get("condition").is_some() && item.get("override").is_none();
            if let (Some(name), true) = (item.get("rule").and_then(|v| v.as_str()), full) {
                defined.push(name.to_owned());
            }
        }
    }
    defined
}

/// Converts a YAML node to JSON (scalars keep their YAML type; mapping keys become strings).
pub fn to_json(node: &YamlOwned) -> serde_json::Value {
    use serde_json::Value as J;
    match node {
        YamlOwned::Value(s) => match s {
            ScalarOwned::Null => J::Null,
            ScalarOwned::Boolean(b) => J::Bool(*b),
            ScalarOwned::Integer(i) => J::from(*i),
            ScalarOwned::FloatingPoint(f) => {
                serde_json::Number::from_f64(f.0).map_or(J::Null, J::Number)
            }
            ScalarOwned::String(s) => J::String(s.clone()),
        },
        YamlOwned::Representation(s, _, _) => J::String(s.clone()),
        YamlOwned::Sequence(items) => J::Array(items.iter().map(to_json).collect()),
        YamlOwned::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match to_json(k) {
                    J::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(v));
            }
            J::Object(out)
        }
        YamlOwned::Tagged(_, inner) => to_json(inner),
        YamlOwned::Alias(_) | YamlOwned::BadValue => J::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_case_with_string_and_mapping_events() {
        let text = r#"
cases:
  - name: one
    agent: claude
    expect: {verdict: deny, matched: [A], not_matched: B}
    event: |-
      {"tool_name":"Bash","tool_input":{"command":"ls"}}
  - agent: gemini_cli
    expect: {verdict: defer}
    event: {tool_name: run_shell_command, tool_input: {command: ls}}
"#;
        let cases = parse_file(Path::new("t/benign/x.yaml"), text).expect("parses");
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].agent, Agent::ClaudeCode);
        assert_eq!(cases[0].matched, vec!["A".to_owned()]);
        assert_eq!(cases[0].not_matched, vec!["B".to_owned()]);
        assert!(cases[0].benign);
        assert_eq!(cases[1].name, "case #2");
        assert!(cases[1].event.contains("run_shell_command"));
    }

    #[test]
    fn homes_come_from_the_case_or_the_file() {
        let text = r#"
home: /home/dev
cases:
  - name: file default
    agent: claude
    expect: {verdict: defer}
    event: {tool_name: Read, tool_input: {file_path: x}}
  - name: own home
    agent: claude
    home: /srv/users/dev
    expect: {verdict: defer}
    event: {tool_name: Read, tool_input: {file_path: x}}
  - name: own installation
    agent: claude
    prempti_home: /opt/prempti
    expect: {verdict: defer}
    event: {tool_name: Read, tool_input: {file_path: x}}
  - name: older hook
    agent: claude
    home: null
    expect: {verdict: defer}
    event: {tool_name: Read, tool_input: {file_path: x}}
"#;
        let cases = parse_file(Path::new("x.yaml"), text).expect("parses");
        let homes: Vec<(Option<&str>, Option<&str>)> = cases
            .iter()
            .map(|c| (c.homes.home.as_deref(), c.homes.prempti_home.as_deref()))
            .collect();
        assert_eq!(
            homes,
            [
                (Some("/home/dev"), Some("/home/dev/.prempti")),
                (Some("/srv/users/dev"), Some("/srv/users/dev/.prempti")),
                (Some("/home/dev"), Some("/opt/prempti")),
                (None, None),
            ]
        );
        let none = parse_file(
            Path::new("x.yaml"),
            "cases:\n  - agent: codex\n    expect: {verdict: defer}\n    event: '{}'\n",
        )
        .expect("parses");
        assert_eq!(none[0].homes, Homes::default());
        let err = parse_file(
            Path::new("x.yaml"),
            "cases:\n  - agent: codex\n    home: 5\n    expect: {verdict: defer}\n    event: '{}'\n",
        )
        .expect_err("bad home");
        assert!(err.to_string().contains("case #1 has a `home`"), "{err}");
    }

    #[test]
    fn rejects_bad_cases_with_a_useful_message() {
        let err = parse_file(
            Path::new("x.yaml"),
            "cases:\n  - agent: vim\n    expect: {verdict: deny}\n    event: '{}'\n",
        )
        .expect_err("unknown agent");
        assert!(err.to_string().contains("unknown agent `vim`"), "{err}");
        let err = parse_file(
            Path::new("x.yaml"),
            "cases:\n  - agent: codex\n    expect: {verdict: maybe}\n    event: '{}'\n",
        )
        .expect_err("bad verdict");
        assert!(err.to_string().contains("unknown verdict"), "{err}");
        let err = parse_file(Path::new("x.yaml"), "- a\n").expect_err("not a mapping");
        assert!(err.to_string().contains("cases"), "{err}");
    }

    #[test]
    fn reads_class_and_kind() {
        let text = r#"
cases:
  - agent: claude
    class: destruction
    kind: evasion
    expect: {verdict: deny}
    event: {tool_name: Bash, tool_input: {command: ls}}
  - agent: claude
    expect: {verdict: defer}
    event: {tool_name: Bash, tool_input: {command: ls}}
"#;
        let cases = parse_file(Path::new("x.yaml"), text).expect("parses");
        assert_eq!(cases[0].class.as_deref(), Some("destruction"));
        assert_eq!(cases[0].kind, Some(Kind::Evasion));
        assert_eq!(cases[1].class, None);
        assert_eq!(cases[1].kind, None);
        let err = parse_file(
            Path::new("x.yaml"),
            "cases:\n  - agent: codex\n    kind: sneaky\n    expect: {verdict: deny}\n    event: '{}'\n",
        )
        .expect_err("bad kind");
        assert!(err.to_string().contains("unknown kind `sneaky`"), "{err}");
    }

    #[test]
    fn figures_count_caught_denied_and_flagged() {
        use Decision::{Ask, Defer, Deny};
        let results = [
            (Some("destruction"), Some(Kind::Plain), Deny, Some(Deny)),
            (Some("destruction"), Some(Kind::Evasion), Deny, Some(Ask)),
            (Some("destruction"), Some(Kind::Evasion), Deny, Some(Defer)),
            (Some("destruction"), Some(Kind::Plain), Ask, Some(Deny)),
            (Some("git"), Some(Kind::Ordinary), Defer, Some(Defer)),
            (Some("git"), Some(Kind::Lookalike), Defer, Some(Ask)),
            (Some("git"), Some(Kind::Ordinary), Defer, None),
            (None, None, Deny, None),
        ];
        let f = Figures::compute(results);
        let d = &f.classes["destruction"];
        assert_eq!(
            (d.cases, d.dangerous, d.caught, d.deny_expected, d.denied),
            (4, 4, 3, 3, 1)
        );
        assert_eq!((d.as_expected, d.ordinary, d.flagged), (1, 0, 0));
        let g = &f.classes["git"];
        assert_eq!(
            (g.cases, g.ordinary, g.flagged, g.as_expected),
            (3, 3, 1, 1)
        );
        assert_eq!(
            f.classes.len(),
            2,
            "a case without class is in the totals only"
        );
        assert_eq!((f.dangerous.cases, f.dangerous.caught), (5, 3));
        assert_eq!(
            (f.evasions.cases, f.evasions.caught, f.evasions.denied),
            (2, 1, 0)
        );
        assert_eq!((f.ordinary.cases, f.ordinary.flagged), (3, 1));
        assert_eq!((f.lookalikes.cases, f.lookalikes.flagged), (1, 1));

        let table = f.render();
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("class"), "{table}");
        // Dangerous classes come first, then ordinary areas, then the totals.
        assert!(lines[1].starts_with("destruction"), "{table}");
        assert!(
            lines[1].contains("75.0%") && lines[1].contains("33.3%"),
            "{table}"
        );
        assert!(lines[2].starts_with("git"), "{table}");
        assert!(lines[2].ends_with("33.3%"), "{table}");
        assert!(table.contains("\nevasions "), "{table}");
        assert!(table.contains("\nlook-alikes "), "{table}");
    }

    #[test]
    fn figures_only_when_a_case_has_a_class() {
        let rules = r#"
- rule: Deny ls
  desc: test
  condition: tool.kind = shell and cmd.programs intersects (ls)
  output: ls
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_deny]
"#;
        let ruleset = crate::rules_tools::Policy {
            ruleset: crate::rules_tools::engine()
                .load(&[prempti_rules::RulesFile::new(
                    "t.yaml".to_owned(),
                    rules.to_owned(),
                )])
                .into_ruleset()
                .expect("loads"),
            config: crate::rules_tools::EvalConfig::defaults(),
        };
        let plain = "cases:\n  - agent: claude\n    expect: {verdict: deny}\n    event: {tool_name: Bash, tool_input: {command: ls}}\n";
        let cases = parse_file(Path::new("x.yaml"), plain).expect("parses");
        let report = run(&ruleset, &cases, &[]);
        assert!(report.figures.is_none());
        let json = serde_json::to_value(&report).expect("serializes");
        assert!(json.get("figures").is_none(), "{json}");

        let corpus = format!(
            "{plain}    class: destruction\n    kind: plain\n  - agent: codex\n    class: build\n    kind: lookalike\n    expect: {{verdict: defer}}\n    event: {{tool_name: Bash, tool_input: {{command: 'ls -la'}}}}\n"
        );
        let cases = parse_file(Path::new("x.yaml"), &corpus).expect("parses");
        let report = run(&ruleset, &cases, &[]);
        assert_eq!((report.passed, report.failed), (1, 1));
        let f = report.figures.as_ref().expect("figures");
        assert_eq!(f.classes["destruction"].denied, 1);
        assert_eq!(f.lookalikes.flagged, 1);
        let json = serde_json::to_value(&report).expect("serializes");
        assert_eq!(json["figures"]["classes"]["build"]["flagged"], 1, "{json}");
    }
}
