//! Cryptography: Cognito's SRP-6a (`srp`) over the 3072-bit group (`modp3072` for
//! fixed-base powers of g, `bignum` for variable-base powers), and sealing secrets at
//! rest (`secret_box`, under the master key; `master_key` finds one that earlier
//! versions kept in the PostgreSQL database, which must be moved out), the
//! authenticator apps' one-time passwords (`totp`, RFC 6238), and the codes of the
//! custom sender triggers: AWS Encryption SDK messages (`encryption_sdk`) under data keys
//! from KMS (`kms`, whose `KeyService` the binary implements).

pub(crate) mod bignum;
pub(crate) mod encryption_sdk;
pub mod kms;
pub(crate) mod master_key;
pub(crate) mod modp3072;
pub(crate) mod secret_box;
pub(crate) mod srp;
#[cfg(test)]
mod srp_props;
pub(crate) mod totp;
