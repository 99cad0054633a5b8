//! SigV4 (`AWS4-HMAC-SHA256`) as cognito-idp checks it: the region of a request's
//! credential scope, and, with `--iam-credentials`, the verification of its signature
//! (canonical request, signed headers, the body's hash, the credential scope and
//! `X-Amz-Date` within five minutes of now) answered with AWS's errors.

use hmac::{Hmac, Mac};
use hyper::header::HeaderMap;
use hyper::Uri;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const SERVICE: &str = "cognito-idp";
const TERMINATOR: &str = "aws4_request";
/// How far `X-Amz-Date` may be from the server's clock, either way (AWS: five minutes).
const MAX_SKEW_SECS: i64 = 5 * 60;

/// The region of a request's credential scope
/// (`Credential=AKID/20240101/eu-west-1/cognito-idp/aws4_request`).
pub fn region(authorization: &str) -> Option<String> {
    let rest = authorization.strip_prefix(ALGORITHM)?;
    let credential = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))?;
    let mut scope = credential.split('/');
    let _key = scope.next()?;
    let _date = scope.next()?;
    let region = scope.next()?;
    (!region.is_empty()).then(|| region.to_string())
}

/// The access keys requests must be signed with: key id → secret. The secrets are never
/// printed (`Debug` shows the key ids only).
#[derive(Clone)]
pub struct IamCredentials {
    /// Each secret is kept as the first HMAC key of SigV4's derivation, `AWS4<secret>`.
    keys: HashMap<String, Vec<u8>>,
}

impl fmt::Debug for IamCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("IamCredentials")
            .field("key_ids", &ids)
            .finish_non_exhaustive()
    }
}

impl IamCredentials {
    /// Parses `KEY_ID:SECRET[,KEY_ID:SECRET...]`. Errors name the entry by position and
    /// never repeat what was given (it holds secrets).
    pub fn parse(text: &str) -> Result<IamCredentials, String> {
        let mut keys = HashMap::new();
        for (i, entry) in text.split(',').enumerate() {
            let n = i + 1;
            let entry = entry.trim();
            let Some((id, secret)) = entry.split_once(':') else {
                return Err(format!("entry {n} is not of the form KEY_ID:SECRET"));
            };
            let id = id.trim();
            if id.is_empty() || secret.is_empty() {
                return Err(format!("entry {n} has an empty key id or secret"));
            }
            if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(format!(
                    "entry {n}: a key id is letters and digits (like AKIAIOSFODNN7EXAMPLE)"
                ));
            }
            let mut key = b"AWS4".to_vec();
            key.extend_from_slice(secret.as_bytes());
            if keys.insert(id.to_string(), key).is_some() {
                return Err(format!("entry {n} repeats the key id {id}"));
            }
        }
        Ok(IamCredentials { keys })
    }
}

/// Why a request is refused, as AWS words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// No signature at all.
    Missing,
    /// An `Authorization` header that is not a complete SigV4 one.
    Incomplete(String),
    /// A key id that is not one of the configured ones.
    Unrecognized,
    /// A wrong signature, scope, or a date outside the allowed skew.
    Invalid(String),
}

impl Denied {
    pub fn code(&self) -> &'static str {
        match self {
            Denied::Missing => "MissingAuthenticationTokenException",
            Denied::Incomplete(_) => "IncompleteSignatureException",
            Denied::Unrecognized => "UnrecognizedClientException",
            Denied::Invalid(_) => "InvalidSignatureException",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Denied::Missing => "Missing Authentication Token".to_string(),
            Denied::Unrecognized => {
                "The security token included in the request is invalid.".to_string()
            }
            Denied::Incomplete(m) | Denied::Invalid(m) => m.clone(),
        }
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug)]
pub struct Authorization {
    key_id: String,
    date: String,
    region: String,
    service: String,
    terminator: String,
    signed_headers: Vec<String>,
    signature: String,
}

impl Authorization {
    /// Reads the header, checks its form and that its key is one of `keys`: everything
    /// that can be checked before the body is read.
    pub fn read(keys: &IamCredentials, headers: &HeaderMap) -> Result<Authorization, Denied> {
        let Some(value) = headers.get(hyper::header::AUTHORIZATION) else {
            return Err(Denied::Missing);
        };
        let value = value
            .to_str()
            .map_err(|_| Denied::Incomplete("The Authorization header is not ASCII.".into()))?;
        let auth = Self::parse(value)?;
        if !keys.keys.contains_key(&auth.key_id) {
            return Err(Denied::Unrecognized);
        }
        if auth.service != SERVICE {
            return Err(Denied::Invalid(format!(
                "Credential should be scoped to correct service: '{SERVICE}'. "
            )));
        }
        if auth.terminator != TERMINATOR {
            return Err(Denied::Invalid(format!(
                "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'.",
                auth.terminator
            )));
        }
        if auth.region.is_empty() {
            return Err(Denied::Invalid(
                "Credential should be scoped to a valid region. ".into(),
            ));
        }
        for required in ["host", "x-amz-date"] {
            if !auth.signed_headers.iter().any(|h| h == required) {
                return Err(Denied::Invalid(format!(
                    "'{required}' must be a 'SignedHeader' in the AWS Authorization."
                )));
            }
        }
        Ok(auth)
    }

    fn parse(value: &str) -> Result<Authorization, Denied> {
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        if scheme == ALGORITHM {
            for part in rest.split(',').map(str::trim) {
                if let Some(v) = part.strip_prefix("Credential=") {
                    credential = Some(v);
                } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                    signed_headers = Some(v);
                } else if let Some(v) = part.strip_prefix("Signature=") {
                    signature = Some(v);
                }
            }
        }
        let mut missing = String::new();
        for (name, found) in [
            ("Credential", credential.is_some()),
            ("Signature", signature.is_some()),
            ("SignedHeaders", signed_headers.is_some()),
        ] {
            if !found {
                missing.push_str(&format!(
                    "Authorization header requires '{name}' parameter. "
                ));
            }
        }
        let (Some(credential), Some(signed_headers), Some(signature)) =
            (credential, signed_headers, signature)
        else {
            if scheme != ALGORITHM {
                missing.push_str(&format!(
                    "Authorization header requires the {ALGORITHM} algorithm."
                ));
            }
            return Err(Denied::Incomplete(missing.trim_end().to_string()));
        };
        let scope: Vec<&str> = credential.split('/').collect();
        let [key_id, date, region, service, terminator] = scope[..] else {
            return Err(Denied::Incomplete(format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
            )));
        };
        Ok(Authorization {
            key_id: key_id.to_string(),
            date: date.to_string(),
            region: region.to_string(),
            service: service.to_string(),
            terminator: terminator.to_string(),
            signed_headers: signed_headers
                .split(';')
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            signature: signature.to_string(),
        })
    }

    /// Checks the date and the signature of the request over `body`, at `now` (seconds
    /// since the epoch). Secrets are compared in constant time (`Mac::verify_slice`).
    pub fn verify(
        &self,
        keys: &IamCredentials,
        method: &str,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<(), Denied> {
        let amz_date = headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Denied::Incomplete(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                        .into(),
                )
            })?;
        let Some(signed_at) = parse_amz_date(amz_date) else {
            return Err(Denied::Incomplete(format!(
                "X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z', got '{amz_date}'."
            )));
        };
        if !amz_date.starts_with(&self.date) || self.date.len() != 8 {
            return Err(Denied::Invalid(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
                self.date,
                &amz_date[..8]
            )));
        }
        if signed_at < now - MAX_SKEW_SECS {
            return Err(Denied::Invalid(format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                format_amz_date(now - MAX_SKEW_SECS),
                format_amz_date(now)
            )));
        }
        if signed_at > now + MAX_SKEW_SECS {
            return Err(Denied::Invalid(format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                format_amz_date(now + MAX_SKEW_SECS),
                format_amz_date(now)
            )));
        }
        let canonical = self.canonical_request(method, uri, headers, body);
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{}/{}/{}/{}\n{}",
            self.date,
            self.region,
            self.service,
            self.terminator,
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let secret = keys.keys.get(&self.key_id).ok_or(Denied::Unrecognized)?;
        let mut key = secret.clone();
        for part in [&self.date, &self.region, &self.service, &self.terminator] {
            key = hmac(&key, part.as_bytes());
        }
        let provided = unhex(&self.signature).unwrap_or_default();
        let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(string_to_sign.as_bytes());
        mac.verify_slice(&provided).map_err(|_| {
            Denied::Invalid(
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
                    .into(),
            )
        })
    }

    /// SigV4's canonical request: method, URI (each path segment encoded again, as the
    /// SDKs do for every service but S3), sorted query, the signed headers' trimmed
    /// values, their names, and the hex SHA-256 of the body.
    fn canonical_request(
        &self,
        method: &str,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> String {
        let path = uri.path();
        let path = if path.is_empty() { "/" } else { path };
        let mut out = format!("{method}\n{}\n", encode(path.as_bytes(), false));
        let mut query: Vec<(String, String)> = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (
                    encode(&percent_decode(k), true),
                    encode(&percent_decode(v), true),
                )
            })
            .collect();
        query.sort();
        let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&query.join("&"));
        out.push('\n');
        for name in &self.signed_headers {
            let values: Vec<String> = headers
                .get_all(name.as_str())
                .iter()
                .map(|v| collapse_spaces(&String::from_utf8_lossy(v.as_bytes())))
                .collect();
            out.push_str(name);
            out.push(':');
            out.push_str(&values.join(","));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.signed_headers.join(";"));
        out.push('\n');
        out.push_str(&hex(&Sha256::digest(body)));
        out
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An odd length leaves a last pair that `get` does not find: `None`.
fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn collapse_spaces(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// SigV4's URI encoding: unreserved characters stay, everything else is `%XX`; `/` stays
/// unless `slash` is set (query components).
fn encode(bytes: &[u8], slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (b == b'/' && !slash) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// `yyyyMMddTHHmmssZ` to seconds since the epoch.
fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

fn format_amz_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn the_credential_scope_names_the_region() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(region(h).as_deref(), Some("eu-west-1"));
        assert_eq!(region("Bearer x"), None);
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(format_amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(format_amz_date(951_782_400), "20000229T000000Z");
        assert_eq!(parse_amz_date("2015-08-30T12:36:00Z"), None);
    }

    /// AWS's documented example (the IAM ListUsers GET request of the SigV4 guide, the
    /// `get-vanilla` suite's key): the same signature is computed.
    #[test]
    fn aws_s_example_request_verifies() {
        let keys =
            IamCredentials::parse("AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        headers.insert(
            hyper::header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        );
        let auth =
            Authorization::parse(headers[hyper::header::AUTHORIZATION].to_str().unwrap()).unwrap();
        let uri: Uri = "/".parse().unwrap();
        let now = parse_amz_date("20150830T123900Z").unwrap();
        assert_eq!(auth.verify(&keys, "GET", &uri, &headers, b"", now), Ok(()));
        // The same request later than five minutes is stale.
        let later = parse_amz_date("20150830T124200Z").unwrap();
        assert!(matches!(
            auth.verify(&keys, "GET", &uri, &headers, b"", later),
            Err(Denied::Invalid(m)) if m == "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)"
        ));
        // Another body, another signature.
        assert!(matches!(
            auth.verify(&keys, "GET", &uri, &headers, b"{}", now),
            Err(Denied::Invalid(m)) if m.starts_with("The request signature we calculated")
        ));
        let wrong = IamCredentials::parse("AKIDEXAMPLE:other").unwrap();
        assert!(auth
            .verify(&wrong, "GET", &uri, &headers, b"", now)
            .is_err());
    }

    #[test]
    fn a_malformed_header_is_incomplete_and_a_foreign_key_unrecognized() {
        let keys = IamCredentials::parse("AKIDEXAMPLE:s, AKID2:t:u").unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(
            Authorization::read(&keys, &headers).unwrap_err(),
            Denied::Missing
        );
        headers.insert(
            hyper::header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Signature=abc"),
        );
        let err = Authorization::read(&keys, &headers).unwrap_err();
        assert_eq!(err.code(), "IncompleteSignatureException");
        assert!(err.message().contains("requires 'Credential' parameter"));
        headers.insert(
            hyper::header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=NOPE/20150830/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
        );
        assert_eq!(
            Authorization::read(&keys, &headers).unwrap_err(),
            Denied::Unrecognized
        );
        headers.insert(
            hyper::header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=AKID2/20150830/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
        );
        assert!(Authorization::read(&keys, &headers).is_ok());
    }

    #[test]
    fn the_flag_is_parsed_without_echoing_secrets() {
        let err = IamCredentials::parse("AKID:s3cr3t,broken-s3cr3t").unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
        assert!(IamCredentials::parse("AKID:").is_err());
        let keys = IamCredentials::parse("AKID:s3cr3t").unwrap();
        assert!(!format!("{keys:?}").contains("s3cr3t"));
    }
}
