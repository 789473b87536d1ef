//! Reading request bodies and query strings with clear 422 errors.

use crate::error::{ApiError, Result};
use serde_json::{Map, Value};

/// A JSON object body. Unknown fields are ignored, as Letta's server does; a field of
/// the wrong type is a 422 naming the field.
pub struct Body<'a> {
    pub map: &'a Map<String, Value>,
    pub ctx: &'static str,
}

pub fn as_object<'a>(v: &'a Value, ctx: &'static str) -> Result<Body<'a>> {
    match v {
        Value::Object(map) => Ok(Body { map, ctx }),
        other => Err(ApiError::unprocessable(format!("{ctx}: the body must be a JSON object, got {}", crate::tools::type_name(other)))),
    }
}

impl<'a> Body<'a> {
    fn wrong(&self, k: &str, want: &str, got: &Value) -> ApiError {
        ApiError::unprocessable(format!("{}.{k}: expected {want}, got {}", self.ctx, crate::tools::type_name(got)))
    }
    pub fn has(&self, k: &str) -> bool {
        self.map.get(k).is_some_and(|v| !v.is_null())
    }
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k).filter(|v| !v.is_null())
    }
    pub fn opt_str(&self, k: &str) -> Result<Option<String>> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.wrong(k, "a string", v)),
        }
    }
    pub fn req_str(&self, k: &str) -> Result<String> {
        self.opt_str(k)?.ok_or_else(|| ApiError::unprocessable(format!("{}.{k}: field required", self.ctx)))
    }
    pub fn opt_bool(&self, k: &str) -> Result<Option<bool>> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong(k, "a boolean", v)),
        }
    }
    pub fn opt_u64(&self, k: &str) -> Result<Option<u64>> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 9e15).map(|f| f as u64)) {
                Some(x) => Ok(Some(x)),
                None => Err(ApiError::unprocessable(format!("{}.{k}: expected a non-negative integer, got {n}", self.ctx))),
            },
            Some(v) => Err(self.wrong(k, "a non-negative integer", v)),
        }
    }
    pub fn opt_f64(&self, k: &str) -> Result<Option<f64>> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(v) => Err(self.wrong(k, "a number", v)),
        }
    }
    pub fn opt_object(&self, k: &str) -> Result<Option<Map<String, Value>>> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(v) => Err(self.wrong(k, "an object", v)),
        }
    }
    pub fn opt_str_list(&self, k: &str) -> Result<Option<Vec<String>>> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(ApiError::unprocessable(format!(
                        "{}.{k}[{i}]: expected a string, got {}",
                        self.ctx,
                        crate::tools::type_name(other)
                    ))),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(v) => Err(self.wrong(k, "a list of strings", v)),
        }
    }
    pub fn opt_array(&self, k: &str) -> Result<Option<&'a Vec<Value>>> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(self.wrong(k, "a list", v)),
        }
    }
}

/// Query parameters as ordered pairs (repeated keys are how lists travel).
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
    }
    /// Every value of `k` (also `k[]`, as some clients send lists).
    pub fn all(&self, k: &str) -> Vec<String> {
        let alt = format!("{k}[]");
        self.0.iter().filter(|(key, _)| key == k || *key == alt).map(|(_, v)| v.clone()).collect()
    }
    pub fn bool(&self, k: &str) -> Result<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(ApiError::unprocessable(format!("query.{k}: expected true or false, got '{v}'"))),
            },
        }
    }
    pub fn u64(&self, k: &str) -> Result<Option<u64>> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::unprocessable(format!("query.{k}: expected a non-negative integer, got '{v}'"))),
        }
    }
}

/// Cursor pagination over items already sorted oldest first: `order` (`asc`/`desc`, or the
/// 0.x `ascending` flag), then `after`/`before` (exclusive cursors in that order), then `limit`.
pub fn paginate<T>(
    mut items: Vec<T>,
    id_of: impl Fn(&T) -> &str,
    q: &Query,
    default_limit: u64,
    default_desc: bool,
) -> Result<Vec<T>> {
    let desc = match (q.get("order"), q.bool("ascending")?) {
        (Some("asc"), _) => false,
        (Some("desc"), _) => true,
        (Some(o), _) => return Err(ApiError::unprocessable(format!("query.order: expected 'asc' or 'desc', got '{o}'"))),
        (None, Some(asc)) => !asc,
        (None, None) => default_desc,
    };
    if desc {
        items.reverse();
    }
    let find = |items: &[T], cursor: &str| -> Result<usize> {
        items
            .iter()
            .position(|t| id_of(t) == cursor)
            .ok_or_else(|| ApiError::not_found(format!("No item found with id '{cursor}' (pagination cursor)")))
    };
    if let Some(after) = q.get("after").filter(|s| !s.is_empty()) {
        let i = find(&items, after)?;
        items.drain(..=i);
    }
    if let Some(before) = q.get("before").filter(|s| !s.is_empty()) {
        let i = find(&items, before)?;
        items.truncate(i);
        // With only `before`, the page is the items just before the cursor.
        let limit = q.u64("limit")?.unwrap_or(default_limit) as usize;
        if items.len() > limit {
            items.drain(..items.len() - limit);
        }
        return Ok(items);
    }
    let limit = q.u64("limit")?.unwrap_or(default_limit) as usize;
    items.truncate(limit);
    Ok(items)
}
