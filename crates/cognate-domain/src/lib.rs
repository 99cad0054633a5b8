//! cognate's domain: what each operation does. `Service` implements the generated
//! `CognitoIdentityProvider` trait; each area of the API lives in its own module and
//! reaches the database only through `cognate_store` inside one transaction per write.
//! Nothing here knows about HTTP.

mod clock;
mod error;
mod group;
mod ids;
mod mfa_config;
mod pagination;
mod resource_server;
mod schema;
mod secret_box;
mod service;
mod stored;
mod tags;
mod user_pool;
mod user_pool_client;

pub use secret_box::SecretBox;
pub use service::{implemented, Service, ServiceConfig};
