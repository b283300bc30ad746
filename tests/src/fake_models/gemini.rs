//! Gemini API: `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` (server-sent events,
//! `data:` lines only, each a `GenerateContentResponse`), `:generateContent` (one JSON
//! response; Gemini CLI uses it for side calls such as model routing, which ask for a JSON
//! answer through `generationConfig.responseMimeType`), and `:countTokens`.
//! A tool call is a `functionCall` part; its result comes back as a user `functionResponse` part
//! `{"name":…,"response":{"output":…}|{"error":…}}`.

use serde_json::{json, Value};

use super::{
    call_id, counted, items, not_found, Api, Handled, HttpRequest, Reply, Shared, ToolResult, Turn,
};

fn offered(body: &Value) -> Vec<String> {
    items(body, "tools")
        .flat_map(|t| items(t, "functionDeclarations"))
        .filter_map(|d| d.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn results(shared: &Shared, body: &Value) -> Vec<ToolResult> {
    let mut out = Vec::new();
    for p in items(body, "contents").flat_map(|c| items(c, "parts")) {
        let Some(fr) = p.get("functionResponse") else {
            continue;
        };
        // Gemini CLI echoes the call id when the call carried one; fall back to the order
        // of the responses for the scripted tool names.
        let step = fr
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| shared.step_of(id))
            .or_else(|| {
                let name = fr.get("name").and_then(Value::as_str)?;
                let i = out.len();
                (shared.script.steps.get(i)?.tool_name == name).then_some(i)
            });
        let Some(step) = step else { continue };
        let response = fr.get("response").cloned().unwrap_or(Value::Null);
        out.push(ToolResult {
            step,
            // The whole function response: Gemini CLI puts the text under `output` or
            // `error` depending on the outcome, and tests search it all.
            text: serde_json::to_string(&response).unwrap_or_default(),
            is_error: Some(response.get("error").is_some()),
            raw: fr.clone(),
        });
    }
    out
}

/// Whether a request wants a JSON document as its answer (side calls: routing, checks).
fn wants_json(body: &Value) -> bool {
    let gc = body
        .get("generationConfig")
        .or_else(|| body.get("generation_config"));
    gc.is_some_and(|gc| {
        gc.get("responseMimeType").and_then(Value::as_str) == Some("application/json")
            || gc.get("responseJsonSchema").is_some()
            || gc.get("responseSchema").is_some()
    })
}

pub(crate) fn handle(shared: &Shared, req: &HttpRequest, body: &Value) -> Handled {
    let path = req.path();
    let model = path
        .rsplit('/')
        .next()
        .and_then(|s| s.split(':').next())
        .unwrap_or("gemini-2.5-pro")
        .to_string();
    if path.ends_with(":countTokens") {
        return counted(json!({"totalTokens": 100}));
    }
    let stream = path.ends_with(":streamGenerateContent");
    if req.method != "POST" || !(stream || path.ends_with(":generateContent")) {
        return not_found();
    }
    let offered = offered(body);
    if wants_json(body) {
        // Routing / next-speaker style checks: one JSON object that satisfies the shapes
        // Gemini CLI asks for (extra keys are ignored by its parsers).
        let doc = json!({
            "reasoning": "Scripted test turn.",
            "model_choice": "flash",
            "next_speaker": "user",
        });
        let parts = json!([{"text": doc.to_string()}]);
        return (reply(&model, stream, parts), "json_side_call", offered);
    }
    let turn = shared.turn(results(shared, body), &offered);
    let (answered, parts) = match turn {
        Turn::CallTool(step) => (
            "tool_call",
            json!([{"functionCall": {
                "id": call_id(Api::Gemini, step),
                "name": shared.script.steps[step].tool_name,
                "args": shared.script.steps[step].tool_input,
            }}]),
        ),
        Turn::Final => ("final", json!([{"text": shared.script.final_text}])),
        Turn::Other => ("text", json!([{"text": "OK"}])),
    };
    (reply(&model, stream, parts), answered, offered)
}

fn reply(model: &str, stream: bool, parts: Value) -> Reply {
    let chunk = json!({
        "candidates": [{
            "content": {"role": "model", "parts": parts},
            "finishReason": "STOP",
            "index": 0,
        }],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 20, "totalTokenCount": 120},
        "modelVersion": model,
        "responseId": "prempti0e2e",
    });
    if stream {
        Reply::sse(&[(None, chunk)])
    } else {
        Reply::json(&chunk)
    }
}
