//! Request decoding and validation of every operation: the first byte picks the
//! operation, the rest is the body. Accepted, or refused with SerializationException or
//! InvalidParameterException; anything else (a panic included) is a finding.
#![no_main]

use cognate_api::{check_input, ErrorCode, Operation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&index, body)) = data.split_first() else {
        return;
    };
    let op = Operation::ALL[usize::from(index) % Operation::ALL.len()];
    if let Err(e) = check_input(op, body) {
        assert!(
            e.code == ErrorCode::SerializationException
                || e.code == ErrorCode::InvalidParameterException,
            "{}: {e}",
            op.name()
        );
    }
});
