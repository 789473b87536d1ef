//! What the providers share: assembling an answer from streamed pieces (and forwarding each
//! piece to the caller's [`DeltaSink`]), and reading an SSE body event by event.

use super::http::{network_error, Endpoint, Who};
use super::sse::{SseEvent, SseParser};
use super::{estimate_request_tokens, estimate_tokens, ChatRequest, ChatResponse, Delta, DeltaSink, LlmError};
use crate::model::ToolCall;
use serde_json::Value;

/// The most tool calls one answer may carry (a guard against absurd indexes).
const MAX_TOOL_CALLS: usize = 128;

/// Builds a [`ChatResponse`] from pieces, reporting each piece to the sink.
pub struct Assembler<'a> {
    sink: Option<&'a dyn DeltaSink>,
    content: String,
    reasoning: String,
    pub calls: Vec<ToolCall>,
    pub finish_reason: Option<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Streaming providers that number content blocks: `(block index, tool call index)`.
    pub blocks: Vec<(usize, usize)>,
}

impl<'a> Assembler<'a> {
    pub fn new(sink: Option<&'a dyn DeltaSink>) -> Self {
        Assembler {
            sink,
            content: String::new(),
            reasoning: String::new(),
            calls: Vec::new(),
            finish_reason: None,
            prompt_tokens: 0,
            completion_tokens: 0,
            blocks: Vec::new(),
        }
    }

    pub fn text(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        self.content.push_str(t);
        if let Some(s) = self.sink {
            s.delta(Delta::Text(t.to_string()));
        }
    }

    pub fn reasoning(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        self.reasoning.push_str(t);
        if let Some(s) = self.sink {
            s.delta(Delta::Reasoning(t.to_string()));
        }
    }

    /// A piece of the `index`-th tool call: its id and name (when given) and more argument text.
    pub fn call(&mut self, index: usize, id: Option<&str>, name: Option<&str>, arguments: &str) -> Result<(), LlmError> {
        if index >= MAX_TOOL_CALLS {
            return Err(LlmError::InvalidResponse(format!("tool call index {index} is out of range")));
        }
        while self.calls.len() <= index {
            self.calls.push(ToolCall { id: String::new(), name: String::new(), arguments: String::new() });
        }
        let c = &mut self.calls[index];
        let id = id.filter(|s| !s.is_empty());
        let name = name.filter(|s| !s.is_empty());
        if let Some(id) = id {
            c.id = id.to_string();
        }
        if let Some(n) = name {
            c.name = n.to_string();
        }
        c.arguments.push_str(arguments);
        if let Some(s) = self.sink {
            if id.is_some() || name.is_some() || !arguments.is_empty() {
                s.delta(Delta::ToolCall { index, id: id.map(str::to_string), name: name.map(str::to_string), arguments: arguments.to_string() });
            }
        }
        Ok(())
    }

    /// The next tool call index (for providers that number content blocks, not calls).
    pub fn next_index(&self) -> usize {
        self.calls.len()
    }

    /// The answer. Usage the provider did not report is estimated.
    pub fn finish(self, req: &ChatRequest) -> ChatResponse {
        let mut r = ChatResponse {
            content: (!self.content.is_empty()).then_some(self.content),
            reasoning: (!self.reasoning.is_empty()).then_some(self.reasoning),
            tool_calls: self.calls.into_iter().filter(|c| !(c.name.is_empty() && c.arguments.is_empty())).collect(),
            finish_reason: self.finish_reason,
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
        };
        for c in r.tool_calls.iter_mut() {
            if c.arguments.trim().is_empty() {
                c.arguments = "{}".into();
            }
        }
        if r.prompt_tokens == 0 {
            r.prompt_tokens = estimate_request_tokens(req);
        }
        if r.completion_tokens == 0 {
            let mut n = estimate_tokens(r.content.as_deref().unwrap_or("")) + estimate_tokens(r.reasoning.as_deref().unwrap_or(""));
            for c in &r.tool_calls {
                n += estimate_tokens(&c.name) + estimate_tokens(&c.arguments);
            }
            r.completion_tokens = n;
        }
        r
    }
}

/// Parses a JSON body; anything else is an invalid response naming the provider.
pub fn parse_json(who: Who<'_>, bytes: &[u8]) -> Result<Value, LlmError> {
    // from_str, not from_slice: one JSON parser in the wasm, not two.
    let text = std::str::from_utf8(bytes).map_err(|_| invalid(who, "the answer is not UTF-8"))?;
    serde_json::from_str(text).map_err(|e| {
        let head = crate::util::truncate_chars(text, 200);
        LlmError::InvalidResponse(format!(
            "{} ({}) answered with malformed JSON ({e}): {}",
            who.provider,
            who.model,
            super::http::scrub(head, who.key)
        ))
    })
}

pub fn invalid(who: Who<'_>, what: &str) -> LlmError {
    LlmError::InvalidResponse(format!("{} ({}): {what}", who.provider, who.model))
}

/// What an event handler tells the reader.
pub enum Flow {
    More,
    /// The provider said the answer is complete.
    Done,
}

/// A provider's wire format: how to build its request and read its answers.
pub trait Wire {
    fn endpoint(&self) -> &Endpoint;
    /// `(path, headers, body)` of the request (streamed or not).
    fn build(&self, req: &ChatRequest, stream: bool) -> (String, Vec<(String, String)>, Value);
    /// A whole (non-streamed) answer.
    fn parse_whole(&self, who: Who<'_>, v: &Value, out: &mut Assembler) -> Result<(), LlmError>;
    /// One event of a streamed answer (its data is not empty).
    fn parse_event(&self, who: Who<'_>, ev: &SseEvent, out: &mut Assembler) -> Result<Flow, LlmError>;
}

/// One chat call over a [`Wire`]: sends (with retries), then parses the answer whole, or as
/// SSE events when there is a sink. A stream that ends before the provider said it is complete
/// (an end event, or at least a finish reason) is a cut stream: an error, never a short answer.
pub async fn chat(w: &dyn Wire, req: &ChatRequest, sink: Option<&dyn DeltaSink>) -> Result<ChatResponse, LlmError> {
    let ep = w.endpoint();
    let who = ep.who(crate::model::split_handle(&req.model).1);
    let (path, headers, body) = w.build(req, sink.is_some());
    let (mut resp, bytes) = ep.send(&ep.post(&path, headers, &body), who, sink.is_none()).await?;
    let mut out = Assembler::new(sink);
    if sink.is_none() {
        w.parse_whole(who, &parse_json(who, &bytes)?, &mut out)?;
        return Ok(out.finish(req));
    }
    let mut parser = SseParser::new();
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(cut(who, &network_error(&e, who).to_string())),
        };
        for ev in parser.feed(&chunk).map_err(|e| invalid(who, &e))? {
            if ev.data.trim().is_empty() {
                continue;
            }
            if let Flow::Done = w.parse_event(who, &ev, &mut out)? {
                return Ok(out.finish(req));
            }
        }
    }
    if parser.is_idle() && out.finish_reason.is_some() {
        return Ok(out.finish(req));
    }
    Err(cut(who, "the connection closed before the answer was complete"))
}

fn cut(who: Who<'_>, why: &str) -> LlmError {
    LlmError::Network(format!("the response stream from {} ({}) was cut: {why}", who.provider, who.model))
}

/// `value` as text: strings as they are, anything else as JSON (tool arguments may come as objects).
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A u64 at `v[k]`, 0 when absent.
pub fn num(v: &Value, k: &str) -> u64 {
    v.get(k).and_then(Value::as_u64).unwrap_or(0)
}

/// Appends a content block to the conversation, merging it into the last turn when that turn
/// has the same role (Anthropic and Gemini want alternating turns, tool results in one turn).
pub fn push_turn(turns: &mut Vec<(&'static str, Vec<Value>)>, role: &'static str, block: Value) {
    match turns.last_mut() {
        Some((r, blocks)) if *r == role => blocks.push(block),
        _ => turns.push((role, vec![block])),
    }
}

/// Tool arguments as an object (what Anthropic and Gemini take). Text that is not a JSON
/// object is kept under `"_raw"` so the model still sees what it sent.
pub fn args_object(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(v @ Value::Object(_)) => v,
        _ if arguments.trim().is_empty() => Value::Object(Default::default()),
        _ => serde_json::json!({ "_raw": arguments }),
    }
}
