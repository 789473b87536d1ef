//! Google AI Gemini (`{base}/models/{model}:generateContent`, and
//! `:streamGenerateContent?alt=sse`): `systemInstruction`, `functionDeclarations` whose JSON
//! Schema is cut down to the subset Gemini accepts, `functionCall` / `functionResponse` parts.
//! The key goes in the `x-goog-api-key` header, never in the URL.

use super::assemble::{args_object, chat, invalid, num, parse_json, push_turn, Assembler, Flow, Wire};
use super::sse::SseEvent;
use super::http::{api_error, Endpoint, Who};
use super::{ChatModel, ChatRequest, ChatResponse, DeltaSink, LlmError};
use crate::model::split_handle;
use crate::platform::BoxFut;
use serde_json::{json, Map, Value};

pub struct Gemini {
    pub endpoint: Endpoint,
}

/// `models/<name>` for a handle's model part (which may already carry the prefix).
pub fn model_path(model: &str) -> String {
    if model.starts_with("models/") || model.starts_with("tunedModels/") {
        model.to_string()
    } else {
        format!("models/{model}")
    }
}

impl Gemini {
    /// `(path, headers, body)`.
    pub fn request(&self, req: &ChatRequest, stream: bool) -> (String, Vec<(String, String)>, Value) {
        let (_, model) = split_handle(&req.model);
        let mut system = Vec::new();
        let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
        for (i, m) in req.messages.iter().enumerate() {
            match m.role.as_str() {
                "system" if i == 0 => system.push(json!({ "text": m.content })),
                "assistant" => {
                    if !m.content.trim().is_empty() {
                        push_turn(&mut turns, "model", json!({ "text": m.content }));
                    }
                    for c in &m.tool_calls {
                        push_turn(&mut turns, "model", json!({ "functionCall": { "name": c.name, "args": args_object(&c.arguments) } }));
                    }
                }
                "tool" => {
                    // The response must be an object: a tool's JSON object result as it is, anything else wrapped.
                    let response = match serde_json::from_str::<Value>(&m.content) {
                        Ok(v @ Value::Object(_)) => v,
                        _ => json!({ "content": m.content }),
                    };
                    let name = m.name.clone().unwrap_or_default();
                    push_turn(&mut turns, "user", json!({ "functionResponse": { "name": name, "response": response } }));
                }
                _ if m.content.trim().is_empty() => {}
                _ => push_turn(&mut turns, "user", json!({ "text": m.content })),
            }
        }
        let contents: Vec<Value> = turns.into_iter().map(|(role, parts)| json!({ "role": role, "parts": parts })).collect();
        let mut body = Map::new();
        body.insert("contents".into(), Value::Array(contents));
        if !system.is_empty() {
            body.insert("systemInstruction".into(), json!({ "parts": system }));
        }
        if !req.tools.is_empty() {
            let decls: Vec<Value> = req
                .tools
                .iter()
                .map(|t| {
                    let mut d = json!({ "name": t.name, "description": t.description });
                    let params = gemini_schema(&t.parameters);
                    if params.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) {
                        d["parameters"] = params;
                    }
                    d
                })
                .collect();
            body.insert("tools".into(), json!([{ "functionDeclarations": decls }]));
        }
        let mut gen = Map::new();
        if let Some(t) = req.temperature {
            gen.insert("temperature".into(), t.into());
        }
        if let Some(n) = req.max_tokens {
            gen.insert("maxOutputTokens".into(), n.into());
        }
        if !gen.is_empty() {
            body.insert("generationConfig".into(), Value::Object(gen));
        }
        let path = if stream {
            format!("/{}:streamGenerateContent?alt=sse", model_path(model))
        } else {
            format!("/{}:generateContent", model_path(model))
        };
        let headers = match &self.endpoint.api_key {
            Some(k) => vec![("x-goog-api-key".to_string(), k.clone())],
            None => vec![],
        };
        (path, headers, Value::Object(body))
    }
}

impl Wire for Gemini {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    fn build(&self, req: &ChatRequest, stream: bool) -> (String, Vec<(String, String)>, Value) {
        self.request(req, stream)
    }
    fn parse_whole(&self, who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError> {
        parse_chunk(who, v, out)?;
        if out.finish_reason.is_none() {
            return Err(invalid(who, "the answer has no finishReason"));
        }
        Ok(())
    }
    /// Gemini's stream has no end marker: it is whole once a candidate gave a finishReason.
    fn parse_event(&self, who: Who<'_>, ev: &SseEvent, out: &mut Assembler) -> Result<Flow, LlmError> {
        parse_chunk(who, &parse_json(who, ev.data.as_bytes())?, out)?;
        Ok(Flow::More)
    }
}

impl ChatModel for Gemini {
    fn chat<'a>(&'a self, req: &'a ChatRequest, sink: Option<&'a dyn DeltaSink>) -> BoxFut<'a, Result<ChatResponse, LlmError>> {
        Box::pin(chat(self, req, sink))
    }
}

/// A `GenerateContentResponse`, whole or one streamed chunk of it.
pub fn parse_chunk(who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError> {
    if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
        let status = e.get("code").and_then(Value::as_u64).filter(|c| (400..600).contains(c)).unwrap_or(500) as u16;
        return Err(api_error(who, status, v.to_string().as_bytes()));
    }
    if !v.is_object() {
        return Err(invalid(who, "the answer is not a JSON object"));
    }
    if let Some(u) = v.get("usageMetadata") {
        out.prompt_tokens = num(u, "promptTokenCount");
        out.completion_tokens = num(u, "candidatesTokenCount") + num(u, "thoughtsTokenCount");
    }
    let Some(cand) = v.get("candidates").and_then(Value::as_array).and_then(|c| c.first()) else {
        if let Some(r) = v.get("promptFeedback").and_then(|p| p.get("blockReason")).and_then(Value::as_str) {
            return Err(invalid(who, &format!("the prompt was blocked ({r})")));
        }
        return Ok(()); // a usage-only chunk
    };
    if let Some(parts) = cand.get("content").and_then(|c| c.get("parts")).and_then(Value::as_array) {
        for p in parts {
            if let Some(f) = p.get("functionCall") {
                let name = f.get("name").and_then(Value::as_str).ok_or_else(|| invalid(who, "a functionCall has no name"))?;
                let args = f.get("args").filter(|a| !a.is_null()).map(Value::to_string).unwrap_or_else(|| "{}".into());
                let i = out.next_index();
                out.call(i, f.get("id").and_then(Value::as_str), Some(name), &args)?;
            } else if let Some(t) = p.get("text").and_then(Value::as_str) {
                if p.get("thought").and_then(Value::as_bool) == Some(true) {
                    out.reasoning(t);
                } else {
                    out.text(t);
                }
            }
        }
    }
    if let Some(r) = cand.get("finishReason").and_then(Value::as_str) {
        let r = match r {
            "STOP" if !out.calls.is_empty() => "tool_calls",
            "STOP" => "stop",
            "MAX_TOKENS" => "length",
            "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" => "content_filter",
            other => other,
        };
        out.finish_reason = Some(r.to_string());
    }
    Ok(())
}

/// JSON Schema cut down to what Gemini's function declarations accept: unknown keywords
/// (`additionalProperties`, `$schema`, `default`, ...) dropped, `type: [t, "null"]` turned
/// into `type: t, nullable: true`, `required` limited to declared properties.
pub fn gemini_schema(s: &Value) -> Value {
    let Some(o) = s.as_object() else {
        return json!({ "type": "string" });
    };
    let mut out = Map::new();
    for (k, v) in o {
        match k.as_str() {
            "type" => match v {
                Value::Array(ts) => {
                    let non_null: Vec<&Value> = ts.iter().filter(|t| t.as_str() != Some("null")).collect();
                    if non_null.len() < ts.len() {
                        out.insert("nullable".into(), true.into());
                    }
                    if let Some(t) = non_null.first() {
                        out.insert("type".into(), (*t).clone());
                    }
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            },
            "format" | "description" | "nullable" | "enum" | "minItems" | "maxItems" | "minimum" | "maximum" | "title" => {
                out.insert(k.clone(), v.clone());
            }
            "items" => {
                out.insert(k.clone(), gemini_schema(v));
            }
            "anyOf" => {
                if let Some(a) = v.as_array() {
                    out.insert(k.clone(), Value::Array(a.iter().map(gemini_schema).collect()));
                }
            }
            "properties" => {
                if let Some(p) = v.as_object() {
                    let mut props = Map::new();
                    for (n, s) in p {
                        props.insert(n.clone(), gemini_schema(s));
                    }
                    out.insert(k.clone(), Value::Object(props));
                }
            }
            _ => {}
        }
    }
    if let Some(req) = o.get("required").and_then(Value::as_array) {
        let props = out.get("properties").and_then(Value::as_object);
        let kept: Vec<Value> = req.iter().filter(|r| r.as_str().is_some_and(|n| props.is_some_and(|p| p.contains_key(n)))).cloned().collect();
        if !kept.is_empty() {
            out.insert("required".into(), Value::Array(kept));
        }
    }
    Value::Object(out)
}
