//! Federation: a pool's identity providers (`providers`: the six IdP operations, AWS's
//! ProviderDetails per type, secrets sealed; `saml_metadata`), sign-in through an OIDC
//! or social provider (`oidc`: endpoints and discovery, the sealed state, the code
//! exchange, the provider's ID token verified) or a SAML 2.0 provider (`saml`: the
//! AuthnRequest, the response verified by samael over xmlsec, IdP-initiated sign-in, the
//! pool's SP metadata), the pool's user a provider's user signs
//! in as (`federated_user`), and linking a provider's user to a user of the pool
//! (`linking`). Outbound HTTP goes through `upstream`'s trait, which the binary
//! implements.

mod federated_user;
mod linking;
mod oidc;
mod providers;
mod saml;
mod saml_metadata;
mod upstream;

pub use oidc::{FederationFailure, IDP_RESPONSE_PATH};
pub(crate) use providers::by_identifier;
pub use saml::{sp_entity_id, SAML_RESPONSE_PATH};
pub use upstream::{NoUpstream, Upstream, UpstreamFuture, UpstreamRequest, UpstreamResponse};
