//! Seals secrets that must be given back later (client secrets, signing keys) so the
//! database never holds them in clear: XChaCha20-Poly1305 under the service's master
//! key, a fresh random nonce per value. Also hashes low-entropy secrets that need only
//! be recognised (one-time codes) with HMAC-SHA256 under a key derived from the master
//! key, so a copy of the database without the key cannot brute-force them.

use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::sync::Arc;

#[derive(Clone)]
pub struct SecretBox {
    cipher: Arc<XChaCha20Poly1305>,
    /// HMAC key of `keyed_hash`, derived from the master key (HKDF-SHA256).
    hash_key: Arc<[u8; 32]>,
}

/// HKDF's `info` for the key of `keyed_hash`; changing it changes every stored hash.
const HASH_KEY_INFO: &[u8] = b"cognate keyed-hash v1";

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        let mut hash_key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit: expanding cannot fail.
        let _ = hkdf::Hkdf::<Sha256>::new(None, key).expand(HASH_KEY_INFO, &mut hash_key);
        SecretBox {
            cipher: Arc::new(XChaCha20Poly1305::new(key.into())),
            hash_key: Arc::new(hash_key),
        }
    }

    /// HMAC-SHA256 (hex) of `parts` under the derived hash key. Each part is
    /// length-prefixed, so ("ab", "c") and ("a", "bc") differ; callers put what the value
    /// is bound to (pool, user, purpose) before the secret.
    pub fn keyed_hash(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.hash_key)
            .expect("HMAC takes a key of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A new random master key.
    pub fn generate_key() -> [u8; 32] {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        key
    }

    /// `v1.<base64 nonce || ciphertext>`.
    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v1.{}", B64.encode(out))
    }

    /// None if the value was not sealed with this key or was altered.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = B64.decode(sealed.strip_prefix("v1.")?).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key() {
        let a = SecretBox::new(&SecretBox::generate_key());
        let b = SecretBox::new(&SecretBox::generate_key());
        let sealed = a.seal("s3cret");
        assert!(!sealed.contains("s3cret"));
        assert_eq!(a.open(&sealed).as_deref(), Some("s3cret"));
        assert_eq!(b.open(&sealed), None);
        assert_ne!(a.seal("s3cret"), sealed, "nonces differ");
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_on_every_part() {
        let key = SecretBox::generate_key();
        let (a, a2) = (SecretBox::new(&key), SecretBox::new(&key));
        let b = SecretBox::new(&SecretBox::generate_key());
        let h = a.keyed_hash(&["p", "alice", "123456"]);
        assert_eq!(h.len(), 64);
        assert_eq!(a2.keyed_hash(&["p", "alice", "123456"]), h, "deterministic");
        assert_ne!(b.keyed_hash(&["p", "alice", "123456"]), h, "keyed");
        assert_ne!(
            a.keyed_hash(&["p", "alic", "e123456"]),
            h,
            "parts delimited"
        );
        assert_ne!(a.keyed_hash(&["p", "bob", "123456"]), h);
    }
}
