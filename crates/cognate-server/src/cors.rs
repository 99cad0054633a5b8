//! CORS for the JSON API and discovery documents, as AWS's cognito-idp endpoint answers
//! browser SDKs (Amplify, amazon-cognito-identity-js): every origin may call it with
//! AWS's headers (`Access-Control-Allow-Origin: *`), and the headers the SDKs read
//! (request id, error type) are exposed. Credentials (cookies, HTTP authentication) are
//! never allowed: the API authenticates with tokens and signatures in the request, so a
//! page gains nothing from the browser's ambient credentials, and `*` forbids them.
//! The control API gets none of this (see `guard.rs`).

use crate::Body;
use hyper::header::{HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS};
use hyper::{Request, Response, StatusCode};

const ALLOW_HEADERS: &str = "content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, x-amz-content-sha256, authorization, amz-sdk-invocation-id, amz-sdk-request, cache-control";
const EXPOSE_HEADERS: &str = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date";

pub fn preflight<B>(req: &Request<B>) -> Response<Body> {
    preflight_allowing(req, "GET, POST, OPTIONS")
}

/// A preflight answer allowing `methods` (the upload URL of import jobs takes PUT).
pub fn preflight_allowing<B>(req: &Request<B>, methods: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::default());
    *r.status_mut() = StatusCode::OK;
    let headers = r.headers_mut();
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static(methods),
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

/// Adds the CORS headers every response of the API carries.
pub fn decorate(r: &mut Response<Body>) {
    let headers = r.headers_mut();
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-expose-headers",
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
}
