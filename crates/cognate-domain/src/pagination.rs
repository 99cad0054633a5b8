//! Pagination tokens: the position to continue after, opaque to the client.

use crate::error::{invalid, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;

pub fn encode(position: &str) -> String {
    B64.encode(position.as_bytes())
}

pub fn decode(token: Option<&String>) -> Result<Option<String>> {
    match token {
        None => Ok(None),
        Some(t) => B64
            .decode(t.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Some)
            .ok_or_else(|| invalid("Invalid pagination token.")),
    }
}

/// A page size: `limit` if given and positive, else `default`.
pub fn limit(limit: Option<i32>, default: usize) -> usize {
    match limit {
        Some(n) if n > 0 => n as usize,
        _ => default,
    }
}
