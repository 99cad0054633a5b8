//! CUSTOM_AUTH: a sign-in whose steps the pool's DefineAuthChallenge function decides.
//! Each CUSTOM_CHALLENGE is made by CreateAuthChallenge and judged by
//! VerifyAuthChallengeResponse; the history (the events' `session`), the private
//! challenge parameters and the challenge's metadata travel sealed in the Session.
//! With `CHALLENGE_NAME: SRP_A` the history starts with SRP_A, and a PASSWORD_VERIFIER
//! the function asks for is SRP's (`srp_flow.rs`), after which the flow comes back
//! here. An unknown user, where the client hides which users exist, goes through the
//! same calls (`userNotFound`) and is refused at the end.

use super::*;
use crate::error::{invalid, Result};
use crate::messages::codes;
use crate::pools::client::AuthClient;
use crate::pools::PoolView;
use crate::service::Service;
use crate::triggers::{ChallengeResult, CustomUser, Next, Trigger};
use crate::users::{self as user, UserDoc};
use cognate_api::types::ChallengeNameType;
use cognate_api::ErrorCode;
use cognate_store::records::user::UserRow;
use std::collections::BTreeMap;

/// Where a custom sign-in stands.
pub(super) struct CustomStep<'a> {
    pub pool: &'a PoolView,
    pub user: Option<(&'a UserRow, &'a UserDoc)>,
    /// The name the sign-in gave (the user's username once found).
    pub username: &'a str,
    pub history: Vec<ChallengeResult>,
    /// The Session answered, used up if the step ends in tokens.
    pub consumed: Option<(String, f64)>,
    /// ClientMetadata for the triggers (AWS passes RespondToAuthChallenge's).
    pub metadata: Option<&'a BTreeMap<String, String>>,
}

impl CustomStep<'_> {
    fn custom_user<'b>(&'b self, client: &'b AuthClient) -> CustomUser<'b> {
        CustomUser {
            pool: &self.pool.pool,
            pool_id: &self.pool.id,
            client_id: client.client.client_id.as_deref(),
            username: self
                .user
                .map_or(self.username, |(r, _)| r.username.as_str()),
            user: self
                .user
                .map(|(r, d)| (d.attributes.as_slice(), r.status.as_str())),
            prevents_existence_errors: prevents_existence_errors(client),
            metadata: self.metadata,
        }
    }
}

fn step(name: &str, result: bool, metadata: Option<String>) -> ChallengeResult {
    ChallengeResult {
        name: name.to_string(),
        result,
        metadata,
    }
}

impl Service {
    /// InitiateAuth with CUSTOM_AUTH.
    pub(super) async fn custom_flow(
        &self,
        mut client: AuthClient,
        params: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        if !Trigger::DefineAuthChallenge.configured(&ctx.pool.pool) {
            return Err(invalid(
                "Custom auth lambda trigger is not configured for the user pool.",
            ));
        }
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let user = ctx.user.as_ref().map(|(r, d)| (r, d));
        match user {
            None => {
                check_secret_hash(&client, &[username], secret_hash)?;
                if !prevents_existence_errors(&client) {
                    return Err(user::user_not_found());
                }
            }
            Some((row, doc)) => {
                check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
                check_status(row, doc)?;
            }
        }
        self.before_sign_in(&client, &ctx.pool, username, user)
            .await?;
        client.pre_authenticated = true;
        let srp = params.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A");
        if srp && !params.contains_key("SRP_A") {
            return Err(missing("SRP_A"));
        }
        let history = if srp {
            vec![step("SRP_A", true, None)]
        } else {
            Vec::new()
        };
        let at = CustomStep {
            pool: &ctx.pool,
            user,
            username,
            history,
            consumed: None,
            // AWS passes InitiateAuth's ClientMetadata to none of the three triggers.
            metadata: None,
        };
        self.custom_next(client, at, srp.then_some(params)).await
    }

    /// Asks DefineAuthChallenge what follows, and does it. `srp` is InitiateAuth's
    /// parameters where a PASSWORD_VERIFIER may follow.
    pub(super) async fn custom_next(
        &self,
        client: AuthClient,
        at: CustomStep<'_>,
        srp: Option<&BTreeMap<String, String>>,
    ) -> Result<Outcome> {
        let next = self
            .define_auth_challenge(&at.custom_user(&client), &at.history)
            .await?;
        match next {
            Next::Fail => Err(incorrect()),
            Next::Tokens => {
                let Some((row, _)) = at.user else {
                    return Err(incorrect());
                };
                self.succeed(&client, row.username_key.clone(), at.consumed, None)
                    .await
            }
            Next::Challenge(name) if name == "PASSWORD_VERIFIER" => match srp {
                Some(params) => self.srp_challenge(client, params, Some(at.history)).await,
                None => Err(crate::error::fail(
                    ErrorCode::InvalidLambdaResponseException,
                    "PASSWORD_VERIFIER can follow only a sign-in started with SRP_A.",
                )),
            },
            Next::Challenge(name) if name == "CUSTOM_CHALLENGE" => {
                let created = self
                    .create_auth_challenge(&at.custom_user(&client), &name, &at.history)
                    .await?;
                let username = at.user.map_or(at.username, |(r, _)| r.username.as_str());
                let mut state =
                    self.new_challenge(&client, username, ChallengeNameType::CUSTOM_CHALLENGE);
                state.fake = at.user.is_none();
                let mut parameters = created.public;
                parameters.insert("USERNAME".to_string(), username.to_string());
                state.custom = Some(at.history);
                state.private = Some(created.private);
                state.challenge_metadata = created.metadata;
                Ok(Outcome {
                    challenge_name: Some(ChallengeNameType::CUSTOM_CHALLENGE),
                    session: Some(self.seal_challenge(&state)?),
                    challenge_parameters: Some(parameters),
                    ..Outcome::default()
                })
            }
            Next::Challenge(other) => Err(crate::error::fail(
                ErrorCode::InvalidLambdaResponseException,
                format!("The challenge {other} is not supported in a custom authentication flow."),
            )),
        }
    }

    /// RespondToAuthChallenge with CUSTOM_CHALLENGE: VerifyAuthChallengeResponse
    /// judges the ANSWER, then DefineAuthChallenge decides what follows.
    pub(super) async fn answer_custom_challenge(
        &self,
        client: AuthClient,
        session: Option<&String>,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let session = session.ok_or_else(|| missing("Session"))?;
        let state = self.open_challenge(session, &client)?;
        if state.name != ChallengeNameType::CUSTOM_CHALLENGE {
            return Err(not_authorized("Invalid session for the user."));
        }
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), state.username.clone());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
        let user = ctx
            .user
            .as_ref()
            .filter(|_| !state.fake)
            .map(|(r, d)| (r, d));
        match user {
            Some((row, _)) => {
                check_secret_hash(&client, &[username, &row.username, &row.sub], secret_hash)?;
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
            }
            None => check_secret_hash(&client, &[username], secret_hash)?,
        }
        let metadata = client.client_metadata.clone();
        let mut at = CustomStep {
            pool: &ctx.pool,
            user,
            username: &state.username,
            history: state.custom.clone().unwrap_or_default(),
            consumed: Some((codes::hash(session), state.expires_at)),
            metadata: metadata.as_ref(),
        };
        let correct = self
            .verify_auth_challenge(
                &at.custom_user(&client),
                &state.private.clone().unwrap_or_default(),
                answer,
            )
            .await?;
        at.history.push(step(
            "CUSTOM_CHALLENGE",
            correct,
            state.challenge_metadata.clone(),
        ));
        self.custom_next(client, at, None).await
    }
}
