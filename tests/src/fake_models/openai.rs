//! OpenAI Responses API: `POST <base>/responses` with `"stream": true`, answered as server-sent
//! events `response.created`, `response.output_item.added`, (`response.output_text.delta`),
//! `response.output_item.done`, `response.completed`.
//! A function tool call is an output item `{"type":"function_call","call_id":…,"name":…,
//! "arguments":"<json string>"}` (a freeform tool: `custom_tool_call` with `input`); its result
//! comes back as an input item `function_call_output` (`custom_tool_call_output`) with the same
//! `call_id` and an `output` that is a string or a list of content items.

use serde_json::{json, Value};

use super::{
    call_id, items, not_found, Api, Handled, HttpRequest, Reply, Shared, ToolResult, Turn,
};

fn offered(body: &Value) -> Vec<(String, String)> {
    items(body, "tools")
        .filter_map(|t| {
            let name = t.get("name").and_then(Value::as_str)?;
            let kind = t.get("type").and_then(Value::as_str).unwrap_or("function");
            Some((name.to_string(), kind.to_string()))
        })
        .collect()
}

fn results(shared: &Shared, body: &Value) -> Vec<ToolResult> {
    items(body, "input")
        .filter(|item| {
            let ty = item.get("type").and_then(Value::as_str);
            ty == Some("function_call_output") || ty == Some("custom_tool_call_output")
        })
        .filter_map(|item| {
            let id = item.get("call_id").and_then(Value::as_str)?;
            shared.result_of(id, item.get("output"), None, item)
        })
        .collect()
}

pub(crate) fn handle(shared: &Shared, req: &HttpRequest, body: &Value) -> Handled {
    if req.method != "POST" || !req.path().ends_with("/responses") {
        return not_found();
    }
    let offered = offered(body);
    let names: Vec<String> = offered.iter().map(|(n, _)| n.clone()).collect();
    let turn = shared.turn(results(shared, body), &names);
    let (answered, item) = match turn {
        Turn::CallTool(step) => {
            let custom = offered
                .iter()
                .any(|(n, k)| *n == shared.script.steps[step].tool_name && k == "custom");
            ("tool_call", tool_item(shared, step, custom))
        }
        Turn::Final => ("final", message_item(&shared.script.final_text)),
        Turn::Other => ("text", message_item("OK")),
    };
    (stream(item), answered, names)
}

fn tool_item(shared: &Shared, step: usize, custom: bool) -> Value {
    let id = call_id(Api::OpenAiResponses, step);
    let step = &shared.script.steps[step];
    if custom {
        let input = match &step.tool_input {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        json!({"type": "custom_tool_call", "id": "ctc_prempti0e2e", "status": "completed",
               "call_id": id, "name": step.tool_name, "input": input})
    } else {
        json!({"type": "function_call", "id": "fc_prempti0e2e", "status": "completed",
               "call_id": id, "name": step.tool_name,
               "arguments": step.tool_input.to_string()})
    }
}

fn message_item(text: &str) -> Value {
    json!({"type": "message", "id": "msg_prempti0e2e", "status": "completed", "role": "assistant",
           "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

fn stream(item: Value) -> Reply {
    let response_id = "resp_prempti0e2e";
    let mut events: Vec<(Option<&str>, Value)> = vec![(
        Some("response.created"),
        json!({"type": "response.created",
               "response": {"id": response_id, "object": "response", "status": "in_progress"}}),
    )];
    let mut added = item.clone();
    if added.get("type").and_then(Value::as_str) == Some("message") {
        added["content"] = json!([]);
        added["status"] = json!("in_progress");
    }
    events.push((
        Some("response.output_item.added"),
        json!({"type": "response.output_item.added", "output_index": 0, "item": added}),
    ));
    if item.get("type").and_then(Value::as_str) == Some("message") {
        let text = item["content"][0]["text"].clone();
        events.push((
            Some("response.output_text.delta"),
            json!({"type": "response.output_text.delta", "item_id": item["id"],
                   "output_index": 0, "content_index": 0, "delta": text}),
        ));
    }
    events.push((
        Some("response.output_item.done"),
        json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
    ));
    events.push((
        Some("response.completed"),
        json!({"type": "response.completed",
               "response": {"id": response_id, "object": "response", "status": "completed",
                            "output": [item],
                            "usage": {"input_tokens": 100,
                                      "input_tokens_details": {"cached_tokens": 0},
                                      "output_tokens": 20,
                                      "output_tokens_details": {"reasoning_tokens": 0},
                                      "total_tokens": 120}}}),
    ));
    Reply::sse(&events)
}
