//! JavaScript bindings: one exported class, `Engine`, whose methods take and return JSON
//! text. The hand-written doors in `pkg-template/src/` reshape it into the SDK's API.
//! Nothing here holds a `RefCell` borrow across an `await` or while calling into JS.

use crate::agent::{NoSink, RunSink};
use crate::engine::{Engine as Core, EngineOptions, ToolHost};
use crate::error::ApiError;
use crate::llm::scripted::ScriptTextFn;
use crate::params::Query;
use crate::platform::{BoxFut, Platform};
use crate::store::MemoryStore;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

pub mod fetch;
pub mod store;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

thread_local! {
    static RANDOM_POOL: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Clock, randomness and timers from the JS host (`Date`, `crypto`, `setTimeout`).
struct JsPlatform;

impl Platform for JsPlatform {
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        // One crypto call per 1 KiB of randomness: ids are minted several times per step.
        RANDOM_POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            for b in buf.iter_mut() {
                if pool.is_empty() {
                    let mut fresh = vec![0u8; 1024];
                    if get_random_values(&mut fresh).is_err() {
                        for x in fresh.iter_mut() {
                            *x = (js_sys::Math::random() * 256.0) as u8;
                        }
                    }
                    *pool = fresh;
                }
                *b = pool.pop().unwrap_or(0);
            }
        });
    }
    fn spawn(&self, task: BoxFut<'static, ()>) {
        wasm_bindgen_futures::spawn_local(task);
    }
    fn sleep(&self, ms: f64) -> BoxFut<'static, ()> {
        // The timer starts when the future is first polled and is cleared if the future is
        // dropped first (a lost race), so no stray timer keeps a Node process alive.
        Box::pin(async move {
            let mut timer = JsValue::UNDEFINED;
            let promise = js_sys::Promise::new(&mut |resolve, _reject| {
                timer = set_timeout(&resolve, ms.max(0.0));
            });
            let _clear = ClearOnDrop(timer);
            let _ = JsFuture::from(promise).await;
        })
    }
}

/// Clears a `setTimeout` timer when dropped (harmless once it has fired).
struct ClearOnDrop(JsValue);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// A readable text for a thrown JS value.
fn js_error_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    if let Some(s) = e.as_string() {
        return s;
    }
    js_sys::JSON::stringify(e).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "unknown JavaScript error".into())
}

/// Calls `f(args...)`, awaits it if it returned a promise, and expects a string.
async fn call_js(f: js_sys::Function, args: &[&str]) -> Result<String, String> {
    let this = JsValue::NULL;
    let ret = match args {
        [a] => f.call1(&this, &JsValue::from_str(a)),
        [a, b] => f.call2(&this, &JsValue::from_str(a), &JsValue::from_str(b)),
        _ => f.call0(&this),
    }
    .map_err(|e| js_error_text(&e))?;
    let value = if ret.has_type::<js_sys::Promise>() || js_sys::Reflect::has(&ret, &"then".into()).unwrap_or(false) {
        JsFuture::from(js_sys::Promise::resolve(&ret)).await.map_err(|e| js_error_text(&e))?
    } else {
        ret
    };
    if let Some(s) = value.as_string() {
        Ok(s)
    } else if value.is_undefined() || value.is_null() {
        Ok(String::from("None"))
    } else {
        js_sys::JSON::stringify(&value).ok().and_then(|s| s.as_string()).ok_or_else(|| "the function returned a value that is not JSON".into())
    }
}

/// Custom tool bodies bound from JS, by tool name.
#[derive(Default)]
struct JsTools {
    fns: RefCell<HashMap<String, js_sys::Function>>,
}

impl ToolHost for JsTools {
    fn call(&self, name: &str, args_json: &str, ctx_json: &str) -> Option<BoxFut<'static, Result<String, String>>> {
        let f = self.fns.borrow().get(name).cloned()?;
        let (args, ctx) = (args_json.to_string(), ctx_json.to_string());
        Some(Box::pin(async move { call_js(f, &[&args, &ctx]).await }))
    }
}

struct JsSink(js_sys::Function);

impl RunSink for JsSink {
    fn emit(&self, message: &Value) {
        // A throwing listener must not break the run; the door reports its own errors.
        let _ = self.0.call1(&JsValue::NULL, &JsValue::from_str(&message.to_string()));
    }
}

fn parse_options(options_json: &str) -> Result<Value, JsError> {
    if options_json.trim().is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(options_json).map_err(|e| JsError::new(&format!("Engine options are not valid JSON: {e}")))
}

fn envelope(result: Result<Value, ApiError>) -> JsValue {
    let v = match result {
        Ok(body) => json!({ "status": 200, "body": body }),
        Err(e) => json!({ "status": e.status, "body": e.body() }),
    };
    JsValue::from_str(&v.to_string())
}

fn parse_query(query_json: &str) -> Result<Query, ApiError> {
    if query_json.trim().is_empty() {
        return Ok(Query::default());
    }
    let pairs: Vec<(String, String)> = serde_json::from_str(query_json)
        .map_err(|e| ApiError::unprocessable(format!("query: expected a JSON list of [key, value] string pairs ({e})")))?;
    Ok(Query(pairs))
}

fn parse_body(body_json: Option<String>) -> Result<Option<Value>, ApiError> {
    match body_json {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => serde_json::from_str(&s).map(Some).map_err(|e| ApiError::bad_request(format!("Malformed JSON body: {e}"))),
    }
}

/// The engine, for JavaScript. All methods take and return JSON text.
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    core: Core,
    tools: Rc<JsTools>,
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Creates an engine on an in-memory store. `options_json`: `{"max_steps"?: number,
    /// "max_chain_depth"?: number, "max_hops"?: number, "providers"?: {...}, "timeout_ms"?:
    /// number, "max_retries"?: number}` (providers: see `llm::config`). Provider keys stay in
    /// this engine's memory. Use `Engine.open` for persistent storage.
    #[wasm_bindgen(constructor)]
    pub fn new(options_json: &str) -> Result<WasmEngine, JsError> {
        let opts = parse_options(options_json)?;
        Self::build(&opts, Rc::new(MemoryStore::new()))
    }

    /// Creates an engine on the storage `options.storage` names: `"memory"` (the default),
    /// `"indexeddb"` or `{"type": "indexeddb", "name"?: string}`, or on `host`, a host store
    /// object (async get/put/delete/list, e.g. a Durable Object's `storage`). Resumes the
    /// agent messages left in mailboxes.
    pub async fn open(options_json: String, host: JsValue) -> Result<WasmEngine, JsError> {
        let opts = parse_options(&options_json)?;
        let store: Rc<dyn crate::store::Store> = if !host.is_undefined() && !host.is_null() {
            Rc::new(store::JsStore::host(&host).map_err(|e| JsError::new(&e))?)
        } else {
            let storage = opts.get("storage").cloned().unwrap_or(Value::Null);
            let (kind, name) = match &storage {
                Value::Null => ("memory", None),
                Value::String(s) => (s.as_str(), None),
                // An object is `{type, name?}`; anything else (e.g. a host object missing a
                // method) must not silently become an in-memory store.
                Value::Object(o) => (
                    o.get("type").and_then(Value::as_str).unwrap_or("an object without type or get/put/delete/list"),
                    o.get("name").and_then(Value::as_str),
                ),
                _ => ("invalid", None),
            };
            match kind {
                "memory" => Rc::new(MemoryStore::new()),
                "indexeddb" => Rc::new(
                    store::JsStore::indexed_db(name.unwrap_or("letta-wasm")).await.map_err(|e| JsError::new(&e))?,
                ),
                other => {
                    return Err(JsError::new(&format!(
                        "storage: unknown kind {other:?}; use \"memory\", \"indexeddb\", {{ type: \"indexeddb\", name }} or a host store object"
                    )))
                }
            }
        };
        let engine = Self::build(&opts, store)?;
        engine.core.resume_mailboxes().await.map_err(|e| JsError::new(&e.detail))?;
        Ok(engine)
    }

    fn build(opts: &Value, store: Rc<dyn crate::store::Store>) -> Result<WasmEngine, JsError> {
        let mut options = EngineOptions::default();
        let num = |k: &str| opts.get(k).and_then(Value::as_u64).map(|n| n.clamp(1, 10_000) as u32);
        if let Some(n) = num("max_steps") {
            options.max_steps = n;
        }
        if let Some(n) = num("max_chain_depth") {
            options.max_chain_depth = n;
        }
        if let Some(n) = num("max_hops") {
            options.max_hops = n;
        }
        let core = Core::new(store, Rc::new(JsPlatform), options);
        crate::llm::config::configure(core.models(), opts, Rc::new(fetch::FetchTransport), Rc::new(JsPlatform))
            .map_err(|e| JsError::new(&format!("Engine options: {e}")))?;
        let tools = Rc::new(JsTools::default());
        core.set_tool_host(tools.clone());
        Ok(WasmEngine { core, tools })
    }

    /// The store's kind: "memory", "indexeddb:<name>" or "host".
    pub fn storage(&self) -> String {
        self.core.store().kind()
    }

    /// Serves one REST call; resolves `{"status", "body"}` JSON text, never rejects.
    pub fn request(&self, method: String, path: String, query_json: String, body_json: Option<String>) -> js_sys::Promise {
        self.run(method, path, query_json, body_json, None)
    }

    /// Like `request`, calling `on_event(json)` with each message of a run as it is committed.
    pub fn stream(
        &self,
        method: String,
        path: String,
        query_json: String,
        body_json: Option<String>,
        on_event: js_sys::Function,
    ) -> js_sys::Promise {
        self.run(method, path, query_json, body_json, Some(on_event))
    }

    fn run(
        &self,
        method: String,
        path: String,
        query_json: String,
        body_json: Option<String>,
        on_event: Option<js_sys::Function>,
    ) -> js_sys::Promise {
        let core = self.core.clone();
        future_to_promise(async move {
            let result = async {
                let query = parse_query(&query_json)?;
                let body = parse_body(body_json)?;
                let sink: Box<dyn RunSink> = match on_event {
                    Some(f) => Box::new(JsSink(f)),
                    None => Box::new(NoSink),
                };
                crate::router::handle(&core, &method, &path, &query, body.as_ref(), &*sink).await
            }
            .await;
            Ok(envelope(result))
        })
    }

    /// Programs `scripted/<name>` with `fn(requestJson) -> replyJson | Promise<replyJson>`.
    pub fn set_model(&self, name: &str, f: js_sys::Function) {
        let script: ScriptTextFn = Rc::new(move |req: String| {
            let f = f.clone();
            Box::pin(async move { call_js(f, &[&req]).await })
        });
        self.core.models().scripted(name).set_text_fn(script);
    }

    /// The requests `scripted/<name>` received, as a JSON array.
    pub fn model_requests(&self, name: &str) -> String {
        Value::Array(self.core.models().scripted(name).requests()).to_string()
    }

    /// `{"calls", "in_flight", "peak_in_flight"}` of `scripted/<name>`.
    pub fn model_stats(&self, name: &str) -> String {
        let s = self.core.models().scripted(name).stats();
        json!({ "calls": s.calls, "in_flight": s.in_flight, "peak_in_flight": s.peak_in_flight }).to_string()
    }

    /// Resolves once every queued agent-to-agent message has been processed.
    pub fn idle(&self) -> js_sys::Promise {
        let core = self.core.clone();
        future_to_promise(async move {
            core.idle().await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Binds the JS body of custom tool `name`: `fn(argsJson, ctxJson) -> string | Promise<string>`.
    pub fn set_tool(&self, name: &str, f: js_sys::Function) {
        self.tools.fns.borrow_mut().insert(name.to_string(), f);
    }
}
