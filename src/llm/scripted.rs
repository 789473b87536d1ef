//! The scripted model: deterministic answers with no network, for tests and the offline demo.
//!
//! A scripted model is programmed with a queue of replies or a function of the request
//! (from Rust or from JS), and records every request it receives. Requests and replies are
//! JSON: the request is the serialised [`ChatRequest`], the reply is
//! `{"content"?, "reasoning"?, "tool_calls"?: [{"id"?, "name", "arguments": object|string}],
//!   "usage"?: {"prompt_tokens", "completion_tokens"}, "finish_reason"?, "delay_ms"?,
//!   "error"?: {"status"?, "message"}}`.

use super::{estimate_request_tokens, estimate_tokens, ChatModel, ChatRequest, ChatResponse, Delta, DeltaSink, LlmError};
use crate::model::ToolCall;
use crate::platform::{BoxFut, Platform};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

/// A function program: gets the request JSON, answers with reply JSON or an error text.
pub type ScriptFn = Rc<dyn Fn(Value) -> BoxFut<'static, Result<Value, String>>>;

/// The same over JSON text (hosts that speak text, like the JS bindings: no tree is built).
pub type ScriptTextFn = Rc<dyn Fn(String) -> BoxFut<'static, Result<String, String>>>;

enum Program {
    /// Echo the last user message: what an unprogrammed scripted model does.
    Echo,
    Queue(VecDeque<Value>),
    Func(ScriptFn),
    TextFunc(ScriptTextFn),
}

/// Recorded requests are capped so a long soak does not grow memory without bound. They are
/// kept as JSON text (one allocation each, parsed when asked for) to keep the heap small.
const MAX_RECORDED: usize = 2_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptedStats {
    pub calls: u64,
    pub in_flight: u64,
    pub peak_in_flight: u64,
}

pub struct Scripted {
    name: String,
    program: RefCell<Program>,
    requests: RefCell<VecDeque<String>>,
    stats: Cell<ScriptedStats>,
    platform: Rc<dyn Platform>,
}

impl Scripted {
    pub fn new(name: &str, platform: Rc<dyn Platform>) -> Self {
        Scripted {
            name: name.to_string(),
            program: RefCell::new(Program::Echo),
            requests: RefCell::default(),
            stats: Cell::default(),
            platform,
        }
    }

    /// Answers with these replies, one per call, in order.
    pub fn set_queue(&self, replies: impl IntoIterator<Item = Value>) {
        *self.program.borrow_mut() = Program::Queue(replies.into_iter().collect());
    }

    /// Appends replies to the queue (starting a queue if the model had another program).
    pub fn push(&self, reply: Value) {
        let mut p = self.program.borrow_mut();
        match &mut *p {
            Program::Queue(q) => q.push_back(reply),
            _ => *p = Program::Queue(VecDeque::from([reply])),
        }
    }

    /// Answers with `f(request)`.
    pub fn set_text_fn(&self, f: ScriptTextFn) {
        *self.program.borrow_mut() = Program::TextFunc(f);
    }

    /// Answers with `f(request)`.
    pub fn set_fn(&self, f: ScriptFn) {
        *self.program.borrow_mut() = Program::Func(f);
    }

    /// Every request received so far (oldest first, the last 2,000 at most).
    pub fn requests(&self) -> Vec<Value> {
        self.requests.borrow().iter().filter_map(|t| serde_json::from_str(t).ok()).collect()
    }

    pub fn clear_requests(&self) {
        self.requests.borrow_mut().clear();
    }

    pub fn stats(&self) -> ScriptedStats {
        self.stats.get()
    }

    fn enter(&self) {
        let mut s = self.stats.get();
        s.calls += 1;
        s.in_flight += 1;
        s.peak_in_flight = s.peak_in_flight.max(s.in_flight);
        self.stats.set(s);
    }

    fn leave(&self) {
        let mut s = self.stats.get();
        s.in_flight = s.in_flight.saturating_sub(1);
        self.stats.set(s);
    }

    async fn answer(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let req_text = serde_json::to_string(req).map_err(|e| LlmError::InvalidResponse(e.to_string()))?;
        {
            let mut log = self.requests.borrow_mut();
            if log.len() >= MAX_RECORDED {
                log.pop_front();
            }
            log.push_back(req_text.clone());
        }
        // Take what we need out of the RefCell before awaiting anything.
        enum Next {
            Reply(Value),
            Empty,
            Call(ScriptFn),
            CallText(ScriptTextFn),
        }
        let next = {
            let mut p = self.program.borrow_mut();
            match &mut *p {
                Program::Echo => Next::Reply(echo_reply(req)),
                Program::Queue(q) => q.pop_front().map(Next::Reply).unwrap_or(Next::Empty),
                Program::Func(f) => Next::Call(f.clone()),
                Program::TextFunc(f) => Next::CallText(f.clone()),
            }
        };
        let api_error = |message: String| LlmError::Api {
            provider: "scripted".into(),
            model: self.name.clone(),
            status: 500,
            message,
        };
        let reply = match next {
            Next::Reply(v) => v,
            Next::Empty => return Err(api_error("no scripted reply left in the queue".into())),
            Next::Call(f) => {
                let value = serde_json::from_str(&req_text).map_err(|e| LlmError::InvalidResponse(e.to_string()))?;
                f(value).await.map_err(api_error)?
            }
            Next::CallText(f) => {
                let text = f(req_text).await.map_err(api_error)?;
                serde_json::from_str(&text).map_err(|e| api_error(format!("the scripted function returned invalid JSON: {e}")))?
            }
        };
        if let Some(ms) = reply.get("delay_ms").and_then(Value::as_f64) {
            self.platform.sleep(ms).await;
        }
        parse_reply(&self.name, &reply, req)
    }
}

impl ChatModel for Scripted {
    fn chat<'a>(&'a self, req: &'a ChatRequest, sink: Option<&'a dyn DeltaSink>) -> BoxFut<'a, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            self.enter();
            let out = self.answer(req).await;
            self.leave();
            // A scripted answer "streams" as one delta per part, so streaming doors work offline.
            if let (Ok(r), Some(sink)) = (&out, sink) {
                if let Some(t) = &r.reasoning {
                    sink.delta(Delta::Reasoning(t.clone()));
                }
                if let Some(t) = &r.content {
                    sink.delta(Delta::Text(t.clone()));
                }
                for (index, c) in r.tool_calls.iter().enumerate() {
                    sink.delta(Delta::ToolCall {
                        index,
                        id: Some(c.id.clone()),
                        name: Some(c.name.clone()),
                        arguments: c.arguments.clone(),
                    });
                }
            }
            out
        })
    }
}

fn echo_reply(req: &ChatRequest) -> Value {
    let last = req.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.as_str()).unwrap_or("");
    serde_json::json!({ "content": format!("Echo: {last}") })
}

/// Turns reply JSON into a [`ChatResponse`]; a malformed reply is an invalid-response error.
pub fn parse_reply(name: &str, reply: &Value, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
    let obj = reply
        .as_object()
        .ok_or_else(|| LlmError::InvalidResponse(format!("scripted/{name}: a reply must be a JSON object")))?;
    if let Some(err) = obj.get("error").filter(|e| !e.is_null()) {
        let message = err
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| err.to_string());
        let status = err.get("status").and_then(Value::as_u64).unwrap_or(500).min(999) as u16;
        return Err(LlmError::Api { provider: "scripted".into(), model: name.into(), status, message });
    }
    let text = |k: &str| -> Result<Option<String>, LlmError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(LlmError::InvalidResponse(format!("scripted/{name}: '{k}' must be a string"))),
        }
    };
    let content = text("content")?;
    let reasoning = text("reasoning")?;
    let finish_reason = text("finish_reason")?;
    let mut tool_calls = Vec::new();
    match obj.get("tool_calls").or_else(|| obj.get("toolCalls")) {
        None | Some(Value::Null) => {}
        Some(Value::Array(calls)) => {
            for (i, c) in calls.iter().enumerate() {
                let name_ = c.get("name").and_then(Value::as_str).ok_or_else(|| {
                    LlmError::InvalidResponse(format!("scripted/{name}: tool_calls[{i}] needs a string 'name'"))
                })?;
                let arguments = match c.get("arguments") {
                    None | Some(Value::Null) => "{}".to_string(),
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                };
                let id = c.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                tool_calls.push(ToolCall { id, name: name_.to_string(), arguments });
            }
        }
        Some(_) => return Err(LlmError::InvalidResponse(format!("scripted/{name}: 'tool_calls' must be an array"))),
    }
    let usage = obj.get("usage");
    let out_text = format!(
        "{}{}{}",
        content.as_deref().unwrap_or(""),
        reasoning.as_deref().unwrap_or(""),
        tool_calls.iter().map(|c| format!("{}{}", c.name, c.arguments)).collect::<String>()
    );
    let prompt_tokens = usage
        .and_then(|u| u.get("prompt_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or_else(|| estimate_request_tokens(req));
    let completion_tokens =
        usage.and_then(|u| u.get("completion_tokens")).and_then(Value::as_u64).unwrap_or_else(|| estimate_tokens(&out_text));
    Ok(ChatResponse { content, reasoning, tool_calls, finish_reason, prompt_tokens, completion_tokens })
}
