//! User import jobs, as Cognito's "Importing users from a CSV file": a job is created
//! with a pre-signed URL (`upload`), takes one CSV file there, and once started imports
//! its rows in the background (`runner`), each row checked and turned into a user
//! (`rows`) as the file's format says (`csv`). The five operations are in `jobs`.
//!
//! A job's life: Created (expiring 15 minutes after creation without an upload, 24
//! hours after the upload without a start) → Pending (started) → InProgress (rows
//! being imported) → Succeeded, or Failed (the file cannot be read), or, by
//! StopUserImportJob, Stopping → Stopped. The file is deleted when the job ends.

mod csv;
mod jobs;
mod rows;
mod runner;
#[cfg(test)]
mod tests;
mod upload;

pub(crate) use runner::ImportRuns;
pub use upload::{parse_path as upload_path, UploadRefused, UploadTicket, MAX_FILE_BYTES};

use crate::error::{fail, not_found, Result};
use crate::stored::{from_doc, to_doc};
use cognate_api::types::{UserImportJobStatusType as Status, UserImportJobType};
use cognate_api::ErrorCode;
use cognate_store::records::user_import_job::{self as jobs_table, ImportJobRow};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};

/// How long the pre-signed URL takes an upload, as AWS's (15 minutes).
pub(crate) const UPLOAD_SECONDS: f64 = 15.0 * 60.0;
/// How long an uploaded job may wait to be started before it expires (AWS: "24-48
/// hours").
pub(crate) const START_WITHIN_SECONDS: f64 = 24.0 * 3600.0;

/// What is stored of a job beyond its columns (status, expiry, creation time).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct JobDoc {
    pub name: String,
    pub role_arn: String,
    /// The sealed upload ticket the pre-signed URL carries.
    pub upload: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_at: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<f64>,
    #[serde(default)]
    pub imported: i64,
    #[serde(default)]
    pub skipped: i64,
    #[serde(default)]
    pub failed: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where the rows not yet imported start: written in the transaction that imports
    /// the rows before it, so a job resumed after a restart imports every row once.
    #[serde(default)]
    pub position: Position,
    /// The first rows skipped or failed, for the CompletionMessage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The node running the job and until when it holds it; another node takes the job
    /// over only after that (the holder renews it with every batch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
}

/// A position in the file: the byte offset of a line and its number (the header is
/// line 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Position {
    pub offset: u64,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lease {
    pub node: String,
    pub until: f64,
}

/// A job as read in a transaction.
pub(crate) struct Job {
    pub row: ImportJobRow,
    pub doc: JobDoc,
}

impl Job {
    /// The status, with a Created job past its expiry reported Expired (the purge
    /// writes that later).
    pub fn status(&self, now: f64) -> Status {
        if self.row.status == Status::CREATED.as_str()
            && self.row.expires_at.is_some_and(|t| t < now)
        {
            Status::EXPIRED
        } else {
            Status::from(self.row.status.clone())
        }
    }

    pub fn set_status(&mut self, status: Status) {
        self.row.status = status.as_str().to_string();
        if status != Status::CREATED {
            self.row.expires_at = None;
        }
    }

    /// Stores the job's status and document; false if it is gone (its pool deleted).
    pub fn save(&mut self, c: &mut dyn Conn) -> Result<bool> {
        self.row.doc = to_doc(&self.doc)?;
        Ok(jobs_table::update(c, &self.row)?)
    }

    /// Ends the job with `status` and `message`: no one runs it any more, and its file
    /// (the users' data) is deleted.
    pub fn finish(
        &mut self,
        c: &mut dyn Conn,
        status: Status,
        message: String,
        now: f64,
    ) -> Result<()> {
        self.set_status(status);
        self.doc.completed_at = Some(now);
        self.doc.message = Some(message);
        self.doc.lease = None;
        jobs_table::delete_file(c, &self.row.pool_id, &self.row.job_id)?;
        self.save(c)?;
        Ok(())
    }

    /// The job as the API describes it; `public_url` is where the upload route is.
    pub fn describe(&self, public_url: &str, now: f64) -> UserImportJobType {
        UserImportJobType {
            job_name: Some(self.doc.name.clone()),
            job_id: Some(self.row.job_id.clone()),
            user_pool_id: Some(self.row.pool_id.clone()),
            pre_signed_url: Some(upload::url(
                public_url,
                &self.row.pool_id,
                &self.row.job_id,
                &self.doc.upload,
            )),
            creation_date: Some(self.row.created_at),
            start_date: self.doc.started_at,
            completion_date: self.doc.completed_at,
            status: Some(self.status(now)),
            cloud_watch_logs_role_arn: Some(self.doc.role_arn.clone()),
            imported_users: Some(self.doc.imported),
            skipped_users: Some(self.doc.skipped),
            failed_users: Some(self.doc.failed),
            completion_message: self.doc.message.clone(),
            password_hashing_algorithm: None,
        }
    }
}

/// The job, or None.
pub(crate) fn find(c: &mut dyn Conn, pool_id: &str, job_id: &str) -> Result<Option<Job>> {
    jobs_table::get(c, pool_id, job_id)?
        .map(|row| {
            let doc: JobDoc = from_doc(&row.doc)?;
            Ok(Job { row, doc })
        })
        .transpose()
}

/// The job, or ResourceNotFoundException.
pub(crate) fn load(c: &mut dyn Conn, pool_id: &str, job_id: &str) -> Result<Job> {
    find(c, pool_id, job_id)?.ok_or_else(|| {
        not_found(format!(
            "Import job {job_id} does not exist in user pool {pool_id}."
        ))
    })
}

/// Marks Expired the Created jobs past their expiry and deletes their files (the
/// purge of expired state).
pub(crate) fn expire(c: &mut dyn Conn, now: f64) -> Result<()> {
    jobs_table::expire(c, Status::CREATED.as_str(), Status::EXPIRED.as_str(), now)?;
    Ok(())
}

/// InvalidParameterException for an operation the job's status does not allow.
pub(crate) fn wrong_status(job_id: &str, status: &Status, what: &str) -> crate::error::Error {
    fail(
        ErrorCode::InvalidParameterException,
        format!("Import job {job_id} cannot be {what}: its status is {status}."),
    )
}
