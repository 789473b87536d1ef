#![cfg(target_arch = "wasm32")]
//! The IndexedDB store and the engine on it, in a real browser (headless Chromium through
//! chromedriver, run by scripts/test.sh's browser step): commits are atomic and version-checked,
//! lists are sorted by key, a reopened database holds everything, two connections ("tabs") racing
//! compare-and-swap updates lose nothing, the schema is guarded, and a second engine on the same
//! database sees the first one's agents, blocks and messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use letta_wasm::store::{Expect, Op, Record, Store, StoreError};
use letta_wasm::wasm::store::JsStore;
use letta_wasm::wasm::WasmEngine;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export function rawCreate(name, version) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(name, version);
    r.onupgradeneeded = () => { r.result.createObjectStore('other'); };
    r.onsuccess = () => { r.result.close(); resolve(); };
    r.onerror = () => reject(r.error);
  });
}
export function rawUpgrade(name, version) {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(name, version);
    r.onblocked = () => reject(new Error('blocked'));
    r.onsuccess = () => { r.result.close(); resolve(); };
    r.onerror = () => reject(r.error);
  });
}
export function rawDelete(name) {
  return new Promise((resolve) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = r.onerror = r.onblocked = () => resolve();
  });
}
export function rawCountTransactions() {
  if (!globalThis.__lettaTx) {
    globalThis.__lettaTx = { readonly: 0, readwrite: 0 };
    const orig = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (scope, mode, ...rest) {
      globalThis.__lettaTx[mode === 'readwrite' ? 'readwrite' : 'readonly']++;
      return orig.call(this, scope, mode, ...rest);
    };
  }
  return globalThis.__lettaTx;
}
export function sharedModel() {
  // A scripted model shared by every engine of this page: it tracks how many of its calls are in
  // flight (across engines) and answers after a short wait.
  const st = globalThis.__lettaShared ??= { inFlight: 0, peak: 0, calls: 0 };
  return async (req) => {
    st.calls++; st.inFlight++; st.peak = Math.max(st.peak, st.inFlight);
    await new Promise((r) => setTimeout(r, 25));
    st.inFlight--;
    const last = JSON.parse(req).messages.at(-1);
    return JSON.stringify({ content: 'done: ' + last.content });
  };
}
export function sharedPeak() { return globalThis.__lettaShared?.peak ?? 0; }
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = rawCreate, catch)]
    async fn raw_create(name: &str, version: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = rawUpgrade, catch)]
    async fn raw_upgrade(name: &str, version: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = rawDelete)]
    async fn raw_delete(name: &str);
    #[wasm_bindgen(js_name = rawCountTransactions)]
    fn raw_count_transactions() -> JsValue;
    #[wasm_bindgen(js_name = sharedModel)]
    fn shared_model() -> js_sys::Function;
    #[wasm_bindgen(js_name = sharedPeak)]
    fn shared_peak() -> u32;
    #[wasm_bindgen(js_name = sleep)]
    async fn sleep(ms: u32);
}

/// A fresh database name (tests share one browser profile).
fn db_name(test: &str) -> String {
    format!("letta-test-{test}-{}", (js_sys::Math::random() * 1e12) as u64)
}

async fn open(name: &str) -> JsStore {
    JsStore::indexed_db(name).await.unwrap()
}

fn put(k: &str, v: &str, e: Expect) -> Op {
    Op::Put { key: k.into(), value: v.into(), expect: e }
}
fn del(k: &str, e: Expect) -> Op {
    Op::Delete { key: k.into(), expect: e }
}
fn check(k: &str, e: Expect) -> Op {
    Op::Check { key: k.into(), expect: e }
}

async fn get(s: &JsStore, k: &str) -> Option<(u64, String)> {
    s.get_many(&[k.to_string()]).await.unwrap().pop().flatten().map(|r| (r.version, r.value))
}

async fn everything(s: &JsStore) -> Vec<Record> {
    s.list("").await.unwrap()
}

#[wasm_bindgen_test]
async fn a_conflicting_op_makes_the_whole_commit_write_nothing() {
    let name = db_name("atomic");
    let s = open(&name).await;
    assert_eq!(s.kind(), format!("indexeddb:{name}"));
    s.commit(vec![put("a", "1", Expect::Absent), put("b", "1", Expect::Absent)]).await.unwrap();
    let before = everything(&s).await;

    // The last op conflicts: the puts and the delete before it must not be applied.
    let err = s
        .commit(vec![
            put("a", "2", Expect::Version(1)),
            put("new", "x", Expect::Absent),
            del("b", Expect::Exists),
            put("b", "3", Expect::Version(7)),
        ])
        .await;
    assert_eq!(err, Err(StoreError::Conflict { key: "b".into() }));
    assert_eq!(everything(&s).await, before);

    // The same with the conflict first.
    let err = s.commit(vec![put("a", "2", Expect::Absent), put("c", "1", Expect::Any)]).await;
    assert_eq!(err, Err(StoreError::Conflict { key: "a".into() }));
    assert_eq!(everything(&s).await, before);
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn every_expectation_is_checked() {
    let name = db_name("expect");
    let s = open(&name).await;
    // Absent
    s.commit(vec![put("k", "v1", Expect::Absent)]).await.unwrap();
    assert_eq!(get(&s, "k").await, Some((1, "v1".into())));
    assert_eq!(s.commit(vec![put("k", "x", Expect::Absent)]).await, Err(StoreError::Conflict { key: "k".into() }));
    // Exists
    s.commit(vec![put("k", "v2", Expect::Exists)]).await.unwrap();
    assert_eq!(s.commit(vec![put("nope", "x", Expect::Exists)]).await, Err(StoreError::Conflict { key: "nope".into() }));
    assert_eq!(get(&s, "nope").await, None);
    // Version(n)
    assert_eq!(s.commit(vec![put("k", "x", Expect::Version(1))]).await, Err(StoreError::Conflict { key: "k".into() }));
    s.commit(vec![put("k", "v3", Expect::Version(2))]).await.unwrap();
    assert_eq!(get(&s, "k").await, Some((3, "v3".into())));
    // Any
    s.commit(vec![put("k", "v4", Expect::Any), put("fresh", "f", Expect::Any)]).await.unwrap();
    assert_eq!(get(&s, "k").await, Some((4, "v4".into())));
    assert_eq!(get(&s, "fresh").await, Some((1, "f".into())));
    // Check: writes nothing, but its expectation guards the commit.
    s.commit(vec![check("k", Expect::Version(4)), put("other", "o", Expect::Absent)]).await.unwrap();
    assert_eq!(get(&s, "k").await, Some((4, "v4".into())), "a check does not bump the version");
    assert_eq!(
        s.commit(vec![check("k", Expect::Version(3)), put("other2", "o", Expect::Absent)]).await,
        Err(StoreError::Conflict { key: "k".into() })
    );
    assert_eq!(get(&s, "other2").await, None);
    assert_eq!(
        s.commit(vec![check("ghost", Expect::Exists), put("other3", "o", Expect::Any)]).await,
        Err(StoreError::Conflict { key: "ghost".into() })
    );
    s.commit(vec![check("ghost", Expect::Absent)]).await.unwrap();
    assert_eq!(get(&s, "ghost").await, None);
    // Later ops see earlier ops of the same commit.
    s.commit(vec![put("chain", "1", Expect::Absent), put("chain", "2", Expect::Version(1)), check("chain", Expect::Version(2))])
        .await
        .unwrap();
    assert_eq!(get(&s, "chain").await, Some((2, "2".into())));
    // Delete, with its own check; a deleted key starts again at version 1.
    assert_eq!(s.commit(vec![del("chain", Expect::Version(1))]).await, Err(StoreError::Conflict { key: "chain".into() }));
    s.commit(vec![del("chain", Expect::Version(2))]).await.unwrap();
    assert_eq!(get(&s, "chain").await, None);
    s.commit(vec![put("chain", "again", Expect::Absent)]).await.unwrap();
    assert_eq!(get(&s, "chain").await, Some((1, "again".into())));
    // get_many keeps the order of the keys asked, with None for missing ones.
    let got = s.get_many(&["fresh".into(), "missing".into(), "k".into()]).await.unwrap();
    let got: Vec<_> = got.into_iter().map(|r| r.map(|r| (r.key, r.version))).collect();
    assert_eq!(got, vec![Some(("fresh".into(), 1)), None, Some(("k".into(), 4))]);
    assert!(s.get_many(&[]).await.unwrap().is_empty());
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn list_is_by_prefix_and_sorted_by_key() {
    let name = db_name("list");
    let s = open(&name).await;
    s.commit(vec![
        put("msg/a/000000000010", "10", Expect::Any),
        put("msg/a/000000000002", "2", Expect::Any),
        put("msg/ab/000000000001", "x", Expect::Any),
        put("msg/a/000000000001", "1", Expect::Any),
        put("msg/b/000000000001", "b", Expect::Any),
        put("msg/", "root", Expect::Any),
        put("agent/z", "z", Expect::Any),
    ])
    .await
    .unwrap();
    let keys = |recs: Vec<Record>| recs.into_iter().map(|r| r.key).collect::<Vec<_>>();
    assert_eq!(keys(s.list("msg/a/").await.unwrap()), vec!["msg/a/000000000001", "msg/a/000000000002", "msg/a/000000000010"]);
    assert_eq!(
        keys(s.list("msg/").await.unwrap()),
        vec!["msg/", "msg/a/000000000001", "msg/a/000000000002", "msg/a/000000000010", "msg/ab/000000000001", "msg/b/000000000001"]
    );
    assert!(s.list("nothing/").await.unwrap().is_empty());
    assert_eq!(keys(s.list("").await.unwrap()).len(), 7);
    let recs = s.list("msg/b/").await.unwrap();
    assert_eq!((recs[0].version, recs[0].value.as_str()), (1, "b"));
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn a_reopened_database_holds_everything() {
    let name = db_name("reopen");
    {
        let s = open(&name).await;
        let value = "é ✓ \u{1F600} \"quoted\" \n newline".repeat(200);
        s.commit(vec![put("block/1", &value, Expect::Absent), put("agent/1", "{}", Expect::Absent)]).await.unwrap();
        s.commit(vec![put("block/1", "v2", Expect::Version(1))]).await.unwrap();
        s.commit(vec![put("gone", "x", Expect::Any)]).await.unwrap();
        s.commit(vec![del("gone", Expect::Any)]).await.unwrap();
    }
    let s = open(&name).await;
    let all = everything(&s).await;
    let all: Vec<_> = all.into_iter().map(|r| (r.key, r.version, r.value)).collect();
    assert_eq!(all, vec![("agent/1".into(), 1, "{}".into()), ("block/1".into(), 2, "v2".into())]);
    // Versions continue where they were.
    assert_eq!(s.commit(vec![put("block/1", "v3", Expect::Version(1))]).await, Err(StoreError::Conflict { key: "block/1".into() }));
    s.commit(vec![put("block/1", "v3", Expect::Version(2))]).await.unwrap();
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn two_connections_racing_compare_and_swap_lose_no_update() {
    let name = db_name("race");
    let tab1 = open(&name).await;
    let tab2 = open(&name).await;
    tab1.commit(vec![put("counter", "", Expect::Absent)]).await.unwrap();

    // Each writer appends its own marks with read -> compare-and-swap -> retry on conflict.
    async fn writer(s: &JsStore, who: &str, n: usize) -> usize {
        let mut conflicts = 0;
        for i in 0..n {
            loop {
                let (v, text) = get(s, "counter").await.unwrap();
                let next = format!("{text}{who}{i};");
                match s.commit(vec![put("counter", &next, Expect::Version(v))]).await {
                    Ok(()) => break,
                    Err(StoreError::Conflict { .. }) => conflicts += 1,
                    Err(e) => panic!("{e}"),
                }
            }
        }
        conflicts
    }
    const N: usize = 15;
    let (c1, c2, c3, c4) = futures::join!(writer(&tab1, "a", N), writer(&tab2, "b", N), writer(&tab1, "c", N), writer(&tab2, "d", N));
    let (version, text) = get(&tab2, "counter").await.unwrap();
    assert_eq!(version, 1 + 4 * N as u64, "one version per successful update");
    let marks: Vec<&str> = text.split(';').filter(|m| !m.is_empty()).collect();
    assert_eq!(marks.len(), 4 * N, "{text}");
    for who in ["a", "b", "c", "d"] {
        let mine: Vec<&str> = marks.iter().copied().filter(|m| m.starts_with(who)).collect();
        let want: Vec<String> = (0..N).map(|i| format!("{who}{i}")).collect();
        assert_eq!(mine, want, "every update of {who} once, in order");
    }
    assert!(c1 + c2 + c3 + c4 > 0, "the writers really raced (no conflict was seen)");
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn a_commit_that_lost_keeps_the_turn_for_its_retry() {
    let name = db_name("turn");
    let tab1 = open(&name).await;
    let tab2 = open(&name).await;
    tab1.commit(vec![put("block/1", "v1", Expect::Absent)]).await.unwrap();
    // tab1 loses a version check: until its retry commits, no other tab writes.
    assert!(tab1.commit(vec![put("block/1", "stale", Expect::Version(7))]).await.is_err());
    let other = async {
        tab2.commit(vec![put("block/1", "from tab2", Expect::Any)]).await.unwrap();
    };
    let retry = async {
        sleep(60).await;
        // The retry re-reads and commits on the version it read: nobody got in between.
        let (v, _) = get(&tab1, "block/1").await.unwrap();
        assert_eq!(v, 1, "tab2 wrote while tab1 held the turn");
        tab1.commit(vec![put("block/1", "retried", Expect::Version(v))]).await.unwrap();
    };
    futures::join!(other, retry);
    assert_eq!(get(&tab2, "block/1").await, Some((3, "from tab2".into())), "tab2 went next");

    // A commit that lost and is never retried gives the turn back after a while (RETRY_TURN_MS).
    assert!(tab1.commit(vec![put("block/1", "x", Expect::Absent)]).await.is_err());
    tab2.commit(vec![put("block/2", "y", Expect::Absent)]).await.unwrap();
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn a_newer_schema_is_refused_and_a_foreign_database_too() {
    let name = db_name("newer");
    raw_create(&name, 7).await.unwrap();
    let err = JsStore::indexed_db(&name).await.err().unwrap();
    assert!(err.contains("newer letta-wasm") && err.contains("schema above 1"), "{err}");
    raw_delete(&name).await;

    // A database of the same name that another library created at version 1.
    let name = db_name("foreign");
    raw_create(&name, 1).await.unwrap();
    let err = JsStore::indexed_db(&name).await.err().unwrap();
    assert!(err.contains("not created by letta-wasm"), "{err}");
    raw_delete(&name).await;

    // Through the engine: the error reaches the caller of Engine.open.
    let name = db_name("newer-engine");
    raw_create(&name, 3).await.unwrap();
    let opts = json!({ "storage": { "type": "indexeddb", "name": name } }).to_string();
    let err = WasmEngine::open(opts, JsValue::UNDEFINED).await.err().unwrap();
    let err: JsValue = err.into();
    let msg = String::from(err.dyn_into::<js_sys::Error>().unwrap().message());
    assert!(msg.contains("newer letta-wasm"), "{msg}");
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn an_open_store_yields_to_a_newer_tab_and_then_says_so() {
    let name = db_name("yield");
    let s = open(&name).await;
    s.commit(vec![put("k", "v", Expect::Absent)]).await.unwrap();
    // A newer build opening the database at version 2 is not blocked by this connection.
    raw_upgrade(&name, 2).await.expect("our connection closes on versionchange");
    let err = s.get_many(&["k".into()]).await.err().unwrap();
    assert!(matches!(&err, StoreError::Failed(m) if m.contains("upgraded by another tab")), "{err:?}");
    let err = s.commit(vec![put("k", "w", Expect::Any)]).await.err().unwrap();
    assert!(matches!(&err, StoreError::Failed(m) if m.contains("must be reloaded")), "{err:?}");
    raw_delete(&name).await;
}

// ----- the engine on IndexedDB ---------------------------------------------------------------

async fn call(e: &WasmEngine, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let p = e.request(method.into(), path.into(), "[]".into(), body.map(|b| b.to_string()));
    let text = JsFuture::from(p).await.unwrap().as_string().unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    (v["status"].as_u64().unwrap() as u16, v["body"].clone())
}

async fn ok(e: &WasmEngine, method: &str, path: &str, body: Option<Value>) -> Value {
    let (s, v) = call(e, method, path, body).await;
    assert_eq!(s, 200, "{method} {path}: {v}");
    v
}

async fn engine_on(name: &str) -> WasmEngine {
    let opts = json!({ "storage": { "type": "indexeddb", "name": name } }).to_string();
    WasmEngine::open(opts, JsValue::UNDEFINED).await.map_err(JsValue::from).unwrap()
}

fn js_fn(args: &str, body: &str) -> js_sys::Function {
    js_sys::Function::new_with_args(args, body)
}

#[wasm_bindgen_test]
async fn a_second_engine_on_the_same_database_sees_the_team() {
    let name = db_name("engine");
    let e1 = engine_on(&name).await;
    assert_eq!(e1.storage(), format!("indexeddb:{name}"));
    // The worker edits the shared block, then answers.
    e1.set_model(
        "worker",
        js_fn(
            "req",
            r#"const r = JSON.parse(req);
               if (r.step === 0) return JSON.stringify({ tool_calls: [{ name: 'memory_replace',
                 arguments: { label: 'organization', old_string: 'Nothing yet.', new_string: 'Organization: Letta' } }] });
               return JSON.stringify({ content: 'Noted.' });"#,
        ),
    );
    let shared = ok(&e1, "POST", "/v1/blocks/", Some(json!({ "label": "organization", "value": "Nothing yet." }))).await;
    let worker = ok(
        &e1,
        "POST",
        "/v1/agents/",
        Some(json!({ "name": "worker", "model": "scripted/worker", "memory_blocks": [{ "label": "persona", "value": "I work" }], "block_ids": [shared["id"]] })),
    )
    .await;
    let boss = ok(&e1, "POST", "/v1/agents/", Some(json!({ "name": "boss", "model": "scripted/boss", "block_ids": [shared["id"]] }))).await;
    ok(&e1, "POST", "/v1/tools/", Some(json!({ "json_schema": { "name": "lookup", "description": "looks up", "parameters": { "type": "object", "properties": {} } } })))
        .await;

    let counter = raw_count_transactions();
    let rw = || js_sys::Reflect::get(&counter, &"readwrite".into()).unwrap().as_f64().unwrap() as u64;
    let rw_before = rw();
    let wid = worker["id"].as_str().unwrap().to_string();
    let run = ok(&e1, "POST", &format!("/v1/agents/{wid}/messages"), Some(json!({ "input": "We are Letta." }))).await;
    assert_eq!(run["stop_reason"]["stop_reason"], "end_turn");
    assert_eq!(rw() - rw_before, 2, "a two-step run is two write transactions, one per step");
    let history1 = ok(&e1, "GET", &format!("/v1/agents/{wid}/messages"), None).await;

    // A second engine (another tab) opens the same database and finds everything.
    let e2 = engine_on(&name).await;
    let agents = ok(&e2, "GET", "/v1/agents/", None).await;
    let mut names: Vec<&str> = agents.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, vec!["boss", "worker"]);
    let block = ok(&e2, "GET", &format!("/v1/blocks/{}", shared["id"].as_str().unwrap()), None).await;
    assert_eq!(block["value"], "Organization: Letta");
    let via_boss = ok(&e2, "GET", &format!("/v1/agents/{}/core-memory/blocks/organization", boss["id"].as_str().unwrap()), None).await;
    assert_eq!(via_boss["value"], "Organization: Letta");
    let history2 = ok(&e2, "GET", &format!("/v1/agents/{wid}/messages"), None).await;
    assert_eq!(history2, history1);
    let types: Vec<&str> = history2.as_array().unwrap().iter().map(|m| m["message_type"].as_str().unwrap()).collect();
    assert!(types.ends_with(&["user_message", "tool_call_message", "tool_return_message", "assistant_message"]), "{types:?}");
    let tools = ok(&e2, "GET", "/v1/tools/?name=lookup", None).await;
    assert!(tools.as_array().unwrap().iter().any(|t| t["name"] == "lookup"), "{tools}");

    // A change made by the second engine is seen by the first one's next read and next step.
    ok(&e2, "PATCH", &format!("/v1/blocks/{}", shared["id"].as_str().unwrap()), Some(json!({ "value": "Organization: Letta (2 tabs)" }))).await;
    let block = ok(&e1, "GET", &format!("/v1/agents/{wid}/core-memory/blocks/organization"), None).await;
    assert_eq!(block["value"], "Organization: Letta (2 tabs)");
    e1.set_model("worker", js_fn("req", "return JSON.stringify({ content: 'saw it' });"));
    ok(&e1, "POST", &format!("/v1/agents/{wid}/messages"), Some(json!({ "input": "again" }))).await;
    let reqs: Value = serde_json::from_str(&e1.model_requests("worker")).unwrap();
    let system = reqs.as_array().unwrap().last().unwrap()["messages"][0]["content"].as_str().unwrap().to_string();
    assert!(system.contains("Organization: Letta (2 tabs)"), "{system}");
    raw_delete(&name).await;
}

#[wasm_bindgen_test]
async fn two_engines_run_one_agent_one_at_a_time() {
    let name = db_name("lock");
    let e1 = engine_on(&name).await;
    let e2 = engine_on(&name).await;
    e1.set_model("slow", shared_model());
    e2.set_model("slow", shared_model());
    let agent = ok(&e1, "POST", "/v1/agents/", Some(json!({ "model": "scripted/slow" }))).await;
    let path = format!("/v1/agents/{}/messages", agent["id"].as_str().unwrap());
    let send = |e: &WasmEngine, text: String| {
        let p = e.request("POST".into(), path.clone(), "[]".into(), Some(json!({ "input": text }).to_string()));
        async move {
            let v: Value = serde_json::from_str(&JsFuture::from(p).await.unwrap().as_string().unwrap()).unwrap();
            assert_eq!(v["status"], 200, "{v}");
        }
    };
    futures::join!(
        send(&e1, "one".into()),
        send(&e2, "two".into()),
        send(&e1, "three".into()),
        send(&e2, "four".into())
    );
    assert_eq!(shared_peak(), 1, "the agent's model was called by two engines at once");
    // Each run's answer follows its own question: runs never interleaved.
    let history = ok(&e2, "GET", &path, None).await;
    let texts: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_type"] == "user_message" || m["message_type"] == "assistant_message")
        .map(|m| (m["message_type"].as_str().unwrap().to_string(), m["content"].as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(texts.len(), 8, "{texts:?}");
    for pair in texts.chunks(2) {
        assert_eq!(pair[0].0, "user_message");
        assert_eq!(pair[1].1, format!("done: {}", pair[0].1));
    }
    raw_delete(&name).await;
}
