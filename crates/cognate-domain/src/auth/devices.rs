//! A user's remembered devices: ConfirmDevice registers the device a sign-in named
//! (its key, name and SRP verifier and salt, which are kept and never answered);
//! Get/List/Forget/UpdateDeviceStatus with the user's access token, and their Admin
//! twins. Whether a new device starts remembered follows the pool's
//! DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt.
//!
//! A device key is handed out as NewDeviceMetadata by a sign-in in a pool that tracks
//! devices and rides in that session's access token (`device_key`): ConfirmDevice
//! takes only the key of the token it is called with. The device group key is not
//! stored: it is a keyed hash of the pool and the user's sub, the same for each of a
//! user's devices.

use crate::clock::now;
use crate::error::{fail, required, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use cognate_api::types::*;
use cognate_api::{Empty, ErrorCode};
use cognate_store::records::user::UserRow;
use cognate_store::records::{device, PageRequest};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};

operation!(ConfirmDevice => Service::confirm_device, with_context);
operation!(GetDevice => Service::get_device);
operation!(AdminGetDevice => Service::admin_get_device);
operation!(ListDevices => Service::list_devices);
operation!(AdminListDevices => Service::admin_list_devices);
operation!(ForgetDevice => Service::forget_device);
operation!(AdminForgetDevice => Service::admin_forget_device);
operation!(UpdateDeviceStatus => Service::update_device_status);
operation!(AdminUpdateDeviceStatus => Service::admin_update_device_status);

/// AWS's largest (and default) page of devices.
const MAX_DEVICES: usize = 60;

/// A device as stored (`devices.doc`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeviceDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// The device's SRP verifier and salt, as the client computed them.
    verifier: String,
    salt: String,
    remembered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_ip: Option<String>,
    created: f64,
    modified: f64,
    last_authenticated: f64,
}

/// What device SRP needs of a device: its verifier and salt (hex), and whether it
/// is remembered.
pub(super) struct DeviceSecret {
    pub(super) verifier_hex: String,
    pub(super) salt_hex: String,
    pub(super) remembered: bool,
}

fn base64_to_hex(value: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The user's device `key` as device SRP uses it, if they confirmed it.
pub(super) fn device_secret(
    c: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    key: &str,
) -> Result<Option<DeviceSecret>> {
    let Some(row) = device::get(c, pool_id, username_key, key)? else {
        return Ok(None);
    };
    let doc: DeviceDoc = from_doc(&row.doc)?;
    // ConfirmDevice checked both are base64.
    Ok(Some(DeviceSecret {
        verifier_hex: base64_to_hex(&doc.verifier).unwrap_or_default(),
        salt_hex: base64_to_hex(&doc.salt).unwrap_or_default(),
        remembered: doc.remembered,
    }))
}

/// Whether the user confirmed the device `key`.
pub(super) fn device_confirmed(
    c: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    key: &str,
) -> Result<bool> {
    Ok(device::get(c, pool_id, username_key, key)?.is_some())
}

/// A session started on the user's device `key`: its last sign-in and IP.
pub(crate) fn device_signed_in(
    c: &mut dyn Conn,
    pool_id: &str,
    username_key: &str,
    key: &str,
    sign_in: &crate::tokens::SignInDevice,
    at: f64,
) -> Result<()> {
    let Some(mut row) = device::get(c, pool_id, username_key, key)? else {
        return Ok(());
    };
    let mut doc: DeviceDoc = from_doc(&row.doc)?;
    doc.last_authenticated = at;
    if let Some(ip) = &sign_in.ip {
        doc.last_ip = Some(ip.clone());
    }
    row.doc = to_doc(&doc)?;
    device::put(c, &row)?;
    Ok(())
}

/// The device SRP exchange reports an unknown device in these words; AWS's clients
/// (amazon-cognito-identity-js) look for "device" in the message to forget their key.
pub(super) fn device_not_found() -> crate::error::Error {
    fail(
        ErrorCode::ResourceNotFoundException,
        "Device does not exist.",
    )
}

fn attribute(name: &str, value: &str) -> AttributeType {
    AttributeType {
        name: Some(name.to_string()),
        value: Some(value.to_string()),
    }
}

/// The API's description of a stored device; never its verifier or salt.
fn describe(row: device::DeviceRow) -> Result<DeviceType> {
    let doc: DeviceDoc = from_doc(&row.doc)?;
    let status = if doc.remembered {
        DeviceRememberedStatusType::REMEMBERED
    } else {
        DeviceRememberedStatusType::NOT_REMEMBERED
    };
    let mut attributes = vec![
        attribute("device_status", "valid"),
        attribute("device_remembered_status", status.as_str()),
    ];
    if let Some(name) = &doc.name {
        attributes.push(attribute("device_name", name));
    }
    if let Some(ip) = &doc.last_ip {
        attributes.push(attribute("last_ip_used", ip));
    }
    Ok(DeviceType {
        device_key: Some(row.device_key),
        device_attributes: Some(attributes),
        device_create_date: Some(doc.created),
        device_last_modified_date: Some(doc.modified),
        device_last_authenticated_date: Some(doc.last_authenticated),
    })
}

fn load(
    c: &mut dyn Conn,
    pool: &PoolView,
    user: &UserRow,
    key: &str,
) -> Result<(device::DeviceRow, DeviceDoc)> {
    let row = device::get(c, &pool.id, &user.username_key, key)?.ok_or_else(device_not_found)?;
    let doc = from_doc(&row.doc)?;
    Ok((row, doc))
}

fn get(c: &mut dyn Conn, pool: &PoolView, user: &UserRow, key: &str) -> Result<DeviceType> {
    let row = device::get(c, &pool.id, &user.username_key, key)?.ok_or_else(device_not_found)?;
    describe(row)
}

fn list(
    c: &mut dyn Conn,
    pool: &PoolView,
    user: &UserRow,
    page: &PageRequest,
) -> Result<(Vec<DeviceType>, Option<String>)> {
    let page = device::list(c, &pool.id, &user.username_key, page)?;
    let devices = page
        .items
        .into_iter()
        .map(describe)
        .collect::<Result<_>>()?;
    Ok((devices, page.next.as_deref().map(pagination::encode)))
}

fn page(limit: Option<i32>, token: Option<&String>) -> Result<PageRequest> {
    Ok(PageRequest {
        after: pagination::decode(token)?,
        limit: pagination::limit(limit, MAX_DEVICES).min(MAX_DEVICES),
    })
}

fn forget(c: &mut dyn Conn, pool: &PoolView, user: &UserRow, key: &str) -> Result<Empty> {
    if !device::delete(c, &pool.id, &user.username_key, key)? {
        return Err(device_not_found());
    }
    Ok(Empty {})
}

fn set_status(
    c: &mut dyn Conn,
    pool: &PoolView,
    user: &UserRow,
    key: &str,
    status: Option<&DeviceRememberedStatusType>,
) -> Result<()> {
    let (mut row, mut doc) = load(c, pool, user, key)?;
    if let Some(status) = status {
        doc.remembered = *status == DeviceRememberedStatusType::REMEMBERED;
    }
    doc.modified = now();
    row.doc = to_doc(&doc)?;
    device::put(c, &row)?;
    Ok(())
}

impl Service {
    /// The user's device group key: a keyed hash of the pool and the user's sub, as
    /// short as Cognito's (a dash and nine letters or digits).
    pub(crate) fn device_group_key(&self, pool_id: &str, sub: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let hash = self.secrets().keyed_hash(&["device-group", pool_id, sub]);
        let letters = crate::crypto::srp::hex_to_bytes(&hash)
            .iter()
            .take(9)
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect::<String>();
        format!("-{letters}")
    }

    pub(crate) async fn confirm_device(
        &self,
        ctx: &cognate_api::RequestContext,
        input: ConfirmDeviceRequest,
    ) -> Result<ConfirmDeviceResponse> {
        let ip = ctx.source_ip.clone();
        let token = required(&input.access_token, "accessToken")?;
        let key = required(&input.device_key, "deviceKey")?.clone();
        let config = input
            .device_secret_verifier_config
            .clone()
            .unwrap_or_default();
        let (verifier, salt) = match (config.password_verifier, config.salt) {
            (Some(v), Some(s))
                if base64_to_hex(&v).is_some_and(|h| !h.is_empty())
                    && base64_to_hex(&s).is_some_and(|h| !h.is_empty()) =>
            {
                (v, s)
            }
            _ => return Err(fail(
                ErrorCode::InvalidParameterException,
                "DeviceSecretVerifierConfig needs a PasswordVerifier and a Salt, each in base64.",
            )),
        };
        let name = input.device_name.clone();
        self.with_access_token(token, true, move |c, pool, row, _, claims| {
            // Only the key this session was handed (NewDeviceMetadata) can be confirmed.
            if claims.device_key.as_deref() != Some(key.as_str()) {
                return Err(fail(
                    ErrorCode::InvalidParameterException,
                    "The device key was not issued to this session.",
                ));
            }
            if device::get(c, &pool.id, &row.username_key, &key)?.is_some() {
                return Err(fail(
                    ErrorCode::DeviceKeyExistsException,
                    "Device key already exists.",
                ));
            }
            let prompt = pool
                .pool
                .device_configuration
                .as_ref()
                .and_then(|d| d.device_only_remembered_on_user_prompt)
                .unwrap_or(false);
            let at = now();
            let doc = DeviceDoc {
                name: name.clone(),
                verifier: verifier.clone(),
                salt: salt.clone(),
                remembered: !prompt,
                last_ip: ip.clone(),
                created: at,
                modified: at,
                last_authenticated: at,
            };
            device::put(
                c,
                &device::DeviceRow {
                    pool_id: pool.id.clone(),
                    username_key: row.username_key.clone(),
                    device_key: key.clone(),
                    created_at: at,
                    doc: to_doc(&doc)?,
                },
            )?;
            Ok(ConfirmDeviceResponse {
                user_confirmation_necessary: Some(prompt),
            })
        })
        .await
    }

    pub(crate) async fn get_device(&self, input: GetDeviceRequest) -> Result<GetDeviceResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let key = required(&input.device_key, "deviceKey")?.clone();
        let device = self
            .with_access_token(token, false, move |c, pool, row, _, _| {
                get(c, pool, &row, &key)
            })
            .await?;
        Ok(GetDeviceResponse {
            device: Some(device),
        })
    }

    pub(crate) async fn admin_get_device(
        &self,
        input: AdminGetDeviceRequest,
    ) -> Result<AdminGetDeviceResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let key = required(&input.device_key, "deviceKey")?.clone();
        let device = self
            .with_user(pool_id, username, false, move |c, pool, row, _| {
                get(c, pool, &row, &key)
            })
            .await?;
        Ok(AdminGetDeviceResponse {
            device: Some(device),
        })
    }

    pub(crate) async fn list_devices(
        &self,
        input: ListDevicesRequest,
    ) -> Result<ListDevicesResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let page = page(input.limit, input.pagination_token.as_ref())?;
        let (devices, next) = self
            .with_access_token(token, false, move |c, pool, row, _, _| {
                list(c, pool, &row, &page)
            })
            .await?;
        Ok(ListDevicesResponse {
            devices: Some(devices),
            pagination_token: next,
        })
    }

    pub(crate) async fn admin_list_devices(
        &self,
        input: AdminListDevicesRequest,
    ) -> Result<AdminListDevicesResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let page = page(input.limit, input.pagination_token.as_ref())?;
        let (devices, next) = self
            .with_user(pool_id, username, false, move |c, pool, row, _| {
                list(c, pool, &row, &page)
            })
            .await?;
        Ok(AdminListDevicesResponse {
            devices: Some(devices),
            pagination_token: next,
        })
    }

    pub(crate) async fn forget_device(&self, input: ForgetDeviceRequest) -> Result<Empty> {
        let token = required(&input.access_token, "accessToken")?;
        let key = required(&input.device_key, "deviceKey")?.clone();
        self.with_access_token(token, true, move |c, pool, row, _, _| {
            forget(c, pool, &row, &key)
        })
        .await
    }

    pub(crate) async fn admin_forget_device(
        &self,
        input: AdminForgetDeviceRequest,
    ) -> Result<Empty> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let key = required(&input.device_key, "deviceKey")?.clone();
        self.with_user(pool_id, username, true, move |c, pool, row, _| {
            forget(c, pool, &row, &key)
        })
        .await
    }

    pub(crate) async fn update_device_status(
        &self,
        input: UpdateDeviceStatusRequest,
    ) -> Result<UpdateDeviceStatusResponse> {
        let token = required(&input.access_token, "accessToken")?;
        let key = required(&input.device_key, "deviceKey")?.clone();
        let status = input.device_remembered_status.clone();
        self.with_access_token(token, true, move |c, pool, row, _, _| {
            set_status(c, pool, &row, &key, status.as_ref())
        })
        .await?;
        Ok(UpdateDeviceStatusResponse {})
    }

    pub(crate) async fn admin_update_device_status(
        &self,
        input: AdminUpdateDeviceStatusRequest,
    ) -> Result<AdminUpdateDeviceStatusResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let username = required(&input.username, "username")?.clone();
        let key = required(&input.device_key, "deviceKey")?.clone();
        let status = input.device_remembered_status.clone();
        self.with_user(pool_id, username, true, move |c, pool, row, _| {
            set_status(c, pool, &row, &key, status.as_ref())
        })
        .await?;
        Ok(AdminUpdateDeviceStatusResponse {})
    }
}
