//! Turning Prempti off the way an agent would: through its Bash tool (the real hook and daemon
//! must deny every spelling), and by running premptictl without a terminal and without the
//! control token (premptictl must refuse, record the attempt, and leave the hooks in place).

use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};

use prempti_e2e::install::{describe, Engine, Install};

/// A Claude Code `PreToolUse` Bash call.
fn bash(install: &Install, command: &str) -> String {
    serde_json::json!({
        "session_id": "e2e-self-protection",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": install.project,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": { "command": command },
        "tool_use_id": "toolu_self_protection",
    })
    .to_string()
}

#[test]
fn an_agents_shell_calls_that_remove_hooks_uninstall_or_read_the_token_are_denied() {
    for engine in Engine::all(
        "an_agents_shell_calls_that_remove_hooks_uninstall_or_read_the_token_are_denied",
    ) {
        println!("an_agents_shell_calls_that_remove_hooks_uninstall_or_read_the_token_are_denied: on the {} engine", engine.name());
        an_agents_shell_calls_that_remove_hooks_uninstall_or_read_the_token_are_denied_on(&engine);
    }
}

/// [`an_agents_shell_calls_that_remove_hooks_uninstall_or_read_the_token_are_denied`] on one engine.
fn an_agents_shell_calls_that_remove_hooks_uninstall_or_read_the_token_are_denied_on(
    engine: &Engine,
) {
    let install = Install::builder().engine(engine).start();
    let home = install.prempti_home.display().to_string();
    let commands = [
        "premptictl hook remove claude".to_owned(),
        "premptictl hook remove all".to_owned(),
        "premptictl uninstall".to_owned(),
        "premptictl uninstall --yes --keep-user-rules".to_owned(),
        "premptictl stop".to_owned(),
        "premptictl disable".to_owned(),
        format!("{home}/bin/premptictl hook remove claude"),
        "~/.prempti/bin/premptictl uninstall --yes".to_owned(),
        "\"$PREMPTI_HOME/bin/premptictl\" hook remove codex".to_owned(),
        "env premptictl hook remove claude".to_owned(),
        "sh -c 'premptictl uninstall --yes'".to_owned(),
        "bash -lc \"premptictl hook   remove all\"".to_owned(),
        "cd /tmp && premptictl hook remove claude".to_owned(),
        "true; premptictl uninstall".to_owned(),
        "echo y | premptictl uninstall".to_owned(),
        "nohup premptictl hook remove all &".to_owned(),
        "PREMPTI_HOME=/tmp/x premptictl hook remove claude".to_owned(),
        format!("cat {home}/run/control.token"),
        "cat ~/.prempti/run/control.token".to_owned(),
        "cat \"$PREMPTI_HOME/run/control.token\"".to_owned(),
    ];
    let mut allowed = Vec::new();
    for command in &commands {
        let out = install.hook("claude", bash(&install, command).as_bytes());
        let reply: serde_json::Value = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("{command}: the hook printed no JSON ({e}): {out:?}"));
        let decision = reply["hookSpecificOutput"]["permissionDecision"]
            .as_str()
            .unwrap_or("");
        if decision != "deny" {
            allowed.push(format!("{command}: {decision:?} {}", out.stdout.trim()));
        }
    }
    assert!(
        allowed.is_empty(),
        "an agent's shell call could turn Prempti off:\n{}",
        allowed.join("\n")
    );
}

/// Runs the installed premptictl in a new session: no controlling terminal, as an agent's tool
/// call or a background script would.
fn ctl_without_terminal(install: &Install, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(install.prempti_home.join("bin/premptictl"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &install.user_home)
        .env("PREMPTI_HOME", &install.prempti_home)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    // SAFETY: setsid(2) is async-signal-safe and only detaches the child from the terminal.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    command.output().expect("run premptictl")
}

#[test]
fn hook_remove_and_uninstall_without_the_token_or_a_terminal_are_refused_and_recorded() {
    for engine in Engine::all(
        "hook_remove_and_uninstall_without_the_token_or_a_terminal_are_refused_and_recorded",
    ) {
        println!("hook_remove_and_uninstall_without_the_token_or_a_terminal_are_refused_and_recorded: on the {} engine", engine.name());
        hook_remove_and_uninstall_without_the_token_or_a_terminal_are_refused_and_recorded_on(
            &engine,
        );
    }
}

/// [`hook_remove_and_uninstall_without_the_token_or_a_terminal_are_refused_and_recorded`] on one engine.
fn hook_remove_and_uninstall_without_the_token_or_a_terminal_are_refused_and_recorded_on(
    engine: &Engine,
) {
    let install = Install::builder().engine(engine).start();
    install.ctl_ok(&["hook", "add", "claude"]);
    let settings = install.user_home.join(".claude/settings.json");
    let registered = std::fs::read_to_string(&settings).expect("the hook is registered");
    let token_path = install.prempti_home.join("run/control.token");
    let token = std::fs::read_to_string(&token_path).expect("the daemon wrote its token");

    // What an agent holds: not the token (a wrong one here; the rules deny reading the real one).
    std::fs::write(&token_path, "0000\n").unwrap();
    for args in [
        &["hook", "remove", "claude"][..],
        &["uninstall", "--yes"],
        &["stop"],
        &["disable"],
    ] {
        let out = ctl_without_terminal(&install, args);
        assert!(
            !out.status.success(),
            "premptictl {} succeeded without proof: {}",
            args.join(" "),
            describe(&out)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("refused") && stderr.contains("Run the command yourself in a terminal"),
            "premptictl {}: {stderr}",
            args.join(" ")
        );
    }
    assert_eq!(
        std::fs::read_to_string(&settings).unwrap(),
        registered,
        "the hook registration is untouched"
    );
    assert!(
        install.prempti_home.join("bin/premptictl").is_file(),
        "still installed"
    );
    assert!(install
        .daemon_pid()
        .is_some_and(prempti_e2e::install::process_alive));
    let log = std::fs::read_to_string(install.prempti_home.join("log/daemon.log")).unwrap();
    let refusals = log
        .lines()
        .filter(|l| l.contains("refused a control request") && l.contains("op=authorize"))
        .count();
    assert!(
        refusals >= 4,
        "each refusal is recorded in the daemon log:\n{log}"
    );

    // The person: premptictl reads the real token and needs no extra step.
    std::fs::write(&token_path, &token).unwrap();
    let out = ctl_without_terminal(&install, &["hook", "remove", "claude"]);
    assert!(out.status.success(), "{}", describe(&out));
    let after = std::fs::read_to_string(&settings).unwrap_or_default();
    assert!(
        !after.contains("prempti-hook"),
        "the hook is removed: {after}"
    );
}
