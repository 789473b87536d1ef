//! Storage: an async key-value store with per-record versions and atomic multi-record commits.
//!
//! Everything the engine keeps (agents, blocks, messages, tools) is a JSON record under a
//! key such as `block/<id>`. A commit applies a list of puts and deletes all-or-nothing, and
//! each operation may state the version it expects to replace: that check is what keeps
//! concurrent edits of a shared block from losing each other, within one engine and across
//! engines (tabs) on one database. Backends: [`MemoryStore`] here; IndexedDB and host
//! stores (a JS object with get/put/delete/list) live in the wasm bindings.

use crate::platform::BoxFut;
use std::cell::RefCell;
use std::collections::BTreeMap;

mod memory;
pub use memory::MemoryStore;

/// One stored record. `version` starts at 1 and grows by one on every put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: String,
    pub version: u64,
    pub value: String,
}

/// What a commit operation expects to find under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No check.
    Any,
    /// The key must not exist.
    Absent,
    /// The key must exist, whatever its version.
    Exists,
    /// The key must exist with exactly this version.
    Version(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Put { key: String, value: String, expect: Expect },
    Delete { key: String, expect: Expect },
    /// Writes nothing: only checks `expect` (reads that a commit depends on).
    Check { key: String, expect: Expect },
}

impl Op {
    pub fn key(&self) -> &str {
        match self {
            Op::Put { key, .. } | Op::Delete { key, .. } | Op::Check { key, .. } => key,
        }
    }
    pub fn expectation(&self) -> Expect {
        match self {
            Op::Put { expect, .. } | Op::Delete { expect, .. } | Op::Check { expect, .. } => *expect,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// A version check failed: someone else wrote `key` first. Nothing was written.
    Conflict { key: String },
    /// The backend failed (quota, closed database, host error). Nothing was written.
    Failed(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict { key } => write!(f, "conflicting write to {key}"),
            StoreError::Failed(m) => f.write_str(m),
        }
    }
}

impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { key } => crate::error::ApiError::conflict(format!(
                "CONFLICT: {key} was updated by another writer. Please retry your request."
            )),
            StoreError::Failed(m) => crate::error::ApiError::storage(m),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The storage contract. Implementations must make `commit` atomic: either every
/// operation is applied (each put bumping its key's version) or none is.
pub trait Store {
    /// Reads several keys in one go (one transaction where the backend has them).
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFut<'a, StoreResult<Vec<Option<Record>>>>;
    /// Every record whose key starts with `prefix`, sorted by key.
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFut<'a, StoreResult<Vec<Record>>>;
    /// Applies `ops` atomically after checking every expectation.
    fn commit(&self, ops: Vec<Op>) -> BoxFut<'_, StoreResult<()>>;
    /// A short name for diagnostics ("memory", "indexeddb:<name>", "host").
    fn kind(&self) -> String;
    /// An exclusive lock on `name` shared with the other engines on the same database (tabs,
    /// workers), when the backend has one; dropping the value releases it. Engines use it so
    /// an agent runs in one place at a time.
    fn lock<'a>(&'a self, _name: &'a str) -> BoxFut<'a, Option<StoreLock>> {
        Box::pin(std::future::ready(None))
    }
}

/// A held cross-engine lock; released on drop.
pub type StoreLock = Box<dyn std::any::Any>;

/// Checks `ops` against `current` versions (what a backend holds now) and returns the
/// first conflicting key. Shared by backends that validate in their own transaction.
pub fn check_expectations(
    ops: &[Op],
    mut current: impl FnMut(&str) -> Option<u64>,
) -> Result<(), &str> {
    // Later ops may target keys written by earlier ops in the same commit.
    let mut pending: BTreeMap<&str, Option<u64>> = BTreeMap::new();
    for op in ops {
        let key = op.key();
        let now = match pending.get(key) {
            Some(v) => *v,
            None => current(key),
        };
        let ok = match op.expectation() {
            Expect::Any => true,
            Expect::Absent => now.is_none(),
            Expect::Exists => now.is_some(),
            Expect::Version(v) => now == Some(v),
        };
        if !ok {
            return Err(key);
        }
        let next = match op {
            Op::Put { .. } => Some(now.unwrap_or(0) + 1),
            Op::Delete { .. } => None,
            Op::Check { .. } => now,
        };
        pending.insert(key, next);
    }
    Ok(())
}

/// Counts what passes through a store: commits, reads and lists (benchmarks, tests).
pub struct CountingStore<S> {
    pub inner: S,
    counts: RefCell<StoreCounts>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub commits: u64,
    pub gets: u64,
    pub lists: u64,
}

impl<S: Store> CountingStore<S> {
    pub fn new(inner: S) -> Self {
        CountingStore { inner, counts: RefCell::new(StoreCounts::default()) }
    }
    pub fn counts(&self) -> StoreCounts {
        *self.counts.borrow()
    }
}

impl<S: Store> Store for CountingStore<S> {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFut<'a, StoreResult<Vec<Option<Record>>>> {
        self.counts.borrow_mut().gets += 1;
        self.inner.get_many(keys)
    }
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFut<'a, StoreResult<Vec<Record>>> {
        self.counts.borrow_mut().lists += 1;
        self.inner.list(prefix)
    }
    fn commit(&self, ops: Vec<Op>) -> BoxFut<'_, StoreResult<()>> {
        self.counts.borrow_mut().commits += 1;
        self.inner.commit(ops)
    }
    fn kind(&self) -> String {
        self.inner.kind()
    }
    fn lock<'a>(&'a self, name: &'a str) -> BoxFut<'a, Option<StoreLock>> {
        self.inner.lock(name)
    }
}
