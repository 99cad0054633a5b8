//! GetUserPoolMfaConfig and SetUserPoolMfaConfig. The pool's MfaConfiguration and SMS
//! settings live in its description; which factors are enabled (TOTP, email, WebAuthn)
//! is kept beside it as the pool's MFA configuration object.

use crate::clock::now;
use crate::error::{fail, invalid, required, Error, Result};
use crate::operations::operation;
use crate::pools::pool::{load as load_pool, save as save_pool};
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};

operation!(GetUserPoolMfaConfig => Service::get_user_pool_mfa_config);
operation!(SetUserPoolMfaConfig => Service::set_user_pool_mfa_config);

/// The factors a pool offers beyond SMS (which its SmsConfiguration enables).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Factors {
    #[serde(default)]
    pub(crate) software_token: bool,
    /// Email MFA's message (Subject and Message), when email MFA is enabled.
    #[serde(default)]
    pub(crate) email: Option<EmailMfaConfigType>,
    #[serde(default)]
    pub(crate) web_authn: Option<WebAuthnConfigurationType>,
}

/// The pool's MFA factors (none until SetUserPoolMfaConfig sets some).
pub(crate) fn factors(conn: &mut dyn Conn, pool_id: &str) -> Result<Factors> {
    match pool_object::get(conn, pool_id, Kind::MfaConfig, "")? {
        Some(row) => from_doc(&row.doc),
        None => Ok(Factors::default()),
    }
}

/// Whether TOTP MFA is enabled for the pool.
pub fn software_token_enabled(conn: &mut dyn Conn, pool_id: &str) -> Result<bool> {
    Ok(factors(conn, pool_id)?.software_token)
}

fn response(pool: &UserPoolType, f: Factors) -> GetUserPoolMfaConfigResponse {
    let sms = pool.sms_configuration.as_ref().map(|c| SmsMfaConfigType {
        sms_authentication_message: pool.sms_authentication_message.clone(),
        sms_configuration: Some(c.clone()),
    });
    GetUserPoolMfaConfigResponse {
        sms_mfa_configuration: sms,
        software_token_mfa_configuration: Some(SoftwareTokenMfaConfigType {
            enabled: Some(f.software_token),
        }),
        email_mfa_configuration: f.email,
        mfa_configuration: Some(
            pool.mfa_configuration
                .clone()
                .unwrap_or(UserPoolMfaType::OFF),
        ),
        web_authn_configuration: Some(f.web_authn.unwrap_or(WebAuthnConfigurationType {
            relying_party_id: None,
            user_verification: Some(UserVerificationType::PREFERRED),
            factor_configuration: Some(WebAuthnFactorConfigurationType::SINGLE_FACTOR),
        })),
    }
}

impl Service {
    pub(crate) async fn get_user_pool_mfa_config(
        &self,
        input: GetUserPoolMfaConfigRequest,
    ) -> Result<GetUserPoolMfaConfigResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        self.store()
            .read(move |c| {
                let (_, pool) = load_pool(c, &pool_id)?;
                let f = factors(c, &pool_id)?;
                Ok::<_, Error>(response(&pool, f))
            })
            .await
    }

    pub(crate) async fn set_user_pool_mfa_config(
        &self,
        input: SetUserPoolMfaConfigRequest,
    ) -> Result<SetUserPoolMfaConfigResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        self.store()
            .write(move |c| {
                let input = input.clone();
                let (row, mut pool) = load_pool(c, &pool_id)?;
                let mut f = factors(c, &pool_id)?;
                let mode = input
                    .mfa_configuration
                    .clone()
                    .or_else(|| pool.mfa_configuration.clone())
                    .unwrap_or(UserPoolMfaType::OFF);
                let totp = input.software_token_mfa_configuration.as_ref().and_then(|t| t.enabled);
                let sms = input.sms_mfa_configuration.clone();
                let email = input.email_mfa_configuration.clone();
                let configures = totp == Some(true) || sms.is_some() || email.is_some();
                if mode == UserPoolMfaType::OFF && configures {
                    return Err(invalid(
                        "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
                    ));
                }
                if let Some(t) = totp {
                    f.software_token = t;
                }
                if let Some(sms) = &sms {
                    pool.sms_configuration = sms.sms_configuration.clone().or(pool.sms_configuration.take());
                    pool.sms_authentication_message = sms.sms_authentication_message.clone();
                }
                if let Some(email) = &email {
                    let developer = pool
                        .email_configuration
                        .as_ref()
                        .and_then(|e| e.email_sending_account.as_ref())
                        == Some(&EmailSendingAccountType::DEVELOPER);
                    if !developer {
                        return Err(invalid(
                            "Email MFA requires an EmailConfiguration with EmailSendingAccount DEVELOPER.",
                        ));
                    }
                    if pool.user_pool_tier == Some(UserPoolTierType::LITE) {
                        return Err(fail(
                            ErrorCode::FeatureUnavailableInTierException,
                            "Email MFA is not available in the LITE tier.",
                        ));
                    }
                    f.email = Some(email.clone());
                }
                if let Some(w) = input.web_authn_configuration.clone() {
                    // Passkeys are a feature of the Essentials tier and above.
                    if pool.user_pool_tier == Some(UserPoolTierType::LITE) {
                        return Err(fail(
                            ErrorCode::FeatureUnavailableInTierException,
                            "Passkey (WebAuthn) configuration is not available in the LITE tier.",
                        ));
                    }
                    f.web_authn = Some(w);
                }
                if mode == UserPoolMfaType::OFF {
                    f.software_token = false;
                    f.email = None;
                } else if !f.software_token && pool.sms_configuration.is_none() && f.email.is_none() {
                    return Err(invalid(
                        "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
                    ));
                }
                pool.mfa_configuration = Some(mode);
                let obj = PoolObjectRow {
                    key: String::new(),
                    created_at: now(),
                    doc: to_doc(&f)?,
                };
                pool_object::put(c, &pool_id, Kind::MfaConfig, &obj)?;
                let answer = response(&pool, f);
                save_pool(c, row, &mut pool)?;
                Ok(SetUserPoolMfaConfigResponse {
                    sms_mfa_configuration: answer.sms_mfa_configuration,
                    software_token_mfa_configuration: answer.software_token_mfa_configuration,
                    email_mfa_configuration: answer.email_mfa_configuration,
                    mfa_configuration: answer.mfa_configuration,
                    web_authn_configuration: answer.web_authn_configuration,
                })
            })
            .await
    }
}
