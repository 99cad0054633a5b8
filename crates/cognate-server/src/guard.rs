//! Keeps the control API (`/_cognate/*`, `/moto-api/reset`) to the server's own origin.
//! It has no credentials, so a web page must not reach it: a request whose `Origin` is
//! not the server's own (any cross-site `fetch` or form post, even a "simple" text/plain
//! POST that needs no preflight) is refused, and so is one whose `Host` is not one of the
//! server's own names (a DNS-rebinding page reaches the server under its own host name).

use hyper::header::{HeaderMap, HOST, ORIGIN};
use std::net::SocketAddr;

/// The host names (`host:port`) and origins the server answers the control API to.
#[derive(Debug)]
pub struct OwnAddresses {
    hosts: Vec<String>,
    origins: Vec<String>,
}

impl OwnAddresses {
    /// From the listen address and the public URL: the listen address itself,
    /// `localhost`, `127.0.0.1` and `[::1]` on its port, and the public URL's host (with
    /// and without its scheme's default port).
    pub fn new(listen: SocketAddr, public_url: &str) -> OwnAddresses {
        let port = listen.port();
        let mut hosts = vec![
            listen.to_string(),
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ];
        if port == 80 {
            hosts.extend(["localhost", "127.0.0.1", "[::1]"].map(String::from));
        }
        let mut origins: Vec<String> = hosts.iter().map(|h| format!("http://{h}")).collect();
        let lower = public_url.trim().to_ascii_lowercase();
        if let Some((scheme, rest)) = lower.split_once("://") {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let authority = authority.rsplit('@').next().unwrap_or("");
            let default_port = match scheme {
                "https" => "443",
                _ => "80",
            };
            let has_port = authority
                .rsplit_once(':')
                .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if !authority.is_empty() {
                let mut names = vec![authority.to_string()];
                if !has_port {
                    names.push(format!("{authority}:{default_port}"));
                } else if let Some(bare) = authority.strip_suffix(&format!(":{default_port}")) {
                    names.push(bare.to_string());
                }
                for name in names {
                    origins.push(format!("{scheme}://{name}"));
                    hosts.push(name);
                }
            }
        }
        hosts.sort();
        hosts.dedup();
        origins.sort();
        origins.dedup();
        OwnAddresses { hosts, origins }
    }

    /// `Ok` for a request from the server's own origin (or from no browser at all) sent
    /// to one of its own host names; else why it is refused.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        let host = headers
            .get(HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        match host {
            Some(h) if self.hosts.contains(&h) => {}
            _ => {
                return Err("The control API answers only requests to the server's own host name.")
            }
        }
        if let Some(origin) = headers.get(ORIGIN) {
            let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
            if !self.origins.contains(&origin) {
                return Err("The control API does not answer requests from other origins.");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn own_names_pass_and_others_are_refused() {
        let own = OwnAddresses::new(
            "127.0.0.1:9229".parse().unwrap(),
            "https://idp.example.com/",
        );
        for host in [
            "127.0.0.1:9229",
            "localhost:9229",
            "LOCALHOST:9229",
            "[::1]:9229",
            "idp.example.com",
            "idp.example.com:443",
        ] {
            assert_eq!(own.check(&headers(host, None)), Ok(()), "{host}");
        }
        assert!(own
            .check(&headers("localhost:9229", Some("http://localhost:9229")))
            .is_ok());
        assert!(own
            .check(&headers("idp.example.com", Some("https://idp.example.com")))
            .is_ok());
        assert!(own.check(&headers("evil.example:9229", None)).is_err());
        assert!(own.check(&headers("localhost:9230", None)).is_err());
        assert!(own
            .check(&headers("localhost:9229", Some("http://evil.example")))
            .is_err());
        assert!(own.check(&headers("localhost:9229", Some("null"))).is_err());
        assert!(own.check(&HeaderMap::new()).is_err());
    }
}
