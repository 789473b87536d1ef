//! The LLM providers over a scripted HTTP transport and a virtual clock: request building and
//! response parsing for OpenAI (and compatible servers), Anthropic and Gemini, plain and
//! streamed (split at every byte), cut streams, malformed answers, retries with Retry-After
//! (asserting on the sleeps asked of the platform), the attempt bound, timeouts, 4xx error
//! text without the key, embeddings, and the agent loop on a real provider.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod http_mock;

use http_mock::*;
use letta_wasm::agent::{RunOutcome, RunSink};
use letta_wasm::llm::http::HttpError;
use letta_wasm::llm::{config, ChatMessage, ChatRequest, ChatResponse, Delta, DeltaSink, LlmError, ToolSchema};
use letta_wasm::model::ToolCall;
use letta_wasm::params::Query;
use letta_wasm::platform::Platform;
use letta_wasm::store::MemoryStore;
use letta_wasm::{ApiError, Engine, EngineOptions};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;

const KEY: &str = "sk-test-SECRET-0123456789abcdef";

struct Env {
    engine: Engine,
    clock: Rc<Clock>,
    mock: Mock,
}

fn providers() -> Value {
    json!({
        "openai": { "api_key": KEY },
        "anthropic": { "api_key": KEY, "base_url": "http://mock-anthropic" },
        "google_ai": { "api_key": KEY, "base_url": "http://mock-gemini/v1beta" },
        "ollama": { "kind": "openai", "base_url": "http://127.0.0.1:11434/v1/" },
        "openrouter": { "api_key": KEY },
    })
}

fn env_with(options: Value) -> Env {
    let clock = Clock::new(1_767_225_600_000.0);
    let platform: Rc<dyn Platform> = Rc::new(VirtualPlatform(clock.clone()));
    let engine = Engine::new(Rc::new(MemoryStore::new()), platform.clone(), EngineOptions::default());
    let mock = Mock { state: Rc::default(), clock: clock.clone() };
    config::configure(engine.models(), &options, mock.transport(), platform).unwrap();
    Env { engine, clock, mock }
}

fn env() -> Env {
    env_with(json!({ "providers": providers() }))
}

#[derive(Default)]
struct Rec(RefCell<Vec<Delta>>);
impl DeltaSink for Rec {
    fn delta(&self, d: Delta) {
        self.0.borrow_mut().push(d);
    }
}
impl Rec {
    fn text(&self) -> String {
        self.0.borrow().iter().filter_map(|d| if let Delta::Text(t) = d { Some(t.clone()) } else { None }).collect()
    }
    fn reasoning(&self) -> String {
        self.0.borrow().iter().filter_map(|d| if let Delta::Reasoning(t) = d { Some(t.clone()) } else { None }).collect()
    }
    /// Tool calls rebuilt from the deltas alone.
    fn calls(&self) -> Vec<ToolCall> {
        let mut out: Vec<ToolCall> = vec![];
        for d in self.0.borrow().iter() {
            if let Delta::ToolCall { index, id, name, arguments } = d {
                while out.len() <= *index {
                    out.push(ToolCall { id: String::new(), name: String::new(), arguments: String::new() });
                }
                if let Some(i) = id {
                    out[*index].id = i.clone();
                }
                if let Some(n) = name {
                    out[*index].name = n.clone();
                }
                out[*index].arguments.push_str(arguments);
            }
        }
        out
    }
}

#[derive(Default)]
struct Events(RefCell<Vec<Value>>);
impl RunSink for Events {
    fn emit(&self, m: &Value) {
        self.0.borrow_mut().push(m.clone());
    }
}

impl Env {
    fn chat(&self, req: &ChatRequest, sink: Option<&dyn DeltaSink>) -> Result<ChatResponse, LlmError> {
        let model = self.engine.models().resolve(&req.model)?;
        run(&self.clock, model.chat(req, sink))
    }
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, ApiError> {
        let sink = Events::default();
        run(&self.clock, letta_wasm::router::handle(&self.engine, method, path, &Query::default(), body.as_ref(), &sink))
    }
    fn agent(&self, model: &str) -> String {
        let body = json!({ "model": model, "memory_blocks": [{ "label": "human", "value": "Name: Ada" }] });
        self.call("POST", "/v1/agents/", Some(body)).unwrap()["id"].as_str().unwrap().to_string()
    }
    fn send(&self, agent: &str, text: &str, stream_tokens: bool) -> (RunOutcome, Vec<Value>) {
        let sink = Events::default();
        let body = json!({ "messages": [{ "role": "user", "content": text }], "stream_tokens": stream_tokens });
        let out = run(&self.clock, self.engine.send_message(agent, &body, &sink)).unwrap();
        (out, sink.0.into_inner())
    }
    fn block(&self, agent: &str, label: &str) -> String {
        self.call("GET", &format!("/v1/agents/{agent}/core-memory/blocks/{label}"), None).unwrap()["value"].as_str().unwrap().to_string()
    }
    fn history(&self, agent: &str) -> Vec<Value> {
        let v = self.call("GET", &format!("/v1/agents/{agent}/messages"), None).unwrap();
        v.as_array().unwrap().clone()
    }
}

fn call(id: &str, name: &str, args: &str) -> ToolCall {
    ToolCall { id: id.into(), name: name.into(), arguments: args.into() }
}

/// A conversation with everything the mappings must handle.
fn request(model: &str) -> ChatRequest {
    let mut user = ChatMessage::new("user", "Hi, I like tea.");
    user.name = Some("alice".into());
    let mut assistant = ChatMessage::new("assistant", "Let me note that.");
    assistant.tool_calls = vec![
        call("call_1", "memory_insert", r#"{"label":"human","new_string":"Likes tea"}"#),
        call("call_2", "conversation_search", "{not json"),
    ];
    let mut t1 = ChatMessage::new("tool", r#"{"status":"OK","message":"None"}"#);
    t1.tool_call_id = Some("call_1".into());
    t1.name = Some("memory_insert".into());
    let mut t2 = ChatMessage::new("tool", "plain text result");
    t2.tool_call_id = Some("call_2".into());
    t2.name = Some("conversation_search".into());
    ChatRequest {
        model: model.into(),
        messages: vec![ChatMessage::new("system", "You are Letta."), user, assistant, t1, t2, ChatMessage::new("user", "Thanks!")],
        tools: vec![ToolSchema {
            name: "memory_insert".into(),
            description: "Insert text into a memory block.".into(),
            parameters: json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "label": { "type": "string", "description": "Block label" },
                    "new_string": { "type": ["string", "null"], "default": "x" },
                    "insert_line": { "type": "integer", "examples": [1] },
                    "tags": { "type": "array", "items": { "type": "string", "pattern": "^a" } }
                },
                "required": ["label", "new_string", "ghost"]
            }),
        }],
        temperature: Some(0.5),
        max_tokens: Some(256),
        agent_id: "agent-1".into(),
        step: 0,
    }
}

fn header<'a>(req: &'a letta_wasm::llm::http::HttpRequest, name: &str) -> Option<&'a str> {
    req.header(name)
}

// ----- OpenAI ------------------------------------------------------------------------------

#[test]
fn openai_request_shape_and_plain_answer_with_two_tool_calls() {
    let e = env();
    e.mock.push(Reply::json(
        200,
        &json!({
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{ "index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [
                    { "id": "call_a", "type": "function", "function": { "name": "memory_insert", "arguments": "{\"label\":\"human\",\"new_string\":\"x\"}" } },
                    { "id": "call_b", "type": "function", "function": { "name": "send_message", "arguments": "{\"message\": \"hi\"" } }
                ] } }],
            "usage": { "prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150 }
        }),
    ));
    let r = e.chat(&request("openai/gpt-4o-mini"), None).unwrap();
    assert_eq!(r.content, None);
    assert_eq!(r.tool_calls, vec![call("call_a", "memory_insert", r#"{"label":"human","new_string":"x"}"#), call("call_b", "send_message", r#"{"message": "hi""#)]);
    assert_eq!((r.prompt_tokens, r.completion_tokens), (120, 30));
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));

    let sent = &e.mock.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.url, "https://api.openai.com/v1/chat/completions");
    assert_eq!(header(sent, "authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(header(sent, "content-type"), Some("application/json"));
    let b = e.mock.last_body();
    assert_eq!(b["model"], "gpt-4o-mini");
    assert_eq!(b["temperature"], 0.5);
    assert_eq!(b["max_completion_tokens"], 256, "api.openai.com takes max_completion_tokens");
    assert!(b.get("stream").is_none());
    assert_eq!(b["messages"][0], json!({ "role": "system", "content": "You are Letta." }));
    assert_eq!(b["messages"][1], json!({ "role": "user", "content": "Hi, I like tea.", "name": "alice" }));
    assert_eq!(b["messages"][2]["role"], "assistant");
    assert_eq!(b["messages"][2]["content"], "Let me note that.");
    assert_eq!(b["messages"][2]["tool_calls"][1], json!({ "id": "call_2", "type": "function", "function": { "name": "conversation_search", "arguments": "{not json" } }));
    assert_eq!(b["messages"][3], json!({ "role": "tool", "tool_call_id": "call_1", "content": r#"{"status":"OK","message":"None"}"# }));
    assert_eq!(b["messages"][4]["tool_call_id"], "call_2");
    assert_eq!(b["messages"][5], json!({ "role": "user", "content": "Thanks!" }));
    assert_eq!(b["tools"][0]["type"], "function");
    assert_eq!(b["tools"][0]["function"]["name"], "memory_insert");
    assert_eq!(b["tools"][0]["function"]["parameters"]["additionalProperties"], false, "OpenAI gets the schema as it is");
}

#[test]
fn openai_compatible_endpoints_with_and_without_a_key() {
    let e = env();
    let ok = json!({ "choices": [{ "message": { "role": "assistant", "content": "hi" }, "finish_reason": "stop" }] });
    e.mock.push(Reply::json(200, &ok));
    let mut req = request("ollama/llama3.1:8b");
    req.tools.clear();
    let r = e.chat(&req, None).unwrap();
    assert_eq!(r.content.as_deref(), Some("hi"));
    assert!(r.prompt_tokens > 0 && r.completion_tokens > 0, "usage is estimated when the server reports none");
    let sent = &e.mock.requests()[0];
    assert_eq!(sent.url, "http://127.0.0.1:11434/v1/chat/completions");
    assert_eq!(header(sent, "authorization"), None, "no key, no Authorization header");
    let b = e.mock.last_body();
    assert_eq!(b["model"], "llama3.1:8b");
    assert_eq!(b["max_tokens"], 256, "compatible servers take max_tokens");
    assert!(b.get("tools").is_none());

    e.mock.push(Reply::json(200, &ok));
    e.chat(&request("openrouter/meta-llama/llama-3.1-8b-instruct"), None).unwrap();
    let sent = &e.mock.requests()[1];
    assert_eq!(sent.url, "https://openrouter.ai/api/v1/chat/completions");
    assert_eq!(e.mock.last_body()["model"], "meta-llama/llama-3.1-8b-instruct");

    let err = e.chat(&request("groq/llama-3.3-70b"), None).unwrap_err();
    assert!(matches!(err, LlmError::UnknownModel(_)), "{err}");
    assert!(err.to_string().contains("providers"), "{err}");
}

fn openai_stream() -> Reply {
    let d = |v: Value| data(&v);
    Reply::sse(&[
        ": keep-alive\n\n".to_string(),
        d(json!({ "choices": [{ "index": 0, "delta": { "role": "assistant", "content": "" } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": { "content": "Hel" } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": { "content": "lo é日本" } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": { "tool_calls": [{ "index": 0, "id": "call_a", "type": "function", "function": { "name": "memory_insert", "arguments": "" } }] } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": { "tool_calls": [{ "index": 0, "function": { "arguments": "{\"label\":" } }] } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": { "tool_calls": [{ "index": 1, "id": "call_b", "type": "function", "function": { "name": "send_message", "arguments": "{\"message\"" } }] } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": { "tool_calls": [{ "index": 0, "function": { "arguments": "\"human\"}" } }] } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": { "tool_calls": [{ "index": 1, "function": { "arguments": ":\"hi\"}" } }] } }] })),
        d(json!({ "choices": [{ "index": 0, "delta": {}, "finish_reason": "tool_calls" }] })),
        d(json!({ "choices": [], "usage": { "prompt_tokens": 11, "completion_tokens": 7 } })),
        "data: [DONE]\n\n".to_string(),
    ])
}

fn check_openai_streamed(r: &ChatResponse, rec: &Rec) {
    let calls = vec![call("call_a", "memory_insert", r#"{"label":"human"}"#), call("call_b", "send_message", r#"{"message":"hi"}"#)];
    assert_eq!(r.content.as_deref(), Some("Hello é日本"));
    assert_eq!(r.tool_calls, calls);
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!((r.prompt_tokens, r.completion_tokens), (11, 7));
    assert_eq!(rec.text(), "Hello é日本");
    assert_eq!(rec.calls(), calls);
}

#[test]
fn openai_streams_split_at_every_byte() {
    let e = env();
    let whole = openai_stream();
    let n = whole.body().len();
    for cut in 0..=n {
        e.mock.push(whole.clone().split_at(&[cut]));
        let rec = Rec::default();
        let r = e.chat(&request("openai/gpt-4o-mini"), Some(&rec)).unwrap_or_else(|err| panic!("split at {cut}: {err}"));
        check_openai_streamed(&r, &rec);
    }
    // One byte per chunk.
    e.mock.push(whole.clone().split_at(&(1..n).collect::<Vec<_>>()));
    let rec = Rec::default();
    let r = e.chat(&request("openai/gpt-4o-mini"), Some(&rec)).unwrap();
    check_openai_streamed(&r, &rec);
    let b = e.mock.last_body();
    assert_eq!(b["stream"], true);
    assert_eq!(b["stream_options"], json!({ "include_usage": true }));
}

#[test]
fn openai_cut_streams_are_errors_not_short_answers() {
    let e = env();
    let whole = openai_stream();
    let body = String::from_utf8(whole.body()).unwrap();
    let finish_at = body.find("\"finish_reason\"").unwrap();
    for n in (0..finish_at).step_by(13) {
        for clean in [true, false] {
            e.mock.push(whole.clone().cut(n, clean));
            let err = e.chat(&request("openai/gpt-4o-mini"), Some(&Rec::default())).unwrap_err();
            assert!(matches!(&err, LlmError::Network(m) if m.contains("was cut") && m.contains("openai")), "cut at {n} ({clean}): {err}");
        }
    }
    // Whole but for the final [DONE]: the finish reason came, so the answer is complete.
    let done_at = body.find("data: [DONE]").unwrap();
    e.mock.push(whole.clone().cut(done_at, true));
    let rec = Rec::default();
    check_openai_streamed(&e.chat(&request("openai/gpt-4o-mini"), Some(&rec)).unwrap(), &rec);
}

#[test]
fn openai_malformed_answers_are_invalid_responses() {
    let e = env();
    let cases = [
        Reply::text(200, "{\"choices\": [ {"),
        Reply::text(200, "<html>gateway</html>"),
        Reply::json(200, &json!({ "choices": [] })),
        Reply::json(200, &json!({ "choices": [{ "message": "text" }] })),
        Reply::json(200, &json!({ "choices": [{ "message": { "content": 5 } }] })),
        Reply::json(200, &json!({ "choices": [{ "message": { "tool_calls": [{ "id": "x" }] } }] })),
        Reply::json(200, &json!({ "choices": [{ "message": { "tool_calls": { "a": 1 } } }] })),
        Reply::sse(&[data(&json!({ "choices": [{ "delta": { "content": "a" } }] })), "data: {oops\n\n".into()]),
        Reply::sse(&[data(&json!({ "choices": [{ "delta": { "tool_calls": [{ "index": 100000, "function": { "name": "x" } }] } }] }))]),
        Reply { chunks: vec![b"data: \xff\xfe\n\n".to_vec()], ..Reply::sse(&[]) },
    ];
    for (i, reply) in cases.into_iter().enumerate() {
        let streamed = reply.headers.iter().any(|(_, v)| v == "text/event-stream");
        e.mock.push(reply);
        let rec = Rec::default();
        let err = e.chat(&request("openai/gpt-4o-mini"), streamed.then_some(&rec as &dyn DeltaSink)).unwrap_err();
        assert!(matches!(err, LlmError::InvalidResponse(_)), "case {i}: {err}");
        assert!(!err.to_string().contains(KEY));
    }
    // An error object inside a stream is the provider's error.
    e.mock.push(Reply::sse(&[data(&json!({ "error": { "message": "overloaded", "code": 503 } }))]));
    let err = e.chat(&request("openai/gpt-4o-mini"), Some(&Rec::default())).unwrap_err();
    assert!(matches!(&err, LlmError::Api { status: 503, message, .. } if message == "overloaded"), "{err}");
}

// ----- Anthropic ---------------------------------------------------------------------------

#[test]
fn anthropic_request_shape_and_plain_answer() {
    let e = env();
    e.mock.push(Reply::json(
        200,
        &json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-5-sonnet-20241022",
            "content": [
                { "type": "text", "text": "Noting it." },
                { "type": "tool_use", "id": "toolu_1", "name": "memory_insert", "input": { "label": "human", "new_string": "tea" } },
                { "type": "tool_use", "id": "toolu_2", "name": "send_message", "input": { "message": "ok" } }
            ],
            "stop_reason": "tool_use",
            "usage": { "input_tokens": 50, "output_tokens": 20 }
        }),
    ));
    let r = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), None).unwrap();
    assert_eq!(r.content.as_deref(), Some("Noting it."));
    assert_eq!(r.tool_calls, vec![call("toolu_1", "memory_insert", r#"{"label":"human","new_string":"tea"}"#), call("toolu_2", "send_message", r#"{"message":"ok"}"#)]);
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!((r.prompt_tokens, r.completion_tokens), (50, 20));

    let sent = &e.mock.requests()[0];
    assert_eq!(sent.url, "http://mock-anthropic/v1/messages");
    assert_eq!(header(sent, "x-api-key"), Some(KEY));
    assert_eq!(header(sent, "anthropic-version"), Some("2023-06-01"));
    assert_eq!(header(sent, "anthropic-dangerous-direct-browser-access"), Some("true"));
    assert_eq!(header(sent, "authorization"), None);
    let b = e.mock.last_body();
    assert_eq!(b["model"], "claude-3-5-sonnet-20241022");
    assert_eq!(b["system"], "You are Letta.");
    assert_eq!(b["max_tokens"], 256);
    let msgs = b["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3, "{b}");
    assert_eq!(msgs[0], json!({ "role": "user", "content": [{ "type": "text", "text": "Hi, I like tea." }] }));
    assert_eq!(msgs[1]["role"], "assistant");
    assert_eq!(msgs[1]["content"][0], json!({ "type": "text", "text": "Let me note that." }));
    assert_eq!(msgs[1]["content"][1], json!({ "type": "tool_use", "id": "call_1", "name": "memory_insert", "input": { "label": "human", "new_string": "Likes tea" } }));
    assert_eq!(msgs[1]["content"][2]["input"], json!({ "_raw": "{not json" }), "unparseable arguments are kept, as an object");
    // Both tool results, then the next user text, in ONE user turn.
    assert_eq!(msgs[2]["role"], "user");
    assert_eq!(msgs[2]["content"][0], json!({ "type": "tool_result", "tool_use_id": "call_1", "content": r#"{"status":"OK","message":"None"}"# }));
    assert_eq!(msgs[2]["content"][1]["tool_use_id"], "call_2");
    assert_eq!(msgs[2]["content"][2], json!({ "type": "text", "text": "Thanks!" }));
    assert_eq!(b["tools"][0]["name"], "memory_insert");
    assert_eq!(b["tools"][0]["input_schema"]["properties"]["label"]["type"], "string");
    assert_eq!(b["temperature"], 0.5);

    // Without llm_config.max_tokens, Anthropic still gets the required max_tokens.
    e.mock.push(Reply::json(200, &json!({ "content": [{ "type": "text", "text": "hi" }], "stop_reason": "end_turn" })));
    let mut req = request("anthropic/claude-3-5-haiku-latest");
    req.max_tokens = None;
    let r = e.chat(&req, None).unwrap();
    assert_eq!((r.content.as_deref(), r.finish_reason.as_deref()), (Some("hi"), Some("stop")));
    assert_eq!(e.mock.last_body()["max_tokens"], 4096);
}

fn anthropic_stream() -> Reply {
    let ev = |name: &str, v: Value| event(name, &v);
    Reply::sse(&[
        ev("message_start", json!({ "type": "message_start", "message": { "id": "msg_1", "type": "message", "role": "assistant", "content": [], "usage": { "input_tokens": 25, "output_tokens": 1 } } })),
        ev("content_block_start", json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "thinking", "thinking": "" } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "thinking_delta", "thinking": "Tea is " } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "thinking_delta", "thinking": "worth noting." } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "signature_delta", "signature": "abc" } })),
        ev("content_block_stop", json!({ "type": "content_block_stop", "index": 0 })),
        ev("content_block_start", json!({ "type": "content_block_start", "index": 1, "content_block": { "type": "text", "text": "" } })),
        ev("ping", json!({ "type": "ping" })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 1, "delta": { "type": "text_delta", "text": "Sure, " } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 1, "delta": { "type": "text_delta", "text": "noted ✓." } })),
        ev("content_block_stop", json!({ "type": "content_block_stop", "index": 1 })),
        ev("content_block_start", json!({ "type": "content_block_start", "index": 2, "content_block": { "type": "tool_use", "id": "toolu_1", "name": "memory_insert", "input": {} } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 2, "delta": { "type": "input_json_delta", "partial_json": "" } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 2, "delta": { "type": "input_json_delta", "partial_json": "{\"label\": \"hu" } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 2, "delta": { "type": "input_json_delta", "partial_json": "man\"}" } })),
        ev("content_block_stop", json!({ "type": "content_block_stop", "index": 2 })),
        ev("content_block_start", json!({ "type": "content_block_start", "index": 3, "content_block": { "type": "tool_use", "id": "toolu_2", "name": "send_message", "input": {} } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 3, "delta": { "type": "input_json_delta", "partial_json": "{\"message\":\"ok\"}" } })),
        ev("content_block_stop", json!({ "type": "content_block_stop", "index": 3 })),
        ev("message_delta", json!({ "type": "message_delta", "delta": { "stop_reason": "tool_use", "stop_sequence": null }, "usage": { "output_tokens": 42 } })),
        ev("message_stop", json!({ "type": "message_stop" })),
    ])
}

fn check_anthropic_streamed(r: &ChatResponse, rec: &Rec) {
    let calls = vec![call("toolu_1", "memory_insert", r#"{"label": "human"}"#), call("toolu_2", "send_message", r#"{"message":"ok"}"#)];
    assert_eq!(r.reasoning.as_deref(), Some("Tea is worth noting."));
    assert_eq!(r.content.as_deref(), Some("Sure, noted ✓."));
    assert_eq!(r.tool_calls, calls);
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!((r.prompt_tokens, r.completion_tokens), (25, 42));
    assert_eq!(rec.reasoning(), "Tea is worth noting.");
    assert_eq!(rec.text(), "Sure, noted ✓.");
    assert_eq!(rec.calls(), calls);
}

#[test]
fn anthropic_streams_split_at_every_byte_and_cut_streams_fail() {
    let e = env();
    let whole = anthropic_stream();
    let n = whole.body().len();
    for cut in 0..=n {
        e.mock.push(whole.clone().split_at(&[cut]));
        let rec = Rec::default();
        let r = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), Some(&rec)).unwrap_or_else(|err| panic!("split at {cut}: {err}"));
        check_anthropic_streamed(&r, &rec);
    }
    assert_eq!(e.mock.last_body()["stream"], true);
    let body = String::from_utf8(whole.body()).unwrap();
    let stop_at = body.find("event: message_delta").unwrap();
    for n in (0..stop_at).step_by(37) {
        e.mock.push(whole.clone().cut(n, n % 2 == 0));
        let err = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), Some(&Rec::default())).unwrap_err();
        assert!(matches!(&err, LlmError::Network(m) if m.contains("was cut")), "cut at {n}: {err}");
    }
}

#[test]
fn anthropic_stream_error_events_and_malformed_events() {
    let e = env();
    let start = event("message_start", &json!({ "type": "message_start", "message": { "usage": { "input_tokens": 3 } } }));
    e.mock.push(Reply::sse(&[start.clone(), event("error", &json!({ "type": "error", "error": { "type": "overloaded_error", "message": "Overloaded" } }))]));
    let err = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), Some(&Rec::default())).unwrap_err();
    assert_eq!(err, LlmError::Api { provider: "anthropic".into(), model: "claude-3-5-sonnet-20241022".into(), status: 529, message: "Overloaded".into() });
    // input_json_delta for a block that never started as a tool_use.
    e.mock.push(Reply::sse(&[
        start.clone(),
        event("content_block_delta", &json!({ "type": "content_block_delta", "index": 5, "delta": { "type": "input_json_delta", "partial_json": "{}" } })),
    ]));
    let err = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), Some(&Rec::default())).unwrap_err();
    assert!(matches!(err, LlmError::InvalidResponse(_)), "{err}");
    e.mock.push(Reply::sse(&[start, "event: content_block_start\ndata: {\"type\":\"content_block_start\"\n\n".into()]));
    let err = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), Some(&Rec::default())).unwrap_err();
    assert!(matches!(err, LlmError::InvalidResponse(_)), "{err}");
    e.mock.push(Reply::json(200, &json!({ "content": "not a list" })));
    let err = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), None).unwrap_err();
    assert!(matches!(err, LlmError::InvalidResponse(_)), "{err}");
}

// ----- Gemini ------------------------------------------------------------------------------

#[test]
fn gemini_request_shape_and_plain_answer() {
    let e = env();
    e.mock.push(Reply::json(
        200,
        &json!({
            "candidates": [{ "content": { "role": "model", "parts": [
                { "text": "thinking...", "thought": true },
                { "text": "Noted." },
                { "functionCall": { "name": "memory_insert", "args": { "label": "human", "new_string": "tea" } } },
                { "functionCall": { "name": "send_message", "args": { "message": "ok" } } }
            ] }, "finishReason": "STOP" }],
            "usageMetadata": { "promptTokenCount": 40, "candidatesTokenCount": 12, "totalTokenCount": 52 }
        }),
    ));
    let r = e.chat(&request("google_ai/gemini-2.0-flash"), None).unwrap();
    assert_eq!(r.reasoning.as_deref(), Some("thinking..."));
    assert_eq!(r.content.as_deref(), Some("Noted."));
    assert_eq!(r.tool_calls.len(), 2);
    assert_eq!((r.tool_calls[0].name.as_str(), r.tool_calls[0].arguments.as_str()), ("memory_insert", r#"{"label":"human","new_string":"tea"}"#));
    assert_eq!(r.tool_calls[0].id, "", "Gemini gives no call ids; the agent loop makes them");
    assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!((r.prompt_tokens, r.completion_tokens), (40, 12));

    let sent = &e.mock.requests()[0];
    assert_eq!(sent.url, "http://mock-gemini/v1beta/models/gemini-2.0-flash:generateContent");
    assert_eq!(header(sent, "x-goog-api-key"), Some(KEY));
    assert!(!sent.url.contains(KEY), "the key never goes in the URL");
    let b = e.mock.last_body();
    assert_eq!(b["systemInstruction"], json!({ "parts": [{ "text": "You are Letta." }] }));
    assert_eq!(b["generationConfig"], json!({ "temperature": 0.5, "maxOutputTokens": 256 }));
    let c = b["contents"].as_array().unwrap();
    assert_eq!(c.len(), 3, "{b}");
    assert_eq!(c[0], json!({ "role": "user", "parts": [{ "text": "Hi, I like tea." }] }));
    assert_eq!(c[1]["role"], "model");
    assert_eq!(c[1]["parts"][1], json!({ "functionCall": { "name": "memory_insert", "args": { "label": "human", "new_string": "Likes tea" } } }));
    assert_eq!(c[2]["role"], "user");
    assert_eq!(c[2]["parts"][0], json!({ "functionResponse": { "name": "memory_insert", "response": { "status": "OK", "message": "None" } } }));
    assert_eq!(c[2]["parts"][1], json!({ "functionResponse": { "name": "conversation_search", "response": { "content": "plain text result" } } }));
    assert_eq!(c[2]["parts"][2], json!({ "text": "Thanks!" }));
    let decl = &b["tools"][0]["functionDeclarations"][0];
    assert_eq!(decl["name"], "memory_insert");
    assert_eq!(
        decl["parameters"],
        json!({
            "type": "object",
            "properties": {
                "label": { "type": "string", "description": "Block label" },
                "new_string": { "type": "string", "nullable": true },
                "insert_line": { "type": "integer" },
                "tags": { "type": "array", "items": { "type": "string" } }
            },
            "required": ["label", "new_string"]
        }),
        "unsupported keywords dropped, required limited to declared properties"
    );
}

fn gemini_stream() -> Reply {
    let d = |v: Value| format!("data: {v}\r\n\r\n");
    Reply::sse(&[
        d(json!({ "candidates": [{ "content": { "role": "model", "parts": [{ "text": "Hel" }] } }], "usageMetadata": { "promptTokenCount": 9 } })),
        d(json!({ "candidates": [{ "content": { "role": "model", "parts": [{ "text": "lo ✓" }] } }] })),
        d(json!({ "candidates": [{ "content": { "role": "model", "parts": [
            { "functionCall": { "name": "memory_insert", "args": { "label": "human" } } },
            { "functionCall": { "name": "send_message", "args": { "message": "hi" } } }
        ] }, "finishReason": "STOP" }], "usageMetadata": { "promptTokenCount": 9, "candidatesTokenCount": 5 } })),
    ])
}

#[test]
fn gemini_streams_split_at_every_byte_and_cut_streams_fail() {
    let e = env();
    let whole = gemini_stream();
    let n = whole.body().len();
    for cut in 0..=n {
        e.mock.push(whole.clone().split_at(&[cut]));
        let rec = Rec::default();
        let r = e.chat(&request("google_ai/gemini-2.0-flash"), Some(&rec)).unwrap_or_else(|err| panic!("split at {cut}: {err}"));
        assert_eq!(r.content.as_deref(), Some("Hello ✓"));
        assert_eq!(rec.text(), "Hello ✓");
        assert_eq!(r.tool_calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["memory_insert", "send_message"]);
        assert_eq!(rec.calls().iter().map(|c| c.arguments.as_str()).collect::<Vec<_>>(), [r#"{"label":"human"}"#, r#"{"message":"hi"}"#]);
        assert_eq!((r.prompt_tokens, r.completion_tokens), (9, 5));
    }
    assert_eq!(e.mock.requests()[0].url, "http://mock-gemini/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    // Gemini has no end marker: without the finishReason chunk the stream was cut.
    let body = String::from_utf8(whole.body()).unwrap();
    let last = body.rfind("data:").unwrap();
    // (n - 1 would only drop the last "\n" of "\r\n\r\n": the "\r" already ends the event.)
    for n in [0, 10, last - 1, last, last + 40, n - 2] {
        e.mock.push(whole.clone().cut(n, true));
        let err = e.chat(&request("google_ai/gemini-2.0-flash"), Some(&Rec::default())).unwrap_err();
        assert!(matches!(&err, LlmError::Network(m) if m.contains("was cut")), "cut at {n}: {err}");
    }
    e.mock.push(Reply::json(400, &json!([{ "error": { "code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT" } }])));
    let err = e.chat(&request("google_ai/gemini-2.0-flash"), None).unwrap_err();
    assert_eq!(err.to_string(), "google_ai returned 400 for model gemini-2.0-flash: API key not valid. Please pass a valid API key.");
}

// ----- retries, timeouts, errors --------------------------------------------------------------

fn ok_reply() -> Reply {
    Reply::json(200, &json!({ "choices": [{ "message": { "content": "fine" }, "finish_reason": "stop" }] }))
}

#[test]
fn retries_honour_retry_after_and_retry_after_ms() {
    let e = env();
    let err_body = json!({ "error": { "message": "Rate limit reached" } });
    e.mock.push(Reply::json(429, &err_body).header("Retry-After", "2"));
    e.mock.push(Reply::json(503, &err_body).header("retry-after-ms", "150").header("retry-after", "30"));
    e.mock.push(ok_reply());
    let t0 = e.clock.now();
    let r = e.chat(&request("openai/gpt-4o-mini"), None).unwrap();
    assert_eq!(r.content.as_deref(), Some("fine"));
    assert_eq!(e.mock.requests().len(), 3);
    assert_eq!(e.clock.sleeps(), vec![2000.0, 150.0], "retry-after-ms wins over retry-after");
    assert_eq!(e.clock.now() - t0, 2150.0);
    // An HTTP date.
    let e = env();
    let date = "Thu, 01 Jan 2026 00:00:07 GMT"; // the virtual clock starts at 2026-01-01T00:00:00Z
    e.mock.push(Reply::json(429, &err_body).header("retry-after", date));
    e.mock.push(ok_reply());
    e.chat(&request("openai/gpt-4o-mini"), None).unwrap();
    assert_eq!(e.clock.sleeps(), vec![7000.0]);
}

#[test]
fn retries_are_bounded_and_back_off_with_jitter() {
    let e = env();
    for _ in 0..5 {
        e.mock.push(Reply::json(500, &json!({ "error": { "message": "boom" } })));
    }
    let err = e.chat(&request("openai/gpt-4o-mini"), None).unwrap_err();
    assert_eq!(err, LlmError::Api { provider: "openai".into(), model: "gpt-4o-mini".into(), status: 500, message: "boom".into() });
    assert_eq!(e.mock.requests().len(), 3, "three attempts by default");
    let s = e.clock.sleeps();
    assert_eq!(s.len(), 2);
    assert!((375.0..=500.0).contains(&s[0]) && (750.0..=1000.0).contains(&s[1]), "{s:?}");

    // max_retries: 0 means one attempt; network errors retry too.
    let e = env_with(json!({ "max_retries": 0, "providers": { "openai": { "api_key": KEY } } }));
    e.mock.push(Reply::network("connection refused"));
    let err = e.chat(&request("openai/gpt-4o-mini"), None).unwrap_err();
    assert!(matches!(&err, LlmError::Network(m) if m.contains("connection refused")), "{err}");
    assert_eq!(e.mock.requests().len(), 1);
    let e = env();
    e.mock.push(Reply::network("ECONNRESET"));
    e.mock.push(ok_reply());
    assert_eq!(e.chat(&request("openai/gpt-4o-mini"), None).unwrap().content.as_deref(), Some("fine"));
    assert_eq!(e.clock.sleeps().len(), 1);
}

#[test]
fn client_errors_and_long_retry_after_are_not_retried() {
    for status in [400u16, 401, 403, 404, 422] {
        let e = env();
        e.mock.push(Reply::json(status, &json!({ "error": { "message": "nope" } })));
        let err = e.chat(&request("openai/gpt-4o-mini"), None).unwrap_err();
        assert!(matches!(err, LlmError::Api { status: s, .. } if s == status));
        assert_eq!(e.mock.requests().len(), 1, "{status} is not retried");
        assert!(e.clock.sleeps().is_empty());
    }
    let e = env();
    e.mock.push(Reply::json(429, &json!({ "error": { "message": "quota" } })).header("retry-after", "3600"));
    let err = e.chat(&request("openai/gpt-4o-mini"), None).unwrap_err();
    assert!(matches!(err, LlmError::Api { status: 429, .. }));
    assert_eq!(e.mock.requests().len(), 1, "an hour is not waited for inside a step");
}

#[test]
fn error_text_names_provider_model_status_and_never_the_key() {
    let e = env();
    let masked = format!("Incorrect API key provided: {}****{}. You can find your API key at https://platform.openai.com.", &KEY[..8], &KEY[KEY.len() - 4..]);
    e.mock.push(Reply::json(401, &json!({ "error": { "message": masked, "type": "invalid_request_error", "code": "invalid_api_key" } })));
    let err = e.chat(&request("openai/gpt-4o-mini"), None).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("openai returned 401 for model gpt-4o-mini: Incorrect API key provided: [redacted]"), "{text}");
    assert!(!text.contains(KEY) && !text.contains(&KEY[..8]) && !text.contains("cdef."), "{text}");
    // The key echoed whole, in a body that is not JSON.
    e.mock.push(Reply::text(403, &format!("forbidden for key {KEY}")));
    let text = e.chat(&request("anthropic/claude-3-5-sonnet-20241022"), None).unwrap_err().to_string();
    assert_eq!(text, "anthropic returned 403 for model claude-3-5-sonnet-20241022: forbidden for key [redacted]");
    // In a network error text.
    let e = env_with(json!({ "max_retries": 0, "providers": { "openai": { "api_key": KEY } } }));
    e.mock.push(Reply::network(&format!("failed to send {KEY}")));
    let text = e.chat(&request("openai/gpt-4o-mini"), None).unwrap_err().to_string();
    assert!(!text.contains(KEY) && text.contains("[redacted]"), "{text}");
}

#[test]
fn timeouts_end_the_request() {
    let e = env_with(json!({ "providers": { "openai": { "api_key": KEY, "timeout_ms": 1000, "max_retries": 0 } } }));
    e.mock.push(Reply { delay_ms: 5000.0, ..ok_reply() });
    let t0 = e.clock.now();
    let err = e.chat(&request("openai/gpt-4o-mini"), None).unwrap_err();
    assert!(matches!(&err, LlmError::Network(m) if m.contains("timed out")), "{err}");
    assert_eq!(e.clock.now() - t0, 1000.0, "ended at the timeout, not when the server answered");
    assert_eq!(e.mock.requests()[0].timeout_ms, 1000.0);
    // A stream that stalls between chunks.
    e.mock.push(Reply { chunk_delay_ms: 2000.0, ..openai_stream() });
    let err = e.chat(&request("openai/gpt-4o-mini"), Some(&Rec::default())).unwrap_err();
    assert!(matches!(&err, LlmError::Network(m) if m.contains("timed out")), "{err}");
    // A slow but steady stream is fine: the timeout is per chunk.
    e.mock.push(Reply { chunk_delay_ms: 900.0, ..openai_stream().split_at(&[100, 200, 300, 400, 500, 600, 700]) });
    let rec = Rec::default();
    check_openai_streamed(&e.chat(&request("openai/gpt-4o-mini"), Some(&rec)).unwrap(), &rec);
    // Timeouts are retried like network errors.
    let e = env_with(json!({ "providers": { "openai": { "api_key": KEY, "timeout_ms": 1000 } } }));
    e.mock.push(Reply { delay_ms: 5000.0, ..ok_reply() });
    e.mock.push(ok_reply());
    assert_eq!(e.chat(&request("openai/gpt-4o-mini"), None).unwrap().content.as_deref(), Some("fine"));
    assert_eq!(e.mock.requests().len(), 2);
}

#[test]
fn a_stream_cut_after_deltas_is_not_retried() {
    let e = env();
    e.mock.push(openai_stream().cut(300, false));
    e.mock.push(openai_stream());
    let rec = Rec::default();
    let err = e.chat(&request("openai/gpt-4o-mini"), Some(&rec)).unwrap_err();
    assert!(matches!(&err, LlmError::Network(m) if m.contains("connection reset")), "{err}");
    assert_eq!(e.mock.requests().len(), 1, "deltas already went out: no silent replay");
    assert!(!rec.0.borrow().is_empty());
}

// ----- embeddings -------------------------------------------------------------------------------

#[test]
fn embeddings_openai_gemini_and_scripted() {
    let e = env();
    let texts = vec!["hello world".to_string(), "goodbye".to_string()];
    e.mock.push(Reply::json(200, &json!({ "object": "list", "data": [
        { "object": "embedding", "index": 1, "embedding": [0.5, 0.25] },
        { "object": "embedding", "index": 0, "embedding": [1.0, 0.0] }
    ], "model": "text-embedding-3-small", "usage": { "prompt_tokens": 4, "total_tokens": 4 } })));
    let v = run(&e.clock, e.engine.models().embed("openai/text-embedding-3-small", &texts)).unwrap();
    assert_eq!(v, vec![vec![1.0, 0.0], vec![0.5, 0.25]], "placed by index");
    let sent = &e.mock.requests()[0];
    assert_eq!(sent.url, "https://api.openai.com/v1/embeddings");
    assert_eq!(e.mock.last_body(), json!({ "model": "text-embedding-3-small", "input": ["hello world", "goodbye"] }));

    e.mock.push(Reply::json(200, &json!({ "embeddings": [{ "values": [0.1, 0.2, 0.3] }, { "values": [0.3, 0.2, 0.1] }] })));
    let v = run(&e.clock, e.engine.models().embed("google_ai/text-embedding-004", &texts)).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[1], vec![0.3f32, 0.2, 0.1]);
    let sent = &e.mock.requests()[1];
    assert_eq!(sent.url, "http://mock-gemini/v1beta/models/text-embedding-004:batchEmbedContents");
    assert_eq!(header(sent, "x-goog-api-key"), Some(KEY));
    assert_eq!(e.mock.last_body()["requests"][0], json!({ "model": "models/text-embedding-004", "content": { "parts": [{ "text": "hello world" }] } }));

    // Malformed answers.
    for bad in [json!({ "data": [{ "embedding": [1.0] }] }), json!({ "data": [{ "embedding": ["x"] }, { "embedding": [1] }] }), json!({ "nope": 1 })] {
        e.mock.push(Reply::json(200, &bad));
        let err = run(&e.clock, e.engine.models().embed("ollama/nomic-embed-text", &texts)).unwrap_err();
        assert!(matches!(err, LlmError::InvalidResponse(_)), "{bad}: {err}");
    }
    assert_eq!(e.mock.requests().last().unwrap().url, "http://127.0.0.1:11434/v1/embeddings");

    let v = run(&e.clock, e.engine.models().embed("scripted/hash-16", &texts)).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].len(), 16);
    let norm: f32 = v[0].iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-5);
    assert_eq!(v, run(&e.clock, e.engine.models().embed("scripted/hash-16", &texts)).unwrap(), "deterministic");
    assert!(matches!(run(&e.clock, e.engine.models().embed("anthropic/x", &texts)), Err(LlmError::UnknownModel(_))));
}

// ----- the agent loop on a provider ----------------------------------------------------------

fn tool_call_reply(id: &str, name: &str, args: &Value) -> Reply {
    Reply::json(200, &json!({
        "choices": [{ "finish_reason": "tool_calls", "message": { "role": "assistant", "content": null,
            "tool_calls": [{ "id": id, "type": "function", "function": { "name": name, "arguments": args.to_string() } }] } }],
        "usage": { "prompt_tokens": 100, "completion_tokens": 10 }
    }))
}

fn text_reply(text: &str) -> Reply {
    Reply::json(200, &json!({
        "choices": [{ "finish_reason": "stop", "message": { "role": "assistant", "content": text } }],
        "usage": { "prompt_tokens": 120, "completion_tokens": 5 }
    }))
}

#[test]
fn an_agent_calls_memory_insert_then_answers() {
    let e = env();
    let agent = e.agent("openai/gpt-4o-mini");
    e.mock.push(tool_call_reply("call_x", "memory_insert", &json!({ "label": "human", "new_string": "Likes tea", "insert_line": -1 })));
    e.mock.push(text_reply("Noted: you like tea."));
    let (out, _) = e.send(&agent, "I like tea.", false);
    assert_eq!(out.stop_reason.as_str(), "end_turn", "{:?}", out.error);
    assert_eq!(out.assistant_texts(), vec!["Noted: you like tea."]);
    assert_eq!((out.usage.prompt_tokens, out.usage.completion_tokens), (220, 15), "usage as the provider reported it");
    assert!(e.block(&agent, "human").contains("Likes tea"));
    let reqs = e.mock.requests();
    assert_eq!(reqs.len(), 2);
    let second: Value = serde_json::from_str(reqs[1].body.as_deref().unwrap()).unwrap();
    let msgs = second["messages"].as_array().unwrap();
    assert!(msgs[0]["content"].as_str().unwrap().contains("Likes tea"), "the next call sees the edited block");
    let tool = msgs.iter().find(|m| m["role"] == "tool").unwrap();
    assert_eq!(tool["tool_call_id"], "call_x");
    let asst = msgs.iter().find(|m| m["role"] == "assistant").unwrap();
    assert_eq!(asst["tool_calls"][0]["id"], "call_x");
    assert!(second["tools"].as_array().unwrap().iter().any(|t| t["function"]["name"] == "memory_insert"));
}

#[test]
fn token_streaming_through_the_agent_loop() {
    let e = env();
    let agent = e.agent("anthropic/claude-3-5-sonnet-20241022");
    let ev = |name: &str, v: Value| event(name, &v);
    e.mock.push(Reply::sse(&[
        ev("message_start", json!({ "type": "message_start", "message": { "usage": { "input_tokens": 30 } } })),
        ev("content_block_start", json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "tool_use", "id": "toolu_9", "name": "memory_insert" } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "input_json_delta", "partial_json": "{\"label\":\"human\"," } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "input_json_delta", "partial_json": "\"new_string\":\"Likes tea\"}" } })),
        ev("message_delta", json!({ "type": "message_delta", "delta": { "stop_reason": "tool_use" }, "usage": { "output_tokens": 12 } })),
        ev("message_stop", json!({ "type": "message_stop" })),
    ]));
    e.mock.push(Reply::sse(&[
        ev("message_start", json!({ "type": "message_start", "message": { "usage": { "input_tokens": 40 } } })),
        ev("content_block_start", json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "text", "text": "" } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": "Noted" } })),
        ev("content_block_delta", json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": ", Ada." } })),
        ev("message_delta", json!({ "type": "message_delta", "delta": { "stop_reason": "end_turn" }, "usage": { "output_tokens": 4 } })),
        ev("message_stop", json!({ "type": "message_stop" })),
    ]));
    let (out, events) = e.send(&agent, "I like tea.", true);
    assert_eq!(out.stop_reason.as_str(), "end_turn", "{:?}", out.error);
    let types: Vec<&str> = events.iter().map(|m| m["message_type"].as_str().unwrap_or("")).collect();
    let chunks: Vec<&Value> = events.iter().filter(|m| m["message_type"] == "assistant_message").collect();
    assert_eq!(chunks.iter().map(|m| m["content"].as_str().unwrap()).collect::<Vec<_>>(), ["Noted", ", Ada."], "{types:?}");
    assert_eq!(chunks[0]["id"], chunks[1]["id"], "token chunks share their message's id");
    let args: String = events
        .iter()
        .filter(|m| m["message_type"] == "tool_call_message")
        .map(|m| m["tool_call"]["arguments"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(args, r#"{"label":"human","new_string":"Likes tea"}"#);
    assert!(types.contains(&"tool_return_message"));
    assert_eq!(types[types.len() - 2..], ["stop_reason", "usage_statistics"]);
    assert!(e.block(&agent, "human").contains("Likes tea"));
    assert_eq!((out.usage.prompt_tokens, out.usage.completion_tokens), (70, 16));
}

#[test]
fn after_a_provider_failure_history_is_consistent_and_the_next_message_works() {
    let e = env();
    let agent = e.agent("openai/gpt-4o-mini");
    // 401: the run ends with llm_api_error; the error text names provider, model, status; no key.
    e.mock.push(Reply::json(401, &json!({ "error": { "message": format!("Incorrect API key provided: {KEY}") } })));
    let (out, events) = e.send(&agent, "first", false);
    assert_eq!(out.stop_reason.as_str(), "llm_api_error");
    let err = out.error.clone().unwrap_or_default();
    assert!(err.contains("openai") && err.contains("gpt-4o-mini") && err.contains("401"), "{err}");
    assert!(!err.contains(KEY));
    assert!(!events.iter().any(|m| m.to_string().contains(KEY)));

    // A stream cut mid-answer: deltas went out, but nothing half-done is stored.
    e.mock.push(openai_stream().cut(400, false));
    let (out, _) = e.send(&agent, "second", true);
    assert_eq!(out.stop_reason.as_str(), "llm_api_error", "{:?}", out.error);

    // Malformed JSON: invalid_llm_response.
    e.mock.push(Reply::text(200, "{\"choices\":"));
    let (out, _) = e.send(&agent, "third", false);
    assert_eq!(out.stop_reason.as_str(), "invalid_llm_response", "{:?}", out.error);

    // Unparseable tool arguments become a tool error the model sees; the run goes on.
    e.mock.push(Reply::json(200, &json!({ "choices": [{ "finish_reason": "tool_calls", "message": { "tool_calls": [
        { "id": "call_bad", "type": "function", "function": { "name": "memory_insert", "arguments": "{\"label\": \"hum" } }
    ] } }] })));
    e.mock.push(text_reply("Sorry, fixed."));
    let (out, _) = e.send(&agent, "fourth", false);
    assert_eq!(out.stop_reason.as_str(), "end_turn", "{:?}", out.error);
    let ret = out.messages.iter().find(|m| m["message_type"] == "tool_return_message").unwrap();
    assert_eq!(ret["status"], "error");

    let history = e.history(&agent);
    let users: Vec<&str> = history.iter().filter(|m| m["message_type"] == "user_message").filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(users, ["first", "second", "third", "fourth"], "every input is recorded once");
    let assistants: Vec<&str> = history.iter().filter(|m| m["message_type"] == "assistant_message").filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(assistants, ["Sorry, fixed."], "no half answer was stored");
    assert_eq!(e.block(&agent, "human"), "Name: Ada", "no edit from a failed step");
    // The next call's context is well-formed: every tool message follows its call.
    let last: Value = serde_json::from_str(e.mock.requests().last().unwrap().body.as_deref().unwrap()).unwrap();
    let msgs = last["messages"].as_array().unwrap();
    for (i, m) in msgs.iter().enumerate() {
        if m["role"] == "tool" {
            let id = &m["tool_call_id"];
            assert!(msgs[..i].iter().any(|p| p["tool_calls"].as_array().is_some_and(|c| c.iter().any(|c| &c["id"] == id))), "{last}");
        }
    }
}

#[test]
fn unknown_transport_failures_never_panic() {
    let e = env_with(json!({ "max_retries": 0, "providers": providers() }));
    for (model, streamed) in [("openai/gpt-4o-mini", true), ("anthropic/claude-3-5-sonnet-20241022", true), ("google_ai/gemini-2.0-flash", false)] {
        for reply in [
            Reply { fail: Some(HttpError::Aborted), ..Reply::default() },
            Reply { status: 200, chunks: vec![], ..Reply::default() },
            Reply { status: 204, chunks: vec![], ..Reply::default() },
            Reply { status: 200, chunks: vec![vec![0, 159, 146, 150]], ..Reply::default() },
            Reply { status: 599, chunks: vec![vec![0xff; 10]], ..Reply::default() },
            Reply::json(200, &json!(null)),
            Reply::json(200, &json!([1, 2])),
        ] {
            e.mock.push(reply);
            let rec = Rec::default();
            let r = e.chat(&request(model), streamed.then_some(&rec as &dyn DeltaSink));
            assert!(r.is_err(), "{model}: {r:?}");
        }
    }
}
