//! letta-wasm: stateful multi-agent LLM teams with Letta's API, with no server.
//!
//! The engine (this crate's core) implements the Letta V1 REST contract in-process:
//! memory blocks shared between agents, the agent loop over an LLM with tools, and the
//! resources around them, over an async [`store::Store`] and pluggable [`llm::ChatModel`]s.
//! It builds and tests natively; the `wasm` module binds it for JavaScript.

pub mod agent;
pub mod archival;
pub mod engine;
pub mod error;
pub mod letta_message;
pub mod llm;
pub mod memory;
pub mod model;
pub mod params;
pub mod platform;
pub mod router;
pub mod store;
pub mod sync;
pub mod team;
pub mod tools;
pub mod util;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use engine::{Engine, EngineOptions, ToolHost};
pub use error::ApiError;
