//! The engine compiled to wasm, driven through its JS bindings, in Node
//! (`wasm-bindgen-test-runner`): JS clock and randomness, the JSON envelope, scripted
//! models and tool bodies written in JavaScript.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use letta_wasm::wasm::WasmEngine;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

async fn call(e: &WasmEngine, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let p = e.request(method.into(), path.into(), "[]".into(), body.map(|b| b.to_string()));
    let text = JsFuture::from(p).await.unwrap().as_string().unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    (v["status"].as_u64().unwrap() as u16, v["body"].clone())
}

fn js_fn(args: &str, body: &str) -> js_sys::Function {
    js_sys::Function::new_with_args(args, body)
}

#[wasm_bindgen_test]
async fn blocks_and_agents_round_trip_with_js_time_and_ids() {
    let e = WasmEngine::new("{}").unwrap();
    let (s, b) = call(&e, "POST", "/v1/blocks/", Some(json!({ "label": "org", "value": "Letta" }))).await;
    assert_eq!(s, 200);
    let (_, b2) = call(&e, "POST", "/v1/blocks/", Some(json!({ "label": "org", "value": "Letta" }))).await;
    assert_ne!(b["id"], b2["id"], "ids come from crypto.getRandomValues");
    assert!(letta_wasm::util::is_valid_id(b["id"].as_str().unwrap(), "block"));
    let year: u32 = b["created_at"].as_str().unwrap()[..4].parse().unwrap();
    assert!(year >= 2024, "the clock is the host's Date.now()");
    let (s, a) = call(&e, "POST", "/v1/agents/", Some(json!({ "block_ids": [b["id"]] }))).await;
    assert_eq!(s, 200);
    assert_eq!(a["blocks"][0]["value"], "Letta");
}

#[wasm_bindgen_test]
async fn errors_come_back_as_envelopes() {
    let e = WasmEngine::new("").unwrap();
    let (s, body) = call(&e, "GET", "/v1/agents/agent-123e4567-e89b-42d3-8456-426614174000", None).await;
    assert_eq!(s, 404);
    assert!(body["detail"].as_str().unwrap().contains("Agent not found"));
    let p = e.request("POST".into(), "/v1/blocks/".into(), "[]".into(), Some("{oops".into()));
    let v: Value = serde_json::from_str(&JsFuture::from(p).await.unwrap().as_string().unwrap()).unwrap();
    assert_eq!(v["status"], 400);
    assert!(v["body"]["detail"].as_str().unwrap().starts_with("Malformed JSON body"));
    let p = e.request("GET".into(), "/v1/blocks/".into(), "{\"not\":\"pairs\"}".into(), None);
    let v: Value = serde_json::from_str(&JsFuture::from(p).await.unwrap().as_string().unwrap()).unwrap();
    assert_eq!(v["status"], 422);
    assert!(WasmEngine::new("{not json").is_err());
}

#[wasm_bindgen_test]
async fn scripted_model_and_tool_bodies_in_js() {
    let e = WasmEngine::new("{}").unwrap();
    // The model calls the JS tool once, then answers with what it got back.
    e.set_model(
        "js",
        js_fn(
            "req",
            r#"const r = JSON.parse(req);
               const tool = r.messages.filter(m => m.role === 'tool').pop();
               if (!tool) return Promise.resolve(JSON.stringify({ tool_calls: [{ name: 'add', arguments: { a: 2, b: 3 } }] }));
               return JSON.stringify({ content: 'sum is ' + JSON.parse(tool.content).message });"#,
        ),
    );
    e.set_tool("add", js_fn("args, ctx", "const a = JSON.parse(args); return new Promise(r => setTimeout(() => r(String(a.a + a.b)), 5));"));
    e.set_tool("boom", js_fn("args", "throw new Error('tool exploded')"));
    let schema = |n: &str| json!({ "json_schema": { "name": n, "parameters": { "type": "object", "properties": {} } } });
    call(&e, "POST", "/v1/tools/", Some(schema("add"))).await;
    call(&e, "POST", "/v1/tools/", Some(schema("boom"))).await;
    let (_, a) = call(&e, "POST", "/v1/agents/", Some(json!({ "model": "scripted/js", "tools": ["add", "boom"] }))).await;
    let path = format!("/v1/agents/{}/messages", a["id"].as_str().unwrap());
    let (s, r) = call(&e, "POST", &path, Some(json!({ "input": "add" }))).await;
    assert_eq!(s, 200, "{r}");
    let last = r["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["content"], "sum is 5");
    let reqs: Value = serde_json::from_str(&e.model_requests("js")).unwrap();
    assert_eq!(reqs.as_array().unwrap().len(), 2);
    let stats: Value = serde_json::from_str(&e.model_stats("js")).unwrap();
    assert_eq!((stats["calls"].as_u64(), stats["in_flight"].as_u64()), (Some(2), Some(0)));

    // A throwing body is a tool error; the run goes on.
    e.set_model("js", js_fn("req", r#"return JSON.parse(req).step === 0 ? JSON.stringify({ tool_calls: [{ name: 'boom', arguments: {} }] }) : JSON.stringify({ content: 'ok' });"#));
    let (_, r) = call(&e, "POST", &path, Some(json!({ "input": "explode" }))).await;
    let ret = r["messages"].as_array().unwrap().iter().find(|m| m["message_type"] == "tool_return_message").unwrap().clone();
    assert_eq!((ret["status"].as_str(), ret["tool_return"].as_str()), (Some("error"), Some("tool exploded")));
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn");

    // A model function that throws or returns junk ends the run with an error stop reason.
    e.set_model("js", js_fn("req", "throw new Error('model down')"));
    let (_, r) = call(&e, "POST", &path, Some(json!({ "input": "x" }))).await;
    assert_eq!(r["stop_reason"]["stop_reason"], "llm_api_error");
    e.set_model("js", js_fn("req", "return 'not json'"));
    let (_, r) = call(&e, "POST", &path, Some(json!({ "input": "x" }))).await;
    assert_eq!(r["stop_reason"]["stop_reason"], "llm_api_error");
}

#[wasm_bindgen_test]
async fn stream_emits_each_message_then_stop_and_usage() {
    let e = WasmEngine::new("{}").unwrap();
    let (_, a) = call(&e, "POST", "/v1/agents/", Some(json!({}))).await;
    let seen = js_sys::Array::new();
    let seen2 = seen.clone();
    let cb = wasm_bindgen::closure::Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| {
        seen2.push(&v);
    });
    let f: &js_sys::Function = wasm_bindgen::JsCast::unchecked_ref(cb.as_ref());
    let p = e.stream(
        "POST".into(),
        format!("/v1/agents/{}/messages/stream", a["id"].as_str().unwrap()),
        "[]".into(),
        Some(json!({ "input": "hello" }).to_string()),
        f.clone(),
    );
    JsFuture::from(p).await.unwrap();
    let types: Vec<String> = seen
        .iter()
        .map(|v| serde_json::from_str::<Value>(&v.as_string().unwrap()).unwrap()["message_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["assistant_message", "stop_reason", "usage_statistics"]);
}
