//! The one error type of the engine: an HTTP-like status plus a readable detail.
//!
//! Every failure that can reach a caller (bad input from JS, from a model, from storage)
//! becomes an [`ApiError`]; the doors turn it into the SDK's error classes.

use std::fmt;

/// An error with the status the Letta REST API would answer and a readable detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: u16, detail: impl Into<String>) -> Self {
        ApiError { status, detail: detail.into() }
    }
    /// 400: a well-formed request that breaks a rule (value over a block's limit, ...).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, detail)
    }
    /// 401: missing or wrong credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, detail)
    }
    /// 404: the addressed object does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, detail)
    }
    /// 409: the request conflicts with the current state (duplicate label, lost race).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(409, detail)
    }
    /// 422: the request body or parameters have the wrong shape.
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(422, detail)
    }
    /// 500: a failure inside the engine or its store.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(500, detail)
    }
    /// 503: the store could not be reached or refused the write.
    pub fn storage(detail: impl Into<String>) -> Self {
        Self::new(503, format!("storage error: {}", detail.into()))
    }

    /// The wire body: `{"detail": "..."}`.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "detail": self.detail })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.detail, self.status)
    }
}

impl std::error::Error for ApiError {}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::unprocessable(format!("invalid JSON: {e}"))
    }
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;
