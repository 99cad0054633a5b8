//! Device SRP: after a correct password, a sign-in that named one of the user's
//! confirmed devices proves it holds the device's secret, DEVICE_SRP_AUTH →
//! DEVICE_PASSWORD_VERIFIER, as Cognito runs it: SRP-6a against the verifier
//! ConfirmDevice kept, the device group key in place of the pool's name and the device
//! key in place of the username. It comes last, after MFA (which a remembered device
//! skips where the pool's ChallengeRequiredOnNewDevice says so): the tokens follow.

use super::*;
use crate::clock::now;
use crate::crypto::srp::{self, constant_time_eq};
use crate::error::{invalid, Result};
use crate::messages::codes;
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users::{self as user};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_api::types::ChallengeNameType;
use cognate_store::records::auth::{self as records};
use cognate_store::records::user::UserRow;
use num_bigint::BigUint;
use std::collections::BTreeMap;

/// A device whose secret is being proven: the user, their device, the pool.
struct DeviceContext {
    pool: PoolView,
    row: UserRow,
    device: DeviceSecret,
}

impl Service {
    /// DEVICE_SRP_AUTH: the sign-in continues with the device `key` of the user's.
    pub(super) fn device_challenge(
        &self,
        client: &AuthClient,
        row: &UserRow,
        key: String,
    ) -> Result<Outcome> {
        let mut state =
            self.new_challenge(client, &row.username, ChallengeNameType::DEVICE_SRP_AUTH);
        state.device_key = Some(key);
        let mut params = BTreeMap::new();
        params.insert("USERNAME".to_string(), row.username.clone());
        Ok(Outcome {
            challenge_name: Some(ChallengeNameType::DEVICE_SRP_AUTH),
            session: Some(self.seal_challenge(&state)?),
            challenge_parameters: Some(params),
            authentication_result: None,
            available_challenges: None,
        })
    }

    /// Reads the user and the device a device challenge is about, checking the
    /// answer's USERNAME, DEVICE_KEY and SECRET_HASH.
    async fn device_context(
        &self,
        client: &AuthClient,
        state: &Challenge,
        responses: &BTreeMap<String, String>,
    ) -> Result<DeviceContext> {
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let key = responses
            .get("DEVICE_KEY")
            .ok_or_else(|| missing("DEVICE_KEY"))?;
        if state.device_key.as_ref() != Some(key) {
            return Err(not_authorized("Invalid session for the user."));
        }
        let cache = self.pool_cache();
        let (pool_id, name, key) = (client.pool_id.clone(), state.username.clone(), key.clone());
        let (pool, user, device) = self
            .store()
            .read(move |c| {
                let ctx = read_context(c, &cache, &pool_id, &name)?;
                let device = match &ctx.user {
                    Some((row, _)) => device_secret(c, &pool_id, &row.username_key, &key)?,
                    None => None,
                };
                Ok::<_, crate::error::Error>((ctx.pool, ctx.user, device))
            })
            .await?;
        let (row, _) = user.ok_or_else(user::user_not_found)?;
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        check_secret_hash(client, &[username, &row.username, &row.sub], secret_hash)?;
        if !row.enabled {
            return Err(not_authorized("User is disabled."));
        }
        let device = device.ok_or_else(device_not_found)?;
        Ok(DeviceContext { pool, row, device })
    }

    /// DEVICE_SRP_AUTH answered with the device's SRP_A: DEVICE_PASSWORD_VERIFIER, with
    /// the device's salt, the server's B and the exchange's state sealed as the
    /// SECRET_BLOCK.
    pub(super) async fn answer_device_srp_auth(
        &self,
        client: AuthClient,
        session: Option<&String>,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let session = session.ok_or_else(|| missing("Session"))?;
        let state = self.open_challenge(session, &client)?;
        // amazon-cognito-identity-js answers DEVICE_SRP_AUTH after an MFA code with
        // the MFA challenge's Session: taken when that challenge, for this device, was
        // answered with the right code (only a right code marks it answered).
        let after_mfa = [
            ChallengeNameType::SMS_MFA,
            ChallengeNameType::EMAIL_OTP,
            ChallengeNameType::SOFTWARE_TOKEN_MFA,
        ];
        let usable = if state.name == ChallengeNameType::DEVICE_SRP_AUTH {
            true
        } else if after_mfa.contains(&state.name) && state.device_key.is_some() {
            let hash = codes::hash(session);
            self.store()
                .read(move |c| Ok::<_, crate::error::Error>(records::session_answered(c, &hash)?))
                .await?
        } else {
            false
        };
        if !usable {
            return Err(not_authorized("Invalid session for the user."));
        }
        let srp_a = responses.get("SRP_A").ok_or_else(|| missing("SRP_A"))?;
        let a = BigUint::parse_bytes(srp_a.as_bytes(), 16)
            .filter(|a| *a < *srp::N && a.bits() > 0)
            .ok_or_else(|| invalid("SRP_A is not a valid value."))?;
        let ctx = self.device_context(&client, &state, responses).await?;
        let b = srp::private_b();
        let big_b = srp::public_b(&ctx.device.verifier_hex, &b);
        let mut next = self.new_challenge(
            &client,
            &ctx.row.username,
            ChallengeNameType::DEVICE_PASSWORD_VERIFIER,
        );
        next.device_key = state.device_key.clone();
        next.srp_a = Some(STANDARD.encode(a.to_bytes_be()));
        next.srp_big_b = Some(STANDARD.encode(big_b.to_bytes_be()));
        next.srp_b = Some(STANDARD.encode(b.to_bytes_be()));
        let sealed = self.seal_challenge(&next)?;
        let mut out = BTreeMap::new();
        out.insert("SALT".to_string(), ctx.device.salt_hex.clone());
        out.insert("SECRET_BLOCK".to_string(), STANDARD.encode(&sealed));
        out.insert("SRP_B".to_string(), big_b.to_str_radix(16));
        out.insert("USERNAME".to_string(), ctx.row.username.clone());
        out.insert(
            "DEVICE_KEY".to_string(),
            next.device_key.clone().unwrap_or_default(),
        );
        Ok(Outcome {
            challenge_name: Some(ChallengeNameType::DEVICE_PASSWORD_VERIFIER),
            session: Some(sealed),
            challenge_parameters: Some(out),
            authentication_result: None,
            available_challenges: None,
        })
    }

    /// DEVICE_PASSWORD_VERIFIER: checks PASSWORD_CLAIM_SIGNATURE, an HMAC under the
    /// exchange's key of `deviceGroupKey | deviceKey | SECRET_BLOCK | TIMESTAMP`; then
    /// the tokens.
    pub(super) async fn answer_device_password_verifier(
        &self,
        client: AuthClient,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let get = |name: &str| responses.get(name).ok_or_else(|| missing(name));
        let block = get("PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = get("PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = get("TIMESTAMP")?;
        super::srp_flow::check_timestamp(timestamp, now())?;
        let sealed = STANDARD
            .decode(block)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| not_authorized("Invalid session for the user."))?;
        let state = self.open_challenge(&sealed, &client)?;
        if state.name != ChallengeNameType::DEVICE_PASSWORD_VERIFIER {
            return Err(not_authorized("Invalid session for the user."));
        }
        let ctx = self.device_context(&client, &state, responses).await?;
        let key = state.device_key.clone().unwrap_or_default();
        let consumed = Some((codes::hash(&sealed), state.expires_at));
        let attempt = self
            .reserve_sign_in(&ctx.pool.id, &ctx.row.username_key, consumed)
            .await?;
        let group = self.device_group_key(&ctx.pool.id, &ctx.row.sub);
        let claimed = STANDARD.decode(signature).unwrap_or_default();
        let ok = match (big(&state.srp_a), big(&state.srp_big_b), big(&state.srp_b)) {
            (Some(a), Some(big_b), Some(b)) => {
                srp::password_key(&a, &big_b, &b, &ctx.device.verifier_hex).is_some_and(|k| {
                    let expected = srp::hmac_sha256(
                        &k,
                        &[
                            group.as_bytes(),
                            key.as_bytes(),
                            block_bytes(block).as_slice(),
                            timestamp.as_bytes(),
                        ],
                    );
                    constant_time_eq(&expected, &claimed)
                })
            }
            _ => false,
        };
        if !ok {
            return Err(self.fail_attempt(attempt).await);
        }
        self.succeed(&client, ctx.row.username_key.clone(), None, Some(key))
            .await
    }
}
