//! The PostgreSQL connection's TLS, chosen by the URL's `sslmode` as libpq names it:
//!
//! * absent or `disable`: plain TCP, as before. (libpq's default is `prefer`; cognate
//!   does not try TLS unasked, because opportunistic TLS that silently falls back to
//!   plain protects nothing against an active attacker: ask for `require`.)
//! * `prefer`: TLS if the server offers it, plain if it does not.
//! * `require`, `verify-ca`, `verify-full`: TLS or no connection.
//!
//! Whenever TLS is used the server's certificate is verified, chain and host name (so
//! `require` and `verify-ca` are as strict as `verify-full`, unlike libpq's, which only
//! encrypt): against the system's trusted roots, or only against the PEM certificates of
//! `sslrootcert=<path>` when given (a private CA). TLS is rustls on aws-lc-rs.

use crate::StoreError;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_postgres::Socket;

/// What to connect to, and how.
pub(crate) struct Target {
    pub config: tokio_postgres::Config,
    /// None: plain TCP.
    pub tls: Option<MakeRustls>,
}

/// Parses a PostgreSQL URL (`postgres://…?sslmode=require`) or key=value string
/// (`host=… sslmode=require`), taking out the TLS options the driver does not know.
pub(crate) fn parse(url: &str) -> Result<Target, StoreError> {
    let (rest, options) = take_options(url, &["sslmode", "sslrootcert"]);
    let mut config: tokio_postgres::Config = rest
        .parse()
        .map_err(|e| StoreError::other(format!("invalid database URL: {e}")))?;
    let mode = match options.get("sslmode").map(String::as_str) {
        None | Some("disable") => tokio_postgres::config::SslMode::Disable,
        Some("prefer") => tokio_postgres::config::SslMode::Prefer,
        Some("require" | "verify-ca" | "verify-full") => tokio_postgres::config::SslMode::Require,
        Some(other) => {
            return Err(StoreError::other(format!(
                "sslmode={other} is not supported: use disable, prefer, require, verify-ca or verify-full"
            )))
        }
    };
    config.ssl_mode(mode);
    let tls = match mode {
        tokio_postgres::config::SslMode::Disable => None,
        _ => Some(MakeRustls::new(
            options.get("sslrootcert").map(std::path::Path::new),
        )?),
    };
    Ok(Target { config, tls })
}

/// `url` without the options named in `names`, and their (decoded) values.
fn take_options(url: &str, names: &[&str]) -> (String, std::collections::HashMap<String, String>) {
    let mut taken = std::collections::HashMap::new();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), taken);
        };
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if names.contains(&k) {
                    taken.insert(k.to_string(), percent_decode(v));
                    false
                } else {
                    true
                }
            })
            .collect();
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, taken)
    } else {
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let k = k.trim();
                if names.contains(&k) {
                    taken.insert(k.to_string(), v.trim_matches('\'').to_string());
                    false
                } else {
                    true
                }
            })
            .collect();
        (kept.join(" "), taken)
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Makes rustls connections for the driver (`postgres`'s `MakeTlsConnect`).
#[derive(Clone)]
pub(crate) struct MakeRustls {
    config: Arc<rustls::ClientConfig>,
}

impl MakeRustls {
    fn new(root_cert: Option<&std::path::Path>) -> Result<Self, StoreError> {
        let mut roots = rustls::RootCertStore::empty();
        match root_cert {
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                    StoreError::other(format!("sslrootcert {}: {e}", path.display()))
                })?;
                for cert in certs {
                    let cert = cert.map_err(|e| {
                        StoreError::other(format!("sslrootcert {}: {e}", path.display()))
                    })?;
                    roots.add(cert).map_err(|e| {
                        StoreError::other(format!("sslrootcert {}: {e}", path.display()))
                    })?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    // A system certificate rustls cannot use is skipped, as browsers do.
                    let _ = roots.add(cert);
                }
            }
        }
        if roots.is_empty() {
            return Err(StoreError::other(
                "TLS to PostgreSQL needs trusted root certificates: none were found (give sslrootcert=<path to PEM>)",
            ));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::other(format!("TLS configuration: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(MakeRustls {
            config: Arc::new(config),
        })
    }
}

impl MakeTlsConnect<Socket> for MakeRustls {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, io::Error> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnect {
            config: self.config.clone(),
            name,
        })
    }
}

pub(crate) struct RustlsConnect {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let stream = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await?;
            Ok(RustlsStream(stream))
        })
    }
}

pub(crate) struct RustlsStream(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for RustlsStream {
    /// No channel binding: SCRAM authenticates without it (libpq's
    /// `channel_binding=prefer` against a client that offers none).
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::config::SslMode;

    #[test]
    fn without_sslmode_or_with_disable_the_connection_is_plain() {
        for url in [
            "postgres://u@db.example:5432/d",
            "postgres://u@db.example/d?sslmode=disable",
            "postgres://u@db.example/d?options=-csearch_path%3Dx",
            "host=db.example user=u sslmode=disable",
        ] {
            let t = parse(url).expect(url);
            assert_eq!(t.config.get_ssl_mode(), SslMode::Disable, "{url}");
            assert!(t.tls.is_none(), "{url}");
        }
    }

    #[test]
    fn sslmode_require_and_verify_full_require_tls() {
        for url in [
            "postgres://u@db.example/d?sslmode=require",
            "postgresql://u@db.example/d?options=-csearch_path%3Dx&sslmode=verify-full",
            "postgres://u@db.example/d?sslmode=verify-ca&application_name=c",
            "host=db.example user=u sslmode=verify-full",
        ] {
            let t = parse(url).expect(url);
            assert_eq!(t.config.get_ssl_mode(), SslMode::Require, "{url}");
            assert!(t.tls.is_some(), "{url}");
        }
        let t = parse("postgres://u@db.example/d?sslmode=prefer").expect("prefer");
        assert_eq!(t.config.get_ssl_mode(), SslMode::Prefer);
        assert!(t.tls.is_some());
    }

    #[test]
    fn other_options_survive_and_bad_ones_are_refused() {
        let (rest, taken) = take_options(
            "postgres://u@h/d?options=-csearch_path%3Dx&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=c",
            &["sslmode", "sslrootcert"],
        );
        assert_eq!(
            rest,
            "postgres://u@h/d?options=-csearch_path%3Dx&application_name=c"
        );
        assert_eq!(taken["sslmode"], "verify-full");
        assert_eq!(taken["sslrootcert"], "/etc/ca.pem");
        let t = parse("postgres://u@h/d?options=-csearch_path%3Dx&sslmode=disable").expect("parse");
        assert_eq!(t.config.get_options(), Some("-csearch_path=x"));
        assert!(parse("postgres://u@h/d?sslmode=allow").is_err());
        assert!(parse("postgres://u@h/d?sslmode=require&sslrootcert=/nonexistent.pem").is_err());
    }

    /// `sslmode=require` makes the connection TLS: against a server without TLS it fails
    /// saying so, against one whose certificate is not trusted for the host it fails
    /// naming the certificate, and when it connects the session is encrypted.
    /// `sslmode=disable` and no sslmode connect in plain.
    #[test]
    #[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
    fn sslmode_require_makes_the_connection_tls_and_disable_keeps_it_plain() {
        let url = std::env::var("COGNATE_TEST_DATABASE_URL")
            .expect("COGNATE_TEST_DATABASE_URL must be set to run the PostgreSQL tests");
        let with = |mode: &str| {
            if mode.is_empty() {
                return url.clone();
            }
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}sslmode={mode}")
        };
        // Whether the session is encrypted, or why it could not be opened.
        let encrypted = |url: &str| -> Result<bool, StoreError> {
            let target = parse(url)?;
            let mut client = crate::postgres_backend::PgClient::connect(&target)?;
            let rows = client.query(
                "SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
                &[],
            )?;
            Ok(rows.first().is_some_and(|row| row.get::<_, bool>(0)))
        };
        match encrypted(&with("require")) {
            Ok(tls) => assert!(tls, "sslmode=require connected in plain"),
            Err(e) => assert!(
                e.message.contains("server does not support TLS")
                    || e.message.contains("invalid peer certificate"),
                "{e}"
            ),
        }
        assert!(!encrypted(&with("disable")).expect("sslmode=disable connects"));
        assert!(!encrypted(&with("")).expect("no sslmode connects"));
    }
}
