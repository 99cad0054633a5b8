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
pub static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u32));

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
    let v = crate::modp3072::pow_g(&x(pool_id, username, password, salt_hex));
    Verifier {
        salt: salt_hex.to_string(),
        verifier: v.to_str_radix(16),
    }
}

/// Whether `password` is the one `stored` was made from (constant time in the compare).
// Only the tests check passwords until the sign-in flows arrive.
#[cfg(test)]
pub fn matches(stored: &Verifier, pool_id: &str, username: &str, password: &str) -> bool {
    let candidate = verifier_with_salt(pool_id, username, password, &stored.salt);
    let (a, b) = (candidate.verifier.as_bytes(), stored.verifier.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

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
