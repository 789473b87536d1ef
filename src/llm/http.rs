//! HTTP for the providers: a transport trait (the global `fetch` on wasm, a scripted mock in
//! tests), and the client every provider calls through. The client retries 429, 5xx and
//! network failures with exponential backoff and jitter (honouring `Retry-After` and
//! `retry-after-ms`), a bounded number of times, and turns failures into [`LlmError`]s whose
//! text names the provider, the model and the status, never the API key.

use super::LlmError;
use crate::platform::{BoxFut, Platform};
use serde_json::Value;
use std::rc::Rc;

/// One HTTP request.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The transport ends the request with [`HttpError::Timeout`] when the response headers,
    /// or any later chunk of the body, take longer than this (milliseconds).
    pub timeout_ms: f64,
}

impl HttpRequest {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// Why a request failed below HTTP.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// The connection failed or broke (the text is the host's description).
    Network(String),
    /// No response, or no next chunk of the body, within the request's timeout.
    Timeout,
    /// The request was cancelled.
    Aborted,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Network(m) => f.write_str(m),
            HttpError::Timeout => f.write_str("timed out"),
            HttpError::Aborted => f.write_str("aborted"),
        }
    }
}

/// A response body, read chunk by chunk. Dropping it cancels the rest of the transfer.
pub trait Body {
    /// The next chunk of bytes; `None` at the end of the body.
    fn chunk(&mut self) -> BoxFut<'_, Result<Option<Vec<u8>>, HttpError>>;
    /// The rest of the body in one piece, when the transport has a faster way than chunks
    /// (`response.arrayBuffer()`); `None` to read it chunk by chunk.
    fn whole(&mut self) -> Option<BoxFut<'_, Result<Vec<u8>, HttpError>>> {
        None
    }
}

/// One HTTP response: status and headers, and the body still to read.
pub struct HttpResponse {
    pub status: u16,
    /// Header names are lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Box<dyn Body>,
}

/// The largest body read whole (error bodies, plain answers).
pub const MAX_BODY: usize = 32 << 20;

impl HttpResponse {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The next chunk of the body (`None` at its end).
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>, HttpError> {
        self.body.chunk().await
    }

    /// The whole body (at most `limit` bytes; more is a network error).
    pub async fn bytes(&mut self, limit: usize) -> Result<Vec<u8>, HttpError> {
        if let Some(fut) = self.body.whole() {
            let b = fut.await?;
            if b.len() > limit {
                return Err(HttpError::Network(format!("the response body is larger than {limit} bytes")));
            }
            return Ok(b);
        }
        let mut out = Vec::new();
        while let Some(c) = self.body.chunk().await? {
            if out.len() + c.len() > limit {
                return Err(HttpError::Network(format!("the response body is larger than {limit} bytes")));
            }
            out.extend_from_slice(&c);
        }
        Ok(out)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Sends HTTP requests. Implementations must not panic on any input or network event.
pub trait HttpTransport {
    fn send(&self, req: HttpRequest) -> BoxFut<'static, Result<HttpResponse, HttpError>>;
}

/// Defaults of the retrying client.
pub const DEFAULT_TIMEOUT_MS: f64 = 60_000.0;
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// A `Retry-After` longer than this is not waited for: the call fails with the 429/5xx.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

/// Who a call is for, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub provider: &'a str,
    pub model: &'a str,
    /// The key to scrub from any text that goes into an error.
    pub key: Option<&'a str>,
}

/// A provider endpoint: where to send, with what key, through which transport.
pub struct Endpoint {
    /// The provider's name in handles (`openai`, `ollama`, ...).
    pub name: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// Kept in memory only; never in an error or a log.
    pub api_key: Option<String>,
    pub transport: Rc<dyn HttpTransport>,
    pub platform: Rc<dyn Platform>,
    pub timeout_ms: f64,
    /// Retries after the first attempt (so `2` means at most 3 attempts).
    pub max_retries: u32,
}

impl Endpoint {
    pub fn who<'a>(&'a self, model: &'a str) -> Who<'a> {
        Who { provider: &self.name, model, key: self.api_key.as_deref() }
    }

    /// A POST of a JSON body to `base_url + path`, with `headers`.
    pub fn post(&self, path: &str, headers: Vec<(String, String)>, body: &Value) -> HttpRequest {
        let mut h = vec![("content-type".to_string(), "application/json".to_string())];
        h.extend(headers);
        HttpRequest { method: "POST".into(), url: format!("{}{}", self.base_url, path), headers: h, body: Some(body.to_string()), timeout_ms: self.timeout_ms }
    }

    /// Sends `req`, retrying as the module explains, and returns a 2xx response whose body is
    /// still to be read (streams). `whole` reads the body too, inside the retry loop.
    pub async fn send(&self, req: &HttpRequest, who: Who<'_>, whole: bool) -> Result<(HttpResponse, Vec<u8>), LlmError> {
        let mut attempt = 0u32;
        loop {
            let (err, wait) = match self.transport.send(req.clone()).await {
                Ok(mut resp) if (200..300).contains(&resp.status) => {
                    if !whole {
                        return Ok((resp, Vec::new()));
                    }
                    match resp.bytes(MAX_BODY).await {
                        Ok(b) => return Ok((resp, b)),
                        Err(e) => (network_error(&e, who), None),
                    }
                }
                Ok(mut resp) => {
                    let status = resp.status;
                    let wait = retry_after_ms(&resp.headers, self.platform.now_ms());
                    // An unreadable error body still gives a status to report.
                    let body = resp.bytes(1 << 20).await.unwrap_or_default();
                    let err = api_error(who, status, &body);
                    if !(status == 429 || status >= 500) || wait.is_some_and(|w| w > MAX_RETRY_AFTER_MS) {
                        return Err(err);
                    }
                    (err, wait)
                }
                Err(HttpError::Aborted) => return Err(network_error(&HttpError::Aborted, who)),
                Err(e) => (network_error(&e, who), None),
            };
            if attempt >= self.max_retries {
                return Err(err);
            }
            let wait = wait.unwrap_or_else(|| self.backoff_ms(attempt));
            attempt += 1;
            self.platform.sleep(wait).await;
        }
    }

    /// Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... (at most 8 s), minus up to 25 %.
    pub fn backoff_ms(&self, attempt: u32) -> f64 {
        let base = (500.0 * 2f64.powi(attempt.min(16) as i32)).min(8_000.0);
        let mut r = [0u8; 2];
        self.platform.fill_random(&mut r);
        let jitter = u16::from_le_bytes(r) as f64 / 65_536.0;
        base * (1.0 - 0.25 * jitter)
    }
}

/// How long the server asked us to wait: `retry-after-ms` (milliseconds), else `retry-after`
/// (seconds, or an HTTP date).
pub fn retry_after_ms(headers: &[(String, String)], now_ms: f64) -> Option<f64> {
    if let Some(ms) = find_header(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(ms);
        }
    }
    let v = find_header(headers, "retry-after")?.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s.is_finite() && s >= 0.0).then_some(s * 1000.0);
    }
    parse_http_date(v).map(|t| (t - now_ms).max(0.0))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110's IMF-fixdate) to epoch milliseconds.
pub fn parse_http_date(s: &str) -> Option<f64> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day: u32 = it.next()?.parse().ok()?;
    let month_name = it.next()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].iter().position(|m| *m == month_name)? + 1;
    let year: u32 = it.next()?.parse().ok()?;
    let time = it.next()?;
    if it.next()? != "GMT" || time.len() != 8 {
        return None;
    }
    crate::util::parse_datetime(&format!("{year:04}-{month:02}-{day:02}T{time}Z"))
}

/// Removes an API key (and recognisable fragments of it) from text meant for an error.
pub fn scrub(text: &str, key: Option<&str>) -> String {
    let Some(key) = key.map(str::trim).filter(|k| k.len() >= 4) else {
        return text.to_string();
    };
    let text = text.replace(key, "[redacted]");
    // Providers echo masked keys ("sk-abc1****wxyz"): drop every word sharing the key's head or tail.
    let head = key.get(..key.len().min(8)).unwrap_or(key);
    let tail = (key.len() >= 16).then(|| key.get(key.len() - 6..)).flatten();
    let risky = |w: &str| (key.len() >= 8 && w.contains(head)) || tail.is_some_and(|t| w.contains(t));
    if !text.split(' ').any(risky) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for (i, w) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(if risky(w) { "[redacted]" } else { w });
    }
    out
}

/// The error a provider's 4xx/5xx answer stands for, with the provider's own message.
pub fn api_error(who: Who<'_>, status: u16, body: &[u8]) -> LlmError {
    let text = String::from_utf8_lossy(body);
    let message = match serde_json::from_str::<Value>(&text) {
        Ok(v) => error_message(&v).unwrap_or_else(|| v.to_string()),
        Err(_) => text.trim().to_string(),
    };
    let message = if message.is_empty() { "(no error message)".to_string() } else { message };
    LlmError::Api {
        provider: who.provider.to_string(),
        model: who.model.to_string(),
        status,
        message: scrub(crate::util::truncate_chars(&message, 500), who.key),
    }
}

/// `error.message` (OpenAI, Anthropic, Gemini), `error` as text (Ollama), `message`, `detail`.
pub fn error_message(v: &Value) -> Option<String> {
    let e = v.get("error").unwrap_or(v);
    let pick = |v: &Value| v.get("message").or_else(|| v.get("detail")).and_then(Value::as_str).map(str::to_string);
    match e {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.first().and_then(error_message),
        _ => pick(e).or_else(|| pick(v)),
    }
}

pub fn network_error(e: &HttpError, who: Who<'_>) -> LlmError {
    let what = match e {
        HttpError::Timeout => "the request timed out".to_string(),
        HttpError::Aborted => "the request was aborted".to_string(),
        HttpError::Network(m) => scrub(m, who.key),
    };
    LlmError::Network(format!("{} ({}): {what}", who.provider, who.model))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_keys_and_masked_keys() {
        let key = "sk-test-0123456789abcdefSECRET";
        assert_eq!(scrub(&format!("bad key {key}!"), Some(key)), "bad key [redacted]!");
        let masked = "Incorrect API key provided: sk-test-*************CRET. You can find your key.";
        let out = scrub(masked, Some(key));
        assert!(!out.contains("sk-test-"), "{out}");
        assert!(out.starts_with("Incorrect API key provided: [redacted]"), "{out}");
        assert_eq!(scrub("nothing here", Some(key)), "nothing here");
        assert_eq!(scrub("short", None), "short");
    }

    #[test]
    fn parses_retry_after() {
        let h = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(retry_after_ms(&h("retry-after", "2"), 0.0), Some(2000.0));
        assert_eq!(retry_after_ms(&h("Retry-After-Ms", "150"), 0.0), Some(150.0));
        let now = parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap_or(0.0);
        assert!(now > 1.4e12);
        assert_eq!(retry_after_ms(&h("retry-after", "Wed, 21 Oct 2015 07:28:05 GMT"), now), Some(5000.0));
        assert_eq!(retry_after_ms(&h("retry-after", "Wed, 21 Oct 2015 07:27:05 GMT"), now), Some(0.0));
        assert_eq!(retry_after_ms(&h("retry-after", "soon"), now), None);
        assert_eq!(retry_after_ms(&h("retry-after", "-1"), now), None);
        assert_eq!(parse_http_date("Wed, 21 Foo 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn error_messages_of_each_provider() {
        let j = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
        assert_eq!(error_message(&j(r#"{"error":{"message":"m1","type":"x"}}"#)).as_deref(), Some("m1"));
        assert_eq!(error_message(&j(r#"{"type":"error","error":{"type":"authentication_error","message":"m2"}}"#)).as_deref(), Some("m2"));
        assert_eq!(error_message(&j(r#"[{"error":{"code":400,"message":"m3"}}]"#)).as_deref(), Some("m3"));
        assert_eq!(error_message(&j(r#"{"error":"m4"}"#)).as_deref(), Some("m4"));
        assert_eq!(error_message(&j(r#"{"detail":"m5"}"#)).as_deref(), Some("m5"));
        let who = Who { provider: "openai", model: "gpt-x", key: Some("sk-secret-key-123") };
        let e = api_error(who, 401, br#"{"error":{"message":"Incorrect API key provided: sk-secret-key-123"}}"#);
        assert_eq!(e.to_string(), "openai returned 401 for model gpt-x: Incorrect API key provided: [redacted]");
        let e = api_error(who, 502, b"<html>bad gateway</html>");
        assert!(e.to_string().contains("502") && e.to_string().contains("bad gateway"));
    }
}
