//! RS256 JSON Web Tokens as Cognito writes them: header `{"kid","alg"}`, base64url
//! without padding, RSASSA-PKCS1-v1_5 with SHA-256 over RSA-2048 keys (aws-lc).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// One signing key: the private half signs, the public half verifies and is published.
pub struct SigningKey {
    pub kid: String,
    pair: KeyPair,
    public: ParsedPublicKey,
    /// `base64url({"kid":…,"alg":"RS256"})`, the first part of every token it signs.
    header: String,
    /// The key as its JWKS entry.
    pub jwk: Value,
    /// The private key (PKCS#8 DER): for the pool's certificate.
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    /// A new RSA-2048 key (tens of milliseconds: call it off the async workers).
    pub fn generate() -> Option<SigningKey> {
        let pair = KeyPair::generate(KeySize::Rsa2048).ok()?;
        let der = pair.as_der().ok()?;
        SigningKey::from_pkcs8(der.as_ref())
    }

    pub fn from_pkcs8(der: &[u8]) -> Option<SigningKey> {
        let pair = KeyPair::from_pkcs8(der).ok()?;
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let kid = STANDARD.encode(Sha256::digest(&n));
        let parsed =
            ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, public.as_ref()).ok()?;
        let header = B64URL.encode(json!({"kid": kid, "alg": "RS256"}).to_string());
        // serde_json's maps are ordered by key, which is the order Cognito's JWKS uses.
        let jwk = json!({
            "alg": "RS256",
            "e": B64URL.encode(e),
            "kid": kid,
            "kty": "RSA",
            "n": B64URL.encode(n),
            "use": "sig",
        });
        Some(SigningKey {
            kid,
            pair,
            public: parsed,
            header,
            jwk,
            pkcs8: der.to_vec(),
        })
    }

    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The token for `claims`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut token = self.header.clone();
        token.push('.');
        token.push_str(&B64URL.encode(claims.to_string()));
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        // Signing with a valid key into a buffer of the modulus' length cannot fail.
        if self
            .pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &rng,
                token.as_bytes(),
                &mut signature,
            )
            .is_err()
        {
            tracing::error!(kid = %self.kid, "RSA signing failed");
        }
        token.push('.');
        token.push_str(&B64URL.encode(signature));
        token
    }

    /// Whether `token` (already split by `decode`) carries this key's signature.
    pub fn verifies(&self, token: &Decoded) -> bool {
        self.public
            .verify_sig(token.signing_input.as_bytes(), &token.signature)
            .is_ok()
    }
}

/// A token taken apart, not yet verified.
#[derive(Debug)]
pub struct Decoded {
    pub kid: String,
    pub alg: String,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Decoded {
    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    pub fn num_claim(&self, name: &str) -> Option<f64> {
        self.claims.get(name).and_then(Value::as_f64)
    }

    /// What the signature covers: `<header>.<payload>` as they came.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

/// Splits a compact JWS and parses its header and claims; None for anything that is not
/// one.
pub fn decode(token: &str) -> Option<Decoded> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Map<String, Value> = serde_json::from_slice(&B64URL.decode(header).ok()?).ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&B64URL.decode(payload).ok()?).ok()?;
    Some(Decoded {
        kid: header
            .get("kid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        alg: header.get("alg")?.as_str()?.to_string(),
        claims,
        signing_input: token[..token.len() - signature.len() - 1].to_string(),
        signature: B64URL.decode(signature).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_with_their_key_only() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let token = key.sign(&json!({"sub": "abc", "exp": 10}));
        let decoded = decode(&token).unwrap();
        assert_eq!(decoded.kid, key.kid);
        assert_eq!(decoded.alg, "RS256");
        assert_eq!(decoded.str_claim("sub"), Some("abc"));
        assert!(key.verifies(&decoded));
        assert!(!other.verifies(&decoded));
        // A changed payload no longer verifies.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = B64URL.encode(json!({"sub": "abd", "exp": 10}).to_string());
        parts[1] = &forged;
        assert!(!key.verifies(&decode(&parts.join(".")).unwrap()));
        // The key survives a round trip through its PKCS#8 form.
        let again = SigningKey::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(again.kid, key.kid);
        assert!(again.verifies(&decoded));
        assert_eq!(key.jwk["kty"], "RSA");
        assert_eq!(key.jwk["e"], "AQAB");
        assert!(decode("a.b").is_none());
        assert!(decode("not a token").is_none());
    }
}
