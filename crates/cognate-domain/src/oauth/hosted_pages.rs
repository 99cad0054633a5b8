//! The hosted pages beyond sign-in: `/signup`, `/confirm` (and resending its code),
//! `/forgotPassword` and `/confirmForgotPassword`, and the authenticator app's set-up
//! step of a sign-in (MFA_SETUP). Each runs the API operation a user would call
//! (SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
//! ConfirmForgotPassword, AssociateSoftwareToken, VerifySoftwareToken), so the pages
//! follow every rule those follow; the page is the app client's own, so it supplies the
//! client's SECRET_HASH itself, as AWS's pages do.

use super::hosted_session::{HostedSession, LoginStep};
use crate::crypto::srp;
use crate::error::Error;
use crate::service::Service;
use crate::users::admin_only;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use std::collections::BTreeMap;

pub use super::hosted_session::LoginFailure;

/// One input of the sign-up form: a user attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpField {
    /// The attribute's name, which is also the input's name.
    pub name: String,
    pub required: bool,
}

/// What the sign-up form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpForm {
    /// What the username input stands for: `username`, `email` or `phone_number`.
    pub username_is: &'static str,
    /// The attributes asked for besides the username and password.
    pub fields: Vec<SignUpField>,
}

/// What a sign-up on the page led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedUp {
    /// The user's username (the sub where email or phone is the sign-in name).
    pub username: String,
    pub confirmed: bool,
    /// Where the confirmation code went, masked as AWS shows it.
    pub destination: Option<String>,
}

/// How the page words an operation's refusal.
pub(crate) fn page_failure(e: Error) -> LoginFailure {
    LoginFailure(match e.0.code {
        // Unknown users and wrong passwords read alike.
        ErrorCode::UserNotFoundException => "Incorrect username or password.".into(),
        ErrorCode::InternalErrorException => "An error was encountered.".into(),
        _ => e.0.message,
    })
}

impl Service {
    /// The SECRET_HASH the client's own page sends for `username`, if it has a secret.
    async fn page_secret_hash(
        &self,
        client_id: &str,
        username: &str,
    ) -> Result<Option<String>, LoginFailure> {
        let client = self
            .client_for(client_id, None)
            .await
            .map_err(page_failure)?;
        Ok(client.secret.map(|secret| {
            STANDARD.encode(srp::hmac_sha256(
                secret.as_bytes(),
                &[username.as_bytes(), client_id.as_bytes()],
            ))
        }))
    }

    /// The sign-up form of the client's pool; a refusal where only administrators
    /// create users (AWS's pages show no sign-up then).
    pub async fn sign_up_form(&self, client_id: &str) -> Result<SignUpForm, LoginFailure> {
        let client = self
            .client_for(client_id, None)
            .await
            .map_err(page_failure)?;
        let pool = self
            .pool_view(&client.pool_id)
            .await
            .map_err(page_failure)?;
        if admin_only(&pool.pool) {
            return Err(LoginFailure(
                "SignUp is not permitted for this user pool".into(),
            ));
        }
        let username_is = match pool.username_attributes().first() {
            Some(a) if *a == UsernameAttributeType::EMAIL => "email",
            Some(a) if *a == UsernameAttributeType::PHONE_NUMBER => "phone_number",
            _ => "username",
        };
        let mut fields: Vec<SignUpField> = pool
            .pool
            .schema_attributes
            .iter()
            .flatten()
            .filter(|a| a.required == Some(true))
            .filter_map(|a| a.name.clone())
            // The sub is the pool's to give.
            .filter(|n| n != username_is && n != "sub")
            .map(|name| SignUpField {
                name,
                required: true,
            })
            .collect();
        // A channel for the confirmation code where the pool verifies one.
        for verified in pool.pool.auto_verified_attributes.iter().flatten() {
            let name = verified.as_str().to_string();
            if name != username_is && !fields.iter().any(|f| f.name == name) {
                fields.push(SignUpField {
                    name,
                    required: false,
                });
            }
        }
        Ok(SignUpForm {
            username_is,
            fields,
        })
    }

    /// Whether the sign-in page offers passkeys: the pool allows WEB_AUTHN first.
    pub async fn passkeys_offered(&self, pool_id: &str) -> bool {
        self.pool_view(pool_id).await.is_ok_and(|pool| {
            crate::auth::pool_factors(&pool.pool).contains(&AuthFactorType::WEB_AUTHN)
        })
    }

    /// "Sign in with a passkey": the WEB_AUTHN step, with the options the browser's
    /// `navigator.credentials.get` takes; a refusal for a user without a passkey.
    pub async fn hosted_passkey_sign_in(
        &self,
        client_id: &str,
        username: &str,
    ) -> Result<LoginStep, LoginFailure> {
        let outcome = self.hosted_passkey(client_id, username).await;
        match self.login_step(outcome).await? {
            LoginStep::Challenge { name, .. } if name != "WEB_AUTHN" => Err(LoginFailure(
                "No passkey can sign this user in. Sign in with your password.".into(),
            )),
            step => Ok(step),
        }
    }

    /// `/passkeys/add`: the CredentialCreationOptions (JSON) for the signed-in user.
    pub async fn hosted_passkey_options(
        &self,
        session: &HostedSession,
        client_id: &str,
    ) -> Result<String, LoginFailure> {
        self.passkey_options_for(&session.pool_id, &session.username, &session.sub, client_id)
            .await
            .map(|v| v.to_string())
            .map_err(page_failure)
    }

    /// `/passkeys/add`'s form: the browser's new credential (JSON).
    pub async fn hosted_passkey_add(
        &self,
        session: &HostedSession,
        client_id: &str,
        credential: &str,
    ) -> Result<(), LoginFailure> {
        let value: serde_json::Value = serde_json::from_str(credential)
            .map_err(|_| LoginFailure("The passkey could not be read.".into()))?;
        self.passkey_add_for(
            &session.pool_id,
            &session.username,
            &session.sub,
            client_id,
            &value,
        )
        .await
        .map_err(page_failure)
    }

    /// SignUp from the page; empty optional attributes are left out.
    pub async fn hosted_sign_up(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
        attributes: Vec<(String, String)>,
    ) -> Result<SignedUp, LoginFailure> {
        let secret_hash = self.page_secret_hash(client_id, username).await?;
        let user_attributes = attributes
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, value)| AttributeType {
                name: Some(name),
                value: Some(value),
            })
            .collect();
        let answer = self
            .sign_up(
                &cognate_api::RequestContext::default(),
                SignUpRequest {
                    client_id: Some(client_id.to_string()),
                    username: Some(username.to_string()),
                    password: Some(password.to_string()),
                    secret_hash,
                    user_attributes: Some(user_attributes),
                    ..Default::default()
                },
            )
            .await
            .map_err(page_failure)?;
        Ok(SignedUp {
            username: username.to_string(),
            confirmed: answer.user_confirmed == Some(true),
            destination: answer.code_delivery_details.and_then(|d| d.destination),
        })
    }

    /// ConfirmSignUp from the page, then the sign-in that follows it (or its MFA
    /// step).
    pub async fn hosted_confirm_sign_up(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
    ) -> Result<LoginStep, LoginFailure> {
        let secret_hash = self.page_secret_hash(client_id, username).await?;
        self.confirm_sign_up(ConfirmSignUpRequest {
            client_id: Some(client_id.to_string()),
            username: Some(username.to_string()),
            confirmation_code: Some(code.to_string()),
            secret_hash,
            ..Default::default()
        })
        .await
        .map_err(page_failure)?;
        let outcome = self.hosted_after_confirmation(client_id, username).await;
        self.login_step(outcome).await
    }

    /// ResendConfirmationCode from the page: where the new code went.
    pub async fn hosted_resend_code(
        &self,
        client_id: &str,
        username: &str,
    ) -> Result<Option<String>, LoginFailure> {
        let secret_hash = self.page_secret_hash(client_id, username).await?;
        let answer = self
            .resend_confirmation_code(ResendConfirmationCodeRequest {
                client_id: Some(client_id.to_string()),
                username: Some(username.to_string()),
                secret_hash,
                ..Default::default()
            })
            .await
            .map_err(page_failure)?;
        Ok(answer.code_delivery_details.and_then(|d| d.destination))
    }

    /// ForgotPassword from the page: where the code went.
    pub async fn hosted_forgot_password(
        &self,
        client_id: &str,
        username: &str,
    ) -> Result<Option<String>, LoginFailure> {
        let secret_hash = self.page_secret_hash(client_id, username).await?;
        let answer = self
            .forgot_password(
                &cognate_api::RequestContext::default(),
                ForgotPasswordRequest {
                    client_id: Some(client_id.to_string()),
                    username: Some(username.to_string()),
                    secret_hash,
                    ..Default::default()
                },
            )
            .await
            .map_err(page_failure)?;
        Ok(answer.code_delivery_details.and_then(|d| d.destination))
    }

    /// ConfirmForgotPassword from the page.
    pub async fn hosted_confirm_forgot_password(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        password: &str,
    ) -> Result<(), LoginFailure> {
        let secret_hash = self.page_secret_hash(client_id, username).await?;
        self.confirm_forgot_password(ConfirmForgotPasswordRequest {
            client_id: Some(client_id.to_string()),
            username: Some(username.to_string()),
            confirmation_code: Some(code.to_string()),
            password: Some(password.to_string()),
            secret_hash,
            ..Default::default()
        })
        .await
        .map_err(page_failure)?;
        Ok(())
    }

    /// MFA_SETUP on the page: a new authenticator-app secret for the sign-in whose
    /// Session this is (AssociateSoftwareToken), with the Session that carries it.
    pub async fn hosted_totp_secret(
        &self,
        session: &str,
    ) -> Result<(String, String), LoginFailure> {
        let answer = self
            .associate_software_token(AssociateSoftwareTokenRequest {
                session: Some(session.to_string()),
                ..Default::default()
            })
            .await
            .map_err(page_failure)?;
        match (answer.secret_code, answer.session) {
            (Some(secret), Some(session)) => Ok((secret, session)),
            _ => Err(LoginFailure("An error was encountered.".into())),
        }
    }

    /// MFA_SETUP on the page: the app's first code verifies the secret
    /// (VerifySoftwareToken), and the set-up step is answered with it.
    pub async fn hosted_totp_verify(
        &self,
        client_id: &str,
        username: &str,
        session: &str,
        code: &str,
    ) -> Result<LoginStep, LoginFailure> {
        let verified = self
            .verify_software_token(VerifySoftwareTokenRequest {
                session: Some(session.to_string()),
                user_code: Some(code.to_string()),
                ..Default::default()
            })
            .await
            .map_err(page_failure)?;
        let session = verified
            .session
            .ok_or_else(|| LoginFailure("An error was encountered.".into()))?;
        let answers = BTreeMap::from([("USERNAME".to_string(), username.to_string())]);
        self.hosted_challenge(client_id, "MFA_SETUP", &session, answers)
            .await
    }
}
