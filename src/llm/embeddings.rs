//! Embedding models, by embedding handle (`openai/text-embedding-3-small`,
//! `google_ai/text-embedding-004`, `ollama/nomic-embed-text`, `scripted/<name>`): OpenAI's
//! `/embeddings` (and every compatible server), Gemini's `batchEmbedContents`, and a
//! deterministic scripted embedder for tests.

use super::assemble::{invalid, parse_json};
use super::gemini::model_path;
use super::http::{Endpoint, Who};
use super::LlmError;
use crate::model::split_handle;
use crate::platform::BoxFut;
use serde_json::{json, Value};

/// Turns texts into vectors, one per text, in order.
pub trait EmbeddingModel {
    /// `handle` is the embedding handle (`provider/model`).
    fn embed<'a>(&'a self, handle: &'a str, texts: &'a [String]) -> BoxFut<'a, Result<Vec<Vec<f32>>, LlmError>>;
}

/// OpenAI-compatible `POST {base}/embeddings`.
pub struct OpenAiEmbeddings {
    pub endpoint: Endpoint,
}

/// Gemini `POST {base}/models/{model}:batchEmbedContents`.
pub struct GeminiEmbeddings {
    pub endpoint: Endpoint,
}

fn vector(who: Who<'_>, v: Option<&Value>) -> Result<Vec<f32>, LlmError> {
    let items = v.and_then(Value::as_array).ok_or_else(|| invalid(who, "an embedding is not a list of numbers"))?;
    items.iter().map(|x| x.as_f64().map(|f| f as f32).ok_or_else(|| invalid(who, "an embedding holds a value that is not a number"))).collect()
}

fn check_count(who: Who<'_>, got: usize, want: usize) -> Result<(), LlmError> {
    if got == want {
        Ok(())
    } else {
        Err(invalid(who, &format!("asked for {want} embeddings, got {got}")))
    }
}

/// An embedding API's wire format (one async driver serves them all).
trait EmbedWire {
    fn endpoint(&self) -> &Endpoint;
    /// `(path, headers, body)`.
    fn build(&self, model: &str, texts: &[String]) -> (String, Vec<(String, String)>, Value);
    fn parse(&self, who: Who<'_>, v: &Value, n: usize) -> Result<Vec<Vec<f32>>, LlmError>;
}

async fn embed_with(w: &dyn EmbedWire, handle: &str, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
    if texts.is_empty() {
        return Ok(vec![]);
    }
    let model = split_handle(handle).1;
    let ep = w.endpoint();
    let who = ep.who(model);
    let (path, headers, body) = w.build(model, texts);
    let (_, bytes) = ep.send(&ep.post(&path, headers, &body), who, true).await?;
    w.parse(who, &parse_json(who, &bytes)?, texts.len())
}

fn header(key: &Option<String>, name: &str, prefix: &str) -> Vec<(String, String)> {
    key.iter().map(|k| (name.to_string(), format!("{prefix}{k}"))).collect()
}

impl EmbedWire for OpenAiEmbeddings {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    fn build(&self, model: &str, texts: &[String]) -> (String, Vec<(String, String)>, Value) {
        let headers = header(&self.endpoint.api_key, "authorization", "Bearer ");
        ("/embeddings".into(), headers, json!({ "model": model, "input": texts }))
    }
    fn parse(&self, who: Who<'_>, v: &Value, n: usize) -> Result<Vec<Vec<f32>>, LlmError> {
        let data = v.get("data").and_then(Value::as_array).ok_or_else(|| invalid(who, "the answer has no 'data' list"))?;
        check_count(who, data.len(), n)?;
        let mut out = vec![Vec::new(); n];
        for (i, d) in data.iter().enumerate() {
            let at = d.get("index").and_then(Value::as_u64).map(|n| n as usize).unwrap_or(i);
            let slot = out.get_mut(at).ok_or_else(|| invalid(who, "an embedding index is out of range"))?;
            *slot = vector(who, d.get("embedding"))?;
        }
        Ok(out)
    }
}

impl EmbeddingModel for OpenAiEmbeddings {
    fn embed<'a>(&'a self, handle: &'a str, texts: &'a [String]) -> BoxFut<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(embed_with(self, handle, texts))
    }
}

impl EmbedWire for GeminiEmbeddings {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    fn build(&self, model: &str, texts: &[String]) -> (String, Vec<(String, String)>, Value) {
        let path = model_path(model);
        let requests: Vec<Value> = texts.iter().map(|t| json!({ "model": path, "content": { "parts": [{ "text": t }] } })).collect();
        let headers = header(&self.endpoint.api_key, "x-goog-api-key", "");
        (format!("/{path}:batchEmbedContents"), headers, json!({ "requests": requests }))
    }
    fn parse(&self, who: Who<'_>, v: &Value, n: usize) -> Result<Vec<Vec<f32>>, LlmError> {
        let list = v.get("embeddings").and_then(Value::as_array).ok_or_else(|| invalid(who, "the answer has no 'embeddings' list"))?;
        check_count(who, list.len(), n)?;
        list.iter().map(|e| vector(who, e.get("values"))).collect()
    }
}

impl EmbeddingModel for GeminiEmbeddings {
    fn embed<'a>(&'a self, handle: &'a str, texts: &'a [String]) -> BoxFut<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(embed_with(self, handle, texts))
    }
}

/// A deterministic, offline embedder: each word (lowercased letters and digits) and each
/// pair of adjacent words hashes (FNV-1a) to a signed slot; the vector is normalised to
/// length 1. Texts sharing words are close. The dimension comes from a trailing number in
/// the handle (`scripted/hash-256`: 256), else [`ScriptedEmbedder::dim`].
pub struct ScriptedEmbedder {
    pub dim: usize,
}

pub const SCRIPTED_DEFAULT_DIM: usize = 64;

impl ScriptedEmbedder {
    /// The dimension for `handle`.
    pub fn dim_for(&self, handle: &str) -> usize {
        let digits: String = handle.chars().rev().take_while(char::is_ascii_digit).collect::<Vec<_>>().into_iter().rev().collect();
        digits.parse::<usize>().ok().filter(|d| (1..=8192).contains(d)).unwrap_or(self.dim.clamp(1, 8192))
    }

    /// The embedding of one text.
    pub fn vector(text: &str, dim: usize) -> Vec<f32> {
        let mut v = vec![0f32; dim.max(1)];
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut add = |s: &str, weight: f32| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in s.bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x100_0000_01b3);
            }
            let slot = (h % v.len() as u64) as usize;
            v[slot] += if h >> 63 == 0 { weight } else { -weight };
        };
        for w in &words {
            add(w, 1.0);
        }
        for pair in words.windows(2) {
            add(&format!("{} {}", pair[0], pair[1]), 0.5);
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        } else {
            v[0] = 1.0;
        }
        v
    }
}

impl EmbeddingModel for ScriptedEmbedder {
    fn embed<'a>(&'a self, handle: &'a str, texts: &'a [String]) -> BoxFut<'a, Result<Vec<Vec<f32>>, LlmError>> {
        let dim = self.dim_for(handle);
        Box::pin(std::future::ready(Ok(texts.iter().map(|t| Self::vector(t, dim)).collect())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn scripted_vectors_are_deterministic_normalised_and_similar_for_similar_texts() {
        let e = ScriptedEmbedder { dim: SCRIPTED_DEFAULT_DIM };
        assert_eq!(e.dim_for("scripted/hash-256"), 256);
        assert_eq!(e.dim_for("scripted/default"), 64);
        let a = ScriptedEmbedder::vector("The cat sat on the mat", 128);
        let b = ScriptedEmbedder::vector("the cat sat on a mat", 128);
        let c = ScriptedEmbedder::vector("Quarterly revenue grew eleven percent", 128);
        assert_eq!(a, ScriptedEmbedder::vector("The cat sat on the mat", 128));
        assert!((cos(&a, &a) - 1.0).abs() < 1e-5);
        assert!(cos(&a, &b) > cos(&a, &c) + 0.3, "{} vs {}", cos(&a, &b), cos(&a, &c));
        let empty = ScriptedEmbedder::vector("", 8);
        assert!((cos(&empty, &empty) - 1.0).abs() < 1e-6);
    }
}
