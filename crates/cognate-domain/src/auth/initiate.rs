//! InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge and
//! AdminRespondToAuthChallenge: the flow or challenge named, routed to its module.

use super::*;
use crate::error::{invalid, required, Result};
use crate::operations::operation;
use crate::pools::client::AuthClient;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::RequestContext;
use std::collections::BTreeMap;

operation!(AdminInitiateAuth => Service::admin_initiate_auth, with_context);
operation!(
    AdminRespondToAuthChallenge => Service::admin_respond_to_auth_challenge,
    with_context
);
operation!(InitiateAuth => Service::initiate_auth, with_context);
operation!(RespondToAuthChallenge => Service::respond_to_auth_challenge, with_context);

/// Where a sign-in request came from: an admin call's ContextData.IpAddress (the
/// server calling is not the user), else the request's peer.
fn source_ip(ctx: &RequestContext, context_data: Option<&ContextDataType>) -> Option<String> {
    context_data
        .and_then(|d| d.ip_address.clone())
        .or_else(|| ctx.source_ip.clone())
}

/// Who is signing in, beyond the client: where from, and the request's ClientMetadata
/// (for the triggers AWS passes it to).
#[derive(Debug, Clone, Default)]
pub(crate) struct Caller {
    pub ip: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

impl Service {
    /// InitiateAuth and AdminInitiateAuth. `admin` names the pool of an admin call.
    pub(crate) async fn initiate_auth_flow(
        &self,
        admin: Option<&str>,
        client_id: &str,
        flow: &AuthFlowType,
        params: BTreeMap<String, String>,
        caller: Caller,
        session: Option<&String>,
    ) -> Result<Outcome> {
        let mut client = self.client_for(client_id, admin).await?;
        client.source_ip = caller.ip;
        client.client_metadata = caller.metadata;
        let supported: &[AuthFlowType] = if admin.is_some() {
            &[
                AuthFlowType::USER_SRP_AUTH,
                AuthFlowType::REFRESH_TOKEN_AUTH,
                AuthFlowType::REFRESH_TOKEN,
                AuthFlowType::ADMIN_NO_SRP_AUTH,
                AuthFlowType::ADMIN_USER_PASSWORD_AUTH,
                AuthFlowType::CUSTOM_AUTH,
                AuthFlowType::USER_AUTH,
            ]
        } else {
            &[
                AuthFlowType::USER_SRP_AUTH,
                AuthFlowType::REFRESH_TOKEN_AUTH,
                AuthFlowType::REFRESH_TOKEN,
                AuthFlowType::USER_PASSWORD_AUTH,
                AuthFlowType::CUSTOM_AUTH,
                AuthFlowType::USER_AUTH,
            ]
        };
        if !supported.contains(flow) {
            return Err(invalid("Initiate Auth method not supported."));
        }
        if !flow_allowed(&client.client, flow) {
            return Err(invalid(format!("{flow} flow not enabled for this client")));
        }
        let password = [
            AuthFlowType::USER_PASSWORD_AUTH,
            AuthFlowType::ADMIN_USER_PASSWORD_AUTH,
            AuthFlowType::ADMIN_NO_SRP_AUTH,
        ];
        match flow {
            f if password.contains(f) => self.password_flow(client, &params).await,
            f if *f == AuthFlowType::USER_SRP_AUTH => self.srp_flow(client, &params).await,
            f if *f == AuthFlowType::CUSTOM_AUTH => self.custom_flow(client, &params).await,
            f if *f == AuthFlowType::USER_AUTH => {
                self.user_auth_flow(client, &params, session).await
            }
            _ => {
                let rotating = client
                    .client
                    .refresh_token_rotation
                    .as_ref()
                    .and_then(|r| r.feature.as_ref())
                    == Some(&FeatureType::ENABLED);
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
                let device_key = params.get("DEVICE_KEY").map(String::as_str);
                Ok(Outcome {
                    authentication_result: Some(
                        self.refresh(client, token, secret_hash, device_key, false)
                            .await?,
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
        challenge: &ChallengeNameType,
        session: Option<&String>,
        responses: BTreeMap<String, String>,
        caller: Caller,
    ) -> Result<Outcome> {
        let mut client = self.client_for(client_id, admin).await?;
        client.source_ip = caller.ip;
        client.client_metadata = caller.metadata;
        self.answer_challenge(client, challenge, session, responses)
            .await
    }

    /// The answer to `challenge` by `client` (whose SECRET_HASH, if it has a secret,
    /// the answers must carry).
    pub(crate) async fn answer_challenge(
        &self,
        client: AuthClient,
        challenge: &ChallengeNameType,
        session: Option<&String>,
        responses: BTreeMap<String, String>,
    ) -> Result<Outcome> {
        match challenge {
            c if *c == ChallengeNameType::DEVICE_SRP_AUTH => {
                self.answer_device_srp_auth(client, session, &responses)
                    .await
            }
            c if *c == ChallengeNameType::DEVICE_PASSWORD_VERIFIER => {
                self.answer_device_password_verifier(client, &responses)
                    .await
            }
            c if *c == ChallengeNameType::PASSWORD_VERIFIER => {
                self.answer_password_verifier(client, &responses).await
            }
            c if *c == ChallengeNameType::WEB_AUTHN => {
                self.answer_web_authn(client, session, &responses).await
            }
            c if *c == ChallengeNameType::SELECT_CHALLENGE => {
                self.answer_select_challenge(client, session, &responses)
                    .await
            }
            c if *c == ChallengeNameType::CUSTOM_CHALLENGE => {
                self.answer_custom_challenge(client, session, &responses)
                    .await
            }
            c if *c == ChallengeNameType::NEW_PASSWORD_REQUIRED => {
                self.answer_new_password(client, session, &responses).await
            }
            c if [
                ChallengeNameType::SMS_MFA,
                ChallengeNameType::EMAIL_OTP,
                ChallengeNameType::SMS_OTP,
                ChallengeNameType::SOFTWARE_TOKEN_MFA,
                ChallengeNameType::SELECT_MFA_TYPE,
                ChallengeNameType::MFA_SETUP,
            ]
            .contains(c) =>
            {
                self.answer_mfa(client, c, session, &responses).await
            }
            other => Err(invalid(format!(
                "The challenge {other} is not supported by this server."
            ))),
        }
    }

    pub(crate) async fn initiate_auth(
        &self,
        ctx: &RequestContext,
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
                Caller {
                    ip: source_ip(ctx, None),
                    metadata: input.client_metadata,
                },
                input.session.as_ref(),
            )
            .await?;
        Ok(o.into())
    }

    pub(crate) async fn admin_initiate_auth(
        &self,
        ctx: &RequestContext,
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
                Caller {
                    ip: source_ip(ctx, input.context_data.as_ref()),
                    metadata: input.client_metadata,
                },
                input.session.as_ref(),
            )
            .await?;
        Ok(o.into())
    }

    pub(crate) async fn respond_to_auth_challenge(
        &self,
        ctx: &RequestContext,
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
                Caller {
                    ip: source_ip(ctx, None),
                    metadata: input.client_metadata,
                },
            )
            .await?;
        Ok(o.into())
    }

    pub(crate) async fn admin_respond_to_auth_challenge(
        &self,
        ctx: &RequestContext,
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
                Caller {
                    ip: source_ip(ctx, input.context_data.as_ref()),
                    metadata: input.client_metadata,
                },
            )
            .await?;
        Ok(o.into())
    }
}
