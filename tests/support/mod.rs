//! Shared helpers for the reliability suites (faults, races, hostile input): a seeded PRNG,
//! a store wrapper that fails on purpose and records every committed write, and a small
//! engine harness (a copy of the parts of tests/common we need, over that store).
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use letta_wasm::agent::NoSink;
use letta_wasm::params::Query;
use letta_wasm::platform::{BoxFut, NativePlatform};
use letta_wasm::store::{MemoryStore, Op, Record, Store, StoreError, StoreLock, StoreResult};
use letta_wasm::{ApiError, Engine, EngineOptions};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

// ---------------------------------------------------------------- PRNG

/// SplitMix64: small, seeded, reproducible.
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Seeds for a randomised test: `LETTA_SEEDS=n` runs more, `LETTA_SEED=s` replays one.
pub fn seeds(default_count: u64) -> Vec<u64> {
    if let Ok(s) = std::env::var("LETTA_SEED") {
        return vec![s.parse().expect("LETTA_SEED must be a number")];
    }
    let n = std::env::var("LETTA_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default_count);
    (1..=n).collect()
}

/// Seconds of extra randomised search (`LETTA_FUZZ_SECS`), 0 by default.
pub fn fuzz_secs() -> u64 {
    std::env::var("LETTA_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(0)
}

// ---------------------------------------------------------------- the faulty store

/// Which operation to break, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Never fail.
    None,
    /// The `n`th commit (0-based, counted from arming) fails and applies nothing.
    FailCommit(u64),
    /// The `n`th commit is applied, then reported as failed (a backend that lost its ack).
    ApplyThenFail(u64),
    /// The `n`th read (`get_many` or `list`) fails.
    FailRead(u64),
    /// Every commit from the `n`th on fails (the backend went away).
    FailCommitsFrom(u64),
}

/// One committed write, as the store applied it.
#[derive(Debug, Clone)]
pub struct Write {
    pub commit: u64,
    pub key: String,
    /// None for a delete.
    pub value: Option<String>,
}

/// Wraps a `MemoryStore`; fails on purpose per its [`Fault`] and records every committed write.
pub struct FaultyStore {
    pub inner: Rc<MemoryStore>,
    fault: Cell<Fault>,
    commits: Cell<u64>,
    reads: Cell<u64>,
    /// Faults actually injected so far.
    pub injected: Cell<u64>,
    /// The inner state after the last commit that was reported successful (or at arming).
    last_ok: RefCell<BTreeMap<String, (u64, String)>>,
    /// Every applied write, in commit order (including ApplyThenFail commits).
    pub writes: RefCell<Vec<Write>>,
    applied_commits: Cell<u64>,
    /// Commits refused by a version check (a lost race the engine had to handle).
    pub conflicts: Cell<u64>,
}

impl FaultyStore {
    pub fn new() -> Self {
        FaultyStore {
            inner: Rc::new(MemoryStore::new()),
            fault: Cell::new(Fault::None),
            commits: Cell::new(0),
            reads: Cell::new(0),
            injected: Cell::new(0),
            last_ok: RefCell::new(BTreeMap::new()),
            writes: RefCell::new(Vec::new()),
            applied_commits: Cell::new(0),
            conflicts: Cell::new(0),
        }
    }
    /// Sets the fault and restarts the counters.
    pub fn arm(&self, f: Fault) {
        self.fault.set(f);
        self.commits.set(0);
        self.reads.set(0);
        self.injected.set(0);
        *self.last_ok.borrow_mut() = self.inner.snapshot();
    }
    pub fn commits(&self) -> u64 {
        self.commits.get()
    }
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }
    pub fn snapshot(&self) -> BTreeMap<String, (u64, String)> {
        self.inner.snapshot()
    }
    /// The state after the last commit the engine was told succeeded.
    pub fn last_ok(&self) -> BTreeMap<String, (u64, String)> {
        self.last_ok.borrow().clone()
    }
    fn read_fault(&self) -> bool {
        let n = self.reads.get();
        self.reads.set(n + 1);
        if self.fault.get() == Fault::FailRead(n) {
            self.injected.set(self.injected.get() + 1);
            return true;
        }
        false
    }
}

impl Default for FaultyStore {
    fn default() -> Self {
        Self::new()
    }
}

fn injected() -> StoreError {
    StoreError::Failed("injected fault: the storage backend failed".into())
}

impl Store for FaultyStore {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFut<'a, StoreResult<Vec<Option<Record>>>> {
        if self.read_fault() {
            return Box::pin(std::future::ready(Err(injected())));
        }
        self.inner.get_many(keys)
    }
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFut<'a, StoreResult<Vec<Record>>> {
        if self.read_fault() {
            return Box::pin(std::future::ready(Err(injected())));
        }
        self.inner.list(prefix)
    }
    fn commit(&self, ops: Vec<Op>) -> BoxFut<'_, StoreResult<()>> {
        let n = self.commits.get();
        self.commits.set(n + 1);
        let fault = self.fault.get();
        let fail_before = fault == Fault::FailCommit(n) || matches!(fault, Fault::FailCommitsFrom(m) if n >= m);
        if fail_before {
            self.injected.set(self.injected.get() + 1);
            return Box::pin(std::future::ready(Err(injected())));
        }
        let record: Vec<(String, Option<String>)> = ops
            .iter()
            .filter_map(|op| match op {
                Op::Put { key, value, .. } => Some((key.clone(), Some(value.clone()))),
                Op::Delete { key, .. } => Some((key.clone(), None)),
                Op::Check { .. } => None,
            })
            .collect();
        let fut = self.inner.commit(ops);
        Box::pin(async move {
            let r = fut.await;
            if matches!(r, Err(StoreError::Conflict { .. })) {
                self.conflicts.set(self.conflicts.get() + 1);
            }
            if r.is_ok() {
                let c = self.applied_commits.get();
                self.applied_commits.set(c + 1);
                self.writes.borrow_mut().extend(record.into_iter().map(|(key, value)| Write { commit: c, key, value }));
                if fault == Fault::ApplyThenFail(n) {
                    self.injected.set(self.injected.get() + 1);
                    return Err(injected());
                }
                *self.last_ok.borrow_mut() = self.inner.snapshot();
            }
            r
        })
    }
    fn kind(&self) -> String {
        "faulty".into()
    }
    fn lock<'a>(&'a self, name: &'a str) -> BoxFut<'a, Option<StoreLock>> {
        self.inner.lock(name)
    }
}

// ---------------------------------------------------------------- the harness

pub struct H {
    pub engine: Engine,
    pub store: Rc<FaultyStore>,
    pub pool: RefCell<LocalPool>,
}

fn engine_on(store: Rc<dyn Store>, options: EngineOptions, seed: u64) -> (Engine, LocalPool) {
    let platform = Rc::new(NativePlatform::deterministic(seed, 1_767_225_600_000.0));
    let pool = LocalPool::new();
    let spawner = pool.spawner();
    platform.set_spawner(Box::new(move |task| {
        let _ = spawner.spawn_local(task);
    }));
    (Engine::new(store, platform, options), pool)
}

pub fn harness() -> H {
    harness_with(EngineOptions::default(), Rc::new(FaultyStore::new()), 7)
}

pub fn harness_with(options: EngineOptions, store: Rc<FaultyStore>, seed: u64) -> H {
    let (engine, pool) = engine_on(store.clone(), options, seed);
    H { engine, store, pool: RefCell::new(pool) }
}

pub fn query(pairs: &[(&str, &str)]) -> Query {
    Query(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

impl H {
    /// A second engine on the same store, with empty caches (what a restart or another tab sees).
    pub fn fresh(&self) -> H {
        harness_with(EngineOptions::default(), self.store.clone(), 99)
    }
    pub async fn call_async(&self, method: &str, path: &str, q: &[(&str, &str)], body: Option<Value>) -> Result<Value, ApiError> {
        letta_wasm::router::handle(&self.engine, method, path, &query(q), body.as_ref(), &NoSink).await
    }
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, ApiError> {
        self.run(self.call_async(method, path, &[], body))
    }
    pub fn run<F: Future>(&self, fut: F) -> F::Output {
        self.pool.borrow_mut().run_until(fut)
    }
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
    pub fn block(&self, label: &str, value: &str) -> String {
        self.ok("POST", "/v1/blocks/", json!({ "label": label, "value": value, "limit": 100000 }))["id"].as_str().unwrap().to_string()
    }
    pub fn agent(&self, body: Value) -> String {
        self.ok("POST", "/v1/agents/", body)["id"].as_str().unwrap().to_string()
    }
    pub fn send(&self, agent: &str, text: &str) -> Result<Value, ApiError> {
        self.call("POST", &format!("/v1/agents/{agent}/messages"), Some(json!({ "messages": [{ "role": "user", "content": text }] })))
    }
    pub fn block_value(&self, id: &str) -> String {
        self.ok("GET", &format!("/v1/blocks/{id}"), json!(null))["value"].as_str().unwrap().to_string()
    }
    /// Programs `scripted/<name>` with a function of the request.
    pub fn brain(&self, name: &str, f: impl Fn(&Value) -> Value + 'static) {
        let f = Rc::new(f);
        self.engine.models().scripted(name).set_fn(Rc::new(move |req| {
            let f = f.clone();
            Box::pin(async move { Ok(f(&req)) })
        }));
    }
    /// Like `brain`, yielding `yields(req)` times first.
    pub fn slow_brain(&self, name: &str, yields: impl Fn(&Value) -> u32 + 'static, f: impl Fn(&Value) -> Value + 'static) {
        let f = Rc::new(f);
        let y = Rc::new(yields);
        self.engine.models().scripted(name).set_fn(Rc::new(move |req| {
            let f = f.clone();
            let n = y(&req);
            Box::pin(async move {
                Yield(n).await;
                Ok(f(&req))
            })
        }));
    }
}

/// Yields to the executor `n` times.
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

pub fn last_user(req: &Value) -> String {
    req["messages"].as_array().unwrap().iter().rev().find(|m| m["role"] == "user").map(|m| m["content"].as_str().unwrap_or("").to_string()).unwrap_or_default()
}

pub fn is_first_step(req: &Value) -> bool {
    req["messages"].as_array().unwrap().last().is_some_and(|m| m["role"] == "user")
}

pub fn tool_returns(resp: &Value) -> Vec<Value> {
    resp["messages"].as_array().map(|a| a.iter().filter(|m| m["message_type"] == "tool_return_message").cloned().collect()).unwrap_or_default()
}

/// How many times `needle` occurs in `hay` (non-overlapping).
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}
