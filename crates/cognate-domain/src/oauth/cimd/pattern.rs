//! A CIMD policy's URL patterns. AWS's model allows `https://` and URL characters
//! without a query or fragment; cognate also requires what keeps a pattern from
//! matching more than its owner meant: a host (no user info), an optional port, and a
//! path. `*` is the wildcard: in the host, only as the whole leftmost label of a name
//! with at least two more (`https://*.example.com/...`), where it matches one label;
//! in the path, anywhere, where it matches any characters within one segment (never
//! `/`). A metadata URL must be `https` with a host and a path, without user info,
//! query, fragment or `.`/`..` segments, to match anything.

/// Why `pattern` is not a valid URL pattern, in AWS's manner; None if it is.
pub(crate) fn pattern_problem(pattern: &str) -> Option<String> {
    let bad = |why: &str| Some(format!("URL pattern {pattern} is invalid: {why}."));
    let Some(rest) = pattern.strip_prefix("https://") else {
        return bad("it must start with https://");
    };
    let Some((authority, path)) = rest.split_once('/') else {
        return bad("it must have a path after the host");
    };
    if authority.contains('@') {
        return bad("it must not contain user information");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if port.is_some_and(|p| p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return bad("the port must be a number");
    }
    if host.is_empty() {
        return bad("it must name a host");
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return bad("the host has an empty label");
    }
    for (i, label) in labels.iter().enumerate() {
        if label.contains('*') && (i > 0 || *label != "*") {
            return bad("a wildcard in the host must be its whole leftmost label");
        }
    }
    if labels[0] == "*" && labels.len() < 3 {
        return bad("a wildcard host needs at least two labels after the wildcard");
    }
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return bad("the path must not have . or .. segments");
    }
    None
}

/// Whether `url` is shaped as a metadata URL: the only ones a pattern can match.
pub(crate) fn is_metadata_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let Some((authority, path)) = rest.split_once('/') else {
        return false;
    };
    !authority.is_empty()
        && !authority.contains('@')
        && url.len() <= 256
        && !url.contains(['?', '#', '\\'])
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && !path.is_empty()
        && !path.split('/').any(|s| {
            s == "."
                || s == ".."
                || s.eq_ignore_ascii_case("%2e")
                || s.eq_ignore_ascii_case("%2e%2e")
        })
}

/// Whether `url` (a metadata URL) matches `pattern` (a valid pattern). Host names
/// compare without regard to case; the rest exactly.
pub(crate) fn matches(pattern: &str, url: &str) -> bool {
    if !is_metadata_url(url) {
        return false;
    }
    let split = |s: &str| -> Option<(String, String)> {
        let rest = s.strip_prefix("https://")?;
        let (authority, path) = rest.split_once('/')?;
        Some((authority.to_ascii_lowercase(), path.to_string()))
    };
    let (Some((p_authority, p_path)), Some((u_authority, u_path))) = (split(pattern), split(url))
    else {
        return false;
    };
    glob(&p_authority, &u_authority, b'.', false) && glob(&p_path, &u_path, b'/', true)
}

/// `*` in `pattern` matches a run of bytes without `stop` (possibly empty where
/// `empty` says so); every other byte matches itself.
fn glob(pattern: &str, text: &str, stop: u8, empty: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // reach[j]: the pattern's prefix read so far matches text[..j].
    let mut reach = vec![false; t.len() + 1];
    reach[0] = true;
    for &pc in p {
        let mut next = vec![false; t.len() + 1];
        if pc == b'*' {
            for j in 0..=t.len() {
                if !reach[j] {
                    continue;
                }
                if empty {
                    next[j] = true;
                }
                let mut k = j;
                while k < t.len() && t[k] != stop {
                    k += 1;
                    next[k] = true;
                }
            }
        } else {
            for j in 0..t.len() {
                if reach[j] && t[j] == pc {
                    next[j + 1] = true;
                }
            }
        }
        reach = next;
    }
    reach[t.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_checked() {
        for ok in [
            "https://app.example.com/client.json",
            "https://*.example.com/clients/*",
            "https://127.0.0.1:8443/c/*.json",
        ] {
            assert_eq!(pattern_problem(ok), None, "{ok}");
        }
        for bad in [
            "http://app.example.com/client.json",
            "https://app.example.com",
            "https://*/client.json",
            "https://*.com/client.json",
            "https://a*.example.com/x",
            "https://app.*.com/x",
            "https://user@app.example.com/x",
            "https://app.example.com:x/y",
            "https://app.example.com/a/../b",
        ] {
            assert!(pattern_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn wildcards_stay_within_a_label_or_a_segment() {
        let p = "https://*.example.com/clients/*.json";
        assert!(matches(p, "https://a.example.com/clients/x.json"));
        assert!(matches(p, "https://A.Example.com/clients/x.json"));
        assert!(!matches(p, "https://a.b.example.com/clients/x.json"));
        assert!(!matches(p, "https://example.com/clients/x.json"));
        assert!(!matches(p, "https://a.example.com/clients/x/y.json"));
        assert!(!matches(p, "https://a.example.com/clients/x.json?q=1"));
        assert!(!matches(p, "https://a.example.com.evil.net/clients/x.json"));
        assert!(!matches(p, "https://u@a.example.com/clients/x.json"));
        assert!(matches(
            "https://h.example.com/c",
            "https://h.example.com/c"
        ));
        assert!(!matches(
            "https://h.example.com/c",
            "https://h.example.com/c2"
        ));
        assert!(!matches(
            "https://h.example.com/c/*",
            "https://h.example.com/c/.."
        ));
    }
}
