//! The engine: owns the store, the models and the tool host, and implements the Letta V1
//! resources (blocks, agents, core memory, tools, messages). The router in `router.rs`
//! maps REST calls onto these methods; the doors only reshape arguments.

use crate::error::{ApiError, Result};
use crate::llm::Models;
use crate::model::*;
use crate::params::{as_object, paginate, Body, Query};
use crate::platform::{BoxFut, Platform};
use crate::store::{Expect, Op, Store, StoreError};
use crate::sync::KeyedLocks;
use crate::util::{iso8601, new_id};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How many times a compare-and-swap write is retried after losing a race.
pub(crate) const CAS_RETRIES: usize = 16;

/// Runs custom tools whose bodies the host (JS) supplies.
pub trait ToolHost {
    /// Calls the body bound to `name` with the arguments JSON text and a context JSON text.
    /// `None` when no body is bound under that name.
    fn call(&self, name: &str, args_json: &str, ctx_json: &str) -> Option<BoxFut<'static, Result<String, String>>>;
}

pub struct EngineOptions {
    /// Default `max_steps` of a run.
    pub max_steps: u32,
    /// How deep agents may wait on agents (A waits for B waits for C ...).
    pub max_chain_depth: u32,
    /// How many agent-to-agent hops one conversation may take before sends are refused
    /// (bounds message storms between agents).
    pub max_hops: u32,
    /// How many stored messages the engine keeps parsed in memory (dropped wholesale past it).
    pub msg_cache_max: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { max_steps: DEFAULT_MAX_STEPS, max_chain_depth: 6, max_hops: 24, msg_cache_max: 20_000 }
    }
}

pub(crate) struct Inner {
    pub store: Rc<dyn Store>,
    pub platform: Rc<dyn Platform>,
    pub models: Models,
    pub tool_host: RefCell<Option<Rc<dyn ToolHost>>>,
    pub locks: KeyedLocks,
    pub options: EngineOptions,
    last_created_ms: Cell<f64>,
    /// Agent-to-agent coordination: waits-for edges, background work.
    pub team: crate::team::TeamState,
    /// Stored messages never change once written: id -> message.
    pub msg_cache: RefCell<std::collections::HashMap<String, Rc<Message>>>,
    /// Runs in progress: run id -> (agent id, cancellation flag).
    pub active_runs: RefCell<std::collections::HashMap<String, (String, crate::sync::CancelFlag)>>,
    /// Archival search indexes per agent, each valid for one archive version.
    pub(crate) archival: RefCell<std::collections::HashMap<String, crate::archival::Index>>,
}

/// An agent's turn to run; released on drop (the cross-engine lock first).
pub(crate) struct Turn {
    _shared: Option<crate::store::StoreLock>,
    _local: crate::sync::Guard,
}

/// A handle to one engine. Cloning is cheap and shares the engine.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Rc<Inner>,
}

pub(crate) fn agent_key(id: &str) -> String {
    format!("agent/{id}")
}
pub(crate) fn block_key(id: &str) -> String {
    format!("block/{id}")
}
pub(crate) fn tool_key(id: &str) -> String {
    format!("tool/{id}")
}
pub(crate) fn msg_prefix(agent_id: &str) -> String {
    format!("msg/{agent_id}/")
}
pub(crate) fn msg_key(agent_id: &str, seq: u64) -> String {
    format!("msg/{agent_id}/{seq:012}")
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ApiError::internal(format!("could not serialise a record: {e}")))
}

pub(crate) fn put<T: Serialize>(key: String, v: &T, expect: Expect) -> Result<Op> {
    Ok(Op::Put { key, value: to_json(v)?, expect })
}

fn check_label(label: &str) -> Result<()> {
    if label.is_empty() {
        return Err(ApiError::unprocessable("label: must not be empty"));
    }
    if let Some(c) = label.chars().find(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '/')) {
        return Err(ApiError::unprocessable(format!(
            "label: '{label}' contains {c:?}; labels become tag names in the prompt, so use letters, digits, '_', '-' or '.'"
        )));
    }
    Ok(())
}

fn check_limit(value: &str, limit: u64) -> Result<()> {
    let n = crate::util::char_len(value) as u64;
    if n > limit {
        return Err(ApiError::bad_request(format!(
            "INVALID_ARGUMENT: Value length ({n} characters) exceeds block limit ({limit} characters)"
        )));
    }
    Ok(())
}

/// Strips internal bookkeeping from a wire object.
fn wire(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("created_ms");
        // Built-in tools have no creation date: say so with null, not "".
        for k in ["created_at", "updated_at"] {
            if m.get(k).is_some_and(|d| d == "") {
                m.insert(k.into(), Value::Null);
            }
        }
    }
    v
}

pub(crate) fn block_json(b: &Block) -> Value {
    wire(serde_json::to_value(b).unwrap_or(Value::Null))
}

pub(crate) fn tool_json(t: &Tool) -> Value {
    wire(serde_json::to_value(t).unwrap_or(Value::Null))
}

impl Engine {
    pub fn new(store: Rc<dyn Store>, platform: Rc<dyn Platform>, options: EngineOptions) -> Self {
        let models = Models::new(platform.clone());
        Engine {
            inner: Rc::new(Inner {
                store,
                platform,
                models,
                tool_host: RefCell::new(None),
                locks: KeyedLocks::new(),
                options,
                last_created_ms: Cell::new(0.0),
                team: crate::team::TeamState::default(),
                msg_cache: RefCell::default(),
                active_runs: RefCell::default(),
                archival: RefCell::default(),
            }),
        }
    }

    /// An engine on an in-memory store and the native platform (tests, native tools).
    pub fn in_memory() -> Self {
        Self::new(Rc::new(crate::store::MemoryStore::new()), Rc::new(crate::platform::NativePlatform::new()), EngineOptions::default())
    }

    pub fn models(&self) -> &Models {
        &self.inner.models
    }
    pub fn store(&self) -> &Rc<dyn Store> {
        &self.inner.store
    }
    pub fn platform(&self) -> &Rc<dyn Platform> {
        &self.inner.platform
    }
    pub fn set_tool_host(&self, host: Rc<dyn ToolHost>) {
        *self.inner.tool_host.borrow_mut() = Some(host);
    }

    pub(crate) fn now_iso(&self) -> String {
        iso8601(self.inner.platform.now_ms())
    }

    pub(crate) fn id(&self, prefix: &str) -> String {
        new_id(&*self.inner.platform, prefix)
    }

    /// A creation timestamp, strictly increasing within this engine (list order).
    pub(crate) fn created_ms(&self) -> f64 {
        let now = self.inner.platform.now_ms();
        let last = self.inner.last_created_ms.get();
        let t = if now > last { now } else { last + 0.001 };
        self.inner.last_created_ms.set(t);
        t
    }

    /// Takes the agent's turn: its run lock in this engine (FIFO), then the store's
    /// cross-engine lock where the backend has one (other tabs on the same database).
    pub(crate) async fn turn(&self, agent_id: &str) -> Turn {
        let local = self.inner.locks.lock(agent_id).await;
        let shared = self.inner.store.lock(&format!("agent:{agent_id}")).await;
        Turn { _shared: shared, _local: local }
    }

    /// Like [`Engine::turn`], but gives up on the cross-engine lock after `ms` (an agent held by
    /// another tab that may itself be waiting on us): `None` then.
    pub(crate) async fn turn_within(&self, agent_id: &str, ms: f64) -> Option<Turn> {
        let local = self.inner.locks.lock(agent_id).await;
        let name = format!("agent:{agent_id}");
        let shared = crate::sync::race(self.inner.store.lock(&name), self.inner.platform.sleep(ms)).await;
        match shared {
            crate::sync::Either::Left(shared) => Some(Turn { _shared: shared, _local: local }),
            crate::sync::Either::Right(()) => None,
        }
    }

    // ----- record access -------------------------------------------------------------

    pub(crate) async fn load<T: DeserializeOwned>(&self, key: &str) -> Result<Option<(T, u64)>> {
        let keys = [key.to_string()];
        let rec = self.inner.store.get_many(&keys).await?.into_iter().next().flatten();
        match rec {
            None => Ok(None),
            Some(r) => serde_json::from_str(&r.value)
                .map(|t| Some((t, r.version)))
                .map_err(|e| ApiError::internal(format!("stored record {key} is unreadable: {e}"))),
        }
    }

    pub(crate) async fn load_many<T: DeserializeOwned>(&self, keys: &[String]) -> Result<Vec<Option<(T, u64)>>> {
        let recs = self.inner.store.get_many(keys).await?;
        recs.into_iter()
            .map(|r| match r {
                None => Ok(None),
                Some(r) => serde_json::from_str(&r.value)
                    .map(|t| Some((t, r.version)))
                    .map_err(|e| ApiError::internal(format!("stored record {} is unreadable: {e}", r.key))),
            })
            .collect()
    }

    pub(crate) async fn list_records<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<(T, u64)>> {
        let recs = self.inner.store.list(prefix).await?;
        recs.into_iter()
            .map(|r| {
                serde_json::from_str(&r.value)
                    .map(|t| (t, r.version))
                    .map_err(|e| ApiError::internal(format!("stored record {} is unreadable: {e}", r.key)))
            })
            .collect()
    }

    pub(crate) async fn agent(&self, id: &str) -> Result<(AgentRecord, u64)> {
        self.load(&agent_key(id)).await?.ok_or_else(|| ApiError::not_found(format!("Agent not found: {id}")))
    }

    pub(crate) async fn block(&self, id: &str) -> Result<(Block, u64)> {
        self.load(&block_key(id)).await?.ok_or_else(|| ApiError::not_found(format!("Block not found: {id}")))
    }

    /// Waits a little, with jitter, before retrying a commit that lost a race (the `n`-th
    /// loss): other writers, e.g. other tabs on one database, get through instead of
    /// colliding again. The first retry is immediate.
    pub(crate) async fn backoff(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut r = [0u8; 1];
        self.inner.platform.fill_random(&mut r);
        let cap = (1u32 << n.min(6)) as f64; // 2, 4, ... 64 ms
        self.inner.platform.sleep(cap * (0.5 + r[0] as f64 / 510.0)).await;
    }

    /// Reads, changes and writes one record with a version check, retrying lost races.
    async fn update<T, F>(&self, key: &str, not_found: impl Fn() -> ApiError, mut change: F) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: FnMut(&mut T) -> Result<()>,
    {
        for attempt in 0..CAS_RETRIES {
            self.backoff(attempt).await;
            let (mut rec, version): (T, u64) = self.load(key).await?.ok_or_else(&not_found)?;
            change(&mut rec)?;
            match self.inner.store.commit(vec![put(key.to_string(), &rec, Expect::Version(version))?]).await {
                Ok(()) => return Ok(rec),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict(format!("CONFLICT: {key} kept changing while being updated. Please retry your request.")))
    }

    // ----- blocks --------------------------------------------------------------------

    pub(crate) fn new_block(&self, b: &Body) -> Result<Block> {
        let label = b.req_str("label")?;
        check_label(&label)?;
        let value = b.opt_str("value")?.unwrap_or_default().replace('\0', "");
        let limit = b.opt_u64("limit")?.unwrap_or(DEFAULT_BLOCK_LIMIT);
        let n = crate::util::char_len(&value) as u64;
        if n > limit {
            return Err(ApiError::bad_request(format!(
                "INVALID_ARGUMENT: Block limit ({limit}) must be greater than or equal to value length ({n} characters)"
            )));
        }
        let now = self.now_iso();
        Ok(Block {
            id: self.id("block"),
            label,
            value,
            limit,
            description: b.opt_str("description")?,
            read_only: b.opt_bool("read_only")?.unwrap_or(false),
            metadata: b.opt_object("metadata")?.unwrap_or_default(),
            tags: b.opt_str_list("tags")?.unwrap_or_default(),
            hidden: b.opt_bool("hidden")?,
            is_template: b.opt_bool("is_template")?.unwrap_or(false),
            template_name: match b.opt_str("template_name")? {
                Some(t) => Some(t),
                None => b.opt_str("name")?,
            },
            project_id: b.opt_str("project_id")?,
            created_at: now.clone(),
            updated_at: now,
            created_ms: self.created_ms(),
        })
    }

    pub async fn create_block(&self, body: &Value) -> Result<Value> {
        let b = self.new_block(&as_object(body, "body")?)?;
        self.inner.store.commit(vec![put(block_key(&b.id), &b, Expect::Absent)?]).await?;
        Ok(block_json(&b))
    }

    pub async fn list_blocks(&self, q: &Query) -> Result<Value> {
        let mut blocks: Vec<Block> = self.list_records::<Block>("block/").await?.into_iter().map(|(b, _)| b).collect();
        let label = q.get("label");
        let search = |k: &str| q.get(k).map(str::to_lowercase);
        let (ls, ds, vs) = (search("label_search"), search("description_search"), search("value_search"));
        let tags = q.all("tags");
        let match_all = q.bool("match_all_tags")?.unwrap_or(false);
        let templates_only = q.bool("templates_only")?.unwrap_or(false);
        blocks.retain(|b| {
            label.is_none_or(|l| b.label == l)
                && ls.as_ref().is_none_or(|s| b.label.to_lowercase().contains(s))
                && ds.as_ref().is_none_or(|s| b.description.as_deref().unwrap_or("").to_lowercase().contains(s))
                && vs.as_ref().is_none_or(|s| b.value.to_lowercase().contains(s))
                && tag_match(&b.tags, &tags, match_all)
                && (!templates_only || b.is_template)
                && b.hidden != Some(true)
        });
        blocks.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
        let page = paginate(blocks, |b| &b.id, q, 50, false)?;
        Ok(Value::Array(page.iter().map(block_json).collect()))
    }

    pub async fn count_blocks(&self) -> Result<Value> {
        Ok(json!(self.inner.store.list("block/").await?.len()))
    }

    pub async fn get_block(&self, id: &str) -> Result<Value> {
        Ok(block_json(&self.block(id).await?.0))
    }

    /// Applies a `BlockUpdate` body. Only fields present and non-null change.
    fn apply_block_update(&self, blk: &mut Block, b: &Body) -> Result<()> {
        if let Some(label) = b.opt_str("label")? {
            check_label(&label)?;
            blk.label = label;
        }
        let new_value = b.opt_str("value")?.map(|v| v.replace('\0', ""));
        let new_limit = b.opt_u64("limit")?;
        if let Some(limit) = new_limit {
            let v = new_value.as_deref().unwrap_or(&blk.value);
            let n = crate::util::char_len(v) as u64;
            if n > limit {
                return Err(ApiError::bad_request(format!(
                    "INVALID_ARGUMENT: Limit ({limit}) cannot be less than current value length ({n} characters)"
                )));
            }
            blk.limit = limit;
        }
        if let Some(v) = new_value {
            check_limit(&v, blk.limit)?;
            blk.value = v;
        }
        if let Some(d) = b.opt_str("description")? {
            blk.description = Some(d);
        }
        if let Some(r) = b.opt_bool("read_only")? {
            blk.read_only = r;
        }
        if let Some(m) = b.opt_object("metadata")? {
            blk.metadata = m;
        }
        if let Some(t) = b.opt_str_list("tags")? {
            blk.tags = t;
        }
        if let Some(h) = b.opt_bool("hidden")? {
            blk.hidden = Some(h);
        }
        if let Some(t) = b.opt_bool("is_template")? {
            blk.is_template = t;
        }
        blk.updated_at = self.now_iso();
        Ok(())
    }

    pub async fn modify_block(&self, id: &str, body: &Value) -> Result<Value> {
        let b = as_object(body, "body")?;
        if b.has("label") {
            // A new label must stay unique on every agent the block is attached to.
            let label = b.req_str("label")?;
            for (agent, _) in self.agents_using(id).await? {
                self.ensure_label_free(&agent, &label, Some(id)).await?;
            }
        }
        let blk = self
            .update(&block_key(id), || ApiError::not_found(format!("Block not found: {id}")), |blk: &mut Block| {
                self.apply_block_update(blk, &b)
            })
            .await?;
        Ok(block_json(&blk))
    }

    pub async fn delete_block(&self, id: &str) -> Result<Value> {
        for _ in 0..CAS_RETRIES {
            let (_, bver) = self.block(id).await?;
            let mut ops = vec![Op::Delete { key: block_key(id), expect: Expect::Version(bver) }];
            for (mut agent, aver) in self.agents_using(id).await? {
                agent.block_ids.retain(|b| b != id);
                agent.owned_block_ids.retain(|b| b != id);
                ops.push(put(agent_key(&agent.id), &agent, Expect::Version(aver))?);
            }
            match self.inner.store.commit(ops).await {
                Ok(()) => return Ok(Value::Null),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the block kept changing while being deleted. Please retry."))
    }

    pub(crate) async fn all_agents(&self) -> Result<Vec<(AgentRecord, u64)>> {
        let mut agents = self.list_records::<AgentRecord>("agent/").await?;
        agents.sort_by(|a, b| a.0.created_ms.total_cmp(&b.0.created_ms));
        Ok(agents)
    }

    pub(crate) async fn agents_using(&self, block_id: &str) -> Result<Vec<(AgentRecord, u64)>> {
        let mut agents = self.all_agents().await?;
        agents.retain(|(a, _)| a.block_ids.iter().any(|b| b == block_id));
        Ok(agents)
    }

    pub async fn block_agents(&self, id: &str, q: &Query) -> Result<Value> {
        self.block(id).await?;
        let agents: Vec<AgentRecord> = self.agents_using(id).await?.into_iter().map(|(a, _)| a).collect();
        let page = paginate(agents, |a| &a.id, q, 50, true)?;
        let mut out = Vec::with_capacity(page.len());
        for a in &page {
            out.push(self.agent_state(a).await?);
        }
        Ok(Value::Array(out))
    }

    // ----- agents --------------------------------------------------------------------

    /// The blocks attached to an agent, in attachment order (missing ones skipped).
    pub(crate) async fn agent_blocks(&self, agent: &AgentRecord) -> Result<Vec<(Block, u64)>> {
        let keys: Vec<String> = agent.block_ids.iter().map(|id| block_key(id)).collect();
        Ok(self.load_many::<Block>(&keys).await?.into_iter().flatten().collect())
    }

    /// The tools attached to an agent (built-ins and stored custom tools).
    pub(crate) async fn agent_tools(&self, agent: &AgentRecord) -> Result<Vec<Tool>> {
        let custom_keys: Vec<String> =
            agent.tool_ids.iter().filter(|id| !crate::tools::is_builtin_id(id)).map(|id| tool_key(id)).collect();
        let mut custom: Vec<Tool> = self.load_many::<Tool>(&custom_keys).await?.into_iter().flatten().map(|(t, _)| t).collect();
        let mut out = Vec::with_capacity(agent.tool_ids.len());
        for id in &agent.tool_ids {
            if let Some(t) = crate::tools::builtin_by_id(id) {
                out.push(t);
            } else if let Some(i) = custom.iter().position(|t| &t.id == id) {
                out.push(custom.swap_remove(i));
            }
        }
        Ok(out)
    }

    /// The wire `AgentState`.
    pub(crate) async fn agent_state(&self, a: &AgentRecord) -> Result<Value> {
        let blocks: Vec<Value> = self.agent_blocks(a).await?.iter().map(|(b, _)| block_json(b)).collect();
        let tools: Vec<Value> = self.agent_tools(a).await?.iter().map(tool_json).collect();
        Ok(json!({
            "id": a.id,
            "name": a.name,
            "system": a.system,
            "agent_type": a.agent_type,
            "description": a.description,
            "metadata": a.metadata,
            "tags": a.tags,
            "tools": tools,
            "tool_rules": a.tool_rules,
            "sources": [],
            "blocks": blocks,
            "memory": { "blocks": blocks, "file_blocks": [], "prompt_template": "", "agent_type": a.agent_type },
            "llm_config": a.llm_config,
            "embedding_config": a.embedding_config,
            "model": a.llm_config.handle,
            "embedding": a.embedding_config.as_ref().map(|e| e.handle.clone()),
            "message_ids": a.context.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
            "created_at": a.created_at,
            "updated_at": a.updated_at,
            "last_run_completion": a.last_run_completion,
            "last_stop_reason": a.last_stop_reason,
            "timezone": a.timezone,
            "message_buffer_autoclear": a.message_buffer_autoclear,
            "project_id": a.project_id,
            "hidden": a.hidden,
            "identities": [],
            "identity_ids": [],
            "secrets": [],
            "tool_exec_environment_variables": [],
            "enable_sleeptime": false,
            "multi_agent_group": null,
            "managed_group": null,
            "response_format": null,
        }))
    }

    /// Fails with 409 when `agent` already has a block labelled `label` (other than `except`).
    async fn ensure_label_free(&self, agent: &AgentRecord, label: &str, except: Option<&str>) -> Result<()> {
        for (b, _) in self.agent_blocks(agent).await? {
            if b.label == label && Some(b.id.as_str()) != except {
                return Err(ApiError::conflict(format!(
                    "Agent {} already has a block labelled '{label}' ({}); labels are unique per agent",
                    agent.id, b.id
                )));
            }
        }
        Ok(())
    }

    /// Resolves tool names and ids to tool ids; unknown ones are a 404.
    async fn resolve_tools(&self, names: &[String], ids: &[String]) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        let mut custom: Option<Vec<Tool>> = None;
        for name in names {
            let id = match crate::tools::builtin(name) {
                Some(t) => t.id,
                None => {
                    if custom.is_none() {
                        custom = Some(self.list_records::<Tool>("tool/").await?.into_iter().map(|(t, _)| t).collect());
                    }
                    custom
                        .as_ref()
                        .and_then(|c| c.iter().find(|t| &t.name == name))
                        .map(|t| t.id.clone())
                        .ok_or_else(|| ApiError::not_found(format!("Tool not found: '{name}' (create it with tools.create first)")))?
                }
            };
            if !out.contains(&id) {
                out.push(id);
            }
        }
        for id in ids {
            if !crate::tools::is_builtin_id(id) && self.load::<Tool>(&tool_key(id)).await?.is_none() {
                return Err(ApiError::not_found(format!("Tool not found: {id}")));
            }
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
        Ok(out)
    }

    fn llm_config_from(&self, b: &Body, base: Option<LlmConfig>) -> Result<LlmConfig> {
        let mut cfg = match (b.opt_str("model")?, base) {
            (Some(handle), old) => {
                let mut c = LlmConfig::from_handle(&handle);
                if let Some(old) = old {
                    c.context_window = old.context_window;
                    c.temperature = old.temperature;
                    c.max_tokens = old.max_tokens;
                }
                c
            }
            (None, Some(old)) => old,
            (None, None) => LlmConfig::default(),
        };
        if let Some(v) = b.get("llm_config") {
            let mut merged = serde_json::to_value(&cfg).map_err(ApiError::from)?;
            if let (Value::Object(dst), Value::Object(src)) = (&mut merged, v) {
                for (k, v) in src {
                    dst.insert(k.clone(), v.clone());
                }
            } else {
                return Err(ApiError::unprocessable("body.llm_config: expected an object"));
            }
            cfg = serde_json::from_value(merged).map_err(|e| ApiError::unprocessable(format!("body.llm_config: {e}")))?;
            if cfg.handle.is_empty() || !cfg.handle.contains('/') {
                cfg.handle = format!("{}/{}", cfg.model_endpoint_type, cfg.model);
            }
        }
        if let Some(w) = b.opt_u64("context_window_limit")? {
            cfg.context_window = w;
        }
        if let Some(m) = b.opt_u64("max_tokens")? {
            cfg.max_tokens = Some(m);
        }
        if let Some(ms) = b.get("model_settings").and_then(Value::as_object) {
            if let Some(t) = ms.get("temperature").and_then(Value::as_f64) {
                cfg.temperature = Some(t);
            }
            if let Some(m) = ms.get("max_output_tokens").and_then(Value::as_u64) {
                cfg.max_tokens = Some(m);
            }
        }
        Ok(cfg)
    }

    pub async fn create_agent(&self, body: &Value) -> Result<Value> {
        let b = as_object(body, "body")?;
        let agent_type = b.opt_str("agent_type")?.unwrap_or_else(|| "letta_v1_agent".into());
        let id = self.id("agent");
        let now = self.now_iso();

        // Inline blocks are created with the agent, in the same commit.
        let mut ops = Vec::new();
        let mut block_ids = Vec::new();
        let mut owned = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        if let Some(items) = b.opt_array("memory_blocks")? {
            for (i, item) in items.iter().enumerate() {
                let blk = self.new_block(&as_object(item, "body.memory_blocks[]")?).map_err(|e| {
                    ApiError::new(e.status, format!("memory_blocks[{i}]: {}", e.detail))
                })?;
                labels.push(blk.label.clone());
                block_ids.push(blk.id.clone());
                owned.push(blk.id.clone());
                ops.push(put(block_key(&blk.id), &blk, Expect::Absent)?);
            }
        }
        let mut attached_versions = Vec::new();
        for bid in b.opt_str_list("block_ids")?.unwrap_or_default() {
            if block_ids.contains(&bid) {
                continue;
            }
            let (blk, ver) = self.block(&bid).await?;
            labels.push(blk.label.clone());
            block_ids.push(bid.clone());
            attached_versions.push((bid, ver));
        }
        let mut seen = std::collections::HashSet::new();
        for l in &labels {
            if !seen.insert(l.as_str()) {
                return Err(ApiError::conflict(format!("Duplicate block label '{l}': labels are unique per agent")));
            }
        }

        let mut tool_names = Vec::new();
        if b.opt_bool("include_base_tools")?.unwrap_or(true) && agent_type != "react_agent" && agent_type != "workflow_agent" {
            tool_names.extend(crate::tools::BASE_TOOLS.iter().map(|s| s.to_string()));
        }
        if b.opt_bool("include_multi_agent_tools")?.unwrap_or(false) {
            tool_names.extend(crate::tools::MULTI_AGENT_TOOLS.iter().map(|s| s.to_string()));
        }
        tool_names.extend(b.opt_str_list("tools")?.unwrap_or_default());
        let tool_ids = self.resolve_tools(&tool_names, &b.opt_str_list("tool_ids")?.unwrap_or_default()).await?;

        let llm_config = self.llm_config_from(&b, None)?;
        let embedding_config = match (b.opt_str("embedding")?, b.get("embedding_config")) {
            (_, Some(v)) => Some(serde_json::from_value(v.clone()).map_err(|e| ApiError::unprocessable(format!("body.embedding_config: {e}")))?),
            (Some(h), None) => Some(EmbeddingConfig::from_handle(&h)),
            (None, None) => None,
        };
        let system = b.opt_str("system")?.unwrap_or_else(|| crate::memory::DEFAULT_SYSTEM_PROMPT.to_string());
        let name = match b.opt_str("name")? {
            Some(n) if !n.trim().is_empty() => n,
            _ => format!("agent-{}", &id[6..14]),
        };
        let created_ms = self.created_ms();
        let system_msg = Message {
            id: self.id("message"),
            agent_id: id.clone(),
            seq: 0,
            role: "system".into(),
            text: Some(system.clone()),
            created_at: created_ms,
            ..Message::default()
        };
        let mut agent = AgentRecord {
            id: id.clone(),
            name,
            system,
            agent_type,
            description: b.opt_str("description")?,
            metadata: b.opt_object("metadata")?.unwrap_or_default(),
            tags: b.opt_str_list("tags")?.unwrap_or_default(),
            block_ids,
            owned_block_ids: owned,
            tool_ids,
            tool_rules: b.opt_array("tool_rules")?.cloned().unwrap_or_default(),
            llm_config,
            embedding_config,
            context: vec![MsgRef { seq: 0, id: system_msg.id.clone() }],
            next_seq: 1,
            timezone: b.opt_str("timezone")?.unwrap_or_else(|| "UTC".into()),
            message_buffer_autoclear: b.opt_bool("message_buffer_autoclear")?.unwrap_or(false),
            created_at: now.clone(),
            updated_at: now,
            created_ms,
            last_run_completion: None,
            last_stop_reason: None,
            project_id: b.opt_str("project_id")?,
            hidden: b.opt_bool("hidden")?,
        };
        ops.push(put(msg_key(&id, 0), &system_msg, Expect::Absent)?);
        // Initial messages go into history and context as they are.
        if let Some(seq) = b.opt_array("initial_message_sequence")? {
            for (i, m) in seq.iter().enumerate() {
                let input = crate::agent::parse_input_message(m, i)?;
                let msg = Message {
                    id: self.id("message"),
                    agent_id: id.clone(),
                    seq: agent.next_seq,
                    role: input.role,
                    text: Some(input.text),
                    name: input.name,
                    created_at: self.inner.platform.now_ms(),
                    ..Message::default()
                };
                agent.context.push(MsgRef { seq: msg.seq, id: msg.id.clone() });
                ops.push(put(msg_key(&id, msg.seq), &msg, Expect::Absent)?);
                agent.next_seq += 1;
            }
        }
        ops.push(put(agent_key(&id), &agent, Expect::Absent)?);
        // Shared blocks must still exist when the agent lands.
        for (bid, _) in attached_versions {
            ops.push(Op::Check { key: block_key(&bid), expect: Expect::Exists });
        }
        match self.inner.store.commit(ops).await {
            Ok(()) => {}
            Err(StoreError::Conflict { key }) if key.starts_with("block/") => {
                return Err(ApiError::conflict(format!("CONFLICT: {key} changed while the agent was being created. Please retry.")))
            }
            Err(e) => return Err(e.into()),
        }
        self.agent_state(&agent).await
    }

    pub async fn list_agents(&self, q: &Query) -> Result<Value> {
        let mut agents: Vec<AgentRecord> = self.all_agents().await?.into_iter().map(|(a, _)| a).collect();
        let name = q.get("name");
        let tags = q.all("tags");
        let match_all = q.bool("match_all_tags")?.unwrap_or(false);
        let text = q.get("query_text").map(str::to_lowercase);
        let project = q.get("project_id");
        agents.retain(|a| {
            name.is_none_or(|n| a.name == n)
                && tag_match(&a.tags, &tags, match_all)
                && text.as_ref().is_none_or(|t| a.name.to_lowercase().contains(t))
                && project.is_none_or(|p| a.project_id.as_deref() == Some(p))
        });
        let page = paginate(agents, |a| &a.id, q, 50, true)?;
        let mut out = Vec::with_capacity(page.len());
        for a in &page {
            out.push(self.agent_state(a).await?);
        }
        Ok(Value::Array(out))
    }

    pub async fn count_agents(&self) -> Result<Value> {
        Ok(json!(self.inner.store.list("agent/").await?.len()))
    }

    pub async fn get_agent(&self, id: &str) -> Result<Value> {
        let (a, _) = self.agent(id).await?;
        self.agent_state(&a).await
    }

    pub async fn modify_agent(&self, id: &str, body: &Value) -> Result<Value> {
        let b = as_object(body, "body")?;
        let tool_ids = match (b.opt_str_list("tool_ids")?, b.opt_str_list("tools")?) {
            (None, None) => None,
            (ids, names) => Some(self.resolve_tools(&names.unwrap_or_default(), &ids.unwrap_or_default()).await?),
        };
        let block_ids = b.opt_str_list("block_ids")?;
        if let Some(ids) = &block_ids {
            let mut labels = std::collections::HashSet::new();
            for bid in ids {
                let (blk, _) = self.block(bid).await?;
                if !labels.insert(blk.label.clone()) {
                    return Err(ApiError::conflict(format!("Duplicate block label '{}': labels are unique per agent", blk.label)));
                }
            }
        }
        let now = self.now_iso();
        let agent = self
            .update(&agent_key(id), || ApiError::not_found(format!("Agent not found: {id}")), |a: &mut AgentRecord| {
                if let Some(n) = b.opt_str("name")? {
                    a.name = n;
                }
                if let Some(s) = b.opt_str("system")? {
                    a.system = s;
                }
                if let Some(d) = b.opt_str("description")? {
                    a.description = Some(d);
                }
                if let Some(m) = b.opt_object("metadata")? {
                    a.metadata = m;
                }
                if let Some(t) = b.opt_str_list("tags")? {
                    a.tags = t;
                }
                if let Some(t) = &tool_ids {
                    a.tool_ids = t.clone();
                }
                if let Some(bl) = &block_ids {
                    a.block_ids = bl.clone();
                }
                if let Some(r) = b.opt_array("tool_rules")? {
                    a.tool_rules = r.clone();
                }
                if let Some(tz) = b.opt_str("timezone")? {
                    a.timezone = tz;
                }
                if let Some(x) = b.opt_bool("message_buffer_autoclear")? {
                    a.message_buffer_autoclear = x;
                }
                if let Some(h) = b.opt_bool("hidden")? {
                    a.hidden = Some(h);
                }
                a.llm_config = self.llm_config_from(&b, Some(a.llm_config.clone()))?;
                if let Some(h) = b.opt_str("embedding")? {
                    a.embedding_config = Some(EmbeddingConfig::from_handle(&h));
                }
                a.updated_at = now.clone();
                Ok(())
            })
            .await?;
        self.agent_state(&agent).await
    }

    pub async fn delete_agent(&self, id: &str) -> Result<Value> {
        let _run = self.inner.locks.lock(id).await;
        for _ in 0..CAS_RETRIES {
            let (agent, ver) = self.agent(id).await?;
            let mut ops = vec![Op::Delete { key: agent_key(id), expect: Expect::Version(ver) }];
            for prefix in [msg_prefix(id), format!("mailbox/{id}/"), crate::archival::passage_prefix(id)] {
                for rec in self.inner.store.list(&prefix).await? {
                    ops.push(Op::Delete { key: rec.key, expect: Expect::Any });
                }
            }
            // The archive goes too (its version check keeps a racing insert from being orphaned).
            if let Some((_, av)) = self.load::<crate::archival::ArchiveRecord>(&crate::archival::archive_key(id)).await? {
                ops.push(Op::Delete { key: crate::archival::archive_key(id), expect: Expect::Version(av) });
            }
            // Inline blocks go with the agent unless another agent uses them.
            let others: Vec<(AgentRecord, u64)> = self.all_agents().await?.into_iter().filter(|(a, _)| a.id != id).collect();
            for bid in &agent.owned_block_ids {
                let shared = others.iter().any(|(a, _)| a.block_ids.contains(bid));
                if !shared {
                    ops.push(Op::Delete { key: block_key(bid), expect: Expect::Any });
                }
            }
            // Whether a block is shared was decided on these versions of the other agents.
            for (a, v) in others.iter().filter(|_| !agent.owned_block_ids.is_empty()) {
                ops.push(Op::Check { key: agent_key(&a.id), expect: Expect::Version(*v) });
            }
            match self.inner.store.commit(ops).await {
                Ok(()) => {
                    self.forget_index(id);
                    self.inner.msg_cache.borrow_mut().retain(|_, m| m.agent_id != id);
                    return Ok(Value::Null);
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the agent kept changing while being deleted. Please retry."))
    }

    // ----- core memory ---------------------------------------------------------------

    pub async fn list_core_blocks(&self, agent_id: &str, q: &Query) -> Result<Value> {
        let (a, _) = self.agent(agent_id).await?;
        let blocks: Vec<Block> = self.agent_blocks(&a).await?.into_iter().map(|(b, _)| b).collect();
        // Attachment order by default, which is the prompt's order.
        let page = paginate(blocks, |b| &b.id, q, 100, false)?;
        Ok(Value::Array(page.iter().map(block_json).collect()))
    }

    async fn block_by_label(&self, agent_id: &str, label: &str) -> Result<Block> {
        let (a, _) = self.agent(agent_id).await?;
        self.agent_blocks(&a)
            .await?
            .into_iter()
            .map(|(b, _)| b)
            .find(|b| b.label == label)
            .ok_or_else(|| ApiError::not_found(format!("No block with label '{label}' found for agent '{agent_id}'")))
    }

    pub async fn get_core_block(&self, agent_id: &str, label: &str) -> Result<Value> {
        Ok(block_json(&self.block_by_label(agent_id, label).await?))
    }

    /// Same write as `PATCH /blocks/{id}`: every agent sharing the block sees it next step.
    pub async fn modify_core_block(&self, agent_id: &str, label: &str, body: &Value) -> Result<Value> {
        let blk = self.block_by_label(agent_id, label).await?;
        self.modify_block(&blk.id, body).await
    }

    pub async fn attach_block(&self, agent_id: &str, block_id: &str) -> Result<Value> {
        let (blk, _) = self.block(block_id).await?;
        let (a, _) = self.agent(agent_id).await?;
        if !a.block_ids.iter().any(|b| b == block_id) {
            self.ensure_label_free(&a, &blk.label, None).await?;
        }
        let now = self.now_iso();
        let a = self
            .update(&agent_key(agent_id), || ApiError::not_found(format!("Agent not found: {agent_id}")), |a: &mut AgentRecord| {
                if !a.block_ids.iter().any(|b| b == block_id) {
                    a.block_ids.push(block_id.to_string());
                    a.updated_at = now.clone();
                }
                Ok(())
            })
            .await?;
        self.agent_state(&a).await
    }

    pub async fn detach_block(&self, agent_id: &str, block_id: &str) -> Result<Value> {
        let now = self.now_iso();
        let a = self
            .update(&agent_key(agent_id), || ApiError::not_found(format!("Agent not found: {agent_id}")), |a: &mut AgentRecord| {
                if !a.block_ids.iter().any(|b| b == block_id) {
                    return Err(ApiError::not_found(format!("No block with id '{block_id}' found for agent '{agent_id}'")));
                }
                a.block_ids.retain(|b| b != block_id);
                a.updated_at = now.clone();
                Ok(())
            })
            .await?;
        self.agent_state(&a).await
    }

    // ----- tools ---------------------------------------------------------------------

    fn tool_from_body(&self, b: &Body, existing: Option<Tool>) -> Result<Tool> {
        let mut t = existing.unwrap_or_else(|| Tool { id: self.id("tool"), ..Tool::default() });
        if let Some(src) = b.opt_str("source_code")? {
            t.source_code = Some(src);
        }
        if let Some(st) = b.opt_str("source_type")? {
            t.source_type = st;
        }
        if let Some(schema) = b.get("json_schema") {
            if !schema.is_object() {
                return Err(ApiError::unprocessable("body.json_schema: expected an object"));
            }
            t.json_schema = schema.clone();
        }
        if let Some(s) = b.get("args_json_schema") {
            t.args_json_schema = Some(s.clone());
        }
        // The name: explicit, else the schema's, else a function name in the source.
        let name = b
            .opt_str("name")?
            .or_else(|| t.json_schema.get("name").and_then(Value::as_str).map(str::to_string))
            .or_else(|| t.source_code.as_deref().and_then(function_name))
            .or_else(|| (!t.name.is_empty()).then(|| t.name.clone()))
            .ok_or_else(|| ApiError::bad_request("A tool needs a name: give json_schema.name (or name), or a source_code defining a function"))?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') || name.len() > 64 {
            return Err(ApiError::unprocessable(format!("tool name '{name}': use 1-64 letters, digits, '_' or '-'")));
        }
        if crate::tools::builtin(&name).is_some() {
            return Err(ApiError::bad_request(format!("'{name}' is a built-in tool name")));
        }
        t.name = name;
        let schema_description = b.get("json_schema").and_then(|s| s.get("description")).and_then(Value::as_str);
        if let Some(d) = b.opt_str("description")?.or(schema_description.map(str::to_string)) {
            t.description = Some(d);
        }
        // A schema always exists and carries the current name and description.
        if !t.json_schema.is_object() {
            t.json_schema = json!({ "parameters": { "type": "object", "properties": {}, "required": [] } });
        }
        if let Value::Object(m) = &mut t.json_schema {
            m.insert("name".into(), json!(t.name));
            if let Some(d) = &t.description {
                m.insert("description".into(), json!(d));
            }
            if !m.get("parameters").is_some_and(Value::is_object) {
                m.insert("parameters".into(), json!({ "type": "object", "properties": {}, "required": [] }));
            }
        }
        if let Some(tags) = b.opt_str_list("tags")? {
            t.tags = tags;
        }
        if let Some(l) = b.opt_u64("return_char_limit")? {
            if !(1..=1_000_000).contains(&l) {
                return Err(ApiError::unprocessable("body.return_char_limit: must be between 1 and 1000000"));
            }
            t.return_char_limit = l;
        }
        if let Some(x) = b.opt_bool("default_requires_approval")? {
            t.default_requires_approval = Some(x);
        }
        if let Some(x) = b.opt_bool("enable_parallel_execution")? {
            t.enable_parallel_execution = Some(x);
        }
        if let Some(m) = b.opt_object("metadata_")?.or(b.opt_object("metadata")?) {
            t.metadata_ = m;
        }
        let now = self.now_iso();
        if t.created_at.is_empty() {
            t.created_at = now.clone();
            t.created_ms = self.created_ms();
        }
        t.updated_at = now;
        Ok(t)
    }

    async fn tool_named(&self, name: &str) -> Result<Option<(Tool, u64)>> {
        Ok(self.list_records::<Tool>("tool/").await?.into_iter().find(|(t, _)| t.name == name))
    }

    pub async fn create_tool(&self, body: &Value, upsert: bool) -> Result<Value> {
        let b = as_object(body, "body")?;
        for _ in 0..CAS_RETRIES {
            let draft = self.tool_from_body(&b, None)?;
            let existing = self.tool_named(&draft.name).await?;
            let (tool, expect) = match existing {
                Some(_) if !upsert => {
                    // Letta answers a name clash with 400 (and 1.x SDKs retry 409s).
                    return Err(ApiError::bad_request(format!("A tool named '{}' already exists; use upsert to replace it", draft.name)))
                }
                Some((old, v)) => (self.tool_from_body(&b, Some(old))?, Expect::Version(v)),
                None => (draft, Expect::Absent),
            };
            match self.inner.store.commit(vec![put(tool_key(&tool.id), &tool, expect)?]).await {
                Ok(()) => return Ok(tool_json(&tool)),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the tool kept changing. Please retry."))
    }

    pub async fn list_tools(&self, q: &Query) -> Result<Value> {
        let mut tools = crate::tools::all_builtins();
        let mut custom: Vec<Tool> = self.list_records::<Tool>("tool/").await?.into_iter().map(|(t, _)| t).collect();
        custom.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
        tools.extend(custom);
        let name = q.get("name");
        let names = q.all("names");
        let ids = q.all("tool_ids");
        let search = q.get("search").map(str::to_lowercase);
        let types = q.all("tool_types");
        let exclude = q.all("exclude_tool_types");
        let letta_only = q.bool("return_only_letta_tools")?.unwrap_or(false);
        tools.retain(|t| {
            name.is_none_or(|n| t.name == n)
                && (names.is_empty() || names.contains(&t.name))
                && (ids.is_empty() || ids.contains(&t.id))
                && search.as_ref().is_none_or(|s| t.name.to_lowercase().contains(s))
                && (types.is_empty() || types.contains(&t.tool_type))
                && !exclude.contains(&t.tool_type)
                && (!letta_only || t.tool_type != "custom")
        });
        let page = paginate(tools, |t| &t.id, q, 50, false)?;
        Ok(Value::Array(page.iter().map(tool_json).collect()))
    }

    pub async fn count_tools(&self) -> Result<Value> {
        Ok(json!(crate::tools::all_builtins().len() + self.inner.store.list("tool/").await?.len()))
    }

    pub async fn get_tool(&self, id: &str) -> Result<Value> {
        if let Some(t) = crate::tools::builtin_by_id(id) {
            return Ok(tool_json(&t));
        }
        let (t, _) = self.load::<Tool>(&tool_key(id)).await?.ok_or_else(|| ApiError::not_found(format!("Tool not found: {id}")))?;
        Ok(tool_json(&t))
    }

    pub async fn modify_tool(&self, id: &str, body: &Value) -> Result<Value> {
        if crate::tools::is_builtin_id(id) {
            return Err(ApiError::bad_request("Built-in tools cannot be modified"));
        }
        let b = as_object(body, "body")?;
        if let Some(n) = b.opt_str("name")?.or_else(|| b.get("json_schema").and_then(|s| s.get("name")).and_then(Value::as_str).map(str::to_string)) {
            if let Some((other, _)) = self.tool_named(&n).await? {
                if other.id != id {
                    return Err(ApiError::bad_request(format!("A tool named '{n}' already exists")));
                }
            }
        }
        let t = self
            .update(&tool_key(id), || ApiError::not_found(format!("Tool not found: {id}")), |t: &mut Tool| {
                *t = self.tool_from_body(&b, Some(t.clone()))?;
                Ok(())
            })
            .await?;
        Ok(tool_json(&t))
    }

    pub async fn delete_tool(&self, id: &str) -> Result<Value> {
        if crate::tools::is_builtin_id(id) {
            return Err(ApiError::bad_request("Built-in tools cannot be deleted"));
        }
        for _ in 0..CAS_RETRIES {
            let (_, ver) = self.load::<Tool>(&tool_key(id)).await?.ok_or_else(|| ApiError::not_found(format!("Tool not found: {id}")))?;
            let mut ops = vec![Op::Delete { key: tool_key(id), expect: Expect::Version(ver) }];
            for (mut a, v) in self.all_agents().await? {
                if a.tool_ids.iter().any(|t| t == id) {
                    a.tool_ids.retain(|t| t != id);
                    ops.push(put(agent_key(&a.id), &a, Expect::Version(v))?);
                }
            }
            match self.inner.store.commit(ops).await {
                Ok(()) => return Ok(Value::Null),
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the tool kept changing. Please retry."))
    }

    pub async fn list_agent_tools(&self, agent_id: &str, q: &Query) -> Result<Value> {
        let (a, _) = self.agent(agent_id).await?;
        let tools = self.agent_tools(&a).await?;
        let page = paginate(tools, |t| &t.id, q, 100, false)?;
        Ok(Value::Array(page.iter().map(tool_json).collect()))
    }

    pub async fn attach_tool(&self, agent_id: &str, tool_id: &str, attach: bool) -> Result<Value> {
        if attach {
            self.get_tool(tool_id).await?;
        }
        let now = self.now_iso();
        let a = self
            .update(&agent_key(agent_id), || ApiError::not_found(format!("Agent not found: {agent_id}")), |a: &mut AgentRecord| {
                let has = a.tool_ids.iter().any(|t| t == tool_id);
                if attach && !has {
                    a.tool_ids.push(tool_id.to_string());
                } else if !attach {
                    if !has {
                        return Err(ApiError::not_found(format!("No tool with id '{tool_id}' attached to agent '{agent_id}'")));
                    }
                    a.tool_ids.retain(|t| t != tool_id);
                }
                a.updated_at = now.clone();
                Ok(())
            })
            .await?;
        self.agent_state(&a).await
    }
}

/// Tag filter: no tags matches everything; otherwise all (`match_all`) or any of `want`.
pub(crate) fn tag_match(have: &[String], want: &[String], match_all: bool) -> bool {
    if want.is_empty() {
        return true;
    }
    if match_all {
        want.iter().all(|t| have.contains(t))
    } else {
        want.iter().any(|t| have.contains(t))
    }
}

/// The first function name defined in JS or Python source (`function foo(`, `def foo(`,
/// `const foo = (`/`async (`).
fn function_name(src: &str) -> Option<String> {
    let ident = |s: &str| -> Option<String> {
        let n: String = s.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        (!n.is_empty()).then_some(n)
    };
    for line in src.lines() {
        let l = line.trim_start();
        for kw in ["async function ", "function ", "def "] {
            if let Some(rest) = l.strip_prefix(kw) {
                return ident(rest);
            }
        }
        for kw in ["const ", "let ", "export const ", "export function "] {
            if let Some(rest) = l.strip_prefix(kw) {
                if kw.ends_with("function ") {
                    return ident(rest);
                }
                if rest.contains("=>") || rest.contains("function") {
                    return ident(rest);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::function_name;
    #[test]
    fn finds_function_names() {
        assert_eq!(function_name("def roll_dice(n: int):\n  pass").as_deref(), Some("roll_dice"));
        assert_eq!(function_name("async function callAgent(x) {}").as_deref(), Some("callAgent"));
        assert_eq!(function_name("const f = async (a) => a").as_deref(), Some("f"));
        assert_eq!(function_name("1 + 1"), None);
    }
}
