//! End to end with real Falco: when a `falco` binary is found (`PREMPTI_FALCO`, or `falco`
//! on `PATH`), render the config templates into a temp install, run
//! `falco -c <config> --disable-source syscall` with the built plugin, send a hook request
//! and expect the verdict of a deny rule. Without a binary the test prints a skip line and
//! passes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::harness::{free_port, Setup};

fn falco_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PREMPTI_FALCO") {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("falco"))
        .find(|p| p.is_file())
}

fn repo_file(rel: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(rel)).unwrap()
}

/// Kills the Falco process this test started when the test ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[cfg(unix)]
fn real_falco_denies_through_the_plugin() {
    let Some(falco) = falco_binary() else {
        println!("SKIP real-falco e2e: no falco binary (set PREMPTI_FALCO)");
        return;
    };
    let setup = Setup::new();
    let home = setup.dir.path();
    for dir in ["config", "rules/default", "rules/user", "run", "log"] {
        std::fs::create_dir_all(home.join(dir)).unwrap();
    }
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let url = format!("http://{address}/alerts/{}", setup.token);
    let home_str = home.to_string_lossy();
    let library = crate::ffi::plugin_library();
    let render = |text: String| {
        text.replace("@PREMPTI_HOME@", &home_str)
            .replace("@INTAKE_URL@", &url)
            .replace("@INTAKE_ADDRESS@", &address)
            .replace("@INTAKE_TOKEN@", &setup.token)
            .replace("@PLUGIN_LIBRARY@", &library.to_string_lossy())
    };
    let config = home.join("config/falco.yaml");
    std::fs::write(&config, render(repo_file("installers/config/falco.yaml"))).unwrap();
    std::fs::write(
        home.join("config/falco.coding_agents_plugin.yaml"),
        render(repo_file(
            "installers/config/falco.coding_agents_plugin.yaml",
        )),
    )
    .unwrap();
    std::fs::write(home.join("rules/seen.yaml"), repo_file("rules/seen.yaml")).unwrap();
    std::fs::write(
        home.join("rules/default/test.yaml"),
        "- rule: No recursive delete\n  desc: test\n  condition: tool.input_command contains \"rm -rf\"\n  output: recursive delete of %tool.input_command\n  priority: CRITICAL\n  source: coding_agent\n  tags: [coding_agent_deny]\n",
    )
    .unwrap();

    let child = Command::new(&falco)
        .arg("-c")
        .arg(&config)
        .arg("--disable-source")
        .arg("syscall")
        .env("PREMPTI_HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start falco");
    let mut falco_process = KillOnDrop(child);

    let socket = home.join("run/broker.sock");
    for _ in 0..600 {
        if socket.exists() {
            break;
        }
        if let Ok(Some(status)) = falco_process.0.try_wait() {
            panic!("falco exited early: {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(socket.exists(), "the plugin's broker socket never appeared");

    let payload = r#"{"cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}"#;
    let response = crate::harness::hook_call(&socket, prempti_protocol::Agent::ClaudeCode, payload)
        .join()
        .unwrap();
    assert_eq!(response.decision, prempti_protocol::Decision::Deny);
    assert_eq!(
        response.reason,
        "No recursive delete: recursive delete of rm -rf /"
    );

    let payload = r#"{"cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#;
    let response = crate::harness::hook_call(&socket, prempti_protocol::Agent::ClaudeCode, payload)
        .join()
        .unwrap();
    // No rule matches: the template's default action, defer.
    assert_eq!(response.decision, prempti_protocol::Decision::Defer);
}
