//! Seals secrets that must be given back later (client secrets, signing keys) so the
//! database never holds them in clear: XChaCha20-Poly1305 under the service's master
//! key, a fresh random nonce per value. Also hashes low-entropy secrets that need only
//! be recognised (one-time codes) with HMAC-SHA256 under a key derived from the master
//! key, so a copy of the database without the key cannot brute-force them.

use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::sync::Arc;

#[derive(Clone)]
pub struct SecretBox {
    cipher: Arc<XChaCha20Poly1305>,
    /// HKDF-SHA256 extracted from the key, for `derive_key`.
    derivation: hkdf::Hkdf<Sha256>,
    /// HMAC key of `keyed_hash`, derived from the master key (HKDF-SHA256).
    hash_key: Arc<[u8; 32]>,
}

/// What a sealed value is for. Its name is the AEAD's associated data, so a value
/// sealed for one purpose does not open as another (a sealed client secret is not a
/// challenge session, a challenge session is not a signing key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ClientSecret,
    SigningKey,
    Challenge,
    /// A user's TOTP secret (software token MFA).
    TotpSecret,
    /// A passkey registration waiting for CompleteWebAuthnRegistration (its challenge).
    WebAuthnRegistration,
    /// The hosted pages' signed-in session (the `cognito` cookie) and their
    /// multi-step sign-in state.
    HostedSession,
    /// An identity provider's client secret or private key.
    ProviderSecret,
    /// A federated sign-in in flight: the `state` sent to the identity provider.
    FederationState,
    /// The ticket of a user import job's pre-signed upload URL.
    UserImportUpload,
    /// A sign-in event's FeedbackToken (threat protection's notification links).
    AuthEventFeedback,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ClientSecret => "client-secret",
            Purpose::SigningKey => "signing-key",
            Purpose::Challenge => "challenge",
            Purpose::TotpSecret => "totp-secret",
            Purpose::WebAuthnRegistration => "webauthn-registration",
            Purpose::HostedSession => "hosted-session",
            Purpose::ProviderSecret => "provider-secret",
            Purpose::FederationState => "federation-state",
            Purpose::UserImportUpload => "user-import-upload",
            Purpose::AuthEventFeedback => "auth-event-feedback",
        }
    }

    /// Whether values of this purpose may have been sealed as `v1.` (without associated
    /// data) and stored: client secrets and signing keys written before `v2.`.
    /// Challenge state lives minutes, in the client's hands: a `v1.` one is refused.
    fn has_legacy_values(self) -> bool {
        matches!(self, Purpose::ClientSecret | Purpose::SigningKey)
    }
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
            derivation: hkdf::Hkdf::new(Some(b"cognate derived keys"), key),
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

    /// `v2.<base64 nonce || ciphertext>`, `purpose` as associated data.
    pub fn seal(&self, purpose: Purpose, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: purpose.as_str().as_bytes(),
        };
        // Encryption with a valid key and nonce cannot fail for in-memory buffers.
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("v2.{}", B64.encode(out))
    }

    /// None if the value was not sealed with this key for this purpose, or was altered.
    pub fn open(&self, purpose: Purpose, sealed: &str) -> Option<String> {
        if let Some(body) = sealed.strip_prefix("v2.") {
            let (nonce, ciphertext) = split(body)?;
            let payload = Payload {
                msg: &ciphertext,
                aad: purpose.as_str().as_bytes(),
            };
            let plain = self
                .cipher
                .decrypt(XNonce::from_slice(&nonce), payload)
                .ok()?;
            return String::from_utf8(plain).ok();
        }
        // Legacy: `v1.` values were sealed without associated data. Client secrets and
        // signing keys stored before `v2.` are still `v1.`: this path can go once a
        // migration has opened and re-sealed every stored `v1.` value (nothing re-seals
        // them yet), or when deployments from before `v2.` are no longer supported.
        let body = sealed.strip_prefix("v1.")?;
        if !purpose.has_legacy_values() {
            return None;
        }
        let (nonce, ciphertext) = split(body)?;
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(&nonce), ciphertext.as_slice())
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

/// The nonce and the ciphertext of a sealed value's base64 body.
fn split(body: &str) -> Option<([u8; 24], Vec<u8>)> {
    let mut bytes = B64.decode(body).ok()?;
    if bytes.len() < 24 {
        return None;
    }
    let ciphertext = bytes.split_off(24);
    Some((bytes.try_into().ok()?, ciphertext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key() {
        let a = SecretBox::new(&SecretBox::generate_key());
        let b = SecretBox::new(&SecretBox::generate_key());
        let sealed = a.seal(Purpose::ClientSecret, "s3cret");
        assert!(!sealed.contains("s3cret"));
        assert_eq!(
            a.open(Purpose::ClientSecret, &sealed).as_deref(),
            Some("s3cret")
        );
        assert_eq!(b.open(Purpose::ClientSecret, &sealed), None);
        assert_ne!(
            a.seal(Purpose::ClientSecret, "s3cret"),
            sealed,
            "nonces differ"
        );
    }

    #[test]
    fn a_value_sealed_for_one_purpose_does_not_open_as_another() {
        let a = SecretBox::new(&SecretBox::generate_key());
        let all = [
            Purpose::ClientSecret,
            Purpose::SigningKey,
            Purpose::Challenge,
            Purpose::TotpSecret,
            Purpose::FederationState,
            Purpose::UserImportUpload,
        ];
        for sealed_as in all {
            let sealed = a.seal(sealed_as, "s3cret");
            assert!(sealed.starts_with("v2."));
            for opened_as in all {
                let expected = (opened_as == sealed_as).then(|| "s3cret".to_string());
                assert_eq!(
                    a.open(opened_as, &sealed),
                    expected,
                    "{sealed_as:?} as {opened_as:?}"
                );
            }
        }
    }

    /// Client secrets and signing keys sealed before purposes (`v1.`, no associated
    /// data) still open; a `v1.` challenge does not.
    #[test]
    fn values_sealed_before_purposes_still_open() {
        let key = SecretBox::generate_key();
        let nonce = [7u8; 24];
        let ciphertext = XChaCha20Poly1305::new((&key).into())
            .encrypt(XNonce::from_slice(&nonce), b"s3cret".as_slice())
            .expect("encrypt");
        let legacy = format!(
            "v1.{}",
            B64.encode([nonce.as_slice(), &ciphertext].concat())
        );
        let a = SecretBox::new(&key);
        assert_eq!(
            a.open(Purpose::ClientSecret, &legacy).as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            a.open(Purpose::SigningKey, &legacy).as_deref(),
            Some("s3cret")
        );
        assert_eq!(a.open(Purpose::Challenge, &legacy), None);
        let other = SecretBox::new(&SecretBox::generate_key());
        assert_eq!(other.open(Purpose::ClientSecret, &legacy), None);
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
