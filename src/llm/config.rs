//! Provider configuration, from the engine options:
//!
//! ```json
//! { "providers": {
//!     "openai":    { "api_key": "sk-...", "base_url"?: "https://api.openai.com/v1" },
//!     "anthropic": { "api_key": "..." },
//!     "google_ai": { "api_key": "..." },
//!     "ollama":    { "kind": "openai", "base_url": "http://localhost:11434/v1" },
//!     "<name>":    { "kind": "openai" | "anthropic" | "google_ai", "base_url", "api_key"?,
//!                    "timeout_ms"?, "max_retries"? } },
//!   "timeout_ms"?: 60000, "max_retries"?: 2 }
//! ```
//!
//! Each provider serves the handles `<name>/<model>` (chat) and the same handles as
//! embedding models (OpenAI-compatible and Gemini kinds). Keys stay in memory.

use super::anthropic::Anthropic;
use super::embeddings::{GeminiEmbeddings, OpenAiEmbeddings};
use super::gemini::Gemini;
use super::http::{Endpoint, HttpTransport, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS};
use super::openai::OpenAi;
use super::Models;
use crate::platform::Platform;
use serde_json::Value;
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OpenAi,
    Anthropic,
    Google,
}

/// One provider's settings, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSettings {
    pub name: String,
    pub kind: Kind,
    pub base_url: String,
    pub api_key: Option<String>,
    pub timeout_ms: f64,
    pub max_retries: u32,
}

/// Base URLs of the providers that have a well-known one.
fn default_base_url(name: &str) -> Option<&'static str> {
    Some(match name {
        "openai" => "https://api.openai.com/v1",
        "anthropic" => "https://api.anthropic.com",
        "google_ai" | "gemini" => "https://generativelanguage.googleapis.com/v1beta",
        "ollama" => "http://localhost:11434/v1",
        "lmstudio" => "http://localhost:1234/v1",
        "vllm" => "http://localhost:8000/v1",
        "openrouter" => "https://openrouter.ai/api/v1",
        "groq" => "https://api.groq.com/openai/v1",
        _ => return None,
    })
}

fn kind_of(k: &str) -> Option<Kind> {
    match k {
        "openai" | "openai_compatible" | "ollama" | "lmstudio" | "vllm" | "openrouter" | "groq" => Some(Kind::OpenAi),
        "anthropic" => Some(Kind::Anthropic),
        "google_ai" | "google" | "gemini" => Some(Kind::Google),
        _ => None,
    }
}

/// Parses the engine options' `providers` (and the defaults `timeout_ms`, `max_retries`).
/// The key `scripted` is left to the scripted models.
pub fn parse(options: &Value) -> Result<Vec<ProviderSettings>, String> {
    let num = |v: &Value, k: &str, alt: &str| -> Result<Option<f64>, String> {
        match v.get(k).or_else(|| v.get(alt)) {
            None | Some(Value::Null) => Ok(None),
            Some(n) => n.as_f64().filter(|n| n.is_finite() && *n >= 0.0).map(Some).ok_or_else(|| format!("{k}: expected a number of at least 0")),
        }
    };
    let timeout = num(options, "timeout_ms", "timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS);
    let retries = num(options, "max_retries", "maxRetries")?.map(|n| n as u32).unwrap_or(DEFAULT_MAX_RETRIES);
    let providers = match options.get("providers") {
        None | Some(Value::Null) => return Ok(vec![]),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("providers: expected an object of provider settings by name".into()),
    };
    let mut out = Vec::new();
    for (name, p) in providers {
        if name == "scripted" {
            continue;
        }
        let at = |k: &str| format!("providers.{name}.{k}");
        if name.is_empty() || name.contains('/') {
            return Err(format!("providers: '{name}' is not a valid provider name (it is the part of a handle before '/')"));
        }
        if !p.is_object() {
            return Err(format!("providers.{name}: expected an object"));
        }
        let text = |k: &str, alt: &str| -> Result<Option<String>, String> {
            match p.get(k).or_else(|| p.get(alt)) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(_) => Err(format!("{}: expected a string", at(k))),
            }
        };
        let kind = match text("kind", "type")? {
            Some(k) => kind_of(&k).ok_or_else(|| format!("{}: '{k}' is not one of openai, anthropic, google_ai", at("kind")))?,
            None => kind_of(name).unwrap_or(Kind::OpenAi),
        };
        let base_url = match text("base_url", "baseUrl")?.or_else(|| default_base_url(name).map(str::to_string)) {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => return Err(format!("{}: required for provider '{name}' (e.g. \"http://localhost:11434/v1\")", at("base_url"))),
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://") || base_url.starts_with('/')) {
            return Err(format!("{}: '{base_url}' is not an http(s) URL", at("base_url")));
        }
        out.push(ProviderSettings {
            name: name.clone(),
            kind,
            base_url,
            api_key: text("api_key", "apiKey")?,
            timeout_ms: num(p, "timeout_ms", "timeoutMs").map_err(|e| format!("providers.{name}.{e}"))?.unwrap_or(timeout),
            max_retries: num(p, "max_retries", "maxRetries").map_err(|e| format!("providers.{name}.{e}"))?.map(|n| n as u32).unwrap_or(retries),
        });
    }
    Ok(out)
}

/// Registers every configured provider in `models` (chat and embeddings).
pub fn register(models: &Models, settings: &[ProviderSettings], transport: Rc<dyn HttpTransport>, platform: Rc<dyn Platform>) {
    for s in settings {
        let endpoint = || Endpoint {
            name: s.name.clone(),
            base_url: s.base_url.clone(),
            api_key: s.api_key.clone(),
            transport: transport.clone(),
            platform: platform.clone(),
            timeout_ms: s.timeout_ms.max(1.0),
            max_retries: s.max_retries.min(10),
        };
        match s.kind {
            Kind::OpenAi => {
                models.register_provider(&s.name, Rc::new(OpenAi::new(endpoint())));
                models.register_embedding(&s.name, Rc::new(OpenAiEmbeddings { endpoint: endpoint() }));
            }
            Kind::Anthropic => models.register_provider(&s.name, Rc::new(Anthropic { endpoint: endpoint() })),
            Kind::Google => {
                models.register_provider(&s.name, Rc::new(Gemini { endpoint: endpoint() }));
                models.register_embedding(&s.name, Rc::new(GeminiEmbeddings { endpoint: endpoint() }));
            }
        }
    }
}

/// Parses `options` and registers its providers: the one call a host makes (the wasm
/// `Engine` constructor with the `fetch` transport; native code with its own transport).
pub fn configure(models: &Models, options: &Value, transport: Rc<dyn HttpTransport>, platform: Rc<dyn Platform>) -> Result<(), String> {
    let settings = parse(options)?;
    register(models, &settings, transport, platform);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_providers() {
        let s = parse(&json!({
            "timeout_ms": 5000,
            "providers": {
                "openai": { "api_key": "sk-1" },
                "anthropic": { "apiKey": "a-1", "max_retries": 0 },
                "google_ai": { "api_key": "g-1", "base_url": "http://127.0.0.1:9/v1beta/" },
                "ollama": { "kind": "openai", "base_url": "http://localhost:11434/v1" },
                "scripted": {}
            }
        }))
        .unwrap_or_default();
        assert_eq!(s.len(), 4);
        let by = |n: &str| s.iter().find(|p| p.name == n).cloned();
        let openai = by("openai").unwrap_or_else(|| panic!("openai"));
        assert_eq!((openai.kind, openai.base_url.as_str(), openai.api_key.as_deref()), (Kind::OpenAi, "https://api.openai.com/v1", Some("sk-1")));
        assert_eq!((openai.timeout_ms, openai.max_retries), (5000.0, 2));
        let a = by("anthropic").unwrap_or_else(|| panic!("anthropic"));
        assert_eq!((a.kind, a.max_retries, a.api_key.as_deref()), (Kind::Anthropic, 0, Some("a-1")));
        assert_eq!(by("google_ai").map(|g| g.base_url), Some("http://127.0.0.1:9/v1beta".to_string()));
        assert_eq!(by("ollama").map(|o| (o.kind, o.api_key)), Some((Kind::OpenAi, None)));
    }

    #[test]
    fn bad_settings_are_errors() {
        for (opts, needle) in [
            (json!({ "providers": [] }), "providers: expected an object"),
            (json!({ "providers": { "mine": { "kind": "openai" } } }), "providers.mine.base_url: required"),
            (json!({ "providers": { "mine": { "kind": "cohere", "base_url": "http://x" } } }), "providers.mine.kind"),
            (json!({ "providers": { "openai": { "api_key": 5 } } }), "providers.openai.api_key: expected a string"),
            (json!({ "providers": { "x": { "base_url": "ftp://x" } } }), "not an http(s) URL"),
            (json!({ "providers": { "openai": { "timeout_ms": -1 } } }), "providers.openai.timeout_ms"),
        ] {
            let e = parse(&opts).err().unwrap_or_default();
            assert!(e.contains(needle), "{e}");
        }
    }
}
