//! Helpers for the native engine tests: a REST-style call, scripted replies, yields.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use std::cell::RefCell;
use letta_wasm::agent::NoSink;
use letta_wasm::params::Query;
use letta_wasm::platform::NativePlatform;
use letta_wasm::store::MemoryStore;
use letta_wasm::{ApiError, Engine, EngineOptions};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

pub struct T {
    pub engine: Engine,
    pub store: Rc<MemoryStore>,
    /// Runs requests and the engine's background work (agent mailboxes).
    pub pool: RefCell<LocalPool>,
}

pub fn setup() -> T {
    setup_with(EngineOptions::default())
}

pub fn setup_with(options: EngineOptions) -> T {
    let store = Rc::new(MemoryStore::new());
    let platform = Rc::new(NativePlatform::deterministic(7, 1_767_225_600_000.0));
    let pool = LocalPool::new();
    let spawner = pool.spawner();
    platform.set_spawner(Box::new(move |task| {
        let _ = spawner.spawn_local(task);
    }));
    let engine = Engine::new(store.clone(), platform, options);
    T { engine, store, pool: RefCell::new(pool) }
}

pub fn query(pairs: &[(&str, &str)]) -> Query {
    Query(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

impl T {
    pub async fn call_async(&self, method: &str, path: &str, q: &[(&str, &str)], body: Option<Value>) -> Result<Value, ApiError> {
        letta_wasm::router::handle(&self.engine, method, path, &query(q), body.as_ref(), &NoSink).await
    }
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, ApiError> {
        self.run(self.call_async(method, path, &[], body))
    }
    pub fn callq(&self, method: &str, path: &str, q: &[(&str, &str)]) -> Result<Value, ApiError> {
        self.run(self.call_async(method, path, q, None))
    }
    /// Runs `fut` to completion, with the engine's background work alongside.
    pub fn run<F: Future>(&self, fut: F) -> F::Output {
        self.pool.borrow_mut().run_until(fut)
    }
    /// Runs until every queued agent message has been processed.
    pub fn settle(&self) {
        let idle = self.engine.idle();
        self.run(idle);
    }
    pub fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let b = if method == "GET" || method == "DELETE" { None } else { Some(body) };
        match self.call(method, path, b) {
            Ok(v) => v,
            Err(e) => panic!("{method} {path} failed: {e}"),
        }
    }
    pub fn err(&self, method: &str, path: &str, body: Value) -> ApiError {
        let b = if method == "GET" || method == "DELETE" { None } else { Some(body) };
        match self.call(method, path, b) {
            Ok(v) => panic!("{method} {path} should fail, got {v}"),
            Err(e) => e,
        }
    }
    pub fn block(&self, label: &str, value: &str) -> String {
        self.ok("POST", "/v1/blocks/", json!({ "label": label, "value": value }))["id"].as_str().unwrap().to_string()
    }
    pub fn agent(&self, body: Value) -> String {
        self.ok("POST", "/v1/agents/", body)["id"].as_str().unwrap().to_string()
    }
    pub fn send(&self, agent: &str, text: &str) -> Value {
        self.ok("POST", &format!("/v1/agents/{agent}/messages"), json!({ "messages": [{ "role": "user", "content": text }] }))
    }
    pub fn script(&self, name: &str, replies: Vec<Value>) {
        self.engine.models().scripted(name).set_queue(replies);
    }
    pub fn requests(&self, name: &str) -> Vec<Value> {
        self.engine.models().scripted(name).requests()
    }
    pub fn block_value(&self, id: &str) -> String {
        self.ok("GET", &format!("/v1/blocks/{id}"), json!(null))["value"].as_str().unwrap().to_string()
    }
}

/// A reply calling one tool.
pub fn call(name: &str, args: Value) -> Value {
    json!({ "tool_calls": [{ "name": name, "arguments": args }] })
}

/// A plain-text reply.
pub fn say(text: &str) -> Value {
    json!({ "content": text })
}

/// Yields to the executor `n` times (lets other tasks run in between).
pub struct Yield(pub u32);
impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// The system prompt of a recorded request.
pub fn system_of(req: &Value) -> String {
    req["messages"][0]["content"].as_str().unwrap_or("").to_string()
}

/// The tool results (role tool) of a recorded request, parsed.
pub fn tool_results(req: &Value) -> Vec<Value> {
    req["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| serde_json::from_str(m["content"].as_str().unwrap()).unwrap())
        .collect()
}
