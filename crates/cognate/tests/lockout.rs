//! The lockout after repeated wrong passwords holds under concurrency: a check is
//! reserved in the same write that checks the lock, so of many wrong passwords sent at
//! once no more than five are checked, on SQLite and on PostgreSQL across two nodes;
//! and wrong previous passwords given to ChangePassword count toward the same lockout.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType as Flow, MessageActionType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::{code, message, Backend, Server};

const PASSWORD: &str = "Passw0rd!";
const WRONG: &str = "Wr0ngPassword!";
const INCORRECT: &str = "Incorrect username or password.";
const EXCEEDED: &str = "Password attempts exceeded";

/// A pool, a client allowing USER_PASSWORD_AUTH, and `alice` with a permanent password.
async fn setup(c: &Client) -> (String, String) {
    let pool = c.create_user_pool().pool_name("lockout").send().await;
    let pool = pool
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id())
        .expect("id")
        .to_string();
    let app = c
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(Flow::AllowUserPasswordAuth)
        .explicit_auth_flows(Flow::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("client");
    let app = app
        .user_pool_client()
        .and_then(|c| c.client_id())
        .expect("id")
        .to_string();
    c.admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("alice@example.com")
                .build()
                .expect("attr"),
        )
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("user");
    c.admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .expect("password");
    (pool, app)
}

/// USER_PASSWORD_AUTH: Ok, or the error's (code, message).
async fn sign_in(
    c: &Client,
    app: &str,
    password: &str,
) -> Result<Option<String>, (String, String)> {
    c.initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map(|o| {
            o.authentication_result()
                .and_then(|r| r.access_token())
                .map(str::to_string)
        })
        .map_err(|e| (code(&e), message(&e)))
}

/// Sends 24 wrong passwords at once, spread over `clients`; answers when (since the
/// burst began) each that was checked ("Incorrect") was answered, and how many were
/// refused ("Password attempts exceeded").
async fn parallel_wrong_passwords(clients: &[Client], app: &str) -> (Vec<f64>, usize) {
    let start = std::time::Instant::now();
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let (c, app) = (clients[i % clients.len()].clone(), app.to_string());
            tokio::spawn(async move {
                let answer = sign_in(&c, &app, WRONG).await;
                (answer, start.elapsed().as_secs_f64())
            })
        })
        .collect();
    let (mut checked, mut exceeded) = (Vec::new(), 0);
    for t in tasks {
        let (answer, at) = t.await.expect("task");
        let (code, message) = answer.expect_err("a wrong password fails");
        assert_eq!(code, "NotAuthorizedException", "{message}");
        match message.as_str() {
            INCORRECT => checked.push(at),
            EXCEEDED => exceeded += 1,
            other => panic!("unexpected message {other:?}"),
        }
    }
    checked.sort_by(f64::total_cmp);
    (checked, exceeded)
}

async fn at_most_five_of_many_parallel_guesses_are_checked(servers: &[&Server]) {
    let clients: Vec<Client> = servers.iter().map(|s| s.client()).collect();
    let (pool, app) = setup(&clients[0]).await;
    // Each node opens its database connections on first use, which can take long
    // enough under load for the first lockout (one second) to pass: open them first.
    let warm: Vec<_> = (0..32)
        .map(|i| {
            let (c, pool) = (clients[i % clients.len()].clone(), pool.clone());
            tokio::spawn(async move { c.describe_user_pool().user_pool_id(pool).send().await })
        })
        .collect();
    for w in warm {
        w.await.expect("task").expect("describe");
    }
    let (checked, exceeded) = parallel_wrong_passwords(&clients, &app).await;
    assert_eq!(checked.len() + exceeded, 24);
    // Five checks, then none until a lockout has run out: the fifth failure locks the
    // user out for 1 s, the sixth for 2 s, ... so the (5+k)th check can only be
    // answered 2^k - 1 seconds after the burst began. A burst answered within a second
    // (as it is unless the machine is very loaded) therefore has at most five.
    for (i, at) in checked.iter().enumerate().skip(5) {
        let earliest = 2f64.powi(i as i32 - 4) - 1.0;
        assert!(
            *at >= earliest,
            "check {} of the burst answered after {at:.3} s, before any lockout ran out \
             (answers: {checked:?})",
            i + 1
        );
    }
    eprintln!("checked {} of 24, answered at {checked:?}", checked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_are_checked_at_most_five_times_on_sqlite() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    at_most_five_of_many_parallel_guesses_are_checked(&[&server]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set COGNATE_TEST_DATABASE_URL"]
async fn parallel_wrong_passwords_are_checked_at_most_five_times_across_postgres_nodes() {
    let backend = Backend::postgres();
    let (a, b) = (Server::start(&backend), Server::start(&backend));
    at_most_five_of_many_parallel_guesses_are_checked(&[&a, &b]).await;
}

#[tokio::test]
async fn wrong_previous_passwords_in_change_password_lock_the_user_out() {
    let (backend, _dir) = Backend::sqlite();
    let server = Server::start(&backend);
    let c = server.client();
    let (_pool, app) = setup(&c).await;
    let token = sign_in(&c, &app, PASSWORD)
        .await
        .expect("sign in")
        .expect("token");
    let change = |previous: &'static str| {
        let (c, token) = (c.clone(), token.clone());
        async move {
            c.change_password()
                .access_token(token)
                .previous_password(previous)
                .proposed_password("N3wPassword!")
                .send()
                .await
                .map(|_| ())
                .map_err(|e| (code(&e), message(&e)))
        }
    };
    // Fifteen wrong guesses: the first five are checked, then the user is locked out
    // (1 s after the fifth failure, doubling with each further checked failure) and
    // the rest are refused unchecked, unless a lockout ran out between two of them.
    let (mut checked, mut last_checked) = (0, std::time::Instant::now());
    for i in 0..15 {
        let answer = change(WRONG).await.expect_err("a wrong previous password");
        if answer == ("NotAuthorizedException".to_string(), INCORRECT.to_string()) {
            checked += 1;
            last_checked = std::time::Instant::now();
        } else {
            assert!(i >= 5, "guess {} was not checked: {answer:?}", i + 1);
            assert_eq!(answer.0, "LimitExceededException", "{answer:?}");
        }
    }
    assert!(checked >= 5, "{checked} guesses checked");
    // The lockout runs for 2^(checked-5) s from the last checked failure. Had the wrong
    // guesses not counted, all fifteen would have been checked and the window would be
    // 1024 s; a machine so loaded that a correct lockout ran out cannot be judged.
    let window = std::time::Duration::from_secs_f64(2f64.powi(checked - 5));
    // AWS answers a locked-out ChangePassword with LimitExceededException.
    let answer = change(PASSWORD).await;
    let sign_in_answer = sign_in(&c, &app, PASSWORD).await;
    if last_checked.elapsed() >= window {
        eprintln!("the lockout ran out before it could be observed; nothing to judge");
        return;
    }
    assert_eq!(
        answer,
        Err((
            "LimitExceededException".to_string(),
            "Attempt limit exceeded, please try after some time.".to_string()
        )),
        "the right password is refused while locked out ({checked} checked)"
    );
    // The same lockout covers signing in.
    assert_eq!(sign_in_answer.expect_err("locked").1, EXCEEDED);
}
