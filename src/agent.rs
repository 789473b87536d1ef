//! The agent loop (Letta's `letta_v1_agent` semantics).
//!
//! A run takes the caller's messages and steps: each step compiles the system prompt from
//! the latest stored blocks, calls the model, executes its tool calls, and commits
//! everything the step produced (messages, block edits, the agent's context) in ONE store
//! commit. Memory edits are replayed against fresh values when that commit loses a race,
//! so concurrent edits of a shared block compose instead of overwriting each other.

use crate::engine::{agent_key, block_key, msg_key, put, Engine, CAS_RETRIES};
use crate::error::{ApiError, Result};
use crate::llm::{ChatMessage, ChatRequest, ChatResponse, LlmError, ToolSchema};
use crate::archival::ArchiveRecord;
use crate::memory::{compile_system, render_metadata, Edit};
use crate::model::*;
use crate::params::as_object;
use crate::store::{Expect, Op, StoreError};
use crate::tools::{arg_int, arg_str, arg_str_list, is_memory_edit, is_terminal, parse_args};
use crate::util::{char_len, iso8601, parse_datetime, prompt_time, truncate_chars};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Summaries per LLM call: a sliding window first, then everything (Letta's fallback).
const MAX_COMPACTIONS_PER_CALL: u32 = 2;
/// Retries of one LLM call after the provider reports a context overflow.
const MAX_OVERFLOW_RETRIES: u32 = 3;
/// Letta's `sliding_window_percentage`: evict from 30 % up, aiming at 70 % of the window.
const SLIDING_WINDOW_PERCENTAGE: f64 = 0.30;
/// Longest summary kept (Letta's `clip_chars`); also at most 30 % of the window.
const SUMMARY_CLIP_CHARS: usize = 50_000;
/// Per-message cap in the transcript given to the summariser.
const TRANSCRIPT_MESSAGE_CHARS: usize = 4_000;

/// The summariser's instructions (the agent's own model writes the summary).
pub const SUMMARY_PROMPT: &str = "You are summarising the beginning of a conversation between an AI agent and its users, because it no longer fits in the agent's context window. The transcript follows. Write a concise summary (at most a few paragraphs) that keeps every fact, decision, name, number, open task and commitment the agent will need to continue the conversation. Write in the third person about the user and the agent. Answer with the summary only.";

/// True when a provider refused a request for being longer than the model's context window.
pub fn is_context_overflow(e: &LlmError) -> bool {
    match e {
        LlmError::Api { status: 400 | 413, message, .. } => {
            let m = message.to_ascii_lowercase();
            m.contains("context") || m.contains("too long") || m.contains("too many tokens") || m.contains("maximum tokens")
        }
        _ => false,
    }
}

/// A message a caller (or another agent) sends to an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct InputMessage {
    pub role: String,
    pub text: String,
    pub name: Option<String>,
    pub otid: Option<String>,
    pub sender_id: Option<String>,
}

/// Parses one `MessageCreate`: `{role, content: string | [{type: "text", text}], name?, otid?, sender_id?}`.
pub fn parse_input_message(v: &Value, i: usize) -> Result<InputMessage> {
    let b = as_object(v, "body.messages[]")?;
    let role = b.opt_str("role")?.unwrap_or_else(|| "user".into());
    if !matches!(role.as_str(), "user" | "system" | "assistant") {
        return Err(ApiError::unprocessable(format!("messages[{i}].role: expected 'user', 'system' or 'assistant', got '{role}'")));
    }
    let text = match b.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => {
            let mut texts = Vec::new();
            for (j, p) in parts.iter().enumerate() {
                match (p.get("type").and_then(Value::as_str), p.get("text").and_then(Value::as_str)) {
                    (Some("text") | None, Some(t)) => texts.push(t.to_string()),
                    (Some(other), _) => {
                        return Err(ApiError::unprocessable(format!(
                            "messages[{i}].content[{j}]: content parts of type '{other}' are not supported; send text"
                        )))
                    }
                    _ => return Err(ApiError::unprocessable(format!("messages[{i}].content[{j}]: expected {{type: 'text', text}}"))),
                }
            }
            texts.join("\n")
        }
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "messages[{i}].content: expected a string or a list of text parts, got {}",
                crate::tools::type_name(other)
            )))
        }
        None => return Err(ApiError::unprocessable(format!("messages[{i}].content: field required"))),
    };
    if text.is_empty() {
        return Err(ApiError::unprocessable(format!("messages[{i}].content: must not be empty")));
    }
    Ok(InputMessage { role, text, name: b.opt_str("name")?, otid: b.opt_str("otid")?, sender_id: b.opt_str("sender_id")? })
}

/// A parsed `LettaRequest`.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub inputs: Vec<InputMessage>,
    pub max_steps: u32,
    /// `include_return_message_types`: only these message types are returned.
    pub return_types: Option<Vec<String>>,
    /// `stream_tokens`: stream answer text and tool-call arguments as they are generated.
    pub stream_tokens: bool,
    /// Agent-to-agent hops that led to this run (0 for a caller's request).
    pub hops: u32,
    /// How many runs wait on this one (0 for a caller's request).
    pub depth: u32,
    /// Extra operations for the run's first commit (consuming a mailbox message).
    pub first_ops: Vec<Op>,
    /// The run's id, when the caller needs to know it before the run starts.
    pub run_id: Option<String>,
}

impl RunRequest {
    pub fn parse(body: &Value, default_max_steps: u32) -> Result<RunRequest> {
        let b = as_object(body, "body")?;
        let inputs = match (b.get("messages"), b.get("input")) {
            (Some(_), Some(_)) => return Err(ApiError::unprocessable("Cannot specify both 'input' and 'messages'. Use one or the other.")),
            (None, None) => return Err(ApiError::unprocessable("Must specify either 'input' or 'messages'.")),
            (Some(Value::Array(items)), None) => {
                if items.is_empty() {
                    return Err(ApiError::unprocessable("Messages must not be empty"));
                }
                items.iter().enumerate().map(|(i, m)| parse_input_message(m, i)).collect::<Result<Vec<_>>>()?
            }
            (Some(_), None) => return Err(ApiError::unprocessable("body.messages: expected a list")),
            (None, Some(input)) => vec![parse_input_message(&json!({ "role": "user", "content": input }), 0)?],
        };
        let max_steps = match b.opt_u64("max_steps")? {
            Some(0) => return Err(ApiError::unprocessable("body.max_steps: must be at least 1")),
            Some(n) => n.min(10_000) as u32,
            None => default_max_steps,
        };
        Ok(RunRequest {
            inputs,
            max_steps,
            return_types: b.opt_str_list("include_return_message_types")?,
            stream_tokens: b.opt_bool("stream_tokens")?.unwrap_or(false),
            hops: 0,
            depth: 0,
            first_ops: Vec::new(),
            run_id: None,
        })
    }
}

/// Receives a run's wire messages as they are committed (streaming doors).
pub trait RunSink {
    fn emit(&self, message: &Value);
}

/// A sink that drops everything (blocking calls collect the result instead).
pub struct NoSink;
impl RunSink for NoSink {
    fn emit(&self, _: &Value) {}
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub run_id: String,
    pub messages: Vec<Value>,
    pub stop_reason: StopReason,
    pub usage: Usage,
    /// The error behind a failure stop reason, for logs and streams.
    pub error: Option<String>,
}

impl RunOutcome {
    /// The wire `LettaResponse`. A failed run also carries `error` (an extension: Letta's
    /// blocking route answers an HTTP error instead, losing the messages already committed).
    pub fn response_json(&self) -> Value {
        let mut v = json!({
            "messages": self.messages,
            "stop_reason": self.stop_reason_json(),
            "usage": self.usage.to_json(),
        });
        if let Some(e) = self.error_json() {
            v["error"] = e;
        }
        v
    }
    /// `{"message_type": "error_message", ...}` for a failed run.
    pub fn error_json(&self) -> Option<Value> {
        let message = self.error.as_ref()?;
        Some(json!({
            "message_type": "error_message",
            "run_id": self.run_id,
            "error_type": self.stop_reason.as_str(),
            "message": message,
        }))
    }
    pub fn stop_reason_json(&self) -> Value {
        json!({ "message_type": "stop_reason", "stop_reason": self.stop_reason.as_str() })
    }
    /// The text of every assistant message, in order.
    pub fn assistant_texts(&self) -> Vec<String> {
        self.messages
            .iter()
            .filter(|m| m["message_type"] == "assistant_message")
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .collect()
    }
}

/// Who is running: passed to tools that act on other agents.
#[derive(Debug, Clone)]
pub(crate) struct RunCtx {
    pub agent_id: String,
    pub run_id: String,
    pub hops: u32,
    pub depth: u32,
}

/// What a step's tools want committed with the step, and done after it.
#[derive(Default)]
pub(crate) struct Effects {
    /// Records to write in the step's commit (mailbox messages, interaction log).
    pub ops: Vec<Op>,
    /// Agents whose mailbox gets a message in this step.
    pub deliver: Vec<String>,
    /// Archival passages inserted in this step (embedded already; stored by the step's commit).
    pub passages: Vec<crate::archival::PassageRecord>,
}

/// What a step read before calling the model: the agent record and its system message,
/// with their versions.
struct StepBase {
    agent: AgentRecord,
    agent_version: u64,
    system: Option<(Message, u64)>,
}

/// Unregisters an active run when it ends, however it ends.
struct ActiveRun {
    engine: Engine,
    run_id: String,
}

impl Drop for ActiveRun {
    fn drop(&mut self) {
        self.engine.inner.active_runs.borrow_mut().remove(&self.run_id);
    }
}

/// Forwards a model's deltas to a run's sink as partial wire messages that share the id
/// of the assistant message they will form (Letta's token streaming).
struct TokenSink<'a> {
    sink: &'a dyn RunSink,
    id: String,
    run_id: String,
    step_id: String,
    date: String,
    filter: &'a Option<Vec<String>>,
}

impl crate::llm::DeltaSink for TokenSink<'_> {
    fn delta(&self, delta: crate::llm::Delta) {
        use crate::llm::Delta;
        let (message_type, extra) = match delta {
            Delta::Text(t) => ("assistant_message", json!({ "content": t })),
            Delta::Reasoning(t) => ("reasoning_message", json!({ "reasoning": t, "source": "reasoner_model" })),
            Delta::ToolCall { id, name, arguments, .. } => {
                let call = json!({ "name": name, "arguments": arguments, "tool_call_id": id });
                ("tool_call_message", json!({ "tool_call": call, "tool_calls": [call] }))
            }
        };
        if self.filter.as_ref().is_some_and(|t| !t.iter().any(|x| x == message_type)) {
            return;
        }
        let mut m = json!({
            "id": self.id, "date": self.date, "message_type": message_type, "run_id": self.run_id,
            "step_id": self.step_id, "name": null, "otid": null, "sender_id": null,
        });
        if let (Value::Object(m), Value::Object(e)) = (&mut m, extra) {
            m.extend(e);
        }
        self.sink.emit(&m);
    }
}

/// One memory-edit call of a step, kept so it can be replayed on fresh values.
struct MemoryCall {
    index: usize,
    name: String,
    args: Map<String, Value>,
}

/// The blocks a step reads and edits: each with the version it was read at.
struct Overlay {
    blocks: Vec<(Block, u64)>,
    edited: Vec<String>,
    now: String,
}

impl Overlay {
    fn apply(&mut self, name: &str, args: &Map<String, Value>) -> std::result::Result<String, String> {
        let label = arg_str(args, "label")?;
        let available = || self.blocks.iter().map(|(b, _)| b.label.as_str()).collect::<Vec<_>>().join(", ");
        let Some(i) = self.blocks.iter().position(|(b, _)| b.label == label) else {
            return Err(format!("Memory block '{label}' does not exist (available labels: {})", available()));
        };
        let edit = match name {
            "core_memory_append" => Edit::Append { content: arg_str(args, "content")?.to_string() },
            "core_memory_replace" => Edit::ReplaceAll {
                old: arg_str(args, "old_content")?.to_string(),
                new: arg_str(args, "new_content")?.to_string(),
            },
            "memory_replace" => Edit::ReplaceUnique {
                old: arg_str(args, "old_string")?.to_string(),
                new: arg_str(args, "new_string")?.to_string(),
            },
            "memory_insert" => Edit::Insert {
                text: arg_str(args, "new_string")?.to_string(),
                line: arg_int(args, "insert_line")?.unwrap_or(-1),
            },
            "memory_rethink" => Edit::Rethink { value: arg_str(args, "new_memory")?.to_string() },
            other => return Err(format!("'{other}' is not a memory tool")),
        };
        let block = &mut self.blocks[i].0;
        if block.read_only {
            return Err(format!("Memory block '{label}' is read-only and cannot be edited."));
        }
        let new_value = edit.apply(label, &block.value)?;
        let n = char_len(&new_value) as u64;
        if n > block.limit {
            return Err(format!(
                "Edit failed: Exceeds {} character limit (requested {n}). Shorten the text or remove old content first.",
                block.limit
            ));
        }
        block.value = new_value.clone();
        block.updated_at = self.now.clone();
        if !self.edited.contains(&block.id) {
            self.edited.push(block.id.clone());
        }
        Ok(new_value)
    }
}

/// `{"status": "OK"|"Failed", "message": ..., "time": ...}`: what the model sees of a tool result.
fn package(ok: bool, result: &str, now_ms: f64) -> String {
    let message = match serde_json::from_str::<Value>(result) {
        Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
        _ => Value::String(result.to_string()),
    };
    json!({ "status": if ok { "OK" } else { "Failed" }, "message": message, "time": prompt_time(now_ms) }).to_string()
}

fn tool_return(call: &ToolCall, result: std::result::Result<String, String>, limit: u64, now_ms: f64) -> ToolReturn {
    let (ok, mut text) = match result {
        Ok(t) => (true, t),
        Err(e) => (false, e),
    };
    let n = char_len(&text) as u64;
    // Search tools and broadcasts return JSON that must stay whole; they bound their own size.
    if n > limit && !matches!(call.name.as_str(), "conversation_search" | "archival_memory_search") && !crate::tools::is_multi_agent(&call.name) {
        text = format!(
            "{}... [NOTE: function output was truncated since it exceeded the character limit ({n} > {limit})]",
            truncate_chars(&text, limit as usize)
        );
    }
    ToolReturn {
        tool_call_id: call.id.clone(),
        name: call.name.clone(),
        status: if ok { "success" } else { "error" }.into(),
        func_response: package(ok, &text, now_ms),
        stderr: if ok { vec![] } else { vec![format!("Error executing function {}: {text}", call.name)] },
        tool_return: text,
        stdout: vec![],
    }
}

impl Engine {
    /// `POST /v1/agents/{id}/messages`: runs the agent on the caller's messages. Runs of
    /// one agent queue behind each other; different agents run concurrently.
    pub async fn send_message(&self, agent_id: &str, body: &Value, sink: &dyn RunSink) -> Result<RunOutcome> {
        let req = RunRequest::parse(body, self.inner.options.max_steps)?;
        self.agent(agent_id).await?;
        let _turn = self.turn(agent_id).await;
        let out = self.run(agent_id, req, sink).await?;
        // Streams end with the stop reason and the usage, as Letta's do (after the error, if any).
        if let Some(e) = out.error_json() {
            sink.emit(&e);
        }
        sink.emit(&out.stop_reason_json());
        sink.emit(&out.usage.to_json());
        Ok(out)
    }

    /// Runs the loop; the caller holds the agent's lock.
    pub(crate) async fn run(&self, agent_id: &str, mut req: RunRequest, sink: &dyn RunSink) -> Result<RunOutcome> {
        let run_id = req.run_id.take().unwrap_or_else(|| self.id("run"));
        let ctx = RunCtx { agent_id: agent_id.to_string(), run_id: run_id.clone(), hops: req.hops, depth: req.depth };
        let mut first_ops = std::mem::take(&mut req.first_ops);
        let mut out = RunOutcome { run_id: run_id.clone(), messages: vec![], stop_reason: StopReason::EndTurn, usage: Usage::default(), error: None };
        let now = self.inner.platform.now_ms();
        // Input messages are committed with the first step (or with the failure that ends it).
        let mut pending: Vec<Message> = req
            .inputs
            .iter()
            .map(|m| Message {
                id: self.id("message"),
                agent_id: agent_id.to_string(),
                role: m.role.clone(),
                text: Some(m.text.clone()),
                name: m.name.clone(),
                otid: m.otid.clone(),
                sender_id: m.sender_id.clone(),
                run_id: Some(run_id.clone()),
                created_at: now,
                ..Message::default()
            })
            .collect();

        // Registered while the run is active, so `cancel_runs` can stop it.
        let cancel = crate::sync::CancelFlag::default();
        self.inner.active_runs.borrow_mut().insert(run_id.clone(), (agent_id.to_string(), cancel.clone()));
        let _active = ActiveRun { engine: self.clone(), run_id: run_id.clone() };

        // The last LLM call's total tokens (the proactive compaction trigger).
        let mut last_total = 0u64;
        'steps: for step in 0..req.max_steps {
            let last_step = step + 1 == req.max_steps;
            if cancel.is_cancelled() {
                out.stop_reason = StopReason::Cancelled;
                self.commit_failure(agent_id, &mut pending, &mut first_ops, out.stop_reason).await?;
                break;
            }
            let assistant_id = self.id("message");
            let step_id = self.id("step");
            let tokens = TokenSink {
                sink,
                id: assistant_id.clone(),
                run_id: run_id.clone(),
                step_id: step_id.clone(),
                date: self.now_iso(),
                filter: &req.return_types,
            };
            let delta_sink: Option<&dyn crate::llm::DeltaSink> = if req.stream_tokens { Some(&tokens) } else { None };
            // Build the request from the latest state; summarise older messages out of the
            // context first when it would not fit the window (or the provider says it did not).
            let mut compactions = 0u32;
            let mut overflow_retries = 0u32;
            let mut forced = false;
            let (agent, blocks, tools, system_text, response, base) = loop {
                let (agent, agent_version) = match self.agent(agent_id).await {
                    Ok(a) => a,
                    Err(e) if e.status == 404 => {
                        out.stop_reason = StopReason::Error;
                        out.error = Some("the agent was deleted during the run".into());
                        break 'steps;
                    }
                    Err(e) => return Err(e),
                };
                let blocks = self.agent_blocks(&agent).await?;
                let tools = self.agent_tools(&agent).await?;
                let archive = self.load::<ArchiveRecord>(&crate::archival::archive_key(agent_id)).await?.map(|(a, _)| a);
                let (context, system_version) = self.context_messages(&agent).await?;
                let system_text = self.system_prompt(&agent, &blocks, context.len() as u64, archive.as_ref());
                let request = build_request(&agent, &system_text, &context, &pending, &tools, step);

                let window = agent.llm_config.context_window.max(1);
                let trigger = window * 9 / 10;
                let estimate = crate::llm::estimate_request_tokens(&request);
                let over = estimate > window;
                let wanted = forced || over || estimate > trigger || (compactions == 0 && last_total > trigger);
                if wanted && compactions < MAX_COMPACTIONS_PER_CALL {
                    let all = compactions > 0 || forced && overflow_retries > 1;
                    match self.compact(&agent, &system_text, &context, &pending, &tools, step, all).await {
                        Ok(true) => {
                            compactions += 1;
                            forced = false;
                            last_total = 0;
                            continue;
                        }
                        Ok(false) => {}
                        Err(msg) => {
                            out.stop_reason = StopReason::Error;
                            out.error = Some(msg);
                            self.commit_failure(agent_id, &mut pending, &mut first_ops, out.stop_reason).await?;
                            break 'steps;
                        }
                    }
                }
                if over || forced {
                    // Nothing more can leave the context: never send a request over the window.
                    let floor = build_request(&agent, &system_text, &context[..context.len().min(1)], &[], &tools, step);
                    let fixed = crate::llm::estimate_request_tokens(&floor);
                    if fixed >= window {
                        out.stop_reason = StopReason::ContextWindowOverflowInSystemPrompt;
                        out.error = Some(format!(
                            "The system prompt tokens {fixed} exceeds the context window {window}. Please reduce the size of your system prompt, memory blocks, or increase the context window."
                        ));
                    } else {
                        out.stop_reason = StopReason::Error;
                        out.error = Some(if over {
                            format!(
                                "The request needs about {estimate} tokens but the context window is {window}, even after summarising older messages: the new input is too long for this context window."
                            )
                        } else {
                            "The model reported a context-window overflow again after older messages were summarised.".to_string()
                        });
                    }
                    self.commit_failure(agent_id, &mut pending, &mut first_ops, out.stop_reason).await?;
                    break 'steps;
                }

                let response = match self.inner.models.resolve(&agent.llm_config.handle) {
                    Ok(model) => match crate::sync::unless_cancelled(model.chat(&request, delta_sink), &cancel).await {
                        Some(r) => r,
                        None => {
                            // Cancelled while the model was thinking: drop the call, keep the input.
                            out.stop_reason = StopReason::Cancelled;
                            self.commit_failure(agent_id, &mut pending, &mut first_ops, out.stop_reason).await?;
                            break 'steps;
                        }
                    },
                    Err(e) => Err(e),
                };
                match response.and_then(validate_response) {
                    Ok(r) => {
                        // What the step read, so its commit need not read it again.
                        let system = context.first().zip(system_version).map(|(m, v)| ((**m).clone(), v));
                        let base = StepBase { agent: agent.clone(), agent_version, system };
                        break (agent, blocks, tools, system_text, r, base);
                    }
                    Err(e) if is_context_overflow(&e) && overflow_retries < MAX_OVERFLOW_RETRIES => {
                        overflow_retries += 1;
                        forced = true;
                        compactions = 0;
                        continue;
                    }
                    Err(e) => {
                        out.stop_reason = match e {
                            LlmError::InvalidResponse(_) => StopReason::InvalidLlmResponse,
                            _ => StopReason::LlmApiError,
                        };
                        out.error = Some(e.to_string());
                        self.commit_failure(agent_id, &mut pending, &mut first_ops, out.stop_reason).await?;
                        break 'steps;
                    }
                }
            };
            out.usage.prompt_tokens += response.prompt_tokens;
            out.usage.completion_tokens += response.completion_tokens;
            out.usage.step_count += 1;
            out.usage.last_total = response.prompt_tokens + response.completion_tokens;
            last_total = out.usage.last_total;

            let step_now = self.inner.platform.now_ms();
            let mut calls = response.tool_calls.clone();
            for c in calls.iter_mut().filter(|c| c.id.is_empty()) {
                c.id = format!("call_{}", &self.id("x")[2..10]);
            }
            let assistant = Message {
                id: assistant_id,
                agent_id: agent_id.to_string(),
                role: "assistant".into(),
                text: response.content.clone().filter(|t| !t.is_empty()),
                reasoning: response.reasoning.clone().filter(|t| !t.is_empty()),
                tool_calls: calls.clone(),
                run_id: Some(run_id.clone()),
                step_id: Some(step_id.clone()),
                created_at: step_now,
                ..Message::default()
            };
            let empty = assistant.text.is_none() && assistant.reasoning.is_none() && calls.is_empty();

            // Execute the tool calls in order.
            let tool_by_name = |n: &str| tools.iter().find(|t| t.name == n);
            let mut overlay = Overlay { blocks: blocks.clone(), edited: vec![], now: iso8601(step_now) };
            let effects = RefCell::new(Effects::default());
            let mut returns = Vec::with_capacity(calls.len());
            let mut memory_calls = Vec::new();
            let mut stop: Option<StopReason> = None;
            for (index, call) in calls.iter().enumerate() {
                let limit = tool_by_name(&call.name).map(|t| t.return_char_limit).unwrap_or(DEFAULT_RETURN_CHAR_LIMIT);
                let result = match (tool_by_name(&call.name), parse_args(&call.arguments)) {
                    (None, _) => Err(format!(
                        "Tool '{}' is not available to this agent. Available tools: {}.",
                        call.name,
                        tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
                    )),
                    (Some(_), Err(e)) => Err(e),
                    (Some(tool), Ok(args)) => {
                        if is_memory_edit(&call.name) {
                            let r = overlay.apply(&call.name, &args);
                            memory_calls.push(MemoryCall { index, name: call.name.clone(), args });
                            r
                        } else {
                            self.execute_tool(&ctx, &agent, tool, &args, &effects).await
                        }
                    }
                };
                if is_terminal(&call.name) && result.is_ok() {
                    stop = Some(StopReason::EndTurn);
                } else if is_terminal_rule(&agent, &call.name) {
                    stop = Some(StopReason::ToolRule);
                }
                returns.push(tool_return(call, result, limit, step_now));
            }
            if calls.is_empty() {
                stop = Some(if response.finish_reason.as_deref() == Some("length") {
                    StopReason::MaxTokensExceeded
                } else {
                    StopReason::EndTurn
                });
            }
            if stop.is_none() && last_step {
                stop = Some(StopReason::MaxSteps);
            }

            let tool_msg = (!returns.is_empty()).then(|| Message {
                id: self.id("message"),
                agent_id: agent_id.to_string(),
                role: "tool".into(),
                tool_returns: returns,
                run_id: Some(run_id.clone()),
                step_id: Some(step_id.clone()),
                created_at: step_now,
                ..Message::default()
            });
            let mut produced: Vec<Message> = Vec::new();
            if !empty {
                produced.push(assistant);
            }
            if let Some(t) = tool_msg {
                produced.push(t);
            }
            let effects = effects.into_inner();
            let mut extra_ops = effects.ops;
            extra_ops.append(&mut first_ops);
            let committed = self
                .commit_step(agent_id, base, &mut pending, produced, overlay, memory_calls, &calls, &system_text, stop, step_now, extra_ops, &effects.passages)
                .await?;
            // Mail sent in this step is durable now: wake its receivers.
            for receiver in effects.deliver {
                self.schedule_mailbox(&receiver);
            }
            for m in &committed {
                for w in crate::letta_message::to_letta_messages(m) {
                    if req.return_types.as_ref().is_none_or(|t| t.iter().any(|x| w["message_type"] == x.as_str())) {
                        // With token streaming the assistant's parts already went out as deltas.
                        if !(req.stream_tokens && m.role == "assistant") {
                            sink.emit(&w);
                        }
                        out.messages.push(w);
                    }
                }
            }
            if let Some(s) = stop {
                out.stop_reason = s;
                break;
            }
        }
        Ok(out)
    }

    /// Loads the agent's in-context messages (the system message first). Stored messages
    /// other than the system message never change, so they are cached after the first read.
    /// Also returns the stored version of the system message, for the step's commit.
    pub(crate) async fn context_messages(&self, agent: &AgentRecord) -> Result<(Vec<Rc<Message>>, Option<u64>)> {
        let cache = &self.inner.msg_cache;
        // Trim the cache BEFORE deciding what to read: clearing it after would lose the
        // messages that were cached (so not read) from this very request.
        if cache.borrow().len() > self.inner.options.msg_cache_max {
            cache.borrow_mut().clear();
        }
        let missing: Vec<String> = agent
            .context
            .iter()
            .filter(|r| r.seq == 0 || !cache.borrow().contains_key(&r.id))
            .map(|r| msg_key(&agent.id, r.seq))
            .collect();
        let loaded = self.load_many::<Message>(&missing).await?;
        let mut fresh: std::collections::HashMap<String, Rc<Message>> = std::collections::HashMap::new();
        let mut system_version = None;
        for (m, v) in loaded.into_iter().flatten() {
            if m.seq == 0 {
                system_version = Some(v);
            }
            fresh.insert(m.id.clone(), Rc::new(m));
        }
        let mut out = Vec::with_capacity(agent.context.len());
        let mut cache = cache.borrow_mut();
        for r in &agent.context {
            if let Some(m) = fresh.remove(&r.id) {
                if r.seq != 0 {
                    cache.insert(r.id.clone(), m.clone());
                }
                out.push(m);
            } else if let Some(m) = cache.get(&r.id) {
                out.push(m.clone());
            } else {
                // A message the context names is neither stored nor cached: refuse to send a
                // request with a hole in the conversation.
                return Err(ApiError::internal(format!(
                    "stored message {} of agent {} is missing from the store",
                    r.id, agent.id
                )));
            }
        }
        Ok((out, system_version))
    }

    /// Remembers messages just committed (they are immutable from now on).
    fn cache_messages(&self, messages: &[Message]) {
        let mut cache = self.inner.msg_cache.borrow_mut();
        for m in messages.iter().filter(|m| m.seq != 0) {
            cache.insert(m.id.clone(), Rc::new(m.clone()));
        }
    }

    /// The system prompt for the agent's next LLM call, from the latest block values.
    /// Its timestamp is the latest change of the agent or its blocks, so the text is
    /// byte-stable (cache-friendly) until something in it changes.
    pub(crate) fn system_prompt(&self, agent: &AgentRecord, blocks: &[(Block, u64)], in_context: u64, archive: Option<&ArchiveRecord>) -> String {
        let latest = blocks.iter().map(|(b, _)| b.updated_at.as_str()).chain([agent.updated_at.as_str()]).max().unwrap_or("");
        let recompiled = parse_datetime(latest).map(prompt_time).unwrap_or_default();
        let outside = agent.next_seq.saturating_sub(in_context);
        let bl: Vec<Block> = blocks.iter().map(|(b, _)| b.clone()).collect();
        let mut metadata = render_metadata(&agent.id, &recompiled, outside);
        // Letta's archival lines: the count when there are passages, the tags when any.
        if let Some(a) = archive.filter(|a| a.count > 0) {
            let mut extra = format!("\n- {} total memories you created are stored in archival memory (use tools to access them)", a.count);
            if !a.tags.is_empty() {
                extra.push_str(&format!("\n- Available archival memory tags: {}", a.tags.keys().cloned().collect::<Vec<_>>().join(", ")));
            }
            if let Some(at) = metadata.rfind("\n</memory_metadata>") {
                metadata.insert_str(at, &extra);
            }
        }
        compile_system(&agent.system, &bl, &metadata)
    }

    /// Summarises older messages out of the agent's context (Letta's sliding window, or every
    /// message but the system message when `all`), in one commit: the summary message is
    /// stored and placed after the system message; the evicted messages stay in the history.
    /// `Ok(false)`: nothing could be evicted. `Err`: summarising failed; nothing changed.
    #[allow(clippy::too_many_arguments)]
    async fn compact(
        &self,
        agent: &AgentRecord,
        system_text: &str,
        context: &[Rc<Message>],
        pending: &[Message],
        tools: &[Tool],
        step: u32,
        all: bool,
    ) -> std::result::Result<bool, String> {
        let n = context.len();
        if n <= 1 {
            return Ok(false);
        }
        let window = agent.llm_config.context_window.max(1);
        let tokens_keeping = |cut: usize| -> u64 {
            let mut kept: Vec<Rc<Message>> = Vec::with_capacity(n - cut + 1);
            kept.push(context[0].clone());
            kept.extend(context[cut..].iter().cloned());
            crate::llm::estimate_request_tokens(&build_request(agent, system_text, &kept, pending, tools, step))
        };
        // The first kept message: the last assistant message at or before round(f × n).
        let mut cut = None;
        if !all {
            let goal = ((1.0 - SLIDING_WINDOW_PERCENTAGE) * window as f64) as u64;
            let mut f = SLIDING_WINDOW_PERCENTAGE;
            loop {
                f += 0.10;
                let at = ((f * n as f64).round() as usize).min(n - 1);
                if let Some(c) = (2..=at).rev().find(|&i| context[i].role == "assistant") {
                    cut = Some(c);
                    if tokens_keeping(c) < goal {
                        break;
                    }
                }
                if f >= 1.0 {
                    break;
                }
            }
        }
        // Mode "all" (also the fallback when no cutoff exists): everything but the system message.
        let cut = cut.unwrap_or(n);
        let evicted = &context[1..cut];
        if evicted.is_empty() {
            return Ok(false);
        }
        let transcript = transcript(evicted);
        let summary_request = |text: &str| ChatRequest {
            model: agent.llm_config.handle.clone(),
            messages: vec![ChatMessage::new("system", SUMMARY_PROMPT), ChatMessage::new("user", text)],
            tools: vec![],
            temperature: agent.llm_config.temperature,
            max_tokens: agent.llm_config.max_tokens,
            agent_id: agent.id.clone(),
            step,
        };
        // The summary request must fit the window too (with room for the answer).
        let overhead = crate::llm::estimate_request_tokens(&summary_request(""));
        let room = window.saturating_sub(overhead).saturating_sub((window / 5).max(16));
        if room < 16 {
            return Err(format!(
                "Could not summarise older messages: the context window ({window} tokens) is too small for a summary request."
            ));
        }
        let budget = (room as usize) * 4;
        let mut text = clip_middle(&transcript, budget);
        while crate::llm::estimate_request_tokens(&summary_request(&text)) + (window / 5).max(16) > window && text.len() > 16 {
            let shorter = char_len(&text) * 3 / 4;
            text = clip_middle(&text, shorter);
        }
        let request = summary_request(&text);
        let model = self.inner.models.resolve(&agent.llm_config.handle).map_err(|e| format!("Could not summarise older messages to fit the context window: {e}"))?;
        let summary = match model.chat(&request, None).await {
            Ok(r) => r.content.unwrap_or_default(),
            Err(e) => return Err(format!("Could not summarise older messages to fit the context window: {e}")),
        };
        let summary = summary.trim();
        if summary.is_empty() {
            return Err("Could not summarise older messages to fit the context window: the model returned an empty summary.".into());
        }
        let clip = SUMMARY_CLIP_CHARS.min((window as usize * 4 * 3 / 10).max(200));
        let summary = if char_len(summary) > clip {
            format!("{}... [summary truncated to fit]", truncate_chars(summary, clip))
        } else {
            summary.to_string()
        };
        let now = self.inner.platform.now_ms();
        let k = evicted.len();
        let message = if cut == n {
            format!("Note: prior messages have been hidden from view due to conversation memory constraints.\nThe following is a summary of the previous messages:\n {summary}")
        } else {
            format!("Note: {k} messages from the beginning of the conversation have been hidden from view due to memory constraints.\nThe following is a summary of the previous messages:\n {summary}")
        };
        let alert = json!({ "type": "system_alert", "message": message, "time": prompt_time(now) }).to_string();
        let mut msg = Message {
            id: self.id("message"),
            agent_id: agent.id.clone(),
            role: "user".into(),
            text: Some(alert),
            created_at: now,
            ..Message::default()
        };
        let evicted_ids: Vec<&str> = context[..cut].iter().map(|m| m.id.as_str()).collect();
        for _ in 0..CAS_RETRIES {
            let (mut fresh, ver) = self.agent(&agent.id).await.map_err(|e| e.detail)?;
            // The context changed under us (a reset): re-plan on the fresh state.
            if fresh.context.len() < cut || fresh.context[..cut].iter().map(|r| r.id.as_str()).ne(evicted_ids.iter().copied()) {
                return Ok(true);
            }
            msg.seq = fresh.next_seq;
            fresh.next_seq += 1;
            let mut new_context = vec![fresh.context[0].clone(), MsgRef { seq: msg.seq, id: msg.id.clone() }];
            new_context.extend(fresh.context[cut..].iter().cloned());
            fresh.context = new_context;
            let ops = vec![
                put(msg_key(&agent.id, msg.seq), &msg, Expect::Absent).map_err(|e| e.detail)?,
                put(agent_key(&agent.id), &fresh, Expect::Version(ver)).map_err(|e| e.detail)?,
            ];
            match self.inner.store.commit(ops).await {
                Ok(()) => {
                    self.cache_messages(std::slice::from_ref(&msg));
                    return Ok(true);
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(format!("Could not store the summary of older messages: {e}")),
            }
        }
        Err("Could not store the summary of older messages: the agent kept changing.".into())
    }

    /// Runs a non-memory tool.
    async fn execute_tool(
        &self,
        ctx: &RunCtx,
        agent: &AgentRecord,
        tool: &Tool,
        args: &Map<String, Value>,
        effects: &RefCell<Effects>,
    ) -> std::result::Result<String, String> {
        if crate::tools::is_multi_agent(&tool.name) {
            return self.multi_agent_tool(ctx, &tool.name, args, effects).await;
        }
        match tool.name.as_str() {
            "send_message" => {
                arg_str(args, "message")?;
                Ok("Sent message successfully.".into())
            }
            "conversation_search" => self.conversation_search(agent, args).await,
            "archival_memory_insert" => {
                let content = arg_str(args, "content")?;
                let tags = arg_str_list(args, "tags")?.unwrap_or_default();
                // Embedded now; stored with the step's commit (a failed embedding stores nothing).
                let p = self.new_passage(agent, content, tags, None).await.map_err(|e| e.message())?;
                let id = p.id.clone();
                effects.borrow_mut().passages.push(p);
                Ok(id)
            }
            "archival_memory_search" => self.archival_search_tool(agent, args).await,
            _ if tool.tool_type == "custom" => {
                let host = self.inner.tool_host.borrow().clone();
                let args_json = Value::Object(args.clone()).to_string();
                let ctx = json!({ "agent_id": agent.id, "tool_name": tool.name, "run_id": ctx.run_id }).to_string();
                match host.and_then(|h| h.call(&tool.name, &args_json, &ctx)) {
                    Some(fut) => fut.await,
                    None => Err(format!(
                        "No JavaScript body is bound for tool '{}'. Tool bodies are code and are not stored: bind it with client.tools.bind('{}', fn) when the app starts.",
                        tool.name, tool.name
                    )),
                }
            }
            other => Err(format!("Tool '{other}' is not implemented in this runtime.")),
        }
    }

    /// `conversation_search`: case-insensitive text search over the whole history, newest
    /// first, with role and date filters.
    async fn conversation_search(&self, agent: &AgentRecord, args: &Map<String, Value>) -> std::result::Result<String, String> {
        let query = match args.get("query") {
            Some(Value::String(s)) => s.to_lowercase(),
            None | Some(Value::Null) => String::new(),
            Some(_) => return Err("Argument 'query' must be a string.".into()),
        };
        let roles = arg_str_list(args, "roles")?;
        let limit = arg_int(args, "limit")?.unwrap_or(5).clamp(1, 100) as usize;
        let date = |k: &str, end: bool| -> std::result::Result<Option<f64>, String> {
            match args.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => {
                    let t = parse_datetime(s).ok_or_else(|| format!("Invalid {k} format: {s}. Use YYYY-MM-DD or ISO 8601."))?;
                    // A date alone as the end includes that whole day.
                    Ok(Some(if end && s.trim().len() == 10 { t + 86_399_999.0 } else { t }))
                }
                Some(_) => Err(format!("Argument '{k}' must be a string.")),
            }
        };
        let (start, end) = (date("start_date", false)?, date("end_date", true)?);
        let history = self
            .list_records::<Message>(&crate::engine::msg_prefix(&agent.id))
            .await
            .map_err(|e| format!("Could not read the conversation history: {}", e.detail))?;
        let now = self.inner.platform.now_ms();
        let mut results = Vec::new();
        for (m, _) in history.iter().rev() {
            // Tool results, system messages, searches and context summaries are not conversation.
            if m.role == "tool"
                || m.role == "system"
                || m.tool_calls.iter().any(|c| c.name == "conversation_search")
                || m.text.as_deref().is_some_and(|t| t.starts_with("{\"type\":\"system_alert\""))
            {
                continue;
            }
            if roles.as_ref().is_some_and(|r| !r.contains(&m.role)) {
                continue;
            }
            if start.is_some_and(|s| m.created_at < s) || end.is_some_and(|e| m.created_at > e) {
                continue;
            }
            let text = m
                .text
                .clone()
                .or_else(|| m.tool_calls.iter().find(|c| c.name == "send_message").and_then(|c| {
                    serde_json::from_str::<Value>(&c.arguments).ok()?.get("message")?.as_str().map(str::to_string)
                }))
                .unwrap_or_default();
            if text.is_empty() || !text.to_lowercase().contains(&query) {
                continue;
            }
            results.push(json!({
                "timestamp": iso8601(m.created_at),
                "time_ago": time_ago(now - m.created_at),
                "role": m.role,
                "content": text,
            }));
            if results.len() >= limit {
                break;
            }
        }
        let message = if results.is_empty() { "No results found.".to_string() } else { format!("Showing {} results:", results.len()) };
        Ok(json!({ "message": message, "results": results }).to_string())
    }

    /// Commits the run's input messages when a step fails before producing anything.
    async fn commit_failure(&self, agent_id: &str, pending: &mut Vec<Message>, first_ops: &mut Vec<Op>, stop: StopReason) -> Result<()> {
        for _ in 0..CAS_RETRIES {
            let (mut agent, ver) = self.agent(agent_id).await?;
            let mut ops = first_ops.clone();
            for m in pending.iter_mut() {
                m.seq = agent.next_seq;
                agent.next_seq += 1;
                agent.context.push(MsgRef { seq: m.seq, id: m.id.clone() });
                ops.push(put(msg_key(agent_id, m.seq), &*m, Expect::Absent)?);
            }
            agent.last_stop_reason = Some(stop.as_str().into());
            agent.last_run_completion = Some(self.now_iso());
            ops.push(put(agent_key(agent_id), &agent, Expect::Version(ver))?);
            match self.inner.store.commit(ops).await {
                Ok(()) => {
                    pending.clear();
                    first_ops.clear();
                    return Ok(());
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the agent kept changing while its run was being recorded"))
    }

    /// Commits one step atomically: input messages (first step), the step's messages,
    /// memory edits (version-checked), the refreshed system message and the agent's context.
    /// A lost race re-reads and replays the memory edits on the fresh values.
    #[allow(clippy::too_many_arguments)]
    async fn commit_step(
        &self,
        agent_id: &str,
        base: StepBase,
        pending: &mut Vec<Message>,
        mut produced: Vec<Message>,
        mut overlay: Overlay,
        memory_calls: Vec<MemoryCall>,
        calls: &[ToolCall],
        system_text: &str,
        stop: Option<StopReason>,
        now_ms: f64,
        extra_ops: Vec<Op>,
        passages: &[crate::archival::PassageRecord],
    ) -> Result<Vec<Message>> {
        for attempt in 0..=CAS_RETRIES {
            self.backoff(attempt).await;
            // The first attempt commits against what the step read (the version checks catch
            // any change since); a retry reads again.
            let (mut agent, ver) = if attempt == 0 { (base.agent.clone(), base.agent_version) } else { self.agent(agent_id).await? };
            // Archival inserts of the step: the passages and the archive's count, version-checked.
            let mut stored_passages = passages.to_vec();
            let mut archive_version = None;
            let mut passage_ops = Vec::new();
            if !passages.is_empty() {
                let (archive, av) = self.archive(agent_id).await?;
                passage_ops = self.passage_ops(archive, av, &mut stored_passages)?;
                archive_version = Some(av);
            }
            if attempt > 0 && !memory_calls.is_empty() {
                // Replay the edits on the latest values and refresh their tool results.
                let fresh = self.agent_blocks(&agent).await?;
                overlay = Overlay { blocks: fresh, edited: vec![], now: overlay.now.clone() };
                let give_up = attempt == CAS_RETRIES;
                if let Some(tool_msg) = produced.iter_mut().find(|m| m.role == "tool") {
                    for mc in &memory_calls {
                        let result = if give_up {
                            Err("The memory block kept changing under concurrent edits; the edit was not applied. Try again.".to_string())
                        } else {
                            // Say why an edit that worked on the old value fails on the new one.
                            overlay.apply(&mc.name, &mc.args).map_err(|e| {
                                format!("{e} (The block was changed by another agent or the API while you were working; this edit was re-applied to its latest value.)")
                            })
                        };
                        if let (Some(slot), Some(call)) = (tool_msg.tool_returns.get_mut(mc.index), calls.get(mc.index)) {
                            *slot = tool_return(call, result, DEFAULT_RETURN_CHAR_LIMIT, now_ms);
                        }
                    }
                }
                if give_up {
                    overlay.edited.clear();
                }
            }
            let mut ops = extra_ops.clone();
            ops.append(&mut passage_ops);
            let mut refs = Vec::new();
            for m in pending.iter_mut().chain(produced.iter_mut()) {
                m.seq = agent.next_seq;
                agent.next_seq += 1;
                refs.push(MsgRef { seq: m.seq, id: m.id.clone() });
                ops.push(put(msg_key(agent_id, m.seq), &*m, Expect::Absent)?);
            }
            agent.context.extend(refs);
            for id in &overlay.edited {
                if let Some((b, v)) = overlay.blocks.iter().find(|(b, _)| &b.id == id) {
                    ops.push(put(block_key(id), b, Expect::Version(*v))?);
                }
            }
            // Keep the stored system message equal to what the model last saw.
            if let Some(first) = agent.context.first() {
                let key = msg_key(agent_id, first.seq);
                let stored = match &base.system {
                    Some((m, v)) if attempt == 0 && m.id == first.id => Some((m.clone(), *v)),
                    _ => self.load::<Message>(&key).await?,
                };
                if let Some((mut sys, v)) = stored {
                    if sys.text.as_deref() != Some(system_text) {
                        sys.text = Some(system_text.to_string());
                        ops.push(put(key, &sys, Expect::Version(v))?);
                    }
                }
            }
            if let Some(s) = stop {
                agent.last_stop_reason = Some(s.as_str().into());
                agent.last_run_completion = Some(self.now_iso());
            }
            ops.push(put(agent_key(agent_id), &agent, Expect::Version(ver))?);
            match self.inner.store.commit(ops).await {
                Ok(()) => {
                    if let Some(av) = archive_version {
                        self.index_added(agent_id, av, &stored_passages);
                    }
                    let mut all: Vec<Message> = std::mem::take(pending);
                    all.extend(produced);
                    self.cache_messages(&all);
                    // Only the step's own messages go back to the caller.
                    return Ok(all.into_iter().filter(|m| m.step_id.is_some()).collect());
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the agent kept changing while its step was being recorded"))
    }

    /// `GET /v1/agents/{id}/messages`: the history as wire messages. By default the newest
    /// `limit` messages, oldest first (as Letta returns them).
    pub async fn list_messages(&self, agent_id: &str, q: &crate::params::Query) -> Result<Value> {
        self.agent(agent_id).await?;
        let history: Vec<Message> =
            self.list_records::<Message>(&crate::engine::msg_prefix(agent_id)).await?.into_iter().map(|(m, _)| m).collect();
        let mut wire: Vec<Value> = history.iter().flat_map(crate::letta_message::to_letta_messages).collect();
        let types = q.all("include_return_message_types");
        if !types.is_empty() {
            wire.retain(|w| types.iter().any(|t| w["message_type"] == t.as_str()));
        }
        if q.bool("include_err")? != Some(true) {
            wire.retain(|w| w.get("is_err") != Some(&Value::Bool(true)));
        }
        // Cursors name stored messages; several wire messages may share an id.
        let limit = q.u64("limit")?.unwrap_or(100) as usize;
        let explicit_asc = q.get("order") == Some("asc") || q.bool("ascending")? == Some(true);
        let pos = |id: &str, last: bool| -> Result<usize> {
            let mut it = wire.iter().enumerate().filter(|(_, w)| w["id"] == id).map(|(i, _)| i);
            let found = if last { it.next_back() } else { it.next() };
            found.ok_or_else(|| ApiError::not_found(format!("No message found with id '{id}' for agent '{agent_id}'")))
        };
        let lo = match q.get("after").filter(|s| !s.is_empty()) {
            Some(a) => pos(a, true)? + 1,
            None => 0,
        };
        let hi = match q.get("before").filter(|s| !s.is_empty()) {
            Some(b) => pos(b, false)?,
            None => wire.len(),
        };
        let window: Vec<Value> = if lo >= hi { vec![] } else { wire[lo..hi].to_vec() };
        let page = if explicit_asc || (q.get("after").is_some() && q.get("before").is_none()) {
            window.into_iter().take(limit).collect()
        } else {
            let skip = window.len().saturating_sub(limit);
            window.into_iter().skip(skip).collect()
        };
        Ok(Value::Array(page))
    }

    /// `POST /v1/agents/{id}/messages/cancel`: stops the agent's active runs (or the given
    /// ones) at their next step boundary or in the middle of an LLM call.
    pub async fn cancel_runs(&self, agent_id: &str, body: Option<&Value>) -> Result<Value> {
        self.agent(agent_id).await?;
        let only = match body {
            Some(b) => as_object(b, "body")?.opt_str_list("run_ids")?,
            None => None,
        };
        let mut out = Map::new();
        for (run_id, (agent, flag)) in self.inner.active_runs.borrow().iter() {
            if agent == agent_id && only.as_ref().is_none_or(|ids| ids.contains(run_id)) {
                flag.cancel();
                out.insert(run_id.clone(), json!("cancelled"));
            }
        }
        Ok(Value::Object(out))
    }

    /// `PATCH /v1/agents/{id}/reset-messages`: empties the context window (the system
    /// message stays); the history stays searchable.
    pub async fn reset_messages(&self, agent_id: &str) -> Result<Value> {
        let _turn = self.turn(agent_id).await;
        for _ in 0..CAS_RETRIES {
            let (mut agent, ver) = self.agent(agent_id).await?;
            agent.context.truncate(1);
            agent.updated_at = self.now_iso();
            match self.inner.store.commit(vec![put(agent_key(agent_id), &agent, Expect::Version(ver))?]).await {
                Ok(()) => return self.agent_state(&agent).await,
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the agent kept changing. Please retry."))
    }
}

/// A tool named in a `TerminalToolRule` (`exit_loop`) ends the run.
fn is_terminal_rule(agent: &AgentRecord, name: &str) -> bool {
    agent.tool_rules.iter().any(|r| {
        matches!(r.get("type").and_then(Value::as_str), Some("exit_loop" | "TerminalToolRule"))
            && r.get("tool_name").and_then(Value::as_str) == Some(name)
    })
}

/// Rejects answers that cannot be recorded: tool calls without a name.
fn validate_response(r: ChatResponse) -> std::result::Result<ChatResponse, LlmError> {
    if let Some(c) = r.tool_calls.iter().find(|c| c.name.trim().is_empty()) {
        return Err(LlmError::InvalidResponse(format!("a tool call without a name (id '{}')", c.id)));
    }
    Ok(r)
}

/// Messages as a plain transcript for the summariser.
fn transcript(messages: &[Rc<Message>]) -> String {
    let mut out = String::new();
    let mut line = |who: &str, text: &str| {
        if !text.is_empty() {
            out.push_str(who);
            out.push_str(": ");
            out.push_str(truncate_chars(text, TRANSCRIPT_MESSAGE_CHARS));
            if char_len(text) > TRANSCRIPT_MESSAGE_CHARS {
                out.push_str(" [...]");
            }
            out.push('\n');
        }
    };
    for m in messages {
        match m.role.as_str() {
            "tool" => {
                for r in &m.tool_returns {
                    line(&format!("tool {} ({})", r.name, r.status), &r.tool_return);
                }
            }
            role => {
                if let Some(r) = &m.reasoning {
                    line(&format!("{role} (thinking)"), r);
                }
                line(role, m.text.as_deref().unwrap_or(""));
                for c in &m.tool_calls {
                    line(&format!("{role} called {}", c.name), &c.arguments);
                }
            }
        }
    }
    out
}

/// `text` cut to about `max` characters: its start and its end, the middle left out.
fn clip_middle(text: &str, max: usize) -> String {
    let n = char_len(text);
    if n <= max {
        return text.to_string();
    }
    let head = max / 3;
    let tail = max.saturating_sub(head).saturating_sub(40);
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}\n[... {} characters left out ...]\n{end}", n - head - tail)
}

fn time_ago(ms: f64) -> String {
    let s = (ms / 1000.0).max(0.0) as u64;
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// Builds the LLM request: system prompt, the context (minus the stored system message),
/// then the run's pending input.
fn build_request(
    agent: &AgentRecord,
    system_text: &str,
    context: &[Rc<Message>],
    pending: &[Message],
    tools: &[Tool],
    step: u32,
) -> ChatRequest {
    let mut messages = vec![ChatMessage::new("system", system_text)];
    for m in context.iter().skip(1).map(|m| &**m).chain(pending) {
        match m.role.as_str() {
            "user" | "system" => {
                let mut cm = ChatMessage::new(&m.role, m.text.clone().unwrap_or_default());
                cm.name = m.name.clone();
                messages.push(cm);
            }
            "assistant" => {
                let mut cm = ChatMessage::new("assistant", m.text.clone().unwrap_or_default());
                cm.tool_calls = m.tool_calls.clone();
                messages.push(cm);
            }
            "tool" => {
                for r in &m.tool_returns {
                    let mut cm = ChatMessage::new("tool", r.func_response.clone());
                    cm.tool_call_id = Some(r.tool_call_id.clone());
                    cm.name = Some(r.name.clone());
                    messages.push(cm);
                }
            }
            _ => {}
        }
    }
    let tools = tools
        .iter()
        .map(|t| ToolSchema {
            name: t.name.clone(),
            description: t
                .json_schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| t.description.clone())
                .unwrap_or_default(),
            parameters: t
                .json_schema
                .get("parameters")
                .cloned()
                .unwrap_or_else(|| json!({ "type": "object", "properties": {} })),
        })
        .collect();
    ChatRequest {
        model: agent.llm_config.handle.clone(),
        messages,
        tools,
        temperature: agent.llm_config.temperature,
        max_tokens: agent.llm_config.max_tokens,
        agent_id: agent.id.clone(),
        step,
    }
}
