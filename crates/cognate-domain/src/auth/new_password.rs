//! NEW_PASSWORD_REQUIRED: the challenge for a user with a temporary password, and its
//! answer (the new password and any required attributes).

use super::mfa::{choose, MfaStep};
use super::*;
use crate::crypto::srp::{self, Verifier};
use crate::error::{invalid, Result};
use crate::messages::codes;
use crate::pools::client::AuthClient;
use crate::pools::mfa_config;
use crate::pools::password_policy;
use crate::pools::PoolView;
use crate::service::Service;
use crate::tokens::{self};
use crate::users::attributes as attrs;
use crate::users::{self as user, UserDoc};
use cognate_api::types::*;
use cognate_store::records::auth::{self as records};
use cognate_store::records::user::UserRow;
use std::collections::BTreeMap;

impl Service {
    /// The NEW_PASSWORD_REQUIRED challenge for a user signing in with a temporary
    /// password.
    pub(super) fn new_password_challenge(
        &self,
        client: &AuthClient,
        pool: &PoolView,
        row: &UserRow,
        doc: &UserDoc,
    ) -> Result<Outcome> {
        let state = self.new_challenge(
            client,
            &row.username,
            ChallengeNameType::NEW_PASSWORD_REQUIRED,
        );
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
            challenge_name: Some(ChallengeNameType::NEW_PASSWORD_REQUIRED),
            session: Some(self.seal_challenge(&state)?),
            challenge_parameters: Some(params),
            authentication_result: None,
            available_challenges: None,
        })
    }

    /// NEW_PASSWORD_REQUIRED: sets the new password (and any attributes sent as
    /// `userAttributes.<name>`), confirms the user and signs them in.
    pub(super) async fn answer_new_password(
        &self,
        client: AuthClient,
        session: Option<&String>,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let session = session.ok_or_else(|| invalid("Missing required parameter Session"))?;
        let state = self.open_challenge(session, &client)?;
        if state.name != ChallengeNameType::NEW_PASSWORD_REQUIRED {
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
        let device = tokens::SignInDevice {
            key: None,
            ip: client.source_ip.clone(),
        };
        let username = username.clone();
        let secret_hash = secret_hash.map(str::to_string);
        let client_for_hash = AuthClient {
            secret: auth_client_secret,
            ..client.clone()
        };
        let grant = self
            .store()
            .write(move |c| {
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let (mut row, mut doc) =
                    user::find(c, &pool, &state.username)?.ok_or_else(user::user_not_found)?;
                // The user may have been disabled since the challenge was issued.
                if !row.enabled {
                    return Err(not_authorized("User is disabled."));
                }
                check_secret_hash(
                    &client_for_hash,
                    &[&username, &row.username, &row.sub],
                    secret_hash.as_deref(),
                )?;
                password_policy::check(&pool.password_policy(), &new_password)?;
                let names = writes.iter().map(|a| a.name.as_deref().unwrap_or(""));
                attrs::check_user_writes(&pool.pool, &app, names)?;
                let mut writes = writes.clone();
                attrs::check_writes(&pool.pool, &mut writes, false)?;
                for a in &writes {
                    attrs::set(
                        &mut doc.attributes,
                        a.name.as_deref().unwrap_or_default(),
                        a.value.as_deref().unwrap_or_default(),
                    );
                }
                attrs::check_required(&pool.pool, &doc.attributes)?;
                if !records::consume_session(c, &consumed.0, &pool_id, consumed.1)? {
                    return Err(not_authorized(
                        "Invalid session for the user, session can only be used once.",
                    ));
                }
                user::set_permanent_password(&mut row, &mut doc, verifier.clone());
                let row = user::save(c, &pool, row, &doc)?;
                // The new password is kept either way; MFA, if due, comes before tokens.
                let step = match pool.pool.mfa_configuration.as_ref() {
                    Some(m) if *m != UserPoolMfaType::OFF => {
                        choose(&pool.pool, &mfa_config::factors(c, &pool.id)?, &doc)
                    }
                    _ => MfaStep::None,
                };
                if step != MfaStep::None {
                    return Ok(Err((pool, row, doc, step)));
                }
                Ok(Ok(tokens::start_family(
                    c, &pool, &app, &row, &doc, &device,
                )?))
            })
            .await?;
        match grant {
            Ok(grant) => {
                self.signed_in(&client, grant, tokens::TokenSource::NewPasswordChallenge)
                    .await
            }
            Err((pool, row, doc, step)) => {
                self.mfa_challenge(&client, &pool, &row, &doc, step, None)
                    .await
            }
        }
    }
}
