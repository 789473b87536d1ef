//! Blocks, agents, core memory and tools through the REST router (native).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

#[test]
fn block_crud_and_limits() {
    let t = setup();
    let b = t.ok("POST", "/v1/blocks/", json!({ "label": "org", "value": "Letta", "limit": 10, "description": "d", "metadata": {"k": 1} }));
    let id = b["id"].as_str().unwrap();
    assert!(letta_wasm::util::is_valid_id(id, "block"));
    assert_eq!((b["label"].as_str(), b["limit"].as_u64(), b["metadata"]["k"].as_u64()), (Some("org"), Some(10), Some(1)));
    assert_eq!(b["read_only"], false);

    // Over the limit: on create, on modify of the value, and when lowering the limit.
    let e = t.err("POST", "/v1/blocks/", json!({ "label": "x", "value": "0123456789A", "limit": 10 }));
    assert_eq!(e.status, 400);
    assert!(e.detail.contains("Block limit (10)") && e.detail.contains("11 characters"), "{}", e.detail);
    let e = t.err("PATCH", &format!("/v1/blocks/{id}"), json!({ "value": "01234567890" }));
    assert_eq!(e.status, 400);
    assert!(e.detail.contains("exceeds block limit (10 characters)"), "{}", e.detail);
    let e = t.err("PATCH", &format!("/v1/blocks/{id}"), json!({ "limit": 3 }));
    assert!(e.detail.contains("Limit (3) cannot be less than current value length (5 characters)"), "{}", e.detail);
    assert_eq!(t.block_value(id), "Letta", "rejected edits change nothing");

    // Limits count characters, not bytes.
    t.ok("PATCH", &format!("/v1/blocks/{id}"), json!({ "value": "éééééééééé" }));
    let m = t.ok("PATCH", &format!("/v1/blocks/{id}"), json!({ "description": "new", "value": null }));
    assert_eq!((m["description"].as_str(), m["value"].as_str()), (Some("new"), Some("éééééééééé")), "null leaves a field as it is");

    // List filters by label; count; delete; 404s.
    t.block("org", "second");
    t.block("other", "x");
    let list = t.callq("GET", "/v1/blocks/", &[("label", "org")]).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(t.ok("GET", "/v1/blocks/count", json!(null)), json!(3));
    t.ok("DELETE", &format!("/v1/blocks/{id}"), json!(null));
    assert_eq!(t.err("GET", &format!("/v1/blocks/{id}"), json!(null)).status, 404);
    assert_eq!(t.err("PATCH", &format!("/v1/blocks/{id}"), json!({"value": "x"})).status, 404);
    assert_eq!(t.err("GET", "/v1/blocks/block-nope", json!(null)).status, 422);
}

#[test]
fn block_input_validation() {
    let t = setup();
    assert_eq!(t.err("POST", "/v1/blocks/", json!({ "value": "no label" })).status, 422);
    assert_eq!(t.err("POST", "/v1/blocks/", json!({ "label": "", "value": "" })).status, 422);
    assert_eq!(t.err("POST", "/v1/blocks/", json!({ "label": "a b", "value": "" })).status, 422);
    let e = t.err("POST", "/v1/blocks/", json!({ "label": "a", "value": 5 }));
    assert_eq!(e.status, 422);
    assert!(e.detail.contains("body.value") && e.detail.contains("a string"), "{}", e.detail);
    assert_eq!(t.err("POST", "/v1/blocks/", json!({ "label": "a", "value": "", "limit": -1 })).status, 422);
    assert_eq!(t.err("POST", "/v1/blocks/", json!(["not", "an", "object"])).status, 422);
    // Unknown fields are ignored, as the Letta server does.
    t.ok("POST", "/v1/blocks/", json!({ "label": "a", "value": "", "surprise": true }));
    assert_eq!(t.store.len(), 1, "only the last create stored anything");
}

#[test]
fn agents_with_inline_and_shared_blocks() {
    let t = setup();
    let shared = t.ok("POST", "/v1/blocks/", json!({ "label": "organization", "value": "Nothing here yet", "description": "Shared" }));
    let sid = shared["id"].as_str().unwrap();
    let sup = t.ok(
        "POST",
        "/v1/agents/",
        json!({ "name": "supervisor", "model": "anthropic/claude-3-5-sonnet-20241022", "embedding": "openai/text-embedding-3-small",
                "memory_blocks": [{ "label": "persona", "value": "I am a supervisor" }], "block_ids": [sid], "tags": ["team", "lead"] }),
    );
    let wrk = t.ok(
        "POST",
        "/v1/agents/",
        json!({ "name": "worker", "memory_blocks": [{ "label": "persona", "value": "I am a worker" }], "block_ids": [sid], "tags": ["team"] }),
    );
    let (sup_id, wrk_id) = (sup["id"].as_str().unwrap(), wrk["id"].as_str().unwrap());
    assert_eq!(sup["llm_config"]["model_endpoint_type"], "anthropic");
    assert_eq!(sup["llm_config"]["model"], "claude-3-5-sonnet-20241022");
    assert_eq!(sup["model"], "anthropic/claude-3-5-sonnet-20241022");
    assert_eq!(sup["embedding_config"]["embedding_dim"], 1536);
    let labels: Vec<&str> = sup["blocks"].as_array().unwrap().iter().map(|b| b["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["persona", "organization"], "inline blocks first, then shared, in order");
    let tools: Vec<&str> = sup["tools"].as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["memory_replace", "memory_insert", "conversation_search"]);
    assert_eq!(sup["message_ids"].as_array().unwrap().len(), 1, "a new agent holds only its system message");

    // The shared block is one block: the agents list it, edits show through both.
    let users = t.ok("GET", &format!("/v1/blocks/{sid}/agents"), json!(null));
    assert_eq!(users.as_array().unwrap().len(), 2);
    t.ok("PATCH", &format!("/v1/agents/{wrk_id}/core-memory/blocks/organization"), json!({ "value": "Organization: Letta" }));
    let via_sup = t.ok("GET", &format!("/v1/agents/{sup_id}/core-memory/blocks/organization"), json!(null));
    assert_eq!(via_sup["value"], "Organization: Letta");
    assert_eq!(via_sup["id"], sid);

    // Filters: name, tags any/all.
    let by = |q: &[(&str, &str)]| -> Vec<String> {
        let mut v: Vec<String> = t.callq("GET", "/v1/agents/", q).unwrap().as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(by(&[("name", "worker")]), ["worker"]);
    assert_eq!(by(&[("tags", "team")]), ["supervisor", "worker"]);
    assert_eq!(by(&[("tags", "lead"), ("tags", "team"), ("match_all_tags", "true")]), ["supervisor"]);
    assert_eq!(by(&[("tags", "lead"), ("tags", "nope"), ("match_all_tags", "false")]), ["supervisor"]);
    assert_eq!(by(&[("tags", "nope")]), Vec::<String>::new());

    // Deleting the supervisor keeps the shared block and deletes its own persona.
    let sup_persona = sup["blocks"][0]["id"].as_str().unwrap().to_string();
    t.ok("DELETE", &format!("/v1/agents/{sup_id}"), json!(null));
    assert_eq!(t.err("GET", &format!("/v1/agents/{sup_id}"), json!(null)).status, 404);
    assert_eq!(t.err("GET", &format!("/v1/blocks/{sup_persona}"), json!(null)).status, 404);
    assert_eq!(t.block_value(sid), "Organization: Letta");
    assert_eq!(t.ok("GET", &format!("/v1/agents/{wrk_id}/core-memory/blocks"), json!(null)).as_array().unwrap().len(), 2);
}

#[test]
fn inline_block_shared_later_survives_its_creator() {
    let t = setup();
    let a = t.ok("POST", "/v1/agents/", json!({ "memory_blocks": [{ "label": "notes", "value": "n" }] }));
    let notes = a["blocks"][0]["id"].as_str().unwrap().to_string();
    let b = t.agent(json!({ "block_ids": [notes] }));
    t.ok("DELETE", &format!("/v1/agents/{}", a["id"].as_str().unwrap()), json!(null));
    assert_eq!(t.block_value(&notes), "n");
    assert_eq!(t.ok("GET", &format!("/v1/agents/{b}/core-memory/blocks/notes"), json!(null))["id"], notes);
}

#[test]
fn attach_detach_and_label_conflicts() {
    let t = setup();
    let a = t.agent(json!({ "memory_blocks": [{ "label": "persona", "value": "p" }] }));
    let other_persona = t.block("persona", "other");
    let notes = t.block("notes", "n");
    let e = t.err("PATCH", &format!("/v1/agents/{a}/core-memory/blocks/attach/{other_persona}"), json!(null));
    assert_eq!(e.status, 409, "{}", e.detail);
    let st = t.ok("PATCH", &format!("/v1/agents/{a}/core-memory/blocks/attach/{notes}"), json!(null));
    assert_eq!(st["blocks"].as_array().unwrap().len(), 2);
    // Idempotent.
    let st = t.ok("PATCH", &format!("/v1/agents/{a}/core-memory/blocks/attach/{notes}"), json!(null));
    assert_eq!(st["blocks"].as_array().unwrap().len(), 2);
    let st = t.ok("PATCH", &format!("/v1/agents/{a}/core-memory/blocks/detach/{notes}"), json!(null));
    assert_eq!(st["blocks"].as_array().unwrap().len(), 1);
    assert_eq!(t.err("PATCH", &format!("/v1/agents/{a}/core-memory/blocks/detach/{notes}"), json!(null)).status, 404);
    assert_eq!(t.err("GET", &format!("/v1/agents/{a}/core-memory/blocks/notes"), json!(null)).status, 404);
    assert_eq!(t.block_value(&notes), "n", "detaching keeps the block");
    // Duplicate labels at creation.
    let e = t.err("POST", "/v1/agents/", json!({ "memory_blocks": [{ "label": "x", "value": "" }, { "label": "x", "value": "" }] }));
    assert_eq!(e.status, 409);
    let e = t.err("POST", "/v1/agents/", json!({ "block_ids": ["block-123e4567-e89b-42d3-8456-426614174000"] }));
    assert_eq!(e.status, 404);
    assert_eq!(t.ok("GET", "/v1/agents/count", json!(null)), json!(1), "failed creates leave nothing behind");
    // Renaming an attached block to a label its agent already has is refused.
    t.ok("PATCH", &format!("/v1/agents/{a}/core-memory/blocks/attach/{notes}"), json!(null));
    let e = t.err("PATCH", &format!("/v1/blocks/{notes}"), json!({ "label": "persona" }));
    assert_eq!(e.status, 409, "{}", e.detail);
    t.ok("PATCH", &format!("/v1/blocks/{notes}"), json!({ "label": "notes2" }));
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/core-memory/blocks/notes2"), json!(null))["value"], "n");
}

#[test]
fn modify_agent_and_pagination() {
    let t = setup();
    let ids: Vec<String> = (0..5).map(|i| t.agent(json!({ "name": format!("a{i}") }))).collect();
    let st = t.ok("PATCH", &format!("/v1/agents/{}", ids[0]), json!({ "name": "renamed", "tags": ["x"], "model": "openai/gpt-4o-mini", "context_window_limit": 8000 }));
    assert_eq!((st["name"].as_str(), st["tags"][0].as_str()), (Some("renamed"), Some("x")));
    assert_eq!(st["llm_config"]["model"], "gpt-4o-mini");
    assert_eq!(st["llm_config"]["context_window"], 8000);
    // Default order is newest first; `after` continues from a cursor; `order=asc` flips.
    let names = |q: &[(&str, &str)]| -> Vec<String> {
        t.callq("GET", "/v1/agents/", q).unwrap().as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(&[("limit", "2")]), ["a4", "a3"]);
    assert_eq!(names(&[("limit", "2"), ("after", &ids[3])]), ["a2", "a1"]);
    assert_eq!(names(&[("limit", "2"), ("order", "asc")]), ["renamed", "a1"]);
    assert_eq!(names(&[("before", &ids[1]), ("order", "asc")]), ["renamed"]);
    assert_eq!(names(&[("after", &ids[0])]), Vec::<String>::new());
    assert_eq!(t.callq("GET", "/v1/agents/", &[("limit", "x")]).unwrap_err().status, 422);
    assert_eq!(t.callq("GET", "/v1/agents/", &[("order", "sideways")]).unwrap_err().status, 422);
}

#[test]
fn custom_tools_crud_and_attach() {
    let t = setup();
    let tool = t.ok(
        "POST",
        "/v1/tools/",
        json!({ "source_code": "async function lookup(q) { return q }", "json_schema": { "name": "lookup", "description": "Looks up", "parameters": { "type": "object", "properties": { "q": { "type": "string" } }, "required": ["q"] } } }),
    );
    let tid = tool["id"].as_str().unwrap();
    assert_eq!((tool["name"].as_str(), tool["tool_type"].as_str()), (Some("lookup"), Some("custom")));
    assert_eq!(t.err("POST", "/v1/tools/", json!({ "json_schema": { "name": "lookup" } })).status, 400);
    let up = t.ok("PUT", "/v1/tools/", json!({ "json_schema": { "name": "lookup", "description": "Better" } }));
    assert_eq!((up["id"].as_str(), up["description"].as_str()), (Some(tid), Some("Better")));
    assert_eq!(t.err("POST", "/v1/tools/", json!({ "json_schema": { "name": "send_message" } })).status, 400);
    assert_eq!(t.err("POST", "/v1/tools/", json!({ "description": "nameless" })).status, 400);
    let custom = t.callq("GET", "/v1/tools/", &[("tool_types", "custom")]).unwrap();
    assert_eq!(custom.as_array().unwrap().len(), 1);
    let all = t.ok("GET", "/v1/tools/", json!(null));
    assert!(all.as_array().unwrap().iter().any(|x| x["name"] == "core_memory_append"));

    let a = t.agent(json!({ "tools": ["lookup", "send_message"], "include_base_tools": false }));
    let names: Vec<String> = t.ok("GET", &format!("/v1/agents/{a}/tools"), json!(null)).as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["lookup", "send_message"]);
    t.ok("PATCH", &format!("/v1/agents/{a}/tools/detach/{tid}"), json!(null));
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/tools"), json!(null)).as_array().unwrap().len(), 1);
    t.ok("PATCH", &format!("/v1/agents/{a}/tools/attach/{tid}"), json!(null));
    // Deleting a tool detaches it everywhere.
    t.ok("DELETE", &format!("/v1/tools/{tid}"), json!(null));
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/tools"), json!(null)).as_array().unwrap().len(), 1);
    assert_eq!(t.err("POST", "/v1/agents/", json!({ "tools": ["nope"] })).status, 404);
}

#[test]
fn router_rejects_unknown_routes_and_bad_ids() {
    let t = setup();
    assert_eq!(t.err("GET", "/v1/nothing", json!(null)).status, 404);
    assert_eq!(t.err("GET", "/v2/agents/", json!(null)).status, 404);
    assert_eq!(t.err("PUT", "/v1/blocks/", json!({})).status, 405, "a known route with the wrong method");
    let e = t.err("GET", "/v1/agents/agent-1", json!(null));
    assert_eq!(e.status, 422);
    assert!(e.detail.contains("agent-<uuid4>"));
    assert_eq!(t.ok("GET", "/v1/health/", json!(null))["status"], "ok");
}
