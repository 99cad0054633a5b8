//! An SRP client for USER_SRP_AUTH, written here as amazon-cognito-identity-js computes
//! it, independent of the server's: the suites that sign in with SRP share it.

use super::{params, respond, Params};
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use aws_sdk_cognitoidentityprovider::Client;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

/// RFC 5054's 3072-bit group (g = 2).
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

pub fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N")
}

pub fn pad_hex(v: &BigUint) -> String {
    let h = v.to_str_radix(16);
    if h.len() % 2 == 1 {
        format!("0{h}")
    } else if h.as_bytes()[0] >= b'8' {
        format!("00{h}")
    } else {
        h
    }
}

pub fn hex_bytes(h: &str) -> Vec<u8> {
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).expect("hex");
    (0..h.len()).step_by(2).map(byte).collect()
}

/// H(hex): SHA-256 of the bytes the hex spells, as a number.
pub fn hash_hex(h: &str) -> BigUint {
    BigUint::from_bytes_be(&Sha256::digest(hex_bytes(h)))
}

/// "EEE MMM d HH:mm:ss UTC yyyy" of now.
pub fn timestamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    timestamp_at(now.expect("clock").as_secs() as i64)
}

/// "EEE MMM d HH:mm:ss UTC yyyy" of `secs` since the epoch.
pub fn timestamp_at(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let months = "JanFebMarAprMayJunJulAugSepOctNovDec";
    let month = &months[(month as usize - 1) * 3..month as usize * 3];
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{weekday} {month} {day} {h:02}:{m:02}:{s:02} UTC {year}")
}

/// Starts USER_SRP_AUTH: the private a and the PASSWORD_VERIFIER challenge's parameters.
pub async fn srp_start(c: &Client, app: &str, user: &str) -> (BigUint, Params) {
    let (a, big_a) = client_a();
    let out = c
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .set_auth_parameters(Some(params(&[
            ("USERNAME", user),
            ("SRP_A", &big_a.to_str_radix(16)),
        ])))
        .send()
        .await
        .expect("USER_SRP_AUTH");
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = out.challenge_parameters().cloned().expect("parameters");
    for p in [
        "SALT",
        "SECRET_BLOCK",
        "SRP_B",
        "USERNAME",
        "USER_ID_FOR_SRP",
    ] {
        assert!(params.contains_key(p), "{p} in {params:?}");
    }
    (a, params)
}

/// The PASSWORD_VERIFIER answer for `password`.
pub fn srp_answer(pool: &str, a: &BigUint, challenge: &Params, password: &str) -> Params {
    srp_answer_at(pool, a, challenge, password, &timestamp())
}

/// The PASSWORD_VERIFIER answer for `password`, signed with TIMESTAMP `time`.
pub fn srp_answer_at(
    pool: &str,
    a: &BigUint,
    challenge: &Params,
    password: &str,
    time: &str,
) -> Params {
    let user_id = &challenge["USER_ID_FOR_SRP"];
    let pool_name = pool.split_once('_').expect("pool id").1;
    let block = &challenge["SECRET_BLOCK"];
    let signature = claim_signature(pool_name, user_id, password, a, challenge, time);
    params(&[
        ("USERNAME", &challenge["USERNAME"]),
        ("PASSWORD_CLAIM_SECRET_BLOCK", block),
        ("PASSWORD_CLAIM_SIGNATURE", &signature),
        ("TIMESTAMP", time),
    ])
}

/// A fresh private `a` and its `A = g^a mod N`.
pub fn client_a() -> (BigUint, BigUint) {
    use aws_lc_rs::rand::SecureRandom as _;
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("random");
    let a = BigUint::from_bytes_be(&bytes);
    let big_a = BigUint::from(2u32).modpow(&a, &n());
    (a, big_a)
}

/// `x = H(padHex(salt) | H(name | user | ":" | password))`.
fn x(name: &str, user: &str, password: &str, salt: &BigUint) -> BigUint {
    let mut x_input = hex_bytes(&pad_hex(salt));
    x_input.extend_from_slice(&Sha256::digest(format!("{name}{user}:{password}")));
    BigUint::from_bytes_be(&Sha256::digest(&x_input))
}

/// The claim signature of an SRP exchange whose `challenge` gave SRP_B, SALT and
/// SECRET_BLOCK: `name` is the pool's name (or a device group key), `user` the user id
/// (or a device key).
pub fn claim_signature(
    name: &str,
    user: &str,
    password: &str,
    a: &BigUint,
    challenge: &Params,
    time: &str,
) -> String {
    use hmac::Mac as _;
    let (n, g) = (n(), BigUint::from(2u32));
    let big_a = g.modpow(a, &n);
    let number = |name: &str| BigUint::parse_bytes(challenge[name].as_bytes(), 16).expect(name);
    let (big_b, salt) = (number("SRP_B"), number("SALT"));
    let k = hash_hex(&format!("{}{}", pad_hex(&n), pad_hex(&g)));
    let u = hash_hex(&format!("{}{}", pad_hex(&big_a), pad_hex(&big_b)));
    let x = x(name, user, password, &salt);
    let kgx = (&k * g.modpow(&x, &n)) % &n;
    let s = ((&big_b % &n + &n - kgx) % &n).modpow(&(a + &u * &x), &n);
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&hex_bytes(&pad_hex(&u))), &hex_bytes(&pad_hex(&s)));
    let mut key = [0u8; 16];
    hk.expand(b"Caldera Derived Key", &mut key).expect("hkdf");
    let block = &challenge["SECRET_BLOCK"];
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&key).expect("hmac");
    mac.update(format!("{name}{user}").as_bytes());
    mac.update(&STANDARD.decode(block).expect("SECRET_BLOCK"));
    mac.update(time.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A device's secret as amazon-cognito-identity-js makes it for ConfirmDevice: a random
/// password, and the salt and verifier `g^x` with x over the device group key and the
/// device key, each in base64 of its padded hex.
pub struct DeviceSecret {
    pub password: String,
    pub salt_b64: String,
    pub verifier_b64: String,
}

pub fn device_secret(group_key: &str, device_key: &str) -> DeviceSecret {
    use aws_lc_rs::rand::SecureRandom as _;
    let mut bytes = [0u8; 40];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("random");
    let password = STANDARD.encode(bytes);
    // A salt whose padded hex reads back the same (no leading zero byte).
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut salt)
        .expect("random");
    salt[0] |= 0x10;
    let salt_hex = pad_hex(&BigUint::from_bytes_be(&salt));
    let salt = BigUint::parse_bytes(salt_hex.as_bytes(), 16).expect("salt");
    let v = BigUint::from(2u32).modpow(&x(group_key, device_key, &password, &salt), &n());
    DeviceSecret {
        password,
        salt_b64: STANDARD.encode(hex_bytes(&salt_hex)),
        verifier_b64: STANDARD.encode(hex_bytes(&pad_hex(&v))),
    }
}

/// DEVICE_SRP_AUTH (answering `session`) then DEVICE_PASSWORD_VERIFIER, as
/// amazon-cognito-identity-js runs them: the outcome of the second answer.
pub async fn device_sign_in(
    c: &Client,
    app: &str,
    username: &str,
    session: Option<&str>,
    (group_key, device_key): (&str, &str),
    password: &str,
) -> Result<RespondToAuthChallengeOutput, (String, String)> {
    let (a, big_a) = client_a();
    let out = respond(
        c,
        app,
        ChallengeNameType::DeviceSrpAuth,
        session,
        params(&[
            ("USERNAME", username),
            ("DEVICE_KEY", device_key),
            ("SRP_A", &big_a.to_str_radix(16)),
        ]),
    )
    .await
    .map_err(|e| (super::code(&e), super::message(&e)))?;
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::DevicePasswordVerifier)
    );
    let challenge = out.challenge_parameters().cloned().expect("parameters");
    let time = timestamp();
    let signature = claim_signature(group_key, device_key, password, &a, &challenge, &time);
    respond(
        c,
        app,
        ChallengeNameType::DevicePasswordVerifier,
        out.session(),
        params(&[
            ("USERNAME", username),
            ("DEVICE_KEY", device_key),
            ("PASSWORD_CLAIM_SECRET_BLOCK", &challenge["SECRET_BLOCK"]),
            ("PASSWORD_CLAIM_SIGNATURE", &signature),
            ("TIMESTAMP", &time),
        ]),
    )
    .await
    .map_err(|e| (super::code(&e), super::message(&e)))
}

/// USER_SRP_AUTH and its PASSWORD_VERIFIER answer for `password`: the outcome of the
/// answer.
pub async fn srp_sign_in(
    c: &Client,
    pool: &str,
    app: &str,
    user: &str,
    password: &str,
) -> RespondToAuthChallengeOutput {
    let (a, challenge) = srp_start(c, app, user).await;
    let answer = srp_answer(pool, &a, &challenge, password);
    respond(c, app, ChallengeNameType::PasswordVerifier, None, answer)
        .await
        .expect("PASSWORD_VERIFIER")
}
