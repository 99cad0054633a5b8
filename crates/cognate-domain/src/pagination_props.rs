//! Pagination tokens: any position survives a round trip, and any string a client sends
//! back is a position or InvalidParameterException, never a panic.

use crate::pagination::{decode, encode};
use crate::props::config;
use cognate_api::ErrorCode;
use proptest::prelude::*;

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_position_survives_its_token(position in any::<String>()) {
        let token = encode(&position);
        prop_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(decode(Some(&token)).unwrap(), Some(position));
    }

    #[test]
    fn any_token_decodes_or_is_refused(token in prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_=+/-]{0,64}",
        // Base64 of bytes that are not UTF-8.
        prop::collection::vec(any::<u8>(), 0..48).prop_map(|b| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
        }),
    ]) {
        match decode(Some(&token)) {
            Ok(position) => prop_assert_eq!(position.map(|p| encode(&p)), Some(token)),
            Err(e) => {
                prop_assert_eq!(e.0.code, ErrorCode::InvalidParameterException);
                prop_assert_eq!(e.0.message, "Invalid pagination token.");
            }
        }
    }
}
