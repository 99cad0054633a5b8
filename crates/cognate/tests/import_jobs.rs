//! User import jobs end to end through the official Rust SDK: a job is created, its CSV
//! file PUT to the pre-signed URL as AWS documents (`curl -T users.csv -H
//! "x-amz-server-side-encryption:aws:kms" "<PreSignedUrl>"`), started and polled until
//! it ends; the users are there in RESET_REQUIRED. Also the URL's refusals, the
//! operations' errors, paging, stopping, and a server killed mid-import that resumes the
//! job after its restart, on SQLite and PostgreSQL.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AuthFlowType, SchemaAttributeType, UserImportJobStatusType as Status,
    UserImportJobType, UserStatusType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::{app_client, create_pool_with, fails, last_code, Backend, Server};
use std::time::{Duration, Instant};

const ROLE: &str = "arn:aws:iam::000000000000:role/CognitoImportRole";

/// A pool whose email is auto-verified, with the custom attribute `tier`.
async fn pool(c: &Client) -> String {
    create_pool_with(c, "imports", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .schema(
                SchemaAttributeType::builder()
                    .name("tier")
                    .attribute_data_type(AttributeDataType::String)
                    .build(),
            )
    })
    .await
}

/// The pool's CSV header, from GetCSVHeader.
async fn header(c: &Client, pool: &str) -> Vec<String> {
    c.get_csv_header()
        .user_pool_id(pool)
        .send()
        .await
        .expect("header")
        .csv_header()
        .to_vec()
}

/// A row of `header`: `values` by column name, every other column empty.
fn row(header: &[String], values: &[(&str, &str)]) -> String {
    header
        .iter()
        .map(|col| {
            values
                .iter()
                .find(|(name, _)| name == col)
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A valid user of `header`: `name`, email `<name>@example.com` verified, MFA off.
fn user_row(header: &[String], name: &str) -> String {
    let email = format!("{name}@example.com");
    row(
        header,
        &[
            ("cognito:username", name),
            ("email", &email),
            ("email_verified", "TRUE"),
            ("cognito:mfa_enabled", "FALSE"),
        ],
    )
}

/// A file of `header` and `rows`.
fn file(header: &[String], rows: &[String]) -> String {
    let mut lines = vec![header.join(",")];
    lines.extend(rows.iter().cloned());
    lines.join("\n") + "\n"
}

/// `count` valid users `u0`, `u1`, ...
fn many(header: &[String], count: usize) -> String {
    let rows: Vec<String> = (0..count)
        .map(|i| user_row(header, &format!("u{i}")))
        .collect();
    file(header, &rows)
}

async fn create_job(c: &Client, pool: &str, name: &str) -> UserImportJobType {
    c.create_user_import_job()
        .user_pool_id(pool)
        .job_name(name)
        .cloud_watch_logs_role_arn(ROLE)
        .send()
        .await
        .expect("create job")
        .user_import_job()
        .expect("job")
        .clone()
}

/// PUTs `body` to the job's pre-signed URL as AWS's documented curl command does, with
/// its server-side encryption header unless `without_header`.
fn put(
    server: &Server,
    job: &UserImportJobType,
    body: &str,
    without_header: bool,
) -> common::HttpResponse {
    let url = job.pre_signed_url().expect("PreSignedUrl");
    let path = url
        .strip_prefix(&server.url())
        .expect("the URL is on the server's public URL");
    let headers: &[(&str, &str)] = if without_header {
        &[("Content-Type", "text/csv")]
    } else {
        &[("x-amz-server-side-encryption", "aws:kms")]
    };
    server.request("PUT", path, headers, body)
}

async fn start(c: &Client, pool: &str, job: &str) -> UserImportJobType {
    c.start_user_import_job()
        .user_pool_id(pool)
        .job_id(job)
        .send()
        .await
        .expect("start")
        .user_import_job()
        .expect("job")
        .clone()
}

async fn describe(c: &Client, pool: &str, job: &str) -> UserImportJobType {
    c.describe_user_import_job()
        .user_pool_id(pool)
        .job_id(job)
        .send()
        .await
        .expect("describe")
        .user_import_job()
        .expect("job")
        .clone()
}

fn running(job: &UserImportJobType) -> bool {
    matches!(
        job.status(),
        Some(Status::Pending | Status::InProgress | Status::Stopping)
    )
}

/// Polls the job until it ends (within `limit`).
async fn until_done(c: &Client, pool: &str, job: &str, limit: Duration) -> UserImportJobType {
    let started = Instant::now();
    loop {
        let described = describe(c, pool, job).await;
        if !running(&described) {
            return described;
        }
        assert!(
            started.elapsed() < limit,
            "the job is still {:?}",
            described.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn estimated_users(c: &Client, pool: &str) -> i32 {
    c.describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .expect("describe pool")
        .user_pool()
        .expect("pool")
        .estimated_number_of_users()
}

#[tokio::test]
async fn an_uploaded_file_becomes_users_who_reset_their_password() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = pool(&c).await;
    let header = header(&c, &pool).await;
    assert!(header.iter().any(|h| h == "custom:tier"), "{header:?}");
    let job = create_job(&c, &pool, "first-import").await;
    let job_id = job.job_id().expect("JobId").to_string();
    assert!(job_id.starts_with("import-"), "{job_id}");
    assert_eq!(job.status(), Some(&Status::Created));
    assert_eq!(job.job_name(), Some("first-import"));
    assert_eq!(job.cloud_watch_logs_role_arn(), Some(ROLE));
    assert!(job.creation_date().is_some() && job.start_date().is_none());
    assert_eq!(
        (
            job.imported_users(),
            job.skipped_users(),
            job.failed_users()
        ),
        (0, 0, 0)
    );

    let jane = row(
        &header,
        &[
            ("cognito:username", "jane"),
            ("name", "Jane Roe"),
            ("given_name", "Jane"),
            ("email", "jane@example.com"),
            ("email_verified", "TRUE"),
            ("phone_number", "+12345550199"),
            ("phone_number_verified", "false"),
            ("address", r"100 Main Street\, Apt 2"),
            ("custom:tier", "gold"),
            ("cognito:mfa_enabled", "FALSE"),
        ],
    );
    let rows = vec![
        jane.clone(),
        user_row(&header, "john"),
        jane,                                                 // the same user again: skipped
        user_row(&header, "bad user"),                        // a space in the username: failed
        "only,three,values".to_string(),                      // wrong column count: failed
        user_row(&header, "nomail").replace("TRUE", "FALSE"), // no verified attribute: failed
    ];
    let uploaded = put(&server, &job, &file(&header, &rows), false);
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    assert!(uploaded.header("etag").is_some());

    let started = start(&c, &pool, &job_id).await;
    assert_eq!(started.status(), Some(&Status::Pending));
    assert!(started.start_date().is_some());
    let done = until_done(&c, &pool, &job_id, Duration::from_secs(60)).await;
    assert_eq!(
        done.status(),
        Some(&Status::Succeeded),
        "{:?}",
        done.completion_message()
    );
    assert_eq!(
        (
            done.imported_users(),
            done.skipped_users(),
            done.failed_users()
        ),
        (2, 1, 3)
    );
    let message = done.completion_message().expect("CompletionMessage");
    assert!(
        message.contains("Line 4 skipped: The user already exists."),
        "{message}"
    );
    assert!(message.contains("Line 5 failed"), "{message}");
    assert!(done.completion_date().is_some());
    assert_eq!(estimated_users(&c, &pool).await, 2);

    let jane = c
        .admin_get_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .expect("jane");
    assert_eq!(jane.user_status(), Some(&UserStatusType::ResetRequired));
    let attr = |name: &str| {
        jane.user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .map(str::to_string)
    };
    assert_eq!(attr("email").as_deref(), Some("jane@example.com"));
    assert_eq!(attr("email_verified").as_deref(), Some("true"));
    assert_eq!(attr("phone_number_verified").as_deref(), Some("false"));
    assert_eq!(attr("address").as_deref(), Some("100 Main Street, Apt 2"));
    assert_eq!(attr("custom:tier").as_deref(), Some("gold"));
    assert!(attr("sub").is_some());
    let e = fails(
        c.admin_get_user()
            .user_pool_id(&pool)
            .username("nomail")
            .send()
            .await,
    );
    assert_eq!(e.0, "UserNotFoundException", "a failed row makes no user");

    // As AWS documents: signing in asks for a reset, ForgotPassword mails a code to the
    // verified email, and the new password signs in.
    let app = app_client(&c, &pool, |b| b).await;
    let (code_name, _) = fails(
        c.initiate_auth()
            .client_id(&app)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "jane")
            .auth_parameters("PASSWORD", "Anything1!")
            .send()
            .await,
    );
    assert_eq!(code_name, "PasswordResetRequiredException");
    let (big_a, _) = common::srp::client_a();
    let (code_name, _) = fails(
        c.initiate_auth()
            .client_id(&app)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "jane")
            .auth_parameters("SRP_A", big_a.to_str_radix(16))
            .send()
            .await,
    );
    assert_eq!(code_name, "PasswordResetRequiredException");
    // A client hiding which users exist answers as for a wrong password.
    let hiding = common::hiding_client(&c, &pool).await;
    let e = common::password_auth(&c, &hiding, "jane", "Anything1!").await;
    assert_eq!(fails(e), common::na(common::INCORRECT));
    c.forgot_password()
        .client_id(&app)
        .username("jane")
        .send()
        .await
        .expect("forgot password");
    let reset = last_code(&server, &pool, "jane");
    c.confirm_forgot_password()
        .client_id(&app)
        .username("jane")
        .confirmation_code(reset)
        .password(common::NEW_PASSWORD)
        .send()
        .await
        .expect("confirm forgot password");
    common::sign_in(&c, &app, "jane", common::NEW_PASSWORD).await;
}

#[tokio::test]
async fn the_pre_signed_url_is_signed_needs_the_documented_header_and_takes_one_upload() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = pool(&c).await;
    let header = header(&c, &pool).await;
    let job = create_job(&c, &pool, "url").await;
    let url = job.pre_signed_url().expect("url").to_string();
    let body = many(&header, 1);
    // Without the header the URL was signed with: refused, as S3 refuses it.
    let r = put(&server, &job, &body, true);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    // A changed signature, or another job's path with this signature: refused.
    let path = url.strip_prefix(&server.url()).expect("path");
    let tampered = path.replacen("signature=v2.", "signature=v2.A", 1);
    let r = server.request(
        "PUT",
        &tampered,
        &[("x-amz-server-side-encryption", "aws:kms")],
        &body,
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let other = create_job(&c, &pool, "other").await;
    let other_path = other
        .pre_signed_url()
        .expect("url")
        .strip_prefix(&server.url())
        .expect("path")
        .to_string();
    let signature = path.split_once('?').expect("query").1;
    let swapped = format!(
        "{}?{signature}",
        other_path.split_once('?').expect("query").0
    );
    let r = server.request(
        "PUT",
        &swapped,
        &[("x-amz-server-side-encryption", "aws:kms")],
        &body,
    );
    assert_eq!(r.status, 403, "{}", r.body);
    // Only PUT.
    let r = server.request("GET", path, &[], "");
    assert_eq!(r.status, 405, "{}", r.body);
    // The upload, once.
    let r = put(&server, &job, &body, false);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("x-amz-server-side-encryption"), Some("aws:kms"));
    let r = put(&server, &job, &body, false);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("<Code>AccessDenied</Code>"), "{}", r.body);
    // A file larger than AWS's 100 MB is refused from its Content-Length.
    let r = server.raw(
        format!(
            "PUT {} HTTP/1.1\r\nHost: {}\r\nx-amz-server-side-encryption: aws:kms\r\nContent-Length: 104857601\r\nConnection: close\r\n\r\n",
            other.pre_signed_url().expect("url").strip_prefix(&server.url()).expect("path"),
            server.addr
        )
        .as_bytes(),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("EntityTooLarge"), "{}", r.body);
    // Other paths are not an upload route, and never answer success.
    let r = server.request(
        "PUT",
        "/user-import/nothing",
        &[("x-amz-server-side-encryption", "aws:kms")],
        &body,
    );
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test]
async fn import_jobs_answer_aws_errors() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = pool(&c).await;
    let header = header(&c, &pool).await;
    let missing_pool = "us-east-1_NoSuchPool";
    let missing_job = "import-AbCdEfGhIj";

    let e = fails(
        c.create_user_import_job()
            .user_pool_id(missing_pool)
            .job_name("j")
            .cloud_watch_logs_role_arn(ROLE)
            .send()
            .await,
    );
    assert_eq!(e.0, "ResourceNotFoundException", "{e:?}");
    let e = fails(
        c.describe_user_import_job()
            .user_pool_id(missing_pool)
            .job_id(missing_job)
            .send()
            .await,
    );
    assert_eq!(e.0, "ResourceNotFoundException", "{e:?}");
    let e = fails(
        c.list_user_import_jobs()
            .user_pool_id(missing_pool)
            .max_results(10)
            .send()
            .await,
    );
    assert_eq!(e.0, "ResourceNotFoundException", "{e:?}");
    for e in [
        fails(
            c.describe_user_import_job()
                .user_pool_id(&pool)
                .job_id(missing_job)
                .send()
                .await,
        ),
        fails(
            c.start_user_import_job()
                .user_pool_id(&pool)
                .job_id(missing_job)
                .send()
                .await,
        ),
        fails(
            c.stop_user_import_job()
                .user_pool_id(&pool)
                .job_id(missing_job)
                .send()
                .await,
        ),
    ] {
        assert_eq!(e.0, "ResourceNotFoundException", "{e:?}");
    }
    // The model's constraints: the job id's pattern, the role's ARN.
    let e = fails(
        c.describe_user_import_job()
            .user_pool_id(&pool)
            .job_id("job-1")
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");
    let e = fails(
        c.create_user_import_job()
            .user_pool_id(&pool)
            .job_name("j")
            .cloud_watch_logs_role_arn("not-an-arn")
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");
    // Password hashes are not imported: refused, not ignored.
    let e = fails(
        c.create_user_import_job()
            .user_pool_id(&pool)
            .job_name("hashes")
            .cloud_watch_logs_role_arn(ROLE)
            .password_hashing_algorithm(
                aws_sdk_cognitoidentityprovider::types::PasswordHashingAlgorithmType::Bcrypt,
            )
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");

    let job = create_job(&c, &pool, "errors").await;
    let job_id = job.job_id().expect("id");
    // Not uploaded yet: AWS's PreconditionNotMetException.
    let e = fails(
        c.start_user_import_job()
            .user_pool_id(&pool)
            .job_id(job_id)
            .send()
            .await,
    );
    assert_eq!(
        e,
        (
            "PreconditionNotMetException".to_string(),
            format!("No csv file was uploaded for {job_id}")
        )
    );
    // Only a job in progress stops.
    let e = fails(
        c.stop_user_import_job()
            .user_pool_id(&pool)
            .job_id(job_id)
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");
    assert_eq!(put(&server, &job, &many(&header, 3), false).status, 200);
    start(&c, &pool, job_id).await;
    // Started once only.
    let e = fails(
        c.start_user_import_job()
            .user_pool_id(&pool)
            .job_id(job_id)
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");
    let done = until_done(&c, &pool, job_id, Duration::from_secs(60)).await;
    assert_eq!(done.status(), Some(&Status::Succeeded));
    let e = fails(
        c.start_user_import_job()
            .user_pool_id(&pool)
            .job_id(job_id)
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");

    // A pool without auto-verified attributes cannot import: its users could not reset
    // their passwords.
    let plain = create_pool_with(&c, "plain", |b| b).await;
    let plain_header = self::header(&c, &plain).await;
    let job = create_job(&c, &plain, "plain").await;
    assert_eq!(
        put(&server, &job, &many(&plain_header, 1), false).status,
        200
    );
    let e = fails(
        c.start_user_import_job()
            .user_pool_id(&plain)
            .job_id(job.job_id().expect("id"))
            .send()
            .await,
    );
    assert_eq!(e.0, "PreconditionNotMetException", "{e:?}");

    // A file whose header is not the pool's fails the job.
    let job = create_job(&c, &pool, "bad-header").await;
    let job_id = job.job_id().expect("id");
    assert_eq!(
        put(
            &server,
            &job,
            "cognito:username,email\nx,x@example.com\n",
            false
        )
        .status,
        200
    );
    start(&c, &pool, job_id).await;
    let done = until_done(&c, &pool, job_id, Duration::from_secs(60)).await;
    assert_eq!(done.status(), Some(&Status::Failed));
    assert!(
        done.completion_message()
            .is_some_and(|m| m.contains("missing")),
        "{:?}",
        done.completion_message()
    );
}

#[tokio::test]
async fn jobs_are_listed_newest_first_in_pages() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = pool(&c).await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(
            create_job(&c, &pool, &format!("job-{i}"))
                .await
                .job_id()
                .expect("id")
                .to_string(),
        );
    }
    let e = fails(
        c.list_user_import_jobs()
            .user_pool_id(&pool)
            .max_results(0)
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException");
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = c
            .list_user_import_jobs()
            .user_pool_id(&pool)
            .max_results(2)
            .set_pagination_token(token.clone())
            .send()
            .await
            .expect("list");
        let jobs = page.user_import_jobs();
        assert!(jobs.len() <= 2);
        listed.extend(jobs.iter().map(|j| {
            let created = j.creation_date().expect("CreationDate");
            (created.as_secs_f64(), j.job_id().expect("id").to_string())
        }));
        match page.pagination_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    // Newest first (jobs created in one millisecond may come in either order), each once.
    assert!(
        listed.windows(2).all(|w| w[0].0 >= w[1].0),
        "newest first: {listed:?}"
    );
    let mut ids: Vec<String> = listed.into_iter().map(|(_, id)| id).collect();
    ids.sort();
    created.sort();
    assert_eq!(ids, created, "each job once");
    let e = fails(
        c.list_user_import_jobs()
            .user_pool_id(&pool)
            .max_results(2)
            .pagination_token("garbage!")
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException");
}

#[tokio::test]
async fn a_stopped_job_stops_between_two_batches() {
    let server = Server::sqlite();
    let c = server.client();
    let pool = pool(&c).await;
    let header = header(&c, &pool).await;
    let job = create_job(&c, &pool, "to-stop").await;
    let job_id = job.job_id().expect("id");
    assert_eq!(
        put(&server, &job, &many(&header, 20_000), false).status,
        200
    );
    start(&c, &pool, job_id).await;
    let stopping = c
        .stop_user_import_job()
        .user_pool_id(&pool)
        .job_id(job_id)
        .send()
        .await
        .expect("stop")
        .user_import_job()
        .expect("job")
        .clone();
    assert_eq!(stopping.status(), Some(&Status::Stopping));
    let done = until_done(&c, &pool, job_id, Duration::from_secs(60)).await;
    assert_eq!(done.status(), Some(&Status::Stopped));
    assert_eq!(
        done.completion_message(),
        Some("The Import Job was stopped by the developer.")
    );
    assert!(done.imported_users() < 20_000, "{}", done.imported_users());
    assert_eq!(
        estimated_users(&c, &pool).await as i64,
        done.imported_users()
    );
    let e = fails(
        c.start_user_import_job()
            .user_pool_id(&pool)
            .job_id(job_id)
            .send()
            .await,
    );
    assert_eq!(e.0, "InvalidParameterException", "{e:?}");
}

/// A server killed (SIGKILL) mid-import resumes the job after its restart: every row is
/// imported once, none twice, and the progress counted before the kill stays.
async fn an_import_killed_mid_file_resumes_after_a_restart(backend: &Backend) {
    const USERS: usize = 20_000;
    let mut server = Server::start(backend);
    let c = server.client();
    let pool = pool(&c).await;
    let header = header(&c, &pool).await;
    let job = create_job(&c, &pool, "interrupted").await;
    let job_id = job.job_id().expect("id").to_string();
    assert_eq!(put(&server, &job, &many(&header, USERS), false).status, 200);
    start(&c, &pool, &job_id).await;
    // Progress shows while the job runs.
    let started = Instant::now();
    let before = loop {
        let d = describe(&c, &pool, &job_id).await;
        if d.status() == Some(&Status::InProgress) && d.imported_users() > 0 {
            break d;
        }
        assert!(
            running(&d),
            "the job ended before it could be interrupted: {d:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(before.imported_users() < USERS as i64);
    server.kill();

    let restarted = Server::start(backend);
    let c = restarted.client();
    // On PostgreSQL another node's lease must run out first (30 s).
    let done = until_done(&c, &pool, &job_id, Duration::from_secs(120)).await;
    assert_eq!(
        done.status(),
        Some(&Status::Succeeded),
        "{:?}",
        done.completion_message()
    );
    assert_eq!(
        (
            done.imported_users(),
            done.skipped_users(),
            done.failed_users()
        ),
        (USERS as i64, 0, 0),
        "every row imported once"
    );
    assert_eq!(estimated_users(&c, &pool).await as usize, USERS);
    for name in ["u0", "u9999", "u19999"] {
        let user = c
            .admin_get_user()
            .user_pool_id(&pool)
            .username(name)
            .send()
            .await;
        assert_eq!(
            user.expect(name).user_status(),
            Some(&UserStatusType::ResetRequired)
        );
    }
}

#[tokio::test]
async fn an_import_killed_mid_file_resumes_after_a_restart_on_sqlite() {
    let (backend, _dir) = Backend::sqlite();
    an_import_killed_mid_file_resumes_after_a_restart(&backend).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
async fn an_import_killed_mid_file_resumes_after_a_restart_on_postgresql() {
    an_import_killed_mid_file_resumes_after_a_restart(&Backend::postgres()).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
async fn an_uploaded_file_is_imported_on_postgresql() {
    let server = Server::start(&Backend::postgres());
    let c = server.client();
    let pool = pool(&c).await;
    let header = header(&c, &pool).await;
    let job = create_job(&c, &pool, "pg").await;
    let job_id = job.job_id().expect("id");
    let mut rows: Vec<String> = (0..1_500)
        .map(|i| user_row(&header, &format!("u{i}")))
        .collect();
    rows.push(user_row(&header, "u7"));
    assert_eq!(put(&server, &job, &file(&header, &rows), false).status, 200);
    assert_eq!(put(&server, &job, &file(&header, &rows), false).status, 403);
    start(&c, &pool, job_id).await;
    let done = until_done(&c, &pool, job_id, Duration::from_secs(120)).await;
    assert_eq!(done.status(), Some(&Status::Succeeded));
    assert_eq!(
        (
            done.imported_users(),
            done.skipped_users(),
            done.failed_users()
        ),
        (1_500, 1, 0)
    );
    assert_eq!(estimated_users(&c, &pool).await, 1_500);
    let listed = c
        .list_user_import_jobs()
        .user_pool_id(&pool)
        .max_results(5)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.user_import_jobs().len(), 1);
}
