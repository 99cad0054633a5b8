//! The token endpoint's `authorization_code` grant: the code is taken (so a replay finds
//! nothing: `invalid_grant`), must be this client's, unexpired, for the same
//! redirect_uri, and its PKCE challenge (RFC 7636, S256 as AWS) must match the
//! `code_verifier`. The user must still be enabled. The exchange starts a refresh-token
//! family carrying the granted scopes; the ID token carries the request's `nonce` and
//! the access token's `at_hash`.

use super::authorize::CodeDoc;
use super::client_auth::Authenticated;
use super::{OAuthError, OAuthErrorCode, TokenAnswer};
use crate::clock::now;
use crate::crypto::srp::constant_time_eq;
use crate::error::Error;
use crate::pools::PoolView;
use crate::service::Service;
use crate::tokens::{self, SignInDevice};
use crate::users::{self as user, UserDoc};
use base64::Engine as _;
use sha2::Digest as _;

fn invalid_grant() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidGrant)
}

/// RFC 7636 §4.6 with S256: BASE64URL(SHA256(verifier)) == challenge.
pub(crate) fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let digest = sha2::Sha256::digest(verifier.as_bytes());
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

enum Taken {
    Granted(Box<tokens::Grant>, Option<String>),
    Refused,
}

impl Service {
    pub(super) async fn authorization_code_grant(
        &self,
        auth: Authenticated,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> Result<TokenAnswer, OAuthError> {
        let code_hash = tokens::hash(code);
        let client = auth.client.client.clone();
        let client_id = client.client_id.clone().unwrap_or_default();
        let pool_id = auth.client.pool_id.clone();
        let cimd_url = auth.cimd_url.clone();
        let (redirect_uri, verifier) = (redirect_uri.to_string(), verifier.map(str::to_string));
        let cache = self.pool_cache();
        let taken = self
            .store()
            .write(move |c| {
                // A refused code is still used up: it was presented once.
                let Some(row) = cognate_store::records::oauth_code::take(c, &code_hash)? else {
                    return Ok::<_, Error>(Taken::Refused);
                };
                let doc: CodeDoc = crate::stored::from_doc(&row.doc)?;
                let pkce_ok = match (&doc.code_challenge, &verifier) {
                    (None, _) => true,
                    (Some(challenge), Some(v)) => verifier_matches(v, challenge),
                    (Some(_), None) => false,
                };
                if row.pool_id != pool_id
                    || doc.client_id != client_id
                    || doc.cimd_url != cimd_url
                    || row.expires_at <= now()
                    || doc.redirect_uri != redirect_uri
                    || !pkce_ok
                {
                    return Ok(Taken::Refused);
                }
                let pool = PoolView::load(c, &cache, &pool_id)?;
                let Some((row, udoc)) = user::find(c, &pool, &doc.username)? else {
                    return Ok(Taken::Refused);
                };
                if row.sub != doc.sub || !row.enabled {
                    return Ok(Taken::Refused);
                }
                let udoc: UserDoc = udoc;
                let mut grant = tokens::start_scoped_family(
                    c,
                    &pool,
                    &client,
                    &row,
                    &udoc,
                    &SignInDevice::default(),
                    Some(doc.scope.clone()),
                )?;
                // The code records when the user signed in; its tokens say so.
                grant.auth_time = doc.auth_time;
                grant.source = Some(tokens::TokenSource::HostedAuth);
                Ok(Taken::Granted(Box::new(grant), doc.nonce))
            })
            .await?;
        let Taken::Granted(grant, nonce) = taken else {
            return Err(invalid_grant());
        };
        let result = self
            .issue_oidc(*grant, Some(nonce.unwrap_or_default()))
            .await?;
        Ok(TokenAnswer {
            access_token: result.access_token.unwrap_or_default(),
            id_token: result.id_token,
            refresh_token: result.refresh_token,
            expires_in: i64::from(result.expires_in.unwrap_or_default()),
            exchanged: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::verifier_matches;

    #[test]
    fn s256_challenges_match_their_verifier_only() {
        // Computed independently (Python's hashlib and base64).
        let verifier = "dBjftJeZ4CVP-mB92K9uXT1dDh4Hp1nW6Qx4ghYZ0cE";
        let challenge = "rCxFd0V7438e1_-Lcr1Pgojbo-9RhYvrr5Hq6fU5yV4";
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches("another verifier", challenge));
        assert!(!verifier_matches(verifier, verifier));
    }
}
