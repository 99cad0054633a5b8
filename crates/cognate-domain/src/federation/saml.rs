//! Sign-in through a SAML 2.0 identity provider, as Cognito does it. The pool is the
//! service provider `urn:amazon:cognito:sp:<poolId>`, its assertion consumer service
//! `/saml2/idpresponse` on the host the browser used.
//!
//! SP-initiated: `/oauth2/authorize?identity_provider=` redirects to the provider's
//! single sign-on endpoint (HTTP-Redirect) with an AuthnRequest, signed with the pool's
//! signing key (GetSigningCertificate's) when RequestSigningAlgorithm is set, and the
//! sealed authorize request as RelayState. IdP-initiated (only where the provider's
//! IDPInit is true): RelayState is the authorize request's query, the assertion names
//! no InResponseTo, and the app client may offer no other kind of provider.
//!
//! samael (XML signatures through xmlsec) verifies the response: the signature over the
//! response or the assertion by a signing certificate of the provider's metadata,
//! issuer, destination and recipient (our ACS URL), audience (our entity id), the time
//! window, InResponseTo for SP-initiated sign-in, and opens an encrypted assertion with
//! the pool's key where EncryptedResponses is set. Each assertion is taken once: its id
//! is recorded until it expires, so a replayed response is refused.

use super::oidc::{detail, FederationFailure, FederationState};
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::oauth::{AuthorizeParams, AuthorizeRefusal, LoginStep};
use crate::service::Service;
use cognate_api::types::IdentityProviderType;
use samael::metadata::EntityDescriptor;
use samael::service_provider::{ServiceProvider, ServiceProviderBuilder};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Where the provider posts its answer.
pub const SAML_RESPONSE_PATH: &str = "/saml2/idpresponse";
/// AWS: an IdP-initiated assertion must have been issued within the last 6 minutes.
const MAX_ISSUE_DELAY_SECONDS: i64 = 360;
/// How long an SP-initiated sign-in may take at the provider.
const STATE_SECONDS: f64 = 600.0;

/// The pool's entity id as a service provider.
pub fn sp_entity_id(pool_id: &str) -> String {
    format!("urn:amazon:cognito:sp:{pool_id}")
}

/// The pool's key and certificate: its ID-token signing key, whose self-signed
/// certificate GetSigningCertificate answers.
struct PoolKey {
    key: openssl::pkey::PKey<openssl::pkey::Private>,
    certificate_der: Vec<u8>,
}

impl Service {
    async fn pool_saml_key(&self, pool_id: &str) -> Option<PoolKey> {
        use base64::Engine as _;
        let keys = self.pool_keys_now(pool_id).await.ok()?;
        let cert = crate::tokens::signing_keys::certificate(pool_id, &keys.id)?;
        Some(PoolKey {
            key: openssl::pkey::PKey::private_key_from_pkcs8(keys.id.pkcs8()).ok()?,
            certificate_der: base64::engine::general_purpose::STANDARD
                .decode(cert)
                .ok()?,
        })
    }

    /// The provider's metadata: its MetadataFile, or its MetadataURL fetched now.
    async fn provider_metadata(&self, p: &IdentityProviderType) -> Result<String, String> {
        if let Some(file) = detail(p, "MetadataFile") {
            return Ok(file.to_string());
        }
        let url = detail(p, "MetadataURL").ok_or("the provider has no metadata")?;
        let r = self
            .upstream()
            .send(super::UpstreamRequest::get(url))
            .await?;
        if r.status != 200 {
            return Err(format!("{url} answered {}", r.status));
        }
        Ok(String::from_utf8_lossy(&r.body).into_owned())
    }

    async fn service_provider(
        &self,
        pool_id: &str,
        p: &IdentityProviderType,
        base: &str,
        idp_initiated: bool,
    ) -> Result<(ServiceProvider, PoolKey), String> {
        let metadata: EntityDescriptor = self
            .provider_metadata(p)
            .await?
            .parse()
            .map_err(|_| "the provider's metadata cannot be read")?;
        let key = self
            .pool_saml_key(pool_id)
            .await
            .ok_or("the pool's key cannot be read")?;
        let sp = ServiceProviderBuilder::default()
            .entity_id(sp_entity_id(pool_id))
            .acs_url(format!(
                "{}{SAML_RESPONSE_PATH}",
                base.trim_end_matches('/')
            ))
            .metadata_url(None::<String>)
            .slo_url(None::<String>)
            .idp_metadata(metadata)
            .key(key.key.clone())
            .certificate(samael::crypto::CertificateDer::from(
                key.certificate_der.clone(),
            ))
            .allow_idp_initiated(idp_initiated)
            .max_issue_delay(chrono::Duration::seconds(MAX_ISSUE_DELAY_SECONDS))
            .max_clock_skew(chrono::Duration::seconds(180))
            .allowed_signature_algorithms(Some(vec![
                samael::crypto::AllowedSignatureAlgorithm::RsaSha256,
                samael::crypto::AllowedSignatureAlgorithm::RsaSha384,
                samael::crypto::AllowedSignatureAlgorithm::RsaSha512,
                samael::crypto::AllowedSignatureAlgorithm::EcdsaSha256,
            ]))
            .build()
            .map_err(|e| e.to_string())?;
        if sp.idp_signing_certs().ok().flatten().is_none() {
            return Err("the provider's metadata has no signing certificate".into());
        }
        Ok((sp, key))
    }

    /// SP-initiated: the provider's sign-in URL with an AuthnRequest and the sealed
    /// authorize request as RelayState.
    pub(crate) async fn saml_redirect(
        &self,
        a: &crate::oauth::Authorization,
        p: &IdentityProviderType,
        base: &str,
    ) -> Result<String, String> {
        let (sp, key) = self.service_provider(&a.pool_id, p, base, false).await?;
        let sso = detail(p, "SSORedirectBindingURI")
            .map(str::to_string)
            .or_else(|| {
                sp.sso_binding_location("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect")
            })
            .ok_or("the provider has no HTTP-Redirect sign-in endpoint")?;
        let mut request = sp
            .make_authentication_request(&sso)
            .map_err(|e| e.to_string())?;
        request.id = format!("_{}", uuid::Uuid::new_v4().simple());
        let relay = self.seal_federation_state(&FederationState::new(
            a,
            p.provider_name.clone().unwrap_or_default(),
            request.id.clone(),
            String::new(),
        ));
        let url = if detail(p, "RequestSigningAlgorithm") == Some("rsa-sha256") {
            request.signed_redirect(&relay, &key.key)
        } else {
            request.redirect(&relay)
        }
        .map_err(|e| e.to_string())?
        .ok_or("the AuthnRequest has no destination")?;
        Ok(url.to_string())
    }

    /// `POST /saml2/idpresponse`: the provider's SAMLResponse and RelayState, signed in as
    /// the pool's user. `base` is the scheme and host the browser reached us at.
    pub async fn saml_finish(
        &self,
        saml_response: &str,
        relay_state: Option<&str>,
        base: &str,
    ) -> Result<(crate::oauth::Authorization, LoginStep), FederationFailure> {
        let page = |m: &str| FederationFailure::Page(m.to_string());
        let relay = relay_state.unwrap_or_default();
        // Ours (SP-initiated), or the authorize request's query (IdP-initiated).
        let sealed = self.unseal_federation_state(relay);
        let idp_initiated = sealed.is_none();
        let state = match sealed {
            Some(s) if s.expires_at <= now() => {
                return Err(page("The sign-in took too long. Start it again."))
            }
            Some(s) => s,
            None => self.idp_initiated_state(relay).await?,
        };
        let a = state.authorization();
        let refuse =
            |description| FederationFailure::Redirect(a.refusal("invalid_request", description));
        let provider = self
            .provider_named(&state.pool_id, &state.provider)
            .await
            .ok()
            .flatten()
            .filter(|p| p.provider_type.as_ref().map(|t| t.as_str()) == Some("SAML"))
            .ok_or_else(|| refuse("The identity provider does not exist"))?;
        if idp_initiated && detail(&provider, "IDPInit") != Some("true") {
            return Err(refuse(
                "The identity provider does not allow IdP-initiated sign-in",
            ));
        }
        let (sp, _) = self
            .service_provider(&state.pool_id, &provider, base, idp_initiated)
            .await
            .map_err(|e| {
                tracing::warn!(provider = %state.provider, error = %e, "a SAML provider cannot be used");
                refuse("The identity provider cannot be used")
            })?;
        let request_ids = [state.upstream_nonce.as_str()];
        let assertion = sp
            .parse_base64_response(
                saml_response,
                (!idp_initiated).then_some(&request_ids[..]),
            )
            .map_err(|e| {
                tracing::info!(provider = %state.provider, error = %e, "a SAML response was refused");
                refuse("Invalid SAML response")
            })?;
        let in_response_to = assertion
            .subject
            .iter()
            .flat_map(|s| s.subject_confirmations.iter().flatten())
            .any(|c| {
                c.subject_confirmation_data
                    .as_ref()
                    .is_some_and(|d| d.in_response_to.is_some())
            });
        if idp_initiated && in_response_to {
            return Err(refuse(
                "An IdP-initiated assertion must not name InResponseTo",
            ));
        }
        let user_id = assertion
            .subject
            .as_ref()
            .and_then(|s| s.name_id.as_ref())
            .map(|n| n.value.trim().to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| refuse("The assertion names no user"))?;
        // Each assertion once: its id is kept until it could no longer be accepted.
        let expires = now() + (MAX_ISSUE_DELAY_SECONDS as f64) + 600.0;
        let seen = crate::tokens::hash(&format!(
            "saml-assertion\u{1f}{}\u{1f}{}",
            state.provider, assertion.id
        ));
        let pool_id = state.pool_id.clone();
        let fresh = self
            .store()
            .write(move |c| {
                cognate_store::records::auth::consume_session(c, &seen, &pool_id, expires)
                    .map_err(crate::error::Error::from)
            })
            .await
            .map_err(|_| refuse("The SAML response could not be recorded"))?;
        if !fresh {
            return Err(refuse("This SAML response has been used already"));
        }
        let mut claims = Map::new();
        for statement in assertion.attribute_statements.iter().flatten() {
            for attribute in &statement.attributes {
                let Some(name) = &attribute.name else {
                    continue;
                };
                let values: Vec<&str> = attribute
                    .values
                    .iter()
                    .filter_map(|v| v.value.as_deref())
                    .collect();
                if values.is_empty() {
                    continue;
                }
                claims.insert(name.clone(), Value::from(values.join(",")));
            }
        }
        let issuer = assertion.issuer.value.clone().filter(|i| !i.is_empty());
        let raw = serde_json::json!({ "samlResponse": claims });
        self.federated_step(
            &state,
            &provider,
            &user_id,
            (&claims, &raw),
            issuer.as_deref(),
        )
        .await
    }

    /// IdP-initiated: the authorize request RelayState carries, checked as at
    /// `/oauth2/authorize`; the app client may offer SAML providers only.
    async fn idp_initiated_state(&self, relay: &str) -> Result<FederationState, FederationFailure> {
        let q: HashMap<String, String> = url::form_urlencoded::parse(relay.as_bytes())
            .into_owned()
            .collect();
        let f = |n: &str| q.get(n).cloned();
        let params = AuthorizeParams {
            response_type: f("response_type"),
            client_id: f("client_id"),
            redirect_uri: f("redirect_uri"),
            state: f("state"),
            scope: f("scope"),
            identity_provider: f("identity_provider"),
            idp_identifier: f("idp_identifier"),
            ..AuthorizeParams::default()
        };
        let a = self
            .check_authorize(&params, None)
            .await
            .map_err(|r| match r {
                AuthorizeRefusal::Page(m) => FederationFailure::Page(m.to_string()),
                r => FederationFailure::Redirect(r),
            })?;
        let refuse =
            |description| FederationFailure::Redirect(a.refusal("invalid_request", description));
        let Some(name) = a.identity_provider.clone() else {
            return Err(refuse("RelayState names no identity_provider"));
        };
        if a.cognito {
            return Err(refuse(
                "An app client with IdP-initiated SAML sign-in cannot offer other providers",
            ));
        }
        for other in &a.providers {
            let kind = self
                .provider_named(&a.pool_id, other)
                .await
                .ok()
                .flatten()
                .and_then(|p| p.provider_type)
                .map(|t| t.as_str().to_string());
            if kind.as_deref() != Some("SAML") {
                return Err(refuse(
                    "An app client with IdP-initiated SAML sign-in cannot offer other providers",
                ));
            }
        }
        Ok(FederationState::new(&a, name, String::new(), String::new()))
    }

    /// The pool's SAML service-provider metadata: its entity id, its assertion consumer
    /// service at `base`, and its signing and encryption certificate.
    pub async fn saml_sp_metadata(&self, pool_id: &str, base: &str) -> Option<String> {
        use base64::Engine as _;
        let key = self.pool_saml_key(pool_id).await?;
        let cert = base64::engine::general_purpose::STANDARD.encode(&key.certificate_der);
        let acs = format!("{}{SAML_RESPONSE_PATH}", base.trim_end_matches('/'));
        let entity = sp_entity_id(pool_id);
        let key_descriptor = |usage: &str| {
            format!(
                "<md:KeyDescriptor use=\"{usage}\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            )
        };
        Some(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"{entity}\"><md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">{}{}<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat><md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"{acs}\" index=\"1\"/></md:SPSSODescriptor></md:EntityDescriptor>\n",
            key_descriptor("signing"),
            key_descriptor("encryption"),
        ))
    }
}

/// Where a SAML single logout returns to, sealed into its RelayState.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct SamlLogoutState {
    /// The `/logout` request's destination (a LogoutURL, or the sign-in page).
    after: String,
    request_id: String,
    expires_at: f64,
}

/// XML text and attribute escaping.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Service {
    /// `/logout` of a session whose user signed in through a SAML provider with
    /// IDPSignout: the provider's single logout URL with a signed LogoutRequest (HTTP-
    /// Redirect) for the user's NameID; the provider answers at `/saml2/logout`, which
    /// then goes on to `after`. None where the provider does not sign out.
    pub async fn saml_logout_redirect(
        &self,
        session: &crate::oauth::HostedSession,
        after: &str,
    ) -> Option<String> {
        use base64::Engine as _;
        use std::io::Write as _;
        let cache = self.pool_cache();
        let (pool_id, username) = (session.pool_id.clone(), session.username.clone());
        let found = self
            .store()
            .read(move |c| {
                let pool = crate::pools::PoolView::load(c, &cache, &pool_id)?;
                crate::users::find(c, &pool, &username)
            })
            .await
            .ok()??;
        let identity = super::federated_user::identities_of(&found.1)
            .into_iter()
            .find(|i| i["providerType"] == "SAML" && i["primary"] == "true")?;
        let name = identity["providerName"].as_str()?.to_string();
        let name_id = identity["userId"].as_str()?.to_string();
        let provider = self.provider_named(&session.pool_id, &name).await.ok()??;
        if detail(&provider, "IDPSignout") != Some("true") {
            return None;
        }
        let slo = detail(&provider, "SLORedirectBindingURI")?.to_string();
        let key = self.pool_saml_key(&session.pool_id).await?;
        let id = format!("_{}", uuid::Uuid::new_v4().simple());
        let xml = format!(
            "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\"><saml:Issuer>{}</saml:Issuer><saml:NameID>{}</saml:NameID></samlp:LogoutRequest>",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            xml_escape(&slo),
            xml_escape(&sp_entity_id(&session.pool_id)),
            xml_escape(&name_id),
        );
        let mut deflated = Vec::new();
        {
            let mut encoder =
                flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::default());
            encoder.write_all(xml.as_bytes()).ok()?;
            encoder.finish().ok()?;
        }
        let relay = self.secrets().seal(
            Purpose::FederationState,
            &serde_json::to_string(&SamlLogoutState {
                after: after.to_string(),
                request_id: id,
                expires_at: now() + STATE_SECONDS,
            })
            .ok()?,
        );
        let mut url = url::Url::parse(&slo).ok()?;
        url.query_pairs_mut()
            .append_pair(
                "SAMLRequest",
                &base64::engine::general_purpose::STANDARD.encode(&deflated),
            )
            .append_pair("RelayState", &relay);
        samael::crypto::sign_url(url, &key.key)
            .ok()
            .map(|u| u.to_string())
    }

    /// `/saml2/logout`: the provider's LogoutResponse to our LogoutRequest (its
    /// InResponseTo), then where the `/logout` request was going. The pool's session
    /// ended before the browser left, so this only decides the way back, which was
    /// checked at `/logout`.
    pub fn saml_logout_finish(
        &self,
        saml_response: &str,
        relay_state: &str,
        deflated: bool,
    ) -> Result<String, String> {
        use base64::Engine as _;
        use std::io::Read as _;
        let state: SamlLogoutState = self
            .secrets()
            .open(Purpose::FederationState, relay_state)
            .and_then(|plain| serde_json::from_str(&plain).ok())
            .ok_or("Invalid RelayState.")?;
        if state.expires_at <= now() {
            return Err("The sign-out took too long.".into());
        }
        let raw = base64::engine::general_purpose::STANDARD
            .decode(saml_response.trim())
            .map_err(|_| "Invalid SAMLResponse.")?;
        let xml = if deflated {
            let mut out = String::new();
            flate2::read::DeflateDecoder::new(&raw[..])
                .take(256 * 1024)
                .read_to_string(&mut out)
                .map_err(|_| "Invalid SAMLResponse.")?;
            out
        } else {
            String::from_utf8(raw).map_err(|_| "Invalid SAMLResponse.")?
        };
        let response: samael::schema::LogoutResponse =
            xml.parse().map_err(|_| "Invalid SAMLResponse.")?;
        if response.in_response_to.as_deref() != Some(state.request_id.as_str()) {
            return Err("The LogoutResponse does not answer our request.".into());
        }
        Ok(state.after)
    }
}
