//! Query strings of GET requests (the control API, confirmation links).

use std::collections::HashMap;

/// The parameters of a query string, percent-decoded (the last of a repeated name wins).
pub fn parse(query: Option<&str>) -> HashMap<String, String> {
    query
        .map(|q| {
            q.split('&')
                .filter(|kv| !kv.is_empty())
                .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Percent-decoding of a query component (`+` is a space).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{decode, parse};

    #[test]
    fn query_components_are_percent_decoded() {
        assert_eq!(decode("a%40b.com"), "a@b.com");
        assert_eq!(decode("a+b"), "a b");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
        let q = parse(Some("user_name=a%40b.com&confirmation_code=123456&flag"));
        assert_eq!(q.get("user_name").map(String::as_str), Some("a@b.com"));
        assert_eq!(q.get("flag").map(String::as_str), Some(""));
    }
}
