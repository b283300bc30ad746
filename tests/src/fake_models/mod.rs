//! Scripted model servers that real agent CLIs talk to instead of a real model.
//!
//! Each server plays one turn of a conversation:
//!
//! 1. a request that offers the scripted tool and carries no result for it is answered with one
//!    call of that tool (a shell command, a Write, an Edit, ...);
//! 2. a request that carries the result of that call is recorded (the text the CLI sent back, and
//!    whether it flagged it as an error) and answered with a final text.
//!
//! Every other request (side calls the CLIs make, e.g. Gemini CLI's model routing) gets a
//! harmless answer. Everything received is kept so tests can assert on it.
//!
//! Three wire formats: Anthropic Messages (`POST /v1/messages`, SSE), Gemini
//! (`:generateContent` JSON and `:streamGenerateContent?alt=sse`), OpenAI Responses
//! (`POST .../responses`, SSE).
//!
//! The server is a few hundred lines over `std::net` and one thread per connection rather than an
//! HTTP framework: the test crate stays free of an async runtime, the servers only ever see a
//! handful of requests from one local client, and a hand-written HTTP/1.1 reader lets us answer
//! exactly the bytes each CLI expects (SSE framing, `Connection: close`) with nothing in between.

mod anthropic;
mod gemini;
mod http;
mod openai;

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

pub use http::HttpRequest;

/// Which model API a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Anthropic Messages API (Claude Code).
    Anthropic,
    /// Gemini API (Gemini CLI).
    Gemini,
    /// OpenAI Responses API (Codex CLI).
    OpenAiResponses,
}

/// One scripted tool call.
#[derive(Debug, Clone)]
pub struct Step {
    /// Tool the model calls, by the name the CLI declares it under (`Bash`, `run_shell_command`,
    /// `exec_command`, `Write`, ...).
    pub tool_name: String,
    /// Arguments of the call.
    pub tool_input: Value,
    /// Played inside the previous step's call: in the first request that does not offer the
    /// previous step's tool (a subagent's own conversation, started by a Task call), once that
    /// step was sent. See [`Script::inside`].
    pub nested: bool,
}

/// The turn a server plays: its tool calls one after the other (each once the result of the
/// previous one came back), then a final text.
#[derive(Debug, Clone)]
pub struct Script {
    pub steps: Vec<Step>,
    /// Text of the model's final answer, once the last tool result came back.
    pub final_text: String,
}

impl Script {
    /// A turn with one tool call.
    pub fn new(tool_name: &str, tool_input: Value) -> Self {
        Script {
            steps: vec![Step {
                tool_name: tool_name.to_string(),
                tool_input,
                nested: false,
            }],
            final_text: "Done.".to_string(),
        }
    }

    /// Add a tool call after the ones already scripted.
    pub fn then(mut self, tool_name: &str, tool_input: Value) -> Self {
        self.steps.push(Step {
            tool_name: tool_name.to_string(),
            tool_input,
            nested: false,
        });
        self
    }

    /// Add a tool call that the conversation started by the previous call plays (a subagent
    /// that a Task call starts): its requests offer other tools than the main conversation's,
    /// carry none of its results, and get this call, then a final text; the main conversation
    /// then gets the previous call's result and goes on.
    pub fn inside(mut self, tool_name: &str, tool_input: Value) -> Self {
        self.steps.push(Step {
            tool_name: tool_name.to_string(),
            tool_input,
            nested: true,
        });
        self
    }
}

/// A tool result the CLI sent back to the model.
#[derive(Debug, Clone)]
pub struct ToolResult {
    /// Index of the scripted step it answers.
    pub step: usize,
    /// The text of the result (content blocks / output joined; for Gemini the function
    /// response serialized as JSON so every field is searchable).
    pub text: String,
    /// Anthropic `is_error`; for Gemini, whether the function response carries an `error`;
    /// `None` when the API has no such flag (OpenAI Responses).
    pub is_error: Option<bool>,
    /// The raw result object as received.
    pub raw: Value,
}

/// One request the server received, with what it made of it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub target: String,
    /// Body parsed as JSON (`Value::Null` when it was empty or not JSON).
    pub body: Value,
    /// Names of the tools the request offered to the model.
    pub offered_tools: Vec<String>,
    /// What the server answered: `tool_call`, `final`, `text`, `not_found`, ...
    pub answered: &'static str,
}

#[derive(Debug, Default)]
struct State {
    received: Vec<Received>,
    tool_results: Vec<ToolResult>,
    tool_calls_sent: usize,
    finished: bool,
}

/// The identifiers of the scripted tool calls (`toolu_...`, `call_...`) end with this and the
/// step index.
const CALL_ID_SUFFIX: &str = "prempti0e2e00000000000";

struct Shared {
    api: Api,
    script: Script,
    state: Mutex<State>,
}

/// A running scripted model server on 127.0.0.1 (ephemeral port). Stops when dropped.
pub struct FakeModel {
    port: u16,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl FakeModel {
    pub fn start(api: Api, script: Script) -> io::Result<FakeModel> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            api,
            script,
            state: Mutex::new(State::default()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name(format!("fake-model-{port}"))
                .spawn(move || accept_loop(listener, shared, stop))?
        };
        Ok(FakeModel {
            port,
            shared,
            stop,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// Tool results the CLI sent back for the scripted calls, in the order received (a result
    /// is recorded once per request that carries it, so earlier steps repeat).
    pub fn tool_results(&self) -> Vec<ToolResult> {
        self.state().tool_results.clone()
    }

    /// The first result received for a step.
    pub fn tool_result(&self, step: usize) -> Option<ToolResult> {
        self.state()
            .tool_results
            .iter()
            .find(|r| r.step == step)
            .cloned()
    }

    /// How many tool calls were sent to the CLI (a retried request counts again).
    pub fn tool_calls_sent(&self) -> usize {
        self.state().tool_calls_sent
    }

    /// Whether the final text was sent (the CLI sent back the result of every step).
    pub fn finished(&self) -> bool {
        self.state().finished
    }

    /// A compact description of what the server saw, for assertion messages.
    pub fn summary(&self) -> String {
        let st = self.state();
        let mut out = String::new();
        for r in &st.received {
            out.push_str(&format!(
                "  {} {} -> {} (tools offered: {})\n",
                r.method,
                r.target,
                r.answered,
                if r.offered_tools.is_empty() {
                    "none".to_string()
                } else {
                    r.offered_tools.join(",")
                }
            ));
        }
        for t in &st.tool_results {
            out.push_str(&format!(
                "  tool result of step {} (is_error={:?}): {}\n",
                t.step, t.is_error, t.text
            ));
        }
        if out.is_empty() {
            out.push_str("  (no requests)\n");
        }
        out
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn call_id(api: Api, step: usize) -> String {
    match api {
        Api::Anthropic => format!("toolu_{CALL_ID_SUFFIX}{step:02}"),
        Api::Gemini => format!("gemini_{CALL_ID_SUFFIX}{step:02}"),
        Api::OpenAiResponses => format!("call_{CALL_ID_SUFFIX}{step:02}"),
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(conn) = conn else { continue };
        let shared = Arc::clone(&shared);
        // Connection threads are detached: each one serves one request and closes.
        let _ = std::thread::Builder::new()
            .name("fake-model-conn".into())
            .spawn(move || serve(conn, &shared));
    }
}

/// What a handler decided to send back.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(v: &Value) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json",
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }

    /// Server-sent events: each `(event name, data)`; a `None` name omits the `event:` line.
    pub(crate) fn sse(events: &[(Option<&str>, Value)]) -> Reply {
        let mut body = String::new();
        for (name, data) in events {
            if let Some(n) = name {
                body.push_str("event: ");
                body.push_str(n);
                body.push('\n');
            }
            body.push_str("data: ");
            body.push_str(&serde_json::to_string(data).unwrap_or_default());
            body.push_str("\n\n");
        }
        Reply {
            status: 200,
            content_type: "text/event-stream",
            body: body.into_bytes(),
        }
    }

    pub(crate) fn not_found() -> Reply {
        Reply {
            status: 404,
            content_type: "application/json",
            body: br#"{"error":{"message":"not found"}}"#.to_vec(),
        }
    }
}

/// How a request was classified by an API module.
pub(crate) enum Turn {
    /// The request carries results for every scripted call: answer the final text.
    Final,
    /// The request carries results for the steps before this one and offers its tool: call it.
    CallTool(usize),
    /// Anything else.
    Other,
}

fn serve(mut conn: TcpStream, shared: &Shared) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let req = match http::read_request(&mut conn) {
        Ok(Some(r)) => r,
        _ => return,
    };
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let (reply, answered, offered) = match shared.api {
        Api::Anthropic => anthropic::handle(shared, &req, &body),
        Api::Gemini => gemini::handle(shared, &req, &body),
        Api::OpenAiResponses => openai::handle(shared, &req, &body),
    };
    {
        let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.received.push(Received {
            method: req.method.clone(),
            target: req.target.clone(),
            body,
            offered_tools: offered,
            answered,
        });
    }
    let _ = http::write_response(&mut conn, reply.status, reply.content_type, &reply.body);
    let _ = conn.shutdown(Shutdown::Both);
}

impl Shared {
    /// Decide what to answer to a request that carries `results` (the results of scripted
    /// calls it holds, found by the API module) and offers the tools `offered`; record both.
    pub(crate) fn turn(&self, results: Vec<ToolResult>, offered: &[String]) -> Turn {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let carried: Vec<usize> = results.iter().map(|r| r.step).collect();
        st.tool_results.extend(results);
        // A nested call's result travels in the subagent's conversation only: count every
        // result received so far.
        let steps = &self.script.steps;
        let answered = |st: &State, i: usize| st.tool_results.iter().any(|r| r.step == i);
        let done = (0..steps.len()).take_while(|i| answered(&st, *i)).count();
        if done == steps.len() {
            st.finished = true;
            return Turn::Final;
        }
        let offers = |name: &str| offered.iter().any(|n| n == name);
        // Step `done` was sent and plays a nested step: a request without its result comes
        // from the conversation it started, which gets the nested call once, then a final
        // text (which is how that conversation ends and step `done` gets its result).
        let next = done + 1;
        if let Some(nested) = steps.get(next).filter(|s| s.nested) {
            if st.tool_calls_sent > done {
                if carried.contains(&next) || answered(&st, next) {
                    return Turn::Other;
                }
                if offers(&nested.tool_name) {
                    st.tool_calls_sent += 1;
                    return Turn::CallTool(next);
                }
            }
        }
        if offers(&steps[done].tool_name) {
            st.tool_calls_sent += 1;
            return Turn::CallTool(done);
        }
        Turn::Other
    }

    /// The step whose call id is `id`, if any.
    pub(crate) fn step_of(&self, id: &str) -> Option<usize> {
        (0..self.script.steps.len()).find(|i| call_id(self.api, *i) == id)
    }

    /// The result `raw` of the scripted call `id` (`None` when `id` is not one), its text taken
    /// from `content`.
    pub(crate) fn result_of(
        &self,
        id: &str,
        content: Option<&Value>,
        is_error: Option<bool>,
        raw: &Value,
    ) -> Option<ToolResult> {
        Some(ToolResult {
            step: self.step_of(id)?,
            text: content_text(content.unwrap_or(&Value::Null)),
            is_error,
            raw: raw.clone(),
        })
    }
}

/// What an API module made of a request: the reply, how it answered (`tool_call`, `final`,
/// ...) and the names of the tools the request offered.
pub(crate) type Handled = (Reply, &'static str, Vec<String>);

/// The answer to a request that is not part of the API.
pub(crate) fn not_found() -> Handled {
    (Reply::not_found(), "not_found", vec![])
}

/// The answer to a token-counting request: `doc` as JSON.
pub(crate) fn counted(doc: Value) -> Handled {
    (Reply::json(&doc), "count_tokens", vec![])
}

/// The elements of the array `v[key]`; none when it is missing or not an array.
pub(crate) fn items<'a>(v: &'a Value, key: &str) -> std::slice::Iter<'a, Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .unwrap_or_default()
}

/// Join the text of content that is either a string or an array of `{type, text}` blocks.
pub(crate) fn content_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other
                    .get("text")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| other.to_string()),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
