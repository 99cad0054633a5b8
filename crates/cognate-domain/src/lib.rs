//! cognate's domain: what each operation does. `Service` implements the generated
//! `CognitoIdentityProvider` trait; each area of the API lives in its own module and
//! reaches the database only through `cognate_store` inside one transaction per write.
//! Nothing here knows about HTTP.

mod auth;
mod clock;
mod control;
mod crypto;
mod error;
mod ids;
mod messages;
mod pagination;
mod pools;
pub mod seed;
mod service;
mod stored;
mod tokens;
mod users;

pub use control::{MessageFilter, SentMessage};
pub use crypto::secret_box::SecretBox;

/// The master key kept in the database (PostgreSQL deployments without a given key).
pub mod master_key {
    pub use crate::crypto::master_key::load_or_create;
}

/// The client's side of SRP, for clients outside the server (the benchmark).
pub mod srp_client {
    pub use crate::crypto::modp3072::pow_g;
    pub use crate::crypto::srp::client_signature;
}
pub use service::{implemented, Service, ServiceConfig};
