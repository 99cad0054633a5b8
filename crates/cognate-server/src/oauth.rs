//! The OAuth 2.0 endpoints at AWS's paths: `POST /oauth2/token`, `POST /oauth2/revoke`
//! and `GET|POST /oauth2/userInfo`. This side reads HTTP (the form, the `Authorization`
//! header, the Host's pool) and writes RFC 6749's JSON errors; what each endpoint does
//! is the domain's `oauth` area.

use crate::query;
use crate::Body;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use cognate_domain::oauth::{
    ClientCredentials, OAuthError, OAuthErrorCode, RevokeRequest, TokenRequest,
};
use cognate_domain::Service;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use std::collections::HashMap;
use std::time::Duration;

pub const TOKEN: &str = "/oauth2/token";
pub const REVOKE: &str = "/oauth2/revoke";
pub const USER_INFO: &str = "/oauth2/userInfo";

/// Forms here carry a few tokens: far below the API's limit.
const MAX_FORM: usize = 64 * 1024;

/// Whether `path` is one of the endpoints served here.
pub fn serves(path: &str) -> bool {
    matches!(path, TOKEN | REVOKE | USER_INFO)
}

pub async fn handle(
    service: &Service,
    req: Request<Incoming>,
    body_read_timeout: Duration,
) -> Response<Body> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("")
        .to_string();
    let host_pool = match service.pool_for_host(&host).await {
        Ok(pool) => pool,
        Err(_) => return error(&OAuthError::new(OAuthErrorCode::ServerError), false),
    };
    match (path.as_str(), &method) {
        (USER_INFO, &Method::GET | &Method::POST) => {
            let bearer = bearer(req.headers());
            match service
                .user_info(bearer.as_deref(), host_pool.as_deref())
                .await
            {
                Ok(info) => ok_json(info.to_string()),
                Err(e) => user_info_error(&e),
            }
        }
        (TOKEN | REVOKE, &Method::POST) => {
            let (parts, body) = req.into_parts();
            let basic_given = parts.headers.get(hyper::header::AUTHORIZATION).is_some();
            if !is_form(&parts.headers) {
                return error(&OAuthError::new(OAuthErrorCode::InvalidRequest), false);
            }
            let basic = match basic(&parts.headers) {
                Ok(b) => b,
                Err(e) => return error(&e, basic_given),
            };
            let form = match read_form(body, body_read_timeout).await {
                Ok(f) => f,
                Err(r) => return r,
            };
            let field = |name: &str| form.get(name).cloned();
            let credentials = ClientCredentials {
                basic,
                client_id: field("client_id"),
                client_secret: field("client_secret"),
            };
            if path == TOKEN {
                let request = TokenRequest {
                    grant_type: field("grant_type"),
                    scope: field("scope"),
                    refresh_token: field("refresh_token"),
                    code: field("code"),
                    redirect_uri: field("redirect_uri"),
                    code_verifier: field("code_verifier"),
                    subject_token: field("subject_token"),
                    subject_token_type: field("subject_token_type"),
                    actor_token: field("actor_token"),
                    actor_token_type: field("actor_token_type"),
                    audience: field("audience"),
                    resource: field("resource"),
                    requested_token_type: field("requested_token_type"),
                    credentials,
                    host_pool,
                };
                match service.token(request).await {
                    Ok(answer) => ok_json(answer.to_json().to_string()),
                    Err(e) => error(&e, basic_given),
                }
            } else {
                let request = RevokeRequest {
                    token: field("token"),
                    credentials,
                    host_pool,
                };
                match service.revoke_refresh_token(request).await {
                    Ok(()) => {
                        let mut r = Response::new(Body::new(Bytes::new()));
                        no_store(&mut r);
                        r
                    }
                    Err(e) => error(&e, basic_given),
                }
            }
        }
        _ => {
            let mut r = Response::new(Body::new(Bytes::new()));
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut().insert(
                hyper::header::ALLOW,
                HeaderValue::from_static(if path == USER_INFO {
                    "GET, POST"
                } else {
                    "POST"
                }),
            );
            r
        }
    }
}

/// `Content-Type: application/x-www-form-urlencoded` (parameters such as a charset
/// allowed), as AWS requires.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The client id and secret of an `Authorization: Basic` header: none without the
/// header, `invalid_client` when it is not Basic credentials (RFC 6749 §2.3.1: both
/// parts form-encoded, then joined by a colon and base64-encoded).
fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(hyper::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || OAuthError::new(OAuthErrorCode::InvalidClient);
    let value = value.to_str().map_err(|_| invalid())?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(invalid)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| invalid())?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
    Ok(Some((query::decode(id), query::decode(secret))))
}

/// The access token of an `Authorization: Bearer` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

async fn read_form(
    body: Incoming,
    timeout: Duration,
) -> Result<HashMap<String, String>, Response<Body>> {
    let collected = tokio::time::timeout(timeout, Limited::new(body, MAX_FORM).collect()).await;
    let bytes = match collected {
        Ok(Ok(b)) => b.to_bytes(),
        _ => {
            let mut r = error(&OAuthError::new(OAuthErrorCode::InvalidRequest), false);
            r.headers_mut()
                .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            return Err(r);
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    Ok(query::parse(Some(&text)))
}

fn no_store(r: &mut Response<Body>) {
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    r.headers_mut()
        .insert(hyper::header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn ok_json(body: String) -> Response<Body> {
    let mut r = crate::response::json(
        StatusCode::OK,
        "application/json;charset=UTF-8",
        body.into_bytes(),
    );
    no_store(&mut r);
    r
}

/// RFC 6749 §5.2: `{"error":"<code>"}` with its status; a client that authenticated
/// with the Authorization header and failed is told the scheme (RFC 6749 requires it).
fn error(e: &OAuthError, basic_used: bool) -> Response<Body> {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut body = serde_json::json!({ "error": e.code.as_str() });
    if let Some(description) = e.description {
        body["error_description"] = serde_json::Value::from(description);
    }
    let mut r = crate::response::json(
        status,
        "application/json;charset=UTF-8",
        body.to_string().into_bytes(),
    );
    no_store(&mut r);
    if e.code == OAuthErrorCode::InvalidClient && basic_used {
        r.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic"),
        );
    }
    r
}

/// userInfo's errors, as AWS documents them: the code and description in
/// `WWW-Authenticate` (and the body).
fn user_info_error(e: &OAuthError) -> Response<Body> {
    let mut r = error(e, false);
    let header = match e.description {
        Some(d) => format!("error=\"{}\", error_description=\"{d}\"", e.code.as_str()),
        None => format!("error=\"{}\"", e.code.as_str()),
    };
    if let Ok(v) = HeaderValue::from_str(&header) {
        r.headers_mut().insert(hyper::header::WWW_AUTHENTICATE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let h = headers(&[("authorization", "Basic YWJjOmQlM0FlZg==")]);
        assert_eq!(
            basic(&h).expect("basic"),
            Some(("abc".to_string(), "d:ef".to_string()))
        );
        for bad in ["Basic !!!", "Bearer x", "Basic", "Basic YWJj"] {
            let h = headers(&[("authorization", bad)]);
            assert_eq!(
                basic(&h).unwrap_err().code,
                OAuthErrorCode::InvalidClient,
                "{bad}"
            );
        }
        assert_eq!(basic(&HeaderMap::new()).expect("none"), None);
    }

    #[test]
    fn forms_are_recognised_with_parameters() {
        assert!(is_form(&headers(&[(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8"
        )])));
        assert!(!is_form(&headers(&[("content-type", "application/json")])));
        assert!(!is_form(&HeaderMap::new()));
    }
}
