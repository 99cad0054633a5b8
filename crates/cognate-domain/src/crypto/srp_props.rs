//! SRP with whatever a client sends: any A (0, N, multiples of N, values at or above N,
//! values far longer than N) and any verifier or B text never panic; A ≡ 0 mod N is
//! refused; and an honest exchange agrees on the signature while a wrong password does
//! not.

use super::modp3072::pow_g;
use super::srp::{
    claim_signature, client_signature, password_key, private_b, public_b, verifier_with_salt, N,
};
use crate::props::config;
use num_bigint::BigUint;
use proptest::prelude::*;

const POOL: &str = "us-east-1_Pool";

fn big(bytes: Vec<u8>) -> BigUint {
    BigUint::from_bytes_be(&bytes)
}

/// Client values A, weighted towards the edges around multiples of N.
fn client_a() -> impl Strategy<Value = BigUint> {
    prop_oneof![
        Just(BigUint::from(0u32)),
        Just(BigUint::from(1u32)),
        Just(N.clone()),
        Just(&*N - 1u32),
        Just(&*N + 1u32),
        (0u32..1000).prop_map(|k| &*N * k),
        (1u32..1000, any::<u32>()).prop_map(|(k, d)| &*N * k + d),
        prop::collection::vec(any::<u8>(), 0..=384).prop_map(big),
        prop::collection::vec(any::<u8>(), 385..2048).prop_map(big),
    ]
}

/// A verifier as stored, or any text in its place.
fn verifier_hex() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{1,8}".prop_map(|p| verifier_with_salt(POOL, "alice", &p, "c0ffee").verifier),
        "[0-9a-fA-F]{0,1000}",
        any::<String>(),
    ]
}

fn secret() -> impl Strategy<Value = BigUint> {
    prop_oneof![
        Just(BigUint::from(0u32)),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(big),
    ]
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_client_a_is_keyed_or_refused(
        a in client_a(),
        b in secret(),
        v in verifier_hex(),
        timestamp in any::<String>(),
        block in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let server_b = public_b(&v, &b);
        prop_assert!(server_b < *N);
        let key = password_key(&a, &server_b, &b, &v);
        if (&a % &*N) == BigUint::from(0u32) {
            prop_assert!(key.is_none(), "A ≡ 0 mod N was accepted");
        }
        if let Some(key) = key {
            claim_signature(&key, POOL, "alice", &block, &timestamp);
        }
    }

    #[test]
    fn a_multiple_of_n_is_always_refused(k in 0u32..u32::MAX, b in secret()) {
        let v = verifier_with_salt(POOL, "alice", "Passw0rd!", "c0ffee").verifier;
        let server_b = public_b(&v, &b);
        prop_assert!(password_key(&(&*N * k), &server_b, &b, &v).is_none());
    }

    #[test]
    fn any_text_as_a_number_parses_or_is_refused(text in any::<String>()) {
        // How SRP_A and stored values are read.
        if let Some(a) = BigUint::parse_bytes(text.as_bytes(), 16) {
            let _ = &a % &*N;
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn an_honest_exchange_agrees_and_a_wrong_password_does_not(
        a in prop::collection::vec(any::<u8>(), 32).prop_map(big),
        password in "[ -~]{1,16}",
        wrong in "[ -~]{1,16}",
        salt in "[0-9a-f]{2,32}",
    ) {
        let v = verifier_with_salt(POOL, "alice", &password, &salt).verifier;
        let b = private_b();
        let server_b = public_b(&v, &b);
        let client_a = pow_g(&a);
        let key = password_key(&client_a, &server_b, &b, &v).unwrap();
        let expected = claim_signature(&key, POOL, "alice", b"block", "now");
        let sign = |password: &str| {
            client_signature(
                POOL, "alice", password, &salt, &server_b.to_str_radix(16), &a, &client_a,
                b"block", "now",
            )
        };
        prop_assert_eq!(sign(&password), Some(expected));
        if wrong != password {
            prop_assert_ne!(sign(&wrong), Some(expected));
        }
    }
}
