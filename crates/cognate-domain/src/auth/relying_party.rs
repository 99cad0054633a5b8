//! The relying party of a pool's passkeys, as Cognito decides it: passkeys need
//! WEB_AUTHN among the pool's SignInPolicy.AllowedFirstAuthFactors
//! (WebAuthnNotEnabledException otherwise); the relying party id is the pool's
//! WebAuthnConfiguration.RelyingPartyId, else its custom domain, else its prefix domain
//! (`<prefix>.auth.<region>.amazoncognito.com`), and a pool with none of them answers
//! WebAuthnConfigurationMissingException. User verification is the configuration's
//! ("preferred" unless set to "required").
//!
//! Which origins a ceremony accepts: `https://<rp id>` and its subdomains, as WebAuthn
//! scopes a relying party id (a browser lets a page use an rp id that is its own host or
//! a registrable suffix of it). `http://localhost` on any port is accepted too when the
//! rp id is `localhost`, the one plain-HTTP origin browsers treat as secure, so a
//! local test page can register passkeys against cognate.

use crate::error::{fail, invalid, Error, Result};
use crate::pools::mfa_config::factors;
use crate::pools::PoolView;
use cognate_api::types::{AuthFactorType, UserVerificationType};
use cognate_api::ErrorCode;
use cognate_store::records::user_pool_domain;
use cognate_store::Conn;
use std::time::Duration;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::UserVerificationPolicy;
use webauthn_rs_core::WebauthnCore;

/// How long a browser gives the user to answer (the options' `timeout`).
pub(super) const CEREMONY_TIMEOUT: Duration = Duration::from_secs(60);

/// The relying party a pool's passkeys are registered with and answer to.
pub(super) struct RelyingParty {
    pub(super) id: String,
    pub(super) user_verification: UserVerificationPolicy,
}

/// Whether the pool lets users sign in with passkeys.
pub(super) fn passkeys_enabled(pool: &PoolView) -> bool {
    pool.pool
        .policies
        .as_ref()
        .and_then(|p| p.sign_in_policy.as_ref())
        .and_then(|s| s.allowed_first_auth_factors.as_ref())
        .is_some_and(|f| f.contains(&AuthFactorType::WEB_AUTHN))
}

pub(super) fn not_enabled() -> Error {
    fail(
        ErrorCode::WebAuthnNotEnabledException,
        "Passkey authentication is not enabled for this user pool: add WEB_AUTHN to the SignInPolicy's AllowedFirstAuthFactors.",
    )
}

fn missing_configuration() -> Error {
    fail(
        ErrorCode::WebAuthnConfigurationMissingException,
        "The user pool has neither a passkey relying party id (SetUserPoolMfaConfig's WebAuthnConfiguration) nor a domain.",
    )
}

/// The pool's relying party; refuses a pool without passkeys or without a relying
/// party id.
pub(super) fn relying_party(c: &mut dyn Conn, pool: &PoolView) -> Result<RelyingParty> {
    if !passkeys_enabled(pool) {
        return Err(not_enabled());
    }
    let config = factors(c, &pool.id)?.web_authn;
    let configured = config.as_ref().and_then(|w| w.relying_party_id.clone());
    let id = match configured {
        Some(id) => id,
        None => default_id(c, pool)?.ok_or_else(missing_configuration)?,
    };
    let required = config.and_then(|w| w.user_verification) == Some(UserVerificationType::REQUIRED);
    Ok(RelyingParty {
        id,
        user_verification: if required {
            UserVerificationPolicy::Required
        } else {
            UserVerificationPolicy::Preferred
        },
    })
}

/// The pool's custom domain, else its prefix domain's host name.
fn default_id(c: &mut dyn Conn, pool: &PoolView) -> Result<Option<String>> {
    let mut domains = user_pool_domain::of_pool(c, &pool.id)?;
    domains.extend(pool.pool.custom_domain.clone());
    domains.extend(pool.pool.domain.clone());
    // A custom domain is a host name; a prefix never has a dot.
    if let Some(custom) = domains.iter().find(|d| d.contains('.')) {
        return Ok(Some(custom.clone()));
    }
    let region = pool.id.split('_').next().unwrap_or("us-east-1");
    Ok(domains
        .first()
        .map(|prefix| format!("{prefix}.auth.{region}.amazoncognito.com")))
}

/// The WebAuthn ceremonies for relying party `rp_id`, with the origins it accepts.
pub(super) fn ceremony(rp_id: &str) -> Result<WebauthnCore> {
    let localhost = rp_id == "localhost";
    let origin = if localhost {
        "http://localhost".to_string()
    } else {
        format!("https://{rp_id}")
    };
    let origin = url::Url::parse(&origin)
        .ok()
        .filter(|u| u.host_str() == Some(rp_id))
        .ok_or_else(|| {
            invalid(format!(
                "The relying party id {rp_id:?} is not a host name."
            ))
        })?;
    let mut origins = vec![origin];
    if localhost {
        origins.extend(url::Url::parse("https://localhost").ok());
    }
    Ok(WebauthnCore::new_unsafe_experts_only(
        rp_id,
        rp_id,
        origins,
        CEREMONY_TIMEOUT,
        Some(true),
        Some(localhost),
    ))
}

/// A refused WebAuthn answer in Cognito's words: the challenge, origin and relying
/// party have their own errors; what cannot be read is an invalid parameter; anything
/// else the authenticator did (an algorithm or attestation we do not take, no user
/// verification where the pool requires it) is a credential Cognito does not support.
pub(super) fn refusal(e: WebauthnError) -> Error {
    use WebauthnError as W;
    match e {
        W::MismatchedChallenge | W::ChallengeNotFound => fail(
            ErrorCode::WebAuthnChallengeNotFoundException,
            "The credential does not answer the passkey challenge this user was given, or it expired.",
        ),
        W::InvalidRPOrigin => fail(
            ErrorCode::WebAuthnOriginNotAllowedException,
            "The credential was created on an origin that the user pool's relying party does not allow.",
        ),
        W::InvalidRPIDHash => fail(
            ErrorCode::WebAuthnRelyingPartyMismatchException,
            "The credential is for another relying party than the user pool's.",
        ),
        W::ParseCBORFailure(_)
        | W::ParseJSONFailure(_)
        | W::ParseBase64Failure(_)
        | W::ParseNOMFailure
        | W::ParseInsufficientBytesAvailable
        | W::InvalidClientDataType
        | W::MissingAttestationCredentialData => {
            invalid("The credential is not a well-formed WebAuthn answer.")
        }
        other => {
            tracing::debug!(error = ?other, "passkey credential refused");
            fail(
                ErrorCode::WebAuthnCredentialNotSupportedException,
                "The passkey credential is not supported.",
            )
        }
    }
}
