//! A challenge's state, sealed into the value the client carries (the `Session`, or
//! SRP's SECRET_BLOCK) with its expiry: starting a challenge writes nothing.

use super::*;
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::Result;
use crate::pools::client::AuthClient;
use crate::service::Service;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_api::types::ChallengeNameType;
use num_bigint::BigUint;
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// What a challenge's sealed state holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Challenge {
    #[serde(rename = "p")]
    pub(super) pool_id: String,
    #[serde(rename = "c")]
    pub(super) client_id: String,
    /// The user's username (USER_ID_FOR_SRP).
    #[serde(rename = "u")]
    pub(super) username: String,
    #[serde(rename = "k")]
    pub(super) name: ChallengeNameType,
    #[serde(rename = "x")]
    pub(super) expires_at: f64,
    /// SRP: the client's A, the server's B and private b (base64 of big-endian bytes).
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub(super) srp_a: Option<String>,
    #[serde(rename = "B", default, skip_serializing_if = "Option::is_none")]
    pub(super) srp_big_b: Option<String>,
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    pub(super) srp_b: Option<String>,
    /// The user does not exist (PreventUserExistenceErrors): the answer always fails.
    #[serde(rename = "f", default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) fake: bool,
    #[serde(rename = "n")]
    pub(super) nonce: String,
    /// SMS_MFA and EMAIL_OTP: the keyed hash of the code sent (see `mfa::code_hash`).
    #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
    pub(super) code_hash: Option<String>,
    /// MFA_SETUP after AssociateSoftwareToken: the secret given (base32).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub(super) totp_secret: Option<String>,
    /// MFA_SETUP after VerifySoftwareToken: the step of the code that verified it.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub(super) totp_step: Option<u64>,
    /// MFA_SETUP after VerifySoftwareToken: its FriendlyDeviceName.
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub(super) device_name: Option<String>,
    /// MFA_SETUP after AssociateSoftwareToken: the hash of the sign-in's MFA_SETUP
    /// session, answered with this one so that a sign-in sets up one token.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub(super) origin: Option<String>,
    /// The user's device the sign-in names (DEVICE_KEY), once known to be theirs.
    #[serde(rename = "dk", default, skip_serializing_if = "Option::is_none")]
    pub(super) device_key: Option<String>,
    /// ConfirmSignUp's Session: the confirmation code stands as the first sign-in's
    /// one-time code (USER_AUTH with this Session).
    #[serde(rename = "su", default, skip_serializing_if = "std::ops::Not::not")]
    pub(super) signed_up: bool,
    /// WEB_AUTHN: the passkey ceremony's state (its challenge among it).
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    pub(super) passkey_state: Option<String>,
    /// CUSTOM_AUTH: the challenges so far and their results (the triggers' `session`).
    #[serde(rename = "cs", default, skip_serializing_if = "Option::is_none")]
    pub(super) custom: Option<Vec<crate::triggers::ChallengeResult>>,
    /// CUSTOM_CHALLENGE: CreateAuthChallenge's private parameters.
    #[serde(rename = "cp", default, skip_serializing_if = "Option::is_none")]
    pub(super) private: Option<serde_json::Map<String, serde_json::Value>>,
    /// CUSTOM_CHALLENGE: CreateAuthChallenge's challengeMetadata.
    #[serde(rename = "cm", default, skip_serializing_if = "Option::is_none")]
    pub(super) challenge_metadata: Option<String>,
}

impl Service {
    pub(super) fn seal_challenge(&self, state: &Challenge) -> Result<String> {
        let json = serde_json::to_string(state)
            .map_err(|e| crate::error::internal(format!("challenge state: {e}")))?;
        Ok(self.secrets().seal(Purpose::Challenge, &json))
    }

    /// Opens a challenge's state and checks it belongs to this client and is current.
    pub(super) fn open_challenge(&self, sealed: &str, client: &AuthClient) -> Result<Challenge> {
        let state = self.open_any_challenge(sealed)?;
        if Some(state.client_id.as_str()) != client.client.client_id.as_deref()
            || state.pool_id != client.pool_id
        {
            return Err(not_authorized("Invalid session for the user."));
        }
        Ok(state)
    }

    /// Opens a challenge's state and checks it is current, whatever its client (for
    /// AssociateSoftwareToken and VerifySoftwareToken, which name none).
    pub(super) fn open_any_challenge(&self, sealed: &str) -> Result<Challenge> {
        let state: Challenge = self
            .secrets()
            .open(Purpose::Challenge, sealed)
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| not_authorized("Invalid session for the user."))?;
        if state.expires_at < now() {
            return Err(not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        Ok(state)
    }

    pub(super) fn new_challenge(
        &self,
        client: &AuthClient,
        username: &str,
        name: ChallengeNameType,
    ) -> Challenge {
        let minutes = client.client.auth_session_validity.unwrap_or(3);
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        Challenge {
            pool_id: client.pool_id.clone(),
            client_id: client.client.client_id.clone().unwrap_or_default(),
            username: username.to_string(),
            name,
            expires_at: now() + f64::from(minutes) * 60.0,
            srp_a: None,
            srp_big_b: None,
            srp_b: None,
            fake: false,
            nonce: STANDARD.encode(nonce),
            code_hash: None,
            totp_secret: None,
            totp_step: None,
            device_name: None,
            origin: None,
            device_key: None,
            signed_up: false,
            passkey_state: None,
            custom: None,
            private: None,
            challenge_metadata: None,
        }
    }
}

/// The SECRET_BLOCK's bytes, as the client signs them.
pub(super) fn block_bytes(block: &str) -> Vec<u8> {
    STANDARD.decode(block).unwrap_or_default()
}

pub(super) fn big(bytes_b64: &Option<String>) -> Option<BigUint> {
    Some(BigUint::from_bytes_be(
        &STANDARD.decode(bytes_b64.as_deref()?).ok()?,
    ))
}
