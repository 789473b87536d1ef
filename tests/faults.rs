//! Fault injection: a store that fails on purpose (the Nth commit, the Nth read, a commit
//! applied and then reported failed) under whole runs, swept over every commit and read
//! index of each scenario; and provider failures in the middle of multi-agent runs.
//!
//! Invariants after every injected fault:
//! - the run ended with a typed error (5xx storage) or a failure stop reason, or finished with
//!   all of its edits applied exactly once;
//! - the store holds exactly the state of the last acknowledged commit (nothing half-written);
//! - the engine's views (agent, block, messages) equal those of a fresh engine on the same
//!   store (no cache holds state the store does not);
//! - no memory edit or mailbox message is applied or delivered twice;
//! - the next run (no fault) succeeds, and after it every committed mailbox message has been
//!   delivered exactly once and no mail is left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use support::*;

fn tools_since_user(req: &Value) -> usize {
    let msgs = req["messages"].as_array().unwrap();
    msgs.iter().rev().take_while(|m| m["role"] != "user").filter(|m| m["role"] == "tool").count()
}

/// What a client sees of the agent and a block: compared between engines.
fn views(h: &H, agent: &str, block: &str) -> Value {
    let mut a = h.ok("GET", &format!("/v1/agents/{agent}"), json!(null));
    strip_volatile(&mut a);
    json!({
        "agent": a,
        "block": h.ok("GET", &format!("/v1/blocks/{block}"), json!(null)),
        "messages": h.call("GET", &format!("/v1/agents/{agent}/messages"), None).unwrap(),
    })
}

/// Fields computed at read time (the compiled system prompt carries the current time).
fn strip_volatile(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in ["system", "memory", "compiled", "updated_at", "last_run_completion", "last_run_duration_ms"] {
                m.remove(k);
            }
            for (_, x) in m.iter_mut() {
                strip_volatile(x);
            }
        }
        Value::Array(xs) => xs.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

/// The outcome of a run, short: the stop reason and error, or the API error.
fn short(r: &Result<Value, letta_wasm::ApiError>) -> String {
    match r {
        Ok(v) => format!("stop={} error={}", v["stop_reason"]["stop_reason"], v.get("error").unwrap_or(&Value::Null)),
        Err(e) => format!("ApiError {} {}", e.status, e.detail),
    }
}

// ------------------------------------------------------------------ single agent

struct Single {
    h: H,
    agent: String,
    block: String,
}

fn single() -> Single {
    let h = harness();
    let block = h.block("notes", "start\nPH-one\nPH-two");
    let agent = h.agent(json!({ "name": "mem", "model": "scripted/mem", "block_ids": [block], "tools": ["core_memory_append", "memory_insert", "memory_replace"] }));
    // Step 1 appends, step 2 inserts, step 3 replaces a placeholder, step 4 answers: each
    // edit carries the run's token, so doubled or lost edits are countable.
    h.brain("mem", |req| {
        let run = last_user(req);
        let tok = run.rsplit(' ').next().unwrap_or("").to_string();
        match tools_since_user(req) {
            0 => json!({ "tool_calls": [{ "name": "core_memory_append", "arguments": { "label": "notes", "content": format!("A-{tok}") } }] }),
            1 => json!({ "tool_calls": [{ "name": "memory_insert", "arguments": { "label": "notes", "new_string": format!("I-{tok}"), "insert_line": 0 } }] }),
            2 => {
                let ph = if tok == "r1" { "PH-one" } else { "PH-two" };
                json!({ "tool_calls": [{ "name": "memory_replace", "arguments": { "label": "notes", "old_string": ph, "new_string": format!("R-{tok}") } }] })
            }
            _ => json!({ "content": format!("done {tok}") }),
        }
    });
    Single { h, agent, block }
}

fn edits_of(tok: &str) -> [String; 3] {
    [format!("A-{tok}"), format!("I-{tok}"), format!("R-{tok}")]
}

/// Runs the single-agent scenario with `fault` armed for its first run; checks the invariants.
fn single_with(fault: Fault) -> (u64, u64) {
    let s = single();
    let h = &s.h;
    h.store.arm(fault);
    let r1 = h.send(&s.agent, "please note r1");
    let (commits, reads) = (h.store.commits(), h.store.reads());
    let hit = h.store.injected.get() > 0;
    let value = h.store.inner.snapshot().get(&format!("block/{}", s.block)).map(|(_, v)| v.clone()).unwrap();
    let ctx = format!("{fault:?}: {}\n{value}", short(&r1));
    match &r1 {
        Ok(r) => {
            let stop = r["stop_reason"]["stop_reason"].as_str().unwrap().to_string();
            if stop == "end_turn" {
                // Absorbed (retried): then the run is complete.
                let v = h.block_value(&s.block);
                for e in edits_of("r1") {
                    assert_eq!(count(&v, &e), 1, "a completed run applies each edit once: {ctx}");
                }
            } else {
                assert!(hit, "a failure stop reason without a fault: {ctx}");
                assert!(["llm_api_error", "error", "invalid_llm_response"].contains(&stop.as_str()), "{ctx}");
            }
        }
        Err(e) => {
            assert!(hit, "an error without a fault: {ctx}");
            assert!(e.status >= 500, "a storage fault is a 5xx, not a client error: {e} / {ctx}");
        }
    }
    if !matches!(fault, Fault::ApplyThenFail(_)) {
        assert_eq!(h.store.snapshot(), h.store.last_ok(), "the store holds the last acknowledged commit: {ctx}");
    }
    // No edit applied twice, whatever happened.
    let v = h.block_value(&s.block);
    for e in edits_of("r1") {
        assert!(count(&v, &e) <= 1, "edit {e} doubled: {ctx}\n{v}");
    }
    // The engine's caches agree with the store.
    let fresh = h.fresh();
    assert_eq!(views(h, &s.agent, &s.block), views(&fresh, &s.agent, &s.block), "engine view differs from the store: {ctx}");
    // The next run succeeds and is complete.
    h.store.arm(Fault::None);
    let r2 = h.send(&s.agent, "please note r2").unwrap_or_else(|e| panic!("next run failed: {e} / {ctx}"));
    assert_eq!(r2["stop_reason"]["stop_reason"], "end_turn", "{ctx}: {r2}");
    let v = h.block_value(&s.block);
    for e in edits_of("r2") {
        assert_eq!(count(&v, &e), 1, "{ctx}\n{v}");
    }
    for e in edits_of("r1") {
        assert!(count(&v, &e) <= 1, "{ctx}\n{v}");
    }
    assert_eq!(views(h, &s.agent, &s.block), views(&h.fresh(), &s.agent, &s.block), "after the next run: {ctx}");
    (commits, reads)
}

#[test]
fn single_agent_baseline_has_commits_and_reads_to_break() {
    let (c, r) = single_with(Fault::None);
    assert!(c >= 4 && r >= 4, "commits {c} reads {r}");
}

#[test]
fn single_agent_every_commit_failing_leaves_the_last_committed_state() {
    let (c, _) = single_with(Fault::None);
    for n in 0..c {
        single_with(Fault::FailCommit(n));
    }
}

#[test]
fn single_agent_every_read_failing_leaves_the_last_committed_state() {
    let (_, r) = single_with(Fault::None);
    for n in 0..r {
        single_with(Fault::FailRead(n));
    }
}

#[test]
fn single_agent_backend_gone_from_every_commit_on() {
    let (c, _) = single_with(Fault::None);
    for n in 0..c {
        single_with(Fault::FailCommitsFrom(n));
    }
}

/// A commit applied but reported failed: the engine cannot know it landed. What must hold:
/// no edit is applied twice (a retry must not re-apply a landed step), the store stays
/// readable and consistent for a fresh engine, and the next run succeeds.
#[test]
fn single_agent_commit_applied_then_reported_failed_doubles_nothing() {
    let (c, _) = single_with(Fault::None);
    for n in 0..c {
        single_with(Fault::ApplyThenFail(n));
    }
}

// ------------------------------------------------------------------ multi-agent

struct Team {
    h: H,
    sup: String,
    workers: Vec<String>,
    /// (receiver, text) of every model call a worker got.
    seen: Rc<RefCell<Vec<(String, String)>>>,
}

fn team() -> Team {
    let h = harness();
    let workers: Vec<String> =
        (0..3).map(|i| h.agent(json!({ "name": format!("w{i}"), "model": "scripted/worker", "tags": ["team"] }))).collect();
    let sup = h.agent(json!({ "name": "sup", "model": "scripted/sup", "include_multi_agent_tools": true }));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s2 = seen.clone();
    h.slow_brain(
        "worker",
        |req| 1 + (req["agent_id"].as_str().unwrap().len() as u32 % 3),
        move |req| {
            s2.borrow_mut().push((req["agent_id"].as_str().unwrap().to_string(), last_user(req)));
            json!({ "content": "ok" })
        },
    );
    let (w0, w1) = (workers[0].clone(), workers[1].clone());
    h.brain("sup", move |req| {
        let tok = last_user(req).rsplit(' ').next().unwrap_or("").to_string();
        match tools_since_user(req) {
            0 => json!({ "tool_calls": [
                { "name": "send_message_to_agent_async", "arguments": { "message": format!("async0-{tok}"), "other_agent_id": w0 } },
                { "name": "send_message_to_agent_async", "arguments": { "message": format!("async1-{tok}"), "other_agent_id": w1 } }
            ] }),
            2 => json!({ "tool_calls": [
                { "name": "send_message_to_agents_matching_tags", "arguments": { "message": format!("bc-{tok}"), "match_all": [], "match_some": ["team"] } }
            ] }),
            _ => json!({ "content": format!("done {tok}") }),
        }
    });
    Team { h, sup, workers, seen }
}

/// Committed user messages of `agent` containing `needle`, as a fresh engine reads them.
fn committed_deliveries(fresh: &H, agent: &str, needle: &str) -> usize {
    let hist = fresh.call("GET", &format!("/v1/agents/{agent}/messages"), None).unwrap();
    hist.as_array().unwrap().iter().filter(|m| m["message_type"] == "user_message" && m["content"].as_str().unwrap_or("").ends_with(needle)).count()
}

/// Runs the team scenario with `fault`; returns (commits, reads, whether the known mailbox-drop
/// bug struck: a mailbox record deleted by a commit that delivered nothing to its agent).
fn team_with(fault: Fault) -> (u64, u64, bool) {
    let t = team();
    let h = &t.h;
    h.store.arm(fault);
    let r1 = h.send(&t.sup, "coordinate m1");
    h.settle();
    let (commits, reads) = (h.store.commits(), h.store.reads());
    let ctx = format!("{fault:?}: {}", short(&r1));
    if let Err(e) = &r1 {
        assert!(h.store.injected.get() > 0 && e.status >= 500, "{ctx}");
    }
    if !matches!(fault, Fault::ApplyThenFail(_)) {
        assert_eq!(h.store.snapshot(), h.store.last_ok(), "{ctx}");
    }
    // Was each async message committed to a mailbox (by the sender's step)?
    let mailed = |i: usize| h.store.writes.borrow().iter().any(|w| w.key.starts_with(&format!("mailbox/{}/", t.workers[i])) && w.value.as_deref().is_some_and(|v| v.contains(&format!("async{i}-m1"))));
    // Recover: the engine restarts its mailboxes (as at an engine start), then a clean run.
    h.store.arm(Fault::None);
    h.run(h.engine.resume_mailboxes()).unwrap();
    h.settle();
    let r2 = h.send(&t.sup, "coordinate m2").unwrap_or_else(|e| panic!("next run failed: {e} / {ctx}"));
    assert_eq!(r2["stop_reason"]["stop_reason"], "end_turn", "{ctx}: {r2}");
    h.settle();
    let fresh = h.fresh();
    for i in 0..2 {
        let w = &t.workers[i];
        let n1 = committed_deliveries(&fresh, w, &format!("async{i}-m1"));
        if mailed(i) && n1 == 0 && dropped_undelivered(h, w) {
            return (commits, reads, true);
        }
        if mailed(i) {
            assert_eq!(n1, 1, "a committed mailbox message is delivered exactly once: worker {i} / {ctx}");
        } else {
            assert_eq!(n1, 0, "{ctx}");
        }
        assert_eq!(committed_deliveries(&fresh, w, &format!("async{i}-m2")), 1, "{ctx}");
    }
    for w in &t.workers {
        // The broadcast reaches each worker once.
        assert_eq!(committed_deliveries(&fresh, w, "bc-m2"), 1, "{ctx}");
        assert!(committed_deliveries(&fresh, w, "bc-m1") <= 1, "{ctx}");
    }
    assert!(h.store.snapshot().keys().all(|k| !k.starts_with("mailbox/")), "no mail left behind: {ctx}");
    // The worker model never saw one async message more often than its mailbox record was consumed + retried.
    let seen = t.seen.borrow();
    for i in 0..2 {
        let n = seen.iter().filter(|(a, m)| a == &t.workers[i] && m.ends_with(&format!("async{i}-m2"))).count();
        assert_eq!(n, 1, "{ctx}");
    }
    (commits, reads, false)
}

/// True when a commit deleted a mailbox record of `agent` and wrote none of its messages.
fn dropped_undelivered(h: &H, agent: &str) -> bool {
    let writes = h.store.writes.borrow();
    writes.iter().filter(|w| w.value.is_none() && w.key.starts_with(&format!("mailbox/{agent}/"))).any(|d| {
        !writes.iter().any(|w| w.commit == d.commit && w.key.starts_with(&format!("msg/{agent}/")))
    })
}

#[test]
fn team_baseline() {
    let (c, r, _) = team_with(Fault::None);
    assert!(c >= 6 && r >= 6, "commits {c} reads {r}");
}

#[test]
fn team_every_commit_failing_loses_and_doubles_no_mail() {
    let (c, _, _) = team_with(Fault::None);
    for n in 0..c {
        assert!(!team_with(Fault::FailCommit(n)).2, "FailCommit({n}) dropped mail");
    }
}

#[test]
fn team_every_read_failing_loses_and_doubles_no_mail() {
    let (_, r, _) = team_with(Fault::None);
    // A failed read used to be taken for "the receiver was deleted" and dropped its mail
    // (fixed in pump_mailbox): no read fault may lose a committed mailbox message.
    let lost: Vec<u64> = (0..r).filter(|n| team_with(Fault::FailRead(*n)).2).collect();
    assert!(lost.is_empty(), "read faults {lost:?} lost a committed mailbox message");
}

#[test]
fn team_commit_applied_then_reported_failed_doubles_no_mail() {
    let (c, _, _) = team_with(Fault::None);
    for n in 0..c {
        assert!(!team_with(Fault::ApplyThenFail(n)).2, "ApplyThenFail({n}) dropped mail");
    }
}

// ------------------------------------------------------------------ provider faults

#[test]
fn a_worker_model_failing_while_the_supervisor_waits_is_reported_and_the_supervisor_finishes() {
    let h = harness();
    let w = h.agent(json!({ "name": "w", "model": "scripted/flaky" }));
    let sup = h.agent(json!({ "name": "sup", "model": "scripted/sup", "include_multi_agent_tools": true }));
    let calls = Rc::new(RefCell::new(0u32));
    let c2 = calls.clone();
    // Fails every other call.
    h.slow_brain("flaky", |_| 2, move |_| {
        *c2.borrow_mut() += 1;
        if *c2.borrow() % 2 == 1 {
            json!({ "error": { "status": 503, "message": "worker model down" } })
        } else {
            json!({ "content": "worker ok" })
        }
    });
    let w2 = w.clone();
    let results = Rc::new(RefCell::new(Vec::<Value>::new()));
    let r2 = results.clone();
    h.brain("sup", move |req| {
        if tools_since_user(req) == 0 {
            json!({ "tool_calls": [{ "name": "send_message_to_agent_and_wait_for_reply", "arguments": { "message": last_user(req), "other_agent_id": w2 } }] })
        } else {
            let m = req["messages"].as_array().unwrap().iter().rev().find(|m| m["role"] == "tool").unwrap().clone();
            r2.borrow_mut().push(m.clone());
            json!({ "content": "handled" })
        }
    });
    for i in 0..4 {
        let r = h.send(&sup, &format!("q{i}")).unwrap();
        assert_eq!(r["stop_reason"]["stop_reason"], "end_turn");
        let ret = &tool_returns(&r)[0];
        if i % 2 == 0 {
            assert_eq!(ret["status"], "error", "{ret}");
            assert!(ret["tool_return"].as_str().unwrap().contains("worker model down"), "{ret}");
        } else {
            assert_eq!(ret["status"], "success", "{ret}");
        }
    }
    assert_eq!(results.borrow().len(), 4, "the supervisor saw every outcome");
    // The worker's history holds each incoming message once (the failed ones too: input is kept).
    let hist = h.call("GET", &format!("/v1/agents/{w}/messages"), None).unwrap();
    for i in 0..4 {
        let n = hist.as_array().unwrap().iter().filter(|m| m["message_type"] == "user_message" && m["content"].as_str().unwrap().ends_with(&format!("q{i}"))).count();
        assert_eq!(n, 1, "q{i}");
    }
}

#[test]
fn broadcast_with_failing_receivers_and_async_mail_loses_and_doubles_nothing() {
    let h = harness();
    let n = 8;
    let ws: Vec<String> = (0..n).map(|i| h.agent(json!({ "name": format!("w{i}"), "model": format!("scripted/w{}", i % 2), "tags": ["team"] }))).collect();
    let sup = h.agent(json!({ "name": "sup", "model": "scripted/sup", "include_multi_agent_tools": true }));
    let seen = Rc::new(RefCell::new(Vec::<(String, String)>::new()));
    for parity in 0..2 {
        let s = seen.clone();
        h.slow_brain(&format!("w{parity}"), move |req| 1 + req["step"].as_u64().unwrap_or(0) as u32 * 3 + parity, move |req| {
            let text = last_user(req);
            s.borrow_mut().push((req["agent_id"].as_str().unwrap().to_string(), text.clone()));
            // Odd workers fail broadcasts but answer async mail.
            if parity == 1 && text.contains("bc-") {
                json!({ "error": { "status": 500, "message": "receiver exploded" } })
            } else {
                json!({ "content": "fine" })
            }
        });
    }
    let targets = ws.clone();
    h.brain("sup", move |req| match tools_since_user(req) {
        0 => {
            let mut calls: Vec<Value> = targets.iter().enumerate().map(|(i, w)| json!({ "name": "send_message_to_agent_async", "arguments": { "message": format!("mail-{i}"), "other_agent_id": w } })).collect();
            calls.push(json!({ "name": "send_message_to_agents_matching_tags", "arguments": { "message": "bc-1", "match_all": ["team"], "match_some": [] } }));
            json!({ "tool_calls": calls })
        }
        _ => json!({ "content": "summarised" }),
    });
    let r = h.send(&sup, "go").unwrap();
    assert_eq!(r["stop_reason"]["stop_reason"], "end_turn");
    let rets = tool_returns(&r);
    let bc = rets.last().unwrap();
    let replies: Vec<Value> = serde_json::from_str(bc["tool_return"].as_str().unwrap()).unwrap();
    assert_eq!(replies.len(), n);
    for (i, w) in ws.iter().enumerate() {
        let rep = replies.iter().find(|x| x["agent_id"] == w.as_str()).unwrap();
        if i % 2 == 1 {
            assert!(rep["error"].as_str().unwrap().contains("receiver exploded"), "{rep}");
        } else {
            assert_eq!(rep["response"][0], "fine", "{rep}");
        }
    }
    h.settle();
    let seen = seen.borrow();
    for (i, w) in ws.iter().enumerate() {
        let mail = seen.iter().filter(|(a, t)| a == w && t.ends_with(&format!("mail-{i}"))).count();
        assert_eq!(mail, 1, "mail-{i} delivered exactly once");
        let bc = seen.iter().filter(|(a, t)| a == w && t.ends_with("bc-1")).count();
        assert_eq!(bc, 1, "broadcast reached w{i} once");
    }
    assert!(h.store.snapshot().keys().all(|k| !k.starts_with("mailbox/")));
    let log = h.ok("GET", "/v1/interactions/", json!(null));
    let failed = log.as_array().unwrap().iter().filter(|i| i["status"] == "failed").count();
    assert_eq!(failed, n / 2, "each failed receiver is in the log");
}
