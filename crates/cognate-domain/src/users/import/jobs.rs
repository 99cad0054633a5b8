//! CreateUserImportJob, DescribeUserImportJob, ListUserImportJobs, StartUserImportJob
//! and StopUserImportJob.

use super::{load, wrong_status, Job, JobDoc, UPLOAD_SECONDS};
use crate::clock::now;
use crate::error::{fail, invalid, not_found, required, Result};
use crate::ids;
use crate::operations::operation;
use crate::pagination;
use crate::pools::pool::not_found_message;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::to_doc;
use cognate_api::types::{UserImportJobStatusType as Status, *};
use cognate_api::ErrorCode;
use cognate_store::records::user_import_job::{self as jobs_table, ImportJobRow};
use cognate_store::records::user_pool;
use cognate_store::Conn;

operation!(CreateUserImportJob => Service::create_user_import_job);
operation!(DescribeUserImportJob => Service::describe_user_import_job);
operation!(ListUserImportJobs => Service::list_user_import_jobs);
operation!(StartUserImportJob => Service::start_user_import_job);
operation!(StopUserImportJob => Service::stop_user_import_job);

/// ResourceNotFoundException unless the pool exists.
fn pool_exists(c: &mut dyn Conn, pool_id: &str) -> Result<()> {
    match user_pool::version(c, pool_id)? {
        Some(_) => Ok(()),
        None => Err(not_found(not_found_message(pool_id))),
    }
}

impl Service {
    pub(crate) async fn create_user_import_job(
        &self,
        input: CreateUserImportJobRequest,
    ) -> Result<CreateUserImportJobResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.job_name, "jobName")?.clone();
        let role_arn = required(&input.cloud_watch_logs_role_arn, "cloudWatchLogsRoleArn")?.clone();
        if input.password_hashing_algorithm.is_some() {
            // Accepting it would import hashes as if they were checked: refuse instead.
            return Err(invalid(
                "PasswordHashingAlgorithm is not supported: cognate imports users without passwords, in RESET_REQUIRED.",
            ));
        }
        let job_id = ids::user_import_job_id();
        let t = now();
        let expires = t + UPLOAD_SECONDS;
        let doc = JobDoc {
            name,
            role_arn,
            upload: self.seal_upload(&pool_id, &job_id, expires),
            ..JobDoc::default()
        };
        let row = ImportJobRow {
            pool_id,
            job_id,
            created_at: t,
            status: Status::CREATED.as_str().to_string(),
            expires_at: Some(expires),
            doc: to_doc(&doc)?,
        };
        let job = Job { row, doc };
        let inserted = job.row.clone();
        self.store()
            .write(move |c| {
                pool_exists(c, &inserted.pool_id)?;
                crate::pools::recovery::ensure_none_in_progress(c, &inserted.pool_id)?;
                jobs_table::insert(c, &inserted)?;
                Ok::<_, crate::error::Error>(())
            })
            .await?;
        Ok(CreateUserImportJobResponse {
            user_import_job: Some(job.describe(&self.config().public_url, t)),
        })
    }

    pub(crate) async fn describe_user_import_job(
        &self,
        input: DescribeUserImportJobRequest,
    ) -> Result<DescribeUserImportJobResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let job_id = required(&input.job_id, "jobId")?.clone();
        let job = self
            .store()
            .read(move |c| {
                pool_exists(c, &pool_id)?;
                load(c, &pool_id, &job_id)
            })
            .await?;
        Ok(DescribeUserImportJobResponse {
            user_import_job: Some(job.describe(&self.config().public_url, now())),
        })
    }

    pub(crate) async fn list_user_import_jobs(
        &self,
        input: ListUserImportJobsRequest,
    ) -> Result<ListUserImportJobsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let limit = pagination::limit(Some(*required(&input.max_results, "maxResults")?), 60);
        // The position is the last job's creation time and id.
        let after = match pagination::decode(input.pagination_token.as_ref())? {
            None => None,
            Some(p) => {
                let (time, id) = p
                    .split_once('\u{0}')
                    .and_then(|(t, id)| Some((t.parse::<f64>().ok()?, id.to_string())))
                    .ok_or_else(|| invalid("Invalid pagination token."))?;
                Some((time, id))
            }
        };
        let (jobs, more) = self
            .store()
            .read(move |c| {
                pool_exists(c, &pool_id)?;
                let after = after.as_ref().map(|(t, id)| (*t, id.as_str()));
                let (rows, more) = jobs_table::list(c, &pool_id, after, limit)?;
                let jobs = rows
                    .into_iter()
                    .map(|row| {
                        let doc: JobDoc = crate::stored::from_doc(&row.doc)?;
                        Ok(Job { row, doc })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok::<_, crate::error::Error>((jobs, more))
            })
            .await?;
        let token = jobs
            .last()
            .filter(|_| more)
            .map(|j| pagination::encode(&format!("{}\u{0}{}", j.row.created_at, j.row.job_id)));
        let t = now();
        let public_url = &self.config().public_url;
        Ok(ListUserImportJobsResponse {
            user_import_jobs: Some(jobs.iter().map(|j| j.describe(public_url, t)).collect()),
            pagination_token: token,
        })
    }

    pub(crate) async fn start_user_import_job(
        &self,
        input: StartUserImportJobRequest,
    ) -> Result<StartUserImportJobResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let job_id = required(&input.job_id, "jobId")?.clone();
        let (cache, lease) = (self.pool_cache(), self.import_runs().node().to_string());
        let (p, j) = (pool_id.clone(), job_id.clone());
        let job = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &p)?;
                crate::pools::recovery::ensure_none_in_progress(c, &p)?;
                let mut job = load(c, &p, &j)?;
                let t = now();
                let status = job.status(t);
                if status != Status::CREATED {
                    return Err(wrong_status(&j, &status, "started"));
                }
                if job.doc.uploaded_at.is_none() {
                    return Err(fail(
                        ErrorCode::PreconditionNotMetException,
                        format!("No csv file was uploaded for {j}"),
                    ));
                }
                if pool.pool.auto_verified_attributes.as_deref().unwrap_or(&[]).is_empty() {
                    return Err(fail(
                        ErrorCode::PreconditionNotMetException,
                        "The user pool has no auto-verified attributes (AutoVerifiedAttributes): imported users could not reset their passwords.",
                    ));
                }
                job.set_status(Status::PENDING);
                job.doc.started_at = Some(t);
                job.doc.lease = Some(super::runner::lease(&lease, t));
                job.save(c)?;
                Ok(job)
            })
            .await?;
        // The job runs once its start has committed.
        self.run_import_in_background(pool_id, job_id);
        Ok(StartUserImportJobResponse {
            user_import_job: Some(job.describe(&self.config().public_url, now())),
        })
    }

    pub(crate) async fn stop_user_import_job(
        &self,
        input: StopUserImportJobRequest,
    ) -> Result<StopUserImportJobResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let job_id = required(&input.job_id, "jobId")?.clone();
        let job = self
            .store()
            .write(move |c| {
                pool_exists(c, &pool_id)?;
                let mut job = load(c, &pool_id, &job_id)?;
                let status = job.status(now());
                if status != Status::PENDING && status != Status::INPROGRESS {
                    return Err(wrong_status(&job_id, &status, "stopped"));
                }
                // The node running the job stops it between two batches of rows.
                job.set_status(Status::STOPPING);
                job.save(c)?;
                Ok(job)
            })
            .await?;
        Ok(StopUserImportJobResponse {
            user_import_job: Some(job.describe(&self.config().public_url, now())),
        })
    }
}
