//! USER_AUTH, Cognito's choice-based sign-in: the first factor is one of what the
//! pool's SignInPolicy (AllowedFirstAuthFactors) allows and the user has set up — a
//! password (PASSWORD, or PASSWORD_SRP through SRP), a one-time code by email
//! (EMAIL_OTP) or SMS (SMS_OTP), or a passkey (WEB_AUTHN). The client names one in
//! PREFERRED_CHALLENGE, or gets SELECT_CHALLENGE with the AvailableChallenges and
//! answers it with ANSWER. GetUserAuthFactors and AdminGetUserAuthFactors list a
//! user's factors.
//!
//! A password factor runs the password or SRP flow, MFA included. A passwordless
//! factor is the whole sign-in, as AWS documents: no MFA follows it (a remembered
//! device still proves itself with DEVICE_SRP_AUTH). Codes are sent as MFA codes are
//! (`mfa.rs`): a keyed hash inside the sealed Session, three minutes, wrong codes
//! counted toward the lockout.

use super::passkeys::{self, has_passkeys};
use super::*;
use crate::error::{invalid, required, Result};
use crate::messages::codes;
use crate::operations::operation;
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use crate::tokens;
use crate::users::{self as user, attributes as attrs, UserDoc};
use cognate_api::types::*;
use cognate_store::records::auth::{self as records};
use cognate_store::records::user::UserRow;
use std::collections::BTreeMap;

operation!(GetUserAuthFactors => Service::get_user_auth_factors);
operation!(AdminGetUserAuthFactors => Service::admin_get_user_auth_factors);

/// The first factors a pool allows (its SignInPolicy; AWS's default is the password).
pub(crate) fn pool_factors(pool: &UserPoolType) -> Vec<AuthFactorType> {
    pool.policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.clone())
        .unwrap_or_else(|| vec![AuthFactorType::PASSWORD])
}

/// Whether the pool allows a first factor other than the password, so that a user may
/// sign up without one.
pub(crate) fn allows_passwordless(pool: &UserPoolType) -> bool {
    pool_factors(pool)
        .iter()
        .any(|f| *f != AuthFactorType::PASSWORD)
}

fn verified(doc: &UserDoc, name: &str, flag: &str) -> bool {
    attrs::get(&doc.attributes, name).is_some_and(|v| !v.is_empty())
        && attrs::get(&doc.attributes, flag) == Some("true")
}

/// The first factors the user can sign in with: allowed by the pool and set up by the
/// user — a password; a verified email address or phone number for codes (and a user
/// who must not first choose a new password); a registered passkey.
pub(crate) fn user_factors(
    pool: &UserPoolType,
    row: &UserRow,
    doc: &UserDoc,
    has_passkeys: bool,
) -> Vec<AuthFactorType> {
    let must_change = row.status == UserStatusType::FORCE_CHANGE_PASSWORD.as_str();
    pool_factors(pool)
        .into_iter()
        .filter(|f| match f {
            f if *f == AuthFactorType::PASSWORD => doc.password.is_some(),
            f if *f == AuthFactorType::EMAIL_OTP => {
                !must_change && verified(doc, "email", "email_verified")
            }
            f if *f == AuthFactorType::SMS_OTP => {
                !must_change && verified(doc, "phone_number", "phone_number_verified")
            }
            f if *f == AuthFactorType::WEB_AUTHN => !must_change && has_passkeys,
            _ => false,
        })
        .collect()
}

/// The challenges a user's factors offer, as AvailableChallenges lists them: a password
/// offers both PASSWORD and PASSWORD_SRP.
fn challenges(factors: &[AuthFactorType]) -> Vec<ChallengeNameType> {
    let mut out = Vec::new();
    for f in factors {
        if *f == AuthFactorType::PASSWORD {
            out.push(ChallengeNameType::PASSWORD);
            out.push(ChallengeNameType::PASSWORD_SRP);
        } else {
            out.push(ChallengeNameType::from(f.as_str().to_string()));
        }
    }
    out
}

/// The challenges USER_AUTH can start.
fn first_factor(name: &str) -> Result<ChallengeNameType> {
    let known = [
        ChallengeNameType::PASSWORD,
        ChallengeNameType::PASSWORD_SRP,
        ChallengeNameType::EMAIL_OTP,
        ChallengeNameType::SMS_OTP,
        ChallengeNameType::WEB_AUTHN,
    ];
    known
        .into_iter()
        .find(|c| c.as_str() == name)
        .ok_or_else(|| invalid(format!("{name} is not a valid challenge for USER_AUTH.")))
}

/// The parameters of a password flow run for USER_AUTH: the user's name, and what the
/// client sent.
fn password_params(
    username: &str,
    from: &BTreeMap<String, String>,
    device_key: Option<&String>,
) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    params.insert("USERNAME".to_string(), username.to_string());
    for key in ["PASSWORD", "SRP_A", "SECRET_HASH"] {
        if let Some(v) = from.get(key) {
            params.insert(key.to_string(), v.clone());
        }
    }
    if let Some(k) = device_key.or(from.get("DEVICE_KEY")) {
        params.insert("DEVICE_KEY".to_string(), k.clone());
    }
    params
}

/// What GetUserAuthFactors and AdminGetUserAuthFactors answer of a user.
macro_rules! auth_factors {
    ($response:ident, $c:expr, $pool:expr, $row:expr, $doc:expr) => {{
        let passkeys = has_passkeys($c, &$pool.id, &$row.username_key)?;
        Ok($response {
            configured_user_auth_factors: Some(user_factors(&$pool.pool, &$row, &$doc, passkeys)),
            preferred_mfa_setting: $doc.mfa.preferred.clone(),
            user_mfa_setting_list: user::mfa_setting_list(&$doc),
            username: Some($row.username),
        })
    }};
}

impl Service {
    /// Whether the user has registered a passkey.
    async fn user_has_passkeys(&self, pool_id: &str, username_key: &str) -> Result<bool> {
        let (pool_id, key) = (pool_id.to_string(), username_key.to_string());
        self.store()
            .read(move |c| has_passkeys(c, &pool_id, &key))
            .await
    }

    /// InitiateAuth and AdminInitiateAuth with USER_AUTH.
    pub(super) async fn user_auth_flow(
        &self,
        client: AuthClient,
        params: &BTreeMap<String, String>,
        session: Option<&String>,
    ) -> Result<Outcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        if let Some(session) = session {
            return self.sign_in_after_sign_up(client, params, session).await;
        }
        let preferred = params
            .get("PREFERRED_CHALLENGE")
            .map(|p| first_factor(p))
            .transpose()?;
        // A password factor with its value runs its flow, which has its own answers
        // for unknown users, the lockout, devices and MFA.
        match &preferred {
            Some(p) if *p == ChallengeNameType::PASSWORD && params.contains_key("PASSWORD") => {
                return self.password_flow(client, params).await;
            }
            Some(p) if *p == ChallengeNameType::PASSWORD_SRP && params.contains_key("SRP_A") => {
                return self.srp_flow(client, params).await;
            }
            _ => {}
        }
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let Some((row, doc)) = &ctx.user else {
            check_secret_hash(&client, &[username], secret_hash)?;
            if !prevents_existence_errors(&client) {
                return Err(user::user_not_found());
            }
            self.before_sign_in(&client, &ctx.pool, username, None)
                .await?;
            // As for a user with only a password; any answer fails as a wrong password.
            let mut state =
                self.new_challenge(&client, username, ChallengeNameType::SELECT_CHALLENGE);
            state.fake = true;
            return self.select_challenge(&state, challenges(&[AuthFactorType::PASSWORD]));
        };
        check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
        self.before_sign_in(&client, &ctx.pool, username, Some((row, doc)))
            .await?;
        if !row.enabled && !prevents_existence_errors(&client) {
            return Err(not_authorized("User is disabled."));
        }
        let device = self
            .named_device(&ctx.pool, row, params.get("DEVICE_KEY"))
            .await?;
        let passkeys = self
            .user_has_passkeys(&ctx.pool.id, &row.username_key)
            .await?;
        let available = challenges(&user_factors(&ctx.pool.pool, row, doc, passkeys));
        if available.is_empty() {
            sign_in::check_status(row, doc)?;
            return Err(incorrect());
        }
        // A preferred challenge the user can answer starts at once; otherwise, as AWS,
        // the user chooses among those they can.
        if let Some(p) = preferred.filter(|p| available.contains(p)) {
            if p != ChallengeNameType::PASSWORD && p != ChallengeNameType::PASSWORD_SRP {
                return self
                    .start_passwordless(&client, &ctx.pool, row, doc, p, device.map(|d| d.key))
                    .await;
            }
        }
        let mut state =
            self.new_challenge(&client, &row.username, ChallengeNameType::SELECT_CHALLENGE);
        state.device_key = device.map(|d| d.key);
        self.select_challenge(&state, available)
    }

    /// The Session ConfirmSignUp answers (where the client allows USER_AUTH): the
    /// confirmation code, sent by email or SMS, stands as the one-time code `factor` of
    /// the user's first sign-in.
    pub(crate) fn sign_up_session(
        &self,
        client: &AuthClient,
        username: &str,
        factor: ChallengeNameType,
    ) -> Result<Option<String>> {
        if !flow_allowed(&client.client, &AuthFlowType::USER_AUTH) {
            return Ok(None);
        }
        let mut state = self.new_challenge(client, username, factor);
        state.signed_up = true;
        self.seal_challenge(&state).map(Some)
    }

    /// USER_AUTH with ConfirmSignUp's Session: signed in at once, once, within the
    /// client's AuthSessionValidity.
    async fn sign_in_after_sign_up(
        &self,
        client: AuthClient,
        params: &BTreeMap<String, String>,
        session: &str,
    ) -> Result<Outcome> {
        let state = self.open_challenge(session, &client)?;
        if !state.signed_up {
            return Err(not_authorized("Invalid session for the user."));
        }
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let Some((row, doc)) = &ctx.user else {
            return Err(not_authorized("Invalid session for the user."));
        };
        check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
        if row.username != state.username {
            return Err(not_authorized("Invalid session for the user."));
        }
        if !row.enabled {
            return Err(not_authorized("User is disabled."));
        }
        sign_in::check_status(row, doc)?;
        let consumed = Some((codes::hash(session), state.expires_at));
        self.succeed(&client, row.username_key.clone(), consumed, None)
            .await
    }

    fn select_challenge(
        &self,
        state: &Challenge,
        available: Vec<ChallengeNameType>,
    ) -> Result<Outcome> {
        Ok(Outcome {
            challenge_name: Some(ChallengeNameType::SELECT_CHALLENGE),
            session: Some(self.seal_challenge(state)?),
            challenge_parameters: Some(BTreeMap::new()),
            available_challenges: Some(available),
            authentication_result: None,
        })
    }

    /// A passwordless first factor's challenge: a code by email or SMS, or a passkey's.
    async fn start_passwordless(
        &self,
        client: &AuthClient,
        pool: &PoolView,
        row: &UserRow,
        doc: &UserDoc,
        factor: ChallengeNameType,
        device: Option<String>,
    ) -> Result<Outcome> {
        sign_in::check_status(row, doc)?;
        if !row.enabled {
            return Err(not_authorized("User is disabled."));
        }
        if factor == ChallengeNameType::EMAIL_OTP || factor == ChallengeNameType::SMS_OTP {
            return self
                .mfa_challenge(client, pool, row, doc, MfaStep::Factor(factor), device)
                .await;
        }
        if factor == ChallengeNameType::WEB_AUTHN {
            let cache = self.pool_cache();
            let (pool_id, name) = (pool.id.clone(), row.username.clone());
            let options = self
                .store()
                .read(move |c| {
                    let pool = PoolView::load(c, &cache, &pool_id)?;
                    let (row, _) = user::find(c, &pool, &name)?.ok_or_else(user::user_not_found)?;
                    passkeys::assertion_options(c, &pool, &row)
                })
                .await?;
            if let Some((options, ceremony)) = options {
                let mut state =
                    self.new_challenge(client, &row.username, ChallengeNameType::WEB_AUTHN);
                state.device_key = device;
                state.passkey_state = Some(ceremony);
                return Ok(Outcome {
                    challenge_name: Some(ChallengeNameType::WEB_AUTHN),
                    session: Some(self.seal_challenge(&state)?),
                    challenge_parameters: Some(BTreeMap::from([(
                        "CREDENTIAL_REQUEST_OPTIONS".to_string(),
                        options,
                    )])),
                    ..Outcome::default()
                });
            }
        }
        Err(invalid(format!(
            "The challenge {factor} is not available for the user."
        )))
    }

    /// WEB_AUTHN, answered with CREDENTIAL (the PublicKeyCredential's JSON): one write
    /// checks the session is unanswered, reserves the check against the lockout (a
    /// refused passkey counts as a failed sign-in), verifies the assertion (origin,
    /// relying party, signature, user verification, a growing signature counter) and
    /// records the new counter, then answers the session and starts the tokens.
    pub(super) async fn answer_web_authn(
        &self,
        client: AuthClient,
        session: Option<&String>,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let session = session.ok_or_else(|| missing("Session"))?;
        let state = self.open_challenge(session, &client)?;
        let ceremony = match (&state.name, &state.passkey_state) {
            (n, Some(s)) if *n == ChallengeNameType::WEB_AUTHN && !state.fake => s.clone(),
            _ => return Err(not_authorized("Invalid session for the user.")),
        };
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?
            .clone();
        let credential = responses
            .get("CREDENTIAL")
            .ok_or_else(|| missing("CREDENTIAL"))?
            .clone();
        let secret_hash = responses.get("SECRET_HASH").cloned();
        let device = tokens::SignInDevice {
            key: state.device_key.clone(),
            ip: client.source_ip.clone(),
        };
        let device_key = state.device_key.clone();
        let (cache, hash) = (self.pool_cache(), codes::hash(session));
        let (pool_id, app, auth) = (
            client.pool_id.clone(),
            client.client.clone(),
            client.clone(),
        );
        let verdict = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let (row, doc) =
                    user::find(c, &pool, &state.username)?.ok_or_else(user::user_not_found)?;
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
                check_secret_hash(
                    &auth,
                    &[&username, &row.username, &row.sub],
                    secret_hash.as_deref(),
                )?;
                if records::session_answered(c, &hash)? {
                    return Err(mfa::session_used());
                }
                let attempt = reserve_attempt(c, &pool.id, &row.username_key)?
                    .ok_or_else(attempts_exceeded)?;
                if !passkeys::check_assertion(c, &pool, &row, &ceremony, &credential)? {
                    record_failure(c, &attempt)?;
                    return Ok(None);
                }
                clear_attempts(c, &attempt)?;
                if !records::consume_session(c, &hash, &pool_id, state.expires_at)? {
                    return Err(mfa::session_used());
                }
                if device.key.is_some() {
                    return Ok(Some(Err(Box::new(row))));
                }
                let grant = tokens::start_family(c, &pool, &app, &row, &doc, &device)?;
                Ok(Some(Ok(Box::new(grant))))
            })
            .await?;
        match verdict {
            None => Err(not_authorized("The passkey could not be verified.")),
            Some(Err(row)) => self.device_challenge(&client, &row, device_key.unwrap_or_default()),
            Some(Ok(grant)) => {
                self.signed_in(&client, *grant, tokens::TokenSource::Authentication)
                    .await
            }
        }
    }

    /// SELECT_CHALLENGE, answered with ANSWER (and PASSWORD or SRP_A for a password).
    pub(super) async fn answer_select_challenge(
        &self,
        client: AuthClient,
        session: Option<&String>,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let session = session.ok_or_else(|| missing("Session"))?;
        let state = self.open_challenge(session, &client)?;
        if state.name != ChallengeNameType::SELECT_CHALLENGE {
            return Err(not_authorized("Invalid session for the user."));
        }
        responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let answer = first_factor(responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?)?;
        let params = password_params(&state.username, responses, state.device_key.as_ref());
        // PreAuthentication ran when this USER_AUTH sign-in started.
        let mut client = client;
        client.pre_authenticated = true;
        if answer == ChallengeNameType::PASSWORD {
            responses
                .get("PASSWORD")
                .ok_or_else(|| missing("PASSWORD"))?;
            return self.password_flow(client, &params).await;
        }
        if answer == ChallengeNameType::PASSWORD_SRP {
            responses.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
            return self.srp_flow(client, &params).await;
        }
        if state.fake {
            return Err(invalid(format!(
                "The challenge {answer} is not available for the user."
            )));
        }
        // A passwordless factor: the choice is answered once, so that one session sends
        // one code.
        let cache = self.pool_cache();
        let (pool_id, hash) = (client.pool_id.clone(), codes::hash(session));
        let username = responses.get("USERNAME").cloned().unwrap_or_default();
        let secret_hash = responses.get("SECRET_HASH").cloned();
        let auth = client.clone();
        let (pool, row, doc, factors) = self
            .store()
            .read({
                let cache = cache.clone();
                let pool_id = pool_id.clone();
                let name = state.username.clone();
                move |c| {
                    let pool = PoolView::load(c, &cache, &pool_id)?;
                    let (row, doc) =
                        user::find(c, &pool, &name)?.ok_or_else(user::user_not_found)?;
                    check_secret_hash(
                        &auth,
                        &[&username, &row.username, &row.sub],
                        secret_hash.as_deref(),
                    )?;
                    let passkeys = has_passkeys(c, &pool.id, &row.username_key)?;
                    let factors = challenges(&user_factors(&pool.pool, &row, &doc, passkeys));
                    Ok::<_, crate::error::Error>((pool, row, doc, factors))
                }
            })
            .await?;
        if !factors.contains(&answer) {
            return Err(invalid(format!(
                "The challenge {answer} is not available for the user."
            )));
        }
        let expires = state.expires_at;
        let consumed = self
            .store()
            .write(move |c| records::consume_session(c, &hash, &pool_id, expires))
            .await?;
        if !consumed {
            return Err(mfa::session_used());
        }
        self.start_passwordless(&client, &pool, &row, &doc, answer, state.device_key.clone())
            .await
    }

    pub(crate) async fn get_user_auth_factors(
        &self,
        input: GetUserAuthFactorsRequest,
    ) -> Result<GetUserAuthFactorsResponse> {
        let token = required(&input.access_token, "accessToken")?;
        self.with_access_token(token, false, |c, pool, row, doc, _| {
            auth_factors!(GetUserAuthFactorsResponse, c, pool, row, doc)
        })
        .await
    }

    pub(crate) async fn admin_get_user_auth_factors(
        &self,
        input: AdminGetUserAuthFactorsRequest,
    ) -> Result<AdminGetUserAuthFactorsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, false, |c, pool, row, doc| {
            auth_factors!(AdminGetUserAuthFactorsResponse, c, pool, row, doc)
        })
        .await
    }
}
