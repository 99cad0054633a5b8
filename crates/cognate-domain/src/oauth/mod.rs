//! The OAuth 2.0 and OpenID Connect endpoints' logic (the HTTP side is the server's
//! `oauth.rs`): which pool a Host names (`hosts`), authenticating an app client by
//! HTTP Basic or form parameters (`client_auth`), the token endpoint's grants
//! (`token`), machine-to-machine access tokens for the client-credentials grant and
//! GetClientToken (`client_credentials`), revoking a refresh token's family (`revoke`)
//! and the userInfo endpoint (`user_info`). Errors are RFC 6749's (`error`).
//! `/oauth2/authorize` (`authorize`), the hosted sign-in page's session, CSRF token and
//! steps (`hosted_session`), the sign-up, confirmation, password-recovery and
//! authenticator set-up pages' steps (`hosted_pages`) and the authorization-code grant
//! (`code_grant`). Client ID metadata documents: policies, the documents' fetching,
//! checks and cache (`cimd`).

mod authorize;
pub(crate) mod cimd;
mod client_auth;
mod client_credentials;
mod code_grant;
mod error;
mod hosted_pages;
mod hosted_session;
mod hosts;
mod revoke;
mod token;
mod user_info;

pub use authorize::{
    form_encode, with_query, Authorization, AuthorizeParams, AuthorizeRefusal,
    CODE_LIFETIME_SECONDS,
};
pub use client_auth::ClientCredentials;
pub use error::{OAuthError, OAuthErrorCode};
pub use hosted_pages::{SignUpField, SignUpForm, SignedUp};
pub use hosted_session::{HostedSession, LoginFailure, LoginStep, SESSION_SECONDS};
pub(crate) use hosts::{candidates, DomainHosts};
pub use revoke::RevokeRequest;
pub use token::{TokenAnswer, TokenRequest};
