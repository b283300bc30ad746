//! Generated rules on both engines: thousands of rule × event cases from a fixed seed
//! ([`super::generate`]), loaded into the embedded engine and into a real Falco 0.44.1.
//!
//! - Load results: every generated file goes through `falco -V` (JSON output) and through the
//!   embedded engine's rendering of the same, and each file's success, error and warning codes
//!   and messages must be equal.
//! - Evaluation: one large generated rules file is the daemon's policy on the Falco engine;
//!   each generated event goes to its broker, and the matched rules (in order), their rendered
//!   outputs, the verdict and the reason must equal the embedded engine's.
//!
//! Falco loads many rules and many files at once (one `falco -V` per group of load cases, one
//! Falco for the whole evaluation), so the suite stays well under a minute on two cores.

use std::path::{Path, PathBuf};
use std::process::Command;

use prempti_protocol::{Agent, HookRequest};
use prempti_rules::RulesFile;
use premptictl::rules_tools::{self, Homes};

use super::generate::{self, Rng};
use super::{falco_binary, falco_call, new_audit_records, plugin_library, FalcoInstall};

/// The seed of every generated case; change it to explore, keep it fixed in the repository.
const SEED: u64 = 0x0044_0001_5EED_0062;
/// Rules in the evaluation file.
const RULES: usize = 1200;
/// Load cases (one small file each).
const LOAD_CASES: usize = 160;

/// What one file's load gave: success, then `CODE: message` per error and per warning.
#[derive(Debug, PartialEq, Eq)]
struct LoadSummary {
    successful: bool,
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// Each file's name and load summary, in load order.
type Summaries = Vec<(String, LoadSummary)>;

/// The per-file summaries of a `falco -V` JSON document (Falco's or the embedded rendering).
fn summaries(json: &serde_json::Value) -> Summaries {
    let entries = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|d| {
                        format!(
                            "{}: {}",
                            d["code"].as_str().unwrap_or("?"),
                            d["message"].as_str().unwrap_or("?")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    json["falco_load_results"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    let name = f["name"].as_str().unwrap_or("?");
                    let name = Path::new(name)
                        .file_name()
                        .map_or(name.to_owned(), |n| n.to_string_lossy().into_owned());
                    (
                        name,
                        LoadSummary {
                            successful: f["successful"] == true,
                            errors: entries(&f["errors"]),
                            warnings: entries(&f["warnings"]),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A scratch directory with a Falco configuration that loads the `coding_agent` plugin, for
/// `falco -V`.
struct Validator {
    dir: tempfile::TempDir,
    falco: PathBuf,
}

impl Validator {
    fn new(falco: &Path) -> Validator {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "plugins:\n  - name: coding_agent\n    library_path: {}\n    init_config:\n      socket_path: {}\nload_plugins: [coding_agent]\njson_output: true\nrules_files: []\n",
            serde_json::to_string(&plugin_library().display().to_string()).unwrap(),
            serde_json::to_string(&dir.path().join("broker.sock").display().to_string()).unwrap(),
        );
        std::fs::write(dir.path().join("falco.yaml"), config).unwrap();
        Validator {
            dir,
            falco: falco.to_owned(),
        }
    }

    /// Writes the files (name, text) and returns Falco's and the embedded engine's summaries.
    fn compare(&self, files: &[(String, String)]) -> (Summaries, Summaries) {
        let mut command = Command::new(&self.falco);
        command
            .current_dir(self.dir.path())
            .env("PREMPTI_HOME", self.dir.path())
            .arg("-c")
            .arg("falco.yaml");
        for (name, text) in files {
            std::fs::write(self.dir.path().join(name), text).unwrap();
            command.arg("-V").arg(name);
        }
        let out = command.output().expect("run falco -V");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json = stdout
            .lines()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| {
                panic!(
                    "falco -V printed no JSON ({}):\n{stdout}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        let falco: serde_json::Value = serde_json::from_str(json).expect("falco -V JSON");
        let rules: Vec<RulesFile> = files
            .iter()
            .map(|(n, t)| RulesFile::new(n.clone(), t.clone()))
            .collect();
        let embedded = rules_tools::engine().load(&rules).render_falco_json();
        let embedded: serde_json::Value =
            serde_json::from_str(&embedded.stdout).expect("embedded -V JSON");
        (summaries(&falco), summaries(&embedded))
    }
}

/// Loads that differ in a way rules/README.md documents ("Differences from Falco"): the wording
/// of regex errors (RE2's versus ours) and of condition syntax errors (the token a parse error
/// names), and an exception whose values do not match its fields, which is refused while
/// reading here (Falco finds it while compiling, after the warnings of the rules before it).
fn documented_difference(falco: &LoadSummary, embedded: &LoadSummary) -> bool {
    let only_error =
        |s: &LoadSummary, pred: &dyn Fn(&str) -> bool| s.errors.len() == 1 && pred(&s.errors[0]);
    let regex = |m: &str| m.contains("invalid regex pattern");
    let syntax = |m: &str| {
        m.starts_with("LOAD_ERR_COMPILE_CONDITION: unexpected token")
            || m.starts_with("LOAD_ERR_COMPILE_CONDITION: expected a")
    };
    let values_length = |m: &str| m.ends_with("Fields and values lists must have equal length");
    (only_error(falco, &regex) && only_error(embedded, &regex))
        || (only_error(falco, &syntax) && only_error(embedded, &syntax))
        || (only_error(falco, &values_length)
            && falco.errors == embedded.errors
            && embedded.warnings.iter().all(|w| falco.warnings.contains(w)))
}

#[test]
#[cfg(unix)]
fn generated_rules_files_load_with_the_same_errors_and_warnings_on_both_engines() {
    let Some(falco) = falco_binary() else {
        println!("skipped: no Falco binary (set PREMPTI_FALCO; `make test` sets it with scripts/setup-falco.sh)");
        return;
    };
    let validator = Validator::new(&falco);
    let mut rng = Rng::new(SEED ^ 0x10ad);
    let cases: Vec<(String, String)> = (0..LOAD_CASES)
        .map(|i| (format!("case{i:04}.yaml"), generate::load_case(&mut rng, i)))
        .collect();
    // Falco -V loads its files into one engine: a file with an error leaves its broken
    // definitions for the next ones. So each group ends at the first file the embedded engine
    // fails on, and the groups are validated by two Falco processes at a time.
    let mut groups: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for case in cases {
        let failed = !rules_tools::engine()
            .load(&[RulesFile::new(case.0.clone(), case.1.clone())])
            .ok();
        groups.last_mut().unwrap().push(case);
        if failed {
            groups.push(Vec::new());
        }
    }
    groups.retain(|g| !g.is_empty());
    let groups = std::sync::Mutex::new(groups.into_iter());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(group) = groups.lock().unwrap().next() else {
                    break;
                };
                let (falco, embedded) = Validator::new(&validator.falco).compare(&group);
                results.lock().unwrap().push((group, falco, embedded));
            });
        }
    });
    let mut compared = 0;
    let mut codes = std::collections::BTreeSet::new();
    let mut differences = Vec::new();
    for (group, falco, embedded) in results.into_inner().unwrap() {
        assert_eq!(
            falco.len(),
            group.len(),
            "falco -V reported {} files for a group of {}",
            falco.len(),
            group.len()
        );
        for ((name, f), (_, e)) in falco.iter().zip(&embedded) {
            compared += 1;
            for entry in f.errors.iter().chain(&f.warnings) {
                codes.insert(entry.split(':').next().unwrap_or("").to_owned());
            }
            if f != e && !documented_difference(f, e) {
                let text = &group.iter().find(|(n, _)| n == name).unwrap().1;
                differences.push(format!(
                    "{name}:\n{text}\n  falco:    {f:?}\n  embedded: {e:?}"
                ));
            }
        }
    }
    println!(
        "load: compared {compared} generated files ({} codes seen: {}): {} differences",
        codes.len(),
        codes.iter().cloned().collect::<Vec<_>>().join(" "),
        differences.len()
    );
    assert_eq!(compared, LOAD_CASES, "every generated file is compared");
    assert!(
        codes.len() >= 10,
        "the load cases cover too few codes: {codes:?}"
    );
    assert!(
        differences.is_empty(),
        "{} generated files load differently:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
#[cfg(unix)]
fn generated_rules_match_render_and_decide_the_same_on_both_engines() {
    let Some(falco) = falco_binary() else {
        println!("skipped: no Falco binary (set PREMPTI_FALCO; `make test` sets it with scripts/setup-falco.sh)");
        return;
    };
    let mut rng = Rng::new(SEED);
    let generated = generate::rules_file(&mut rng, RULES);
    let file_name = "coding_agents_rules.yaml".to_owned();
    // Kept for replaying a difference by hand (`premptictl rules validate`, `falco -V`).
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated_rules.yaml");
    let _ = std::fs::write(&kept, &generated.text);

    // The load first: both engines must accept the file with the same warnings.
    let (falco_load, embedded_load) =
        Validator::new(&falco).compare(&[(file_name.clone(), generated.text.clone())]);
    let result = rules_tools::engine().load(&[RulesFile::new(file_name, generated.text.clone())]);
    assert!(
        falco_load[0].1.successful && result.ok(),
        "the generated rules ({}) do not load: Falco {:?}; embedded:\n{}",
        kept.display(),
        falco_load[0].1.errors,
        result.render_concise()
    );
    assert_eq!(
        falco_load, embedded_load,
        "the generated rules file loads differently (Falco left, embedded right)"
    );
    let policy = rules_tools::Policy {
        ruleset: result.into_ruleset().expect("the generated rules load"),
        config: rules_tools::EvalConfig::defaults(),
    };

    let install = FalcoInstall::with_rules(&falco, &generated.text);
    let daemon = install.start();
    let socket = install.socket();
    let homes = Homes {
        home: Some("/home/dev".to_owned()),
        prempti_home: None,
    };
    let mut offset = 0;
    let mut differences = Vec::new();
    let mut matches = 0;
    let events = generate::events();
    for (i, event) in events.iter().enumerate() {
        let embedded =
            rules_tools::evaluate_payload_with(&policy, Agent::ClaudeCode, event, &homes)
                .expect("a generated event is a valid payload");
        let request = HookRequest::new(Agent::ClaudeCode, 4242, i as u64 + 1, event.clone())
            .with_homes(homes.home.clone(), None);
        let response = falco_call(&socket, &request).unwrap_or_else(|e| {
            let log = std::fs::read_to_string(install.prempti_home.join("log/daemon.log"))
                .unwrap_or_default();
            panic!("event #{i}: no answer from the Falco host ({e}):\n{event}\n{log}")
        });
        let (records, next) = new_audit_records(&install.audit_log(), offset);
        offset = next;
        assert_eq!(
            records.len(),
            1,
            "event #{i}: one audit record, got {records:?}"
        );
        let falco_matched: Vec<(String, String)> = records[0]["matched"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| {
                        (
                            m["rule"].as_str().unwrap_or("").to_owned(),
                            m["output"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let embedded_matched: Vec<(String, String)> = embedded
            .matched
            .iter()
            .map(|m| (m.rule.clone(), m.output.clone()))
            .collect();
        matches += embedded_matched.len();
        if falco_matched != embedded_matched {
            let only_falco: Vec<_> = falco_matched
                .iter()
                .filter(|m| !embedded_matched.contains(m))
                .collect();
            let only_embedded: Vec<_> = embedded_matched
                .iter()
                .filter(|m| !falco_matched.contains(m))
                .collect();
            differences.push(format!(
                "event #{i} {event}\n  only Falco:    {only_falco:?}\n  only embedded: {only_embedded:?}\n  (same sets, other order: {})",
                only_falco.is_empty() && only_embedded.is_empty()
            ));
        }
        if (response.decision, &response.reason) != (embedded.verdict, &embedded.reason) {
            differences.push(format!(
                "event #{i}: verdict Falco {} {:?}, embedded {} {:?}",
                response.decision, response.reason, embedded.verdict, embedded.reason
            ));
        }
    }
    drop(daemon);
    println!(
        "evaluation: {} generated rules × {} events = {} cases, {matches} matches: {} differences",
        generated.rules,
        events.len(),
        generated.rules * events.len(),
        differences.len()
    );
    assert!(
        matches > events.len() * 10,
        "too few matches ({matches}) to compare outputs"
    );
    assert!(
        differences.is_empty(),
        "{} differences between the engines on generated rules:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
