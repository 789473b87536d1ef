//! Hostile input: property-based generators (seeded; cargo-fuzz is not used, see
//! docs/guarantees.md) for every place outside data enters the engine:
//! - the REST router: methods, paths (valid, unknown and malformed ids, odd encodings),
//!   queries and bodies (random JSON, wrong types, huge strings, deep nesting);
//! - the SSE parser (random bytes, any split) and each provider's response/stream parser
//!   (random JSON, mutated valid payloads, truncations);
//! - tool-call arguments from models (random text and JSON for every memory tool);
//! - stored records read back corrupted (garbage written under the engine's keys);
//! - the block edit operations.
//!
//! Invariants on every input: no panic; a typed error (4xx) or a valid result; a rejected
//! request leaves the store byte-for-byte unchanged. The corpus in fuzz/corpus/ is replayed
//! first. `LETTA_SEEDS=n` widens the search; `LETTA_FUZZ_SECS=s` runs a timed search.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use letta_wasm::llm::assemble::Assembler;
use letta_wasm::llm::http::Who;
use letta_wasm::llm::sse::SseParser;
use letta_wasm::llm::ChatRequest;
use letta_wasm::memory::Edit;
use letta_wasm::store::{Expect, Op, Store};
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use support::*;

// ------------------------------------------------------------------ generators

fn rand_string(r: &mut Rng) -> String {
    match r.below(10) {
        0 => String::new(),
        1 => "x".repeat(r.range(1_000, 200_000) as usize),
        2 => {
            let n = r.below(40) as usize;
            String::from_utf8_lossy(&r.bytes(n)).into_owned()
        }
        3 => ["agent-", "block-", "tool-", "message-", "agent-00000000-0000-4000-8000-000000000000", "../..", "%2F", "%", "\u{0}", "😀", "\u{202e}", "🇺🇳", "\\", "'", "\"", "null"][r.below(16) as usize].to_string(),
        4 => format!("{}", r.next_u64() as i64),
        5 => "label\nwith\nlines".to_string(),
        6 => " ".repeat(r.below(10) as usize),
        _ => {
            let n = r.below(16) as usize;
            (0..n).map(|_| (b'a' + r.below(26) as u8) as char).collect()
        }
    }
}

fn rand_json(r: &mut Rng, depth: u32) -> Value {
    let k = if depth == 0 { r.below(6) } else { r.below(9) };
    match k {
        0 => Value::Null,
        1 => Value::Bool(r.chance(1, 2)),
        2 => json!(r.next_u64() as i64),
        3 => json!([f64::MAX, f64::MIN_POSITIVE, -0.0, 1e308, 0.5][r.below(5) as usize]),
        4 | 5 => Value::String(rand_string(r)),
        6 | 7 => {
            let mut m = Map::new();
            for _ in 0..r.below(6) {
                let key = if r.chance(2, 3) { field(r).to_string() } else { rand_string(r) };
                m.insert(key, rand_json(r, depth - 1));
            }
            Value::Object(m)
        }
        _ => Value::Array((0..r.below(5)).map(|_| rand_json(r, depth - 1)).collect()),
    }
}

/// Names the API actually reads, so random bodies get past the first check.
fn field(r: &mut Rng) -> &'static str {
    const F: &[&str] = &[
        "label", "value", "limit", "description", "name", "model", "memory_blocks", "block_ids", "tags", "tools", "tool_ids",
        "messages", "input", "role", "content", "max_steps", "stream_tokens", "include_base_tools", "include_multi_agent_tools",
        "tool_rules", "metadata", "read_only", "system", "agent_type", "embedding", "llm_config", "text", "query", "source_code",
        "json_schema", "initial_message_sequence", "message_type", "otid", "use_assistant_message", "return_message_types",
    ];
    F[r.below(F.len() as u64) as usize]
}

/// A plausible body: one of the real shapes, with fields swapped for random values.
fn rand_body(r: &mut Rng) -> Option<Value> {
    let base = match r.below(6) {
        0 => return None,
        1 => json!({ "label": "x", "value": "y" }),
        2 => json!({ "name": "n", "model": "scripted/fz", "memory_blocks": [{ "label": "human", "value": "v" }] }),
        3 => json!({ "messages": [{ "role": "user", "content": "hi" }] }),
        4 => json!({ "input": "hi", "max_steps": 2 }),
        _ => rand_json(r, 4),
    };
    let mut b = base;
    if let Value::Object(m) = &mut b {
        for _ in 0..r.below(4) {
            let k = field(r).to_string();
            m.insert(k, rand_json(r, 3));
        }
    }
    if r.chance(1, 10) {
        // Deep nesting (below serde_json's own parse limit of 128, which the HTTP door hits first).
        let mut v = json!("deep");
        for _ in 0..r.range(20, 120) {
            v = if r.chance(1, 2) { json!([v]) } else { json!({ "value": v }) };
        }
        return Some(v);
    }
    Some(b)
}

struct Ids {
    agent: String,
    block: String,
}

fn rand_request(r: &mut Rng, ids: &Ids) -> (String, String, Vec<(String, String)>, Option<Value>) {
    let method = ["GET", "POST", "PATCH", "DELETE", "PUT", "get", "OPTIONS", ""][r.below(8) as usize].to_string();
    let id = |r: &mut Rng, kind: &str| -> String {
        match r.below(5) {
            0 => if kind == "agent" { ids.agent.clone() } else { ids.block.clone() },
            1 => format!("{kind}-00000000-0000-4000-8000-000000000000"),
            2 => format!("{kind}-{}", rand_string(r)),
            3 => "%ZZ%2F..%00".into(),
            _ => rand_string(r),
        }
    };
    let a = id(r, "agent");
    let b = id(r, "block");
    let s = rand_string(r);
    let templates = [
        "/v1/health".to_string(),
        "/v1/blocks/".into(),
        format!("/v1/blocks/{b}"),
        format!("/v1/blocks/{b}/agents"),
        "/v1/agents/".into(),
        format!("/v1/agents/{a}"),
        format!("/v1/agents/{a}/messages"),
        format!("/v1/agents/{a}/messages/stream"),
        format!("/v1/agents/{a}/messages/cancel"),
        format!("/v1/agents/{a}/core-memory/blocks/{s}"),
        format!("/v1/agents/{a}/core-memory/blocks/attach/{b}"),
        format!("/v1/agents/{a}/reset-messages"),
        format!("/v1/agents/{a}/archival-memory"),
        format!("/v1/agents/{a}/archival-memory/search"),
        format!("/v1/agents/{a}/tools"),
        "/v1/tools/".into(),
        format!("/v1/tools/{s}"),
        "/v1/interactions/".into(),
        format!("/v1/{s}/{s}"),
        s.clone(),
        "/v1".into(),
        format!("/v1/agents/{a}?x=1#frag"),
    ];
    let path = templates[r.below(templates.len() as u64) as usize].clone();
    let qk = ["limit", "after", "before", "order", "label", "name", "tags", "match_all_tags", "query", "agent_id", "add_default_initial_messages", "start_datetime"];
    let query = (0..r.below(4)).map(|_| (qk[r.below(qk.len() as u64) as usize].to_string(), rand_string(r))).collect();
    (method, path, query, rand_body(r))
}

// ------------------------------------------------------------------ the router

/// A harness with one agent and one block, so some random requests hit real records.
fn router_harness() -> (H, Ids) {
    let h = harness();
    let block = h.block("shared", "the shared value");
    let agent = h.agent(json!({ "name": "target", "model": "scripted/fz", "block_ids": [block], "memory_blocks": [{ "label": "human", "value": "Name: ?" }] }));
    (h, Ids { agent, block })
}

/// One request against the invariants; returns a description of a violation, if any.
fn check_request(h: &H, method: &str, path: &str, q: &[(String, String)], body: Option<Value>) -> Option<String> {
    let before = h.store.snapshot();
    let qr: Vec<(&str, &str)> = q.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let out = catch_unwind(AssertUnwindSafe(|| h.run(h.call_async(method, path, &qr, body.clone()))));
    let show = || format!("{method} {path:.200} {q:?} {:.300}", body.as_ref().map(|b| b.to_string()).unwrap_or_default());
    match out {
        Err(_) => Some(format!("PANIC on {}", show())),
        Ok(Ok(_)) => None,
        Ok(Err(e)) => {
            if !(400..500).contains(&e.status) {
                return Some(format!("status {} ({}) on {}", e.status, e.detail, show()));
            }
            if e.detail.trim().is_empty() {
                return Some(format!("an error without detail on {}", show()));
            }
            if h.store.snapshot() != before {
                return Some(format!("a rejected request ({} {}) changed the store: {}", e.status, e.detail, show()));
            }
            None
        }
    }
}

fn router_search(seed: u64, n: usize) -> Vec<String> {
    let (h, ids) = router_harness();
    let mut r = Rng::new(seed);
    let mut bad = Vec::new();
    for _ in 0..n {
        let (m, p, q, b) = rand_request(&mut r, &ids);
        if let Some(v) = check_request(&h, &m, &p, &q, b) {
            bad.push(v);
        }
        h.settle();
    }
    bad
}

#[test]
fn router_random_requests_get_typed_errors_and_rejections_change_nothing() {
    let mut bad = Vec::new();
    for seed in seeds(6) {
        bad.extend(router_search(seed, 400));
    }
    assert!(bad.is_empty(), "{} violations, first ones:\n{}", bad.len(), bad.iter().take(8).cloned().collect::<Vec<_>>().join("\n"));
}

/// Replays fuzz/corpus/router/*.json: `{method, path, query?: [[k, v]], body?}`, with the
/// placeholders AGENT and BLOCK replaced by real ids.
#[test]
fn router_corpus_replays_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/router");
    let (h, ids) = router_harness();
    let mut n = 0;
    let mut bad = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap().replace("AGENT", &ids.agent).replace("BLOCK", &ids.block);
        let case: Value = serde_json::from_str(&text).unwrap();
        let q: Vec<(String, String)> = case["query"].as_array().map(|a| a.iter().map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string())).collect()).unwrap_or_default();
        let body = case.get("body").cloned();
        if let Some(v) = check_request(&h, case["method"].as_str().unwrap(), case["path"].as_str().unwrap(), &q, body) {
            bad.push(v);
        }
        n += 1;
    }
    assert!(n >= 10, "corpus has {n} cases");
    assert!(bad.is_empty(), "{bad:#?}");
}

// ------------------------------------------------------------------ SSE and provider parsers

fn sse_all(chunks: &[&[u8]]) -> Result<Vec<(String, String)>, String> {
    let mut p = SseParser::new();
    let mut out = Vec::new();
    for c in chunks {
        for e in p.feed(c)? {
            out.push((e.event, e.data));
        }
    }
    Ok(out)
}

fn rand_sse(r: &mut Rng) -> Vec<u8> {
    let mut s = Vec::new();
    for _ in 0..r.below(12) {
        match r.below(8) {
            0 => {
                let n = r.below(30) as usize;
                s.extend(r.bytes(n))
            }
            1 => s.extend(b": comment\n"),
            2 => s.extend(format!("event: {}\n", rand_string(r).chars().take(200).collect::<String>().replace(['\n', '\r'], "")).as_bytes()),
            3 => s.extend(b"\r\n"),
            4 => s.extend("data: é😀\r".as_bytes()),
            _ => {
                let mut d = rand_json(r, 2).to_string();
                d.truncate(d.floor_char_boundary(2_000));
                s.extend(format!("data: {d}\n\n").as_bytes())
            }
        }
    }
    s
}

#[test]
fn sse_parser_never_panics_and_any_split_gives_the_same_events() {
    let mut checked = 0;
    for seed in seeds(4) {
        let mut r = Rng::new(seed);
        for _ in 0..600 {
            let bytes = rand_sse(&mut r);
            let whole = catch_unwind(|| sse_all(&[&bytes])).expect("SSE parser panicked");
            // Split at random points (including inside UTF-8 sequences and CR LF pairs).
            let mut cuts: Vec<usize> = (0..r.below(6)).map(|_| r.below(bytes.len() as u64 + 1) as usize).collect();
            cuts.sort();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            for c in cuts {
                chunks.push(&bytes[at..c]);
                at = c;
            }
            chunks.push(&bytes[at..]);
            let split = catch_unwind(|| sse_all(&chunks)).expect("SSE parser panicked");
            if let (Ok(a), Ok(b)) = (&whole, &split) {
                assert_eq!(a, b, "split changed the events: {:?}", String::from_utf8_lossy(&bytes));
                checked += 1;
            } else {
                assert_eq!(whole.is_ok(), split.is_ok(), "split changed validity: {:?}", String::from_utf8_lossy(&bytes));
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

fn req() -> ChatRequest {
    ChatRequest { model: "x/y".into(), messages: vec![], tools: vec![], temperature: None, max_tokens: None, agent_id: "agent-x".into(), step: 0 }
}

/// Valid payloads of each provider, to mutate.
fn provider_samples() -> Vec<Value> {
    vec![
        json!({ "choices": [{ "message": { "role": "assistant", "content": "hi", "tool_calls": [{ "id": "c1", "type": "function", "function": { "name": "send_message", "arguments": "{\"message\":\"x\"}" } }] }, "finish_reason": "stop" }], "usage": { "prompt_tokens": 3, "completion_tokens": 4 } }),
        json!({ "choices": [{ "delta": { "content": "h", "tool_calls": [{ "index": 0, "id": "c", "function": { "name": "f", "arguments": "{" } }] }, "finish_reason": null }] }),
        json!({ "content": [{ "type": "text", "text": "hi" }, { "type": "tool_use", "id": "t", "name": "f", "input": { "a": 1 } }, { "type": "thinking", "thinking": "hm" }], "stop_reason": "end_turn", "usage": { "input_tokens": 1, "output_tokens": 2 } }),
        json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "tool_use", "id": "t", "name": "f", "input": {} } }),
        json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "input_json_delta", "partial_json": "{\"a\":" } }),
        json!({ "type": "message_delta", "delta": { "stop_reason": "tool_use" }, "usage": { "output_tokens": 5 } }),
        json!({ "candidates": [{ "content": { "parts": [{ "text": "hi" }, { "functionCall": { "name": "f", "args": { "a": 1 } } }, { "text": "t", "thought": true }] }, "finishReason": "STOP" }], "usageMetadata": { "promptTokenCount": 1, "candidatesTokenCount": 2 } }),
    ]
}

/// Replaces a random sub-value of `v` with random JSON (or deletes it).
fn mutate(r: &mut Rng, v: &mut Value) {
    match v {
        Value::Object(m) if !m.is_empty() && r.chance(3, 4) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = keys[r.below(keys.len() as u64) as usize].clone();
            match r.below(4) {
                0 => {
                    m.remove(&k);
                }
                1 => {
                    m.insert(k, rand_json(r, 2));
                }
                _ => mutate(r, m.get_mut(&k).unwrap()),
            }
        }
        Value::Array(a) if !a.is_empty() && r.chance(3, 4) => {
            let i = r.below(a.len() as u64) as usize;
            if r.chance(1, 4) {
                a.remove(i);
            } else {
                mutate(r, &mut a[i]);
            }
        }
        other => *other = rand_json(r, 2),
    }
}

fn all_parsers(v: &Value) {
    let who = Who { provider: "p", model: "m", key: Some("sk-secret") };
    let rq = req();
    let mut a = Assembler::new(None);
    let _ = letta_wasm::llm::openai::parse_response(who, v, &mut a);
    let _ = letta_wasm::llm::openai::stream_chunk(who, v, &mut a);
    let _ = a.finish(&rq);
    let mut a = Assembler::new(None);
    let _ = letta_wasm::llm::anthropic::parse_response(who, v, &mut a);
    let _ = letta_wasm::llm::anthropic::stream_event(who, v, &mut a);
    let _ = a.finish(&rq);
    let mut a = Assembler::new(None);
    let _ = letta_wasm::llm::gemini::parse_chunk(who, v, &mut a);
    let _ = a.finish(&rq);
    // Scripted replies go through the same kind of validation.
    let _ = letta_wasm::llm::scripted::parse_reply("fz", v, &rq);
}

#[test]
fn provider_parsers_never_panic_on_mutated_or_random_payloads() {
    let samples = provider_samples();
    for seed in seeds(4) {
        let mut r = Rng::new(seed);
        for i in 0..3_000 {
            let mut v = if i % 3 == 0 { rand_json(&mut r, 4) } else { samples[r.below(samples.len() as u64) as usize].clone() };
            for _ in 0..r.range(1, 4) {
                mutate(&mut r, &mut v);
            }
            if catch_unwind(|| all_parsers(&v)).is_err() {
                panic!("a provider parser panicked on {v}");
            }
        }
    }
}

#[test]
fn provider_parsers_on_truncated_text() {
    // Truncated bodies never reach the parsers as Values; the JSON step must fail cleanly.
    let who = Who { provider: "p", model: "m", key: None };
    for s in provider_samples() {
        let text = s.to_string();
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                let r = catch_unwind(|| letta_wasm::llm::assemble::parse_json(who, &text.as_bytes()[..cut]));
                assert!(r.is_ok(), "parse_json panicked at {cut}");
            }
        }
    }
}

// ------------------------------------------------------------------ tool-call arguments from models

#[test]
fn random_tool_arguments_from_models_never_break_a_run() {
    let memory_tools = ["core_memory_append", "core_memory_replace", "memory_replace", "memory_insert", "memory_rethink", "conversation_search", "send_message", "no_such_tool", "archival_memory_insert", "archival_memory_search"];
    for seed in seeds(3) {
        let h = harness();
        let block = h.block("notes", "line one\nline two");
        let agent = h.agent(json!({ "name": "fz", "model": "scripted/fz", "block_ids": [block], "tools": memory_tools[..5] }));
        let mut r = Rng::new(seed);
        for _ in 0..50 {
            let name = memory_tools[r.below(memory_tools.len() as u64) as usize];
            let args: Value = match r.below(4) {
                0 => Value::String(rand_string(&mut r)), // arguments as raw (often invalid) JSON text
                1 => rand_json(&mut r, 3),
                _ => {
                    let mut m = Map::new();
                    for k in ["label", "content", "old_content", "new_content", "old_string", "new_string", "insert_line", "new_memory", "query", "message", "page"] {
                        if r.chance(1, 2) {
                            m.insert(k.into(), if k == "label" && r.chance(1, 2) { json!("notes") } else { rand_json(&mut r, 1) });
                        }
                    }
                    Value::Object(m)
                }
            };
            h.engine.models().scripted("fz").set_queue([json!({ "tool_calls": [{ "name": name, "arguments": args }] }), json!({ "content": "ok" })]);
            let before = h.block_value(&block);
            let out = catch_unwind(AssertUnwindSafe(|| h.send(&agent, "go"))).unwrap_or_else(|_| panic!("panic on {name} {args}"));
            let out = out.unwrap_or_else(|e| panic!("{name} {args}: {e}"));
            let stop = out["stop_reason"]["stop_reason"].as_str().unwrap();
            assert!(["end_turn", "max_steps", "tool_rule", "llm_api_error", "invalid_llm_response"].contains(&stop), "{stop}");
            let rets = tool_returns(&out);
            if rets.iter().all(|t| t["status"] == "error") && !rets.is_empty() {
                assert_eq!(h.block_value(&block), before, "a failed tool call changed the block: {name} {args}");
            }
        }
    }
}

// ------------------------------------------------------------------ corrupted stored records

#[test]
fn corrupted_records_give_typed_errors_not_panics() {
    let garbage = ["", "null", "{", "[]", "{\"id\": 5}", "\"a string\"", "{\"value\": []}", "\u{0}\u{1}", "{\"id\":\"agent-x\",\"context\":\"no\"}"];
    for (gi, g) in garbage.iter().enumerate() {
        let (h, ids) = router_harness();
        let other = h.agent(json!({ "name": "other", "model": "scripted/fz" }));
        // Corrupt one kind of record per round: the agent, the block, a message, a mailbox item.
        let keys: Vec<String> = h.store.snapshot().keys().cloned().collect();
        let target = keys.iter().filter(|k| k.starts_with("agent/") || k.starts_with("block/") || k.starts_with("msg/")).nth(gi % 3 + gi / 3).cloned().unwrap_or_else(|| format!("agent/{}", ids.agent));
        let mut extra = vec![Op::Put { key: target.clone(), value: g.to_string(), expect: Expect::Any }];
        extra.push(Op::Put { key: format!("mailbox/{other}/0000000000000-junk"), value: g.to_string(), expect: Expect::Any });
        h.run(h.store.inner.commit(extra)).unwrap();
        let a = &ids.agent;
        let b = &ids.block;
        let calls: Vec<(&str, String, Option<Value>)> = vec![
            ("GET", format!("/v1/agents/{a}"), None),
            ("GET", "/v1/agents/".into(), None),
            ("GET", format!("/v1/blocks/{b}"), None),
            ("GET", "/v1/blocks/".into(), None),
            ("GET", format!("/v1/agents/{a}/messages"), None),
            ("GET", format!("/v1/agents/{a}/core-memory/blocks"), None),
            ("PATCH", format!("/v1/blocks/{b}"), Some(json!({ "value": "new" }))),
            ("POST", format!("/v1/agents/{a}/messages"), Some(json!({ "input": "hi" }))),
            ("DELETE", format!("/v1/agents/{a}"), None),
        ];
        for (m, p, body) in calls {
            let out = catch_unwind(AssertUnwindSafe(|| h.call(m, &p, body.clone())));
            match out {
                Err(_) => panic!("panic on {m} {p} with {target} = {g:?}"),
                Ok(Err(e)) => assert!(e.status >= 400 && !e.detail.is_empty(), "{m} {p}: {e}"),
                Ok(Ok(_)) => {}
            }
        }
        // A corrupt mailbox item does not block the mailbox or the engine.
        let _ = h.run(h.engine.resume_mailboxes());
        h.settle();
        assert!(!h.store.snapshot().keys().any(|k| k.ends_with("-junk")), "the unreadable mailbox item was dropped");
    }
}

// ------------------------------------------------------------------ block edit operations

#[test]
fn block_edit_operations_never_panic() {
    for seed in seeds(4) {
        let mut r = Rng::new(seed);
        for _ in 0..5_000 {
            let value = match r.below(4) {
                0 => String::new(),
                1 => "a\nb\n\nc\r\nd\t\te".into(),
                _ => rand_string(&mut r).chars().take(2000).collect(),
            };
            let s = |r: &mut Rng| -> String { if r.chance(1, 3) { value.chars().skip(r.below(5) as usize).take(r.below(6) as usize).collect() } else { rand_string(r).chars().take(500).collect() } };
            let edit = match r.below(5) {
                0 => Edit::Append { content: s(&mut r) },
                1 => Edit::ReplaceAll { old: s(&mut r), new: s(&mut r) },
                2 => Edit::ReplaceUnique { old: s(&mut r), new: s(&mut r) },
                3 => Edit::Insert { text: s(&mut r), line: [0, 1, -1, -2, i64::MAX, i64::MIN, 3, 1000][r.below(8) as usize] },
                _ => Edit::Rethink { value: s(&mut r) },
            };
            let out = catch_unwind(|| edit.apply("lbl", &value)).unwrap_or_else(|_| panic!("Edit::apply panicked: {edit:?} on {value:?}"));
            if let Ok(v) = out {
                if let Edit::Append { content } = &edit {
                    assert_eq!(v, format!("{value}\n{content}"));
                }
            }
        }
    }
}

// ------------------------------------------------------------------ timed search

/// `LETTA_FUZZ_SECS=300 cargo test --test hostile_input -- --ignored --nocapture`
#[test]
#[ignore = "timed search; run with LETTA_FUZZ_SECS"]
fn timed_router_search() {
    let secs = fuzz_secs().max(10);
    let t0 = std::time::Instant::now();
    let (mut seed, mut execs, mut bad) = (1_000_000u64, 0usize, Vec::new());
    while t0.elapsed().as_secs() < secs {
        bad.extend(router_search(seed, 200));
        execs += 200;
        seed += 1;
    }
    eprintln!("router search: {execs} requests in {secs}s, {} violations", bad.len());
    assert!(bad.is_empty(), "{}", bad.iter().take(10).cloned().collect::<Vec<_>>().join("\n"));
}
