//! The wasm [`HttpTransport`]: the GLOBAL `fetch` (windows, workers, Node, Deno, workerd; never
//! `window.fetch`). Each request has an `AbortController`: its timer aborts the request when
//! the headers, or the next chunk of the body, take longer than the request's timeout, and
//! dropping the request or its body aborts the transfer. Bodies are read with
//! `response.body.getReader()`, so streamed answers arrive chunk by chunk.

use crate::llm::http::{Body, HttpError, HttpRequest, HttpResponse, HttpTransport};
use crate::platform::BoxFut;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &Object) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    type AbortController;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<AbortController, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;

    type FetchResponse;
    #[wasm_bindgen(method, getter)]
    fn status(this: &FetchResponse) -> u16;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn body(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = arrayBuffer)]
    fn array_buffer(this: &FetchResponse) -> Result<Promise, JsValue>;

    type FetchHeaders;
    #[wasm_bindgen(method, catch)]
    fn get(this: &FetchHeaders, name: &str) -> Result<Option<String>, JsValue>;

    type Stream;
    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn get_reader(this: &Stream) -> Result<Reader, JsValue>;

    type Reader;
    #[wasm_bindgen(method, catch)]
    fn read(this: &Reader) -> Result<Promise, JsValue>;
}

/// `fetch` for the engine's providers.
pub struct FetchTransport;

/// One request's abort controller and timer. Dropped before the body is read to its end, it
/// aborts the transfer; it never leaves a timer behind (a pending timer keeps Node alive).
struct Call {
    ctrl: AbortController,
    abort: js_sys::Function,
    timer: Option<JsValue>,
    timeout_ms: f64,
    done: bool,
}

impl Call {
    fn new(timeout_ms: f64) -> Result<Call, HttpError> {
        let ctrl = AbortController::new().map_err(|e| HttpError::Network(text_of(&e)))?;
        let abort = Reflect::get(&ctrl, &"abort".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| HttpError::Network("AbortController.abort is missing".into()))?
            .bind0(&ctrl);
        Ok(Call { ctrl, abort, timer: None, timeout_ms, done: false })
    }

    fn arm(&mut self) {
        self.disarm();
        self.timer = Some(set_timeout(&self.abort, self.timeout_ms));
    }

    fn disarm(&mut self) {
        if let Some(t) = self.timer.take() {
            clear_timeout(&t);
        }
    }

    /// A rejected fetch or read: our timer aborted it (a timeout), or the network failed.
    fn error(&self, e: &JsValue) -> HttpError {
        let aborted = Reflect::get(&self.ctrl.signal(), &"aborted".into()).ok().and_then(|v| v.as_bool()) == Some(true);
        if aborted {
            HttpError::Timeout
        } else {
            HttpError::Network(text_of(e))
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.disarm();
        if !self.done {
            let _ = self.abort.call0(&JsValue::NULL);
        }
    }
}

/// A readable text for a thrown JS value, with its `cause` (Node's fetch puts the reason there).
fn text_of(e: &JsValue) -> String {
    let get = |v: &JsValue, k: &str| Reflect::get(v, &k.into()).ok().and_then(|m| m.as_string());
    let mut text = get(e, "message").or_else(|| e.as_string()).unwrap_or_else(|| "fetch failed".into());
    if let Ok(cause) = Reflect::get(e, &"cause".into()) {
        if let Some(m) = get(&cause, "message").or_else(|| get(&cause, "code")) {
            text = format!("{text} ({m})");
        }
    }
    text
}

async fn await_promise(call: &mut Call, p: Result<Promise, JsValue>) -> Result<JsValue, HttpError> {
    let p = p.map_err(|e| call.error(&e))?;
    call.arm();
    let r = JsFuture::from(p).await;
    call.disarm();
    r.map_err(|e| call.error(&e))
}

async fn send(req: HttpRequest) -> Result<HttpResponse, HttpError> {
    let mut call = Call::new(req.timeout_ms)?;
    let init = Object::new();
    let headers = Object::new();
    let set = |o: &Object, k: &str, v: &JsValue| {
        let _ = Reflect::set(o, &k.into(), v);
    };
    for (k, v) in &req.headers {
        set(&headers, k, &v.into());
    }
    set(&init, "method", &req.method.as_str().into());
    set(&init, "headers", &headers);
    if let Some(b) = &req.body {
        set(&init, "body", &b.into());
    }
    set(&init, "signal", &call.ctrl.signal());
    let resp: FetchResponse = await_promise(&mut call, global_fetch(&req.url, &init)).await?.unchecked_into();
    // Only the headers the engine reads (each one is a crossing into JS).
    let status = resp.status();
    let mut out_headers = Vec::new();
    if !(200..300).contains(&status) {
        let headers: FetchHeaders = resp.headers().unchecked_into();
        for name in ["retry-after", "retry-after-ms"] {
            if let Ok(Some(v)) = headers.get(name) {
                out_headers.push((name.to_string(), v));
            }
        }
    }
    Ok(HttpResponse { status, headers: out_headers, body: Box::new(FetchBody { call, reader: None, resp: Some(resp) }) })
}

struct FetchBody {
    call: Call,
    /// `response.body.getReader()`, taken at the first chunk read.
    reader: Option<Reader>,
    /// The response until its body is read (whole, or through the reader).
    resp: Option<FetchResponse>,
}

impl FetchBody {
    /// The whole body with one `arrayBuffer()` (plain answers, error bodies).
    async fn all(&mut self) -> Result<Vec<u8>, HttpError> {
        let Some(resp) = self.resp.take() else {
            // Already reading chunk by chunk: finish that way.
            let mut out = Vec::new();
            while let Some(c) = self.next().await? {
                out.extend_from_slice(&c);
            }
            return Ok(out);
        };
        self.array(resp).await
    }

    async fn array(&mut self, resp: FetchResponse) -> Result<Vec<u8>, HttpError> {
        let buf = await_promise(&mut self.call, resp.array_buffer()).await?;
        self.call.done = true;
        Ok(Uint8Array::new(&buf).to_vec())
    }

    async fn next(&mut self) -> Result<Option<Vec<u8>>, HttpError> {
        if self.call.done {
            return Ok(None);
        }
        if let Some(resp) = self.resp.take() {
            let body = resp.body();
            if body.is_null() || body.is_undefined() {
                // Hosts without `response.body`: one piece.
                return self.array(resp).await.map(Some);
            }
            self.reader = Some(body.unchecked_into::<Stream>().get_reader().map_err(|e| self.call.error(&e))?);
        }
        let Some(reader) = &self.reader else {
            self.call.done = true;
            return Ok(None);
        };
        let read = reader.read();
        let r = await_promise(&mut self.call, read).await?;
        if Reflect::get(&r, &"done".into()).ok().and_then(|d| d.as_bool()) == Some(true) {
            self.call.done = true;
            return Ok(None);
        }
        let value = Reflect::get(&r, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        Ok(Some(value.dyn_into::<Uint8Array>().unwrap_or_else(|v| Uint8Array::new(&v)).to_vec()))
    }
}

impl Body for FetchBody {
    fn chunk(&mut self) -> BoxFut<'_, Result<Option<Vec<u8>>, HttpError>> {
        Box::pin(self.next())
    }
    fn whole(&mut self) -> Option<BoxFut<'_, Result<Vec<u8>, HttpError>>> {
        Some(Box::pin(self.all()))
    }
}

impl HttpTransport for FetchTransport {
    fn send(&self, req: HttpRequest) -> BoxFut<'static, Result<HttpResponse, HttpError>> {
        Box::pin(send(req))
    }
}
