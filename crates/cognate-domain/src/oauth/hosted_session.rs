//! The hosted sign-in page's state: the signed-in session a browser keeps in a cookie,
//! the CSRF token of its forms, and its sign-in steps.
//!
//! The session cookie is self-contained: the pool, the user and the refresh-token
//! family the sign-in started, sealed with the master key (XChaCha20-Poly1305, its own
//! purpose), valid for an hour as AWS's. The family makes it revocable: `/logout`,
//! GlobalSignOut and AdminUserGlobalSignOut revoke it, and a revoked family's cookie
//! no longer signs anyone in. (`hosted_sessions` is therefore not needed.)
//!
//! CSRF: `GET /login` gives the browser a random pre-login cookie; the form's hidden
//! `_csrf` is an HMAC of it under a key derived from the master key, so a page on
//! another site can neither read nor forge the pair.

use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::crypto::srp::constant_time_eq;
use crate::service::Service;
use cognate_api::types::ChallengeNameType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// AWS: the hosted pages' session lasts one hour.
pub const SESSION_SECONDS: f64 = 3600.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostedSession {
    pub pool_id: String,
    pub username: String,
    pub sub: String,
    pub auth_time: i64,
    pub family_id: String,
    pub expires_at: f64,
}

/// What a sign-in step leads to.
pub enum LoginStep {
    /// Signed in: the session and its sealed cookie value.
    SignedIn {
        session: HostedSession,
        cookie: String,
    },
    /// The next form: the challenge's name, its (sealed) session and its parameters
    /// (where a code went, which factors may be chosen or set up).
    Challenge {
        name: String,
        session: String,
        parameters: BTreeMap<String, String>,
    },
}

/// What the page tells the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailure(pub String);

impl Service {
    /// The session a cookie holds, if it is ours, for `pool_id`, unexpired and its
    /// family not revoked.
    pub async fn hosted_session(&self, cookie: &str, pool_id: &str) -> Option<HostedSession> {
        let plain = self.secrets().open(Purpose::HostedSession, cookie)?;
        let session: HostedSession = serde_json::from_str(&plain).ok()?;
        if session.pool_id != pool_id || session.expires_at <= now() {
            return None;
        }
        let family = session.family_id.clone();
        let revoked = self
            .store()
            .read(move |c| {
                cognate_store::records::auth::is_revoked(c, &family)
                    .map_err(crate::error::Error::from)
            })
            .await
            .ok()?;
        (!revoked).then_some(session)
    }

    /// Ends the session a cookie holds (its family revoked), if it is one.
    pub async fn end_hosted_session(&self, cookie: &str) {
        let Some(plain) = self.secrets().open(Purpose::HostedSession, cookie) else {
            return;
        };
        let Ok(session) = serde_json::from_str::<HostedSession>(&plain) else {
            return;
        };
        let _ = self
            .store()
            .write(move |c| crate::tokens::revoke_family(c, &session.pool_id, &session.family_id))
            .await;
    }

    /// The form's CSRF token for a browser's pre-login cookie.
    pub fn csrf_token(&self, pre_login: &str) -> String {
        self.secrets().keyed_hash(&["hosted-csrf", pre_login])
    }

    pub fn csrf_valid(&self, pre_login: Option<&str>, token: Option<&str>) -> bool {
        match (pre_login.filter(|c| !c.is_empty()), token) {
            (Some(cookie), Some(token)) => {
                constant_time_eq(self.csrf_token(cookie).as_bytes(), token.as_bytes())
            }
            _ => false,
        }
    }

    /// The password step of the hosted page.
    pub async fn hosted_sign_in(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
    ) -> Result<LoginStep, LoginFailure> {
        // The hosted page's sign-ins count toward UserAuthentication, as AWS's do.
        self.check_client_quota(client_id, crate::quotas::Category::UserAuthentication)
            .await
            .map_err(super::hosted_pages::page_failure)?;
        let outcome = self.hosted_password(client_id, username, password).await;
        self.login_step(outcome).await
    }

    /// A challenge step of the hosted page (a new password, an MFA code).
    pub async fn hosted_challenge(
        &self,
        client_id: &str,
        challenge: &str,
        session: &String,
        answers: BTreeMap<String, String>,
    ) -> Result<LoginStep, LoginFailure> {
        let name = ChallengeNameType::from(challenge.to_string());
        let outcome = self.hosted_answer(client_id, &name, session, answers).await;
        self.login_step(outcome).await
    }

    pub(crate) async fn login_step(
        &self,
        outcome: crate::error::Result<crate::auth::Outcome>,
    ) -> Result<LoginStep, LoginFailure> {
        let outcome = outcome.map_err(super::hosted_pages::page_failure)?;
        if let (Some(name), Some(session)) = (&outcome.challenge_name, &outcome.session) {
            return Ok(LoginStep::Challenge {
                name: name.to_string(),
                session: session.clone(),
                parameters: outcome.challenge_parameters.clone().unwrap_or_default(),
            });
        }
        let failed = || LoginFailure("An error was encountered.".into());
        let result = outcome.authentication_result.ok_or_else(failed)?;
        let id = result
            .id_token
            .as_deref()
            .and_then(crate::tokens::jwt::decode)
            .ok_or_else(failed)?;
        let claim = |n: &str| id.str_claim(n).map(str::to_string).ok_or_else(failed);
        let pool_id = claim("iss")?
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let session = HostedSession {
            pool_id,
            username: claim("cognito:username")?,
            sub: claim("sub")?,
            auth_time: id.num_claim("auth_time").unwrap_or_default() as i64,
            family_id: claim("origin_jti")?,
            expires_at: now() + SESSION_SECONDS,
        };
        let cookie = self.secrets().seal(
            Purpose::HostedSession,
            &serde_json::to_string(&session).map_err(|_| failed())?,
        );
        Ok(LoginStep::SignedIn { session, cookie })
    }
}
