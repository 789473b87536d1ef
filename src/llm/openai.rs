//! OpenAI Chat Completions (`POST {base}/chat/completions`), and every server that speaks it
//! (Ollama, vLLM, LM Studio, OpenRouter, Groq...), with or without a key. Tools are function
//! tools; streamed tool-call argument fragments are joined by index; usage comes from the
//! last chunk (`stream_options.include_usage`).

use super::assemble::{as_text, chat, invalid, num, parse_json, Assembler, Flow, Wire};
use super::sse::SseEvent;
use super::http::{api_error, Endpoint, Who};
use super::{ChatModel, ChatRequest, ChatResponse, DeltaSink, LlmError};
use crate::model::split_handle;
use crate::platform::BoxFut;
use serde_json::{json, Map, Value};

pub struct OpenAi {
    pub endpoint: Endpoint,
    /// Send `max_completion_tokens` (api.openai.com) rather than `max_tokens` (compatible servers).
    pub completion_tokens_field: bool,
}

impl OpenAi {
    pub fn new(endpoint: Endpoint) -> Self {
        let official = endpoint.base_url.contains("api.openai.com");
        OpenAi { endpoint, completion_tokens_field: official }
    }

    /// The request's headers and body.
    pub fn body(&self, req: &ChatRequest, stream: bool) -> (Vec<(String, String)>, Value) {
        let (_, model) = split_handle(&req.model);
        let mut body = Map::new();
        body.insert("model".into(), model.into());
        body.insert("messages".into(), Value::Array(req.messages.iter().map(message).collect()));
        if !req.tools.is_empty() {
            let tools = req
                .tools
                .iter()
                .map(|t| json!({ "type": "function", "function": { "name": t.name, "description": t.description, "parameters": t.parameters } }))
                .collect();
            body.insert("tools".into(), Value::Array(tools));
        }
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), t.into());
        }
        if let Some(n) = req.max_tokens {
            let k = if self.completion_tokens_field { "max_completion_tokens" } else { "max_tokens" };
            body.insert(k.into(), n.into());
        }
        if stream {
            body.insert("stream".into(), true.into());
            body.insert("stream_options".into(), json!({ "include_usage": true }));
        }
        let headers = match &self.endpoint.api_key {
            Some(k) => vec![("authorization".to_string(), format!("Bearer {k}"))],
            None => vec![],
        };
        (headers, Value::Object(body))
    }
}

impl Wire for OpenAi {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    fn build(&self, req: &ChatRequest, stream: bool) -> (String, Vec<(String, String)>, Value) {
        let (headers, body) = self.body(req, stream);
        ("/chat/completions".into(), headers, body)
    }
    fn parse_whole(&self, who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError> {
        parse_response(who, v, out)
    }
    fn parse_event(&self, who: Who<'_>, ev: &SseEvent, out: &mut Assembler) -> Result<Flow, LlmError> {
        let data = ev.data.trim();
        if data == "[DONE]" {
            return Ok(Flow::Done);
        }
        stream_chunk(who, &parse_json(who, data.as_bytes())?, out)?;
        Ok(Flow::More)
    }
}

impl ChatModel for OpenAi {
    fn chat<'a>(&'a self, req: &'a ChatRequest, sink: Option<&'a dyn DeltaSink>) -> BoxFut<'a, Result<ChatResponse, LlmError>> {
        Box::pin(chat(self, req, sink))
    }
}

/// A user `name` must match `^[a-zA-Z0-9_-]{1,64}$` or OpenAI refuses the request.
fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn message(m: &super::ChatMessage) -> Value {
    let mut o = Map::new();
    o.insert("role".into(), m.role.as_str().into());
    match m.role.as_str() {
        "assistant" if !m.tool_calls.is_empty() => {
            o.insert("content".into(), if m.content.is_empty() { Value::Null } else { m.content.as_str().into() });
            let calls = m
                .tool_calls
                .iter()
                .map(|c| json!({ "id": c.id, "type": "function", "function": { "name": c.name, "arguments": c.arguments } }))
                .collect();
            o.insert("tool_calls".into(), Value::Array(calls));
        }
        "tool" => {
            o.insert("tool_call_id".into(), m.tool_call_id.clone().unwrap_or_default().into());
            o.insert("content".into(), m.content.as_str().into());
        }
        _ => {
            o.insert("content".into(), m.content.as_str().into());
            if let Some(n) = m.name.as_deref().filter(|n| m.role == "user" && valid_name(n)) {
                o.insert("name".into(), n.into());
            }
        }
    }
    Value::Object(o)
}

fn reasoning_of(v: &Value) -> Option<&str> {
    v.get("reasoning_content").or_else(|| v.get("reasoning")).and_then(Value::as_str)
}

/// A whole (non-streamed) completion.
pub fn parse_response(who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError> {
    if v.get("error").is_some_and(|e| !e.is_null()) {
        return Err(api_error(who, 500, v.to_string().as_bytes()));
    }
    let choice = v
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .ok_or_else(|| invalid(who, "the answer has no choices"))?;
    let msg = choice.get("message").filter(|m| m.is_object()).ok_or_else(|| invalid(who, "choices[0] has no message"))?;
    if let Some(r) = reasoning_of(msg) {
        out.reasoning(r);
    }
    match msg.get("content") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => out.text(s),
        Some(_) => return Err(invalid(who, "choices[0].message.content is not text")),
    }
    if let Some(calls) = msg.get("tool_calls").filter(|c| !c.is_null()) {
        let calls = calls.as_array().ok_or_else(|| invalid(who, "tool_calls is not a list"))?;
        for (i, c) in calls.iter().enumerate() {
            let f = c.get("function").ok_or_else(|| invalid(who, "a tool call has no function"))?;
            let name = f.get("name").and_then(Value::as_str).ok_or_else(|| invalid(who, "a tool call has no name"))?;
            let args = as_text(f.get("arguments").unwrap_or(&Value::Null));
            out.call(i, c.get("id").and_then(Value::as_str), Some(name), &args)?;
        }
    }
    out.finish_reason = choice.get("finish_reason").and_then(Value::as_str).map(str::to_string);
    usage(v, out);
    Ok(())
}

fn usage(v: &Value, out: &mut Assembler) {
    if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
        out.prompt_tokens = num(u, "prompt_tokens");
        out.completion_tokens = num(u, "completion_tokens");
    }
}

/// One streamed chunk.
pub fn stream_chunk(who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError> {
    if v.get("error").is_some_and(|e| !e.is_null()) {
        let status = v["error"].get("code").and_then(Value::as_u64).filter(|c| (400..600).contains(c)).unwrap_or(500) as u16;
        return Err(api_error(who, status, v.to_string().as_bytes()));
    }
    usage(v, out);
    let Some(choice) = v.get("choices").and_then(Value::as_array).and_then(|c| c.first()) else {
        return Ok(()); // the usage chunk has no choices
    };
    if let Some(d) = choice.get("delta").filter(|d| d.is_object()) {
        if let Some(r) = reasoning_of(d) {
            out.reasoning(r);
        }
        if let Some(t) = d.get("content").and_then(Value::as_str) {
            out.text(t);
        }
        if let Some(calls) = d.get("tool_calls").and_then(Value::as_array) {
            for (i, c) in calls.iter().enumerate() {
                let index = c.get("index").and_then(Value::as_u64).map(|n| n as usize).unwrap_or(i);
                let f = c.get("function");
                let name = f.and_then(|f| f.get("name")).and_then(Value::as_str);
                let args = f.and_then(|f| f.get("arguments")).map(as_text).unwrap_or_default();
                out.call(index, c.get("id").and_then(Value::as_str), name, &args)?;
            }
        }
    }
    if let Some(r) = choice.get("finish_reason").and_then(Value::as_str) {
        out.finish_reason = Some(r.to_string());
    }
    Ok(())
}
