//! The context window: requests never exceed it; older messages are summarised out of the
//! context (and stay in the history); failures end the run with a clear stop reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use letta_wasm::agent::SUMMARY_PROMPT;
use letta_wasm::llm::scripted::ScriptFn as ScriptedFn;
use letta_wasm::llm::{estimate_request_tokens, ChatMessage, ChatRequest, ToolSchema};
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;

/// The estimate the engine uses, for a recorded request.
fn estimate(req: &Value) -> u64 {
    let messages = req["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let mut cm = ChatMessage::new(m["role"].as_str().unwrap(), m["content"].as_str().unwrap_or(""));
            if let Some(calls) = m.get("tool_calls") {
                cm.tool_calls = serde_json::from_value(calls.clone()).unwrap();
            }
            cm
        })
        .collect();
    let tools = req["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| ToolSchema {
            name: t["name"].as_str().unwrap().into(),
            description: t["description"].as_str().unwrap().into(),
            parameters: t["parameters"].clone(),
        })
        .collect();
    estimate_request_tokens(&ChatRequest {
        model: String::new(),
        messages,
        tools,
        temperature: None,
        max_tokens: None,
        agent_id: String::new(),
        step: 0,
    })
}

fn is_summary_request(req: &Value) -> bool {
    req["messages"][0]["content"] == SUMMARY_PROMPT
}

/// A model that summarises (or fails to, or overflows) on demand and otherwise answers briefly;
/// a user message containing "SEARCH:<q>" makes it call conversation_search once.
fn program(t: &T, name: &str, summary: Rc<Cell<bool>>, overflows: Rc<Cell<u32>>) {
    let f: ScriptedFn = Rc::new(move |req: Value| {
        let summary_ok = summary.get();
        let overflow = overflows.get();
        Box::pin(async move {
            if is_summary_request(&req) {
                return if summary_ok { Ok(json!({ "content": "SUMMARY: the user told several numbered stories." })) } else { Err("summariser unavailable".into()) };
            }
            if overflow > 0 {
                return Ok(json!({ "error": { "status": 400, "message": "This model's maximum context length is 8192 tokens" } }));
            }
            let msgs = req["messages"].as_array().unwrap();
            let last = msgs.last().unwrap();
            if last["role"] == "user" {
                if let Some(q) = last["content"].as_str().unwrap().split("SEARCH:").nth(1) {
                    return Ok(json!({ "tool_calls": [{ "name": "conversation_search", "arguments": { "query": q.trim(), "limit": 10 } }] }));
                }
            }
            Ok(json!({ "content": "noted" }))
        })
    });
    t.engine.models().scripted(name).set_fn(f);
}

fn story(i: usize) -> String {
    format!("Story {i}: marker-{i} {}", "lorem ipsum dolor sit amet ".repeat(12))
}

fn message_ids(t: &T, a: &str) -> Vec<String> {
    t.ok("GET", &format!("/v1/agents/{a}"), json!(null))["message_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn requests_stay_within_the_window_and_the_summary_takes_the_evicted_place() {
    let t = setup();
    let window = 2000u64;
    program(&t, "cw", Rc::new(Cell::new(true)), Rc::new(Cell::new(0)));
    let a = t.agent(json!({ "model": "scripted/cw", "context_window_limit": window }));
    for i in 0..30 {
        let out = t.send(&a, &story(i));
        assert_eq!(out["stop_reason"]["stop_reason"], "end_turn", "{out}");
    }
    let reqs = t.requests("cw");
    assert!(reqs.iter().any(is_summary_request), "no summary request was made");
    for r in &reqs {
        let n = estimate(r);
        assert!(n <= window, "a request of {n} tokens was sent with a window of {window}");
    }
    // The last request: system, the summary (a user system_alert), then the kept messages.
    let last = reqs.iter().rev().find(|r| !is_summary_request(r)).unwrap();
    let m1 = &last["messages"][1];
    assert_eq!(m1["role"], "user");
    let alert: Value = serde_json::from_str(m1["content"].as_str().unwrap()).unwrap();
    assert_eq!(alert["type"], "system_alert");
    let text = alert["message"].as_str().unwrap();
    assert!(text.contains("messages from the beginning of the conversation have been hidden from view due to memory constraints"), "{text}");
    assert!(text.contains("SUMMARY: the user told several numbered stories."));
    assert!(alert["time"].is_string());
    // The evicted stories are out of the context but in the history, and searchable.
    assert!(!last.to_string().contains("marker-0 "));
    let history = t.callq("GET", &format!("/v1/agents/{a}/messages"), &[("limit", "1000")]).unwrap();
    assert!(history.to_string().contains("marker-0 "));
    let ids = message_ids(&t, &a);
    assert!(ids.len() < 61, "context not shortened: {}", ids.len());
    // The metadata counts the messages outside the context.
    assert!(last["messages"][0]["content"].as_str().unwrap().contains("previous messages between you and the user are stored in recall memory"));
    let out = t.send(&a, "SEARCH: marker-0 ");
    assert_eq!(out["stop_reason"]["stop_reason"], "end_turn");
    let reqs = t.requests("cw");
    let after_search = reqs.iter().rev().find(|r| !is_summary_request(r)).unwrap();
    let results = tool_results(after_search);
    let found = results.last().unwrap()["message"]["results"].as_array().unwrap().clone();
    assert!(found.iter().any(|r| r["content"].as_str().unwrap().contains("marker-0 ")), "{found:?}");
}

#[test]
fn a_failing_summary_ends_the_run_with_a_clear_reason_and_changes_nothing() {
    let t = setup();
    let summary = Rc::new(Cell::new(true));
    program(&t, "cwf", summary.clone(), Rc::new(Cell::new(0)));
    let a = t.agent(json!({ "model": "scripted/cwf", "context_window_limit": 1500 }));
    // Fill the context up to just under the trigger.
    let mut i = 0;
    loop {
        t.send(&a, &story(i));
        i += 1;
        let reqs = t.requests("cwf");
        let last = reqs.last().unwrap();
        if estimate(last) > 1000 || i > 40 {
            break;
        }
    }
    assert!(!t.requests("cwf").iter().any(is_summary_request));
    summary.set(false);
    let before = message_ids(&t, &a);
    let calls_before = t.requests("cwf").len();
    let out = t.send(&a, &story(99).repeat(6));
    assert_eq!(out["stop_reason"]["stop_reason"], "error", "{out}");
    let err = out["error"]["message"].as_str().unwrap();
    assert!(err.contains("summarise") && err.contains("summariser unavailable"), "{err}");
    // Only the summary request was made; nothing was evicted and no summary stored.
    let reqs = t.requests("cwf");
    assert_eq!(reqs.len(), calls_before + 1);
    assert!(is_summary_request(reqs.last().unwrap()));
    let after = message_ids(&t, &a);
    assert_eq!(&after[..before.len()], &before[..], "the context lost messages");
    assert_eq!(after.len(), before.len() + 1, "only the input message is added");
    let history = t.callq("GET", &format!("/v1/agents/{a}/messages"), &[("limit", "1000")]).unwrap();
    assert!(!history.to_string().contains("system_alert"));
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}"), json!(null))["last_stop_reason"], "error");
    // Once the summariser works again the agent recovers.
    summary.set(true);
    let out = t.send(&a, "hello again");
    assert_eq!(out["stop_reason"]["stop_reason"], "end_turn", "{out}");
}

#[test]
fn a_system_prompt_larger_than_the_window_is_its_own_stop_reason() {
    let t = setup();
    let a = t.agent(json!({
        "model": "scripted/cws",
        "context_window_limit": 300,
        "memory_blocks": [{ "label": "persona", "value": "x".repeat(3000), "limit": 5000 }],
    }));
    let out = t.send(&a, "hi");
    assert_eq!(out["stop_reason"]["stop_reason"], "context_window_overflow_in_system_prompt", "{out}");
    assert!(out["error"]["message"].as_str().unwrap().contains("exceeds the context window 300"));
    assert!(t.requests("cws").is_empty(), "a request over the window was sent");
}

#[test]
fn a_provider_overflow_summarises_and_retries() {
    let t = setup();
    let overflows = Rc::new(Cell::new(0));
    program(&t, "cwo", Rc::new(Cell::new(true)), overflows.clone());
    let a = t.agent(json!({ "model": "scripted/cwo" }));
    for i in 0..6 {
        t.send(&a, &story(i));
    }
    let before = message_ids(&t, &a).len();
    // The provider refuses once (its window is smaller than configured), then accepts.
    let f = overflows.clone();
    let name = "cwo";
    let seen = Rc::new(Cell::new(0u32));
    let seen2 = seen.clone();
    let inner: ScriptedFn = Rc::new(move |req: Value| {
        let first = f.get() == 0 && !is_summary_request(&req) && seen2.get() == 0;
        if !is_summary_request(&req) {
            seen2.set(seen2.get() + 1);
        }
        Box::pin(async move {
            if is_summary_request(&req) {
                Ok(json!({ "content": "SUMMARY: six stories." }))
            } else if first {
                Ok(json!({ "error": { "status": 400, "message": "prompt is too long: maximum context length exceeded" } }))
            } else {
                Ok(json!({ "content": "fine" }))
            }
        })
    });
    t.engine.models().scripted(name).set_fn(inner);
    t.engine.models().scripted(name).clear_requests();
    let out = t.send(&a, "one more");
    assert_eq!(out["stop_reason"]["stop_reason"], "end_turn", "{out}");
    let reqs = t.requests(name);
    assert_eq!(reqs.len(), 3, "refused call, summary, retried call");
    assert!(!is_summary_request(&reqs[0]) && is_summary_request(&reqs[1]) && !is_summary_request(&reqs[2]));
    assert!(reqs[2]["messages"][1]["content"].as_str().unwrap().contains("SUMMARY: six stories."));
    assert!(estimate(&reqs[2]) < estimate(&reqs[0]));
    assert!(message_ids(&t, &a).len() < before + 2);

    // A provider that keeps refusing: three retries, then a clear failure.
    let always: ScriptedFn = Rc::new(move |req: Value| {
        Box::pin(async move {
            if is_summary_request(&req) {
                Ok(json!({ "content": "SUMMARY" }))
            } else {
                Ok(json!({ "error": { "status": 413, "message": "context length exceeded" } }))
            }
        })
    });
    t.engine.models().scripted(name).set_fn(always);
    let out = t.send(&a, "and again");
    assert!(["error", "llm_api_error"].contains(&out["stop_reason"]["stop_reason"].as_str().unwrap()), "{out}");
    let _ = overflows;
}
