//! CORS: browser apps (Amplify, amazon-cognito-identity-js) call the API from any
//! origin with AWS's headers, so every origin and the headers they send are allowed,
//! and the headers they read (request id, error type) are exposed.

use crate::Body;
use hyper::header::{HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS};
use hyper::{Request, Response, StatusCode};

const ALLOW_HEADERS: &str = "content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, x-amz-content-sha256, authorization, amz-sdk-invocation-id, amz-sdk-request, cache-control";
const EXPOSE_HEADERS: &str = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date";

pub fn preflight<B>(req: &Request<B>) -> Response<Body> {
    let mut r = Response::new(Body::default());
    *r.status_mut() = StatusCode::OK;
    let headers = r.headers_mut();
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    let requested = req
        .headers()
        .get(ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(ALLOW_HEADERS));
    headers.insert("access-control-allow-headers", requested);
    headers.insert("access-control-max-age", HeaderValue::from_static("86400"));
    r
}

/// Adds the CORS headers every response carries.
pub fn decorate(r: &mut Response<Body>, origin: Option<&HeaderValue>) {
    let headers = r.headers_mut();
    match origin {
        Some(o) => {
            headers.insert("access-control-allow-origin", o.clone());
            headers.insert(
                "access-control-allow-credentials",
                HeaderValue::from_static("true"),
            );
            headers.insert("vary", HeaderValue::from_static("Origin"));
        }
        None => {
            headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        }
    }
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
}
