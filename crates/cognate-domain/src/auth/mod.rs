//! Signing in: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge and
//! AdminRespondToAuthChallenge with the password flows (USER_PASSWORD_AUTH,
//! ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH), SRP (USER_SRP_AUTH →
//! PASSWORD_VERIFIER), refresh (REFRESH_TOKEN_AUTH / REFRESH_TOKEN) and the
//! NEW_PASSWORD_REQUIRED challenge; multi-factor sign-in (SMS_MFA, EMAIL_OTP,
//! SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP) and the software token's
//! AssociateSoftwareToken and VerifySoftwareToken; a user's remembered devices
//! (ConfirmDevice and the device operations) and device SRP (DEVICE_SRP_AUTH →
//! DEVICE_PASSWORD_VERIFIER); passkeys (their registration and what signing in with
//! one needs); and the lockout after repeated failures (which wrong MFA codes count
//! toward too).
//!
//! Challenge state travels with the client, sealed with the master key: the `Session`
//! value, and for SRP the SECRET_BLOCK (which also carries the server's private value).
//! Starting a challenge therefore writes nothing; answering one records its hash, so
//! each is answered at most once, and the seal dates it, so it expires after the
//! client's AuthSessionValidity.

mod challenge;
mod client_policy;
mod custom_flow;
mod device_srp;
mod devices;
#[cfg(test)]
mod expiry_tests;
mod hosted;
mod initiate;
mod lockout;
mod mfa;
mod new_password;
mod outcome;
pub(crate) mod passkeys;
mod password_flow;
mod refresh;
mod relying_party;
mod sign_in;
#[cfg(test)]
mod soft_authenticator;
mod software_token;
mod srp_flow;
mod user_auth;

use crate::error::{fail, invalid, Error};
use cognate_api::ErrorCode;

use challenge::*;
use client_policy::*;
pub(crate) use client_policy::{check_secret_hash, prevents_existence_errors};
pub(crate) use devices::device_signed_in;
use devices::*;
use lockout::*;
pub(crate) use lockout::{clear_attempts, reserve_attempt};
use mfa::*;
pub(crate) use outcome::*;
use sign_in::*;
pub(crate) use user_auth::{allows_passwordless, pool_factors};

pub(crate) fn not_authorized(message: &str) -> Error {
    fail(ErrorCode::NotAuthorizedException, message)
}

pub(super) fn incorrect() -> Error {
    not_authorized("Incorrect username or password.")
}

pub(super) fn missing(name: &str) -> Error {
    invalid(format!("Missing required parameter {name}"))
}
