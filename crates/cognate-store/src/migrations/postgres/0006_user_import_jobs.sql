-- User import jobs (CreateUserImportJob to StopUserImportJob). The job's state is the
-- domain's document; `status` and `expires_at` are columns because jobs are found by
-- them (to resume after a restart, to expire), `created_at` because ListUserImportJobs
-- pages newest first.
CREATE TABLE user_import_jobs (
    pool_id TEXT COLLATE "C" NOT NULL,
    job_id TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    expires_at DOUBLE PRECISION,
    doc TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, job_id)
);
CREATE INDEX user_import_jobs_by_creation ON user_import_jobs (pool_id, created_at, job_id);
CREATE INDEX user_import_jobs_by_status ON user_import_jobs (status, expires_at);
-- The CSV file uploaded to a job's pre-signed URL, kept until the job has run.
CREATE TABLE user_import_files (
    pool_id TEXT COLLATE "C" NOT NULL,
    job_id TEXT COLLATE "C" NOT NULL,
    uploaded_at DOUBLE PRECISION NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (pool_id, job_id)
);
