//! Import jobs through the service: the upload's refusals, expiry, a whole import with
//! bad rows, and a job resumed after its node stopped, on SQLite and PostgreSQL.

use super::upload::PATH_PREFIX;
use super::*;
use crate::clock::now;
use crate::service::{test_config, test_service, Service};
use crate::SecretBox;
use cognate_api::types::*;
use cognate_api::RequestContext;
use cognate_store::records::user_import_job as jobs_table;
use cognate_store::Store;

const ROLE: &str = "arn:aws:iam::000000000000:role/CognitoImport";
const HEADER_LINE: &str = "cognito:username,name,given_name,family_name,middle_name,nickname,preferred_username,profile,picture,website,email,email_verified,gender,birthdate,zoneinfo,locale,phone_number,phone_number_verified,address,updated_at,cognito:mfa_enabled";

/// A row of the header above: username, email (verified) and given name.
fn row(username: &str, email: &str, given_name: &str) -> String {
    format!("{username},,{given_name},,,,,,,,{email},TRUE,,,,,,,,,FALSE")
}

/// A pool whose email is auto-verified (imports need an auto-verified attribute).
async fn pool(service: &Service) -> String {
    service
        .create_user_pool(
            &RequestContext::default(),
            CreateUserPoolRequest {
                pool_name: Some("imports".into()),
                auto_verified_attributes: Some(vec![VerifiedAttributeType::EMAIL]),
                ..Default::default()
            },
        )
        .await
        .expect("pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id")
}

async fn create(service: &Service, pool_id: &str) -> UserImportJobType {
    service
        .create_user_import_job(CreateUserImportJobRequest {
            job_name: Some("job".into()),
            user_pool_id: Some(pool_id.into()),
            cloud_watch_logs_role_arn: Some(ROLE.into()),
            ..Default::default()
        })
        .await
        .expect("create")
        .user_import_job
        .expect("job")
}

/// The path and signature of a job's pre-signed URL, as the HTTP layer reads them.
fn path_and_signature(job: &UserImportJobType) -> (String, String) {
    let url = job.pre_signed_url.as_deref().expect("url");
    let (_, path_and_query) = url.split_once(PATH_PREFIX).expect("upload path");
    let (path, query) = path_and_query.split_once("?signature=").expect("signature");
    (
        format!("{PATH_PREFIX}{path}"),
        query.replace("%2B", "+").replace("%2F", "/"),
    )
}

async fn upload(
    service: &Service,
    job: &UserImportJobType,
    body: &str,
) -> std::result::Result<(), UploadRefused> {
    let (path, signature) = path_and_signature(job);
    let ticket = service.open_user_import_upload(&path, &signature).await?;
    service
        .finish_user_import_upload(ticket, body.as_bytes().to_vec())
        .await
}

async fn describe(service: &Service, pool_id: &str, job_id: &str) -> UserImportJobType {
    service
        .describe_user_import_job(DescribeUserImportJobRequest {
            user_pool_id: Some(pool_id.into()),
            job_id: Some(job_id.into()),
        })
        .await
        .expect("describe")
        .user_import_job
        .expect("job")
}

/// Polls the job until it is no longer Pending, InProgress or Stopping.
async fn until_done(service: &Service, pool_id: &str, job_id: &str) -> UserImportJobType {
    for _ in 0..600 {
        let job = describe(service, pool_id, job_id).await;
        let status = job.status.clone().expect("status");
        if ![Status::PENDING, Status::INPROGRESS, Status::STOPPING].contains(&status) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the job did not end");
}

async fn start(service: &Service, pool_id: &str, job_id: &str) -> cognate_api::ApiError {
    service
        .start_user_import_job(StartUserImportJobRequest {
            user_pool_id: Some(pool_id.into()),
            job_id: Some(job_id.into()),
        })
        .await
        .expect_err("start refused")
        .0
}

async fn user(service: &Service, pool_id: &str, name: &str) -> Option<AdminGetUserResponse> {
    service
        .admin_get_user(AdminGetUserRequest {
            user_pool_id: Some(pool_id.into()),
            username: Some(name.into()),
        })
        .await
        .ok()
}

#[tokio::test]
async fn the_upload_url_takes_one_file_for_its_job_before_it_expires() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service).await;
    let job = create(&service, &pool_id).await;
    let job_id = job.job_id.clone().expect("id");
    assert_eq!(job.status, Some(Status::CREATED));
    assert!(job_id.starts_with("import-"));
    let (path, signature) = path_and_signature(&job);
    // Another job's path, or a forged ticket, is refused.
    let other = create(&service, &pool_id).await;
    let (other_path, _) = path_and_signature(&other);
    for (p, s) in [
        (&other_path, &signature),
        (&path, &format!("{signature}x")),
        (&path, &String::new()),
    ] {
        let refused = service
            .open_user_import_upload(p, s)
            .await
            .expect_err("refused");
        assert_eq!(refused, UploadRefused::BadSignature);
    }
    // A ticket past its expiry is refused.
    let expired = service.seal_upload(&pool_id, &job_id, now() - 1.0);
    let refused = service
        .open_user_import_upload(&path, &expired)
        .await
        .expect_err("refused");
    assert_eq!(refused, UploadRefused::Expired);
    // Before the upload, the job cannot start.
    let e = start(&service, &pool_id, &job_id).await;
    assert_eq!(e.code, cognate_api::ErrorCode::PreconditionNotMetException);
    assert_eq!(e.message, format!("No csv file was uploaded for {job_id}"));
    upload(&service, &job, HEADER_LINE).await.expect("upload");
    assert_eq!(
        upload(&service, &job, HEADER_LINE).await,
        Err(UploadRefused::Used)
    );
}

#[tokio::test]
async fn created_jobs_expire_without_an_upload_or_a_start() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service).await;
    let waiting = create(&service, &pool_id).await;
    let uploaded = create(&service, &pool_id).await;
    upload(&service, &uploaded, HEADER_LINE)
        .await
        .expect("upload");
    // Move both jobs' expiry into the past, as time would.
    for job in [&waiting, &uploaded] {
        let (p, j) = (pool_id.clone(), job.job_id.clone().expect("id"));
        service
            .store()
            .write(move |c| {
                let mut row = jobs_table::get(c, &p, &j)?.expect("job");
                row.expires_at = Some(now() - 1.0);
                jobs_table::update(c, &row)
            })
            .await
            .expect("expire");
    }
    for job in [&waiting, &uploaded] {
        let job_id = job.job_id.as_deref().expect("id");
        assert_eq!(
            describe(&service, &pool_id, job_id).await.status,
            Some(Status::EXPIRED)
        );
        let e = start(&service, &pool_id, job_id).await;
        assert_eq!(e.code, cognate_api::ErrorCode::InvalidParameterException);
    }
    assert_eq!(
        upload(&service, &waiting, HEADER_LINE).await,
        Err(UploadRefused::Expired)
    );
    // The purge writes the status down and deletes the file.
    service.purge_expired().await.expect("purge");
    let (p, j) = (pool_id.clone(), uploaded.job_id.clone().expect("id"));
    let (row, file) = service
        .store()
        .read(move |c| {
            Ok::<_, cognate_store::StoreError>((
                jobs_table::get(c, &p, &j)?,
                jobs_table::file(c, &p, &j)?,
            ))
        })
        .await
        .expect("read");
    assert_eq!(row.expect("job").status, "Expired");
    assert!(file.is_none(), "the expired job's file is deleted");
}

#[tokio::test]
async fn an_import_creates_users_and_counts_the_rows_it_could_not() {
    let (service, _dir) = test_service();
    let pool_id = pool(&service).await;
    crate::service::test_verified_alice(&service, &pool_id).await;
    let job = create(&service, &pool_id).await;
    let job_id = job.job_id.clone().expect("id");
    let csv = [
        HEADER_LINE.to_string(),
        row("bob", "bob@example.com", "Bob"),
        row("alice", "alice2@example.com", "Alice"), // exists: skipped
        row("carol", "not-an-email", "Carol"),       // invalid: failed
        "dave,too,few".to_string(),                  // wrong column count: failed
        row("erin", "erin@example.com", r"Erin\, Jr."),
        String::new(),
        row("bob", "bob2@example.com", "Bob again"), // imported above: skipped
        row("frank", "frank@example.com", "Frank").replace(",TRUE,", ",false,"), // nothing verified: failed
    ]
    .join("\n");
    upload(&service, &job, &csv).await.expect("upload");
    let started = service
        .start_user_import_job(StartUserImportJobRequest {
            user_pool_id: Some(pool_id.clone()),
            job_id: Some(job_id.clone()),
        })
        .await
        .expect("start")
        .user_import_job
        .expect("job");
    assert_eq!(started.status, Some(Status::PENDING));
    assert!(started.start_date.is_some());
    let done = until_done(&service, &pool_id, &job_id).await;
    assert_eq!(
        done.status,
        Some(Status::SUCCEEDED),
        "{:?}",
        done.completion_message
    );
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (Some(2), Some(2), Some(3))
    );
    let message = done.completion_message.expect("message");
    assert!(
        message.contains("Line 3 skipped: The user already exists."),
        "{message}"
    );
    assert!(
        message.contains("Line 4 failed: Invalid email address format."),
        "{message}"
    );
    assert!(done.completion_date.is_some());
    let bob = user(&service, &pool_id, "bob").await.expect("bob");
    assert_eq!(bob.user_status, Some(UserStatusType::RESET_REQUIRED));
    let attr = |u: &AdminGetUserResponse, name: &str| {
        u.user_attributes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|a| a.name.as_deref() == Some(name))
            .and_then(|a| a.value.clone())
    };
    assert_eq!(attr(&bob, "email").as_deref(), Some("bob@example.com"));
    assert_eq!(attr(&bob, "email_verified").as_deref(), Some("true"));
    assert_eq!(attr(&bob, "given_name").as_deref(), Some("Bob"));
    assert!(attr(&bob, "sub").is_some());
    let erin = user(&service, &pool_id, "erin").await.expect("erin");
    assert_eq!(attr(&erin, "given_name").as_deref(), Some("Erin, Jr."));
    assert!(user(&service, &pool_id, "carol").await.is_none());
    // The pool counts the imported users; the file is gone.
    let (p, j) = (pool_id.clone(), job_id.clone());
    let file = service
        .store()
        .read(move |c| jobs_table::file(c, &p, &j))
        .await
        .expect("read");
    assert!(file.is_none());
    let p = pool_id.clone();
    let counted = service
        .store()
        .read(move |c| cognate_store::records::user_pool::version(c, &p))
        .await
        .expect("read")
        .map(|(_, users)| users);
    assert_eq!(counted, Some(3), "alice and the two imported users");
    // An ended job cannot start again or stop.
    let e = start(&service, &pool_id, &job_id).await;
    assert_eq!(e.code, cognate_api::ErrorCode::InvalidParameterException);
}

/// A job left InProgress by a node that stopped mid-file is taken over and finished:
/// the rows of its committed batches are not imported again, the others are.
async fn a_job_left_running_resumes_where_it_stopped(service: &Service) {
    let pool_id = pool(service).await;
    let job = create(service, &pool_id).await;
    let job_id = job.job_id.clone().expect("id");
    let total = 1_234;
    let mut csv = vec![HEADER_LINE.to_string()];
    for i in 0..total {
        csv.push(row(
            &format!("user{i}"),
            &format!("user{i}@example.com"),
            "U",
        ));
    }
    upload(service, &job, &csv.join("\n"))
        .await
        .expect("upload");
    // What a node that stopped after its first batch (of 10 rows) leaves: those users,
    // the position after them, its lease.
    for i in 0..10 {
        service
            .admin_create_user(AdminCreateUserRequest {
                user_pool_id: Some(pool_id.clone()),
                username: Some(format!("user{i}")),
                message_action: Some(MessageActionType::SUPPRESS),
                ..Default::default()
            })
            .await
            .expect("user");
    }
    let header_len = HEADER_LINE.len() as u64 + 1;
    let offset = header_len + csv[1..=10].iter().map(|l| l.len() as u64 + 1).sum::<u64>();
    let (p, j) = (pool_id.clone(), job_id.clone());
    service
        .store()
        .write(move |c| {
            let mut job = load(c, &p, &j)?;
            job.set_status(Status::INPROGRESS);
            job.doc.started_at = Some(now());
            job.doc.imported = 10;
            job.doc.position = Position { offset, line: 11 };
            job.doc.lease = Some(Lease {
                node: "a-node-that-stopped".into(),
                until: now() + 3600.0,
            });
            job.save(c)?;
            Ok::<_, crate::error::Error>(())
        })
        .await
        .expect("leave the job running");
    // Its lease holds off other nodes...
    assert_eq!(service.resume_user_imports(false).await.expect("resume"), 0);
    // ...until this one restarts on SQLite (one process), or the lease runs out.
    let restarted = service.store().engine() == cognate_store::Engine::Sqlite;
    if !restarted {
        let (p, j) = (pool_id.clone(), job_id.clone());
        service
            .store()
            .write(move |c| {
                let mut job = load(c, &p, &j)?;
                job.doc.lease = job.doc.lease.take().map(|l| Lease {
                    until: now() - 1.0,
                    ..l
                });
                job.save(c)?;
                Ok::<_, crate::error::Error>(())
            })
            .await
            .expect("lease runs out");
    }
    assert_eq!(
        service
            .resume_user_imports(restarted)
            .await
            .expect("resume"),
        1
    );
    let done = until_done(service, &pool_id, &job_id).await;
    assert_eq!(
        done.status,
        Some(Status::SUCCEEDED),
        "{:?}",
        done.completion_message
    );
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (Some(total), Some(0), Some(0)),
        "the first ten rows were not read again"
    );
    let listed = service
        .list_users(ListUsersRequest {
            user_pool_id: Some(pool_id.clone()),
            filter: Some("username = \"user1233\"".into()),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.users.map(|u| u.len()), Some(1));
    assert!(user(service, &pool_id, "user500").await.is_some());
}

#[tokio::test]
async fn a_job_left_running_resumes_where_it_stopped_on_sqlite() {
    let (service, _dir) = test_service();
    a_job_left_running_resumes_where_it_stopped(&service).await;
}

#[test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
fn a_job_left_running_resumes_where_it_stopped_on_postgresql() {
    let url = std::env::var("COGNATE_TEST_DATABASE_URL")
        .expect("COGNATE_TEST_DATABASE_URL must be set to run the PostgreSQL tests");
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    postgres::Client::connect(&url, postgres::NoTls)
        .expect("connect to PostgreSQL")
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("create schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    let store = Store::open_postgres(&format!("{url}{sep}options=-csearch_path%3D{schema}"))
        .expect("open PostgreSQL");
    let service = Service::new(
        store,
        test_config(),
        SecretBox::new(&SecretBox::generate_key()),
    );
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(a_job_left_running_resumes_where_it_stopped(&service));
}

/// Where emails are usernames, a row's user is inserted before the next row is checked,
/// so a second row with the same email is found taken.
#[tokio::test]
async fn emails_as_usernames_are_unique_within_a_file() {
    let (service, _dir) = test_service();
    let pool_id = service
        .create_user_pool(
            &RequestContext::default(),
            CreateUserPoolRequest {
                pool_name: Some("by-email".into()),
                auto_verified_attributes: Some(vec![VerifiedAttributeType::EMAIL]),
                username_attributes: Some(vec![UsernameAttributeType::EMAIL]),
                ..Default::default()
            },
        )
        .await
        .expect("pool")
        .user_pool
        .and_then(|p| p.id)
        .expect("pool id");
    let job = create(&service, &pool_id).await;
    let job_id = job.job_id.clone().expect("id");
    let csv = [
        HEADER_LINE.to_string(),
        row("ann@example.com", "ann@example.com", "Ann"),
        row("ann@example.com", "ann@example.com", "Ann again"),
        row("not-an-email", "ben@example.com", "Ben"),
        row("cid@example.com", "cid@example.com", "Cid"),
    ]
    .join("\n");
    upload(&service, &job, &csv).await.expect("upload");
    service
        .start_user_import_job(StartUserImportJobRequest {
            user_pool_id: Some(pool_id.clone()),
            job_id: Some(job_id.clone()),
        })
        .await
        .expect("start");
    let done = until_done(&service, &pool_id, &job_id).await;
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (Some(2), Some(1), Some(1)),
        "{:?}",
        done.completion_message
    );
    let listed = service
        .list_users(ListUsersRequest {
            user_pool_id: Some(pool_id.clone()),
            filter: Some("email = \"ann@example.com\"".into()),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.users.map(|u| u.len()), Some(1));
}
