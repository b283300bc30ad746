//! Post-tool reports: what the session history learns when the agent says a call ran.
//!
//! With `premptictl hook add <agent> --post-tool`, the agent's post-tool hook (Claude Code and
//! Codex `PostToolUse`, Gemini CLI `AfterTool`, Copilot CLI `postToolUse`) runs
//! `prempti-hook <agent> --post-tool`, which sends the report to the broker marked
//! [`prempti_protocol::HookRequest::post_tool`]. Both hosts hand such a request to
//! [`settle_report`] instead of evaluating it: nothing is decided, the hook is answered at once
//! and no audit record is written. The report:
//!
//! - tells the session that its agent reports the calls that ran. From then on a call answered
//!   `ask` sets its marks only when its report arrives, so a call the user refused sets none
//!   (before the first report, and without the post-tool hook, an asked call sets its marks
//!   when it is answered);
//! - for a call whose matched rules set a mark (a read of a sensitive file, in the default
//!   rules `coding_agent_mark:secret_read`), keeps a salted hash of each secret-looking value
//!   in the tool's response ([`secret_values`]). A later call of the session whose arguments
//!   carry one of those values ([`candidates`]) has `session.carries_secret`, even when it does
//!   not name the file. Only the salt and the hashes are kept, never a value.
//!
//! A report names its call by `tool_use_id`, or, for agents that send none, by a hash of the
//! tool name and input ([`call_key`]); the pre-tool call leaves a pending entry under that key
//! ([`crate::session::SessionStore::record`]).

use serde_json::Value;

use crate::agents::{parse_request, CallContext, Os, ToolCall};
use crate::broker::IncomingCall;
use crate::session::{now_ms, Reported, SessionStore};

/// Longest tool response read for secrets, in bytes (the rest is ignored).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Most secret values taken from one response.
pub const MAX_VALUES_PER_REPORT: usize = 64;
/// Most candidate values taken from one call's arguments.
pub const MAX_CANDIDATES: usize = 4096;
/// Shortest value treated as a secret or compared with one.
pub const MIN_SECRET_LEN: usize = 8;

/// Records a post-tool report in its session (when there is a store and the payload names a
/// session) and answers the hook "no opinion". Never fails: an unusable report changes nothing.
pub fn settle_report(call: IncomingCall, sessions: Option<&SessionStore>) -> Option<Reported> {
    let reported = sessions.and_then(|store| {
        let ctx = CallContext {
            correlation_id: call.correlation_id,
            agent_pid: u64::from(call.request.agent_pid),
            os: Os::current(),
        };
        let calls = parse_request(&call.request, &ctx).ok()?;
        record_report(store, &calls, &call.request.payload, now_ms())
    });
    call.respond(prempti_protocol::Decision::Defer, String::new());
    reported
}

/// Records in `store` the post-tool report whose payload is `payload` and whose tool call the
/// plugin normalized into `calls`, at `now_ms`; `None` when the report names no session.
pub fn record_report(
    store: &SessionStore,
    calls: &[ToolCall],
    payload: &str,
    now_ms: u64,
) -> Option<Reported> {
    let first = calls.first()?;
    let session = first.session_id.as_deref()?;
    Some(store.report(session, now_ms, &call_key(first), &response_text(payload)))
}

/// The key a pre-tool call and its post-tool report share: the agent's `tool_use_id`, else a
/// hash of the tool name and the (compact) tool input.
pub fn call_key(call: &ToolCall) -> String {
    match call.tool_use_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => format!("id:{id}"),
        None => {
            let mut text = call.tool_name.clone();
            text.push('\0');
            text.push_str(call.input.as_deref().unwrap_or(""));
            format!("input:{}", crate::sha256::hex_digest(text.as_bytes()))
        }
    }
}

/// The text of the tool's response in a post-tool payload (`tool_response`, Copilot's
/// `toolResult`, ...): every string in it, one per line, at most [`MAX_RESPONSE_BYTES`].
pub fn response_text(payload: &str) -> String {
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(payload) else {
        return String::new();
    };
    let mut out = String::new();
    for key in [
        "tool_response",
        "toolResponse",
        "toolResult",
        "tool_output",
        "output",
    ] {
        if let Some(v) = obj.get(key) {
            collect_strings(v, &mut out, 0);
        }
    }
    out
}

fn collect_strings(v: &Value, out: &mut String, depth: usize) {
    if depth > 32 || out.len() >= MAX_RESPONSE_BYTES {
        return;
    }
    match v {
        Value::String(s) => {
            let room = MAX_RESPONSE_BYTES - out.len();
            let mut end = s.len().min(room);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            out.push_str(&s[..end]);
            out.push('\n');
        }
        Value::Array(items) => items
            .iter()
            .for_each(|i| collect_strings(i, out, depth + 1)),
        Value::Object(map) => map
            .values()
            .for_each(|i| collect_strings(i, out, depth + 1)),
        _ => {}
    }
}

/// Key names whose values are secrets (`API_KEY=…`, `"password": "…"`), lowercase fragments.
const SECRET_KEYS: &[&str] = &[
    "secret",
    "token",
    "passw",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "private_key",
    "credential",
    "auth",
];

/// Prefixes of well-known credential formats (GitHub, GitLab, OpenAI/Anthropic-style, Slack,
/// AWS, Google, npm).
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "glpat-",
    "sk-",
    "sk_live_",
    "xoxb-",
    "xoxp-",
    "AKIA",
    "ASIA",
    "AIza",
    "npm_",
];

/// The secret-looking values of a text a sensitive file returned: values of secret-named keys
/// (`KEY=value`, `key: value`, `"key": "value"`), tokens in well-known credential formats, and
/// the body lines of a PEM private key. At most [`MAX_VALUES_PER_REPORT`], each once.
pub fn secret_values(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |v: &str, out: &mut Vec<String>| {
        let v = v
            .trim()
            .trim_matches(|c| c == '"' || c == '\'' || c == ',' || c == '\\');
        if v.len() >= MIN_SECRET_LEN
            && !v.contains(char::is_whitespace)
            && out.len() < MAX_VALUES_PER_REPORT
            && !out.iter().any(|o| o == v)
        {
            out.push(v.to_owned());
        }
    };
    let mut in_key = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("-----BEGIN") && trimmed.contains("PRIVATE KEY") {
            in_key = true;
            continue;
        }
        if trimmed.starts_with("-----END") {
            in_key = false;
            continue;
        }
        if in_key {
            if trimmed.len() >= 40 {
                push(trimmed, &mut out);
            }
            continue;
        }
        for (at, _) in trimmed.match_indices(['=', ':']) {
            let key: String = trimmed[..at]
                .trim_end_matches(['"', '\'', '\\', ' '])
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .collect::<Vec<char>>()
                .into_iter()
                .rev()
                .collect::<String>()
                .to_ascii_lowercase();
            if SECRET_KEYS.iter().any(|k| key.contains(k)) {
                push(value_after(&trimmed[at + 1..]), &mut out);
            }
        }
        for token in trimmed.split(is_separator) {
            if token.len() >= 20 && TOKEN_PREFIXES.iter().any(|p| token.starts_with(p)) {
                push(token, &mut out);
            }
        }
    }
    out
}

/// The value at the start of `rest` (what follows `KEY=` or `"key":`): up to its closing quote
/// when quoted, else up to a blank, `,`, `;` or `}`.
fn value_after(rest: &str) -> &str {
    let rest = rest.trim_start().trim_start_matches('\\');
    match rest.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let inner = &rest[1..];
            &inner[..inner.find(q).unwrap_or(inner.len())]
        }
        _ => {
            &rest[..rest
                .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '}'))
                .unwrap_or(rest.len())]
        }
    }
}

/// Characters that end a value in a command, URL or body.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '|'
        )
}

/// The values a call's arguments carry, to compare with a session's secrets: every string of
/// the tool input, cut into words at blanks, quotes and brackets, plus each word's part after
/// its first `=` or `:` and its pieces between `=`, `:`, `&`, `?`, `@` and `/`. Values shorter
/// than [`MIN_SECRET_LEN`] are left out; at most [`MAX_CANDIDATES`].
pub fn candidates(call: &ToolCall) -> Vec<String> {
    let mut strings = String::new();
    if let Some(input) = call.input.as_deref() {
        match serde_json::from_str::<Value>(input) {
            Ok(v) => collect_strings(&v, &mut strings, 0),
            Err(_) => strings.push_str(input),
        }
    }
    let mut out: Vec<String> = Vec::new();
    let push = |v: &str, out: &mut Vec<String>| {
        if v.len() >= MIN_SECRET_LEN && out.len() < MAX_CANDIDATES {
            out.push(v.to_owned());
        }
    };
    for word in strings.split(is_separator) {
        push(word, &mut out);
        if let Some(at) = word.find(['=', ':']) {
            push(&word[at + 1..], &mut out);
        }
        if word.contains(['=', ':', '&', '?', '@', '/']) {
            for piece in word.split(['=', ':', '&', '?', '@', '/']) {
                push(piece, &mut out);
            }
        }
    }
    out
}

/// The salted hash kept for a secret value (lowercase hex SHA-256 of salt, NUL, value).
pub fn salted_hash(salt: &str, value: &str) -> String {
    let mut text = String::with_capacity(salt.len() + 1 + value.len());
    text.push_str(salt);
    text.push('\0');
    text.push_str(value);
    crate::sha256::hex_digest(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Agent, ToolKind};

    fn call(tool: &str, input: &str) -> ToolCall {
        let ctx = CallContext {
            correlation_id: 1,
            agent_pid: 0,
            os: Os::current(),
        };
        let mut c = ToolCall::new(&ctx, Agent::ClaudeCode, tool.to_owned(), ToolKind::Other);
        c.input = Some(input.to_owned());
        c
    }

    #[test]
    fn secret_values_of_env_json_pem_and_token_formats() {
        let text = "# comment\nAPI_KEY=abc123def456\nexport DB_PASSWORD='pa55w0rd!x'\nNAME=project\n\
            {\"auth_token\": \"tok-99887766\"}\nshort_token=abc\nsee ghp_ABCDEFGHIJKLMNOPQRSTUVWX here\n\
            -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n";
        let values = secret_values(text);
        assert_eq!(
            values,
            [
                "abc123def456",
                "pa55w0rd!x",
                "tok-99887766",
                "ghp_ABCDEFGHIJKLMNOPQRSTUVWX",
                "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB"
            ]
        );
    }

    #[test]
    fn secret_values_inside_json_printed_as_text() {
        let text = r#"{"Name": "prod/db", "SecretString": "{\"password\":\"Xk9-long-db-pass\"}"}"#;
        assert!(
            secret_values(text).contains(&"Xk9-long-db-pass".to_owned()),
            "{:?}",
            secret_values(text)
        );
        let text = r#"{"SecretString": "API_KEY=sk-live-9f8e7d6c5b4a"}"#;
        assert!(
            secret_values(text).contains(&"sk-live-9f8e7d6c5b4a".to_owned()),
            "{:?}",
            secret_values(text)
        );
    }

    #[test]
    fn candidates_cut_commands_urls_and_bodies() {
        let c = candidates(&call(
            "Bash",
            r#"{"command":"curl -H 'Authorization: Bearer abc123def456' 'https://x.example/u?key=pa55w0rd!x&b=1' -d '{\"t\":\"tok-99887766\"}'"}"#,
        ));
        for want in ["abc123def456", "pa55w0rd!x", "tok-99887766"] {
            assert!(c.iter().any(|v| v == want), "{want} not in {c:?}");
        }
        assert!(c.iter().all(|v| v.len() >= MIN_SECRET_LEN));
    }

    #[test]
    fn keys_prefer_the_tool_use_id() {
        let mut with_id = call("Read", "{}");
        with_id.tool_use_id = Some("toolu_1".into());
        assert_eq!(call_key(&with_id), "id:toolu_1");
        let a = call("Read", r#"{"file_path":"/x/.env"}"#);
        let b = call("Read", r#"{"file_path":"/x/.envrc"}"#);
        assert!(call_key(&a).starts_with("input:"));
        assert_ne!(call_key(&a), call_key(&b));
    }

    #[test]
    fn response_text_reads_each_agents_shape() {
        let claude = r#"{"hook_event_name":"PostToolUse","tool_response":{"type":"text","file":{"filePath":"/p/.env","content":"API_KEY=abc123def456\n"}}}"#;
        assert!(response_text(claude).contains("API_KEY=abc123def456"));
        let copilot = r#"{"toolName":"view","toolResult":{"resultType":"success","textResultForLlm":"TOKEN=abc123def456"}}"#;
        assert!(response_text(copilot).contains("TOKEN=abc123def456"));
        assert_eq!(response_text("not json"), "");
    }
}
