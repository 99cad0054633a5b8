//! Running import jobs in the background. A started job is run by the node that started
//! it, in batches of rows: each batch is one write that imports its rows, counts them
//! and records where the next batch starts, so a job interrupted (a crash, a restart)
//! resumes where its last committed batch ended and imports every row once. The node
//! holds a lease on the job, renewed by every batch; after a restart, or when a node
//! of a PostgreSQL deployment stops, `resume_user_imports` takes over the jobs whose
//! lease ran out. A batch first checks that the lease is still its node's, so two
//! nodes never import the same rows.

use super::csv::ImportFile;
use super::rows::{admit, has_other_sign_in_names, read_row, Admitted, Read};
use super::{find, Job, Lease, Position};
use crate::clock::now;
use crate::error::{Error, Result};
use crate::pools::cache::PoolCache;
use crate::pools::pool::load as load_pool;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users::csv_header;
use cognate_api::types::UserImportJobStatusType as Status;
use cognate_store::records::user_import_job as jobs_table;
use cognate_store::records::{user, user_pool};
use cognate_store::{Conn, Engine};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Rows per write: large enough that a commit's cost is spread over many users, small
/// enough that a batch holds SQLite's writer for tens of milliseconds only.
const BATCH_ROWS: usize = 500;
/// How long a node holds a job without renewing its lease (every batch renews it).
const LEASE_SECONDS: f64 = 30.0;
/// How many times a batch is tried before its job fails.
const BATCH_ATTEMPTS: usize = 3;
/// How many skipped or failed rows the CompletionMessage names.
const PROBLEMS_KEPT: usize = 3;

/// This node's identity as a lease holder and the jobs it runs now.
pub(crate) struct ImportRuns {
    node: String,
    running: Mutex<HashSet<(String, String)>>,
}

impl Default for ImportRuns {
    fn default() -> Self {
        ImportRuns {
            node: uuid::Uuid::new_v4().to_string(),
            running: Mutex::default(),
        }
    }
}

impl ImportRuns {
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Marks the job running here; false if it already is.
    fn begin(&self, pool_id: &str, job_id: &str) -> bool {
        self.running
            .lock()
            .map(|mut r| r.insert((pool_id.to_string(), job_id.to_string())))
            .unwrap_or(false)
    }

    fn is_running(&self, pool_id: &str, job_id: &str) -> bool {
        self.running
            .lock()
            .map(|r| r.contains(&(pool_id.to_string(), job_id.to_string())))
            .unwrap_or(false)
    }

    fn end(&self, pool_id: &str, job_id: &str) {
        if let Ok(mut r) = self.running.lock() {
            r.remove(&(pool_id.to_string(), job_id.to_string()));
        }
    }
}

/// A lease held by `node` from `t`.
pub(super) fn lease(node: &str, t: f64) -> Lease {
    Lease {
        node: node.to_string(),
        until: t + LEASE_SECONDS,
    }
}

/// The statuses of a job someone must run.
const RUNNING: [Status; 3] = [Status::PENDING, Status::INPROGRESS, Status::STOPPING];
const RUNNING_NAMES: [&str; 3] = ["Pending", "InProgress", "Stopping"];

/// What a batch did.
enum Step {
    /// Rows remain.
    More,
    /// The job ended, or is not this node's to run (any more).
    Over,
}

impl Service {
    /// Runs the job in a background task, unless this node runs it already. The job
    /// must hold this node's lease.
    pub(crate) fn run_import_in_background(&self, pool_id: String, job_id: String) {
        if !self.import_runs().begin(&pool_id, &job_id) {
            return;
        }
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(e) = service.run_import(&pool_id, &job_id).await {
                tracing::error!(pool_id, job_id, error = %e.0.message, "user import job failed");
            }
            service.import_runs().end(&pool_id, &job_id);
        });
    }

    /// Takes over the jobs left running by a node that stopped: those whose lease ran
    /// out, and, when `restarted` on SQLite (whose database one process serves), all of
    /// them. Call at start and then now and then; answers how many it took.
    pub async fn resume_user_imports(
        &self,
        restarted: bool,
    ) -> std::result::Result<usize, cognate_api::ApiError> {
        let rows = self
            .store()
            .read(|c| jobs_table::with_status(c, &RUNNING_NAMES))
            .await
            .map_err(Error::from)?;
        let any_lease = restarted && self.store().engine() == Engine::Sqlite;
        let mut taken = 0;
        for row in rows {
            if self.import_runs().is_running(&row.pool_id, &row.job_id) {
                continue;
            }
            let node = self.import_runs().node().to_string();
            let (pool_id, job_id) = (row.pool_id.clone(), row.job_id.clone());
            let (p, j) = (pool_id.clone(), job_id.clone());
            let claimed = self
                .store()
                .write(move |c| {
                    let Some(mut job) = find(c, &p, &j)? else {
                        return Ok(false);
                    };
                    let t = now();
                    let free = match &job.doc.lease {
                        None => true,
                        Some(l) => l.node == node || l.until < t || any_lease,
                    };
                    if !RUNNING.contains(&job.status(t)) || !free {
                        return Ok(false);
                    }
                    job.doc.lease = Some(lease(&node, t));
                    job.save(c)?;
                    Ok::<_, Error>(true)
                })
                .await?;
            if claimed {
                tracing::info!(pool_id, job_id, "resuming a user import job");
                self.run_import_in_background(pool_id, job_id);
                taken += 1;
            }
        }
        Ok(taken)
    }

    /// Runs the job to its end, or until it is no longer this node's.
    async fn run_import(&self, pool_id: &str, job_id: &str) -> Result<()> {
        let node = self.import_runs().node().to_string();
        let (p, j) = (pool_id.to_string(), job_id.to_string());
        let loaded = self
            .store()
            .read(move |c| {
                let Some(job) = find(c, &p, &j)? else {
                    return Ok(None);
                };
                if !holds(&job, &node) {
                    return Ok(None);
                }
                let (_, pool) = load_pool(c, &p)?;
                let file = jobs_table::file(c, &p, &j)?;
                Ok::<_, Error>(Some((csv_header(&pool), file, job.status(now()))))
            })
            .await?;
        let Some((columns, file, status)) = loaded else {
            return Ok(());
        };
        let file = match (status == Status::STOPPING, file) {
            // A job being stopped needs no file: its next batch ends it.
            (true, _) => None,
            (false, None) => {
                return self
                    .fail_import(
                        pool_id,
                        job_id,
                        "The CSV file of the job is missing.".into(),
                    )
                    .await;
            }
            (false, Some(bytes)) => match ImportFile::read(bytes, &columns) {
                Ok(file) => Some(Arc::new(file)),
                Err(why) => return self.fail_import(pool_id, job_id, why).await,
            },
        };
        let mut failures = 0;
        loop {
            let (cache, node) = (self.pool_cache(), self.import_runs().node().to_string());
            let (p, j, f) = (pool_id.to_string(), job_id.to_string(), file.clone());
            let step = self
                .store()
                .write(move |c| batch(c, &cache, &p, &j, &node, f.as_deref()))
                .await;
            match step {
                Ok(Step::More) => {
                    failures = 0;
                    tokio::task::yield_now().await;
                }
                Ok(Step::Over) => return Ok(()),
                // A failed batch changed nothing: it is tried again after a pause (the
                // database may be back), then the job fails rather than retry forever.
                Err(_) if failures < BATCH_ATTEMPTS - 1 => {
                    failures += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                Err(e) => {
                    let message = "The import stopped on an internal error; the users imported so far remain.";
                    self.fail_import(pool_id, job_id, message.into()).await?;
                    return Err(e);
                }
            }
        }
    }

    /// Ends a job this node runs as Failed with `message`.
    async fn fail_import(&self, pool_id: &str, job_id: &str, message: String) -> Result<()> {
        let node = self.import_runs().node().to_string();
        let (p, j) = (pool_id.to_string(), job_id.to_string());
        tracing::warn!(pool_id, job_id, reason = %message, "user import job failed");
        self.store()
            .write(move |c| {
                if let Some(mut job) = find(c, &p, &j)? {
                    if holds(&job, &node) && RUNNING.contains(&job.status(now())) {
                        job.finish(c, Status::FAILED, message.clone(), now())?;
                    }
                }
                Ok(())
            })
            .await
    }
}

fn holds(job: &Job, node: &str) -> bool {
    job.doc.lease.as_ref().is_some_and(|l| l.node == node)
}

/// One batch of rows, in one write: the rows imported, the job's counts, position and
/// lease, and, at the end of the file, its completion.
fn batch(
    c: &mut dyn Conn,
    cache: &PoolCache,
    pool_id: &str,
    job_id: &str,
    node: &str,
    file: Option<&ImportFile>,
) -> Result<Step> {
    let Some(mut job) = find(c, pool_id, job_id)? else {
        return Ok(Step::Over);
    };
    let t = now();
    let status = job.status(t);
    if !holds(&job, node) || !RUNNING.contains(&status) {
        return Ok(Step::Over);
    }
    if status == Status::STOPPING {
        job.finish(
            c,
            Status::STOPPED,
            "The Import Job was stopped by the developer.".into(),
            t,
        )?;
        return Ok(Step::Over);
    }
    let Some(file) = file else {
        return Ok(Step::Over);
    };
    let pool = PoolView::load(c, cache, pool_id)?;
    let mut at = if job.doc.position == Position::default() {
        file.first_row
    } else {
        job.doc.position
    };
    let mut rows = Vec::with_capacity(BATCH_ROWS);
    while rows.len() < BATCH_ROWS {
        let Some(line) = file.line(at) else {
            break;
        };
        rows.push((line.number, read_row(&pool, &file.columns, line.text, t)?));
        at = line.next;
    }
    // The batch's usernames are looked up in one query; each new one is then taken.
    let keys: Vec<&str> = rows
        .iter()
        .filter_map(|(_, read)| match read {
            Read::User(u) => Some(u.0.username_key.as_str()),
            Read::Failed(_) => None,
        })
        .collect();
    let mut taken = user::existing_keys(c, pool_id, &keys)?;
    // New users are inserted together at the end of the batch, or one by one where
    // their other sign-in names are checked against the store.
    let one_by_one = has_other_sign_in_names(&pool);
    let mut new_users = Vec::new();
    let mut imported = 0;
    for (number, read) in rows {
        let admitted = match read {
            Read::Failed(why) => Admitted::Failed(why),
            Read::User(u) => admit(c, &pool, *u, &taken, one_by_one)?,
        };
        match admitted {
            Admitted::User(new_user) => {
                imported += 1;
                taken.insert(new_user.0.username_key.clone());
                new_users.push(*new_user);
                if one_by_one {
                    user::insert_new(c, pool_id, &new_users)?;
                    new_users.clear();
                }
            }
            Admitted::Skipped(why) => {
                job.doc.skipped += 1;
                note(&mut job, number, "SKIPPED", &why);
            }
            Admitted::Failed(why) => {
                job.doc.failed += 1;
                note(&mut job, number, "FAILED", &why);
            }
        }
    }
    user::insert_new(c, pool_id, &new_users)?;
    if imported > 0 {
        user_pool::add_users(c, pool_id, imported)?;
    }
    job.doc.imported += imported;
    job.doc.position = at;
    if file.line(at).is_none() {
        let message = completion_message(&job);
        job.finish(c, Status::SUCCEEDED, message, t)?;
        return Ok(Step::Over);
    }
    job.set_status(Status::INPROGRESS);
    job.doc.lease = Some(lease(node, t));
    job.save(c)?;
    Ok(Step::More)
}

/// Logs a row that was not imported (by line number, without its data, as Cognito's
/// CloudWatch log) and keeps the first few for the CompletionMessage.
fn note(job: &mut Job, line: u64, what: &str, why: &str) {
    // A batch may run twice on PostgreSQL: the log then repeats it, the job does not.
    tracing::info!(
        pool_id = %job.row.pool_id,
        job_id = %job.row.job_id,
        "[{what}] Line Number {line} - {why}"
    );
    if job.doc.problems.len() < PROBLEMS_KEPT {
        job.doc
            .problems
            .push(format!("Line {line} {}: {why}", what.to_lowercase()));
    }
}

/// The CompletionMessage of a job that read its whole file.
fn completion_message(job: &Job) -> String {
    let d = &job.doc;
    if d.skipped == 0 && d.failed == 0 {
        return "Import Job Completed Successfully.".into();
    }
    let mut m = format!(
        "Import Job Completed: {} imported, {} skipped, {} failed. {}",
        d.imported,
        d.skipped,
        d.failed,
        d.problems.join(" ")
    );
    let named = d.problems.len() as i64;
    if d.skipped + d.failed > named {
        m.push_str(&format!(
            " ({} more in the server's log.)",
            d.skipped + d.failed - named
        ));
    }
    m
}
