//! AssociateSoftwareToken and VerifySoftwareToken: a user's authenticator app (TOTP),
//! set up with their access token or, during sign-in, with the MFA_SETUP challenge's
//! Session. Here rather than under `users/` because the second way runs on sealed
//! challenge state.
//!
//! With an access token, the new secret is kept sealed as the user's pending token
//! until a code verifies it; it then replaces any earlier token (TOTP MFA is enabled
//! separately, with SetUserMFAPreference, as AWS documents). With a Session, the
//! secret travels sealed in the new Session that AssociateSoftwareToken answers;
//! VerifySoftwareToken answers another carrying the verified step, and answering
//! MFA_SETUP with it stores the token and enables TOTP MFA.

use super::*;
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::crypto::totp;
use crate::error::{fail, required, Result};
use crate::messages::codes;
use crate::operations::operation;
use crate::pools::mfa_config;
use crate::service::Service;
use crate::users::{self as user, SoftwareToken};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::auth::{self as records};
use cognate_store::Conn;

operation!(AssociateSoftwareToken => Service::associate_software_token);
operation!(VerifySoftwareToken => Service::verify_software_token);

fn not_enabled() -> crate::error::Error {
    fail(
        ErrorCode::SoftwareTokenMFANotFoundException,
        "Software Token MFA has not been enabled by the userPool.",
    )
}

fn code_mismatch() -> crate::error::Error {
    fail(ErrorCode::EnableSoftwareTokenMFAException, "Code mismatch")
}

fn check_pool_offers_totp(c: &mut dyn Conn, pool_id: &str) -> Result<()> {
    if mfa_config::factors(c, pool_id)?.software_token {
        Ok(())
    } else {
        Err(not_enabled())
    }
}

/// Exactly one of an access token and a session.
enum Caller<'a> {
    Token(&'a str),
    Session(&'a str),
}

fn one_of<'a>(token: &'a Option<String>, session: &'a Option<String>) -> Result<Caller<'a>> {
    match (token, session) {
        (Some(t), None) => Ok(Caller::Token(t)),
        (None, Some(s)) => Ok(Caller::Session(s)),
        _ => Err(crate::error::invalid(
            "Exactly one of AccessToken and Session must be given.",
        )),
    }
}

impl Service {
    pub(crate) async fn associate_software_token(
        &self,
        input: AssociateSoftwareTokenRequest,
    ) -> Result<AssociateSoftwareTokenResponse> {
        let secret = totp::generate_secret();
        match one_of(&input.access_token, &input.session)? {
            Caller::Token(token) => {
                let sealed = self.secrets().seal(Purpose::TotpSecret, &secret);
                self.with_access_token(token, true, move |c, pool, row, mut doc, _| {
                    check_pool_offers_totp(c, &pool.id)?;
                    doc.mfa.pending_software_token = Some(sealed.clone());
                    user::save(c, pool, row, &doc)?;
                    Ok(())
                })
                .await?;
                Ok(AssociateSoftwareTokenResponse {
                    secret_code: Some(secret),
                    session: None,
                })
            }
            Caller::Session(session) => {
                let mut state = self.open_any_challenge(session)?;
                if state.name != ChallengeNameType::MFA_SETUP || state.fake {
                    return Err(not_authorized("Invalid session for the user."));
                }
                let pool_id = state.pool_id.clone();
                self.store()
                    .read(move |c| check_pool_offers_totp(c, &pool_id))
                    .await?;
                // The sign-in's own MFA_SETUP session is answered with the one that
                // completes it, so that one sign-in sets up one token.
                if state.origin.is_none() {
                    state.origin = Some(codes::hash(session));
                }
                state.totp_secret = Some(secret.clone());
                state.totp_step = None;
                state.device_name = None;
                Ok(AssociateSoftwareTokenResponse {
                    secret_code: Some(secret),
                    session: Some(self.seal_challenge(&state)?),
                })
            }
        }
    }

    pub(crate) async fn verify_software_token(
        &self,
        input: VerifySoftwareTokenRequest,
    ) -> Result<VerifySoftwareTokenResponse> {
        let code = required(&input.user_code, "userCode")?.clone();
        let device = input.friendly_device_name.clone().filter(|d| !d.is_empty());
        let success = Some(VerifySoftwareTokenResponseType::SUCCESS);
        match one_of(&input.access_token, &input.session)? {
            Caller::Token(token) => {
                let secrets = self.secrets().clone();
                self.with_access_token(token, true, move |c, pool, row, mut doc, _| {
                    check_pool_offers_totp(c, &pool.id)?;
                    let Some(sealed) = doc.mfa.pending_software_token.clone() else {
                        return Err(fail(
                            ErrorCode::InvalidParameterException,
                            "User has not associated a software token; call AssociateSoftwareToken first.",
                        ));
                    };
                    let step = secrets
                        .open(Purpose::TotpSecret, &sealed)
                        .and_then(|s| totp::base32_decode(&s))
                        .and_then(|key| totp::verify(&key, &code, now(), None))
                        .ok_or_else(code_mismatch)?;
                    doc.mfa.software_token = Some(SoftwareToken {
                        sealed_secret: sealed,
                        last_step: step,
                        friendly_name: device.clone(),
                        verified_at: now(),
                    });
                    doc.mfa.pending_software_token = None;
                    user::save(c, pool, row, &doc)?;
                    Ok(())
                })
                .await?;
                Ok(VerifySoftwareTokenResponse {
                    status: success,
                    session: None,
                })
            }
            Caller::Session(session) => {
                let mut state = self.open_any_challenge(session)?;
                let secret = state
                    .totp_secret
                    .clone()
                    .filter(|_| state.name == ChallengeNameType::MFA_SETUP && !state.fake)
                    .ok_or_else(|| not_authorized("Invalid session for the user."))?;
                if state.totp_step.is_some() {
                    // Already verified: its Session answers MFA_SETUP, not this.
                    return Err(not_authorized("Invalid session for the user."));
                }
                let step = totp::base32_decode(&secret)
                    .and_then(|key| totp::verify(&key, &code, now(), None))
                    .ok_or_else(code_mismatch)?;
                // This session is spent: the verified one replaces it.
                let (hash, pool_id, expires) = (
                    codes::hash(session),
                    state.pool_id.clone(),
                    state.expires_at,
                );
                self.store()
                    .write(move |c| {
                        if records::consume_session(c, &hash, &pool_id, expires)? {
                            Ok(())
                        } else {
                            Err(session_used())
                        }
                    })
                    .await?;
                state.totp_step = Some(step);
                state.device_name = device;
                Ok(VerifySoftwareTokenResponse {
                    status: success,
                    session: Some(self.seal_challenge(&state)?),
                })
            }
        }
    }
}
