//! `GET|POST /oauth2/userInfo`: the attributes of the user an access token speaks for,
//! within its scopes, as AWS answers them (every value a string, `email_verified`
//! included, and the `username`). The token must carry `openid`: tokens from API
//! sign-ins carry only `aws.cognito.signin.user.admin`, which AWS's userInfo refuses.

use super::{OAuthError, OAuthErrorCode};
use crate::pools::client as user_pool_client;
use crate::service::Service;
use serde_json::{Map, Value};

/// AWS's description of an unusable token.
const INVALID_TOKEN: &str =
    "Access token is expired, disabled, or deleted, or the user has globally signed out.";

const PROFILE: &[&str] = &[
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];

fn invalid_token() -> OAuthError {
    OAuthError::with(OAuthErrorCode::InvalidToken, INVALID_TOKEN)
}

/// Whether the scopes let the attribute through: `openid` alone gives every attribute
/// the client reads; `profile`, `email` and `phone` each give their own.
pub(crate) fn in_scope(scopes: &[&str], name: &str) -> bool {
    let (profile, email, phone) = (
        scopes.contains(&"profile"),
        scopes.contains(&"email"),
        scopes.contains(&"phone"),
    );
    if name == "sub" || !(profile || email || phone) {
        return true;
    }
    (profile && (PROFILE.contains(&name) || name.starts_with("custom:")))
        || (email && (name == "email" || name == "email_verified"))
        || (phone && (name == "phone_number" || name == "phone_number_verified"))
}

impl Service {
    /// The userInfo answer for the bearer token; `host_pool` is the pool the Host names.
    pub async fn user_info(
        &self,
        bearer: Option<&str>,
        host_pool: Option<&str>,
    ) -> Result<Value, OAuthError> {
        let token = bearer.filter(|t| !t.is_empty()).ok_or_else(|| {
            OAuthError::with(
                OAuthErrorCode::InvalidRequest,
                "Bad OAuth2 request at UserInfo Endpoint",
            )
        })?;
        let host_pool = host_pool.map(str::to_string);
        self.with_access_token(token, false, move |c, pool, row, doc, claims| {
            let scopes: Vec<&str> = claims.scope.split(' ').collect();
            if !scopes.contains(&"openid") || host_pool.as_ref().is_some_and(|p| *p != pool.id) {
                return Ok(Err(invalid_token()));
            }
            let readable = user_pool_client::load_for_auth(c, &claims.client_id)?
                .and_then(|(_, client, _)| client.read_attributes);
            let mut body = Map::new();
            for a in &doc.attributes {
                let (Some(name), Some(value)) = (a.name.as_deref(), a.value.as_deref()) else {
                    continue;
                };
                let read = name == "sub"
                    || readable
                        .as_ref()
                        .is_none_or(|r| r.iter().any(|n| n == name));
                if read && in_scope(&scopes, name) {
                    body.insert(name.to_string(), Value::from(value));
                }
            }
            body.insert("username".into(), Value::from(row.username.clone()));
            Ok(Ok(Value::Object(body)))
        })
        .await
        .map_err(|e| match e.0.code {
            cognate_api::ErrorCode::InternalErrorException => {
                OAuthError::new(OAuthErrorCode::ServerError)
            }
            _ => invalid_token(),
        })?
    }
}

#[cfg(test)]
mod tests {
    use super::in_scope;
    use crate::service::{test_pool, test_service, test_verified_alice};
    use crate::tokens::Grant;
    use cognate_api::types::*;

    /// A token of alice's with `scope` (None: an API sign-in's), as the OAuth endpoints
    /// would issue once codes exist.
    async fn alice_token(service: &crate::Service, pool: &str, scope: Option<&str>) -> String {
        let client = service
            .create_user_pool_client(CreateUserPoolClientRequest {
                user_pool_id: Some(pool.to_string()),
                client_name: Some("web".into()),
                read_attributes: Some(vec!["email".into(), "email_verified".into()]),
                ..Default::default()
            })
            .await
            .expect("client")
            .user_pool_client
            .expect("client");
        let user = service
            .admin_get_user(AdminGetUserRequest {
                user_pool_id: Some(pool.to_string()),
                username: Some("alice".into()),
            })
            .await
            .expect("alice");
        let attributes = user.user_attributes.unwrap_or_default();
        let sub = attributes
            .iter()
            .find(|a| a.name.as_deref() == Some("sub"))
            .and_then(|a| a.value.clone())
            .expect("sub");
        let grant = Grant {
            pool_id: pool.to_string(),
            pool_created: service.pool_created(pool).await.expect("pool"),
            client,
            username: "alice".into(),
            sub,
            attributes,
            groups: vec![],
            family_id: uuid::Uuid::new_v4().to_string(),
            auth_time: 0,
            event_id: "e".into(),
            refresh_token: None,
            device_key: None,
            new_device: false,
            scope: scope.map(str::to_string),
            status: "CONFIRMED".into(),
            lambda: None,
            source: None,
            post_authentication: false,
            client_metadata: None,
            records_events: false,
            ip: None,
        };
        service
            .issue(grant)
            .await
            .expect("tokens")
            .access_token
            .expect("access token")
    }

    #[tokio::test]
    async fn user_info_needs_openid_and_answers_strings() {
        let (service, _dir) = test_service();
        let pool = test_pool(&service).await;
        test_verified_alice(&service, &pool).await;
        let token = alice_token(&service, &pool, Some("openid email")).await;
        let info = service.user_info(Some(&token), None).await.expect("info");
        assert_eq!(info["username"], "alice");
        assert_eq!(info["email"], "alice@example.com");
        assert_eq!(info["email_verified"], "true");
        assert!(info["sub"].is_string());
        // Another pool's domain does not answer for this pool's tokens.
        let elsewhere = service
            .user_info(Some(&token), Some("us-east-1_other"))
            .await;
        assert_eq!(
            elsewhere.unwrap_err().code,
            super::OAuthErrorCode::InvalidToken
        );

        let api = alice_token(&service, &pool, None).await;
        let refused = service.user_info(Some(&api), None).await.unwrap_err();
        assert_eq!(refused.code, super::OAuthErrorCode::InvalidToken);
        let missing = service.user_info(None, None).await.unwrap_err();
        assert_eq!(missing.code, super::OAuthErrorCode::InvalidRequest);
    }

    #[test]
    fn scopes_choose_attributes() {
        assert!(in_scope(&["openid"], "custom:team"));
        assert!(in_scope(&["openid", "email"], "email_verified"));
        assert!(!in_scope(&["openid", "email"], "phone_number"));
        assert!(in_scope(&["openid", "email"], "sub"));
        assert!(in_scope(&["openid", "profile"], "custom:team"));
        assert!(!in_scope(&["openid", "profile"], "email"));
    }
}
