//! App clients: Create/Describe/Update/List/DeleteUserPoolClient. The client secret is
//! stored sealed (see `SecretBox`), everything else as the client's `UserPoolClientType`.

use crate::clock::now;
use crate::crypto::secret_box::Purpose;
use crate::error::{fail, invalid, not_found, required, Error, Result};
use crate::operations::operation;
use crate::pools::pool::load as load_pool;
use crate::pools::{branding, resource_server, schema};
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use crate::{ids, pagination};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::client::{self, ClientRow};
use cognate_store::records::pool_object::{self, Kind};
use cognate_store::records::PageRequest;
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

operation!(CreateUserPoolClient => Service::create_user_pool_client);
operation!(DeleteUserPoolClient => Service::delete_user_pool_client);
operation!(DescribeUserPoolClient => Service::describe_user_pool_client);
operation!(ListUserPoolClients => Service::list_user_pool_clients);
operation!(UpdateUserPoolClient => Service::update_user_pool_client);

/// What is stored of a client: its description without the secret, and the secret sealed.
#[derive(Serialize, Deserialize)]
pub(crate) struct ClientDoc {
    pub(crate) client: UserPoolClientType,
    /// The client's first secret, sealed (the one DescribeUserPoolClient answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sealed_secret: Option<String>,
    /// Its ClientSecretId and creation time (absent in documents written before
    /// AddUserPoolClientSecret: see [`ClientDoc::secrets`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_created: Option<f64>,
    /// The other active secrets (AddUserPoolClientSecret: two at most in all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more_secrets: Vec<SecretEntry>,
}

/// One of a client's secrets, sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SecretEntry {
    pub(crate) id: String,
    pub(crate) sealed: String,
    pub(crate) created: f64,
}

impl ClientDoc {
    pub(crate) fn new(client: UserPoolClientType, sealed_secret: Option<String>) -> ClientDoc {
        let created = client.creation_date;
        ClientDoc {
            client,
            secret_id: sealed_secret
                .as_ref()
                .map(|_| uuid::Uuid::new_v4().to_string()),
            secret_created: sealed_secret.as_ref().and(created),
            sealed_secret,
            more_secrets: Vec::new(),
        }
    }

    /// The client's secrets, the first first.
    pub(crate) fn secrets(&self) -> Vec<SecretEntry> {
        let Some(sealed) = &self.sealed_secret else {
            return Vec::new();
        };
        let client_id = self.client.client_id.as_deref().unwrap_or_default();
        let first = SecretEntry {
            // A document from before secrets had ids: one derived from the client's.
            id: self.secret_id.clone().unwrap_or_else(|| {
                let digest = sha2::Sha256::digest(format!("client-secret:{client_id}"));
                uuid::Builder::from_random_bytes(digest[..16].try_into().unwrap_or_default())
                    .into_uuid()
                    .to_string()
            }),
            sealed: sealed.clone(),
            created: self
                .secret_created
                .or(self.client.creation_date)
                .unwrap_or_default(),
        };
        std::iter::once(first)
            .chain(self.more_secrets.iter().cloned())
            .collect()
    }

    /// Makes `secrets` the client's, the first first.
    pub(crate) fn set_secrets(&mut self, mut secrets: Vec<SecretEntry>) {
        if secrets.is_empty() {
            self.sealed_secret = None;
            self.secret_id = None;
            self.secret_created = None;
            self.more_secrets.clear();
            return;
        }
        let first = secrets.remove(0);
        self.sealed_secret = Some(first.sealed);
        self.secret_id = Some(first.id);
        self.secret_created = Some(first.created);
        self.more_secrets = secrets;
    }
}

pub(crate) const STANDARD_SCOPES: &[&str] = &[
    "phone",
    "email",
    "openid",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// The settings CreateUserPoolClient and UpdateUserPoolClient share; left out, each
/// returns to its default.
#[derive(Clone, Default)]
struct Settings {
    refresh_token_validity: Option<i32>,
    access_token_validity: Option<i32>,
    id_token_validity: Option<i32>,
    token_validity_units: Option<TokenValidityUnitsType>,
    read_attributes: Option<Vec<String>>,
    write_attributes: Option<Vec<String>>,
    explicit_auth_flows: Option<Vec<ExplicitAuthFlowsType>>,
    supported_identity_providers: Option<Vec<String>>,
    callback_urls: Option<Vec<String>>,
    logout_urls: Option<Vec<String>>,
    default_redirect_uri: Option<String>,
    allowed_o_auth_flows: Option<Vec<OAuthFlowType>>,
    allowed_o_auth_scopes: Option<Vec<String>>,
    allowed_o_auth_flows_user_pool_client: Option<bool>,
    analytics_configuration: Option<AnalyticsConfigurationType>,
    prevent_user_existence_errors: Option<PreventUserExistenceErrorTypes>,
    enable_token_revocation: Option<bool>,
    enable_propagate_additional_user_context_data: Option<bool>,
    auth_session_validity: Option<i32>,
    refresh_token_rotation: Option<RefreshTokenRotationType>,
}

/// `value` in TokenValidityUnits' `unit`, as seconds.
pub(crate) fn seconds(value: i64, unit: &TimeUnitsType) -> i64 {
    match unit {
        u if *u == TimeUnitsType::SECONDS => value,
        u if *u == TimeUnitsType::MINUTES => value * 60,
        u if *u == TimeUnitsType::HOURS => value * 3600,
        _ => value * 86400,
    }
}

/// Token validity: AWS's ranges (access and ID tokens 5 minutes to 1 day, refresh tokens
/// 60 minutes to 10 years, and neither access nor ID token outliving the refresh token).
fn check_validity(s: &Settings) -> Result<()> {
    let units = s.token_validity_units.clone().unwrap_or_default();
    let access = seconds(
        s.access_token_validity.unwrap_or(60).into(),
        units
            .access_token
            .as_ref()
            .unwrap_or(if s.access_token_validity.is_some() {
                &TimeUnitsType::HOURS
            } else {
                &TimeUnitsType::MINUTES
            }),
    );
    let id = seconds(
        s.id_token_validity.unwrap_or(60).into(),
        units
            .id_token
            .as_ref()
            .unwrap_or(if s.id_token_validity.is_some() {
                &TimeUnitsType::HOURS
            } else {
                &TimeUnitsType::MINUTES
            }),
    );
    let refresh = seconds(
        i64::from(s.refresh_token_validity.filter(|v| *v != 0).unwrap_or(30)),
        units.refresh_token.as_ref().unwrap_or(&TimeUnitsType::DAYS),
    );
    let short_ok = |v: i64| (300..=86_400).contains(&v);
    if !short_ok(access)
        || !short_ok(id)
        || !(3_600..=315_360_000).contains(&refresh)
        || access > refresh
        || id > refresh
    {
        return Err(invalid("Invalid range for token validity."));
    }
    Ok(())
}

fn check_auth_flows(flows: &[ExplicitAuthFlowsType]) -> Result<()> {
    let modern = flows
        .iter()
        .filter(|f| f.as_str().starts_with("ALLOW_"))
        .count();
    if modern != 0 && modern != flows.len() {
        return Err(invalid(
            "ExplicitAuthFlows values with the ALLOW_ prefix cannot be used along with values without it.",
        ));
    }
    // AWS: ALLOW_CLIENT_TOKEN_AUTH (GetClientToken) must be the client's only flow.
    if flows.contains(&ExplicitAuthFlowsType::ALLOW_CLIENT_TOKEN_AUTH) && flows.len() > 1 {
        return Err(invalid(
            "ALLOW_CLIENT_TOKEN_AUTH cannot be used along with other authentication flows.",
        ));
    }
    Ok(())
}

/// HTTPS, or plain HTTP to localhost or a loopback address, or an app scheme; absolute
/// and without a fragment.
fn check_redirect_url(url: &str, what: &str) -> Result<()> {
    let bad = || {
        invalid(format!("{what} {url} is not valid: it must be an absolute HTTPS URL (HTTP only for localhost) without a fragment."))
    };
    if url.contains('#') {
        return Err(bad());
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad());
    };
    match scheme.to_ascii_lowercase().as_str() {
        "https" => (!rest.is_empty()).then_some(()).ok_or_else(bad),
        "http" => {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            });
            if host == "localhost" || host == "127.0.0.1" || host == "[::1]" {
                Ok(())
            } else {
                Err(bad())
            }
        }
        s if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(bad()),
    }
}

fn check_oauth(conn: &mut dyn Conn, pool_id: &str, s: &Settings, has_secret: bool) -> Result<()> {
    let flows = s.allowed_o_auth_flows.clone().unwrap_or_default();
    let scopes = s.allowed_o_auth_scopes.clone().unwrap_or_default();
    let callbacks = s.callback_urls.clone().unwrap_or_default();
    for url in &callbacks {
        check_redirect_url(url, "CallbackURL")?;
    }
    for url in s.logout_urls.iter().flatten() {
        check_redirect_url(url, "LogoutURL")?;
    }
    if let Some(default) = &s.default_redirect_uri {
        check_redirect_url(default, "DefaultRedirectURI")?;
        if !callbacks.contains(default) {
            return Err(invalid(
                "DefaultRedirectURI must be one of the CallbackURLs.",
            ));
        }
    }
    for scope in &scopes {
        if STANDARD_SCOPES.contains(&scope.as_str()) {
            continue;
        }
        let known = match scope.rsplit_once('/') {
            Some((server, name)) => resource_server::has_scope(conn, pool_id, server, name)?,
            None => false,
        };
        if !known {
            return Err(fail(
                ErrorCode::ScopeDoesNotExistException,
                format!("Invalid scope requested: {scope}"),
            ));
        }
    }
    for provider in s.supported_identity_providers.iter().flatten() {
        if provider != "COGNITO"
            && pool_object::get(conn, pool_id, Kind::IdentityProvider, provider)?.is_none()
        {
            return Err(invalid(format!(
                "The provider {provider} does not exist for User Pool {pool_id}"
            )));
        }
    }
    if s.allowed_o_auth_flows_user_pool_client == Some(true) {
        if flows.is_empty() || scopes.is_empty() {
            return Err(invalid(
                "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
            ));
        }
        let client_credentials = flows.contains(&OAuthFlowType::CLIENT_CREDENTIALS);
        if client_credentials && flows.len() > 1 {
            return Err(fail(
                ErrorCode::InvalidOAuthFlowException,
                "client_credentials flow can not be selected along with code flow or implicit flow.",
            ));
        }
        if client_credentials && !has_secret {
            return Err(fail(
                ErrorCode::InvalidOAuthFlowException,
                "client_credentials flow can not be selected if client does not have a client secret.",
            ));
        }
        if !client_credentials && callbacks.is_empty() {
            return Err(fail(
                ErrorCode::InvalidOAuthFlowException,
                "CallbackUrls can not be empty when code flow or implicit flow is selected",
            ));
        }
    }
    Ok(())
}

fn check_attributes(pool: &UserPoolType, s: &Settings, verb: &str) -> Result<()> {
    let schema = pool.schema_attributes.clone().unwrap_or_default();
    for (list, kind) in [(&s.read_attributes, "read"), (&s.write_attributes, "write")] {
        for name in list.iter().flatten() {
            if !schema::has_attribute(&schema, name) {
                return Err(invalid(format!(
                    "Invalid {kind} attributes specified while {verb} a client"
                )));
            }
        }
    }
    Ok(())
}

/// Builds the client description from `s`, keeping identity fields of `base`.
fn apply(base: UserPoolClientType, s: Settings) -> UserPoolClientType {
    UserPoolClientType {
        refresh_token_validity: Some(s.refresh_token_validity.filter(|v| *v != 0).unwrap_or(30)),
        access_token_validity: s.access_token_validity,
        id_token_validity: s.id_token_validity,
        token_validity_units: Some(s.token_validity_units.unwrap_or_default()),
        read_attributes: s.read_attributes.filter(|v| !v.is_empty()),
        write_attributes: s.write_attributes.filter(|v| !v.is_empty()),
        explicit_auth_flows: s.explicit_auth_flows.filter(|v| !v.is_empty()),
        supported_identity_providers: s.supported_identity_providers.filter(|v| !v.is_empty()),
        callback_urls: s.callback_urls.filter(|v| !v.is_empty()),
        logout_urls: s.logout_urls.filter(|v| !v.is_empty()),
        default_redirect_uri: s.default_redirect_uri,
        allowed_o_auth_flows: s.allowed_o_auth_flows.filter(|v| !v.is_empty()),
        allowed_o_auth_scopes: s.allowed_o_auth_scopes.filter(|v| !v.is_empty()),
        allowed_o_auth_flows_user_pool_client: Some(
            s.allowed_o_auth_flows_user_pool_client.unwrap_or(false),
        ),
        analytics_configuration: s.analytics_configuration,
        prevent_user_existence_errors: s.prevent_user_existence_errors,
        enable_token_revocation: Some(s.enable_token_revocation.unwrap_or(true)),
        enable_propagate_additional_user_context_data: Some(
            s.enable_propagate_additional_user_context_data
                .unwrap_or(false),
        ),
        auth_session_validity: Some(s.auth_session_validity.unwrap_or(3)),
        refresh_token_rotation: s.refresh_token_rotation,
        ..base
    }
}

/// A client ready to be stored.
pub(crate) struct NewClient {
    pub row: ClientRow,
    pub client: UserPoolClientType,
    settings: Settings,
    pub secret: Option<String>,
}

/// Checks what needs the store (the pool, its attributes, scopes and providers) and
/// stores the client.
pub(crate) fn insert_client(c: &mut dyn Conn, new: &NewClient) -> Result<()> {
    let pool_id = &new.row.pool_id;
    let (_, pool) = load_pool(c, pool_id)?;
    check_attributes(&pool, &new.settings, "creating")?;
    check_oauth(c, pool_id, &new.settings, new.secret.is_some())?;
    client::insert(c, &new.row)?;
    Ok(())
}

pub fn not_found_message(client_id: &str) -> String {
    format!("User pool client {client_id} does not exist.")
}

/// The client `client_id` of pool `pool_id`, or ResourceNotFoundException.
pub(crate) fn load(
    conn: &mut dyn Conn,
    pool_id: &str,
    client_id: &str,
) -> Result<(ClientRow, ClientDoc)> {
    load_pool(conn, pool_id)?;
    let row = client::get(conn, client_id)?
        .filter(|r| r.pool_id == pool_id)
        .ok_or_else(|| not_found(not_found_message(client_id)))?;
    let doc: ClientDoc = from_doc(&row.doc)?;
    Ok((row, doc))
}

/// Nothing if `client_id` is a client of pool `pool_id`; else ResourceNotFoundException
/// (for the pool first).
pub(crate) fn ensure_exists(conn: &mut dyn Conn, pool_id: &str, client_id: &str) -> Result<()> {
    load(conn, pool_id, client_id).map(|_| ())
}

/// A client as sign-in needs it: its pool, its settings and its secret, opened.
#[derive(Clone)]
pub(crate) struct AuthClient {
    pub pool_id: String,
    pub client: UserPoolClientType,
    pub secret: Option<String>,
    /// Where the sign-in request came from (the peer, or an admin call's ContextData).
    pub source_ip: Option<String>,
    /// The request's ClientMetadata, for the triggers AWS passes it to.
    pub client_metadata: Option<std::collections::BTreeMap<String, String>>,
    /// The client's own hosted sign-in page is signing the user in: the tokens of
    /// its steps only start the page's session (the app's come from its code).
    pub hosted: bool,
    /// PreAuthentication has run for this sign-in already (a USER_AUTH sign-in
    /// going on to its password).
    pub pre_authenticated: bool,
    /// The client's other active secrets (AddUserPoolClientSecret), opened: each is
    /// accepted as `secret` is.
    pub other_secrets: Vec<String>,
}

impl AuthClient {
    /// Whether `given` is one of the client's secrets (in constant time each). A
    /// client whose `secret` is None asks for none.
    pub(crate) fn secret_matches(&self, given: &[u8]) -> bool {
        self.secret_candidates()
            .any(|s| crate::crypto::srp::constant_time_eq(given, s.as_bytes()))
    }

    /// The secrets a caller may prove: none when the client asks for none.
    pub(crate) fn secret_candidates(&self) -> impl Iterator<Item = &String> {
        let others: &[String] = if self.secret.is_some() {
            &self.other_secrets
        } else {
            &[]
        };
        self.secret.iter().chain(others.iter())
    }
}

/// The client a sign-in request names, with its secret still sealed; None if unknown.
pub(crate) fn load_for_auth(
    conn: &mut dyn Conn,
    client_id: &str,
) -> Result<Option<(String, UserPoolClientType, Vec<String>)>> {
    let Some(row) = client::get(conn, client_id)? else {
        return Ok(None);
    };
    let doc: ClientDoc = from_doc(&row.doc)?;
    let sealed = doc.secrets().into_iter().map(|s| s.sealed).collect();
    Ok(Some((row.pool_id, doc.client, sealed)))
}

impl Service {
    /// Opens the sealed secret of a client loaded by `load_for_auth`.
    pub(crate) fn auth_client(
        &self,
        loaded: (String, UserPoolClientType, Vec<String>),
    ) -> Result<AuthClient> {
        let (pool_id, client, sealed) = loaded;
        let mut opened = Vec::with_capacity(sealed.len());
        for s in &sealed {
            opened.push(
                self.secrets()
                    .open(Purpose::ClientSecret, s)
                    .ok_or_else(|| {
                        crate::error::internal(
                            "a client secret cannot be opened with this master key",
                        )
                    })?,
            );
        }
        let mut opened = opened.into_iter();
        let secret = opened.next();
        Ok(AuthClient {
            pool_id,
            client,
            secret,
            other_secrets: opened.collect(),
            source_ip: None,
            client_metadata: None,
            hosted: false,
            pre_authenticated: false,
        })
    }

    /// The client as AWS describes it: with its secret, opened.
    fn reveal(&self, doc: ClientDoc) -> Result<UserPoolClientType> {
        let mut client = doc.client;
        if let Some(sealed) = doc.sealed_secret {
            let secret = self
                .secrets()
                .open(Purpose::ClientSecret, &sealed)
                .ok_or_else(|| {
                    crate::error::internal("a client secret cannot be opened with this master key")
                })?;
            client.client_secret = Some(secret);
        }
        Ok(client)
    }

    pub(crate) async fn create_user_pool_client(
        &self,
        input: CreateUserPoolClientRequest,
    ) -> Result<CreateUserPoolClientResponse> {
        let new = self.build_client(ids::client_id(), input)?;
        let response = CreateUserPoolClientResponse {
            user_pool_client: Some(UserPoolClientType {
                client_secret: new.secret.clone(),
                ..new.client.clone()
            }),
        };
        self.store().write(move |c| insert_client(c, &new)).await?;
        Ok(response)
    }

    /// A new client from a CreateUserPoolClient input, checked as far as it can be
    /// without the store (see `insert_client` for the rest).
    pub(crate) fn build_client(
        &self,
        client_id: String,
        input: CreateUserPoolClientRequest,
    ) -> Result<NewClient> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let name = required(&input.client_name, "clientName")?.clone();
        let secret = match (input.generate_secret.unwrap_or(false), &input.client_secret) {
            (_, Some(given)) => Some(given.clone()),
            (true, None) => Some(ids::client_secret()),
            (false, None) => None,
        };
        let settings = Settings {
            refresh_token_validity: input.refresh_token_validity,
            access_token_validity: input.access_token_validity,
            id_token_validity: input.id_token_validity,
            token_validity_units: input.token_validity_units,
            read_attributes: input.read_attributes,
            write_attributes: input.write_attributes,
            explicit_auth_flows: input.explicit_auth_flows,
            supported_identity_providers: input.supported_identity_providers,
            callback_urls: input.callback_urls,
            logout_urls: input.logout_urls,
            default_redirect_uri: input.default_redirect_uri,
            allowed_o_auth_flows: input.allowed_o_auth_flows,
            allowed_o_auth_scopes: input.allowed_o_auth_scopes,
            allowed_o_auth_flows_user_pool_client: input.allowed_o_auth_flows_user_pool_client,
            analytics_configuration: input.analytics_configuration,
            prevent_user_existence_errors: input.prevent_user_existence_errors,
            enable_token_revocation: input.enable_token_revocation,
            enable_propagate_additional_user_context_data: input
                .enable_propagate_additional_user_context_data,
            auth_session_validity: input.auth_session_validity,
            refresh_token_rotation: input.refresh_token_rotation,
        };
        check_validity(&settings)?;
        check_auth_flows(settings.explicit_auth_flows.as_deref().unwrap_or(&[]))?;
        let t = now();
        let client = apply(
            UserPoolClientType {
                user_pool_id: Some(pool_id.clone()),
                client_name: Some(name.clone()),
                client_id: Some(client_id.clone()),
                creation_date: Some(t),
                last_modified_date: Some(t),
                ..Default::default()
            },
            settings.clone(),
        );
        let doc = ClientDoc::new(
            client.clone(),
            secret
                .as_deref()
                .map(|s| self.secrets().seal(Purpose::ClientSecret, s)),
        );
        let row = ClientRow {
            client_id,
            pool_id: pool_id.clone(),
            name,
            created_at: t,
            doc: to_doc(&doc)?,
        };
        Ok(NewClient {
            row,
            client,
            settings,
            secret,
        })
    }

    pub(crate) async fn describe_user_pool_client(
        &self,
        input: DescribeUserPoolClientRequest,
    ) -> Result<DescribeUserPoolClientResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let (_, doc) = self
            .store()
            .read(move |c| load(c, &pool_id, &client_id))
            .await?;
        Ok(DescribeUserPoolClientResponse {
            user_pool_client: Some(self.reveal(doc)?),
        })
    }

    pub(crate) async fn update_user_pool_client(
        &self,
        input: UpdateUserPoolClientRequest,
    ) -> Result<UpdateUserPoolClientResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        let name = input.client_name.clone();
        let settings = Settings {
            refresh_token_validity: input.refresh_token_validity,
            access_token_validity: input.access_token_validity,
            id_token_validity: input.id_token_validity,
            token_validity_units: input.token_validity_units,
            read_attributes: input.read_attributes,
            write_attributes: input.write_attributes,
            explicit_auth_flows: input.explicit_auth_flows,
            supported_identity_providers: input.supported_identity_providers,
            callback_urls: input.callback_urls,
            logout_urls: input.logout_urls,
            default_redirect_uri: input.default_redirect_uri,
            allowed_o_auth_flows: input.allowed_o_auth_flows,
            allowed_o_auth_scopes: input.allowed_o_auth_scopes,
            allowed_o_auth_flows_user_pool_client: input.allowed_o_auth_flows_user_pool_client,
            analytics_configuration: input.analytics_configuration,
            prevent_user_existence_errors: input.prevent_user_existence_errors,
            enable_token_revocation: input.enable_token_revocation,
            enable_propagate_additional_user_context_data: input
                .enable_propagate_additional_user_context_data,
            auth_session_validity: input.auth_session_validity,
            refresh_token_rotation: input.refresh_token_rotation,
        };
        check_validity(&settings)?;
        check_auth_flows(settings.explicit_auth_flows.as_deref().unwrap_or(&[]))?;
        let doc = self
            .store()
            .write(move |c| {
                let (mut row, doc) = load(c, &pool_id, &client_id)?;
                let (_, pool) = load_pool(c, &pool_id)?;
                check_attributes(&pool, &settings, "updating")?;
                check_oauth(c, &pool_id, &settings, doc.sealed_secret.is_some())?;
                let mut client = apply(doc.client, settings.clone());
                if let Some(name) = &name {
                    client.client_name = Some(name.clone());
                    row.name = name.clone();
                }
                client.last_modified_date = Some(now());
                let doc = ClientDoc { client, ..doc };
                row.doc = to_doc(&doc)?;
                client::update(c, &row)?;
                Ok::<ClientDoc, Error>(doc)
            })
            .await?;
        Ok(UpdateUserPoolClientResponse {
            user_pool_client: Some(self.reveal(doc)?),
        })
    }

    pub(crate) async fn list_user_pool_clients(
        &self,
        input: ListUserPoolClientsRequest,
    ) -> Result<ListUserPoolClientsResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let page = PageRequest {
            after: pagination::decode(input.next_token.as_ref())?,
            limit: pagination::limit(input.max_results, 60),
        };
        let page = self
            .store()
            .read(move |c| {
                load_pool(c, &pool_id)?;
                client::list(c, &pool_id, &page).map_err(Error::from)
            })
            .await?;
        Ok(ListUserPoolClientsResponse {
            user_pool_clients: Some(
                page.items
                    .into_iter()
                    .map(|r| UserPoolClientDescription {
                        client_id: Some(r.client_id),
                        user_pool_id: Some(r.pool_id),
                        client_name: Some(r.name),
                    })
                    .collect(),
            ),
            next_token: page.next.as_deref().map(pagination::encode),
        })
    }

    pub(crate) async fn delete_user_pool_client(
        &self,
        input: DeleteUserPoolClientRequest,
    ) -> Result<cognate_api::Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let client_id = required(&input.client_id, "clientId")?.clone();
        self.store()
            .write(move |c| {
                load(c, &pool_id, &client_id)?;
                branding::forget_client(c, &pool_id, &client_id)?;
                client::delete(c, &client_id)?;
                Ok::<(), Error>(())
            })
            .await?;
        Ok(cognate_api::Empty {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_follow_aws_rules() {
        assert!(check_redirect_url("https://example.com/cb", "CallbackURL").is_ok());
        assert!(check_redirect_url("http://localhost:3000/cb", "CallbackURL").is_ok());
        assert!(check_redirect_url("myapp://signin", "CallbackURL").is_ok());
        assert!(check_redirect_url("http://example.com/cb", "CallbackURL").is_err());
        assert!(check_redirect_url("https://example.com/#x", "CallbackURL").is_err());
        assert!(check_redirect_url("example.com", "CallbackURL").is_err());
    }

    #[test]
    fn token_validity_is_checked_in_its_units() {
        let ok = Settings {
            access_token_validity: Some(5),
            token_validity_units: Some(TokenValidityUnitsType {
                access_token: Some(TimeUnitsType::MINUTES),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(check_validity(&ok).is_ok());
        let short = Settings {
            access_token_validity: Some(4),
            token_validity_units: ok.token_validity_units.clone(),
            ..Default::default()
        };
        assert!(check_validity(&short).is_err());
        let long_refresh = Settings {
            refresh_token_validity: Some(36500),
            ..Default::default()
        };
        assert!(check_validity(&long_refresh).is_err());
        assert!(check_validity(&Settings::default()).is_ok());
    }
}
