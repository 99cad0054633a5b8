//! The hosted sign-in page's steps through the API's sign-in logic: the password (as
//! USER_PASSWORD_AUTH, whatever the client's ExplicitAuthFlows, since the page is not
//! an API flow; lockout counted the same way) and the challenges that may follow
//! (NEW_PASSWORD_REQUIRED, the MFA codes). The page is the client's own, so a client
//! secret is not asked for (no SECRET_HASH).

use super::*;
use crate::error::Result;
use crate::service::Service;
use cognate_api::types::ChallengeNameType;
use std::collections::BTreeMap;

impl Service {
    pub(crate) async fn hosted_password(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
    ) -> Result<Outcome> {
        let mut client = self.client_for(client_id, None).await?;
        client.secret = None;
        let params = BTreeMap::from([
            ("USERNAME".to_string(), username.to_string()),
            ("PASSWORD".to_string(), password.to_string()),
        ]);
        self.password_flow(client, &params).await
    }

    pub(crate) async fn hosted_answer(
        &self,
        client_id: &str,
        challenge: &ChallengeNameType,
        session: &String,
        responses: &BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let mut client = self.client_for(client_id, None).await?;
        client.secret = None;
        if *challenge == ChallengeNameType::NEW_PASSWORD_REQUIRED {
            return self
                .answer_new_password(client, Some(session), responses)
                .await;
        }
        if [
            ChallengeNameType::SOFTWARE_TOKEN_MFA,
            ChallengeNameType::SMS_MFA,
            ChallengeNameType::EMAIL_OTP,
        ]
        .contains(challenge)
        {
            return self
                .answer_mfa(client, challenge, Some(session), responses)
                .await;
        }
        Err(invalid(format!(
            "The challenge {challenge} is not supported by the hosted sign-in page."
        )))
    }
}
