//! The in-process REST router: `(method, path, query, body) -> JSON | error`, serving the
//! Letta V1 routes under `/v1`. Every door (the 0.x and 1.x clients, the fetch handler)
//! goes through here, so behaviour lives in one place.

use crate::agent::RunSink;
use crate::engine::Engine;
use crate::error::{ApiError, Result};
use crate::params::Query;
use crate::util::is_valid_id;
use serde_json::{json, Value};

/// Percent-decodes one path segment; invalid escapes are kept as they are.
fn decode(seg: &str) -> String {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn id<'a>(seg: &'a str, prefix: &str) -> Result<&'a str> {
    if is_valid_id(seg, prefix) {
        Ok(seg)
    } else {
        Err(ApiError::unprocessable(format!(
            "'{seg}' is not a valid {prefix} id: it should match '{prefix}-<uuid4>', e.g. {prefix}-123e4567-e89b-42d3-8456-426614174000"
        )))
    }
}

/// True for the routes that run an agent (streaming doors use them with a sink).
pub fn is_run_route(method: &str, path: &str) -> bool {
    let p = path.trim_end_matches('/');
    method.eq_ignore_ascii_case("POST")
        && p.starts_with("/v1/agents/")
        && (p.ends_with("/messages") || p.ends_with("/messages/stream"))
}

/// Serves one request. `sink` receives a run's messages as they are committed.
pub async fn handle(engine: &Engine, method: &str, path: &str, query: &Query, body: Option<&Value>, sink: &dyn RunSink) -> Result<Value> {
    let method = method.to_ascii_uppercase();
    let rest = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .strip_prefix("/v1/")
        .or_else(|| (path == "/v1").then_some(""))
        .ok_or_else(|| ApiError::not_found(format!("Not found: {path} (routes live under /v1/)")))?;
    let segs: Vec<String> = rest.split('/').filter(|s| !s.is_empty()).map(decode).collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let empty = json!({});
    let body_or_empty = body.unwrap_or(&empty);
    let m = method.as_str();
    match (m, s.as_slice()) {
        ("GET", ["health"]) => Ok(json!({ "version": env!("CARGO_PKG_VERSION"), "status": "ok", "store": engine.store().kind() })),

        ("POST", ["blocks"]) => engine.create_block(body_or_empty).await,
        ("GET", ["blocks"]) => engine.list_blocks(query).await,
        ("GET", ["blocks", "count"]) => engine.count_blocks().await,
        ("GET", ["blocks", b]) => engine.get_block(id(b, "block")?).await,
        ("PATCH", ["blocks", b]) => engine.modify_block(id(b, "block")?, body_or_empty).await,
        ("DELETE", ["blocks", b]) => engine.delete_block(id(b, "block")?).await,
        ("GET", ["blocks", b, "agents"]) => engine.block_agents(id(b, "block")?, query).await,

        ("POST", ["agents"]) => engine.create_agent(body_or_empty).await,
        ("GET", ["agents"]) => engine.list_agents(query).await,
        ("GET", ["agents", "count"]) => engine.count_agents().await,
        ("GET", ["agents", a]) => engine.get_agent(id(a, "agent")?).await,
        ("PATCH", ["agents", a]) => engine.modify_agent(id(a, "agent")?, body_or_empty).await,
        ("DELETE", ["agents", a]) => engine.delete_agent(id(a, "agent")?).await,

        ("GET", ["agents", a, "core-memory"]) => {
            let blocks = engine.list_core_blocks(id(a, "agent")?, &Query::default()).await?;
            Ok(json!({ "blocks": blocks, "file_blocks": [], "prompt_template": "" }))
        }
        ("GET", ["agents", a, "core-memory", "blocks"]) => engine.list_core_blocks(id(a, "agent")?, query).await,
        ("PATCH", ["agents", a, "core-memory", "blocks", "attach", b]) => engine.attach_block(id(a, "agent")?, id(b, "block")?).await,
        ("PATCH", ["agents", a, "core-memory", "blocks", "detach", b]) => engine.detach_block(id(a, "agent")?, id(b, "block")?).await,
        ("GET", ["agents", a, "core-memory", "blocks", label]) => engine.get_core_block(id(a, "agent")?, label).await,
        ("PATCH", ["agents", a, "core-memory", "blocks", label]) => engine.modify_core_block(id(a, "agent")?, label, body_or_empty).await,

        ("POST", ["agents", a, "messages"]) | ("POST", ["agents", a, "messages", "stream"]) => {
            let out = engine.send_message(id(a, "agent")?, body_or_empty, sink).await?;
            Ok(out.response_json())
        }
        ("GET", ["agents", a, "messages"]) => engine.list_messages(id(a, "agent")?, query).await,
        ("POST", ["agents", a, "messages", "cancel"]) => engine.cancel_runs(id(a, "agent")?, body).await,
        ("PATCH", ["agents", a, "reset-messages"]) => {
            // 0.x sends the flag as a query parameter, 1.x in the body. The engine resets to the
            // system message either way (no default initial messages are added): only the types
            // are checked here.
            query.bool("add_default_initial_messages")?;
            if let Some(b) = body.filter(|b| !b.is_null()) {
                crate::params::as_object(b, "body")?.opt_bool("add_default_initial_messages")?;
            }
            engine.reset_messages(id(a, "agent")?).await
        }
        ("PATCH", ["agents", _, "messages", _]) => Err(ApiError::new(
            405,
            "Message editing is not supported: messages are immutable history.",
        )),

        ("GET", ["agents", a, "tools"]) => engine.list_agent_tools(id(a, "agent")?, query).await,
        ("PATCH", ["agents", a, "tools", "attach", t]) => engine.attach_tool(id(a, "agent")?, id(t, "tool")?, true).await,
        ("PATCH", ["agents", a, "tools", "detach", t]) => engine.attach_tool(id(a, "agent")?, id(t, "tool")?, false).await,

        ("GET", ["agents", a, "archival-memory"]) => engine.list_passages(id(a, "agent")?, query).await,
        ("POST", ["agents", a, "archival-memory"]) => engine.create_passage(id(a, "agent")?, body_or_empty).await,
        ("GET", ["agents", a, "archival-memory", "search"]) => engine.search_passages(id(a, "agent")?, query).await,
        ("DELETE", ["agents", a, "archival-memory", p]) => engine.delete_passage(id(a, "agent")?, id(p, "passage")?).await,

        ("GET", ["interactions"]) => engine.list_interactions(query).await,

        ("POST", ["tools"]) => engine.create_tool(body_or_empty, false).await,
        ("PUT", ["tools"]) => engine.create_tool(body_or_empty, true).await,
        ("GET", ["tools"]) => engine.list_tools(query).await,
        ("GET", ["tools", "count"]) => engine.count_tools().await,
        ("GET", ["tools", t]) => engine.get_tool(id(t, "tool")?).await,
        ("PATCH", ["tools", t]) => engine.modify_tool(id(t, "tool")?, body_or_empty).await,
        ("DELETE", ["tools", t]) => engine.delete_tool(id(t, "tool")?).await,

        _ => {
            let allowed = allowed_methods(&s);
            if allowed.is_empty() {
                Err(ApiError::not_found(format!("Not found: {m} {path}")))
            } else {
                Err(ApiError::new(405, format!("Method Not Allowed: {m} {path} (allowed: {})", allowed.join(", "))))
            }
        }
    }
}

/// Path patterns of the routes above (`*` = any one segment) and their methods. Only used to
/// tell a wrong method (405) from an unknown path (404) once no route matched.
const ROUTES: &[(&[&str], &[&str])] = &[
    (&["health"], &["GET"]),
    (&["blocks"], &["GET", "POST"]),
    (&["blocks", "count"], &["GET"]),
    (&["blocks", "*"], &["GET", "PATCH", "DELETE"]),
    (&["blocks", "*", "agents"], &["GET"]),
    (&["agents"], &["GET", "POST"]),
    (&["agents", "count"], &["GET"]),
    (&["agents", "*"], &["GET", "PATCH", "DELETE"]),
    (&["agents", "*", "core-memory"], &["GET"]),
    (&["agents", "*", "core-memory", "blocks"], &["GET"]),
    (&["agents", "*", "core-memory", "blocks", "attach", "*"], &["PATCH"]),
    (&["agents", "*", "core-memory", "blocks", "detach", "*"], &["PATCH"]),
    (&["agents", "*", "core-memory", "blocks", "*"], &["GET", "PATCH"]),
    (&["agents", "*", "messages"], &["GET", "POST"]),
    (&["agents", "*", "messages", "stream"], &["POST"]),
    (&["agents", "*", "messages", "cancel"], &["POST"]),
    (&["agents", "*", "reset-messages"], &["PATCH"]),
    (&["agents", "*", "tools"], &["GET"]),
    (&["agents", "*", "tools", "attach", "*"], &["PATCH"]),
    (&["agents", "*", "tools", "detach", "*"], &["PATCH"]),
    (&["agents", "*", "archival-memory"], &["GET", "POST"]),
    (&["agents", "*", "archival-memory", "search"], &["GET"]),
    (&["agents", "*", "archival-memory", "*"], &["DELETE"]),
    (&["interactions"], &["GET"]),
    (&["tools"], &["GET", "POST", "PUT"]),
    (&["tools", "count"], &["GET"]),
    (&["tools", "*"], &["GET", "PATCH", "DELETE"]),
];

/// The methods some route serves at this path (empty: no route has this path).
pub fn allowed_methods(segs: &[&str]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (pattern, methods) in ROUTES {
        if pattern.len() == segs.len() && pattern.iter().zip(segs).all(|(p, s)| *p == "*" || p == s) {
            for m in methods.iter() {
                if !out.contains(m) {
                    out.push(m);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::decode;
    #[test]
    fn decodes_segments() {
        assert_eq!(decode("a%20b"), "a b");
        assert_eq!(decode("%"), "%");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("x%2"), "x%2");
        assert_eq!(decode("%C3%A9"), "é");
    }
}
