//! `--iam-credentials`: operations AWS authorizes with IAM need a SigV4 signature by one
//! of the configured keys, answered with AWS's errors otherwise; the operations users
//! call with tokens or nothing stay open.

mod common;

use common::{code, message, Backend, Server};

fn server() -> (Server, tempfile::TempDir) {
    let (backend, dir) = Backend::sqlite();
    let s = Server::start_with(
        &backend,
        &[
            "--iam-credentials",
            "AKIDTEST:secret,AKIDOTHER:other-secret",
        ],
    );
    (s, dir)
}

#[tokio::test]
async fn a_request_signed_with_a_configured_key_is_served() {
    let (s, _d) = server();
    for (key, secret) in [("AKIDTEST", "secret"), ("AKIDOTHER", "other-secret")] {
        let created = s
            .client_as(key, secret)
            .create_user_pool()
            .pool_name(format!("signed-by-{key}"))
            .send()
            .await
            .expect("a signed CreateUserPool");
        let id = created.user_pool().and_then(|p| p.id()).expect("pool id");
        // The region of the signature's scope names the pool.
        assert!(id.starts_with("eu-west-1_"), "{id}");
    }
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_signature() {
    let (s, _d) = server();
    let err = s
        .client_as("AKIDTEST", "not-the-secret")
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .expect_err("a wrong secret");
    assert_eq!(code(&err), "InvalidSignatureException");
    assert!(
        message(&err).starts_with(
            "The request signature we calculated does not match the signature you provided."
        ),
        "{}",
        message(&err)
    );
}

#[tokio::test]
async fn an_unknown_key_id_is_an_unrecognized_client() {
    let (s, _d) = server();
    let err = s
        .client_as("AKIDUNKNOWN", "secret")
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .expect_err("an unknown key");
    assert_eq!(code(&err), "UnrecognizedClientException");
    assert_eq!(
        message(&err),
        "The security token included in the request is invalid."
    );
}

#[test]
fn an_unsigned_admin_request_is_missing_its_token() {
    let (s, _d) = server();
    let r = s.call("ListUserPools", r#"{"MaxResults":10}"#);
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.error_type(), "MissingAuthenticationTokenException");
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );
    assert_eq!(r.message(), "Missing Authentication Token");
    // So is one naming no known operation: nothing is told before authentication.
    let r = s.call("NoSuchOperation", "{}");
    assert_eq!(r.error_type(), "MissingAuthenticationTokenException");
}

#[test]
fn a_malformed_authorization_header_is_an_incomplete_signature() {
    let (s, _d) = server();
    for auth in [
        "AWS4-HMAC-SHA256 Signature=abcd",
        "Bearer some-token",
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101, SignedHeaders=host;x-amz-date, Signature=00",
    ] {
        let r = s.request(
            "POST",
            "/",
            &[
                (
                    "X-Amz-Target",
                    "AWSCognitoIdentityProviderService.ListUserPools",
                ),
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Date", "20240101T000000Z"),
                ("Authorization", auth),
            ],
            r#"{"MaxResults":10}"#,
        );
        assert_eq!(r.status, 400, "{auth}: {}", r.body);
        assert_eq!(r.error_type(), "IncompleteSignatureException", "{auth}");
    }
}

#[test]
fn operations_called_with_tokens_or_nothing_stay_open() {
    let (s, _d) = server();
    // Unsigned, they reach the operation (which finds no such client or token).
    for (op, body) in [
        (
            "InitiateAuth",
            r#"{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"1example23456789abcdefghij","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}"#,
        ),
        (
            "SignUp",
            r#"{"ClientId":"1example23456789abcdefghij","Username":"u","Password":"Passw0rd!"}"#,
        ),
        ("GetUser", r#"{"AccessToken":"not-a-token"}"#),
    ] {
        let r = s.call(op, body);
        assert_ne!(
            r.error_type(),
            "MissingAuthenticationTokenException",
            "{op}: {}",
            r.body
        );
        assert!(
            [
                "ResourceNotFoundException",
                "NotAuthorizedException",
                "NotImplementedException",
            ]
            .contains(&r.error_type().as_str()),
            "{op}: {}",
            r.body
        );
    }
}

#[test]
fn without_the_flag_unsigned_requests_are_served() {
    let (backend, _d) = Backend::sqlite();
    let s = Server::start(&backend);
    let r = s.call("ListUserPools", r#"{"MaxResults":10}"#);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn secrets_are_not_shown_by_help() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(["serve", "--help"])
        .env("COGNATE_IAM_CREDENTIALS", "AKIDTEST:very-secret-value")
        .output()
        .expect("cognate serve --help");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--iam-credentials"));
    assert!(!text.contains("very-secret-value"), "{text}");
}

#[test]
fn a_malformed_flag_stops_the_server_without_echoing_it() {
    let (backend, dir) = Backend::sqlite();
    let Backend::Sqlite(path) = &backend else {
        unreachable!()
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(path)
        .args(["--iam-credentials", "AKIDTEST:fine,no-colon-very-secret"])
        .output()
        .expect("cognate serve");
    drop(dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--iam-credentials"), "{err}");
    assert!(
        !err.contains("very-secret") && !err.contains("fine"),
        "{err}"
    );
}
