//! Stored records and wire objects. Field names are the wire's (snake_case); unknown
//! fields in stored records are ignored and missing ones take defaults, so an older
//! record still reads.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Character limit of a block when the caller gives none.
pub const DEFAULT_BLOCK_LIMIT: u64 = 100_000;
/// Letta's default context window.
pub const DEFAULT_CONTEXT_WINDOW: u64 = 128_000;
/// Steps per request when the caller gives no `max_steps`.
pub const DEFAULT_MAX_STEPS: u32 = 50;
/// Default cap on one tool result, in characters.
pub const DEFAULT_RETURN_CHAR_LIMIT: u64 = 50_000;

fn is_false(b: &bool) -> bool {
    !*b
}

/// A memory block: labelled, size-limited text in every attached agent's context.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Block {
    pub id: String,
    pub label: String,
    pub value: String,
    pub limit: u64,
    pub description: Option<String>,
    pub read_only: bool,
    pub metadata: Map<String, Value>,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    pub is_template: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Creation time in ms, strictly increasing within an engine: the list order.
    pub created_ms: f64,
}

impl Default for Block {
    fn default() -> Self {
        Block {
            id: String::new(),
            label: String::new(),
            value: String::new(),
            limit: DEFAULT_BLOCK_LIMIT,
            description: None,
            read_only: false,
            metadata: Map::new(),
            tags: Vec::new(),
            hidden: None,
            is_template: false,
            template_name: None,
            project_id: None,
            created_at: String::new(),
            updated_at: String::new(),
            created_ms: 0.0,
        }
    }
}

/// The model an agent talks to, in Letta's `llm_config` shape.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LlmConfig {
    pub model: String,
    pub model_endpoint_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_endpoint: Option<String>,
    pub context_window: u64,
    pub handle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    pub parallel_tool_calls: bool,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig::from_handle("scripted/default")
    }
}

impl LlmConfig {
    /// `provider/model` → config. A handle without a slash is taken as a scripted model name.
    pub fn from_handle(handle: &str) -> Self {
        let (provider, model) = split_handle(handle);
        LlmConfig {
            model: model.to_string(),
            model_endpoint_type: provider.to_string(),
            model_endpoint: None,
            context_window: DEFAULT_CONTEXT_WINDOW,
            handle: format!("{provider}/{model}"),
            temperature: None,
            max_tokens: None,
            parallel_tool_calls: false,
        }
    }
}

/// Splits `provider/model`; the model part may itself contain slashes (`openrouter/a/b`).
pub fn split_handle(handle: &str) -> (&str, &str) {
    match handle.split_once('/') {
        Some((p, m)) => (p, m),
        None => ("scripted", handle),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct EmbeddingConfig {
    pub embedding_model: String,
    pub embedding_endpoint_type: String,
    pub embedding_dim: u64,
    pub handle: String,
    pub embedding_chunk_size: u64,
}

impl Default for EmbeddingConfig {
    fn default() -> Self {
        EmbeddingConfig::from_handle("scripted/embedding")
    }
}

impl EmbeddingConfig {
    pub fn from_handle(handle: &str) -> Self {
        let (provider, model) = split_handle(handle);
        let dim = match model {
            "text-embedding-3-large" => 3072,
            "text-embedding-ada-002" | "text-embedding-3-small" => 1536,
            m if m.contains("gemini") || m.contains("text-embedding-004") => 768,
            _ => 1536,
        };
        EmbeddingConfig {
            embedding_model: model.to_string(),
            embedding_endpoint_type: provider.to_string(),
            embedding_dim: dim,
            handle: format!("{provider}/{model}"),
            embedding_chunk_size: 300,
        }
    }
}

/// A reference to one message in an agent's context window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MsgRef {
    pub seq: u64,
    pub id: String,
}

/// An agent as stored. The wire `AgentState` is built from it plus its blocks and tools.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct AgentRecord {
    pub id: String,
    pub name: String,
    pub system: String,
    pub agent_type: String,
    pub description: Option<String>,
    pub metadata: Map<String, Value>,
    pub tags: Vec<String>,
    /// Attached blocks, in attachment order (the order they render in the prompt).
    pub block_ids: Vec<String>,
    /// Blocks created inline for this agent (`memory_blocks`); deleted with it when no
    /// other agent uses them.
    pub owned_block_ids: Vec<String>,
    pub tool_ids: Vec<String>,
    pub tool_rules: Vec<Value>,
    pub llm_config: LlmConfig,
    pub embedding_config: Option<EmbeddingConfig>,
    /// The context window: message 0 is the system message.
    pub context: Vec<MsgRef>,
    /// Sequence number of the next stored message (history order).
    pub next_seq: u64,
    pub timezone: String,
    pub message_buffer_autoclear: bool,
    pub created_at: String,
    pub updated_at: String,
    pub created_ms: f64,
    pub last_run_completion: Option<String>,
    pub last_stop_reason: Option<String>,
    pub project_id: Option<String>,
    pub hidden: Option<bool>,
}

/// A tool call as the model made it. `arguments` is JSON text, as providers send it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// The outcome of one tool call.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ToolReturn {
    pub tool_call_id: String,
    pub name: String,
    /// "success" or "error".
    pub status: String,
    /// The packaged result the model sees: `{"status": "OK"|"Failed", "message": ..., "time": ...}`.
    pub func_response: String,
    /// The bare result text (what `tool_return` shows on the wire).
    pub tool_return: String,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Default for ToolReturn {
    fn default() -> Self {
        ToolReturn {
            tool_call_id: String::new(),
            name: String::new(),
            status: "success".into(),
            func_response: String::new(),
            tool_return: String::new(),
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }
}

/// A stored message in an agent's history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct Message {
    pub id: String,
    pub agent_id: String,
    pub seq: u64,
    /// "system", "user", "assistant" or "tool".
    pub role: String,
    pub text: Option<String>,
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub tool_returns: Vec<ToolReturn>,
    pub name: Option<String>,
    pub sender_id: Option<String>,
    pub otid: Option<String>,
    pub run_id: Option<String>,
    pub step_id: Option<String>,
    pub created_at: f64,
    #[serde(skip_serializing_if = "is_false")]
    pub is_err: bool,
}

/// A tool definition as stored (custom tools) or built in (Letta's base tools).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Tool {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub tool_type: String,
    pub source_type: String,
    pub source_code: Option<String>,
    pub json_schema: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args_json_schema: Option<Value>,
    pub tags: Vec<String>,
    pub return_char_limit: u64,
    pub default_requires_approval: Option<bool>,
    pub enable_parallel_execution: Option<bool>,
    pub metadata_: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
    pub created_ms: f64,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            id: String::new(),
            name: String::new(),
            description: None,
            tool_type: "custom".into(),
            source_type: "javascript".into(),
            source_code: None,
            json_schema: Value::Null,
            args_json_schema: None,
            tags: Vec::new(),
            return_char_limit: DEFAULT_RETURN_CHAR_LIMIT,
            default_requires_approval: None,
            enable_parallel_execution: None,
            metadata_: Map::new(),
            created_at: String::new(),
            updated_at: String::new(),
            created_ms: 0.0,
        }
    }
}

/// Why a run stopped (`stop_reason` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    MaxSteps,
    ToolRule,
    Error,
    LlmApiError,
    InvalidLlmResponse,
    MaxTokensExceeded,
    /// The system prompt alone does not fit the context window.
    ContextWindowOverflowInSystemPrompt,
    Cancelled,
}

impl StopReason {
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::MaxSteps => "max_steps",
            StopReason::ToolRule => "tool_rule",
            StopReason::Error => "error",
            StopReason::LlmApiError => "llm_api_error",
            StopReason::InvalidLlmResponse => "invalid_llm_response",
            StopReason::MaxTokensExceeded => "max_tokens_exceeded",
            StopReason::ContextWindowOverflowInSystemPrompt => "context_window_overflow_in_system_prompt",
            StopReason::Cancelled => "cancelled",
        }
    }
    pub fn is_failure(self) -> bool {
        !matches!(self, StopReason::EndTurn | StopReason::MaxSteps | StopReason::ToolRule)
    }
}

/// Token counts summed over a run's LLM calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub step_count: u64,
    pub last_total: u64,
}

impl Usage {
    pub fn to_json(self) -> Value {
        serde_json::json!({
            "message_type": "usage_statistics",
            "completion_tokens": self.completion_tokens,
            "prompt_tokens": self.prompt_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "step_count": self.step_count,
            "run_ids": null,
            "cached_input_tokens": null,
            "cache_write_tokens": null,
            "reasoning_tokens": null,
            "context_tokens": self.last_total,
        })
    }
}
