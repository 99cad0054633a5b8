//! Federation: a pool's identity providers (`providers`: the six IdP operations, AWS's
//! ProviderDetails per type, secrets sealed; `saml_metadata`), sign-in through an OIDC
//! or social provider (`oidc`: endpoints and discovery, the sealed state, the code
//! exchange, the provider's ID token verified), the pool's user a provider's user signs
//! in as (`federated_user`), and linking a provider's user to a user of the pool
//! (`linking`). Outbound HTTP goes through `upstream`'s trait, which the binary
//! implements.

mod federated_user;
mod linking;
mod oidc;
mod providers;
mod saml_metadata;
mod upstream;

pub use oidc::{FederationFailure, IDP_RESPONSE_PATH};
pub(crate) use providers::by_identifier;
pub use upstream::{NoUpstream, Upstream, UpstreamFuture, UpstreamRequest, UpstreamResponse};
