//! USER_SRP_AUTH → PASSWORD_VERIFIER, as Cognito runs SRP-6a; an unknown user gets a
//! decoy challenge when the client hides which users exist.

use super::*;
use crate::crypto::srp::{self, constant_time_eq};
use crate::error::{invalid, Result};
use crate::messages::codes;
use crate::pools::client::AuthClient;
use crate::service::Service;
use crate::users::{self as user};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_api::types::ChallengeNameType;
use num_bigint::BigUint;
use std::collections::BTreeMap;

impl Service {
    /// USER_SRP_AUTH: answers the client's A with the PASSWORD_VERIFIER challenge.
    pub(super) async fn srp_flow(
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
                // A client hiding which users exist says so only to the right password.
                if !row.enabled && !prevents_existence_errors(&client) {
                    return Err(not_authorized("User is disabled."));
                }
                let Some(password) = &doc.password else {
                    return Err(incorrect());
                };
                (
                    self.new_challenge(
                        &client,
                        &row.username,
                        ChallengeNameType::PASSWORD_VERIFIER,
                    ),
                    password.verifier.salt.clone(),
                    password.verifier.verifier.clone(),
                )
            }
            None => {
                check_secret_hash(&client, &[username], secret_hash)?;
                if !prevents_existence_errors(&client) {
                    return Err(user::user_not_found());
                }
                // A challenge indistinguishable from a real one, that no answer passes:
                // the same salt and name each time, as a real user's, for the same work.
                let decoy = self.decoy_verifier(&ctx.pool, username);
                let (name, _) = self.decoy_identity(&ctx.pool, username);
                let mut state =
                    self.new_challenge(&client, &name, ChallengeNameType::PASSWORD_VERIFIER);
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
            challenge_name: Some(ChallengeNameType::PASSWORD_VERIFIER),
            challenge_parameters: Some(out),
            ..Outcome::default()
        })
    }

    /// PASSWORD_VERIFIER: checks PASSWORD_CLAIM_SIGNATURE against the key derived from
    /// the exchange.
    pub(super) async fn answer_password_verifier(
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
        if state.name != ChallengeNameType::PASSWORD_VERIFIER {
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
            if !prevents_existence_errors(&client) {
                return Err(user::user_not_found());
            }
            // As a real user's wrong answer: the check is reserved under the decoy's
            // key, costs one key derivation (against B in place of a verifier), fails.
            let key = ctx.pool.fold(&state.username);
            let attempt = self.reserve_sign_in(&ctx.pool.id, &key, consumed).await?;
            if let (Some(a), Some(big_b), Some(b)) =
                (big(&state.srp_a), big(&state.srp_big_b), big(&state.srp_b))
            {
                let stand_in = big_b.to_str_radix(16);
                std::hint::black_box(srp::password_key(&a, &big_b, &b, &stand_in));
            }
            return Err(self.fail_attempt(attempt).await);
        };
        check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
        if !row.enabled && !prevents_existence_errors(&client) {
            return Err(not_authorized("User is disabled."));
        }
        let attempt = self
            .reserve_sign_in(&ctx.pool.id, &row.username_key, consumed)
            .await?;
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
            return Err(self.fail_attempt(attempt).await);
        }
        self.password_proven(&client, &ctx.pool, (row, doc), attempt)
            .await
    }
}
