//! `PUT /user-import/<poolId>/<jobId>?signature=<ticket>`: the pre-signed URL of a user
//! import job (CreateUserImportJob's `PreSignedUrl`), which takes the job's CSV file as
//! the S3 URL of AWS's does, with AWS's documented
//! `curl -T users.csv -H "x-amz-server-side-encryption:aws:kms" "<PreSignedUrl>"`: 200
//! with an ETag, or S3's XML error. The URL is a capability (sealed, expiring, single
//! use: see `Service::open_user_import_upload`), so it needs no other authentication;
//! it is checked before the body is read.

use crate::{query, Body};
use bytes::Bytes;
use cognate_domain::user_import::{upload_path, UploadRefused, MAX_FILE_BYTES};
use cognate_domain::Service;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Time to send a file: the body read timeout of API requests would cut off a large
/// file on a slow link, and only the holder of a valid URL gets this long.
const UPLOAD_READ_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The header AWS's pre-signed URL is signed with, and its value.
const ENCRYPTION_HEADER: &str = "x-amz-server-side-encryption";
const ENCRYPTION: &str = "aws:kms";

pub fn serves(path: &str) -> bool {
    upload_path(path).is_some()
}

pub async fn handle(service: &Service, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::PUT {
        return s3_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        );
    }
    let q = query::parse(req.uri().query());
    let signature = q.get("signature").map(String::as_str).unwrap_or("");
    let ticket = match service
        .open_user_import_upload(req.uri().path(), signature)
        .await
    {
        Ok(t) => t,
        Err(refused) => return refusal(refused),
    };
    let encryption = req
        .headers()
        .get(ENCRYPTION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if encryption != Some(ENCRYPTION) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The pre-signed URL is signed with the header x-amz-server-side-encryption: aws:kms; send it with the file.",
        );
    }
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FILE_BYTES as u64) {
        return too_large();
    }
    let collected = tokio::time::timeout(
        UPLOAD_READ_TIMEOUT,
        Limited::new(req.into_body(), MAX_FILE_BYTES).collect(),
    )
    .await;
    let body = match collected {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        Ok(Err(_)) => {
            return s3_error(
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length HTTP header.",
            )
        }
        Err(_) => {
            return s3_error(
                StatusCode::BAD_REQUEST,
                "RequestTimeout",
                "Your socket connection to the server was not read from or written to within the timeout period.",
            )
        }
    };
    let etag = format!("\"{}\"", hex(&Sha256::digest(&body)[..16]));
    match service
        .finish_user_import_upload(ticket, body.to_vec())
        .await
    {
        Ok(()) => {
            let mut r = Response::new(Body::default());
            if let Ok(v) = HeaderValue::from_str(&etag) {
                r.headers_mut().insert(hyper::header::ETAG, v);
            }
            r.headers_mut()
                .insert(ENCRYPTION_HEADER, HeaderValue::from_static(ENCRYPTION));
            r
        }
        Err(refused) => refusal(refused),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn refusal(refused: UploadRefused) -> Response<Body> {
    let (status, code) = refused.status_and_code();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    s3_error(status, code, refused.message())
}

fn too_large() -> Response<Body> {
    s3_error(
        StatusCode::BAD_REQUEST,
        "EntityTooLarge",
        &format!(
            "Your proposed upload exceeds the maximum allowed size of {MAX_FILE_BYTES} bytes."
        ),
    )
}

/// S3's XML error, on a connection then closed (the body may not have been read).
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message></Error>",
        escape(message)
    );
    let mut r = Response::new(Body::new(Bytes::from(xml)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r.headers_mut()
        .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    r
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
