//! Agents messaging agents: the multi-agent tools, mailboxes, and the interaction log.
//!
//! * `send_message_to_agent_async` puts a message in the receiver's mailbox (a stored
//!   record, committed with the sender's step) and returns at once; the receiver runs it
//!   after its current run. The mailbox record is deleted in the receiver's first commit
//!   with a version check, so a message is delivered once, also across engines.
//! * `send_message_to_agent_and_wait_for_reply` runs the receiver (queued behind its
//!   current run) and returns its reply.
//! * The tag broadcasts run every matching agent but the sender in parallel.
//!
//! A run that waits on another agent records a waits-for edge; a wait that would close a
//! cycle, or a chain deeper than `max_chain_depth`, is refused with a tool error instead of
//! hanging. Every message carries a hop count, which bounds storms between agents.

use crate::agent::{Effects, NoSink, RunCtx, RunOutcome, RunRequest, InputMessage};
use crate::engine::{put, tag_match, Engine};
use crate::error::{ApiError, Result};
use crate::model::{AgentRecord, StopReason};
use crate::params::{paginate, Query};
use crate::store::{Expect, Op};
use crate::tools::{arg_str, arg_str_list};
use crate::util::iso8601_ms;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::task::Waker;

/// In-memory coordination state of one engine.
#[derive(Default)]
pub struct TeamState {
    /// agent → agents its current run waits on (a multiset: broadcasts wait on many).
    waits: RefCell<HashMap<String, Vec<String>>>,
    /// Background mailbox runs in progress or scheduled.
    background: Cell<usize>,
    idle_wakers: RefCell<Vec<Waker>>,
    /// Agents with a mailbox pump scheduled (avoids piling up pumps).
    pumping: RefCell<Vec<String>>,
}

/// A message waiting in an agent's mailbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailItem {
    pub id: String,
    pub sender_id: String,
    pub receiver_id: String,
    pub text: String,
    pub hops: u32,
    pub interaction_key: String,
    pub created_ms: f64,
}

/// One message between agents, as the interaction log keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Interaction {
    pub id: String,
    /// "async", "wait" or "broadcast".
    pub kind: String,
    pub sender_id: String,
    pub receiver_id: String,
    pub message: String,
    /// The receiver's reply texts (wait and broadcast).
    pub reply: Option<Vec<String>>,
    /// "queued", "delivered", "replied", "failed" or "refused".
    pub status: String,
    pub error: Option<String>,
    pub sender_run_id: Option<String>,
    pub receiver_run_id: Option<String>,
    pub created_at: String,
    pub completed_at: Option<String>,
    pub created_ms: f64,
}

fn mailbox_prefix(agent_id: &str) -> String {
    format!("mailbox/{agent_id}/")
}

fn interaction_key(created_ms: f64, id: &str) -> String {
    format!("ilog/{:016}-{id}", created_ms.max(0.0) as u64)
}

/// A broadcast's result is kept under this many characters (replies are shortened).
const BROADCAST_RESULT_CHARS: usize = 48_000;

/// Shortens the strings in `v` (a string or a list of strings) to `max` characters.
fn shorten(v: &mut Value, max: usize) {
    match v {
        Value::String(s) if s.chars().count() > max => {
            *s = format!("{}… [shortened; the full reply is in the interaction log]", crate::util::truncate_chars(s, max));
        }
        Value::Array(items) => items.iter_mut().for_each(|i| shorten(i, max)),
        _ => {}
    }
}

/// How long a wait-for-reply waits for an agent held by another engine (tab, worker).
const CROSS_ENGINE_WAIT_MS: f64 = 30_000.0;

const WAIT_FRAME: &str = "your response will be delivered to the sender";
const ASYNC_FRAME: &str =
    "this is a one-way notification; if you need to respond, use an agent-to-agent messaging tool if available";

fn frame(sender_id: &str, how: &str, message: &str) -> String {
    format!("[Incoming message from agent with ID '{sender_id}' - {how}] {message}")
}

/// Removes one `from → to` waits-for edge when dropped.
struct WaitEdge {
    engine: Engine,
    from: String,
    to: String,
}

impl Drop for WaitEdge {
    fn drop(&mut self) {
        let mut waits = self.engine.inner.team.waits.borrow_mut();
        if let Some(v) = waits.get_mut(&self.from) {
            if let Some(i) = v.iter().position(|x| x == &self.to) {
                v.swap_remove(i);
            }
            if v.is_empty() {
                waits.remove(&self.from);
            }
        }
    }
}

/// Counts one background task until dropped, then wakes `idle()` waiters.
struct BackgroundGuard(Engine);

impl Drop for BackgroundGuard {
    fn drop(&mut self) {
        let team = &self.0.inner.team;
        team.background.set(team.background.get().saturating_sub(1));
        if team.background.get() == 0 {
            let wakers: Vec<Waker> = team.idle_wakers.borrow_mut().drain(..).collect();
            for w in wakers {
                w.wake();
            }
        }
    }
}

/// Resolves when no background mailbox work is left.
pub struct Idle(Engine);

impl std::future::Future for Idle {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        let team = &self.0.inner.team;
        if team.background.get() == 0 {
            std::task::Poll::Ready(())
        } else {
            team.idle_wakers.borrow_mut().push(cx.waker().clone());
            std::task::Poll::Pending
        }
    }
}

fn reply_texts(out: &RunOutcome) -> Vec<String> {
    out.assistant_texts()
}

impl Engine {
    /// Resolves once every queued agent-to-agent message has been processed.
    pub fn idle(&self) -> Idle {
        Idle(self.clone())
    }

    /// Starts a background pump for the agent's mailbox, unless one is already scheduled.
    pub(crate) fn schedule_mailbox(&self, agent_id: &str) {
        {
            let mut pumping = self.inner.team.pumping.borrow_mut();
            if pumping.iter().any(|a| a == agent_id) {
                return;
            }
            pumping.push(agent_id.to_string());
        }
        let team = &self.inner.team;
        team.background.set(team.background.get() + 1);
        let engine = self.clone();
        let agent = agent_id.to_string();
        self.inner.platform.spawn(Box::pin(async move {
            let _guard = BackgroundGuard(engine.clone());
            engine.pump_mailbox(&agent).await;
        }));
    }

    /// Schedules every agent that has mail waiting (after an engine starts on a store).
    pub async fn resume_mailboxes(&self) -> Result<usize> {
        let mut agents: Vec<String> = Vec::new();
        for r in self.inner.store.list("mailbox/").await? {
            if let Some(a) = r.key.split('/').nth(1) {
                if !agents.iter().any(|x| x == a) {
                    agents.push(a.to_string());
                }
            }
        }
        for a in &agents {
            self.schedule_mailbox(a);
        }
        Ok(agents.len())
    }

    /// Runs the agent once per message in its mailbox, oldest first, behind its other runs.
    async fn pump_mailbox(&self, agent_id: &str) {
        let _turn = self.turn(agent_id).await;
        // From here on, new mail needs a new pump (this one may have listed already).
        self.inner.team.pumping.borrow_mut().retain(|a| a != agent_id);
        loop {
            let items = match self.inner.store.list(&mailbox_prefix(agent_id)).await {
                Ok(items) => items,
                Err(_) => return, // retried at the next delivery or engine start
            };
            let Some(rec) = items.into_iter().next() else { return };
            let Ok(item) = serde_json::from_str::<MailItem>(&rec.value) else {
                // An unreadable record would block the mailbox forever: drop it.
                let _ = self.inner.store.commit(vec![Op::Delete { key: rec.key, expect: Expect::Version(rec.version) }]).await;
                continue;
            };
            match self.load::<AgentRecord>(&crate::engine::agent_key(agent_id)).await {
                // The receiver is gone: its mail goes with it.
                Ok(None) => {
                    let _ = self.inner.store.commit(vec![Op::Delete { key: rec.key, expect: Expect::Any }]).await;
                    continue;
                }
                Ok(Some(_)) => {}
                // A failed read says nothing about the agent: keep the mail for the next pump.
                Err(_) => return,
            }
            let mut first_ops = vec![Op::Delete { key: rec.key.clone(), expect: Expect::Version(rec.version) }];
            let delivered = self.load::<Interaction>(&item.interaction_key).await.ok().flatten();
            let req = RunRequest {
                inputs: vec![InputMessage {
                    role: "user".into(),
                    text: frame(&item.sender_id, ASYNC_FRAME, &item.text),
                    name: None,
                    otid: None,
                    sender_id: Some(item.sender_id.clone()),
                }],
                max_steps: self.inner.options.max_steps,
                return_types: None,
                stream_tokens: false,
                hops: item.hops,
                depth: 0,
                first_ops: Vec::new(),
                run_id: Some(self.id("run")),
            };
            // The interaction log notes the delivery in the same commit.
            if let Some((mut log, v)) = delivered {
                log.status = "delivered".into();
                log.receiver_run_id = req.run_id.clone();
                log.completed_at = Some(iso8601_ms(self.inner.platform.now_ms()));
                if let Ok(op) = put(item.interaction_key.clone(), &log, Expect::Version(v)) {
                    first_ops.push(op);
                }
            }
            let req = RunRequest { first_ops, ..req };
            match self.run(agent_id, req, &NoSink).await {
                Ok(out) if out.stop_reason.is_failure() => self.note_failed_delivery(&item.interaction_key, &out).await,
                Ok(_) => {}
                Err(e) if e.status == 409 => continue, // consumed elsewhere: look again
                Err(_) => return,
            }
            // A run that could not consume its message must not spin on it.
            match self.inner.store.get_many(std::slice::from_ref(&rec.key)).await {
                Ok(v) if v.first().is_some_and(Option::is_none) => {}
                _ => return,
            }
        }
    }

    /// Records in the interaction log that a delivered message's run failed, and why.
    async fn note_failed_delivery(&self, key: &str, out: &RunOutcome) {
        if let Ok(Some((mut log, v))) = self.load::<Interaction>(key).await {
            log.status = "failed".into();
            log.error = Some(format!("{}: {}", out.stop_reason.as_str(), out.error.as_deref().unwrap_or("the run failed")));
            log.completed_at = Some(iso8601_ms(self.inner.platform.now_ms()));
            if let Ok(op) = put(key.to_string(), &log, Expect::Version(v)) {
                let _ = self.inner.store.commit(vec![op]).await;
            }
        }
    }

    /// Dispatches one of the multi-agent tools.
    pub(crate) async fn multi_agent_tool(
        &self,
        ctx: &RunCtx,
        name: &str,
        args: &Map<String, Value>,
        effects: &RefCell<Effects>,
    ) -> std::result::Result<String, String> {
        let message = arg_str(args, "message")?.to_string();
        match name {
            "send_message_to_agent_async" => {
                let to = arg_str(args, "other_agent_id")?.to_string();
                self.send_async(ctx, &to, &message, effects).await
            }
            "send_message_to_agent_and_wait_for_reply" => {
                let to = arg_str(args, "other_agent_id")?.to_string();
                let target = self.target(ctx, &to).await?;
                let (result, log) = self.wait_for_reply(ctx, &target, &message, "wait").await;
                self.log_op(effects, log);
                result.map(|v| v.to_string())
            }
            "send_message_to_agents_matching_tags" | "send_message_to_agents_matching_all_tags" => {
                let (all, some) = if name == "send_message_to_agents_matching_all_tags" {
                    (arg_str_list(args, "tags")?.unwrap_or_default(), Vec::new())
                } else {
                    (arg_str_list(args, "match_all")?.unwrap_or_default(), arg_str_list(args, "match_some")?.unwrap_or_default())
                };
                self.broadcast(ctx, &message, &all, &some, effects).await
            }
            other => Err(format!("'{other}' is not a multi-agent tool")),
        }
    }

    /// The agent a tool names, or a tool error the model can act on.
    async fn target(&self, ctx: &RunCtx, to: &str) -> std::result::Result<AgentRecord, String> {
        if to == ctx.agent_id {
            return Err("You cannot message yourself; give another agent's id.".into());
        }
        if !crate::util::is_valid_id(to, "agent") {
            return Err(format!("'{to}' is not an agent id (expected agent-<uuid4>)."));
        }
        match self.agent(to).await {
            Ok((a, _)) => Ok(a),
            Err(e) if e.status == 404 => Err(format!("No agent with id '{to}' exists.")),
            Err(e) => Err(format!("Could not look up agent '{to}': {}", e.detail)),
        }
    }

    fn new_interaction(&self, ctx: &RunCtx, kind: &str, to: &str, message: &str) -> Interaction {
        let created_ms = self.created_ms();
        Interaction {
            id: self.id("message"),
            kind: kind.into(),
            sender_id: ctx.agent_id.clone(),
            receiver_id: to.into(),
            message: message.into(),
            status: "queued".into(),
            sender_run_id: Some(ctx.run_id.clone()),
            created_at: iso8601_ms(created_ms),
            created_ms,
            ..Interaction::default()
        }
    }

    fn log_op(&self, effects: &RefCell<Effects>, log: Interaction) {
        if let Ok(op) = put(interaction_key(log.created_ms, &log.id), &log, Expect::Absent) {
            effects.borrow_mut().ops.push(op);
        }
    }

    fn check_hops(&self, ctx: &RunCtx) -> std::result::Result<(), String> {
        let max = self.inner.options.max_hops;
        if ctx.hops + 1 > max {
            return Err(format!(
                "Message not sent: this exchange between agents has already gone {} hops (the limit is {max}). Finish with what you have.",
                ctx.hops
            ));
        }
        Ok(())
    }

    async fn send_async(&self, ctx: &RunCtx, to: &str, message: &str, effects: &RefCell<Effects>) -> std::result::Result<String, String> {
        let target = self.target(ctx, to).await?;
        self.check_hops(ctx)?;
        let log = self.new_interaction(ctx, "async", &target.id, message);
        let item = MailItem {
            id: self.id("message"),
            sender_id: ctx.agent_id.clone(),
            receiver_id: target.id.clone(),
            text: message.to_string(),
            hops: ctx.hops + 1,
            interaction_key: interaction_key(log.created_ms, &log.id),
            created_ms: log.created_ms,
        };
        let key = format!("{}{:016}-{}", mailbox_prefix(&target.id), item.created_ms as u64, item.id);
        let op = put(key, &item, Expect::Absent).map_err(|e| e.detail)?;
        {
            let mut fx = effects.borrow_mut();
            fx.ops.push(op);
            if !fx.deliver.contains(&target.id) {
                fx.deliver.push(target.id.clone());
            }
        }
        self.log_op(effects, log);
        Ok(format!(
            "Successfully sent message to agent {} ({}); it will handle it after its current work. No reply comes back through this tool.",
            target.id, target.name
        ))
    }

    /// True when `to` (or an agent it waits on, transitively) waits on `from`.
    fn would_cycle(&self, from: &str, to: &str) -> Option<Vec<String>> {
        let waits = self.inner.team.waits.borrow();
        let mut stack = vec![(to.to_string(), vec![from.to_string(), to.to_string()])];
        let mut seen = vec![to.to_string()];
        while let Some((node, path)) = stack.pop() {
            if node == from {
                return Some(path);
            }
            for next in waits.get(&node).into_iter().flatten() {
                if next == from {
                    let mut p = path.clone();
                    p.push(next.clone());
                    return Some(p);
                }
                if !seen.contains(next) {
                    seen.push(next.clone());
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
        None
    }

    /// Runs `target` on `message` from the agent in `ctx` and collects its reply.
    async fn wait_for_reply(&self, ctx: &RunCtx, target: &AgentRecord, message: &str, kind: &str) -> (std::result::Result<Value, String>, Interaction) {
        let mut log = self.new_interaction(ctx, kind, &target.id, message);
        let refuse = |mut log: Interaction, e: String| {
            log.status = "refused".into();
            log.error = Some(e.clone());
            (Err(e), log)
        };
        if ctx.depth + 1 > self.inner.options.max_chain_depth {
            let e = format!(
                "Not sent: agents are already waiting on each other {} deep (the limit is {}). Answer with what you have instead of asking another agent.",
                ctx.depth, self.inner.options.max_chain_depth
            );
            return refuse(log, e);
        }
        if let Err(e) = self.check_hops(ctx) {
            return refuse(log, e);
        }
        if let Some(path) = self.would_cycle(&ctx.agent_id, &target.id) {
            let e = format!(
                "Not sent: agent {} is (indirectly) waiting for your reply, so waiting for it would never end (cycle: {}). Reply first, or use send_message_to_agent_async.",
                target.id,
                path.join(" -> ")
            );
            return refuse(log, e);
        }
        // Record the edge before waiting, so the other side can see it.
        self.inner.team.waits.borrow_mut().entry(ctx.agent_id.clone()).or_default().push(target.id.clone());
        let _edge = WaitEdge { engine: self.clone(), from: ctx.agent_id.clone(), to: target.id.clone() };
        let req = RunRequest {
            inputs: vec![InputMessage {
                role: "user".into(),
                text: frame(&ctx.agent_id, WAIT_FRAME, message),
                name: None,
                otid: None,
                sender_id: Some(ctx.agent_id.clone()),
            }],
            max_steps: self.inner.options.max_steps,
            return_types: None,
            stream_tokens: false,
            hops: ctx.hops + 1,
            depth: ctx.depth + 1,
            first_ops: Vec::new(),
            run_id: None,
        };
        let outcome = {
            // Another tab may hold the agent (and wait on us): give up after a while.
            let Some(_turn) = self.turn_within(&target.id, CROSS_ENGINE_WAIT_MS).await else {
                let e = format!(
                    "Agent {} ({}) is busy in another tab or worker; try again later or use send_message_to_agent_async.",
                    target.id, target.name
                );
                log.status = "failed".into();
                log.error = Some(e.clone());
                return (Err(e), log);
            };
            // Boxed: a run may wait on another run (the future is recursive).
            let run: crate::platform::BoxFut<'_, Result<RunOutcome>> = Box::pin(self.run(&target.id, req, &NoSink));
            run.await
        };
        log.completed_at = Some(iso8601_ms(self.inner.platform.now_ms()));
        match outcome {
            Ok(out) => {
                log.receiver_run_id = Some(out.run_id.clone());
                let replies = reply_texts(&out);
                log.reply = Some(replies.clone());
                if out.stop_reason.is_failure() {
                    let e = format!(
                        "Agent {} ({}) failed to answer: {}{}",
                        target.id,
                        target.name,
                        out.stop_reason.as_str(),
                        out.error.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
                    );
                    log.status = "failed".into();
                    log.error = Some(e.clone());
                    return (Err(e), log);
                }
                log.status = "replied".into();
                let mut v = json!({ "agent_id": target.id, "agent_name": target.name, "response": replies });
                if out.stop_reason != StopReason::EndTurn {
                    v["stop_reason"] = json!(out.stop_reason.as_str());
                }
                if replies.is_empty() {
                    v["note"] = json!("The agent finished without a text reply.");
                }
                (Ok(v), log)
            }
            Err(e) => {
                let msg = format!("Agent {} ({}) could not run: {}", target.id, target.name, e.detail);
                log.status = "failed".into();
                log.error = Some(msg.clone());
                (Err(msg), log)
            }
        }
    }

    async fn broadcast(
        &self,
        ctx: &RunCtx,
        message: &str,
        match_all: &[String],
        match_some: &[String],
        effects: &RefCell<Effects>,
    ) -> std::result::Result<String, String> {
        if match_all.is_empty() && match_some.is_empty() {
            return Err("Give at least one tag (match_all or match_some) to choose the agents to message.".into());
        }
        let agents = self.all_agents().await.map_err(|e| e.detail)?;
        let targets: Vec<AgentRecord> = agents
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| a.id != ctx.agent_id && tag_match(&a.tags, match_all, true) && tag_match(&a.tags, match_some, false))
            .collect();
        if targets.is_empty() {
            return Err(format!(
                "No other agent has tags {match_all:?}{}; nothing was sent.",
                if match_some.is_empty() { String::new() } else { format!(" and any of {match_some:?}") }
            ));
        }
        let runs = targets.iter().map(|t| self.wait_for_reply(ctx, t, message, "broadcast")).collect();
        let results = crate::sync::join_all(runs).await;
        let mut out = Vec::with_capacity(results.len());
        for (t, (result, log)) in targets.iter().zip(results) {
            self.log_op(effects, log);
            out.push(match result {
                Ok(v) => v,
                Err(e) => json!({ "agent_id": t.id, "agent_name": t.name, "error": e }),
            });
        }
        // Keep the result valid JSON within the tool's return limit: shorten each reply
        // rather than cutting the list (the interaction log keeps the full replies).
        let text = Value::Array(out.clone()).to_string();
        if text.chars().count() > BROADCAST_RESULT_CHARS {
            let per = (BROADCAST_RESULT_CHARS / out.len().max(1)).saturating_sub(120).max(40);
            for v in out.iter_mut() {
                for field in ["response", "error"] {
                    shorten(&mut v[field], per);
                }
            }
        }
        Ok(Value::Array(out).to_string())
    }

    /// `GET /v1/interactions/`: the messages agents sent each other, oldest first
    /// (`agent_id` keeps those it sent or received).
    pub async fn list_interactions(&self, q: &Query) -> Result<Value> {
        let agent = q.get("agent_id");
        let mut items: Vec<Interaction> = self.list_records::<Interaction>("ilog/").await?.into_iter().map(|(i, _)| i).collect();
        items.retain(|i| agent.is_none_or(|a| i.sender_id == a || i.receiver_id == a));
        items.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
        let page = paginate(items, |i| &i.id, q, 1000, false)?;
        let mut out = serde_json::to_value(page).map_err(ApiError::from)?;
        if let Value::Array(items) = &mut out {
            for i in items.iter_mut().filter_map(Value::as_object_mut) {
                i.remove("created_ms");
            }
        }
        Ok(out)
    }
}
