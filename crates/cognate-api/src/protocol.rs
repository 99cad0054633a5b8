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
    let parsed = match first {
        Err(e) if e.is_data() => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut value) => {
                drop_null_members(&mut value);
                serde_json::from_value(value).map_err(|_| e)
            }
            Err(_) => Err(e),
        },
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
