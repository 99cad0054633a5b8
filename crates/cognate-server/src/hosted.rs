//! The browser-facing OAuth pages at AWS's paths: `GET /oauth2/authorize`,
//! `GET|POST /login` (a plain HTML form: `username`, `password`, hidden `_csrf`; the
//! next step's form for NEW_PASSWORD_REQUIRED and MFA codes) and `GET /logout`. This
//! side reads and writes HTTP (query, form, cookies, HTML, redirects); what is allowed
//! is the domain's `oauth` area.
//!
//! Cookies: the signed-in session is `cognito-<poolId>` (sealed, HttpOnly,
//! SameSite=Lax, Path=/, an hour; Secure when the public URL is https), so pools served
//! on one host keep separate sessions; `XSRF-TOKEN` is the pre-login cookie the form's
//! CSRF token is bound to.

use crate::confirm_link::{escape, page};
use crate::query;
use crate::Body;
use bytes::Bytes;
use cognate_domain::oauth::{
    AuthorizeParams, AuthorizeRefusal, LoginFailure, LoginStep, SESSION_SECONDS,
};
use cognate_domain::Service;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub const AUTHORIZE: &str = "/oauth2/authorize";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
const CSRF_COOKIE: &str = "XSRF-TOKEN";
const MAX_FORM: usize = 64 * 1024;

pub fn serves(path: &str) -> bool {
    matches!(path, AUTHORIZE | LOGIN | LOGOUT)
}

fn session_cookie_name(pool_id: &str) -> String {
    format!("cognito-{pool_id}")
}

pub async fn handle(
    service: &Service,
    req: Request<Incoming>,
    body_read_timeout: Duration,
) -> Response<Body> {
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let q = query::parse(Some(&raw_query));
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let host_pool = match service.pool_for_host(&host).await {
        Ok(p) => p,
        Err(_) => return error_page("An error was encountered with the requested page."),
    };
    let cookies = cookies(req.headers());
    let secure = service.config().public_url.starts_with("https://");
    match (path.as_str(), req.method()) {
        (AUTHORIZE, &Method::GET) => {
            let params = params(&q);
            let a = match service.check_authorize(&params, host_pool.as_deref()).await {
                Ok(a) => a,
                Err(r) => return refusal(&r),
            };
            if a.prompt.as_deref() != Some("login") {
                if let Some(cookie) = cookies.get(&session_cookie_name(&a.pool_id)) {
                    if let Some(session) = service.hosted_session(cookie, &a.pool_id).await {
                        return match service.issue_code(&a, &session).await {
                            Ok(location) => redirect(&location),
                            Err(r) => refusal(&r),
                        };
                    }
                }
            }
            if a.prompt.as_deref() == Some("none") {
                return refusal(&Service::login_required(&a));
            }
            redirect(&format!("{LOGIN}?{raw_query}"))
        }
        (LOGIN, &Method::GET) => {
            let params = params(&q);
            if let Err(r) = service.check_authorize(&params, host_pool.as_deref()).await {
                return refusal(&r);
            }
            let (pre_login, fresh) = match cookies.get(CSRF_COOKIE).filter(|c| !c.is_empty()) {
                Some(c) => (c.clone(), false),
                None => (uuid::Uuid::new_v4().simple().to_string(), true),
            };
            let csrf = service.csrf_token(&pre_login);
            let mut r = html(
                StatusCode::OK,
                login_form(&raw_query, &csrf, params.login_hint.as_deref(), None),
            );
            if fresh {
                set_cookie(&mut r, &csrf_cookie(&pre_login, secure));
            }
            r
        }
        (LOGIN, &Method::POST) => {
            let (_, body) = req.into_parts();
            let form = match read_form(body, body_read_timeout).await {
                Some(f) => f,
                None => return error_page("The form could not be read."),
            };
            let pre_login = cookies.get(CSRF_COOKIE).map(String::as_str);
            let token = form.get("_csrf").map(String::as_str);
            if !service.csrf_valid(pre_login, token) {
                let mut r = page(
                    StatusCode::FORBIDDEN,
                    "An error was encountered with the requested page.",
                    "Invalid or missing CSRF token. Open the sign-in page again.",
                );
                no_frames(&mut r);
                return r;
            }
            let csrf = token.unwrap_or_default().to_string();
            let params = params(&q);
            let a = match service.check_authorize(&params, host_pool.as_deref()).await {
                Ok(a) => a,
                Err(r) => return refusal(&r),
            };
            let field = |n: &str| form.get(n).cloned().unwrap_or_default();
            let username = field("username");
            let step = match (form.get("challenge"), form.get("session")) {
                (Some(challenge), Some(session)) => {
                    let mut answers = BTreeMap::from([("USERNAME".to_string(), username.clone())]);
                    match challenge.as_str() {
                        "NEW_PASSWORD_REQUIRED" => {
                            answers.insert("NEW_PASSWORD".into(), field("new_password"));
                        }
                        "SOFTWARE_TOKEN_MFA" => {
                            answers.insert("SOFTWARE_TOKEN_MFA_CODE".into(), field("code"));
                        }
                        "SMS_MFA" => {
                            answers.insert("SMS_MFA_CODE".into(), field("code"));
                        }
                        "EMAIL_OTP" => {
                            answers.insert("EMAIL_OTP_CODE".into(), field("code"));
                        }
                        _ => {}
                    }
                    service
                        .hosted_challenge(&a.client_id, challenge, session, answers)
                        .await
                }
                _ => {
                    service
                        .hosted_sign_in(&a.client_id, &username, &field("password"))
                        .await
                }
            };
            match step {
                Ok(LoginStep::SignedIn { session, cookie }) => {
                    let mut r = match service.issue_code(&a, &session).await {
                        Ok(location) => redirect(&location),
                        Err(r) => refusal(&r),
                    };
                    set_cookie(
                        &mut r,
                        &format!(
                            "{}={cookie}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
                            session_cookie_name(&a.pool_id),
                            SESSION_SECONDS as i64,
                            if secure { "; Secure" } else { "" }
                        ),
                    );
                    r
                }
                Ok(LoginStep::Challenge { name, session }) => html(
                    StatusCode::OK,
                    challenge_form(&raw_query, &csrf, &username, &name, &session),
                ),
                Err(LoginFailure(message)) => html(
                    StatusCode::OK,
                    login_form(&raw_query, &csrf, Some(&username), Some(&message)),
                ),
            }
        }
        (LOGOUT, &Method::GET) => {
            logout(service, &q, &raw_query, &cookies, host_pool, secure).await
        }
        _ => {
            let mut r = Response::new(Body::new(Bytes::new()));
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut().insert(
                hyper::header::ALLOW,
                HeaderValue::from_static(if path == LOGIN { "GET, POST" } else { "GET" }),
            );
            r
        }
    }
}

/// AWS's logout endpoint: `client_id` and `logout_uri` (one of the client's LogoutURLs)
/// end the session and go there; `client_id`, `redirect_uri` and `response_type` end it
/// and go to the sign-in page with those parameters.
async fn logout(
    service: &Service,
    q: &HashMap<String, String>,
    raw_query: &str,
    cookies: &HashMap<String, String>,
    host_pool: Option<String>,
    secure: bool,
) -> Response<Body> {
    let client_id = q.get("client_id").map(String::as_str);
    let (pool_id, location) = if let Some(logout_uri) = q.get("logout_uri") {
        match service
            .check_logout(client_id, logout_uri, host_pool.as_deref())
            .await
        {
            Ok(pool) => (pool, logout_uri.clone()),
            Err(r) => return refusal(&r),
        }
    } else {
        match service
            .check_authorize(&params(q), host_pool.as_deref())
            .await
        {
            Ok(a) => (a.pool_id, format!("{LOGIN}?{raw_query}")),
            Err(r) => return refusal(&r),
        }
    };
    let name = session_cookie_name(&pool_id);
    if let Some(cookie) = cookies.get(&name) {
        service.end_hosted_session(cookie).await;
    }
    let mut r = redirect(&location);
    set_cookie(
        &mut r,
        &format!(
            "{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
            if secure { "; Secure" } else { "" }
        ),
    );
    r
}

fn params(q: &HashMap<String, String>) -> AuthorizeParams {
    let f = |n: &str| q.get(n).cloned();
    AuthorizeParams {
        response_type: f("response_type"),
        client_id: f("client_id"),
        redirect_uri: f("redirect_uri"),
        state: f("state"),
        scope: f("scope"),
        code_challenge: f("code_challenge"),
        code_challenge_method: f("code_challenge_method"),
        nonce: f("nonce"),
        identity_provider: f("identity_provider"),
        idp_identifier: f("idp_identifier"),
        prompt: f("prompt"),
        login_hint: f("login_hint"),
    }
}

/// The request's cookies by name (the first of a repeated name wins).
fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for value in headers.get_all(hyper::header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for pair in value.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                out.entry(k.to_string()).or_insert_with(|| v.to_string());
            }
        }
    }
    out
}

fn csrf_cookie(value: &str, secure: bool) -> String {
    format!(
        "{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

fn set_cookie(r: &mut Response<Body>, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(hyper::header::SET_COOKIE, v);
    }
}

fn no_frames(r: &mut Response<Body>) {
    r.headers_mut()
        .insert("x-frame-options", HeaderValue::from_static("DENY"));
    r.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
}

fn redirect(location: &str) -> Response<Body> {
    let mut r = Response::new(Body::new(Bytes::new()));
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(hyper::header::LOCATION, v);
    }
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    r
}

fn error_page(detail: &str) -> Response<Body> {
    let mut r = page(
        StatusCode::BAD_REQUEST,
        "An error was encountered with the requested page.",
        detail,
    );
    no_frames(&mut r);
    r
}

fn refusal(r: &AuthorizeRefusal) -> Response<Body> {
    match (r, r.location()) {
        (_, Some(location)) => redirect(&location),
        (AuthorizeRefusal::Page(message), None) => error_page(message),
        _ => error_page("An error was encountered with the requested page."),
    }
}

fn html(status: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(Body::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    no_frames(&mut r);
    r
}

fn document(title: &str, inner: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1>\n{inner}</body></html>\n",
        t = escape(title)
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

fn action(raw_query: &str) -> String {
    escape(&format!("{LOGIN}?{raw_query}"))
}

fn login_form(raw_query: &str, csrf: &str, username: Option<&str>, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    document(
        "Sign in",
        &format!(
            "{error}<form method=\"post\" action=\"{a}\">\n{h}\
             <label>Username <input type=\"text\" name=\"username\" value=\"{u}\" autocomplete=\"username\" required></label>\n\
             <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label>\n\
             <button type=\"submit\" name=\"signInSubmitButton\">Sign in</button>\n</form>\n",
            a = action(raw_query),
            h = hidden("_csrf", csrf),
            u = escape(username.unwrap_or_default()),
        ),
    )
}

fn challenge_form(
    raw_query: &str,
    csrf: &str,
    username: &str,
    name: &str,
    session: &str,
) -> String {
    let (title, input) = match name {
        "NEW_PASSWORD_REQUIRED" => (
            "Change password",
            "<label>New password <input type=\"password\" name=\"new_password\" autocomplete=\"new-password\" required></label>\n",
        ),
        "SOFTWARE_TOKEN_MFA" | "SMS_MFA" | "EMAIL_OTP" => (
            "Enter your code",
            "<label>Code <input type=\"text\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required></label>\n",
        ),
        _ => (
            "This sign-in step is not supported by this page",
            "",
        ),
    };
    document(
        title,
        &format!(
            "<form method=\"post\" action=\"{a}\">\n{h}{u}{c}{s}{input}\
             <button type=\"submit\">Continue</button>\n</form>\n",
            a = action(raw_query),
            h = hidden("_csrf", csrf),
            u = hidden("username", username),
            c = hidden("challenge", name),
            s = hidden("session", session),
        ),
    )
}

async fn read_form(body: Incoming, timeout: Duration) -> Option<HashMap<String, String>> {
    let collected = tokio::time::timeout(timeout, Limited::new(body, MAX_FORM).collect())
        .await
        .ok()?
        .ok()?;
    let bytes = collected.to_bytes();
    Some(query::parse(Some(&String::from_utf8_lossy(&bytes))))
}
