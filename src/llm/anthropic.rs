//! Anthropic Messages (`POST {base}/v1/messages`): the system prompt in the top-level `system`
//! field, `tool_use` / `tool_result` content blocks (consecutive tool results in one user
//! turn), `max_tokens` always sent, and the streaming events (`content_block_*`,
//! `input_json_delta`, `thinking_delta`, `message_delta` usage, `error`).

use super::assemble::{args_object, as_text, chat, invalid, num, parse_json, push_turn, Assembler, Flow, Wire};
use super::sse::SseEvent;
use super::http::{api_error, Endpoint, Who};
use super::{ChatModel, ChatRequest, ChatResponse, DeltaSink, LlmError};
use crate::model::split_handle;
use crate::platform::BoxFut;
use serde_json::{json, Map, Value};

pub const DEFAULT_MAX_TOKENS: u64 = 4096;

pub struct Anthropic {
    pub endpoint: Endpoint,
}

impl Anthropic {
    /// The request's headers and body.
    pub fn body(&self, req: &ChatRequest, stream: bool) -> (Vec<(String, String)>, Value) {
        let (_, model) = split_handle(&req.model);
        let mut system = Vec::new();
        let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
        for (i, m) in req.messages.iter().enumerate() {
            let text = |t: &str| json!({ "type": "text", "text": t });
            match m.role.as_str() {
                "system" if i == 0 => system.push(m.content.clone()),
                "assistant" => {
                    if turns.is_empty() {
                        // The first turn must be the user's.
                        push_turn(&mut turns, "user", text("(conversation start)"));
                    }
                    if !m.content.trim().is_empty() {
                        push_turn(&mut turns, "assistant", text(&m.content));
                    }
                    for c in &m.tool_calls {
                        push_turn(&mut turns, "assistant", json!({ "type": "tool_use", "id": c.id, "name": c.name, "input": args_object(&c.arguments) }));
                    }
                }
                "tool" => push_turn(
                    &mut turns,
                    "user",
                    json!({ "type": "tool_result", "tool_use_id": m.tool_call_id.clone().unwrap_or_default(), "content": m.content }),
                ),
                _ if m.content.trim().is_empty() => {}
                // Later system messages and user messages are user text.
                _ => push_turn(&mut turns, "user", text(&m.content)),
            }
        }
        let messages: Vec<Value> = turns.into_iter().map(|(role, content)| json!({ "role": role, "content": content })).collect();
        let mut body = Map::new();
        body.insert("model".into(), model.into());
        body.insert("max_tokens".into(), req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS).into());
        if !system.is_empty() {
            body.insert("system".into(), system.join("\n\n").into());
        }
        body.insert("messages".into(), Value::Array(messages));
        if !req.tools.is_empty() {
            let tools = req
                .tools
                .iter()
                .map(|t| json!({ "name": t.name, "description": t.description, "input_schema": t.parameters }))
                .collect();
            body.insert("tools".into(), Value::Array(tools));
        }
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), t.into());
        }
        if stream {
            body.insert("stream".into(), true.into());
        }
        let mut headers = vec![
            ("anthropic-version".to_string(), "2023-06-01".to_string()),
            ("anthropic-dangerous-direct-browser-access".to_string(), "true".to_string()),
        ];
        if let Some(k) = &self.endpoint.api_key {
            headers.push(("x-api-key".to_string(), k.clone()));
        }
        (headers, Value::Object(body))
    }
}

impl Wire for Anthropic {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    fn build(&self, req: &ChatRequest, stream: bool) -> (String, Vec<(String, String)>, Value) {
        let (headers, body) = self.body(req, stream);
        ("/v1/messages".into(), headers, body)
    }
    fn parse_whole(&self, who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError> {
        parse_response(who, v, out)
    }
    fn parse_event(&self, who: Who<'_>, ev: &SseEvent, out: &mut Assembler) -> Result<Flow, LlmError> {
        stream_event(who, &parse_json(who, ev.data.as_bytes())?, out)
    }
}

impl ChatModel for Anthropic {
    fn chat<'a>(&'a self, req: &'a ChatRequest, sink: Option<&'a dyn DeltaSink>) -> BoxFut<'a, Result<ChatResponse, LlmError>> {
        Box::pin(chat(self, req, sink))
    }
}

fn finish_reason(stop: &str) -> String {
    match stop {
        "end_turn" | "stop_sequence" => "stop",
        "tool_use" => "tool_calls",
        "max_tokens" => "length",
        other => other,
    }
    .to_string()
}

/// A whole (non-streamed) message.
pub fn parse_response(who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError> {
    if v.get("type").and_then(Value::as_str) == Some("error") {
        return Err(api_error(who, 500, v.to_string().as_bytes()));
    }
    let blocks = v.get("content").and_then(Value::as_array).ok_or_else(|| invalid(who, "the answer has no content list"))?;
    for b in blocks {
        match b.get("type").and_then(Value::as_str) {
            Some("text") => out.text(b.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("thinking") => out.reasoning(b.get("thinking").and_then(Value::as_str).unwrap_or("")),
            Some("tool_use") => {
                let name = b.get("name").and_then(Value::as_str).ok_or_else(|| invalid(who, "a tool_use block has no name"))?;
                let args = as_text(b.get("input").unwrap_or(&Value::Null));
                let i = out.next_index();
                out.call(i, b.get("id").and_then(Value::as_str), Some(name), &args)?;
            }
            _ => {}
        }
    }
    out.finish_reason = v.get("stop_reason").and_then(Value::as_str).map(finish_reason);
    if let Some(u) = v.get("usage") {
        out.prompt_tokens = num(u, "input_tokens") + num(u, "cache_read_input_tokens") + num(u, "cache_creation_input_tokens");
        out.completion_tokens = num(u, "output_tokens");
    }
    Ok(())
}

/// One streamed event.
pub fn stream_event(who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<Flow, LlmError> {
    let block_index = v.get("index").and_then(Value::as_u64).map(|n| n as usize);
    match v.get("type").and_then(Value::as_str).unwrap_or("") {
        "message_start" => {
            if let Some(u) = v.get("message").and_then(|m| m.get("usage")) {
                out.prompt_tokens = num(u, "input_tokens") + num(u, "cache_read_input_tokens") + num(u, "cache_creation_input_tokens");
                out.completion_tokens = num(u, "output_tokens");
            }
        }
        "content_block_start" => {
            let b = v.get("content_block").ok_or_else(|| invalid(who, "content_block_start without a block"))?;
            match b.get("type").and_then(Value::as_str) {
                Some("tool_use") => {
                    let i = out.next_index();
                    out.blocks.push((block_index.unwrap_or(usize::MAX), i));
                    let name = b.get("name").and_then(Value::as_str);
                    out.call(i, b.get("id").and_then(Value::as_str), name, "")?;
                }
                Some("text") => out.text(b.get("text").and_then(Value::as_str).unwrap_or("")),
                Some("thinking") => out.reasoning(b.get("thinking").and_then(Value::as_str).unwrap_or("")),
                _ => {}
            }
        }
        "content_block_delta" => {
            let d = v.get("delta").ok_or_else(|| invalid(who, "content_block_delta without a delta"))?;
            let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("");
            match d.get("type").and_then(Value::as_str) {
                Some("text_delta") => out.text(s("text")),
                Some("thinking_delta") => out.reasoning(s("thinking")),
                Some("input_json_delta") => {
                    let call = out
                        .blocks
                        .iter()
                        .find(|(b, _)| Some(*b) == block_index)
                        .map(|(_, c)| *c)
                        .ok_or_else(|| invalid(who, "input_json_delta for a block that is not a tool_use"))?;
                    out.call(call, None, None, s("partial_json"))?;
                }
                _ => {}
            }
        }
        "message_delta" => {
            if let Some(r) = v.get("delta").and_then(|d| d.get("stop_reason")).and_then(Value::as_str) {
                out.finish_reason = Some(finish_reason(r));
            }
            if let Some(u) = v.get("usage") {
                let n = num(u, "output_tokens");
                if n > 0 {
                    out.completion_tokens = n;
                }
                let p = num(u, "input_tokens");
                if p > 0 {
                    out.prompt_tokens = p;
                }
            }
        }
        "message_stop" => return Ok(Flow::Done),
        "error" => {
            let status = match v.get("error").and_then(|e| e.get("type")).and_then(Value::as_str) {
                Some("overloaded_error") => 529,
                Some("rate_limit_error") => 429,
                Some("invalid_request_error") => 400,
                _ => 500,
            };
            return Err(api_error(who, status, v.to_string().as_bytes()));
        }
        _ => {} // ping, content_block_stop, unknown events
    }
    Ok(Flow::More)
}
