//! TOTP for the suites that enrol an authenticator app: codes computed here (RFC 6238,
//! HMAC-SHA-1, six digits, 30-second steps) independently of the server's.

use aws_sdk_cognitoidentityprovider::types::{
    SoftwareTokenMfaSettingsType, VerifySoftwareTokenResponseType,
};
use aws_sdk_cognitoidentityprovider::Client;

pub fn base32(secret: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u64, 0);
    for c in secret.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base32") as u64;
        acc = (acc << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
        }
    }
    out
}

pub fn step_now() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    t.expect("clock").as_secs() / 30
}

/// The six-digit TOTP code of `secret` (base32) for `step`.
pub fn totp(secret: &str, step: u64) -> String {
    use aws_lc_rs::hmac;
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &base32(secret));
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let m = mac.as_ref();
    let o = (m[19] & 15) as usize;
    let n = u32::from_be_bytes([m[o] & 0x7f, m[o + 1], m[o + 2], m[o + 3]]);
    format!("{:06}", n % 1_000_000)
}

/// Associates and verifies a software token with `access`: its secret and the step
/// of the code that verified it.
pub async fn enrol(c: &Client, access: &str) -> (String, u64) {
    let secret = c
        .associate_software_token()
        .access_token(access)
        .send()
        .await
        .expect("AssociateSoftwareToken")
        .secret_code()
        .expect("SecretCode")
        .to_string();
    let step = step_now();
    let out = c
        .verify_software_token()
        .access_token(access)
        .user_code(totp(&secret, step))
        .friendly_device_name("phone")
        .send()
        .await
        .expect("VerifySoftwareToken");
    assert_eq!(
        out.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    (secret, step)
}

pub async fn prefer_totp(c: &Client, access: &str) {
    c.set_user_mfa_preference()
        .access_token(access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .expect("SetUserMFAPreference");
}
