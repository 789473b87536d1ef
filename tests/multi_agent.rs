//! Agents messaging agents (native): the multi-agent tools, mailboxes, parallel
//! broadcasts, cycle/depth/storm limits and the interaction log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use letta_wasm::EngineOptions;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Programs `scripted/<name>` with a function of the request.
fn brain(t: &T, name: &str, f: impl Fn(&Value) -> Value + 'static) {
    let f = Rc::new(f);
    t.engine.models().scripted(name).set_fn(Rc::new(move |req| {
        let f = f.clone();
        Box::pin(async move { Ok(f(&req)) })
    }));
}

/// Like `brain`, yielding to the executor first (so concurrent runs interleave).
fn slow_brain(t: &T, name: &str, yields: u32, f: impl Fn(&Value) -> Value + 'static) {
    let f = Rc::new(f);
    t.engine.models().scripted(name).set_fn(Rc::new(move |req| {
        let f = f.clone();
        Box::pin(async move {
            Yield(yields).await;
            Ok(f(&req))
        })
    }));
}

fn last_user(req: &Value) -> String {
    req["messages"].as_array().unwrap().iter().rev().find(|m| m["role"] == "user").map(|m| m["content"].as_str().unwrap().to_string()).unwrap_or_default()
}

/// The parsed `message` of the newest tool result in the request, and its status.
fn last_tool(req: &Value) -> Option<(String, Value)> {
    let m = req["messages"].as_array().unwrap().iter().rev().find(|m| m["role"] == "tool")?;
    let v: Value = serde_json::from_str(m["content"].as_str()?).ok()?;
    let msg = match &v["message"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        other => other.clone(),
    };
    Some((v["status"].as_str()?.to_string(), msg))
}

/// The model's step within its current run: 0 on a new input.
fn is_first_step(req: &Value) -> bool {
    req["messages"].as_array().unwrap().last().is_some_and(|m| m["role"] == "user")
}

fn tool_returns(resp: &Value) -> Vec<Value> {
    resp["messages"].as_array().unwrap().iter().filter(|m| m["message_type"] == "tool_return_message").cloned().collect()
}

#[test]
fn wait_for_reply_returns_the_reply_every_time() {
    let t = setup();
    let worker = t.agent(json!({ "name": "worker", "model": "scripted/worker" }));
    let boss = t.agent(json!({ "name": "boss", "model": "scripted/boss", "include_multi_agent_tools": true }));
    let asked = Rc::new(RefCell::new(0));
    let a2 = asked.clone();
    brain(&t, "worker", move |req| {
        *a2.borrow_mut() += 1;
        json!({ "content": format!("answer #{} to: {}", a2.borrow(), last_user(req)) })
    });
    let w = worker.clone();
    brain(&t, "boss", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_and_wait_for_reply", "arguments": { "message": last_user(req), "other_agent_id": w } }] })
        } else {
            let (status, reply) = last_tool(req).unwrap();
            json!({ "content": format!("{status}: {}", reply["response"][0].as_str().unwrap_or("<none>")) })
        }
    });
    for i in 1..=5 {
        let r = t.send(&boss, &format!("question {i}"));
        let texts: Vec<&str> = r["messages"].as_array().unwrap().iter().filter(|m| m["message_type"] == "assistant_message").map(|m| m["content"].as_str().unwrap()).collect();
        assert_eq!(texts.len(), 1);
        assert!(texts[0].starts_with(&format!("OK: answer #{i} to: [Incoming message from agent with ID '{boss}'")), "{}", texts[0]);
        assert!(texts[0].ends_with(&format!("question {i}")));
    }
    // The worker saw who asked, and its history records the sender.
    let hist = t.ok("GET", &format!("/v1/agents/{worker}/messages"), json!(null));
    let incoming: Vec<&Value> = hist.as_array().unwrap().iter().filter(|m| m["message_type"] == "user_message").collect();
    assert_eq!(incoming.len(), 5);
    assert!(incoming.iter().all(|m| m["sender_id"] == boss.as_str()));
    assert!(incoming[0]["content"].as_str().unwrap().contains("your response will be delivered to the sender"));
    // The interaction log has each exchange, with the reply.
    let log = t.callq("GET", "/v1/interactions/", &[("agent_id", &worker)]).unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 5);
    assert_eq!((log[0]["kind"].as_str(), log[0]["status"].as_str()), (Some("wait"), Some("replied")));
    assert_eq!((log[0]["sender_id"].as_str(), log[0]["receiver_id"].as_str()), (Some(boss.as_str()), Some(worker.as_str())));
    assert_eq!(log[4]["reply"][0].as_str().unwrap().split(" to:").next(), Some("answer #5"));
    assert!(log[0]["sender_run_id"].as_str().unwrap().starts_with("run-"));
    assert!(log[0]["receiver_run_id"].as_str().unwrap().starts_with("run-"));
}

#[test]
fn async_send_returns_at_once_and_is_delivered_after() {
    let t = setup();
    let inbox = t.agent(json!({ "name": "inbox", "model": "scripted/inbox" }));
    let sender = t.agent(json!({ "name": "sender", "model": "scripted/sender", "include_multi_agent_tools": true }));
    let received = Rc::new(RefCell::new(Vec::<String>::new()));
    let r2 = received.clone();
    // The receiver is slow: the sender must not wait for it.
    slow_brain(&t, "inbox", 50, move |req| {
        r2.borrow_mut().push(last_user(req));
        json!({ "content": "got it" })
    });
    let to = inbox.clone();
    brain(&t, "sender", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [
                { "name": "send_message_to_agent_async", "arguments": { "message": "first note", "other_agent_id": to } },
                { "name": "send_message_to_agent_async", "arguments": { "message": "second note", "other_agent_id": to } }
            ] })
        } else {
            json!({ "content": "sent both" })
        }
    });
    let r = t.send(&sender, "notify inbox");
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn");
    let rets = tool_returns(&r);
    assert!(rets.iter().all(|m| m["status"] == "success" && m["tool_return"].as_str().unwrap().starts_with("Successfully sent message")));
    assert!(received.borrow().is_empty(), "the sender's run ended before the receiver answered");
    // Until then the messages wait in the (stored) mailbox.
    assert!(t.store.snapshot().keys().any(|k| k.starts_with(&format!("mailbox/{inbox}/"))));
    t.settle();
    let got = received.borrow().clone();
    assert_eq!(got.len(), 2, "each message delivered exactly once");
    assert!(got[0].contains("one-way notification") && got[0].ends_with("first note"));
    assert!(got[1].ends_with("second note"), "in order");
    assert_eq!(t.store.snapshot().keys().filter(|k| k.starts_with("mailbox/")).count(), 0);
    let log = t.ok("GET", "/v1/interactions/", json!(null));
    assert!(log.as_array().unwrap().iter().all(|i| i["kind"] == "async" && i["status"] == "delivered"));
    // The log names the receiver's run, which holds the message.
    let run = log[0]["receiver_run_id"].as_str().unwrap();
    let hist = t.ok("GET", &format!("/v1/agents/{inbox}/messages"), json!(null));
    assert!(hist.as_array().unwrap().iter().any(|m| m["run_id"] == run && m["message_type"] == "user_message"));
    assert!(log[0].get("created_ms").is_none());
    // Nothing runs twice when the mailbox is looked at again.
    assert_eq!(t.run(t.engine.resume_mailboxes()).unwrap(), 0);
    t.settle();
    assert_eq!(received.borrow().len(), 2);
}

#[test]
fn async_message_to_a_busy_agent_runs_after_its_current_run() {
    let t = setup();
    let b = t.agent(json!({ "name": "b", "model": "scripted/b" }));
    let a = t.agent(json!({ "name": "a", "model": "scripted/a", "include_multi_agent_tools": true }));
    let order = Rc::new(RefCell::new(Vec::<String>::new()));
    let o2 = order.clone();
    // B's run from the API yields a while; A's note must wait for it to end.
    slow_brain(&t, "b", 4, move |req| {
        o2.borrow_mut().push(last_user(req));
        json!({ "content": "ok" })
    });
    let to = b.clone();
    brain(&t, "a", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_async", "arguments": { "message": "note from a", "other_agent_id": to } }] })
        } else {
            json!({ "content": "done" })
        }
    });
    let eng = t.engine.clone();
    let b2 = b.clone();
    let api_run = async move {
        let body = json!({ "input": "api work" });
        letta_wasm::router::handle(&eng, "POST", &format!("/v1/agents/{b2}/messages"), &query(&[]), Some(&body), &letta_wasm::agent::NoSink).await.unwrap();
    };
    let eng = t.engine.clone();
    let a2 = a.clone();
    let a_run = async move {
        let body = json!({ "input": "tell b" });
        letta_wasm::router::handle(&eng, "POST", &format!("/v1/agents/{a2}/messages"), &query(&[]), Some(&body), &letta_wasm::agent::NoSink).await.unwrap()
    };
    let r = t.run(async { futures::join!(api_run, a_run).1 });
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn", "the sender finished without waiting for b");
    t.settle();
    let order = order.borrow();
    assert_eq!(order.len(), 2);
    assert_eq!(order[0], "api work");
    assert!(order[1].ends_with("note from a"));
}

#[test]
fn broadcast_runs_every_matching_agent_in_parallel_but_the_sender() {
    let t = setup();
    let n = 12;
    let mut workers = Vec::new();
    for i in 0..n {
        workers.push(t.agent(json!({ "name": format!("w{i}"), "model": "scripted/worker", "tags": ["worker", if i % 2 == 0 { "even" } else { "odd" }] })));
    }
    t.agent(json!({ "name": "outsider", "model": "scripted/worker", "tags": ["other"] }));
    let sup = t.agent(json!({ "name": "sup", "model": "scripted/sup", "tags": ["worker"], "include_multi_agent_tools": true, "tools": ["send_message_to_agents_matching_all_tags"] }));
    slow_brain(&t, "worker", 3, |req| json!({ "content": format!("done by {}", req["agent_id"].as_str().unwrap()) }));
    brain(&t, "sup", |req| {
        if is_first_step(req) {
            let q = last_user(req);
            if q == "all" {
                json!({ "tool_calls": [{ "name": "send_message_to_agents_matching_tags", "arguments": { "message": "status?", "match_all": ["worker"], "match_some": [] } }] })
            } else if q == "legacy" {
                json!({ "tool_calls": [{ "name": "send_message_to_agents_matching_all_tags", "arguments": { "message": "status?", "tags": ["worker", "even"] } }] })
            } else {
                json!({ "tool_calls": [{ "name": "send_message_to_agents_matching_tags", "arguments": { "message": "status?", "match_all": ["nobody"], "match_some": [] } }] })
            }
        } else {
            json!({ "content": "summarised" })
        }
    });
    let r = t.send(&sup, "all");
    let rets = tool_returns(&r);
    assert_eq!(rets[0]["status"], "success");
    let replies: Vec<Value> = serde_json::from_str(rets[0]["tool_return"].as_str().unwrap()).unwrap();
    assert_eq!(replies.len(), n, "every worker but the sender (who is tagged too), not the outsider");
    for (rep, w) in replies.iter().zip(&workers) {
        assert_eq!(rep["agent_id"], w.as_str(), "labelled by agent, in a stable order");
        assert_eq!(rep["response"][0], format!("done by {w}"));
    }
    let stats = t.engine.models().scripted("worker").stats();
    assert_eq!(stats.peak_in_flight, n as u64, "all receivers were in flight at once");

    let r = t.send(&sup, "legacy");
    let replies: Vec<Value> = serde_json::from_str(tool_returns(&r)[0]["tool_return"].as_str().unwrap()).unwrap();
    assert_eq!(replies.len(), n / 2);

    let r = t.send(&sup, "none");
    let ret = &tool_returns(&r)[0];
    assert_eq!(ret["status"], "error");
    assert!(ret["tool_return"].as_str().unwrap().contains("nothing was sent"));
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn", "the sender goes on");
}

#[test]
fn broadcast_reports_receiver_failures_and_the_others_finish() {
    let t = setup();
    let good = t.agent(json!({ "name": "good", "model": "scripted/good", "tags": ["team"] }));
    let bad = t.agent(json!({ "name": "bad", "model": "scripted/bad", "tags": ["team"] }));
    let sup = t.agent(json!({ "model": "scripted/sup", "include_multi_agent_tools": true }));
    slow_brain(&t, "good", 2, |_| json!({ "content": "fine" }));
    slow_brain(&t, "bad", 1, |_| json!({ "error": { "status": 503, "message": "model down" } }));
    brain(&t, "sup", |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agents_matching_tags", "arguments": { "message": "go", "match_all": [], "match_some": ["team"] } }] })
        } else {
            json!({ "content": "ok" })
        }
    });
    let r = t.send(&sup, "start");
    let replies: Vec<Value> = serde_json::from_str(tool_returns(&r)[0]["tool_return"].as_str().unwrap()).unwrap();
    let by = |id: &str| replies.iter().find(|x| x["agent_id"] == id).unwrap().clone();
    assert_eq!(by(&good)["response"][0], "fine");
    assert!(by(&bad)["error"].as_str().unwrap().contains("llm_api_error"), "{}", by(&bad));
    assert!(by(&bad)["error"].as_str().unwrap().contains("model down"));
    let log = t.ok("GET", "/v1/interactions/", json!(null));
    let statuses: Vec<&str> = log.as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"failed") && statuses.contains(&"replied"));
}

#[test]
fn bad_targets_are_tool_errors_the_model_can_act_on() {
    let t = setup();
    let a = t.agent(json!({ "model": "scripted/a", "include_multi_agent_tools": true }));
    let me = a.clone();
    brain(&t, "a", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [
                { "name": "send_message_to_agent_and_wait_for_reply", "arguments": { "message": "hi", "other_agent_id": "agent-123e4567-e89b-42d3-8456-426614174000" } },
                { "name": "send_message_to_agent_async", "arguments": { "message": "hi", "other_agent_id": "bob" } },
                { "name": "send_message_to_agent_and_wait_for_reply", "arguments": { "message": "hi", "other_agent_id": me } },
                { "name": "send_message_to_agent_async", "arguments": { "other_agent_id": me } },
                { "name": "send_message_to_agents_matching_tags", "arguments": { "message": "hi", "match_all": [], "match_some": [] } }
            ] })
        } else {
            json!({ "content": "handled" })
        }
    });
    let r = t.send(&a, "go");
    let rets = tool_returns(&r);
    let want = ["No agent with id", "is not an agent id", "cannot message yourself", "Missing required argument 'message'", "at least one tag"];
    for (ret, w) in rets.iter().zip(want) {
        assert_eq!(ret["status"], "error");
        assert!(ret["tool_return"].as_str().unwrap().contains(w), "{} / {w}", ret["tool_return"]);
    }
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn");
}

#[test]
fn a_wait_cycle_is_refused_instead_of_hanging() {
    let t = setup();
    let a = t.agent(json!({ "name": "a", "model": "scripted/a", "include_multi_agent_tools": true }));
    let b = t.agent(json!({ "name": "b", "model": "scripted/b", "include_multi_agent_tools": true }));
    let (ta, tb) = (b.clone(), a.clone());
    brain(&t, "a", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_and_wait_for_reply", "arguments": { "message": "what do you think?", "other_agent_id": ta } }] })
        } else {
            let (_, reply) = last_tool(req).unwrap();
            json!({ "content": format!("b said: {}", reply["response"][0].as_str().unwrap_or("?")) })
        }
    });
    // B, asked by A, tries to ask A back: that would wait forever.
    brain(&t, "b", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_and_wait_for_reply", "arguments": { "message": "what do YOU think?", "other_agent_id": tb } }] })
        } else {
            let (status, msg) = last_tool(req).unwrap();
            json!({ "content": format!("{status} / {}", msg.as_str().unwrap_or("")) })
        }
    });
    let r = t.send(&a, "start");
    let text = r["messages"].as_array().unwrap().iter().rev().find(|m| m["message_type"] == "assistant_message").unwrap()["content"].as_str().unwrap().to_string();
    assert!(text.starts_with("b said: Failed / Not sent: agent"), "{text}");
    assert!(text.contains("cycle:") && text.contains(&format!("{b} -> {a}")), "{text}");
    let log = t.ok("GET", "/v1/interactions/", json!(null));
    let statuses: Vec<&str> = log.as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["replied", "refused"], "A's request (logged first) was answered; B's was refused");
}

#[test]
fn chains_deeper_than_the_limit_are_refused() {
    let t = setup_with(EngineOptions { max_chain_depth: 2, ..EngineOptions::default() });
    let ids: Vec<String> = (0..4).map(|i| t.agent(json!({ "name": format!("n{i}"), "model": format!("scripted/n{i}"), "include_multi_agent_tools": true }))).collect();
    for i in 0..4 {
        let next = ids.get(i + 1).cloned();
        brain(&t, &format!("n{i}"), move |req| match (&next, is_first_step(req)) {
            (Some(n), true) => json!({ "tool_calls": [{ "name": "send_message_to_agent_and_wait_for_reply", "arguments": { "message": "pass it on", "other_agent_id": n } }] }),
            (Some(_), false) => {
                let (status, msg) = last_tool(req).unwrap();
                let inner = if status == "OK" { msg["response"][0].as_str().unwrap_or("").to_string() } else { format!("refused: {}", msg.as_str().unwrap_or("")) };
                json!({ "content": inner })
            }
            (None, _) => json!({ "content": "end of the line" }),
        });
    }
    let r = t.send(&ids[0], "go");
    let text = r["messages"].as_array().unwrap().iter().rev().find(|m| m["message_type"] == "assistant_message").unwrap()["content"].as_str().unwrap().to_string();
    assert!(text.starts_with("refused: Not sent: agents are already waiting on each other 2 deep"), "{text}");
    assert_eq!(t.engine.models().scripted("n3").stats().calls, 0, "the agent past the limit never ran");
}

#[test]
fn a_message_storm_between_agents_is_bounded() {
    let t = setup_with(EngineOptions { max_hops: 10, ..EngineOptions::default() });
    let a = t.agent(json!({ "name": "ping", "model": "scripted/pp", "include_multi_agent_tools": true }));
    let b = t.agent(json!({ "name": "pong", "model": "scripted/pp", "include_multi_agent_tools": true }));
    let (a2, b2) = (a.clone(), b.clone());
    // Each agent always answers the other with another async message.
    brain(&t, "pp", move |req| {
        let me = req["agent_id"].as_str().unwrap();
        let other = if me == a2 { b2.clone() } else { a2.clone() };
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_async", "arguments": { "message": "your turn", "other_agent_id": other } }] })
        } else {
            json!({ "content": "sent" })
        }
    });
    t.send(&a, "start the game");
    t.settle(); // terminates: the storm stops at the hop limit
    let log = t.ok("GET", "/v1/interactions/", json!(null));
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 10, "ten hops, then refused");
    let last = t.requests("pp").into_iter().rev().find(|r| !is_first_step(r)).unwrap();
    let (status, msg) = last_tool(&last).unwrap();
    assert_eq!(status, "Failed");
    assert!(msg.as_str().unwrap().contains("already gone 10 hops"), "{msg}");
}

#[test]
fn deleting_an_agent_drops_its_mail() {
    let t = setup();
    let b = t.agent(json!({ "model": "scripted/b" }));
    let a = t.agent(json!({ "model": "scripted/a", "include_multi_agent_tools": true }));
    let to = b.clone();
    brain(&t, "a", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_async", "arguments": { "message": "hello", "other_agent_id": to } }] })
        } else {
            json!({ "content": "ok" })
        }
    });
    // Send, then delete the receiver before its mailbox runs.
    let eng = t.engine.clone();
    let (a2, b2) = (a.clone(), b.clone());
    t.run(async move {
        let body = json!({ "input": "send" });
        letta_wasm::router::handle(&eng, "POST", &format!("/v1/agents/{a2}/messages"), &query(&[]), Some(&body), &letta_wasm::agent::NoSink).await.unwrap();
        letta_wasm::router::handle(&eng, "DELETE", &format!("/v1/agents/{b2}"), &query(&[]), None, &letta_wasm::agent::NoSink).await.unwrap();
    });
    t.settle();
    assert_eq!(t.engine.models().scripted("b").stats().calls, 0);
    assert!(t.store.snapshot().keys().all(|k| !k.starts_with("mailbox/")));
}

#[test]
fn a_large_broadcast_result_stays_valid_json() {
    let t = setup();
    for i in 0..30 {
        t.agent(json!({ "name": format!("w{i}"), "model": "scripted/long", "tags": ["w"] }));
    }
    brain(&t, "long", |_| json!({ "content": "x".repeat(3000) }));
    let sup = t.agent(json!({ "model": "scripted/sup", "include_multi_agent_tools": true }));
    brain(&t, "sup", |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agents_matching_tags", "arguments": { "message": "report", "match_all": ["w"], "match_some": [] } }] })
        } else {
            json!({ "content": "ok" })
        }
    });
    let r = t.send(&sup, "go");
    let ret = tool_returns(&r)[0]["tool_return"].as_str().unwrap().to_string();
    assert!(ret.chars().count() <= 50_000, "{}", ret.len());
    let replies: Vec<Value> = serde_json::from_str(&ret).expect("still valid JSON");
    assert_eq!(replies.len(), 30);
    assert!(replies.iter().all(|r| r["response"][0].as_str().unwrap().ends_with("the full reply is in the interaction log]")));
    let log = t.ok("GET", "/v1/interactions/", json!(null));
    assert_eq!(log[0]["reply"][0].as_str().unwrap().len(), 3000, "the log keeps the whole reply");
}

#[test]
fn a_failed_delivery_is_in_the_interaction_log() {
    let t = setup();
    let b = t.agent(json!({ "model": "scripted/down" }));
    t.script("down", vec![json!({ "error": { "status": 500, "message": "boom" } })]);
    let a = t.agent(json!({ "model": "scripted/a", "include_multi_agent_tools": true }));
    let to = b.clone();
    brain(&t, "a", move |req| {
        if is_first_step(req) {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_async", "arguments": { "message": "hi", "other_agent_id": to } }] })
        } else {
            json!({ "content": "ok" })
        }
    });
    t.send(&a, "go");
    t.settle();
    let log = t.ok("GET", "/v1/interactions/", json!(null));
    assert_eq!(log[0]["status"], "failed");
    assert!(log[0]["error"].as_str().unwrap().starts_with("llm_api_error: scripted returned 500"), "{}", log[0]["error"]);
    assert!(log[0]["completed_at"].as_str().unwrap().contains('.'), "millisecond timestamps");
}
