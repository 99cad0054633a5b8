//! JWT decoding and verification: no string makes `decode` panic, a token this service
//! signs decodes to its claims and verifies, and any change to it makes it undecodable or
//! unverifiable.

use super::jwt::{decode, SigningKey};
use crate::props::config;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::sync::LazyLock;

static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate().unwrap());

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        // Quarters: exactly written and read back as JSON.
        (-4_000_000i64..4_000_000).prop_map(|q| Value::from(q as f64 / 4.0)),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn claims() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(
        prop_oneof![
            prop::sample::select(vec!["sub", "iss", "token_use", "exp", "username"])
                .prop_map(str::to_string),
            any::<String>(),
        ],
        json_value(),
        0..6,
    )
    .prop_map(|m| m.into_iter().collect())
}

/// Three parts, each base64url of JSON, of bytes, or anything.
fn token_like() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        json_value().prop_map(|v| B64URL.encode(v.to_string())),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| B64URL.encode(b)),
        "[A-Za-z0-9_=+/.-]{0,24}",
        any::<String>(),
    ];
    prop_oneof![
        (part.clone(), part.clone(), part).prop_map(|(h, p, s)| format!("{h}.{p}.{s}")),
        any::<String>(),
    ]
}

/// A token with a few characters replaced, removed or inserted.
fn mutate(token: &str, edits: &[(usize, char, u8)]) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    for &(at, c, kind) in edits {
        let at = at % (chars.len() + 1);
        match kind {
            0 if at < chars.len() => chars[at] = c,
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.insert(at, c),
        }
    }
    chars.into_iter().collect()
}

fn edit() -> impl Strategy<Value = (usize, char, u8)> {
    let c = prop_oneof![
        8 => prop::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                .chars()
                .collect::<Vec<_>>(),
        ),
        1 => Just('.'),
        1 => Just('='),
        1 => any::<char>(),
    ];
    (any::<usize>(), c, 0u8..3)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_string_decodes_or_is_refused(token in token_like()) {
        if let Some(decoded) = decode(&token) {
            // Whatever decodes was not signed by this key.
            prop_assert!(!KEY.verifies(&decoded));
        }
    }

    #[test]
    fn signed_claims_decode_and_verify(claims in claims()) {
        let token = KEY.sign(&Value::Object(claims.clone()));
        let decoded = decode(&token).unwrap();
        prop_assert_eq!(&decoded.kid, &KEY.kid);
        prop_assert_eq!(&decoded.alg, "RS256");
        prop_assert!(KEY.verifies(&decoded));
        prop_assert_eq!(decoded.claims, claims);
    }

    #[test]
    fn a_changed_token_never_verifies(
        claims in claims(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let token = KEY.sign(&Value::Object(claims));
        let changed = mutate(&token, &edits);
        prop_assume!(changed != token);
        if let Some(decoded) = decode(&changed) {
            prop_assert!(!KEY.verifies(&decoded), "{}", changed);
        }
    }
}
