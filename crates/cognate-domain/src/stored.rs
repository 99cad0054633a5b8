//! JSON documents kept in the store's `doc` columns.

use crate::error::{internal, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn to_doc<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| internal(format!("cannot encode a document: {e}")))
}

pub fn from_doc<T: DeserializeOwned>(doc: &str) -> Result<T> {
    serde_json::from_str(doc).map_err(|e| internal(format!("cannot decode a stored document: {e}")))
}
