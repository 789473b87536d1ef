//! Stored messages to the wire's `LettaMessage` variants.

use crate::model::Message;
use crate::util::iso8601;
use serde_json::{json, Map, Value};

/// The `otid` of the `index`-th wire message made from a stored message: the message's
/// UUID with its last byte's low 7 bits replaced by the index (Letta's scheme).
fn otid(id: &str, index: usize) -> String {
    let uuid = id.split_once('-').map(|(_, u)| u).unwrap_or(id);
    if uuid.len() < 2 || !uuid.is_char_boundary(uuid.len() - 2) {
        return uuid.to_string();
    }
    let (head, last) = uuid.split_at(uuid.len() - 2);
    let byte = u8::from_str_radix(last, 16).unwrap_or(0);
    format!("{head}{:02x}", (byte & 0x80) | (index as u8 & 0x7f))
}

fn base(m: &Message, message_type: &str, index: usize) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(m.id));
    o.insert("date".into(), json!(iso8601(m.created_at)));
    o.insert("message_type".into(), json!(message_type));
    o.insert("name".into(), json!(m.name));
    o.insert("otid".into(), json!(m.otid.clone().unwrap_or_else(|| otid(&m.id, index))));
    o.insert("sender_id".into(), json!(m.sender_id));
    o.insert("step_id".into(), json!(m.step_id));
    o.insert("run_id".into(), json!(m.run_id));
    o.insert("seq_id".into(), json!(m.seq));
    if m.is_err {
        o.insert("is_err".into(), json!(true));
    }
    o
}

/// The `message` argument of a `send_message` call, if it parses.
fn send_message_text(arguments: &str) -> Option<String> {
    serde_json::from_str::<Value>(arguments).ok()?.get("message")?.as_str().map(str::to_string)
}

/// Expands one stored message into its wire messages, in Letta's order: reasoning, text,
/// tool calls (a `send_message` call shows as an `assistant_message`).
pub fn to_letta_messages(m: &Message) -> Vec<Value> {
    let mut out = Vec::new();
    let mut push = |mut o: Map<String, Value>, extra: Value| {
        if let Value::Object(e) = extra {
            o.extend(e);
        }
        out.push(Value::Object(o));
    };
    let mut i = 0;
    match m.role.as_str() {
        "system" => push(base(m, "system_message", 0), json!({ "content": m.text.clone().unwrap_or_default() })),
        "user" => push(base(m, "user_message", 0), json!({ "content": m.text.clone().unwrap_or_default() })),
        "assistant" => {
            if let Some(r) = m.reasoning.as_ref().filter(|r| !r.is_empty()) {
                push(base(m, "reasoning_message", i), json!({ "reasoning": r, "source": "reasoner_model", "signature": null }));
                i += 1;
            }
            if let Some(t) = m.text.as_ref().filter(|t| !t.is_empty()) {
                push(base(m, "assistant_message", i), json!({ "content": t }));
                i += 1;
            }
            for c in &m.tool_calls {
                let call = json!({ "name": c.name, "arguments": c.arguments, "tool_call_id": c.id });
                match (c.name.as_str(), send_message_text(&c.arguments)) {
                    ("send_message", Some(text)) => push(base(m, "assistant_message", i), json!({ "content": text })),
                    _ => push(base(m, "tool_call_message", i), json!({ "tool_call": call, "tool_calls": [call] })),
                }
                i += 1;
            }
        }
        "tool" => {
            for r in &m.tool_returns {
                if r.name == "send_message" && r.status == "success" {
                    continue;
                }
                let ret = json!({
                    "type": "tool",
                    "tool_call_id": r.tool_call_id,
                    "tool_return": r.tool_return,
                    "status": r.status,
                    "stdout": r.stdout,
                    "stderr": r.stderr,
                });
                push(
                    base(m, "tool_return_message", i),
                    json!({
                        "tool_return": r.tool_return,
                        "status": r.status,
                        "tool_call_id": r.tool_call_id,
                        "name": r.name,
                        "stdout": r.stdout,
                        "stderr": r.stderr,
                        "tool_returns": [ret],
                    }),
                );
                i += 1;
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ToolCall, ToolReturn};

    #[test]
    fn expands_in_letta_order() {
        let m = Message {
            id: "message-123e4567-e89b-42d3-8456-426614174000".into(),
            role: "assistant".into(),
            reasoning: Some("think".into()),
            text: Some("hi".into()),
            tool_calls: vec![
                ToolCall { id: "c1".into(), name: "memory_insert".into(), arguments: "{}".into() },
                ToolCall { id: "c2".into(), name: "send_message".into(), arguments: r#"{"message":"bye"}"#.into() },
            ],
            ..Message::default()
        };
        let w = to_letta_messages(&m);
        let types: Vec<_> = w.iter().map(|v| v["message_type"].as_str().unwrap_or("")).collect();
        assert_eq!(types, ["reasoning_message", "assistant_message", "tool_call_message", "assistant_message"]);
        assert_eq!(w[3]["content"], "bye");
        let otids: std::collections::HashSet<_> = w.iter().map(|v| v["otid"].to_string()).collect();
        assert_eq!(otids.len(), 4);
        let t = Message {
            id: "message-x".into(),
            role: "tool".into(),
            tool_returns: vec![
                ToolReturn { name: "send_message".into(), ..ToolReturn::default() },
                ToolReturn { name: "memory_insert".into(), tool_return: "ok".into(), ..ToolReturn::default() },
            ],
            ..Message::default()
        };
        let w = to_letta_messages(&t);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0]["tool_return"], "ok");
    }
}
