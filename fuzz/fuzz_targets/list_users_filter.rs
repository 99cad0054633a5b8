//! ListUsers' `Filter`: parsed to a searchable attribute and a value without NUL, or
//! refused with InvalidParameterException.
#![no_main]

use cognate_api::ErrorCode;
use cognate_domain::fuzzing::{parse_user_filter, SEARCHABLE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|filter: &str| {
    match parse_user_filter(filter) {
        Ok(None) => assert!(filter.trim().is_empty()),
        Ok(Some(f)) => {
            assert!(SEARCHABLE.contains(&f.attribute.as_str()));
            assert!(!f.value.contains('\0'));
        }
        Err(e) => assert_eq!(e.0.code, ErrorCode::InvalidParameterException),
    }
});
