//! The agent loop on the scripted model (native): steps, tools, stop reasons, errors,
//! shared-block freshness and concurrent edits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;

fn types(resp: &Value) -> Vec<String> {
    resp["messages"].as_array().unwrap().iter().map(|m| m["message_type"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_tool_step_then_an_answer() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/m", "memory_blocks": [{ "label": "human", "value": "Name: unknown", "limit": 100 }] }));
    t.script(
        "m",
        vec![
            json!({ "reasoning": "I should remember the name", "tool_calls": [{ "id": "c1", "name": "memory_replace", "arguments": { "label": "human", "old_string": "unknown", "new_string": "Ada" } }] }),
            say("Nice to meet you, Ada."),
        ],
    );
    let r = t.send(&a, "Hi, I am Ada");
    assert_eq!(types(&r), ["reasoning_message", "tool_call_message", "tool_return_message", "assistant_message"]);
    assert_eq!(r["stop_reason"], json!({ "message_type": "stop_reason", "stop_reason": "end_turn" }));
    assert_eq!(r["usage"]["step_count"], 2);
    assert!(r["usage"]["total_tokens"].as_u64().unwrap() > 0);
    assert_eq!(r["messages"][1]["tool_call"]["name"], "memory_replace");
    assert_eq!(r["messages"][2]["status"], "success");
    assert_eq!(r["messages"][2]["tool_return"], "Name: Ada");
    assert_eq!(r["messages"][3]["content"], "Nice to meet you, Ada.");
    let run = r["messages"][0]["run_id"].as_str().unwrap();
    assert!(r["messages"].as_array().unwrap().iter().all(|m| m["run_id"] == run));
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/core-memory/blocks/human"), json!(null))["value"], "Name: Ada");

    // The second request carries the tool result and the new block value.
    let reqs = t.requests("m");
    assert_eq!(reqs.len(), 2);
    assert!(system_of(&reqs[0]).contains("Name: unknown"));
    assert!(system_of(&reqs[1]).contains("Name: Ada"), "the next step sees the edit");
    let results = tool_results(&reqs[1]);
    assert_eq!(results[0]["status"], "OK");
    assert_eq!(reqs[1]["messages"][1], json!({ "role": "user", "content": "Hi, I am Ada" }));
    let tools: Vec<&str> = reqs[0]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["memory_replace", "memory_insert", "conversation_search"]);

    // History: system, user, assistant(tool call), tool, assistant.
    let hist = t.ok("GET", &format!("/v1/agents/{a}/messages"), json!(null));
    let ht: Vec<&str> = hist.as_array().unwrap().iter().map(|m| m["message_type"].as_str().unwrap()).collect();
    assert_eq!(ht, ["system_message", "user_message", "reasoning_message", "tool_call_message", "tool_return_message", "assistant_message"]);
    assert!(hist[0]["content"].as_str().unwrap().contains("Name: Ada"), "the stored system message follows the blocks");
    let st = t.ok("GET", &format!("/v1/agents/{a}"), json!(null));
    assert_eq!(st["last_stop_reason"], "end_turn");
    assert_eq!(st["message_ids"].as_array().unwrap().len(), 5);
}

#[test]
fn stop_reasons_max_steps_terminal_and_send_message() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/loop", "memory_blocks": [{ "label": "notes", "value": "" }], "tools": ["send_message"] }));
    let ins = call("memory_insert", json!({ "label": "notes", "new_string": "x" }));
    t.script("loop", vec![ins.clone(), ins.clone(), ins.clone()]);
    let r = t.ok("POST", &format!("/v1/agents/{a}/messages"), json!({ "messages": [{ "role": "user", "content": "go" }], "max_steps": 2 }));
    assert_eq!(r["stop_reason"]["stop_reason"], "max_steps");
    assert_eq!(r["usage"]["step_count"], 2);
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/core-memory/blocks/notes"), json!(null))["value"], "x\nx");

    t.script("loop", vec![call("send_message", json!({ "message": "Done!" }))]);
    let r = t.send(&a, "finish");
    assert_eq!(types(&r), ["assistant_message"]);
    assert_eq!(r["messages"][0]["content"], "Done!");
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn");

    // A tool rule makes a tool terminal.
    t.ok("PATCH", &format!("/v1/agents/{a}"), json!({ "tool_rules": [{ "type": "exit_loop", "tool_name": "memory_insert" }] }));
    t.script("loop", vec![ins.clone(), say("never reached")]);
    let r = t.send(&a, "once");
    assert_eq!(r["stop_reason"]["stop_reason"], "tool_rule");
    assert_eq!(r["usage"]["step_count"], 1);

    // include_return_message_types filters the response.
    t.script("loop", vec![ins, say("ok")]);
    let r = t.ok(
        "POST",
        &format!("/v1/agents/{a}/messages"),
        json!({ "input": "filtered", "include_return_message_types": ["assistant_message"] }),
    );
    assert_eq!(types(&r), Vec::<String>::new(), "the terminal rule stopped before any assistant text");
}

#[test]
fn bad_tool_calls_become_tool_errors_and_change_nothing() {
    let t = setup();
    let ro = t.ok("POST", "/v1/blocks/", json!({ "label": "policy", "value": "fixed", "read_only": true }));
    let a = t.agent(json!({
        "model": "scripted/bad",
        "memory_blocks": [{ "label": "notes", "value": "alpha beta", "limit": 20 }],
        "block_ids": [ro["id"]],
        "tools": ["core_memory_append", "core_memory_replace", "memory_rethink"]
    }));
    let bad = [
        json!({ "tool_calls": [{ "name": "memory_replace", "arguments": "{not json" }] }),
        call("memory_replace", json!({ "label": "notes" })),
        call("memory_replace", json!({ "label": "nope", "old_string": "a", "new_string": "b" })),
        call("memory_replace", json!({ "label": "notes", "old_string": "gamma", "new_string": "b" })),
        call("core_memory_replace", json!({ "label": "notes", "old_content": "zzz", "new_content": "b" })),
        call("core_memory_append", json!({ "label": "notes", "content": "this is far too long for the limit" })),
        call("memory_rethink", json!({ "label": "policy", "new_memory": "hacked" })),
        call("memory_insert", json!({ "label": "notes", "new_string": "x", "insert_line": 99 })),
        call("memory_insert", json!({ "label": "notes", "new_string": 5 })),
        call("no_such_tool", json!({})),
        json!({ "tool_calls": [{ "name": "memory_rethink", "arguments": "[1,2]" }] }),
    ];
    let mut script: Vec<Value> = bad.to_vec();
    script.push(say("I give up"));
    t.script("bad", script);
    let r = t.send(&a, "try things");
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn", "the run goes on after tool errors");
    let returns: Vec<&Value> = r["messages"].as_array().unwrap().iter().filter(|m| m["message_type"] == "tool_return_message").collect();
    assert_eq!(returns.len(), bad.len());
    let expect = [
        "not valid JSON",
        "Missing required argument 'old_string'",
        "does not exist (available labels: notes, policy)",
        "did not appear verbatim",
        "not found in memory block 'notes'",
        "Exceeds 20 character limit",
        "read-only",
        "Invalid `insert_line` parameter: 99",
        "must be a string",
        "not available to this agent",
        "must be a JSON object",
    ];
    for (ret, want) in returns.iter().zip(expect) {
        assert_eq!(ret["status"], "error", "{ret}");
        assert!(ret["tool_return"].as_str().unwrap().contains(want), "{} should contain {want}", ret["tool_return"]);
    }
    // The model saw each error as a Failed tool result.
    let last = t.requests("bad").pop().unwrap();
    assert!(tool_results(&last).iter().all(|r| r["status"] == "Failed"));
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/core-memory/blocks/notes"), json!(null))["value"], "alpha beta");
    assert_eq!(t.block_value(ro["id"].as_str().unwrap()), "fixed");
}

#[test]
fn llm_failure_ends_the_run_cleanly_and_the_next_one_works() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/flaky", "memory_blocks": [{ "label": "notes", "value": "n" }] }));
    t.script("flaky", vec![json!({ "error": { "status": 503, "message": "overloaded" } })]);
    let before = t.store.snapshot();
    let r = t.send(&a, "first");
    assert_eq!(r["stop_reason"]["stop_reason"], "llm_api_error");
    assert_eq!(r["messages"], json!([]));
    assert_eq!(r["error"]["message_type"], "error_message");
    let detail = r["error"]["message"].as_str().unwrap();
    assert!(detail.contains("scripted returned 503 for model flaky: overloaded"), "{detail}");
    let hist = t.ok("GET", &format!("/v1/agents/{a}/messages"), json!(null));
    assert_eq!(hist.as_array().unwrap().len(), 2, "the question is kept; nothing else was written");
    assert_eq!(hist[1]["content"], "first");
    let after = t.store.snapshot();
    let changed: Vec<&String> = after.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    assert!(changed.iter().all(|k| k.starts_with("msg/") || k.starts_with("agent/")), "{changed:?}");

    // A malformed reply (a tool call without a name) is an invalid response.
    t.script("flaky", vec![json!({ "tool_calls": [{ "name": "" }] })]);
    assert_eq!(t.send(&a, "second")["stop_reason"]["stop_reason"], "invalid_llm_response");
    t.script("flaky", vec![json!({ "tool_calls": "nope" })]);
    assert_eq!(t.send(&a, "third")["stop_reason"]["stop_reason"], "invalid_llm_response");
    // An empty queue is an API error too.
    t.script("flaky", vec![]);
    assert_eq!(t.send(&a, "fourth")["stop_reason"]["stop_reason"], "llm_api_error");

    t.script("flaky", vec![say("recovered")]);
    let r = t.send(&a, "fifth");
    assert_eq!(r["messages"][0]["content"], "recovered");
    let last = t.requests("flaky").pop().unwrap();
    let users: Vec<&str> = last["messages"].as_array().unwrap().iter().filter(|m| m["role"] == "user").map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(users, ["first", "second", "third", "fourth", "fifth"]);
    // An unknown provider is an API error, not a crash.
    let b = t.agent(json!({ "model": "nowhere/model" }));
    let r = t.send(&b, "hi");
    assert_eq!(r["stop_reason"]["stop_reason"], "llm_api_error");
}

#[test]
fn request_validation() {
    let t = setup();
    let a = t.agent(json!({}));
    let path = format!("/v1/agents/{a}/messages");
    for (body, want) in [
        (json!({}), "Must specify either"),
        (json!({ "messages": [], }), "must not be empty"),
        (json!({ "messages": [{ "role": "user", "content": "x" }], "input": "y" }), "Cannot specify both"),
        (json!({ "messages": [{ "role": "robot", "content": "x" }] }), "role"),
        (json!({ "messages": [{ "role": "user" }] }), "content: field required"),
        (json!({ "messages": [{ "role": "user", "content": [{ "type": "image", "source": {} }] }] }), "not supported"),
        (json!({ "messages": "hi" }), "expected a list"),
        (json!({ "input": "x", "max_steps": 0 }), "at least 1"),
    ] {
        let e = t.err("POST", &path, body.clone());
        assert_eq!(e.status, 422, "{body}");
        assert!(e.detail.contains(want), "{} should contain {want}", e.detail);
    }
    assert_eq!(t.err("POST", "/v1/agents/agent-123e4567-e89b-42d3-8456-426614174000/messages", json!({ "input": "x" })).status, 404);
    // Text content parts are joined.
    let r = t.ok("POST", &path, json!({ "messages": [{ "role": "user", "content": [{ "type": "text", "text": "a" }, { "type": "text", "text": "b" }] }] }));
    assert_eq!(r["messages"][0]["content"], "Echo: a\nb", "an unprogrammed scripted model echoes");
}

#[test]
fn shared_block_write_is_in_the_other_agents_next_request() {
    let t = setup();
    let shared = t.block("organization", "Nothing here yet");
    let a = t.agent(json!({ "model": "scripted/a", "block_ids": [shared] }));
    let b = t.agent(json!({ "model": "scripted/b", "block_ids": [shared] }));
    t.script("a", vec![call("memory_replace", json!({ "label": "organization", "old_string": "Nothing here yet", "new_string": "Org: Letta" })), say("noted")]);
    t.script("b", vec![say("I see it"), say("I see the API edit")]);
    t.send(&a, "Our org is Letta");
    t.send(&b, "What is our org?");
    assert!(system_of(&t.requests("b")[0]).contains("<value>\nOrg: Letta\n</value>"));
    // A REST edit reaches both the same way.
    t.ok("PATCH", &format!("/v1/blocks/{shared}"), json!({ "value": "Org: Letta (edited by API)" }));
    t.send(&b, "And now?");
    assert!(system_of(&t.requests("b")[1]).contains("Org: Letta (edited by API)"));
}

#[test]
fn edit_seen_within_a_running_multi_step_request() {
    // B is mid-run when A writes the shared block: B's next step already sees it.
    let t = setup();
    let shared = t.block("board", "start");
    let a = t.agent(json!({ "model": "scripted/wa", "block_ids": [shared] }));
    let b = t.agent(json!({ "model": "scripted/wb", "block_ids": [shared], "memory_blocks": [{ "label": "own", "value": "" }] }));
    t.script("wa", vec![call("core_memory_append", json!({ "label": "board", "content": "from A" })), say("ok")]);
    t.ok("PATCH", &format!("/v1/agents/{a}"), json!({ "tools": ["core_memory_append"] }));
    let eng = t.engine.clone();
    let a2 = a.clone();
    let wb = t.engine.models().scripted("wb");
    let step = Rc::new(RefCell::new(0));
    let step2 = step.clone();
    wb.set_fn(Rc::new(move |_req| {
        let (eng, a2, step2) = (eng.clone(), a2.clone(), step2.clone());
        Box::pin(async move {
            let n = {
                let mut s = step2.borrow_mut();
                *s += 1;
                *s
            };
            if n == 1 {
                // While B waits for its model, A runs and edits the shared block.
                let body = json!({ "input": "write" });
                letta_wasm::router::handle(&eng, "POST", &format!("/v1/agents/{a2}/messages"), &query(&[]), Some(&body), &letta_wasm::agent::NoSink)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(call("memory_insert", json!({ "label": "own", "new_string": "step 1" })))
            } else {
                Ok(say("done"))
            }
        })
    }));
    t.send(&b, "work");
    let reqs = t.requests("wb");
    assert!(!system_of(&reqs[0]).contains("from A"));
    assert!(system_of(&reqs[1]).contains("start\nfrom A"), "B's second step sees A's write");
}

#[test]
fn concurrent_edits_of_a_shared_block_lose_nothing() {
    let t = setup();
    let shared = t.ok("POST", "/v1/blocks/", json!({ "label": "log", "value": "", "limit": 100000 }))["id"].as_str().unwrap().to_string();
    let n_agents = 6;
    let edits_each = 5;
    let mut agents = Vec::new();
    for i in 0..n_agents {
        let name = format!("c{i}");
        let id = t.agent(json!({ "model": format!("scripted/{name}"), "block_ids": [shared], "tools": ["core_memory_append"] }));
        // Each agent appends its own lines, one per step, yielding while "thinking" so
        // the runs interleave between reading the block and committing the edit.
        let count = Rc::new(RefCell::new(0u32));
        t.engine.models().scripted(&name).set_fn(Rc::new(move |_req| {
            let count = count.clone();
            let name = name.clone();
            Box::pin(async move {
                let k = {
                    let mut c = count.borrow_mut();
                    *c += 1;
                    *c
                };
                Yield(k % 3 + 1).await;
                Ok(if k <= edits_each {
                    call("core_memory_append", json!({ "label": "log", "content": format!("{name}-{k}") }))
                } else {
                    say("done")
                })
            })
        }));
        agents.push(id);
    }
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let results = Rc::new(RefCell::new(Vec::new()));
    for a in &agents {
        let (eng, a, results) = (t.engine.clone(), a.clone(), results.clone());
        spawner
            .spawn_local(async move {
                let body = json!({ "input": "append your lines" });
                let r = letta_wasm::router::handle(&eng, "POST", &format!("/v1/agents/{a}/messages"), &query(&[]), Some(&body), &letta_wasm::agent::NoSink).await;
                results.borrow_mut().push(r);
            })
            .unwrap();
    }
    pool.run();
    for r in results.borrow().iter() {
        let r = r.as_ref().unwrap();
        assert_eq!(r["stop_reason"]["stop_reason"], "end_turn");
        assert!(r["messages"].as_array().unwrap().iter().filter(|m| m["message_type"] == "tool_return_message").all(|m| m["status"] == "success"));
    }
    let value = t.block_value(&shared);
    let lines: Vec<&str> = value.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), n_agents * edits_each as usize, "{value}");
    for i in 0..n_agents {
        let mine: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with(&format!("c{i}-"))).collect();
        let want: Vec<String> = (1..=edits_each).map(|k| format!("c{i}-{k}")).collect();
        assert_eq!(mine, want, "each agent's edits land once, in its own order");
    }
}

#[test]
fn runs_of_one_agent_queue_in_order() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/q" }));
    let active = Rc::new(RefCell::new((0u32, 0u32)));
    let act = active.clone();
    t.engine.models().scripted("q").set_fn(Rc::new(move |req| {
        let act = act.clone();
        Box::pin(async move {
            {
                let mut a = act.borrow_mut();
                a.0 += 1;
                a.1 = a.1.max(a.0);
            }
            Yield(3).await;
            act.borrow_mut().0 -= 1;
            let last = req["messages"].as_array().unwrap().iter().rev().find(|m| m["role"] == "user").unwrap()["content"].clone();
            Ok(json!({ "content": format!("re: {}", last.as_str().unwrap()) }))
        })
    }));
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    for i in 0..4 {
        let (eng, a) = (t.engine.clone(), a.clone());
        spawner
            .spawn_local(async move {
                let body = json!({ "input": format!("m{i}") });
                letta_wasm::router::handle(&eng, "POST", &format!("/v1/agents/{a}/messages"), &query(&[]), Some(&body), &letta_wasm::agent::NoSink).await.unwrap();
            })
            .unwrap();
    }
    pool.run();
    assert_eq!(active.borrow().1, 1, "never two runs of one agent at once");
    let hist = t.ok("GET", &format!("/v1/agents/{a}/messages"), json!(null));
    let texts: Vec<&str> = hist.as_array().unwrap().iter().skip(1).map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(texts, ["m0", "re: m0", "m1", "re: m1", "m2", "re: m2", "m3", "re: m3"]);
}

#[test]
fn conversation_search_and_history_paging() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/s" }));
    t.script("s", vec![say("Paris is lovely"), say("Rome too"), call("conversation_search", json!({ "query": "PARIS", "roles": ["assistant"] })), say("found")]);
    t.send(&a, "Tell me about Paris");
    t.send(&a, "And Rome?");
    let r = t.send(&a, "search");
    let ret: Value = serde_json::from_str(r["messages"][1]["tool_return"].as_str().unwrap()).unwrap();
    assert_eq!(ret["message"], "Showing 1 results:");
    assert_eq!(ret["results"][0]["content"], "Paris is lovely");
    assert_eq!(ret["results"][0]["role"], "assistant");
    // Date filters work (the scripted clock starts 2026-01-01).
    t.script("s", vec![call("conversation_search", json!({ "query": "paris", "end_date": "2025-12-31" })), call("conversation_search", json!({ "query": "paris", "start_date": "2026-01-01", "end_date": "2026-01-01" })), call("conversation_search", json!({ "query": "x", "start_date": "yesterday" })), say("ok")]);
    let r = t.send(&a, "dates");
    let rets: Vec<&Value> = r["messages"].as_array().unwrap().iter().filter(|m| m["message_type"] == "tool_return_message").collect();
    let parse = |v: &Value| -> Value { serde_json::from_str(v["tool_return"].as_str().unwrap()).unwrap() };
    assert_eq!(parse(rets[0])["results"], json!([]));
    assert_eq!(parse(rets[1])["results"].as_array().unwrap().len(), 2);
    assert_eq!(rets[2]["status"], "error");

    // Paging: newest `limit`, oldest first; cursors.
    let all = t.ok("GET", &format!("/v1/agents/{a}/messages"), json!(null));
    let all = all.as_array().unwrap();
    let page = t.callq("GET", &format!("/v1/agents/{a}/messages"), &[("limit", "2")]).unwrap();
    assert_eq!(page.as_array().unwrap(), &all[all.len() - 2..]);
    let first = t.callq("GET", &format!("/v1/agents/{a}/messages"), &[("limit", "2"), ("order", "asc")]).unwrap();
    assert_eq!(first.as_array().unwrap(), &all[..2]);
    let after = t.callq("GET", &format!("/v1/agents/{a}/messages"), &[("after", all[1]["id"].as_str().unwrap()), ("limit", "1")]).unwrap();
    assert_eq!(after[0], all[2]);

    // Reset empties the context, keeps the history.
    let st = t.ok("PATCH", &format!("/v1/agents/{a}/reset-messages"), json!({}));
    assert_eq!(st["message_ids"].as_array().unwrap().len(), 1);
    t.script("s", vec![say("fresh")]);
    t.send(&a, "after reset");
    let req = t.requests("s").pop().unwrap();
    assert_eq!(req["messages"].as_array().unwrap().len(), 2, "system + the new message only");
    assert!(system_of(&req).contains("previous messages between you and the user are stored in recall memory"));
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/messages"), json!(null)).as_array().unwrap().len(), all.len() + 2);
}

#[test]
fn custom_tool_bodies_from_the_host() {
    struct Host;
    impl letta_wasm::ToolHost for Host {
        fn call(&self, name: &str, args: &str, ctx: &str) -> Option<letta_wasm::platform::BoxFut<'static, Result<String, String>>> {
            let (name, args, ctx) = (name.to_string(), args.to_string(), ctx.to_string());
            match name.as_str() {
                "shout" => Some(Box::pin(async move {
                    let v: Value = serde_json::from_str(&args).unwrap();
                    let c: Value = serde_json::from_str(&ctx).unwrap();
                    Ok(format!("{}! (for {})", v["text"].as_str().unwrap_or("").to_uppercase(), c["agent_id"].as_str().unwrap()))
                })),
                "fail" => Some(Box::pin(async { Err("boom".to_string()) })),
                _ => None,
            }
        }
    }
    let t = setup();
    t.engine.set_tool_host(Rc::new(Host));
    for name in ["shout", "fail", "unbound"] {
        t.ok("POST", "/v1/tools/", json!({ "json_schema": { "name": name, "parameters": { "type": "object", "properties": { "text": { "type": "string" } } } } }));
    }
    let a = t.agent(json!({ "model": "scripted/ct", "tools": ["shout", "fail", "unbound"] }));
    t.script(
        "ct",
        vec![json!({ "tool_calls": [
            { "name": "shout", "arguments": { "text": "hi" } },
            { "name": "fail", "arguments": {} },
            { "name": "unbound", "arguments": {} }
        ] }), say("ok")],
    );
    let r = t.send(&a, "go");
    let rets: Vec<&Value> = r["messages"].as_array().unwrap().iter().filter(|m| m["message_type"] == "tool_return_message").collect();
    assert_eq!(rets[0]["tool_return"], format!("HI! (for {a})"));
    assert_eq!(rets[0]["status"], "success");
    assert_eq!((rets[1]["status"].as_str(), rets[1]["tool_return"].as_str()), (Some("error"), Some("boom")));
    assert!(rets[2]["tool_return"].as_str().unwrap().contains("No JavaScript body is bound for tool 'unbound'"));
    // Every call of one response has its own id and result, in order.
    let ids: Vec<&str> = r["messages"].as_array().unwrap().iter().filter(|m| m["message_type"] == "tool_call_message").map(|m| m["tool_call"]["tool_call_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|i| i.starts_with("call_")));
    let ret_ids: Vec<&str> = rets.iter().map(|m| m["tool_call_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ret_ids);
}

#[test]
fn cancelling_a_run_stops_it_cleanly() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/slow", "memory_blocks": [{ "label": "notes", "value": "" }] }));
    // The model takes "a while" (many yields) and would edit memory.
    t.engine.models().scripted("slow").set_fn(Rc::new(|_req| {
        Box::pin(async {
            Yield(200).await;
            Ok(call("memory_insert", json!({ "label": "notes", "new_string": "should not land" })))
        })
    }));
    let eng = t.engine.clone();
    let a2 = a.clone();
    let run = async move {
        let body = json!({ "input": "think hard" });
        letta_wasm::router::handle(&eng, "POST", &format!("/v1/agents/{a2}/messages"), &query(&[]), Some(&body), &letta_wasm::agent::NoSink).await.unwrap()
    };
    let eng = t.engine.clone();
    let a3 = a.clone();
    let cancel = async move {
        Yield(5).await;
        eng.cancel_runs(&a3, None).await.unwrap()
    };
    let (r, cancelled) = t.run(async { futures::join!(run, cancel) });
    assert_eq!(cancelled.as_object().unwrap().len(), 1, "{cancelled}");
    assert_eq!(r["stop_reason"]["stop_reason"], "cancelled");
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}/core-memory/blocks/notes"), json!(null))["value"], "");
    let hist = t.ok("GET", &format!("/v1/agents/{a}/messages"), json!(null));
    assert_eq!(hist.as_array().unwrap().len(), 2, "system + the input; nothing of the cancelled step");
    assert_eq!(t.ok("GET", &format!("/v1/agents/{a}"), json!(null))["last_stop_reason"], "cancelled");
    // Nothing to cancel now, and the agent works again.
    assert_eq!(t.run(t.engine.cancel_runs(&a, None)).unwrap(), json!({}));
    t.script("slow", vec![say("back")]);
    assert_eq!(t.send(&a, "again")["messages"][0]["content"], "back");
}

#[test]
fn a_tiny_message_cache_never_drops_a_message_from_a_request() {
    // The cache is dropped wholesale when full; that must never lose a message the context
    // names (it used to, when the cache was cleared between planning the reads and using them).
    let t = setup_with(letta_wasm::EngineOptions { msg_cache_max: 2, ..letta_wasm::EngineOptions::default() });
    let a = t.agent(json!({ "model": "scripted/c", "memory_blocks": [{ "label": "notes", "value": "" }] }));
    t.engine.models().scripted("c").set_fn(Rc::new(|req| {
        Box::pin(async move {
            let last = req["messages"].as_array().unwrap().last().unwrap().clone();
            Ok(if last["role"] == "user" {
                call("memory_insert", json!({ "label": "notes", "new_string": "x" }))
            } else {
                say("ok")
            })
        })
    }));
    for i in 0..12 {
        t.send(&a, &format!("turn {i}"));
    }
    for req in t.requests("c") {
        let users: Vec<&str> = req["messages"].as_array().unwrap().iter().filter(|m| m["role"] == "user").map(|m| m["content"].as_str().unwrap()).collect();
        let turn = users.last().unwrap();
        let n: usize = turn.trim_start_matches("turn ").parse().unwrap();
        assert_eq!(users.len(), n + 1, "every earlier turn is in the request: {users:?}");
    }
}
