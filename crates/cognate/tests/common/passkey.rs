//! A software passkey for the end-to-end tests, written apart from the server's code
//! as `srp.rs` is: an ES256 key pair that answers WebAuthn creation and request
//! options as a browser and authenticator would, written from the WebAuthn
//! specification (authenticator data, `none` and `packed` self attestation), with
//! aws-lc-rs for the key and serde_cbor_2 for the encoding.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_cbor_2::Value as Cbor;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// How the authenticator attests a new credential.
#[derive(Clone, Copy, PartialEq)]
pub enum Attestation {
    None,
    /// `packed` self attestation: signed by the credential's own key.
    Packed,
}

pub struct SoftAuthenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    /// The signature counter; each assertion adds `counter_step` first.
    pub counter: u32,
    pub counter_step: u32,
    /// Whether it verifies its user (the UV flag).
    pub verifies_user: bool,
}

fn b64(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

fn text(s: &str) -> Cbor {
    Cbor::Text(s.to_string())
}

impl SoftAuthenticator {
    pub fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .expect("key generation");
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).expect("key");
        let mut credential_id = vec![0u8; 16];
        aws_lc_rs::rand::fill(&mut credential_id).expect("random");
        SoftAuthenticator {
            key,
            credential_id,
            counter: 0,
            counter_step: 1,
            verifies_user: true,
        }
    }

    pub fn id(&self) -> String {
        b64(&self.credential_id)
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key
            .sign(&SystemRandom::new(), message)
            .expect("sign")
            .as_ref()
            .to_vec()
    }

    fn flags(&self, attested: bool) -> u8 {
        let mut flags = 0x01; // user present
        if self.verifies_user {
            flags |= 0x04;
        }
        if attested {
            flags |= 0x40;
        }
        flags
    }

    /// The COSE_Key of the public key (EC2, P-256, ES256).
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        let mut map = BTreeMap::new();
        map.insert(Cbor::Integer(1), Cbor::Integer(2));
        map.insert(Cbor::Integer(3), Cbor::Integer(-7));
        map.insert(Cbor::Integer(-1), Cbor::Integer(1));
        map.insert(Cbor::Integer(-2), Cbor::Bytes(point[1..33].to_vec()));
        map.insert(Cbor::Integer(-3), Cbor::Bytes(point[33..65].to_vec()));
        serde_cbor_2::to_vec(&Cbor::Map(map)).expect("cbor")
    }

    /// `navigator.credentials.create()` on `origin` with `options`
    /// (CredentialCreationOptions as JSON), as RegistrationResponseJSON; `rp_id`
    /// overrides the options' relying party.
    pub fn create(
        &mut self,
        options: &Value,
        origin: &str,
        rp_id: Option<&str>,
        attestation: Attestation,
    ) -> Value {
        let rp_id = rp_id
            .or_else(|| options["rp"]["id"].as_str())
            .expect("rp id");
        let client_data = json!({
            "type": "webauthn.create",
            "challenge": options["challenge"],
            "origin": origin,
            "crossOrigin": false,
        })
        .to_string();
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags(true));
        auth_data.extend(self.counter.to_be_bytes());
        auth_data.extend([0u8; 16]); // AAGUID
        auth_data.extend((self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.cose_key());
        let mut statement = BTreeMap::new();
        let format = match attestation {
            Attestation::None => "none",
            Attestation::Packed => {
                let mut signed = auth_data.clone();
                signed.extend(Sha256::digest(client_data.as_bytes()));
                statement.insert(text("alg"), Cbor::Integer(-7));
                statement.insert(text("sig"), Cbor::Bytes(self.sign(&signed)));
                "packed"
            }
        };
        let mut object = BTreeMap::new();
        object.insert(text("fmt"), text(format));
        object.insert(text("attStmt"), Cbor::Map(statement));
        object.insert(text("authData"), Cbor::Bytes(auth_data));
        let object = serde_cbor_2::to_vec(&Cbor::Map(object)).expect("cbor");
        json!({
            "id": self.id(),
            "rawId": self.id(),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "attestationObject": b64(&object),
                "transports": ["internal", "hybrid"],
            },
        })
    }

    /// `navigator.credentials.get()` on `origin` with `options`
    /// (PublicKeyCredentialRequestOptions as JSON), as AuthenticationResponseJSON for
    /// the user whose handle is `user_handle`.
    pub fn get(&mut self, options: &Value, origin: &str, user_handle: &[u8]) -> Value {
        self.counter += self.counter_step;
        let rp_id = options["rpId"].as_str().expect("rp id");
        let client_data = json!({
            "type": "webauthn.get",
            "challenge": options["challenge"],
            "origin": origin,
            "crossOrigin": false,
        })
        .to_string();
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags(false));
        auth_data.extend(self.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(client_data.as_bytes()));
        json!({
            "id": self.id(),
            "rawId": self.id(),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "authenticatorData": b64(&auth_data),
                "signature": b64(&self.sign(&signed)),
                "userHandle": b64(user_handle),
            },
        })
    }
}
