//! README.md's example commands, run as written against a real installation in a temporary
//! `HOME` and `PREMPTI_HOME`, each checked for what the README says it does.
//!
//! The commands are read from README.md itself: every line of a ```sh block that starts with
//! `premptictl` or `~/.prempti/bin/premptictl` (trailing `# comment` removed). Each must have an
//! entry in [`EXAMPLES`], which says how its output is checked; a README command without one,
//! or an entry whose command is no longer in the README, fails the test. Commands that need
//! `make` or a shell script (`make install`, `install.sh`) are out of scope: only `premptictl`
//! lines are taken.
//!
//! The names the README leaves to the reader are given meaning here: `~/.prempti` is the
//! temporary `PREMPTI_HOME`, `~/…` the temporary `HOME`, and `my_rules.yaml`, `candidate.yaml`,
//! `my_candidate.yaml` and `payload.json` are files this test writes (the commands run in the
//! directory holding them). `~/.prempti/bin/premptictl` is the installed copy;
//! `premptictl` is the built binary (the README's "add `~/.prempti/bin` to your `PATH`").
//!
//! The tests need `prempti-hook` next to `premptictl` in the target directory; they build it
//! with `cargo build -p prempti-hook` (a no-op when it is up to date).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{assert_success, hook_binary, output_text as text, repo_root, target_dir};

/// What an example command must show, by its meaning in the README.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Check {
    /// "is the service up, which rules, which mode"
    Status,
    /// "a synthetic tool call through the real hook (hidden from logs)"
    Health,
    /// "watch calls as your agent makes them"
    Logs,
    /// "protect another agent": Codex's hook settings are written.
    HookAddCodex,
    /// "every agent, the last 30 days": the summary of the recent transcript.
    ScanSince,
    /// "every evaluated call, as JSON", for one agent and project.
    ScanCodexJson,
    /// "which past calls a rule change would flag or release"
    ScanDiff,
    /// "as if it were in ~/.prempti/rules/user/": a file appending to a default list is valid.
    RulesValidate,
    /// The verdict of one Claude Code payload under the default rules plus the user's.
    RulesEval,
    /// "fixtures: events with the verdict each must get": all pass.
    RulesTest,
    /// "installed rules + candidate, against your audit log"
    RulesReplay,
    /// "... against your agents' transcripts"
    RulesReplayTranscripts,
    /// "stop the service, remove hooks, remove ~/.prempti" (no terminal: user data kept).
    Uninstall,
    /// "the same, but keep ~/.prempti/rules/user"
    UninstallKeepUserRules,
    /// "do not ask: delete your user rules and audit log too"
    UninstallYes,
    /// "a new installation" with the Falco engine (refused, saying why, without that Falco).
    InstallFalco,
}

/// Every `premptictl` command of README.md's sh blocks, as written there, and its check.
const EXAMPLES: &[(&str, Check)] = &[
    ("~/.prempti/bin/premptictl status", Check::Status),
    ("~/.prempti/bin/premptictl health", Check::Health),
    ("~/.prempti/bin/premptictl logs -f", Check::Logs),
    ("~/.prempti/bin/premptictl hook add codex", Check::HookAddCodex),
    ("premptictl scan --since 30d", Check::ScanSince),
    (
        "premptictl scan --agent codex --project ~/src/api --json",
        Check::ScanCodexJson,
    ),
    (
        "premptictl scan --diff --rules candidate.yaml",
        Check::ScanDiff,
    ),
    ("premptictl rules validate my_rules.yaml", Check::RulesValidate),
    (
        "premptictl rules eval --rules ~/.prempti/rules/default/coding_agents_rules.yaml --rules my_rules.yaml --event payload.json",
        Check::RulesEval,
    ),
    ("premptictl rules test rules/tests", Check::RulesTest),
    (
        "premptictl rules replay --rules my_candidate.yaml",
        Check::RulesReplay,
    ),
    (
        "premptictl rules replay --rules my_candidate.yaml --transcripts",
        Check::RulesReplayTranscripts,
    ),
    ("premptictl uninstall", Check::Uninstall),
    (
        "premptictl uninstall --keep-user-rules",
        Check::UninstallKeepUserRules,
    ),
    ("premptictl uninstall --yes", Check::UninstallYes),
    (
        "premptictl install --engine falco --falco /usr/bin/falco",
        Check::InstallFalco,
    ),
];

/// The `premptictl` command lines of README.md's ```sh blocks, comments removed, in order.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("read README.md");
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        let trimmed = line.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            in_sh = !in_sh && fence.trim() == "sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if !(trimmed.starts_with("premptictl ")
            || trimmed.starts_with("~/.prempti/bin/premptictl "))
        {
            continue;
        }
        let command = match trimmed.find(" #") {
            Some(i) => &trimmed[..i],
            None => trimmed,
        };
        commands.push(command.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    commands
}

/// A user rules file as the README describes them: it appends to a default list and adds the
/// README's own example rule.
const MY_RULES: &str = r#"- list: prempti_secret_dirs
  items: [.my-vault]
  override:
    items: append

- rule: Ask before deleting migrations
  desc: Database migrations are history; deleting one needs a human.
  condition: >
    tool.kind = shell and cmd.programs intersects (rm)
    and tool.input_command contains "migrations/"
  output: >
    Deleting a migration needs the user's confirmation because migrations are shared history
    (command=%tool.input_command)
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
"#;

/// For `scan --diff`: replaces the installed rules with one asking before `git status`.
const CANDIDATE: &str = r#"- rule: Candidate asks before git status
  desc: A rule change for the scan example.
  condition: tool.kind = shell and tool.input_command startswith "git status"
  output: Candidate rule (command=%tool.input_command)
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
"#;

/// For `rules replay`: added to the installed rules, asks before `ls`.
const MY_CANDIDATE: &str = r#"- rule: Candidate asks before ls
  desc: A rule change for the replay example.
  condition: tool.kind = shell and tool.input_command startswith "ls"
  output: Listing needs a confirmation (command=%tool.input_command)
  priority: WARNING
  source: coding_agent
  tags: [coding_agent_ask]
"#;

/// One installation under a temporary directory, with the files the README's examples name.
struct World {
    _dir: tempfile::TempDir,
    user_home: PathBuf,
    prempti_home: PathBuf,
    /// Where the examples run, holding `my_rules.yaml` and the other named files.
    work: PathBuf,
    /// The repository copy `install` reads rules and configuration from.
    source: PathBuf,
}

impl World {
    /// Installs (detached service, the Claude Code hook registered in the temporary HOME) from
    /// the built binaries and a copy of the repository's default rules and configuration.
    fn installed() -> World {
        let w = World::new();
        let out = w.run(Command::new(env!("CARGO_BIN_EXE_premptictl")).args(w.install_args()));
        assert_success(&out, "install");
        w
    }

    /// The temporary directories and files, nothing installed.
    fn new() -> World {
        hook_binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical temp dir");
        let user_home = root.join("home");
        let prempti_home = root.join("prempti");
        let source = root.join("src");
        let work = root.join("work");
        for d in [
            user_home.join(".claude"),
            source.join("rules/default"),
            source.join("rules/user"),
            source.join("installers/config"),
            work.clone(),
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        for file in ["rules/default/coding_agents_rules.yaml", "rules/seen.yaml"] {
            std::fs::copy(repo_root().join(file), source.join(file)).unwrap();
        }
        for name in [
            "falco.yaml",
            "falco.coding_agents_plugin.yaml",
            "prempti.yaml",
        ] {
            std::fs::copy(
                repo_root().join("installers/config").join(name),
                source.join("installers/config").join(name),
            )
            .unwrap();
        }
        std::fs::write(work.join("my_rules.yaml"), MY_RULES).unwrap();
        std::fs::write(work.join("candidate.yaml"), CANDIDATE).unwrap();
        std::fs::write(work.join("my_candidate.yaml"), MY_CANDIDATE).unwrap();
        let payload = claude_bash(&user_home, "cat ~/.ssh/id_rsa");
        std::fs::write(work.join("payload.json"), payload.to_string()).unwrap();
        World {
            _dir: dir,
            user_home,
            prempti_home,
            work,
            source,
        }
    }

    /// `install` from the built binaries and the copied sources, with a detached service (no
    /// systemd in tests).
    fn install_args(&self) -> Vec<String> {
        let hook = hook_binary();
        vec![
            "install".into(),
            "--from".into(),
            target_dir().display().to_string(),
            "--hook-from".into(),
            hook.parent().unwrap().display().to_string(),
            "--source".into(),
            self.source.display().to_string(),
            "--service".into(),
            "detached".into(),
        ]
    }

    fn env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.user_home)
            .env("PREMPTI_HOME", &self.prempti_home)
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
    }

    fn run(&self, command: &mut Command) -> Output {
        self.env(command)
            .current_dir(&self.work)
            .output()
            .expect("run premptictl")
    }

    /// Runs a README command line: the program as named, `~` expanded as the shell would
    /// (`~/.prempti` is the installation), in `cwd`.
    fn example(&self, line: &str, cwd: &Path) -> Output {
        let mut words = line.split_whitespace().map(|w| self.expand(w));
        let program = words.next().expect("a command");
        let program = if program == "premptictl" {
            PathBuf::from(env!("CARGO_BIN_EXE_premptictl"))
        } else {
            PathBuf::from(program)
        };
        let mut command = Command::new(program);
        command.args(words);
        self.env(&mut command)
            .current_dir(cwd)
            .output()
            .expect("run the example")
    }

    fn expand(&self, word: &str) -> String {
        if let Some(rest) = word.strip_prefix("~/.prempti") {
            format!("{}{rest}", self.prempti_home.display())
        } else if let Some(rest) = word.strip_prefix("~/") {
            format!("{}/{rest}", self.user_home.display())
        } else {
            word.to_owned()
        }
    }

    /// One Claude Code Bash call through the installed hook; its decision ("defer" when the
    /// hook prints nothing).
    fn hook_call(&self, command: &str) -> String {
        let payload = claude_bash(&self.user_home, command);
        let mut c = Command::new(self.prempti_home.join("bin/prempti-hook"));
        c.arg("claude");
        self.env(&mut c);
        let out = common::run_with_stdin(&mut c, payload.to_string().as_bytes());
        assert!(out.status.success(), "hook: {}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout.trim().is_empty() {
            return "defer".into();
        }
        let v: serde_json::Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("hook output is not JSON ({e}): {}", text(&out)));
        v["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .unwrap_or("?")
            .to_owned()
    }

    /// Transcripts for `scan`: a Claude Code session (no timestamps: a call without one counts
    /// as recent when its file is) reading an SSH key and running `git status`, and the Codex
    /// fixture session moved to `~/src/api`.
    fn write_transcripts(&self) {
        let project = self.user_home.join("projects/webapp");
        std::fs::create_dir_all(&project).unwrap();
        let dir = self
            .user_home
            .join(".claude/projects/-home-dev-projects-webapp");
        std::fs::create_dir_all(&dir).unwrap();
        let session = "5e551011-0000-4000-8000-00000000abcd";
        let cwd = project.display().to_string();
        let mut lines = vec![serde_json::json!({
            "parentUuid": null, "cwd": cwd, "sessionId": session, "type": "user",
            "message": {"role": "user", "content": "look around"}, "uuid": "u-1",
        })];
        for (i, command) in ["cat ~/.ssh/id_rsa", "git status"].iter().enumerate() {
            lines.push(serde_json::json!({
                "parentUuid": "u-1", "cwd": cwd, "sessionId": session, "type": "assistant",
                "message": {"id": format!("msg_{i}"), "type": "message", "role": "assistant",
                    "content": [{"type": "tool_use", "id": format!("toolu_{i}"), "name": "Bash",
                        "input": {"command": command}}]},
                "uuid": format!("a-{i}"),
            }));
        }
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(dir.join(format!("{session}.jsonl")), text).unwrap();

        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transcripts");
        let rel = ".codex/sessions/2026/11/21/rollout-2026-11-21T00-45-54-01a1fb91-1eb2-7f80-92c2-1fc818cc9e1f.jsonl";
        let codex = std::fs::read_to_string(fixtures.join("home").join(rel)).unwrap();
        let home = self.user_home.display().to_string();
        let codex = codex
            .replace("@HOME@/projects/webapp", &format!("{home}/src/api"))
            .replace("@HOME@", &home);
        std::fs::create_dir_all(self.user_home.join("src/api")).unwrap();
        let target = self.user_home.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, codex).unwrap();
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Never leave a daemon behind, whatever happened in the test.
        if self.prempti_home.join("bin/premptictl").exists() {
            let _ = self.run(Command::new(env!("CARGO_BIN_EXE_premptictl")).arg("stop"));
        }
    }
}

/// A Claude Code PreToolUse payload for a Bash call.
fn claude_bash(home: &Path, command: &str) -> serde_json::Value {
    serde_json::json!({
        "session_id": "readme-examples",
        "transcript_path": home.join(".claude/projects/x/readme-examples.jsonl"),
        "cwd": home,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
    })
}

/// The value of a `name:  value` line.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(name))
        .map(str::trim)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_readme_command_is_covered_and_means_what_the_readme_says() {
    let commands = readme_commands();
    assert!(
        !commands.is_empty(),
        "no premptictl commands found in README.md"
    );
    let missing: Vec<&String> = commands
        .iter()
        .filter(|c| !EXAMPLES.iter().any(|(e, _)| e == c))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md has premptictl commands this test does not check; add them to EXAMPLES: {missing:#?}"
    );
    let stale: Vec<&str> = EXAMPLES
        .iter()
        .map(|(e, _)| *e)
        .filter(|e| !commands.iter().any(|c| c == e))
        .collect();
    assert!(
        stale.is_empty(),
        "EXAMPLES lists commands README.md no longer has: {stale:#?}"
    );

    // One installation for every command but the uninstalls, which get a fresh one each.
    let w = World::installed();
    w.write_transcripts();
    // Calls for the audit log (`logs`, `rules replay`).
    assert_eq!(w.hook_call("cat ~/.ssh/id_rsa"), "deny");
    assert_eq!(w.hook_call("ls -la"), "defer");

    for line in &commands {
        let check = EXAMPLES
            .iter()
            .find(|(e, _)| e == line)
            .map(|(_, c)| *c)
            .expect("covered");
        match check {
            Check::Uninstall | Check::UninstallKeepUserRules | Check::UninstallYes => {
                let fresh = World::installed();
                check_uninstall(&fresh, line, check);
            }
            Check::InstallFalco => check_install_falco(line),
            _ => check_example(&w, line, check),
        }
    }
}

fn check_example(w: &World, line: &str, check: Check) {
    let what = format!("`{line}`");
    // `logs -f` follows forever: the same view without following (it shows the last calls
    // first, then would wait for more).
    let line = if check == Check::Logs {
        line.replace(" -f", " --tail 5")
    } else {
        line.to_owned()
    };
    // `rules test rules/tests` names the repository's fixtures: it runs from the repository.
    let cwd = if check == Check::RulesTest {
        repo_root()
    } else {
        w.work.clone()
    };
    let out = w.example(&line, &cwd);
    let o = stdout(&out);
    let home = w.user_home.display().to_string();
    let prempti_home = w.prempti_home.display().to_string();
    let shown = text(&out);
    match check {
        Check::Status => {
            // Up, which rules, which mode.
            assert_success(&out, &what);
            assert!(o.starts_with("Prempti: running"), "{what}: {shown}");
            assert!(
                field(&o, "mode:") == Some("guardrails") && field(&o, "engine:").is_some(),
                "{what}: {shown}"
            );
            let rules = field(&o, "rules:").unwrap_or_default();
            assert!(
                rules
                    .split_whitespace()
                    .next()
                    .unwrap_or("0")
                    .parse::<u32>()
                    .unwrap_or(0)
                    > 100,
                "{what} names the loaded default rules: {shown}"
            );
            assert!(
                o.contains("rules/default/coding_agents_rules.yaml"),
                "{what}: {shown}"
            );
        }
        Check::Health => {
            // Answered through the real hook, and marked so the views leave it out.
            assert_success(&out, &what);
            assert!(o.starts_with("Prempti is healthy"), "{what}: {shown}");
            let audit = std::fs::read_to_string(w.prempti_home.join("log/audit.jsonl")).unwrap();
            assert!(
                audit
                    .lines()
                    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                    .any(|r| r["health"] == true),
                "{what}: the synthetic call is in the audit log, marked: {audit}"
            );
        }
        Check::Logs => {
            // The agent's calls with their verdicts; the health check's call is not shown.
            assert_success(&out, &what);
            let deny = o
                .lines()
                .position(|l| l.contains("deny") && l.contains("claude_code  Bash"))
                .unwrap_or_else(|| panic!("{what} shows no denied call: {shown}"));
            assert_eq!(
                o.lines().nth(deny + 1).map(str::trim),
                Some("cat ~/.ssh/id_rsa"),
                "{what}: {shown}"
            );
            assert!(
                o.lines()
                    .any(|l| l.contains("defer") && l.contains("claude_code  Bash")),
                "{what}: {shown}"
            );
            assert!(o.lines().any(|l| l.trim() == "ls -la"), "{what}: {shown}");
            // Two calls made by the "agent"; the health check's Read call is not among them.
            let headers: Vec<&str> = o
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with(' '))
                .collect();
            assert_eq!(headers.len(), 2, "{what} hides the health call: {shown}");
        }
        Check::HookAddCodex => {
            // Codex's hook settings in the (temporary) home run the installed hook for Codex.
            assert_success(&out, &what);
            let path = w.user_home.join(".codex/hooks.json");
            let hooks = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{what} wrote no ~/.codex/hooks.json ({e}): {shown}"));
            let hooks: serde_json::Value = serde_json::from_str(&hooks).unwrap();
            assert_eq!(
                hooks["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
                format!("{prempti_home}/bin/prempti-hook codex"),
                "{hooks}"
            );
            assert!(
                o.contains(&format!("Codex CLI: hook added to {}", path.display())),
                "{what}: {shown}"
            );
        }
        Check::ScanSince => {
            // The summary: headline, what would have been denied, per agent and project.
            // (Only the Claude Code session is asserted in detail: its calls carry no time,
            // so they stay within the last 30 days whatever the date.)
            assert_success(&out, &what);
            let mut lines = o.lines();
            let headline = lines.next().unwrap_or_default();
            assert!(
                headline.starts_with("Scanned ") && headline.ends_with("calls evaluated."),
                "{what}: {shown}"
            );
            let denied = lines.next().unwrap_or_default();
            assert!(
                denied.starts_with("Would have been denied: "),
                "{what}: {shown}"
            );
            let row: Vec<&str> = o
                .lines()
                .find(|l| l.starts_with("claude_code "))
                .unwrap_or_else(|| panic!("{what}: no Claude Code row: {shown}"))
                .split_whitespace()
                .collect();
            // agent, sessions, calls, deny, ask, project
            assert_eq!(
                row,
                ["claude_code", "1", "2", "1", "0", "~/projects/webapp"],
                "{what}: {shown}"
            );
            assert!(
                o.contains("Shell access to SSH private key"),
                "{what}: {shown}"
            );
        }
        Check::ScanCodexJson => {
            // JSON, with every evaluated call, all of them Codex's in that project.
            assert_success(&out, &what);
            let v: serde_json::Value = serde_json::from_str(&o)
                .unwrap_or_else(|err| panic!("{what} is not JSON ({err}): {shown}"));
            let project = format!("{home}/src/api");
            assert_eq!(v["transcripts"], 1, "{v}");
            let calls = v["calls_list"].as_array().expect("calls_list");
            assert_eq!(calls.len() as u64, v["calls"].as_u64().unwrap(), "{v}");
            assert!(!calls.is_empty(), "{v}");
            for call in calls {
                assert_eq!(call["agent"], "codex", "{call}");
                assert_eq!(call["cwd"], project.as_str(), "{call}");
            }
            assert!(calls.iter().any(|c| c["verdict"] == "deny"), "{v}");
        }
        Check::ScanDiff => {
            // The past calls the candidate would newly flag and those it would release.
            assert_success(&out, &what);
            assert!(
                o.lines()
                    .any(|l| l.contains("claude_code Bash git status: allow→ask")),
                "{what}: {shown}"
            );
            assert!(
                o.lines()
                    .any(|l| l.contains("claude_code Bash cat ~/.ssh/id_rsa: deny→allow")),
                "{what}: {shown}"
            );
            let last = o.lines().last().unwrap_or_default();
            assert!(
                last.contains("newly flagged") && last.contains("released"),
                "{what}: {shown}"
            );
        }
        Check::RulesValidate => {
            // Valid, checked along with the installed rules.
            assert_success(&out, &what);
            assert!(o.starts_with("my_rules.yaml: Ok"), "{what}: {shown}");
            assert!(o.contains("installed rules files"), "{what}: {shown}");
        }
        Check::RulesEval => {
            // The Claude Code payload reading an SSH key is denied, and says why.
            assert_success(&out, &what);
            assert_eq!(o.lines().next(), Some("verdict: deny"), "{what}: {shown}");
            let reason = field(&o, "reason:").unwrap_or_default();
            assert!(
                reason.contains("command=cat ~/.ssh/id_rsa"),
                "{what}: {shown}"
            );
        }
        Check::RulesTest => {
            // Every fixture gets its verdict.
            assert_success(&out, &what);
            let last = o.lines().last().unwrap_or_default();
            let passed = last
                .strip_suffix(" passed, 0 failed")
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or_else(|| panic!("{what} does not end `N passed, 0 failed`: {shown}"));
            assert!(passed > 0, "{what}: {shown}");
        }
        Check::RulesReplay => {
            // The recorded `ls -la` (deferred) would now be asked about; nothing else changes.
            assert_success(&out, &what);
            assert!(
                o.lines()
                    .any(|l| l.contains("claude_code Bash ls -la: allow→ask")),
                "{what}: {shown}"
            );
            let last = o.lines().last().unwrap_or_default();
            assert!(
                last.contains(" evaluated, 1 changed, ") && last.contains(" 0 unreadable"),
                "{what}: {shown}"
            );
        }
        Check::RulesReplayTranscripts => {
            // The calls of the transcripts `scan` reads: the Claude Code session's two and the
            // Codex session's, judged by the installed rules and by installed + candidate.
            assert_success(&out, &what);
            let last = o.lines().last().unwrap_or_default();
            let evaluated: usize = last
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{what}: no count: {shown}"));
            assert!(evaluated >= 3, "{what}: {shown}");
            assert!(last.contains(" evaluated, "), "{what}: {shown}");
        }
        Check::Uninstall
        | Check::UninstallKeepUserRules
        | Check::UninstallYes
        | Check::InstallFalco => {
            unreachable!("installs and uninstalls run on their own installation")
        }
    }
}

fn check_uninstall(w: &World, line: &str, check: Check) {
    let what = format!("`{line}`");
    let user_rule = w.prempti_home.join("rules/user/50-mine.yaml");
    std::fs::write(&user_rule, MY_RULES).unwrap();
    // One recorded call, so there is an audit log to keep or delete.
    assert_eq!(w.hook_call("cat ~/.ssh/id_rsa"), "deny");
    let audit = w.prempti_home.join("log/audit.jsonl");
    assert!(audit.is_file());
    let out = w.example(line, &w.work);
    assert_success(&out, &what);
    let (o, e) = (stdout(&out), stderr(&out));
    let shown = text(&out);

    // Always: the service stopped, the hook removed, the installation gone.
    assert!(o.lines().any(|l| l == "service stopped"), "{what}: {shown}");
    assert!(
        o.lines().any(|l| l == "Claude Code hook removed"),
        "{what}: {shown}"
    );
    let settings =
        std::fs::read_to_string(w.user_home.join(".claude/settings.json")).unwrap_or_default();
    assert!(!settings.contains("prempti-hook"), "{what}: {settings}");
    for gone in ["bin", "config", "rules/default", "run"] {
        assert!(
            !w.prempti_home.join(gone).exists(),
            "{what} left {gone}: {shown}"
        );
    }
    let keeping = o
        .lines()
        .find_map(|l| l.strip_prefix("keeping: "))
        .unwrap_or_else(|| panic!("{what} does not say what it keeps: {shown}"));
    match check {
        Check::Uninstall => {
            // No terminal to ask, no --yes: the user's rules and audit log stay, and it says so.
            assert!(
                keeping.contains("rules/user") && keeping.contains("log/audit.jsonl"),
                "{what}: {shown}"
            );
            assert!(
                e.contains("keeping your 1 user rules file in")
                    && e.contains("keeping the audit log (1 recorded call in")
                    && e.contains("no terminal to ask; --yes deletes it"),
                "{what}: {shown}"
            );
            assert!(user_rule.is_file() && audit.is_file(), "{what}: {shown}");
        }
        Check::UninstallKeepUserRules => {
            // The user's rules are kept without asking (the audit log too: no terminal).
            assert!(keeping.contains("rules/user"), "{what}: {shown}");
            assert_eq!(
                std::fs::read_to_string(&user_rule).ok().as_deref(),
                Some(MY_RULES),
                "{what}: {shown}"
            );
            assert!(
                !e.contains("user rules file"),
                "{what} does not ask about them: {shown}"
            );
        }
        Check::UninstallYes => {
            // Nothing kept: the whole installation is deleted.
            assert_eq!(keeping, "nothing", "{what}: {shown}");
            assert!(!w.prempti_home.exists(), "{what}: {shown}");
        }
        other => unreachable!("{other:?} is not an uninstall"),
    }
}

/// The README's Falco install, as written plus, as every install here, the built binaries and
/// the copied sources to install from and a detached service (no systemd in tests). With
/// `/usr/bin/falco` present the new installation runs Falco; without it (the usual case on a
/// build machine) the install fails saying that Falco binary does not exist, and nothing runs.
fn check_install_falco(line: &str) {
    let w = World::new();
    let what = format!("`{line}`");
    let mut args: Vec<String> = line.split_whitespace().skip(1).map(str::to_owned).collect();
    args.extend(w.install_args().into_iter().skip(1));
    let out = w.run(Command::new(env!("CARGO_BIN_EXE_premptictl")).args(&args));
    let shown = text(&out);
    let status = w.run(Command::new(env!("CARGO_BIN_EXE_premptictl")).args(["status", "--json"]));
    let status: serde_json::Value = serde_json::from_slice(&status.stdout)
        .unwrap_or_else(|e| panic!("status --json is not JSON ({e}): {}", text(&status)));
    if Path::new("/usr/bin/falco").is_file() {
        assert_success(&out, &what);
        assert_eq!(status["running"], true, "{status}");
        assert_eq!(status["engine"], "falco", "{status}");
    } else {
        assert!(!out.status.success(), "{what} without Falco: {shown}");
        assert!(
            stderr(&out).contains("the configured Falco binary /usr/bin/falco does not exist"),
            "{what}: {shown}"
        );
        assert_eq!(status["running"], false, "{status}");
    }
}
