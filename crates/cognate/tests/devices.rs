//! A user's devices end to end through the official Rust SDK: ConfirmDevice, then
//! Get/List/UpdateDeviceStatus/ForgetDevice with an access token and their Admin twins,
//! DeviceOnlyRememberedOnUserPrompt, and the errors (unknown device, a malformed device
//! key, a key confirmed twice, another user's device).

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    DeviceConfigurationType, DeviceRememberedStatusType as Status, DeviceSecretVerifierConfigType,
    DeviceType, VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::*;
use std::collections::HashMap;

const PHONE: &str = "us-east-1_0b5a6f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const LAPTOP: &str = "us-east-1_9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
const NOT_FOUND: (&str, &str) = ("ResourceNotFoundException", "Device does not exist.");

fn verifier() -> DeviceSecretVerifierConfigType {
    DeviceSecretVerifierConfigType::builder()
        .password_verifier("dmVyaWZpZXI=")
        .salt("c2FsdA==")
        .build()
}

/// ConfirmDevice: UserConfirmationNecessary.
async fn confirm(c: &Client, token: &str, key: &str, name: &str) -> bool {
    let out = c
        .confirm_device()
        .access_token(token)
        .device_key(key)
        .device_name(name)
        .device_secret_verifier_config(verifier())
        .send()
        .await
        .expect("ConfirmDevice");
    out.user_confirmation_necessary()
}

fn attributes(d: &DeviceType) -> HashMap<String, String> {
    d.device_attributes()
        .iter()
        .map(|a| (a.name().to_string(), a.value().unwrap_or("").to_string()))
        .collect()
}

async fn get(c: &Client, token: &str, key: &str) -> DeviceType {
    let out = c
        .get_device()
        .access_token(token)
        .device_key(key)
        .send()
        .await;
    out.expect("GetDevice").device().expect("Device").clone()
}

fn not_found() -> (String, String) {
    (NOT_FOUND.0.to_string(), NOT_FOUND.1.to_string())
}

#[tokio::test]
async fn devices_with_an_access_token() {
    let (_server, c, _pool, app) = sign_in_fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    assert!(!confirm(&c, &t.access, PHONE, "phone").await);
    assert!(!confirm(&c, &t.access, LAPTOP, "laptop").await);

    let d = get(&c, &t.access, PHONE).await;
    assert_eq!(d.device_key(), Some(PHONE));
    let a = attributes(&d);
    assert_eq!(a["device_status"], "valid");
    assert_eq!(a["device_remembered_status"], "remembered");
    assert_eq!(a["device_name"], "phone");
    assert_eq!(a.len(), 3, "no verifier or salt: {a:?}");
    assert!(d.device_create_date().is_some());
    assert!(d.device_last_modified_date().is_some());
    assert!(d.device_last_authenticated_date().is_some());

    // Two pages of one device each, in device-key order.
    let first = c.list_devices().access_token(&t.access).limit(1);
    let first = first.send().await.expect("ListDevices");
    assert_eq!(first.devices().len(), 1);
    assert_eq!(first.devices()[0].device_key(), Some(PHONE));
    let token = first.pagination_token().expect("a next page");
    let second = c.list_devices().access_token(&t.access).limit(1);
    let second = second.pagination_token(token).send().await.expect("page 2");
    assert_eq!(second.devices().len(), 1);
    assert_eq!(second.devices()[0].device_key(), Some(LAPTOP));
    assert_eq!(second.pagination_token(), None);

    let update = c.update_device_status().access_token(&t.access);
    let update = update.device_key(PHONE);
    update
        .device_remembered_status(Status::NotRemembered)
        .send()
        .await
        .expect("UpdateDeviceStatus");
    let a = attributes(&get(&c, &t.access, PHONE).await);
    assert_eq!(a["device_remembered_status"], "not_remembered");

    let forget = c.forget_device().access_token(&t.access).device_key(PHONE);
    forget.send().await.expect("ForgetDevice");
    let again = c.get_device().access_token(&t.access).device_key(PHONE);
    assert_eq!(fails(again.send().await), not_found());
    let again = c.forget_device().access_token(&t.access).device_key(PHONE);
    assert_eq!(fails(again.send().await), not_found());
    let all = c.list_devices().access_token(&t.access).send().await;
    let all = all.expect("ListDevices");
    let keys: Vec<_> = all
        .devices()
        .iter()
        .filter_map(|d| d.device_key())
        .collect();
    assert_eq!(keys, [LAPTOP]);
}

#[tokio::test]
async fn admin_devices() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;
    confirm(&c, &t.access, PHONE, "phone").await;
    confirm(&c, &t.access, LAPTOP, "laptop").await;

    let got = c.admin_get_device().user_pool_id(&pool).username("alice");
    let got = got.device_key(LAPTOP).send().await.expect("AdminGetDevice");
    let a = attributes(got.device().expect("Device"));
    assert_eq!(a["device_name"], "laptop");

    let first = c.admin_list_devices().user_pool_id(&pool).username("alice");
    let first = first.limit(1).send().await.expect("AdminListDevices");
    assert_eq!(first.devices().len(), 1);
    let token = first.pagination_token().expect("a next page");
    let second = c.admin_list_devices().user_pool_id(&pool).username("alice");
    let second = second.limit(1).pagination_token(token).send().await;
    let second = second.expect("page 2");
    assert_eq!(second.devices()[0].device_key(), Some(LAPTOP));
    assert_eq!(second.pagination_token(), None);

    let update = c.admin_update_device_status().user_pool_id(&pool);
    let update = update.username("alice").device_key(LAPTOP);
    let update = update.device_remembered_status(Status::NotRemembered);
    update.send().await.expect("AdminUpdateDeviceStatus");
    let a = attributes(&get(&c, &t.access, LAPTOP).await);
    assert_eq!(a["device_remembered_status"], "not_remembered");

    let forget = c
        .admin_forget_device()
        .user_pool_id(&pool)
        .username("alice");
    forget
        .device_key(LAPTOP)
        .send()
        .await
        .expect("AdminForgetDevice");
    let again = c.admin_get_device().user_pool_id(&pool).username("alice");
    assert_eq!(fails(again.device_key(LAPTOP).send().await), not_found());
    let again = c
        .admin_forget_device()
        .user_pool_id(&pool)
        .username("alice");
    assert_eq!(fails(again.device_key(LAPTOP).send().await), not_found());
    let nobody = c
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("nobody");
    assert_eq!(fails(nobody.send().await).0, "UserNotFoundException");
}

#[tokio::test]
async fn device_errors() {
    let (_server, c, pool, app) = sign_in_fixture().await;
    add_user(&c, &pool, "bob", PASSWORD).await;
    let alice = sign_in(&c, &app, "alice", PASSWORD).await;
    let bob = sign_in(&c, &app, "bob", PASSWORD).await;

    let unknown = c.get_device().access_token(&alice.access).device_key(PHONE);
    assert_eq!(fails(unknown.send().await), not_found());
    let status = c.update_device_status().access_token(&alice.access);
    let status = status
        .device_key(PHONE)
        .device_remembered_status(Status::Remembered);
    assert_eq!(fails(status.send().await), not_found());

    let bad = c.confirm_device().access_token(&alice.access);
    let bad = bad.device_key("not a device key");
    let bad = bad.device_secret_verifier_config(verifier()).send().await;
    assert_eq!(fails(bad).0, "InvalidParameterException");
    let bad = c
        .get_device()
        .access_token(&alice.access)
        .device_key("no-key");
    assert_eq!(fails(bad.send().await).0, "InvalidParameterException");

    confirm(&c, &alice.access, PHONE, "phone").await;
    let twice = c
        .confirm_device()
        .access_token(&alice.access)
        .device_key(PHONE);
    let twice = twice.device_secret_verifier_config(verifier()).send().await;
    assert_eq!(fails(twice).0, "DeviceKeyExistsException");

    // Alice's device is not Bob's.
    let theirs = c.get_device().access_token(&bob.access).device_key(PHONE);
    assert_eq!(fails(theirs.send().await), not_found());
    let forget = c
        .forget_device()
        .access_token(&bob.access)
        .device_key(PHONE);
    assert_eq!(fails(forget.send().await), not_found());
    let listed = c.list_devices().access_token(&bob.access).send().await;
    assert!(listed.expect("ListDevices").devices().is_empty());
    let admin = c.admin_get_device().user_pool_id(&pool).username("bob");
    assert_eq!(fails(admin.device_key(PHONE).send().await), not_found());
    assert_eq!(
        get(&c, &alice.access, PHONE).await.device_key(),
        Some(PHONE)
    );

    let bad_token = c.get_device().access_token("not.a.token").device_key(PHONE);
    assert_eq!(fails(bad_token.send().await).0, NA);
}

#[tokio::test]
async fn remembered_only_on_user_prompt() {
    let server = Server::sqlite();
    let c = server.client();
    let config = DeviceConfigurationType::builder()
        .challenge_required_on_new_device(false)
        .device_only_remembered_on_user_prompt(true)
        .build();
    let pool = create_pool_with(&c, "prompt", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .device_configuration(config)
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    let t = sign_in(&c, &app, "alice", PASSWORD).await;

    assert!(confirm(&c, &t.access, PHONE, "phone").await);
    let a = attributes(&get(&c, &t.access, PHONE).await);
    assert_eq!(a["device_remembered_status"], "not_remembered");
    let update = c.update_device_status().access_token(&t.access);
    let update = update
        .device_key(PHONE)
        .device_remembered_status(Status::Remembered);
    update.send().await.expect("UpdateDeviceStatus");
    let a = attributes(&get(&c, &t.access, PHONE).await);
    assert_eq!(a["device_remembered_status"], "remembered");
}
