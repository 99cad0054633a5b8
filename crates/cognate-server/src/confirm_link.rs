//! `GET /confirmUser?client_id=..&user_name=..&confirmation_code=..`: the link of a
//! CONFIRM_WITH_LINK verification email, as AWS's hosted domain serves it. Following it
//! confirms the user's sign-up (`Service::confirm_by_link`) and answers a small page.

use crate::query;
use crate::Body;
use bytes::Bytes;
use cognate_domain::Service;
use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};

pub const PATH: &str = "/confirmUser";

pub async fn handle(service: &Service, query: Option<&str>) -> Response<Body> {
    let q = query::parse(query);
    let get = |name: &str| q.get(name).map(String::as_str).unwrap_or("");
    let answer = service
        .confirm_by_link(get("client_id"), get("user_name"), get("confirmation_code"))
        .await;
    match answer {
        Ok(()) => page(
            StatusCode::OK,
            "Your registration has been confirmed!",
            "You can now sign in.",
        ),
        Err(e) => page(
            StatusCode::BAD_REQUEST,
            "Your registration could not be confirmed.",
            &e.message,
        ),
    }
}

/// `GET /authEventFeedback?user_pool_id=..&username=..&event_id=..&feedback_token=..&feedback_value=Valid|Invalid`:
/// the links of threat protection's notification email. Following one records the
/// user's feedback on the sign-in (UpdateAuthEventFeedback) and answers a small page.
pub async fn feedback(service: &Service, query: Option<&str>) -> Response<Body> {
    let q = query::parse(query);
    let get = |name: &str| q.get(name).map(String::as_str).unwrap_or("");
    let answer = service
        .feedback_by_token(
            get("user_pool_id"),
            get("username"),
            get("event_id"),
            get("feedback_token"),
            get("feedback_value"),
        )
        .await;
    match answer {
        Ok(()) => page(
            StatusCode::OK,
            "Thank you for your feedback.",
            "Your answer about this sign-in has been recorded.",
        ),
        Err(e) => page(
            StatusCode::BAD_REQUEST,
            "Your feedback could not be recorded.",
            &e.message,
        ),
    }
}

pub(crate) fn page(status: StatusCode, title: &str, detail: &str) -> Response<Body> {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1><p>{d}</p></body></html>\n",
        t = escape(title),
        d = escape(detail)
    );
    html_response(status, html)
}

/// An HTML answer that no cache keeps.
pub(crate) fn html_response(status: StatusCode, html: String) -> Response<Body> {
    let mut r = Response::new(Body::new(Bytes::from(html)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    r
}

/// HTML text escaping (error messages may quote what the link carried).
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
