//! `user_import_jobs` and `user_import_files`: a pool's user import jobs (the domain's
//! document beside the columns jobs are found by) and the CSV file uploaded to a job,
//! kept until the job has run.

use crate::{params, Conn, Row, StoreError, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ImportJobRow {
    pub pool_id: String,
    pub job_id: String,
    pub created_at: f64,
    /// A UserImportJobStatusType (`Created`, `Pending`, ...).
    pub status: String,
    /// When a `Created` job expires (its upload URL, or the time it may wait to be
    /// started); None in other statuses.
    pub expires_at: Option<f64>,
    pub doc: String,
}

const COLUMNS: &str = "pool_id, job_id, created_at, status, expires_at, doc";

fn from_row(r: &Row) -> Result<ImportJobRow, StoreError> {
    Ok(ImportJobRow {
        pool_id: r.text(0)?,
        job_id: r.text(1)?,
        created_at: r.real(2)?,
        status: r.text(3)?,
        expires_at: r.opt_real(4)?,
        doc: r.text(5)?,
    })
}

pub fn insert(conn: &mut dyn Conn, row: &ImportJobRow) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT INTO user_import_jobs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        params![
            &row.pool_id,
            &row.job_id,
            row.created_at,
            &row.status,
            row.expires_at,
            &row.doc
        ],
    )?;
    Ok(())
}

pub fn get(
    conn: &mut dyn Conn,
    pool_id: &str,
    job_id: &str,
) -> Result<Option<ImportJobRow>, StoreError> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM user_import_jobs WHERE pool_id = $1 AND job_id = $2"),
        params![pool_id, job_id],
    )?
    .map(|r| from_row(&r))
    .transpose()
}

/// Stores the job's status, expiry and document; false if the job is gone.
pub fn update(conn: &mut dyn Conn, row: &ImportJobRow) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE user_import_jobs SET status = $3, expires_at = $4, doc = $5 \
         WHERE pool_id = $1 AND job_id = $2",
        params![
            &row.pool_id,
            &row.job_id,
            &row.status,
            row.expires_at,
            &row.doc
        ],
    )?;
    Ok(n == 1)
}

/// A pool's jobs newest first: at most `limit` created before the position `after`
/// (the creation time and id of the last job of the previous page), and whether more
/// follow.
pub fn list(
    conn: &mut dyn Conn,
    pool_id: &str,
    after: Option<(f64, &str)>,
    limit: usize,
) -> Result<(Vec<ImportJobRow>, bool), StoreError> {
    let rows = match after {
        None => conn.query(
            &format!(
                "SELECT {COLUMNS} FROM user_import_jobs WHERE pool_id = $1 \
                 ORDER BY created_at DESC, job_id DESC LIMIT $2"
            ),
            params![pool_id, limit + 1],
        )?,
        Some((created_at, job_id)) => conn.query(
            &format!(
                "SELECT {COLUMNS} FROM user_import_jobs WHERE pool_id = $1 \
                 AND (created_at < $2 OR (created_at = $2 AND job_id < $3)) \
                 ORDER BY created_at DESC, job_id DESC LIMIT $4"
            ),
            params![pool_id, created_at, job_id, limit + 1],
        )?,
    };
    let mut jobs = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let more = jobs.len() > limit;
    jobs.truncate(limit);
    Ok((jobs, more))
}

/// Jobs of every pool in one of `statuses` (the jobs to run after a restart).
pub fn with_status(
    conn: &mut dyn Conn,
    statuses: &[&str],
) -> Result<Vec<ImportJobRow>, StoreError> {
    let mut out = Vec::new();
    for status in statuses {
        let rows = conn.query(
            &format!("SELECT {COLUMNS} FROM user_import_jobs WHERE status = $1"),
            params![*status],
        )?;
        for r in &rows {
            out.push(from_row(r)?);
        }
    }
    Ok(out)
}

/// Moves the jobs in status `from` whose expiry is before `now` to status `to`, without
/// expiry, and deletes their files; answers how many moved.
pub fn expire(conn: &mut dyn Conn, from: &str, to: &str, now: f64) -> Result<u64, StoreError> {
    let expiring = conn.query(
        "SELECT pool_id, job_id FROM user_import_jobs WHERE status = $1 AND expires_at < $2",
        params![from, now],
    )?;
    for r in &expiring {
        let (pool_id, job_id) = (r.text(0)?, r.text(1)?);
        delete_file(conn, &pool_id, &job_id)?;
    }
    conn.execute(
        "UPDATE user_import_jobs SET status = $3, expires_at = NULL \
         WHERE status = $1 AND expires_at < $2",
        params![from, now, to],
    )
}

/// Keeps `content` as the job's file (replacing any).
pub fn put_file(
    conn: &mut dyn Conn,
    pool_id: &str,
    job_id: &str,
    uploaded_at: f64,
    content: Vec<u8>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO user_import_files (pool_id, job_id, uploaded_at, content) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (pool_id, job_id) DO UPDATE SET uploaded_at = excluded.uploaded_at, content = excluded.content",
        &[
            Value::from(pool_id),
            Value::from(job_id),
            Value::from(uploaded_at),
            Value::Blob(content),
        ],
    )?;
    Ok(())
}

/// The job's file, if it has one.
pub fn file(
    conn: &mut dyn Conn,
    pool_id: &str,
    job_id: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = conn.query_opt(
        "SELECT content FROM user_import_files WHERE pool_id = $1 AND job_id = $2",
        params![pool_id, job_id],
    )?;
    match row.map(|r| r.0.into_iter().next()) {
        None => Ok(None),
        Some(Some(Value::Blob(b))) => Ok(Some(b)),
        Some(other) => Err(StoreError::other(format!(
            "an import file's content is {other:?}, not bytes"
        ))),
    }
}

pub fn delete_file(conn: &mut dyn Conn, pool_id: &str, job_id: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM user_import_files WHERE pool_id = $1 AND job_id = $2",
        params![pool_id, job_id],
    )?;
    Ok(())
}
