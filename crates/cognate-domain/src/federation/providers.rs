//! A pool's identity providers: Create/Describe/Update/Delete/ListIdentityProviders and
//! GetIdentityProviderByIdentifier, with AWS's ProviderDetails per ProviderType.
//!
//! What is stored is what Describe answers, except the client secret and Sign in with
//! Apple's private key, which are sealed with the master key (purpose
//! `provider-secret`). The social providers' endpoints are AWS's defaults, answered
//! as AWS answers them; each may be overridden in ProviderDetails (`authorize_url`,
//! `token_url`, `attributes_url`, `jwks_uri`, `oidc_issuer`) so that tests and sites
//! without the internet can point them at a server of their own.

use super::saml_metadata;
use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use crate::users::attributes::schema_entry;
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::pool_object::{self, Kind, PoolObjectRow};
use cognate_store::records::PageRequest;
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

operation!(CreateIdentityProvider => Service::create_identity_provider);
operation!(DescribeIdentityProvider => Service::describe_identity_provider);
operation!(UpdateIdentityProvider => Service::update_identity_provider);
operation!(DeleteIdentityProvider => Service::delete_identity_provider);
operation!(ListIdentityProviders => Service::list_identity_providers);
operation!(GetIdentityProviderByIdentifier => Service::get_identity_provider_by_identifier);

/// AWS: a user pool can have up to 300 identity providers.
const MAX_PROVIDERS: usize = 300;

/// ProviderDetails keys whose values are sealed at rest.
const SECRET_KEYS: [&str; 2] = ["client_secret", "private_key"];

/// Keys Cognito sets itself: a request's values for them are replaced.
const READ_ONLY_KEYS: [&str; 6] = [
    "attributes_url_add_attributes",
    "token_request_method",
    "SSORedirectBindingURI",
    "SLORedirectBindingURI",
    "ActiveEncryptionCertificate",
    "ActiveSigningCertificate",
];

/// Endpoint keys any OAuth-based provider may set (OIDC's own, the social providers'
/// overrides).
const ENDPOINT_KEYS: [&str; 5] = [
    "authorize_url",
    "token_url",
    "attributes_url",
    "jwks_uri",
    "oidc_issuer",
];

/// A provider as stored: what Describe answers, its secrets sealed apart.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredProvider {
    provider: IdentityProviderType,
    #[serde(default)]
    sealed: BTreeMap<String, String>,
}

/// A social provider's fixed endpoints, as AWS's Describe answers them.
struct SocialDefaults {
    authorize_url: String,
    token_url: String,
    attributes_url: Option<String>,
    oidc_issuer: Option<&'static str>,
    token_request_method: &'static str,
    attributes_url_add_attributes: bool,
}

fn social_defaults(kind: &IdentityProviderTypeType, api_version: &str) -> Option<SocialDefaults> {
    Some(match kind.as_str() {
        "Google" => SocialDefaults {
            authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_url: "https://www.googleapis.com/oauth2/v4/token".into(),
            attributes_url: Some("https://people.googleapis.com/v1/people/me?personFields=".into()),
            oidc_issuer: Some("https://accounts.google.com"),
            token_request_method: "POST",
            attributes_url_add_attributes: true,
        },
        "Facebook" => SocialDefaults {
            authorize_url: format!("https://www.facebook.com/{api_version}/dialog/oauth"),
            token_url: format!("https://graph.facebook.com/{api_version}/oauth/access_token"),
            attributes_url: Some(format!(
                "https://graph.facebook.com/{api_version}/me?fields="
            )),
            oidc_issuer: None,
            token_request_method: "GET",
            attributes_url_add_attributes: true,
        },
        "LoginWithAmazon" => SocialDefaults {
            authorize_url: "https://www.amazon.com/ap/oa".into(),
            token_url: "https://api.amazon.com/auth/o2/token".into(),
            attributes_url: Some("https://api.amazon.com/user/profile".into()),
            oidc_issuer: None,
            token_request_method: "POST",
            attributes_url_add_attributes: false,
        },
        "SignInWithApple" => SocialDefaults {
            authorize_url: "https://appleid.apple.com/auth/authorize".into(),
            token_url: "https://appleid.apple.com/auth/token".into(),
            attributes_url: None,
            oidc_issuer: Some("https://appleid.apple.com"),
            token_request_method: "POST",
            attributes_url_add_attributes: false,
        },
        _ => return None,
    })
}

/// Facebook's Graph API version when ProviderDetails names none.
const FACEBOOK_API_VERSION: &str = "v17.0";

/// The claim of a provider's user that is their user id (`username` in the attribute
/// mapping), by type.
pub(crate) fn default_username_claim(kind: &IdentityProviderTypeType) -> Option<&'static str> {
    match kind.as_str() {
        "Google" | "SignInWithApple" | "OIDC" => Some("sub"),
        "Facebook" => Some("id"),
        "LoginWithAmazon" => Some("user_id"),
        _ => None,
    }
}

fn not_found_message(name: &str) -> String {
    format!("Identity provider {name} does not exist.")
}

fn is_true_false(v: &str) -> bool {
    v == "true" || v == "false"
}

fn check_url(key: &str, v: &str) -> Result<()> {
    let ok = url::Url::parse(v)
        .map(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(invalid(format!("{key} must be a URL.")))
    }
}

/// The ProviderDetails keys a type accepts (read-only keys aside).
fn accepted_keys(kind: &IdentityProviderTypeType) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = match kind.as_str() {
        "Google" | "LoginWithAmazon" => vec!["client_id", "client_secret", "authorize_scopes"],
        "Facebook" => vec![
            "client_id",
            "client_secret",
            "authorize_scopes",
            "api_version",
        ],
        "SignInWithApple" => vec![
            "client_id",
            "team_id",
            "key_id",
            "private_key",
            "authorize_scopes",
        ],
        "OIDC" => vec![
            "client_id",
            "client_secret",
            "attributes_request_method",
            "authorize_scopes",
        ],
        _ => vec![
            "MetadataFile",
            "MetadataURL",
            "IDPSignout",
            "IDPInit",
            "RequestSigningAlgorithm",
            "EncryptedResponses",
        ],
    };
    if kind.as_str() != "SAML" {
        keys.extend(ENDPOINT_KEYS);
    }
    keys
}

/// Checks a request's ProviderDetails for `kind` and answers what Describe will show:
/// unknown keys refused, required ones present, read-only ones computed. SAML metadata
/// given by URL is fetched by the caller first (`metadata`).
fn complete_details(
    kind: &IdentityProviderTypeType,
    given: &BTreeMap<String, String>,
    metadata: Option<&str>,
) -> Result<BTreeMap<String, String>> {
    let accepted = accepted_keys(kind);
    let mut details: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in given {
        if READ_ONLY_KEYS.contains(&k.as_str()) {
            continue;
        }
        if !accepted.contains(&k.as_str()) {
            return Err(invalid(format!(
                "{k} is not a valid ProviderDetails key for a {kind} identity provider."
            )));
        }
        details.insert(k.clone(), v.clone());
    }
    let need = |details: &BTreeMap<String, String>, key: &str| -> Result<()> {
        match details.get(key) {
            Some(v) if !v.trim().is_empty() => Ok(()),
            _ => Err(invalid(format!(
                "{key} is required for a {kind} identity provider."
            ))),
        }
    };
    for key in ENDPOINT_KEYS {
        if let Some(v) = details.get(key) {
            check_url(key, v)?;
        }
    }
    match kind.as_str() {
        "SAML" => {
            match (details.get("MetadataFile"), details.get("MetadataURL")) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(invalid(
                        "Exactly one of MetadataFile or MetadataURL is required for a SAML identity provider.",
                    ))
                }
                (None, Some(u)) => check_url("MetadataURL", u)?,
                _ => {}
            }
            for key in ["IDPSignout", "IDPInit", "EncryptedResponses"] {
                if details.get(key).is_some_and(|v| !is_true_false(v)) {
                    return Err(invalid(format!("{key} must be true or false.")));
                }
            }
            if details
                .get("RequestSigningAlgorithm")
                .is_some_and(|v| v != "rsa-sha256")
            {
                return Err(invalid("RequestSigningAlgorithm must be rsa-sha256."));
            }
            let xml = details
                .get("MetadataFile")
                .map(String::as_str)
                .or(metadata)
                .unwrap_or_default();
            let parsed = saml_metadata::parse(xml)?;
            details.insert("SSORedirectBindingURI".into(), parsed.sso_redirect);
            if let Some(slo) = parsed.slo_redirect {
                details.insert("SLORedirectBindingURI".into(), slo);
            }
        }
        "OIDC" => {
            for key in [
                "client_id",
                "attributes_request_method",
                "oidc_issuer",
                "authorize_scopes",
            ] {
                need(&details, key)?;
            }
            let method = details["attributes_request_method"].as_str();
            if method != "GET" && method != "POST" {
                return Err(invalid("attributes_request_method must be GET or POST."));
            }
            if !details["authorize_scopes"]
                .split([' ', ','])
                .any(|s| s == "openid")
            {
                return Err(invalid(
                    "authorize_scopes must include openid for an OIDC identity provider.",
                ));
            }
            details.insert("attributes_url_add_attributes".into(), "false".into());
        }
        _ => {
            let keys: &[&str] = if kind.as_str() == "SignInWithApple" {
                &[
                    "client_id",
                    "team_id",
                    "key_id",
                    "private_key",
                    "authorize_scopes",
                ]
            } else {
                &["client_id", "client_secret", "authorize_scopes"]
            };
            for key in keys {
                need(&details, key)?;
            }
            if kind.as_str() == "SignInWithApple" {
                crate::federation::oidc::apple_key(&details["private_key"])?;
            }
            let version = details
                .get("api_version")
                .cloned()
                .unwrap_or_else(|| FACEBOOK_API_VERSION.to_string());
            if kind.as_str() == "Facebook" {
                details.insert("api_version".into(), version.clone());
            }
            if let Some(d) = social_defaults(kind, &version) {
                details
                    .entry("authorize_url".into())
                    .or_insert(d.authorize_url);
                details.entry("token_url".into()).or_insert(d.token_url);
                if let Some(a) = d.attributes_url {
                    details.entry("attributes_url".into()).or_insert(a);
                }
                if let Some(i) = d.oidc_issuer {
                    details.entry("oidc_issuer".into()).or_insert(i.into());
                }
                details.insert("token_request_method".into(), d.token_request_method.into());
                details.insert(
                    "attributes_url_add_attributes".into(),
                    d.attributes_url_add_attributes.to_string(),
                );
            }
        }
    }
    Ok(details)
}

/// Checks an attribute mapping against the pool's schema and adds the user id's
/// default (`username`) where the type has one.
fn complete_mapping(
    pool: &UserPoolType,
    kind: &IdentityProviderTypeType,
    given: Option<&BTreeMap<String, String>>,
) -> Result<BTreeMap<String, String>> {
    let mut mapping = given.cloned().unwrap_or_default();
    for (key, value) in &mapping {
        if key == "username" {
            continue;
        }
        if key == "sub" || schema_entry(pool, key).is_none() {
            return Err(invalid(format!(
                "Attribute mapping key {key} is not an attribute of the user pool."
            )));
        }
        if value.is_empty() {
            return Err(invalid(format!(
                "Attribute mapping for {key} names no provider attribute."
            )));
        }
    }
    if let Some(claim) = default_username_claim(kind) {
        mapping
            .entry("username".into())
            .or_insert_with(|| claim.to_string());
    }
    Ok(mapping)
}

fn check_name(name: &str, kind: &IdentityProviderTypeType) -> Result<()> {
    let social = social_defaults(kind, FACEBOOK_API_VERSION).is_some();
    if social && name != kind.as_str() {
        return Err(invalid(format!(
            "ProviderName must be {kind} for a {kind} identity provider."
        )));
    }
    if !social && name.eq_ignore_ascii_case("cognito") {
        return Err(invalid(format!("{name} is a reserved provider name.")));
    }
    if !social && ["Google", "Facebook", "LoginWithAmazon", "SignInWithApple"].contains(&name) {
        return Err(invalid(format!(
            "{name} is the name of a social identity provider."
        )));
    }
    Ok(())
}

fn check_identifiers(identifiers: &[String]) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for i in identifiers {
        if seen.contains(&i.as_str()) {
            return Err(invalid(format!("Duplicate IdpIdentifier {i}.")));
        }
        seen.push(i);
    }
    Ok(())
}

fn all_rows(conn: &mut dyn Conn, pool_id: &str) -> Result<Vec<PoolObjectRow>> {
    let page = pool_object::list(
        conn,
        pool_id,
        Kind::IdentityProvider,
        &PageRequest {
            after: None,
            limit: MAX_PROVIDERS + 1,
        },
    )?;
    Ok(page.items)
}

/// Refuses identifiers another provider of the pool already has.
fn check_identifiers_free(
    conn: &mut dyn Conn,
    pool_id: &str,
    name: &str,
    identifiers: &[String],
) -> Result<()> {
    for row in all_rows(conn, pool_id)? {
        if row.key == name {
            continue;
        }
        let other: StoredProvider = from_doc(&row.doc)?;
        for i in other.provider.idp_identifiers.iter().flatten() {
            if identifiers.contains(i) {
                return Err(fail(
                    ErrorCode::DuplicateProviderException,
                    format!("The IdP identifier {i} is already used by another identity provider."),
                ));
            }
        }
    }
    Ok(())
}

fn stored_row(conn: &mut dyn Conn, pool_id: &str, name: &str) -> Result<PoolObjectRow> {
    load_pool(conn, pool_id)?;
    pool_object::get(conn, pool_id, Kind::IdentityProvider, name)?
        .ok_or_else(|| not_found(not_found_message(name)))
}

/// A pool's provider as the federation flows read it, its secrets opened; None if the
/// pool has no provider of that name.
pub(crate) fn find(conn: &mut dyn Conn, pool_id: &str, name: &str) -> Result<Option<String>> {
    Ok(pool_object::get(conn, pool_id, Kind::IdentityProvider, name)?.map(|r| r.doc))
}

/// The name of the provider that has `identifier` among its IdpIdentifiers.
pub(crate) fn by_identifier(
    conn: &mut dyn Conn,
    pool_id: &str,
    identifier: &str,
) -> Result<Option<String>> {
    for row in all_rows(conn, pool_id)? {
        let p: StoredProvider = from_doc(&row.doc)?;
        if p.provider
            .idp_identifiers
            .iter()
            .flatten()
            .any(|i| i == identifier)
        {
            return Ok(Some(row.key));
        }
    }
    Ok(None)
}

impl Service {
    /// The stored document of a provider with its secrets opened, as Describe answers.
    pub(crate) fn open_provider(&self, doc: &str) -> Result<IdentityProviderType> {
        let stored: StoredProvider = from_doc(doc)?;
        let mut provider = stored.provider;
        let details = provider.provider_details.get_or_insert_with(BTreeMap::new);
        for (k, sealed) in stored.sealed {
            let plain = self
                .secrets()
                .open(Purpose::ProviderSecret, &sealed)
                .ok_or_else(|| {
                    crate::error::internal(
                        "An identity provider's secret cannot be opened with this master key.",
                    )
                })?;
            details.insert(k, plain);
        }
        Ok(provider)
    }

    fn seal_provider(&self, mut provider: IdentityProviderType) -> Result<String> {
        let mut sealed = BTreeMap::new();
        if let Some(details) = provider.provider_details.as_mut() {
            for key in SECRET_KEYS {
                if let Some(v) = details.remove(key) {
                    sealed.insert(
                        key.to_string(),
                        self.secrets().seal(Purpose::ProviderSecret, &v),
                    );
                }
            }
        }
        to_doc(&StoredProvider { provider, sealed })
    }

    /// A SAML provider with EncryptedResponses: the certificate the provider encrypts
    /// to (the pool's, as GetSigningCertificate answers it), as ActiveEncryptionCertificate.
    async fn with_encryption_certificate(
        &self,
        pool_id: &str,
        mut details: BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>> {
        if details.get("EncryptedResponses").map(String::as_str) == Some("true") {
            let keys = self.pool_keys_now(pool_id).await?;
            let cert =
                crate::tokens::signing_keys::certificate(pool_id, &keys.id).ok_or_else(|| {
                    crate::error::internal("The pool's certificate could not be made.")
                })?;
            details.insert("ActiveEncryptionCertificate".into(), cert);
        }
        Ok(details)
    }

    /// SAML metadata named by URL, fetched as AWS does when the provider is saved.
    async fn saml_metadata_of(&self, details: &BTreeMap<String, String>) -> Result<Option<String>> {
        let Some(url) = details.get("MetadataURL") else {
            return Ok(None);
        };
        check_url("MetadataURL", url)?;
        let answer = self
            .upstream()
            .send(super::UpstreamRequest::get(url))
            .await
            .map_err(|e| {
                invalid(format!(
                    "Unable to retrieve the SAML metadata from {url}: {e}"
                ))
            })?;
        if answer.status != 200 {
            return Err(invalid(format!(
                "Unable to retrieve the SAML metadata from {url}: it answered {}.",
                answer.status
            )));
        }
        Ok(Some(String::from_utf8_lossy(&answer.body).into_owned()))
    }

    pub(crate) async fn create_identity_provider(
        &self,
        input: CreateIdentityProviderRequest,
    ) -> Result<CreateIdentityProviderResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.provider_name, "providerName")?.clone();
        let kind = required(&input.provider_type, "providerType")?.clone();
        let given = required(&input.provider_details, "providerDetails")?.clone();
        check_name(&name, &kind)?;
        let identifiers = input.idp_identifiers.clone().unwrap_or_default();
        check_identifiers(&identifiers)?;
        let metadata = self.saml_metadata_of(&given).await?;
        let details = complete_details(&kind, &given, metadata.as_deref())?;
        let pool_doc = {
            let id = pool_id.clone();
            self.store()
                .read(move |c| load_pool(c, &id).map(|(_, p)| p))
                .await?
        };
        let mapping = complete_mapping(&pool_doc, &kind, input.attribute_mapping.as_ref())?;
        let details = self.with_encryption_certificate(&pool_id, details).await?;
        let t = now();
        let provider = IdentityProviderType {
            user_pool_id: Some(pool_id.clone()),
            provider_name: Some(name.clone()),
            provider_type: Some(kind),
            provider_details: Some(details),
            attribute_mapping: Some(mapping),
            idp_identifiers: Some(identifiers.clone()),
            acr_mapping: input.acr_mapping.clone(),
            last_modified_date: Some(t),
            creation_date: Some(t),
        };
        let row = PoolObjectRow {
            key: name.clone(),
            created_at: t,
            doc: self.seal_provider(provider.clone())?,
        };
        self.store()
            .write(move |c| {
                load_pool(c, &pool_id)?;
                if all_rows(c, &pool_id)?.len() >= MAX_PROVIDERS {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        format!("A user pool can have at most {MAX_PROVIDERS} identity providers."),
                    ));
                }
                check_identifiers_free(c, &pool_id, &name, &identifiers)?;
                if !pool_object::insert(c, &pool_id, Kind::IdentityProvider, &row)? {
                    return Err(fail(
                        ErrorCode::DuplicateProviderException,
                        format!(
                            "A provider with the name {name} already exists in this user pool."
                        ),
                    ));
                }
                Ok(())
            })
            .await?;
        Ok(CreateIdentityProviderResponse {
            identity_provider: Some(provider),
        })
    }

    pub(crate) async fn describe_identity_provider(
        &self,
        input: DescribeIdentityProviderRequest,
    ) -> Result<DescribeIdentityProviderResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.provider_name, "providerName")?.clone();
        let row = self
            .store()
            .read(move |c| stored_row(c, &pool_id, &name))
            .await?;
        Ok(DescribeIdentityProviderResponse {
            identity_provider: Some(self.open_provider(&row.doc)?),
        })
    }

    pub(crate) async fn get_identity_provider_by_identifier(
        &self,
        input: GetIdentityProviderByIdentifierRequest,
    ) -> Result<GetIdentityProviderByIdentifierResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let identifier = required(&input.idp_identifier, "idpIdentifier")?.clone();
        let doc = self
            .store()
            .read(move |c| {
                load_pool(c, &pool_id)?;
                let name = by_identifier(c, &pool_id, &identifier)?.ok_or_else(|| {
                    not_found(format!(
                        "Identity provider with identifier {identifier} does not exist."
                    ))
                })?;
                Ok::<_, Error>(stored_row(c, &pool_id, &name)?.doc)
            })
            .await?;
        Ok(GetIdentityProviderByIdentifierResponse {
            identity_provider: Some(self.open_provider(&doc)?),
        })
    }

    pub(crate) async fn update_identity_provider(
        &self,
        input: UpdateIdentityProviderRequest,
    ) -> Result<UpdateIdentityProviderResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.provider_name, "providerName")?.clone();
        let (row, pool_doc) = {
            let (p, n) = (pool_id.clone(), name.clone());
            self.store()
                .read(move |c| Ok::<_, Error>((stored_row(c, &p, &n)?, load_pool(c, &p)?.1)))
                .await?
        };
        let mut provider = self.open_provider(&row.doc)?;
        let kind = provider
            .provider_type
            .clone()
            .unwrap_or(IdentityProviderTypeType::OIDC);
        if let Some(given) = &input.provider_details {
            // Keys left out keep their values; read-only keys are computed again.
            let mut merged: BTreeMap<String, String> = provider
                .provider_details
                .clone()
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| !READ_ONLY_KEYS.contains(&k.as_str()))
                .collect();
            if given.contains_key("MetadataFile") {
                merged.remove("MetadataURL");
            }
            if given.contains_key("MetadataURL") {
                merged.remove("MetadataFile");
            }
            merged.extend(given.clone());
            let metadata = self.saml_metadata_of(&merged).await?;
            let details = complete_details(&kind, &merged, metadata.as_deref())?;
            provider.provider_details =
                Some(self.with_encryption_certificate(&pool_id, details).await?);
        }
        if let Some(mapping) = &input.attribute_mapping {
            provider.attribute_mapping = Some(complete_mapping(&pool_doc, &kind, Some(mapping))?);
        }
        if let Some(identifiers) = &input.idp_identifiers {
            check_identifiers(identifiers)?;
            provider.idp_identifiers = Some(identifiers.clone());
        }
        if input.acr_mapping.is_some() {
            provider.acr_mapping = input.acr_mapping.clone();
        }
        provider.last_modified_date = Some(now());
        let doc = self.seal_provider(provider.clone())?;
        let identifiers = provider.idp_identifiers.clone().unwrap_or_default();
        self.store()
            .write(move |c| {
                let mut row = stored_row(c, &pool_id, &name)?;
                check_identifiers_free(c, &pool_id, &name, &identifiers)?;
                row.doc = doc.clone();
                pool_object::put(c, &pool_id, Kind::IdentityProvider, &row)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(UpdateIdentityProviderResponse {
            identity_provider: Some(provider),
        })
    }

    pub(crate) async fn delete_identity_provider(
        &self,
        input: DeleteIdentityProviderRequest,
    ) -> Result<cognate_api::Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.provider_name, "providerName")?.clone();
        self.store()
            .write(move |c| {
                stored_row(c, &pool_id, &name)?;
                pool_object::delete(c, &pool_id, Kind::IdentityProvider, &name)?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(cognate_api::Empty {})
    }

    pub(crate) async fn list_identity_providers(
        &self,
        input: ListIdentityProvidersRequest,
    ) -> Result<ListIdentityProvidersResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.max_results, 60),
        };
        let page = self
            .store()
            .read(move |c| {
                load_pool(c, &pool_id)?;
                pool_object::list(c, &pool_id, Kind::IdentityProvider, &page).map_err(Error::from)
            })
            .await?;
        let providers = page
            .items
            .iter()
            .map(|r| {
                let p: StoredProvider = from_doc(&r.doc)?;
                Ok(ProviderDescription {
                    provider_name: p.provider.provider_name,
                    provider_type: p.provider.provider_type,
                    last_modified_date: p.provider.last_modified_date,
                    creation_date: p.provider.creation_date,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ListIdentityProvidersResponse {
            providers: Some(providers),
            next_token: page.next.as_deref().map(pagination::encode),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn google_gets_awss_endpoints_and_keeps_overrides() {
        let given = details(&[
            ("client_id", "id"),
            ("client_secret", "s"),
            ("authorize_scopes", "email profile openid"),
            ("token_url", "http://127.0.0.1:9/token"),
        ]);
        let d = complete_details(&IdentityProviderTypeType::GOOGLE, &given, None).unwrap();
        assert_eq!(
            d["authorize_url"],
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert_eq!(d["token_url"], "http://127.0.0.1:9/token");
        assert_eq!(d["oidc_issuer"], "https://accounts.google.com");
        assert_eq!(d["attributes_url_add_attributes"], "true");
        assert_eq!(d["token_request_method"], "POST");
    }

    #[test]
    fn each_type_requires_its_keys() {
        let missing = |kind: IdentityProviderTypeType, pairs: &[(&str, &str)]| {
            complete_details(&kind, &details(pairs), None)
                .unwrap_err()
                .0
                .message
        };
        assert_eq!(
            missing(
                IdentityProviderTypeType::FACEBOOK,
                &[("client_id", "a"), ("authorize_scopes", "email")]
            ),
            "client_secret is required for a Facebook identity provider."
        );
        assert!(missing(
            IdentityProviderTypeType::OIDC,
            &[
                ("client_id", "a"),
                ("authorize_scopes", "openid"),
                ("attributes_request_method", "GET")
            ]
        )
        .contains("oidc_issuer"));
        assert!(missing(
            IdentityProviderTypeType::OIDC,
            &[
                ("client_id", "a"),
                ("authorize_scopes", "email"),
                ("attributes_request_method", "GET"),
                ("oidc_issuer", "https://idp.example.com")
            ]
        )
        .contains("openid"));
        assert!(
            missing(IdentityProviderTypeType::SAML, &[("IDPInit", "true")])
                .contains("MetadataFile")
        );
        assert!(missing(
            IdentityProviderTypeType::GOOGLE,
            &[
                ("client_id", "a"),
                ("client_secret", "b"),
                ("authorize_scopes", "openid"),
                ("team_id", "x")
            ]
        )
        .contains("team_id is not a valid"));
    }

    #[test]
    fn social_names_are_their_types() {
        assert!(check_name("Google", &IdentityProviderTypeType::GOOGLE).is_ok());
        assert!(check_name("MyGoogle", &IdentityProviderTypeType::GOOGLE).is_err());
        assert!(check_name("Cognito", &IdentityProviderTypeType::OIDC).is_err());
        assert!(check_name("Okta", &IdentityProviderTypeType::OIDC).is_ok());
    }
}
