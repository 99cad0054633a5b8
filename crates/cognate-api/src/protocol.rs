//! The awsJson1_1 body: input parsing and output serialization.

use crate::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Parses a request body. An empty body is an empty object, as AWS's SDKs may send for
/// operations without required members; anything that is not JSON of the input's shape
/// is a `SerializationException`.
pub fn parse_input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    let first = serde_json::from_slice(body);
    // AWS takes `null` for a map entry as absent (browser SDKs send
    // `"DEVICE_KEY": null` in AuthParameters); so does a second reading without them.
    // Only a `null` where a value was expected is worth it: any other malformed body is
    // answered from the first reading, so a bad body is never parsed twice.
    let parsed = match first {
        Err(e) if e.is_data() && is_unexpected_null(&e) => {
            match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(mut value) => {
                    drop_null_members(&mut value);
                    serde_json::from_value(value).map_err(|_| e)
                }
                Err(_) => Err(e),
            }
        }
        other => other,
    };
    parsed.map_err(|e| {
        let detail = if e.is_data() {
            // Says what was expected, without echoing the value (it may be a secret).
            let text = e.to_string();
            let text = text.split(" at line").next().unwrap_or("");
            match text.split_once(", expected ") {
                Some((_, expected)) => format!("a member has the wrong type (expected {expected})"),
                None => "a member has the wrong type".to_string(),
            }
        } else {
            "the body is not valid JSON".to_string()
        };
        ApiError::new(
            ErrorCode::SerializationException,
            format!("Could not parse the request body: {detail}."),
        )
    })
}

/// serde_json's message for a `null` given where the type takes none.
fn is_unexpected_null(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("invalid type: null")
}

fn drop_null_members(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            members.values_mut().for_each(drop_null_members);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_null_members),
        _ => {}
    }
}

pub fn serialize_output<T: Serialize>(output: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(output)
        .map_err(|e| ApiError::internal(format!("could not serialize the response: {e}")))
}

/// The body of an operation's answer.
pub fn serialize_reply<T: Serialize>(reply: crate::Reply<T>) -> Result<Vec<u8>, ApiError> {
    match reply {
        crate::Reply::Output(output) => serialize_output(&output),
        crate::Reply::Json(json) => Ok(json.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Deserialize, Debug)]
    struct Input {
        #[serde(rename = "Map")]
        map: Option<BTreeMap<String, String>>,
        #[serde(rename = "Count")]
        _count: Option<i32>,
    }

    #[test]
    fn a_null_map_value_is_absent() {
        let input: Input = parse_input(br#"{"Map":{"A":"1","DEVICE_KEY":null}}"#).unwrap();
        assert_eq!(input.map.unwrap().len(), 1);
    }

    #[test]
    fn only_a_misplaced_null_is_read_twice() {
        let null = serde_json::from_slice::<Input>(br#"{"Map":{"A":null}}"#).unwrap_err();
        assert!(is_unexpected_null(&null));
        let wrong_type = serde_json::from_slice::<Input>(br#"{"Count":"many"}"#).unwrap_err();
        assert!(!is_unexpected_null(&wrong_type));
        let e = parse_input::<Input>(br#"{"Count":"many"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::SerializationException);
        assert!(!e.message.contains("many"));
    }
}
