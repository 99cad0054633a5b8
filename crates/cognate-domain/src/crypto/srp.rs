//! Cognito's SRP-6a parameters and the password verifier it stores: the 3072-bit group
//! of RFC 5054 with g = 2, and `v = g^x mod N` where
//! `x = SHA256(salt | SHA256(poolName | username | ":" | password))` and poolName is the
//! part of the pool id after the underscore. The verifier is the only form in which a
//! password is kept.

use num_bigint::BigUint;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const N_HEX: &str = concat!(
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

/// The group's prime.
pub static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default());
/// The group's generator (powers of it are computed by `modp3072::pow_g`).
#[cfg(test)]
pub(crate) static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));

/// What is stored of a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verifier {
    /// Hex, as sent to clients in the SALT challenge parameter.
    pub salt: String,
    /// Hex of `g^x mod N`.
    pub verifier: String,
}

/// Cognito's `padHex`: even length, with a leading `00` when the high bit is set, so the
/// hex reads as a positive two's-complement number.
pub fn pad_hex(n: &BigUint) -> String {
    let mut hex = n.to_str_radix(16);
    if hex.len() % 2 == 1 {
        hex.insert(0, '0');
    } else if hex
        .as_bytes()
        .first()
        .is_some_and(|c| b"89abcdef".contains(c))
    {
        hex.insert_str(0, "00");
    }
    hex
}

pub fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// The part of a pool id after the underscore (`us-east-1_AbC` → `AbC`).
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// `x = SHA256(padHex(salt) | SHA256(poolName | username | ":" | password))`.
pub fn x(pool_id: &str, username: &str, password: &str, salt_hex: &str) -> BigUint {
    let inner = Sha256::new()
        .chain_update(pool_name(pool_id).as_bytes())
        .chain_update(username.as_bytes())
        .chain_update(b":")
        .chain_update(password.as_bytes())
        .finalize();
    let salt = BigUint::parse_bytes(salt_hex.as_bytes(), 16).unwrap_or_default();
    let outer = Sha256::new()
        .chain_update(hex_to_bytes(&pad_hex(&salt)))
        .chain_update(inner)
        .finalize();
    BigUint::from_bytes_be(&outer)
}

/// A new verifier for `password` with a fresh random salt.
pub fn verifier(pool_id: &str, username: &str, password: &str) -> Verifier {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = BigUint::from_bytes_be(&salt).to_str_radix(16);
    verifier_with_salt(pool_id, username, password, &salt)
}

pub fn verifier_with_salt(
    pool_id: &str,
    username: &str,
    password: &str,
    salt_hex: &str,
) -> Verifier {
    let v = crate::crypto::modp3072::pow_g(&x(pool_id, username, password, salt_hex));
    Verifier {
        salt: salt_hex.to_string(),
        verifier: v.to_str_radix(16),
    }
}

/// A decoy for a user who does not exist, when the client hides which users exist:
/// its salt (16 bytes, as a real salt) and verifier (a number below N) are HMAC-SHA256
/// under `key` of the pool and the user's name, so they repeat as a real user's do and
/// cannot be told from one without the key.
pub fn decoy_verifier(key: &[u8; 32], pool_id: &str, name: &str) -> Verifier {
    let mac = |label: &[u8], i: u8| {
        hmac_sha256(
            key,
            &[label, &[i], pool_id.as_bytes(), b"\0", name.as_bytes()],
        )
    };
    let salt = BigUint::from_bytes_be(&mac(b"salt", 0)[..16]).to_str_radix(16);
    let wide: Vec<u8> = (0..12).flat_map(|i| mac(b"verifier", i)).collect();
    Verifier {
        salt,
        verifier: (BigUint::from_bytes_be(&wide) % &*N).to_str_radix(16),
    }
}

/// Whether `password` is the one `stored` was made from (constant time in the compare).
pub fn matches(stored: &Verifier, pool_id: &str, username: &str, password: &str) -> bool {
    let candidate = verifier_with_salt(pool_id, username, password, &stored.salt);
    constant_time_eq(candidate.verifier.as_bytes(), stored.verifier.as_bytes())
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256 of the bytes a string of hex digits spells, as a number (Cognito's
/// `hexHash`).
fn hash_hex(hex: &str) -> BigUint {
    BigUint::from_bytes_be(&Sha256::digest(hex_to_bytes(hex)))
}

/// The multiplier `k = H(padHex(N) | padHex(g))`.
pub static K: LazyLock<BigUint> =
    LazyLock::new(|| hash_hex(&format!("{}{}", pad_hex(&N), pad_hex(&BigUint::from(2u32)))));

/// A fresh private value `b` for the server (256 random bits, never zero).
pub fn private_b() -> BigUint {
    let mut bytes = [0u8; 32];
    loop {
        rand::rng().fill_bytes(&mut bytes);
        let b = BigUint::from_bytes_be(&bytes);
        if b.bits() > 0 {
            return b;
        }
    }
}

/// The server's public value `B = (k·v + g^b) mod N`.
pub fn public_b(verifier_hex: &str, b: &BigUint) -> BigUint {
    let v = BigUint::parse_bytes(verifier_hex.as_bytes(), 16).unwrap_or_default();
    (&*K * v + crate::crypto::modp3072::pow_g(b)) % &*N
}

/// The scrambler `u = H(padHex(A) | padHex(B))`.
pub fn scrambler(a: &BigUint, b: &BigUint) -> BigUint {
    hash_hex(&format!("{}{}", pad_hex(a), pad_hex(b)))
}

/// The 16-byte key both sides derive: `S = (A·v^u)^b mod N`, then HKDF-SHA256 of
/// `padHex(S)` salted with `padHex(u)` and the info "Caldera Derived Key". None for a
/// client value that would make the key predictable (`A mod N = 0`, or `u = 0`).
pub fn password_key(
    client_a: &BigUint,
    server_b: &BigUint,
    b: &BigUint,
    verifier_hex: &str,
) -> Option<[u8; 16]> {
    use crate::crypto::bignum::pow;
    if (client_a % &*N).bits() == 0 {
        return None;
    }
    let u = scrambler(client_a, server_b);
    if u.bits() == 0 {
        return None;
    }
    let v = BigUint::parse_bytes(verifier_hex.as_bytes(), 16)?;
    let s = pow(&((client_a % &*N) * pow(&v, &u)? % &*N), b)?;
    derive_key(&s, &u)
}

/// HKDF-SHA256 of `padHex(S)` salted with `padHex(u)`, info "Caldera Derived Key".
fn derive_key(s: &BigUint, u: &BigUint) -> Option<[u8; 16]> {
    let hkdf =
        hkdf::Hkdf::<Sha256>::new(Some(&hex_to_bytes(&pad_hex(u))), &hex_to_bytes(&pad_hex(s)));
    let mut key = [0u8; 16];
    hkdf.expand(b"Caldera Derived Key", &mut key).ok()?;
    Some(key)
}

/// PASSWORD_VERIFIER's TIMESTAMP as Cognito's clients write it ("EEE MMM d HH:mm:ss UTC
/// yyyy", the day not padded) for `secs` since the epoch, for the benchmark's clients:
/// the server refuses one far from its clock.
pub fn client_timestamp(secs: i64) -> String {
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

/// The client's side of PASSWORD_VERIFIER, for the benchmark's clients: the
/// PASSWORD_CLAIM_SIGNATURE for the server's `SALT`/`SRP_B`/`SECRET_BLOCK`, given the
/// client's private `a` and its `A = g^a`. `S = (B - k·g^x)^(a + u·x) mod N`.
#[allow(clippy::too_many_arguments)]
pub fn client_signature(
    pool_id: &str,
    user_id: &str,
    password: &str,
    salt_hex: &str,
    server_b_hex: &str,
    a: &BigUint,
    client_a: &BigUint,
    secret_block: &[u8],
    timestamp: &str,
) -> Option<[u8; 32]> {
    let big_b = BigUint::parse_bytes(server_b_hex.as_bytes(), 16)?;
    let u = scrambler(client_a, &big_b);
    let x = x(pool_id, user_id, password, salt_hex);
    let kgx = (&*K * crate::crypto::modp3072::pow_g(&x)) % &*N;
    let base = (big_b % &*N + &*N - kgx) % &*N;
    let s = crate::crypto::bignum::pow(&base, &(a + u.clone() * x))?;
    let key = derive_key(&s, &u)?;
    Some(claim_signature(
        &key,
        pool_id,
        user_id,
        secret_block,
        timestamp,
    ))
}

/// PASSWORD_CLAIM_SIGNATURE: HMAC-SHA256 under the derived key of
/// `poolName | USER_ID_FOR_SRP | SECRET_BLOCK (decoded) | TIMESTAMP`.
pub fn claim_signature(
    key: &[u8; 16],
    pool_id: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    hmac_sha256(
        key,
        &[
            pool_name(pool_id).as_bytes(),
            user_id.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ],
    )
}

/// HMAC-SHA256 of the concatenated `parts`. The key is laid into the 64-byte block as
/// RFC 2104 does (hashed first when longer), so any key length is taken.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new(&block.into());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_timestamps_are_written_as_cognitos_clients_write_them() {
        assert_eq!(client_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(
            client_timestamp(1_795_936_503),
            "Sun Nov 29 07:15:03 UTC 2026"
        );
        assert_eq!(
            client_timestamp(951_782_400),
            "Tue Feb 29 00:00:00 UTC 2000"
        );
    }

    #[test]
    fn the_group_is_rfc_5054_3072() {
        assert_eq!(N.bits(), 3072);
        // N is a safe prime: 2 has order (N-1)/2 or N-1, so 2^(N-1) = 1 mod N.
        let one = BigUint::from(1u32);
        assert_eq!(G.modpow(&(&*N - &one), &N), one);
    }

    #[test]
    fn pad_hex_follows_cognito() {
        assert_eq!(pad_hex(&BigUint::from(0xfu32)), "0f");
        assert_eq!(pad_hex(&BigUint::from(0x80u32)), "0080");
        assert_eq!(pad_hex(&BigUint::from(0x7fu32)), "7f");
    }

    /// Computed independently (Python's hashlib and pow) for salt c0ffee…3344.
    #[test]
    fn the_verifier_matches_an_independent_computation() {
        let salt = "c0ffee1234567890abcdef0011223344";
        let x = x("us-east-1_Pool", "alice", "Passw0rd!", salt);
        assert_eq!(
            x.to_str_radix(16),
            "67f6c9a6bde471e709a90031739c2ba8bb1117d1d9dcf622554ff1d473feb69e"
        );
        let v = verifier_with_salt("us-east-1_Pool", "alice", "Passw0rd!", salt).verifier;
        assert_eq!(v.len(), 768);
        assert!(v.starts_with("5eb25155ed79622cf81cfcaff3951e8220d4ad642337e57964ada2fd6b9bebe4"));
        let digest = Sha256::digest(v.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "271796f8eacaf1ed9279f3e954b2f0e42dae1393a6af248e1766c8aa83c816b2"
        );
    }

    fn sha256_hex(s: &str) -> String {
        Sha256::digest(s.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The server's side of a whole exchange, against values computed independently (a
    /// plain Python client: hashlib, hmac and pow) with a = 0x1f1f…, b = 0xa5a5….
    #[test]
    fn the_exchange_matches_an_independent_client() {
        assert_eq!(
            K.to_str_radix(16),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
        let salt = "c0ffee1234567890abcdef0011223344";
        let v = verifier_with_salt("us-east-1_Pool", "alice", "Passw0rd!", salt).verifier;
        let a = BigUint::parse_bytes("1f".repeat(32).as_bytes(), 16).unwrap();
        let b = BigUint::parse_bytes("a5".repeat(32).as_bytes(), 16).unwrap();
        let client_a = crate::crypto::modp3072::pow_g(&a);
        assert_eq!(
            sha256_hex(&client_a.to_str_radix(16)),
            "b8180caa9209f3599039279ff3ffe1329c2e7c483ec03f7fad5e2f15bcc4c8d3"
        );
        let server_b = public_b(&v, &b);
        assert_eq!(
            sha256_hex(&server_b.to_str_radix(16)),
            "4504f54650cfaac257cf763e3b2042c9b2194f4a8714842b3561eb350ef25a31"
        );
        assert_eq!(
            scrambler(&client_a, &server_b).to_str_radix(16),
            "d472d4675c6099d22077fbc71faef2bcc6a379307e6d901db80776d936648dfa"
        );
        let key = password_key(&client_a, &server_b, &b, &v).unwrap();
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(&key), "272d3e5226abd8f8cd23b020df23666b");
        let signature = claim_signature(
            &key,
            "us-east-1_Pool",
            "alice",
            b"secret-block-bytes",
            "Sun Nov 29 07:15:03 UTC 2026",
        );
        assert_eq!(
            hex(&signature),
            "940026392249c36a093be9b264d93dfb6386ce19e51bfe8bd327f57efd21af95"
        );
        // The client's side derives the same signature.
        let client = client_signature(
            "us-east-1_Pool",
            "alice",
            "Passw0rd!",
            salt,
            &server_b.to_str_radix(16),
            &a,
            &client_a,
            b"secret-block-bytes",
            "Sun Nov 29 07:15:03 UTC 2026",
        )
        .unwrap();
        assert_eq!(client, signature);
        // A client value of 0 mod N is refused.
        assert!(password_key(&N, &server_b, &b, &v).is_none());
    }

    /// RFC 4231 test case 2 (a short key) and 6 (a key longer than the block).
    #[test]
    fn hmac_follows_rfc_4231() {
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(&hmac_sha256(
                b"Jefe",
                &[b"what do ya want ", b"for nothing?"]
            )),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                &[b"Test Using Larger Than Block-Size Key - Hash Key First"]
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn decoys_repeat_per_key_pool_and_name() {
        let (k1, k2) = ([1u8; 32], [2u8; 32]);
        let d = decoy_verifier(&k1, "us-east-1_P", "bob");
        assert_eq!(d, decoy_verifier(&k1, "us-east-1_P", "bob"));
        assert_ne!(d.salt, decoy_verifier(&k1, "us-east-1_P", "rob").salt);
        assert_ne!(d.salt, decoy_verifier(&k1, "us-east-1_Q", "bob").salt);
        assert_ne!(d.salt, decoy_verifier(&k2, "us-east-1_P", "bob").salt);
        let v = BigUint::parse_bytes(d.verifier.as_bytes(), 16).expect("hex");
        assert!(v < *N && v.bits() > 3000);
    }

    #[test]
    fn verifiers_match_only_their_password() {
        let v = verifier("us-east-1_Pool", "alice", "Passw0rd!");
        assert!(matches(&v, "us-east-1_Pool", "alice", "Passw0rd!"));
        assert!(!matches(&v, "us-east-1_Pool", "alice", "passw0rd!"));
        assert!(!matches(&v, "us-east-1_Other", "alice", "Passw0rd!"));
        assert_ne!(
            verifier("us-east-1_Pool", "alice", "Passw0rd!").salt,
            v.salt
        );
    }
}
