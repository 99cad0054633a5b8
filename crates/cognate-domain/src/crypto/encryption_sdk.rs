//! Messages of the AWS Encryption SDK (ESDK), as Cognito sends the code of a
//! CustomEmailSender or CustomSMSSender trigger: message format version 2 with algorithm
//! suite 0x0478 (AES_256_GCM_HKDF_SHA512_COMMIT_KEY: key-committing, unsigned), framed
//! content of 4096-byte frames, one encrypted data key. Key commitment is what lets the
//! message decrypt under every commitment policy, the default
//! REQUIRE_ENCRYPT_REQUIRE_DECRYPT included. The layout and derivations follow the ESDK
//! specification (`data-format/message-header.md`, `message-body.md`,
//! `message-body-aad.md`, `framework/transitive-requirements.md`).

use aws_lc_rs::{aead, hkdf};
use rand::RngCore;
use std::collections::BTreeMap;

/// AES_256_GCM_HKDF_SHA512_COMMIT_KEY.
pub(crate) const SUITE_ID: u16 = 0x0478;
const MESSAGE_FORMAT_VERSION: u8 = 0x02;
const FRAMED_CONTENT: u8 = 0x02;
/// The ESDK's default frame length.
pub(crate) const FRAME_LENGTH: usize = 4096;
pub(crate) const MESSAGE_ID_LEN: usize = 32;
/// The data key, the derived encryption key and the commitment key are all 256 bits.
pub(crate) const KEY_LEN: usize = 32;
const IV_LEN: usize = 12;
/// The sequence number field of a final frame starts with this mark.
const FINAL_FRAME_MARK: u32 = 0xFFFF_FFFF;
const FRAME_AAD: &[u8] = b"AWSKMSEncryptionClient Frame";
const FINAL_FRAME_AAD: &[u8] = b"AWSKMSEncryptionClient Final Frame";

/// The data key as a key provider encrypted it; for AWS KMS, the provider id `aws-kms`,
/// the key's ARN as provider info and KMS's CiphertextBlob.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EncryptedDataKey<'a> {
    pub provider_id: &'a str,
    pub provider_info: &'a [u8],
    pub ciphertext: &'a [u8],
}

/// Encrypts `plaintext` into an ESDK message under `data_key` (its 32 plaintext bytes),
/// whose encrypted form `edk` travels in the header with the encryption context. The
/// message id is random; frame IVs are deterministic, as the specification says.
pub(crate) fn encrypt(
    plaintext: &[u8],
    data_key: &[u8],
    edk: &EncryptedDataKey<'_>,
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, String> {
    let mut message_id = [0u8; MESSAGE_ID_LEN];
    rand::rng().fill_bytes(&mut message_id);
    encrypt_with_id(&message_id, plaintext, data_key, edk, context)
}

/// `encrypt` with the message id given, so that tests know every byte.
pub(crate) fn encrypt_with_id(
    message_id: &[u8; MESSAGE_ID_LEN],
    plaintext: &[u8],
    data_key: &[u8],
    edk: &EncryptedDataKey<'_>,
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, String> {
    if data_key.len() != KEY_LEN {
        return Err(format!(
            "the data key has {} bytes; AES-256 needs {KEY_LEN}",
            data_key.len()
        ));
    }
    let (encryption_key, commitment_key) = derive_keys(data_key, message_id)?;
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_256_GCM, &encryption_key)
            .map_err(|_| "the derived key is not an AES-256 key".to_string())?,
    );

    let mut out = Vec::with_capacity(message_capacity(edk, plaintext.len()));
    out.push(MESSAGE_FORMAT_VERSION);
    out.extend_from_slice(&SUITE_ID.to_be_bytes());
    out.extend_from_slice(message_id);
    let aad = serialize_context(context)?;
    out.extend_from_slice(&short(aad.len(), "the encryption context")?.to_be_bytes());
    out.extend_from_slice(&aad);
    out.extend_from_slice(&1u16.to_be_bytes());
    for (field, what) in [
        (edk.provider_id.as_bytes(), "the key provider id"),
        (edk.provider_info, "the key provider info"),
        (edk.ciphertext, "the encrypted data key"),
    ] {
        out.extend_from_slice(&short(field.len(), what)?.to_be_bytes());
        out.extend_from_slice(field);
    }
    out.push(FRAMED_CONTENT);
    out.extend_from_slice(&(FRAME_LENGTH as u32).to_be_bytes());
    out.extend_from_slice(&commitment_key);
    // Version 2's header authentication is the tag alone: its IV is all zeros, which
    // no frame uses (their sequence numbers start at 1).
    let tag = seal(&key, [0u8; IV_LEN], &out, &mut [])?;
    out.extend_from_slice(tag.as_ref());

    // Regular frames while more than a frame's worth remains; the rest, possibly
    // empty, is the final frame.
    let mut rest = plaintext;
    let mut sequence: u32 = 1;
    while rest.len() > FRAME_LENGTH {
        let (frame, after) = rest.split_at(FRAME_LENGTH);
        let iv = frame_iv(sequence);
        let aad = body_aad(message_id, FRAME_AAD, sequence, frame.len());
        let mut content = frame.to_vec();
        let tag = seal(&key, iv, &aad, &mut content)?;
        out.extend_from_slice(&sequence.to_be_bytes());
        out.extend_from_slice(&iv);
        out.extend_from_slice(&content);
        out.extend_from_slice(tag.as_ref());
        rest = after;
        sequence = sequence
            .checked_add(1)
            .filter(|s| *s != FINAL_FRAME_MARK)
            .ok_or("the plaintext needs more frames than a message may have")?;
    }
    let iv = frame_iv(sequence);
    let aad = body_aad(message_id, FINAL_FRAME_AAD, sequence, rest.len());
    let mut content = rest.to_vec();
    let tag = seal(&key, iv, &aad, &mut content)?;
    out.extend_from_slice(&FINAL_FRAME_MARK.to_be_bytes());
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(&iv);
    out.extend_from_slice(&(content.len() as u32).to_be_bytes());
    out.extend_from_slice(&content);
    out.extend_from_slice(tag.as_ref());
    // The suite has no signature, so there is no footer.
    Ok(out)
}

struct Length(usize);

impl hkdf::KeyType for Length {
    fn len(&self) -> usize {
        self.0
    }
}

/// The message's encryption key and commitment key: HKDF-SHA512 of the data key salted
/// with the message id, expanded with the suite id and `DERIVEKEY`, and with `COMMITKEY`.
pub(crate) fn derive_keys(
    data_key: &[u8],
    message_id: &[u8; MESSAGE_ID_LEN],
) -> Result<([u8; KEY_LEN], [u8; KEY_LEN]), String> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA512, message_id).extract(data_key);
    let failed = |_| "HKDF failed".to_string();
    let suite = SUITE_ID.to_be_bytes();
    let mut encryption_key = [0u8; KEY_LEN];
    prk.expand(&[&suite, b"DERIVEKEY"], Length(KEY_LEN))
        .map_err(failed)?
        .fill(&mut encryption_key)
        .map_err(failed)?;
    let mut commitment_key = [0u8; KEY_LEN];
    prk.expand(&[b"COMMITKEY"], Length(KEY_LEN))
        .map_err(failed)?
        .fill(&mut commitment_key)
        .map_err(failed)?;
    Ok((encryption_key, commitment_key))
}

/// The encryption context as the header's AAD: the pair count, then each key and value
/// with its length, sorted by key bytes (a `BTreeMap`'s order). Empty when the context
/// is, count included.
fn serialize_context(context: &BTreeMap<String, String>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    if context.is_empty() {
        return Ok(out);
    }
    out.extend_from_slice(
        &short(context.len(), "the encryption context's pair count")?.to_be_bytes(),
    );
    for (k, v) in context {
        for field in [k, v] {
            out.extend_from_slice(
                &short(field.len(), "an encryption context entry")?.to_be_bytes(),
            );
            out.extend_from_slice(field.as_bytes());
        }
    }
    Ok(out)
}

/// A frame's IV: its sequence number, big-endian, padded with zeros in front.
fn frame_iv(sequence: u32) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    iv[IV_LEN - 4..].copy_from_slice(&sequence.to_be_bytes());
    iv
}

/// A frame's associated data: message id, the frame kind's string, sequence number and
/// the plaintext's length.
fn body_aad(message_id: &[u8], kind: &[u8], sequence: u32, length: usize) -> Vec<u8> {
    let mut aad = Vec::with_capacity(message_id.len() + kind.len() + 12);
    aad.extend_from_slice(message_id);
    aad.extend_from_slice(kind);
    aad.extend_from_slice(&sequence.to_be_bytes());
    aad.extend_from_slice(&(length as u64).to_be_bytes());
    aad
}

fn seal(
    key: &aead::LessSafeKey,
    iv: [u8; IV_LEN],
    aad: &[u8],
    in_out: &mut [u8],
) -> Result<aead::Tag, String> {
    key.seal_in_place_separate_tag(
        aead::Nonce::assume_unique_for_key(iv),
        aead::Aad::from(aad),
        in_out,
    )
    .map_err(|_| "AES-GCM failed".to_string())
}

fn short(len: usize, what: &str) -> Result<u16, String> {
    u16::try_from(len).map_err(|_| format!("{what} is longer than 65535 bytes"))
}

fn message_capacity(edk: &EncryptedDataKey<'_>, plaintext: usize) -> usize {
    let frames = plaintext / FRAME_LENGTH + 1;
    128 + edk.provider_id.len()
        + edk.provider_info.len()
        + edk.ciphertext.len()
        + plaintext
        + frames * (4 + IV_LEN + 16 + 8)
}

#[cfg(test)]
mod tests {
    //! The messages are read back by a decryptor written here from the specification,
    //! on RustCrypto's HKDF and AES-GCM rather than aws-lc-rs.
    use super::*;
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::Aes256Gcm;

    const ARN: &str = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn edk() -> EncryptedDataKey<'static> {
        EncryptedDataKey {
            provider_id: "aws-kms",
            provider_info: ARN.as_bytes(),
            ciphertext: &[0xC1; 184],
        }
    }

    fn context() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("userpool-id".to_string(), "eu-west-1_AbCdEf123".to_string()),
            ("a-first".to_string(), "sorted before".to_string()),
        ])
    }

    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        fn take(&mut self, n: usize) -> &'a [u8] {
            assert!(self.0.len() >= n, "the message ends early");
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            head
        }
        fn u8(&mut self) -> u8 {
            self.take(1)[0]
        }
        fn u16(&mut self) -> u16 {
            u16::from_be_bytes(self.take(2).try_into().unwrap())
        }
        fn u32(&mut self) -> u32 {
            u32::from_be_bytes(self.take(4).try_into().unwrap())
        }
        fn field(&mut self) -> &'a [u8] {
            let n = self.u16() as usize;
            self.take(n)
        }
    }

    struct Header {
        message_id: Vec<u8>,
        context: Vec<(String, String)>,
        edks: Vec<(String, Vec<u8>, Vec<u8>)>,
        frame_length: u32,
        commitment: Vec<u8>,
    }

    fn hkdf_sha512(ikm: &[u8], salt: &[u8], info: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        ::hkdf::Hkdf::<sha2::Sha512>::new(Some(salt), ikm)
            .expand(info, &mut out)
            .unwrap();
        out
    }

    fn open(key: &[u8; 32], iv: &[u8], aad: &[u8], ciphertext_and_tag: &[u8]) -> Vec<u8> {
        Aes256Gcm::new_from_slice(key)
            .unwrap()
            .decrypt(
                iv.try_into().unwrap(),
                Payload {
                    msg: ciphertext_and_tag,
                    aad,
                },
            )
            .expect("authentic")
    }

    /// Reads and authenticates a message as an ESDK decryptor does; answers the header
    /// and the plaintext.
    fn decrypt(message: &[u8], data_key: &[u8]) -> (Header, Vec<u8>) {
        let mut r = Reader(message);
        assert_eq!(r.u8(), 0x02, "message format version");
        assert_eq!(r.u16(), 0x0478, "algorithm suite");
        let message_id = r.take(32).to_vec();
        let aad_length = r.u16() as usize;
        let mut aad = Reader(r.take(aad_length));
        let mut context = Vec::new();
        if aad_length > 0 {
            let pairs = aad.u16();
            for _ in 0..pairs {
                let k = String::from_utf8(aad.field().to_vec()).unwrap();
                let v = String::from_utf8(aad.field().to_vec()).unwrap();
                context.push((k, v));
            }
            assert!(aad.0.is_empty(), "the AAD length covers exactly the pairs");
        }
        let mut edks = Vec::new();
        for _ in 0..r.u16() {
            let id = String::from_utf8(r.field().to_vec()).unwrap();
            let info = r.field().to_vec();
            let ciphertext = r.field().to_vec();
            edks.push((id, info, ciphertext));
        }
        assert_eq!(r.u8(), 0x02, "framed content");
        let frame_length = r.u32();
        let commitment = r.take(32).to_vec();
        let header_body = &message[..message.len() - r.0.len()];
        let header_tag = r.take(16);

        let key = hkdf_sha512(data_key, &message_id, b"\x04\x78DERIVEKEY");
        let expected_commitment = hkdf_sha512(data_key, &message_id, b"COMMITKEY");
        assert_eq!(commitment, expected_commitment, "commitment key");
        let nothing = open(&key, &[0u8; 12], header_body, header_tag);
        assert!(nothing.is_empty());

        let mut plaintext = Vec::new();
        let mut expected_sequence = 1u32;
        loop {
            let first = r.u32();
            let final_frame = first == 0xFFFF_FFFF;
            let sequence = if final_frame { r.u32() } else { first };
            assert_eq!(sequence, expected_sequence, "frames in order");
            let iv = r.take(12);
            let mut expected_iv = [0u8; 12];
            expected_iv[8..].copy_from_slice(&sequence.to_be_bytes());
            assert_eq!(iv, expected_iv, "the IV is the sequence number");
            let length = if final_frame {
                let n = r.u32();
                assert!(n <= frame_length);
                n
            } else {
                frame_length
            } as usize;
            let sealed = r.take(length + 16);
            let mut aad = message_id.clone();
            aad.extend_from_slice(if final_frame {
                b"AWSKMSEncryptionClient Final Frame".as_slice()
            } else {
                b"AWSKMSEncryptionClient Frame".as_slice()
            });
            aad.extend_from_slice(&sequence.to_be_bytes());
            aad.extend_from_slice(&(length as u64).to_be_bytes());
            plaintext.extend(open(&key, iv, &aad, sealed));
            if final_frame {
                break;
            }
            expected_sequence += 1;
        }
        assert!(r.0.is_empty(), "no footer for an unsigned suite");
        let header = Header {
            message_id,
            context,
            edks,
            frame_length,
            commitment,
        };
        (header, plaintext)
    }

    #[test]
    fn the_header_is_version_2_with_the_committing_suite() {
        let data_key = [7u8; 32];
        let message_id = [0xA5; 32];
        let message =
            encrypt_with_id(&message_id, b"123456", &data_key, &edk(), &context()).unwrap();
        let (header, plaintext) = decrypt(&message, &data_key);
        assert_eq!(plaintext, b"123456");
        assert_eq!(header.message_id, message_id);
        assert_eq!(
            header.context,
            vec![
                ("a-first".to_string(), "sorted before".to_string()),
                ("userpool-id".to_string(), "eu-west-1_AbCdEf123".to_string()),
            ]
        );
        assert_eq!(
            header.edks,
            vec![(
                "aws-kms".to_string(),
                ARN.as_bytes().to_vec(),
                vec![0xC1; 184]
            )]
        );
        assert_eq!(header.frame_length, 4096);
        assert_eq!(
            header.commitment,
            derive_keys(&data_key, &message_id).unwrap().1
        );
        // The exact bytes of the start: version, suite, message id, AAD length (2 + two
        // pairs of 2 + key + 2 + value).
        assert_eq!(&message[..3], &[0x02, 0x04, 0x78]);
        let aad_len = 2 + (2 + 7 + 2 + 13) + (2 + 11 + 2 + 19);
        assert_eq!(&message[35..37], &(aad_len as u16).to_be_bytes());
        assert_eq!(&message[37..39], &[0, 2]);
        assert_eq!(&message[39..41], &[0, 7]);
        assert_eq!(&message[41..48], b"a-first");
    }

    #[test]
    fn an_empty_plaintext_is_one_empty_final_frame() {
        let data_key = [1u8; 32];
        let message = encrypt(b"", &data_key, &edk(), &context()).unwrap();
        let (_, plaintext) = decrypt(&message, &data_key);
        assert!(plaintext.is_empty());
        // Final frame: mark, sequence 1, IV, length 0, tag.
        let frame = &message[message.len() - (4 + 4 + 12 + 4 + 16)..];
        assert_eq!(&frame[..8], &[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1]);
        assert_eq!(&frame[20..24], &[0, 0, 0, 0]);
    }

    #[test]
    fn a_long_plaintext_spans_frames() {
        let data_key = [9u8; 32];
        let text: Vec<u8> = (0..2 * 4096 + 100).map(|i| (i % 251) as u8).collect();
        let message = encrypt(&text, &data_key, &edk(), &context()).unwrap();
        let (_, plaintext) = decrypt(&message, &data_key);
        assert_eq!(plaintext, text);
        // Exactly one frame's worth is a single full final frame.
        let full = vec![3u8; 4096];
        let message = encrypt(&full, &data_key, &edk(), &context()).unwrap();
        assert_eq!(decrypt(&message, &data_key).1, full);
        assert_eq!(
            &message[message.len() - (4 + 4 + 12 + 4 + 4096 + 16)..][..4],
            &[0xFF; 4]
        );
    }

    #[test]
    fn an_empty_context_has_no_pair_count() {
        let data_key = [2u8; 32];
        let message = encrypt(b"x", &data_key, &edk(), &BTreeMap::new()).unwrap();
        assert_eq!(&message[35..37], &[0, 0]);
        // The EDK count follows at once.
        assert_eq!(&message[37..39], &[0, 1]);
        let (header, plaintext) = decrypt(&message, &data_key);
        assert!(header.context.is_empty());
        assert_eq!(plaintext, b"x");
    }

    #[test]
    fn a_data_key_of_another_length_is_refused() {
        assert!(encrypt(b"x", &[4u8; 16], &edk(), &context()).is_err());
    }

    #[test]
    fn messages_differ_by_their_random_id() {
        let a = encrypt(b"x", &[4u8; 32], &edk(), &context()).unwrap();
        let b = encrypt(b"x", &[4u8; 32], &edk(), &context()).unwrap();
        assert_ne!(a[3..35], b[3..35]);
    }
}
