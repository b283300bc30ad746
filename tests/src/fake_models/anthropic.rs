//! Anthropic Messages API: `POST /v1/messages` (Claude Code adds `?beta=true`), streamed as
//! server-sent events `message_start`, `content_block_start`, `content_block_delta`
//! (`text_delta` / `input_json_delta`), `content_block_stop`, `message_delta`, `message_stop`;
//! or one JSON message when the request does not ask for a stream.
//! A tool result comes back as a user content block
//! `{"type":"tool_result","tool_use_id":…,"content":…,"is_error":…}`.

use serde_json::{json, Value};

use super::{
    call_id, counted, items, not_found, Api, Handled, HttpRequest, Reply, Shared, ToolResult, Turn,
};

fn offered(body: &Value) -> Vec<String> {
    items(body, "tools")
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn results(shared: &Shared, body: &Value) -> Vec<ToolResult> {
    items(body, "messages")
        .flat_map(|m| items(m, "content"))
        .filter(|block| block.get("type").and_then(Value::as_str) == Some("tool_result"))
        .filter_map(|block| {
            let id = block.get("tool_use_id").and_then(Value::as_str)?;
            let is_error = block.get("is_error").and_then(Value::as_bool);
            shared.result_of(
                id,
                block.get("content"),
                Some(is_error.unwrap_or(false)),
                block,
            )
        })
        .collect()
}

pub(crate) fn handle(shared: &Shared, req: &HttpRequest, body: &Value) -> Handled {
    let path = req.path();
    if req.method != "POST" || !path.ends_with("/messages") {
        if path.ends_with("/count_tokens") {
            return counted(json!({"input_tokens": 100}));
        }
        return not_found();
    }
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("claude-sonnet-4-5")
        .to_string();
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let offered = offered(body);
    let turn = shared.turn(results(shared, body), &offered);
    let (answered, reply) = match turn {
        Turn::CallTool(step) => ("tool_call", tool_use(&model, stream, shared, step)),
        Turn::Final => ("final", text(&model, stream, &shared.script.final_text)),
        Turn::Other => ("text", text(&model, stream, "OK")),
    };
    (reply, answered, offered)
}

fn message(model: &str, content: Value, stop_reason: Option<&str>) -> Value {
    json!({
        "id": "msg_prempti0e2e",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {"input_tokens": 100, "output_tokens": 0,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    })
}

fn framing(model: &str, block: Value, delta: Value, stop_reason: &str) -> Reply {
    Reply::sse(&[
        (
            Some("message_start"),
            json!({"type": "message_start", "message": message(model, json!([]), None)}),
        ),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": block}),
        ),
        (
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": delta}),
        ),
        (
            Some("content_block_stop"),
            json!({"type": "content_block_stop", "index": 0}),
        ),
        (
            Some("message_delta"),
            json!({"type": "message_delta",
                   "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                   "usage": {"output_tokens": 20}}),
        ),
        (Some("message_stop"), json!({"type": "message_stop"})),
    ])
}

fn tool_use(model: &str, stream: bool, shared: &Shared, step: usize) -> Reply {
    let id = call_id(Api::Anthropic, step);
    let name = &shared.script.steps[step].tool_name;
    let input = &shared.script.steps[step].tool_input;
    if !stream {
        return Reply::json(&message(
            model,
            json!([{"type": "tool_use", "id": id, "name": name, "input": input}]),
            Some("tool_use"),
        ));
    }
    framing(
        model,
        json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
        json!({"type": "input_json_delta", "partial_json": input.to_string()}),
        "tool_use",
    )
}

fn text(model: &str, stream: bool, text: &str) -> Reply {
    if !stream {
        return Reply::json(&message(
            model,
            json!([{"type": "text", "text": text}]),
            Some("end_turn"),
        ));
    }
    framing(
        model,
        json!({"type": "text", "text": ""}),
        json!({"type": "text_delta", "text": text}),
        "end_turn",
    )
}
