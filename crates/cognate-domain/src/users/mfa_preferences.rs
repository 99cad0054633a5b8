//! A user's MFA factors: SetUserMFAPreference and AdminSetUserMFAPreference (SMS, TOTP
//! and email, each enabled or not and one preferred), the legacy SetUserSettings and
//! AdminSetUserSettings (MFAOptions: SMS only), and AdminDeleteSoftwareToken.

use super::*;
use crate::error::{invalid, required, Result};
use crate::operations::operation;
use crate::pools::mfa_config;
use crate::pools::PoolView;
use crate::service::Service;
use crate::users::attributes as attrs;
use cognate_api::types::*;
use cognate_store::records::user::UserRow;
use cognate_store::Conn;

operation!(AdminDeleteSoftwareToken => Service::admin_delete_software_token);
operation!(AdminSetUserMFAPreference => Service::admin_set_user_mfa_preference);
operation!(AdminSetUserSettings => Service::admin_set_user_settings);
operation!(SetUserMFAPreference => Service::set_user_mfa_preference);
operation!(SetUserSettings => Service::set_user_settings);

/// One factor's settings as a request gives them: (Enabled, PreferredMfa).
type Setting = (Option<bool>, Option<bool>);

fn has(doc: &UserDoc, name: &str) -> bool {
    attrs::get(&doc.attributes, name).is_some_and(|v| !v.is_empty())
}

fn no_delivery(factor: &ChallengeNameType) -> crate::error::Error {
    invalid(format!(
        "User does not have delivery config set to turn on {factor}"
    ))
}

/// Applies SMS, TOTP and email settings to the user's document, after checking them
/// all: a factor is turned on only with what it needs (a phone number; a verified
/// software token; the pool's email MFA and an email address), and at most one is
/// preferred. Turning a factor off, or unpreferring it, clears the preference for it.
fn apply_preferences(
    conn: &mut dyn Conn,
    pool: &PoolView,
    doc: &mut UserDoc,
    settings: [(ChallengeNameType, Option<Setting>); 3],
) -> Result<()> {
    let preferred: Vec<&ChallengeNameType> = settings
        .iter()
        .filter(|(_, s)| s.is_some_and(|(_, p)| p == Some(true)))
        .map(|(n, _)| n)
        .collect();
    if preferred.len() > 1 {
        return Err(invalid("Only one MFA method can be set as preferred."));
    }
    for (name, setting) in &settings {
        let Some((enabled, prefer)) = setting else {
            continue;
        };
        if *enabled == Some(false) && *prefer == Some(true) {
            return Err(invalid(format!(
                "{name} can't be preferred while it is disabled."
            )));
        }
        if *enabled != Some(true) && *prefer != Some(true) {
            continue;
        }
        match name {
            n if *n == ChallengeNameType::SMS_MFA => {
                if !has(doc, "phone_number") {
                    return Err(no_delivery(n));
                }
            }
            n if *n == ChallengeNameType::SOFTWARE_TOKEN_MFA => {
                if doc.mfa.software_token.is_none() {
                    return Err(invalid("User has not verified software token mfa"));
                }
            }
            n => {
                if mfa_config::factors(conn, &pool.id)?.email.is_none() {
                    return Err(invalid("Email MFA is not enabled for this user pool."));
                }
                if !has(doc, "email") {
                    return Err(no_delivery(n));
                }
            }
        }
    }
    for (name, setting) in settings {
        let Some((enabled, prefer)) = setting else {
            continue;
        };
        let on = match enabled {
            Some(e) => Some(e || prefer == Some(true)),
            None => (prefer == Some(true)).then_some(true),
        };
        if let Some(on) = on {
            let flag = match &name {
                n if *n == ChallengeNameType::SMS_MFA => &mut doc.mfa.sms_enabled,
                n if *n == ChallengeNameType::SOFTWARE_TOKEN_MFA => &mut doc.mfa.totp_enabled,
                _ => &mut doc.mfa.email_enabled,
            };
            *flag = on;
        }
        let is_preferred = doc.mfa.preferred.as_deref() == Some(name.as_str());
        if prefer == Some(true) {
            doc.mfa.preferred = Some(name.into());
        } else if is_preferred && (prefer == Some(false) || enabled == Some(false)) {
            doc.mfa.preferred = None;
        }
    }
    Ok(())
}

fn settings(
    sms: &Option<SMSMfaSettingsType>,
    totp: &Option<SoftwareTokenMfaSettingsType>,
    email: &Option<EmailMfaSettingsType>,
) -> [(ChallengeNameType, Option<Setting>); 3] {
    [
        (
            ChallengeNameType::SMS_MFA,
            sms.as_ref().map(|s| (s.enabled, s.preferred_mfa)),
        ),
        (
            ChallengeNameType::SOFTWARE_TOKEN_MFA,
            totp.as_ref().map(|s| (s.enabled, s.preferred_mfa)),
        ),
        (
            ChallengeNameType::EMAIL_OTP,
            email.as_ref().map(|s| (s.enabled, s.preferred_mfa)),
        ),
    ]
}

/// The legacy MFAOptions: a list naming SMS to the phone number turns SMS MFA on, an
/// empty list turns it off.
fn apply_mfa_options(doc: &mut UserDoc, options: &[MFAOptionType]) -> Result<()> {
    for o in options {
        if o.delivery_medium.as_ref() != Some(&DeliveryMediumType::SMS) {
            return Err(invalid(
                "Only SMS is supported as the DeliveryMedium of MFAOptions.",
            ));
        }
        if o.attribute_name
            .as_deref()
            .is_some_and(|a| a != "phone_number")
        {
            return Err(invalid(
                "Only phone_number is supported as the AttributeName of MFAOptions.",
            ));
        }
    }
    let on = !options.is_empty();
    if on && !has(doc, "phone_number") {
        return Err(no_delivery(&ChallengeNameType::SMS_MFA));
    }
    doc.mfa.sms_enabled = on;
    if !on && doc.mfa.preferred.as_deref() == Some(ChallengeNameType::SMS_MFA.as_str()) {
        doc.mfa.preferred = None;
    }
    Ok(())
}

fn save_doc(c: &mut dyn Conn, pool: &PoolView, row: UserRow, doc: &UserDoc) -> Result<()> {
    save(c, pool, row, doc)?;
    Ok(())
}

impl Service {
    pub(crate) async fn set_user_mfa_preference(
        &self,
        input: SetUserMFAPreferenceRequest,
    ) -> Result<SetUserMFAPreferenceResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let s = settings(
            &input.sms_mfa_settings,
            &input.software_token_mfa_settings,
            &input.email_mfa_settings,
        );
        self.with_access_token(token, true, move |c, pool, row, mut doc, _| {
            apply_preferences(c, pool, &mut doc, s.clone())?;
            save_doc(c, pool, row, &doc)
        })
        .await?;
        Ok(SetUserMFAPreferenceResponse {})
    }

    pub(crate) async fn admin_set_user_mfa_preference(
        &self,
        input: AdminSetUserMFAPreferenceRequest,
    ) -> Result<AdminSetUserMFAPreferenceResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let s = settings(
            &input.sms_mfa_settings,
            &input.software_token_mfa_settings,
            &input.email_mfa_settings,
        );
        self.with_user(pool_id, username, true, move |c, pool, row, mut doc| {
            apply_preferences(c, pool, &mut doc, s.clone())?;
            save_doc(c, pool, row, &doc)
        })
        .await?;
        Ok(AdminSetUserMFAPreferenceResponse {})
    }

    pub(crate) async fn set_user_settings(
        &self,
        input: SetUserSettingsRequest,
    ) -> Result<SetUserSettingsResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let options = required(&input.mfa_options, "mFAOptions")?.clone();
        self.with_access_token(token, true, move |c, pool, row, mut doc, _| {
            apply_mfa_options(&mut doc, &options)?;
            save_doc(c, pool, row, &doc)
        })
        .await?;
        Ok(SetUserSettingsResponse {})
    }

    pub(crate) async fn admin_set_user_settings(
        &self,
        input: AdminSetUserSettingsRequest,
    ) -> Result<AdminSetUserSettingsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let options = required(&input.mfa_options, "mFAOptions")?.clone();
        self.with_user(pool_id, username, true, move |c, pool, row, mut doc| {
            apply_mfa_options(&mut doc, &options)?;
            save_doc(c, pool, row, &doc)
        })
        .await?;
        Ok(AdminSetUserSettingsResponse {})
    }

    /// Removes the user's software token (verified or pending): TOTP MFA is off.
    pub(crate) async fn admin_delete_software_token(
        &self,
        input: AdminDeleteSoftwareTokenRequest,
    ) -> Result<AdminDeleteSoftwareTokenResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        self.with_user(pool_id, username, true, |c, pool, row, mut doc| {
            doc.mfa.software_token = None;
            doc.mfa.pending_software_token = None;
            doc.mfa.totp_enabled = false;
            if doc.mfa.preferred.as_deref() == Some(ChallengeNameType::SOFTWARE_TOKEN_MFA.as_str())
            {
                doc.mfa.preferred = None;
            }
            save_doc(c, pool, row, &doc)
        })
        .await?;
        Ok(AdminDeleteSoftwareTokenResponse {})
    }
}
