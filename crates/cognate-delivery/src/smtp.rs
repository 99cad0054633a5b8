//! Email over SMTP (`--smtp-url`): `smtp://[user:pass@]host[:port]` (plain, port 25 by
//! default), `smtps://` for implicit TLS (port 465), `?starttls=required` (or
//! `opportunistic`) to upgrade a plain connection. From and Reply-To are the pool's
//! (`cognate_domain::EmailSender`); the body is sent as HTML when it holds markup, as
//! Cognito's messages may, and as plain text otherwise.

use crate::retry::Failure;
use cognate_domain::Outgoing;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use percent_encoding::percent_decode_str;
use std::fmt;

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// The server as the log names it (no credentials).
    server: String,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("server", &self.server)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Plain,
    StartTlsOpportunistic,
    StartTlsRequired,
    Implicit,
}

impl Smtp {
    /// The transport a `--smtp-url` describes. Errors name what is wrong, never the
    /// password.
    pub fn from_url(raw: &str) -> Result<Smtp, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("--smtp-url is not a URL: {e}"))?;
        let mut security = match url.scheme() {
            "smtp" => Security::Plain,
            "smtps" => Security::Implicit,
            other => {
                return Err(format!(
                    "--smtp-url must start with smtp:// or smtps://, not {other}://"
                ))
            }
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("starttls", "required") if security == Security::Plain => {
                    security = Security::StartTlsRequired
                }
                ("starttls", "opportunistic") if security == Security::Plain => {
                    security = Security::StartTlsOpportunistic
                }
                ("starttls", _) => return Err(
                    "--smtp-url: starttls is `required` or `opportunistic`, and only with smtp://"
                        .into(),
                ),
                (other, _) => return Err(format!("--smtp-url: unknown parameter {other}")),
            }
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("--smtp-url names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url.port().unwrap_or(match security {
            Security::Implicit => 465,
            _ => 25,
        });
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone()).port(port);
        if security != Security::Plain {
            let tls = TlsParameters::new(host.clone())
                .map_err(|e| format!("--smtp-url: cannot set up TLS for {host}: {e}"))?;
            builder = builder.tls(match security {
                Security::Implicit => Tls::Wrapper(tls),
                Security::StartTlsRequired => Tls::Required(tls),
                _ => Tls::Opportunistic(tls),
            });
        }
        if !url.username().is_empty() {
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            builder = builder.credentials(Credentials::new(
                decode(url.username()),
                decode(url.password().unwrap_or("")),
            ));
        }
        Ok(Smtp {
            transport: builder.build(),
            server: format!("{host}:{port}"),
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    pub(crate) async fn send(&self, outgoing: &Outgoing) -> Result<(), Failure> {
        let m = &outgoing.message;
        let sender = outgoing
            .sender
            .clone()
            .unwrap_or_else(|| cognate_domain::EmailSender::of(&Default::default()));
        let parse = |what: &str, address: &str| {
            address
                .parse()
                .map_err(|e| Failure::Permanent(format!("the {what} address is not valid: {e}")))
        };
        let mut email = lettre::Message::builder()
            .from(parse("From", &sender.from)?)
            .to(parse("recipient's", &m.destination)?)
            .subject(m.subject.clone().unwrap_or_default());
        if let Some(reply_to) = &sender.reply_to {
            email = email.reply_to(parse("Reply-To", reply_to)?);
        }
        let content_type = if looks_like_html(&m.body) {
            ContentType::TEXT_HTML
        } else {
            ContentType::TEXT_PLAIN
        };
        let email = email
            .header(content_type)
            .body(m.body.clone())
            .map_err(|e| Failure::Permanent(format!("cannot compose the email: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::Permanent(format!("{}: {e}", self.server))),
            Err(e) => Err(Failure::Transient(format!("{}: {e}", self.server))),
        }
    }
}

/// Whether a message body holds HTML markup (Cognito's templates may).
fn looks_like_html(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    [
        "<html", "<body", "<p>", "<p ", "<br", "<a ", "<div", "<b>", "<strong",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_and_bad_ones_refused_without_echoing_passwords() {
        assert_eq!(
            Smtp::from_url("smtp://127.0.0.1:2525").unwrap().server(),
            "127.0.0.1:2525"
        );
        assert_eq!(
            Smtp::from_url("smtp://mail.example.com").unwrap().server(),
            "mail.example.com:25"
        );
        assert_eq!(
            Smtp::from_url("smtps://mail.example.com").unwrap().server(),
            "mail.example.com:465"
        );
        assert!(Smtp::from_url("smtp://u:p@mail.example.com:587?starttls=required").is_ok());
        assert!(Smtp::from_url("smtp://mail.example.com:587?starttls=opportunistic").is_ok());
        for bad in [
            "http://mail.example.com",
            "smtp://mail.example.com?starttls=maybe",
            "smtps://mail.example.com?starttls=required",
            "smtp://mail.example.com?tls=1",
            "not a url",
            "smtp://user:s3cret@/",
        ] {
            let e = Smtp::from_url(bad).expect_err(bad);
            assert!(!e.contains("s3cret"), "{e}");
        }
    }

    #[test]
    fn html_bodies_are_recognised() {
        assert!(looks_like_html("Click <a href=\"x\">here</a>"));
        assert!(looks_like_html("<p>Your code is 123456</p>"));
        assert!(!looks_like_html("Your code is 123456. "));
        assert!(!looks_like_html("a < b and c > d"));
    }
}
