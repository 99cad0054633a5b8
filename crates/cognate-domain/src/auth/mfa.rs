//! Multi-factor sign-in: which step follows a correct password (tokens, a code by SMS
//! or email, the authenticator app's code, a choice between factors, or setting one
//! up), the challenges SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE and
//! MFA_SETUP, and their answers.
//!
//! Starting a challenge writes nothing: an SMS or email code lives only as a keyed hash
//! in the sealed Session. Answering one is one write: the session must not have been
//! answered, the check is reserved against the user's lockout (wrong codes count as
//! failed sign-ins), and a right code records the session as answered and starts the
//! token family. A wrong code leaves the session answerable until it expires, as AWS
//! lets a user type a code again.

use super::*;
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::crypto::srp::constant_time_eq;
use crate::crypto::totp;
use crate::effects::Effects;
use crate::error::{invalid, Result};
use crate::messages::codes;
use crate::messages::templates::{mask, Recipient, Template};
use crate::messages::Channel;
use crate::pools::client::AuthClient;
use crate::pools::mfa_config::{self, Factors};
use crate::pools::PoolView;
use crate::service::Service;
use crate::tokens::{self, Grant};
use crate::users::attributes as attrs;
use crate::users::{self as user, SoftwareToken, UserDoc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::auth::{self as records};
use cognate_store::records::user::UserRow;
use rand::Rng;
use std::collections::BTreeMap;

/// How long an SMS or email code may be used: AWS's MFA codes are valid for three
/// minutes. The challenge's session expires then, or at the client's
/// AuthSessionValidity if that comes first.
const CODE_VALIDITY_SECONDS: f64 = 180.0;

/// AWS's default SmsAuthenticationMessage.
const DEFAULT_SMS_MESSAGE: &str = "Your authentication code is {####}. ";
/// The email MFA message when the pool's EmailMfaConfiguration sets none.
const DEFAULT_EMAIL_SUBJECT: &str = "Your sign-in code";
const DEFAULT_EMAIL_MESSAGE: &str = "Your authentication code is {####}. ";

/// What follows a correct password.
#[derive(Debug, PartialEq)]
pub(super) enum MfaStep {
    /// No MFA: the tokens.
    None,
    /// A code by SMS (SMS_MFA), by email (EMAIL_OTP) or from the authenticator app
    /// (SOFTWARE_TOKEN_MFA).
    Factor(ChallengeNameType),
    /// Several factors enabled and none preferred: SELECT_MFA_TYPE among them.
    Select(Vec<ChallengeNameType>),
    /// MFA required and no factor to use: MFA_SETUP, offering what the pool allows.
    Setup(Vec<ChallengeNameType>),
}

fn non_empty<'a>(doc: &'a UserDoc, name: &str) -> Option<&'a str> {
    attrs::get(&doc.attributes, name).filter(|v| !v.is_empty())
}

/// The factors the user can be challenged for: enabled, with somewhere to send a code
/// (a phone number, an email address the pool's email MFA can write to) or a verified
/// software token. A token keeps working after the pool stops offering TOTP, as AWS's.
pub(super) fn usable_factors(factors: &Factors, doc: &UserDoc) -> Vec<ChallengeNameType> {
    let mut out = Vec::new();
    if doc.mfa.sms_enabled && non_empty(doc, "phone_number").is_some() {
        out.push(ChallengeNameType::SMS_MFA);
    }
    if doc.mfa.totp_enabled && doc.mfa.software_token.is_some() {
        out.push(ChallengeNameType::SOFTWARE_TOKEN_MFA);
    }
    if doc.mfa.email_enabled && non_empty(doc, "email").is_some() && factors.email.is_some() {
        out.push(ChallengeNameType::EMAIL_OTP);
    }
    out
}

/// Which step follows a correct password, as AWS documents it: none with MFA off;
/// the preferred factor, else the only one enabled, else a choice; with MFA required
/// and nothing enabled, SMS to the user's phone number when the pool sends SMS (the
/// phone need not be verified), else MFA_SETUP; with MFA optional and nothing
/// enabled, the tokens.
pub(super) fn choose(pool: &UserPoolType, factors: &Factors, doc: &UserDoc) -> MfaStep {
    let mode = pool
        .mfa_configuration
        .as_ref()
        .unwrap_or(&UserPoolMfaType::OFF);
    if *mode == UserPoolMfaType::OFF {
        return MfaStep::None;
    }
    let enabled = usable_factors(factors, doc);
    if let Some(p) = enabled
        .iter()
        .find(|f| doc.mfa.preferred.as_deref() == Some(f.as_str()))
    {
        return MfaStep::Factor(p.clone());
    }
    match enabled.len() {
        0 if *mode == UserPoolMfaType::ON => {
            let sms = pool.sms_configuration.is_some();
            if sms && non_empty(doc, "phone_number").is_some() {
                return MfaStep::Factor(ChallengeNameType::SMS_MFA);
            }
            let mut offered = Vec::new();
            if sms {
                offered.push(ChallengeNameType::SMS_MFA);
            }
            if factors.software_token {
                offered.push(ChallengeNameType::SOFTWARE_TOKEN_MFA);
            }
            if factors.email.is_some() {
                offered.push(ChallengeNameType::EMAIL_OTP);
            }
            MfaStep::Setup(offered)
        }
        0 => MfaStep::None,
        1 => MfaStep::Factor(enabled[0].clone()),
        _ => MfaStep::Select(enabled),
    }
}

fn name_list(names: &[ChallengeNameType]) -> String {
    serde_json::to_string(&names.iter().map(|n| n.as_str()).collect::<Vec<_>>()).unwrap_or_default()
}

/// The keyed hash an SMS or email code is kept as in its challenge, bound to the
/// challenge (its nonce), its pool and user.
fn code_hash(service: &Service, state: &Challenge, code: &str) -> String {
    service.secrets().keyed_hash(&[
        "mfa-code",
        &state.pool_id,
        &state.username,
        &state.nonce,
        code,
    ])
}

/// What answering a code challenge came to.
enum Verdict {
    Grant(Box<Grant>),
    /// Right, and the sign-in named a device of the user's: it proves itself next.
    Device(Box<UserRow>),
    Mismatch,
}

/// The response naming the code of each factor's challenge.
fn code_response(name: &ChallengeNameType) -> &'static str {
    match name {
        n if *n == ChallengeNameType::SMS_MFA => "SMS_MFA_CODE",
        n if *n == ChallengeNameType::EMAIL_OTP => "EMAIL_OTP_CODE",
        n if *n == ChallengeNameType::SMS_OTP => "SMS_OTP_CODE",
        _ => "SOFTWARE_TOKEN_MFA_CODE",
    }
}

pub(super) fn session_used() -> crate::error::Error {
    not_authorized("Invalid session for the user, session can only be used once.")
}

impl Service {
    /// The step after a correct password, reading the pool's factors only when the
    /// pool has MFA on or optional.
    pub(super) async fn mfa_step(&self, pool: &PoolView, doc: &UserDoc) -> Result<MfaStep> {
        let mode = pool
            .pool
            .mfa_configuration
            .clone()
            .unwrap_or(UserPoolMfaType::OFF);
        if mode == UserPoolMfaType::OFF {
            return Ok(MfaStep::None);
        }
        let pool_id = pool.id.clone();
        let factors = self
            .store()
            .read(move |c| mfa_config::factors(c, &pool_id))
            .await?;
        Ok(choose(&pool.pool, &factors, doc))
    }

    /// The challenge of `step` (not None) for the user, its code sent after this
    /// returns when it is SMS_MFA or EMAIL_OTP; `device` is the user's device the
    /// sign-in proved, carried to the tokens.
    pub(super) async fn mfa_challenge(
        &self,
        client: &AuthClient,
        pool: &PoolView,
        row: &UserRow,
        doc: &UserDoc,
        step: MfaStep,
        device: Option<String>,
    ) -> Result<Outcome> {
        let mut params = BTreeMap::new();
        params.insert("USER_ID_FOR_SRP".to_string(), row.username.clone());
        let (name, mut state) = match step {
            MfaStep::None => return Err(crate::error::internal("no MFA challenge to issue")),
            MfaStep::Select(options) => {
                params.insert("MFAS_CAN_CHOOSE".into(), name_list(&options));
                let name = ChallengeNameType::SELECT_MFA_TYPE;
                (
                    name.clone(),
                    self.new_challenge(client, &row.username, name),
                )
            }
            MfaStep::Setup(options) => {
                params.insert("MFAS_CAN_SETUP".into(), name_list(&options));
                let name = ChallengeNameType::MFA_SETUP;
                (
                    name.clone(),
                    self.new_challenge(client, &row.username, name),
                )
            }
            MfaStep::Factor(name) => {
                let state = self.new_challenge(client, &row.username, name.clone());
                (name, state)
            }
        };
        state.device_key = device;
        let mut effects = Effects::default();
        let channel = match &name {
            n if *n == ChallengeNameType::SMS_MFA || *n == ChallengeNameType::SMS_OTP => {
                Some((Channel::Sms, "phone_number"))
            }
            n if *n == ChallengeNameType::EMAIL_OTP => Some((Channel::Email, "email")),
            _ => None,
        };
        if let Some((channel, attribute)) = channel {
            let destination = non_empty(doc, attribute).unwrap_or_default().to_string();
            let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
            state.code_hash = Some(code_hash(self, &state, &code));
            state.expires_at = state.expires_at.min(now() + CODE_VALIDITY_SECONDS);
            let email = if channel == Channel::Email {
                let pool_id = pool.id.clone();
                self.store()
                    .read(move |c| mfa_config::factors(c, &pool_id))
                    .await?
                    .email
            } else {
                None
            };
            let message = Template {
                email_subject: email.as_ref().and_then(|e| e.subject.as_deref()),
                email_message: email.as_ref().and_then(|e| e.message.as_deref()),
                sms_message: pool.pool.sms_authentication_message.as_deref(),
                default_subject: DEFAULT_EMAIL_SUBJECT,
                default_body: if channel == Channel::Sms {
                    DEFAULT_SMS_MESSAGE
                } else {
                    DEFAULT_EMAIL_MESSAGE
                },
            }
            .message(
                Recipient {
                    pool_id: &pool.id,
                    username: &row.username,
                    channel,
                    destination: &destination,
                },
                "AUTHENTICATION",
                &code,
            );
            effects.send(message);
            params.insert(
                "CODE_DELIVERY_DELIVERY_MEDIUM".into(),
                channel.medium().as_str().to_string(),
            );
            params.insert("CODE_DELIVERY_DESTINATION".into(), mask(&destination));
        }
        if name == ChallengeNameType::SOFTWARE_TOKEN_MFA {
            if let Some(device) = doc
                .mfa
                .software_token
                .as_ref()
                .and_then(|t| t.friendly_name.clone())
            {
                params.insert("FRIENDLY_DEVICE_NAME".into(), device);
            }
        }
        let session = self.seal_challenge(&state)?;
        // Nothing was written: the code goes out now, once.
        self.after_commit(effects.for_client(
            client.client.client_id.as_deref(),
            client.client_metadata.as_ref(),
        ))
        .await?;
        Ok(Outcome {
            challenge_name: Some(name),
            session: Some(session),
            challenge_parameters: Some(params),
            authentication_result: None,
            available_challenges: None,
        })
    }

    /// RespondToAuthChallenge for SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA,
    /// SELECT_MFA_TYPE and MFA_SETUP.
    pub(super) async fn answer_mfa(
        &self,
        client: AuthClient,
        name: &ChallengeNameType,
        session: Option<&String>,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let session = session.ok_or_else(|| missing("Session"))?;
        let state = self.open_challenge(session, &client)?;
        if state.name != *name || state.fake {
            return Err(not_authorized("Invalid session for the user."));
        }
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?
            .clone();
        let secret_hash = responses.get("SECRET_HASH").cloned();
        if *name == ChallengeNameType::SELECT_MFA_TYPE {
            let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
            return self
                .answer_select(client, session, state, &username, secret_hash, answer)
                .await;
        }
        if *name == ChallengeNameType::MFA_SETUP {
            return self
                .answer_setup(client, session, state, &username, secret_hash)
                .await;
        }
        let code = responses
            .get(code_response(name))
            .ok_or_else(|| missing(code_response(name)))?
            .clone();
        let expected = state.code_hash.clone();
        let given = code_hash(self, &state, &code);
        let totp = *name == ChallengeNameType::SOFTWARE_TOKEN_MFA;
        let device = tokens::SignInDevice {
            key: state.device_key.clone(),
            ip: client.source_ip.clone(),
        };
        let (device_key, client_for_device) = (state.device_key.clone(), client.clone());
        let (cache, secrets) = (self.pool_cache(), self.secrets().clone());
        let (pool_id, app) = (client.pool_id.clone(), client.client.clone());
        let hash = codes::hash(session);
        let verdict = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let (row, mut doc) =
                    user::find(c, &pool, &state.username)?.ok_or_else(user::user_not_found)?;
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
                check_secret_hash(
                    &client,
                    &[&username, &row.username, &row.sub],
                    secret_hash.as_deref(),
                )?;
                if records::session_answered(c, &hash)? {
                    return Err(session_used());
                }
                let attempt = reserve_attempt(c, &pool.id, &row.username_key)?
                    .ok_or_else(attempts_exceeded)?;
                let ok = if totp {
                    let step = doc.mfa.software_token.as_ref().and_then(|t| {
                        let secret = secrets.open(Purpose::TotpSecret, &t.sealed_secret)?;
                        let key = totp::base32_decode(&secret)?;
                        totp::verify(&key, &code, now(), Some(t.last_step))
                    });
                    if let (Some(step), Some(token)) = (step, doc.mfa.software_token.as_mut()) {
                        token.last_step = step;
                    }
                    step.is_some()
                } else {
                    expected
                        .as_deref()
                        .is_some_and(|e| constant_time_eq(e.as_bytes(), given.as_bytes()))
                };
                if !ok {
                    record_failure(c, &attempt)?;
                    return Ok(Verdict::Mismatch);
                }
                clear_attempts(c, &attempt)?;
                if !records::consume_session(c, &hash, &pool_id, state.expires_at)? {
                    return Err(session_used());
                }
                let row = if totp {
                    user::save(c, &pool, row, &doc)?
                } else {
                    row
                };
                if device.key.is_some() {
                    return Ok(Verdict::Device(Box::new(row)));
                }
                Ok(Verdict::Grant(Box::new(tokens::start_family(
                    c, &pool, &app, &row, &doc, &device,
                )?)))
            })
            .await?;
        match verdict {
            Verdict::Grant(grant) => {
                self.signed_in(
                    &client_for_device,
                    *grant,
                    tokens::TokenSource::Authentication,
                )
                .await
            }
            Verdict::Device(row) => {
                let key = device_key.unwrap_or_default();
                self.device_challenge(&client_for_device, &row, key)
            }
            Verdict::Mismatch => Err(crate::error::fail(
                ErrorCode::CodeMismatchException,
                "Invalid code or auth state for the user.",
            )),
        }
    }

    /// SELECT_MFA_TYPE: the factor chosen (one the user can use) is challenged next,
    /// with a new session; this one is answered.
    async fn answer_select(
        &self,
        client: AuthClient,
        session: &str,
        state: Challenge,
        username: &str,
        secret_hash: Option<String>,
        answer: &str,
    ) -> Result<Outcome> {
        let cache = self.pool_cache();
        let (pool_id, hash) = (client.pool_id.clone(), codes::hash(session));
        let username = username.to_string();
        let chosen = answer.to_string();
        let auth = client.clone();
        let device = state.device_key.clone();
        let (pool, row, doc) = self
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
                let factors = mfa_config::factors(c, &pool.id)?;
                if !usable_factors(&factors, &doc)
                    .iter()
                    .any(|f| f.as_str() == chosen)
                {
                    return Err(invalid(format!(
                        "The MFA type {chosen} is not enabled for the user."
                    )));
                }
                if !records::consume_session(c, &hash, &pool_id, state.expires_at)? {
                    return Err(session_used());
                }
                Ok((pool, row, doc))
            })
            .await?;
        let name = ChallengeNameType::from(answer.to_string());
        self.mfa_challenge(&client, &pool, &row, &doc, MfaStep::Factor(name), device)
            .await
    }

    /// MFA_SETUP, answered with the session VerifySoftwareToken gave: the verified
    /// token becomes the user's, TOTP MFA is enabled (preferred if nothing else is),
    /// and the user is signed in.
    async fn answer_setup(
        &self,
        client: AuthClient,
        session: &str,
        state: Challenge,
        username: &str,
        secret_hash: Option<String>,
    ) -> Result<Outcome> {
        let (Some(secret), Some(step)) = (state.totp_secret.clone(), state.totp_step) else {
            return Err(invalid(
                "MFA_SETUP is answered with the Session of a successful VerifySoftwareToken.",
            ));
        };
        let sealed = self.secrets().seal(Purpose::TotpSecret, &secret);
        let row_device_key = state.device_key.clone();
        let cache = self.pool_cache();
        let (pool_id, app) = (client.pool_id.clone(), client.client.clone());
        let hashes: Vec<String> = std::iter::once(codes::hash(session))
            .chain(state.origin.clone())
            .collect();
        let username = username.to_string();
        let device = tokens::SignInDevice {
            key: state.device_key.clone(),
            ip: client.source_ip.clone(),
        };
        let client_for_device = client.clone();
        let verdict = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let (row, mut doc) =
                    user::find(c, &pool, &state.username)?.ok_or_else(user::user_not_found)?;
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
                check_secret_hash(
                    &client,
                    &[&username, &row.username, &row.sub],
                    secret_hash.as_deref(),
                )?;
                for hash in &hashes {
                    if !records::consume_session(c, hash, &pool_id, state.expires_at)? {
                        return Err(session_used());
                    }
                }
                doc.mfa.software_token = Some(SoftwareToken {
                    sealed_secret: sealed.clone(),
                    last_step: step,
                    friendly_name: state.device_name.clone(),
                    verified_at: now(),
                });
                doc.mfa.pending_software_token = None;
                doc.mfa.totp_enabled = true;
                if doc.mfa.preferred.is_none() {
                    doc.mfa.preferred = Some(ChallengeNameType::SOFTWARE_TOKEN_MFA.into());
                }
                let row = user::save(c, &pool, row, &doc)?;
                if device.key.is_some() {
                    return Ok(Verdict::Device(Box::new(row)));
                }
                let grant = tokens::start_family(c, &pool, &app, &row, &doc, &device)?;
                Ok(Verdict::Grant(Box::new(grant)))
            })
            .await?;
        match verdict {
            Verdict::Device(row) => {
                let key = row_device_key.unwrap_or_default();
                self.device_challenge(&client_for_device, &row, key)
            }
            Verdict::Grant(grant) => {
                self.signed_in(
                    &client_for_device,
                    *grant,
                    tokens::TokenSource::Authentication,
                )
                .await
            }
            Verdict::Mismatch => Err(crate::error::internal("MFA_SETUP has no code")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(attributes: &[(&str, &str)]) -> UserDoc {
        UserDoc {
            attributes: attributes
                .iter()
                .map(|(n, v)| AttributeType {
                    name: Some(n.to_string()),
                    value: Some(v.to_string()),
                })
                .collect(),
            password: None,
            mfa: Default::default(),
            links: Vec::new(),
        }
    }

    fn token() -> SoftwareToken {
        SoftwareToken {
            sealed_secret: String::new(),
            last_step: 0,
            friendly_name: None,
            verified_at: 0.0,
        }
    }

    fn pool(mode: UserPoolMfaType, sms: bool) -> UserPoolType {
        UserPoolType {
            mfa_configuration: Some(mode),
            sms_configuration: sms.then(SmsConfigurationType::default),
            ..Default::default()
        }
    }

    #[test]
    fn the_step_follows_the_pool_and_the_users_factors() {
        let totp_pool = Factors {
            software_token: true,
            ..Default::default()
        };
        let mut user = doc(&[("phone_number", "+15555550100")]);
        // MFA off: nothing, whatever the user enabled.
        user.mfa.sms_enabled = true;
        assert_eq!(
            choose(&pool(UserPoolMfaType::OFF, true), &totp_pool, &user),
            MfaStep::None
        );
        // One factor: that one.
        let optional = pool(UserPoolMfaType::OPTIONAL, true);
        assert_eq!(
            choose(&optional, &totp_pool, &user),
            MfaStep::Factor(ChallengeNameType::SMS_MFA)
        );
        // Two, none preferred: a choice; preferred: that one.
        user.mfa.totp_enabled = true;
        user.mfa.software_token = Some(token());
        assert_eq!(
            choose(&optional, &totp_pool, &user),
            MfaStep::Select(vec![
                ChallengeNameType::SMS_MFA,
                ChallengeNameType::SOFTWARE_TOKEN_MFA
            ])
        );
        user.mfa.preferred = Some("SOFTWARE_TOKEN_MFA".into());
        assert_eq!(
            choose(&optional, &totp_pool, &user),
            MfaStep::Factor(ChallengeNameType::SOFTWARE_TOKEN_MFA)
        );
        // Optional and nothing enabled: the tokens.
        let none = doc(&[]);
        assert_eq!(choose(&optional, &totp_pool, &none), MfaStep::None);
        // Required and nothing enabled: set one up; SMS to a phone number if any.
        assert_eq!(
            choose(&pool(UserPoolMfaType::ON, true), &totp_pool, &none),
            MfaStep::Setup(vec![
                ChallengeNameType::SMS_MFA,
                ChallengeNameType::SOFTWARE_TOKEN_MFA
            ])
        );
        assert_eq!(
            choose(
                &pool(UserPoolMfaType::ON, true),
                &totp_pool,
                &doc(&[("phone_number", "+15555550100")])
            ),
            MfaStep::Factor(ChallengeNameType::SMS_MFA)
        );
        // TOTP enabled without a verified token cannot be used.
        let mut unverified = doc(&[]);
        unverified.mfa.totp_enabled = true;
        assert_eq!(choose(&optional, &totp_pool, &unverified), MfaStep::None);
    }
}
