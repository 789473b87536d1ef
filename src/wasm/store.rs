//! The [`Store`] bridge to JS backends (src/wasm/stores.js): IndexedDB and host storage
//! objects. Requests and answers cross the boundary as JSON text.

use crate::platform::BoxFut;
use crate::store::{Expect, Op, Record, Store, StoreError, StoreLock, StoreResult};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/wasm/stores.js")]
extern "C" {
    #[wasm_bindgen(js_name = openIndexedDb)]
    fn open_indexed_db(name: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = hostStore, catch)]
    fn host_store(host: &JsValue) -> Result<JsValue, JsValue>;
}

fn text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| "storage error".into())
}

/// A store implemented in JS (see stores.js for the contract).
pub struct JsStore {
    obj: JsValue,
    kind: String,
}

impl JsStore {
    /// Opens the IndexedDB database `name`.
    pub async fn indexed_db(name: &str) -> Result<JsStore, String> {
        let obj = JsFuture::from(open_indexed_db(name)).await.map_err(|e| text(&e))?;
        Ok(JsStore::wrap(obj))
    }

    /// Wraps a host storage object (get/put/delete/list).
    pub fn host(host: &JsValue) -> Result<JsStore, String> {
        let obj = host_store(host).map_err(|e| text(&e))?;
        Ok(JsStore::wrap(obj))
    }

    fn wrap(obj: JsValue) -> JsStore {
        let kind = Self::method(&obj, "kind")
            .and_then(|f| f.call0(&obj).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "js".into());
        JsStore { obj, kind }
    }

    fn method(obj: &JsValue, name: &str) -> Option<js_sys::Function> {
        js_sys::Reflect::get(obj, &JsValue::from_str(name)).ok()?.dyn_into::<js_sys::Function>().ok()
    }

    /// Calls `name(arg)` on the JS store and awaits its promise.
    async fn call(&self, name: &str, arg: &str) -> StoreResult<JsValue> {
        let f = Self::method(&self.obj, name).ok_or_else(|| StoreError::Failed(format!("the store has no {name} method")))?;
        let ret = f.call1(&self.obj, &JsValue::from_str(arg)).map_err(|e| StoreError::Failed(text(&e)))?;
        JsFuture::from(js_sys::Promise::resolve(&ret)).await.map_err(|e| StoreError::Failed(text(&e)))
    }

    async fn call_json(&self, name: &str, arg: &str) -> StoreResult<Value> {
        let v = self.call(name, arg).await?;
        let s = v.as_string().ok_or_else(|| StoreError::Failed(format!("the store's {name} did not answer text")))?;
        serde_json::from_str(&s).map_err(|e| StoreError::Failed(format!("the store's {name} answered bad JSON: {e}")))
    }

    /// An exclusive lock shared with other tabs and workers (Web Locks), when available.
    /// The lock is released when the returned value is dropped.
    pub async fn lock(&self, name: &str) -> Option<LockGuard> {
        let f = Self::method(&self.obj, "lock")?;
        let ret = f.call1(&self.obj, &JsValue::from_str(name)).ok()?;
        if ret.is_undefined() {
            return None;
        }
        let release = JsFuture::from(js_sys::Promise::resolve(&ret)).await.ok()?;
        release.dyn_into::<js_sys::Function>().ok().map(LockGuard)
    }
}

/// Releases a Web Lock when dropped.
pub struct LockGuard(js_sys::Function);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::NULL);
    }
}

fn record(key: &str, v: &Value) -> StoreResult<Option<Record>> {
    match v {
        Value::Null => Ok(None),
        Value::Array(a) if a.len() == 2 => match (a[0].as_u64(), a[1].as_str()) {
            (Some(version), Some(value)) => Ok(Some(Record { key: key.to_string(), version, value: value.to_string() })),
            _ => Err(StoreError::Failed(format!("stored record {key} is malformed"))),
        },
        _ => Err(StoreError::Failed(format!("stored record {key} is malformed"))),
    }
}

fn expect_json(e: Expect) -> Value {
    match e {
        Expect::Any => json!("any"),
        Expect::Absent => json!("absent"),
        Expect::Exists => json!("exists"),
        Expect::Version(v) => json!(v),
    }
}

impl Store for JsStore {
    fn get_many<'a>(&'a self, keys: &'a [String]) -> BoxFut<'a, StoreResult<Vec<Option<Record>>>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let arg = serde_json::to_string(keys).map_err(|e| StoreError::Failed(e.to_string()))?;
            let v = self.call_json("getMany", &arg).await?;
            let items = v.as_array().ok_or_else(|| StoreError::Failed("getMany did not answer a list".into()))?;
            if items.len() != keys.len() {
                return Err(StoreError::Failed("getMany answered the wrong number of records".into()));
            }
            keys.iter().zip(items).map(|(k, v)| record(k, v)).collect()
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFut<'a, StoreResult<Vec<Record>>> {
        Box::pin(async move {
            let v = self.call_json("list", prefix).await?;
            let items = v.as_array().ok_or_else(|| StoreError::Failed("list did not answer a list".into()))?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let (Some(key), Some(version), Some(value)) =
                    (item.get(0).and_then(Value::as_str), item.get(1).and_then(Value::as_u64), item.get(2).and_then(Value::as_str))
                else {
                    return Err(StoreError::Failed("list answered a malformed record".into()));
                };
                out.push(Record { key: key.to_string(), version, value: value.to_string() });
            }
            Ok(out)
        })
    }

    fn commit(&self, ops: Vec<Op>) -> BoxFut<'_, StoreResult<()>> {
        Box::pin(async move {
            if ops.is_empty() {
                return Ok(());
            }
            let wire: Vec<Value> = ops
                .iter()
                .map(|op| match op {
                    Op::Put { key, value, expect } => json!({ "op": "put", "key": key, "value": value, "expect": expect_json(*expect) }),
                    Op::Delete { key, expect } => json!({ "op": "delete", "key": key, "expect": expect_json(*expect) }),
                    Op::Check { key, expect } => json!({ "op": "check", "key": key, "expect": expect_json(*expect) }),
                })
                .collect();
            let v = self.call("commit", &Value::Array(wire).to_string()).await?;
            match v.as_string() {
                None => Ok(()),
                Some(key) => Err(StoreError::Conflict { key }),
            }
        })
    }

    fn kind(&self) -> String {
        self.kind.clone()
    }
    fn lock<'a>(&'a self, name: &'a str) -> BoxFut<'a, Option<StoreLock>> {
        Box::pin(async move { JsStore::lock(self, name).await.map(|g| Box::new(g) as StoreLock) })
    }
}
