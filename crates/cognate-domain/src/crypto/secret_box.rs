//! Seals secrets that must be given back later (client secrets, signing keys) so the
//! database never holds them in clear: XChaCha20-Poly1305 under the service's master
//! key, a fresh random nonce per value.

use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::sync::Arc;

#[derive(Clone)]
pub struct SecretBox {
    cipher: Arc<XChaCha20Poly1305>,
    /// HKDF-SHA256 extracted from the key, for `derive_key`.
    derivation: hkdf::Hkdf<sha2::Sha256>,
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        SecretBox {
            cipher: Arc::new(XChaCha20Poly1305::new(key.into())),
            derivation: hkdf::Hkdf::new(Some(b"cognate derived keys"), key),
        }
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

impl SecretBox {
    /// A key for one `purpose` (HKDF-SHA256 of the master key, the purpose as info):
    /// what is keyed by it is the same on every node and after restarts, and cannot be
    /// computed without the master key.
    pub fn derive_key(&self, purpose: &str) -> [u8; 32] {
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit: expanding cannot fail.
        let _ = self.derivation.expand(purpose.as_bytes(), &mut key);
        key
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
    fn derived_keys_depend_on_the_key_and_the_purpose() {
        let key = SecretBox::generate_key();
        let (a, same) = (SecretBox::new(&key), SecretBox::new(&key));
        let other = SecretBox::new(&SecretBox::generate_key());
        assert_eq!(a.derive_key("x"), same.derive_key("x"));
        assert_ne!(a.derive_key("x"), a.derive_key("y"));
        assert_ne!(a.derive_key("x"), other.derive_key("x"));
    }
}
