//! AWS KMS as the domain sees it: data keys for the codes of the CustomEmailSender and
//! CustomSMSSender triggers, under the pool's `LambdaConfig.KMSKeyID`. The binary gives
//! the service cognate-delivery's client of KMS's JSON API (`--kms-endpoint`); without
//! one no code can be encrypted.

use crate::crypto::encryption_sdk::{self, EncryptedDataKey};
use base64::Engine as _;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// GenerateDataKey's answer: the key in plaintext and encrypted, and the ARN of the KMS
/// key that encrypted it.
#[derive(Clone)]
pub struct DataKey {
    pub plaintext: Vec<u8>,
    pub ciphertext_blob: Vec<u8>,
    pub key_id: String,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

pub type DataKeyFuture<'a> = Pin<Box<dyn Future<Output = Result<DataKey, String>> + Send + 'a>>;

/// Makes data keys. An `Err` is in words for the operator's log, without key material.
pub trait KeyService: Send + Sync + 'static {
    /// A 256-bit data key under `key_id` (an ARN, key id or alias), bound to
    /// `encryption_context`, which decrypting it must name again.
    fn generate_data_key(
        &self,
        key_id: &str,
        encryption_context: &BTreeMap<String, String>,
    ) -> DataKeyFuture<'_>;

    /// Whether there is a KMS to call at all.
    fn configured(&self) -> bool {
        true
    }
}

/// No `--kms-endpoint`: every data key fails.
pub struct NoKms;

impl KeyService for NoKms {
    fn generate_data_key(
        &self,
        _key_id: &str,
        _encryption_context: &BTreeMap<String, String>,
    ) -> DataKeyFuture<'_> {
        Box::pin(async { Err("no --kms-endpoint is configured".to_string()) })
    }

    fn configured(&self) -> bool {
        false
    }
}

/// The KMS key provider's id in an ESDK message.
const AWS_KMS_PROVIDER: &str = "aws-kms";

/// A one-time code as Cognito gives it to a custom sender trigger (`request.code`):
/// base64 of an ESDK message under a fresh data key from `key_id`, with the encryption
/// context `{"userpool-id": pool_id}`, which the function's KMS keyring decrypts.
pub(crate) async fn encrypt_code(
    kms: &dyn KeyService,
    key_id: &str,
    pool_id: &str,
    code: &str,
) -> Result<String, String> {
    let context = BTreeMap::from([("userpool-id".to_string(), pool_id.to_string())]);
    let data_key = kms.generate_data_key(key_id, &context).await?;
    let edk = EncryptedDataKey {
        provider_id: AWS_KMS_PROVIDER,
        provider_info: data_key.key_id.as_bytes(),
        ciphertext: &data_key.ciphertext_blob,
    };
    let message = encryption_sdk::encrypt(code.as_bytes(), &data_key.plaintext, &edk, &context)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Hands out one fixed key and records what it was asked.
    struct FixedKms(Mutex<Vec<(String, BTreeMap<String, String>)>>);

    impl KeyService for FixedKms {
        fn generate_data_key(
            &self,
            key_id: &str,
            encryption_context: &BTreeMap<String, String>,
        ) -> DataKeyFuture<'_> {
            self.0
                .lock()
                .unwrap()
                .push((key_id.to_string(), encryption_context.clone()));
            Box::pin(async {
                Ok(DataKey {
                    plaintext: vec![0x42; 32],
                    ciphertext_blob: vec![0xEE; 100],
                    key_id: "arn:aws:kms:us-east-1:123456789012:key/k".to_string(),
                })
            })
        }
    }

    #[tokio::test]
    async fn a_code_is_encrypted_under_the_pool_s_context() {
        let kms = FixedKms(Mutex::default());
        let code = encrypt_code(&kms, "alias/codes", "us-east-1_Pool", "123456")
            .await
            .unwrap();
        let asked = kms.0.lock().unwrap().clone();
        let context = BTreeMap::from([("userpool-id".to_string(), "us-east-1_Pool".to_string())]);
        assert_eq!(asked, vec![("alias/codes".to_string(), context)]);
        let message = base64::engine::general_purpose::STANDARD
            .decode(code)
            .unwrap();
        let arn = b"arn:aws:kms:us-east-1:123456789012:key/k";
        let at = message
            .windows(arn.len())
            .position(|w| w == arn)
            .expect("the key's ARN is the provider info");
        assert_eq!(&message[at - 2 - 7..at - 2], b"aws-kms");
    }

    #[tokio::test]
    async fn without_kms_nothing_is_encrypted() {
        assert!(!NoKms.configured());
        let err = encrypt_code(&NoKms, "k", "p", "1").await.unwrap_err();
        assert!(err.contains("--kms-endpoint"), "{err}");
    }
}
