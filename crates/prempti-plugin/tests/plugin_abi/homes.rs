//! The home-relative fields (`agent.home`, `prempti.home`, `tool.home_file_path`,
//! `tool.home_search_path`, `tool.in_prempti_home`, `cmd.home_write_paths`) on real
//! directories with symlinks, through the C ABI and the embedded provider, including the
//! cases where the hook sent no home.
#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;

use falco_plugin_runner::{CapturingPluginRunner, ExtractedField};
use prempti_plugin::agents::{parse_request, Agent, CallContext, Os, ToolCall};
use prempti_plugin::fields::{self, Extracted};
use prempti_protocol::HookRequest;
use serde_json::{json, Value};

use crate::harness::{event_of, extract, hook_request, next_event, Setup};

const HOME_FIELDS: [&str; 6] = [
    "agent.home",
    "prempti.home",
    "tool.home_file_path",
    "tool.home_search_path",
    "tool.in_prempti_home",
    "cmd.home_write_paths",
];

fn canonical(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn ctx() -> CallContext {
    CallContext {
        correlation_id: 1,
        agent_pid: 4242,
        os: Os::Linux,
    }
}

fn calls(payload: &Value, home: Option<&str>, prempti_home: Option<&str>) -> Vec<ToolCall> {
    let request = HookRequest::new(Agent::ClaudeCode, 4242, 1, payload.to_string())
        .with_homes(home.map(str::to_owned), prempti_home.map(str::to_owned));
    parse_request(&request, &ctx()).unwrap()
}

fn one(payload: &Value, home: Option<&str>, prempti_home: Option<&str>) -> ToolCall {
    let mut calls = calls(payload, home, prempti_home);
    assert_eq!(calls.len(), 1);
    calls.remove(0)
}

fn abi_json(v: &ExtractedField) -> Value {
    match v {
        ExtractedField::None => Value::Null,
        ExtractedField::Bool(b) => json!(b),
        ExtractedField::String(s) => json!(s.to_str().unwrap()),
        ExtractedField::Vec(items) => Value::Array(items.iter().map(abi_json).collect()),
        other => panic!("unexpected {other:?}"),
    }
}

fn provider_json(call: &ToolCall, name: &str) -> Value {
    let index = fields::find(name).unwrap();
    match fields::extract(call, index, None) {
        Extracted::None => Value::Null,
        Extracted::Str(s) => json!(s),
        Extracted::Bool(b) => json!(b),
        Extracted::List(items) => json!(items),
        Extracted::U64(n) => json!(n),
    }
}

/// Checks the home fields of `call` through the ABI and the provider against `expected`
/// (missing keys mean "no value"). The runner hands back a one-element list as a bare value.
fn check(runner: &mut CapturingPluginRunner, call: &ToolCall, expected: Value) {
    let event = event_of(call, 1);
    for name in HOME_FIELDS {
        let want = expected.get(name).cloned().unwrap_or(Value::Null);
        assert_eq!(provider_json(call, name), want, "{name} via the provider");
        let got = abi_json(&extract(runner, &event.event, name));
        let want_abi = match &want {
            Value::Array(items) if items.len() == 1 => items[0].clone(),
            other => other.clone(),
        };
        assert_eq!(got, want_abi, "{name} via the ABI");
    }
}

struct Tree {
    _dir: tempfile::TempDir,
    /// The home as the hook sees it: a symlink to the real home.
    home: String,
    /// Its canonical form.
    real_home: String,
    /// A sibling whose name extends the home's (`<home>2`).
    sibling: String,
    /// An installation outside the home.
    install: String,
    real_install: String,
}

fn tree() -> Tree {
    let dir = tempfile::Builder::new()
        .prefix("prempti-homes")
        .tempdir()
        .unwrap();
    let base = dir.path();
    std::fs::create_dir_all(base.join("data/dev/.ssh")).unwrap();
    std::fs::write(base.join("data/dev/.ssh/id_ed25519"), "key").unwrap();
    std::fs::create_dir_all(base.join("data/dev/.aws")).unwrap();
    std::fs::create_dir_all(base.join("data/dev/projects/app")).unwrap();
    std::fs::create_dir_all(base.join("data/dev2/.ssh")).unwrap();
    std::fs::create_dir_all(base.join("srv/users")).unwrap();
    symlink(base.join("data/dev"), base.join("srv/users/dev")).unwrap();
    std::fs::create_dir_all(base.join("opt/prempti-real/rules")).unwrap();
    symlink(base.join("opt/prempti-real"), base.join("opt/prempti")).unwrap();
    Tree {
        home: base.join("srv/users/dev").to_string_lossy().into_owned(),
        real_home: canonical(&base.join("data/dev")),
        sibling: canonical(&base.join("data/dev2")),
        install: base.join("opt/prempti").to_string_lossy().into_owned(),
        real_install: canonical(&base.join("opt/prempti-real")),
        _dir: dir,
    }
}

#[test]
fn file_paths_relative_to_a_symlinked_home() {
    let t = tree();
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(""));
    let project = format!("{}/projects/app", t.home);
    let read = |file: &str| json!({"cwd": project, "tool_name": "Read", "tool_input": {"file_path": file}});
    let homes = json!({"agent.home": t.real_home, "prempti.home": t.real_install});

    // Through the home symlink: the canonical path is inside the canonical home.
    let call = one(
        &read(&format!("{}/.ssh/id_ed25519", t.home)),
        Some(&t.home),
        Some(&t.install),
    );
    assert_eq!(
        call.real_file_path.as_deref(),
        Some(format!("{}/.ssh/id_ed25519", t.real_home).as_str())
    );
    let mut want = homes.clone();
    want["tool.home_file_path"] = json!(".ssh/id_ed25519");
    want["tool.in_prempti_home"] = json!(false);
    check(&mut runner, &call, want);

    // Relative to the working directory, with `..` stepping out of the project.
    let call = one(
        &read("../../.aws/credentials"),
        Some(&t.home),
        Some(&t.install),
    );
    let mut want = homes.clone();
    want["tool.home_file_path"] = json!(".aws/credentials");
    want["tool.in_prempti_home"] = json!(false);
    check(&mut runner, &call, want);

    // The home itself is inside the home, with an empty relative path.
    let call = one(&read(&t.home), Some(&t.home), Some(&t.install));
    let mut want = homes.clone();
    want["tool.home_file_path"] = json!("");
    want["tool.in_prempti_home"] = json!(false);
    check(&mut runner, &call, want);

    // `<home>2` shares the home's prefix as a string but is not inside it.
    let call = one(
        &read(&format!("{}/.ssh/id_rsa", t.sibling)),
        Some(&t.home),
        Some(&t.install),
    );
    let mut want = homes.clone();
    want["tool.in_prempti_home"] = json!(false);
    check(&mut runner, &call, want);

    // The installation, reached through its symlink.
    let write = json!({"cwd": project, "tool_name": "Write",
        "tool_input": {"file_path": format!("{}/rules/user/x.yaml", t.install), "content": ""}});
    let call = one(&write, Some(&t.home), Some(&t.install));
    let mut want = homes.clone();
    want["tool.in_prempti_home"] = json!(true);
    check(&mut runner, &call, want);
    // The installation directory itself counts as inside.
    let call = one(&read(&t.install), Some(&t.home), Some(&t.install));
    let mut want = homes.clone();
    want["tool.in_prempti_home"] = json!(true);
    check(&mut runner, &call, want);

    // A search path is resolved and related to the home the same way.
    let grep = json!({"cwd": project, "tool_name": "Grep",
        "tool_input": {"pattern": "secret", "path": "../../.aws"}});
    let call = one(&grep, Some(&t.home), Some(&t.install));
    let mut want = homes.clone();
    want["tool.home_search_path"] = json!(".aws");
    check(&mut runner, &call, want);
}

#[test]
fn without_homes_the_fields_have_no_value() {
    let t = tree();
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(""));
    let read = json!({"cwd": "/", "tool_name": "Read",
        "tool_input": {"file_path": format!("{}/.ssh/id_ed25519", t.home)}});
    // An older hook: no home, no installation.
    let call = one(&read, None, None);
    assert!(call.real_file_path.is_some());
    check(&mut runner, &call, json!({}));
    // Empty and relative values are not homes.
    let call = one(&read, Some(""), Some("relative/prempti"));
    assert_eq!(call.prempti_home.as_deref(), Some("relative/prempti"));
    check(&mut runner, &call, json!({}));
    // A home alone: no installation to compare with.
    let call = one(&read, Some(&t.home), None);
    check(
        &mut runner,
        &call,
        json!({"agent.home": t.real_home, "tool.home_file_path": ".ssh/id_ed25519"}),
    );
    // A call naming no file: only the homes.
    let fetch =
        json!({"cwd": "/", "tool_name": "WebFetch", "tool_input": {"url": "https://example.com"}});
    let call = one(&fetch, Some(&t.home), Some(&t.install));
    check(
        &mut runner,
        &call,
        json!({"agent.home": t.real_home, "prempti.home": t.real_install}),
    );
}

#[test]
fn redirections_into_the_home() {
    let t = tree();
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(""));
    let command = format!(
        "echo a >> ~/.bashrc; echo b > $HOME/.config/fish/config.fish; echo c > {}/.zshrc; \
         echo d > {}/.profile; echo e > ${{HOME}}/./x/../.inputrc; echo f > /tmp/out; \
         echo g > ~other/.bashrc; echo h > {}/.bashrc",
        t.home, t.real_home, t.sibling
    );
    let bash =
        |cwd: &str| json!({"cwd": cwd, "tool_name": "Bash", "tool_input": {"command": command}});
    let call = one(&bash(&t.home), Some(&t.home), Some(&t.install));
    check(
        &mut runner,
        &call,
        json!({"agent.home": t.real_home, "prempti.home": t.real_install,
               "cmd.home_write_paths": [".bashrc", ".config/fish/config.fish", ".zshrc", ".profile", ".inputrc"]}),
    );
    // Without a home only the `~` and `$HOME` forms are known to be in it.
    let call = one(&bash("/"), None, None);
    check(
        &mut runner,
        &call,
        json!({"cmd.home_write_paths": [".bashrc", ".config/fish/config.fish", ".inputrc"]}),
    );
    // A single target comes back as a one-element list.
    let single =
        json!({"cwd": "/", "tool_name": "Bash", "tool_input": {"command": "echo x > ~/.profile"}});
    let call = one(&single, None, None);
    check(
        &mut runner,
        &call,
        json!({"cmd.home_write_paths": [".profile"]}),
    );
    // No redirection into the home: no value.
    let none =
        json!({"cwd": "/", "tool_name": "Bash", "tool_input": {"command": "echo x > /tmp/y"}});
    let call = one(&none, Some(&t.home), None);
    check(&mut runner, &call, json!({"agent.home": t.real_home}));
}

#[test]
fn homes_survive_the_event_encoding_and_older_events_decode() {
    let t = tree();
    let read = json!({"cwd": "/", "tool_name": "Read",
        "tool_input": {"file_path": format!("{}/.ssh/id_ed25519", t.home)}});
    let call = one(&read, Some(&t.home), Some(&t.install));
    let back = prempti_plugin::event::decode(&prempti_plugin::event::encode(&call)).unwrap();
    assert_eq!(back, call);
    assert_eq!(back.home_file_path().as_deref(), Some(".ssh/id_ed25519"));
    // An event encoded before these keys existed decodes with no homes.
    let mut old: Value =
        serde_json::from_slice(&prempti_plugin::event::encode(&call)[4..]).unwrap();
    for key in [
        "home",
        "real_home",
        "prempti_home",
        "real_prempti_home",
        "real_search_path",
    ] {
        assert!(old.as_object_mut().unwrap().remove(key).is_some(), "{key}");
    }
    let mut bytes = prempti_plugin::event::MAGIC.to_vec();
    bytes.extend(old.to_string().into_bytes());
    let old = prempti_plugin::event::decode(&bytes).unwrap();
    assert_eq!(
        (old.real_home.as_deref(), old.home_file_path()),
        (None, None)
    );
}

#[test]
fn the_source_passes_the_requests_homes_to_its_events() {
    let t = tree();
    let setup = Setup::new();
    let mut runner = setup.start(&setup.config(""));
    let payload = json!({"session_id": "s1", "cwd": "/", "hook_event_name": "PreToolUse", "tool_name": "Read",
        "tool_input": {"file_path": format!("{}/.ssh/id_ed25519", t.home)}, "tool_use_id": "toolu_1"})
    .to_string();
    let request = HookRequest::new(Agent::ClaudeCode, 4242, 99, payload)
        .with_homes(Some(t.home.clone()), Some(t.install.clone()));
    let _client = hook_request(&setup.socket, request);
    let ev = next_event(&mut runner);
    assert_eq!(
        abi_json(&extract(&mut runner, &ev, "agent.home")),
        json!(t.real_home)
    );
    assert_eq!(
        abi_json(&extract(&mut runner, &ev, "prempti.home")),
        json!(t.real_install)
    );
    assert_eq!(
        abi_json(&extract(&mut runner, &ev, "tool.home_file_path")),
        json!(".ssh/id_ed25519")
    );
}
