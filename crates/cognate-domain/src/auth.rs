//! Signing in: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge and
//! AdminRespondToAuthChallenge with the password flows (USER_PASSWORD_AUTH,
//! ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH), SRP (USER_SRP_AUTH →
//! PASSWORD_VERIFIER), refresh (REFRESH_TOKEN_AUTH / REFRESH_TOKEN) and the
//! NEW_PASSWORD_REQUIRED challenge; and the lockout after repeated failures.
//!
//! Challenge state travels with the client, sealed with the master key: the `Session`
//! value, and for SRP the SECRET_BLOCK (which also carries the server's private value).
//! Starting a challenge therefore writes nothing; answering one records its hash, so
//! each is answered at most once, and the seal dates it, so it expires after the
//! client's AuthSessionValidity.

use crate::clock::now;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::service::Service;
use crate::srp::{self, constant_time_eq, Verifier};
use crate::tokens::{self, FamilyDoc, Grant};
use crate::user::{self, PoolView, UserDoc};
use crate::user_attributes as attrs;
use crate::user_pool_client::{self, AuthClient};
use crate::{codes, password_policy};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::auth::{self as records, Failures};
use cognate_store::records::user::UserRow;
use cognate_store::Conn;
use num_bigint::BigUint;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Failed sign-ins allowed before the first lockout.
const LOCKOUT_AFTER: i64 = 5;
/// The longest lockout, and the quiet period after which failures are forgotten.
const LOCKOUT_MAX_SECONDS: f64 = 900.0;

/// What a challenge's sealed state holds.
#[derive(Debug, Serialize, Deserialize)]
struct Challenge {
    #[serde(rename = "p")]
    pool_id: String,
    #[serde(rename = "c")]
    client_id: String,
    /// The user's username (USER_ID_FOR_SRP).
    #[serde(rename = "u")]
    username: String,
    #[serde(rename = "k")]
    name: String,
    #[serde(rename = "x")]
    expires_at: f64,
    /// SRP: the client's A, the server's B and private b (base64 of big-endian bytes).
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    srp_a: Option<String>,
    #[serde(rename = "B", default, skip_serializing_if = "Option::is_none")]
    srp_big_b: Option<String>,
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    srp_b: Option<String>,
    /// The user does not exist (PreventUserExistenceErrors): the answer always fails.
    #[serde(rename = "f", default, skip_serializing_if = "std::ops::Not::not")]
    fake: bool,
    #[serde(rename = "n")]
    nonce: String,
}

/// What a sign-in step answers: tokens, or the next challenge.
#[derive(Default)]
pub(crate) struct Outcome {
    pub challenge_name: Option<String>,
    pub session: Option<String>,
    pub challenge_parameters: Option<BTreeMap<String, String>>,
    pub authentication_result: Option<AuthenticationResultType>,
}

/// Each of the four sign-in operations answers an Outcome in its own response type.
macro_rules! outcome_into {
    ($($response:ty),*) => {$(
        impl From<Outcome> for $response {
            fn from(o: Outcome) -> Self {
                Self {
                    challenge_name: o.challenge_name,
                    session: o.session,
                    challenge_parameters: o.challenge_parameters,
                    authentication_result: o.authentication_result,
                    available_challenges: None,
                }
            }
        }
    )*};
}
outcome_into!(
    InitiateAuthResponse,
    AdminInitiateAuthResponse,
    RespondToAuthChallengeResponse,
    AdminRespondToAuthChallengeResponse
);

fn not_authorized(message: &str) -> Error {
    fail(ErrorCode::NotAuthorizedException, message)
}

fn incorrect() -> Error {
    not_authorized("Incorrect username or password.")
}

fn missing(name: &str) -> Error {
    invalid(format!("Missing required parameter {name}"))
}

fn big(bytes_b64: &Option<String>) -> Option<BigUint> {
    Some(BigUint::from_bytes_be(
        &STANDARD.decode(bytes_b64.as_deref()?).ok()?,
    ))
}

/// The flows a client allows: its ExplicitAuthFlows, or AWS's default (SRP, refresh,
/// custom). Legacy values (without ALLOW_) always allow SRP and refresh.
fn flow_allowed(client: &UserPoolClientType, flow: &str) -> bool {
    let default = [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_CUSTOM_AUTH",
    ]
    .map(String::from)
    .to_vec();
    let flows = client.explicit_auth_flows.clone().unwrap_or(default);
    let has = |f: &str| flows.iter().any(|x| x == f);
    let legacy = flows.iter().all(|f| !f.starts_with("ALLOW_"));
    match flow {
        "USER_PASSWORD_AUTH" => has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH"),
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH")
        }
        "USER_SRP_AUTH" => has("ALLOW_USER_SRP_AUTH") || legacy,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => has("ALLOW_REFRESH_TOKEN_AUTH") || legacy,
        _ => false,
    }
}

/// SECRET_HASH = Base64(HMAC-SHA256(client secret, username | client id)); required for
/// clients with a secret. Any of `usernames` (as sent, the username, the sub) may be
/// the one hashed.
fn check_secret_hash(client: &AuthClient, usernames: &[&str], given: Option<&str>) -> Result<()> {
    let Some(secret) = &client.secret else {
        return Ok(());
    };
    let client_id = client.client.client_id.as_deref().unwrap_or_default();
    let Some(given) = given else {
        return Err(not_authorized(&format!(
            "Client {client_id} is configured for secret but secret was not received"
        )));
    };
    let given = STANDARD.decode(given).unwrap_or_default();
    let ok = usernames.iter().any(|name| {
        let expected =
            srp::hmac_sha256(secret.as_bytes(), &[name.as_bytes(), client_id.as_bytes()]);
        constant_time_eq(&expected, &given)
    });
    if ok {
        Ok(())
    } else {
        Err(not_authorized(&format!(
            "Unable to verify secret hash for client {client_id}"
        )))
    }
}

fn prevents_existence_errors(client: &AuthClient) -> bool {
    client.client.prevent_user_existence_errors.as_deref() == Some("ENABLED")
}

/// The error for a user that does not exist: UserNotFoundException, or the wrong-password
/// error when the client hides which users exist.
fn user_missing(client: &AuthClient) -> Error {
    if prevents_existence_errors(client) {
        incorrect()
    } else {
        user::user_not_found()
    }
}

fn locked(failures: Option<&Failures>, t: f64) -> bool {
    failures.is_some_and(|f| f.locked_until > t)
}

/// Counts a failed sign-in: from the fifth on, the user is locked out for 2^(n-5)
/// seconds, at most 15 minutes; failures are forgotten after 15 quiet minutes.
fn record_failure(conn: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<()> {
    let t = now();
    let mut f = records::failures(conn, pool_id, username_key)?.unwrap_or_default();
    if f.locked_until > t {
        // Attempts during a lockout do not lengthen it.
        return Ok(());
    }
    if f.last_at > 0.0 && t - f.last_at.max(f.locked_until) > LOCKOUT_MAX_SECONDS {
        f.count = 0;
    }
    f.count += 1;
    f.last_at = t;
    f.locked_until = if f.count >= LOCKOUT_AFTER {
        let exponent = (f.count - LOCKOUT_AFTER).min(20) as i32;
        t + 2f64.powi(exponent).min(LOCKOUT_MAX_SECONDS)
    } else {
        0.0
    };
    records::set_failures(conn, pool_id, username_key, &f)?;
    Ok(())
}

/// The checks after a correct password: status, and temporary password expiry.
/// Ok(true) when the user must choose a new password first.
fn check_status(row: &UserRow, doc: &UserDoc) -> Result<bool> {
    match row.status.as_str() {
        "UNCONFIRMED" => Err(fail(
            ErrorCode::UserNotConfirmedException,
            "User is not confirmed.",
        )),
        "RESET_REQUIRED" => Err(fail(
            ErrorCode::PasswordResetRequiredException,
            "Password reset required for the user",
        )),
        "FORCE_CHANGE_PASSWORD" => {
            if doc
                .password
                .as_ref()
                .and_then(|p| p.expires_at)
                .is_some_and(|e| e < now())
            {
                return Err(not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Multi-factor sign-in is not available yet: rather than skip a factor the pool or the
/// user requires, such a sign-in is refused with a clear error.
fn check_mfa(pool: &PoolView, doc: &UserDoc) -> Result<()> {
    let config = pool.pool.mfa_configuration.as_deref().unwrap_or("OFF");
    let user_has_mfa = doc.mfa.sms_enabled || doc.mfa.totp_enabled || doc.mfa.email_enabled;
    if config == "ON" || (config == "OPTIONAL" && user_has_mfa) {
        return Err(fail(
            ErrorCode::NotAuthorizedException,
            "This server does not run multi-factor sign-in challenges yet; the pool or the user requires MFA.",
        ));
    }
    Ok(())
}

/// What every step of a sign-in reads first.
struct Context {
    pool: PoolView,
    user: Option<(UserRow, UserDoc)>,
    failures: Option<Failures>,
}

fn read_context(
    conn: &mut dyn Conn,
    cache: &crate::pool_cache::PoolCache,
    pool_id: &str,
    username: &str,
) -> Result<Context> {
    let pool = PoolView::load(conn, cache, pool_id)?;
    let user = user::find(conn, &pool, username)?;
    let failures = match &user {
        Some((row, _)) => records::failures(conn, pool_id, &row.username_key)?,
        None => None,
    };
    Ok(Context {
        pool,
        user,
        failures,
    })
}

impl Service {
    /// The client a request names, and that it belongs to `pool_id` when one is given.
    pub(crate) async fn client_for(
        &self,
        client_id: &str,
        pool_id: Option<&str>,
    ) -> Result<AuthClient> {
        let id = client_id.to_string();
        let (pool, cache) = (pool_id.map(str::to_string), self.pool_cache());
        let loaded = self
            .store()
            .read(move |c| {
                // An admin call names its pool, which must exist before its client is
                // looked for.
                if let Some(pool) = &pool {
                    PoolView::load(c, &cache, pool)?;
                }
                user_pool_client::load_for_auth(c, &id)
            })
            .await?;
        let client = loaded
            .filter(|(p, _, _)| pool_id.is_none_or(|want| want == p))
            .ok_or_else(|| not_found(user_pool_client::not_found_message(client_id)))?;
        self.auth_client(client)
    }

    fn seal_challenge(&self, state: &Challenge) -> Result<String> {
        let json = serde_json::to_string(state)
            .map_err(|e| crate::error::internal(format!("challenge state: {e}")))?;
        Ok(self.secrets().seal(&json))
    }

    /// Opens a challenge's state and checks it belongs to this client and is current.
    fn open_challenge(&self, sealed: &str, client: &AuthClient) -> Result<Challenge> {
        let state: Challenge = self
            .secrets()
            .open(sealed)
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| not_authorized("Invalid session for the user."))?;
        if Some(state.client_id.as_str()) != client.client.client_id.as_deref()
            || state.pool_id != client.pool_id
        {
            return Err(not_authorized("Invalid session for the user."));
        }
        if state.expires_at < now() {
            return Err(not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        Ok(state)
    }

    fn new_challenge(&self, client: &AuthClient, username: &str, name: &str) -> Challenge {
        let minutes = client.client.auth_session_validity.unwrap_or(3);
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        Challenge {
            pool_id: client.pool_id.clone(),
            client_id: client.client.client_id.clone().unwrap_or_default(),
            username: username.to_string(),
            name: name.to_string(),
            expires_at: now() + f64::from(minutes) * 60.0,
            srp_a: None,
            srp_big_b: None,
            srp_b: None,
            fake: false,
            nonce: STANDARD.encode(nonce),
        }
    }

    /// The NEW_PASSWORD_REQUIRED challenge for a user signing in with a temporary
    /// password.
    fn new_password_challenge(
        &self,
        client: &AuthClient,
        pool: &PoolView,
        row: &UserRow,
        doc: &UserDoc,
    ) -> Result<Outcome> {
        let state = self.new_challenge(client, &row.username, "NEW_PASSWORD_REQUIRED");
        let required: Vec<String> = pool
            .pool
            .schema_attributes
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .filter(|e| e.required == Some(true))
            .filter_map(|e| e.name.clone())
            .filter(|n| n != "sub" && attrs::get(&doc.attributes, n).is_none_or(str::is_empty))
            .map(|n| format!("userAttributes.{n}"))
            .collect();
        let user_attributes: serde_json::Map<String, serde_json::Value> = doc
            .attributes
            .iter()
            .filter(|a| a.name.as_deref() != Some("sub"))
            .filter_map(|a| Some((a.name.clone()?, a.value.clone()?.into())))
            .collect();
        let mut params = BTreeMap::new();
        params.insert("USER_ID_FOR_SRP".to_string(), row.username.clone());
        params.insert(
            "requiredAttributes".to_string(),
            serde_json::to_string(&required).unwrap_or_default(),
        );
        params.insert(
            "userAttributes".to_string(),
            serde_json::Value::Object(user_attributes).to_string(),
        );
        Ok(Outcome {
            challenge_name: Some("NEW_PASSWORD_REQUIRED".into()),
            session: Some(self.seal_challenge(&state)?),
            challenge_parameters: Some(params),
            authentication_result: None,
        })
    }

    /// Stores the sign-in's family (consuming `consumed` if given) and signs its tokens.
    async fn succeed(
        &self,
        client: &AuthClient,
        username_key: String,
        consumed: Option<(String, f64)>,
    ) -> Result<Outcome> {
        let cache = self.pool_cache();
        let pool_id = client.pool_id.clone();
        let app = client.client.clone();
        let grant = self
            .store()
            .write(move |c| {
                if let Some((hash, expires)) = &consumed {
                    if !records::consume_session(c, hash, &pool_id, *expires)? {
                        return Err(not_authorized(
                            "Invalid session for the user, session can only be used once.",
                        ));
                    }
                }
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let row = cognate_store::records::user::get(c, &pool_id, &username_key)?
                    .ok_or_else(user::user_not_found)?;
                let doc: UserDoc = crate::stored::from_doc(&row.doc)?;
                tokens::start_family(c, &pool, &app, &row, &doc)
            })
            .await?;
        Ok(Outcome {
            authentication_result: Some(self.issue(grant).await?),
            ..Outcome::default()
        })
    }

    async fn fail_sign_in(
        &self,
        pool_id: &str,
        username_key: &str,
        consumed: Option<(String, f64)>,
    ) -> Error {
        let (pool_id, key) = (pool_id.to_string(), username_key.to_string());
        let recorded = self
            .store()
            .write(move |c| {
                if let Some((hash, expires)) = &consumed {
                    records::consume_session(c, hash, &pool_id, *expires)?;
                }
                record_failure(c, &pool_id, &key)
            })
            .await;
        match recorded {
            Ok(()) => incorrect(),
            Err(e) => e,
        }
    }

    /// USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password checked against
    /// the stored verifier.
    async fn password_flow(
        &self,
        client: AuthClient,
        params: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let password = params.get("PASSWORD").ok_or_else(|| missing("PASSWORD"))?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let Some((row, doc)) = &ctx.user else {
            check_secret_hash(&client, &[username], secret_hash)?;
            if prevents_existence_errors(&client) {
                // As long as checking a password, so that timing does not tell either.
                std::hint::black_box(srp::verifier(&client.pool_id, username, password));
            }
            return Err(user_missing(&client));
        };
        check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
        if !row.enabled {
            return Err(not_authorized("User is disabled."));
        }
        if locked(ctx.failures.as_ref(), now()) {
            return Err(not_authorized("Password attempts exceeded"));
        }
        let ok = doc
            .password
            .as_ref()
            .is_some_and(|p| srp::matches(&p.verifier, &ctx.pool.id, &row.username, password));
        if !ok {
            return Err(self
                .fail_sign_in(&ctx.pool.id, &row.username_key, None)
                .await);
        }
        if check_status(row, doc)? {
            return self.new_password_challenge(&client, &ctx.pool, row, doc);
        }
        check_mfa(&ctx.pool, doc)?;
        self.succeed(&client, row.username_key.clone(), None).await
    }

    /// USER_SRP_AUTH: answers the client's A with the PASSWORD_VERIFIER challenge.
    async fn srp_flow(
        &self,
        client: AuthClient,
        params: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let srp_a = params.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
        let a = BigUint::parse_bytes(srp_a.as_bytes(), 16)
            .filter(|a| (a % &*srp::N).bits() > 0)
            .ok_or_else(|| invalid("SRP_A is not a valid value."))?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let b = srp::private_b();
        let (mut state, salt, verifier) = match &ctx.user {
            Some((row, doc)) => {
                check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
                let Some(password) = &doc.password else {
                    return Err(incorrect());
                };
                (
                    self.new_challenge(&client, &row.username, "PASSWORD_VERIFIER"),
                    password.verifier.salt.clone(),
                    password.verifier.verifier.clone(),
                )
            }
            None => {
                check_secret_hash(&client, &[username], secret_hash)?;
                if !prevents_existence_errors(&client) {
                    return Err(user::user_not_found());
                }
                // A challenge indistinguishable from a real one, that no answer passes.
                let decoy =
                    srp::verifier(&client.pool_id, username, &uuid::Uuid::new_v4().to_string());
                let mut state = self.new_challenge(&client, username, "PASSWORD_VERIFIER");
                state.fake = true;
                (state, decoy.salt, decoy.verifier)
            }
        };
        let big_b = srp::public_b(&verifier, &b);
        state.srp_a = Some(STANDARD.encode(a.to_bytes_be()));
        state.srp_big_b = Some(STANDARD.encode(big_b.to_bytes_be()));
        state.srp_b = Some(STANDARD.encode(b.to_bytes_be()));
        let secret_block = STANDARD.encode(self.seal_challenge(&state)?);
        let mut out = BTreeMap::new();
        out.insert("SALT".to_string(), salt);
        out.insert("SECRET_BLOCK".to_string(), secret_block);
        out.insert("SRP_B".to_string(), big_b.to_str_radix(16));
        out.insert("USERNAME".to_string(), state.username.clone());
        out.insert("USER_ID_FOR_SRP".to_string(), state.username.clone());
        Ok(Outcome {
            challenge_name: Some("PASSWORD_VERIFIER".into()),
            challenge_parameters: Some(out),
            ..Outcome::default()
        })
    }

    /// PASSWORD_VERIFIER: checks PASSWORD_CLAIM_SIGNATURE against the key derived from
    /// the exchange.
    async fn answer_password_verifier(
        &self,
        client: AuthClient,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let get = |name: &str| responses.get(name).ok_or_else(|| missing(name));
        let username = get("USERNAME")?;
        let block = get("PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = get("PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = get("TIMESTAMP")?;
        let sealed = STANDARD
            .decode(block)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| not_authorized("Invalid session for the user."))?;
        let state = self.open_challenge(&sealed, &client)?;
        if state.name != "PASSWORD_VERIFIER" {
            return Err(not_authorized("Invalid session for the user."));
        }
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), state.username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        let consumed = Some((codes::hash(&sealed), state.expires_at));
        let Some((row, doc)) = ctx.user.as_ref().filter(|_| !state.fake) else {
            check_secret_hash(&client, &[username], secret_hash)?;
            return Err(user_missing(&client));
        };
        check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
        if !row.enabled {
            return Err(not_authorized("User is disabled."));
        }
        if locked(ctx.failures.as_ref(), now()) {
            return Err(not_authorized("Password attempts exceeded"));
        }
        let claimed = STANDARD.decode(signature).unwrap_or_default();
        let ok = match (
            &doc.password,
            big(&state.srp_a),
            big(&state.srp_big_b),
            big(&state.srp_b),
        ) {
            (Some(p), Some(a), Some(big_b), Some(b)) => {
                srp::password_key(&a, &big_b, &b, &p.verifier.verifier).is_some_and(|key| {
                    let expected = srp::claim_signature(
                        &key,
                        &ctx.pool.id,
                        &row.username,
                        block_bytes(block).as_slice(),
                        timestamp,
                    );
                    constant_time_eq(&expected, &claimed)
                })
            }
            _ => false,
        };
        if !ok {
            return Err(self
                .fail_sign_in(&ctx.pool.id, &row.username_key, consumed)
                .await);
        }
        if check_status(row, doc)? {
            return self.new_password_challenge(&client, &ctx.pool, row, doc);
        }
        check_mfa(&ctx.pool, doc)?;
        self.succeed(&client, row.username_key.clone(), consumed)
            .await
    }

    /// NEW_PASSWORD_REQUIRED: sets the new password (and any attributes sent as
    /// `userAttributes.<name>`), confirms the user and signs them in.
    async fn answer_new_password(
        &self,
        client: AuthClient,
        session: Option<&String>,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let session = session.ok_or_else(|| invalid("Missing required parameter Session"))?;
        let state = self.open_challenge(session, &client)?;
        if state.name != "NEW_PASSWORD_REQUIRED" {
            return Err(not_authorized("Invalid session for the user."));
        }
        let new_password = responses
            .get("NEW_PASSWORD")
            .ok_or_else(|| missing("NEW_PASSWORD"))?
            .clone();
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        let writes: Vec<AttributeType> = responses
            .iter()
            .filter_map(|(k, v)| {
                Some(AttributeType {
                    name: Some(k.strip_prefix("userAttributes.")?.to_string()),
                    value: Some(v.clone()),
                })
            })
            .collect();
        let verifier: Verifier = srp::verifier(&state.pool_id, &state.username, &new_password);
        let cache = self.pool_cache();
        let pool_id = client.pool_id.clone();
        let app = client.client.clone();
        let auth_client_secret = client.secret.clone();
        let consumed = (codes::hash(session), state.expires_at);
        let username = username.clone();
        let secret_hash = secret_hash.map(str::to_string);
        let client_for_hash = AuthClient {
            pool_id: client.pool_id.clone(),
            client: client.client.clone(),
            secret: auth_client_secret,
        };
        let grant = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let (mut row, mut doc) =
                    user::find(c, &pool, &state.username)?.ok_or_else(user::user_not_found)?;
                check_secret_hash(
                    &client_for_hash,
                    &[&username, &row.username, &row.sub],
                    secret_hash.as_deref(),
                )?;
                password_policy::check(&pool.password_policy(), &new_password)?;
                attrs::check_writes(&pool.pool, &writes, false)?;
                for a in &writes {
                    attrs::set(
                        &mut doc.attributes,
                        a.name.as_deref().unwrap_or_default(),
                        a.value.as_deref().unwrap_or_default(),
                    );
                }
                attrs::check_required(&pool.pool, &doc.attributes)?;
                check_mfa(&pool, &doc)?;
                if !records::consume_session(c, &consumed.0, &pool_id, consumed.1)? {
                    return Err(not_authorized(
                        "Invalid session for the user, session can only be used once.",
                    ));
                }
                user::set_permanent_password(&mut row, &mut doc, verifier.clone());
                let row = user::save(c, &pool, row, &doc)?;
                tokens::start_family(c, &pool, &app, &row, &doc)
            })
            .await?;
        Ok(Outcome {
            authentication_result: Some(self.issue(grant).await?),
            ..Outcome::default()
        })
    }

    /// REFRESH_TOKEN_AUTH: new ID and access tokens of the refresh token's session.
    /// With `rotate`, also a new refresh token of the same session, the old one ending
    /// after the client's grace period.
    pub(crate) async fn refresh(
        &self,
        client: AuthClient,
        refresh_token: &str,
        secret_hash: Option<&str>,
        rotate: bool,
    ) -> Result<AuthenticationResultType> {
        let token_hash = tokens::hash(refresh_token);
        let cache = self.pool_cache();
        let client_id = client.client.client_id.clone().unwrap_or_default();
        let pool_id = client.pool_id.clone();
        let app = client.client.clone();
        let secret_hash = secret_hash.map(str::to_string);
        let grace = client
            .client
            .refresh_token_rotation
            .as_ref()
            .and_then(|r| r.retry_grace_period_seconds)
            .unwrap_or(0);
        let work = move |c: &mut dyn Conn| -> Result<Grant> {
            let invalid_token = || not_authorized("Invalid Refresh Token");
            let row = records::refresh_token(c, &token_hash)?
                .filter(|r| r.client_id == client_id && r.pool_id == pool_id)
                .ok_or_else(invalid_token)?;
            if row.revoked_at.is_some() {
                return Err(not_authorized("Refresh Token has been revoked"));
            }
            if row.expires_at <= now() {
                return Err(not_authorized("Refresh Token has expired"));
            }
            let family: FamilyDoc = crate::stored::from_doc(&row.doc)?;
            let pool = PoolView::load(c, &cache, &pool_id)?;
            let user = cognate_store::records::user::get(c, &pool_id, &row.username_key)?
                .filter(|u| u.sub == family.sub)
                .ok_or_else(invalid_token)?;
            check_secret_hash(
                &client,
                &[&user.username, &user.sub],
                secret_hash.as_deref(),
            )?;
            if !user.enabled {
                return Err(not_authorized("User is disabled."));
            }
            let doc: UserDoc = crate::stored::from_doc(&user.doc)?;
            let refresh_token = if rotate {
                // The new token lives for what remained of the one it replaces.
                let t = now();
                let new = tokens::new_refresh_token();
                records::insert_refresh_token(
                    c,
                    &records::RefreshTokenRow {
                        token_hash: tokens::hash(&new),
                        created_at: t,
                        ..row.clone()
                    },
                )?;
                records::expire_refresh_token(c, &row.token_hash, t + f64::from(grace))?;
                Some(new)
            } else {
                None
            };
            Ok(Grant {
                pool_id: pool.id.clone(),
                pool_created: pool.pool.creation_date.unwrap_or_default(),
                client: app.clone(),
                username: user.username.clone(),
                sub: user.sub.clone(),
                attributes: doc.attributes,
                groups: tokens::groups_of(c, &pool.id, &user.username_key)?,
                family_id: row.family_id,
                auth_time: family.auth_time,
                event_id: family.event_id,
                refresh_token,
            })
        };
        let grant = if rotate {
            self.store().write(work).await?
        } else {
            self.store().read(work).await?
        };
        self.issue(grant).await
    }

    /// InitiateAuth and AdminInitiateAuth. `admin` names the pool of an admin call.
    pub(crate) async fn initiate_auth_flow(
        &self,
        admin: Option<&str>,
        client_id: &str,
        flow: &str,
        params: BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let client = self.client_for(client_id, admin).await?;
        let supported: &[&str] = if admin.is_some() {
            &[
                "USER_SRP_AUTH",
                "REFRESH_TOKEN_AUTH",
                "REFRESH_TOKEN",
                "ADMIN_NO_SRP_AUTH",
                "ADMIN_USER_PASSWORD_AUTH",
                "CUSTOM_AUTH",
                "USER_AUTH",
            ]
        } else {
            &[
                "USER_SRP_AUTH",
                "REFRESH_TOKEN_AUTH",
                "REFRESH_TOKEN",
                "USER_PASSWORD_AUTH",
                "CUSTOM_AUTH",
                "USER_AUTH",
            ]
        };
        if !supported.contains(&flow) {
            return Err(invalid("Initiate Auth method not supported."));
        }
        match flow {
            "CUSTOM_AUTH" => {
                return Err(invalid(
                    "Custom auth lambda trigger is not configured for the user pool.",
                ))
            }
            "USER_AUTH" => return Err(invalid("USER_AUTH flow is not enabled for this client.")),
            _ => {}
        }
        if !flow_allowed(&client.client, flow) {
            return Err(invalid(format!("{flow} flow not enabled for this client")));
        }
        match flow {
            "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                self.password_flow(client, &params).await
            }
            "USER_SRP_AUTH" => self.srp_flow(client, &params).await,
            _ => {
                let rotating = client
                    .client
                    .refresh_token_rotation
                    .as_ref()
                    .and_then(|r| r.feature.as_deref())
                    == Some("ENABLED");
                if rotating {
                    // AWS: rotation is done only through GetTokensFromRefreshToken.
                    return Err(invalid(format!(
                        "{flow} can't be used by a client with refresh token rotation enabled; use GetTokensFromRefreshToken."
                    )));
                }
                let token = params
                    .get("REFRESH_TOKEN")
                    .ok_or_else(|| missing("REFRESH_TOKEN"))?;
                let secret_hash = params.get("SECRET_HASH").map(String::as_str);
                Ok(Outcome {
                    authentication_result: Some(
                        self.refresh(client, token, secret_hash, false).await?,
                    ),
                    ..Outcome::default()
                })
            }
        }
    }

    /// RespondToAuthChallenge and AdminRespondToAuthChallenge.
    pub(crate) async fn respond_to_challenge(
        &self,
        admin: Option<&str>,
        client_id: &str,
        challenge: &str,
        session: Option<&String>,
        responses: BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let client = self.client_for(client_id, admin).await?;
        match challenge {
            "PASSWORD_VERIFIER" => self.answer_password_verifier(client, &responses).await,
            "NEW_PASSWORD_REQUIRED" => self.answer_new_password(client, session, &responses).await,
            other => Err(invalid(format!(
                "The challenge {other} is not supported by this server."
            ))),
        }
    }
}

impl Service {
    pub(crate) async fn initiate_auth(
        &self,
        input: InitiateAuthRequest,
    ) -> Result<InitiateAuthResponse> {
        let client_id = required(&input.client_id, "clientId")?;
        let flow = required(&input.auth_flow, "authFlow")?;
        let o = self
            .initiate_auth_flow(
                None,
                client_id,
                flow,
                input.auth_parameters.unwrap_or_default(),
            )
            .await?;
        Ok(o.into())
    }

    pub(crate) async fn admin_initiate_auth(
        &self,
        input: AdminInitiateAuthRequest,
    ) -> Result<AdminInitiateAuthResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?;
        let client_id = required(&input.client_id, "clientId")?;
        let flow = required(&input.auth_flow, "authFlow")?;
        let o = self
            .initiate_auth_flow(
                Some(pool_id),
                client_id,
                flow,
                input.auth_parameters.unwrap_or_default(),
            )
            .await?;
        Ok(o.into())
    }

    pub(crate) async fn respond_to_auth_challenge(
        &self,
        input: RespondToAuthChallengeRequest,
    ) -> Result<RespondToAuthChallengeResponse> {
        let client_id = required(&input.client_id, "clientId")?;
        let challenge = required(&input.challenge_name, "challengeName")?;
        let o = self
            .respond_to_challenge(
                None,
                client_id,
                challenge,
                input.session.as_ref(),
                input.challenge_responses.unwrap_or_default(),
            )
            .await?;
        Ok(o.into())
    }

    pub(crate) async fn admin_respond_to_auth_challenge(
        &self,
        input: AdminRespondToAuthChallengeRequest,
    ) -> Result<AdminRespondToAuthChallengeResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?;
        let client_id = required(&input.client_id, "clientId")?;
        let challenge = required(&input.challenge_name, "challengeName")?;
        let o = self
            .respond_to_challenge(
                Some(pool_id),
                client_id,
                challenge,
                input.session.as_ref(),
                input.challenge_responses.unwrap_or_default(),
            )
            .await?;
        Ok(o.into())
    }
}

/// The SECRET_BLOCK's bytes, as the client signs them.
fn block_bytes(block: &str) -> Vec<u8> {
    STANDARD.decode(block).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_follow_explicit_auth_flows() {
        let mut client = UserPoolClientType::default();
        assert!(flow_allowed(&client, "USER_SRP_AUTH"));
        assert!(flow_allowed(&client, "REFRESH_TOKEN_AUTH"));
        assert!(!flow_allowed(&client, "USER_PASSWORD_AUTH"));
        client.explicit_auth_flows = Some(vec!["ALLOW_USER_PASSWORD_AUTH".into()]);
        assert!(flow_allowed(&client, "USER_PASSWORD_AUTH"));
        assert!(!flow_allowed(&client, "USER_SRP_AUTH"));
        assert!(!flow_allowed(&client, "REFRESH_TOKEN_AUTH"));
        client.explicit_auth_flows = Some(vec!["ADMIN_NO_SRP_AUTH".into()]);
        assert!(flow_allowed(&client, "ADMIN_USER_PASSWORD_AUTH"));
        assert!(flow_allowed(&client, "USER_SRP_AUTH"));
        assert!(flow_allowed(&client, "REFRESH_TOKEN"));
    }
}

/// What needs a running service: expiry of tokens and sessions, which the end-to-end
/// tests cannot wait for.
#[cfg(test)]
mod service_tests {
    use super::*;
    use cognate_api::RequestContext;

    struct Fixture {
        service: Service,
        pool_id: String,
        client_id: String,
        _dir: tempfile::TempDir,
    }

    async fn fixture() -> Fixture {
        let (service, dir) = crate::service::test_service();
        let pool = service
            .create_user_pool(
                &RequestContext::default(),
                CreateUserPoolRequest {
                    pool_name: Some("p".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("pool");
        let pool_id = pool.user_pool.and_then(|p| p.id).expect("pool id");
        let client = service
            .create_user_pool_client(CreateUserPoolClientRequest {
                user_pool_id: Some(pool_id.clone()),
                client_name: Some("c".into()),
                explicit_auth_flows: Some(vec!["ALLOW_USER_PASSWORD_AUTH".into()]),
                ..Default::default()
            })
            .await
            .expect("client");
        let client_id = client
            .user_pool_client
            .and_then(|c| c.client_id)
            .expect("client id");
        service
            .admin_create_user(AdminCreateUserRequest {
                user_pool_id: Some(pool_id.clone()),
                username: Some("alice".into()),
                temporary_password: Some("Temp0rary!".into()),
                message_action: Some("SUPPRESS".into()),
                ..Default::default()
            })
            .await
            .expect("user");
        Fixture {
            service,
            pool_id,
            client_id,
            _dir: dir,
        }
    }

    fn sign_in(password: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("USERNAME".to_string(), "alice".to_string()),
            ("PASSWORD".to_string(), password.to_string()),
        ])
    }

    #[tokio::test]
    async fn expired_tokens_and_sessions_are_refused() {
        let f = fixture().await;
        let s = &f.service;
        // A challenge session past its validity.
        let challenge = s
            .initiate_auth_flow(
                None,
                &f.client_id,
                "USER_PASSWORD_AUTH",
                sign_in("Temp0rary!"),
            )
            .await
            .expect("challenge");
        assert_eq!(
            challenge.challenge_name.as_deref(),
            Some("NEW_PASSWORD_REQUIRED")
        );
        let client = s.client_for(&f.client_id, None).await.expect("client");
        let mut state = s.new_challenge(&client, "alice", "NEW_PASSWORD_REQUIRED");
        state.expires_at = now() - 1.0;
        let expired = s.seal_challenge(&state).expect("seal");
        let responses = BTreeMap::from([
            ("USERNAME".to_string(), "alice".to_string()),
            ("NEW_PASSWORD".to_string(), "N3w-passw0rd".to_string()),
        ]);
        let e = s
            .respond_to_challenge(
                None,
                &f.client_id,
                "NEW_PASSWORD_REQUIRED",
                Some(&expired),
                responses.clone(),
            )
            .await
            .err()
            .expect("expired session refused");
        assert_eq!(
            e.0.message,
            "Invalid session for the user, session is expired."
        );
        // The live session works.
        let done = s
            .respond_to_challenge(
                None,
                &f.client_id,
                "NEW_PASSWORD_REQUIRED",
                challenge.session.as_ref(),
                responses,
            )
            .await
            .expect("new password");
        let access = done
            .authentication_result
            .and_then(|r| r.access_token)
            .expect("access token");
        s.get_user(GetUserRequest {
            access_token: Some(access.clone()),
        })
        .await
        .expect("a live token works");

        // The same claims, signed by the pool's key, but expired.
        let keys = s.pool_keys_now(&f.pool_id).await.expect("keys");
        let mut claims = crate::jwt::decode(&access).expect("decode").claims;
        claims.insert("exp".into(), serde_json::Value::from(now() as i64 - 5));
        let stale = keys.access.sign(&serde_json::Value::Object(claims.clone()));
        let e = s
            .get_user(GetUserRequest {
                access_token: Some(stale),
            })
            .await
            .expect_err("expired token refused");
        assert_eq!(e.0.code, ErrorCode::NotAuthorizedException);
        assert_eq!(e.0.message, "Access Token has expired");
        // Signed by the ID key instead: not an access token.
        claims.insert("exp".into(), serde_json::Value::from(now() as i64 + 600));
        let wrong_key = keys.id.sign(&serde_json::Value::Object(claims));
        let e = s
            .get_user(GetUserRequest {
                access_token: Some(wrong_key),
            })
            .await
            .expect_err("wrong key refused");
        assert_eq!(e.0.message, "Invalid Access Token");
    }

    #[tokio::test]
    async fn expired_temporary_passwords_and_required_mfa_are_refused() {
        let f = fixture().await;
        let s = &f.service;
        // The temporary password's expiry is in the past.
        let (pool_id, cache) = (f.pool_id.clone(), s.pool_cache());
        s.store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let (row, mut doc) = user::require(c, &pool, "alice")?;
                if let Some(p) = doc.password.as_mut() {
                    p.expires_at = Some(now() - 60.0);
                }
                user::save(c, &pool, row, &doc)?;
                Ok::<_, Error>(())
            })
            .await
            .expect("age the password");
        let e = s
            .initiate_auth_flow(
                None,
                &f.client_id,
                "USER_PASSWORD_AUTH",
                sign_in("Temp0rary!"),
            )
            .await
            .err()
            .expect("expired temporary password refused");
        assert_eq!(
            e.0.message,
            "Temporary password has expired and must be reset by an administrator."
        );

        // MFA required by the pool: refused rather than skipped.
        s.admin_set_user_password(AdminSetUserPasswordRequest {
            user_pool_id: Some(f.pool_id.clone()),
            username: Some("alice".into()),
            password: Some("Passw0rd!".into()),
            permanent: Some(true),
        })
        .await
        .expect("password");
        s.initiate_auth_flow(
            None,
            &f.client_id,
            "USER_PASSWORD_AUTH",
            sign_in("Passw0rd!"),
        )
        .await
        .expect("signs in while MFA is off");
        s.set_user_pool_mfa_config(SetUserPoolMfaConfigRequest {
            user_pool_id: Some(f.pool_id.clone()),
            mfa_configuration: Some("ON".into()),
            software_token_mfa_configuration: Some(SoftwareTokenMfaConfigType {
                enabled: Some(true),
            }),
            ..Default::default()
        })
        .await
        .expect("MFA on");
        let e = s
            .initiate_auth_flow(
                None,
                &f.client_id,
                "USER_PASSWORD_AUTH",
                sign_in("Passw0rd!"),
            )
            .await
            .err()
            .expect("MFA sign-in refused");
        assert_eq!(e.0.code, ErrorCode::NotAuthorizedException);
    }
}
