//! A user's devices end to end through the official Rust SDK: NewDeviceMetadata from a
//! sign-in in a pool that tracks devices, ConfirmDevice with a device secret made as
//! amazon-cognito-identity-js makes it, then Get/List/UpdateDeviceStatus/ForgetDevice
//! with an access token and their Admin twins, DeviceOnlyRememberedOnUserPrompt, the
//! errors (unknown device, a key not issued to the session, a key confirmed twice,
//! another user's device); and signing in with a device: DEVICE_SRP_AUTH →
//! DEVICE_PASSWORD_VERIFIER with a device SRP client written here, a remembered device
//! standing in for TOTP MFA (a device not remembered gets MFA first), refresh bound to
//! the device.

mod common;

use aws_sdk_cognitoidentityprovider::types::{
    ChallengeNameType as Ch, DeviceConfigurationType, DeviceRememberedStatusType as Status,
    DeviceSecretVerifierConfigType, DeviceType, SoftwareTokenMfaConfigType, UserPoolMfaType,
    VerifiedAttributeType,
};
use aws_sdk_cognitoidentityprovider::Client;
use common::srp::{device_secret, device_sign_in, srp_answer, srp_start, DeviceSecret};
use common::totp::{enrol, prefer_totp, step_now, totp};
use common::*;
use std::collections::HashMap;

const NOT_FOUND: (&str, &str) = ("ResourceNotFoundException", "Device does not exist.");

/// A server, a client of it, a pool that tracks devices as `challenge_required`
/// (ChallengeRequiredOnNewDevice) and `on_prompt` (DeviceOnlyRememberedOnUserPrompt)
/// say, an app client and `alice`.
async fn device_fixture(challenge_required: bool, on_prompt: bool) -> SignInFixture {
    let server = Server::sqlite();
    let c = server.client();
    let config = DeviceConfigurationType::builder()
        .challenge_required_on_new_device(challenge_required)
        .device_only_remembered_on_user_prompt(on_prompt)
        .build();
    let pool = create_pool_with(&c, "devices", |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .device_configuration(config)
    })
    .await;
    let app = app_client(&c, &pool, |b| b).await;
    add_user(&c, &pool, "alice", PASSWORD).await;
    (server, c, pool, app)
}

/// A device the sign-in knows: its key and group key.
struct NewDevice {
    key: String,
    group: String,
}

fn new_device_of(
    r: Option<&aws_sdk_cognitoidentityprovider::types::AuthenticationResultType>,
) -> NewDevice {
    let m = r
        .and_then(|r| r.new_device_metadata())
        .expect("NewDeviceMetadata");
    NewDevice {
        key: m.device_key().expect("DeviceKey").to_string(),
        group: m.device_group_key().expect("DeviceGroupKey").to_string(),
    }
}

/// A USER_PASSWORD_AUTH sign-in on a new device: its tokens and NewDeviceMetadata.
async fn sign_in_on_new_device(c: &Client, app: &str, user: &str) -> (Tokens, NewDevice) {
    let out = password_auth(c, app, user, PASSWORD)
        .await
        .expect("sign in");
    let device = new_device_of(out.authentication_result());
    (tokens(out.authentication_result()), device)
}

fn verifier(secret: &DeviceSecret) -> DeviceSecretVerifierConfigType {
    DeviceSecretVerifierConfigType::builder()
        .password_verifier(&secret.verifier_b64)
        .salt(&secret.salt_b64)
        .build()
}

/// ConfirmDevice with a fresh device secret: UserConfirmationNecessary and the secret.
async fn confirm(c: &Client, token: &str, device: &NewDevice, name: &str) -> (bool, DeviceSecret) {
    let secret = device_secret(&device.group, &device.key);
    let out = c
        .confirm_device()
        .access_token(token)
        .device_key(&device.key)
        .device_name(name)
        .device_secret_verifier_config(verifier(&secret))
        .send()
        .await
        .expect("ConfirmDevice");
    (out.user_confirmation_necessary(), secret)
}

/// Two devices of alice's, confirmed as "phone" and "laptop": their keys in key order
/// (with names) and the access token of the second sign-in.
async fn two_devices(c: &Client, app: &str) -> ([(String, &'static str); 2], Tokens) {
    let (t1, phone) = sign_in_on_new_device(c, app, "alice").await;
    let (t2, laptop) = sign_in_on_new_device(c, app, "alice").await;
    assert_ne!(phone.key, laptop.key);
    assert_eq!(phone.group, laptop.group, "one group key per user");
    assert!(!confirm(c, &t1.access, &phone, "phone").await.0);
    assert!(!confirm(c, &t2.access, &laptop, "laptop").await.0);
    let mut keys = [(phone.key, "phone"), (laptop.key, "laptop")];
    keys.sort();
    (keys, t2)
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
    let (_server, c, _pool, app) = device_fixture(false, false).await;
    let ([(first, first_name), (second, second_name)], t) = two_devices(&c, &app).await;

    let d = get(&c, &t.access, &first).await;
    assert_eq!(d.device_key(), Some(first.as_str()));
    let a = attributes(&d);
    assert_eq!(a["device_status"], "valid");
    assert_eq!(a["device_remembered_status"], "remembered");
    assert_eq!(a["device_name"], first_name);
    assert_eq!(a["last_ip_used"], "127.0.0.1");
    assert_eq!(a.len(), 4, "no verifier or salt: {a:?}");
    assert!(d.device_create_date().is_some());
    assert!(d.device_last_modified_date().is_some());
    assert!(d.device_last_authenticated_date().is_some());

    // Two pages of one device each, in device-key order.
    let page = c.list_devices().access_token(&t.access).limit(1);
    let page = page.send().await.expect("ListDevices");
    assert_eq!(page.devices().len(), 1);
    assert_eq!(page.devices()[0].device_key(), Some(first.as_str()));
    let token = page.pagination_token().expect("a next page");
    let next = c.list_devices().access_token(&t.access).limit(1);
    let next = next.pagination_token(token).send().await.expect("page 2");
    assert_eq!(next.devices().len(), 1);
    assert_eq!(next.devices()[0].device_key(), Some(second.as_str()));
    assert_eq!(attributes(&next.devices()[0])["device_name"], second_name);
    assert_eq!(next.pagination_token(), None);

    let update = c.update_device_status().access_token(&t.access);
    let update = update.device_key(&first);
    update
        .device_remembered_status(Status::NotRemembered)
        .send()
        .await
        .expect("UpdateDeviceStatus");
    let a = attributes(&get(&c, &t.access, &first).await);
    assert_eq!(a["device_remembered_status"], "not_remembered");

    let forget = c.forget_device().access_token(&t.access).device_key(&first);
    forget.send().await.expect("ForgetDevice");
    let again = c.get_device().access_token(&t.access).device_key(&first);
    assert_eq!(fails(again.send().await), not_found());
    let again = c.forget_device().access_token(&t.access).device_key(&first);
    assert_eq!(fails(again.send().await), not_found());
    let all = c.list_devices().access_token(&t.access).send().await;
    let all = all.expect("ListDevices");
    let keys: Vec<_> = all
        .devices()
        .iter()
        .filter_map(|d| d.device_key())
        .collect();
    assert_eq!(keys, [second.as_str()]);
}

#[tokio::test]
async fn admin_devices() {
    let (_server, c, pool, app) = device_fixture(false, false).await;
    let ([(first, _), (second, second_name)], t) = two_devices(&c, &app).await;

    let got = c.admin_get_device().user_pool_id(&pool).username("alice");
    let got = got
        .device_key(&second)
        .send()
        .await
        .expect("AdminGetDevice");
    let a = attributes(got.device().expect("Device"));
    assert_eq!(a["device_name"], second_name);

    let page = c.admin_list_devices().user_pool_id(&pool).username("alice");
    let page = page.limit(1).send().await.expect("AdminListDevices");
    assert_eq!(page.devices().len(), 1);
    assert_eq!(page.devices()[0].device_key(), Some(first.as_str()));
    let token = page.pagination_token().expect("a next page");
    let next = c.admin_list_devices().user_pool_id(&pool).username("alice");
    let next = next.limit(1).pagination_token(token).send().await;
    let next = next.expect("page 2");
    assert_eq!(next.devices()[0].device_key(), Some(second.as_str()));
    assert_eq!(next.pagination_token(), None);

    let update = c.admin_update_device_status().user_pool_id(&pool);
    let update = update.username("alice").device_key(&second);
    let update = update.device_remembered_status(Status::NotRemembered);
    update.send().await.expect("AdminUpdateDeviceStatus");
    let a = attributes(&get(&c, &t.access, &second).await);
    assert_eq!(a["device_remembered_status"], "not_remembered");

    let forget = c
        .admin_forget_device()
        .user_pool_id(&pool)
        .username("alice");
    forget
        .device_key(&second)
        .send()
        .await
        .expect("AdminForgetDevice");
    let again = c.admin_get_device().user_pool_id(&pool).username("alice");
    assert_eq!(fails(again.device_key(&second).send().await), not_found());
    let again = c
        .admin_forget_device()
        .user_pool_id(&pool)
        .username("alice");
    assert_eq!(fails(again.device_key(&second).send().await), not_found());
    let nobody = c
        .admin_list_devices()
        .user_pool_id(&pool)
        .username("nobody");
    assert_eq!(fails(nobody.send().await).0, "UserNotFoundException");
}

#[tokio::test]
async fn device_errors() {
    let (_server, c, pool, app) = device_fixture(false, false).await;
    add_user(&c, &pool, "bob", PASSWORD).await;
    let (alice, phone) = sign_in_on_new_device(&c, &app, "alice").await;
    let (bob, bobs) = sign_in_on_new_device(&c, &app, "bob").await;
    assert_ne!(phone.group, bobs.group, "group keys are per user");

    let unknown = c
        .get_device()
        .access_token(&alice.access)
        .device_key(&phone.key);
    assert_eq!(fails(unknown.send().await), not_found());
    let status = c.update_device_status().access_token(&alice.access);
    let status = status
        .device_key(&phone.key)
        .device_remembered_status(Status::Remembered);
    assert_eq!(fails(status.send().await), not_found());

    // Only the key handed to the session can be confirmed with its token.
    let secret = device_secret(&phone.group, &phone.key);
    let theirs = c.confirm_device().access_token(&bob.access);
    let theirs = theirs.device_key(&phone.key);
    let theirs = theirs
        .device_secret_verifier_config(verifier(&secret))
        .send()
        .await;
    assert_eq!(fails(theirs).0, "InvalidParameterException");
    let bad = c.confirm_device().access_token(&alice.access);
    let bad = bad.device_key("not a device key");
    let bad = bad
        .device_secret_verifier_config(verifier(&secret))
        .send()
        .await;
    assert_eq!(fails(bad).0, "InvalidParameterException");
    let bad = c
        .get_device()
        .access_token(&alice.access)
        .device_key("no-key");
    assert_eq!(fails(bad.send().await).0, "InvalidParameterException");

    confirm(&c, &alice.access, &phone, "phone").await;
    let twice = c
        .confirm_device()
        .access_token(&alice.access)
        .device_key(&phone.key);
    let twice = twice
        .device_secret_verifier_config(verifier(&secret))
        .send()
        .await;
    assert_eq!(fails(twice).0, "DeviceKeyExistsException");

    // Alice's device is not Bob's.
    let theirs = c
        .get_device()
        .access_token(&bob.access)
        .device_key(&phone.key);
    assert_eq!(fails(theirs.send().await), not_found());
    let forget = c
        .forget_device()
        .access_token(&bob.access)
        .device_key(&phone.key);
    assert_eq!(fails(forget.send().await), not_found());
    let listed = c.list_devices().access_token(&bob.access).send().await;
    assert!(listed.expect("ListDevices").devices().is_empty());
    let admin = c.admin_get_device().user_pool_id(&pool).username("bob");
    assert_eq!(
        fails(admin.device_key(&phone.key).send().await),
        not_found()
    );
    assert_eq!(
        get(&c, &alice.access, &phone.key).await.device_key(),
        Some(phone.key.as_str())
    );

    let bad_token = c
        .get_device()
        .access_token("not.a.token")
        .device_key(&phone.key);
    assert_eq!(fails(bad_token.send().await).0, NA);

    // A pool that does not track devices hands out none.
    let (_server2, c2, _pool2, app2) = sign_in_fixture().await;
    let out = password_auth(&c2, &app2, "alice", PASSWORD)
        .await
        .expect("sign in");
    let result = out.authentication_result().expect("tokens");
    assert!(result.new_device_metadata().is_none());
    assert!(claims(result.access_token().expect("access"))
        .get("device_key")
        .is_none());
}

#[tokio::test]
async fn remembered_only_on_user_prompt() {
    let (_server, c, _pool, app) = device_fixture(false, true).await;
    let (t, phone) = sign_in_on_new_device(&c, &app, "alice").await;
    assert_eq!(claims(&t.access)["device_key"], phone.key.as_str());

    assert!(confirm(&c, &t.access, &phone, "phone").await.0);
    let a = attributes(&get(&c, &t.access, &phone.key).await);
    assert_eq!(a["device_remembered_status"], "not_remembered");
    let update = c.update_device_status().access_token(&t.access);
    let update = update
        .device_key(&phone.key)
        .device_remembered_status(Status::Remembered);
    update.send().await.expect("UpdateDeviceStatus");
    let a = attributes(&get(&c, &t.access, &phone.key).await);
    assert_eq!(a["device_remembered_status"], "remembered");
}

/// USER_SRP_AUTH, with DEVICE_KEY in the PASSWORD_VERIFIER answer if `device` is given:
/// the answer's outcome, or its error's (code, message).
async fn srp_with_device(
    c: &Client,
    pool: &str,
    app: &str,
    device: Option<&str>,
) -> Result<aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, (String, String)>{
    let (a, challenge) = srp_start(c, app, "alice").await;
    let mut answer = srp_answer(pool, &a, &challenge, PASSWORD);
    if let Some(key) = device {
        answer.insert("DEVICE_KEY".into(), key.into());
    }
    respond(c, app, Ch::PasswordVerifier, None, answer)
        .await
        .map_err(|e| (code(&e), message(&e)))
}

#[tokio::test]
async fn a_remembered_device_signs_in_with_device_srp_instead_of_totp() {
    let (_server, c, pool, app) = device_fixture(true, false).await;
    c.set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .expect("MFA optional with TOTP");
    let (t0, _) = sign_in_on_new_device(&c, &app, "alice").await;
    let (secret, step) = enrol(&c, &t0.access).await;
    prefer_totp(&c, &t0.access).await;

    // A new device: the password, then TOTP, then the tokens with a new device key.
    let out = srp_with_device(&c, &pool, &app, None)
        .await
        .expect("PASSWORD_VERIFIER");
    assert_eq!(out.challenge_name(), Some(&Ch::SoftwareTokenMfa));
    let code = totp(&secret, step.max(step_now()) + 1);
    let out = respond(
        &c,
        &app,
        Ch::SoftwareTokenMfa,
        out.session(),
        params(&[("USERNAME", "alice"), ("SOFTWARE_TOKEN_MFA_CODE", &code)]),
    )
    .await
    .expect("SOFTWARE_TOKEN_MFA");
    let device = new_device_of(out.authentication_result());
    let t = tokens(out.authentication_result());
    let (necessary, device_secret) = confirm(&c, &t.access, &device, "laptop").await;
    assert!(!necessary, "remembered without asking the user");

    // The remembered device: the password, then DEVICE_SRP_AUTH, and no TOTP.
    let out = srp_with_device(&c, &pool, &app, Some(&device.key))
        .await
        .expect("PASSWORD_VERIFIER");
    assert_eq!(out.challenge_name(), Some(&Ch::DeviceSrpAuth));
    let keys = (device.group.as_str(), device.key.as_str());
    let done = device_sign_in(
        &c,
        &app,
        "alice",
        out.session(),
        keys,
        &device_secret.password,
    )
    .await
    .expect("device SRP");
    let result = done.authentication_result().expect("tokens, no MFA");
    assert!(result.new_device_metadata().is_none(), "a known device");
    let signed_in = tokens(Some(result));
    assert_eq!(claims(&signed_in.access)["device_key"], device.key.as_str());
    let d = get(&c, &signed_in.access, &device.key).await;
    assert_eq!(attributes(&d)["last_ip_used"], "127.0.0.1");

    // The wrong device secret fails as a wrong password does.
    let out = srp_with_device(&c, &pool, &app, Some(&device.key))
        .await
        .expect("PASSWORD_VERIFIER");
    let wrong = device_sign_in(&c, &app, "alice", out.session(), keys, "not the secret").await;
    assert_eq!(wrong.expect_err("refused"), na(INCORRECT));

    // The session's refresh token needs the device's key.
    let refresh_token = signed_in.refresh.clone().expect("refresh token");
    let refresh_with = |key: Option<&str>| {
        let mut b = c
            .initiate_auth()
            .client_id(&app)
            .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh_token);
        if let Some(key) = key {
            b = b.auth_parameters("DEVICE_KEY", key);
        }
        b.send()
    };
    assert_eq!(fails(refresh_with(None).await), na("Invalid Refresh Token"));
    assert_eq!(
        fails(refresh_with(Some(&t0.access[..10])).await),
        na("Invalid Refresh Token")
    );
    let refreshed = refresh_with(Some(&device.key)).await.expect("refresh");
    let access = refreshed
        .authentication_result()
        .and_then(|r| r.access_token())
        .expect("access token");
    assert_eq!(claims(access)["device_key"], device.key.as_str());

    // An unknown device is named as AWS names it, before the answer is used up.
    let forgotten = srp_with_device(
        &c,
        &pool,
        &app,
        Some("us-east-1_00000000-0000-4000-8000-000000000000"),
    )
    .await;
    assert_eq!(forgotten.expect_err("unknown device"), not_found());

    // A device no longer remembered gets MFA first; it would prove itself after.
    let update = c.update_device_status().access_token(&signed_in.access);
    let update = update
        .device_key(&device.key)
        .device_remembered_status(Status::NotRemembered);
    update.send().await.expect("UpdateDeviceStatus");
    let out = srp_with_device(&c, &pool, &app, Some(&device.key))
        .await
        .expect("PASSWORD_VERIFIER");
    assert_eq!(out.challenge_name(), Some(&Ch::SoftwareTokenMfa));
    assert!(out.authentication_result().is_none());
}
