//! Signing the requests cognate makes to AWS APIs (the Lambda Invoke API, KMS) with
//! Signature Version 4: an access key, the service and the region in the credential
//! scope, the headers named in `SignedHeaders` (always `host` and `x-amz-date`) and the
//! body's SHA-256.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// An access key, `KEY_ID:SECRET`.
pub(crate) struct Credentials {
    key_id: String,
    secret: String,
}

impl Credentials {
    /// `text` as given with `flag`; without one, the fixed test key that SAM local,
    /// LocalStack and moto accept.
    pub(crate) fn parse(flag: &str, text: Option<&str>) -> Result<Credentials, String> {
        let (key_id, secret) = match text {
            Some(c) => c
                .split_once(':')
                .ok_or_else(|| format!("{flag} must be KEY_ID:SECRET"))?,
            None => ("test", "test"),
        };
        Ok(Credentials {
            key_id: key_id.to_string(),
            secret: secret.to_string(),
        })
    }
}

/// A request to sign.
pub(crate) struct Unsigned<'a> {
    pub method: &'a str,
    /// The path as sent: each segment already escaped once.
    pub path: &'a str,
    pub host: &'a str,
    /// Headers to sign besides `host` and `x-amz-date`, with lowercase names.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// What a signed request adds: the `x-amz-date` and `authorization` headers.
pub(crate) struct Signature {
    pub amz_date: String,
    pub authorization: String,
}

impl Credentials {
    pub(crate) fn sign(&self, service: &str, region: &str, request: &Unsigned<'_>) -> Signature {
        let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        self.sign_at(&now, service, region, request)
    }

    /// `sign` at `amz_date` (`YYYYMMDDTHHMMSSZ`).
    fn sign_at(
        &self,
        amz_date: &str,
        service: &str,
        region: &str,
        request: &Unsigned<'_>,
    ) -> Signature {
        let date = &amz_date[..8];
        let mut headers: Vec<(&str, &str)> = request.headers.to_vec();
        headers.push(("host", request.host));
        headers.push(("x-amz-date", amz_date));
        headers.sort();
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let signed_headers = headers
            .iter()
            .map(|(k, _)| *k)
            .collect::<Vec<_>>()
            .join(";");
        // SigV4 escapes the path once more for all services but S3.
        let path = request
            .path
            .split('/')
            .map(escape)
            .collect::<Vec<_>>()
            .join("/");
        let canonical = format!(
            "{}\n{path}\n\n{canonical_headers}\n{signed_headers}\n{}",
            request.method,
            hex(&Sha256::digest(request.body))
        );
        let scope = format!("{date}/{region}/{service}/aws4_request");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac(format!("AWS4{}", self.secret).as_bytes(), date);
        for part in [region, service, "aws4_request"] {
            key = hmac(&key, part);
        }
        let signature = hex(&hmac(&key, &to_sign));
        Signature {
            amz_date: amz_date.to_string(),
            authorization: format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
                self.key_id
            ),
        }
    }
}

/// The HTTP client of an AWS endpoint the operator named with `flag` (`--lambda-endpoint`,
/// `--kms-endpoint`): HTTP or HTTPS with the system's roots, HTTP/1.1. Refuses an
/// endpoint that is not an http:// or https:// URL with a host.
pub(crate) fn endpoint_client(
    flag: &str,
    endpoint: &str,
) -> Result<
    hyper_util::client::legacy::Client<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        http_body_util::Full<bytes::Bytes>,
    >,
    String,
> {
    let uri: hyper::Uri = endpoint
        .parse()
        .map_err(|e| format!("{flag} is not a URL: {e}"))?;
    if !matches!(uri.scheme_str(), Some("http") | Some("https")) || uri.host().is_none() {
        return Err(format!("{flag} must be an http:// or https:// URL"));
    }
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| format!("{flag}: cannot load the system's trusted roots: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC-SHA256 takes a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 escaping of a path segment, as SigV4 wants it (an ARN's colons too).
pub(crate) fn escape(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The region an ARN names (`arn:aws:<service>:<region>:...`), else us-east-1.
pub(crate) fn region_of(arn: &str) -> &str {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or("us-east-1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_region_and_escape_in_paths() {
        assert_eq!(
            region_of("arn:aws:lambda:eu-west-1:123456789012:function:f"),
            "eu-west-1"
        );
        assert_eq!(region_of("alias/codes"), "us-east-1");
        assert_eq!(
            escape("arn:aws:lambda:eu-west-1:1:function:f"),
            "arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Af"
        );
    }

    /// AWS's SigV4 test suite (`get-vanilla`, `post-vanilla`): the same signatures.
    #[test]
    fn aws_s_test_suite_requests_sign_alike() {
        let keys = Credentials::parse(
            "--x",
            Some("AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        )
        .unwrap();
        for (method, signature) in [
            (
                "GET",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "POST",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ] {
            let request = Unsigned {
                method,
                path: "/",
                host: "example.amazonaws.com",
                headers: &[],
                body: b"",
            };
            let signed = keys.sign_at("20150830T123600Z", "service", "us-east-1", &request);
            assert_eq!(
                signed.authorization,
                format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}")
            );
        }
    }

    #[test]
    fn credentials_are_key_id_and_secret() {
        assert!(Credentials::parse("--kms-credentials", Some("no-colon"))
            .is_err_and(|e| e == "--kms-credentials must be KEY_ID:SECRET"));
        let test = Credentials::parse("--kms-credentials", None).unwrap();
        assert_eq!(
            (test.key_id.as_str(), test.secret.as_str()),
            ("test", "test")
        );
    }
}
