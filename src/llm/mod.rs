//! Chat models: the request/response types the agent loop speaks, the [`ChatModel`]
//! trait providers implement, and the registry that resolves a `provider/model` handle.

use crate::model::ToolCall;
use crate::platform::BoxFut;
use serde::Serialize;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub mod anthropic;
pub mod assemble;
pub mod config;
pub mod embeddings;
pub mod gemini;
pub mod http;
pub mod openai;
pub mod scripted;
pub mod sse;
pub use embeddings::EmbeddingModel;
pub use scripted::{Scripted, ScriptedStats};

/// One message of a chat request, in a provider-neutral (OpenAI-like) shape.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatMessage {
    /// "system", "user", "assistant" or "tool".
    pub role: String,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        ChatMessage { role: role.into(), content: content.into(), name: None, tool_calls: vec![], tool_call_id: None }
    }
}

/// A tool offered to the model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ToolSchema {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

/// Everything one LLM call needs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatRequest {
    /// The agent's model handle, `provider/model`.
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSchema>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Which agent is asking (scripted programs route on it).
    pub agent_id: String,
    /// Step index within the run, from 0.
    pub step: u32,
}

/// What the model answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResponse {
    pub content: Option<String>,
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    /// "stop", "tool_calls", "length", ...
    pub finish_reason: Option<String>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// Why an LLM call failed. Never carries an API key.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmError {
    /// The provider answered with an error status.
    Api { provider: String, model: String, status: u16, message: String },
    /// The answer could not be understood.
    InvalidResponse(String),
    /// No model is configured for the handle.
    UnknownModel(String),
    /// The request could not be sent or the connection failed.
    Network(String),
}

impl std::fmt::Display for LlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LlmError::Api { provider, model, status, message } => {
                write!(f, "{provider} returned {status} for model {model}: {message}")
            }
            LlmError::InvalidResponse(m) => write!(f, "invalid LLM response: {m}"),
            LlmError::UnknownModel(h) => write!(
                f,
                "no model configured for handle '{h}': configure its provider (the part before '/') in the client's `providers` option"
            ),
            LlmError::Network(m) => write!(f, "network error: {m}"),
        }
    }
}

/// A piece of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    /// More answer text.
    Text(String),
    /// More reasoning text.
    Reasoning(String),
    /// A piece of the `index`-th tool call: its id and name arrive first, then the
    /// argument text in fragments.
    ToolCall { index: usize, id: Option<String>, name: Option<String>, arguments: String },
}

/// Receives deltas while a model streams.
pub trait DeltaSink {
    fn delta(&self, delta: Delta);
}

/// A chat model provider.
pub trait ChatModel {
    /// Answers `req`. With a `sink`, a provider that can stream does, and reports each
    /// delta as it arrives; either way the assembled answer is returned at the end.
    fn chat<'a>(&'a self, req: &'a ChatRequest, sink: Option<&'a dyn DeltaSink>) -> BoxFut<'a, Result<ChatResponse, LlmError>>;
}

/// Resolves model handles. `scripted/<name>` always resolves (an unprogrammed scripted
/// model answers with a deterministic echo); other providers are registered by the host.
pub struct Models {
    scripted: RefCell<HashMap<String, Rc<Scripted>>>,
    providers: RefCell<HashMap<String, Rc<dyn ChatModel>>>,
    /// Few entries: a list, not another map type in the wasm.
    embeddings: RefCell<Vec<(String, Rc<dyn EmbeddingModel>)>>,
    platform: Rc<dyn crate::platform::Platform>,
}

impl Models {
    pub fn new(platform: Rc<dyn crate::platform::Platform>) -> Self {
        Models { scripted: RefCell::default(), providers: RefCell::default(), embeddings: RefCell::default(), platform }
    }

    /// The scripted model `scripted/<name>`, created on first use.
    pub fn scripted(&self, name: &str) -> Rc<Scripted> {
        let mut map = self.scripted.borrow_mut();
        map.entry(name.to_string()).or_insert_with(|| Rc::new(Scripted::new(name, self.platform.clone()))).clone()
    }

    /// Registers a provider for every handle `provider/...`.
    pub fn register_provider(&self, provider: &str, model: Rc<dyn ChatModel>) {
        self.providers.borrow_mut().insert(provider.to_string(), model);
    }

    /// The model serving `handle`.
    pub fn resolve(&self, handle: &str) -> Result<Rc<dyn ChatModel>, LlmError> {
        let (provider, name) = crate::model::split_handle(handle);
        if provider == "scripted" {
            return Ok(self.scripted(name));
        }
        self.providers.borrow().get(provider).cloned().ok_or_else(|| LlmError::UnknownModel(handle.to_string()))
    }

    /// Registers an embedding model for every embedding handle `provider/...`.
    pub fn register_embedding(&self, provider: &str, model: Rc<dyn EmbeddingModel>) {
        let mut list = self.embeddings.borrow_mut();
        list.retain(|(p, _)| p != provider);
        list.push((provider.to_string(), model));
    }

    /// The embedding model serving `handle`; `scripted/...` always resolves (hash-based).
    pub fn resolve_embedding(&self, handle: &str) -> Result<Rc<dyn EmbeddingModel>, LlmError> {
        let (provider, _) = crate::model::split_handle(handle);
        if let Some((_, m)) = self.embeddings.borrow().iter().find(|(p, _)| p == provider) {
            return Ok(m.clone());
        }
        if provider == "scripted" {
            return Ok(Rc::new(embeddings::ScriptedEmbedder { dim: embeddings::SCRIPTED_DEFAULT_DIM }));
        }
        Err(LlmError::UnknownModel(handle.to_string()))
    }

    /// Embeds `texts` with the model of `handle`.
    pub async fn embed(&self, handle: &str, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        let model = self.resolve_embedding(handle)?;
        model.embed(handle, texts).await
    }
}

/// A rough token count (4 characters a token), used where a provider reports none.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// Estimated prompt tokens of a request.
pub fn estimate_request_tokens(req: &ChatRequest) -> u64 {
    let mut n = 0;
    for m in &req.messages {
        n += 4 + estimate_tokens(&m.content);
        for c in &m.tool_calls {
            n += estimate_tokens(&c.name) + estimate_tokens(&c.arguments);
        }
    }
    for t in &req.tools {
        n += estimate_tokens(&t.name) + estimate_tokens(&t.description) + estimate_tokens(&t.parameters.to_string());
    }
    n
}
