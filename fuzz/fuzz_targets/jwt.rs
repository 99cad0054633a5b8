//! JWT decoding: any string is taken apart into header, claims and signature, or
//! refused; never a panic.
#![no_main]

use cognate_domain::fuzzing::decode_jwt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|token: &str| {
    if let Some(decoded) = decode_jwt(token) {
        let _ = (decoded.str_claim("iss"), decoded.num_claim("exp"));
    }
});
