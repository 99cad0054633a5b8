//! Building responses.

use crate::Body;
use bytes::Bytes;
use cognate_api::ApiError;
use hyper::{Response, StatusCode};

pub const AMZ_JSON: &str = "application/x-amz-json-1.1";

pub fn json(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    r
}

/// AWS's error format: `x-amzn-ErrorType: <Code>` and `{"__type":"<Code>","message":"..."}`.
pub fn api_error(e: &ApiError) -> Response<Body> {
    let body = serde_json::json!({ "__type": e.code.as_str(), "message": e.message });
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = json(status, AMZ_JSON, body.to_string().into_bytes());
    r.headers_mut().insert(
        "x-amzn-ErrorType",
        hyper::header::HeaderValue::from_static(e.code.as_str()),
    );
    r
}

pub fn not_found() -> Response<Body> {
    json(
        StatusCode::NOT_FOUND,
        "application/json",
        br#"{"message":"Not found. The API is POST / with an X-Amz-Target header."}"#.to_vec(),
    )
}
