//! What the app client allows: its auth flows, SECRET_HASH, and whether it hides which
//! users exist (PreventUserExistenceErrors).

use super::*;
use crate::crypto::srp::{self, constant_time_eq};
use crate::error::{not_found, Result};
use crate::pools::client::{self as user_pool_client, AuthClient};
use crate::pools::PoolView;
use crate::service::Service;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognate_api::types::*;

/// The flows a client allows: its ExplicitAuthFlows, or AWS's default (SRP, refresh,
/// custom). Legacy values (without ALLOW_) always allow SRP and refresh.
pub(super) fn flow_allowed(client: &UserPoolClientType, flow: &AuthFlowType) -> bool {
    let default = vec![
        ExplicitAuthFlowsType::ALLOW_REFRESH_TOKEN_AUTH,
        ExplicitAuthFlowsType::ALLOW_USER_SRP_AUTH,
        ExplicitAuthFlowsType::ALLOW_CUSTOM_AUTH,
    ];
    let flows = client.explicit_auth_flows.clone().unwrap_or(default);
    let has = |f: ExplicitAuthFlowsType| flows.contains(&f);
    let legacy = flows.iter().all(|f| !f.as_str().starts_with("ALLOW_"));
    if *flow == AuthFlowType::USER_PASSWORD_AUTH {
        has(ExplicitAuthFlowsType::ALLOW_USER_PASSWORD_AUTH)
            || has(ExplicitAuthFlowsType::USER_PASSWORD_AUTH)
    } else if *flow == AuthFlowType::ADMIN_USER_PASSWORD_AUTH
        || *flow == AuthFlowType::ADMIN_NO_SRP_AUTH
    {
        has(ExplicitAuthFlowsType::ALLOW_ADMIN_USER_PASSWORD_AUTH)
            || has(ExplicitAuthFlowsType::ADMIN_NO_SRP_AUTH)
    } else if *flow == AuthFlowType::USER_SRP_AUTH {
        has(ExplicitAuthFlowsType::ALLOW_USER_SRP_AUTH) || legacy
    } else if *flow == AuthFlowType::REFRESH_TOKEN_AUTH || *flow == AuthFlowType::REFRESH_TOKEN {
        has(ExplicitAuthFlowsType::ALLOW_REFRESH_TOKEN_AUTH) || legacy
    } else if *flow == AuthFlowType::USER_AUTH {
        has(ExplicitAuthFlowsType::ALLOW_USER_AUTH)
    } else if *flow == AuthFlowType::CUSTOM_AUTH {
        has(ExplicitAuthFlowsType::ALLOW_CUSTOM_AUTH)
            || has(ExplicitAuthFlowsType::CUSTOM_AUTH_FLOW_ONLY)
    } else {
        false
    }
}

/// SECRET_HASH = Base64(HMAC-SHA256(client secret, username | client id)); required for
/// clients with a secret. Any of `usernames` (as sent, the username, the sub) may be
/// the one hashed.
pub(crate) fn check_secret_hash(
    client: &AuthClient,
    usernames: &[&str],
    given: Option<&str>,
) -> Result<()> {
    if client.secret.is_none() {
        return Ok(());
    }
    let client_id = client.client.client_id.as_deref().unwrap_or_default();
    let Some(given) = given else {
        return Err(not_authorized(&format!(
            "Client {client_id} is configured for secret but secret was not received"
        )));
    };
    let given = STANDARD.decode(given).unwrap_or_default();
    // Any of the client's active secrets (two during a rotation).
    let ok = client.secret_candidates().any(|secret| {
        usernames.iter().any(|name| {
            let expected =
                srp::hmac_sha256(secret.as_bytes(), &[name.as_bytes(), client_id.as_bytes()]);
            constant_time_eq(&expected, &given)
        })
    });
    if ok {
        Ok(())
    } else {
        Err(not_authorized(&format!(
            "Unable to verify secret hash for client {client_id}"
        )))
    }
}

pub(crate) fn prevents_existence_errors(client: &AuthClient) -> bool {
    client.client.prevent_user_existence_errors == Some(PreventUserExistenceErrorTypes::ENABLED)
}

impl Service {
    /// For a user who does not exist (the client hiding which users exist): the name a
    /// decoy challenge gives as USER_ID_FOR_SRP, and the key the lockout counts its
    /// failures under, the same in every flow so that the lockout behaves as a real
    /// user's. The name is the one given, as a real user's is, or where usernames are
    /// UUIDs (email or phone number as the sign-in name) a UUID derived from it, as
    /// AWS answers for unknown users.
    pub(super) fn decoy_identity(&self, pool: &PoolView, username: &str) -> (String, String) {
        let folded = pool.fold(username);
        if pool.username_attributes().is_empty() {
            return (username.to_string(), folded);
        }
        let key = self.secrets().derive_key("unknown-user-decoy");
        let mac = srp::hmac_sha256(&key, &[b"id", pool.id.as_bytes(), b"\0", folded.as_bytes()]);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&mac[..16]);
        let id = uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string();
        (id.clone(), id)
    }

    /// The decoy salt and verifier of an unknown user (see [`srp::decoy_verifier`]),
    /// under a key derived from the master key.
    pub(super) fn decoy_verifier(&self, pool: &PoolView, username: &str) -> srp::Verifier {
        let key = self.secrets().derive_key("unknown-user-decoy");
        srp::decoy_verifier(&key, &pool.id, &pool.fold(username))
    }

    /// The client a request names, and that it belongs to `pool_id` when one is given.
    pub(crate) async fn client_for(
        &self,
        client_id: &str,
        pool_id: Option<&str>,
    ) -> Result<AuthClient> {
        let id = client_id.to_string();
        let (pool, cache) = (pool_id.map(str::to_string), self.pool_cache());
        let loaded = self
            .store()
            .read(move |c| {
                // An admin call names its pool, which must exist before its client is
                // looked for.
                if let Some(pool) = &pool {
                    PoolView::load(c, &cache, pool)?;
                }
                user_pool_client::load_for_auth(c, &id)
            })
            .await?;
        let client = loaded
            .filter(|(p, _, _)| pool_id.is_none_or(|want| want == p))
            .ok_or_else(|| not_found(user_pool_client::not_found_message(client_id)))?;
        self.auth_client(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_follow_explicit_auth_flows() {
        let mut client = UserPoolClientType::default();
        assert!(flow_allowed(&client, &AuthFlowType::USER_SRP_AUTH));
        assert!(flow_allowed(&client, &AuthFlowType::REFRESH_TOKEN_AUTH));
        assert!(!flow_allowed(&client, &AuthFlowType::USER_PASSWORD_AUTH));
        client.explicit_auth_flows = Some(vec![ExplicitAuthFlowsType::ALLOW_USER_PASSWORD_AUTH]);
        assert!(flow_allowed(&client, &AuthFlowType::USER_PASSWORD_AUTH));
        assert!(!flow_allowed(&client, &AuthFlowType::USER_SRP_AUTH));
        assert!(!flow_allowed(&client, &AuthFlowType::REFRESH_TOKEN_AUTH));
        client.explicit_auth_flows = Some(vec![ExplicitAuthFlowsType::ADMIN_NO_SRP_AUTH]);
        assert!(flow_allowed(
            &client,
            &AuthFlowType::ADMIN_USER_PASSWORD_AUTH
        ));
        assert!(flow_allowed(&client, &AuthFlowType::USER_SRP_AUTH));
        assert!(flow_allowed(&client, &AuthFlowType::REFRESH_TOKEN));
    }
}
