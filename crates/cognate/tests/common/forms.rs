//! Browser-side helpers for the hosted pages' tests: URL and form encoding, a
//! redirect's query, cookies, hidden inputs, PKCE.

use super::HttpResponse;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::Digest as _;
use std::collections::HashMap;

pub const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The query parameters of a Location.
pub fn location_params(location: &str) -> HashMap<String, String> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), decode(v)))
        .collect()
}

pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8")
}

/// `name=value` of the Set-Cookie named `name`.
pub fn set_cookie(r: &HttpResponse, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap_or("").to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// The value of the hidden input `name` in a form.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').expect("end of value") + start;
    html[start..end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// Signs `user` in on the hosted login page for the authorize query `q` (its CSRF
/// cookie and token taken from the page): the form's answer, a redirect on success.
pub fn page_sign_in(server: &super::Server, q: &str, user: &str, password: &str) -> HttpResponse {
    let page = server.get(&format!("/login?{q}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let cookie = set_cookie(&page, "XSRF-TOKEN").expect("csrf cookie");
    let csrf = hidden(&page.body, "_csrf");
    server.request(
        "POST",
        &format!("/login?{q}"),
        &[FORM, ("Cookie", &cookie)],
        &query(&[("_csrf", &csrf), ("username", user), ("password", password)]),
    )
}
