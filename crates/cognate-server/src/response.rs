//! Building responses.

use crate::Body;
use bytes::Bytes;
use cognate_api::ApiError;
use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};

pub const AMZ_JSON: &str = "application/x-amz-json-1.1";

pub fn json(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(Body::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    r
}

/// AWS's error format: `x-amzn-ErrorType: <Code>` and `{"__type":"<Code>","message":"..."}`.
pub fn api_error(e: &ApiError) -> Response<Body> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    aws_error(status, e.code.as_str(), &e.message)
}

/// An error in AWS's format with a code of the protocol rather than of the model
/// (authentication, throttling, limits).
pub fn aws_error(status: StatusCode, code: &'static str, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "__type": code, "message": message });
    let mut r = json(status, AMZ_JSON, body.to_string().into_bytes());
    r.headers_mut()
        .insert("x-amzn-ErrorType", HeaderValue::from_static(code));
    r
}

/// The same, answered on a connection that is then closed (the request's body was not
/// read to its end).
pub fn aws_error_closing(status: StatusCode, code: &'static str, message: &str) -> Response<Body> {
    let mut r = aws_error(status, code, message);
    r.headers_mut()
        .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// 503 with the model's throttling error, which the SDKs retry with backoff.
pub fn overloaded(message: &str) -> Response<Body> {
    aws_error_closing(
        StatusCode::SERVICE_UNAVAILABLE,
        "TooManyRequestsException",
        message,
    )
}

/// A control API request from a foreign origin or host.
pub fn forbidden(reason: &str) -> Response<Body> {
    json(
        StatusCode::FORBIDDEN,
        "application/json",
        serde_json::json!({ "message": reason })
            .to_string()
            .into_bytes(),
    )
}

pub fn not_found() -> Response<Body> {
    json(
        StatusCode::NOT_FOUND,
        "application/json",
        br#"{"message":"Not found. The API is POST / with an X-Amz-Target header."}"#.to_vec(),
    )
}
