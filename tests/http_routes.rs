//! Router wire details the HTTP door and the official SDKs rely on: 405 vs 404, trailing
//! slashes, the reset flag in the query (0.x) or the body (1.x), status codes of bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use letta_wasm::router::allowed_methods;
use serde_json::json;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

#[test]
fn wrong_method_on_a_known_path_is_405_and_unknown_paths_are_404() {
    let t = setup();
    let e = t.err("PUT", "/v1/blocks/", json!({}));
    assert_eq!(e.status, 405, "{e}");
    assert!(e.detail.contains("GET") && e.detail.contains("POST"), "{e}");
    let a = t.agent(json!({ "model": "scripted/x" }));
    assert_eq!(t.err("DELETE", &format!("/v1/agents/{a}/messages"), json!(null)).status, 405);
    assert_eq!(t.err("GET", &format!("/v1/agents/{a}/messages/stream"), json!(null)).status, 405);
    assert_eq!(t.err("GET", "/v1/nope", json!(null)).status, 404);
    assert_eq!(t.err("GET", "/v1/agents/x/y/z/w/v/u", json!(null)).status, 404);
    assert_eq!(t.err("GET", "/v2/agents/", json!(null)).status, 404);
}

/// Every method the 405 table lists for a path is really served there (never "Not found" nor 405).
#[test]
fn the_405_table_matches_the_routes() {
    let t = setup();
    let b = t.block("human", "h");
    let a = t.agent(json!({ "model": "scripted/x", "block_ids": [b] }));
    let tool = t.ok("POST", "/v1/tools/", json!({ "source_code": "def f(x: int):\n    \"\"\"F.\n\n    Args:\n        x: x\n    \"\"\"\n    return x\n" }))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let fill = |seg: &str, prev: &str| -> String {
        match (seg, prev) {
            ("*", "blocks") => b.clone(),
            ("*", "agents") => a.clone(),
            ("*", "tools") => tool.clone(),
            ("*", "messages") => "message-123e4567-e89b-42d3-8456-426614174000".into(),
            (s, _) => s.to_string(),
        }
    };
    let patterns: Vec<Vec<&str>> = vec![
        vec!["health"],
        vec!["blocks"],
        vec!["blocks", "*"],
        vec!["blocks", "*", "agents"],
        vec!["agents"],
        vec!["agents", "*"],
        vec!["agents", "*", "core-memory"],
        vec!["agents", "*", "core-memory", "blocks"],
        vec!["agents", "*", "core-memory", "blocks", "human"],
        vec!["agents", "*", "messages"],
        vec!["agents", "*", "reset-messages"],
        vec!["agents", "*", "tools"],
        vec!["interactions"],
        vec!["tools"],
        vec!["tools", "*"],
    ];
    for p in patterns {
        let allowed = allowed_methods(&p);
        assert!(!allowed.is_empty(), "{p:?} is not in the table");
        let mut prev = "";
        let path = format!(
            "/v1/{}",
            p.iter()
                .map(|s| {
                    let v = fill(s, prev);
                    prev = s;
                    v
                })
                .collect::<Vec<_>>()
                .join("/")
        );
        for m in METHODS {
            if *m == "DELETE" {
                continue; // deleting would break the later paths; DELETE routes are covered elsewhere
            }
            let body = if *m == "GET" { None } else { Some(json!({})) };
            let r = t.run(t.call_async(m, &path, &[], body));
            match r {
                Err(e) if e.status == 405 => assert!(!allowed.contains(m), "{m} {path}: 405 but the table allows it"),
                Err(e) if e.detail.starts_with("Not found: ") => panic!("{m} {path}: no route ({e})"),
                _ => assert!(allowed.contains(m), "{m} {path} is served but the table does not list it: {r:?}"),
            }
        }
    }
}

#[test]
fn reset_takes_the_flag_in_the_query_or_the_body_and_answers_the_agent() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/x" }));
    t.send(&a, "hello");
    let path = format!("/v1/agents/{a}/reset-messages");
    let v = t.run(t.call_async("PATCH", &path, &[("add_default_initial_messages", "false")], None)).unwrap();
    assert_eq!(v["id"], a.as_str());
    let v = t.ok("PATCH", &path, json!({ "add_default_initial_messages": false }));
    assert_eq!(v["id"], a.as_str());
    assert!(v["llm_config"].is_object());
    let e = t.err("PATCH", &path, json!({ "add_default_initial_messages": "yes" }));
    assert_eq!(e.status, 422, "{e}");
    let e = t.run(t.call_async("PATCH", &path, &[("add_default_initial_messages", "maybe")], None)).unwrap_err();
    assert_eq!(e.status, 422, "{e}");
    let e = t.err("PATCH", &path, json!([1, 2]));
    assert_eq!(e.status, 422, "{e}");
}

#[test]
fn trailing_slashes_and_streaming_flag_are_accepted() {
    let t = setup();
    t.block("a", "1");
    assert_eq!(t.ok("GET", "/v1/blocks/", json!(null)).as_array().unwrap().len(), 1);
    assert_eq!(t.ok("GET", "/v1/blocks", json!(null)).as_array().unwrap().len(), 1);
    let a = t.agent(json!({ "model": "scripted/x" }));
    // 1.x sends `streaming: true` to the plain messages route; the blocking door still answers a LettaResponse.
    let v = t.ok("POST", &format!("/v1/agents/{a}/messages/"), json!({ "messages": [{ "role": "user", "content": "hi" }], "streaming": true }));
    assert_eq!(v["stop_reason"]["stop_reason"], "end_turn");
}
