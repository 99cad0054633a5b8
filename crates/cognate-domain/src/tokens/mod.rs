//! The tokens of a sign-in: ID and access JWTs with Cognito's claims, signed with the
//! pool's keys (`issue`, `jwt`, `signing_keys`), and opaque refresh tokens stored only as
//! a hash. A sign-in starts a family (the session, `family`): every token of it carries
//! the family id as `origin_jti`, and revoking the family refuses them all (`sessions`).
//! `access_token` checks the tokens users present.

mod access_token;
mod exchange;
mod family;
mod issue;
pub(crate) mod jwt;
#[cfg(test)]
mod jwt_props;
mod sessions;
pub(crate) use sessions::revoke_family;
pub(crate) mod signing_keys;
mod validity;

pub(crate) use access_token::*;
pub(crate) use exchange::{Exchange, Refusal, TokenKind};
pub(crate) use family::*;
pub(crate) use validity::*;
