//! USER_SRP_AUTH end to end through the official Rust SDK, answered by an SRP client
//! written here (as amazon-cognito-identity-js computes it), independent of the server's.

mod common;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use aws_sdk_cognitoidentityprovider::Client;
use common::srp::{n, srp_answer, srp_answer_at, srp_start, timestamp_at};
use common::*;
use num_bigint::BigUint;

#[tokio::test]
async fn srp_sign_in_with_an_independent_client() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    let pv = || ChallengeNameType::PasswordVerifier;
    create_user(&c, &pool, "bob", Some("Temp0rary!")).await;

    let (a, challenge) = srp_start(&c, &app, "alice").await;
    assert_eq!(challenge["USER_ID_FOR_SRP"], "alice");
    let answer = srp_answer(&pool, &a, &challenge, PASSWORD);
    let out = respond(&c, &app, pv(), None, answer.clone()).await;
    let t = tokens(out.expect("PASSWORD_VERIFIER").authentication_result());
    assert_eq!(claims(&t.id)["cognito:username"], "alice");
    assert_eq!(get_user(&c, &t.access).await, Ok("alice".to_string()));
    let again = respond(&c, &app, pv(), None, answer).await;
    assert_eq!(fails(again).0, NA, "a SECRET_BLOCK is answered once");

    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let wrong = srp_answer(&pool, &a, &challenge, "An0therPassword!");
    assert_eq!(
        fails(respond(&c, &app, pv(), None, wrong).await),
        na(INCORRECT)
    );

    let (a, challenge) = srp_start(&c, &app, "bob").await;
    let answer = srp_answer(&pool, &a, &challenge, "Temp0rary!");
    let out = respond(&c, &app, pv(), None, answer)
        .await
        .expect("a temporary password");
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    assert!(out.session().is_some());
    assert!(out.authentication_result().is_none());
}

// ---- PreventUserExistenceErrors ---------------------------------------------------

#[tokio::test]
async fn unknown_users_get_a_stable_decoy_srp_challenge() {
    let (_server, c, pool, _app) = sign_in_fixture().await;
    let hiding = hiding_client(&c, &pool).await;
    let (_, first) = srp_start(&c, &hiding, "nobody").await;
    let (_, again) = srp_start(&c, &hiding, "nobody").await;
    assert_eq!(
        first["SALT"], again["SALT"],
        "the salt repeats, as a user's"
    );
    assert_eq!(first["USER_ID_FOR_SRP"], again["USER_ID_FOR_SRP"]);
    assert_ne!(first["SRP_B"], again["SRP_B"]);
    let (_, other) = srp_start(&c, &hiding, "somebody").await;
    assert_ne!(first["SALT"], other["SALT"]);
}

/// Six wrong passwords in a row: the answers.
async fn six_wrong_passwords(c: &Client, app: &str, user: &str) -> Vec<(String, String)> {
    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(fails(password_auth(c, app, user, WRONG).await));
    }
    answers
}

#[tokio::test]
async fn unknown_and_known_users_fail_alike_when_existence_errors_are_prevented() {
    let (_server, c, pool, _app) = sign_in_fixture().await;
    let hiding = hiding_client(&c, &pool).await;
    let known = six_wrong_passwords(&c, &hiding, "alice").await;
    assert_eq!(known[4], na(INCORRECT));
    assert_eq!(known[5], na("Password attempts exceeded"));
    assert_eq!(six_wrong_passwords(&c, &hiding, "nobody").await, known);

    add_user(&c, &pool, "bob", PASSWORD).await;
    for user in ["bob", "somebody"] {
        let (a, challenge) = srp_start(&c, &hiding, user).await;
        let wrong = srp_answer(&pool, &a, &challenge, WRONG);
        let answer = respond(
            &c,
            &hiding,
            ChallengeNameType::PasswordVerifier,
            None,
            wrong,
        );
        assert_eq!(fails(answer.await), na(INCORRECT), "{user}");
    }

    // A disabled user is told so only with the right password.
    add_user(&c, &pool, "carol", PASSWORD).await;
    let disable = c.admin_disable_user().user_pool_id(&pool).username("carol");
    disable.send().await.expect("disable");
    let wrong = password_auth(&c, &hiding, "carol", WRONG).await;
    assert_eq!(fails(wrong), na(INCORRECT));
    let right = password_auth(&c, &hiding, "carol", PASSWORD).await;
    assert_eq!(fails(right), na("User is disabled."));
}

// ---- SRP's A, TIMESTAMP, and a user disabled mid-challenge ---------------------------

#[tokio::test]
async fn srp_a_must_be_reduced_and_nonzero_mod_n() {
    let (_server, c, _pool, app) = sign_in_fixture().await;
    for a in [BigUint::from(0u32), n(), n() + 1u32, n() * 2u32 + 2u32] {
        let out = c
            .initiate_auth()
            .client_id(&app)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("SRP_A", a.to_str_radix(16))
            .send()
            .await;
        assert_eq!(fails(out).0, "InvalidParameterException", "A = {a:x}");
    }
}

#[tokio::test]
async fn password_verifier_timestamps_are_checked() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    let pv = || ChallengeNameType::PasswordVerifier;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let now = now.expect("clock").as_secs() as i64;

    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let malformed = srp_answer_at(&pool, &a, &challenge, PASSWORD, "2018-09-25T00:09:40Z");
    let (code, message) = fails(respond(&c, &app, pv(), None, malformed).await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
    );

    // Correctly signed, but an hour old.
    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let old = srp_answer_at(&pool, &a, &challenge, PASSWORD, &timestamp_at(now - 3600));
    let refused = respond(&c, &app, pv(), None, old).await;
    assert_eq!(fails(refused).0, "InvalidParameterException");

    // A few minutes of skew is taken, with the day unpadded as JavaScript clients
    // write it.
    let (a, challenge) = srp_start(&c, &app, "alice").await;
    let skewed = srp_answer_at(&pool, &a, &challenge, PASSWORD, &timestamp_at(now - 120));
    respond(&c, &app, pv(), None, skewed).await.expect("taken");
}

#[tokio::test]
async fn a_user_disabled_after_new_password_required_cannot_finish_it() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    create_user(&c, &pool, "bob", Some("Temp0rary!")).await;
    let out = password_auth(&c, &app, "bob", "Temp0rary!").await;
    let out = out.expect("a temporary password");
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let disable = c.admin_disable_user().user_pool_id(&pool).username("bob");
    disable.send().await.expect("disable");
    let answer = respond(
        &c,
        &app,
        ChallengeNameType::NewPasswordRequired,
        out.session(),
        params(&[("USERNAME", "bob"), ("NEW_PASSWORD", NEW_PASSWORD)]),
    );
    assert_eq!(fails(answer.await), na("User is disabled."));
}
