//! Built-in tools: their schemas, and helpers for parsing a model's tool-call arguments.
//! Execution lives in the agent loop, which owns the step's store transaction.

use crate::model::Tool;
use crate::util::stable_id;
use serde_json::{json, Map, Value};

/// Tools every `letta_v1_agent` gets with `include_base_tools` (Letta's default set).
pub const BASE_TOOLS: &[&str] = &["memory_replace", "memory_insert", "conversation_search"];

/// Tools `include_multi_agent_tools` adds (Letta's current set).
pub const MULTI_AGENT_TOOLS: &[&str] =
    &["send_message_to_agent_and_wait_for_reply", "send_message_to_agent_async", "send_message_to_agents_matching_tags"];

/// Tools that message other agents.
pub fn is_multi_agent(name: &str) -> bool {
    MULTI_AGENT_TOOLS.contains(&name) || name == "send_message_to_agents_matching_all_tags"
}

/// Tools whose call ends the run.
pub fn is_terminal(name: &str) -> bool {
    name == "send_message"
}

/// Tools that edit core memory.
pub fn is_memory_edit(name: &str) -> bool {
    matches!(name, "core_memory_append" | "core_memory_replace" | "memory_replace" | "memory_insert" | "memory_rethink")
}

fn schema(name: &str, description: &str, props: Value, required: &[&str]) -> Value {
    json!({
        "name": name,
        "description": description,
        "parameters": { "type": "object", "properties": props, "required": required },
    })
}

fn label_prop() -> Value {
    json!({ "type": "string", "description": "Label of the memory block to edit." })
}

/// (name, tool_type, json_schema) of every built-in tool.
fn definitions() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "send_message",
            "letta_core",
            schema(
                "send_message",
                "Sends a message to the user and ends your turn.",
                json!({ "message": { "type": "string", "description": "The message text." } }),
                &["message"],
            ),
        ),
        (
            "conversation_search",
            "letta_core",
            schema(
                "conversation_search",
                "Searches your whole conversation history (also messages no longer in your context) for a text. Results are newest first.",
                json!({
                    "query": { "type": "string", "description": "Text to look for (case-insensitive)." },
                    "roles": { "type": "array", "items": { "type": "string", "enum": ["assistant", "user", "tool"] }, "description": "Only messages with these roles." },
                    "limit": { "type": "integer", "description": "Maximum number of results (default 5)." },
                    "start_date": { "type": "string", "description": "Only messages at or after this date (YYYY-MM-DD or ISO 8601)." },
                    "end_date": { "type": "string", "description": "Only messages at or before this date (YYYY-MM-DD, inclusive, or ISO 8601)." }
                }),
                &[],
            ),
        ),
        (
            "archival_memory_insert",
            "letta_core",
            schema(
                "archival_memory_insert",
                "Adds a passage to your archival memory (long-term storage searched by meaning with archival_memory_search). Store self-contained facts, one topic per passage. Returns the new passage's id.",
                json!({
                    "content": { "type": "string", "description": "The text to store." },
                    "tags": { "type": "array", "items": { "type": "string" }, "description": "Optional tags to categorise the passage (filter on them when searching)." }
                }),
                &["content"],
            ),
        ),
        (
            "archival_memory_search",
            "letta_core",
            schema(
                "archival_memory_search",
                "Searches your archival memory by meaning. Returns the most similar passages first, as a list of {id, timestamp, content, tags}.",
                json!({
                    "query": { "type": "string", "description": "What to look for (a question or a description)." },
                    "tags": { "type": "array", "items": { "type": "string" }, "description": "Only passages with these tags." },
                    "tag_match_mode": { "type": "string", "enum": ["any", "all"], "description": "\"any\" (default): at least one of the tags; \"all\": every tag." },
                    "top_k": { "type": "integer", "description": "Maximum number of results (default 5)." },
                    "start_datetime": { "type": "string", "description": "Only passages created at or after this time (ISO 8601 or YYYY-MM-DD)." },
                    "end_datetime": { "type": "string", "description": "Only passages created at or before this time (ISO 8601, or YYYY-MM-DD for the whole day)." }
                }),
                &["query"],
            ),
        ),
        (
            "send_message_to_agent_and_wait_for_reply",
            "letta_multi_agent_core",
            schema(
                "send_message_to_agent_and_wait_for_reply",
                "Sends a message to another agent, waits for it to run, and returns its reply.",
                json!({
                    "message": { "type": "string", "description": "The message to send." },
                    "other_agent_id": { "type": "string", "description": "The id of the agent to message (agent-...)." }
                }),
                &["message", "other_agent_id"],
            ),
        ),
        (
            "send_message_to_agent_async",
            "letta_multi_agent_core",
            schema(
                "send_message_to_agent_async",
                "Sends a one-way message to another agent's mailbox and returns at once; the other agent handles it after its current work. No reply comes back through this tool.",
                json!({
                    "message": { "type": "string", "description": "The message to send." },
                    "other_agent_id": { "type": "string", "description": "The id of the agent to message (agent-...)." }
                }),
                &["message", "other_agent_id"],
            ),
        ),
        (
            "send_message_to_agents_matching_tags",
            "letta_multi_agent_core",
            schema(
                "send_message_to_agents_matching_tags",
                "Sends a message to every other agent that has all of match_all and at least one of match_some (an empty list is no constraint), runs them in parallel, and returns each agent's reply.",
                json!({
                    "message": { "type": "string", "description": "The message to send." },
                    "match_all": { "type": "array", "items": { "type": "string" }, "description": "Tags an agent must all have." },
                    "match_some": { "type": "array", "items": { "type": "string" }, "description": "Tags of which an agent must have at least one." }
                }),
                &["message", "match_all", "match_some"],
            ),
        ),
        (
            "send_message_to_agents_matching_all_tags",
            "letta_multi_agent_core",
            schema(
                "send_message_to_agents_matching_all_tags",
                "Sends a message to every other agent that has all the given tags, runs them in parallel, and returns each agent's reply.",
                json!({
                    "message": { "type": "string", "description": "The message to send." },
                    "tags": { "type": "array", "items": { "type": "string" }, "description": "Tags an agent must all have." }
                }),
                &["message", "tags"],
            ),
        ),
        (
            "core_memory_append",
            "letta_memory_core",
            schema(
                "core_memory_append",
                "Appends text to a memory block, on a new line.",
                json!({ "label": label_prop(), "content": { "type": "string", "description": "Text to append." } }),
                &["label", "content"],
            ),
        ),
        (
            "core_memory_replace",
            "letta_memory_core",
            schema(
                "core_memory_replace",
                "Replaces every occurrence of old_content in a memory block with new_content (empty new_content deletes).",
                json!({
                    "label": label_prop(),
                    "old_content": { "type": "string", "description": "Exact text to replace." },
                    "new_content": { "type": "string", "description": "Replacement text." }
                }),
                &["label", "old_content", "new_content"],
            ),
        ),
        (
            "memory_replace",
            "letta_memory_core",
            schema(
                "memory_replace",
                "Replaces one exact, unique occurrence of old_string in a memory block with new_string. Do not include line numbers.",
                json!({
                    "label": label_prop(),
                    "old_string": { "type": "string", "description": "Exact text to replace; it must appear exactly once." },
                    "new_string": { "type": "string", "description": "Replacement text." }
                }),
                &["label", "old_string", "new_string"],
            ),
        ),
        (
            "memory_insert",
            "letta_memory_core",
            schema(
                "memory_insert",
                "Inserts text into a memory block after a given line (0 = at the top, -1 = at the end).",
                json!({
                    "label": label_prop(),
                    "new_string": { "type": "string", "description": "Text to insert." },
                    "insert_line": { "type": "integer", "description": "Line after which to insert; -1 (default) appends." }
                }),
                &["label", "new_string"],
            ),
        ),
        (
            "memory_rethink",
            "letta_memory_core",
            schema(
                "memory_rethink",
                "Rewrites a memory block entirely with new_memory.",
                json!({ "label": label_prop(), "new_memory": { "type": "string", "description": "The new full value." } }),
                &["label", "new_memory"],
            ),
        ),
    ]
}

thread_local! {
    /// The built-in tools, built once per thread (the wasm instance has one).
    static BUILTINS: Vec<Tool> = definitions().into_iter().map(|(n, t, s)| to_tool(n, t, s)).collect();
}

/// The built-in tool `name`, as a [`Tool`] with a stable id.
pub fn builtin(name: &str) -> Option<Tool> {
    BUILTINS.with(|b| b.iter().find(|t| t.name == name).cloned())
}

/// The built-in tool with this id.
pub fn builtin_by_id(id: &str) -> Option<Tool> {
    BUILTINS.with(|b| b.iter().find(|t| t.id == id).cloned())
}

/// True when `id` is a built-in tool's id.
pub fn is_builtin_id(id: &str) -> bool {
    BUILTINS.with(|b| b.iter().any(|t| t.id == id))
}

/// Every built-in tool.
pub fn all_builtins() -> Vec<Tool> {
    BUILTINS.with(|b| b.clone())
}

fn to_tool(name: &str, tool_type: &str, json_schema: Value) -> Tool {
    Tool {
        id: stable_id("tool", name),
        name: name.to_string(),
        description: json_schema.get("description").and_then(Value::as_str).map(str::to_string),
        tool_type: tool_type.to_string(),
        source_type: "builtin".into(),
        json_schema,
        tags: vec![tool_type.to_string()],
        ..Tool::default()
    }
}

/// Parses a model's argument text into an object. Empty text means no arguments.
pub fn parse_args(text: &str) -> Result<Map<String, Value>, String> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("Tool arguments must be a JSON object.".into()),
        Err(e) => Err(format!("Tool arguments are not valid JSON ({e}).")),
    }
}

/// A required string argument.
pub fn arg_str<'a>(args: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(Value::Null) | None => Err(format!("Missing required argument '{name}'.")),
        Some(v) => Err(format!("Argument '{name}' must be a string, got {}.", type_name(v))),
    }
}

/// An optional integer argument (accepts integral floats and numeric strings).
pub fn arg_int(args: &Map<String, Value>, name: &str) -> Result<Option<i64>, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("Argument '{name}' must be an integer.")),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| format!("Argument '{name}' must be an integer.")),
        Some(v) => Err(format!("Argument '{name}' must be an integer, got {}.", type_name(v))),
    }
}

/// An optional list of strings.
pub fn arg_str_list(args: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| format!("Argument '{name}' must be a list of strings.")))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
        Some(v) => Err(format!("Argument '{name}' must be a list of strings, got {}.", type_name(v))),
    }
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
