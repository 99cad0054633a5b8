//! A sign-in's family (its session): the refresh token stored only as a hash, and what
//! the family's ID and access tokens carry.

use super::*;
use crate::clock::now;
use crate::error::Result;
use crate::messages::codes;
use crate::pools::PoolView;
use crate::stored::{from_doc, to_doc};
use crate::users::UserDoc;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use cognate_api::types::*;
use cognate_store::records::auth::{self, RefreshTokenRow};
use cognate_store::records::pool_object::{self, Kind};
use cognate_store::records::user::UserRow;
use cognate_store::records::{group_member, PageRequest};
use cognate_store::Conn;
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// What a refresh token's row keeps of its sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FamilyDoc {
    pub auth_time: i64,
    pub event_id: String,
    /// The user's sub when the session started (a user deleted and created again under
    /// the same name does not inherit it).
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<f64>,
    /// The device the session was started on (a remembered one, or the key handed out
    /// as NewDeviceMetadata), when the pool tracks devices: its tokens carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<String>,
    /// The scopes granted through the OAuth endpoints (space-separated); a sign-in
    /// through the API has none and its tokens carry the API's scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The device side of a sign-in, for a pool that tracks devices.
#[derive(Debug, Clone, Default)]
pub struct SignInDevice {
    /// A device of the user's that the sign-in proved (DEVICE_SRP_AUTH), or named.
    pub key: Option<String>,
    /// Where the sign-in came from, kept as the device's last IP.
    pub ip: Option<String>,
}

/// One sign-in to turn into tokens.
pub struct Grant {
    pub pool_id: String,
    pub pool_created: f64,
    pub client: UserPoolClientType,
    pub username: String,
    pub sub: String,
    pub attributes: Vec<AttributeType>,
    pub groups: Vec<GroupType>,
    pub family_id: String,
    pub auth_time: i64,
    pub event_id: String,
    /// A new refresh token to hand out with the others.
    pub refresh_token: Option<String>,
    /// The session's device (the access token's `device_key` claim).
    pub device_key: Option<String>,
    /// The device key is new: answer it as NewDeviceMetadata.
    pub new_device: bool,
    /// The access token's `scope` (None: the API's, `aws.cognito.signin.user.admin`).
    pub scope: Option<String>,
    /// The user's status (the triggers' `cognito:user_status`).
    pub status: String,
    /// The pool's triggers, for PostAuthentication and PreTokenGeneration.
    pub lambda: Option<LambdaConfigType>,
    /// What the tokens are for, as PreTokenGeneration's triggerSource names it; None
    /// when they are not handed to an app (the hosted page's own steps, whose app gets
    /// its tokens from its code).
    pub source: Option<TokenSource>,
    /// A user has just proven who they are: PostAuthentication is called.
    pub post_authentication: bool,
    /// The request's ClientMetadata, for those triggers.
    pub client_metadata: Option<std::collections::BTreeMap<String, String>>,
    /// The pool records sign-in events (threat protection), and where the sign-in came
    /// from.
    pub records_events: bool,
    pub ip: Option<String>,
}

/// What tokens are issued for (PreTokenGeneration's trigger sources).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    HostedAuth,
    Authentication,
    NewPasswordChallenge,
    AuthenticateDevice,
    RefreshTokens,
}

impl TokenSource {
    pub fn trigger_source(self) -> &'static str {
        match self {
            TokenSource::HostedAuth => "TokenGeneration_HostedAuth",
            TokenSource::Authentication => "TokenGeneration_Authentication",
            TokenSource::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            TokenSource::AuthenticateDevice => "TokenGeneration_AuthenticateDevice",
            TokenSource::RefreshTokens => "TokenGeneration_RefreshTokens",
        }
    }
}

/// A new opaque refresh token value.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    B64URL.encode(bytes)
}

pub fn hash(token: &str) -> String {
    codes::hash(token)
}

/// The user's groups, for the `cognito:groups` claims (sorted by precedence, then name).
pub fn groups_of(conn: &mut dyn Conn, pool_id: &str, username_key: &str) -> Result<Vec<GroupType>> {
    let names = group_member::groups_of(
        conn,
        pool_id,
        username_key,
        &PageRequest {
            after: None,
            limit: 10_000,
        },
    )?;
    let mut groups = Vec::with_capacity(names.items.len());
    for name in &names.items {
        if let Some(row) = pool_object::get(conn, pool_id, Kind::Group, name)? {
            groups.push(from_doc::<GroupType>(&row.doc)?);
        }
    }
    groups.sort_by_key(|g| g.precedence.unwrap_or(i32::MAX));
    Ok(groups)
}

/// Starts a family for a successful sign-in: stores its refresh token (by hash) and
/// clears the user's failed attempts. Runs inside the sign-in's write.
pub fn start_family(
    conn: &mut dyn Conn,
    pool: &PoolView,
    client: &UserPoolClientType,
    row: &UserRow,
    doc: &UserDoc,
    device: &SignInDevice,
) -> Result<Grant> {
    start_scoped_family(conn, pool, client, row, doc, device, None)
}

/// As [`start_family`], for a sign-in through the OAuth endpoints: the family's tokens
/// carry `scope` (the scopes granted at `/oauth2/authorize`), refreshed ones too.
pub fn start_scoped_family(
    conn: &mut dyn Conn,
    pool: &PoolView,
    client: &UserPoolClientType,
    row: &UserRow,
    doc: &UserDoc,
    device: &SignInDevice,
    scope: Option<String>,
) -> Result<Grant> {
    let t = now();
    // A pool that tracks devices names the session's device: the one the sign-in
    // used, or a new key for the client to confirm.
    let (device_key, new_device) = match (&pool.pool.device_configuration, &device.key) {
        (None, _) => (None, false),
        (Some(_), Some(key)) => {
            crate::auth::device_signed_in(conn, &pool.id, &row.username_key, key, device, t)?;
            (Some(key.clone()), false)
        }
        (Some(_), None) => (Some(new_device_key(&pool.id)), true),
    };
    // Where the pool tracks sessions, the user's oldest go beyond its MaxPerUser.
    crate::pools::session_config::evict_sessions(conn, &pool.id, &row.username_key)?;
    let family_id = uuid::Uuid::new_v4().to_string();
    let refresh_token = new_refresh_token();
    let auth_time = t as i64;
    let event_id = uuid::Uuid::new_v4().to_string();
    let client_id = client.client_id.clone().unwrap_or_default();
    let v = validity(client);
    auth::insert_refresh_token(
        conn,
        &RefreshTokenRow {
            token_hash: hash(&refresh_token),
            pool_id: pool.id.clone(),
            username_key: row.username_key.clone(),
            client_id,
            family_id: family_id.clone(),
            created_at: t,
            expires_at: t + v.refresh as f64,
            revoked_at: None,
            doc: to_doc(&FamilyDoc {
                auth_time,
                event_id: event_id.clone(),
                sub: row.sub.clone(),
                last_active: None,
                device_key: device_key.clone(),
                scope: scope.clone(),
            })?,
        },
    )?;
    auth::clear_failures(conn, &pool.id, &row.username_key)?;
    Ok(Grant {
        pool_id: pool.id.clone(),
        pool_created: pool.pool.creation_date.unwrap_or_default(),
        client: client.clone(),
        username: row.username.clone(),
        sub: row.sub.clone(),
        attributes: doc.attributes.clone(),
        groups: groups_of(conn, &pool.id, &row.username_key)?,
        family_id,
        auth_time,
        event_id,
        refresh_token: Some(refresh_token),
        device_key,
        new_device,
        scope,
        status: row.status.to_string(),
        lambda: pool.pool.lambda_config.clone(),
        source: None,
        post_authentication: false,
        client_metadata: None,
        records_events: crate::users::threat_protection(&pool.pool),
        ip: device.ip.clone(),
    })
}

/// A new device key as Cognito writes them: `<region>_<uuid>`.
pub fn new_device_key(pool_id: &str) -> String {
    let region = pool_id.split_once('_').map_or("", |(r, _)| r);
    format!("{region}_{}", uuid::Uuid::new_v4())
}
