//! A job's pre-signed URL: `PUT <public URL>/user-import/<poolId>/<jobId>?signature=<ticket>`
//! takes the CSV file, as the S3 URL of AWS's does. The ticket is sealed with the master
//! key (purpose `user-import-upload`) and names the pool, the job and when it expires,
//! so the URL can be neither guessed nor turned to another job; the job records the
//! upload, so it takes one, and only while the job waits for it.

use super::{load, Job, START_WITHIN_SECONDS};
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::Error;
use crate::service::Service;
use cognate_api::types::UserImportJobStatusType as Status;
use cognate_store::records::user_import_job as jobs_table;
use serde::{Deserialize, Serialize};

/// The path of the upload route, before `<poolId>/<jobId>`.
pub const PATH_PREFIX: &str = "/user-import/";

/// The largest file taken, as AWS's limit (100 MB).
pub const MAX_FILE_BYTES: usize = 100 * 1024 * 1024;

/// What the sealed ticket holds.
#[derive(Serialize, Deserialize)]
struct Sealed {
    pool: String,
    job: String,
    expires: f64,
}

/// An upload whose URL checked out: the job it is for.
#[derive(Debug, Clone)]
pub struct UploadTicket {
    pool_id: String,
    job_id: String,
}

/// Why an upload is refused, in S3's terms (the URL stands for an S3 one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefused {
    /// The path names no upload, or the ticket is not ours or names another job.
    BadSignature,
    Expired,
    /// The job took its upload already, or no longer waits for one.
    Used,
    /// The job (or its pool) was deleted.
    NoSuchJob,
    Internal,
}

impl UploadRefused {
    /// The HTTP status and S3 error code.
    pub fn status_and_code(self) -> (u16, &'static str) {
        match self {
            UploadRefused::BadSignature => (403, "SignatureDoesNotMatch"),
            UploadRefused::Expired | UploadRefused::Used => (403, "AccessDenied"),
            UploadRefused::NoSuchJob => (404, "NoSuchKey"),
            UploadRefused::Internal => (500, "InternalError"),
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            UploadRefused::BadSignature => {
                "The request signature we calculated does not match the signature you provided."
            }
            UploadRefused::Expired => "Request has expired",
            UploadRefused::Used => {
                "This pre-signed URL has already taken its upload, or its import job no longer waits for one."
            }
            UploadRefused::NoSuchJob => "The import job of this URL no longer exists.",
            UploadRefused::Internal => "We encountered an internal error. Please try again.",
        }
    }
}

impl From<Error> for UploadRefused {
    fn from(e: Error) -> Self {
        if e.0.code == cognate_api::ErrorCode::ResourceNotFoundException {
            UploadRefused::NoSuchJob
        } else {
            UploadRefused::Internal
        }
    }
}

/// The pre-signed URL of job `job_id` with the sealed ticket `sealed`.
pub(super) fn url(public_url: &str, pool_id: &str, job_id: &str, sealed: &str) -> String {
    // Base64's `+` and `/` are escaped; the rest of a sealed value is URL-safe.
    let signature = sealed.replace('+', "%2B").replace('/', "%2F");
    format!("{public_url}{PATH_PREFIX}{pool_id}/{job_id}?signature={signature}")
}

/// The pool and job a path of the upload route names.
pub fn parse_path(path: &str) -> Option<(&str, &str)> {
    let (pool, job) = path.strip_prefix(PATH_PREFIX)?.split_once('/')?;
    let fine = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (fine(pool) && fine(job)).then_some((pool, job))
}

impl Service {
    /// A new job's upload ticket, good until `expires`.
    pub(super) fn seal_upload(&self, pool_id: &str, job_id: &str, expires: f64) -> String {
        let sealed = Sealed {
            pool: pool_id.to_string(),
            job: job_id.to_string(),
            expires,
        };
        self.secrets().seal(
            Purpose::UserImportUpload,
            &serde_json::to_string(&sealed).unwrap_or_default(),
        )
    }

    /// Checks an upload to `path` with the ticket `signature` before its body is read:
    /// the ticket is ours, names this job and has not expired, and the job still waits
    /// for its file.
    pub async fn open_user_import_upload(
        &self,
        path: &str,
        signature: &str,
    ) -> Result<UploadTicket, UploadRefused> {
        let (pool_id, job_id) = parse_path(path).ok_or(UploadRefused::BadSignature)?;
        let sealed: Sealed = self
            .secrets()
            .open(Purpose::UserImportUpload, signature)
            .and_then(|plain| serde_json::from_str(&plain).ok())
            .ok_or(UploadRefused::BadSignature)?;
        if sealed.pool != pool_id || sealed.job != job_id {
            return Err(UploadRefused::BadSignature);
        }
        if now() > sealed.expires {
            return Err(UploadRefused::Expired);
        }
        let (p, j) = (sealed.pool.clone(), sealed.job.clone());
        let job = self.store().read(move |c| load(c, &p, &j)).await?;
        waits_for_upload(&job)?;
        Ok(UploadTicket {
            pool_id: sealed.pool,
            job_id: sealed.job,
        })
    }

    /// Keeps `body` as the file of the ticket's job, if the job still waits for it: the
    /// job then waits (24 hours at most) to be started.
    pub async fn finish_user_import_upload(
        &self,
        ticket: UploadTicket,
        body: Vec<u8>,
    ) -> Result<(), UploadRefused> {
        let outcome = self
            .store()
            .write(move |c| {
                let mut job = load(c, &ticket.pool_id, &ticket.job_id)?;
                if let Err(refused) = waits_for_upload(&job) {
                    return Ok(Err(refused));
                }
                let t = now();
                jobs_table::put_file(c, &ticket.pool_id, &ticket.job_id, t, body.clone())?;
                job.doc.uploaded_at = Some(t);
                job.row.expires_at = Some(t + START_WITHIN_SECONDS);
                job.save(c)?;
                Ok::<_, Error>(Ok(()))
            })
            .await?;
        outcome
    }
}

/// Whether the job takes an upload now: Created, unexpired, without a file.
fn waits_for_upload(job: &Job) -> Result<(), UploadRefused> {
    let status = job.status(now());
    if status == Status::EXPIRED {
        return Err(UploadRefused::Expired);
    }
    if status != Status::CREATED || job.doc.uploaded_at.is_some() {
        return Err(UploadRefused::Used);
    }
    Ok(())
}
