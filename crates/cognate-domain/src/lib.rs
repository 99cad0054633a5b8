//! cognate's domain: what each operation does. `Service` implements the generated
//! `CognitoIdentityProvider` trait; each area of the API lives in its own module and
//! reaches the database only through `cognate_store` inside one transaction per write.
//! Nothing here knows about HTTP.

mod auth;
mod bignum;
mod clock;
mod codes;
mod error;
mod group;
mod group_membership;
mod ids;
mod jwt;
mod list_users_filter;
mod mfa_config;
mod modp3072;
mod outbox;
mod pagination;
mod password_policy;
mod pool_cache;
mod resource_server;
mod schema;
mod secret_box;
pub mod seed;
mod self_service;
mod service;
mod sessions;
mod signing_keys;
mod srp;
mod stored;
mod tags;
mod tokens;
mod user;
mod user_attributes;
mod user_pool;
mod user_pool_client;

pub use secret_box::SecretBox;

/// The client's side of SRP, for clients outside the server (the benchmark).
pub mod srp_client {
    pub use crate::modp3072::pow_g;
    pub use crate::srp::client_signature;
}
pub use service::{implemented, Service, ServiceConfig};
