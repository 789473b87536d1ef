//! Archival memory: the passage routes, the two tools, tags, dates, ranking, failures,
//! persistence across engines on one store, and deletion with the agent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use letta_wasm::llm::{EmbeddingModel, LlmError};
use letta_wasm::platform::{BoxFut, NativePlatform};
use letta_wasm::store::{MemoryStore, Store};
use letta_wasm::{Engine, EngineOptions};
use serde_json::{json, Value};
use std::rc::Rc;

fn base(t: &T) -> (String, String) {
    let a = t.agent(json!({ "model": "scripted/arch", "embedding": "scripted/hash-128", "tools": ["archival_memory_insert", "archival_memory_search"] }));
    (a.clone(), format!("/v1/agents/{a}/archival-memory"))
}

fn add(t: &T, path: &str, body: Value) -> Value {
    let out = t.ok("POST", path, body);
    assert_eq!(out.as_array().unwrap().len(), 1, "{out}");
    out[0].clone()
}

fn search(t: &T, path: &str, q: &[(&str, &str)]) -> Value {
    t.callq("GET", &format!("{path}/search"), q).unwrap()
}

fn contents(v: &Value) -> Vec<String> {
    v["results"].as_array().unwrap().iter().map(|r| r["content"].as_str().unwrap().to_string()).collect()
}

#[test]
fn create_list_search_delete_routes() {
    let t = setup();
    let (_a, path) = base(&t);
    let p = add(&t, &path, json!({ "text": "The office cat is named Biscuit", "tags": ["pets", "office"] }));
    assert!(p["id"].as_str().unwrap().starts_with("passage-"));
    assert_eq!(p["text"], "The office cat is named Biscuit");
    assert_eq!(p["tags"], json!(["pets", "office"]));
    assert_eq!(p["embedding"].as_array().unwrap().len(), 128);
    assert_eq!(p["embedding_config"]["handle"], "scripted/hash-128");
    assert_eq!(p["embedding_config"]["embedding_dim"], 128);
    assert!(p["archive_id"].as_str().unwrap().starts_with("archive-"));
    add(&t, &path, json!({ "text": "Quarterly revenue grew eleven percent", "tags": ["finance"] }));
    add(&t, &path, json!({ "text": "The cafeteria closes at three on Fridays" }));

    let list = t.ok("GET", &path, json!(null));
    let texts: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["The office cat is named Biscuit", "Quarterly revenue grew eleven percent", "The cafeteria closes at three on Fridays"]);
    let desc = t.callq("GET", &path, &[("ascending", "false"), ("limit", "2")]).unwrap();
    assert_eq!(desc[0]["text"], "The cafeteria closes at three on Fridays");
    assert_eq!(desc.as_array().unwrap().len(), 2);
    let after = t.callq("GET", &path, &[("after", list[0]["id"].as_str().unwrap())]).unwrap();
    assert_eq!(after.as_array().unwrap().len(), 2);
    let found = t.callq("GET", &path, &[("search", "REVENUE")]).unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);

    let r = search(&t, &path, &[("query", "what is the cat called")]);
    assert_eq!(r["results"][0]["content"], "The office cat is named Biscuit");
    assert_eq!(r["results"][0]["id"], p["id"]);
    assert_eq!(r["results"][0]["tags"], json!(["pets", "office"]));
    assert!(r["results"][0]["timestamp"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(r["count"], 3);
    let r = search(&t, &path, &[("query", "cat"), ("top_k", "1")]);
    assert_eq!(r["count"], 1);

    t.ok("DELETE", &format!("{path}/{}", p["id"].as_str().unwrap()), json!(null));
    assert_eq!(t.ok("GET", &path, json!(null)).as_array().unwrap().len(), 2);
    let r = search(&t, &path, &[("query", "what is the cat called")]);
    assert!(!contents(&r).contains(&"The office cat is named Biscuit".to_string()));
    assert_eq!(t.err("DELETE", &format!("{path}/{}", p["id"].as_str().unwrap()), json!(null)).status, 404);

    // Errors.
    assert_eq!(t.err("POST", &path, json!({ "tags": ["x"] })).status, 422);
    assert_eq!(t.err("POST", &path, json!({ "text": "   " })).status, 422);
    assert_eq!(t.callq("GET", &format!("{path}/search"), &[]).unwrap_err().status, 422);
    assert_eq!(t.callq("GET", &format!("{path}/search"), &[("query", "x"), ("tag_match_mode", "some")]).unwrap_err().status, 422);
    assert_eq!(t.callq("GET", &format!("{path}/search"), &[("query", "x"), ("start_datetime", "yesterday")]).unwrap_err().status, 422);
    let missing = "/v1/agents/agent-123e4567-e89b-42d3-8456-426614174000/archival-memory";
    assert_eq!(t.err("POST", missing, json!({ "text": "x" })).status, 404);
    assert_eq!(t.err("PUT", &path, json!({})).status, 405);
    // An empty query finds nothing.
    assert_eq!(search(&t, &path, &[("query", "  ")])["count"], 0);
}

#[test]
fn tags_any_and_all_dates_and_top_k() {
    let t = setup();
    let (_a, path) = base(&t);
    add(&t, &path, json!({ "text": "alpha report one", "tags": ["a"], "created_at": "2025-01-10T10:00:00Z" }));
    add(&t, &path, json!({ "text": "alpha report two", "tags": ["a", "b"], "created_at": "2025-02-10T10:00:00Z" }));
    add(&t, &path, json!({ "text": "alpha report three", "tags": ["b"], "created_at": "2025-03-10T10:00:00Z" }));
    add(&t, &path, json!({ "text": "alpha report four", "created_at": "2025-03-11T10:00:00Z" }));
    let q = |extra: &[(&str, &str)]| {
        let mut v = vec![("query", "alpha report")];
        v.extend_from_slice(extra);
        let mut c = contents(&search(&t, &path, &v));
        c.sort();
        c
    };
    assert_eq!(q(&[("tags", "a")]), ["alpha report one", "alpha report two"]);
    assert_eq!(q(&[("tags", "a"), ("tags", "b")]).len(), 3);
    assert_eq!(q(&[("tags[]", "a"), ("tags[]", "b"), ("tag_match_mode", "all")]), ["alpha report two"]);
    assert_eq!(q(&[("start_datetime", "2025-02-01"), ("end_datetime", "2025-03-10")]), ["alpha report three", "alpha report two"]);
    assert_eq!(q(&[("end_datetime", "2025-01-10")]), ["alpha report one"]);
    assert_eq!(q(&[("start_datetime", "2025-03-11T09:00:00+00:00")]), ["alpha report four"]);
    assert_eq!(q(&[("top_k", "2")]).len(), 2);
    assert_eq!(q(&[]).len(), 4);
    // The passage's date is the given one.
    let list = t.ok("GET", &path, json!(null));
    assert_eq!(list[0]["created_at"], "2025-01-10T10:00:00+00:00");
}

#[test]
fn ranking_puts_the_most_similar_passage_first() {
    let t = setup();
    let (_a, path) = base(&t);
    let docs = [
        "Paris is the capital of France",
        "The mitochondria is the powerhouse of the cell",
        "Rust has ownership and borrowing",
        "The Eiffel Tower is in Paris France",
        "Photosynthesis happens in the chloroplast of the cell",
    ];
    for d in docs {
        add(&t, &path, json!({ "text": d }));
    }
    let first = |q: &str| search(&t, &path, &[("query", q)])["results"][0]["content"].as_str().unwrap().to_string();
    assert_eq!(first("ownership and borrowing in Rust"), "Rust has ownership and borrowing");
    assert_eq!(first("what is the capital of France"), "Paris is the capital of France");
    assert_eq!(first("powerhouse of the cell"), "The mitochondria is the powerhouse of the cell");
    let all = contents(&search(&t, &path, &[("query", "the cell"), ("top_k", "10")]));
    assert_eq!(all.len(), 5);
    assert!(all[..2].iter().all(|c| c.contains("cell")), "{all:?}");
}

#[test]
fn tools_insert_and_search_with_the_reference_defaults() {
    let t = setup();
    let (a, path) = base(&t);
    t.script(
        "arch",
        vec![
            call("archival_memory_insert", json!({ "content": "The launch date is March 3rd", "tags": ["launch"] })),
            call("archival_memory_insert", json!({ "content": "Budget approved: 40k" })),
            call("archival_memory_search", json!({ "query": "when is the launch date" })),
            call("archival_memory_search", json!({ "query": "launch", "tags": ["launch", "other"], "tag_match_mode": "all" })),
            call("archival_memory_search", json!({ "query": "x", "start_datetime": "soon" })),
            call("archival_memory_search", json!({ "query": "budget", "top_k": 1, "start_datetime": "2020-01-01", "end_datetime": "2100-01-01" })),
            say("done"),
        ],
    );
    let out = t.send(&a, "remember things");
    assert_eq!(out["stop_reason"]["stop_reason"], "end_turn", "{out}");
    let reqs = t.requests("arch");
    let results: Vec<Value> = reqs.iter().map(|r| tool_results(r).last().cloned().unwrap_or(Value::Null)).collect();
    // Insert returns the passage id.
    let id = results[1]["message"].as_str().unwrap();
    assert!(id.starts_with("passage-"), "{}", results[1]);
    let list = t.ok("GET", &path, json!(null));
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["tags"], json!(["launch"]));
    // The count and tags reach <memory_metadata> once passages exist.
    assert!(!system_of(&reqs[0]).contains("archival memory"));
    let sys = system_of(&reqs[2]);
    assert!(sys.contains("- 2 total memories you created are stored in archival memory (use tools to access them)"), "{sys}");
    assert!(sys.contains("- Available archival memory tags: launch"), "{sys}");
    // Search: a list of {id, timestamp, content, tags}, most similar first, up to 5.
    let hits = results[3]["message"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0]["content"], "The launch date is March 3rd");
    assert_eq!(hits[0]["id"], id);
    assert!(hits[0]["timestamp"].is_string());
    assert_eq!(results[4]["message"], json!([]));
    assert_eq!(results[5]["status"], "Failed");
    assert!(results[5]["message"].as_str().unwrap().contains("Invalid start_datetime format: soon"), "{}", results[5]);
    let budget = results[6]["message"].as_array().unwrap();
    assert_eq!(budget.len(), 1);
    assert_eq!(budget[0]["content"], "Budget approved: 40k");
    // Not in the default tool set.
    let plain = t.agent(json!({ "model": "scripted/plain" }));
    let tools = t.ok("GET", &format!("/v1/agents/{plain}/tools"), json!(null));
    assert!(!tools.as_array().unwrap().iter().any(|x| x["name"].as_str().unwrap().starts_with("archival")));
}

#[test]
fn agents_without_an_embedding_use_the_offline_embedder() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/x" }));
    let path = format!("/v1/agents/{a}/archival-memory");
    let p = add(&t, &path, json!({ "text": "blue whales are large" }));
    assert_eq!(p["embedding_config"]["handle"], "scripted/hash-256");
    assert_eq!(p["embedding"].as_array().unwrap().len(), 256);
    assert_eq!(search(&t, &path, &[("query", "whales")])["count"], 1);
}

struct Broken;
impl EmbeddingModel for Broken {
    fn embed<'a>(&'a self, _: &'a str, _: &'a [String]) -> BoxFut<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(std::future::ready(Err(LlmError::Network("embedding service down".into()))))
    }
}

#[test]
fn an_embedding_failure_stores_nothing_and_is_a_tool_error_in_search() {
    let t = setup();
    t.engine.models().register_embedding("broken", Rc::new(Broken));
    let a = t.agent(json!({ "model": "scripted/emb", "embedding": "broken/model", "tools": ["archival_memory_insert", "archival_memory_search"] }));
    let path = format!("/v1/agents/{a}/archival-memory");
    let before = t.store.snapshot();
    let e = t.err("POST", &path, json!({ "text": "will not be stored" }));
    assert_eq!(e.status, 502);
    assert!(e.detail.contains("embedding service down"), "{}", e.detail);
    assert_eq!(t.store.snapshot(), before);

    t.script(
        "emb",
        vec![
            call("archival_memory_insert", json!({ "content": "nope" })),
            call("archival_memory_search", json!({ "query": "nope" })),
            say("ok"),
        ],
    );
    let out = t.send(&a, "go");
    assert_eq!(out["stop_reason"]["stop_reason"], "end_turn");
    let reqs = t.requests("emb");
    let r1 = tool_results(&reqs[1]);
    assert_eq!(r1.last().unwrap()["status"], "Failed");
    assert!(r1.last().unwrap()["message"].as_str().unwrap().contains("embedding service down"));
    assert!(t.ok("GET", &path, json!(null)).as_array().unwrap().is_empty());
    assert!(t.store.snapshot().keys().all(|k| !k.starts_with("passage/") && !k.starts_with("archive/")));
    // With nothing stored, search needs no embedding; store one through another agent's
    // path to check the search failure.
    let b = t.agent(json!({ "model": "scripted/emb2", "embedding": "scripted/hash-32", "tools": ["archival_memory_search"] }));
    t.ok("POST", &format!("/v1/agents/{b}/archival-memory"), json!({ "text": "something" }));
    t.ok("PATCH", &format!("/v1/agents/{b}"), json!({ "embedding": "broken/model" }));
    t.script("emb2", vec![call("archival_memory_search", json!({ "query": "something" })), say("ok")]);
    t.send(&b, "go");
    let r = tool_results(&t.requests("emb2")[1]);
    assert_eq!(r[0]["status"], "Failed");
    assert!(r[0]["message"].as_str().unwrap().contains("embedding service down"));
    let e = t.callq("GET", &format!("/v1/agents/{b}/archival-memory/search"), &[("query", "something")]).unwrap_err();
    assert_eq!(e.status, 502);
}

#[test]
fn passages_persist_across_engines_on_one_store() {
    let store = Rc::new(MemoryStore::new());
    let engine = |seed| Engine::new(store.clone() as Rc<dyn Store>, Rc::new(NativePlatform::deterministic(seed, 1_767_225_600_000.0)), EngineOptions::default());
    let (e1, e2) = (engine(1), engine(2));
    let run = |e: &Engine, m: &str, p: &str, q: &[(&str, &str)], b: Option<Value>| {
        futures::executor::block_on(letta_wasm::router::handle(e, m, p, &query(q), b.as_ref(), &letta_wasm::agent::NoSink)).unwrap()
    };
    let a = run(&e1, "POST", "/v1/agents/", &[], Some(json!({ "model": "scripted/p" })))["id"].as_str().unwrap().to_string();
    let path = format!("/v1/agents/{a}/archival-memory");
    run(&e1, "POST", &path, &[], Some(json!({ "text": "first fact about apples" })));
    // e1 builds its index; e2 then adds a passage: e1's next search sees it.
    assert_eq!(run(&e1, "GET", &format!("{path}/search"), &[("query", "apples")], None)["count"], 1);
    run(&e2, "POST", &path, &[], Some(json!({ "text": "second fact about apples" })));
    let r = run(&e1, "GET", &format!("{path}/search"), &[("query", "apples")], None);
    assert_eq!(r["count"], 2, "{r}");
    let id = r["results"][0]["id"].as_str().unwrap().to_string();
    run(&e2, "DELETE", &format!("{path}/{id}"), &[], None);
    assert_eq!(run(&e1, "GET", &format!("{path}/search"), &[("query", "apples")], None)["count"], 1);
    assert_eq!(run(&e2, "GET", &path, &[], None).as_array().unwrap().len(), 1);
    // A fresh engine (a reload) finds them too.
    let e3 = engine(3);
    assert_eq!(run(&e3, "GET", &format!("{path}/search"), &[("query", "apples")], None)["count"], 1);
}

#[test]
fn deleting_the_agent_deletes_its_passages() {
    let t = setup();
    let (a, path) = base(&t);
    let (b, other) = base(&t);
    add(&t, &path, json!({ "text": "one" }));
    add(&t, &path, json!({ "text": "two" }));
    add(&t, &other, json!({ "text": "kept" }));
    t.ok("DELETE", &format!("/v1/agents/{a}"), json!(null));
    let keys: Vec<String> = t.store.snapshot().keys().cloned().collect();
    assert!(!keys.iter().any(|k| k.contains(&a)), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with(&format!("passage/{b}/"))));
    assert!(keys.contains(&format!("archive/{b}")));
}

#[test]
fn vectors_round_trip_through_base64() {
    use letta_wasm::archival::{decode_f32, dot, encode_f32};
    for n in [0usize, 1, 2, 3, 7, 64, 1536] {
        let v: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
        assert_eq!(decode_f32(&encode_f32(&v)).unwrap(), v);
        let naive: f32 = v.iter().map(|x| x * x).sum();
        assert!((dot(&v, &v) - naive).abs() < 1e-3);
    }
    assert!(decode_f32("abc").is_none());
    assert!(decode_f32("AAA=").is_none());
}
