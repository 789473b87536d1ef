//! Archival memory: passages an agent stores and later finds by meaning.
//!
//! Records: `passage/<agent>/<passage id>` (the text, tags, dates and the embedding as
//! little-endian f32 in base64) and `archive/<agent>` (the agent's archive: its id, the passage
//! count and the tags in use, which `<memory_metadata>` shows). Every insert and delete changes
//! both in one commit, the archive with a version check, so the archive's version names the
//! exact set of passages. Each engine keeps an in-memory index per agent (one contiguous `f32`
//! buffer of unit vectors) valid for one archive version: a search reads one record to check
//! it, and only rebuilds from the passages when another writer changed them.
//!
//! Embeddings go through the agent's embedding handle ([`crate::llm::Models::embed`]); an
//! agent without an embedding config uses the deterministic offline embedder
//! [`DEFAULT_EMBEDDING`] (word hashing: lexical, not semantic, similarity).

use crate::engine::{agent_key, put, Engine, CAS_RETRIES};
use crate::error::{ApiError, Result};
use crate::model::{AgentRecord, EmbeddingConfig};
use crate::params::{as_object, paginate, Query};
use crate::store::{Expect, Op, StoreError};
use crate::util::{iso8601, parse_datetime};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The embedding handle of agents created without one: the offline hash embedder, 256 dims.
pub const DEFAULT_EMBEDDING: &str = "scripted/hash-256";
/// `top_k` when none is given (Letta's `RETRIEVAL_QUERY_DEFAULT_PAGE_SIZE`).
pub const DEFAULT_TOP_K: usize = 5;
const MAX_TOP_K: usize = 1000;
/// Longest passage text accepted (characters).
const MAX_PASSAGE_CHARS: usize = 1_000_000;

pub(crate) fn archive_key(agent_id: &str) -> String {
    format!("archive/{agent_id}")
}
pub(crate) fn passage_prefix(agent_id: &str) -> String {
    format!("passage/{agent_id}/")
}
pub(crate) fn passage_key(agent_id: &str, id: &str) -> String {
    format!("passage/{agent_id}/{id}")
}

/// An agent's archive: what `<memory_metadata>` shows, and the version the index follows.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct ArchiveRecord {
    pub id: String,
    pub agent_id: String,
    pub count: u64,
    /// Tag -> number of passages carrying it.
    pub tags: BTreeMap<String, u64>,
    pub created_at: String,
}

impl ArchiveRecord {
    fn add(&mut self, p: &PassageRecord) {
        self.count += 1;
        for t in dedup(&p.tags) {
            *self.tags.entry(t).or_insert(0) += 1;
        }
    }
    fn remove(&mut self, p: &PassageRecord) {
        self.count = self.count.saturating_sub(1);
        for t in dedup(&p.tags) {
            if let Some(n) = self.tags.get_mut(&t) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.tags.remove(&t);
                }
            }
        }
    }
}

fn dedup(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// One stored passage.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct PassageRecord {
    pub id: String,
    pub agent_id: String,
    pub archive_id: String,
    pub text: String,
    pub tags: Vec<String>,
    pub embedding_config: Option<EmbeddingConfig>,
    /// The vector, f32 little-endian, base64 (standard alphabet, padded).
    pub embedding: String,
    pub created_at: String,
    pub updated_at: String,
    pub created_ms: f64,
    pub metadata: Map<String, Value>,
}

impl PassageRecord {
    /// The wire `Passage`.
    pub fn to_json(&self) -> Value {
        let embedding: Value = match decode_f32(&self.embedding) {
            Some(v) if !v.is_empty() => v.into_iter().map(|x| json!(x)).collect(),
            _ => Value::Null,
        };
        json!({
            "id": self.id,
            "text": self.text,
            "embedding": embedding,
            "embedding_config": self.embedding_config,
            "archive_id": self.archive_id,
            "agent_id": self.agent_id,
            "source_id": null,
            "file_id": null,
            "file_name": null,
            "metadata": self.metadata,
            "tags": self.tags,
            "organization_id": null,
            "is_deleted": false,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "created_by_id": null,
            "last_updated_by_id": null,
        })
    }
}

// ----- base64 of f32 vectors ---------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `v` as little-endian f32 bytes, base64.
pub fn encode_f32(v: &[f32]) -> String {
    let mut bytes = Vec::with_capacity(v.len() * 4);
    for x in v {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { B64[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { B64[n as usize & 63] as char } else { '=' });
    }
    out
}

/// The inverse of [`encode_f32`]; `None` for malformed text.
pub fn decode_f32(s: &str) -> Option<Vec<f32>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 / 4);
    decode_f32_into(s, &mut out)?;
    Some(out)
}

fn sextet(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes into `out` (appending); returns the number of floats.
fn decode_f32_into(s: &str, out: &mut Vec<f32>) -> Option<usize> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let mut word = [0u8; 4];
    let mut filled = 0;
    let start = out.len();
    for q in b.chunks_exact(4) {
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (i, &c) in q.iter().enumerate() {
            let v = if i >= 4 - pad { 0 } else { sextet(c)? };
            n = n << 6 | v;
        }
        let three = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        for &byte in &three[..3 - pad.min(2)] {
            word[filled] = byte;
            filled += 1;
            if filled == 4 {
                out.push(f32::from_le_bytes(word));
                filled = 0;
            }
        }
    }
    if filled != 0 {
        return None;
    }
    Some(out.len() - start)
}

// ----- the index -----------------------------------------------------------------------------

/// One passage in the index (its vector lives in [`Index::data`]).
struct Row {
    id: String,
    text: String,
    tags: Vec<String>,
    created_ms: f64,
    offset: usize,
    dim: usize,
}

/// An agent's passages in memory, for one archive version: unit vectors back to back.
#[derive(Default)]
pub(crate) struct Index {
    /// The archive record's version this index reflects (0: no archive yet).
    version: u64,
    rows: Vec<Row>,
    data: Vec<f32>,
}

impl Index {
    fn push(&mut self, p: &PassageRecord) {
        let offset = self.data.len();
        let dim = decode_f32_into(&p.embedding, &mut self.data).unwrap_or(0);
        normalize(&mut self.data[offset..]);
        self.rows.push(Row { id: p.id.clone(), text: p.text.clone(), tags: p.tags.clone(), created_ms: p.created_ms, offset, dim });
    }

    fn remove(&mut self, id: &str) {
        if let Some(i) = self.rows.iter().position(|r| r.id == id) {
            let r = self.rows.remove(i);
            self.data.drain(r.offset..r.offset + r.dim);
            for later in &mut self.rows[i..] {
                later.offset -= r.dim;
            }
        }
    }

    /// Bytes held (vectors and texts), for diagnostics.
    fn bytes(&self) -> usize {
        self.data.capacity() * 4 + self.rows.iter().map(|r| r.text.capacity() + r.id.capacity() + 64).sum::<usize>()
    }
}

fn normalize(v: &mut [f32]) {
    let n = dot(v, v).sqrt();
    if n > 0.0 {
        let inv = 1.0 / n;
        v.iter_mut().for_each(|x| *x *= inv);
    }
}

/// The dot product: eight independent accumulators, so the compiler can keep them in vector
/// registers (and with `simd128` the wasm build uses explicit 128-bit lanes).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        dot_simd128(a, b)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        dot_scalar(a, b)
    }
}

#[allow(dead_code)]
#[inline]
fn dot_scalar(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]) + tail
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline]
fn dot_simd128(a: &[f32], b: &[f32]) -> f32 {
    use core::arch::wasm32::*;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s0 = f32x4_splat(0.0);
    let mut s1 = f32x4_splat(0.0);
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        let x0 = f32x4(x[0], x[1], x[2], x[3]);
        let y0 = f32x4(y[0], y[1], y[2], y[3]);
        let x1 = f32x4(x[4], x[5], x[6], x[7]);
        let y1 = f32x4(y[4], y[5], y[6], y[7]);
        s0 = f32x4_add(s0, f32x4_mul(x0, y0));
        s1 = f32x4_add(s1, f32x4_mul(x1, y1));
    }
    let s = f32x4_add(s0, s1);
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s) + f32x4_extract_lane::<2>(s) + f32x4_extract_lane::<3>(s) + tail
}

/// What an archival search looks for.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    pub query: String,
    pub tags: Vec<String>,
    pub match_all: bool,
    pub top_k: usize,
    pub start_ms: Option<f64>,
    pub end_ms: Option<f64>,
}

/// Why a search or insert failed: the embedding service, or anything else.
#[derive(Debug)]
pub enum ArchivalError {
    Embedding(String),
    Api(ApiError),
}

impl From<ApiError> for ArchivalError {
    fn from(e: ApiError) -> Self {
        ArchivalError::Api(e)
    }
}

impl ArchivalError {
    pub fn into_api(self) -> ApiError {
        match self {
            ArchivalError::Embedding(m) => ApiError::new(502, m),
            ArchivalError::Api(e) => e,
        }
    }
    pub fn message(&self) -> String {
        match self {
            ArchivalError::Embedding(m) => m.clone(),
            ArchivalError::Api(e) => e.detail.clone(),
        }
    }
}

/// Parses a date filter: ISO 8601 or `YYYY-MM-DD`; a date-only end covers its whole day.
pub fn parse_date_filter(name: &str, s: &str, end: bool) -> std::result::Result<f64, String> {
    let t = parse_datetime(s).ok_or_else(|| format!("Invalid {name} format: {s}. Use ISO 8601 format (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"))?;
    Ok(if end && s.trim().len() == 10 { t + 86_399_999.0 } else { t })
}

/// The embedding handle an agent's passages use.
pub fn embedding_handle(agent: &AgentRecord) -> String {
    agent.embedding_config.as_ref().map(|c| c.handle.clone()).filter(|h| !h.is_empty()).unwrap_or_else(|| DEFAULT_EMBEDDING.to_string())
}

impl Engine {
    /// Embeds one text with the agent's embedding model.
    pub(crate) async fn embed_one(&self, agent: &AgentRecord, text: &str) -> std::result::Result<Vec<f32>, ArchivalError> {
        let handle = embedding_handle(agent);
        let texts = [text.to_string()];
        let mut out = self
            .inner
            .models
            .embed(&handle, &texts)
            .await
            .map_err(|e| ArchivalError::Embedding(format!("Embedding failed ({handle}): {e}")))?;
        match out.pop() {
            Some(v) if !v.is_empty() && v.iter().all(|x| x.is_finite()) => Ok(v),
            _ => Err(ArchivalError::Embedding(format!("Embedding failed ({handle}): the model returned no usable vector"))),
        }
    }

    /// A passage ready to store: embedded (nothing is stored when that fails).
    pub(crate) async fn new_passage(
        &self,
        agent: &AgentRecord,
        text: &str,
        tags: Vec<String>,
        created_ms: Option<f64>,
    ) -> std::result::Result<PassageRecord, ArchivalError> {
        if text.trim().is_empty() {
            return Err(ApiError::unprocessable("text: must not be empty").into());
        }
        if crate::util::char_len(text) > MAX_PASSAGE_CHARS {
            return Err(ApiError::unprocessable(format!("text: longer than {MAX_PASSAGE_CHARS} characters")).into());
        }
        let vector = self.embed_one(agent, text).await?;
        let mut cfg = agent.embedding_config.clone().unwrap_or_else(|| EmbeddingConfig::from_handle(DEFAULT_EMBEDDING));
        cfg.embedding_dim = vector.len() as u64;
        let created_ms = created_ms.unwrap_or_else(|| self.created_ms());
        let now = self.now_iso();
        Ok(PassageRecord {
            id: self.id("passage"),
            agent_id: agent.id.clone(),
            archive_id: String::new(),
            text: text.to_string(),
            tags: dedup(&tags),
            embedding_config: Some(cfg),
            embedding: encode_f32(&vector),
            created_at: iso8601(created_ms),
            updated_at: now,
            created_ms,
            metadata: Map::new(),
        })
    }

    /// The agent's archive record and its version (a fresh, unsaved one at version 0).
    pub(crate) async fn archive(&self, agent_id: &str) -> Result<(ArchiveRecord, u64)> {
        match self.load::<ArchiveRecord>(&archive_key(agent_id)).await? {
            Some(x) => Ok(x),
            None => Ok((
                ArchiveRecord { id: self.id("archive"), agent_id: agent_id.to_string(), created_at: self.now_iso(), ..ArchiveRecord::default() },
                0,
            )),
        }
    }

    /// The operations that add `passages` to an archive read at `version`; fills in their
    /// `archive_id`. Returns the ops and the archive's new state.
    pub(crate) fn passage_ops(&self, mut archive: ArchiveRecord, version: u64, passages: &mut [PassageRecord]) -> Result<Vec<Op>> {
        let mut ops = Vec::with_capacity(passages.len() + 1);
        for p in passages.iter_mut() {
            p.archive_id = archive.id.clone();
            archive.add(p);
            ops.push(put(passage_key(&p.agent_id, &p.id), &*p, Expect::Absent)?);
        }
        let expect = if version == 0 { Expect::Absent } else { Expect::Version(version) };
        ops.push(put(archive_key(&archive.agent_id), &archive, expect)?);
        Ok(ops)
    }

    /// After a commit that moved the archive from `version` to `version + 1` by adding
    /// `passages`: keeps a cached index that was current in step.
    pub(crate) fn index_added(&self, agent_id: &str, version: u64, passages: &[PassageRecord]) {
        let mut cache = self.inner.archival.borrow_mut();
        if let Some(ix) = cache.get_mut(agent_id) {
            if ix.version == version {
                for p in passages {
                    ix.push(p);
                }
                ix.version = version + 1;
            } else {
                cache.remove(agent_id);
            }
        }
    }

    /// Drops an agent's cached index (the agent was deleted).
    pub(crate) fn forget_index(&self, agent_id: &str) {
        self.inner.archival.borrow_mut().remove(agent_id);
    }

    /// Stores one passage (one commit, after the embedding succeeded).
    pub(crate) async fn insert_passage(
        &self,
        agent: &AgentRecord,
        text: &str,
        tags: Vec<String>,
        created_ms: Option<f64>,
    ) -> std::result::Result<PassageRecord, ArchivalError> {
        let mut p = self.new_passage(agent, text, tags, created_ms).await?;
        for _ in 0..CAS_RETRIES {
            let (archive, version) = self.archive(&agent.id).await?;
            let mut one = [p.clone()];
            let mut ops = self.passage_ops(archive, version, &mut one)?;
            ops.push(Op::Check { key: agent_key(&agent.id), expect: Expect::Exists });
            match self.inner.store.commit(ops).await {
                Ok(()) => {
                    let [stored] = one;
                    self.index_added(&agent.id, version, std::slice::from_ref(&stored));
                    return Ok(stored);
                }
                Err(StoreError::Conflict { key }) if key == agent_key(&agent.id) => {
                    return Err(ApiError::not_found(format!("Agent not found: {}", agent.id)).into())
                }
                Err(StoreError::Conflict { .. }) => {
                    p.archive_id.clear();
                    continue;
                }
                Err(e) => return Err(ApiError::from(e).into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the archive kept changing while a passage was being stored. Please retry.").into())
    }

    /// Runs `f` on the agent's index, current for the archive's stored version (rebuilt from
    /// the passages when another writer changed them).
    async fn with_index<R>(&self, agent_id: &str, f: impl FnOnce(&Index) -> R) -> Result<R> {
        for _ in 0..CAS_RETRIES {
            let version = self.load::<ArchiveRecord>(&archive_key(agent_id)).await?.map(|(_, v)| v).unwrap_or(0);
            {
                let cache = self.inner.archival.borrow();
                if let Some(ix) = cache.get(agent_id).filter(|ix| ix.version == version) {
                    return Ok(f(ix));
                }
            }
            let recs = self.inner.store.list(&passage_prefix(agent_id)).await?;
            // The passages must belong to the version read above.
            let after = self.load::<ArchiveRecord>(&archive_key(agent_id)).await?.map(|(_, v)| v).unwrap_or(0);
            if after != version {
                continue;
            }
            let mut ix = Index { version, rows: Vec::with_capacity(recs.len()), data: Vec::new() };
            let mut passages = Vec::with_capacity(recs.len());
            for r in recs {
                let p: PassageRecord = serde_json::from_str(&r.value)
                    .map_err(|e| ApiError::internal(format!("stored record {} is unreadable: {e}", r.key)))?;
                passages.push(p);
            }
            passages.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms));
            let dims: usize = passages.iter().map(|p| p.embedding.len() / 4 * 3 / 4).sum();
            ix.data.reserve_exact(dims + 16);
            for p in &passages {
                ix.push(p);
            }
            let out = f(&ix);
            self.inner.archival.borrow_mut().insert(agent_id.to_string(), ix);
            return Ok(out);
        }
        Err(ApiError::conflict("CONFLICT: the archive kept changing while it was being read. Please retry."))
    }

    /// Ranks the agent's passages against `p.query` (exact cosine), filtered by tags and dates.
    /// Results: `{id, timestamp, content, tags}`, most similar first.
    pub(crate) async fn search_archival(&self, agent: &AgentRecord, p: &SearchParams) -> std::result::Result<Vec<Value>, ArchivalError> {
        if p.query.trim().is_empty() {
            return Ok(vec![]);
        }
        // Nothing stored: no embedding call needed.
        let stored = self.load::<ArchiveRecord>(&archive_key(&agent.id)).await?;
        if stored.as_ref().is_none_or(|(a, _)| a.count == 0) {
            return Ok(vec![]);
        }
        let mut q = self.embed_one(agent, &p.query).await?;
        normalize(&mut q);
        let top_k = p.top_k.clamp(1, MAX_TOP_K);
        let hits = self
            .with_index(&agent.id, |ix| {
                let mut scored: Vec<(f32, usize)> = Vec::with_capacity(ix.rows.len());
                for (i, r) in ix.rows.iter().enumerate() {
                    if r.dim != q.len()
                        || !crate::engine::tag_match(&r.tags, &p.tags, p.match_all)
                        || p.start_ms.is_some_and(|s| r.created_ms < s)
                        || p.end_ms.is_some_and(|e| r.created_ms > e)
                    {
                        continue;
                    }
                    scored.push((dot(&ix.data[r.offset..r.offset + r.dim], &q), i));
                }
                let by_score = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
                if scored.len() > top_k {
                    scored.select_nth_unstable_by(top_k - 1, by_score);
                    scored.truncate(top_k);
                }
                scored.sort_by(by_score);
                scored
                    .into_iter()
                    .map(|(_, i)| {
                        let r = &ix.rows[i];
                        json!({ "id": r.id, "timestamp": iso8601(r.created_ms), "content": r.text, "tags": r.tags })
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
        Ok(hits)
    }

    /// Approximate bytes this engine's archival indexes hold.
    pub fn archival_index_bytes(&self) -> usize {
        self.inner.archival.borrow().values().map(Index::bytes).sum()
    }

    // ----- routes ------------------------------------------------------------------------

    /// `POST /v1/agents/{id}/archival-memory`: `{text, tags?, created_at?}` -> `Passage[]`.
    pub async fn create_passage(&self, agent_id: &str, body: &Value) -> Result<Value> {
        let b = as_object(body, "body")?;
        let text = b.req_str("text")?;
        let tags = b.opt_str_list("tags")?.unwrap_or_default();
        let created_ms = match b.opt_str("created_at")? {
            Some(s) => Some(parse_datetime(&s).ok_or_else(|| ApiError::unprocessable(format!("body.created_at: '{s}' is not an ISO 8601 date")))?),
            None => None,
        };
        let (agent, _) = self.agent(agent_id).await?;
        let p = self.insert_passage(&agent, &text, tags, created_ms).await.map_err(ArchivalError::into_api)?;
        Ok(json!([p.to_json()]))
    }

    /// `GET /v1/agents/{id}/archival-memory`: `after`, `before`, `limit` (100), `search`
    /// (case-insensitive text), `ascending` (true).
    pub async fn list_passages(&self, agent_id: &str, q: &Query) -> Result<Value> {
        self.agent(agent_id).await?;
        let mut passages: Vec<PassageRecord> =
            self.list_records::<PassageRecord>(&passage_prefix(agent_id)).await?.into_iter().map(|(p, _)| p).collect();
        passages.sort_by(|a, b| a.created_ms.total_cmp(&b.created_ms).then_with(|| a.id.cmp(&b.id)));
        if let Some(s) = q.get("search").filter(|s| !s.is_empty()).map(str::to_lowercase) {
            passages.retain(|p| p.text.to_lowercase().contains(&s));
        }
        let page = paginate(passages, |p| &p.id, q, 100, false)?;
        Ok(Value::Array(page.iter().map(PassageRecord::to_json).collect()))
    }

    /// `GET /v1/agents/{id}/archival-memory/search`: `query`, `tags[]`, `tag_match_mode`,
    /// `top_k`, `start_datetime`, `end_datetime` -> `{results, count}`.
    pub async fn search_passages(&self, agent_id: &str, q: &Query) -> Result<Value> {
        let (agent, _) = self.agent(agent_id).await?;
        let query = q.get("query").ok_or_else(|| ApiError::unprocessable("query.query: field required"))?.to_string();
        let match_all = match q.get("tag_match_mode").unwrap_or("any") {
            "any" => false,
            "all" => true,
            other => return Err(ApiError::unprocessable(format!("query.tag_match_mode: expected 'any' or 'all', got '{other}'"))),
        };
        let date = |k: &str, end: bool| -> Result<Option<f64>> {
            match q.get(k).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse_date_filter(k, s, end).map(Some).map_err(ApiError::unprocessable),
            }
        };
        let params = SearchParams {
            query,
            tags: q.all("tags"),
            match_all,
            top_k: q.u64("top_k")?.map(|n| n as usize).unwrap_or(DEFAULT_TOP_K),
            start_ms: date("start_datetime", false)?,
            end_ms: date("end_datetime", true)?,
        };
        let results = self.search_archival(&agent, &params).await.map_err(ArchivalError::into_api)?;
        Ok(json!({ "count": results.len(), "results": results }))
    }

    /// `DELETE /v1/agents/{id}/archival-memory/{passage_id}`.
    pub async fn delete_passage(&self, agent_id: &str, passage_id: &str) -> Result<Value> {
        self.agent(agent_id).await?;
        let key = passage_key(agent_id, passage_id);
        for _ in 0..CAS_RETRIES {
            let (p, pv) = self
                .load::<PassageRecord>(&key)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("Passage not found: {passage_id} (agent {agent_id})")))?;
            let (mut archive, av) = self.archive(agent_id).await?;
            archive.remove(&p);
            let expect = if av == 0 { Expect::Absent } else { Expect::Version(av) };
            let ops = vec![Op::Delete { key: key.clone(), expect: Expect::Version(pv) }, put(archive_key(agent_id), &archive, expect)?];
            match self.inner.store.commit(ops).await {
                Ok(()) => {
                    let mut cache = self.inner.archival.borrow_mut();
                    if let Some(ix) = cache.get_mut(agent_id) {
                        if ix.version == av {
                            ix.remove(passage_id);
                            ix.version = av + 1;
                        } else {
                            cache.remove(agent_id);
                        }
                    }
                    return Ok(Value::Null);
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::conflict("CONFLICT: the archive kept changing while a passage was being deleted. Please retry."))
    }

    // ----- tools -------------------------------------------------------------------------

    /// `archival_memory_search` as a tool: a JSON list of results, or a tool error.
    pub(crate) async fn archival_search_tool(&self, agent: &AgentRecord, args: &Map<String, Value>) -> std::result::Result<String, String> {
        use crate::tools::{arg_int, arg_str_list};
        let query = match args.get("query") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => return Err("Missing required argument 'query'.".into()),
            Some(_) => return Err("Argument 'query' must be a string.".into()),
        };
        let match_all = match args.get("tag_match_mode") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) if s == "any" => false,
            Some(Value::String(s)) if s == "all" => true,
            Some(other) => return Err(format!("Argument 'tag_match_mode' must be \"any\" or \"all\", got {other}.")),
        };
        let date = |k: &str, end: bool| -> std::result::Result<Option<f64>, String> {
            match args.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => parse_date_filter(k, s, end).map(Some),
                Some(_) => Err(format!("Argument '{k}' must be a string.")),
            }
        };
        let top_k = match arg_int(args, "top_k")? {
            None => DEFAULT_TOP_K,
            Some(n) if n >= 1 => n as usize,
            Some(_) => return Err("Argument 'top_k' must be at least 1.".into()),
        };
        let params = SearchParams {
            query,
            tags: arg_str_list(args, "tags")?.unwrap_or_default(),
            match_all,
            top_k,
            start_ms: date("start_datetime", false)?,
            end_ms: date("end_datetime", true)?,
        };
        let results = self.search_archival(agent, &params).await.map_err(|e| e.message())?;
        Ok(Value::Array(results).to_string())
    }
}
