//! Sign-in through an OIDC or social identity provider, as Cognito does it: the browser
//! is sent to the provider's authorize endpoint with a sealed `state`; the provider
//! sends it back to `/oauth2/idpresponse` with a code; the code is exchanged at the
//! provider's token endpoint, its ID token verified (signature by the provider's JWKS,
//! `iss`, `aud`, `exp`, `nonce`), its userInfo read where the provider has one, and the
//! claims mapped onto the pool's user `<ProviderName>_<id>` (`federated_user`).
//!
//! The state is sealed with the master key (purpose `federation-state`) and bound to
//! the browser's pre-login cookie, so that a sign-in started in one browser cannot be
//! finished in another (login CSRF); it lives ten minutes.

use super::upstream::{UpstreamRequest, UpstreamResponse};
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::{invalid, Result};
use crate::oauth::{form_encode, with_query, Authorization, AuthorizeRefusal};
use crate::service::Service;
use crate::tokens::jwt;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use cognate_api::types::{IdentityProviderType, IdentityProviderTypeType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How long a federated sign-in may take, from the redirect to the provider.
const STATE_SECONDS: f64 = 600.0;
/// Clock skew allowed on a provider's ID token.
const SKEW_SECONDS: f64 = 300.0;
/// The path the providers send the browser back to.
pub const IDP_RESPONSE_PATH: &str = "/oauth2/idpresponse";

/// What the sealed `state` carries through the provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FederationState {
    pub pool_id: String,
    pub provider: String,
    pub client_id: String,
    /// The metadata URL of a CIMD client running as `client_id`.
    #[serde(default)]
    pub cimd_url: Option<String>,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub implicit: bool,
    /// The nonce sent to the provider, checked in its ID token.
    pub upstream_nonce: String,
    /// A keyed hash of the browser's pre-login cookie.
    pub binding: String,
    pub expires_at: f64,
}

impl FederationState {
    /// The state of a sign-in at `provider` for a checked authorize request, living
    /// ten minutes from now.
    pub(crate) fn new(
        a: &Authorization,
        provider: String,
        upstream_nonce: String,
        binding: String,
    ) -> FederationState {
        FederationState {
            pool_id: a.pool_id.clone(),
            provider,
            client_id: a.client_id.clone(),
            cimd_url: a.cimd_url.clone(),
            redirect_uri: a.redirect_uri.clone(),
            scope: a.scope.clone(),
            state: a.state.clone(),
            nonce: a.nonce.clone(),
            code_challenge: a.code_challenge.clone(),
            implicit: a.implicit,
            upstream_nonce,
            binding,
            expires_at: now() + STATE_SECONDS,
        }
    }

    pub(crate) fn authorization(&self) -> Authorization {
        Authorization {
            pool_id: self.pool_id.clone(),
            client_id: self.client_id.clone(),
            cimd_url: self.cimd_url.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scope: self.scope.clone(),
            state: self.state.clone(),
            nonce: self.nonce.clone(),
            code_challenge: self.code_challenge.clone(),
            prompt: None,
            implicit: self.implicit,
            identity_provider: Some(self.provider.clone()),
            providers: Vec::new(),
            cognito: false,
        }
    }
}

/// A provider's endpoints, resolved from its ProviderDetails and, where they leave some
/// out, from its issuer's discovery document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub userinfo: Option<String>,
    pub jwks: Option<String>,
    pub issuer: Option<String>,
}

/// Why a federated sign-in stopped: the app is told (`error` on its redirect URI) once
/// the state is known; before that, a page.
#[derive(Debug, Clone)]
pub enum FederationFailure {
    Page(String),
    Redirect(AuthorizeRefusal),
}

pub(super) fn detail<'a>(p: &'a IdentityProviderType, key: &str) -> Option<&'a str> {
    p.provider_details
        .as_ref()
        .and_then(|d| d.get(key))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn kind(p: &IdentityProviderType) -> &str {
    p.provider_type
        .as_ref()
        .map(|t| t.as_str())
        .unwrap_or("OIDC")
}

/// The scopes to ask the provider for (AWS takes them space- or comma-separated).
fn scopes(p: &IdentityProviderType) -> String {
    detail(p, "authorize_scopes")
        .unwrap_or("openid")
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sign in with Apple's private key (PKCS#8 PEM, P-256).
pub(crate) fn apple_key(pem: &str) -> Result<aws_lc_rs::signature::EcdsaKeyPair> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let der = B64
        .decode(body.trim())
        .map_err(|_| invalid("private_key must be a PEM-encoded PKCS#8 P-256 key."))?;
    aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &der,
    )
    .map_err(|_| invalid("private_key must be a PEM-encoded PKCS#8 P-256 key."))
}

/// Sign in with Apple's client secret: a short-lived ES256 JWT by the team's key.
fn apple_client_secret(p: &IdentityProviderType) -> Option<String> {
    let key = apple_key(detail(p, "private_key")?).ok()?;
    let header = serde_json::json!({"alg": "ES256", "kid": detail(p, "key_id")?});
    let t = now() as i64;
    let claims = serde_json::json!({
        "iss": detail(p, "team_id")?,
        "iat": t,
        "exp": t + 300,
        "aud": detail(p, "oidc_issuer").unwrap_or("https://appleid.apple.com"),
        "sub": detail(p, "client_id")?,
    });
    let input = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_string())
    );
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let sig = key.sign(&rng, input.as_bytes()).ok()?;
    Some(format!("{input}.{}", B64URL.encode(sig.as_ref())))
}

/// Whether a JWK verifies a token's signature (RS256 or ES256).
fn jwk_verifies(jwk: &Value, token: &jwt::Decoded) -> bool {
    let field = |n: &str| {
        jwk.get(n)
            .and_then(Value::as_str)
            .and_then(|v| B64URL.decode(v.trim_end_matches('=')).ok())
    };
    match (token.alg.as_str(), jwk.get("kty").and_then(Value::as_str)) {
        ("RS256", Some("RSA")) => {
            let (Some(n), Some(e)) = (field("n"), field("e")) else {
                return false;
            };
            aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
                .verify(
                    &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                    token.signing_input(),
                    token.signature(),
                )
                .is_ok()
        }
        ("ES256", Some("EC")) => {
            let (Some(x), Some(y)) = (field("x"), field("y")) else {
                return false;
            };
            let mut point = vec![4u8];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            aws_lc_rs::signature::UnparsedPublicKey::new(
                &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
                &point,
            )
            .verify(token.signing_input(), token.signature())
            .is_ok()
        }
        _ => false,
    }
}

/// Checks a provider's ID token against its keys and what was asked for; answers its
/// claims.
pub(crate) fn verify_id_token(
    token: &str,
    jwks: &Value,
    issuer: Option<&str>,
    client_id: &str,
    nonce: &str,
    at: f64,
) -> std::result::Result<Map<String, Value>, String> {
    let decoded = jwt::decode(token).ok_or("the ID token is not a JWT")?;
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the provider's JWKS has no keys")?;
    let verified = keys
        .iter()
        .filter(|k| {
            decoded.kid.is_empty() || k.get("kid").and_then(Value::as_str) == Some(&decoded.kid)
        })
        .any(|k| jwk_verifies(k, &decoded));
    if !verified {
        return Err("the ID token's signature does not verify".into());
    }
    if let Some(iss) = issuer {
        let got = decoded.str_claim("iss").unwrap_or_default();
        if got.trim_end_matches('/') != iss.trim_end_matches('/') {
            return Err(format!("the ID token's issuer is {got}, not {iss}"));
        }
    }
    let audience_ok = match decoded.claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(client_id)),
        _ => false,
    };
    if !audience_ok {
        return Err("the ID token is not for this client".into());
    }
    match decoded.num_claim("exp") {
        Some(exp) if exp + SKEW_SECONDS > at => {}
        _ => return Err("the ID token has expired".into()),
    }
    if decoded.str_claim("nonce").is_some_and(|n| n != nonce) {
        return Err("the ID token's nonce is not the one sent".into());
    }
    Ok(decoded.claims)
}

fn json_of(r: &UpstreamResponse) -> Option<Map<String, Value>> {
    serde_json::from_slice(&r.body).ok()
}

impl Service {
    async fn fetch_json(&self, request: UpstreamRequest) -> std::result::Result<Value, String> {
        let url = request.url.clone();
        let r = self.upstream().send(request).await?;
        if !(200..300).contains(&r.status) {
            return Err(format!("{url} answered {}", r.status));
        }
        serde_json::from_slice(&r.body).map_err(|_| format!("{url} did not answer JSON"))
    }

    /// The provider's endpoints: its ProviderDetails, the rest discovered at its issuer.
    pub(crate) async fn endpoints(
        &self,
        p: &IdentityProviderType,
    ) -> std::result::Result<Endpoints, String> {
        let mut e = Endpoints {
            authorize: detail(p, "authorize_url").unwrap_or_default().to_string(),
            token: detail(p, "token_url").unwrap_or_default().to_string(),
            userinfo: detail(p, "attributes_url").map(str::to_string),
            jwks: detail(p, "jwks_uri").map(str::to_string),
            issuer: detail(p, "oidc_issuer").map(str::to_string),
        };
        let needs_discovery = match &e.issuer {
            Some(_) => {
                e.authorize.is_empty()
                    || e.token.is_empty()
                    || e.jwks.is_none()
                    || (kind(p) == "OIDC" && e.userinfo.is_none())
            }
            None => false,
        };
        if needs_discovery {
            let issuer = e.issuer.clone().unwrap_or_default();
            let url = format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            );
            let doc = self.fetch_json(UpstreamRequest::get(&url)).await?;
            let s = |n: &str| doc.get(n).and_then(Value::as_str).map(str::to_string);
            if e.authorize.is_empty() {
                e.authorize = s("authorization_endpoint").unwrap_or_default();
            }
            if e.token.is_empty() {
                e.token = s("token_endpoint").unwrap_or_default();
            }
            if e.jwks.is_none() {
                e.jwks = s("jwks_uri");
            }
            if e.userinfo.is_none() && kind(p) == "OIDC" {
                e.userinfo = s("userinfo_endpoint");
            }
        }
        if e.authorize.is_empty() || e.token.is_empty() {
            return Err("the provider's authorize or token endpoint is not known".into());
        }
        Ok(e)
    }

    /// Where the browser goes to sign in at the provider for a checked authorize
    /// request; `base` is the scheme and host the browser reached us at, `binding` its
    /// pre-login cookie.
    pub async fn federation_redirect(
        &self,
        a: &Authorization,
        base: &str,
        binding: &str,
    ) -> std::result::Result<String, AuthorizeRefusal> {
        let refuse = |description| a.refusal("invalid_request", description);
        let name = a.identity_provider.clone().unwrap_or_default();
        let provider = self
            .provider_named(&a.pool_id, &name)
            .await
            .map_err(|_| refuse("The identity provider could not be read"))?
            .ok_or_else(|| refuse("The identity provider does not exist"))?;
        if kind(&provider) == "SAML" {
            return self.saml_redirect(a, &provider, base).await.map_err(|e| {
                tracing::warn!(provider = %name, error = %e, "a SAML provider cannot be used");
                refuse("The identity provider cannot be used")
            });
        }
        let endpoints = self.endpoints(&provider).await.map_err(|e| {
            tracing::warn!(provider = %name, error = %e, "an identity provider cannot be reached");
            refuse("The identity provider cannot be reached")
        })?;
        let upstream_nonce = uuid::Uuid::new_v4().simple().to_string();
        let sealed = self.seal_federation_state(&FederationState::new(
            a,
            name,
            upstream_nonce.clone(),
            self.secrets().keyed_hash(&["federation-binding", binding]),
        ));
        let callback = format!("{}{IDP_RESPONSE_PATH}", base.trim_end_matches('/'));
        let scope = scopes(&provider);
        let mut pairs = vec![
            ("response_type", "code"),
            (
                "client_id",
                detail(&provider, "client_id").unwrap_or_default(),
            ),
            ("redirect_uri", callback.as_str()),
            ("scope", scope.as_str()),
            ("state", sealed.as_str()),
        ];
        if matches!(kind(&provider), "OIDC" | "Google" | "SignInWithApple") {
            pairs.push(("nonce", upstream_nonce.as_str()));
        }
        // Apple posts its answer when names or emails are asked for.
        if kind(&provider) == "SignInWithApple"
            && scope.split(' ').any(|s| s == "name" || s == "email")
        {
            pairs.push(("response_mode", "form_post"));
        }
        Ok(with_query(&endpoints.authorize, &pairs))
    }

    /// A provider of the pool by name, its secrets opened.
    pub(crate) async fn provider_named(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<Option<IdentityProviderType>> {
        let (p, n) = (pool_id.to_string(), name.to_string());
        let doc = self
            .store()
            .read(move |c| super::providers::find(c, &p, &n))
            .await?;
        doc.map(|d| self.open_provider(&d)).transpose()
    }

    /// The state as the provider carries it (`state`, SAML's RelayState): sealed.
    pub(crate) fn seal_federation_state(&self, state: &FederationState) -> String {
        self.secrets().seal(
            Purpose::FederationState,
            &serde_json::to_string(state).unwrap_or_default(),
        )
    }

    /// A sealed state, if it is ours (expired or not).
    pub(crate) fn unseal_federation_state(&self, sealed: &str) -> Option<FederationState> {
        let plain = self.secrets().open(Purpose::FederationState, sealed)?;
        serde_json::from_str(&plain).ok()
    }

    /// Opens the `state` the provider sent back, if it is ours, unexpired and this
    /// browser's.
    pub(crate) fn open_federation_state(
        &self,
        sealed: &str,
        binding: Option<&str>,
    ) -> std::result::Result<FederationState, FederationFailure> {
        let page = |m: &str| FederationFailure::Page(m.to_string());
        let state = self
            .unseal_federation_state(sealed)
            .ok_or_else(|| page("Invalid state. Start the sign-in again."))?;
        if state.expires_at <= now() {
            return Err(page("The sign-in took too long. Start it again."));
        }
        let expected = binding.map(|b| self.secrets().keyed_hash(&["federation-binding", b]));
        let bound = expected.is_some_and(|e| {
            crate::crypto::srp::constant_time_eq(e.as_bytes(), state.binding.as_bytes())
        });
        if !bound {
            return Err(page(
                "This sign-in was started in another browser. Start it again here.",
            ));
        }
        Ok(state)
    }

    /// The code exchange and the claims of the provider's user: the verified ID token's,
    /// and its userInfo's where the provider has an attributes URL.
    pub(crate) async fn provider_claims(
        &self,
        p: &IdentityProviderType,
        code: &str,
        callback: &str,
        upstream_nonce: &str,
    ) -> std::result::Result<(Map<String, Value>, Value), String> {
        let e = self.endpoints(p).await?;
        let client_id = detail(p, "client_id").unwrap_or_default();
        let secret = if kind(p) == "SignInWithApple" {
            apple_client_secret(p)
        } else {
            detail(p, "client_secret").map(str::to_string)
        };
        let mut form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", callback.to_string()),
            ("client_id", client_id.to_string()),
        ];
        if let Some(s) = secret {
            form.push(("client_secret", s));
        }
        let encoded = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = if detail(p, "token_request_method") == Some("GET") {
            let sep = if e.token.contains('?') { '&' } else { '?' };
            UpstreamRequest::get(&format!("{}{sep}{encoded}", e.token))
        } else {
            UpstreamRequest::post_form(&e.token, encoded)
        }
        .header("accept", "application/json");
        let answer = self.upstream().send(request).await?;
        let tokens = json_of(&answer).ok_or("the token endpoint did not answer JSON")?;
        if !(200..300).contains(&answer.status) {
            let error = tokens.get("error").and_then(Value::as_str).unwrap_or("");
            return Err(format!(
                "the token endpoint answered {} {error}",
                answer.status
            ));
        }
        let mut claims = Map::new();
        if let Some(id_token) = tokens.get("id_token").and_then(Value::as_str) {
            let jwks_uri = e
                .jwks
                .as_deref()
                .ok_or("the provider's jwks_uri is not known")?;
            let jwks = self.fetch_json(UpstreamRequest::get(jwks_uri)).await?;
            claims = verify_id_token(
                id_token,
                &jwks,
                e.issuer.as_deref(),
                client_id,
                upstream_nonce,
                now(),
            )?;
        } else if matches!(kind(p), "OIDC" | "Google" | "SignInWithApple") {
            return Err("the token endpoint answered no ID token".into());
        }
        let id_claims = claims.clone();
        let mut user_info = Map::new();
        let access = tokens.get("access_token").and_then(Value::as_str);
        // Google's attributes URL is its People API, whose answer is not a claim set:
        // its ID token carries the profile.
        let wants_userinfo = kind(p) != "Google" || claims.is_empty();
        if let (Some(url), Some(access), true) = (&e.userinfo, access, wants_userinfo) {
            let url = if detail(p, "attributes_url_add_attributes") == Some("true") {
                let mut fields: Vec<&str> = p
                    .attribute_mapping
                    .iter()
                    .flatten()
                    .map(|(_, v)| v.as_str())
                    .collect();
                fields.push("id");
                fields.sort_unstable();
                fields.dedup();
                format!("{url}{}", fields.join(","))
            } else {
                url.clone()
            };
            let request = if detail(p, "attributes_request_method") == Some("POST") {
                UpstreamRequest::post_form(&url, String::new())
            } else {
                UpstreamRequest::get(&url)
            }
            .header("authorization", &format!("Bearer {access}"))
            .header("accept", "application/json");
            let info = self.fetch_json(request).await?;
            let Value::Object(info) = info else {
                return Err("the attributes URL did not answer an object".into());
            };
            if let (Some(a), Some(b)) = (claims.get("sub"), info.get("sub")) {
                if a != b {
                    return Err("userInfo is for another user than the ID token".into());
                }
            }
            for (k, v) in info {
                claims.insert(k.clone(), v.clone());
                user_info.insert(k, v);
            }
        }
        // What InboundFederation is shown: the token response with its values as
        // strings, the ID token's claims, and userInfo.
        let token_response: Map<String, Value> = tokens
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), Value::from(claim_text(v)?))))
            .collect();
        let raw = serde_json::json!({
            "tokenResponse": token_response,
            "idToken": id_claims,
            "userInfo": user_info,
        });
        Ok((claims, raw))
    }
}

/// A claim as a user attribute's value.
pub(crate) fn claim_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// An identity provider's ID token presented outside a sign-in (token exchange's
/// SubjectTokenProviderName): the pool's user it stands for.
pub(crate) struct ExternalSubject {
    pub user: cognate_store::records::user::UserRow,
}

impl Service {
    /// Verifies an ID token of the pool's OIDC or social provider `provider_name`
    /// (signature by the provider's keys, issuer, audience its client id, expiry) and
    /// finds the user it signs in as: one linked to the provider's user, or their own
    /// `<Provider>_<id>` from an earlier sign-in. Err(None) when no such provider is
    /// usable, Err(Some(reason)) when the token or its user is refused.
    pub(crate) async fn external_id_token(
        &self,
        pool_id: &str,
        provider_name: &str,
        token: &str,
    ) -> Result<std::result::Result<ExternalSubject, String>> {
        let Some(p) = self.provider_named(pool_id, provider_name).await? else {
            return Ok(Err(format!(
                "Identity provider {provider_name} does not exist in this user pool."
            )));
        };
        if p.provider_type == Some(IdentityProviderTypeType::SAML) {
            return Ok(Err(
                "SAML 2.0 assertions cannot be exchanged: present an OIDC provider's ID token."
                    .into(),
            ));
        }
        let verified = async {
            let e = self.endpoints(&p).await?;
            let jwks_url = e.jwks.clone().ok_or("the provider's JWKS is not known")?;
            let jwks = self.fetch_json(UpstreamRequest::get(&jwks_url)).await?;
            let nonce = jwt::decode(token)
                .and_then(|d| d.str_claim("nonce").map(str::to_string))
                .unwrap_or_default();
            verify_id_token(
                token,
                &jwks,
                e.issuer.as_deref(),
                detail(&p, "client_id").unwrap_or_default(),
                &nonce,
                crate::clock::now(),
            )
        }
        .await;
        let claims = match verified {
            Ok(claims) => claims,
            Err(reason) => return Ok(Err(reason)),
        };
        let Some(user_id) = super::federated_user::provider_user_id(&p, &claims) else {
            return Ok(Err("the ID token names no user".into()));
        };
        let (id, cache) = (pool_id.to_string(), self.pool_cache());
        let user = self
            .store()
            .read(move |c| {
                let pool = crate::pools::PoolView::load(c, &cache, &id)?;
                super::federated_user::known_user(c, &pool, &p, &user_id, &claims)
            })
            .await?;
        Ok(match user {
            Some(user) => Ok(ExternalSubject { user }),
            None => Err("the provider's user has never signed in to this user pool".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::jwt::SigningKey;
    use serde_json::json;

    fn jwks_of(key: &SigningKey) -> Value {
        json!({"keys": [key.jwk.clone()]})
    }

    #[test]
    fn id_tokens_are_checked_as_the_provider_issued_them() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let t = 1_000_000.0;
        let good = json!({"iss": "https://idp.example.com", "aud": "app", "sub": "u1", "exp": t + 60.0, "nonce": "n1"});
        let check = |token: &str, jwks: &Value| {
            verify_id_token(token, jwks, Some("https://idp.example.com"), "app", "n1", t)
        };
        let claims = check(&key.sign(&good), &jwks_of(&key)).unwrap();
        assert_eq!(claims["sub"], "u1");
        assert!(check(&key.sign(&good), &jwks_of(&other)).is_err());
        let mut wrong = good.clone();
        wrong["aud"] = json!("other");
        assert!(check(&key.sign(&wrong), &jwks_of(&key))
            .unwrap_err()
            .contains("client"));
        let mut wrong = good.clone();
        wrong["iss"] = json!("https://evil.example.com");
        assert!(check(&key.sign(&wrong), &jwks_of(&key))
            .unwrap_err()
            .contains("issuer"));
        let mut wrong = good.clone();
        wrong["nonce"] = json!("n2");
        assert!(check(&key.sign(&wrong), &jwks_of(&key))
            .unwrap_err()
            .contains("nonce"));
        let mut wrong = good.clone();
        wrong["exp"] = json!(t - SKEW_SECONDS - 1.0);
        assert!(check(&key.sign(&wrong), &jwks_of(&key))
            .unwrap_err()
            .contains("expired"));
    }
}
