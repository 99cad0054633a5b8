//! The hosted sign-in page's steps through the API's sign-in logic: the password (as
//! USER_PASSWORD_AUTH, whatever the client's ExplicitAuthFlows, since the page is not
//! an API flow; lockout counted the same way), every challenge that may follow
//! (NEW_PASSWORD_REQUIRED, the MFA codes, SELECT_MFA_TYPE, MFA_SETUP with an
//! authenticator app), and the sign-in that follows a confirmed sign-up. The page is
//! the client's own, so a client secret is not asked for (no SECRET_HASH).

use super::*;
use crate::error::Result;
use crate::pools::client::AuthClient;
use crate::service::Service;
use cognate_api::types::*;
use std::collections::BTreeMap;

impl Service {
    /// The app client as its own hosted page acts for it: no SECRET_HASH to check.
    async fn page_client(&self, client_id: &str) -> Result<AuthClient> {
        let mut client = self.client_for(client_id, None).await?;
        client.secret = None;
        client.hosted = true;
        Ok(client)
    }

    pub(crate) async fn hosted_password(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
    ) -> Result<Outcome> {
        let client = self.page_client(client_id).await?;
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
        responses: BTreeMap<String, String>,
    ) -> Result<Outcome> {
        let client = self.page_client(client_id).await?;
        self.answer_challenge(client, challenge, Some(session), responses)
            .await
    }

    /// "Sign in with a passkey": USER_AUTH with WEB_AUTHN preferred, whatever the
    /// client's ExplicitAuthFlows (the page is not an API flow).
    pub(crate) async fn hosted_passkey(&self, client_id: &str, username: &str) -> Result<Outcome> {
        let client = self.page_client(client_id).await?;
        let params = BTreeMap::from([
            ("USERNAME".to_string(), username.to_string()),
            ("PREFERRED_CHALLENGE".to_string(), "WEB_AUTHN".to_string()),
        ]);
        self.user_auth_flow(client, &params, None).await
    }

    /// A user who has just confirmed their sign-up on the page is signed in as after a
    /// correct password: straight away, or through the MFA the pool requires.
    pub(crate) async fn hosted_after_confirmation(
        &self,
        client_id: &str,
        username: &str,
    ) -> Result<Outcome> {
        let client = self.page_client(client_id).await?;
        let cache = self.pool_cache();
        let (pool_id, name) = (client.pool_id.clone(), username.to_string());
        let ctx = self
            .store()
            .read(move |c| read_context(c, &cache, &pool_id, &name))
            .await?;
        let Some((row, doc)) = &ctx.user else {
            return Err(incorrect());
        };
        if !row.enabled {
            return Err(not_authorized("User is disabled."));
        }
        check_status(row, doc)?;
        match self.mfa_step(&ctx.pool, doc).await? {
            MfaStep::None => {
                self.succeed(&client, row.username_key.clone(), None, None)
                    .await
            }
            step => {
                self.mfa_challenge(&client, &ctx.pool, row, doc, step, None)
                    .await
            }
        }
    }
}
